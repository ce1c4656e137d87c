"""Files for the checkpoint tests: version-1 checkpoints as tinygrad_edu wrote them before
safetensors, zip entries assembled by hand (for bombs), and an exact comparison of loaded states."""
import json
import math
import struct
import zlib
from collections.abc import Mapping

import numpy as np

from tinygrad_edu import Tensor


def save_version_1(state, path) -> None:
    """Write `state` as the version-1 .npz checkpoint that tinygrad_edu's save wrote until
    safetensors (the same entries, metadata and bytes)."""
    arrays, values, lists = {}, {}, []

    def flatten(node, prefix):
        items = node.items() if isinstance(node, Mapping) else enumerate(node)
        if not isinstance(node, Mapping):
            lists.append(prefix)
        for key, value in items:
            path = f"{prefix}/{key}" if prefix else str(key)
            value = value.numpy() if isinstance(value, Tensor) else value
            if isinstance(value, (Mapping, list, tuple)) and not value:
                values[path] = {} if isinstance(value, Mapping) else []
            elif isinstance(value, (Mapping, list, tuple)):
                flatten(value, path)
            elif isinstance(value, np.ndarray):
                arrays[path] = value
            else:
                values[path] = value.item() if isinstance(value, np.generic) else value

    flatten(state, "")
    meta = json.dumps({"format": "tinygrad_edu.checkpoint", "version": 1, "arrays": list(arrays),
                       "values": values, "lists": lists})
    with open(path, "wb") as f:
        np.savez(f, __tinygrad_edu__=np.array(meta), **arrays)


def npy_header(dtype: str, shape: tuple) -> bytes:
    """The header of a version-1.0 .npy file (magic, length, dict, padding to 64 bytes)."""
    text = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape}, }}"
    text += " " * (-(10 + len(text) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode()


def deflated(prefix: bytes, zero_mib: int) -> bytes:
    """A raw deflate stream that inflates to `prefix` then `zero_mib` MiB of zeros, made in
    milliseconds: one fully flushed MiB of zeros repeated, then an empty final block."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(bytes(1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return start + block * zero_mib + b"\x03\x00"  # an empty final fixed-Huffman block


def zip_archive(entries) -> bytes:
    """A zip of (name, stored bytes, method, crc, declared uncompressed size) entries, with sizes
    as declared, however false (zipfile refuses to write such archives)."""
    local, directory = b"", b""
    for name, data, method, crc, size in entries:
        name = name.encode()
        fields = struct.pack("<HHHHHIII", 20, 0, method, 0, 33, crc, len(data), size)
        directory += (b"PK\x01\x02" + struct.pack("<H", 20) + fields +
                      struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, len(local)) + name)
        local += b"PK\x03\x04" + fields + struct.pack("<HH", len(name), 0) + name + data
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), len(local), 0)
    return local + directory + end


def same(a, b) -> bool:
    """Whether `b` is `a` as loaded: the same types (a dict as any mapping), keys in the same
    order with the same types, arrays of the same dtype, shape and bytes, floats of the same bits."""
    if isinstance(a, Mapping):
        return (isinstance(b, Mapping) and [(type(k), k) for k in a] == [(type(k), k) for k in b]
                and all(same(a[k], b[k]) for k in a))
    if isinstance(a, Tensor):
        a = a.numpy()
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, (np.ndarray, np.generic)):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))
    return a == b
