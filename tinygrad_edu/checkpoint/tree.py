"""Nested state as a JSON tree plus named arrays: `encode` splits it, `decode` joins the parts again,
so that every key, container and value comes back as it was saved.

The nodes of the tree:

    null, true, false, numbers, strings   that value (floats as Python writes them, NaN included)
    [node, ...]                           a list
    {"tuple": [node, ...]}                a tuple
    {"dict": [[key, node], ...]}          a mapping, loaded as an OrderedDict; each key a string or
                                          an integer (JSON keeps 1 and "1" apart), in their order
    {"tensor": name}                      a NumPy array (or Tensor), stored as the tensor `name`
    {"scalar": name}                      a NumPy scalar such as np.float32(1.5), as a 0-d tensor
    "complex": true beside either         complex128, stored as float64 pairs (safetensors has no C128)

A tensor is named by its keys joined with "/" ("model/0.weight"; a state dict's keys as they are),
made unique with "#2", "#3", ... where keys collide; the tree, not the name, says where it goes.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..tensor import Tensor
from .errors import CheckpointError

MAX_DEPTH = 64  # deeper nesting is refused on saving and loading (and stops a container that holds itself)
STORED_DTYPES = {"bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
                 "float16", "float32", "float64", "complex64"}  # NumPy dtypes safetensors stores as they are
RESERVED_NAMES = {"__metadata__"}  # a key of the safetensors header, never a tensor name


def encode(state: Mapping) -> tuple[object, dict]:
    """(tree, {tensor name: C-contiguous little-endian array}) of `state`, tensors in tree order.
    Raises CheckpointError, naming the key, for anything that would not come back as it was."""
    tensors: dict = {}

    def node(value, keys: tuple):
        where = "/".join(map(str, keys)) or "the top level"
        if len(keys) > MAX_DEPTH:
            raise CheckpointError(f"save: {where!r} is nested more than {MAX_DEPTH} deep "
                                  "(does a container hold itself?)")
        if isinstance(value, Tensor):
            value = value.numpy()
        if value is None or isinstance(value, (bool, str)) or type(value) in (int, float):
            return value
        if isinstance(value, (np.ndarray, np.generic)):
            kind = "scalar" if isinstance(value, np.generic) else "tensor"
            array, extra = _storable(np.asarray(value), where)
            name = _unique_name(keys, tensors)
            tensors[name] = array
            return {kind: name, **extra}
        if isinstance(value, Mapping):
            return {"dict": [[_key(k, where), node(v, keys + (k,))] for k, v in value.items()]}
        if isinstance(value, (list, tuple)):
            items = [node(v, keys + (i,)) for i, v in enumerate(value)]
            return items if isinstance(value, list) else {"tuple": items}
        if isinstance(value, (int, float)):  # subclasses (IntEnum, ...) would come back as plain numbers
            return int(value) if isinstance(value, int) else float(value)
        kind = f"{type(value).__module__}.{type(value).__qualname__}".removeprefix("builtins.")
        raise CheckpointError(f"save: {where!r} is a {kind}, which a checkpoint cannot hold (arrays, Tensors, "
                              "numbers, strings, None, lists, tuples and dicts)")

    return node(state, ()), tensors


def decode(tree: Any, fetch: Callable[[str], np.ndarray]) -> Any:
    """The state that `tree` describes, with `fetch(name)` giving each tensor. Raises ValueError
    naming the first thing in the tree that `encode` never writes."""

    def node(value, depth: int):
        if depth > MAX_DEPTH:
            raise ValueError(f"the structure is nested more than {MAX_DEPTH} deep")
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            for i, item in enumerate(value):  # in place: no second copy of a long list
                value[i] = node(item, depth + 1)
            return value
        if not isinstance(value, dict) or not value:
            raise ValueError(f"unexpected node {_short(value)}")
        if value.keys() == {"tuple"} and isinstance(value["tuple"], list):
            return tuple(node(value["tuple"], depth))
        if value.keys() == {"dict"} and isinstance(value["dict"], list):
            return _mapping(value["dict"], lambda v: node(v, depth + 1))
        return _array(value, fetch)

    return node(tree, 0)


def _mapping(pairs: list, node) -> OrderedDict:
    result = OrderedDict()
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2 and type(pair[0]) in (str, int)):
            raise ValueError(f"a dict entry is {_short(pair)}, not [key, value] with a string or integer key")
        if pair[0] in result:  # 1 and "1" are different keys, as in Python
            raise ValueError(f"the key {pair[0]!r} appears twice in one dict")
        result[pair[0]] = node(pair[1])
    return result


def _array(value: dict, fetch):
    kind = "scalar" if "scalar" in value else "tensor"
    name, complex_pairs = value.get(kind), value.get("complex", False)
    if (not isinstance(name, str) or value.keys() - {kind, "complex"}
            or complex_pairs is not True and "complex" in value):
        raise ValueError(f"unexpected node {_short(value)}")
    array = fetch(name)
    if complex_pairs:
        if array.dtype != np.float64 or array.ndim == 0 or array.shape[-1] != 2:
            raise ValueError(f"tensor {name!r} should hold complex128 as float64 pairs, but is "
                             f"{array.dtype} {array.shape}")
        array = array.reshape(-1).view(np.complex128).reshape(array.shape[:-1])
    if kind == "scalar":
        if array.ndim:
            raise ValueError(f"tensor {name!r} should hold a scalar, but has shape {array.shape}")
        return array[()]
    return array


def _key(key, where: str):
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise CheckpointError(f"save: the key {key!r} in {where!r} is a {type(key).__name__}; only str and int keys "
                              "come back as they were saved (convert it, e.g. str(key) or int(key))")
    return key


def _storable(array: np.ndarray, where: str) -> tuple[np.ndarray, dict]:
    """The array as safetensors stores it (C order, little-endian), and what the tree must add to
    restore it. (np.ascontiguousarray would make a 0-d array 1-d.)"""
    array, extra = array.astype(array.dtype.newbyteorder("<"), order="C", copy=False), {}
    if array.dtype.name == "complex128":
        array, extra = array.reshape(-1).view("<f8").reshape(array.shape + (2,)), {"complex": True}
    if array.dtype.name not in STORED_DTYPES:
        raise CheckpointError(f"save: {where!r} is an array of {array.dtype}; a checkpoint holds bool, integer, "
                              "float16/32/64 and complex64/128 arrays")
    return array, extra


def _unique_name(keys: tuple, taken: dict) -> str:
    """The keys joined with "/", as valid UTF-8 (lone surrogates escaped), unique among `taken`."""
    base = "/".join(str(k).encode("utf-8", "backslashreplace").decode("utf-8") for k in keys)
    name, n = base, 1
    while name in taken or name in RESERVED_NAMES:
        n += 1
        name = f"{base}#{n}"
    return name


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
