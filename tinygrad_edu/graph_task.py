"""One backward pass's state (PyTorch's GraphTask): its settings, which every node's
`backward_step` sees, and, for `tg.grad()`, the gradients it must return instead of adding them
to `.grad` (its targets)."""
from __future__ import annotations

import itertools
from typing import Iterable

from .graph import node_of
from .tensor import Tensor

_numbers = itertools.count(1)


class Backward:
    """One backward pass: its settings, which every node's backward_step sees, and the gradients
    it is asked to return (grad()'s targets) instead of accumulating them."""

    __slots__ = ("number", "create_graph", "retain_graph", "accumulate", "handed_out", "wanted")

    def __init__(self, create_graph: bool, retain_graph: bool, targets: Iterable[Tensor] | None):
        self.number = next(_numbers)  # marks the nodes this pass runs and the .grad it writes (viz)
        self.create_graph, self.retain_graph = bool(create_graph), retain_graph
        self.accumulate = targets is None
        self.wanted = () if targets is None else dict.fromkeys(map(node_of, targets))  # node -> its gradient
        self.handed_out = set()  # ids of gradients given out already (so that no two .grad alias)

    def first_gradients(self, roots: list, root_grads: list) -> dict:
        """{node: gradient} for the nodes of `roots` (summed where a root appears twice)."""
        grads = {}
        for root, g in zip(roots, root_grads):
            node = node_of(root)
            grads[node] = g if node not in grads else grads[node] + g
            self.handed_out.add(id(g))
        return grads

    def results(self, targets: Iterable[Tensor] | None) -> list | None:
        """grad()'s answer: the gradient that reached each target (None where none did)."""
        return None if targets is None else [_returned(self.wanted[node_of(t)]) for t in targets]


def _returned(g):
    """A gradient handed to the caller of grad(): a Tensor that shares memory with nothing else."""
    if g is None or isinstance(g, Tensor):
        return g
    return Tensor._from_op(g.copy() if g.base is not None or not getattr(g.flags, "writeable", True) else g)
