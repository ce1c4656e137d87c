"""Checkpoints: `save(obj, path)` and `load(path)`, never with pickle.

Format (version 1): a NumPy .npz archive (a zip of .npy files). Each array of the (possibly
nested) state is stored under its path, parts joined by "/". The entry `__tinygrad_edu__` is a
JSON text: {"format": "tinygrad_edu.checkpoint", "version": 1, "arrays": [paths],
"values": {path: number, string, bool or null}, "lists": [paths of lists]}. It is loaded with
`allow_pickle=False`, so a checkpoint cannot run code, and written atomically (files.py).
"""
from __future__ import annotations

import json
import os
import zipfile
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from .files import atomic_write
from .tensor import Tensor

FORMAT, VERSION, META = "tinygrad_edu.checkpoint", 1, "__tinygrad_edu__"


class CheckpointError(Exception):
    """A checkpoint could not be written or read; the message names the file and the cause."""


def save(obj, path) -> None:
    """Save a Module's state_dict, or a mapping of names to arrays, Tensors, numbers, strings,
    None, lists and nested mappings (optimizer and training state included)."""
    state = obj.state_dict() if hasattr(obj, "state_dict") and not isinstance(obj, Mapping) else obj
    if not isinstance(state, Mapping):
        raise CheckpointError(f"save: expected a Module or a mapping, got {type(obj).__name__}")
    arrays, values, lists = {}, {}, []
    _flatten(state, "", arrays, values, lists)
    meta = json.dumps({"format": FORMAT, "version": VERSION, "arrays": list(arrays),
                       "values": values, "lists": lists})
    atomic_write(path, lambda f: np.savez(f, **{META: np.array(meta)}, **arrays))


def load(path, weights_only: bool = True, map_location=None) -> "OrderedDict":
    """Read a checkpoint written by `save`, as nested dicts of NumPy arrays and plain values.
    `weights_only` and `map_location` are accepted for PyTorch's habit `torch.load(f, weights_only=True)`:
    nothing here is ever unpickled, so loading is always weights-only, and arrays load on the CPU
    (`model.load_state_dict` puts them on each parameter's device)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise CheckpointError(f"load: there is no file {path!r}")
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic.startswith(b"\x80"):
        raise CheckpointError(f"load: {path!r} is a pickle, which could run code when loaded; refused")
    if not magic.startswith((b"PK", b"\x93NUMPY")):
        raise CheckpointError(f"load: {path!r} is truncated or corrupt: not an .npz archive")
    try:
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as archive:  # closed even if corrupt
            if not hasattr(archive, "files") or META not in archive.files:
                raise CheckpointError(f"load: {path!r} is not a tinygrad_edu checkpoint (no {META} entry)")
            meta = json.loads(str(archive[META]))
            if meta.get("format") != FORMAT:
                raise CheckpointError(f"load: {path!r} has format {meta.get('format')!r}, not {FORMAT!r}")
            if meta.get("version", 0) > VERSION:
                raise CheckpointError(f"load: {path!r} is format version {meta['version']}, newer than "
                                      f"this tinygrad_edu reads ({VERSION}); upgrade tinygrad_edu")
            arrays = {key: archive[key] for key in meta["arrays"]}
    except CheckpointError:
        raise
    except ValueError as e:
        if "pickle" in str(e):
            raise CheckpointError(f"load: {path!r} contains pickled Python objects, which could run "
                                  "code when loaded; refused") from None
        raise CheckpointError(f"load: {path!r} is corrupt: {e}") from None
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, json.JSONDecodeError, TypeError) as e:
        raise CheckpointError(f"load: {path!r} is truncated or corrupt ({type(e).__name__}: {e})") from None
    return _unflatten(arrays, meta["values"], set(meta["lists"]))


def _flatten(node, prefix: str, arrays: dict, values: dict, lists: list) -> None:
    items = node.items() if isinstance(node, Mapping) else enumerate(node)
    if not isinstance(node, Mapping):
        lists.append(prefix)
    for key, value in items:
        key = str(key)
        if "/" in key or key == META:
            raise CheckpointError(f"save: the key {key!r} cannot be saved (no '/' and not {META!r})")
        path = f"{prefix}/{key}" if prefix else key
        if isinstance(value, Tensor):
            value = value.numpy()
        if isinstance(value, (Mapping, list, tuple)) and not value:
            values[path] = {} if isinstance(value, Mapping) else []  # kept as JSON
        elif isinstance(value, (Mapping, list, tuple)):
            _flatten(value, path, arrays, values, lists)
        elif isinstance(value, np.ndarray):
            if value.dtype.kind not in "biufc":
                raise CheckpointError(f"save: {path!r} is an array of {value.dtype}; only numeric arrays are saved")
            arrays[path] = value
        elif isinstance(value, (bool, int, float, str, type(None), np.generic)):
            values[path] = value.item() if isinstance(value, np.generic) else value
        else:
            raise CheckpointError(f"save: {path!r} is a {type(value).__name__}, which a checkpoint "
                                  "cannot hold (arrays, Tensors, numbers, strings, None, lists, dicts)")


def _unflatten(arrays: dict, values: dict, lists: set) -> "OrderedDict":
    root = OrderedDict()
    for path, value in list(arrays.items()) + list(values.items()):
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, OrderedDict())
        node[parts[-1]] = value
    for path in sorted(lists, key=lambda p: -p.count("/")):  # innermost first
        *parents, key = path.split("/")
        node = root
        for part in parents:
            node = node[part]
        node[key] = [node[key][str(i)] for i in range(len(node[key]))]
    return root
