"""Functions of tensors: where, maximum, minimum, cat, stack; PyTorch's module-level forms of the
Tensor methods (`tg.exp(x)` is `x.exp()`, `tg.sum(x, dim=1)` is `x.sum(dim=1)`, each with
PyTorch's `out=`)."""
from __future__ import annotations


from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops
from .dtypes import result_type
from .tensor import Tensor, _as_tensor as _t

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .reductions import ValuesIndices

    TensorLike = Tensor | ArrayLike  # a Tensor, or what Tensor() takes: a number, a list, an array


def where(condition: TensorLike, input: TensorLike, other: TensorLike) -> Tensor:
    """input where condition is true, else other; the condition gets no gradient."""
    condition = condition._data if isinstance(condition, Tensor) else condition
    a, b = _promoted_pair(input, other)
    return ops.Where.apply(condition, a, b)


def maximum(input: TensorLike, other: TensorLike) -> Tensor:
    """Elementwise larger value; on a tie each input gets half the gradient."""
    a, b = _promoted_pair(input, other)
    return _t(a).maximum(b)


def minimum(input: TensorLike, other: TensorLike) -> Tensor:
    """Elementwise smaller value; on a tie each input gets half the gradient."""
    a, b = _promoted_pair(input, other)
    return _t(a).minimum(b)


def _promoted_pair(a, b) -> tuple:
    """Two operands, at least one made a Tensor, of the dtype PyTorch's promotion gives."""
    if isinstance(a, Tensor):
        return a._pair(b)
    if isinstance(b, Tensor):
        b, a = b._pair(a)
        return a, b
    return Tensor(a)._pair(b)


def cat(tensors: Sequence[TensorLike], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing axis (`dim`, or NumPy's `axis`); dtypes promote as in PyTorch."""
    dim = dim if axis is None else axis
    tensors = [_t(t) for t in tensors]
    if not tensors:
        raise ValueError("cat (concatenate): needs at least one tensor")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise ValueError(f"cat: tensor {i} is 0-d, and 0-d tensors cannot be concatenated; "
                             "use stack, or reshape them to (1,)")
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = result_type(np.empty(1, dtype), t._data)
    return ops.Concatenate.apply(*[t.astype(dtype) for t in tensors], axis=dim)


concatenate = cat


def stack(tensors: Sequence[TensorLike], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors of one shape along a new axis."""
    dim = dim if axis is None else axis
    tensors = [_t(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors need one shape, got {sorted(shapes)}")
    return cat([t.unsqueeze(dim) for t in tensors], dim)


def _out(result: Tensor, out: Tensor | None) -> Tensor:
    """`result`, or written into `out` (PyTorch's out=): of the same shape and a dtype it can hold."""
    if out is None:
        return result
    if out.shape != result.shape or not np.can_cast(result.dtype, out.dtype, "same_kind"):
        raise RuntimeError(f"out=: the result is {result.dtype} of shape {result.shape}, which does not "
                           f"fit the given tensor ({out.dtype} of shape {out.shape})")
    return out.copy_(result)


def add(input: TensorLike, other: TensorLike, alpha: float = 1, *, out: Tensor | None = None) -> Tensor:
    return _out(_t(input).add(other, alpha), out)


def sub(input: TensorLike, other: TensorLike, alpha: float = 1, *, out: Tensor | None = None) -> Tensor:
    return _out(_t(input).sub(other, alpha), out)


def mul(input: TensorLike, other: TensorLike, *, out: Tensor | None = None) -> Tensor:
    return _out(_t(input).mul(other), out)


def div(input: TensorLike, other: TensorLike, *, out: Tensor | None = None) -> Tensor:
    return _out(_t(input).div(other), out)


def pow(input: TensorLike, exponent: TensorLike, *, out: Tensor | None = None) -> Tensor:
    return _out(_t(input).pow(exponent), out)


def matmul(input: TensorLike, other: TensorLike, *, out: Tensor | None = None) -> Tensor:
    return _out(_t(input).matmul(other), out)


def mm(input: TensorLike, mat2: TensorLike, *, out: Tensor | None = None) -> Tensor:
    return _out(_t(input).mm(mat2), out)


def neg(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).neg(), out)
def exp(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).exp(), out)
def log(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).log(), out)
def sin(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).sin(), out)
def cos(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).cos(), out)
def tanh(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).tanh(), out)
def sigmoid(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).sigmoid(), out)
def relu(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).relu(), out)
def abs(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).abs(), out)
def sqrt(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).sqrt(), out)


def clamp(input: TensorLike, min: float | None = None, max: float | None = None, *,
          out: Tensor | None = None) -> Tensor:
    return _out(_t(input).clamp(min, max), out)


# dim, keepdim and the other settings of the Tensor method, passed on as they are
def sum(input: TensorLike, *args: Any, out: Tensor | None = None, **kwargs: Any) -> Tensor:
    return _out(_t(input).sum(*args, **kwargs), out)


def mean(input: TensorLike, *args: Any, out: Tensor | None = None, **kwargs: Any) -> Tensor:
    return _out(_t(input).mean(*args, **kwargs), out)


def var(input: TensorLike, *args: Any, out: Tensor | None = None, **kwargs: Any) -> Tensor:
    return _out(_t(input).var(*args, **kwargs), out)


def std(input: TensorLike, *args: Any, out: Tensor | None = None, **kwargs: Any) -> Tensor:
    return _out(_t(input).std(*args, **kwargs), out)


def logsumexp(input: TensorLike, *args: Any, out: Tensor | None = None, **kwargs: Any) -> Tensor:
    return _out(_t(input).logsumexp(*args, **kwargs), out)


def argmax(input: TensorLike, *args: Any, **kwargs: Any) -> Tensor: return _t(input).argmax(*args, **kwargs)
def argmin(input: TensorLike, *args: Any, **kwargs: Any) -> Tensor: return _t(input).argmin(*args, **kwargs)
def max(input: TensorLike, *args: Any, **kwargs: Any) -> Tensor | ValuesIndices: return _t(input).max(*args, **kwargs)
def min(input: TensorLike, *args: Any, **kwargs: Any) -> Tensor | ValuesIndices: return _t(input).min(*args, **kwargs)
def softmax(input: TensorLike, dim: int = -1) -> Tensor: return _t(input).softmax(dim)
def log_softmax(input: TensorLike, dim: int = -1) -> Tensor: return _t(input).log_softmax(dim)
def reshape(input: TensorLike, shape: int | Sequence[int]) -> Tensor: return _t(input).reshape(shape)


def flatten(input: TensorLike, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return _t(input).flatten(start_dim, end_dim)


def transpose(input: TensorLike, dim0: int, dim1: int) -> Tensor: return _t(input).transpose(dim0, dim1)
def permute(input: TensorLike, dims: Sequence[int]) -> Tensor: return _t(input).permute(dims)
def t(input: TensorLike) -> Tensor: return _t(input).t()
def squeeze(input: TensorLike, dim: int | Sequence[int] | None = None) -> Tensor: return _t(input).squeeze(dim)
def unsqueeze(input: TensorLike, dim: int) -> Tensor: return _t(input).unsqueeze(dim)
def numel(input: TensorLike) -> int: return _t(input).numel()
def clone(input: TensorLike) -> Tensor: return _t(input).clone()


# elementwise maths (the Tensor methods are in maths.py)
def sign(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).sign(), out)
def floor(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).floor(), out)
def ceil(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).ceil(), out)
def trunc(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).trunc(), out)
def rsqrt(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).rsqrt(), out)
def log2(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).log2(), out)
def log10(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).log10(), out)
def exp2(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).exp2(), out)
def erf(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).erf(), out)
def tan(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).tan(), out)
def asin(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).asin(), out)
def acos(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).acos(), out)
def atan(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).atan(), out)
def sinh(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).sinh(), out)
def cosh(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).cosh(), out)
def asinh(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).asinh(), out)
def acosh(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).acosh(), out)
def atanh(input: TensorLike, *, out: Tensor | None = None) -> Tensor: return _out(_t(input).atanh(), out)


def round(input: TensorLike, *, decimals: int = 0, out: Tensor | None = None) -> Tensor:  # noqa: A001
    return _out(_t(input).round(decimals=decimals), out)


def logaddexp(input: TensorLike, other: TensorLike, *, out: Tensor | None = None) -> Tensor:
    return _out(_t(input).logaddexp(other), out)


def copysign(input: TensorLike, other: TensorLike, *, out: Tensor | None = None) -> Tensor:
    return _out(_t(input).copysign(other), out)


def fmod(input: TensorLike, other: TensorLike, *, out: Tensor | None = None) -> Tensor:
    return _out(_t(input).fmod(other), out)


def remainder(input: TensorLike, other: TensorLike, *, out: Tensor | None = None) -> Tensor:
    return _out(_t(input).remainder(other), out)


def floor_divide(input: TensorLike, other: TensorLike, *, out: Tensor | None = None) -> Tensor:
    return _out(_t(input).floor_divide(other), out)


def lerp(input: TensorLike, end: TensorLike, weight: TensorLike, *, out: Tensor | None = None) -> Tensor:
    return _out(_t(input).lerp(end, weight), out)
