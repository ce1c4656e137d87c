"""The recorded graph: its nodes, the one walker over them, and the leaves' accumulate nodes.

A node is an op (a `Function` object, the `grad_fn` of the Tensor it made) or an `AccumulateGrad`
(the end of every path at a leaf that requires grad). Each node lists where its inputs came from
in `next_functions`: a node, or None for an input that needs no gradient. `generation` orders
them: an op's is one more than its inputs' highest, a leaf's accumulate node's is -1, so walking
latest generation first reaches a node only after every node that sends it a gradient.
"""
from __future__ import annotations

import threading
import weakref
from operator import attrgetter
from typing import TYPE_CHECKING

from .device import array_namespace
from .tensor import Tensor

if TYPE_CHECKING:
    from .graph_task import Backward
    from .function import Function
    from .ops.array import Array


def walk(roots: list[Node], stop: frozenset | set = frozenset()) -> list[Node]:
    """Every node reachable from the nodes `roots` (but not through the nodes in `stop`), each once,
    latest generation first: the order in which backward runs them. The one graph walker: the
    engine, viz and the tests use it."""
    mark = object()  # this walk's: a node that carries it has been reached already
    for node in (*roots, *stop):
        node.walked = mark
    order = list(roots)
    for node in order:  # breadth first: the list grows while the loop reads it
        for next_node in node.next_functions:
            if next_node is not None and next_node.walked is not mark:  # on the node: no table to grow
                next_node.walked = mark
                order.append(next_node)
    # A node's generation is above that of every node it sends gradients to, so in this order a
    # node runs only once all its gradients have arrived. The sort is stable: ties keep the order reached.
    order.sort(key=_generation, reverse=True)
    return order


_generation = attrgetter("generation")


def node_of(t: Tensor) -> Node:
    """The node a gradient for Tensor `t` goes to: its grad_fn, or its leaf's accumulate node."""
    return t._grad_fn if t._grad_fn is not None else accumulator_of(t)


_making = threading.Lock()  # two threads using one leaf must not make it two accumulate nodes


def accumulator_of(leaf: Tensor) -> AccumulateGrad:
    """The leaf's one AccumulateGrad node (the leaf holds it weakly, the graph strongly)."""
    with _making:
        node = leaf._accumulator and leaf._accumulator()
        if node is None:
            node = AccumulateGrad(leaf)
            leaf._accumulator = weakref.ref(node)
    return node


class AccumulateGrad:
    """The node at a leaf (PyTorch's AccumulateGrad): adds the gradient that reaches it to
    `leaf.grad`. Generation -1 makes it run after every op, once, with the whole gradient. It
    keeps the leaf's shape and dtype, which Tensor.data and Module.to update when they replace
    the leaf's values."""

    __slots__ = ("leaf", "ran_in", "out_shape", "out_dtype", "walked", "__weakref__")
    generation = -1
    next_functions = ()
    retained = None
    hooks = property(attrgetter("leaf._hooks"))  # a leaf's hooks stay on the leaf

    def __init__(self, leaf: Tensor):
        self.leaf, self.walked = leaf, None
        self.out_shape, self.out_dtype = leaf._data.shape, leaf._data.dtype

    @staticmethod
    def op_name() -> str:
        return "accumulate_grad"

    def backward_step(self, g: Array, run: Backward) -> tuple:
        """Add g to the leaf's .grad (not under grad(), which returns gradients instead)."""
        self.ran_in = run.number
        if run.accumulate:
            accumulate(self.leaf, g, run)
        return ()


def accumulate(t: Tensor, g: Array, run: Backward) -> None:
    """t.grad += g, without sharing memory: no two .grad arrays (and no .grad and input) alias."""
    t._grad_from = run.number  # which backward wrote this .grad last (viz tells stale gradients by it)
    if run.create_graph:
        g = g if isinstance(g, Tensor) else Tensor._from_op(g)
        if t.grad is None and id(g) in run.handed_out:
            g = g.clone()
        run.handed_out.add(id(g))
        t.grad = g if t.grad is None else t.grad + g
        return
    current = t.grad
    if current is None:
        # A fresh array nobody else holds can be kept; otherwise keep a copy.
        if id(g) in run.handed_out or g.base is not None or not getattr(g.flags, "writeable", True):
            g = g.copy()
        run.handed_out.add(id(g))
        t.grad = Tensor._from_op(g)
    elif current._grad_fn is None and current._data.dtype == g.dtype:
        total = current._data + g  # not +=: an op may have saved the old .grad array
        current._data = total if total.shape else array_namespace(g).asarray(total)
    else:
        t.grad = Tensor._from_op(current._data + g)


if TYPE_CHECKING:
    Node = Function | AccumulateGrad  # what walk() yields and next_functions hold (or None)
