"""Fused ops: what could be written with the primitives, kept as one op each for a reason stated in
its comment (speed on the hot path of every network, or numerical stability): log-softmax,
the linear layer, softmax cross-entropy, and im2col/col2im for convolution."""
from __future__ import annotations

from ..function import Function
from ..device import array_namespace


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
            one_hot = t[..., None] == array_namespace(t).arange(x.shape[-1])  # labels are constant arrays
            return (e / e.sum(axis=-1, keepdims=True) - one_hot) * g, None, None
        gx = (e / e.sum(axis=-1, keepdims=True) * t.sum(axis=-1, keepdims=True) - t) * g
        gt = (xp.log(e.sum(axis=-1, keepdims=True)) - z) * g if ctx.needs_input_grad[1] else None
        return gx, gt, None


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
