"""Ops that move values without computing new ones: reshape, transpose, broadcast, indexing,
joining and padding (each backward is the adjoint move)."""
from __future__ import annotations

from typing import Any

import numpy

from ..function import Function
from .array import Array

Index = Any  # what NumPy takes in x[index]: ints, slices, None, Ellipsis, arrays, or a tuple of them


class Reshape(Function):
    """y = x with a new shape;  dx = g with x's shape"""

    @staticmethod
    def forward(ctx, x: Array, *, shape: tuple) -> Array:
        ctx.input_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return g.reshape(ctx.input_shape)


class Transpose(Function):
    """y = x with axes permuted;  dx = g with the inverse permutation"""

    @staticmethod
    def forward(ctx, x: Array, *, axes: tuple) -> Array:
        ctx.inverse = tuple(int(i) for i in numpy.argsort([a % max(x.ndim, 1) for a in axes]))
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return g.transpose(ctx.inverse)


class BroadcastTo(Function):
    """y = x repeated along broadcast axes;  dx = g summed back down"""

    @staticmethod
    def forward(ctx, x: Array, *, shape: tuple) -> Array:
        ctx.input_shape = x.shape
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return sum_to(g, ctx.input_shape)


class GetItem(Function):
    """y = x[index];  dx = zeros with g added at index (repeated indices add up)"""

    @staticmethod
    def forward(ctx, x: Array, *, index: Index) -> Array:
        ctx.index, ctx.input_shape = index, x.shape
        return x[index]

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return IndexAdd.apply(g, index=ctx.index, shape=ctx.input_shape)


class IndexAdd(Function):
    """y = zeros(shape) with x added at index;  dx = g[index]  (the adjoint of GetItem)"""

    @staticmethod
    def forward(ctx, x: Array, *, index: Index, shape: tuple) -> Array:
        ctx.index = index
        y = ctx.xp.zeros(shape, dtype=x.dtype)
        if _has_array_index(index):
            ctx.xp.add.at(y, index, x)  # unbuffered: repeated indices add up
        else:
            y[index] = x  # basic indexing never repeats an element
        return y

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return GetItem.apply(g, index=ctx.index)


class SetItem(Function):
    """y = x with v written at `steps` (indices applied in turn);  dx = g with zeros there,
    dv = g at those places (summed where v was broadcast)"""

    @staticmethod
    def forward(ctx, x: Array, v: Array, *, steps: tuple[Index, ...]) -> Array:
        ctx.steps = steps
        y = x.copy()
        target = y
        for step in steps[:-1]:  # every step but the last gives a view, so the write reaches y
            target = target[step]
        target[steps[-1]] = v
        return y

    @staticmethod
    def backward(ctx, g: Array) -> tuple[Array, Array]:
        _, need_v = ctx.needs_input_grad
        gv = g
        for step in ctx.steps:
            gv = gv[step]
        return SetItem.apply(g, 0, steps=ctx.steps), (gv if need_v else None)


def _has_array_index(index: Index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(hasattr(p, "shape") or isinstance(p, list) for p in parts)


class Concatenate(Function):
    """y = the inputs joined along `axis`;  each input gets its slice of g"""

    @staticmethod
    def forward(ctx, *xs: Array, axis: int) -> Array:
        ctx.axis = axis
        ctx.sizes = [x.shape[axis] for x in xs]
        return ctx.xp.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, g: Array) -> tuple[Array, ...]:
        grads, start = [], 0
        lead = (slice(None),) * (ctx.axis % g.ndim)
        for size in ctx.sizes:
            grads.append(g[lead + (slice(start, start + size),)])
            start += size
        return tuple(grads)


class Pad(Function):
    """y = x padded with a constant;  dx = the middle of g"""

    @staticmethod
    def forward(ctx, x: Array, *, pad_width: tuple[tuple[int, int], ...], value: float) -> Array:
        ctx.middle = tuple(slice(before, before + n) for (before, _), n in zip(pad_width, x.shape))
        return ctx.xp.pad(x, pad_width or 0, constant_values=value)  # a 0-d x has no widths

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return g[ctx.middle]


def sum_to(g: Array, shape: tuple) -> Array:
    """Adjoint of broadcasting: sum `g` (array or Tensor) down to `shape`.

    Leading axes that broadcasting added are summed away, axes of length 1 are summed with
    keepdims; any other mismatch is left for the caller to report."""
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    stretched = tuple([i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1])
    return g.sum(axis=stretched, keepdims=True) if stretched else g
