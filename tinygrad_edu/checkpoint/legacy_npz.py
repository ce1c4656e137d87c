"""Reading format version 1, the .npz checkpoints that tinygrad_edu wrote before safetensors,
without ever allocating much more than the file's size.

Version 1 is a NumPy .npz archive (a zip of .npy files, stored uncompressed): each array of the
nested state under its path, parts joined by "/"; the entry `__tinygrad_edu__` a JSON text
{"format": "tinygrad_edu.checkpoint", "version": 1, "arrays": [paths], "values": {path: JSON
value}, "lists": [paths of lists]}. Before an entry is read, its uncompressed size is checked
against what is left of a budget of the file's size, and the size its .npy header declares
against the entry's size, so neither a zip bomb nor a header declaring 1 TiB allocates more."""
from __future__ import annotations

import json
import lzma
import math
import struct
import zipfile
import zlib
from collections import OrderedDict
from typing import Any, BinaryIO

import numpy as np

from .errors import CheckpointError

FORMAT, META = "tinygrad_edu.checkpoint", "__tinygrad_edu__"
MAX_ENTRIES = 10_000  # zipfile keeps ~0.5 KB per entry of the central directory it parses
MAX_META = 4 << 20  # bytes of the metadata entry: 1 Mi characters of UTF-32, as safetensors_file.MAX_DOC
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def read(file: BinaryIO, path: str, size: int) -> Any:
    """The state in the version-1 checkpoint open as `file` (a binary file of `size` bytes)."""
    try:
        return _read(file, path, size)
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, struct.error, EOFError, OSError, RuntimeError,
            ValueError) as e:  # RuntimeError: an "encrypted" entry, an unknown compression, deep JSON
        raise CheckpointError(f"load: {path!r} is truncated or corrupt: {e}") from None


def npy_error(file: BinaryIO, path: str) -> CheckpointError:
    """What to say of a lone .npy file (an array, not a checkpoint), having read only its header."""
    try:
        shape, _, dtype = _npy_header(file)
    except ValueError as e:
        return CheckpointError(f"load: {path!r} is truncated or corrupt: {e}")
    if dtype.hasobject:
        return CheckpointError(f"load: {path!r} contains pickled Python objects, which could run code when loaded; "
                               "refused")
    return CheckpointError(f"load: {path!r} is a single NumPy array ({dtype}, shape {shape}), not a checkpoint; "
                           "read it with numpy.load")


def _read(file, path: str, size: int):
    entries = _directory_entries(file)
    if entries > MAX_ENTRIES:
        raise CheckpointError(f"load: {path!r} is a zip archive of up to {entries:,} entries, more than the "
                              f"{MAX_ENTRIES:,} accepted; refused")
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        names = set(archive.namelist())
        if any(name.endswith("data.pkl") for name in names):
            raise CheckpointError(f"load: {path!r} was written by torch.save: it holds pickles, which could run code "
                                  "when loaded; refused. Load it with torch.load(path, weights_only=True), or save "
                                  "the state dict with safetensors.torch.save_file")
        if f"{META}.npy" not in names:
            raise CheckpointError(f"load: {path!r} is not a tinygrad_edu checkpoint (no {META} entry)")
        left = size  # bytes that entries may still inflate to: all of them fit in the file uncompressed

        def entry(key: str, kinds: str, limit: int) -> np.ndarray:
            nonlocal left
            try:
                info = archive.getinfo(f"{key}.npy")
            except KeyError:
                raise ValueError(f"the entry {key!r} is listed but missing") from None
            if info.file_size > min(left, limit):
                raise CheckpointError(f"load: {path!r}: the entry {key!r} would inflate to {info.file_size:,} bytes, "
                                      f"more than the {min(left, limit):,} accepted; refused (a zip bomb?)")
            left -= info.file_size
            return _array(archive, info, key, path, kinds)

        meta = json.loads(str(entry(META, "U", MAX_META)[()]))
        if not (isinstance(meta, dict) and meta.get("format") == FORMAT and type(meta.get("version")) is int):
            raise ValueError(f"its {META} entry is not a {FORMAT} document")
        if meta["version"] > 1:
            raise CheckpointError(f"load: {path!r} is format version {meta['version']}, newer than this "
                                  "tinygrad_edu reads; upgrade tinygrad_edu")
        paths, values, lists = meta.get("arrays"), meta.get("values"), meta.get("lists")
        if not (_strings(paths) and isinstance(values, dict) and _strings(lists)):
            raise ValueError(f"its {META} entry lacks the lists 'arrays' and 'lists' of paths or the dict 'values'")
        arrays = {key: entry(key, "biufc", size) for key in paths}
    return _unflatten(arrays, values, lists)


def _directory_entries(file) -> int:
    """How many central-directory signatures the file holds: at least as many as zipfile would
    parse, counted in constant memory."""
    file.seek(0)
    count, tail = 0, b""
    while chunk := file.read(1 << 20):
        data = tail + chunk
        count += data.count(b"PK\x01\x02")
        tail = data[-3:]
    return count


def _array(archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, path: str, kinds: str) -> np.ndarray:
    """The .npy entry `info` as an array, once its header's shape matches the entry's size."""
    with archive.open(info) as member:
        shape, fortran_order, dtype = _npy_header(member)
        if dtype.hasobject:
            raise CheckpointError(f"load: {path!r} contains pickled Python objects, which could run code when "
                                  "loaded; refused")
        if dtype.kind not in kinds:
            raise ValueError(f"the entry {key!r} is an array of {dtype}")
        count, stored = math.prod(shape), info.file_size - member.tell()
        if count * dtype.itemsize != stored:
            raise ValueError(f"the entry {key!r} declares {count * dtype.itemsize:,} bytes of data but holds "
                             f"{stored:,}")
        data = bytearray(stored)
        if member.readinto(data) != stored:  # reading to the end also checks the CRC
            raise ValueError(f"the entry {key!r} is truncated")
    array = np.frombuffer(data, dtype=dtype, count=count)
    return array.reshape(shape[::-1]).T if fortran_order else array.reshape(shape)


def _npy_header(file):
    version = np.lib.format.read_magic(file)
    if version not in _HEADER_READERS:
        raise ValueError(f".npy format version {version} is not read here")
    return _HEADER_READERS[version](file)


def _strings(items) -> bool:
    return isinstance(items, list) and all(isinstance(item, str) for item in items)


def _unflatten(arrays: dict, values: dict, lists: list) -> OrderedDict:
    """Nested OrderedDicts (and lists) from paths joined by "/"; ValueError where paths clash."""
    root = OrderedDict()
    for key, value in [*arrays.items(), *values.items()]:
        *parents, last = key.split("/")
        node = _walk(root, parents, key)
        if last in node:
            raise ValueError(f"the path {key!r} appears twice")
        node[last] = value
    for key in sorted(set(lists), key=lambda p: -p.count("/")):  # innermost first
        *parents, last = key.split("/")
        node = _walk(root, parents, key)
        items = node.get(last)
        if not isinstance(items, OrderedDict) or sorted(items) != sorted(map(str, range(len(items)))):
            raise ValueError(f"the list {key!r} does not hold the items 0, 1, ...")
        node[last] = [items[str(i)] for i in range(len(items))]
    return root


def _walk(root: OrderedDict, parents: list, key: str) -> OrderedDict:
    node = root
    for part in parents:
        node = node.setdefault(part, OrderedDict())
        if not isinstance(node, OrderedDict):
            raise ValueError(f"the path {key!r} lies under a value")
    return node
