"""The reverse-mode engine: backpropagation over the recorded graph.

`run_backward` is the textbook algorithm. Walk the graph from the output, latest node first
(graph.walk), so that a node runs only once every gradient sent to it has arrived; give each
node the sum of those gradients; its backward returns one gradient per input, each sent on to
the node that input came from. A leaf's accumulate node adds what reaches it to `.grad`.

Each feature around the loop is one call into its own module: hooks and retained gradients
(hooks.py), grad()'s targets (graph_task.py), in-place checks (versions.py), create_graph
(higher_order.py) and anomaly checks (anomaly_mode.py), the last three through the op's
`backward_step` (function.py), and leaf accumulation (graph.py). Gradients flow as
plain arrays, which is fast; with `create_graph=True` they flow as Tensors, so that they are
themselves differentiable.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

import numpy

from .grad_mode import restore, set_enabled
from .graph import walk
from .graph_task import Backward
from .hooks import run_hooks
from .tracing import active as jit_trace, refuse
from .ops.movement import sum_to
from .tensor import Tensor

if TYPE_CHECKING:
    from .graph import Node
    from .ops.array import Array


def run_backward(roots: list[Tensor], root_grads: list[Array], retain_graph: bool, create_graph: bool,
                 targets: Iterable[Tensor] | None = None) -> list | None:
    """Propagate `root_grads` from the Tensors `roots` back through the graph. With
    `targets=None` the gradients accumulate into the `.grad` of leaves that require grad;
    otherwise the gradients reaching the Tensors `targets` are returned (None where unreached)."""
    if jit_trace() is not None:
        _check_traceable(create_graph, targets)
    run = Backward(create_graph, retain_graph, targets)
    mode = set_enabled(run.create_graph)  # under create_graph, the backward formulas are recorded
    try:
        backpropagate(run.first_gradients(roots, root_grads), run)
    finally:
        restore(mode)
    return run.results(targets)


def _check_traceable(create_graph: bool, targets) -> None:
    """Refuse what tg.jit cannot replay: gradients that are themselves graphs, or grad()."""
    if create_graph:
        refuse("backward(create_graph=True) builds a graph of the gradients, which a replay does not")
    if targets is not None:
        refuse("tg.grad() returns gradients as new tensors; use backward() and .grad in a jitted step")


def backpropagate(grads: dict, run: Backward) -> None:
    """The backward loop. `grads` maps each node to the sum of the gradients sent to it so far."""
    wanted, create = run.wanted, run.create_graph
    for node in walk(list(grads)):  # latest first: every gradient for a node is in when it runs
        g = grads.pop(node, None)
        if g is None:
            continue  # reachable, but no gradient flows this way
        if node.hooks is not None:
            g = run_hooks(node, g, run)
        if node in wanted:
            wanted[node] = g
        for next_node, gx in zip(node.next_functions, node.backward_step(g, run)):
            if next_node is None or gx is None:
                continue
            if (isinstance(gx, Tensor) is not create or gx.shape != next_node.out_shape
                    or gx.dtype != next_node.out_dtype):
                gx = fit(gx, next_node, node, create)  # the engine's type, the input's shape and dtype
            previous = grads.get(next_node)
            grads[next_node] = gx if previous is None else previous + gx  # not in place: gx may be shared


def fit(gx: Array, next_node: Node, node: Node, create_graph: bool) -> Array:
    """Give a gradient the engine's type (array, or Tensor under create_graph) and its input's
    shape (a broadcast is summed back down) and dtype, or explain what `node`'s backward got wrong."""
    shape, dtype = next_node.out_shape, next_node.out_dtype
    if create_graph:
        gx = gx if isinstance(gx, Tensor) else Tensor._from_op(gx)
    elif isinstance(gx, Tensor):
        gx = gx._data
    elif isinstance(gx, numpy.generic):
        gx = numpy.asarray(gx)
    if gx.shape != shape:
        summed = sum_to(gx, shape) if gx.ndim >= len(shape) else gx
        if summed.shape != shape:
            raise ValueError(f"{type(node).__name__}.backward returned a gradient of shape "
                             f"{gx.shape} for an input of shape {shape}")
        gx = summed
    return gx if gx.dtype == dtype else gx.astype(dtype)
