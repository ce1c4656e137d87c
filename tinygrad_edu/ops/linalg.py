"""The matrix product, for 1-D, 2-D and batched operands."""
from __future__ import annotations

from ..function import Function
from .array import Array


class Matmul(Function):
    """y = a @ b (1-D, 2-D or batched);  da = g @ b^T, db = a^T @ g"""

    @staticmethod
    def forward(ctx, a: Array, b: Array) -> Array:
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError("matmul needs operands with at least one dimension")
        k_a, k_b = a.shape[-1], b.shape[0] if b.ndim == 1 else b.shape[-2]
        if k_a != k_b:
            raise ValueError(f"not aligned ({k_a} != {k_b})")
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g: Array) -> tuple[Array, Array]:
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 or b.ndim == 1:
            return _matmul_vector_backward(a, b, g, need_a, need_b)
        return (g @ _swap_last(b) if need_a else None), (_swap_last(a) @ g if need_b else None)


def _swap_last(x: Array) -> Array:
    """x with its last two axes swapped (the matrix transpose of each item of a batch)."""
    return x.T if x.ndim == 2 else x.swapaxes(-1, -2)


def _matmul_vector_backward(a: Array, b: Array, g: Array, need_a: bool, need_b: bool) -> tuple[Array, Array]:
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
