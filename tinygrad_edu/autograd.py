"""Where each part of reverse-mode autograd lives (PyTorch keeps the same parts apart in
torch/autograd/). Read them in this order:

- function.py: `Function`, the op base class; `apply` runs forward and records the op.
- graph.py: the nodes (ops, and the `AccumulateGrad` at each leaf) and `walk`, the one walker.
- engine.py: `run_backward` and `backpropagate`, the backward loop itself; graph_task.py: the
  state of one backward pass (its settings, grad()'s targets).
- hooks.py: tensor hooks and retained gradients; versions.py: in-place safety;
  higher_order.py: create_graph; anomaly_mode.py: NaN/Inf hunting; grad_mode.py: no_grad.

docs/engine.md follows one `loss.backward()` through them.
"""
from .versions import mark_written  # first: tensor.py's mixins need it while the rest loads
from .function import Function
from .anomaly_mode import detect_anomaly
from .engine import run_backward
from .graph import walk
from .tensor import grad

__all__ = ["Function", "detect_anomaly", "grad", "mark_written", "run_backward", "walk"]
