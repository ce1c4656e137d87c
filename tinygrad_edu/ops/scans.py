"""Scans (running sums, products, log-sum-exps along one axis) and the product reduction.

A backward that needs a scan of its own calls the op's `.apply`, so that under create_graph it is
recorded like any other op (array functions such as cumsum are not differentiable by themselves).
"""
from __future__ import annotations

from typing import Any

import numpy

from ..function import Function
from .array import Array
from .movement import GetItem, Pad


def _flip(x: Array, axis: int) -> Array:
    """x reversed along `axis`, as a recorded op (GetItem with a negative step)."""
    return GetItem.apply(x, index=(slice(None),) * axis + (slice(None, None, -1),))


def _exclusive(x: Array, axis: int) -> Array:
    """x shifted one place along `axis`, a 1 entering first: the running product then excludes x_i."""
    widths = tuple((1, 0) if i == axis else (0, 0) for i in range(x.ndim))
    return GetItem.apply(Pad.apply(x, pad_width=widths, value=1.0), index=(slice(None),) * axis + (slice(None, -1),))


def running(name: str, x: Array, axis: int, xp: Any, reverse: bool = False) -> Array:
    """The running `xp.<name>` (maximum, minimum, logaddexp) of x along `axis`: NumPy's
    ufunc.accumulate, or on other libraries log2(n) doubling steps (each value combined with the
    one `shift` places before it; a loop over steps, not elements), which needs only slicing."""
    if reverse:
        return xp.flip(running(name, xp.flip(x, axis), axis, xp), axis)
    combine, n = getattr(xp, name), x.shape[axis]
    if xp is numpy:
        return combine.accumulate(x, axis=axis)
    shift, lead = 1, (slice(None),) * axis
    while shift < n:
        x = xp.concatenate([x[lead + (slice(0, shift),)], combine(x[lead + (slice(shift, n),)],
                                                                  x[lead + (slice(0, n - shift),)])], axis=axis)
        shift *= 2
    return x


class Cumsum(Function):
    """y_i = sum_{j<=i} x_j (from the end when `reverse`);  dx_j = sum_{i>=j} g_i (the reversed scan)"""

    # primitive: a running sum is no composition of the elementwise and reduction ops without a loop
    @staticmethod
    def forward(ctx, x: Array, *, axis: int, reverse: bool = False) -> Array:
        ctx.axis, ctx.reverse = axis, reverse
        xp = ctx.xp
        if reverse:
            return xp.flip(xp.cumsum(xp.flip(x, axis), axis=axis), axis)
        return xp.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return Cumsum.apply(g, axis=ctx.axis, reverse=not ctx.reverse)


class Cumprod(Function):
    """y_i = prod_{j<=i} x_j;  dx_j = sum_{i>=j} g_i prod_{k<=i, k!=j} x_k, which is
    sum_{i>=j} g_i y_i / x_j before a slice's first zero, L * sum_{i>=j} g_i prod_{j<k<=i} x_k at it
    (L: the product before it) and 0 after it (every term holds that zero)"""

    # primitive: exp(cumsum(log x)) fails for x <= 0, and the division alone gives inf or nan at a
    # zero, where the true gradient is finite (PyTorch treats the first zero apart as well)
    @staticmethod
    def forward(ctx, x: Array, *, axis: int) -> Array:
        y = ctx.xp.cumprod(x, axis=axis)
        ctx.axis = axis
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        x, y = ctx.saved_tensors
        xp, axis = ctx.xp, ctx.axis
        if hasattr(x, "grad_fn"):  # a Tensor: under create_graph, the form whose own gradient is exact
            return _cumprod_grad_by_rows(x, g, axis, xp, x.xp)
        zero = x == 0
        seen = xp.cumsum(zero, axis=axis)  # zeros so far: 0 before the first, 1 from it on
        before, first = seen == 0, (seen == 1) & zero
        up_to_first = xp.where(before, x, 1.0)  # x before the first zero, 1 from it on: never divide by 0
        ahead = Cumsum.apply(g * y, axis=axis, reverse=True)._data / up_to_first
        product_before = up_to_first.cumprod(axis=axis)  # at the first zero: L
        after_first = xp.where(before | first, 1.0, x).cumprod(axis=axis)  # prod_{first<k<=i} x_k
        at_first = product_before * (xp.where(before, 0.0, g * after_first)).sum(axis=axis, keepdims=True)
        return xp.where(before, ahead, 0.0) + xp.where(first, at_first, 0.0)


def _cumprod_grad_by_rows(x: Array, g: Array, axis: int, xp: Any, library: Any) -> Array:
    """dx_j = sum_{i>=j} g_i prod_{k<=i, k!=j} x_k, one row per j (x_j set to 1 in row j): O(n^2)
    work, but a polynomial in x with no division, so differentiable at zeros to any order
    (PyTorch switches to an O(n^2) form for double backward too)."""
    n = x.shape[axis]
    rows = xp.where(library.eye(n, dtype=bool), 1.0, x.swapaxes(axis, -1)[..., None, :])  # (..., j, k)
    upper = library.triu(library.ones((n, n), dtype=bool))  # i >= j
    products = xp.where(upper, rows.cumprod(axis=-1), 0.0)  # (..., j, i)
    return (products * g.swapaxes(axis, -1)[..., None, :]).sum(axis=-1).swapaxes(axis, -1)


class Prod(Function):
    """y = prod of x along `axis`;  dx_j = g * prod_{i != j} x_i  (the products before and after j)"""

    # primitive: g * y / x would divide by zero. The product of the others is the running product
    # from the left times the one from the right, each leaving x_j out: exact for any zeros at first
    # order; its own gradient (second order) goes through Cumprod, exact for nonzero inputs
    @staticmethod
    def forward(ctx, x: Array, *, axis: int, keepdims: bool) -> Array:
        ctx.axis, ctx.kept = axis, x.shape[:axis] + (1,) + x.shape[axis + 1:]
        ctx.save_for_backward(x)
        return x.prod(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        axis = ctx.axis
        left = Cumprod.apply(_exclusive(x, axis), axis=axis)
        right = _flip(Cumprod.apply(_exclusive(_flip(x, axis), axis), axis=axis), axis)
        return g.reshape(ctx.kept) * (left * right)


class LogCumsumExp(Function):
    """y_i = log(sum_{j<=i} exp(x_j)) (from the end when `reverse`);
    dx_j = sum_{i>=j} g_i exp(x_j - y_i) = exp(x_j + revlogcumsumexp(log g - y)), g split by sign"""

    # primitive: a running log-sum-exp; logaddexp.accumulate keeps the running maximum, so it
    # cannot overflow (nor can running()'s doubling), and the backward is the same scan reversed
    # (never exp(x) on its own)
    @staticmethod
    def forward(ctx, x: Array, *, axis: int, reverse: bool = False) -> Array:
        ctx.axis, ctx.reverse = axis, reverse
        y = running("logaddexp", x, axis, ctx.xp, reverse)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        x, y = ctx.saved_tensors
        xp = ctx.xp
        floor = numpy.finfo(numpy.dtype(x.dtype)).min / 4  # exp(floor + anything finite) is 0, never nan
        ones = xp.ones_like(g)
        grads = []
        for sign in (1, -1):  # the positive and the negative parts of g, each a log-sum-exp
            part = (g * sign) > 0
            log_g = xp.where(part, xp.log(xp.where(part, g * sign, ones)), ones * floor)
            scan = LogCumsumExp.apply(log_g - y, axis=ctx.axis, reverse=not ctx.reverse)
            grads.append((x + scan).exp() * sign)  # scan is a Tensor (made by .apply)
        return grads[0] + grads[1]
