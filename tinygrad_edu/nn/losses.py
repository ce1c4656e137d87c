"""Losses as Modules (the same computations as nn.functional)."""
from __future__ import annotations

from . import functional as F
from .module import Module


class _Loss(Module):
    function = None

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in F.REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {F.REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def forward(self, input, target):
        return type(self).function(input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    function = staticmethod(F.cross_entropy)


class NLLLoss(_Loss):
    function = staticmethod(F.nll_loss)


class MSELoss(_Loss):
    function = staticmethod(F.mse_loss)


class BCELoss(_Loss):
    function = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    function = staticmethod(F.binary_cross_entropy_with_logits)
