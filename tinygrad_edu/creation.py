"""Tensors made from a shape or another tensor: zeros, ones, full, arange, eye, rand, randn, *_like.

Random tensors draw from a NumPy Generator: pass `generator=` (a Generator or an int seed), or
they use the default one, which `manual_seed` resets. Every maker takes `device=` ("cuda" for
the GPU); random values are drawn on the CPU and copied, so a seed gives the same numbers on
every device.
"""
from __future__ import annotations

import numpy as np

from .tensor import DEFAULT_FLOAT, Tensor

_default_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reset the default generator, so that later random tensors repeat."""
    global _default_generator
    _default_generator = np.random.default_rng(seed)
    return _default_generator


def get_generator(generator=None) -> np.random.Generator:
    """`generator` as a Generator: the default one for None, a new one for an int seed."""
    if generator is None:
        return _default_generator
    if isinstance(generator, np.random.Generator):
        return generator
    return np.random.default_rng(generator)


def _shape(shape: tuple) -> tuple:
    """Accept zeros(2, 3) as well as zeros((2, 3))."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def zeros(*shape, dtype=DEFAULT_FLOAT, requires_grad: bool = False, device=None) -> Tensor:
    return Tensor(np.zeros(_shape(shape), dtype=dtype), requires_grad, device=device)


def ones(*shape, dtype=DEFAULT_FLOAT, requires_grad: bool = False, device=None) -> Tensor:
    return Tensor(np.ones(_shape(shape), dtype=dtype), requires_grad, device=device)


def full(shape, fill_value, dtype=DEFAULT_FLOAT, requires_grad: bool = False, device=None) -> Tensor:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return Tensor(np.full(shape, fill_value, dtype=dtype), requires_grad, device=device)


def arange(start, stop=None, step=1, dtype=DEFAULT_FLOAT, requires_grad: bool = False, device=None) -> Tensor:
    return Tensor(np.arange(start, stop, step, dtype=dtype) if stop is not None
                  else np.arange(start, dtype=dtype), requires_grad, device=device)


def eye(n: int, m: int | None = None, dtype=DEFAULT_FLOAT, requires_grad: bool = False, device=None) -> Tensor:
    return Tensor(np.eye(n, m, dtype=dtype), requires_grad, device=device)


def rand(*shape, generator=None, dtype=DEFAULT_FLOAT, requires_grad: bool = False, device=None) -> Tensor:
    """Uniform on [0, 1)."""
    return Tensor(get_generator(generator).random(_shape(shape), dtype=dtype), requires_grad, device=device)


def randn(*shape, generator=None, dtype=DEFAULT_FLOAT, requires_grad: bool = False, device=None) -> Tensor:
    """Standard normal."""
    return Tensor(get_generator(generator).standard_normal(_shape(shape), dtype=dtype), requires_grad, device=device)


def zeros_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(t.xp.zeros_like(t._data, dtype=dtype), requires_grad)


def ones_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(t.xp.ones_like(t._data, dtype=dtype), requires_grad)


def full_like(t: Tensor, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(t.xp.full_like(t._data, fill_value, dtype=dtype), requires_grad)


def rand_like(t: Tensor, generator=None, dtype=None, requires_grad: bool = False) -> Tensor:
    return rand(t.shape, generator=generator, dtype=dtype or t.dtype, requires_grad=requires_grad,
                device=t.device)


def randn_like(t: Tensor, generator=None, dtype=None, requires_grad: bool = False) -> Tensor:
    return randn(t.shape, generator=generator, dtype=dtype or t.dtype, requires_grad=requires_grad,
                 device=t.device)
