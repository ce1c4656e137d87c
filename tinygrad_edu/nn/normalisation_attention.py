"""LayerNorm, GroupNorm and MultiheadAttention with PyTorch's arguments, parameter names, shapes
and initialisation, so a state_dict copied from PyTorch gives the same output. Each forward is
made of the nn.functional forms in functional_norm_attention.py."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..creation import GeneratorLike, get_generator
from ..device import to_library_of
from ..tensor import DEFAULT_FLOAT, Tensor
from . import init as initializers
from .functional_linear import linear
from .functional_norm_attention import _attention, group_norm, layer_norm
from .layers import Linear
from .module import Module, Parameter

__all__ = ["LayerNorm", "GroupNorm", "MultiheadAttention"]


class LayerNorm(Module):
    """Normalise over the last len(normalized_shape) axes; weight (ones) and bias (zeros) of
    normalized_shape when elementwise_affine (bias=False leaves the bias out)."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, dtype: npt.DTypeLike = DEFAULT_FLOAT):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.weight = Parameter(np.ones(shape, dtype=dtype)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(shape, dtype=dtype)) if elementwise_affine and bias else None

    def forward(self, x: Tensor) -> Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Split the channels of (N, C, *) into num_groups groups and normalise each per sample;
    weight (ones) and bias (zeros) of shape (num_channels,) when affine."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 dtype: npt.DTypeLike = DEFAULT_FLOAT):
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self.weight = Parameter(np.ones(num_channels, dtype=dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_channels, dtype=dtype)) if affine else None

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm: expected an input (N, {self.num_channels}, ...), got shape {x.shape}")
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


def _float_mask(who: str, mask: Tensor | npt.ArrayLike, like: Tensor) -> Tensor:
    """A MultiheadAttention mask as an additive float Tensor: bool True (not allowed) is -inf."""
    if isinstance(mask, Tensor) and mask.dtype.kind == "f":
        return mask.astype(like.dtype)
    m = to_library_of(mask._data if isinstance(mask, Tensor) else np.asarray(mask), like._data)
    if m.dtype == np.bool_:
        return Tensor(like.xp.where(m, -math.inf, 0.0).astype(like.dtype))
    if m.dtype.kind == "f":
        return Tensor(m.astype(like.dtype))
    raise TypeError(f"MultiheadAttention: {who} must be bool or floating, got dtype {m.dtype}")


class MultiheadAttention(Module):
    """PyTorch's multi-head attention: q, k, v projected by in_proj_weight (3E, E) and in_proj_bias,
    split into num_heads heads of E / num_heads, attended, joined and projected by out_proj. Inputs
    (L, N, E), or (N, L, E) with batch_first, or unbatched (L, E). Bool masks mark the places NOT
    allowed (True = masked, as PyTorch's MultiheadAttention, the opposite of the functional form);
    float masks are added. Dropout (p=dropout) acts on the attention weights in training mode."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, *, generator: GeneratorLike = None,
                 dtype: npt.DTypeLike = DEFAULT_FLOAT):
        super().__init__()
        if num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads "
                             f"({num_heads})")
        if add_bias_kv or add_zero_attn or kdim not in (None, embed_dim) or vdim not in (None, embed_dim):
            raise NotImplementedError("MultiheadAttention: add_bias_kv, add_zero_attn and kdim/vdim other than "
                                      "embed_dim are not supported")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout}")
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.dropout, self.batch_first = dropout, batch_first
        self.generator = None if generator is None else get_generator(generator)
        rng = get_generator(generator)
        self.in_proj_weight = Parameter(np.zeros((3 * embed_dim, embed_dim), dtype=dtype))
        self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype=dtype)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, generator=rng, dtype=dtype)
        initializers.xavier_uniform_(self.in_proj_weight, generator=rng)  # PyTorch's _reset_parameters
        if bias:
            initializers.zeros_(self.out_proj.bias)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | npt.ArrayLike | None = None, need_weights: bool = True,
                attn_mask: Tensor | npt.ArrayLike | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        e, h, d = self.embed_dim, self.num_heads, self.head_dim
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim \
                or query.shape[-1] != e or key.shape[-1] != e or value.shape[-1] != e or key.shape != value.shape:
            raise ValueError(f"MultiheadAttention: query {query.shape}, key {key.shape} and value {value.shape} "
                             f"must be (L, N, {e}), (S, N, {e}), (S, N, {e}) (batch first: N leads; unbatched: no N)")
        if is_causal and attn_mask is None:
            raise ValueError("MultiheadAttention: is_causal is a hint that attn_mask is causal; give attn_mask too")
        q, k, v = ((t if self.batch_first else t.swapaxes(0, 1)) if batched else t.unsqueeze(0)
                   for t in (query, key, value))  # (N, L, E) from here on
        if q.shape[0] != k.shape[0]:
            raise ValueError(f"MultiheadAttention: query {query.shape} and key {key.shape} differ in batch size")
        n, length, source = q.shape[0], q.shape[1], k.shape[1]
        w, b = self.in_proj_weight, self.in_proj_bias
        q, k, v = (linear(t, w[i * e:(i + 1) * e], None if b is None else b[i * e:(i + 1) * e])
                   .reshape(n, -1, h, d).permute(0, 2, 1, 3) for i, t in enumerate((q, k, v)))  # (N, H, L, D)
        mask = self._mask(attn_mask, key_padding_mask, q, n, length, source)
        y, weights = _attention(q, k, v, mask, self.dropout if self.training else 0.0,
                                generator=self.generator, who="MultiheadAttention")
        y = self.out_proj(y.permute(0, 2, 1, 3).reshape(n, length, e))
        y = (y if self.batch_first else y.swapaxes(0, 1)) if batched else y.reshape(length, e)
        if not need_weights:
            return y, None
        if average_attn_weights:
            weights = weights.mean(1)
        return y, (weights if batched else weights.squeeze(0))

    def _mask(self, attn_mask: Tensor | npt.ArrayLike | None, key_padding_mask: Tensor | npt.ArrayLike | None,
              like: Tensor, n: int, length: int, source: int) -> Tensor | None:
        """attn_mask (L, S) or (N * H, L, S) and key_padding_mask (N, S), merged as one float mask
        broadcasting against the scores (N, H, L, S)."""
        mask = None
        if attn_mask is not None:
            m = _float_mask("attn_mask", attn_mask, like)
            if m.shape == (length, source):
                mask = m
            elif m.shape == (n * self.num_heads, length, source):
                mask = m.reshape(n, self.num_heads, length, source)
            else:
                raise ValueError(f"MultiheadAttention: attn_mask of shape {m.shape} must be ({length}, {source}) or "
                                 f"({n * self.num_heads}, {length}, {source})")
        if key_padding_mask is not None:
            m = _float_mask("key_padding_mask", key_padding_mask, like)
            if m.shape not in ((n, source), (source,)) or (m.ndim == 1 and n != 1):
                raise ValueError(f"MultiheadAttention: key_padding_mask of shape {m.shape} must be ({n}, {source})")
            m = m.reshape(n, 1, 1, source)
            mask = m if mask is None else mask + m
        return mask

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}, " \
               f"batch_first={self.batch_first}"
