"""Activation layers beyond ReLU/Sigmoid/Tanh/Softmax (those are in layers.py): each a Module
without parameters whose forward is its nn.functional form, with PyTorch's names and arguments."""
from __future__ import annotations

from ..tensor import Tensor
from . import functional_activations as F
from .layers import Softmax
from .module import Module


class GELU(Module):
    """x * Phi(x); approximate="tanh" for the tanh approximation."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x)


class ELU(Module):
    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class CELU(ELU):
    def __init__(self, alpha: float = 1.0):
        if alpha == 0:
            raise ValueError("CELU: alpha must not be 0 (the input is divided by it)")
        super().__init__(alpha)

    def forward(self, x: Tensor) -> Tensor:
        return F.celu(x, self.alpha)


class SELU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.selu(x)


class Mish(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.mish(x)


class Hardtanh(Module):
    def __init__(self, min_val: float = -1.0, max_val: float = 1.0):
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"{type(self).__name__}: min_val ({min_val}) must not be greater than max_val ({max_val})")
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class ReLU6(Hardtanh):
    def __init__(self):
        super().__init__(0.0, 6.0)

    def extra_repr(self) -> str:
        return ""


class Hardswish(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.hardswish(x)


class Hardsigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.hardsigmoid(x)


class Softsign(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.softsign(x)


class LogSigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.logsigmoid(x)


class Softmin(Softmax):
    """Softmin along `dim` (NumPy's `axis` accepted too); the last axis by default, as Softmax here."""

    def forward(self, x: Tensor) -> Tensor:
        return F.softmin(x, self.dim)


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta; x itself where beta * x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        if beta == 0:
            raise ValueError("Softplus: beta must not be 0 (it divides by beta)")
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"
