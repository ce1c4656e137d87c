"""Tensor methods that scan along an axis or sort it: cumsum, cumprod, cummax, cummin,
logcumsumexp, sort, argsort, topk, prod; the tests isnan, isinf, isfinite, isclose; and their
`tg.X` forms (with std_mean, any and all). PyTorch's names and arguments; NumPy's `axis` and
`keepdims` are accepted too.

Where an op selects values (sort, topk, cummax, cummin) the indices are found without gradient
and the values gathered by indexing, so the gradient flows to the selected places through
GetItem's backward: no new derivative to get wrong.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops
from .movement import normalise_axis
from .ops.array import Array
from .ops.scans import running
from .reductions import ValuesIndices, spelled

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike

    from .tensor import Tensor

    TensorLike = Tensor | ArrayLike


def _gather(x: Tensor, indices: Array, axis: int) -> Tensor:
    """x's values at `indices` along `axis` (NumPy's take_along_axis), recorded as a GetItem."""
    xp = x.xp
    index = tuple(indices if i == axis else xp.arange(n).reshape((-1,) + (1,) * (x.ndim - i - 1))
                  for i, n in enumerate(indices.shape))
    return ops.GetItem.apply(x, index=index)


def _running_index(x: Array, reached: Array, axis: int, xp: Any) -> Array:
    """Where each running max (or min) was last reached: the latest j <= i with x_j equal to it, or
    NaN (which, once met, is the running value), as PyTorch."""
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    positions = xp.arange(x.shape[axis]).reshape(shape)
    return running("maximum", xp.where((x == reached) | xp.isnan(x), positions, 0), axis, xp).astype(np.int64)


class Scans:
    __slots__ = ()

    def _dim(self, dim: int | None, axis: int | None, who: str) -> int:
        dim = dim if axis is None else axis
        if dim is None:
            raise TypeError(f"{who}: missing the dim to scan along (PyTorch's {who}(dim))")
        return normalise_axis(dim, self.ndim, who, self.shape)

    def _on_1d(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """A 0-d tensor is scanned as a tensor of shape (1,), and the result made 0-d again."""
        out = getattr(self.reshape(1), method)(*args, **kwargs)
        if isinstance(out, tuple):
            return type(out)(*(t.reshape(()) for t in out))
        return out.reshape(())

    def cumsum(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """Running sum along dim: y_i = x_0 + ... + x_i."""
        dim = self._dim(dim, axis, "cumsum")
        return self._on_1d("cumsum", 0) if self.ndim == 0 else ops.Cumsum.apply(self, axis=dim)

    def cumprod(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """Running product along dim. Its gradient divides by x: exact where x has no zeros
        (PyTorch also handles zeros); prod's gradient is exact with zeros."""
        dim = self._dim(dim, axis, "cumprod")
        return self._on_1d("cumprod", 0) if self.ndim == 0 else ops.Cumprod.apply(self, axis=dim)

    def logcumsumexp(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """Running log(sum(exp(x))) along dim, without overflow (forward and backward)."""
        dim = self._dim(dim, axis, "logcumsumexp")
        self._needs_floating("logcumsumexp")
        return self._on_1d("logcumsumexp", 0) if self.ndim == 0 else ops.LogCumsumExp.apply(self, axis=dim)

    def prod(self, dim: int | Sequence[int] | None = None, keepdim: bool = False, *,
             axis: int | Sequence[int] | None = None, keepdims: bool | None = None) -> Tensor:
        """Product over dim (all axes when None; NumPy's tuples of axes too). The gradient is
        the product of the other elements, exact also where x has zeros."""
        axis, keepdims = spelled(dim, keepdim, axis, keepdims, "prod")
        axes = self._axes(axis, "prod")
        rest = tuple(i for i in range(self.ndim) if i not in axes)
        merged = self.permute(rest + axes).reshape(tuple(self.shape[i] for i in rest) + (self._reduced_size(axes),))
        y = ops.Prod.apply(merged, axis=len(rest), keepdims=False)
        return y.reshape(tuple(1 if i in axes else n for i, n in enumerate(self.shape))) if keepdims else y

    def _cumulative(self, dim: int | None, axis: int | None, who: str, largest: bool) -> ValuesIndices:
        dim = self._dim(dim, axis, who)
        if self.ndim == 0:
            return self._on_1d(who, 0)
        xp, x = self.xp, self._data
        indices = _running_index(x, running("maximum" if largest else "minimum", x, dim, xp), dim, xp)
        return ValuesIndices(_gather(self, indices, dim), self._from_op(indices))

    def cummax(self, dim: int | None = None, *, axis: int | None = None) -> ValuesIndices:
        """(values, indices): the running maximum along dim and where it was (last) reached;
        the gradient of each value goes to that place."""
        return self._cumulative(dim, axis, "cummax", largest=True)

    def cummin(self, dim: int | None = None, *, axis: int | None = None) -> ValuesIndices:
        """(values, indices): the running minimum along dim, as cummax."""
        return self._cumulative(dim, axis, "cummin", largest=False)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False, *,
                axis: int | None = None) -> Tensor:
        """The indices that sort along dim (int64), NaN as the largest; always stable (ties keep their order)."""
        dim = normalise_axis(dim if axis is None else axis, self.ndim, "argsort", self.shape)
        if self.ndim == 0:
            return self._on_1d("argsort", 0, descending)
        xp, n = self.xp, self.shape[dim]
        if not descending:
            return self._from_op(xp.argsort(self._data, axis=dim, kind="stable").astype(np.int64))
        # the ascending order of the reversed values, reversed: equal values keep their order, NaN first
        ascending = xp.argsort(xp.flip(self._data, dim), axis=dim, kind="stable")
        return self._from_op((n - 1 - xp.flip(ascending, dim)).astype(np.int64))

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False, *,
             axis: int | None = None) -> ValuesIndices:
        """(values, indices) sorted along dim; the gradient of each value goes back to where it came from."""
        dim = normalise_axis(dim if axis is None else axis, self.ndim, "sort", self.shape)
        if self.ndim == 0:
            return self._on_1d("sort", 0, descending)
        indices = self.argsort(dim, descending)
        return ValuesIndices(_gather(self, indices._data, dim), indices)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *,
             axis: int | None = None) -> ValuesIndices:
        """(values, indices) of the k largest (or smallest) along dim, largest first (always sorted)."""
        dim = normalise_axis(dim if axis is None else axis, self.ndim, "topk", self.shape)
        size = self.shape[dim] if self.ndim else 1
        if not isinstance(k, (int, np.integer)) or not 0 <= k <= size:
            raise ValueError(f"topk: k={k!r} is out of range for dim {dim} of length {size} (shape {self.shape})")
        if self.ndim == 0:
            return self._on_1d("topk", k, 0, largest)
        indices = self.argsort(dim, descending=largest)._data
        indices = indices[(slice(None),) * dim + (slice(0, k),)]
        return ValuesIndices(_gather(self, indices, dim), self._from_op(indices))

    def isnan(self) -> Tensor:
        """Where the values are NaN (bool, no gradient)."""
        return self._from_op(self.xp.isnan(self._data))

    def isinf(self) -> Tensor:
        """Where the values are +inf or -inf (bool, no gradient)."""
        return self._from_op(self.xp.isinf(self._data))

    def isfinite(self) -> Tensor:
        """Where the values are neither NaN nor infinite (bool, no gradient)."""
        return self._from_op(self.xp.isfinite(self._data))

    def isclose(self, other: TensorLike, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
        """|self - other| <= atol + rtol * |other|, elementwise (bool, no gradient), as torch.isclose."""
        a, b = self._pair(other)
        return self._from_op(self.xp.isclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _t(x: TensorLike) -> Tensor:
    from .tensor import _as_tensor
    return _as_tensor(x)


# PyTorch's module-level forms: `tg.cumsum(x, 1)` is `x.cumsum(1)`; settings passed on as they are
def cumsum(input: TensorLike, *args: Any, **kwargs: Any) -> Tensor: return _t(input).cumsum(*args, **kwargs)
def cumprod(input: TensorLike, *args: Any, **kwargs: Any) -> Tensor: return _t(input).cumprod(*args, **kwargs)
def logcumsumexp(input: TensorLike, *args: Any, **kwargs: Any) -> Tensor: return _t(input).logcumsumexp(*args, **kwargs)
def prod(input: TensorLike, *args: Any, **kwargs: Any) -> Tensor: return _t(input).prod(*args, **kwargs)
def cummax(input: TensorLike, *args: Any, **kwargs: Any) -> ValuesIndices: return _t(input).cummax(*args, **kwargs)
def cummin(input: TensorLike, *args: Any, **kwargs: Any) -> ValuesIndices: return _t(input).cummin(*args, **kwargs)
def sort(input: TensorLike, *args: Any, **kwargs: Any) -> ValuesIndices: return _t(input).sort(*args, **kwargs)
def argsort(input: TensorLike, *args: Any, **kwargs: Any) -> Tensor: return _t(input).argsort(*args, **kwargs)
def topk(input: TensorLike, *args: Any, **kwargs: Any) -> ValuesIndices: return _t(input).topk(*args, **kwargs)
def any(input: TensorLike, *args: Any, **kwargs: Any) -> Tensor: return _t(input).any(*args, **kwargs)  # noqa: A001
def all(input: TensorLike, *args: Any, **kwargs: Any) -> Tensor: return _t(input).all(*args, **kwargs)  # noqa: A001
def isnan(input: TensorLike) -> Tensor: return _t(input).isnan()
def isinf(input: TensorLike) -> Tensor: return _t(input).isinf()
def isfinite(input: TensorLike) -> Tensor: return _t(input).isfinite()


def isclose(input: TensorLike, other: TensorLike, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    return _t(input).isclose(other, rtol, atol, equal_nan)


def std_mean(input: TensorLike, dim: int | Sequence[int] | None = None, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: int | None = None, ddof: int | None = None,
             axis: int | Sequence[int] | None = None, keepdims: bool | None = None) -> tuple[Tensor, Tensor]:
    """(std, mean) over dim, with std's arguments, as torch.std_mean: one call, both statistics."""
    x = _t(input)
    std = x.std(dim, unbiased, keepdim, correction=correction, ddof=ddof, axis=axis, keepdims=keepdims)
    return std, x.mean(dim, keepdim, axis=axis, keepdims=keepdims)
