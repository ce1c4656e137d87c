"""More losses of nn.functional, as PyTorch's: kl_div, l1_loss, smooth_l1_loss, huber_loss. All are
composites of Tensor ops (no backward of their own); the shared helpers are functional_losses.py's."""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..functions import where
from ..tensor import Tensor
from .functional_losses import _check_reduction, _reduce, _same_shape

KL_REDUCTIONS = ("mean", "batchmean", "sum", "none")


def kl_div(input: Tensor, target: Tensor | npt.ArrayLike, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence of `target` from the distribution whose log-probabilities are `input`, pointwise
    t (log t - x) (0 where t = 0), or exp(t) (t - x) when `log_target` (t given as log-probabilities).
    As in PyTorch, 'mean' divides by every element; 'batchmean' (the KL divergence proper) by the
    batch size, input.shape[0]."""
    _check_reduction(reduction, "kl_div", KL_REDUCTIONS)
    target = _same_shape(input, target, "kl_div")
    if log_target:
        losses = target.exp() * (target - input)
    else:  # t log t, taken as 0 at t = 0 (its limit), with the log kept finite there
        t_log_t = where(target._data > 0, target * target.clamp(min=float(np.finfo(target.dtype).tiny)).log(), 0.0)
        losses = t_log_t - target * input
    if reduction == "batchmean":
        return losses.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(losses, reduction, "kl_div")


def l1_loss(input: Tensor, target: Tensor | npt.ArrayLike, reduction: str = "mean") -> Tensor:
    """Mean absolute error |x - t|."""
    return _reduce((input - _same_shape(input, target, "l1_loss")).abs(), reduction, "l1_loss")


def smooth_l1_loss(input: Tensor, target: Tensor | npt.ArrayLike, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, for d = x - t (l1_loss when beta = 0)."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must not be negative, got {beta}")
    d = input - _same_shape(input, target, "smooth_l1_loss")
    if beta == 0:
        return _reduce(d.abs(), reduction, "smooth_l1_loss")
    losses = where(abs(d._data) < beta, d * d * (0.5 / beta), d.abs() - 0.5 * beta)
    return _reduce(losses, reduction, "smooth_l1_loss")


def huber_loss(input: Tensor, target: Tensor | npt.ArrayLike, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), for d = x - t (delta * smooth_l1_loss
    with beta = delta)."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    d = input - _same_shape(input, target, "huber_loss")
    losses = where(abs(d._data) < delta, d * d * 0.5, (d.abs() - 0.5 * delta) * delta)
    return _reduce(losses, reduction, "huber_loss")
