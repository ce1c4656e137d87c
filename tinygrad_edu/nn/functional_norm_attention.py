"""Normalisation over features and attention, with PyTorch's names and arguments: F.layer_norm,
F.group_norm, F.normalize, F.scaled_dot_product_attention. Each is a composite of Tensor ops
(mean, var with correction=0, softmax, matmul, masked_fill), so no backward of its own."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..creation import GeneratorLike
from ..device import to_library_of
from ..diagnostics import broadcasts_to
from ..tensor import Tensor
from ..tracing import active as jit_trace

__all__ = ["layer_norm", "group_norm", "normalize", "scaled_dot_product_attention"]


def _affine(who: str, y: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple[int, ...],
            kept: tuple[int, ...]) -> Tensor:
    """y * weight + bias, each of `shape` (checked) seen as `kept` to broadcast against y."""
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ValueError(f"{who}: {name} of shape {tuple(t.shape)} does not match {shape}")
    if weight is not None:
        y = y * weight.reshape(kept)
    if bias is not None:
        y = y + bias.reshape(kept)
    return y


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """(x - mean) / sqrt(var + eps) * weight + bias, the mean and (biased) variance over the last
    len(normalized_shape) axes, which must equal normalized_shape."""
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ValueError(f"layer_norm: input of shape {input.shape} does not end in normalized_shape {shape}")
    x = input._floating()
    axes = tuple(range(x.ndim - k, x.ndim))
    y = (x - x.mean(axes, keepdim=True)) / (x.var(axes, keepdim=True, correction=0) + eps).sqrt()
    return _affine("layer_norm", y, weight, bias, shape, shape)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Input (N, C, *): the C channels split into num_groups groups, each normalised over its
    channels and all of *, per sample; then weight and bias (C,) per channel."""
    if input.ndim < 2:
        raise ValueError(f"group_norm: input must be (batch, channels, ...), got shape {input.shape}")
    n, c = input.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ValueError(f"group_norm: {c} channels (input shape {input.shape}) do not split into "
                         f"{num_groups} groups")
    x = input._floating()
    grouped = x.reshape(n, num_groups, -1)
    mean = grouped.mean(-1, keepdim=True)
    var = grouped.var(-1, keepdim=True, correction=0)
    y = ((grouped - mean) / (var + eps).sqrt()).reshape(x.shape)
    return _affine("group_norm", y, weight, bias, (c,), (1, c) + (1,) * (x.ndim - 2))


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(||x||_p, eps) along dim. max(s**(1/p), eps) is written max(s, eps**p)**(1/p), so the
    root never sees 0 and an all-zero slice gets gradient 0 (no 0 * inf)."""
    if p <= 0:
        raise ValueError(f"normalize: p must be positive, got {p}")
    x = input._floating()
    if x.ndim == 0:
        raise ValueError("normalize: expects a tensor with at least 1 dimension, got shape ()")
    if p == math.inf:
        return x / x.abs().max(dim, keepdim=True).values.clamp(min=eps)
    powered = x * x if p == 2 else x.abs() ** p
    return x / powered.sum(dim, keepdim=True).clamp(min=eps ** p) ** (1 / p)


def _attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | np.ndarray | None = None,
              dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
              generator: GeneratorLike = None, who: str = "scaled_dot_product_attention") -> tuple[Tensor, Tensor]:
    """scaled_dot_product_attention's output and its attention weights (after dropout)."""
    q, k, v = (t._floating() for t in (query, key, value))
    if min(q.ndim, k.ndim, v.ndim) < 2 or q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"{who}: query {q.shape}, key {k.shape} and value {v.shape} do not fit "
                         "(..., L, E), (..., S, E), (..., S, Ev)")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{who}: dropout_p must be in [0, 1], got {dropout_p}")
    length, source = q.shape[-2], k.shape[-2]
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ k.swapaxes(-2, -1)) * scale
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{who}: give attn_mask or is_causal, not both")
        attn_mask = np.tril(np.ones((length, source), dtype=bool))
    if attn_mask is not None:
        m = to_library_of(attn_mask._data if hasattr(attn_mask, "_data") else np.asarray(attn_mask), scores._data)
        if not broadcasts_to(m.shape, scores.shape):
            raise ValueError(f"{who}: attn_mask of shape {m.shape} does not broadcast to the attention "
                             f"scores' shape {scores.shape}")
        if m.dtype == np.bool_:  # True takes part
            scores = scores.masked_fill(~m, -math.inf)
        elif m.dtype.kind == "f":
            scores = scores + (attn_mask.astype(scores.dtype) if hasattr(attn_mask, "_data")
                               else m.astype(scores.dtype))
        else:
            raise TypeError(f"{who}: attn_mask must be bool or floating, got dtype {m.dtype}")
    # a row with nothing to attend to gets weights 0 (as PyTorch), not softmax's 0/0 = nan
    dead = ~(scores._data != -math.inf).any(-1, keepdims=True)
    fill = jit_trace() is not None or bool(dead.any())  # traced: always (a fill of no row changes nothing)
    if fill:
        scores = scores.masked_fill(dead, 0.0)
    weights = scores.softmax(-1)
    if fill:
        weights = weights.masked_fill(dead, 0.0)
    if dropout_p > 0:
        from .functional import dropout  # functional.py imports this module
        weights = dropout(weights, dropout_p, True, generator)
    return weights @ v, weights


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | np.ndarray | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 generator: GeneratorLike = None) -> Tensor:
    """softmax(q @ k^T * scale + mask) @ v, scale = 1/sqrt(E) by default; q (..., L, E), k (..., S, E),
    v (..., S, Ev). A bool attn_mask keeps the places where it is True (PyTorch's sense here), a
    float one is added; is_causal keeps the lower triangle. dropout_p > 0 drops attention weights
    (pass 0 outside training, as PyTorch); `generator` seeds the draw."""
    return _attention(query, key, value, attn_mask, dropout_p, is_causal, scale, generator)[0]
