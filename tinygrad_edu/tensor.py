"""Tensor: an array plus the op that made it.

Methods delegate to the primitives in ops/ in one line, or are composites written with other
Tensor ops (no derivative of their own to get wrong). The Tensor API is PyTorch's (names,
defaults, dtypes, in-place updates, who owns memory); NumPy's spellings (`axis`, `keepdims`,
`ddof`) are accepted too. Reductions live in reductions.py, moves in movement.py, in-place
updates in inplace.py.
"""
from __future__ import annotations

import weakref
from types import SimpleNamespace

import numpy as np

from . import ops
from .autograd import mark_written, run_backward
from .device import array_namespace
from .device import canonical, device_of, is_array, split_to_arguments, to_device, to_library_of
from .display import tensor_html
from .dtypes import DEFAULT_FLOAT, result_type, scalar_dtype
from .inplace import InPlace
from .movement import Movement
from .reductions import Reductions


def _operator(op, reflected: bool = False):
    """The method `self <op> other` (`other <op> self` if reflected), operands promoted as in
    PyTorch (Tensor._pair); `/` is true division, so integers become float32. The common case,
    a Tensor of the same floating dtype, goes straight to the op."""
    apply, pair = op.apply, ("_true_pair" if op is ops.Div else "_pair")

    def method(self, other):
        kind = type(other)
        if kind is Tensor and other._data.dtype is self._data.dtype and self._data.dtype.kind == "f":
            return apply(other, self) if reflected else apply(self, other)
        if kind is float and type(self._data) is np.ndarray and self._data.dtype.kind == "f":
            other = np.asarray(other, dtype=self._data.dtype)  # 0.5 never turns float32 into float64
            return apply(other, self) if reflected else apply(self, other)
        a, b = getattr(self, pair)(other)
        return apply(b, a) if reflected else apply(a, b)

    method.__name__ = f"__{'r' if reflected else ''}{op.op_name()}__"
    return method


class Tensor(Movement, Reductions, InPlace):
    """An n-dimensional array that records the ops applied to it, for reverse-mode autograd.

    `Tensor(data, requires_grad=False, dtype=None, device=None)` copies `data` (as
    `torch.tensor` does; `tg.from_numpy` shares instead). Python numbers and lists become float32
    (as `torch.Tensor`; `tg.tensor` infers int64 and bool too), arrays keep their dtype (float64
    stays float64), `dtype` converts; `device` ("cpu", "cuda", "cuda:N") puts the values there.
    """

    __slots__ = ("_data", "grad", "_requires_grad", "_ctx", "name", "_hooks", "_grad_from", "__weakref__")
    __array_ufunc__ = None  # NumPy defers to our reflected operators; np.exp(t) fails loudly
    __hash__ = object.__hash__  # == is elementwise, so hash by identity explicitly

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str | None = None, device=None):
        self._data = _as_array(data._data if isinstance(data, Tensor) else data, dtype, copy=True)
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
        """Wrap an op's result, or any array the tensor may own (fast path: no copy, no checks)."""
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
            raise TypeError(f"Tensor: only floating-point tensors can require grad, this one is "
                            f"{self._data.dtype}; make it with dtype=tg.float32 (or call .float())")
        if not value and self._ctx is not None:
            raise RuntimeError("Tensor: requires_grad can only be switched off on a leaf; "
                               "use .detach() for a tensor made by an op")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    @property
    def data(self):
        """The values, as an array (NumPy or CuPy) shared with this tensor, outside the graph."""
        return self._data

    @data.setter
    def data(self, value) -> None:
        # `t.data -= lr * g` writes into the array and then assigns it back: that is an in-place
        # change, which backward must be able to detect. Another tensor's values are shared (as
        # PyTorch's `p.data = t`); any other array is copied, as by Tensor(), so that no optimizer
        # step ever writes into an array the user passed in.
        if value is self._data:
            mark_written(value)
        else:
            self._data = value._data if isinstance(value, Tensor) else _as_array(value, None, copy=True)

    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    dtype = property(lambda self: self._data.dtype)
    xp = property(lambda self: array_namespace(self._data), doc="the array library of .data")
    device = property(lambda self: device_of(self._data), doc='"cpu" or "cuda:N"')
    is_leaf = property(lambda self: self._ctx is None)
    grad_fn = property(lambda self: self._ctx, doc="the op that made this tensor (None for a leaf), read-only")
    T = property(lambda self: self.transpose())

    def size(self, dim: int | None = None):
        """The shape (a tuple), or the length of axis `dim`, as PyTorch's size()."""
        return self.shape if dim is None else self.shape[dim]

    def numel(self) -> int:
        return self._data.size

    def dim(self) -> int:
        return self._data.ndim

    # ------------------------------------------------------------------ conversion

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (shares memory with the tensor on the CPU, a copy from a GPU)."""
        return to_device(self._data, "cpu")

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.numpy(), dtype=dtype)

    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item: only a one-element tensor has an item, this one has shape {self.shape}")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError(f"only a one-element integer tensor can be used as an index, got {self.dtype} {self.shape}")
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
        `t.to(tg.float64)`, `t.to("cpu", tg.float32)`. Differentiable; self if nothing changes."""
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

    def clone(self) -> "Tensor":
        """A copy that owns its memory; differentiable."""
        return ops.Clone.apply(self)

    def contiguous(self) -> "Tensor":
        """PyTorch's contiguous(): here every tensor can be reshaped as it is, so self."""
        return self

    def astype(self, dtype) -> "Tensor":
        return self if np.dtype(dtype) == self.dtype else ops.Cast.apply(self, np.dtype(dtype))

    def type(self, dtype=None):
        """With a dtype, this tensor converted to it; without, the dtype's name."""
        return str(self.dtype) if dtype is None else self.astype(dtype)

    def float(self): return self.astype(np.float32)
    def double(self): return self.astype(np.float64)
    def half(self): return self.astype(np.float16)
    def long(self): return self.astype(np.int64)
    def int(self): return self.astype(np.int32)
    def bool(self): return self.astype(np.bool_)

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

    def _repr_html_(self) -> str:
        """Jupyter's view: shape, dtype, device, grad_fn or requires_grad, and a few values."""
        return tensor_html(self)

    # ------------------------------------------------------------------ autograd

    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into the `.grad` of every leaf that requires grad.

        `gradient` is the upstream gradient (needed unless self has one element). The graph's saved
        values are freed afterwards unless `retain_graph` (default: `create_graph`); with
        `create_graph=True` the gradients are themselves differentiable.
        """
        if not self._requires_grad:
            raise RuntimeError("backward: this tensor does not require grad, so no graph was "
                               "recorded; create the inputs with requires_grad=True (and not "
                               "inside no_grad())")
        seed = _seed_gradient(self, gradient, "backward", create_graph)
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
        """`other` as an operand beside self: a Tensor as it is; a number, list or array as an
        array on self's device, a number typed by PyTorch's rule (0.5 never turns float32 into
        float64; an int tensor times 0.5 is float32)."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (float, int, np.number)):
            xp = np if type(self._data) is np.ndarray else array_namespace(self._data)
            return xp.asarray(other, dtype=scalar_dtype(other, self._data.dtype))
        if is_array(other):
            return other
        if other is None or isinstance(other, (str, bytes, dict, set)):
            raise TypeError(f"Tensor: cannot compute with {type(other).__name__} {other!r:.40}; "
                            "use a number, a list of numbers, an array or a Tensor")
        values = _as_array(other, self._data.dtype if self._data.dtype.kind in "fc" else None)
        return values if type(self._data) is np.ndarray else to_library_of(values, self._data)

    def _pair(self, other):
        """(self, other) for a binary op: both of the dtype PyTorch's promotion gives."""
        data = self._data
        if isinstance(other, Tensor):
            if other._data.dtype == data.dtype:
                return self, other
        elif data.dtype.kind == "f" and isinstance(other, (float, int)):  # the common case, fast
            return self, (np if type(data) is np.ndarray else array_namespace(data)).asarray(other, dtype=data.dtype)
        other = self._operand(other)
        b = other._data if isinstance(other, Tensor) else other
        dtype = result_type(data, b)
        a = self if data.dtype == dtype else self.astype(dtype)
        if b.dtype != dtype:
            other = other.astype(dtype)
        return a, other

    def _true_pair(self, other):
        """As _pair, then integers become float32: `/` is true division, as in PyTorch."""
        a, b = self._pair(other)
        if a.dtype.kind in "biu":
            a, b = a.astype(DEFAULT_FLOAT), b.astype(DEFAULT_FLOAT)
        return a, b

    __add__, __radd__ = _operator(ops.Add), _operator(ops.Add, reflected=True)
    __sub__, __rsub__ = _operator(ops.Sub), _operator(ops.Sub, reflected=True)
    __mul__, __rmul__ = _operator(ops.Mul), _operator(ops.Mul, reflected=True)
    __truediv__, __rtruediv__ = _operator(ops.Div), _operator(ops.Div, reflected=True)
    __pow__, __rpow__ = _operator(ops.Pow), _operator(ops.Pow, reflected=True)
    __matmul__, __rmatmul__ = _operator(ops.Matmul), _operator(ops.Matmul, reflected=True)
    def __neg__(self): return ops.Neg.apply(self)

    def __floordiv__(self, other) -> "Tensor":
        """floor(a / b), as PyTorch's `//`: piecewise constant, so it carries no gradient."""
        a, b = self._pair(other)
        return Tensor._from_op(self.xp.floor_divide(a._data, b._data if isinstance(b, Tensor) else b))

    def __rfloordiv__(self, other) -> "Tensor":
        a, b = self._pair(other)
        return Tensor._from_op(self.xp.floor_divide(b._data if isinstance(b, Tensor) else b, a._data))

    def __mod__(self, other) -> "Tensor":
        """a - b * floor(a / b), with b's sign as PyTorch's `%`;  da = g, db = -g * floor(a / b)."""
        a, b = self._pair(other)
        return a - b * (a // b)

    def __rmod__(self, other) -> "Tensor":
        a, b = self._pair(other)
        b = b if isinstance(b, Tensor) else Tensor._from_op(b)
        return b - a * (b // a)

    # PyTorch's method forms
    def add(self, other, alpha=1): return self + (other if alpha == 1 else other * alpha)
    def sub(self, other, alpha=1): return self - (other if alpha == 1 else other * alpha)
    def mul(self, other): return self * other
    def div(self, other): return self / other
    def pow(self, exponent): return self ** exponent
    def neg(self): return -self
    def matmul(self, other): return self @ other

    def mm(self, other) -> "Tensor":
        """Matrix product of two 2-D tensors (PyTorch's mm; matmul also takes batches and vectors)."""
        if self.ndim != 2 or getattr(other, "ndim", 0) != 2:
            raise ValueError(f"mm: needs two 2-D tensors, got shapes {self.shape} and {np.shape(other)}")
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
    def __and__(self, other): return self._compare(other, "bitwise_and")
    def __or__(self, other): return self._compare(other, "bitwise_or")
    def __xor__(self, other): return self._compare(other, "bitwise_xor")
    def __invert__(self): return Tensor._from_op(self.xp.invert(self._data))

    def lt(self, other): return self < other
    def le(self, other): return self <= other
    def gt(self, other): return self > other
    def ge(self, other): return self >= other
    def eq(self, other): return self == other
    def ne(self, other): return self != other

    # ------------------------------------------------------------------ elementwise math

    def _floating(self) -> "Tensor":
        """Self, or self as float32 if it holds integers or bools: exp and friends of an int
        tensor are float32, as in PyTorch (NumPy: float64)."""
        return self if self._data.dtype.kind in "fc" else self.astype(DEFAULT_FLOAT)

    def exp(self): return ops.Exp.apply(self._floating())
    def log(self): return ops.Log.apply(self._floating())
    def sin(self): return ops.Sin.apply(self._floating())
    def cos(self): return ops.Cos.apply(self._floating())
    def tanh(self): return ops.Tanh.apply(self._floating())
    def sigmoid(self): return ops.Sigmoid.apply(self._floating())
    def abs(self): return ops.Abs.apply(self)
    def relu(self): return ops.Relu.apply(self)

    def sqrt(self) -> "Tensor":
        return self._floating() ** 0.5

    def leaky_relu(self, negative_slope: float = 0.01) -> "Tensor":
        """x where x > 0, else negative_slope * x (gradient negative_slope at 0, as in PyTorch)."""
        return where(self._data > 0, self, self * negative_slope)

    def softplus(self) -> "Tensor":
        """log(1 + exp(x)), stable for large |x|."""
        return ops.Softplus.apply(self._floating())

    def clamp(self, min=None, max=None) -> "Tensor":
        """Values limited to [min, max]; the gradient passes where min <= x <= max (as in PyTorch)."""
        xp = self.xp
        inside = xp.ones(self.shape, dtype=bool)
        if min is not None:
            inside &= self._data >= min
        if max is not None:
            inside &= self._data <= max
        return where(inside, self, xp.clip(self._data, min, max))

    clip = clamp

    def maximum(self, other) -> "Tensor":
        return maximum(self, other)

    def minimum(self, other) -> "Tensor":
        return minimum(self, other)


class _RemovableHook:
    def __init__(self, hooks: list, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


# ---------------------------------------------------------------------- functions of tensors


def where(condition, input, other) -> Tensor:
    """input where condition is true, else other; the condition gets no gradient."""
    condition = condition._data if isinstance(condition, Tensor) else condition
    a, b = _promoted_pair(input, other)
    return ops.Where.apply(condition, a, b)


def maximum(input, other) -> Tensor:
    """Elementwise larger value; on a tie each input gets half the gradient."""
    return ops.Maximum.apply(*_promoted_pair(input, other))


def minimum(input, other) -> Tensor:
    """Elementwise smaller value; on a tie each input gets half the gradient."""
    a, b = (_as_tensor(v) for v in _promoted_pair(input, other))
    if a.dtype.kind not in "fc":  # no gradient to carry, and -x would wrap around for unsigned integers
        return Tensor._from_op(a.xp.minimum(a._data, b._data))
    return -maximum(-a, -b)


def _promoted_pair(a, b) -> tuple:
    """Two operands, at least one made a Tensor, of the dtype PyTorch's promotion gives."""
    if isinstance(a, Tensor):
        return a._pair(b)
    if isinstance(b, Tensor):
        b, a = b._pair(a)
        return a, b
    return Tensor(a)._pair(b)


def cat(tensors, dim: int = 0, *, axis=None) -> Tensor:
    """Join tensors along an existing axis (`dim`, or NumPy's `axis`); dtypes promote as in PyTorch."""
    dim = dim if axis is None else axis
    tensors = [_as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat (concatenate): needs at least one tensor")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise ValueError(f"cat: tensor {i} is 0-d, and 0-d tensors cannot be concatenated; "
                             "use stack, or reshape them to (1,)")
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = result_type(np.empty(1, dtype), t._data)
    return ops.Concatenate.apply(*[t.astype(dtype) for t in tensors], dim)


concatenate = cat


def stack(tensors, dim: int = 0, *, axis=None) -> Tensor:
    """Join tensors of one shape along a new axis."""
    dim = dim if axis is None else axis
    tensors = [_as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors need one shape, got {sorted(shapes)}")
    return cat([t.unsqueeze(dim) for t in tensors], dim)


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
        if y.numel() != 1:
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


def _as_array(data, dtype, copy: bool = False):
    """`data` as an array: Python numbers and lists become float32 unless `dtype` says; an
    array is copied with `copy` (else shared when it already has the dtype)."""
    if is_array(data):
        array = data.astype(data.dtype if dtype is None else dtype, copy=copy)
    else:
        if dtype is None and not isinstance(data, np.generic):
            dtype = DEFAULT_FLOAT
        try:
            array = np.array(data, dtype=dtype)
        except (TypeError, ValueError) as e:
            raise TypeError(f"Tensor: cannot make a tensor from {type(data).__name__} {data!r:.80}: {e}") from None
    if array.dtype.kind not in "biufc":
        raise TypeError(f"Tensor: data of dtype {array.dtype} is not numeric")
    return array


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


# The namespace that backward formulas see as `ctx.xp` under create_graph=True: NumPy's names,
# computed with Tensor ops, so the gradient they build is itself differentiable.
graph_xp = SimpleNamespace(
    exp=lambda x: _as_tensor(x).exp(),
    log=lambda x: _as_tensor(x).log(),
    sin=lambda x: _as_tensor(x).sin(),
    cos=lambda x: _as_tensor(x).cos(),
    tanh=lambda x: _as_tensor(x).tanh(),
    sign=lambda x: Tensor._from_op(_as_tensor(x).xp.sign(_as_tensor(x).data)),  # piecewise constant: no gradient
    zeros_like=lambda x: Tensor._from_op(_as_tensor(x).xp.zeros_like(_as_tensor(x).data)),
    broadcast_to=lambda x, shape: _as_tensor(x).broadcast_to(shape),
    where=where,
)
