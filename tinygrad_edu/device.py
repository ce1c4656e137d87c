"""Devices: which array library holds a tensor's values.

"cpu" is NumPy. "cuda" (or "cuda:N" for the N-th GPU) is CuPy on an NVIDIA GPU, an optional
extra (`pip install "tinygrad_edu[gpu]"`). Ops never move values between devices on their own:
`Tensor.to(device)` (differentiable) and `Module.to(device)` do, and mixing devices in one op is
an error that names both.
"""
from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy

from .device_checks import raise_failed_checks

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

    from .ops.array import Array

_NAMESPACES = {"numpy": numpy, "builtins": numpy}
_PER_ARRAY = {}  # module -> function giving an array's library (tg.jit's traced arrays: by the array inside)


def array_namespace(a: Any) -> ModuleType:
    """The array library (numpy, cupy, ...) that owns array `a`; numpy for Python numbers."""
    module = type(a).__module__
    xp = _NAMESPACES.get(module)
    if xp is None:
        if module in _PER_ARRAY:
            return _PER_ARRAY[module](a)
        xp = _NAMESPACES[module] = importlib.import_module(module.split(".")[0])
    return xp



def parse(device: str) -> tuple[str, int]:
    """("cpu", 0) or ("cuda", N) from "cpu", "cuda", "cuda:N"; anything else is an error."""
    name = str(device)
    kind, _, index = name.partition(":")
    if kind == "cpu" and not index:
        return "cpu", 0
    if kind == "cuda" and (not index or index.isdigit()):
        return "cuda", int(index or 0)
    raise ValueError(f"device: expected 'cpu', 'cuda' or 'cuda:N', got {device!r}")


def cuda_library() -> ModuleType:
    """CuPy, once it is known to have a GPU to run on; otherwise a RuntimeError saying why."""
    try:
        cupy = importlib.import_module("cupy")
    except ImportError:
        raise RuntimeError("device 'cuda' needs CuPy: pip install \"tinygrad_edu[gpu]\" "
                           "(or the cupy-cudaXXx wheel that matches your CUDA)") from None
    if not cupy.cuda.is_available():
        raise RuntimeError("device 'cuda': CuPy is installed but finds no usable NVIDIA GPU or driver")
    return cupy


def is_cuda_available() -> bool:
    """Can tensors be put on "cuda" here?"""
    try:
        cuda_library()
    except RuntimeError:
        return False
    return True


def library(device: str) -> ModuleType:
    """The array library (numpy or cupy) of `device`."""
    return numpy if parse(device)[0] == "cpu" else cuda_library()


def is_array(x: Any) -> bool:
    """A NumPy or CuPy array (not a scalar, a list, or another library's tensor)."""
    module = type(x).__module__
    return isinstance(x, numpy.ndarray) or module.partition(".")[0] == "cupy" or module in _PER_ARRAY


def device_of(array: Array) -> str:
    """"cpu" for a NumPy array (or a Python number), "cuda:N" for an array on GPU N."""
    xp = array_namespace(array)
    if xp is numpy:
        return "cpu"
    return xp.device_of(array) if hasattr(xp, "device_of") else f"cuda:{array.device.id}"  # tg.jit's traced arrays


def to_device(array: Array, device: str) -> Array:
    """`array` on `device`: the same array if it is there already, else a copy."""
    kind, index = parse(device)
    if kind == "cpu":
        if device_of(array) == "cpu":
            return array
        raise_failed_checks()  # the host waits for the GPU here anyway
        return array.get()
    if device_of(array) == f"cuda:{index}":
        return array
    cupy = cuda_library()
    move = getattr(array_namespace(array), "traced_call", None)  # under tg.jit: the move is recorded too
    with cupy.cuda.Device(index):
        return cupy.asarray(array) if move is None else move(cupy.asarray, array)


def to_library_of(values: ArrayLike, like: Array) -> Array:
    """`values` (an array, list or number) as an array on the device of the array `like`: for
    constants such as labels and masks that meet a tensor's values in an op."""
    return to_device(values if hasattr(values, "dtype") else numpy.asarray(values), device_of(like))


def canonical(device: str) -> str:
    """The one spelling of a device: "cpu" or "cuda:N"."""
    kind, index = parse(device)
    return "cpu" if kind == "cpu" else f"cuda:{index}"


def split_to_arguments(args: Sequence[str | DTypeLike], device: str | None, dtype: DTypeLike,
                       who: str) -> tuple[str | None, numpy.dtype | None]:
    """PyTorch's `.to(...)` arguments: any mix of a device name and a dtype, in any order."""
    for arg in args:
        if isinstance(arg, str) and arg.partition(":")[0] in ("cpu", "cuda"):
            device = arg
        elif dtype is None:
            dtype = arg
        else:
            raise TypeError(f"{who}: expected a device and/or a dtype, got {args!r}")
    if device is not None:
        parse(device)  # a misspelt device is an error now, not later
    try:
        return device, (None if dtype is None else numpy.dtype(dtype))
    except TypeError:
        raise ValueError(f"{who}: {dtype!r} is neither a device ('cpu', 'cuda', 'cuda:N') "
                         "nor a dtype") from None
