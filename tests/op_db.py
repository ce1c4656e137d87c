"""The op table: one row per public op or variant. Generic tests in test_ops.py draw inputs from
each row (shapes, broadcast partners, domain, kink-free grids) and check forward against the NumPy
reference, gradients against central differences, and second order where the row says so.
Adding an op means adding a row here; test_every_public_op_has_a_row enforces it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F
from tinygrad_edu.testing import shapes


@dataclass(frozen=True)
class OpSpec:
    name: str  # "op" or "op[variant]"; the part before "[" is the public name it covers
    fn: Callable  # Tensors -> Tensor
    ref: Callable | None  # arrays -> array
    nargs: int = 1
    domain: tuple = (-2.0, 2.0)
    broadcast: bool = False  # inputs of broadcast-compatible shapes
    kinks: bool = False  # kinks or ties: draw from the kink-free grid
    differentiable: bool = True
    second_order: bool = True
    min_dims: int = 0
    shapes: st.SearchStrategy | None = None  # a strategy of tuples of input shapes

    @property
    def op(self) -> str:
        return self.name.split("[")[0]


@st.composite
def _matmul_shapes(draw, a_dims: int, b_dims: int, batch: tuple = ()):
    m, k, n = (draw(st.integers(1, 4)) for _ in range(3))
    a = (k,) if a_dims == 1 else (m, k) if a_dims == 2 else batch[0] + (m, k)
    b = (k,) if b_dims == 1 else (k, n) if b_dims == 2 else batch[1] + (k, n)
    return a, b


def _concat_shapes(n: int):
    return shapes(min_dims=1, max_dims=3).flatmap(
        lambda s: st.tuples(*[st.integers(1, 3).map(lambda k: (k,) + s[1:]) for _ in range(n)]))


def _with_min_side(min_side: int, min_dims: int = 1):
    return shapes(min_dims=min_dims, min_side=min_side).map(lambda s: (s,))


@st.composite
def _linear_shapes(draw, bias: bool = True):
    lead = draw(shapes(min_dims=0, max_dims=2))
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return (lead + (n_in,), (n_out, n_in)) + (((n_out,),) if bias else ())


_ONE_OVER_SQRT3 = 3 ** -0.5


def _class_axis(x) -> int:
    """PyTorch's class axis of logits: 1 of (N, C, d1, ...), 0 of (C,)."""
    return 1 if np.ndim(x) >= 2 else 0


def _labels_for(x):
    """Fixed integer labels for logits x of shape (N, C, d1, ...) or (C,)."""
    c = _class_axis(x)
    shape = tuple(np.shape(x)[:c]) + tuple(np.shape(x)[c + 1:])
    return np.arange(int(np.prod(shape))).reshape(shape) % np.shape(x)[c]


def _last_axis_labels(x):
    """Fixed integer labels for outputs x of shape (..., classes) (accuracy's layout)."""
    return np.arange(int(np.prod(x.shape[:-1]))).reshape(x.shape[:-1]) % x.shape[-1]


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _cross_entropy_ref(x, t, reduction="mean"):
    losses = -(t * np.log(_softmax(x, _class_axis(x)))).sum(axis=_class_axis(x))
    return {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]


def _probabilities_for(x):
    """Fixed target probabilities for logits x, over the class axis."""
    return _softmax(np.cos(np.arange(int(np.prod(np.shape(x))), dtype=float)).reshape(np.shape(x)), _class_axis(x))


@st.composite
def _conv_shapes(draw):
    n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(kh, 5)), draw(st.integers(kw, 5))
    return (n, c, h, w), (o, c, kh, kw), (o,)


def _conv_ref(x, w, b, stride=1, padding=0):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    kh, kw = w.shape[2:]
    oh, ow = (x.shape[2] - kh) // stride + 1, (x.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


def _pool_ref(x, k, reduce, pad_value=0.0, padding=0):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=pad_value)
    oh, ow = (x.shape[2] - k) // k + 1, (x.shape[3] - k) // k + 1
    return np.stack([np.stack([reduce(x[:, :, i * k:i * k + k, j * k:j * k + k], axis=(2, 3))
                               for j in range(ow)], -1) for i in range(oh)], -2)


def _image_shapes(min_side=2):
    return st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(min_side, 5),
                     st.integers(min_side, 5)).map(lambda s: (s,))


def _batch_norm_ref(x, w, b):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5)
    return y * w.reshape(shape) + b.reshape(shape)


@st.composite
def _batch_norm_shapes(draw):
    shape = (draw(st.integers(2, 4)), draw(st.integers(1, 3))) + tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    return shape, shape[1:2], shape[1:2]


def _dropout_ref(x, p=0.4, seed=0):
    return x * (np.random.default_rng(seed).random(x.shape) >= p) / (1 - p)


def _setitem(a, b):
    """a with its first row set from b (a clone, so that the op is recorded, not refused)."""
    y = a.clone() if hasattr(a, "clone") else a
    y[0] = b[0] * 2
    return y


def _one_hot_ref(x):
    """One-hot rows of _labels_for(x), with the classes on x's class axis."""
    return np.moveaxis(np.eye(np.shape(x)[_class_axis(x)])[_labels_for(x)], -1, _class_axis(x))


def _mask_for(x):
    """A fixed bool mask of x's shape: every third value."""
    return np.arange(int(np.prod(np.shape(x)))).reshape(np.shape(x)) % 3 == 0


def _last_axis_mask(x):
    """A fixed bool mask of shape (x.shape[-1],), broadcast over x: every other column."""
    return np.arange(np.shape(x)[-1]) % 2 == 0


def _gather_index(x, dim=-1, shrink=False):
    """Fixed in-range indices for gather/scatter_add along dim (with repeats); with shrink, one
    shorter on every axis of length above 1, as PyTorch allows."""
    shape = tuple(n - 1 if shrink and n > 1 else n for n in np.shape(x))
    return (np.arange(int(np.prod(shape))) * 2).reshape(shape) % np.shape(x)[dim]


def _scatter_index(x, dim=-1):
    """Fixed indices for scatter along dim, distinct along dim (repeats would make the result depend
    on write order) and one shorter there when it can be, so that some places keep x's values."""
    shape, n = list(np.shape(x)), np.shape(x)[dim]
    shape[dim] = max(n - 1, 1)
    return (np.indices(shape).sum(axis=0)) % n


def _mesh_ref(index, dim):
    mesh = list(np.indices(index.shape, sparse=True))
    mesh[dim] = index
    return tuple(mesh)


def _scatter_ref(a, dim, index, src, add=False):
    y, part = a.copy(), (src if np.ndim(src) == 0 else src[tuple(slice(0, n) for n in index.shape)])
    if add:
        np.add.at(y, _mesh_ref(index, dim), part)
    else:
        y[_mesh_ref(index, dim)] = part
    return y


def _shapes_of_dims(n):
    return shapes(min_dims=n, max_dims=n).map(lambda s: (s,))


def _erf(z):
    """erf without SciPy: 2/sqrt(pi) * z * the integral of exp(-(z t)**2) over t in [0, 1], by 40-point
    Gauss-Legendre quadrature (exact to ~1e-15 for |z| <= 4)."""
    t, w = np.polynomial.legendre.leggauss(40)
    return z / np.pi ** 0.5 * (w * np.exp(-(z[..., None] * (1 + t) / 2) ** 2)).sum(-1)


def _running_arg(a, axis, arg):
    """Where the running max (argmax) or min (argmin) of the first i + 1 values along axis is."""
    a = np.moveaxis(a, axis, -1)
    return np.moveaxis(np.stack([arg(a[..., :i + 1], -1) for i in range(a.shape[-1])], -1), -1, axis)


def _join(pieces, cat, dim=0):
    """split/chunk pieces joined back, each scaled by its place, so that a piece's gradient is told apart."""
    return cat([p * (i + 1) for i, p in enumerate(pieces)], dim)


def _split_ref(a, size, axis=0):
    """np.split at every `size` (an int: the last piece may be shorter) or at the given section lengths."""
    n = a.shape[axis]
    cuts = range(size, n, size) if isinstance(size, int) else np.cumsum(size)[:-1]
    return np.split(a, list(cuts), axis)


def _counts(a):
    """repeat_interleave's per-element repeats for dim 0: 0, 1, 2, 0, ..."""
    return np.arange(a.shape[0]) % 3


def _vectors(n):
    return st.tuples(*[shapes(min_dims=1, max_dims=1)] * n)


@st.composite
def _query_key_shapes(draw):
    b, h, q, k, d = (draw(st.integers(1, 3)) for _ in range(5))
    return (b, h, q, d), (b, h, k, d)


@st.composite
def _layer_norm_shapes(draw, affine: bool = False):
    shape = draw(shapes(min_dims=2, max_dims=4))
    return (shape,) + ((shape[-2:], shape[-2:]) if affine else ())


def _layer_norm_ref(x, w=None, b=None, k=1):
    axes = tuple(range(x.ndim - k, x.ndim))
    y = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5)
    return y if w is None else y * w + b


@st.composite
def _group_norm_shapes(draw):
    c = 2 * draw(st.integers(2, 3))  # two groups of 2 or 3 channels: PyTorch refuses groups of one value
    shape = (draw(st.integers(1, 3)), c) + tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    return shape, (c,), (c,)


def _group_norm_ref(x, w, b, groups=2):
    g = x.reshape(x.shape[0], groups, -1)
    y = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5)).reshape(x.shape)
    kept = (1, -1) + (1,) * (x.ndim - 2)
    return y * w.reshape(kept) + b.reshape(kept)


@st.composite
def _attention_shapes(draw, float_mask: bool = False):
    batch = tuple(draw(st.lists(st.integers(1, 2), max_size=2)))
    length, source, e, ev = (draw(st.integers(1, 4)) for _ in range(4))
    mask = ((length, source),) if float_mask else ()
    return (batch + (length, e), batch + (source, e), batch + (source, ev)) + mask


def _attention_mask(q, k):
    """A fixed bool mask (L, S) for attention, True = take part: every row keeps column 0."""
    i, j = np.indices((np.shape(q)[-2], np.shape(k)[-2]))
    return ((i + j) % 3 != 1) | (j == 0)


def _attention_ref(q, k, v, keep=None, add=0.0, scale=None):
    scores = q @ np.swapaxes(k, -1, -2) * (1 / np.sqrt(q.shape[-1]) if scale is None else scale) + add
    if keep is not None:
        scores = np.where(keep, scores, -np.inf)
    return _softmax(scores) @ v


def _class_weights_for(x):
    """Fixed per-class weights for logits x (classes on _class_axis)."""
    return np.linspace(0.5, 2.0, np.shape(x)[_class_axis(x)])


def _along_classes(w, x):
    """Per-class values w shaped to broadcast along x's class axis."""
    return np.reshape(w, (-1,) + (1,) * (np.ndim(x) - 1 - _class_axis(x)))


def _ignored_labels_for(x):
    """_labels_for(x) with every third label, from the second on, PyTorch's ignore_index -100."""
    y = _labels_for(x)
    return np.where(np.arange(y.size).reshape(y.shape) % 3 == 1, -100, y)


def _labels_loss_ref(x, y, weight=None, ignore_index=-100, label_smoothing=0.0, reduction="mean"):
    """PyTorch's cross_entropy of logits x and labels y (nll_loss of log_softmax(x) when not smoothed)."""
    log_p = np.moveaxis(np.log(_softmax(x, _class_axis(x))), _class_axis(x), -1)
    c = log_p.shape[-1]
    w = np.ones(c) if weight is None else weight
    keep = y != ignore_index
    safe = np.where(keep, y, 0)
    losses = -(((1 - label_smoothing) * np.eye(c)[safe] + label_smoothing / c) * w * log_p).sum(-1) * keep
    return {"mean": losses.sum() / (w[safe] * keep).sum(), "sum": losses.sum(), "none": losses}[reduction]


def _pos_weight_for(x):
    """Fixed pos_weight for logits x, one per entry of the last axis."""
    return np.linspace(0.5, 2.0, np.shape(x)[-1]) if np.ndim(x) else np.array(1.5)


def _huber_ref(d, delta):
    return np.where(np.abs(d) < delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))


# NumPy references for convolution and pooling with options (loops over output places: fine in a test)
def _two(v):
    return (v, v) if isinstance(v, int) else tuple(v)


@st.composite
def _conv_options_shapes(draw, groups=1, dilation=(1, 1), padding=(0, 0), spatial=2, bias=True):
    """x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O,), the dilated kernel fitting the padded
    input; spatial=1 drops the height axis (conv1d)."""
    n, c, o = draw(st.integers(1, 2)), groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    ks = [draw(st.integers(1, 3)) for _ in range(spatial)]
    sides = [draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 6))
             for k, d, p in zip(ks, dilation[-spatial:], padding[-spatial:])]
    return ((n, c, *sides), (o, c // groups, *ks)) + (((o,),) if bias else ())


def _conv_options_ref(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """Loops over output places: y[n, o, i, j] = b[o] + sum over o's group of w times the dilated
    window; padding an int, a pair, or 'same' (the odd pixel at the end)."""
    (kh, kw), (sh, sw), (dh, dw) = w.shape[2:], _two(stride), _two(dilation)
    if padding == "same":
        pads = tuple((t // 2, t - t // 2) for t in (dh * (kh - 1), dw * (kw - 1)))
    else:
        pads = tuple((p, p) for p in _two(padding))
    x = np.pad(x, ((0, 0), (0, 0)) + pads)
    oh, ow = (x.shape[2] - dh * (kh - 1) - 1) // sh + 1, (x.shape[3] - dw * (kw - 1) - 1) // sw + 1
    cg, og = w.shape[1], w.shape[0] // groups
    out = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
            for g in range(groups):
                out[:, g * og:(g + 1) * og, i, j] = np.tensordot(patch[:, g * cg:(g + 1) * cg], w[g * og:(g + 1) * og],
                                                                 axes=([1, 2, 3], [1, 2, 3]))
    return out if b is None else out + b[:, None, None]


def _conv1d_ref(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    padding = padding if isinstance(padding, str) else (0, padding)
    return _conv_options_ref(x[:, :, None], w[:, :, None], b, (1, stride), padding, (1, dilation), groups)[:, :, 0]


@st.composite
def _conv_transpose_shapes(draw, groups=1, min_kernel=1):
    """x (N, C, H, W), weight (C, O/groups, kh, kw), bias (O,)."""
    n, c, o = draw(st.integers(1, 2)), groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(min_kernel, 3)), draw(st.integers(min_kernel, 3))
    h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return (n, c, h, w), (c, o // groups, kh, kw), (o,)


def _conv_transpose_ref(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Loops over input places: each x[n, c, i, j] * w[c] added into its (dilated) window, then
    `padding` cropped from every side."""
    (kh, kw), (sh, sw), (dh, dw) = w.shape[2:], _two(stride), _two(dilation)
    (ph, pw), (oph, opw) = _two(padding), _two(output_padding)
    n, c, h, wd = x.shape
    cg, og = c // groups, w.shape[1]
    full = ((h - 1) * sh + dh * (kh - 1) + 1 + oph, (wd - 1) * sw + dw * (kw - 1) + 1 + opw)
    out = np.zeros((n, og * groups) + full)
    for i in range(h):
        for j in range(wd):
            for g in range(groups):
                part = np.tensordot(x[:, g * cg:(g + 1) * cg, i, j], w[g * cg:(g + 1) * cg], axes=(1, 0))
                out[:, g * og:(g + 1) * og, i * sh:i * sh + dh * (kh - 1) + 1:dh,
                    j * sw:j * sw + dw * (kw - 1) + 1:dw] += part
    out = out[:, :, ph:full[0] - ph, pw:full[1] - pw]
    return out if b is None else out + b[:, None, None]


def _pool_side(n, k, s, p, d, ceil_mode):
    top = n + 2 * p - d * (k - 1) - 1
    out = (-(-top // s) if ceil_mode else top // s) + 1
    return out - 1 if ceil_mode and (out - 1) * s >= n + p else out


def _pool_options_ref(x, kernel, stride=None, padding=0, dilation=1, ceil_mode=False, kind="max",
                      count_include_pad=True, divisor_override=None, indices=False):
    """PyTorch's pooling, one output place at a time: max over the window's places inside the
    input (and the flat place i*W + j of the first maximum), or the window's sum over PyTorch's divisor."""
    (kh, kw), (ph, pw), (dh, dw) = _two(kernel), _two(padding), _two(dilation)
    sh, sw = _two(kernel if stride is None else stride)
    H, W = x.shape[2:]
    oh, ow = _pool_side(H, kh, sh, ph, dh, ceil_mode), _pool_side(W, kw, sw, pw, dw, ceil_mode)
    out = np.zeros(x.shape[:2] + (oh, ow), dtype=np.int64 if indices else float)
    for i in range(oh):
        for j in range(ow):
            if kind == "max":
                rows = [r for r in range(i * sh - ph, i * sh - ph + dh * (kh - 1) + 1, dh) if 0 <= r < H]
                cols = [q for q in range(j * sw - pw, j * sw - pw + dw * (kw - 1) + 1, dw) if 0 <= q < W]
                window = x[:, :, rows][:, :, :, cols].reshape(x.shape[:2] + (-1,))
                places = np.array([r * W + q for r in rows for q in cols])
                out[:, :, i, j] = places[window.argmax(-1)] if indices else window.max(-1)
            else:
                hs, ws = i * sh - ph, j * sw - pw
                he, we = min(hs + kh, H + ph), min(ws + kw, W + pw)
                size = (he - hs) * (we - ws)
                hs, ws, he, we = max(hs, 0), max(ws, 0), min(he, H), min(we, W)
                divisor = divisor_override or (size if count_include_pad else (he - hs) * (we - ws))
                out[:, :, i, j] = x[:, :, hs:he, ws:we].sum(axis=(2, 3)) / divisor
    return out


def _pool1d_ref(x, kernel, stride=None, padding=0, dilation=1, ceil_mode=False, kind="max", count_include_pad=True):
    return _pool_options_ref(x[:, :, None], (1, kernel), None if stride is None else (1, stride), (0, padding),
                             (1, dilation), ceil_mode, kind, count_include_pad)[:, :, 0]


def _signal_shapes(min_side=1):
    return st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(min_side, 6)).map(lambda s: (s,))


# NumPy references for pad modes, interpolation and adaptive pooling
def _resample_shapes(spatial: int, min_side: int = 1, batch: bool = True):
    """(N, C, *spatial) shapes (or (C, *spatial) without batch), each spatial side min_side..6."""
    lead = (st.integers(1, 2),) * (2 if batch else 1)
    return st.tuples(*lead, *(st.integers(min_side, 6),) * spatial).map(lambda s: (s,))


_NP_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad_ref(x, pad, mode="constant", value=0.0):
    """PyTorch's pad tuple (last axis first) through np.pad; negative constant pads crop afterwards."""
    widths = [(0, 0)] * x.ndim
    crop = [slice(None)] * x.ndim
    for k in range(len(pad) // 2):
        before, after = pad[2 * k], pad[2 * k + 1]
        widths[x.ndim - 1 - k] = (max(before, 0), max(after, 0))
        n = x.shape[x.ndim - 1 - k] + max(before, 0) + max(after, 0)
        crop[x.ndim - 1 - k] = slice(max(-before, 0), n - max(-after, 0))
    extra = {"constant_values": value} if mode == "constant" else {}
    return np.pad(x, widths, mode=_NP_PAD_MODES[mode], **extra)[tuple(crop)]


def _interpolate_ref(x, size=None, scale_factor=None, mode="nearest", align_corners=False):
    """One spatial axis at a time, one output position at a time, as PyTorch's kernels read."""
    spatial = x.ndim - 2
    sizes = (size,) * spatial if isinstance(size, int) else size
    scales = (scale_factor,) * spatial if isinstance(scale_factor, (int, float)) else scale_factor
    for k in range(spatial):
        axis, n_in = 2 + k, x.shape[2 + k]
        n_out = sizes[k] if sizes is not None else int(np.floor(n_in * scales[k]))
        step = 1 / scales[k] if scales is not None else n_in / n_out
        out = []
        for j in range(n_out):
            if mode == "nearest":
                out.append(np.take(x, min(int(np.floor(j * step)), n_in - 1), axis))
                continue
            if align_corners:
                src = j * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
            else:
                src = max((j + 0.5) * step - 0.5, 0.0)
            lo = int(src)
            hi = min(lo + 1, n_in - 1)
            out.append((1 - (src - lo)) * np.take(x, lo, axis) + (src - lo) * np.take(x, hi, axis))
        x = np.stack(out, axis)
    return x


def _adaptive_avg_ref(x, output_size, spatial, reduce=np.mean):
    """Mean (or `reduce`) over [floor(i n / out), ceil((i + 1) n / out)) on each of the last `spatial` axes."""
    sizes = (output_size,) * spatial if isinstance(output_size, int) or output_size is None else output_size
    for k in range(spatial):
        axis = x.ndim - spatial + k
        n = x.shape[axis]
        n_out = n if sizes[k] is None else sizes[k]
        windows = [reduce(np.take(x, range(i * n // n_out, -(-(i + 1) * n // n_out)), axis), axis)
                   for i in range(n_out)]
        x = np.stack(windows, axis)
    return x


OP_DB: list[OpSpec] = [
    # ---------------------------------------------------------------- arithmetic operators
    OpSpec("add", lambda a, b: a + b, np.add, nargs=2, broadcast=True),
    OpSpec("radd", lambda a: 1.5 + a, lambda a: 1.5 + a),
    OpSpec("sub", lambda a, b: a - b, np.subtract, nargs=2, broadcast=True),
    OpSpec("rsub", lambda a: 1.5 - a, lambda a: 1.5 - a),
    OpSpec("mul", lambda a, b: a * b, np.multiply, nargs=2, broadcast=True),
    OpSpec("mul[scalar]", lambda a: a * 2.5, lambda a: a * 2.5),
    OpSpec("mul[same input]", lambda a: a * a, lambda a: a * a),
    OpSpec("div", lambda a, b: a / b, np.divide, nargs=2, broadcast=True, domain=(0.5, 3.0)),
    OpSpec("rdiv", lambda a: 1.5 / a, lambda a: 1.5 / a, domain=(0.5, 3.0)),
    OpSpec("neg", lambda a: -a, np.negative),
    OpSpec("floordiv", lambda a, b: a // b, np.floor_divide, nargs=2, broadcast=True, domain=(0.5, 3.0),
           kinks=True, differentiable=False),
    # the divisor is scaled by 1/sqrt(3), so that no two grid values meet a jump of % (the nearest
    # is 1.5e-5 away, beyond gradcheck's step); a % b itself jumps wherever a = 3b on the grid
    OpSpec("mod", lambda a, b: a % (b * _ONE_OVER_SQRT3), lambda a, b: np.mod(a, b * _ONE_OVER_SQRT3), nargs=2,
           broadcast=True, domain=(0.5, 3.0), kinks=True),
    OpSpec("rmod", lambda a: 2.5 % a, lambda a: np.mod(2.5, a), domain=(0.5, 3.0), kinks=True),
    OpSpec("pow[scalar]", lambda a: a ** 3, lambda a: a ** 3),
    OpSpec("pow[fraction]", lambda a: a ** 1.5, lambda a: a ** 1.5, domain=(0.2, 3.0)),
    OpSpec("pow[negative]", lambda a: a ** -2, lambda a: a ** -2.0, domain=(0.5, 3.0)),
    OpSpec("pow[tensor]", lambda a, b: a ** b, np.power, nargs=2, broadcast=True, domain=(0.5, 2.0)),
    OpSpec("rpow", lambda a: 2.0 ** a, lambda a: 2.0 ** a),
    OpSpec("matmul", lambda a, b: a @ b, np.matmul, nargs=2, shapes=_matmul_shapes(2, 2)),
    OpSpec("mm", lambda a, b: a.mm(b), np.matmul, nargs=2, shapes=_matmul_shapes(2, 2)),
    OpSpec("matmul[vector, matrix]", lambda a, b: a @ b, np.matmul, nargs=2, shapes=_matmul_shapes(1, 2)),
    OpSpec("matmul[matrix, vector]", lambda a, b: a @ b, np.matmul, nargs=2, shapes=_matmul_shapes(2, 1)),
    OpSpec("matmul[vector, vector]", lambda a, b: a @ b, np.matmul, nargs=2, shapes=_matmul_shapes(1, 1)),
    OpSpec("matmul[batched, matrix]", lambda a, b: a @ b, np.matmul, nargs=2,
           shapes=_matmul_shapes(3, 2, ((2,), ()))),
    OpSpec("matmul[broadcast batch]", lambda a, b: a @ b, np.matmul, nargs=2,
           shapes=_matmul_shapes(3, 3, ((2, 1), (3,)))),
    OpSpec("matmul[vector, batched]", lambda a, b: a.matmul(b), np.matmul, nargs=2,
           shapes=_matmul_shapes(1, 3, ((), (2,)))),
    # ---------------------------------------------------------------- elementwise maths (maths.py)
    OpSpec("sign", lambda a: a.sign(), np.sign, kinks=True),
    OpSpec("round", lambda a: a.round(), np.round, domain=(-3.0, 3.0), kinks=True),
    OpSpec("round[decimals=1]", lambda a: tg.round(a, decimals=1), lambda a: np.round(a, 1), kinks=True),
    OpSpec("floor", lambda a: a.floor(), np.floor, domain=(-3.0, 3.0), kinks=True),
    OpSpec("ceil", lambda a: a.ceil(), np.ceil, domain=(-3.0, 3.0), kinks=True),
    OpSpec("trunc", lambda a: a.trunc(), np.trunc, domain=(-3.0, 3.0), kinks=True),
    OpSpec("rsqrt", lambda a: a.rsqrt(), lambda a: 1 / np.sqrt(a), domain=(0.1, 3.0)),
    OpSpec("log2", lambda a: a.log2(), np.log2, domain=(0.1, 3.0)),
    OpSpec("log10", lambda a: tg.log10(a), np.log10, domain=(0.1, 3.0)),
    OpSpec("exp2", lambda a: a.exp2(), np.exp2),
    OpSpec("erf", lambda a: a.erf(), lambda a: _erf(np.asarray(a)), domain=(-4.0, 4.0)),
    OpSpec("tan", lambda a: a.tan(), np.tan, domain=(-1.2, 1.2)),
    OpSpec("asin", lambda a: a.asin(), np.arcsin, domain=(-0.9, 0.9)),
    OpSpec("acos", lambda a: a.acos(), np.arccos, domain=(-0.9, 0.9)),
    OpSpec("atan", lambda a: a.atan(), np.arctan),
    OpSpec("sinh", lambda a: a.sinh(), np.sinh),
    OpSpec("cosh", lambda a: a.cosh(), np.cosh),
    OpSpec("asinh", lambda a: a.asinh(), np.arcsinh),
    OpSpec("acosh", lambda a: a.acosh(), np.arccosh, domain=(1.1, 3.0)),
    OpSpec("atanh", lambda a: a.atanh(), np.arctanh, domain=(-0.9, 0.9)),
    OpSpec("logaddexp", lambda a, b: a.logaddexp(b), np.logaddexp, nargs=2, broadcast=True),
    OpSpec("copysign", lambda a, b: tg.copysign(a, b), np.copysign, nargs=2, broadcast=True, kinks=True),
    OpSpec("lerp", lambda a, b, w: a.lerp(b, w), lambda a, b, w: a + w * (b - a), nargs=3, broadcast=True),
    OpSpec("lerp[scalar weight]", lambda a, b: tg.lerp(a, b, 0.3), lambda a, b: a + 0.3 * (b - a), nargs=2,
           broadcast=True),
    # fmod and remainder of a - 1.75, so that dividends of both signs are drawn; the divisor is scaled
    # as in the `mod` row above, so that no grid value meets a jump
    OpSpec("fmod", lambda a, b: (a - 1.75).fmod(b * _ONE_OVER_SQRT3),
           lambda a, b: np.fmod(a - 1.75, b * _ONE_OVER_SQRT3), nargs=2, broadcast=True, domain=(0.5, 3.0), kinks=True),
    OpSpec("remainder", lambda a, b: tg.remainder(a - 1.75, b * _ONE_OVER_SQRT3),
           lambda a, b: np.remainder(a - 1.75, b * _ONE_OVER_SQRT3), nargs=2, broadcast=True, domain=(0.5, 3.0),
           kinks=True),
    OpSpec("floor_divide", lambda a, b: a.floor_divide(b - 1.75), lambda a, b: np.floor_divide(a, b - 1.75),
           nargs=2, broadcast=True, domain=(0.5, 3.0), kinks=True, differentiable=False),
    # ---------------------------------------------------------------- comparisons (no gradient)
    OpSpec("lt", lambda a, b: a < b, np.less, nargs=2, broadcast=True, kinks=True, differentiable=False),
    OpSpec("le", lambda a, b: a <= b, np.less_equal, nargs=2, broadcast=True, kinks=True, differentiable=False),
    OpSpec("gt", lambda a, b: a > b, np.greater, nargs=2, broadcast=True, kinks=True, differentiable=False),
    OpSpec("ge", lambda a, b: a >= b, np.greater_equal, nargs=2, broadcast=True, kinks=True, differentiable=False),
    OpSpec("eq", lambda a: a == a, lambda a: a == a, differentiable=False),
    OpSpec("ne", lambda a, b: a != b, np.not_equal, nargs=2, broadcast=True, kinks=True, differentiable=False),
    # ---------------------------------------------------------------- elementwise functions
    OpSpec("exp", lambda a: a.exp(), np.exp),
    OpSpec("log", lambda a: a.log(), np.log, domain=(0.1, 5.0)),
    OpSpec("sqrt", lambda a: a.sqrt(), np.sqrt, domain=(0.1, 5.0)),
    OpSpec("abs", lambda a: a.abs(), np.abs, kinks=True),
    OpSpec("sin", lambda a: a.sin(), np.sin),
    OpSpec("cos", lambda a: a.cos(), np.cos),
    OpSpec("tanh", lambda a: a.tanh(), np.tanh),
    OpSpec("sigmoid", lambda a: a.sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    OpSpec("relu", lambda a: a.relu(), lambda a: np.maximum(a, 0), kinks=True),
    OpSpec("leaky_relu", lambda a: a.leaky_relu(0.1), lambda a: np.where(a > 0, a, 0.1 * a), kinks=True),
    OpSpec("softplus", lambda a: a.softplus(), lambda a: np.log1p(np.exp(a))),
    OpSpec("clip", lambda a: a.clip(-0.5, 0.75), lambda a: np.clip(a, -0.5, 0.75), kinks=True),
    OpSpec("clip[min only]", lambda a: a.clip(min=0.25), lambda a: np.maximum(a, 0.25), kinks=True),
    OpSpec("clamp", lambda a: a.clamp(max=0.25), lambda a: np.minimum(a, 0.25), kinks=True),
    OpSpec("maximum", tg.maximum, np.maximum, nargs=2, broadcast=True, kinks=True),
    OpSpec("maximum[method]", lambda a, b: a.maximum(b), np.maximum, nargs=2, kinks=True),
    OpSpec("minimum", tg.minimum, np.minimum, nargs=2, broadcast=True, kinks=True),
    OpSpec("minimum[method]", lambda a, b: a.minimum(b), np.minimum, nargs=2, kinks=True),
    OpSpec("where", lambda a, b: tg.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b),
           nargs=2, broadcast=True, kinks=True),
    OpSpec("where[scalar]", lambda a: tg.where(a > 0, a, 0.5), lambda a: np.where(a > 0, a, 0.5), kinks=True),
    # float32 rounding defeats central differences: Cast's gradient is tested in test_autograd.py
    OpSpec("astype", lambda a: a.astype(np.float32).astype(a.dtype),
           lambda a: a.astype(np.float32).astype(a.dtype), differentiable=False),
    # casts there and back, so that the result keeps the input's dtype (what check_op asserts)
    OpSpec("double", lambda a: a.double().to(a.dtype), lambda a: a),
    OpSpec("float", lambda a: a.float().to(a.dtype), lambda a: a.astype(np.float32).astype(a.dtype),
           differentiable=False),
    OpSpec("half", lambda a: a.half().to(a.dtype), lambda a: a.astype(np.float16).astype(a.dtype),
           differentiable=False),
    OpSpec("long", lambda a: a.long().to(a.dtype), lambda a: a.astype(np.int64).astype(a.dtype), differentiable=False),
    OpSpec("int", lambda a: a.int().to(a.dtype), lambda a: a.astype(np.int32).astype(a.dtype), differentiable=False),
    OpSpec("bool", lambda a: a.bool().to(a.dtype), lambda a: a.astype(bool).astype(a.dtype), differentiable=False),
    OpSpec("clone", lambda a: a.clone(), lambda a: a.copy()),
    # ---------------------------------------------------------------- reductions
    OpSpec("sum", lambda a: a.sum(), np.sum),
    OpSpec("sum[axis=0]", lambda a: a.sum(axis=0), lambda a: a.sum(axis=0), min_dims=1),
    OpSpec("sum[axis=-1, keepdims]", lambda a: a.sum(axis=-1, keepdims=True),
           lambda a: a.sum(axis=-1, keepdims=True), min_dims=1),
    OpSpec("sum[axis=(0, -1)]", lambda a: a.sum(axis=(0, -1)), lambda a: a.sum(axis=(0, -1)), min_dims=2),
    OpSpec("mean", lambda a: a.mean(), np.mean),
    OpSpec("mean[axis=-1, keepdims]", lambda a: a.mean(axis=-1, keepdims=True),
           lambda a: a.mean(axis=-1, keepdims=True), min_dims=1),
    OpSpec("var", lambda a: a.var(), lambda a: np.var(a, ddof=1), kinks=True, shapes=_with_min_side(2)),
    OpSpec("var[dim=-1, correction=0, keepdim]", lambda a: a.var(dim=-1, correction=0, keepdim=True),
           lambda a: a.var(axis=-1, keepdims=True), kinks=True, shapes=_with_min_side(2)),
    OpSpec("var[axis=0, ddof=1]", lambda a: a.var(axis=0, ddof=1), lambda a: a.var(axis=0, ddof=1),
           kinks=True, shapes=_with_min_side(2)),
    OpSpec("std", lambda a: a.std(), lambda a: np.std(a, ddof=1), kinks=True, shapes=_with_min_side(2)),
    OpSpec("std[axis=-1, ddof=1, keepdims]", lambda a: a.std(axis=-1, ddof=1, keepdims=True),
           lambda a: a.std(axis=-1, ddof=1, keepdims=True), kinks=True, shapes=_with_min_side(2)),
    OpSpec("max", lambda a: a.max(), np.max, kinks=True),
    OpSpec("max[axis=-1]", lambda a: a.max(axis=-1), lambda a: a.max(axis=-1), kinks=True, min_dims=1),
    OpSpec("max[axis=0, keepdims]", lambda a: a.max(axis=0, keepdims=True),
           lambda a: a.max(axis=0, keepdims=True), kinks=True, min_dims=1),
    OpSpec("max[dim=-1].values", lambda a: a.max(-1).values, lambda a: a.max(axis=-1), kinks=True, min_dims=1),
    OpSpec("max[dim=0, keepdim].indices", lambda a: a.max(0, keepdim=True).indices,
           lambda a: a.argmax(axis=0, keepdims=True), kinks=True, min_dims=1, differentiable=False),
    OpSpec("min[dim=-1].values", lambda a: a.min(dim=-1).values, lambda a: a.min(axis=-1), kinks=True, min_dims=1),
    OpSpec("min", lambda a: a.min(), np.min, kinks=True),
    OpSpec("min[axis=(0, 1)]", lambda a: a.min(axis=(0, 1)), lambda a: a.min(axis=(0, 1)), kinks=True, min_dims=2),
    OpSpec("logsumexp", lambda a: a.logsumexp(), lambda a: np.log(np.exp(a).sum())),
    OpSpec("logsumexp[axis=-1]", lambda a: a.logsumexp(axis=-1), lambda a: np.log(np.exp(a).sum(axis=-1)), min_dims=1),
    OpSpec("all", lambda a: (a > 0).all(), lambda a: (a > 0).all(), kinks=True, differentiable=False),
    OpSpec("any[dim=-1, keepdim]", lambda a: (a > 0).any(dim=-1, keepdim=True),
           lambda a: (a > 0).any(axis=-1, keepdims=True), kinks=True, differentiable=False, min_dims=1),
    OpSpec("argmax", lambda a: a.argmax(), np.argmax, kinks=True, differentiable=False),
    OpSpec("argmin[axis=0]", lambda a: a.argmin(axis=0), lambda a: a.argmin(axis=0), kinks=True,
           differentiable=False, min_dims=1),
    OpSpec("softmax", lambda a: a.softmax(), lambda a: np.exp(a) / np.exp(a).sum(axis=-1, keepdims=True), min_dims=1),
    OpSpec("log_softmax", lambda a: a.log_softmax(), lambda a: a - np.log(np.exp(a).sum(axis=-1, keepdims=True)),
           min_dims=1),
    OpSpec("log_softmax[axis=0]", lambda a: a.log_softmax(axis=0),
           lambda a: a - np.log(np.exp(a).sum(axis=0, keepdims=True)), min_dims=1),
    # scans: the running max/min and sorts draw tie-free (kink-free) values; cumprod's and prod's
    # avoid 0 (prod's first derivative is exact there, see prod[zeros]; the second divides by it)
    OpSpec("cumsum", lambda a: a.cumsum(-1), lambda a: np.cumsum(a, -1) if a.ndim else a),
    OpSpec("cumsum[axis=0]", lambda a: tg.cumsum(a, axis=0), lambda a: np.cumsum(a, 0), min_dims=1),
    OpSpec("cumprod", lambda a: a.cumprod(-1), lambda a: np.cumprod(a, -1), kinks=True, min_dims=1),
    OpSpec("cumprod[dim=0]", lambda a: tg.cumprod(a, dim=0), lambda a: np.cumprod(a, 0), kinks=True, min_dims=1),
    OpSpec("prod", lambda a: a.prod(), np.prod, kinks=True),
    OpSpec("prod[dim=-1, keepdim]", lambda a: tg.prod(a, -1, keepdim=True), lambda a: a.prod(-1, keepdims=True),
           kinks=True, min_dims=1),
    OpSpec("prod[axis=(0, -1)]", lambda a: a.prod(axis=(0, -1)), lambda a: a.prod(axis=(0, -1)), kinks=True,
           min_dims=2),
    # zeros (one or several per row) from masking; the gradient of the gradient divides by them
    OpSpec("prod[zeros]", lambda a: (a * (a > 0)).prod(-1), lambda a: (a * (a > 0)).prod(-1), kinks=True,
           min_dims=1, second_order=False),
    OpSpec("logcumsumexp", lambda a: a.logcumsumexp(-1), lambda a: np.logaddexp.accumulate(a, -1), min_dims=1),
    OpSpec("logcumsumexp[axis=0, large]", lambda a: tg.logcumsumexp(a * 400, axis=0),
           lambda a: np.logaddexp.accumulate(a * 400, 0), min_dims=1),
    OpSpec("cummax[dim=-1].values", lambda a: a.cummax(-1).values, lambda a: np.maximum.accumulate(a, -1),
           kinks=True, min_dims=1),
    OpSpec("cummax[dim=0].indices", lambda a: tg.cummax(a, 0).indices, lambda a: _running_arg(a, 0, np.argmax),
           kinks=True, min_dims=1, differentiable=False),
    OpSpec("cummin[dim=0].values", lambda a: a.cummin(dim=0).values, lambda a: np.minimum.accumulate(a, 0),
           kinks=True, min_dims=1),
    OpSpec("cummin[dim=-1].indices", lambda a: tg.cummin(a, -1)[1], lambda a: _running_arg(a, -1, np.argmin),
           kinks=True, min_dims=1, differentiable=False),
    OpSpec("sort", lambda a: a.sort().values, lambda a: np.sort(a, -1), kinks=True, min_dims=1),
    OpSpec("sort[dim=0, descending].values", lambda a: tg.sort(a, 0, descending=True)[0],
           lambda a: -np.sort(-a, 0), kinks=True, min_dims=1),
    OpSpec("sort[stable].indices", lambda a: a.sort(stable=True).indices, lambda a: np.argsort(a, -1),
           kinks=True, min_dims=1, differentiable=False),
    OpSpec("argsort", lambda a: a.argsort(), lambda a: np.argsort(a, -1), kinks=True, min_dims=1,
           differentiable=False),
    OpSpec("argsort[dim=0, descending]", lambda a: tg.argsort(a, dim=0, descending=True),
           lambda a: np.argsort(-a, 0), kinks=True, min_dims=1, differentiable=False),
    OpSpec("topk[k=2].values", lambda a: a.topk(2).values, lambda a: -np.sort(-a, -1)[..., :2], kinks=True,
           shapes=_with_min_side(2)),
    OpSpec("topk[k=1, dim=0, smallest].values", lambda a: tg.topk(a, 1, dim=0, largest=False).values,
           lambda a: np.sort(a, 0)[:1], kinks=True, min_dims=1),
    OpSpec("topk[k=2].indices", lambda a: a.topk(2)[1], lambda a: np.argsort(-a, -1)[..., :2], kinks=True,
           shapes=_with_min_side(2), differentiable=False),
    OpSpec("any[tg.any]", lambda a: tg.any(a > 0), lambda a: (a > 0).any(), kinks=True, differentiable=False),
    OpSpec("all[tg.all, axis=0, keepdims]", lambda a: tg.all(a > 0, axis=0, keepdims=True),
           lambda a: (a > 0).all(axis=0, keepdims=True), kinks=True, differentiable=False, min_dims=1),
    OpSpec("isnan", lambda a: tg.where(a > 0, a, np.nan).isnan(), lambda a: a <= 0, kinks=True,
           differentiable=False),
    OpSpec("isinf", lambda a: tg.isinf(tg.where(a > 0, a, -np.inf)), lambda a: a <= 0, kinks=True,
           differentiable=False),
    OpSpec("isfinite", lambda a: tg.where(a > 0, a, np.inf).isfinite(), lambda a: a > 0, kinks=True,
           differentiable=False),
    # b nudges a by up to 2e-6, around isclose's rtol * |a| (1e-5 * |a|): both answers occur
    OpSpec("isclose", lambda a, b: a.isclose(a + b * 1e-6), lambda a, b: np.isclose(a, a + b * 1e-6), nargs=2,
           broadcast=True, differentiable=False),
    OpSpec("std_mean[0]", lambda a: tg.std_mean(a)[0], lambda a: np.std(a, ddof=1), kinks=True,
           shapes=_with_min_side(2)),
    OpSpec("std_mean[dim=-1, correction=0, keepdim][1]", lambda a: tg.std_mean(a, -1, correction=0, keepdim=True)[1],
           lambda a: a.mean(-1, keepdims=True), min_dims=1),
    # ---------------------------------------------------------------- movement
    OpSpec("reshape", lambda a: a.reshape(-1), lambda a: a.reshape(-1)),
    OpSpec("reshape[tuple]", lambda a: a.reshape((1,) + a.shape), lambda a: a.reshape((1,) + a.shape)),
    OpSpec("flatten", lambda a: a.flatten(), lambda a: a.flatten()),
    OpSpec("transpose", lambda a: a.transpose(), np.transpose),
    OpSpec("transpose[axes]", lambda a: a.transpose(1, 2, 0), lambda a: a.transpose(1, 2, 0),
           shapes=shapes(min_dims=3, max_dims=3).map(lambda s: (s,))),
    OpSpec("permute", lambda a: a.permute(1, 0), lambda a: a.transpose(1, 0),
           shapes=shapes(min_dims=2, max_dims=2).map(lambda s: (s,))),
    OpSpec("permute[negative axes]", lambda a: a.permute(-1, 0, 1), lambda a: a.transpose(2, 0, 1),
           shapes=shapes(min_dims=3, max_dims=3).map(lambda s: (s,))),
    OpSpec("transpose[dim0, dim1]", lambda a: a.transpose(0, -1), lambda a: a.swapaxes(0, -1), min_dims=1),
    OpSpec("t", lambda a: a.t(), np.transpose, shapes=shapes(max_dims=2).map(lambda s: (s,))),
    OpSpec("view", lambda a: a.view(-1), lambda a: a.reshape(-1)),
    OpSpec("expand", lambda a: a.expand((3,) + (-1,) * a.ndim), lambda a: np.broadcast_to(a, (3,) + a.shape)),
    OpSpec("T", lambda a: a.T, lambda a: a.T),
    OpSpec("swapaxes", lambda a: a.swapaxes(0, -1), lambda a: a.swapaxes(0, -1), min_dims=1),
    OpSpec("broadcast_to", lambda a: a.broadcast_to((3,) + a.shape), lambda a: np.broadcast_to(a, (3,) + a.shape)),
    OpSpec("squeeze", lambda a: a.squeeze(), np.squeeze,
           shapes=shapes(min_dims=1).map(lambda s: (s[:1] + (1,) + s[1:],))),
    OpSpec("expand_dims", lambda a: a.expand_dims(-1), lambda a: np.expand_dims(a, -1)),
    OpSpec("unsqueeze", lambda a: a.unsqueeze(0), lambda a: np.expand_dims(a, 0)),
    OpSpec("pad", lambda a: a.pad(1), lambda a: np.pad(a, 1)),
    OpSpec("pad[per axis, value]", lambda a: a.pad(((0, 2), (1, 0)), value=0.5),
           lambda a: np.pad(a, ((0, 2), (1, 0)), constant_values=0.5),
           shapes=shapes(min_dims=2, max_dims=2).map(lambda s: (s,))),
    OpSpec("concatenate", lambda a, b: tg.concatenate([a, b]), lambda a, b: np.concatenate([a, b]),
           nargs=2, shapes=_concat_shapes(2)),
    OpSpec("concatenate[axis=-1]", lambda a, b: tg.concatenate([a, b], axis=-1),
           lambda a, b: np.concatenate([a, b], axis=-1), nargs=2,
           shapes=_concat_shapes(2).map(lambda ss: tuple(s[1:] + s[:1] for s in ss))),
    OpSpec("stack", lambda a, b: tg.stack([a, b]), lambda a, b: np.stack([a, b]), nargs=2),
    OpSpec("stack[axis=-1]", lambda a, b, c: tg.stack([a, b, c], axis=-1),
           lambda a, b, c: np.stack([a, b, c], axis=-1), nargs=3),
    OpSpec("getitem[int]", lambda a: a[0], lambda a: a[0], min_dims=1),
    OpSpec("getitem[slices]", lambda a: a[1:, ::2], lambda a: a[1:, ::2], min_dims=2),
    OpSpec("getitem[ellipsis, None]", lambda a: a[..., None, -1], lambda a: a[..., None, -1], min_dims=1),
    OpSpec("getitem[repeated indices]", lambda a: a[[0, 0, -1]], lambda a: a[[0, 0, -1]], min_dims=1),
    OpSpec("getitem[array pairs]", lambda a: a[np.array([0, -1, 0]), np.array([0, 0, -1])],
           lambda a: a[np.array([0, -1, 0]), np.array([0, 0, -1])], min_dims=2),
    OpSpec("getitem[mask]", lambda a: a[a.data > 0], lambda a: a[a > 0], kinks=True),
    OpSpec("getitem[int, slice, array]", lambda a: a[1, :, [0, -1]], lambda a: a[1][:, [0, -1]],
           shapes=shapes(min_dims=3, max_dims=3, min_side=2).map(lambda s: (s,))),
    OpSpec("setitem", lambda a, b: _setitem(a, b), lambda a, b: _setitem(a.copy(), b), nargs=2, min_dims=1),
    OpSpec("masked_fill", lambda a: a.masked_fill(_mask_for(a), 0.5), lambda a: np.where(_mask_for(a), 0.5, a)),
    OpSpec("masked_fill[row mask, tensor value]", lambda a, v: tg.masked_fill(a, _last_axis_mask(a), v),
           lambda a, v: np.where(_last_axis_mask(a), v, a), nargs=2,
           shapes=shapes(min_dims=1).map(lambda s: (s, ()))),
    OpSpec("tril", lambda a: a.tril(), np.tril, min_dims=2),
    OpSpec("tril[diagonal=1]", lambda a: tg.tril(a, 1), lambda a: np.tril(a, 1), min_dims=2),
    OpSpec("triu", lambda a: a.triu(), np.triu, min_dims=2),
    OpSpec("triu[diagonal=-1]", lambda a: a.triu(diagonal=-1), lambda a: np.triu(a, -1), min_dims=2),
    OpSpec("gather", lambda a: a.gather(-1, _gather_index(a)),
           lambda a: np.take_along_axis(a, _gather_index(a), -1), min_dims=1),
    OpSpec("gather[dim=0, smaller index]", lambda a: tg.gather(a, 0, _gather_index(a, 0, shrink=True)),
           lambda a: a[_mesh_ref(_gather_index(a, 0, shrink=True), 0)], min_dims=1),
    OpSpec("scatter", lambda a, b: a.scatter(-1, _scatter_index(a), b),
           lambda a, b: _scatter_ref(a, -1, _scatter_index(a), b), nargs=2,
           shapes=shapes(min_dims=1).map(lambda s: (s, s))),
    OpSpec("scatter[dim=0, value]", lambda a: tg.scatter(a, 0, _scatter_index(a, 0), value=0.5),
           lambda a: _scatter_ref(a, 0, _scatter_index(a, 0), 0.5), min_dims=1),
    OpSpec("scatter_add", lambda a, b: a.scatter_add(0, _gather_index(a, 0), b),
           lambda a, b: _scatter_ref(a, 0, _gather_index(a, 0), b, add=True), nargs=2,
           shapes=shapes(min_dims=1).map(lambda s: (s, s))),
    OpSpec("scatter_add[larger src]", lambda a, b: tg.scatter_add(a, -1, _gather_index(a, shrink=True), b),
           lambda a, b: _scatter_ref(a, -1, _gather_index(a, shrink=True), b, add=True), nargs=2,
           shapes=shapes(min_dims=1, max_dims=2).map(lambda s: (s, tuple(n + 1 for n in s)))),
    OpSpec("masked_select", lambda a: a.masked_select(_mask_for(a)), lambda a: a[_mask_for(a)]),
    OpSpec("masked_select[row mask]", lambda a: tg.masked_select(a, _last_axis_mask(a)),
           lambda a: a[np.broadcast_to(_last_axis_mask(a), a.shape)], min_dims=1),
    OpSpec("nonzero", lambda a: (a > 0).nonzero(), lambda a: np.argwhere(a > 0), kinks=True, differentiable=False),
    OpSpec("nonzero[as_tuple]", lambda a: tg.nonzero(a > 0, as_tuple=True)[-1], lambda a: np.nonzero(a > 0)[-1],
           kinks=True, differentiable=False, min_dims=1),
    OpSpec("flip", lambda a: a.flip(0), lambda a: np.flip(a, 0), min_dims=1),
    OpSpec("flip[dims=(0, -1)]", lambda a: tg.flip(a, (0, -1)), lambda a: np.flip(a, (0, -1)), min_dims=2),
    OpSpec("roll", lambda a: a.roll(1, 0), lambda a: np.roll(a, 1, 0), min_dims=1),
    OpSpec("roll[flattened]", lambda a: tg.roll(a, -2), lambda a: np.roll(a, -2)),
    OpSpec("roll[shifts=(1, -2), dims=(0, -1)]", lambda a: a.roll((1, -2), (0, -1)),
           lambda a: np.roll(a, (1, -2), (0, -1)), min_dims=2),
    OpSpec("diag[vector]", lambda a: a.diag(), np.diag, shapes=_shapes_of_dims(1)),
    OpSpec("diag[vector, diagonal=-1]", lambda a: tg.diag(a, -1), lambda a: np.diag(a, -1), shapes=_shapes_of_dims(1)),
    OpSpec("diag[matrix, diagonal=1]", lambda a: a.diag(1), lambda a: np.diag(a, 1), shapes=_shapes_of_dims(2)),
    OpSpec("diagonal", lambda a: a.diagonal(), np.diagonal, min_dims=2),
    OpSpec("diagonal[offset=-1, dim1=1, dim2=-1]", lambda a: tg.diagonal(a, -1, 1, -1),
           lambda a: np.diagonal(a, -1, 1, -1), shapes=_shapes_of_dims(3)),
    # ---------------------------------------------------------------- shape (shape.py): repeats, pieces, grids, einsum
    OpSpec("repeat", lambda a: a.repeat(*((2,) * a.ndim)), lambda a: np.tile(a, (2,) * a.ndim), min_dims=1),
    OpSpec("repeat[more sizes than dims]", lambda a: a.repeat((3,) + (1,) * a.ndim),
           lambda a: np.tile(a, (3,) + (1,) * a.ndim)),
    OpSpec("repeat_interleave", lambda a: a.repeat_interleave(2), lambda a: np.repeat(a, 2)),
    OpSpec("repeat_interleave[dim=-1]", lambda a: tg.repeat_interleave(a, 3, dim=-1), lambda a: np.repeat(a, 3, -1),
           min_dims=1),
    OpSpec("repeat_interleave[tensor repeats, dim=0]", lambda a: a.repeat_interleave(tg.tensor(_counts(a)), dim=0),
           lambda a: np.repeat(a, _counts(a), 0), min_dims=1),
    OpSpec("split", lambda a: _join(a.split(2), tg.cat), lambda a: _join(_split_ref(a, 2), np.concatenate),
           min_dims=1),
    OpSpec("split[sections, dim=-1]", lambda a: _join(tg.split(a, [1, a.shape[-1] - 1], dim=-1), tg.cat, -1),
           lambda a: _join(_split_ref(a, [1, a.shape[-1] - 1], -1), np.concatenate, -1), min_dims=1),
    OpSpec("chunk", lambda a: _join(a.chunk(2), tg.cat),
           lambda a: _join(_split_ref(a, -(-a.shape[0] // 2)), np.concatenate), min_dims=1),
    OpSpec("chunk[chunks=3, dim=-1]", lambda a: _join(tg.chunk(a, 3, -1), tg.cat, -1),
           lambda a: _join(_split_ref(a, -(-a.shape[-1] // 3), -1), np.concatenate, -1), min_dims=1),
    OpSpec("unflatten", lambda a: a.unflatten(-1, (1, a.shape[-1], 1)),
           lambda a: a.reshape(a.shape[:-1] + (1, a.shape[-1], 1)), min_dims=1),
    OpSpec("unflatten[dim=0, -1]", lambda a: tg.unflatten(a, 0, (2, -1)), lambda a: a.reshape((2, -1) + a.shape[1:]),
           shapes=shapes(min_dims=1).map(lambda s: ((2 * s[0],) + s[1:],))),
    OpSpec("meshgrid", lambda a, b: tg.stack(tg.meshgrid(a, b, indexing="ij")),
           lambda a, b: np.stack(np.meshgrid(a, b, indexing="ij")), nargs=2, shapes=_vectors(2)),
    OpSpec("meshgrid[xy, three]", lambda a, b, c: tg.stack(tg.meshgrid([a, b, c], indexing="xy")),
           lambda a, b, c: np.stack(np.meshgrid(a, b, c, indexing="xy")), nargs=3, shapes=_vectors(3)),
    OpSpec("einsum[transpose]", lambda a: tg.einsum("ij->ji", a), lambda a: np.einsum("ij->ji", a),
           shapes=_shapes_of_dims(2)),
    OpSpec("einsum[sum over i]", lambda a: tg.einsum("ijk->kj", a), lambda a: np.einsum("ijk->kj", a),
           shapes=_shapes_of_dims(3)),
    OpSpec("einsum[trace]", lambda a: tg.einsum("ii", a), lambda a: np.einsum("ii", a),
           shapes=st.integers(1, 4).map(lambda n: ((n, n),))),
    OpSpec("einsum[outer]", lambda a, b: tg.einsum("i,j->ij", a, b), lambda a, b: np.einsum("i,j->ij", a, b),
           nargs=2, shapes=_vectors(2)),
    OpSpec("einsum[batched matmul]", lambda a, b: tg.einsum("bij,bjk->bik", a, b),
           lambda a, b: np.einsum("bij,bjk->bik", a, b), nargs=2, shapes=_matmul_shapes(3, 3, ((2,), (2,)))),
    OpSpec("einsum[attention]", lambda q, k: tg.einsum("bhqd,bhkd->bhqk", q, k),
           lambda q, k: np.einsum("bhqd,bhkd->bhqk", q, k), nargs=2, shapes=_query_key_shapes()),
    OpSpec("einsum[implicit matmul]", lambda a, b: tg.einsum("ij,jk", a, b), lambda a, b: np.einsum("ij,jk", a, b),
           nargs=2, shapes=_matmul_shapes(2, 2)),
    OpSpec("einsum[ellipsis, broadcast batch]", lambda a, b: tg.einsum("...ij,...jk->...ik", a, b),
           lambda a, b: np.einsum("...ij,...jk->...ik", a, b), nargs=2, shapes=_matmul_shapes(3, 3, ((2, 1), (3,)))),
    OpSpec("einsum[three operands]", lambda a, b, c: tg.einsum("i,ij,j->", a, b, c),
           lambda a, b, c: np.einsum("i,ij,j->", a, b, c), nargs=3,
           shapes=_shapes_of_dims(2).map(lambda s: ((s[0][0],), s[0], (s[0][1],)))),
    # ---------------------------------------------------------------- in-place updates (recorded in the graph)
    OpSpec("add_", lambda a, b: a.clone().add_(b, alpha=2), lambda a, b: a + 2 * b, nargs=2),
    OpSpec("sub_", lambda a, b: a.clone().sub_(b), np.subtract, nargs=2),
    OpSpec("mul_", lambda a, b: a.clone().mul_(b), np.multiply, nargs=2),
    OpSpec("div_", lambda a, b: a.clone().div_(b), np.divide, nargs=2, domain=(0.5, 3.0)),
    OpSpec("clamp_", lambda a: a.clone().clamp_(-0.5, 0.75), lambda a: np.clip(a, -0.5, 0.75), kinks=True),
    OpSpec("fill_", lambda a: a.clone().fill_(0.5) * a, lambda a: 0.5 * a),
    OpSpec("zero_", lambda a: a.clone().zero_() + a, lambda a: a + 0.0),
    OpSpec("copy_", lambda a, b: a.clone().copy_(b) * a, lambda a, b: b * a, nargs=2),
    # ---------------------------------------------------------------- nn.functional
    OpSpec("F.relu", F.relu, lambda x: np.maximum(x, 0), kinks=True),
    OpSpec("F.leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x), kinks=True),
    OpSpec("F.sigmoid", F.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    OpSpec("F.tanh", F.tanh, np.tanh),
    OpSpec("F.softmax[dim=0]", lambda x: F.softmax(x, dim=0),
           lambda x: np.exp(x) / np.exp(x).sum(axis=0, keepdims=True), min_dims=1),
    OpSpec("F.log_softmax[dim=1]", lambda x: F.log_softmax(x, dim=1),
           lambda x: x - np.log(np.exp(x).sum(axis=1, keepdims=True)), min_dims=2),
    OpSpec("linear", F.linear, lambda x, w, b: x @ w.T + b, nargs=3, shapes=_linear_shapes()),
    OpSpec("linear[no bias]", F.linear, lambda x, w: x @ w.T, nargs=2, shapes=_linear_shapes(bias=False)),
    OpSpec("cross_entropy[labels]", lambda x: F.cross_entropy(x, _labels_for(x)),
           lambda x: _cross_entropy_ref(x, _one_hot_ref(x)), min_dims=1),
    OpSpec("cross_entropy[probabilities, sum]", lambda x: F.cross_entropy(x, _probabilities_for(x), "sum"),
           lambda x: _cross_entropy_ref(x, _probabilities_for(x), "sum"), min_dims=1),
    OpSpec("cross_entropy[none]", lambda x: F.cross_entropy(x, _labels_for(x), reduction="none"),
           lambda x: _cross_entropy_ref(x, _one_hot_ref(x), "none"), min_dims=2),
    OpSpec("one_hot", lambda x: F.one_hot(_last_axis_labels(x), x.shape[-1], dtype=x.dtype),
           lambda x: np.eye(x.shape[-1])[_last_axis_labels(x)], min_dims=1, differentiable=False),
    OpSpec("conv2d", F.conv2d, _conv_ref, nargs=3, shapes=_conv_shapes()),
    OpSpec("conv2d[stride 2, padding 1]", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
           lambda x, w, b: _conv_ref(x, w, b, 2, 1), nargs=3, shapes=_conv_shapes()),
    OpSpec("max_pool2d", lambda x: F.max_pool2d(x, 2), lambda x: _pool_ref(x, 2, np.max), kinks=True,
           shapes=_image_shapes()),
    OpSpec("max_pool2d[padding 1]", lambda x: F.max_pool2d(x, 2, padding=1),
           lambda x: _pool_ref(x, 2, np.max, -np.inf, 1), kinks=True, shapes=_image_shapes(1)),
    OpSpec("avg_pool2d", lambda x: F.avg_pool2d(x, 2), lambda x: _pool_ref(x, 2, np.mean), shapes=_image_shapes()),
    OpSpec("batch_norm[training]", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
           _batch_norm_ref, nargs=3, kinks=True, shapes=_batch_norm_shapes()),
    OpSpec("dropout[seeded]", lambda x: F.dropout(x, 0.4, generator=0), _dropout_ref),
    OpSpec("embedding", lambda w: F.embedding(np.array([[0, 1], [1, 0]]) % w.shape[0], w),
           lambda w: w[np.array([[0, 1], [1, 0]]) % w.shape[0]], min_dims=2),
    OpSpec("mse_loss", F.mse_loss, lambda a, b: ((a - b) ** 2).mean(), nargs=2),
    OpSpec("nll_loss", lambda x: F.nll_loss(x.log_softmax(_class_axis(x)), _labels_for(x)),
           lambda x: _cross_entropy_ref(x, _one_hot_ref(x)), min_dims=1),
    OpSpec("binary_cross_entropy", lambda p: F.binary_cross_entropy(p, _probabilities_for(p)),
           lambda p: -(_probabilities_for(p) * np.log(p) + (1 - _probabilities_for(p)) * np.log(1 - p)).mean(),
           domain=(0.05, 0.95)),
    OpSpec("binary_cross_entropy_with_logits", lambda x: F.binary_cross_entropy_with_logits(x, _probabilities_for(x)),
           lambda x: (np.logaddexp(0, x) - _probabilities_for(x) * x).mean()),
    OpSpec("accuracy", lambda x: tg.Tensor(F.accuracy(x, _last_axis_labels(x))),
           lambda x: (((x[..., 0] > 0.5) if x.shape[-1] == 1 else x.argmax(-1)) == _last_axis_labels(x)).mean(),
           min_dims=1, kinks=True, differentiable=False),
    OpSpec("l2_penalty", lambda a, b: F.l2_penalty([a, b], 0.1), lambda a, b: 0.05 * ((a * a).sum() + (b * b).sum()),
           nargs=2, broadcast=True),
    OpSpec("cross_entropy[weight]", lambda x: F.cross_entropy(x, _labels_for(x), weight=_class_weights_for(x)),
           lambda x: _labels_loss_ref(x, _labels_for(x), _class_weights_for(x)), min_dims=1),
    OpSpec("cross_entropy[ignore_index]", lambda x: F.cross_entropy(x, _ignored_labels_for(x), ignore_index=-100),
           lambda x: _labels_loss_ref(x, _ignored_labels_for(x)), min_dims=1),
    OpSpec("cross_entropy[label_smoothing]", lambda x: F.cross_entropy(x, _labels_for(x), label_smoothing=0.2),
           lambda x: _labels_loss_ref(x, _labels_for(x), label_smoothing=0.2), min_dims=1),
    OpSpec("cross_entropy[weight, ignore_index, label_smoothing, none]",
           lambda x: F.cross_entropy(x, _ignored_labels_for(x), "none", weight=_class_weights_for(x),
                                     label_smoothing=0.2),
           lambda x: _labels_loss_ref(x, _ignored_labels_for(x), _class_weights_for(x), label_smoothing=0.2,
                                      reduction="none"), min_dims=2),
    OpSpec("cross_entropy[probabilities, weight, label_smoothing]",
           lambda x: F.cross_entropy(x, _probabilities_for(x), weight=_class_weights_for(x), label_smoothing=0.2),
           lambda x: _cross_entropy_ref(x, (0.8 * _probabilities_for(x) + 0.2 / np.shape(x)[_class_axis(x)])
                                        * _along_classes(_class_weights_for(x), x)), min_dims=1),
    OpSpec("nll_loss[weight]",
           lambda x: F.nll_loss(x.log_softmax(_class_axis(x)), _labels_for(x), weight=_class_weights_for(x)),
           lambda x: _labels_loss_ref(x, _labels_for(x), _class_weights_for(x)), min_dims=1),
    OpSpec("nll_loss[ignore_index, sum]",
           lambda x: F.nll_loss(x.log_softmax(_class_axis(x)), _ignored_labels_for(x), "sum", ignore_index=-100),
           lambda x: _labels_loss_ref(x, _ignored_labels_for(x), reduction="sum"), min_dims=1),
    OpSpec("binary_cross_entropy_with_logits[pos_weight]",
           lambda x: F.binary_cross_entropy_with_logits(x, _probabilities_for(x), pos_weight=_pos_weight_for(x)),
           lambda x: ((1 - _probabilities_for(x)) * x + (1 + (_pos_weight_for(x) - 1) * _probabilities_for(x))
                      * np.logaddexp(0, -x)).mean()),
    OpSpec("binary_cross_entropy_with_logits[weight, none]",
           lambda x: F.binary_cross_entropy_with_logits(x, _probabilities_for(x), "none",
                                                        weight=0.5 + _probabilities_for(x)),
           lambda x: (np.logaddexp(0, x) - _probabilities_for(x) * x) * (0.5 + _probabilities_for(x))),
    OpSpec("kl_div", F.kl_div, lambda a, b: (b * (np.log(b) - a)).mean(), nargs=2, domain=(0.1, 2.0)),
    OpSpec("kl_div[log_target, batchmean]", lambda a, b: F.kl_div(a, b, "batchmean", log_target=True),
           lambda a, b: (np.exp(b) * (b - a)).sum() / a.shape[0], nargs=2, min_dims=1),
    OpSpec("kl_div[sum]", lambda a, b: F.kl_div(a, b, "sum"), lambda a, b: (b * (np.log(b) - a)).sum(), nargs=2,
           domain=(0.1, 2.0)),
    # the kink-free grid: a - b is a multiple of 1/64, never beta = 0.3 or delta = 0.7 (nor 1/256 for l1)
    OpSpec("smooth_l1_loss[beta=0.3]", lambda a, b: F.smooth_l1_loss(a, b, beta=0.3),
           lambda a, b: (_huber_ref(a - b, 0.3) / 0.3).mean(), nargs=2, kinks=True),
    # a 0-d x gets the target 1.0: x = 0 would sit on the kink at |x - t| = 1, so draw from the grid
    OpSpec("smooth_l1_loss[sum]", lambda x: F.smooth_l1_loss(x, _probabilities_for(x), "sum"),
           lambda x: _huber_ref(x - _probabilities_for(x), 1.0).sum(), kinks=True),
    OpSpec("huber_loss[delta=0.7]", lambda a, b: F.huber_loss(a, b, delta=0.7),
           lambda a, b: _huber_ref(a - b, 0.7).mean(), nargs=2, kinks=True),
    OpSpec("huber_loss[none]", lambda x: F.huber_loss(x, _probabilities_for(x), "none"),
           lambda x: _huber_ref(x - _probabilities_for(x), 1.0), kinks=True),
    OpSpec("l1_loss", lambda a, b: F.l1_loss(a, b + 1 / 256), lambda a, b: np.abs(a - b - 1 / 256).mean(), nargs=2,
           kinks=True),
    # ---------------------------------------------------------------- activations (functional_activations.py)
    OpSpec("gelu", F.gelu, lambda x: x / 2 * (1 + _erf(np.asarray(x) * 0.5 ** 0.5)), domain=(-4.0, 4.0)),
    OpSpec("gelu[tanh]", lambda x: F.gelu(x, approximate="tanh"),
           lambda x: x / 2 * (1 + np.tanh((2 / np.pi) ** 0.5 * (x + 0.044715 * x ** 3))), domain=(-4.0, 4.0)),
    OpSpec("silu", F.silu, lambda x: x / (1 + np.exp(-x)), domain=(-4.0, 4.0)),
    # elu, selu and celu: the first derivative jumps at 0 (alpha != 1), the second always
    OpSpec("elu", F.elu, lambda x: np.where(x > 0, x, np.expm1(x)), kinks=True),
    OpSpec("elu[alpha=0.5]", lambda x: F.elu(x, alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)),
           kinks=True),
    OpSpec("selu", F.selu, lambda x: 1.0507009873554804934 * np.where(x > 0, x, 1.6732632423543772849 * np.expm1(x)),
           kinks=True),
    OpSpec("celu[alpha=0.5]", lambda x: F.celu(x, alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x / 0.5)),
           kinks=True),
    OpSpec("mish", F.mish, lambda x: x * np.tanh(np.log1p(np.exp(x))), domain=(-4.0, 4.0)),
    OpSpec("hardtanh", F.hardtanh, lambda x: np.clip(x, -1, 1), kinks=True),
    OpSpec("hardtanh[min_val=-0.5, max_val=1.5]", lambda x: F.hardtanh(x, min_val=-0.5, max_val=1.5),
           lambda x: np.clip(x, -0.5, 1.5), kinks=True),
    OpSpec("relu6", F.relu6, lambda x: np.clip(x, 0, 6), domain=(-2.0, 8.0), kinks=True),
    OpSpec("hardswish", F.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6, domain=(-4.0, 4.0), kinks=True),
    OpSpec("hardsigmoid", F.hardsigmoid, lambda x: np.clip(x + 3, 0, 6) / 6, domain=(-4.0, 4.0), kinks=True),
    OpSpec("softsign", F.softsign, lambda x: x / (1 + np.abs(x)), kinks=True),  # |x|: the second derivative jumps
    OpSpec("logsigmoid", F.logsigmoid, lambda x: -np.log1p(np.exp(-x)), domain=(-4.0, 4.0)),
    OpSpec("softmin", F.softmin, lambda x: np.exp(-x) / np.exp(-x).sum(axis=-1, keepdims=True), min_dims=1),
    OpSpec("softmin[dim=0]", lambda x: F.softmin(x, dim=0),
           lambda x: np.exp(-x) / np.exp(-x).sum(axis=0, keepdims=True), min_dims=1),
    # the threshold switches to x where 20 < x: a jump of 2e-9, off the kink-free grid's points
    OpSpec("F.softplus", F.softplus, lambda x: np.where(x > 20, x, np.log1p(np.exp(x))), domain=(-25.0, 25.0),
           kinks=True),
    # beta * x > threshold at x > 0.5: a jump from log(1 + e) / 2 to 0.5, at a kink of the grid
    OpSpec("F.softplus[beta=2, threshold=1]", lambda x: F.softplus(x, beta=2, threshold=1),
           lambda x: np.where(2 * x > 1, x, np.log1p(np.exp(2 * x)) / 2), kinks=True),
    # ---------------------------------------------------------------- convolution and pooling options
    # (functional_conv.py, functional_pool.py)
    OpSpec("conv2d[dilation 2]", lambda x, w, b: F.conv2d(x, w, b, dilation=2),
           lambda x, w, b: _conv_options_ref(x, w, b, dilation=2), nargs=3, shapes=_conv_options_shapes(1, (2, 2))),
    OpSpec("conv2d[groups 2, stride 2, padding 1]", lambda x, w, b: F.conv2d(x, w, b, 2, 1, groups=2),
           lambda x, w, b: _conv_options_ref(x, w, b, 2, 1, groups=2), nargs=3,
           shapes=_conv_options_shapes(2, padding=(1, 1))),
    OpSpec("conv2d[padding same, dilation (1, 2), groups 2]",
           lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=(1, 2), groups=2),
           lambda x, w, b: _conv_options_ref(x, w, b, padding="same", dilation=(1, 2), groups=2), nargs=3,
           shapes=_conv_options_shapes(2, (1, 2), (3, 3))),
    OpSpec("conv2d[padding valid, no bias]", lambda x, w: F.conv2d(x, w, padding="valid"), _conv_options_ref,
           nargs=2, shapes=_conv_options_shapes(bias=False)),
    OpSpec("conv1d", F.conv1d, _conv1d_ref, nargs=3, shapes=_conv_options_shapes(spatial=1)),
    OpSpec("conv1d[stride 2, padding 1, dilation 2, groups 2]", lambda x, w, b: F.conv1d(x, w, b, 2, 1, 2, 2),
           lambda x, w, b: _conv1d_ref(x, w, b, 2, 1, 2, 2), nargs=3,
           shapes=_conv_options_shapes(2, (1, 2), (0, 1), spatial=1)),
    OpSpec("conv1d[padding same, no bias]", lambda x, w: F.conv1d(x, w, padding="same"),
           lambda x, w: _conv1d_ref(x, w, padding="same"), nargs=2, shapes=_conv_options_shapes(spatial=1, bias=False)),
    OpSpec("conv_transpose2d", F.conv_transpose2d, _conv_transpose_ref, nargs=3, shapes=_conv_transpose_shapes()),
    OpSpec("conv_transpose2d[stride 2, padding 1, output_padding 1]",
           lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1),
           lambda x, w, b: _conv_transpose_ref(x, w, b, 2, 1, 1), nargs=3, shapes=_conv_transpose_shapes(1, 2)),
    OpSpec("conv_transpose2d[stride (2, 1), output_padding 1, groups 2, dilation 2]",
           lambda x, w, b: F.conv_transpose2d(x, w, b, (2, 1), 0, 1, 2, 2),
           lambda x, w, b: _conv_transpose_ref(x, w, b, (2, 1), 0, 1, 2, 2), nargs=3, shapes=_conv_transpose_shapes(2)),
    OpSpec("max_pool2d[stride 1, dilation 2]", lambda x: F.max_pool2d(x, 2, 1, dilation=2),
           lambda x: _pool_options_ref(x, 2, 1, dilation=2), kinks=True, shapes=_image_shapes(3)),
    OpSpec("max_pool2d[kernel 3, stride 2, padding 1, ceil_mode]", lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
           lambda x: _pool_options_ref(x, 3, 2, 1, ceil_mode=True), kinks=True, shapes=_image_shapes(1)),
    OpSpec("max_pool2d[return_indices: values]", lambda x: F.max_pool2d(x, (2, 3), 1, return_indices=True)[0],
           lambda x: _pool_options_ref(x, (2, 3), 1), kinks=True, shapes=_image_shapes(3)),
    OpSpec("max_pool2d[return_indices: indices, ceil_mode, padding 1]",
           lambda x: F.max_pool2d(x, 2, padding=1, ceil_mode=True, return_indices=True)[1],
           lambda x: _pool_options_ref(x, 2, padding=1, ceil_mode=True, indices=True), kinks=True,
           differentiable=False, shapes=_image_shapes(1)),
    OpSpec("avg_pool2d[kernel 3, stride 2, padding 1, ceil_mode]", lambda x: F.avg_pool2d(x, 3, 2, 1, True),
           lambda x: _pool_options_ref(x, 3, 2, 1, ceil_mode=True, kind="avg"), shapes=_image_shapes(1)),
    OpSpec("avg_pool2d[kernel 3, stride 2, padding 1, ceil_mode, count_include_pad=False]",
           lambda x: F.avg_pool2d(x, 3, 2, 1, True, False),
           lambda x: _pool_options_ref(x, 3, 2, 1, ceil_mode=True, kind="avg", count_include_pad=False),
           shapes=_image_shapes(1)),
    OpSpec("avg_pool2d[stride 1, divisor_override 3]", lambda x: F.avg_pool2d(x, 2, 1, divisor_override=3),
           lambda x: _pool_options_ref(x, 2, 1, kind="avg", divisor_override=3), shapes=_image_shapes()),
    OpSpec("max_pool1d", lambda x: F.max_pool1d(x, 2), lambda x: _pool1d_ref(x, 2), kinks=True,
           shapes=_signal_shapes(2)),
    OpSpec("max_pool1d[kernel 3, stride 2, padding 1, dilation 2, ceil_mode]",
           lambda x: F.max_pool1d(x, 3, 2, 1, 2, True), lambda x: _pool1d_ref(x, 3, 2, 1, 2, True), kinks=True,
           shapes=_signal_shapes(2)),
    OpSpec("max_pool1d[return_indices: indices]", lambda x: F.max_pool1d(x, 2, 1, return_indices=True)[1],
           lambda x: _pool_options_ref(x[:, :, None], (1, 2), 1, indices=True)[:, :, 0], kinks=True,
           differentiable=False, shapes=_signal_shapes(2)),
    OpSpec("avg_pool1d", lambda x: F.avg_pool1d(x, 2), lambda x: _pool1d_ref(x, 2, kind="avg"),
           shapes=_signal_shapes(2)),
    OpSpec("avg_pool1d[kernel 3, stride 2, padding 1, ceil_mode, count_include_pad=False]",
           lambda x: F.avg_pool1d(x, 3, 2, 1, True, False),
           lambda x: _pool1d_ref(x, 3, 2, 1, ceil_mode=True, kind="avg", count_include_pad=False),
           shapes=_signal_shapes(1)),
    # ---------------------------------------------------------------- resampling (functional_resample.py)
    # ---------------------------------------------------------------- resampling (functional_resample.py)
    OpSpec("pad[F.pad, constant (1, 2, 0, 1), value 0.5]", lambda x: F.pad(x, (1, 2, 0, 1), value=0.5),
           lambda x: _pad_ref(x, (1, 2, 0, 1), value=0.5), shapes=_with_min_side(1, 2)),
    OpSpec("pad[F.pad, constant, negative crops]", lambda x: F.pad(x, (-1, 2, 1, -1)),
           lambda x: _pad_ref(x, (-1, 2, 1, -1)), shapes=_with_min_side(2, 2)),
    OpSpec("pad[F.pad, reflect]", lambda x: F.pad(x, (2, 1), mode="reflect"),
           lambda x: _pad_ref(x, (2, 1), "reflect"), shapes=_resample_shapes(1, 3)),
    OpSpec("pad[F.pad, reflect, 2-D]", lambda x: F.pad(x, (1, 2, 2, 1), mode="reflect"),
           lambda x: _pad_ref(x, (1, 2, 2, 1), "reflect"), shapes=_resample_shapes(2, 3)),
    OpSpec("pad[F.pad, replicate, no batch]", lambda x: F.pad(x, (2, 0, 1, 3), mode="replicate"),
           lambda x: _pad_ref(x, (2, 0, 1, 3), "replicate"), shapes=_resample_shapes(2, batch=False)),
    OpSpec("pad[F.pad, replicate, 3-D]", lambda x: F.pad(x, (1, 0, 0, 1, 1, 1), mode="replicate"),
           lambda x: _pad_ref(x, (1, 0, 0, 1, 1, 1), "replicate"), shapes=_resample_shapes(3, batch=False)),
    OpSpec("pad[F.pad, circular]", lambda x: F.pad(x, (1, 2, 2, 0), mode="circular"),
           lambda x: _pad_ref(x, (1, 2, 2, 0), "circular"), shapes=_resample_shapes(2, 2)),
    OpSpec("interpolate", lambda x: F.interpolate(x, size=5), lambda x: _interpolate_ref(x, 5),
           shapes=_resample_shapes(1)),
    OpSpec("interpolate[nearest, scale_factor (1.5, 0.5)]", lambda x: F.interpolate(x, scale_factor=(1.5, 0.5)),
           lambda x: _interpolate_ref(x, scale_factor=(1.5, 0.5)), shapes=_resample_shapes(2, 2)),
    OpSpec("interpolate[linear]", lambda x: F.interpolate(x, size=5, mode="linear"),
           lambda x: _interpolate_ref(x, 5, mode="linear"), shapes=_resample_shapes(1)),
    OpSpec("interpolate[linear, align_corners, scale_factor 2.5]",
           lambda x: F.interpolate(x, scale_factor=2.5, mode="linear", align_corners=True),
           lambda x: _interpolate_ref(x, scale_factor=2.5, mode="linear", align_corners=True),
           shapes=_resample_shapes(1)),
    OpSpec("interpolate[bilinear]", lambda x: F.interpolate(x, size=(3, 5), mode="bilinear"),
           lambda x: _interpolate_ref(x, (3, 5), mode="bilinear"), shapes=_resample_shapes(2)),
    OpSpec("interpolate[bilinear, align_corners]",
           lambda x: F.interpolate(x, size=4, mode="bilinear", align_corners=True),
           lambda x: _interpolate_ref(x, 4, mode="bilinear", align_corners=True), shapes=_resample_shapes(2)),
    OpSpec("interpolate[bilinear, scale_factor 0.5]", lambda x: F.interpolate(x, scale_factor=0.5, mode="bilinear"),
           lambda x: _interpolate_ref(x, scale_factor=0.5, mode="bilinear"), shapes=_resample_shapes(2, 2)),
    OpSpec("adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 3), lambda x: _adaptive_avg_ref(x, 3, 1),
           shapes=_resample_shapes(1)),
    OpSpec("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3)), lambda x: _adaptive_avg_ref(x, (2, 3), 2),
           shapes=_resample_shapes(2)),
    OpSpec("adaptive_avg_pool2d[int, no batch]", lambda x: F.adaptive_avg_pool2d(x, 4),
           lambda x: _adaptive_avg_ref(x, 4, 2), shapes=_resample_shapes(2, batch=False)),
    OpSpec("adaptive_avg_pool2d[(None, 2)]", lambda x: F.adaptive_avg_pool2d(x, (None, 2)),
           lambda x: _adaptive_avg_ref(x, (None, 2), 2), shapes=_resample_shapes(2)),
    OpSpec("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (2, 3)),
           lambda x: _adaptive_avg_ref(x, (2, 3), 2, np.max), kinks=True, shapes=_resample_shapes(2)),
    OpSpec("adaptive_max_pool2d[(None, 4), no batch]", lambda x: F.adaptive_max_pool2d(x, (None, 4)),
           lambda x: _adaptive_avg_ref(x, (None, 4), 2, np.max), kinks=True, shapes=_resample_shapes(2, batch=False)),
    # ---------------------------------------------------------------- normalisation and attention
    # (functional_norm_attention.py); drawn from the kink-free grid so no slice's variance is near 0
    OpSpec("layer_norm", lambda x: F.layer_norm(x, x.shape[-1:]), _layer_norm_ref, min_dims=1, kinks=True),
    OpSpec("layer_norm[affine, last 2 axes]", lambda x, w, b: F.layer_norm(x, x.shape[-2:], w, b),
           lambda x, w, b: _layer_norm_ref(x, w, b, 2), nargs=3, kinks=True, shapes=_layer_norm_shapes(True)),
    OpSpec("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b), _group_norm_ref, nargs=3, kinks=True,
           shapes=_group_norm_shapes()),
    OpSpec("normalize", F.normalize, lambda x: x / np.sqrt((x * x).sum(1, keepdims=True)), min_dims=2, kinks=True),
    OpSpec("normalize[p=1, dim=-1]", lambda x: F.normalize(x, p=1, dim=-1),
           lambda x: x / np.abs(x).sum(-1, keepdims=True), min_dims=1, kinks=True),
    OpSpec("scaled_dot_product_attention", F.scaled_dot_product_attention, _attention_ref, nargs=3,
           shapes=_attention_shapes()),
    OpSpec("scaled_dot_product_attention[causal, scale=0.5]",
           lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.5),
           lambda q, k, v: _attention_ref(q, k, v, np.tril(np.ones((q.shape[-2], k.shape[-2]), bool)), scale=0.5),
           nargs=3, shapes=_attention_shapes()),
    OpSpec("scaled_dot_product_attention[bool mask]",
           lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=_attention_mask(q, k)),
           lambda q, k, v: _attention_ref(q, k, v, _attention_mask(q, k)), nargs=3, shapes=_attention_shapes()),
    OpSpec("scaled_dot_product_attention[float mask]",
           lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
           lambda q, k, v, m: _attention_ref(q, k, v, add=m), nargs=4, shapes=_attention_shapes(True)),
]

# Public names that are not ops (no row needed), and operator methods named by their op.
NOT_OPS = {"backward", "numpy", "item", "detach", "requires_grad_", "draw_graph", "register_hook", "retain_grad",
           "size", "numel", "dim", "tolist", "type", "contiguous",
           "to", "cpu", "cuda"}  # device moves: test_device.py runs this whole table through them
OPERATOR_NAMES = {"__add__": "add", "__radd__": "radd", "__sub__": "sub", "__rsub__": "rsub",
                  "__mul__": "mul", "__rmul__": "mul", "__truediv__": "div", "__rtruediv__": "rdiv",
                  "__pow__": "pow", "__rpow__": "rpow", "__matmul__": "matmul", "__rmatmul__": "matmul",
                  "__neg__": "neg", "__floordiv__": "floordiv", "__rfloordiv__": "floordiv",
                  "__mod__": "mod", "__rmod__": "rmod", "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge",
                  "__eq__": "eq", "__ne__": "ne", "__getitem__": "getitem"}
FUNCTIONS = ["where", "maximum", "minimum", "concatenate", "stack"]
FUNCTIONAL_MODULES = [F]  # every public function of these is an op
