"""F.linear and its fused op, LinearOp: kept apart so that conv2d (functional_conv.py) can use it."""
from __future__ import annotations

from ..function import Function
from ..ops.array import Array
from ..tensor import Tensor


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x @ weight.T + bias, with weight of shape (out_features, in_features) as in PyTorch
    (the book stores its transpose, (in, out), and computes x @ W + b)."""
    x_shape, w_shape = x._data.shape, weight._data.shape
    if len(w_shape) != 2 or x_shape[-1:] != w_shape[1:]:
        raise ValueError(f"linear: input of shape {x_shape} does not match weight of shape "
                         f"{w_shape} (out_features, in_features)")
    if bias is not None and bias._data.shape != w_shape[:1]:
        raise ValueError(f"linear: bias of shape {bias.shape} does not match weight of shape {weight.shape}")
    return LinearOp.apply(x, weight, bias)


class LinearOp(Function):
    """y = x @ w.T + b, w of shape (out_features, in_features) as in PyTorch;
    dx = g @ w, dw = g^T x and db = g summed over the leading axes.
    Named LinearOp, not Linear: nn.Linear is the layer (a Module owning w and b); this is the op
    F.linear records, one node of the graph (`linear_op` in error messages)."""

    # fused because it is the hottest layer of every network: one op and one output array instead
    # of two ops (matmul, add) and a temporary (the bias is added in place)
    @staticmethod
    def forward(ctx, x: Array, w: Array, b: Array | None) -> Array:
        ctx.save_for_backward(x, w)
        y = x @ w.T
        if b is not None:
            if b.dtype == y.dtype and b.ndim <= y.ndim:
                y += b
            else:
                y = y + b
        return y

    @staticmethod
    def backward(ctx, g: Array) -> tuple[Array, Array, Array]:
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        gx = g @ w if need_x else None
        rows = g.reshape(-1, g.shape[-1])  # leading axes are batch axes
        gw = rows.T @ x.reshape(-1, x.shape[-1]) if need_w else None
        return gx, gw, (rows.sum(axis=0) if need_b else None)
