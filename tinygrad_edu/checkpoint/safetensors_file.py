"""Checkpoints as safetensors files (format version 2), written and read with the `safetensors`
library: the arrays are the file's tensors, so `safetensors.torch.load_file` reads a saved state
dict; the rest of the state is a JSON tree (tree.py) in the header's metadata, with a SHA-256
digest of the tree and the tensors, so that a damaged file is an error rather than wrong weights."""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import safetensors.numpy
from safetensors import SafetensorError, safe_open

from .errors import CheckpointError
from .tree import decode, encode

FORMAT, VERSION = "tinygrad_edu.checkpoint", 2
DOC_KEY, DIGEST_KEY = "tinygrad_edu", "tinygrad_edu.sha256"  # metadata entries: the JSON document, its digest
# Loading costs memory beyond the tensors: parsing JSON up to ~30 bytes a character (empty lists),
# the safetensors header up to ~25 bytes a byte (empty tensors). These caps keep each under 32 MiB
# and keep ~15,000 epochs of a Trainer's history (~60 characters each).
MAX_DOC = 1 << 20  # characters of the JSON document
MAX_HEADER = 2 << 20  # bytes of the safetensors header (tensor names, shapes, offsets, the metadata)
NUMPY_DTYPES = {"BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64", "F16", "F32", "F64", "C64"}


def to_bytes(state: Mapping) -> bytes:
    """The safetensors file of `state`, or a CheckpointError naming what cannot be saved."""
    tree, tensors = encode(state)
    try:
        doc = json.dumps({"format": FORMAT, "version": VERSION, "tree": tree}, separators=(",", ":"))
    except ValueError as e:  # an int of more than 4300 digits
        raise CheckpointError(f"save: {e}") from None
    if len(doc) > MAX_DOC:
        raise CheckpointError(f"save: the state besides its arrays is {len(doc):,} characters of JSON, more than the "
                              f"{MAX_DOC:,} a load accepts; keep long lists of numbers as NumPy arrays")
    # "format": "pt" tells Hugging Face loaders the tensors follow PyTorch's layout, as they do
    metadata = {"format": "pt", DOC_KEY: doc, DIGEST_KEY: digest(doc, tensors.items())}
    data = safetensors.numpy.save(tensors, metadata)
    header = int.from_bytes(data[:8], "little")
    if header > MAX_HEADER:
        raise CheckpointError(f"save: the file's header would be {header:,} bytes ({len(tensors):,} tensors), more "
                              f"than the {MAX_HEADER:,} a load accepts")
    return data


def read(path: str, size: int, head: bytes) -> Any:
    """The state in the safetensors file at `path` (of `size` bytes, starting with `head`): a
    tinygrad_edu checkpoint as saved, any other safetensors file as an OrderedDict of its tensors.
    The header's length is checked against the file's size before anything is parsed."""
    length = int.from_bytes(head[:8], "little")
    if length > size - 8:
        raise CheckpointError(f"load: {path!r} is truncated or corrupt: its header declares {length:,} bytes, "
                              f"but the file has {size:,}")
    if length > MAX_HEADER:
        raise CheckpointError(f"load: {path!r} has a header of {length:,} bytes, more than the {MAX_HEADER:,} "
                              "accepted; refused")
    try:
        with safe_open(path, framework="numpy") as f:
            return _contents(f, path)
    except (SafetensorError, OSError, ValueError, TypeError, RecursionError) as e:
        raise CheckpointError(f"load: {path!r} is truncated or corrupt: {e}") from None


def digest(doc: str, tensors: Iterable[tuple[str, np.ndarray]]) -> str:
    """SHA-256 of the JSON document and of each (name, array)'s name, dtype, shape and bytes, in order."""
    h = hashlib.sha256(doc.encode())
    for name, array in tensors:
        h.update(json.dumps([name, array.dtype.str, array.shape]).encode())
        h.update(array.data)
    return h.hexdigest()


def _contents(f, path: str):
    metadata, names = f.metadata() or {}, f.keys()
    if DOC_KEY not in metadata and DIGEST_KEY not in metadata:  # written by another program
        return OrderedDict((name, _tensor(f, name, path)) for name in names)
    doc, expected = metadata.get(DOC_KEY), metadata.get(DIGEST_KEY)
    if doc is None or expected is None:
        raise ValueError(f"its metadata has {DOC_KEY!r} or {DIGEST_KEY!r} but not both")
    if len(doc) > MAX_DOC:
        raise CheckpointError(f"load: {path!r} holds {len(doc):,} characters of JSON, more than the {MAX_DOC:,} "
                              "accepted; refused")
    meta = json.loads(doc)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or type(meta.get("version")) is not int:
        raise ValueError(f"its {DOC_KEY!r} metadata is not a {FORMAT} document")
    if meta["version"] > VERSION:
        raise CheckpointError(f"load: {path!r} is format version {meta['version']}, newer than this tinygrad_edu "
                              f"reads ({VERSION}); upgrade tinygrad_edu")
    if meta["version"] != VERSION:
        raise ValueError(f"version {meta['version']} is not a safetensors version of {FORMAT}")
    unread, fetched = set(names), []

    def fetch(name: str):
        if name not in unread:
            raise ValueError(f"the structure names the tensor {name!r} " +
                             ("twice" if any(n == name for n, _ in fetched) else "that the file lacks"))
        unread.remove(name)
        fetched.append((name, _tensor(f, name, path)))
        return fetched[-1][1]

    state = decode(meta.get("tree"), fetch)
    if unread:
        raise ValueError(f"the file holds tensors that its structure does not name: {sorted(unread)[:5]}")
    if digest(doc, fetched) != expected:
        raise ValueError("its contents do not match their SHA-256 digest (the file was damaged)")
    if not isinstance(state, Mapping):
        raise ValueError(f"the top level is a {type(state).__name__}, not a dict")
    return state


def _tensor(f, name: str, path: str):
    dtype = f.get_slice(name).get_dtype()
    if dtype not in NUMPY_DTYPES:
        raise CheckpointError(f"load: {path!r}: the tensor {name!r} is {dtype}, which NumPy cannot hold; convert "
                              "it first (in PyTorch: tensor.float())")
    return f.get_tensor(name)
