"""Tensor methods for elementwise maths, by PyTorch's names: the steps (sign, round, floor, ceil,
trunc: gradient 0), logs and powers of 2 and 10, trigonometric and hyperbolic functions and their
inverses, logaddexp, copysign, lerp, and the two remainders (`%` rounds the quotient down and takes
the divisor's sign; fmod truncates it and takes the dividend's). Composites where they are exact;
the primitives (steps, inverse functions, fmod) live in ops/maths.py."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import ops

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .tensor import Tensor

    TensorLike = Tensor | ArrayLike  # a Tensor, or what Tensor() takes: a number, a list, an array

_LN2, _LN10 = math.log(2.0), math.log(10.0)


class Maths:
    __slots__ = ()

    def _both_tensors(self, other: TensorLike) -> tuple[Tensor, Tensor]:
        """(self, other) promoted as by `/` (integers become float32), both Tensors."""
        a, b = self._true_pair(other)
        return a, (b if isinstance(b, type(a)) else a._from_op(b))

    def _step(self, name: str, decimals: int = 0) -> Tensor:
        """A piecewise-constant op (gradient 0); integers are already whole, so they come back as a copy."""
        if self._data.dtype.kind in "biu":
            return self._from_op(self._data.copy())
        return ops.Step.apply(self, name=name, decimals=decimals)

    # ------------------------------------------------------------------ steps: gradient 0, as in PyTorch

    def sign(self) -> Tensor:
        """-1, 0 or 1 by the sign of x (0 at 0); gradient 0."""
        if self._data.dtype.kind == "b":
            return self._from_op(self._data.copy())
        return ops.Step.apply(self, name="sign")

    def round(self, *, decimals: int = 0) -> Tensor:
        """x rounded to `decimals` places, halves to even (as PyTorch and NumPy); gradient 0."""
        return self._step("round", decimals)

    def floor(self) -> Tensor: return self._step("floor")
    def ceil(self) -> Tensor: return self._step("ceil")
    def trunc(self) -> Tensor: return self._step("trunc")

    # ------------------------------------------------------------------ logs, powers, trigonometry

    def rsqrt(self) -> Tensor: return self._floating() ** -0.5
    def log2(self) -> Tensor: return self._floating().log() / _LN2
    def log10(self) -> Tensor: return self._floating().log() / _LN10
    def exp2(self) -> Tensor: return 2.0 ** self._floating()
    def erf(self) -> Tensor: return ops.Erf.apply(self._floating())

    def tan(self) -> Tensor:
        x = self._floating()
        return x.sin() / x.cos()

    def sinh(self) -> Tensor:
        """(exp(x) - exp(-x)) / 2"""
        x = self._floating()
        return (x.exp() - (-x).exp()) * 0.5

    def cosh(self) -> Tensor:
        """(exp(x) + exp(-x)) / 2"""
        x = self._floating()
        return (x.exp() + (-x).exp()) * 0.5

    def asin(self) -> Tensor: return ops.Asin.apply(self._floating())
    def acos(self) -> Tensor: return ops.Acos.apply(self._floating())
    def atan(self) -> Tensor: return ops.Atan.apply(self._floating())
    def asinh(self) -> Tensor: return ops.Asinh.apply(self._floating())
    def acosh(self) -> Tensor: return ops.Acosh.apply(self._floating())
    def atanh(self) -> Tensor: return ops.Atanh.apply(self._floating())

    # ------------------------------------------------------------------ binary and ternary

    def logaddexp(self, other: TensorLike) -> Tensor:
        """log(exp(a) + exp(b)) = m + log(exp(a - m) + exp(b - m)) with m = max(a, b), a constant
        (the gradient exp(a - m) / sum is exact for any m; an infinite m is replaced by 0)."""
        a, b = self._both_tensors(other)
        xp = a.xp
        m = xp.maximum(a._data, b._data)
        m = xp.where(xp.isfinite(m), m, m.dtype.type(0))
        return ((a - m).exp() + (b - m).exp()).log() + m

    def copysign(self, other: TensorLike) -> Tensor:
        """|a| with b's sign (signbit: -0.0 counts as negative);  da = g * sign(a) * sign(b), db = 0."""
        a, b = self._both_tensors(other)
        xp = a.xp
        return a.abs() * xp.where(xp.signbit(b._data), a.dtype.type(-1), a.dtype.type(1))

    def lerp(self, end: TensorLike, weight: TensorLike) -> Tensor:
        """start + weight * (end - start);  d start = 1 - weight, d end = weight, d weight = end - start."""
        start, end = self._both_tensors(end)
        return start + (end - start) * weight

    def fmod(self, other: TensorLike) -> Tensor:
        """a - b * trunc(a / b): the remainder with a's sign (C's fmod);  da = g, db = -g * trunc(a / b)."""
        return ops.Fmod.apply(*self._pair(other))

    def remainder(self, other: TensorLike) -> Tensor:
        """a - b * floor(a / b): the remainder with b's sign (Python's and PyTorch's `%`)."""
        return self % other

    def floor_divide(self, other: TensorLike) -> Tensor:
        """floor(a / b), as `//`: piecewise constant, so it carries no gradient."""
        return self // other
