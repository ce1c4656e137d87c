"""Elementwise primitives: arithmetic, the smooth functions, comparisons by mask, casts and moves."""
from __future__ import annotations

import numpy

from ..function import Function
from ..device import device_of, to_device
from .array import Array


class Add(Function):
    """y = a + b;  da = g, db = g"""

    @staticmethod
    def forward(ctx, a: Array, b: Array) -> Array:
        return a + b

    @staticmethod
    def backward(ctx, g: Array) -> tuple[Array, Array]:
        return g, g


class Sub(Function):
    """y = a - b;  da = g, db = -g"""

    @staticmethod
    def forward(ctx, a: Array, b: Array) -> Array:
        return a - b

    @staticmethod
    def backward(ctx, g: Array) -> tuple[Array, Array]:
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """y = a * b;  da = g * b, db = g * a"""

    @staticmethod
    def forward(ctx, a: Array, b: Array) -> Array:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g: Array) -> tuple[Array, Array]:
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)


class Div(Function):
    """y = a / b;  da = g / b, db = -g * a / b**2 = -g * y / b"""

    @staticmethod
    def forward(ctx, a: Array, b: Array) -> Array:
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g: Array) -> tuple[Array, Array]:
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = g / b
        return (ga if need_a else None), (-ga * a / b if need_b else None)


class Neg(Function):
    """y = -x;  dx = -g"""

    @staticmethod
    def forward(ctx, x: Array) -> Array:
        return -x

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return -g


class Pow(Function):
    """y = a ** b;  da = g * b * a**(b-1), db = g * y * log(a)  (0 where b = 0, resp. a = 0 <= b)"""

    @staticmethod
    def forward(ctx, a: Array, b: Array) -> Array:
        y = ctx.xp.power(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, g: Array) -> tuple[Array, Array]:
        a, b, y = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        xp, zero = ctx.xp, ctx.xp.zeros_like(g)
        with numpy.errstate(divide="ignore", invalid="ignore"):  # the masked places compute 0 * inf
            # b = 0: y = 1 whatever a is, so da = 0 (0 * 0 ** -1 would be nan)
            ga = xp.where(b == 0, zero, g * b * a ** (b - 1)) if need_a else None
            # a = 0, b >= 0: y = 0 ** b is flat in b from the right, so db = 0 (PyTorch's choice)
            gb = (xp.where(a == 0, xp.where(b >= 0, zero, g * y * xp.log(a)), g * y * xp.log(a))
                  if need_b else None)
        return ga, gb


class Exp(Function):
    """y = exp(x);  dx = g * y"""

    @staticmethod
    def forward(ctx, x: Array) -> Array:
        y = ctx.xp.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (y,) = ctx.saved_tensors
        return g * y


class Log(Function):
    """y = log(x);  dx = g / x"""

    @staticmethod
    def forward(ctx, x: Array) -> Array:
        ctx.save_for_backward(x)
        return ctx.xp.log(x)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g / x


class Sin(Function):
    """y = sin(x);  dx = g * cos(x)"""

    @staticmethod
    def forward(ctx, x: Array) -> Array:
        ctx.save_for_backward(x)
        return ctx.xp.sin(x)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g * ctx.xp.cos(x)


class Cos(Function):
    """y = cos(x);  dx = -g * sin(x)"""

    @staticmethod
    def forward(ctx, x: Array) -> Array:
        ctx.save_for_backward(x)
        return ctx.xp.cos(x)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return -g * ctx.xp.sin(x)


class Abs(Function):
    """y = |x|;  dx = g * sign(x)  (0 at x = 0, as in PyTorch)"""

    @staticmethod
    def forward(ctx, x: Array) -> Array:
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g * ctx.xp.sign(x)


class Tanh(Function):
    """y = tanh(x);  dx = g * (1 - y**2)"""

    # primitive: one ufunc instead of four ops through sigmoid, and exact for large |x|
    @staticmethod
    def forward(ctx, x: Array) -> Array:
        y = ctx.xp.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (y,) = ctx.saved_tensors
        return g * (1 - y * y)


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x)) = (1 + tanh(x/2)) / 2;  dx = g * y * (1 - y)"""

    # primitive: 1/(1+exp(-x)) overflows for x << 0; the tanh form never does
    @staticmethod
    def forward(ctx, x: Array) -> Array:
        half = x.dtype.type(0.5)  # typed, so that NumPy 1.x keeps a 0-d float32 in float32
        y = half + half * ctx.xp.tanh(half * x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (y,) = ctx.saved_tensors
        return g * y * (1 - y)


class Softplus(Function):
    """y = log(1 + exp(x));  dx = g * sigmoid(x)"""

    # primitive: the stable composite relu(x) + log(1 + exp(-|x|)) has gradient 0 at x = 0, not 1/2
    @staticmethod
    def forward(ctx, x: Array) -> Array:
        ctx.save_for_backward(x)
        return ctx.xp.logaddexp(x.dtype.type(0), x)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (x,) = ctx.saved_tensors
        return g * (0.5 + 0.5 * ctx.xp.tanh(0.5 * x))


class Relu(Function):
    """y = max(x, 0);  dx = g where x > 0, else 0"""

    # primitive: the hot activation of every MLP, one op instead of maximum's mask arithmetic.
    # NumPy's maximum has a vector loop only for two arrays: on a 128x100 activation it takes
    # 1.1 µs against an array of zeros and 4.6 µs against the number 0. Filling the zeros costs
    # 1.7 µs here; a tg.jit replay fills them once.
    @staticmethod
    def forward(ctx, x: Array) -> Array:
        y = ctx.xp.maximum(x, ctx.xp.zeros_like(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        (y,) = ctx.saved_tensors
        return g * (y > 0)


class Maximum(Function):
    """y = max(a, b);  the larger input gets g; on a tie each gets g / 2 (as in PyTorch)"""

    @staticmethod
    def forward(ctx, a: Array, b: Array) -> Array:
        ctx.save_for_backward(a, b)
        return ctx.xp.maximum(a, b)

    @staticmethod
    def backward(ctx, g: Array) -> tuple[Array, Array]:
        a, b = ctx.saved_tensors
        share_a = (a > b) + 0.5 * (a == b)
        return g * share_a, g * (1 - share_a)


class Where(Function):
    """y = b where cond else c;  db = g where cond, dc = g elsewhere (cond gets no gradient)"""

    @staticmethod
    def forward(ctx, cond: Array, b: Array, c: Array) -> Array:
        ctx.save_for_backward(cond)
        return ctx.xp.where(cond, b, c)

    @staticmethod
    def backward(ctx, g: Array) -> tuple[Array, Array, Array]:
        (cond,) = ctx.saved_tensors
        _, need_b, need_c = ctx.needs_input_grad
        zero = ctx.xp.zeros_like(g)
        return (None, ctx.xp.where(cond, g, zero) if need_b else None,
                ctx.xp.where(cond, zero, g) if need_c else None)


class Cast(Function):
    """y = x as another dtype;  dx = g (the engine casts it back to x's dtype)"""

    @staticmethod
    def forward(ctx, x: Array, *, dtype: numpy.dtype) -> Array:
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return g


class Clone(Function):
    """y = a copy of x;  dx = g"""

    @staticmethod
    def forward(ctx, x: Array) -> Array:
        return x.copy()

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return g


class ToDevice(Function):
    """y = x, copied to another device;  dx = g, copied back to x's device"""

    @staticmethod
    def forward(ctx, x: Array, *, device: str) -> Array:
        ctx.source = device_of(x)
        return to_device(x, device)

    @staticmethod
    def backward(ctx, g: Array) -> Array:
        return ToDevice.apply(g, device=ctx.source)  # a Tensor even for an array g: the engine unwraps it
