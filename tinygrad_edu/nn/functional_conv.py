"""F.conv2d, F.conv1d and F.conv_transpose2d, built on im2col: every kh x kw window of the image as
one row (the Im2col op), so that a convolution is one matrix product, and its adjoint Col2im, so
that a transposed convolution is one matrix product scattered back. Pooling is in functional_pool.py."""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import numpy as np

from ..function import Function
from ..ops.array import Array
from ..tensor import Tensor
from .functional_linear import linear

Size2 = int | tuple[int, int]
Fn = TypeVar("Fn", bound=Callable[..., Any])
Size1 = int | tuple[int]


def _ntuple(value, n: int, who: str, positive: bool = False) -> tuple[int, ...]:
    values = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value) \
        if isinstance(value, (tuple, list)) else ()
    low = 1 if positive else 0
    if len(values) != n or any(not isinstance(v, (int, np.integer)) or v < low for v in values):
        kind = "positive" if positive else "non-negative"
        raise ValueError(f"{who}: expected a {kind} int or a tuple of {n} of them, got {value!r}")
    return tuple(int(v) for v in values)


def _pair(value, who: str, positive: bool = False) -> tuple[int, int]:
    return _ntuple(value, 2, who, positive)  # type: ignore[return-value]


def _check_image(x: Tensor, who: str, ndim: int = 4) -> None:
    if x.ndim != ndim:
        layout = "(batch, channels, height, width)" if ndim == 4 else "(batch, channels, length)"
        raise ValueError(f"{who}: input must be {layout} or one unbatched {layout.replace('batch, ', '(')[1:]}, "
                         f"got shape {x.shape}")


def _unbatched_too(ndim: int) -> Callable[[Fn], Fn]:
    """Let a function of (N, C, *spatial) inputs also take one (C, *spatial) input, as PyTorch's
    do: it runs on a batch of one, and the batch axis is taken off its result(s)."""
    def wrap(function: Fn) -> Fn:
        @functools.wraps(function)
        def run(input: Tensor, *args: Any, **kwargs: Any) -> Any:
            if input.ndim != ndim - 1:
                return function(input, *args, **kwargs)
            out = function(input.unsqueeze(0), *args, **kwargs)
            return tuple(o.squeeze(0) for o in out) if isinstance(out, tuple) else out.squeeze(0)
        return run  # type: ignore[return-value]
    return wrap


def _windows(x: Tensor, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int],
             pads: tuple[tuple[int, int], tuple[int, int]], pad_value: float, who: str,
             count: tuple[int, int] | None = None) -> Tensor:
    """The (dilated) kh x kw windows of x as rows: (N, out_h, out_w, C*kh*kw), after padding by
    pads ((top, bottom), (left, right)); `count` keeps only the first out_h x out_w windows."""
    if any(pads[0] + pads[1]):
        x = x.pad(((0, 0), (0, 0)) + tuple(pads), value=pad_value)
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if span[0] > x.shape[2] or span[1] > x.shape[3]:
        raise ValueError(f"{who}: kernel {kernel} (dilation {dilation}, spanning {span}) is larger than the "
                         f"padded input {x.shape[2:]}")
    return Im2col.apply(x, kernel=kernel, stride=stride, dilation=dilation, count=count)


def _conv_padding(padding, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int],
                  who: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) from an int, a pair, 'valid' or 'same' (stride 1; the odd
    pixel of an even total goes to the end, as in PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding != "same":
            raise ValueError(f"{who}: padding must be 'valid', 'same' or ints, got {padding!r}")
        if stride != (1, 1):
            raise ValueError(f"{who}: padding='same' is not supported for strided convolutions (stride {stride})")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return (totals[0] // 2, totals[0] - totals[0] // 2), (totals[1] // 2, totals[1] - totals[1] // 2)
    ph, pw = _pair(padding, who)
    return (ph, ph), (pw, pw)


def _as_2d(value, who: str, fill: int, positive: bool = False) -> tuple[int, int]:
    """A 1-D size as the 2-D one of a height-1 image: (fill, value)."""
    return (fill,) + _ntuple(value, 1, who, positive)  # type: ignore[return-value]


def _check_groups(groups: int, channels: int, out_channels: int, who: str) -> None:
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{who}: groups must be a positive int, got {groups!r}")
    if channels % groups or out_channels % groups:
        raise ValueError(f"{who}: in_channels ({channels}) and out_channels ({out_channels}) must both be "
                         f"divisible by groups ({groups})")


def _grouped_product(rows: Tensor, w: Tensor, groups: int) -> Tensor:
    """rows (..., G*K) times each group's matrix w[g] (K, M): (..., G*M), one batched product."""
    lead = rows.shape[:-1]
    y = rows.reshape(*lead, groups, 1, rows.shape[-1] // groups) @ w
    return y.reshape(*lead, groups * w.shape[-1])  # not -1: an empty batch leaves it undetermined


def _check_bias(bias: Tensor | None, out_channels: int, who: str) -> None:
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(f"{who}: bias of shape {bias.shape} does not match {out_channels} output channels "
                         f"(expected shape ({out_channels},))")


@_unbatched_too(4)
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size2 = 1,
           padding: Size2 | str = 0, dilation: Size2 = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch): input (N, C, H, W), weight (O, C/groups,
    kh, kw), bias (O,);  y[n, o, i, j] = b[o] + sum_{c in o's group, a, b'} w[o, c, a, b'] *
    x_padded[n, c, i*sh + a*dh, j*sw + b'*dw]. Computed as im2col and one matrix product per group."""
    _check_image(input, "conv2d")
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be (out_channels, in_channels/groups, kh, kw), got shape "
                         f"{weight.shape}")
    return _convolve(input, weight, bias, stride, padding, dilation, groups, "conv2d")


def _convolve(input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding, dilation, groups: int,
              who: str) -> Tensor:
    """conv2d's work, with `who` naming the function the user called in messages."""
    _check_groups(groups, input.shape[1], weight.shape[0], who)
    if weight.shape[1] * groups != input.shape[1]:
        raise ValueError(f"{who}: weight of shape {weight.shape} (out_channels, in_channels/groups, ...) does "
                         f"not match input of shape {input.shape} ({input.shape[1]} channels, groups={groups})")
    out_channels, kernel = weight.shape[0], tuple(weight.shape[2:])
    _check_bias(bias, out_channels, who)
    stride, dilation = _pair(stride, who, True), _pair(dilation, who, True)
    pads = _conv_padding(padding, kernel, stride, dilation, who)
    rows = _windows(input, kernel, stride, dilation, pads, 0.0, who)  # (N, out_h, out_w, C*kh*kw)
    if groups == 1:
        y = linear(rows, weight.reshape(out_channels, -1), bias)  # (N, out_h, out_w, out_channels)
    else:
        y = _grouped_product(rows, weight.reshape(groups, out_channels // groups, -1).transpose(0, 2, 1), groups)
        y = y if bias is None else y + bias
    return y.transpose(0, 3, 1, 2)


@_unbatched_too(3)
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size1 = 1,
           padding: Size1 | str = 0, dilation: Size1 = 1, groups: int = 1) -> Tensor:
    """1-D convolution of input (N, C, L) with weight (O, C/groups, k): conv2d on a height of 1;
    y[n, o, i] = b[o] + sum_{c, a} w[o, c, a] * x_padded[n, c, i*s + a*d]."""
    _check_image(input, "conv1d", 3)
    if weight.ndim != 3:
        raise ValueError(f"conv1d: weight must be (out_channels, in_channels/groups, k), got shape {weight.shape}")
    if weight.shape[1] * groups != input.shape[1]:
        raise ValueError(f"conv1d: weight of shape {weight.shape} (out_channels, in_channels/groups, k) does not "
                         f"match input of shape {input.shape} ({input.shape[1]} channels, groups={groups})")
    padding = padding if isinstance(padding, str) else _as_2d(padding, "conv1d", 0)
    y = _convolve(input.unsqueeze(2), weight.unsqueeze(2), bias, _as_2d(stride, "conv1d", 1, True),
                  padding, _as_2d(dilation, "conv1d", 1, True), groups, "conv1d")
    return y.squeeze(2)


@_unbatched_too(4)
def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size2 = 1,
                     padding: Size2 = 0, output_padding: Size2 = 0, groups: int = 1, dilation: Size2 = 1) -> Tensor:
    """The adjoint of conv2d in its input (the gradient conv2d sends back), weight (C, O/groups, kh, kw):
    y = crop_padding(Col2im(x @ w)): each input pixel times w scattered into its window;
    out side = (side - 1)*s - 2p + d*(k - 1) + output_padding + 1."""
    _check_image(input, "conv_transpose2d")
    n, channels, h, w = input.shape
    if weight.ndim != 4 or weight.shape[0] != channels:
        raise ValueError(f"conv_transpose2d: weight of shape {weight.shape} (in_channels, out_channels/groups, kh, kw) "
                         f"does not match input of shape {input.shape} ({channels} channels)")
    out_channels, (kh, kw) = weight.shape[1] * groups, weight.shape[2:]
    _check_groups(groups, channels, out_channels, "conv_transpose2d")
    _check_bias(bias, out_channels, "conv_transpose2d")
    (sh, sw), (dh, dw) = _pair(stride, "conv_transpose2d", True), _pair(dilation, "conv_transpose2d", True)
    (ph, pw), (oph, opw) = _pair(padding, "conv_transpose2d"), _pair(output_padding, "conv_transpose2d")
    if not (oph < sh or oph < dh) or not (opw < sw or opw < dw):
        raise ValueError(f"conv_transpose2d: output_padding {(oph, opw)} must be smaller than either stride "
                         f"{(sh, sw)} or dilation {(dh, dw)}")
    full = ((h - 1) * sh + dh * (kh - 1) + 1 + oph, (w - 1) * sw + dw * (kw - 1) + 1 + opw)
    if full[0] - 2 * ph < 1 or full[1] - 2 * pw < 1:
        raise ValueError(f"conv_transpose2d: input {input.shape}, kernel {(kh, kw)} and padding {(ph, pw)} give "
                         f"an output size {(full[0] - 2 * ph, full[1] - 2 * pw)}, which is not positive")
    x = input.transpose(0, 2, 3, 1)  # (N, H, W, C)
    if groups == 1:
        rows = x @ weight.reshape(channels, -1)  # (N, H, W, O*kh*kw)
    else:
        rows = _grouped_product(x, weight.reshape(groups, channels // groups, -1), groups)
    y = Col2im.apply(rows, shape=(n, out_channels) + full, kernel=(kh, kw), stride=(sh, sw), dilation=(dh, dw))
    y = y[:, :, ph:full[0] - ph, pw:full[1] - pw]
    return y if bias is None else y + bias.reshape(1, -1, 1, 1)


# fused because a window view is one strided read (and its adjoint one pass per kernel offset),
# where slicing and stacking would make kh * kw ops per convolution and as many backward nodes
class Im2col(Function):
    """y[n, i, j, (c, a, b)] = x[n, c, i*sh + a*dh, j*sw + b*dw]: each (dilated) kh x kw window of
    x (N, C, H, W) as one row, so that a convolution is one matrix product (`count` keeps the first
    out_h x out_w windows: pooling's ceil_mode, Col2im's backward);  dx = Col2im(g)"""

    @staticmethod
    def forward(ctx, x: Array, *, kernel: tuple[int, int], stride: tuple[int, int],
                dilation: tuple[int, int] = (1, 1), count: tuple[int, int] | None = None) -> Array:
        (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
        span = ((kh - 1) * dh + 1, (kw - 1) * dw + 1)
        windows = ctx.xp.lib.stride_tricks.sliding_window_view(x, span, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
        if count is not None:
            windows = windows[:, :, :count[0], :count[1]]
        n, c, oh, ow = windows.shape[:4]
        ctx.input_shape, ctx.kernel, ctx.stride, ctx.dilation = x.shape, kernel, stride, dilation
        return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n, oh, ow, c * kh * kw)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return Col2im.apply(g, shape=ctx.input_shape, kernel=ctx.kernel, stride=ctx.stride, dilation=ctx.dilation)


class Col2im(Function):
    """y = zeros(shape) with each row of x added into its (dilated) window (the adjoint of Im2col);
    dx = Im2col(g)"""

    @staticmethod
    def forward(ctx, x: Array, *, shape: tuple, kernel: tuple[int, int], stride: tuple[int, int],
                dilation: tuple[int, int] = (1, 1)) -> Array:
        (n, c, _, _), (kh, kw), (sh, sw), (dh, dw) = shape, kernel, stride, dilation
        oh, ow = x.shape[1:3]
        rows = x.reshape(n, oh, ow, c, kh, kw)
        y = ctx.xp.zeros(shape, dtype=x.dtype)
        for a in range(kh):  # one pass per kernel offset, vectorised over everything else
            for b in range(kw):
                i, j = a * dh, b * dw
                y[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw] += rows[..., a, b].transpose(0, 3, 1, 2)
        ctx.kernel, ctx.stride, ctx.dilation, ctx.count = kernel, stride, dilation, (oh, ow)
        return y

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return Im2col.apply(g, kernel=ctx.kernel, stride=ctx.stride, dilation=ctx.dilation, count=ctx.count)
