"""The losses of nn.functional (cross_entropy with its fused op, nll, mse, binary cross-entropy,
with PyTorch's weight, ignore_index, label_smoothing and pos_weight), one_hot and the label checks
they share, accuracy and the book's l2_penalty. kl_div, l1, smooth l1 and huber: functional_losses_extra.py."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from ..device import array_namespace, device_of, to_library_of
from ..device_checks import check
from ..function import Function
from ..diagnostics import broadcasts_to, user_line
from ..ops.array import Array
from ..ops.reductions import max_kept
from ..tensor import Tensor
from ..tracing import active as jit_trace

REDUCTIONS = ("mean", "sum", "none")


def one_hot(labels: Tensor | npt.ArrayLike, num_classes: int, dtype: npt.DTypeLike = np.float32) -> Tensor:
    """labels (integers in [0, num_classes)) as rows of zeros with a 1 at each label."""
    labels = _labels(labels, num_classes, "one_hot")
    return Tensor(array_namespace(labels).eye(num_classes, dtype=dtype)[labels])  # row k of I is class k


def cross_entropy(input: Tensor, target: Tensor | npt.ArrayLike, reduction: str = "mean", *,
                  weight: Tensor | npt.ArrayLike | None = None, ignore_index: int = -100,
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of logits against `target`, as PyTorch's: the classes are on axis 1
    of an (N, C, d1, ...) input (the only axis of a (C,) one). `target` is integer labels of
    shape (N, d1, ...), or probabilities / one-hot rows of the input's shape, which get a
    gradient too. Both give the same value for the same classes. Stable for any logits;
    `reduction` is mean, sum or none. As in PyTorch: `weight` (C,) scales each class's term
    (mean then divides by the summed weights of the labels), labels equal to `ignore_index` add
    nothing and are not counted, and `label_smoothing` e takes the target as (1 - e) of it plus
    e / C on every class. The plain call stays on the fused op; the options build target rows for it."""
    _check_reduction(reduction, "cross_entropy")
    if input.ndim == 0:
        raise ValueError("cross_entropy: logits need a class axis, got a 0-d tensor")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    logits, t = _classes_last(input), _target(target, input)
    shape = t._data.shape if isinstance(t, Tensor) else t.shape
    w = None if weight is None else _class_weights(weight, logits, "cross_entropy")
    if t.dtype.kind in "iub":
        if shape != logits.shape[:-1]:
            raise ValueError(f"cross_entropy: integer labels of shape {shape} do not match logits of shape "
                             f"{input.shape} (classes on axis {int(input.ndim > 1)}; labels need shape "
                             f"{logits.shape[:-1]})")
        t, ignored = _checked_labels(t, logits.shape[-1], "cross_entropy", ignore_index)
        if w is None and not label_smoothing:  # the hot path: labels straight into the fused op
            return SoftmaxCrossEntropy.apply(logits, t, reduction=reduction,
                                             ignore_index=ignore_index if ignored else None)
        rows, total_weight = _label_rows(t, logits, w, ignore_index, label_smoothing)
        losses = SoftmaxCrossEntropy.apply(logits, rows, reduction="sum" if reduction == "mean" else reduction)
        return _mean_over(losses, total_weight) if reduction == "mean" else losses
    elif shape == logits.shape[:-1]:
        raise TypeError(f"cross_entropy: labels must be integers, got {t.dtype}; for class "
                        f"probabilities give shape {input.shape}")
    elif shape != input.shape:
        raise ValueError(f"cross_entropy: target probabilities of shape {shape} do not match logits of shape "
                         f"{input.shape}; integer labels need shape {logits.shape[:-1]} "
                         "(and an integer dtype)")
    else:
        if ignore_index >= 0:
            raise ValueError(f"cross_entropy: ignore_index ({ignore_index}) needs integer labels, not "
                             "target probabilities")
        t = t.astype(logits.dtype)
        t = _classes_last(t if isinstance(t, Tensor) else Tensor._from_op(t))
        if label_smoothing:
            t = t * (1.0 - label_smoothing) + label_smoothing / logits.shape[-1]
        if w is not None:
            t = t * w
    return SoftmaxCrossEntropy.apply(logits, t, reduction=reduction)


def _class_weights(weight, logits: Tensor, who: str):
    """Per-class weights as a constant array of the logits' dtype and device (PyTorch gives them
    no gradient either)."""
    w = weight._data if isinstance(weight, Tensor) else _as_array(weight)
    if w.shape != logits.shape[-1:]:
        raise ValueError(f"{who}: weight of shape {w.shape} does not match {logits.shape[-1]} classes "
                         f"(it needs shape {logits.shape[-1:]})")
    return to_library_of(w, logits._data).astype(logits.dtype, copy=False)


def _label_rows(labels, x: Tensor, w, ignore_index: int, label_smoothing: float = 0.0):
    """Target rows standing for integer labels over x's last (class) axis, and the weight a mean
    divides by: row_c = keep * w_c * ((1 - e) [c = label] + e / C), total = sum keep * w_label."""
    xp, classes = array_namespace(labels), x.shape[-1]
    keep = labels != ignore_index
    safe = labels * keep  # an ignored label points at class 0; its row is zeroed below
    rows = xp.eye(classes, dtype=x.dtype)[safe]
    if label_smoothing:
        rows = rows * x.dtype.type(1.0 - label_smoothing) + x.dtype.type(label_smoothing / classes)
    if w is None:
        return rows * keep[..., None], keep.sum().astype(x.dtype)
    return rows * (w * keep[..., None]), (w[safe] * keep).sum()


def _mean_over(total: Tensor, count) -> Tensor:
    """total / count for a 0-d array count; nan when count is 0 (every target ignored), as in
    PyTorch, with a zero gradient."""
    xp = array_namespace(count)
    empty = count == 0
    scale = (1 / xp.where(empty, 1, count)).astype(total.dtype)
    return total * scale + xp.where(empty, xp.nan, 0).astype(total.dtype)


def _as_array(values, dtype=None):
    """A target, weight or labels given as an array (on any device, or traced by tg.jit) or a list,
    as an array of `dtype` (None: its own)."""
    if hasattr(values, "dtype"):
        return values if dtype is None or values.dtype == dtype else values.astype(dtype)
    return np.asarray(values, dtype=dtype)


def _classes_last(x: Tensor) -> Tensor:
    """x with PyTorch's class axis (1) moved last, where the fused loss op wants it."""
    return x if x.ndim <= 2 else x.permute((0,) + tuple(range(2, x.ndim)) + (1,))


def _target(target, like: Tensor):
    """A target as a Tensor (kept, so that it can get a gradient) or an array on `like`'s device."""
    if isinstance(target, Tensor):
        return target if target._requires_grad else target._data
    return to_library_of(target if hasattr(target, "dtype") else np.asarray(target), like._data)


def _labels(labels, num_classes: int, who: str) -> np.ndarray:
    labels = _label_array(labels, who)
    if not labels.size:
        return labels
    # one pass: seen as unsigned, a negative label is larger than any class
    out_of_range = labels.view(labels.dtype.str.replace("i", "u")).max() >= num_classes
    check(out_of_range, lambda: _out_of_range(labels, num_classes, who), user_line())
    return labels


def _label_array(labels, who: str):
    if isinstance(labels, Tensor):
        labels = labels._data
    elif not hasattr(labels, "shape"):
        labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{who}: labels must be integers, got {labels.dtype}")
    return labels


def _checked_labels(labels, num_classes: int, who: str, ignore_index: int):
    """Labels in [0, num_classes) or equal to ignore_index, and whether any may be ignored: on
    the CPU known at once (the range check already flags a negative ignore_index), on a GPU
    assumed, as finding out would make the host wait."""
    labels = _label_array(labels, who)
    if not labels.size:
        return labels, False
    on_cpu, in_range = array_namespace(labels) is np, 0 <= ignore_index < num_classes
    unsigned = labels.view(labels.dtype.str.replace("i", "u"))  # a negative label is larger than any class
    trace = jit_trace()
    if trace is not None and not in_range and device_of(labels) == "cpu" and trace.guard(
            unsigned.max() < num_classes):
        return labels, False  # the eager CPU step's short path; a replay checks first that it still holds
    if on_cpu and not in_range and unsigned.max() < num_classes:
        return labels, False  # the common case, in one pass: nothing out of range, nothing ignored
    bad = (unsigned >= num_classes) & (labels != ignore_index)
    if not on_cpu:  # on a GPU (or traced), reading the answer now would make the host wait
        check(bad.any(), lambda: _out_of_range(labels, num_classes, who, ignore_index), user_line())
        return labels, True
    if bad.any():
        raise ValueError(_out_of_range(labels, num_classes, who, ignore_index))
    return labels, bool((labels == ignore_index).any()) if in_range else True


def _out_of_range(labels, num_classes: int, who: str, ignore_index: int | None = None) -> str:
    bad = (labels < 0) | (labels >= num_classes)
    bad = labels[bad if ignore_index is None else bad & (labels != ignore_index)]
    ignored = "" if ignore_index is None else f", or ignore_index {ignore_index}"
    return (f"{who}: label {bad.flat[0]} is out of range for {num_classes} classes "
            f"(labels must be in [0, {num_classes - 1}]{ignored})")


class SoftmaxCrossEntropy(Function):
    """loss = -sum_c t_c log softmax(x)_c over the last axis, reduced by `reduction`;
    dx = (softmax(x) * sum_c t_c - t) * g,  dt = -log softmax(x) * g  (t: target probabilities).
    Integer labels t stand for one-hot rows: loss = log sum exp(x) - x[label]; they get no gradient.
    With `ignore_index`, rows whose label equals it add nothing and are not counted in the mean."""

    # fused because it is the classifier's loss in one stable pass, with the gradient the book
    # derives (softmax minus target) instead of the backward of five separate ops
    @staticmethod
    def forward(ctx, x: Array, t: Array, *, reduction: str, ignore_index: int | None = None) -> Array:
        xp = ctx.xp
        ctx.shift = max_kept(x, -1)
        z = x - ctx.shift
        log_norm = xp.log(xp.exp(z).sum(axis=-1, keepdims=True))
        ctx.reduction, ctx.count = reduction, x.size // max(x.shape[-1], 1)  # 0 for an empty batch
        ctx.keep = None
        if ignore_index is not None:  # labels only: an O(rows) mask, no sync with a GPU
            ctx.keep = (t != ignore_index).astype(x.dtype)
            t = t * (t != ignore_index)  # ignored rows pick class 0, then count for nothing
            ctx.count = ctx.keep.sum()
        ctx.save_for_backward(x, t)
        if t.dtype.kind in "iu":  # labels: pick one logit per row (the book's z[arange(N), t]), no one-hot rows
            rows = z.reshape(t.size, z.shape[-1])
            losses = log_norm[..., 0] - rows[xp.arange(t.size), t.reshape(-1)].reshape(t.shape)
        else:
            losses = (t.sum(axis=-1, keepdims=True) * log_norm - (t * z).sum(axis=-1, keepdims=True))[..., 0]
        if ctx.keep is not None:
            losses = losses * ctx.keep
        if reduction == "none":
            return losses
        total = losses.sum()
        if reduction == "sum":
            return total
        if ctx.keep is not None:  # the mean of nothing is nan, as in PyTorch
            return xp.where(ctx.count > 0, total / xp.maximum(ctx.count, 1), xp.nan).astype(x.dtype)
        return total / x.dtype.type(ctx.count) if ctx.count else x.dtype.type("nan")  # the mean of nothing

    @staticmethod
    def backward(ctx, g: Array) -> tuple[Array, Array]:
        x, t = ctx.saved_tensors
        xp = ctx.xp
        z = x - ctx.shift  # recomputed from x (and t), so that it is twice differentiable
        e = xp.exp(z)
        if ctx.reduction == "none":
            g = g.reshape(g.shape + (1,))
        elif ctx.reduction == "mean":
            g = g / (max(ctx.count, 1) if ctx.keep is None else array_namespace(t).maximum(ctx.count, 1))
        if ctx.keep is not None:
            g = g * ctx.keep[..., None]
        if t.dtype.kind in "iu":  # labels: their one-hot rows, a constant, are only needed here
            one_hot = t[..., None] == array_namespace(t).arange(x.shape[-1])  # labels are constant arrays
            return (e / e.sum(axis=-1, keepdims=True) - one_hot) * g, None
        gx = (e / e.sum(axis=-1, keepdims=True) * t.sum(axis=-1, keepdims=True) - t) * g
        gt = (xp.log(e.sum(axis=-1, keepdims=True)) - z) * g if ctx.needs_input_grad[1] else None
        return gx, gt


def _check_reduction(reduction: object, who: str, allowed: tuple = REDUCTIONS) -> None:
    """A reduction named in `allowed`. Anything else is refused by name; a Tensor or an array here
    is most likely PyTorch's third positional argument (weight, or the old size_average)."""
    if isinstance(reduction, str) and reduction in allowed:
        return
    hint = "" if isinstance(reduction, str) else (
        "; here the third positional argument is reduction (PyTorch's is weight or size_average): pass "
        "the others by keyword, e.g. weight=")
    raise ValueError(f"{who}: reduction must be one of {allowed}, got {reduction!r:.80}{hint}")


def _reduce(losses: Tensor, reduction: str, who: str) -> Tensor:
    _check_reduction(reduction, who)
    return losses.mean() if reduction == "mean" else losses.sum() if reduction == "sum" else losses


def _same_shape(input: Tensor, target, who: str):
    if not isinstance(target, Tensor):
        target = Tensor(to_library_of(_as_array(target, input.dtype), input._data))
    if target.shape != input.shape:
        raise ValueError(f"{who}: target of shape {target.shape} does not match input of shape {input.shape}")
    return target


def mse_loss(input: Tensor, target: Tensor | npt.ArrayLike, reduction: str = "mean") -> Tensor:
    """Mean squared error (PyTorch's: no factor 1/2; the book's mean_squared_error is half the
    sum)."""
    d = input - _same_shape(input, target, "mse_loss")
    return _reduce(d * d, reduction, "mse_loss")


def nll_loss(input: Tensor, target: Tensor | npt.ArrayLike, reduction: str = "mean", *,
             weight: Tensor | npt.ArrayLike | None = None, ignore_index: int = -100) -> Tensor:
    """Negative log-likelihood of integer labels under log-probabilities, classes on axis 1 of
    (N, C, d1, ...) as in PyTorch (the only axis of (C,)): -w[label] * input[label] per row; labels
    equal to `ignore_index` add nothing, and the mean divides by the summed weights of the rest."""
    _check_reduction(reduction, "nll_loss")
    if input.ndim == 0:
        raise ValueError("nll_loss: log-probabilities need a class axis, got a 0-d tensor")
    log_probs = _classes_last(input)
    labels = to_library_of(target._data if isinstance(target, Tensor) else _as_array(target), input._data)
    if labels.shape != log_probs.shape[:-1]:
        raise ValueError(f"nll_loss: labels of shape {labels.shape} do not match log-probabilities "
                         f"of shape {input.shape} (labels need shape {log_probs.shape[:-1]})")
    labels, ignored = _checked_labels(labels, log_probs.shape[-1], "nll_loss", ignore_index)
    w = None if weight is None else _class_weights(weight, log_probs, "nll_loss")
    rows, total_weight = _label_rows(labels, log_probs, w, ignore_index)
    losses = -(log_probs * rows).sum(axis=-1)
    if reduction == "mean" and (ignored or w is not None):
        return _mean_over(losses.sum(), total_weight)
    return _reduce(losses, reduction, "nll_loss")


def binary_cross_entropy(input: Tensor, target: Tensor | npt.ArrayLike, reduction: str = "mean") -> Tensor:
    """-(t log p + (1 - t) log(1 - p)) for probabilities p; each log is clipped at -100 (as in
    PyTorch; float32 at -87.3), so p = 0 or 1 gives a large finite loss and gradient, not inf."""
    target = _same_shape(input, target, "binary_cross_entropy")
    if input.numel():
        p = input._data
        check((p.min() < 0) | (p.max() > 1), lambda: "binary_cross_entropy: input must be probabilities in [0, 1]; "
              "for logits use binary_cross_entropy_with_logits", user_line())
    losses = -(target * _clipped_log(input) + (1 - target) * _clipped_log(1 - input))
    return _reduce(losses, reduction, "binary_cross_entropy")


def _clipped_log(p: Tensor) -> Tensor:
    """max(log p, -100) with a finite gradient at p = 0: p is first clipped to the smallest
    normal number of its dtype (so in float32 the floor is log(1.2e-38) = -87.3)."""
    return p.clamp(min=float(np.finfo(p.dtype).tiny)).log().clamp(min=-100.0)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor | npt.ArrayLike, reduction: str = "mean", *,
                                     weight: Tensor | npt.ArrayLike | None = None,
                                     pos_weight: Tensor | npt.ArrayLike | None = None) -> Tensor:
    """Binary cross-entropy of sigmoid(x), computed stably as softplus(x) - t x; with PyTorch's
    `pos_weight` p (broadcast along the last axis, one per class) the positive term is scaled:
    (1 - t) x + (1 + (p - 1) t) softplus(-x). `weight` scales each element's loss."""
    who = "binary_cross_entropy_with_logits"
    target = _same_shape(input, target, who)
    if pos_weight is None:
        losses = input.softplus() - target * input
    else:
        p = _broadcastable(pos_weight, input, "pos_weight", who)
        losses = (1 - target) * input + (1 + (p - 1) * target) * (-input).softplus()
    if weight is not None:
        losses = losses * _broadcastable(weight, input, "weight", who)
    return _reduce(losses, reduction, who)


def _broadcastable(w, input: Tensor, name: str, who: str) -> Tensor:
    """w as a Tensor (kept, so that it can get a gradient) that broadcasts to input's shape."""
    w = w if isinstance(w, Tensor) else Tensor(to_library_of(_as_array(w, input.dtype), input._data))
    if not broadcasts_to(w.shape, input.shape):
        raise ValueError(f"{who}: {name} of shape {w.shape} does not broadcast to input of shape {input.shape}")
    return w


def accuracy(output: Tensor | npt.ArrayLike, labels: Tensor | npt.ArrayLike) -> float:
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
        raise ValueError(f"accuracy: labels of shape {labels.shape} do not match outputs of shape "
                         f"{output.shape}")
    return float((predicted == labels).mean()) if labels.size else float("nan")


def l2_penalty(parameters: Iterable[Tensor], weight_decay: float) -> Tensor:
    """The book's weight decay term: (weight_decay / 2) * sum of squared weights, added to the
    loss (usually over weights only, not biases)."""
    parameters = list(parameters)
    if not parameters:
        raise ValueError("l2_penalty: no parameters given")
    total = sum(((p * p).sum() for p in parameters[1:]), (parameters[0] * parameters[0]).sum())
    return total * (0.5 * weight_decay)
