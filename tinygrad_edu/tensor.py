"""Tensor: an array plus the op that made it.

Methods delegate to the primitives in ops.py in one line, or are composites written with other
Tensor ops (no derivative of their own to get wrong). NumPy's conventions throughout: `axis`,
`keepdims`, `transpose(*axes)`; float32 by default.
"""
from __future__ import annotations

import weakref
from types import SimpleNamespace

import numpy as np

from . import ops
from .autograd import array_namespace, mark_written, run_backward
from .device import canonical, device_of, is_array, split_to_arguments, to_device, to_library_of

DEFAULT_FLOAT = np.float32


class Tensor:
    """An n-dimensional array that records the ops applied to it, for reverse-mode autograd.

    `Tensor(data, requires_grad=False, dtype=None, device=None)`: Python numbers and lists become
    float32, arrays keep their dtype (float64 stays float64), `dtype` converts; `device` ("cpu",
    "cuda", "cuda:N") puts the values there (default: where the array is, the CPU for the rest).
    """

    __slots__ = ("_data", "grad", "_requires_grad", "_ctx", "name", "_hooks", "__weakref__")
    __array_ufunc__ = None  # NumPy defers to our reflected operators; np.exp(t) fails loudly
    __hash__ = object.__hash__  # == is elementwise, so hash by identity explicitly

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str | None = None, device=None):
        self._data = _as_array(data._data if isinstance(data, Tensor) else data, dtype)
        if device is not None:
            self._data = to_device(self._data, device)
        self.grad = None
        self._ctx = None
        self._hooks = None
        self.name = name
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @staticmethod
    def _from_op(y) -> "Tensor":
        """Wrap an op's result (fast path: no checks beyond making it an array)."""
        if type(y) is not np.ndarray:
            y = _as_array(y, None) if isinstance(y, (np.generic, float, int)) else y
        t = object.__new__(Tensor)
        t._data, t.grad, t._requires_grad, t._ctx, t.name, t._hooks = y, None, False, None, None, None
        return t

    # ------------------------------------------------------------------ properties

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self._data.dtype.kind != "f":
            raise TypeError(f"Tensor: only real floating-point tensors can require grad, this one is "
                            f"{self._data.dtype}; make it with dtype=np.float32 or float64")
        if not value and self._ctx is not None:
            raise RuntimeError("Tensor: requires_grad can only be switched off on a leaf; "
                               "use .detach() for a tensor made by an op")
        self._requires_grad = bool(value)

    def requires_grad_(self, value: bool = True) -> "Tensor":
        self.requires_grad = value
        return self

    @property
    def data(self):
        """The values, as an array (NumPy or CuPy) shared with this tensor, outside the graph."""
        return self._data

    @data.setter
    def data(self, value) -> None:
        # `t.data -= lr * g` writes into the array and then assigns it back: that is an in-place
        # change, which backward must be able to detect. A new array replaces the old one instead.
        value = value._data if isinstance(value, Tensor) else _as_array(value, None)
        if value is self._data:
            mark_written(value)
        self._data = value

    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    size = property(lambda self: self._data.size)
    dtype = property(lambda self: self._data.dtype)
    xp = property(lambda self: array_namespace(self._data), doc="the array library of .data")
    device = property(lambda self: device_of(self._data), doc='"cpu" or "cuda:N"')
    is_leaf = property(lambda self: self._ctx is None)
    T = property(lambda self: self.transpose())

    # ------------------------------------------------------------------ conversion

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (shares memory with .data on the CPU, a copy from a GPU)."""
        return to_device(self._data, "cpu")

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.numpy(), dtype=dtype)

    def item(self) -> float:
        if self._data.size != 1:
            raise ValueError(f"item: only a one-element tensor has an item, this one has shape {self.shape}")
        return self._data.item()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        return bool(self._data)

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def to(self, *args, device=None, dtype=None) -> "Tensor":
        """This tensor on another device and/or as another dtype, as in PyTorch: `t.to("cuda")`,
        `t.to(np.float64)`, `t.to("cpu", np.float32)`. Differentiable; self if nothing changes."""
        device, dtype = split_to_arguments(args, device, dtype, "Tensor.to")
        out = self if dtype is None else self.astype(dtype)
        if device is not None and canonical(device) != out.device:
            out = ops.ToDevice.apply(out, device)
        return out

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self, index: int = 0) -> "Tensor":
        return self.to(f"cuda:{index}")

    def detach(self) -> "Tensor":
        """The same values, cut from the graph (shares memory)."""
        return Tensor._from_op(self._data)

    def astype(self, dtype) -> "Tensor":
        return self if np.dtype(dtype) == self.dtype else ops.Cast.apply(self, np.dtype(dtype))

    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), prefix="Tensor(", separator=", ", threshold=50)
        extra = "" if self.dtype == DEFAULT_FLOAT else f", dtype={self.dtype}"
        if self._ctx is not None:
            extra += f", op={type(self._ctx).__name__}"
        elif self._requires_grad:
            extra += ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        return f"Tensor({body}{extra})"

    # ------------------------------------------------------------------ autograd

    def backward(self, grad=None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into the `.grad` of every leaf that requires grad.

        `grad` is the upstream gradient (needed unless self has one element). The graph's saved
        values are freed afterwards unless `retain_graph` (default: `create_graph`); with
        `create_graph=True` the gradients are themselves differentiable.
        """
        if not self._requires_grad:
            raise RuntimeError("backward: this tensor does not require grad, so no graph was "
                               "recorded; create the inputs with requires_grad=True (and not "
                               "inside no_grad())")
        seed = _seed_gradient(self, grad, "backward", create_graph)
        run_backward([self], [seed], create_graph if retain_graph is None else retain_graph,
                     create_graph)

    def register_hook(self, hook) -> "_RemovableHook":
        """Call `hook(grad)` with the gradient flowing into this tensor during backward; a Tensor
        it returns replaces the gradient. Returns a handle whose `remove()` unregisters it."""
        if not self._requires_grad:
            raise RuntimeError("register_hook: this tensor does not require grad, so no gradient flows into it")
        if self._ctx is None:
            hooks = self._hooks  # a leaf keeps its hooks; an op's output keeps them on the op
            if hooks is None:
                hooks = self._hooks = []
        else:
            hooks = self._ctx.hooks
            if hooks is None:
                hooks = self._ctx.hooks = []
        hooks.append(hook)
        return _RemovableHook(hooks, hook)

    def retain_grad(self) -> None:
        """Keep this intermediate tensor's gradient in `.grad` after backward (leaves always do)."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")
        if self._ctx is not None:
            self._ctx.retained = weakref.ref(self)

    def draw_graph(self, **options):
        """The backprop graph that produced this tensor (see tinygrad_edu.viz.draw_graph)."""
        from .viz import draw_graph
        return draw_graph(self, **options)

    # ------------------------------------------------------------------ arithmetic

    def _operand(self, other):
        """`other` as the second input of an op with self: Tensors and arrays stay as they are;
        a Python or NumPy scalar, or a list, takes self's dtype (0.5 never turns float32 into
        float64)."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (float, int, np.number)):
            kind = self._data.dtype.kind
            dtype = self._data.dtype if kind in "fc" else (DEFAULT_FLOAT if isinstance(other, (float, np.floating)) else None)
            xp = np if type(self._data) is np.ndarray else array_namespace(self._data)
            return xp.asarray(other, dtype=dtype)
        if is_array(other):
            return other  # arrays keep their dtype: NumPy's promotion applies
        if other is None or isinstance(other, (str, bytes, dict, set)):
            raise TypeError(f"Tensor: cannot compute with {type(other).__name__} {other!r:.40}; "
                            "use a number, a list of numbers, an array or a Tensor")
        values = _as_array(other, self._data.dtype if self._data.dtype.kind in "fc" else None)
        return values if type(self._data) is np.ndarray else to_library_of(values, self._data)

    def __add__(self, other): return ops.Add.apply(self, self._operand(other))
    def __radd__(self, other): return ops.Add.apply(self._operand(other), self)
    def __sub__(self, other): return ops.Sub.apply(self, self._operand(other))
    def __rsub__(self, other): return ops.Sub.apply(self._operand(other), self)
    def __mul__(self, other): return ops.Mul.apply(self, self._operand(other))
    def __rmul__(self, other): return ops.Mul.apply(self._operand(other), self)
    def __truediv__(self, other): return ops.Div.apply(self, self._operand(other))
    def __rtruediv__(self, other): return ops.Div.apply(self._operand(other), self)
    def __pow__(self, other): return ops.Pow.apply(self, self._operand(other))
    def __rpow__(self, other): return ops.Pow.apply(self._operand(other), self)
    def __matmul__(self, other): return ops.Matmul.apply(self, self._operand(other))
    def __rmatmul__(self, other): return ops.Matmul.apply(self._operand(other), self)
    def __neg__(self): return ops.Neg.apply(self)

    def matmul(self, other) -> "Tensor":
        return self @ other

    # Comparisons give boolean tensors that carry no gradient.
    def _compare(self, other, name: str) -> "Tensor":
        other = self._operand(other)
        b = other._data if isinstance(other, Tensor) else other
        try:
            return Tensor._from_op(getattr(self.xp, name)(self._data, b))
        except ValueError as e:
            raise ValueError(f"{name}: shapes {self.shape} and {np.shape(b)}: {e}") from None

    def __lt__(self, other): return self._compare(other, "less")
    def __le__(self, other): return self._compare(other, "less_equal")
    def __gt__(self, other): return self._compare(other, "greater")
    def __ge__(self, other): return self._compare(other, "greater_equal")
    def __eq__(self, other): return self._compare(other, "equal")
    def __ne__(self, other): return self._compare(other, "not_equal")

    # ------------------------------------------------------------------ elementwise math

    def exp(self): return ops.Exp.apply(self)
    def log(self): return ops.Log.apply(self)
    def sin(self): return ops.Sin.apply(self)
    def cos(self): return ops.Cos.apply(self)
    def abs(self): return ops.Abs.apply(self)
    def tanh(self): return ops.Tanh.apply(self)
    def sigmoid(self): return ops.Sigmoid.apply(self)
    def relu(self): return ops.Relu.apply(self)

    def sqrt(self) -> "Tensor":
        return self ** 0.5

    def leaky_relu(self, negative_slope: float = 0.01) -> "Tensor":
        """x where x > 0, else negative_slope * x (gradient negative_slope at 0, as in PyTorch)."""
        return where(self._data > 0, self, self * negative_slope)

    def softplus(self) -> "Tensor":
        """log(1 + exp(x)), stable for large |x|."""
        return ops.Softplus.apply(self)

    def clip(self, lo=None, hi=None) -> "Tensor":
        """Values limited to [lo, hi]; the gradient passes where lo <= x <= hi (as in PyTorch)."""
        xp = self.xp
        inside = xp.ones(self.shape, dtype=bool)
        if lo is not None:
            inside &= self._data >= lo
        if hi is not None:
            inside &= self._data <= hi
        return where(inside, self, xp.clip(self._data, lo, hi))

    def maximum(self, other) -> "Tensor":
        return maximum(self, other)

    def minimum(self, other) -> "Tensor":
        return minimum(self, other)

    # ------------------------------------------------------------------ reductions

    def _axes(self, axis, op: str) -> tuple:
        """`axis` (None, int or tuple, negative allowed) as a sorted tuple of axes."""
        if axis is None:
            return tuple(range(self.ndim))
        axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
        normalised = []
        for a in axes:
            if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
                raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
            if not -self.ndim <= a < max(self.ndim, 1) or (self.ndim == 0 and a not in (0, -1)):
                raise ValueError(f"{op}: axis {a} is out of range for a tensor of shape {self.shape}")
            normalised.append(a % self.ndim if self.ndim else 0)
        if len(set(normalised)) != len(normalised):
            raise ValueError(f"{op}: repeated axis in {axis}")
        return tuple(sorted(normalised)) if self.ndim else ()

    def _reduced_size(self, axes: tuple) -> int:
        return int(np.prod([self.shape[a] for a in axes]))

    def sum(self, axis=None, keepdims: bool = False) -> "Tensor":
        return ops.Sum.apply(self, self._axes(axis, "sum"), keepdims)

    def mean(self, axis=None, keepdims: bool = False) -> "Tensor":
        axes = self._axes(axis, "mean")
        return self.sum(axes, keepdims) / self._reduced_size(axes)

    def var(self, axis=None, keepdims: bool = False, *, ddof: int = 0) -> "Tensor":
        """Mean squared deviation from the mean, divided by (n - ddof) instead of n."""
        axes = self._axes(axis, "var")
        d = self - self.mean(axes, keepdims=True)
        return (d * d).sum(axes, keepdims) / (self._reduced_size(axes) - ddof)

    def std(self, axis=None, keepdims: bool = False, *, ddof: int = 0) -> "Tensor":
        return self.var(axis, keepdims, ddof=ddof).sqrt()

    def max(self, axis=None, keepdims: bool = False) -> "Tensor":
        """Largest value; tied maxima share the gradient evenly."""
        return ops.Max.apply(self, self._axes(axis, "max"), keepdims)

    def min(self, axis=None, keepdims: bool = False) -> "Tensor":
        """Smallest value; tied minima share the gradient evenly."""
        return -(-self).max(axis, keepdims)

    def logsumexp(self, axis=None, keepdims: bool = False) -> "Tensor":
        """log(sum(exp(x))), computed after shifting by the max so it cannot overflow."""
        axes = self._axes(axis, "logsumexp")
        m = self._data.max(axis=axes, keepdims=True)
        m = self.xp.where(self.xp.isfinite(m), m, self.xp.zeros_like(m))
        y = (self - m).exp().sum(axes, keepdims=True).log() + m
        return y if keepdims else y.reshape(tuple(s for i, s in enumerate(y.shape) if i not in axes))

    def argmax(self, axis=None, keepdims: bool = False) -> "Tensor":
        return Tensor._from_op(self.xp.argmax(self._data, axis=axis, keepdims=keepdims))

    def argmin(self, axis=None, keepdims: bool = False) -> "Tensor":
        return Tensor._from_op(self.xp.argmin(self._data, axis=axis, keepdims=keepdims))

    def softmax(self, axis: int = -1) -> "Tensor":
        return self.log_softmax(axis).exp()

    def log_softmax(self, axis: int = -1) -> "Tensor":
        return ops.LogSoftmax.apply(self, self._axes(axis, "log_softmax")[0])

    # ------------------------------------------------------------------ movement

    def reshape(self, *shape) -> "Tensor":
        """reshape(2, 3) or reshape((2, 3)); one dimension may be -1."""
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return ops.Reshape.apply(self, shape)

    def flatten(self, start_axis: int = 0) -> "Tensor":
        """Merge the axes from `start_axis` on into one (all of them by default)."""
        start_axis %= max(self.ndim, 1)
        return self.reshape(self.shape[:start_axis] + (-1,))

    def transpose(self, *axes) -> "Tensor":
        """Permute the axes; with none given, reverse them (as NumPy does)."""
        axes = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return ops.Transpose.apply(self, axes or tuple(reversed(range(self.ndim))))

    permute = transpose

    def swapaxes(self, axis1: int, axis2: int) -> "Tensor":
        axes = list(range(self.ndim))
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        return self.transpose(axes)

    def broadcast_to(self, shape) -> "Tensor":
        return ops.BroadcastTo.apply(self, tuple(shape))

    def squeeze(self, axis=None) -> "Tensor":
        """Drop axes of length 1 (the given ones, or all)."""
        axes = self._axes(axis, "squeeze") if axis is not None else tuple(i for i, s in enumerate(self.shape) if s == 1)
        if any(self.shape[a] != 1 for a in axes):
            raise ValueError(f"squeeze: axis {axis} of shape {self.shape} does not have length 1")
        return self.reshape(tuple(s for i, s in enumerate(self.shape) if i not in axes))

    def expand_dims(self, axis: int) -> "Tensor":
        """Insert an axis of length 1 at position `axis`."""
        if not -self.ndim - 1 <= axis <= self.ndim:
            raise ValueError(f"expand_dims: axis {axis} is out of range for shape {self.shape}")
        axis %= self.ndim + 1
        return self.reshape(self.shape[:axis] + (1,) + self.shape[axis:])

    def pad(self, pad_width, value: float = 0.0) -> "Tensor":
        """Pad with a constant; `pad_width` as in np.pad: n, (before, after), or one pair per axis."""
        widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (self.ndim, 2))
        if (widths < 0).any():
            raise ValueError(f"pad: negative pad width {pad_width}")
        return ops.Pad.apply(self, tuple(map(tuple, widths.tolist())), value)

    def __getitem__(self, index) -> "Tensor":
        """Ints, slices, Ellipsis, None, integer arrays (repeats add up in the gradient), masks."""
        return ops.GetItem.apply(self, _plain_index(index, self._data))


class _RemovableHook:
    def __init__(self, hooks: list, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


# ---------------------------------------------------------------------- functions of tensors


def where(cond, a, b) -> Tensor:
    """a where cond is true, else b; cond gets no gradient."""
    cond = cond._data if isinstance(cond, Tensor) else cond
    first = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else Tensor(a)
    return ops.Where.apply(cond, first._operand(a), first._operand(b))


def maximum(a, b) -> Tensor:
    """Elementwise larger value; on a tie each input gets half the gradient."""
    first = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else Tensor(a)
    return ops.Maximum.apply(first._operand(a), first._operand(b))


def minimum(a, b) -> Tensor:
    """Elementwise smaller value; on a tie each input gets half the gradient."""
    return -maximum(-_as_tensor(a), -_as_tensor(b))


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    tensors = [_as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("concatenate: needs at least one tensor")
    return ops.Concatenate.apply(*tensors, axis)


def stack(tensors, axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis."""
    tensors = [_as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors need one shape, got {sorted(shapes)}")
    return concatenate([t.expand_dims(axis) for t in tensors], axis)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """The gradients of `outputs` with respect to `inputs`, returned (not stored in `.grad`)."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {x.shape}) does not require grad")
    roots, seeds = [], []
    for y, g in zip(outputs, grad_outputs):
        if y.requires_grad:
            roots.append(y)
            seeds.append(_seed_gradient(y, g, "grad", create_graph))
    result = run_backward(roots, seeds, create_graph if retain_graph is None else retain_graph,
                          create_graph, targets=inputs) if roots else [None] * len(inputs)
    for i, g in enumerate(result):
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {inputs[i].shape}) was not used to compute "
                               "the outputs; pass allow_unused=True to get None for it")
    return tuple(result)


def _seed_gradient(y: Tensor, g, who: str, create_graph: bool):
    """The upstream gradient that starts a backward pass from y (ones for a one-element y)."""
    if g is None:
        if y.size != 1:
            raise RuntimeError(f"{who}: a gradient can be created implicitly only for a "
                               f"one-element output, this one has shape {y.shape}; pass the "
                               "upstream gradient, or reduce first, e.g. y.sum().backward()")
        g = y.xp.ones_like(y._data)
    elif isinstance(g, Tensor):
        g = g if create_graph else g._data
    else:
        g = _as_array(g, y.dtype)
        g = g if type(y._data) is np.ndarray else to_library_of(g, y._data)  # where y's values are
    if g.shape != y.shape:
        raise ValueError(f"{who}: the gradient has shape {g.shape} but the output has shape {y.shape}")
    return Tensor(g) if create_graph and not isinstance(g, Tensor) else g


# ---------------------------------------------------------------------- helpers


def _as_array(data, dtype):
    """`data` as an array: Python numbers and lists become float32 unless `dtype` says."""
    if is_array(data):
        array = data if dtype is None else data.astype(dtype, copy=False)
    else:
        if dtype is None and not isinstance(data, np.generic):
            dtype = DEFAULT_FLOAT
        try:
            array = np.asarray(data, dtype=dtype)
        except (TypeError, ValueError) as e:
            raise TypeError(f"Tensor: cannot make a tensor from {type(data).__name__} {data!r:.80}: {e}") from None
    if array.dtype.kind not in "biufc":
        raise TypeError(f"Tensor: data of dtype {array.dtype} is not numeric")
    return array


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _plain_index(index, values):
    """An index with Tensors and lists replaced by arrays on the device of `values`, so that
    NumPy's (or CuPy's) indexing applies as is."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i, values) for i in index)
    if isinstance(index, Tensor):
        index = index._data
    elif isinstance(index, list):
        index = np.asarray(index)
    return index if type(values) is np.ndarray or not hasattr(index, "shape") else to_library_of(index, values)


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


# The namespace that backward formulas see as `ctx.xp` under create_graph=True: NumPy's names,
# computed with Tensor ops, so the gradient they build is itself differentiable.
graph_xp = SimpleNamespace(
    exp=lambda x: _t(x).exp(),
    log=lambda x: _t(x).log(),
    sin=lambda x: _t(x).sin(),
    cos=lambda x: _t(x).cos(),
    tanh=lambda x: _t(x).tanh(),
    sign=lambda x: Tensor(_t(x).xp.sign(_t(x).data)),  # piecewise constant: no gradient
    zeros_like=lambda x: Tensor(_t(x).xp.zeros_like(_t(x).data)),
    broadcast_to=lambda x, shape: _t(x).broadcast_to(shape),
    where=where,
)
