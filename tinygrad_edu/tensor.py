"""Tensor: an array plus the op that made it.

Methods delegate to the primitives in ops/ in one line, or are composites written with other
Tensor ops (no derivative of their own to get wrong). The Tensor API is PyTorch's (names,
defaults, dtypes, in-place updates, who owns memory); NumPy's spellings (`axis`, `keepdims`,
`ddof`) are accepted too. Reductions live in reductions.py, moves in movement.py, in-place
updates in inplace.py.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops
from .device import array_namespace, canonical, device_of, split_to_arguments, to_device, to_library_of
from .device_checks import raise_failed_checks
from .display import tensor_html
from .dtypes import DEFAULT_FLOAT, as_array
from .elementwise import Elementwise
from .inplace import InPlace
from .maths import Maths
from .movement import Movement
from .reductions import Reductions
from .scans import Scans
from .selection import Selection
from .shape import Shape
from .ops.array import Array
from .tracing import active as jit_trace, refuse
from .versions import mark_written

if TYPE_CHECKING:
    import graphviz
    from numpy.typing import ArrayLike, DTypeLike

    Scalar = float | int | bool | complex  # what item() gives (module level: Tensor's methods shadow these names)
    Hook = Callable[["Tensor"], "Tensor | None"]  # a gradient hook: may return a replacement gradient


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


class Tensor(Elementwise, Maths, Movement, Reductions, Scans, Selection, Shape, InPlace):
    """An n-dimensional array that records the ops applied to it, for reverse-mode autograd.

    `Tensor(data, requires_grad=False, dtype=None, device=None)` copies `data` (as
    `torch.tensor` does; `tg.from_numpy` shares instead). Python numbers and lists become float32
    (as `torch.Tensor`; `tg.tensor` infers int64 and bool too), arrays keep their dtype (float64
    stays float64), `dtype` converts; `device` ("cpu", "cuda", "cuda:N") puts the values there.
    """

    __slots__ = ("_data", "grad", "_requires_grad", "_grad_fn", "name", "_hooks", "_grad_from", "_accumulator",
                 "__weakref__")
    __array_ufunc__ = None  # NumPy defers to our reflected operators; np.exp(t) fails loudly
    __hash__ = object.__hash__  # == is elementwise, so hash by identity explicitly

    def __init__(self, data: Tensor | ArrayLike, requires_grad: bool = False, dtype: DTypeLike = None,
                 name: str | None = None, device: str | None = None):
        data = data._data if isinstance(data, Tensor) else data
        trace = jit_trace()
        if trace is not None and type(data) is np.ndarray:  # under tg.jit the copy is recorded: a replay
            data = trace.box(data)                          # copies the array's values of that moment
        self._data = as_array(data, dtype, copy=True)
        if device is not None:
            self._data = to_device(self._data, device)
        self.grad = None
        self._grad_fn = None
        self._hooks = self._accumulator = None
        self.name = name
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @staticmethod
    def _from_op(y) -> Tensor:
        """Wrap an op's result, or any array the tensor may own (fast path: no copy, no checks)."""
        if type(y) is not np.ndarray:
            y = as_array(y, None) if isinstance(y, (np.generic, float, int)) else y
        t = object.__new__(Tensor)
        t._data, t.grad, t._requires_grad, t._grad_fn, t.name, t._hooks, t._accumulator = (
            y, None, False, None, None, None, None)
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
        if not value and self._grad_fn is not None:
            raise RuntimeError("Tensor: requires_grad can only be switched off on a leaf; "
                               "use .detach() for a tensor made by an op")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def data(self) -> Array:
        """The values, as an array (NumPy or CuPy) shared with this tensor, outside the graph."""
        return self._data

    @data.setter
    def data(self, value: Tensor | ArrayLike) -> None:
        # `t.data -= lr * g` writes into the array and then assigns it back: that is an in-place
        # change, which backward must be able to detect. Another tensor's values are shared (as
        # PyTorch's `p.data = t`); any other array is copied, as by Tensor(), so that no optimizer
        # step ever writes into an array the user passed in.
        if value is self._data:
            mark_written(value)
        else:
            self._replace_values(value._data if isinstance(value, Tensor) else as_array(value, None, copy=True))

    def _replace_values(self, values: Array) -> None:
        """New values (t.data = ..., Module.to): a gradient reaching this leaf gets their shape and
        dtype, through the one accumulate node the leaf's graphs share."""
        self._data = values
        node = self._accumulator and self._accumulator()
        if node is not None:
            node.out_shape, node.out_dtype = values.shape, values.dtype

    def __getstate__(self) -> tuple:
        """What copy, deepcopy and pickle keep: everything but the accumulate node, which belongs
        to this tensor's graphs (a copy that shared it would send its gradients to the original)."""
        slots = [name for name in Tensor.__slots__ if name not in ("__weakref__", "_accumulator")]
        return None, {**{name: getattr(self, name) for name in slots if hasattr(self, name)}, "_accumulator": None}

    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    dtype = property(lambda self: self._data.dtype)
    xp = property(lambda self: array_namespace(self._data), doc="the array library of .data")
    device = property(lambda self: device_of(self._data), doc='"cpu" or "cuda:N"')
    is_leaf = property(lambda self: self._grad_fn is None)
    grad_fn = property(lambda self: self._grad_fn,
                       doc="the op that made this tensor (None for a leaf), read-only")
    T = property(lambda self: self.transpose())

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape (a tuple), or the length of axis `dim`, as PyTorch's size()."""
        return self.shape if dim is None else self.shape[dim]

    def numel(self) -> int:
        return self._data.size

    def dim(self) -> int:
        return self._data.ndim

    # ------------------------------------------------------------------ conversion

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (shares memory with the tensor on the CPU, a copy from a GPU)."""
        if jit_trace() is not None:
            refuse("`.numpy()` hands the values out of the recording")
        return to_device(self._data, "cpu")

    def __array__(self, dtype: DTypeLike = None, copy: bool | None = None) -> np.ndarray:
        return np.asarray(self.numpy(), dtype=dtype)

    def item(self) -> Scalar:
        if self._data.size != 1:
            raise ValueError(f"item: only a one-element tensor has an item, this one has shape {self.shape}")
        raise_failed_checks()
        return self._data.item()

    def tolist(self) -> list | Scalar:
        raise_failed_checks()
        return self._data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError(f"only a one-element integer tensor can be used as an index, "
                            f"got {self.dtype} {self.shape}")
        return int(self.item())

    def __bool__(self) -> bool:
        raise_failed_checks()
        return bool(self._data)

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def to(self, *args: str | DTypeLike, device: str | None = None, dtype: DTypeLike = None) -> Tensor:
        """This tensor on another device and/or as another dtype, as in PyTorch: `t.to("cuda")`,
        `t.to(tg.float64)`, `t.to("cpu", tg.float32)`. Differentiable; self if nothing changes."""
        device, dtype = split_to_arguments(args, device, dtype, "Tensor.to")
        out = self if dtype is None else self.astype(dtype)
        if device is not None and canonical(device) != out.device:
            out = ops.ToDevice.apply(out, device=device)
        return out

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, index: int = 0) -> Tensor:
        return self.to(f"cuda:{index}")

    def detach(self) -> Tensor:
        """The same values, cut from the graph (shares memory)."""
        return Tensor._from_op(self._data)

    def clone(self) -> Tensor:
        """A copy that owns its memory; differentiable."""
        return ops.Clone.apply(self)

    def contiguous(self) -> Tensor:
        """PyTorch's contiguous(): here every tensor can be reshaped as it is, so self."""
        return self

    def astype(self, dtype: DTypeLike) -> Tensor:
        return self if np.dtype(dtype) == self.dtype else ops.Cast.apply(self, dtype=np.dtype(dtype))

    def type(self, dtype: DTypeLike = None) -> str | Tensor:
        """With a dtype, this tensor converted to it; without, the dtype's name."""
        return str(self.dtype) if dtype is None else self.astype(dtype)

    def float(self) -> Tensor: return self.astype(np.float32)
    def double(self) -> Tensor: return self.astype(np.float64)
    def half(self) -> Tensor: return self.astype(np.float16)
    def long(self) -> Tensor: return self.astype(np.int64)
    def int(self) -> Tensor: return self.astype(np.int32)
    def bool(self) -> Tensor: return self.astype(np.bool_)

    def __repr__(self) -> str:
        if jit_trace() is not None:
            refuse("printing a tensor reads its values into Python")
        body = np.array2string(self.numpy(), prefix="Tensor(", separator=", ", threshold=50)
        extra = "" if self.dtype == DEFAULT_FLOAT else f", dtype={self.dtype}"
        if self._grad_fn is not None:
            extra += f", op={type(self._grad_fn).__name__}"
        elif self._requires_grad:
            extra += ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        return f"Tensor({body}{extra})"

    def _repr_html_(self) -> str:
        """Jupyter's view: shape, dtype, device, grad_fn or requires_grad, and a few values."""
        return tensor_html(self)

    # ------------------------------------------------------------------ autograd

    def backward(self, gradient: Tensor | ArrayLike | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
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

    def register_hook(self, hook: Hook) -> _RemovableHook:
        """Call `hook(grad)` with the gradient flowing into this tensor during backward; a Tensor
        it returns replaces the gradient. Returns a handle whose `remove()` unregisters it."""
        if not self._requires_grad:
            raise RuntimeError("register_hook: this tensor does not require grad, "
                               "so no gradient flows into it")
        if self._grad_fn is None:
            hooks = self._hooks  # a leaf keeps its hooks; an op's output keeps them on the op
            if hooks is None:
                hooks = self._hooks = []
        else:
            hooks = self._grad_fn.hooks
            if hooks is None:
                hooks = self._grad_fn.hooks = []
        hooks.append(hook)
        return _RemovableHook(hooks, hook)

    def retain_grad(self) -> None:
        """Keep this intermediate tensor's gradient in `.grad` after backward (leaves always do)."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")
        if self._grad_fn is not None:
            self._grad_fn.retained = weakref.ref(self)
            if self._grad_fn.hooks is None:
                # the engine looks at one attribute: hooks (hooks.py keeps retained grads too)
                self._grad_fn.hooks = []

    def draw_graph(self, **options: Any) -> graphviz.Digraph:
        """The backprop graph that produced this tensor (see tinygrad_edu.viz.draw_graph)."""
        from .viz import draw_graph
        return draw_graph(self, **options)

    # ------------------------------------------------------------------ operators (PyTorch's promotion: elementwise.py)

    __add__, __radd__ = _operator(ops.Add), _operator(ops.Add, reflected=True)
    __sub__, __rsub__ = _operator(ops.Sub), _operator(ops.Sub, reflected=True)
    __mul__, __rmul__ = _operator(ops.Mul), _operator(ops.Mul, reflected=True)
    __truediv__, __rtruediv__ = _operator(ops.Div), _operator(ops.Div, reflected=True)
    __pow__, __rpow__ = _operator(ops.Pow), _operator(ops.Pow, reflected=True)
    __matmul__, __rmatmul__ = _operator(ops.Matmul), _operator(ops.Matmul, reflected=True)

class _RemovableHook:
    def __init__(self, hooks: list[Hook], hook: Hook):
        self.hooks, self.hook = hooks, hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Tensor | Sequence[Tensor | ArrayLike | None] | None = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Tensor | None, ...]:
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
        g = as_array(g, y.dtype)
        g = g if type(y._data) is np.ndarray else to_library_of(g, y._data)  # where y's values are
    if g.shape != y.shape:
        raise ValueError(f"{who}: the gradient has shape {g.shape} but the output has shape {y.shape}")
    return Tensor(g) if create_graph and not isinstance(g, Tensor) else g


# ---------------------------------------------------------------------- helpers


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


# The engine works on Tensors, so it is imported once the class exists.
from .engine import run_backward  # noqa: E402
