"""Gradients of gradients (`create_graph=True`): the backward formulas run on Tensors.

An op's backward is written once, for arrays: with operators and methods that arrays and Tensors
share (`+ * @ .sum .reshape ...`) and with `ctx.xp` for functions. On the first-order path
`ctx.xp` is the array library (NumPy or CuPy). Under create_graph it is `graph_xp` below: the
same names, computed with Tensor ops, so the gradient a formula builds is itself differentiable.
A name that `graph_xp` does not offer raises an error that names it and what to write instead,
rather than working at first order and failing at second.
"""
from __future__ import annotations

from .functions import maximum, minimum, where
from .tensor import Tensor, _as_tensor


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

    def __getattr__(self, name: str):
        offered = ", ".join(sorted(n for n in vars(GraphNamespace) if not n.startswith("_")))
        raise AttributeError(
            f"ctx.xp.{name} is not differentiable under create_graph=True: a backward formula may use "
            f"ctx.xp.{{{offered}}}, operators (+ - * / ** @) and Tensor methods (.sum .reshape .T ...); "
            f"write {name} with those, so that the gradient is itself differentiable")


graph_xp = GraphNamespace()
