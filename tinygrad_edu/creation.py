"""Tensors made from data, a shape or another tensor: tensor, from_numpy, zeros, ones, full,
arange, linspace, eye, rand, randn, randint, randperm, empty, *_like.

Random tensors draw from a NumPy Generator: pass `generator=` (a Generator or an int seed), or
they use the default one, which `manual_seed` resets. Every maker takes `device=` ("cuda" for
the GPU); random values are drawn on the CPU and copied, so a seed gives the same numbers on
every device.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .device import is_array, to_device
from .dtypes import DEFAULT_FLOAT
from .tensor import Tensor

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

_default_generator = np.random.default_rng()

# What every `generator=` takes: a Generator (used as is), an int (seeds a new one) or None (the default
# one).
GeneratorLike = int | np.random.Generator | None


def manual_seed(seed: int) -> np.random.Generator:
    """Reset the default generator, so that later random tensors repeat."""
    global _default_generator
    _default_generator = np.random.default_rng(seed)
    return _default_generator


def get_generator(generator: GeneratorLike = None) -> np.random.Generator:
    """`generator` as a Generator: the default one for None, a new one for an int seed."""
    if generator is None:
        return _default_generator
    if isinstance(generator, np.random.Generator):
        return generator
    return np.random.default_rng(generator)


def _shape(shape: tuple) -> tuple:
    """Accept zeros(2, 3) as well as zeros((2, 3))."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def _new(array, requires_grad: bool, device) -> Tensor:
    """A tensor owning the freshly made `array` (no second copy), on `device`."""
    t = Tensor._from_op(array if device is None else to_device(array, device))
    t.requires_grad = requires_grad
    return t


def tensor(data: Tensor | ArrayLike, dtype: DTypeLike = None, device: str | None = None,
           requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of `data`, as `torch.tensor`: the dtype is inferred as PyTorch
    does (Python ints int64, floats float32, bools bool; arrays and tensors keep theirs)."""
    if dtype is None and not (is_array(data) or isinstance(data, (Tensor, np.generic))):
        try:
            kind = np.asarray(data).dtype.kind
        except (TypeError, ValueError):
            kind = None  # Tensor() explains what is wrong with data
        dtype = {"f": DEFAULT_FLOAT, "c": np.complex64, "i": np.int64, "u": np.int64,
                 "b": np.bool_}.get(kind)
    return Tensor(data, requires_grad, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing `array`'s memory (changes to one show in the other), as `torch.from_numpy`."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(array).__name__}")
    if array.dtype.kind not in "biufc":
        raise TypeError(f"from_numpy: arrays of dtype {array.dtype} are not numeric")
    return Tensor._from_op(array)


def zeros(*shape: int | Sequence[int], dtype: DTypeLike = DEFAULT_FLOAT, requires_grad: bool = False,
          device: str | None = None) -> Tensor:
    return _new(np.zeros(_shape(shape), dtype=dtype), requires_grad, device)


def ones(*shape: int | Sequence[int], dtype: DTypeLike = DEFAULT_FLOAT, requires_grad: bool = False,
         device: str | None = None) -> Tensor:
    return _new(np.ones(_shape(shape), dtype=dtype), requires_grad, device)


def full(shape: int | Sequence[int], fill_value: float | bool, dtype: DTypeLike = None, requires_grad: bool = False,
         device: str | None = None) -> Tensor:
    """A tensor filled with `fill_value`; its dtype, unless given, follows the value (as PyTorch)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    values = np.full(shape, fill_value, dtype=dtype or _python_dtype(fill_value))
    return _new(values, requires_grad, device)


def arange(start: float, end: float | None = None, step: float = 1, dtype: DTypeLike = None,
           requires_grad: bool = False, device: str | None = None) -> Tensor:
    """start, start + step, ... below end (or 0 .. start - 1); int64 when all arguments are ints,
    else float32, as in PyTorch (so `x[tg.arange(n), labels]` indexes)."""
    if dtype is None:
        integers = all(isinstance(v, (int, np.integer)) for v in (start, end or 0, step))
        dtype = np.int64 if integers else DEFAULT_FLOAT
    values = np.arange(start, end, step, dtype=dtype) if end is not None else np.arange(start, dtype=dtype)
    return _new(values, requires_grad, device)


def linspace(start: float, end: float, steps: int, dtype: DTypeLike = DEFAULT_FLOAT, requires_grad: bool = False,
             device: str | None = None) -> Tensor:
    """`steps` evenly spaced values from start to end, both included."""
    return _new(np.linspace(start, end, steps, dtype=dtype), requires_grad, device)


def eye(n: int, m: int | None = None, dtype: DTypeLike = DEFAULT_FLOAT, requires_grad: bool = False,
        device: str | None = None) -> Tensor:
    return _new(np.eye(n, m, dtype=dtype), requires_grad, device)


def rand(*shape: int | Sequence[int], generator: GeneratorLike = None, dtype: DTypeLike = DEFAULT_FLOAT,
         requires_grad: bool = False, device: str | None = None) -> Tensor:
    """Uniform on [0, 1)."""
    return _new(get_generator(generator).random(_shape(shape), dtype=dtype), requires_grad, device)


def randn(*shape: int | Sequence[int], generator: GeneratorLike = None, dtype: DTypeLike = DEFAULT_FLOAT,
          requires_grad: bool = False, device: str | None = None) -> Tensor:
    """Standard normal."""
    values = get_generator(generator).standard_normal(_shape(shape), dtype=dtype)
    return _new(values, requires_grad, device)


def zeros_like(t: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return _new(t.xp.zeros_like(t._data, dtype=dtype), requires_grad, None)


def ones_like(t: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return _new(t.xp.ones_like(t._data, dtype=dtype), requires_grad, None)


def full_like(t: Tensor, fill_value: float | bool, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return _new(t.xp.full_like(t._data, fill_value, dtype=dtype), requires_grad, None)


def rand_like(t: Tensor, generator: GeneratorLike = None, dtype: DTypeLike = None,
              requires_grad: bool = False) -> Tensor:
    return rand(t.shape, generator=generator, dtype=dtype or t.dtype, requires_grad=requires_grad,
                device=t.device)


def randn_like(t: Tensor, generator: GeneratorLike = None, dtype: DTypeLike = None,
               requires_grad: bool = False) -> Tensor:
    return randn(t.shape, generator=generator, dtype=dtype or t.dtype, requires_grad=requires_grad,
                 device=t.device)


def randint(low: int = 0, high: int | Sequence[int] | None = None, size: int | Sequence[int] | None = None, *,
            generator: GeneratorLike = None, dtype: DTypeLike = np.int64, requires_grad: bool = False,
            device: str | None = None) -> Tensor:
    """Integers drawn uniformly from [low, high), int64 by default: randint(high, size) or
    randint(low, high, size), as torch.randint."""
    if size is None and high is not None and not isinstance(high, (int, np.integer)):
        low, high, size = 0, low, high  # randint(high, size)
    if high is None or size is None:
        raise TypeError(f"randint: needs high and size (randint(high, size) or randint(low, high, size)), "
                        f"got low={low}, high={high}, size={size}")
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    size = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
    values = get_generator(generator).integers(low, high, size, dtype=np.int64).astype(dtype, copy=False)
    return _new(values, requires_grad, device)


def randperm(n: int, generator: GeneratorLike = None, dtype: DTypeLike = np.int64, requires_grad: bool = False,
             device: str | None = None) -> Tensor:
    """A random permutation of 0, 1, ..., n - 1 (int64 by default), as torch.randperm."""
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")
    values = get_generator(generator).permutation(n).astype(dtype, copy=False)
    return _new(values, requires_grad, device)


def empty(*size: int | Sequence[int], dtype: DTypeLike = None, requires_grad: bool = False,
          device: str | None = None) -> Tensor:
    """A tensor of `size` whose values are not meant to be read (torch.empty); here they are zeros,
    since NumPy's uninitialised memory would make results differ from run to run."""
    return zeros(*size, dtype=dtype or DEFAULT_FLOAT, requires_grad=requires_grad, device=device)


def _python_dtype(value):
    """PyTorch's dtype for a Python value: bool, int64 or float32."""
    if isinstance(value, (bool, np.bool_)):
        return np.bool_
    return np.int64 if isinstance(value, (int, np.integer)) else DEFAULT_FLOAT
