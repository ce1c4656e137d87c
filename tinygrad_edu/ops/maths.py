"""Elementwise maths primitives: the steps (sign, round, floor, ceil, trunc: gradient 0, as in
PyTorch), the inverse trigonometric and hyperbolic functions, and fmod. The rest of the family
(log2, tan, sinh, lerp, ...) is composed in tinygrad_edu/maths.py."""
from __future__ import annotations

import numpy

from ..function import Function
from .array import Array


# primitive: piecewise constant, so no composite of smooth ops gives its zero gradient
class Step(Function):
    """y = sign(x), round(x, decimals), floor(x), ceil(x) or trunc(x), by `name`;  dx = 0"""

    @staticmethod
    def forward(ctx, x: Array, *, name: str, decimals: int = 0) -> Array:
        return ctx.xp.round(x, decimals) if name == "round" else getattr(ctx.xp, name)(x)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return ctx.xp.zeros_like(g)


# primitive (each inverse function): no exact composite of the ops we have (asin(x) is not
# atan(x / sqrt(1 - x^2)) without atan; asinh(x) = log(x + sqrt(x^2 + 1)) cancels for x << 0)
class Asin(Function):
    """y = asin(x);  dx = g / sqrt(1 - x^2)"""

    @staticmethod
    def forward(ctx, x: Array) -> Array:
        ctx.save_for_backward(x)
        return ctx.xp.arcsin(x)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g / ctx.xp.sqrt(1 - x * x)


class Acos(Function):
    """y = acos(x);  dx = -g / sqrt(1 - x^2)"""

    @staticmethod
    def forward(ctx, x: Array) -> Array:
        ctx.save_for_backward(x)
        return ctx.xp.arccos(x)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return -g / ctx.xp.sqrt(1 - x * x)


class Atan(Function):
    """y = atan(x);  dx = g / (1 + x^2)"""

    @staticmethod
    def forward(ctx, x: Array) -> Array:
        ctx.save_for_backward(x)
        return ctx.xp.arctan(x)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g / (1 + x * x)


class Asinh(Function):
    """y = asinh(x);  dx = g / sqrt(x^2 + 1)"""

    @staticmethod
    def forward(ctx, x: Array) -> Array:
        ctx.save_for_backward(x)
        return ctx.xp.arcsinh(x)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g / ctx.xp.sqrt(x * x + 1)


class Acosh(Function):
    """y = acosh(x);  dx = g / sqrt(x^2 - 1)"""

    @staticmethod
    def forward(ctx, x: Array) -> Array:
        ctx.save_for_backward(x)
        return ctx.xp.arccosh(x)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g / ctx.xp.sqrt(x * x - 1)


class Atanh(Function):
    """y = atanh(x);  dx = g / (1 - x^2)"""

    @staticmethod
    def forward(ctx, x: Array) -> Array:
        ctx.save_for_backward(x)
        return ctx.xp.arctanh(x)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g / (1 - x * x)


class Fmod(Function):
    """y = a - b * trunc(a / b), with a's sign;  da = g, db = -g * trunc(a / b)"""

    # primitive: fmod is exact in floating point; the composite's a / b rounds, so it can miss by b
    @staticmethod
    def forward(ctx, a: Array, b: Array) -> Array:
        with numpy.errstate(divide="ignore", invalid="ignore"):  # b = 0 gives nan, as in PyTorch
            ctx.save_for_backward(ctx.xp.trunc(a / b))  # a constant: the quotient carries no gradient
            return ctx.xp.fmod(a, b)

    @staticmethod
    def backward(ctx, g: Array) -> tuple[Array, Array]:
        (q,) = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g if need_a else None), (-g * q if need_b else None)
