"""Layers and losses as functions of Tensors, with PyTorch's names and argument order."""
from __future__ import annotations

import numpy as np

from .. import ops
from ..tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x @ weight.T + bias, with weight of shape (out_features, in_features) as in PyTorch
    (the book stores its transpose, (in, out), and computes x @ W + b)."""
    if weight.ndim != 2 or x.shape[-1:] != weight.shape[1:]:
        raise ValueError(f"linear: input of shape {x.shape} does not match weight of shape "
                         f"{weight.shape} (out_features, in_features)")
    if bias is not None and bias.shape != weight.shape[:1]:
        raise ValueError(f"linear: bias of shape {bias.shape} does not match weight of shape {weight.shape}")
    return ops.Linear.apply(x, weight, bias)


def one_hot(labels, num_classes: int, dtype=np.float32) -> Tensor:
    """labels (integers in [0, num_classes)) as rows of zeros with a 1 at each label."""
    labels = _labels(labels, num_classes, "one_hot")
    out = np.zeros(labels.shape + (num_classes,), dtype=dtype)
    np.put_along_axis(out, labels[..., None], 1, axis=-1)
    return Tensor(out)


def cross_entropy(logits: Tensor, target, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy of `logits` (..., classes) against `target`: integer labels of
    shape (...), or probabilities / one-hot rows of shape (..., classes). Both give the same
    value for the same classes. Stable for any logits; `reduction` is mean, sum or none."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if logits.ndim == 0:
        raise ValueError("cross_entropy: logits need a class axis, got a 0-d tensor")
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    classes = logits.shape[-1]
    if t.dtype.kind in "iub":
        if t.shape != logits.shape[:-1]:
            raise ValueError(f"cross_entropy: integer labels of shape {t.shape} do not match logits "
                             f"of shape {logits.shape} (labels need shape {logits.shape[:-1]})")
        t = one_hot(t, classes, dtype=logits.dtype).data
    elif t.shape != logits.shape:
        raise ValueError(f"cross_entropy: target probabilities of shape {t.shape} do not match "
                         f"logits of shape {logits.shape}")
    else:
        t = t.astype(logits.dtype, copy=False)
    return ops.SoftmaxCrossEntropy.apply(logits, t, reduction)


def _labels(labels, num_classes: int, who: str) -> np.ndarray:
    labels = labels.data if isinstance(labels, Tensor) else np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{who}: labels must be integers, got {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)]
        raise ValueError(f"{who}: label {bad.flat[0]} is out of range for {num_classes} classes "
                         f"(labels must be in [0, {num_classes - 1}])")
    return labels
