"""dtype names, PyTorch's type promotion, and how data becomes an array (`as_array`).

The names are PyTorch's (`tg.float32`, `tg.float`, `tg.long`, ...) and are NumPy's dtypes, so
`Tensor(..., dtype=tg.float64)` and `x.dtype == tg.float32` both work.

Promotion follows PyTorch, not NumPy, so that float32 models stay float32: the higher category
wins (bool < integer < floating < complex), and within one category a tensor with dimensions
decides over a 0-d tensor, which decides over a Python number. So an int64 tensor times 0.5 is
float32 (NumPy: float64), float32 plus an int64 tensor is float32 (NumPy: float64), and int32
plus 1 stays int32. Only when operands of the same rank meet does NumPy's rule apply
(float32 + float64 -> float64).
"""
from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

import numpy as np

from .device import is_array

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from .ops.array import Array

float16 = half = np.float16
float32 = float = np.float32
float64 = double = np.float64
int8 = np.int8
uint8 = np.uint8
int16 = short = np.int16
int32 = int = np.int32
int64 = long = np.int64
bool = np.bool_  # noqa: A001  (PyTorch's name; the builtin is not used in this module)
complex64 = np.complex64
complex128 = np.complex128

DEFAULT_FLOAT = np.dtype(np.float32)

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def result_type(a: Array, b: Array) -> np.dtype:
    """The dtype of a binary op on arrays `a` and `b` under PyTorch's rules (see above)."""
    ka, kb = _CATEGORY[a.dtype.kind], _CATEGORY[b.dtype.kind]
    if ka != kb:
        return a.dtype if ka > kb else b.dtype
    if (a.ndim == 0) != (b.ndim == 0):
        return b.dtype if a.ndim == 0 else a.dtype
    return np.promote_types(a.dtype, b.dtype)


def scalar_dtype(value: builtins.complex | np.number | np.bool_, dtype: np.dtype) -> np.dtype:
    """The dtype a Python number takes beside a tensor of `dtype`: the tensor's own, unless the
    number is of a higher category (int tensor * 0.5 -> float32, bool tensor + 1 -> int64)."""
    kind = dtype.kind
    if isinstance(value, (np.bool_, type(True))):
        return dtype
    if isinstance(value, (np.integer, type(1))):
        return dtype if kind in "iufc" else np.dtype(np.int64)
    if isinstance(value, (np.floating, type(1.0))):
        return dtype if kind in "fc" else DEFAULT_FLOAT
    return dtype if kind == "c" else np.dtype(np.complex64)


def as_array(data: Any, dtype: DTypeLike, copy: builtins.bool = False) -> Array:
    """`data` as an array: Python numbers and lists become float32 unless `dtype` says; an
    array is copied with `copy` (else shared when it already has the dtype)."""
    if is_array(data):
        array = data.astype(data.dtype if dtype is None else dtype, copy=copy)
    else:
        if dtype is None and not isinstance(data, np.generic):
            dtype = DEFAULT_FLOAT
        try:
            array = np.array(data, dtype=dtype)
        except (TypeError, ValueError) as e:
            raise TypeError(f"Tensor: cannot make a tensor from {type(data).__name__} {data!r:.80}: "
                            f"{e}") from None
    if array.dtype.kind not in "biufc":
        raise TypeError(f"Tensor: data of dtype {array.dtype} is not numeric")
    return array
