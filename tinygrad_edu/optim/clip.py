"""Gradient clipping, in place on the `.grad` of each parameter (PyTorch's names)."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..device import array_namespace
from ..tensor import Tensor
from ..versions import mark_written


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0) -> Tensor:
    """Scale all gradients together so that their joint norm is at most `max_norm`; returns the
    norm before clipping, a 0-d float64 Tensor (PyTorch returns a Tensor too).

    No `if` on the norm: every gradient is multiplied by min(1, max_norm / (norm + 1e-6)), which
    leaves it unchanged (bit for bit) when it is small enough, as in PyTorch; so the step never
    reads a value back into Python, and tg.jit can replay it."""
    grads = [p.grad._data for p in _with_grad(parameters)]
    if not grads:
        return Tensor(0.0, dtype=np.float64)
    xp = array_namespace(grads[0])
    if norm_type == np.inf:
        total = xp.stack([abs(g).max().astype(np.float64) for g in grads]).max()
    else:
        total = xp.stack([(abs(g) ** norm_type).sum().astype(np.float64) for g in grads]).sum() ** (1.0 / norm_type)
    scale = xp.minimum(max_norm / (total + 1e-6), 1.0)
    for g in grads:
        g *= scale.astype(g.dtype)
        mark_written(g)
    return Tensor._from_op(total)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every gradient element into [-clip_value, clip_value]."""
    for p in _with_grad(parameters):
        g = p.grad._data
        g.clip(-clip_value, clip_value, out=g)
        mark_written(g)


def _with_grad(parameters):
    parameters = [parameters] if hasattr(parameters, "grad") else list(parameters)
    return [p for p in parameters if p.grad is not None]
