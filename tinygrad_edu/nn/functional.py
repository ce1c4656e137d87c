"""Layers and losses as functions of Tensors, with PyTorch's names and argument order."""
from __future__ import annotations

import numpy as np

from .. import ops
from ..creation import get_generator
from ..device import array_namespace, to_library_of
from ..device_checks import check_later
from ..diagnostics import user_line
from ..tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x @ weight.T + bias, with weight of shape (out_features, in_features) as in PyTorch
    (the book stores its transpose, (in, out), and computes x @ W + b)."""
    x_shape, w_shape = x._data.shape, weight._data.shape
    if len(w_shape) != 2 or x_shape[-1:] != w_shape[1:]:
        raise ValueError(f"linear: input of shape {x_shape} does not match weight of shape "
                         f"{w_shape} (out_features, in_features)")
    if bias is not None and bias._data.shape != w_shape[:1]:
        raise ValueError(f"linear: bias of shape {bias.shape} does not match weight of shape {weight.shape}")
    return ops.Linear.apply(x, weight, bias)


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


def one_hot(labels, num_classes: int, dtype=np.float32) -> Tensor:
    """labels (integers in [0, num_classes)) as rows of zeros with a 1 at each label."""
    labels = _labels(labels, num_classes, "one_hot")
    return Tensor(array_namespace(labels).eye(num_classes, dtype=dtype)[labels])  # row k of I is class k


def cross_entropy(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy of logits against `target`, as PyTorch's: the classes are on axis 1
    of an (N, C, d1, ...) input (the only axis of a (C,) one). `target` is integer labels of
    shape (N, d1, ...), or probabilities / one-hot rows of the input's shape, which get a
    gradient too. Both give the same value for the same classes. Stable for any logits;
    `reduction` is mean, sum or none."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if input.ndim == 0:
        raise ValueError("cross_entropy: logits need a class axis, got a 0-d tensor")
    logits, t = _classes_last(input), _target(target, input)
    shape = t._data.shape if isinstance(t, Tensor) else t.shape
    if t.dtype.kind in "iub":
        if shape != logits.shape[:-1]:
            raise ValueError(f"cross_entropy: integer labels of shape {shape} do not match logits of shape "
                             f"{input.shape} (classes on axis {int(input.ndim > 1)}; labels need shape "
                             f"{logits.shape[:-1]})")
        t = _labels(t, logits.shape[-1], "cross_entropy")
    elif shape == logits.shape[:-1]:
        raise TypeError(f"cross_entropy: labels must be integers, got {t.dtype}; for class "
                        f"probabilities give shape {input.shape}")
    elif shape != input.shape:
        raise ValueError(f"cross_entropy: target probabilities of shape {shape} do not match logits of shape "
                         f"{input.shape}; integer labels need shape {logits.shape[:-1]} (and an integer dtype)")
    else:
        t = _classes_last(t.astype(logits.dtype) if isinstance(t, Tensor) else Tensor._from_op(t.astype(logits.dtype)))
    return ops.SoftmaxCrossEntropy.apply(logits, t, reduction)


def _classes_last(x: Tensor) -> Tensor:
    """x with PyTorch's class axis (1) moved last, where the fused loss op wants it."""
    return x if x.ndim <= 2 else x.permute((0,) + tuple(range(2, x.ndim)) + (1,))


def _target(target, like: Tensor):
    """A target as a Tensor (kept, so that it can get a gradient) or an array on `like`'s device."""
    if isinstance(target, Tensor):
        return target if target._requires_grad else target._data
    return to_library_of(target if hasattr(target, "dtype") else np.asarray(target), like._data)


def _labels(labels, num_classes: int, who: str) -> np.ndarray:
    labels = labels._data if isinstance(labels, Tensor) else labels if hasattr(labels, "shape") else np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{who}: labels must be integers, got {labels.dtype}")
    if not labels.size:
        return labels
    # one pass: seen as unsigned, a negative label is larger than any class
    out_of_range = labels.view(labels.dtype.str.replace("i", "u")).max() >= num_classes
    if array_namespace(labels) is np:
        if out_of_range:
            raise ValueError(_out_of_range(labels, num_classes, who))
    else:  # on a GPU, reading the answer now would make the host wait for the GPU
        check_later(out_of_range, lambda: _out_of_range(labels, num_classes, who), user_line())
    return labels


def _out_of_range(labels, num_classes: int, who: str) -> str:
    bad = labels[(labels < 0) | (labels >= num_classes)]
    return (f"{who}: label {bad.flat[0]} is out of range for {num_classes} classes "
            f"(labels must be in [0, {num_classes - 1}])")


# ---------------------------------------------------------------------- convolution and pooling


def _pair(value, who: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or any(not isinstance(v, (int, np.integer)) or v < 0 for v in pair):
        raise ValueError(f"{who}: expected a non-negative int or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _check_image(x: Tensor, who: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{who}: input must be (batch, channels, height, width), got shape {x.shape}")


def _windows(x: Tensor, kernel, stride, padding, pad_value: float, who: str):
    """The kh x kw windows of x as rows: (N, out_h, out_w, C*kh*kw), after padding."""
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel, who), _pair(stride, who), _pair(padding, who)
    if kh == 0 or kw == 0 or sh == 0 or sw == 0:
        raise ValueError(f"{who}: kernel size and stride must be positive")
    if ph or pw:
        x = x.pad(((0, 0), (0, 0), (ph, ph), (pw, pw)), value=pad_value)
    if kh > x.shape[2] or kw > x.shape[3]:
        raise ValueError(f"{who}: kernel {(kh, kw)} is larger than the padded input {x.shape[2:]}")
    return ops.Im2col.apply(x, (kh, kw), (sh, sw)), (kh, kw)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch): input (N, C, H, W), weight
    (out_channels, C, kh, kw), bias (out_channels,). Computed as im2col and one matrix product."""
    _check_image(input, "conv2d")
    if weight.ndim != 4 or weight.shape[1] != input.shape[1]:
        raise ValueError(f"conv2d: weight of shape {weight.shape} (out_channels, in_channels, kh, kw) "
                         f"does not match input of shape {input.shape} ({input.shape[1]} channels)")
    rows, _ = _windows(input, weight.shape[2:], stride, padding, 0.0, "conv2d")
    y = linear(rows, weight.reshape(weight.shape[0], -1), bias)  # (N, out_h, out_w, out_channels)
    return y.transpose(0, 3, 1, 2)


def _pool(input: Tensor, kernel_size, stride, padding, pad_value: float, who: str):
    _check_image(input, who)
    rows, (kh, kw) = _windows(input, kernel_size, kernel_size if stride is None else stride,
                              padding, pad_value, who)
    n, oh, ow, _ = rows.shape
    return rows.reshape(n, oh, ow, input.shape[1], kh * kw)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0) -> Tensor:
    """Largest value of each window (stride defaults to the kernel size); tied maxima share the
    gradient evenly."""
    return _pool(input, kernel_size, stride, padding, -np.inf, "max_pool2d").max(axis=-1).transpose(0, 3, 1, 2)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0) -> Tensor:
    """Mean of each window (stride defaults to the kernel size; padding counts as zeros)."""
    return _pool(input, kernel_size, stride, padding, 0.0, "avg_pool2d").mean(axis=-1).transpose(0, 3, 1, 2)


# ---------------------------------------------------------------------- normalisation and dropout


def dropout(x: Tensor, p: float = 0.5, training: bool = True, generator=None) -> Tensor:
    """Inverted dropout (PyTorch's): in training, zero each element with probability p and scale
    the rest by 1/(1-p), so evaluation is the identity. (The book instead scales by (1-p) at test
    time; the expected outputs agree.)"""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = get_generator(generator).random(x.shape) >= p  # drawn on the CPU: the same on every device
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
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and t.shape != (channels,):
            raise ValueError(f"batch_norm: {name} of shape {t.shape} does not match {channels} channels")
    if training:
        count = x.numel() // channels
        if count < 2:
            raise ValueError(f"batch_norm: training needs more than one value per channel, got input of shape {x.shape}")
        mean = x.mean(axes, keepdims=True)
        var = x.var(axes, keepdims=True, correction=0)
        if running_mean is not None:
            running_mean._data[...] = (1 - momentum) * running_mean._data + momentum * mean._data.reshape(channels)
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


def embedding(indices, weight: Tensor) -> Tensor:
    """Rows of `weight` (num_embeddings, dim) picked by integer `indices` of any shape."""
    return weight[_labels(indices, weight.shape[0], "embedding")]


# ---------------------------------------------------------------------- more losses and metrics


def _reduce(losses: Tensor, reduction: str, who: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    if reduction == "none":
        return losses
    raise ValueError(f"{who}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _same_shape(input: Tensor, target, who: str):
    target = target if isinstance(target, Tensor) else Tensor(to_library_of(np.asarray(target, dtype=input.dtype), input._data))
    if target.shape != input.shape:
        raise ValueError(f"{who}: target of shape {target.shape} does not match input of shape {input.shape}")
    return target


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean squared error (PyTorch's: no factor 1/2; the book's mean_squared_error is half the
    sum)."""
    d = input - _same_shape(input, target, "mse_loss")
    return _reduce(d * d, reduction, "mse_loss")


def nll_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of integer labels under log-probabilities, classes on axis 1 of
    (N, C, d1, ...) as in PyTorch (the only axis of (C,))."""
    log_probs = _classes_last(input)
    labels = to_library_of(target._data if isinstance(target, Tensor) else np.asarray(target), input._data)
    if labels.shape != log_probs.shape[:-1]:
        raise ValueError(f"nll_loss: labels of shape {labels.shape} do not match log-probabilities "
                         f"of shape {input.shape} (labels need shape {log_probs.shape[:-1]})")
    picked = (log_probs * one_hot(labels, log_probs.shape[-1], dtype=log_probs.dtype)).sum(axis=-1)
    return _reduce(-picked, reduction, "nll_loss")


def binary_cross_entropy(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """-(t log p + (1 - t) log(1 - p)) for probabilities p; each log is clipped at -100 (as in
    PyTorch; float32 at -87.3), so p = 0 or 1 gives a large finite loss and gradient, not inf."""
    target = _same_shape(input, target, "binary_cross_entropy")
    if input.numel() and (input._data.min() < 0 or input._data.max() > 1):
        raise ValueError("binary_cross_entropy: input must be probabilities in [0, 1]; for logits "
                         "use binary_cross_entropy_with_logits")
    losses = -(target * _clipped_log(input) + (1 - target) * _clipped_log(1 - input))
    return _reduce(losses, reduction, "binary_cross_entropy")


def _clipped_log(p: Tensor) -> Tensor:
    """max(log p, -100) with a finite gradient at p = 0: p is first clipped to the smallest
    normal number of its dtype (so in float32 the floor is log(1.2e-38) = -87.3)."""
    return p.clamp(min=float(np.finfo(p.dtype).tiny)).log().clamp(min=-100.0)


def binary_cross_entropy_with_logits(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of sigmoid(x), computed stably as softplus(x) - t x."""
    target = _same_shape(input, target, "binary_cross_entropy_with_logits")
    return _reduce(input.softplus() - target * input, reduction, "binary_cross_entropy_with_logits")


def accuracy(output, labels) -> float:
    """Fraction of rows whose largest output (logits or probabilities) is at the label; labels
    may be integers or one-hot rows. A single output per row is read as the probability of
    class 1, counted right when it is on the label's side of 0.5 (Keras' binary accuracy)."""
    output = output.numpy() if isinstance(output, Tensor) else np.asarray(output)
    labels = labels.numpy() if isinstance(labels, Tensor) else np.asarray(labels)
    if output.ndim >= 1 and output.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1]) if labels.shape == output.shape else labels
        predicted = output[..., 0] > 0.5
    else:
        labels = labels.argmax(axis=-1) if labels.shape == output.shape and output.ndim >= 1 else labels
        predicted = output.argmax(axis=-1)
    if labels.shape != output.shape[:-1]:
        raise ValueError(f"accuracy: labels of shape {labels.shape} do not match outputs of shape {output.shape}")
    return float((predicted == labels).mean()) if labels.size else float("nan")


def l2_penalty(parameters, weight_decay: float) -> Tensor:
    """The book's weight decay term: (weight_decay / 2) * sum of squared weights, added to the
    loss (usually over weights only, not biases)."""
    parameters = list(parameters)
    if not parameters:
        raise ValueError("l2_penalty: no parameters given")
    total = sum(((p * p).sum() for p in parameters[1:]), (parameters[0] * parameters[0]).sum())
    return total * (0.5 * weight_decay)
