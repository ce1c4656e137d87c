"""Resampling with PyTorch's names and arguments: F.pad (constant, reflect, replicate, circular),
F.interpolate (nearest, linear, bilinear), F.adaptive_avg_pool1d/2d and F.adaptive_max_pool2d.
Each is a composite, so there is no backward of its own and no Python loop over elements: a pad
mode gathers with one integer index array per padded axis (repeats add up in the gradient); linear
interpolation and adaptive averaging multiply by one small matrix per spatial axis; adaptive max
gathers each window with an (out, window) index array and takes the max."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..device import to_library_of
from ..tensor import Tensor
from .functional_pool import _first_max

__all__ = ["pad", "interpolate", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool2d"]

PAD_MODES = ("constant", "reflect", "replicate", "circular")
INTERPOLATE_MODES = {"nearest": None, "linear": 3, "bilinear": 4}  # mode -> the input's rank it needs


def _along(x: Tensor, axis: int, index: np.ndarray) -> Tensor:
    """x with its axis `axis` gathered by the integer array `index` (a differentiable gather)."""
    return x[(slice(None),) * axis + (index,)]


def _times(x: Tensor, axis: int, m: np.ndarray) -> Tensor:
    """x with its axis `axis` (of length m.shape[1]) mapped by m: y[.., i, ..] = sum_j m[i, j] x[.., j, ..]."""
    m = to_library_of(m.astype(x.dtype), x._data)
    if axis == x.ndim - 1:
        return x @ m.T
    return m @ x if axis == x.ndim - 2 else (m @ x.swapaxes(axis, -2)).swapaxes(axis, -2)


# ---------------------------------------------------------------------- pad


def _pad_pairs(who: str, x: Tensor, pad: Sequence[int]) -> list[tuple[int, int, int]]:
    """PyTorch's pad tuple (last axis first) as (axis, before, after) triples."""
    pad = tuple(pad)
    if not all(isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in pad):
        raise TypeError(f"{who}: pad must be a sequence of ints, got {pad!r}")
    if len(pad) % 2:
        raise ValueError(f"{who}: pad length must be divisible by 2, got {pad} for input of shape {x.shape}")
    if len(pad) > 2 * x.ndim:
        raise ValueError(f"{who}: pad {pad} pads {len(pad) // 2} axes but the input of shape {x.shape} "
                         f"has {x.ndim}")
    return [(x.ndim - 1 - k, int(pad[2 * k]), int(pad[2 * k + 1])) for k in range(len(pad) // 2)]


def _pad_index(mode: str, n: int, before: int, after: int) -> np.ndarray:
    """The source index of each output position j along one axis of length n, i = j - before:
    reflect i -> |i|, then 2(n-1) - i past the end; replicate clip(i, 0, n-1); circular crops the
    negative pads first, then i mod m (m the cropped length), as PyTorch does."""
    if mode == "circular":
        base = np.arange(n)[max(-before, 0):n - max(-after, 0)]
        return base[np.arange(-max(before, 0), len(base) + max(after, 0)) % len(base)]
    i = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    i = np.abs(i)
    return np.where(i > n - 1, 2 * (n - 1) - i, i)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last len(pad)//2 axes, pad = (left, right, top, bottom, ...) last axis first.
    constant: y[j] = x[j - left] inside, value outside (negative pads crop); reflect, replicate
    and circular gather y[j] = x[index(j)] (see _pad_index) on the last 1, 2 or 3 axes of an input
    with one or two more axes (PyTorch's rule)."""
    who = f"pad (mode {mode!r})"
    if mode not in PAD_MODES:
        raise ValueError(f"pad: unknown mode {mode!r}; expected one of {', '.join(PAD_MODES)}")
    pairs = _pad_pairs(who, input, pad)
    if mode == "constant":
        grown = [[0, 0] for _ in range(input.ndim)]
        for axis, before, after in pairs:
            if input.shape[axis] + before + after < 0:
                raise ValueError(f"{who}: pad {tuple(pad)} crops axis {axis} of input shape {input.shape} "
                                 f"below length 0")
            grown[axis] = [max(before, 0), max(after, 0)]
        y = input.pad(grown, value=0.0 if value is None else value) if any(map(any, grown)) else input
        crop = [slice(None)] * input.ndim
        for axis, before, after in pairs:
            crop[axis] = slice(max(-before, 0), y.shape[axis] - max(-after, 0))
        return y[tuple(crop)]
    if value is not None and value != 0:
        raise ValueError(f"{who}: takes no value (got {value}); only mode 'constant' fills with a value")
    k = len(pairs)
    if k not in (1, 2, 3) or input.ndim not in (k + 1, k + 2):
        raise ValueError(f"{who}: pads the last 1, 2 or 3 axes of an input with 1 or 2 more axes; pad {tuple(pad)} "
                         f"pads {k} axes of input shape {input.shape} (supported: pad length 2 with 2-D or 3-D "
                         "input, 4 with 3-D or 4-D, 6 with 4-D or 5-D)")
    y = input
    for axis, before, after in pairs:
        n, most = input.shape[axis], max(before, after)
        if mode == "circular":  # crops first; PyTorch reads stray memory where a pad exceeds the cropped length
            m = n - max(-before, 0) - max(-after, 0)
            fits, rule = m >= (most > 0) and most <= m, f"the cropped length {m} must be >= each pad and > 0"
        else:
            limit = n - 1 if mode == "reflect" else math.inf
            fits, rule = n + before + after > 0 and most <= limit, "the output length must be > 0" + (
                f" and each pad < the length {n}" if mode == "reflect" else "")
        if not fits:
            raise ValueError(f"{who}: pad ({before}, {after}) does not fit axis {axis} of input shape {input.shape}: "
                             + rule)
        y = _along(y, axis, _pad_index(mode, n, before, after))
    return y


# ---------------------------------------------------------------------- interpolate


def _spatial_sizes(who: str, x: Tensor, size: int | Sequence[int] | None,
                   scale_factor: float | Sequence[float] | None) -> tuple[tuple[int, ...], tuple[float | None, ...]]:
    """Output sizes and the scales PyTorch uses for the source index (1/scale_factor when given, else None)."""
    k = x.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{who}: give exactly one of size or scale_factor (got size={size!r}, "
                         f"scale_factor={scale_factor!r}) for input of shape {x.shape}")
    if size is not None:
        sizes = (size,) * k if isinstance(size, (int, np.integer)) else tuple(size)
        if len(sizes) != k or not all(isinstance(s, (int, np.integer)) and s > 0 for s in sizes):
            raise ValueError(f"{who}: size {size!r} must be one positive int per spatial axis of input shape "
                             f"{x.shape} ({k} spatial axes after (N, C))")
        return tuple(int(s) for s in sizes), (None,) * k
    scales = (scale_factor,) * k if isinstance(scale_factor, (int, float, np.number)) else tuple(scale_factor)
    if len(scales) != k or not all(s > 0 for s in scales):
        raise ValueError(f"{who}: scale_factor {scale_factor!r} must be one positive number per spatial axis of "
                         f"input shape {x.shape} ({k} spatial axes after (N, C))")
    sizes = tuple(math.floor(n * float(s)) for n, s in zip(x.shape[2:], scales))
    if min(sizes) <= 0:
        raise ValueError(f"{who}: scale_factor {scale_factor!r} gives output size {sizes} for input of shape {x.shape}")
    return sizes, tuple(float(s) for s in scales)


def _nearest_index(n_in: int, n_out: int, scale: float | None, shortcuts: bool) -> np.ndarray:
    """PyTorch's legacy nearest: src = min(floor(dst * s), n_in - 1), s = 1/scale_factor or n_in/n_out,
    in float32 as its kernel computes it. Its 2-D kernel first takes two shortcuts, whatever the
    scale_factor: the same size copies (src = dst), twice the size halves (src = dst // 2)."""
    if shortcuts and n_out in (n_in, 2 * n_in):
        return np.arange(n_out) // (n_out // n_in)
    s = np.float32(1.0 / scale) if scale is not None else np.float32(n_in) / np.float32(n_out)
    return np.minimum(np.floor(np.arange(n_out, dtype=np.float32) * s).astype(np.int64), n_in - 1)


def _linear_matrix(n_in: int, n_out: int, scale: float | None, align_corners: bool) -> np.ndarray:
    """The (n_out, n_in) matrix of linear interpolation: src = dst * (n_in-1)/(n_out-1) with
    align_corners, else max((dst + 1/2) * s - 1/2, 0), s = 1/scale_factor or n_in/n_out; row dst
    puts 1 - frac(src) on floor(src) and frac(src) on the next (clamped) index."""
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        s = 1.0 / scale if scale is not None else n_in / n_out
        src = np.maximum((dst + 0.5) * s - 0.5, 0.0)
    lo = np.minimum(src.astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), lo), 1.0 - frac)
    np.add.at(m, (np.arange(n_out), hi), frac)
    return m


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None) -> Tensor:
    """Resize the spatial axes of (N, C, *spatial) to `size` (or floor(in * scale_factor)).
    nearest: y[j] = x[floor(j * in/out)] (PyTorch's legacy rule, any number of spatial axes);
    linear (3-D input) and bilinear (4-D): y = M x along each spatial axis (see _linear_matrix)."""
    who = f"interpolate (mode {mode!r})"
    if mode not in INTERPOLATE_MODES:
        raise ValueError(f"interpolate: unknown mode {mode!r}; expected one of {', '.join(INTERPOLATE_MODES)}")
    rank = INTERPOLATE_MODES[mode]
    if input.ndim < 3 or (rank is not None and input.ndim != rank):
        need = f"{rank}-D" if rank is not None else "at least 3-D"
        raise ValueError(f"{who}: needs {need} input (N, C, *spatial), got shape {input.shape}")
    if rank is None and align_corners is not None:
        raise ValueError(f"{who}: align_corners applies only to the linear modes (linear, bilinear)")
    if 0 in input.shape[2:]:
        raise ValueError(f"{who}: input of shape {input.shape} has an empty spatial axis: nothing to resample")
    sizes, scales = _spatial_sizes(who, input, size, scale_factor)
    y = input if rank is None else input._floating()
    for axis, n_out, scale in zip(range(2, input.ndim), sizes, scales):
        n_in = input.shape[axis]
        if rank is None:
            y = _along(y, axis, _nearest_index(n_in, n_out, scale, shortcuts=input.ndim == 4))
        else:
            y = _times(y, axis, _linear_matrix(n_in, n_out, scale, bool(align_corners)))
    return y


# ---------------------------------------------------------------------- adaptive pooling


def _adaptive_bounds(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """Each output's window [start, end): start = floor(i * n_in / n_out), end = ceil((i + 1) * n_in / n_out)."""
    i = np.arange(n_out)
    return (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)


def _adaptive_matrix(n_in: int, n_out: int) -> np.ndarray:
    """The (n_out, n_in) averaging matrix: row i is 1/(end - start) on its window [start, end)."""
    start, end = _adaptive_bounds(n_in, n_out)
    j = np.arange(n_in)
    inside = (j >= start[:, None]) & (j < end[:, None])
    return inside / (end - start)[:, None]


def _adaptive_sizes(who: str, x: Tensor, output_size: int | None | Sequence[int | None], k: int) -> tuple[int, ...]:
    sizes = (output_size,) * k if output_size is None or isinstance(output_size, (int, np.integer)) \
        else tuple(output_size)
    if len(sizes) != k or not all(s is None or (isinstance(s, (int, np.integer)) and s > 0) for s in sizes):
        raise ValueError(f"{who}: output_size {output_size!r} must be {k} positive int(s) or None for input of "
                         f"shape {x.shape}")
    return tuple(n if s is None else int(s) for s, n in zip(sizes, x.shape[x.ndim - k:]))


def _adaptive_windows(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, k) indices of the windows [start, end) of _adaptive_matrix, k the longest; a shorter
    window repeats its last index (a repeat ties with itself, and its gradient shares add back up)."""
    start, end = _adaptive_bounds(n_in, n_out)
    return np.minimum(start[:, None] + np.arange(int((end - start).max())), end[:, None] - 1)


def _adaptive_checked(who: str, x: Tensor, output_size, k: int) -> tuple[int, ...]:
    """The output sizes of the last k axes, after checking x is (N, C, *k) or (C, *k) and not empty there."""
    if x.ndim not in (k + 1, k + 2) or 0 in x.shape[x.ndim - k:]:
        raise ValueError(f"{who}: needs a {k + 1}-D or {k + 2}-D input with non-empty spatial axes, "
                         f"got shape {x.shape}")
    return _adaptive_sizes(who, x, output_size, k)


def _adaptive_avg_pool(who: str, x: Tensor, output_size, k: int) -> Tensor:
    sizes = _adaptive_checked(who, x, output_size, k)
    y = x._floating()
    for axis, n_out in zip(range(x.ndim - k, x.ndim), sizes):
        y = _times(y, axis, _adaptive_matrix(x.shape[axis], n_out))
    return y


def adaptive_avg_pool1d(input: Tensor, output_size: int | Sequence[int]) -> Tensor:
    """Input (N, C, L) or (C, L) to (..., output_size): y[i] = mean(x[start_i:end_i]), see _adaptive_matrix."""
    return _adaptive_avg_pool("adaptive_avg_pool1d", input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size: int | None | Sequence[int | None]) -> Tensor:
    """Input (N, C, H, W) or (C, H, W) to (..., oh, ow): the mean over windows [start, end) on each
    axis (see _adaptive_matrix); an int is (n, n), and None keeps that axis' size."""
    return _adaptive_avg_pool("adaptive_avg_pool2d", input, output_size, 2)


def adaptive_max_pool2d(input: Tensor, output_size: int | None | Sequence[int | None],
                        return_indices: bool = False) -> Tensor:
    """Input (N, C, H, W) or (C, H, W) to (..., oh, ow): the max over the windows of
    adaptive_avg_pool2d, gathered as (..., oh, kh, ow, kw); the first maximum of each window gets
    the gradient, as in PyTorch."""
    if return_indices:
        raise NotImplementedError("adaptive_max_pool2d: return_indices=True is not supported; use the values")
    oh, ow = _adaptive_checked("adaptive_max_pool2d", input, output_size, 2)
    h, w = input.shape[-2:]
    y = _along(input, input.ndim - 2, _adaptive_windows(h, oh))
    y = _along(y, y.ndim - 1, _adaptive_windows(w, ow)).swapaxes(-3, -2)  # (..., oh, ow, kh, kw)
    return _first_max(y.reshape(*y.shape[:-2], y.shape[-2] * y.shape[-1]))[0]
