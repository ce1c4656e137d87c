"""Layers and losses as functions of Tensors, with PyTorch's names and argument order: F.relu, ...
Everything is reachable here; by job, linear is in functional_linear.py, convolution in
functional_conv.py, pooling in functional_pool.py, the losses and one_hot in functional_losses.py
(kl_div, l1, smooth l1 and huber in functional_losses_extra.py), the activations beyond
relu, sigmoid, tanh and softmax (gelu, silu, elu, ...) in functional_activations.py, layer_norm,
group_norm, normalize and scaled_dot_product_attention in functional_norm_attention.py, pad,
interpolate and adaptive pooling in functional_resample.py."""
from __future__ import annotations

import numpy.typing as npt

from ..creation import GeneratorLike, get_generator
from ..device import to_library_of
from ..tracing import active as jit_trace
from ..tensor import Tensor
from .functional_activations import (celu, elu, gelu, hardsigmoid, hardswish, hardtanh, logsigmoid, mish, relu6,
                                     selu, silu, softmin, softplus, softsign)
from .functional_conv import conv1d, conv2d, conv_transpose2d
from .functional_pool import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from .functional_linear import linear
from .functional_norm_attention import group_norm, layer_norm, normalize, scaled_dot_product_attention
from .functional_resample import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool2d, interpolate, pad
from .functional_losses import (REDUCTIONS, _labels, accuracy, binary_cross_entropy,
                                binary_cross_entropy_with_logits, cross_entropy, l2_penalty, mse_loss,
                                nll_loss, one_hot)
from .functional_losses_extra import KL_REDUCTIONS, huber_loss, kl_div, l1_loss, smooth_l1_loss

__all__ = ["linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "one_hot",
           "cross_entropy", "conv2d", "max_pool2d", "avg_pool2d", "conv1d", "conv_transpose2d",
           "max_pool1d", "avg_pool1d", "dropout", "batch_norm", "embedding",
           "mse_loss", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "accuracy",
           "l2_penalty", "REDUCTIONS", "gelu", "silu", "elu", "selu", "celu", "mish", "hardtanh", "relu6",
           "hardswish", "hardsigmoid", "softsign", "logsigmoid", "softmin", "softplus",
           "layer_norm", "group_norm", "normalize", "scaled_dot_product_attention",
           "kl_div", "l1_loss", "smooth_l1_loss", "huber_loss", "KL_REDUCTIONS",
           "pad", "interpolate", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool2d"]


# ---------------------------------------------------------------------- activations (PyTorch's F.relu, ...)


def relu(input: Tensor) -> Tensor:
    return input.relu()


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return input.leaky_relu(negative_slope)


def sigmoid(input: Tensor) -> Tensor:
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def softmax(input: Tensor, dim: int = -1) -> Tensor:
    return input.softmax(dim)


def log_softmax(input: Tensor, dim: int = -1) -> Tensor:
    return input.log_softmax(dim)


# ---------------------------------------------------------------------- normalisation and dropout


def dropout(x: Tensor, p: float = 0.5, training: bool = True, generator: GeneratorLike = None) -> Tensor:
    """Inverted dropout (PyTorch's): in training, zero each element with probability p and scale
    the rest by 1/(1-p), so evaluation is the identity. (The book instead scales by (1-p) at test
    time; the expected outputs agree.)"""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    trace = jit_trace()  # under tg.jit the draw is recorded, and redrawn at each replay
    draws = (get_generator(generator).random(x.shape) if trace is None else
             trace.random(lambda: get_generator(generator), x.shape))
    keep = draws >= p  # drawn on the CPU: the same on every device
    return x * to_library_of((keep * (1.0 / (1.0 - p))).astype(x.dtype), x._data)


def batch_norm(x: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (axis 1) to zero mean and unit variance, then scale by `weight` and
    shift by `bias`. Training uses the batch's statistics and updates the running ones (with the
    unbiased variance, as PyTorch does); evaluation uses the running ones."""
    if x.ndim < 2:
        raise ValueError(f"batch_norm: input must be (batch, channels, ...), got shape {x.shape}")
    channels = x.shape[1]
    axes = (0,) + tuple(range(2, x.ndim))
    kept = (1, channels) + (1,) * (x.ndim - 2)
    named = (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias))
    for name, t in named:
        if t is not None and t.shape != (channels,):
            raise ValueError(f"batch_norm: {name} of shape {t.shape} does not match {channels} channels")
    if training:
        count = x.numel() // channels
        if count < 2:
            raise ValueError(f"batch_norm: training needs more than one value per channel, got input of "
                             f"shape {x.shape}")
        mean = x.mean(axes, keepdims=True)
        var = x.var(axes, keepdims=True, correction=0)
        if running_mean is not None:
            running_mean._data[...] = ((1 - momentum) * running_mean._data
                                      + momentum * mean._data.reshape(channels))
            running_var._data[...] = ((1 - momentum) * running_var._data
                                     + momentum * var._data.reshape(channels) * count / (count - 1))
    else:
        if running_mean is None:
            raise ValueError("batch_norm: evaluation needs running statistics")
        mean, var = running_mean._data.reshape(kept), running_var._data.reshape(kept)
    y = (x - mean) / (var + eps) ** 0.5
    if weight is not None:
        y = y * weight.reshape(kept)
    if bias is not None:
        y = y + bias.reshape(kept)
    return y


def embedding(indices: Tensor | npt.ArrayLike, weight: Tensor) -> Tensor:
    """Rows of `weight` (num_embeddings, dim) picked by integer `indices` of any shape."""
    return weight[_labels(indices, weight.shape[0], "embedding")]
