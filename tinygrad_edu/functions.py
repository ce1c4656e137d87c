"""PyTorch's module-level forms of the Tensor methods: `tg.exp(x)` is `x.exp()`, `tg.sum(x, dim=1)`
is `x.sum(dim=1)`. Each takes PyTorch's `out=`: the result is then copied into that tensor."""
from __future__ import annotations

import numpy as np

from .tensor import Tensor, _as_tensor as _t


def _out(result: Tensor, out):
    """`result`, or written into `out` (PyTorch's out=): of the same shape and a dtype it can hold."""
    if out is None:
        return result
    if out.shape != result.shape or not np.can_cast(result.dtype, out.dtype, "same_kind"):
        raise RuntimeError(f"out=: the result is {result.dtype} of shape {result.shape}, which does not "
                           f"fit the given tensor ({out.dtype} of shape {out.shape})")
    return out.copy_(result)


def add(input, other, alpha=1, *, out=None): return _out(_t(input).add(other, alpha), out)
def sub(input, other, alpha=1, *, out=None): return _out(_t(input).sub(other, alpha), out)
def mul(input, other, *, out=None): return _out(_t(input).mul(other), out)
def div(input, other, *, out=None): return _out(_t(input).div(other), out)
def pow(input, exponent, *, out=None): return _out(_t(input).pow(exponent), out)
def matmul(input, other, *, out=None): return _out(_t(input).matmul(other), out)
def mm(input, mat2, *, out=None): return _out(_t(input).mm(mat2), out)
def neg(input, *, out=None): return _out(_t(input).neg(), out)
def exp(input, *, out=None): return _out(_t(input).exp(), out)
def log(input, *, out=None): return _out(_t(input).log(), out)
def sin(input, *, out=None): return _out(_t(input).sin(), out)
def cos(input, *, out=None): return _out(_t(input).cos(), out)
def tanh(input, *, out=None): return _out(_t(input).tanh(), out)
def sigmoid(input, *, out=None): return _out(_t(input).sigmoid(), out)
def relu(input, *, out=None): return _out(_t(input).relu(), out)
def abs(input, *, out=None): return _out(_t(input).abs(), out)
def sqrt(input, *, out=None): return _out(_t(input).sqrt(), out)
def clamp(input, min=None, max=None, *, out=None): return _out(_t(input).clamp(min, max), out)
def sum(input, *args, out=None, **kwargs): return _out(_t(input).sum(*args, **kwargs), out)
def mean(input, *args, out=None, **kwargs): return _out(_t(input).mean(*args, **kwargs), out)
def var(input, *args, out=None, **kwargs): return _out(_t(input).var(*args, **kwargs), out)
def std(input, *args, out=None, **kwargs): return _out(_t(input).std(*args, **kwargs), out)
def logsumexp(input, *args, out=None, **kwargs): return _out(_t(input).logsumexp(*args, **kwargs), out)
def argmax(input, *args, **kwargs): return _t(input).argmax(*args, **kwargs)
def argmin(input, *args, **kwargs): return _t(input).argmin(*args, **kwargs)
def max(input, *args, **kwargs): return _t(input).max(*args, **kwargs)
def min(input, *args, **kwargs): return _t(input).min(*args, **kwargs)
def softmax(input, dim=-1): return _t(input).softmax(dim)
def log_softmax(input, dim=-1): return _t(input).log_softmax(dim)
def reshape(input, shape): return _t(input).reshape(shape)
def flatten(input, start_dim=0, end_dim=-1): return _t(input).flatten(start_dim, end_dim)
def transpose(input, dim0, dim1): return _t(input).transpose(dim0, dim1)
def permute(input, dims): return _t(input).permute(dims)
def t(input): return _t(input).t()
def squeeze(input, dim=None): return _t(input).squeeze(dim)
def unsqueeze(input, dim): return _t(input).unsqueeze(dim)
def numel(input): return _t(input).numel()
def clone(input): return _t(input).clone()

