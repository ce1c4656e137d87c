"""Activation functions beyond relu/sigmoid/tanh, with PyTorch's names and arguments: F.gelu,
F.silu, F.elu, ... Each is a composite of Tensor ops, except gelu's erf (ops.Erf, a primitive).
Piecewise functions take their gradient at a kink from the side PyTorch takes it from."""
from __future__ import annotations

import math

from .. import ops
from ..functions import where
from ..tensor import Tensor

__all__ = ["gelu", "silu", "elu", "selu", "celu", "mish", "hardtanh", "relu6", "hardswish", "hardsigmoid",
           "softsign", "logsigmoid", "softmin", "softplus"]

_SELU_ALPHA = 1.6732632423543772848170429916717  # the constants of Klambauer et al. (2017), as PyTorch's
_SELU_SCALE = 1.0507009873554804934193349852946


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF: x/2 * (1 + erf(x/sqrt(2))); with approximate="tanh",
    x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x**3)))."""
    x = input._floating()
    if approximate == "none":
        return x * 0.5 * (1 + ops.Erf.apply(x * math.sqrt(0.5)))
    if approximate == "tanh":
        return x * 0.5 * (1 + ((x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)).tanh())
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: Tensor) -> Tensor:
    """x * sigmoid(x) (also called swish)."""
    x = input._floating()
    return x * x.sigmoid()


def _elu(x: Tensor, alpha: float, inner: float) -> Tensor:
    """x where x > 0, else alpha * (exp(inner * x) - 1); the gradient at 0 is the left side's."""
    positive = x._data > 0
    # exp only ever sees x <= 0: no overflow, and no nan gradient (0 * inf) from the branch not taken.
    # exp(u) - 1 = 2t / (1 - t) with t = tanh(u/2): no cancellation for small |u| (an expm1 made of tanh)
    t = (where(positive, 0.0, x) * (inner / 2)).tanh()
    return where(positive, x, t * (2 * alpha) / (1 - t))


def elu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """x where x > 0, else alpha * (exp(x) - 1)."""
    return _elu(input._floating(), alpha, 1.0)


def selu(input: Tensor) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants alpha = 1.6733, scale = 1.0507."""
    return _elu(input._floating(), _SELU_ALPHA, 1.0) * _SELU_SCALE


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """x where x > 0, else alpha * (exp(x / alpha) - 1)."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (the input is divided by it)")
    return _elu(input._floating(), alpha, 1 / alpha)


def mish(input: Tensor) -> Tensor:
    """x * tanh(softplus(x))."""
    x = input._floating()
    return x * x.softplus().tanh()


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clipped to [min_val, max_val]; the gradient passes only strictly inside (as PyTorch's)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not be greater than max_val ({max_val})")
    x = input._floating()
    inside = (x._data > min_val) & (x._data < max_val)
    return where(inside, x, x.xp.clip(x._data, min_val, max_val).astype(x.dtype, copy=False))


def relu6(input: Tensor) -> Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0)


def hardsigmoid(input: Tensor) -> Tensor:
    """min(max(x + 3, 0), 6) / 6: 0 below -3, 1 above 3, linear between."""
    return hardtanh(input._floating() + 3, 0.0, 6.0) / 6


def hardswish(input: Tensor) -> Tensor:
    """x * min(max(x + 3, 0), 6) / 6."""
    x = input._floating()
    return x * hardtanh(x + 3, 0.0, 6.0) / 6


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    x = input._floating()
    return x / (1 + x.abs())


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -(-input._floating()).softplus()


def softmin(input: Tensor, dim: int = -1) -> Tensor:
    """softmax(-x) along dim (the last axis by default, as F.softmax here)."""
    return (-input._floating()).softmax(dim)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta; x itself where beta * x > threshold."""
    return input.softplus(beta, threshold)
