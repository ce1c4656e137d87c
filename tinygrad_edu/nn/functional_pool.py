"""F.max_pool2d, F.avg_pool2d, F.max_pool1d and F.avg_pool1d, built on Im2col (functional_conv.py):
each window as one row, then one reduction over it. Output sides follow PyTorch's pooling rule:
out = floor_or_ceil((side + 2p - d*(k - 1) - 1) / s) + 1, where with ceil_mode the last window
must start inside the input or its left padding."""
from __future__ import annotations

import numpy as np

from ..device import array_namespace, to_library_of
from ..tensor import Tensor
from .functional_conv import Size1, Size2, _as_2d, _check_image, _pair, _windows, _unbatched_too


def _out_side(side: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    out = (side + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= side + p:  # the last window would start in the right padding
        out -= 1
    return out


def _pool_windows(input: Tensor, kernel_size, stride, padding, dilation, ceil_mode: bool, pad_value: float,
                  who: str):
    """The windows (N, out_h, out_w, C, kh*kw) and the geometry (kernel, stride, padding, dilation, out)."""
    kernel = _pair(kernel_size, who, True)
    stride = kernel if stride is None else _pair(stride, who, True)
    padding, dilation = _pair(padding, who), _pair(dilation, who, True)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{who}: padding {padding} should be at most half of the kernel size {kernel}")
    sides = input.shape[2:]
    geometry = list(zip(sides, kernel, stride, padding, dilation))
    out = tuple(_out_side(*g, ceil_mode) for g in geometry)
    if min(out) < 1:
        raise ValueError(f"{who}: kernel {kernel} (dilation {dilation}) is larger than the padded input: input of "
                         f"shape {input.shape}, stride {stride} and padding {padding} give an output size {out}")
    # ceil_mode's last window may hang past the far padding: pad it with pad_value, counted by no one
    pads = tuple((p, max(p, (o - 1) * s + d * (k - 1) + 1 - n - p)) for (n, k, s, p, d), o in zip(geometry, out))
    rows = _windows(input, kernel, stride, dilation, pads, pad_value, who, count=out)
    windows = rows.reshape(input.shape[0], out[0], out[1], input.shape[1], kernel[0] * kernel[1])
    return windows, (kernel, stride, padding, dilation, out)


def _first_max(windows: Tensor) -> tuple[Tensor, Tensor]:
    """The max over the last axis and where it is, as PyTorch's max pooling picks it: the first
    maximum (a NaN counts as one), which alone gets the gradient (ties are common: ReLU's zeros)."""
    best = windows.detach().argmax(axis=-1)
    return windows.gather(-1, best.unsqueeze(-1)).squeeze(-1), best


def _max_indices(best: Tensor, width: int, geometry) -> Tensor:
    """PyTorch's indices of max_pool2d: each maximum's place in its (N, C) plane flattened (i*W + j)."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = geometry
    best = best._data  # (N, out_h, out_w, C)
    a, b = np.divmod(np.arange(kh * kw), kw)
    offset = to_library_of(a * dh * width + b * dw, best)
    corner = to_library_of((np.arange(oh) * sh - ph)[:, None] * width + (np.arange(ow) * sw - pw), best)
    places = array_namespace(best).take(offset, best)  # offset[best], written so that tg.jit records it
    return Tensor((places + corner[None, :, :, None]).transpose(0, 3, 1, 2))


def _max_pool(input: Tensor, kernel_size, stride, padding, dilation, ceil_mode: bool, return_indices: bool,
              who: str) -> Tensor | tuple[Tensor, Tensor]:
    kind = input.dtype.kind
    if kind not in "fiu":
        raise TypeError(f"{who}: needs a float or integer input, got {input.dtype}")
    lowest = -np.inf if kind == "f" else np.iinfo(input.dtype).min  # what padding holds: never the max
    windows, geometry = _pool_windows(input, kernel_size, stride, padding, dilation, ceil_mode, lowest, who)
    y, best = _first_max(windows)
    y = y.transpose(0, 3, 1, 2)
    return (y, _max_indices(best, input.shape[3], geometry)) if return_indices else y


@_unbatched_too(4)
def max_pool2d(input: Tensor, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0,
               dilation: Size2 = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """y[n, c, i, j] = max_{a, b} x_padded[n, c, i*sh + a*dh, j*sw + b*dw], padding -inf, stride
    defaulting to the kernel size; with return_indices also the int64 place of each maximum in
    its flattened H*W plane. The gradient goes to the first maximum of each window, as in PyTorch."""
    _check_image(input, "max_pool2d")
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")


def _divisors(sides, geometry, count_include_pad: bool) -> np.ndarray:
    """PyTorch's avg_pool divisor for each output place (out_h, out_w): the window clipped to the
    padded input, or to the input itself without count_include_pad."""
    (kernel, stride, padding, _, out) = geometry
    counts = []
    for n, k, s, p, o in zip(sides, kernel, stride, padding, out):  # two axes
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        counts.append(end - start if count_include_pad else np.minimum(end, n) - np.maximum(start, 0))
    return np.outer(counts[0], counts[1])


def _avg_pool(input: Tensor, kernel_size, stride, padding, ceil_mode: bool, count_include_pad: bool,
              divisor_override: int | None, who: str) -> Tensor:
    windows, geometry = _pool_windows(input, kernel_size, stride, padding, 1, ceil_mode, 0.0, who)
    sums = windows.sum(axis=-1)  # (N, out_h, out_w, C)
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError(f"{who}: divisor_override must not be zero")
        divisor = np.full(geometry[-1], divisor_override)
    else:
        divisor = _divisors(input.shape[2:], geometry, count_include_pad)
    return (sums / to_library_of(divisor[:, :, None].astype(input.dtype), sums._data)).transpose(0, 3, 1, 2)


@_unbatched_too(4)
def avg_pool2d(input: Tensor, kernel_size: Size2, stride: Size2 | None = None, padding: Size2 = 0,
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """y[n, c, i, j] = sum_{a, b} x_padded[n, c, i*sh + a, j*sw + b] / divisor, padding 0: the
    divisor is the window's size within the padded input (count_include_pad) or within the input,
    never counting what ceil_mode's last window hangs over; divisor_override replaces it."""
    _check_image(input, "avg_pool2d")
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                     "avg_pool2d")


@_unbatched_too(3)
def max_pool1d(input: Tensor, kernel_size: Size1, stride: Size1 | None = None, padding: Size1 = 0,
               dilation: Size1 = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """y[n, c, i] = max_a x_padded[n, c, i*s + a*d] of input (N, C, L): max_pool2d on a height of 1;
    the indices are places in L."""
    _check_image(input, "max_pool1d", 3)
    who = "max_pool1d"
    stride = None if stride is None else _as_2d(stride, who, 1, True)
    y = _max_pool(input.unsqueeze(2), _as_2d(kernel_size, who, 1, True), stride, _as_2d(padding, who, 0),
                  _as_2d(dilation, who, 1, True), ceil_mode, return_indices, who)
    return (y[0].squeeze(2), y[1].squeeze(2)) if return_indices else y.squeeze(2)


@_unbatched_too(3)
def avg_pool1d(input: Tensor, kernel_size: Size1, stride: Size1 | None = None, padding: Size1 = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """y[n, c, i] = sum_a x_padded[n, c, i*s + a] / divisor of input (N, C, L): avg_pool2d on a
    height of 1, with its divisor rules."""
    _check_image(input, "avg_pool1d", 3)
    who = "avg_pool1d"
    stride = None if stride is None else _as_2d(stride, who, 1, True)
    y = _avg_pool(input.unsqueeze(2), _as_2d(kernel_size, who, 1, True), stride, _as_2d(padding, who, 0),
                  ceil_mode, count_include_pad, None, who)
    return y.squeeze(2)
