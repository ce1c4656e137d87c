"""Tensor methods that compute elementwise: operands promoted as in PyTorch, the operators' method
forms, comparisons, and the smooth functions (an int tensor's exp is float32, as in PyTorch).
The operators themselves (`+`, `*`, ...) are made in tensor.py, which holds their fast path."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import ops
from .device import array_namespace, is_array, to_library_of
from .dtypes import DEFAULT_FLOAT, as_array, result_type, scalar_dtype

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .tensor import Tensor

    TensorLike = Tensor | ArrayLike  # a Tensor, or what Tensor() takes: a number, a list, an array


class Elementwise:
    __slots__ = ()


    def _operand(self, other):
        """`other` as an operand beside self: a Tensor as it is; a number, list or array as an
        array on self's device, a number typed by PyTorch's rule (0.5 never turns float32 into
        float64; an int tensor times 0.5 is float32)."""
        if isinstance(other, Elementwise):
            return other
        if isinstance(other, (float, int, np.number)):
            xp = np if type(self._data) is np.ndarray else array_namespace(self._data)
            return xp.asarray(other, dtype=scalar_dtype(other, self._data.dtype))
        if is_array(other):
            return other
        if other is None or isinstance(other, (str, bytes, dict, set)):
            raise TypeError(f"Tensor: cannot compute with {type(other).__name__} {other!r:.40}; "
                            "use a number, a list of numbers, an array or a Tensor")
        values = as_array(other, self._data.dtype if self._data.dtype.kind in "fc" else None)
        return values if type(self._data) is np.ndarray else to_library_of(values, self._data)

    def _pair(self, other):
        """(self, other) for a binary op: both of the dtype PyTorch's promotion gives."""
        data = self._data
        if isinstance(other, Elementwise):
            if other._data.dtype == data.dtype:
                return self, other
        elif data.dtype.kind == "f" and isinstance(other, (float, int)):  # the common case, fast
            return self, (np if type(data) is np.ndarray else array_namespace(data)).asarray(
                other, dtype=data.dtype)
        other = self._operand(other)
        b = other._data if isinstance(other, Elementwise) else other
        dtype = result_type(data, b)
        a = self if data.dtype == dtype else self.astype(dtype)
        if b.dtype != dtype:
            other = other.astype(dtype)
        return a, other

    def _true_pair(self, other):
        """As _pair, then integers become float32: `/` is true division, as in PyTorch."""
        a, b = self._pair(other)
        if a.dtype.kind in "biu":
            a, b = a.astype(DEFAULT_FLOAT), b.astype(DEFAULT_FLOAT)
        return a, b

    def __neg__(self) -> Tensor: return ops.Neg.apply(self)

    def __floordiv__(self, other: TensorLike) -> Tensor:
        """floor(a / b), as PyTorch's `//`: piecewise constant, so it carries no gradient."""
        a, b = self._pair(other)
        return self._from_op(self.xp.floor_divide(a._data, b._data if isinstance(b, Elementwise) else b))

    def __rfloordiv__(self, other: TensorLike) -> Tensor:
        a, b = self._pair(other)
        return self._from_op(self.xp.floor_divide(b._data if isinstance(b, Elementwise) else b, a._data))

    def __mod__(self, other: TensorLike) -> Tensor:
        """a - b * floor(a / b), with b's sign as PyTorch's `%`;  da = g, db = -g * floor(a / b)."""
        a, b = self._pair(other)
        return a - b * (a // b)

    def __rmod__(self, other: TensorLike) -> Tensor:
        a, b = self._pair(other)
        b = b if isinstance(b, Elementwise) else self._from_op(b)
        return b - a * (b // a)

    # PyTorch's method forms
    def add(self, other: TensorLike, alpha: float = 1) -> Tensor: return self + (other if alpha == 1 else other * alpha)
    def sub(self, other: TensorLike, alpha: float = 1) -> Tensor: return self - (other if alpha == 1 else other * alpha)
    def mul(self, other: TensorLike) -> Tensor: return self * other
    def div(self, other: TensorLike) -> Tensor: return self / other
    def pow(self, exponent: TensorLike) -> Tensor: return self ** exponent
    def neg(self) -> Tensor: return -self
    def matmul(self, other: TensorLike) -> Tensor: return self @ other

    def mm(self, other: TensorLike) -> Tensor:
        """Matrix product of two 2-D tensors (PyTorch's mm; matmul also takes batches and vectors)."""
        if self.ndim != 2 or getattr(other, "ndim", 0) != 2:
            raise ValueError(f"mm: needs two 2-D tensors, got shapes {self.shape} and {np.shape(other)}")
        return self @ other

    # Comparisons give boolean tensors that carry no gradient.
    def _compare(self, other: TensorLike, name: str) -> Tensor:
        other = self._operand(other)
        b = other._data if isinstance(other, Elementwise) else other
        try:
            return self._from_op(getattr(self.xp, name)(self._data, b))
        except ValueError as e:
            raise ValueError(f"{name}: shapes {self.shape} and {np.shape(b)}: {e}") from None

    def __lt__(self, other: TensorLike) -> Tensor: return self._compare(other, "less")
    def __le__(self, other: TensorLike) -> Tensor: return self._compare(other, "less_equal")
    def __gt__(self, other: TensorLike) -> Tensor: return self._compare(other, "greater")
    def __ge__(self, other: TensorLike) -> Tensor: return self._compare(other, "greater_equal")
    def __eq__(self, other: TensorLike) -> Tensor: return self._compare(other, "equal")
    def __ne__(self, other: TensorLike) -> Tensor: return self._compare(other, "not_equal")
    def __and__(self, other: TensorLike) -> Tensor: return self._compare(other, "bitwise_and")
    def __or__(self, other: TensorLike) -> Tensor: return self._compare(other, "bitwise_or")
    def __xor__(self, other: TensorLike) -> Tensor: return self._compare(other, "bitwise_xor")
    def __invert__(self) -> Tensor: return self._from_op(self.xp.invert(self._data))

    def lt(self, other: TensorLike) -> Tensor: return self < other
    def le(self, other: TensorLike) -> Tensor: return self <= other
    def gt(self, other: TensorLike) -> Tensor: return self > other
    def ge(self, other: TensorLike) -> Tensor: return self >= other
    def eq(self, other: TensorLike) -> Tensor: return self == other
    def ne(self, other: TensorLike) -> Tensor: return self != other

    # ------------------------------------------------------------------ elementwise math

    def _floating(self) -> Tensor:
        """Self, or self as float32 if it holds integers or bools: exp and friends of an int
        tensor are float32, as in PyTorch (NumPy: float64)."""
        return self if self._data.dtype.kind in "fc" else self.astype(DEFAULT_FLOAT)

    def exp(self) -> Tensor: return ops.Exp.apply(self._floating())
    def log(self) -> Tensor: return ops.Log.apply(self._floating())
    def sin(self) -> Tensor: return ops.Sin.apply(self._floating())
    def cos(self) -> Tensor: return ops.Cos.apply(self._floating())
    def tanh(self) -> Tensor: return ops.Tanh.apply(self._floating())
    def sigmoid(self) -> Tensor: return ops.Sigmoid.apply(self._floating())
    def abs(self) -> Tensor: return ops.Abs.apply(self)
    def relu(self) -> Tensor: return ops.Relu.apply(self)

    def sqrt(self) -> Tensor:
        return self._floating() ** 0.5

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """x where x > 0, else negative_slope * x (gradient negative_slope at 0, as in PyTorch)."""
        return ops.Where.apply(self._data > 0, self, self * negative_slope)

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
        """log(1 + exp(beta * x)) / beta, stable for large |x|; x itself where beta * x > threshold
        (PyTorch's F.softplus, which switches there to the linear function it tends to)."""
        if beta == 0:
            raise ValueError(f"softplus: beta must not be 0 (it divides by beta), got {beta}")
        x = self._floating()
        scaled = x if beta == 1 else x * beta
        y = ops.Softplus.apply(scaled) if beta == 1 else ops.Softplus.apply(scaled) / beta
        return ops.Where.apply(scaled._data > threshold, x, y)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Values limited to [min, max]; the gradient passes where min <= x <= max (as in PyTorch)."""
        xp = self.xp
        inside = xp.ones(self.shape, dtype=bool)
        if min is not None:
            inside &= self._data >= min
        if max is not None:
            inside &= self._data <= max
        return ops.Where.apply(inside, *self._pair(xp.clip(self._data, min, max)))

    clip = clamp

    def maximum(self, other: TensorLike) -> Tensor:
        """Elementwise larger value; on a tie each input gets half the gradient."""
        return ops.Maximum.apply(*self._pair(other))

    def minimum(self, other: TensorLike) -> Tensor:
        """Elementwise smaller value; on a tie each input gets half the gradient."""
        a, b = self._pair(other)
        b = b if isinstance(b, Elementwise) else self._from_op(b)
        if a.dtype.kind not in "fc":  # no gradient to carry, and -x would wrap around for unsigned integers
            return self._from_op(a.xp.minimum(a._data, b._data))
        return -(-a).maximum(-b)
