"""Primitive ops: one small Function each, forward and backward side by side.

Forward gets arrays and uses `ctx.xp` (NumPy or CuPy). Backward gets the upstream gradient `g`
and uses only operators, shared array/Tensor methods and `ctx.xp`, so the same formula also runs
on Tensors under `create_graph=True` (see autograd.py). Binary ops broadcast freely: the engine
sums each gradient back to its input's shape, in one place.
Everything not here is a composite in tensor.py, written with these.
"""
from __future__ import annotations

import numpy

from .autograd import Function, array_namespace, sum_to
from .device import device_of, to_device

# ---------------------------------------------------------------------------- elementwise


class Add(Function):
    """y = a + b;  da = g, db = g"""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Function):
    """y = a - b;  da = g, db = -g"""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """y = a * b;  da = g * b, db = g * a"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)


class Div(Function):
    """y = a / b;  da = g / b, db = -g * a / b**2 = -g * y / b"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = g / b
        return (ga if need_a else None), (-ga * a / b if need_b else None)


class Neg(Function):
    """y = -x;  dx = -g"""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Function):
    """y = a ** b;  da = g * b * a**(b-1), db = g * y * log(a)  (0 where b = 0, resp. a = 0 <= b)"""

    @staticmethod
    def forward(ctx, a, b):
        y = ctx.xp.power(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b, y = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        xp, zero = ctx.xp, ctx.xp.zeros_like(g)
        with numpy.errstate(divide="ignore", invalid="ignore"):  # the masked places compute 0 * inf
            # b = 0: y = 1 whatever a is, so da = 0 (0 * 0 ** -1 would be nan)
            ga = xp.where(b == 0, zero, g * b * a ** (b - 1)) if need_a else None
            # a = 0, b >= 0: y = 0 ** b is flat in b from the right, so db = 0 (PyTorch's choice)
            gb = xp.where(a == 0, xp.where(b >= 0, zero, g * y * xp.log(a)), g * y * xp.log(a)) if need_b else None
        return ga, gb


class Exp(Function):
    """y = exp(x);  dx = g * y"""

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class Log(Function):
    """y = log(x);  dx = g / x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Sin(Function):
    """y = sin(x);  dx = g * cos(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ctx.xp.cos(x)


class Cos(Function):
    """y = cos(x);  dx = -g * sin(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * ctx.xp.sin(x)


class Abs(Function):
    """y = |x|;  dx = g * sign(x)  (0 at x = 0, as in PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ctx.xp.sign(x)


class Tanh(Function):
    """y = tanh(x);  dx = g * (1 - y**2)"""

    # primitive: one ufunc instead of four ops through sigmoid, and exact for large |x|
    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y * y)


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x)) = (1 + tanh(x/2)) / 2;  dx = g * y * (1 - y)"""

    # primitive: 1/(1+exp(-x)) overflows for x << 0; the tanh form never does
    @staticmethod
    def forward(ctx, x):
        half = x.dtype.type(0.5)  # typed, so that NumPy 1.x keeps a 0-d float32 in float32
        y = half + half * ctx.xp.tanh(half * x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * (1 - y)


class Softplus(Function):
    """y = log(1 + exp(x));  dx = g * sigmoid(x)"""

    # primitive: the stable composite relu(x) + log(1 + exp(-|x|)) has gradient 0 at x = 0, not 1/2
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.logaddexp(x.dtype.type(0), x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (0.5 + 0.5 * ctx.xp.tanh(0.5 * x))


class Relu(Function):
    """y = max(x, 0);  dx = g where x > 0, else 0"""

    # primitive: the hot activation of every MLP, one op instead of maximum's mask arithmetic
    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.maximum(x, x.dtype.type(0))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y > 0)


class Maximum(Function):
    """y = max(a, b);  the larger input gets g; on a tie each gets g / 2 (as in PyTorch)"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        share_a = (a > b) + 0.5 * (a == b)
        return g * share_a, g * (1 - share_a)


class Where(Function):
    """y = b where cond else c;  db = g where cond, dc = g elsewhere (cond gets no gradient)"""

    @staticmethod
    def forward(ctx, cond, b, c):
        ctx.save_for_backward(cond)
        return ctx.xp.where(cond, b, c)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        _, need_b, need_c = ctx.needs_input_grad
        zero = ctx.xp.zeros_like(g)
        return (None, ctx.xp.where(cond, g, zero) if need_b else None,
                ctx.xp.where(cond, zero, g) if need_c else None)


class Cast(Function):
    """y = x as another dtype;  dx = g (the engine casts it back to x's dtype)"""

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g, None


class Clone(Function):
    """y = a copy of x;  dx = g"""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


class ToDevice(Function):
    """y = x, copied to another device;  dx = g, copied back to x's device"""

    @staticmethod
    def forward(ctx, x, device):
        ctx.source = device_of(x)
        return to_device(x, device)

    @staticmethod
    def backward(ctx, g):
        return ToDevice.apply(g, ctx.source), None  # a Tensor even for an array g: the engine unwraps it


# ---------------------------------------------------------------------------- reductions


def _keepdims_shape(shape: tuple, axis: tuple) -> tuple:
    return tuple(1 if i in axis else s for i, s in enumerate(shape))


class Sum(Function):
    """y = sum of x over `axis` (a normalised tuple);  dx = g broadcast back to x's shape"""

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.input_shape = x.shape
        ctx.kept = _keepdims_shape(x.shape, axis)
        return x.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        return ctx.xp.broadcast_to(g.reshape(ctx.kept), ctx.input_shape), None, None


class Max(Function):
    """y = max of x over `axis`;  dx = g shared evenly by the elements equal to the max"""

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        y = x.max(axis=axis, keepdims=True)
        ctx.axis = axis
        ctx.save_for_backward(x, y)
        return y if keepdims else y.reshape([s for i, s in enumerate(y.shape) if i not in axis])

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        is_max = x == y
        share = is_max / is_max.sum(axis=ctx.axis, keepdims=True)
        return g.reshape(y.shape) * share, None, None



class LogSoftmax(Function):
    """y = x - log(sum(exp(x)));  dx = g - softmax(x) * sum(g)  (sums over `axis`)"""

    # primitive: one stable pass (finite for logits of ±1e4), and its backward is the fused
    # softmax-cross-entropy gradient instead of five ops' worth
    @staticmethod
    def forward(ctx, x, axis):
        xp = ctx.xp
        z = x - x.max(axis=axis, keepdims=True)
        y = z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g - ctx.xp.exp(y) * g.sum(axis=ctx.axis, keepdims=True), None


# ---------------------------------------------------------------------------- linear algebra


class Matmul(Function):
    """y = a @ b (1-D, 2-D or batched);  da = g @ b^T, db = a^T @ g"""

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError("matmul needs operands with at least one dimension")
        k_a, k_b = a.shape[-1], b.shape[0] if b.ndim == 1 else b.shape[-2]
        if k_a != k_b:
            raise ValueError(f"not aligned ({k_a} != {k_b})")
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 or b.ndim == 1:
            return _matmul_vector_backward(a, b, g, need_a, need_b)
        return (g @ _swap_last(b) if need_a else None), (_swap_last(a) @ g if need_b else None)


def _swap_last(x):
    """x with its last two axes swapped (the matrix transpose of each item of a batch)."""
    return x.T if x.ndim == 2 else x.swapaxes(-1, -2)


def _matmul_vector_backward(a, b, g, need_a, need_b):
    """Matmul's gradients when an operand is 1-D: treat it as a row (a) or a column (b)."""
    a2 = a.reshape((1,) + a.shape) if a.ndim == 1 else a
    b2 = b.reshape(b.shape + (1,)) if b.ndim == 1 else b
    g2 = g.reshape(g.shape[:-1] + (1,) + g.shape[-1:]) if a.ndim == 1 else g
    g2 = g2.reshape(g2.shape + (1,)) if b.ndim == 1 else g2
    ga = gb = None
    if need_a:
        ga = g2 @ _swap_last(b2)
        ga = ga.reshape(ga.shape[:-2] + ga.shape[-1:]) if a.ndim == 1 else ga
    if need_b:
        gb = _swap_last(a2) @ g2
        gb = gb.reshape(gb.shape[:-1]) if b.ndim == 1 else gb
    return ga, gb


# ---------------------------------------------------------------------------- layers and losses


class Linear(Function):
    """y = x @ w.T + b, w of shape (out_features, in_features) as in PyTorch;
    dx = g @ w, dw = g^T x and db = g summed over the leading axes"""

    # primitive: the hottest layer of every network: one op and one output array instead of two
    # ops and a temporary (the bias is added in place)
    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        y = x @ w.T
        if b is not None:
            if b.dtype == y.dtype and b.ndim <= y.ndim:
                y += b
            else:
                y = y + b
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        gx = g @ w if need_x else None
        rows = g.reshape(-1, g.shape[-1])  # leading axes are batch axes
        gw = rows.T @ x.reshape(-1, x.shape[-1]) if need_w else None
        return gx, gw, (rows.sum(axis=0) if need_b else None)


class SoftmaxCrossEntropy(Function):
    """loss = -sum_c t_c log softmax(x)_c over the last axis, reduced by `reduction`;
    dx = (softmax(x) * sum_c t_c - t) * g,  dt = -log softmax(x) * g  (t: target probabilities).
    Integer labels t stand for one-hot rows: loss = log sum exp(x) - x[label]; they get no gradient."""

    # primitive: the classifier's loss in one stable pass, with the fused gradient the book
    # derives (softmax minus target) instead of the backward of five separate ops
    @staticmethod
    def forward(ctx, x, t, reduction):
        xp = ctx.xp
        ctx.shift = x.max(axis=-1, keepdims=True)
        z = x - ctx.shift
        log_norm = xp.log(xp.exp(z).sum(axis=-1, keepdims=True))
        ctx.reduction, ctx.count = reduction, x.size // max(x.shape[-1], 1)  # 0 for an empty batch
        ctx.save_for_backward(x, t)
        if t.dtype.kind in "iu":  # labels: pick one logit per row instead of building one-hot rows
            losses = (log_norm - xp.take_along_axis(z, t[..., None], axis=-1))[..., 0]
        else:
            losses = (t.sum(axis=-1, keepdims=True) * log_norm - (t * z).sum(axis=-1, keepdims=True))[..., 0]
        if reduction == "none":
            return losses
        total = losses.sum()
        if reduction == "sum":
            return total
        return total / x.dtype.type(ctx.count) if ctx.count else x.dtype.type("nan")  # the mean of nothing

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        xp = ctx.xp
        z = x - ctx.shift  # recomputed from x (and t), so that it is twice differentiable
        e = xp.exp(z)
        if ctx.reduction == "none":
            g = g.reshape(g.shape + (1,))
        elif ctx.reduction == "mean":
            g = g / max(ctx.count, 1)
        if t.dtype.kind in "iu":  # labels: their one-hot rows, a constant, are only needed here
            return (e / e.sum(axis=-1, keepdims=True) - array_namespace(t).eye(x.shape[-1], dtype=x.dtype)[t]) * g, None, None
        gx = (e / e.sum(axis=-1, keepdims=True) * t.sum(axis=-1, keepdims=True) - t) * g
        gt = (xp.log(e.sum(axis=-1, keepdims=True)) - z) * g if ctx.needs_input_grad[1] else None
        return gx, gt, None


# ---------------------------------------------------------------------------- movement


class Reshape(Function):
    """y = x with a new shape;  dx = g with x's shape"""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.input_shape), None


class Transpose(Function):
    """y = x with axes permuted;  dx = g with the inverse permutation"""

    @staticmethod
    def forward(ctx, x, axes):
        ctx.inverse = tuple(int(i) for i in numpy.argsort([a % max(x.ndim, 1) for a in axes]))
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        return g.transpose(ctx.inverse), None


class BroadcastTo(Function):
    """y = x repeated along broadcast axes;  dx = g summed back down"""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.input_shape), None


class GetItem(Function):
    """y = x[index];  dx = zeros with g added at index (repeated indices add up)"""

    @staticmethod
    def forward(ctx, x, index):
        ctx.index, ctx.input_shape = index, x.shape
        return x[index]

    @staticmethod
    def backward(ctx, g):
        return IndexAdd.apply(g, ctx.index, ctx.input_shape), None


class IndexAdd(Function):
    """y = zeros(shape) with x added at index;  dx = g[index]  (the adjoint of GetItem)"""

    @staticmethod
    def forward(ctx, x, index, shape):
        ctx.index = index
        y = ctx.xp.zeros(shape, dtype=x.dtype)
        if _has_array_index(index):
            ctx.xp.add.at(y, index, x)  # unbuffered: repeated indices add up
        else:
            y[index] = x  # basic indexing never repeats an element
        return y

    @staticmethod
    def backward(ctx, g):
        return GetItem.apply(g, ctx.index), None, None


class SetItem(Function):
    """y = x with v written at `steps` (indices applied in turn);  dx = g with zeros there,
    dv = g at those places (summed where v was broadcast)"""

    @staticmethod
    def forward(ctx, x, v, steps):
        ctx.steps = steps
        y = x.copy()
        target = y
        for step in steps[:-1]:  # every step but the last gives a view, so the write reaches y
            target = target[step]
        target[steps[-1]] = v
        return y

    @staticmethod
    def backward(ctx, g):
        _, need_v = ctx.needs_input_grad[:2]
        gv = g
        for step in ctx.steps:
            gv = gv[step]
        return SetItem.apply(g, 0, ctx.steps), (gv if need_v else None), None


def _has_array_index(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(hasattr(p, "shape") or isinstance(p, list) for p in parts)


class Concatenate(Function):
    """y = the inputs joined along `axis` (the last argument);  each input gets its slice of g"""

    @staticmethod
    def forward(ctx, *inputs):
        *xs, axis = inputs
        ctx.axis = axis
        ctx.sizes = [x.shape[axis] for x in xs]
        return ctx.xp.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, g):
        grads, start = [], 0
        lead = (slice(None),) * (ctx.axis % g.ndim)
        for size in ctx.sizes:
            grads.append(g[lead + (slice(start, start + size),)])
            start += size
        return (*grads, None)


class Pad(Function):
    """y = x padded with a constant;  dx = the middle of g"""

    @staticmethod
    def forward(ctx, x, pad_width, value):
        ctx.middle = tuple(slice(before, before + n) for (before, _), n in zip(pad_width, x.shape))
        return ctx.xp.pad(x, pad_width or 0, constant_values=value)  # a 0-d x has no widths

    @staticmethod
    def backward(ctx, g):
        return g[ctx.middle], None, None


class Im2col(Function):
    """y[n, i, j, (c, a, b)] = x[n, c, i*sh + a, j*sw + b]: each kh x kw window of x (N, C, H, W)
    as one row, so that a convolution is one matrix product;  dx = the rows added back (Col2im)"""

    @staticmethod
    def forward(ctx, x, kernel, stride):
        (kh, kw), (sh, sw) = kernel, stride
        windows = ctx.xp.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
        n, c, oh, ow = windows.shape[:4]
        ctx.input_shape, ctx.kernel, ctx.stride = x.shape, kernel, stride
        return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n, oh, ow, c * kh * kw)

    @staticmethod
    def backward(ctx, g):
        return Col2im.apply(g, ctx.input_shape, ctx.kernel, ctx.stride), None, None


class Col2im(Function):
    """y = zeros(shape) with each row of x added into its window (the adjoint of Im2col);
    dx = Im2col(g)"""

    @staticmethod
    def forward(ctx, x, shape, kernel, stride):
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
    def backward(ctx, g):
        return Im2col.apply(g, ctx.kernel, ctx.stride), None, None, None

