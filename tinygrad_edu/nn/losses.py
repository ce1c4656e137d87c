"""Losses as Modules (the same computations as nn.functional)."""
from __future__ import annotations

import numpy.typing as npt

from ..tensor import Tensor
from . import functional as F
from .module import Module


class _Loss(Module):
    function = None
    reductions = F.REDUCTIONS

    def __init__(self, reduction: str = "mean", **options):
        super().__init__()
        if reduction not in self.reductions:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {self.reductions}, got {reduction!r}")
        self.reduction, self.options = reduction, options

    def forward(self, input: Tensor, target: Tensor | npt.ArrayLike) -> Tensor:
        return type(self).function(input, target, reduction=self.reduction, **self.options)

    def extra_repr(self) -> str:
        shown = [f"{k}={v!r}" for k, v in self.options.items() if v is not None and not isinstance(v, Tensor)]
        return ", ".join([f"reduction={self.reduction!r}"] + shown)


def _weight(weight, who: str):
    if isinstance(weight, str):  # PyTorch's loss modules take weight first, reduction by keyword
        raise TypeError(f"{who}: the first argument is weight (per class); give reduction={weight!r} by keyword")
    return weight


class CrossEntropyLoss(_Loss):
    function = staticmethod(F.cross_entropy)

    def __init__(self, weight: Tensor | npt.ArrayLike | None = None, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__(reduction, weight=_weight(weight, "CrossEntropyLoss"), ignore_index=ignore_index,
                         label_smoothing=label_smoothing)


class NLLLoss(_Loss):
    function = staticmethod(F.nll_loss)

    def __init__(self, weight: Tensor | npt.ArrayLike | None = None, ignore_index: int = -100,
                 reduction: str = "mean"):
        super().__init__(reduction, weight=_weight(weight, "NLLLoss"), ignore_index=ignore_index)


class MSELoss(_Loss):
    function = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    function = staticmethod(F.l1_loss)


class SmoothL1Loss(_Loss):
    function = staticmethod(F.smooth_l1_loss)

    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction, beta=beta)


class HuberLoss(_Loss):
    function = staticmethod(F.huber_loss)

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction, delta=delta)


class KLDivLoss(_Loss):
    function = staticmethod(F.kl_div)
    reductions = F.KL_REDUCTIONS

    def __init__(self, reduction: str = "mean", log_target: bool = False):
        super().__init__(reduction, log_target=log_target)


class BCELoss(_Loss):
    function = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    function = staticmethod(F.binary_cross_entropy_with_logits)

    def __init__(self, weight: Tensor | npt.ArrayLike | None = None, reduction: str = "mean",
                 pos_weight: Tensor | npt.ArrayLike | None = None):
        super().__init__(reduction, weight=_weight(weight, "BCEWithLogitsLoss"), pos_weight=pos_weight)
