"""Layers as Modules: each holds its parameters and calls nn.functional in forward (convolution and
pooling layers are in conv_layers.py)."""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..creation import GeneratorLike, get_generator
from ..tensor import DEFAULT_FLOAT, Tensor
from . import functional as F
from . import init as initializers
from .module import Module, Parameter


class Linear(Module):
    """y = x @ weight.T + bias, weight of shape (out_features, in_features) as in PyTorch (the
    book's Affine layer stores the transpose). `init`: "default" (PyTorch's uniform), "he"
    (std sqrt(2/n)), "xavier" (Glorot, std sqrt(2/(n_in + n_out))), "lecun" (std sqrt(1/n), the
    book's "Xavier"), a float standard deviation such as 0.01, or a callable
    `init(weight, generator)` (see nn.init.initialize)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, init: initializers.InitLike = "default",
                 generator: GeneratorLike = None, dtype: npt.DTypeLike = DEFAULT_FLOAT):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(np.zeros((out_features, in_features), dtype=dtype))
        self.bias = Parameter(np.zeros(out_features, dtype=dtype)) if bias else None
        initializers.initialize(self.weight, self.bias, init, get_generator(generator))

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """Merge the axes start_dim..end_dim into one (by default all but the batch axis), as PyTorch's."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout in training mode (PyTorch's convention), the identity in eval mode. With
    no `generator` it draws from the default generator at each call, as PyTorch's dropout uses the
    global one: `tg.manual_seed` reaches it, and a Trainer's checkpoint carries its state."""

    def __init__(self, p: float = 0.5, generator: GeneratorLike = None):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p, self.generator = p, None if generator is None else get_generator(generator)

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class _BatchNorm(Module):
    expected_ndim: tuple

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
                 dtype: npt.DTypeLike = DEFAULT_FLOAT):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = Parameter(np.ones(num_features, dtype=dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype=dtype)) if affine else None
        self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
        self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self.expected_ndim:
            ndims = " or ".join(map(str, self.expected_ndim))
            raise ValueError(f"{type(self).__name__}: expected an input with {ndims} axes, got shape {x.shape}")
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training, self.momentum, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.weight is not None}"


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per feature C."""

    expected_ndim = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs, per channel C (the book's version normalises
    per activation instead)."""

    expected_ndim = (4,)


class Embedding(Module):
    """A table of `num_embeddings` vectors of size `embedding_dim`, looked up by integer index."""

    def __init__(self, num_embeddings: int, embedding_dim: int, generator: GeneratorLike = None,
                 dtype: npt.DTypeLike = DEFAULT_FLOAT):
        super().__init__()
        self.weight = Parameter(get_generator(generator).standard_normal((num_embeddings, embedding_dim)).astype(dtype))

    def forward(self, indices: Tensor | npt.ArrayLike) -> Tensor:
        return F.embedding(indices, self.weight)

    def extra_repr(self) -> str:
        return f"{self.weight.shape[0]}, {self.weight.shape[1]}"


# ---------------------------------------------------------------------- activations


class Identity(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x


class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return x.leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Softmax(Module):
    """Softmax along `dim` (PyTorch's name; NumPy's `axis` is accepted too). PyTorch asks for dim
    explicitly; here it defaults to the last axis, the class axis of (N, C) outputs."""

    def __init__(self, dim: int = -1, *, axis: int | None = None):
        super().__init__()
        self.dim = dim if axis is None else axis

    def forward(self, x: Tensor) -> Tensor:
        return x.softmax(self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, x: Tensor) -> Tensor:
        return x.log_softmax(self.dim)
