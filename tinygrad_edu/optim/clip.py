"""Gradient clipping, in place on the `.grad` of each parameter (PyTorch's names)."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor
from ..versions import mark_written


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0) -> float:
    """Scale all gradients together so that their joint norm is at most `max_norm`; returns the
    norm before clipping."""
    grads = [p.grad._data for p in _with_grad(parameters)]
    if not grads:
        return 0.0
    if norm_type == np.inf:
        total = max(float(abs(g).max()) for g in grads)
    else:
        total = float(sum(float((abs(g) ** norm_type).sum()) for g in grads) ** (1.0 / norm_type))
    scale = max_norm / (total + 1e-6)
    if scale < 1:
        for g in grads:
            g *= scale
            mark_written(g)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every gradient element into [-clip_value, clip_value]."""
    for p in _with_grad(parameters):
        g = p.grad._data
        g.clip(-clip_value, clip_value, out=g)
        mark_written(g)


def _with_grad(parameters):
    parameters = [parameters] if hasattr(parameters, "grad") else list(parameters)
    return [p for p in parameters if p.grad is not None]
