"""Tensor hooks and retained gradients, run by the engine as a gradient passes a node.

`t.register_hook(fn)` calls fn with the gradient flowing into t; a Tensor it returns replaces
the gradient. A leaf keeps its hooks (they run on its accumulate node, with its whole gradient);
an op's output keeps them on the op that made it. `t.retain_grad()` keeps an intermediate
tensor's gradient in its `.grad`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .graph import accumulate
from .tracing import active as jit_trace, refuse
from .tensor import Tensor

if TYPE_CHECKING:
    from .graph_task import Backward
    from .graph import Node
    from .ops.array import Array


def run_hooks(node: Node, g: Array, run: Backward) -> Array:
    """g after the hooks of the tensor behind `node`; also kept in its `.grad` if retained."""
    if jit_trace() is not None:
        refuse("a gradient hook (register_hook) or retain_grad() would not run on replay")
    for hook in node.hooks or ():
        result = hook(g if isinstance(g, Tensor) else Tensor._from_op(g))
        if result is not None:
            if not isinstance(result, Tensor) or result.shape != g.shape:
                raise ValueError(f"register_hook: a hook must return None or a Tensor of shape {g.shape}, "
                                 f"got {result!r:.60}")
            g = result if run.create_graph else result._data
    tensor = node.retained() if node.retained is not None else None
    if tensor is not None:
        accumulate(tensor, g, run)
    return g
