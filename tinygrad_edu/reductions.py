"""Tensor methods that reduce over axes: sum, mean, var, std, max, min, argmax, logsumexp,
softmax. PyTorch's `dim`/`keepdim` and NumPy's `axis`/`keepdims` are both accepted."""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import ops
from .function import Function
from .movement import normalise_axis
from .ops.array import Array
from .ops.reductions import max_kept

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .tensor import Tensor

    Axes = int | Sequence[int] | None  # one axis, several, or None for all

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])
ValuesIndices.__doc__ = "What max(dim) and min(dim) return, as PyTorch: the values and where they are."


def spelled(dim: Axes, keepdim: bool, axis: Axes, keepdims: bool | None, who: str) -> tuple[Axes, bool]:
    """(axis, keepdims) from PyTorch's `dim`/`keepdim` or NumPy's `axis`/`keepdims`."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{who}: give dim or axis, not both")
        dim = axis
    return dim, bool(keepdim if keepdims is None else keepdims)


class Reductions:
    __slots__ = ()

    def _axes(self, axis, who: str) -> tuple:
        """`axis` (None, an int or a tuple; negative allowed) as a sorted tuple of axes."""
        if axis is None:
            return tuple(range(self.ndim))
        axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
        normalised = [normalise_axis(a, self.ndim, who, self.shape) for a in axes]
        if len(set(normalised)) != len(normalised):
            raise ValueError(f"{who}: repeated axis in {axis}")
        return tuple(sorted(normalised)) if self.ndim else ()

    def _reduced_size(self, axes: tuple) -> int:
        return int(np.prod([self.shape[a] for a in axes]))

    def _needs_floating(self, who: str) -> None:
        if self._data.dtype.kind not in "fc":
            raise TypeError(f"{who}: needs a floating-point tensor, this one is {self.dtype}; "
                            f"convert it first with .float() (PyTorch refuses too)")

    def sum(self, dim: Axes = None, keepdim: bool = False, *, axis: Axes = None,
            keepdims: bool | None = None) -> Tensor:
        axis, keepdims = spelled(dim, keepdim, axis, keepdims, "sum")
        return ops.Sum.apply(self, axis=self._axes(axis, "sum"), keepdims=keepdims)

    def mean(self, dim: Axes = None, keepdim: bool = False, *, axis: Axes = None,
             keepdims: bool | None = None) -> Tensor:
        """The mean; float16 is accumulated in float32, as PyTorch does, so it does not overflow."""
        axis, keepdims = spelled(dim, keepdim, axis, keepdims, "mean")
        self._needs_floating("mean")
        if self._data.dtype.itemsize < 4 and self._data.dtype.kind == "f":
            return self.float().mean(axis, keepdims).astype(self.dtype)
        axes = self._axes(axis, "mean")
        return self.sum(axes, keepdims) / self._reduced_size(axes)

    def var(self, dim: Axes = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None, ddof: int | None = None, axis: Axes = None,
            keepdims: bool | None = None) -> Tensor:
        """Mean squared deviation from the mean, divided by n - correction. The default is
        PyTorch's unbiased estimate (correction=1); `ddof=0` or `unbiased=False` gives NumPy's.
        With n <= correction the result is inf (or nan), as in PyTorch and NumPy."""
        axis, keepdims = spelled(dim, keepdim, axis, keepdims, "var")
        given = [c for c in (correction, ddof, None if unbiased is None else int(bool(unbiased))) if c is not None]
        if len(given) > 1:
            raise TypeError("var: give one of correction, ddof and unbiased")
        correction = given[0] if given else 1
        self._needs_floating("var")
        if self._data.dtype.itemsize < 4 and self._data.dtype.kind == "f":
            return self.float().var(axis, keepdim=keepdims, correction=correction).astype(self.dtype)
        axes = self._axes(axis, "var")
        d = self - self.mean(axes, keepdim=True)
        return (d * d).sum(axes, keepdims) / max(self._reduced_size(axes) - correction, 0)

    def std(self, dim: Axes = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None, ddof: int | None = None, axis: Axes = None,
            keepdims: bool | None = None) -> Tensor:
        """Square root of var (same arguments); where it is 0 the gradient is 0, as in PyTorch,
        not the nan that sqrt's infinite slope would give."""
        v = self.var(dim, unbiased, keepdim, correction=correction, ddof=ddof, axis=axis, keepdims=keepdims)
        zero = v._data == 0
        xp = v.xp
        safe = ops.Where.apply(zero, xp.ones((), v.dtype), v)
        return ops.Where.apply(zero, xp.zeros((), v.dtype), safe.sqrt())

    def max(self, dim: Axes | Tensor | ArrayLike = None, keepdim: bool = False, *, axis: Axes = None,
            keepdims: bool | None = None) -> Tensor | ValuesIndices:
        """The largest value; tied maxima share the gradient evenly. As in PyTorch, `max(dim)`
        returns (values, indices) and `max(other)` is the elementwise maximum; NumPy's
        `max(axis=...)` returns the values alone."""
        if dim is not None and not isinstance(dim, (int, np.integer, tuple, list)):
            return self.maximum(dim)
        axis, keep = spelled(dim, keepdim, axis, keepdims, "max")
        values = ops.Max.apply(self, axis=self._axes(axis, "max"), keepdims=keep)
        if dim is None or isinstance(dim, (tuple, list)):
            return values
        return ValuesIndices(values, self.argmax(dim, keep))

    def min(self, dim: Axes | Tensor | ArrayLike = None, keepdim: bool = False, *, axis: Axes = None,
            keepdims: bool | None = None) -> Tensor | ValuesIndices:
        """The smallest value; as max (ties share the gradient; `min(dim)` gives (values, indices))."""
        if dim is not None and not isinstance(dim, (int, np.integer, tuple, list)):
            return self.minimum(dim)
        axis, keep = spelled(dim, keepdim, axis, keepdims, "min")
        if self._data.dtype.kind in "fc":
            values = -(-self).max(axis=axis, keepdims=keep)
        else:  # no gradient to carry, and -x would wrap around for unsigned integers
            values = self._from_op(self._data.min(axis=self._axes(axis, "min"), keepdims=keep))
        if dim is None or isinstance(dim, (tuple, list)):
            return values
        return ValuesIndices(values, self.argmin(dim, keep))

    def all(self, dim: Axes = None, keepdim: bool = False, *, axis: Axes = None,
            keepdims: bool | None = None) -> Tensor:
        """Are all elements true (nonzero)? A bool tensor, no gradient."""
        axis, keepdims = spelled(dim, keepdim, axis, keepdims, "all")
        return self._from_op(self._data.all(axis=self._axes(axis, "all"), keepdims=keepdims))

    def any(self, dim: Axes = None, keepdim: bool = False, *, axis: Axes = None,
            keepdims: bool | None = None) -> Tensor:
        """Is any element true (nonzero)? A bool tensor, no gradient."""
        axis, keepdims = spelled(dim, keepdim, axis, keepdims, "any")
        return self._from_op(self._data.any(axis=self._axes(axis, "any"), keepdims=keepdims))

    def argmax(self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None,
               keepdims: bool | None = None) -> Tensor:
        """Where the largest value is (int64; over the flattened tensor when dim is None)."""
        axis, keepdims = spelled(dim, keepdim, axis, keepdims, "argmax")
        axis = None if axis is None else normalise_axis(axis, self.ndim, "argmax", self.shape)
        return self._from_op(self.xp.argmax(self._data, axis=axis, keepdims=keepdims).astype(np.int64))

    def argmin(self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None,
               keepdims: bool | None = None) -> Tensor:
        axis, keepdims = spelled(dim, keepdim, axis, keepdims, "argmin")
        axis = None if axis is None else normalise_axis(axis, self.ndim, "argmin", self.shape)
        return self._from_op(self.xp.argmin(self._data, axis=axis, keepdims=keepdims).astype(np.int64))

    def logsumexp(self, dim: Axes = None, keepdim: bool = False, *, axis: Axes = None,
                  keepdims: bool | None = None) -> Tensor:
        """log(sum(exp(x))), computed after shifting by the max so it cannot overflow."""
        axis, keepdims = spelled(dim, keepdim, axis, keepdims, "logsumexp")
        x = self.float() if self._data.dtype.kind not in "fc" else self
        axes = x._axes(axis, "logsumexp")
        m = x._data.max(axis=axes, keepdims=True)
        m = x.xp.where(x.xp.isfinite(m), m, x.xp.zeros_like(m))
        y = (x - m).exp().sum(axes, keepdim=True).log() + m
        return y if keepdims else y.reshape(tuple(s for i, s in enumerate(y.shape) if i not in axes))

    def softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        return self.log_softmax(dim, axis=axis).exp()

    def log_softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        """x - logsumexp(x) along `dim` (the last axis by default); 0 for a 0-d tensor."""
        dim = dim if axis is None else axis
        x = self.float() if self._data.dtype.kind not in "fc" else self
        if x.ndim == 0:
            normalise_axis(dim, 0, "log_softmax")
            return x.reshape(1).log_softmax(0).reshape(())
        return LogSoftmax.apply(x, axis=normalise_axis(dim, x.ndim, "log_softmax", x.shape))


class LogSoftmax(Function):
    """y = x - log(sum(exp(x)));  dx = g - softmax(x) * sum(g)  (sums over `axis`)"""

    # fused because it is one stable pass (finite for logits of ±1e4), and its backward is the
    # softmax-cross-entropy gradient instead of five ops' worth
    @staticmethod
    def forward(ctx, x: Array, *, axis: int) -> Array:
        xp = ctx.xp
        z = x - max_kept(x, axis)
        y = z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (y,) = ctx.saved_tensors
        return g - ctx.xp.exp(y) * g.sum(axis=ctx.axis, keepdims=True)
