"""Reductions: sum and max over axes."""
from __future__ import annotations

from ..function import Function
from .array import Array


def _keepdims_shape(shape: tuple, axis: tuple) -> tuple:
    return tuple(1 if i in axis else s for i, s in enumerate(shape))


class Sum(Function):
    """y = sum of x over `axis` (a normalised tuple);  dx = g broadcast back to x's shape"""

    @staticmethod
    def forward(ctx, x: Array, *, axis: tuple, keepdims: bool) -> Array:
        ctx.input_shape = x.shape
        ctx.kept = _keepdims_shape(x.shape, axis)
        return x.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return ctx.xp.broadcast_to(g.reshape(ctx.kept), ctx.input_shape)


class Max(Function):
    """y = max of x over `axis`;  dx = g shared evenly by the elements equal to the max (by the
    NaNs where the max is NaN, as PyTorch's)"""

    @staticmethod
    def forward(ctx, x: Array, *, axis: tuple, keepdims: bool) -> Array:
        y = x.max(axis=axis, keepdims=True)
        ctx.axis = axis
        ctx.save_for_backward(x, y)
        return y if keepdims else y.reshape([s for i, s in enumerate(y.shape) if i not in axis])

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        x, y = ctx.saved_tensors
        is_max = (x == y) | (x != x)  # x != x: the NaNs, present only where they made the max NaN
        share = is_max / is_max.sum(axis=ctx.axis, keepdims=True)
        return g.reshape(y.shape) * share
