"""What each op table row (op_db.py) means in PyTorch, written in PyTorch's own spelling on torch
tensors. test_torch_compare.py checks every row's forward and gradient against these.

A row either has a function here (same arguments as the row's `fn`) or a one-line reason in
NO_TORCH_EQUIVALENT. Fixed helper data (labels, target probabilities, the dropout mask) comes from
op_db's own helpers, so both sides see the same constants. PyTorch is optional: without it the
names below still import, so the guard test can run.
"""
from __future__ import annotations

import numpy as np

from op_db import _class_axis, _dropout_ref, _labels_for, _last_axis_labels, _probabilities_for, _setitem
from op_db import _gather_index, _last_axis_mask, _mask_for, _scatter_index  # issue 16: masking, selection
from op_db import _counts, _join  # issue 16: shape and creation
from op_db import _attention_mask  # issue 16: normalisation and attention
from op_db import _class_weights_for, _ignored_labels_for, _pos_weight_for  # issue 16: losses

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the tests skip (or fail under TINYGRAD_EDU_REQUIRE_TORCH=1)
    torch = F = None


def _const(helper, x):
    """op_db's helper applied to x's values, as a torch constant (no gradient)."""
    return torch.as_tensor(helper(x.detach().numpy()))


def _reversed_axes(a):
    # NumPy's a.transpose() / a.T reverse every axis; PyTorch's transpose needs two dims and its
    # Tensor.T is deprecated for ndim != 2, so PyTorch spells this as a permute.
    return a.permute(tuple(range(a.ndim - 1, -1, -1)))


def _dropout(x, p=0.4):
    # PyTorch's generator cannot reproduce tg's mask, so the mask is the row's own (_dropout_ref's
    # seeded NumPy draw); what is compared is PyTorch's training-mode dropout: kept values scaled
    # by 1/(1-p), dropped ones 0, and the same for the gradient.
    keep = torch.as_tensor(_dropout_ref(np.ones(tuple(x.shape)), p) != 0)
    return x * keep * (1 / (1 - p))


_EMBEDDING_INDICES = [[0, 1], [1, 0]]


def _embedding(w):
    # F.embedding takes a 2-D weight only; the row also draws rows that are themselves arrays
    # (w of shape (n, d, e)), which PyTorch users embed by flattening each row.
    idx = torch.tensor(_EMBEDDING_INDICES) % w.shape[0]
    return F.embedding(idx, w.flatten(1)).unflatten(-1, w.shape[1:])


TORCH_REFS = {
    # ---------------------------------------------------------------- arithmetic operators
    "add": lambda a, b: a + b,
    "radd": lambda a: 1.5 + a,
    "sub": lambda a, b: a - b,
    "rsub": lambda a: 1.5 - a,
    "mul": lambda a, b: a * b,
    "mul[scalar]": lambda a: a * 2.5,
    "mul[same input]": lambda a: a * a,
    "div": lambda a, b: a / b,
    "rdiv": lambda a: 1.5 / a,
    "neg": lambda a: -a,
    "floordiv": lambda a, b: a // b,
    "mod": lambda a, b: a % (b * 3 ** -0.5),
    "pow[scalar]": lambda a: a ** 3,
    "pow[fraction]": lambda a: a ** 1.5,
    "pow[negative]": lambda a: a ** -2,
    "pow[tensor]": lambda a, b: a ** b,
    "rpow": lambda a: 2.0 ** a,
    "matmul": lambda a, b: a @ b,
    "mm": lambda a, b: a.mm(b),
    "matmul[vector, matrix]": lambda a, b: a @ b,
    "matmul[matrix, vector]": lambda a, b: a @ b,
    "matmul[vector, vector]": lambda a, b: a @ b,
    "matmul[batched, matrix]": lambda a, b: a @ b,
    "matmul[broadcast batch]": lambda a, b: a @ b,
    "matmul[vector, batched]": lambda a, b: torch.matmul(a, b),
    # elementwise maths
    "sign": lambda a: a.sign(),
    "round": lambda a: a.round(),
    "round[decimals=1]": lambda a: torch.round(a, decimals=1),
    "floor": lambda a: a.floor(),
    "ceil": lambda a: a.ceil(),
    "trunc": lambda a: a.trunc(),
    "rsqrt": lambda a: a.rsqrt(),
    "log2": lambda a: a.log2(),
    "log10": lambda a: torch.log10(a),
    "exp2": lambda a: a.exp2(),
    "erf": lambda a: a.erf(),
    "tan": lambda a: a.tan(),
    "asin": lambda a: a.asin(),
    "acos": lambda a: a.acos(),
    "atan": lambda a: a.atan(),
    "sinh": lambda a: a.sinh(),
    "cosh": lambda a: a.cosh(),
    "asinh": lambda a: a.asinh(),
    "acosh": lambda a: a.acosh(),
    "atanh": lambda a: a.atanh(),
    "logaddexp": lambda a, b: a.logaddexp(b),
    "copysign": lambda a, b: torch.copysign(a, b),
    "lerp": lambda a, b, w: torch.lerp(*torch.broadcast_tensors(a, b, w)),
    "lerp[scalar weight]": lambda a, b: torch.lerp(*torch.broadcast_tensors(a, b), 0.3),
    "fmod": lambda a, b: (a - 1.75).fmod(b * 3 ** -0.5),
    "remainder": lambda a, b: torch.remainder(a - 1.75, b * 3 ** -0.5),
    "floor_divide": lambda a, b: a.floor_divide(b - 1.75),
    # ---------------------------------------------------------------- comparisons (no gradient)
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "eq": lambda a: a == a,
    "ne": lambda a, b: a != b,
    # ---------------------------------------------------------------- elementwise functions
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "sqrt": lambda a: a.sqrt(),
    "abs": lambda a: a.abs(),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "leaky_relu": lambda a: F.leaky_relu(a, 0.1),
    "softplus": lambda a: F.softplus(a),
    "clip": lambda a: a.clamp(-0.5, 0.75),
    "clip[min only]": lambda a: a.clip(min=0.25),
    "clamp": lambda a: a.clamp(max=0.25),
    "maximum": lambda a, b: torch.maximum(a, b),  # ties (where PyTorch halves g) never drawn: kink-free grid
    "maximum[method]": lambda a, b: a.maximum(b),
    "minimum": lambda a, b: torch.minimum(a, b),
    "minimum[method]": lambda a, b: a.minimum(b),
    "where": lambda a, b: torch.where(a > 0, a, b),
    "where[scalar]": lambda a: torch.where(a > 0, a, 0.5),
    "astype": lambda a: a.to(torch.float32).to(a.dtype),
    "double": lambda a: a.double().to(a.dtype),
    "float": lambda a: a.float().to(a.dtype),
    "half": lambda a: a.half().to(a.dtype),
    "long": lambda a: a.long().to(a.dtype),
    "int": lambda a: a.int().to(a.dtype),
    "bool": lambda a: a.bool().to(a.dtype),
    "clone": lambda a: a.clone(),
    # ---------------------------------------------------------------- reductions
    "sum": lambda a: a.sum(),
    "sum[axis=0]": lambda a: a.sum(dim=0),
    "sum[axis=-1, keepdims]": lambda a: a.sum(dim=-1, keepdim=True),
    "sum[axis=(0, -1)]": lambda a: a.sum(dim=(0, -1)),
    "mean": lambda a: a.mean(),
    "mean[axis=-1, keepdims]": lambda a: a.mean(dim=-1, keepdim=True),
    # var/std: PyTorch's default is the unbiased estimate (correction=1)
    "var": lambda a: a.var(),
    "var[dim=-1, correction=0, keepdim]": lambda a: a.var(dim=-1, correction=0, keepdim=True),
    "var[axis=0, ddof=1]": lambda a: a.var(dim=0, correction=1),
    "std": lambda a: a.std(),
    "std[axis=-1, ddof=1, keepdims]": lambda a: a.std(dim=-1, correction=1, keepdim=True),
    # max/min: tg shares g evenly among tied maxima. PyTorch does too for full reductions (a.max())
    # and for amax/amin, but a.max(dim) gives all of g to the one index it returns; so the axis
    # rows are spelled amax/amin, and the rows draw kink-free (tie-free) inputs anyway.
    "max": lambda a: a.max(),
    "max[axis=-1]": lambda a: a.amax(dim=-1),
    "max[axis=0, keepdims]": lambda a: a.amax(dim=0, keepdim=True),
    "max[dim=-1].values": lambda a: a.max(-1).values,
    "max[dim=0, keepdim].indices": lambda a: a.max(0, keepdim=True).indices,
    "min[dim=-1].values": lambda a: a.min(dim=-1).values,
    "min": lambda a: a.min(),
    "min[axis=(0, 1)]": lambda a: a.amin(dim=(0, 1)),
    "logsumexp": lambda a: a.flatten().logsumexp(dim=0),  # PyTorch's logsumexp needs a dim
    "logsumexp[axis=-1]": lambda a: a.logsumexp(dim=-1),
    "all": lambda a: (a > 0).all(),
    "any[dim=-1, keepdim]": lambda a: (a > 0).any(dim=-1, keepdim=True),
    "argmax": lambda a: a.argmax(),  # index into the flattened tensor, as NumPy's
    "argmin[axis=0]": lambda a: a.argmin(dim=0),
    "softmax": lambda a: a.softmax(dim=-1),
    "log_softmax": lambda a: a.log_softmax(dim=-1),
    "log_softmax[axis=0]": lambda a: a.log_softmax(dim=0),
    "cumsum": lambda a: a.cumsum(-1),
    "cumsum[axis=0]": lambda a: torch.cumsum(a, 0),
    "cumprod": lambda a: a.cumprod(-1),
    "cumprod[dim=0]": lambda a: torch.cumprod(a, dim=0),
    "prod": lambda a: a.prod(),
    "prod[dim=-1, keepdim]": lambda a: torch.prod(a, -1, keepdim=True),
    "prod[axis=(0, -1)]": lambda a: a.prod(-1).prod(0),  # PyTorch's prod takes one dim
    "prod[zeros]": lambda a: (a * (a > 0)).prod(-1),
    "logcumsumexp": lambda a: a.logcumsumexp(-1),
    "logcumsumexp[axis=0, large]": lambda a: torch.logcumsumexp(a * 400, 0),
    "cummax[dim=-1].values": lambda a: a.cummax(-1).values,
    "cummax[dim=0].indices": lambda a: torch.cummax(a, 0).indices,
    "cummin[dim=0].values": lambda a: a.cummin(dim=0).values,
    "cummin[dim=-1].indices": lambda a: torch.cummin(a, -1)[1],
    "sort": lambda a: a.sort().values,
    "sort[dim=0, descending].values": lambda a: torch.sort(a, 0, descending=True)[0],
    "sort[stable].indices": lambda a: a.sort(stable=True).indices,
    "argsort": lambda a: a.argsort(),
    "argsort[dim=0, descending]": lambda a: torch.argsort(a, dim=0, descending=True),
    "topk[k=2].values": lambda a: a.topk(2).values,
    "topk[k=1, dim=0, smallest].values": lambda a: torch.topk(a, 1, dim=0, largest=False).values,
    "topk[k=2].indices": lambda a: a.topk(2)[1],
    "any[tg.any]": lambda a: torch.any(a > 0),
    "all[tg.all, axis=0, keepdims]": lambda a: torch.all(a > 0, dim=0, keepdim=True),
    "isnan": lambda a: torch.where(a > 0, a, torch.nan).isnan(),
    "isinf": lambda a: torch.isinf(torch.where(a > 0, a, -torch.inf)),
    "isfinite": lambda a: torch.where(a > 0, a, torch.inf).isfinite(),
    "isclose": lambda a, b: a.isclose(a + b * 1e-6),
    "std_mean[0]": lambda a: torch.std_mean(a)[0],
    "std_mean[dim=-1, correction=0, keepdim][1]": lambda a: torch.std_mean(a, -1, correction=0, keepdim=True)[1],
    # ---------------------------------------------------------------- movement
    "reshape": lambda a: a.reshape(-1),
    "reshape[tuple]": lambda a: a.reshape((1, *a.shape)),
    "flatten": lambda a: a.flatten(),
    "transpose": _reversed_axes,
    "transpose[axes]": lambda a: a.permute(1, 2, 0),
    "permute": lambda a: a.permute(1, 0),
    "permute[negative axes]": lambda a: a.permute(-1, 0, 1),
    "transpose[dim0, dim1]": lambda a: a.transpose(0, -1),
    "t": lambda a: a.t(),
    "view": lambda a: a.view(-1),
    "expand": lambda a: a.expand((3,) + (-1,) * a.ndim),
    "unsqueeze": lambda a: a.unsqueeze(0),
    "T": _reversed_axes,
    "swapaxes": lambda a: a.swapaxes(0, -1),
    "broadcast_to": lambda a: a.broadcast_to((3, *a.shape)),
    "squeeze": lambda a: a.squeeze(),
    "expand_dims": lambda a: a.unsqueeze(-1),
    "pad": lambda a: F.pad(a, (1, 1) * a.ndim),
    "pad[per axis, value]": lambda a: F.pad(a, (1, 0, 0, 2), value=0.5),  # last axis first
    "concatenate": lambda a, b: torch.cat([a, b]),
    "concatenate[axis=-1]": lambda a, b: torch.cat([a, b], dim=-1),
    "stack": lambda a, b: torch.stack([a, b]),
    "stack[axis=-1]": lambda a, b, c: torch.stack([a, b, c], dim=-1),
    "getitem[int]": lambda a: a[0],
    "getitem[slices]": lambda a: a[1:, ::2],
    "getitem[ellipsis, None]": lambda a: a[..., None, -1],
    "getitem[repeated indices]": lambda a: a[[0, 0, -1]],
    "getitem[array pairs]": lambda a: a[torch.tensor([0, -1, 0]), torch.tensor([0, 0, -1])],
    "getitem[mask]": lambda a: a[a.detach() > 0],
    "getitem[int, slice, array]": lambda a: a[1, :, [0, -1]],
    "setitem": lambda a, b: _setitem(a, b),
    "add_": lambda a, b: a.clone().add_(b, alpha=2),
    "sub_": lambda a, b: a.clone().sub_(b),
    "mul_": lambda a, b: a.clone().mul_(b),
    "div_": lambda a, b: a.clone().div_(b),
    "clamp_": lambda a: a.clone().clamp_(-0.5, 0.75),
    "fill_": lambda a: a.clone().fill_(0.5) * a,
    "zero_": lambda a: a.clone().zero_() + a,
    "copy_": lambda a, b: a.clone().copy_(b) * a,
    "masked_fill": lambda a: a.masked_fill(_const(_mask_for, a), 0.5),
    "masked_fill[row mask, tensor value]": lambda a, v: torch.masked_fill(a, _const(_last_axis_mask, a), v),
    "tril": lambda a: a.tril(),
    "tril[diagonal=1]": lambda a: torch.tril(a, 1),
    "triu": lambda a: a.triu(),
    "triu[diagonal=-1]": lambda a: a.triu(diagonal=-1),
    "gather": lambda a: a.gather(-1, _const(_gather_index, a)),
    "gather[dim=0, smaller index]": lambda a: torch.gather(a, 0, _const(lambda x: _gather_index(x, 0, True), a)),
    # PyTorch's scatter and scatter_add backwards fail for a src larger than index (src's gradient comes out
    # in index's shape), so src is first cut to index's shape, the part that scatter reads
    "scatter": lambda a, b: (lambda i: a.scatter(-1, i, b[..., :i.shape[-1]]))(_const(_scatter_index, a)),
    "scatter[dim=0, value]": lambda a: torch.scatter(a, 0, _const(lambda x: _scatter_index(x, 0), a), value=0.5),
    "scatter_add": lambda a, b: a.scatter_add(0, _const(lambda x: _gather_index(x, 0), a), b),
    "scatter_add[larger src]": lambda a, b: (lambda i: torch.scatter_add(
        a, -1, i, b[tuple(slice(0, n) for n in i.shape)]))(_const(lambda x: _gather_index(x, -1, True), a)),
    "masked_select": lambda a: a.masked_select(_const(_mask_for, a)),
    "masked_select[row mask]": lambda a: torch.masked_select(a, _const(_last_axis_mask, a)),
    "nonzero": lambda a: (a > 0).nonzero(),
    "nonzero[as_tuple]": lambda a: torch.nonzero(a > 0, as_tuple=True)[-1],
    "flip": lambda a: a.flip(0),
    "flip[dims=(0, -1)]": lambda a: torch.flip(a, (0, -1)),
    "roll": lambda a: a.roll(1, 0),
    "roll[flattened]": lambda a: torch.roll(a, -2),
    "roll[shifts=(1, -2), dims=(0, -1)]": lambda a: a.roll((1, -2), (0, -1)),
    "diag[vector]": lambda a: a.diag(),
    "diag[vector, diagonal=-1]": lambda a: torch.diag(a, -1),
    "diag[matrix, diagonal=1]": lambda a: a.diag(1),
    "diagonal": lambda a: a.diagonal(),
    "diagonal[offset=-1, dim1=1, dim2=-1]": lambda a: torch.diagonal(a, -1, 1, -1),
    "repeat": lambda a: a.repeat(*((2,) * a.ndim)),
    "repeat[more sizes than dims]": lambda a: a.repeat((3,) + (1,) * a.ndim),
    "repeat_interleave": lambda a: a.repeat_interleave(2),
    "repeat_interleave[dim=-1]": lambda a: torch.repeat_interleave(a, 3, dim=-1),
    "repeat_interleave[tensor repeats, dim=0]": lambda a: a.repeat_interleave(torch.as_tensor(_counts(a)), dim=0),
    "split": lambda a: _join(a.split(2), torch.cat),
    "split[sections, dim=-1]": lambda a: _join(torch.split(a, [1, a.shape[-1] - 1], dim=-1), torch.cat, -1),
    "chunk": lambda a: _join(a.chunk(2), torch.cat),
    "chunk[chunks=3, dim=-1]": lambda a: _join(torch.chunk(a, 3, -1), torch.cat, -1),
    "unflatten": lambda a: a.unflatten(-1, (1, a.shape[-1], 1)),
    "unflatten[dim=0, -1]": lambda a: torch.unflatten(a, 0, (2, -1)),
    "meshgrid": lambda a, b: torch.stack(torch.meshgrid(a, b, indexing="ij")),
    "meshgrid[xy, three]": lambda a, b, c: torch.stack(torch.meshgrid([a, b, c], indexing="xy")),
    "einsum[transpose]": lambda a: torch.einsum("ij->ji", a),
    "einsum[sum over i]": lambda a: torch.einsum("ijk->kj", a),
    "einsum[trace]": lambda a: torch.einsum("ii", a),
    "einsum[outer]": lambda a, b: torch.einsum("i,j->ij", a, b),
    "einsum[batched matmul]": lambda a, b: torch.einsum("bij,bjk->bik", a, b),
    "einsum[attention]": lambda q, k: torch.einsum("bhqd,bhkd->bhqk", q, k),
    "einsum[implicit matmul]": lambda a, b: torch.einsum("ij,jk", a, b),
    "einsum[ellipsis, broadcast batch]": lambda a, b: torch.einsum("...ij,...jk->...ik", a, b),
    "einsum[three operands]": lambda a, b, c: torch.einsum("i,ij,j->", a, b, c),
    # ---------------------------------------------------------------- nn.functional
    "F.relu": lambda x: F.relu(x),
    "F.leaky_relu": lambda x: F.leaky_relu(x, 0.2),
    "F.sigmoid": lambda x: F.sigmoid(x),
    "F.tanh": lambda x: F.tanh(x),
    "F.softmax[dim=0]": lambda x: F.softmax(x, dim=0),
    "F.log_softmax[dim=1]": lambda x: F.log_softmax(x, dim=1),
    "linear": lambda x, w, b: F.linear(x, w, b),
    "linear[no bias]": lambda x, w: F.linear(x, w),
    # cross_entropy/nll_loss: classes on axis 1 for inputs of 2 or more dims, (N, C, d1, ...)
    "cross_entropy[labels]": lambda x: F.cross_entropy(x, _const(_labels_for, x)),
    "cross_entropy[probabilities, sum]": lambda x: F.cross_entropy(x, _const(_probabilities_for, x), reduction="sum"),
    "cross_entropy[none]": lambda x: F.cross_entropy(x, _const(_labels_for, x), reduction="none"),
    "one_hot": lambda x: F.one_hot(_const(_last_axis_labels, x), x.shape[-1]).to(x.dtype),
    "conv2d": lambda x, w, b: F.conv2d(x, w, b),
    "conv2d[stride 2, padding 1]": lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
    "max_pool2d": lambda x: F.max_pool2d(x, 2),
    "max_pool2d[padding 1]": lambda x: F.max_pool2d(x, 2, padding=1),
    "avg_pool2d": lambda x: F.avg_pool2d(x, 2),
    "batch_norm[training]": lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
    "dropout[seeded]": _dropout,
    "embedding": _embedding,
    "mse_loss": lambda a, b: F.mse_loss(a, b),
    "nll_loss": lambda x: F.nll_loss(x.log_softmax(dim=_class_axis(x)), _const(_labels_for, x)),
    "binary_cross_entropy": lambda p: F.binary_cross_entropy(p, _const(_probabilities_for, p)),
    "binary_cross_entropy_with_logits":
        lambda x: F.binary_cross_entropy_with_logits(x, _const(_probabilities_for, x)),
    # no accuracy function in PyTorch itself: this is the idiom PyTorch code writes
    "accuracy": lambda x: (((x[..., 0] > 0.5) if x.shape[-1] == 1 else x.argmax(dim=-1))  # Keras' binary accuracy
                           == _const(_last_axis_labels, x)).float().mean(),
    "cross_entropy[weight]": lambda x: F.cross_entropy(x, _const(_labels_for, x), weight=_const(_class_weights_for, x)),
    "cross_entropy[ignore_index]": lambda x: F.cross_entropy(x, _const(_ignored_labels_for, x), ignore_index=-100),
    "cross_entropy[label_smoothing]": lambda x: F.cross_entropy(x, _const(_labels_for, x), label_smoothing=0.2),
    "cross_entropy[weight, ignore_index, label_smoothing, none]":
        lambda x: F.cross_entropy(x, _const(_ignored_labels_for, x), weight=_const(_class_weights_for, x),
                                  reduction="none", label_smoothing=0.2),
    "cross_entropy[probabilities, weight, label_smoothing]":
        lambda x: F.cross_entropy(x, _const(_probabilities_for, x), weight=_const(_class_weights_for, x),
                                  label_smoothing=0.2),
    "nll_loss[weight]": lambda x: F.nll_loss(x.log_softmax(dim=_class_axis(x)), _const(_labels_for, x),
                                             weight=_const(_class_weights_for, x)),
    "nll_loss[ignore_index, sum]": lambda x: F.nll_loss(x.log_softmax(dim=_class_axis(x)),
                                                        _const(_ignored_labels_for, x), reduction="sum"),
    "binary_cross_entropy_with_logits[pos_weight]":
        lambda x: F.binary_cross_entropy_with_logits(x, _const(_probabilities_for, x),
                                                     pos_weight=_const(_pos_weight_for, x)),
    "binary_cross_entropy_with_logits[weight, none]":
        lambda x: F.binary_cross_entropy_with_logits(x, _const(_probabilities_for, x), reduction="none",
                                                     weight=0.5 + _const(_probabilities_for, x)),
    "kl_div": lambda a, b: F.kl_div(a, b, reduction="mean"),
    "kl_div[log_target, batchmean]": lambda a, b: F.kl_div(a, b, reduction="batchmean", log_target=True),
    "kl_div[sum]": lambda a, b: F.kl_div(a, b, reduction="sum"),
    "smooth_l1_loss[beta=0.3]": lambda a, b: F.smooth_l1_loss(a, b, beta=0.3),
    "smooth_l1_loss[sum]": lambda x: F.smooth_l1_loss(x, _const(_probabilities_for, x), reduction="sum"),
    "huber_loss[delta=0.7]": lambda a, b: F.huber_loss(a, b, delta=0.7),
    "huber_loss[none]": lambda x: F.huber_loss(x, _const(_probabilities_for, x), reduction="none"),
    "l1_loss": lambda a, b: F.l1_loss(a, b + 1 / 256),
    "gelu": lambda x: F.gelu(x),
    "gelu[tanh]": lambda x: F.gelu(x, approximate="tanh"),
    "silu": lambda x: F.silu(x),
    "elu": lambda x: F.elu(x),
    "elu[alpha=0.5]": lambda x: F.elu(x, alpha=0.5),
    "selu": lambda x: F.selu(x),
    "celu[alpha=0.5]": lambda x: F.celu(x, alpha=0.5),
    "mish": lambda x: F.mish(x),
    "hardtanh": lambda x: F.hardtanh(x),
    "hardtanh[min_val=-0.5, max_val=1.5]": lambda x: F.hardtanh(x, min_val=-0.5, max_val=1.5),
    "relu6": lambda x: F.relu6(x),
    "hardswish": lambda x: F.hardswish(x),
    # F.hardsigmoid's backward multiplies by float32's 1/6 even in float64 (3e-8 off); its own formula has the exact 1/6
    "hardsigmoid": lambda x: F.relu6(x + 3) / 6,
    "softsign": lambda x: F.softsign(x),
    "logsigmoid": lambda x: F.logsigmoid(x),
    "softmin": lambda x: F.softmin(x, dim=-1),
    "softmin[dim=0]": lambda x: F.softmin(x, dim=0),
    "F.softplus": lambda x: F.softplus(x),
    "F.softplus[beta=2, threshold=1]": lambda x: F.softplus(x, beta=2, threshold=1),
    "layer_norm": lambda x: F.layer_norm(x, x.shape[-1:]),
    "layer_norm[affine, last 2 axes]": lambda x, w, b: F.layer_norm(x, x.shape[-2:], w, b),
    "group_norm": lambda x, w, b: F.group_norm(x, 2, w, b),
    "normalize": lambda x: F.normalize(x),
    "normalize[p=1, dim=-1]": lambda x: F.normalize(x, p=1, dim=-1),
    "scaled_dot_product_attention": lambda q, k, v: F.scaled_dot_product_attention(q, k, v),
    "scaled_dot_product_attention[causal, scale=0.5]":
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.5),
    "scaled_dot_product_attention[bool mask]":
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=torch.as_tensor(_attention_mask(q, k))),
    "scaled_dot_product_attention[float mask]": lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
    # ---------------------------------------------------------------- convolution and pooling options
    "conv2d[dilation 2]": lambda x, w, b: F.conv2d(x, w, b, dilation=2),
    "conv2d[groups 2, stride 2, padding 1]": lambda x, w, b: F.conv2d(x, w, b, 2, 1, groups=2),
    "conv2d[padding same, dilation (1, 2), groups 2]":
        lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=(1, 2), groups=2),
    "conv2d[padding valid, no bias]": lambda x, w: F.conv2d(x, w, padding="valid"),
    "conv1d": lambda x, w, b: F.conv1d(x, w, b),
    "conv1d[stride 2, padding 1, dilation 2, groups 2]": lambda x, w, b: F.conv1d(x, w, b, 2, 1, 2, 2),
    "conv1d[padding same, no bias]": lambda x, w: F.conv1d(x, w, padding="same"),
    "conv_transpose2d": lambda x, w, b: F.conv_transpose2d(x, w, b),
    "conv_transpose2d[stride 2, padding 1, output_padding 1]": lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1),
    "conv_transpose2d[stride (2, 1), output_padding 1, groups 2, dilation 2]":
        lambda x, w, b: F.conv_transpose2d(x, w, b, (2, 1), 0, 1, 2, 2),
    "max_pool2d[stride 1, dilation 2]": lambda x: F.max_pool2d(x, 2, 1, dilation=2),
    "max_pool2d[kernel 3, stride 2, padding 1, ceil_mode]": lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    "max_pool2d[return_indices: values]": lambda x: F.max_pool2d(x, (2, 3), 1, return_indices=True)[0],
    "max_pool2d[return_indices: indices, ceil_mode, padding 1]":
        lambda x: F.max_pool2d(x, 2, padding=1, ceil_mode=True, return_indices=True)[1],
    "avg_pool2d[kernel 3, stride 2, padding 1, ceil_mode]": lambda x: F.avg_pool2d(x, 3, 2, 1, True),
    "avg_pool2d[kernel 3, stride 2, padding 1, ceil_mode, count_include_pad=False]":
        lambda x: F.avg_pool2d(x, 3, 2, 1, True, False),
    "avg_pool2d[stride 1, divisor_override 3]": lambda x: F.avg_pool2d(x, 2, 1, divisor_override=3),
    "max_pool1d": lambda x: F.max_pool1d(x, 2),
    "max_pool1d[kernel 3, stride 2, padding 1, dilation 2, ceil_mode]": lambda x: F.max_pool1d(x, 3, 2, 1, 2, True),
    "max_pool1d[return_indices: indices]": lambda x: F.max_pool1d(x, 2, 1, return_indices=True)[1],
    "avg_pool1d": lambda x: F.avg_pool1d(x, 2),
    "avg_pool1d[kernel 3, stride 2, padding 1, ceil_mode, count_include_pad=False]":
        lambda x: F.avg_pool1d(x, 3, 2, 1, True, False),
    # ---------------------------------------------------------------- resampling
    "pad[F.pad, constant (1, 2, 0, 1), value 0.5]": lambda x: F.pad(x, (1, 2, 0, 1), value=0.5),
    "pad[F.pad, constant, negative crops]": lambda x: F.pad(x, (-1, 2, 1, -1)),
    "pad[F.pad, reflect]": lambda x: F.pad(x, (2, 1), mode="reflect"),
    "pad[F.pad, reflect, 2-D]": lambda x: F.pad(x, (1, 2, 2, 1), mode="reflect"),
    "pad[F.pad, replicate, no batch]": lambda x: F.pad(x, (2, 0, 1, 3), mode="replicate"),
    "pad[F.pad, replicate, 3-D]": lambda x: F.pad(x, (1, 0, 0, 1, 1, 1), mode="replicate"),
    "pad[F.pad, circular]": lambda x: F.pad(x, (1, 2, 2, 0), mode="circular"),
    "interpolate": lambda x: F.interpolate(x, size=5),
    "interpolate[nearest, scale_factor (1.5, 0.5)]": lambda x: F.interpolate(x, scale_factor=(1.5, 0.5)),
    "interpolate[linear]": lambda x: F.interpolate(x, size=5, mode="linear"),
    "interpolate[linear, align_corners, scale_factor 2.5]":
        lambda x: F.interpolate(x, scale_factor=2.5, mode="linear", align_corners=True),
    "interpolate[bilinear]": lambda x: F.interpolate(x, size=(3, 5), mode="bilinear"),
    "interpolate[bilinear, align_corners]": lambda x: F.interpolate(x, size=4, mode="bilinear", align_corners=True),
    "interpolate[bilinear, scale_factor 0.5]": lambda x: F.interpolate(x, scale_factor=0.5, mode="bilinear"),
    "adaptive_avg_pool1d": lambda x: F.adaptive_avg_pool1d(x, 3),
    "adaptive_avg_pool2d": lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
    "adaptive_avg_pool2d[int, no batch]": lambda x: F.adaptive_avg_pool2d(x, 4),
    "adaptive_avg_pool2d[(None, 2)]": lambda x: F.adaptive_avg_pool2d(x, (None, 2)),
    "adaptive_max_pool2d": lambda x: F.adaptive_max_pool2d(x, (2, 3)),
    "adaptive_max_pool2d[(None, 4), no batch]": lambda x: F.adaptive_max_pool2d(x, (None, 4)),
}

NO_TORCH_EQUIVALENT = {
    "l2_penalty": "a book-only helper: PyTorch puts L2 regularisation in its optimizers' weight_decay",
    "rmod": "PyTorch has no derivative of remainder(number, tensor) ('not implemented'); the row checks "
            "ours against central differences, and `mod` compares the tensor form with PyTorch",
}
