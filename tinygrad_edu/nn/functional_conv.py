"""F.conv2d, F.max_pool2d and F.avg_pool2d, built on im2col: every kh x kw window of the image as
one row (the Im2col op), so that a convolution is one matrix product and a pool one reduction."""
from __future__ import annotations

import numpy as np

from ..function import Function
from ..ops.array import Array
from ..tensor import Tensor
from .functional_linear import linear


def _pair(value, who: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or any(not isinstance(v, (int, np.integer)) or v < 0 for v in pair):
        raise ValueError(f"{who}: expected a non-negative int or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _check_image(x: Tensor, who: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{who}: input must be (batch, channels, height, width), got shape {x.shape}")


def _windows(x: Tensor, kernel, stride, padding, pad_value: float, who: str):
    """The kh x kw windows of x as rows: (N, out_h, out_w, C*kh*kw), after padding."""
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel, who), _pair(stride, who), _pair(padding, who)
    if kh == 0 or kw == 0 or sh == 0 or sw == 0:
        raise ValueError(f"{who}: kernel size and stride must be positive")
    if ph or pw:
        x = x.pad(((0, 0), (0, 0), (ph, ph), (pw, pw)), value=pad_value)
    if kh > x.shape[2] or kw > x.shape[3]:
        raise ValueError(f"{who}: kernel {(kh, kw)} is larger than the padded input {x.shape[2:]}")
    return Im2col.apply(x, kernel=(kh, kw), stride=(sh, sw)), (kh, kw)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple[int, int] = 1,
           padding: int | tuple[int, int] = 0) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch): input (N, C, H, W), weight
    (out_channels, C, kh, kw), bias (out_channels,). Computed as im2col and one matrix product."""
    _check_image(input, "conv2d")
    if weight.ndim != 4 or weight.shape[1] != input.shape[1]:
        raise ValueError(f"conv2d: weight of shape {weight.shape} (out_channels, in_channels, kh, kw) "
                         f"does not match input of shape {input.shape} ({input.shape[1]} channels)")
    rows, _ = _windows(input, weight.shape[2:], stride, padding, 0.0, "conv2d")
    y = linear(rows, weight.reshape(weight.shape[0], -1), bias)  # (N, out_h, out_w, out_channels)
    return y.transpose(0, 3, 1, 2)


def _pool(input: Tensor, kernel_size, stride, padding, pad_value: float, who: str):
    _check_image(input, who)
    rows, (kh, kw) = _windows(input, kernel_size, kernel_size if stride is None else stride,
                              padding, pad_value, who)
    n, oh, ow, _ = rows.shape
    return rows.reshape(n, oh, ow, input.shape[1], kh * kw)


def max_pool2d(input: Tensor, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> Tensor:
    """Largest value of each window (stride defaults to the kernel size); tied maxima share the
    gradient evenly."""
    windows = _pool(input, kernel_size, stride, padding, -np.inf, "max_pool2d")
    return windows.max(axis=-1).transpose(0, 3, 1, 2)


def avg_pool2d(input: Tensor, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> Tensor:
    """Mean of each window (stride defaults to the kernel size; padding counts as zeros)."""
    return _pool(input, kernel_size, stride, padding, 0.0, "avg_pool2d").mean(axis=-1).transpose(0, 3, 1, 2)


# fused because a window view is one strided read (and its adjoint one pass per kernel offset),
# where slicing and stacking would make kh * kw ops per convolution and as many backward nodes
class Im2col(Function):
    """y[n, i, j, (c, a, b)] = x[n, c, i*sh + a, j*sw + b]: each kh x kw window of x (N, C, H, W)
    as one row, so that a convolution is one matrix product;  dx = the rows added back (Col2im)"""

    @staticmethod
    def forward(ctx, x: Array, *, kernel: tuple[int, int], stride: tuple[int, int]) -> Array:
        (kh, kw), (sh, sw) = kernel, stride
        windows = ctx.xp.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
        n, c, oh, ow = windows.shape[:4]
        ctx.input_shape, ctx.kernel, ctx.stride = x.shape, kernel, stride
        return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n, oh, ow, c * kh * kw)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return Col2im.apply(g, shape=ctx.input_shape, kernel=ctx.kernel, stride=ctx.stride)


class Col2im(Function):
    """y = zeros(shape) with each row of x added into its window (the adjoint of Im2col);
    dx = Im2col(g)"""

    @staticmethod
    def forward(ctx, x: Array, *, shape: tuple, kernel: tuple[int, int], stride: tuple[int, int]) -> Array:
        (n, c, _, _), (kh, kw), (sh, sw) = shape, kernel, stride
        oh, ow = x.shape[1:3]
        rows = x.reshape(n, oh, ow, c, kh, kw)
        y = ctx.xp.zeros(shape, dtype=x.dtype)
        for a in range(kh):  # one pass per kernel offset, vectorised over everything else
            for b in range(kw):
                y[:, :, a:a + sh * oh:sh, b:b + sw * ow:sw] += rows[:, :, :, :, a, b].transpose(0, 3, 1, 2)
        ctx.kernel, ctx.stride = kernel, stride
        return y

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return Im2col.apply(g, kernel=ctx.kernel, stride=ctx.stride)
