"""Gradients of gradients (`create_graph=True`): the backward formulas run on Tensors.

An op's backward is written once, for arrays: with operators and methods that arrays and Tensors
share (`+ * @ .sum .reshape ...`) and with `ctx.xp` for functions. On the first-order path
`ctx.xp` is the array library (NumPy or CuPy). Under create_graph it is `graph_xp` below: the
same names, computed with Tensor ops, so the gradient a formula builds is itself differentiable.
A name that `graph_xp` does not offer raises an error that names it and what to write instead,
rather than working at first order and failing at second.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from .functions import maximum, minimum, where
from .graph import AccumulateGrad
from .tensor import Tensor, _as_tensor

if TYPE_CHECKING:
    from .function import Function


def backward_with_graph(ctx: Function, g: Tensor) -> Tensor | tuple:
    """Run the op's backward on Tensors: the saved inputs and outputs become Tensors connected to
    the graph (other saved arrays stay constants) and `ctx.xp` is `graph_xp`, so the gradient it
    returns is itself differentiable."""
    saved, array_xp = ctx.saved_tensors, ctx.xp
    ctx.saved_tensors, ctx.xp = _saved_as_tensors(ctx, saved), graph_xp
    try:
        return type(ctx).backward(ctx, g)
    finally:
        ctx.saved_tensors, ctx.xp = saved, array_xp


def _saved_as_tensors(ctx, saved: tuple) -> tuple:
    if not saved:
        return saved
    origin = {i: node for i, node in zip(ctx.input_ids, ctx.next_functions) if node is not None}
    origin.setdefault(ctx.output_id, ctx)
    return tuple(s if origin.get(id(s)) is None else _tensor_of(origin[id(s)], s) for s in saved)


def _tensor_of(node, data) -> Tensor:
    """A Tensor standing for `node`'s output in the graph: a leaf itself, or a stand-in whose
    grad_fn is the op (gradients are kept per node, so any stand-in will do)."""
    if isinstance(node, AccumulateGrad):
        return node.leaf
    t = Tensor._from_op(data)
    t._grad_fn, t._requires_grad = node, True
    return t


def _constant(fill):
    """A function of x whose result is a constant (piecewise constant: no gradient flows)."""
    return lambda x: Tensor._from_op(fill(_as_tensor(x)))


class GraphNamespace:
    """`ctx.xp` under create_graph: NumPy's names for differentiable Tensor functions."""

    exp = staticmethod(lambda x: _as_tensor(x).exp())
    log = staticmethod(lambda x: _as_tensor(x).log())
    sqrt = staticmethod(lambda x: _as_tensor(x).sqrt())
    square = staticmethod(lambda x: _as_tensor(x) * x)
    abs = staticmethod(lambda x: _as_tensor(x).abs())
    sin = staticmethod(lambda x: _as_tensor(x).sin())
    cos = staticmethod(lambda x: _as_tensor(x).cos())
    tanh = staticmethod(lambda x: _as_tensor(x).tanh())
    broadcast_to = staticmethod(lambda x, shape: _as_tensor(x).broadcast_to(shape))
    maximum, minimum, where = staticmethod(maximum), staticmethod(minimum), staticmethod(where)
    sign = staticmethod(_constant(lambda t: t.xp.sign(t.data)))
    zeros_like = staticmethod(_constant(lambda t: t.xp.zeros_like(t.data)))
    ones_like = staticmethod(_constant(lambda t: t.xp.ones_like(t.data)))

    def __getattr__(self, name: str) -> NoReturn:
        offered = ", ".join(sorted(n for n in vars(GraphNamespace) if not n.startswith("_")))
        raise AttributeError(
            f"ctx.xp.{name} is not differentiable under create_graph=True: a backward formula may use "
            f"ctx.xp.{{{offered}}}, operators (+ - * / ** @) and Tensor methods (.sum .reshape .T ...); "
            f"write {name} with those, so that the gradient is itself differentiable")


graph_xp = GraphNamespace()
