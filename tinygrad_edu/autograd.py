"""The op base class `Function`, grad mode, and the one reverse-mode engine.

An op's forward runs on plain arrays. When an input requires grad, the op is recorded: the
output Tensor points at the op (`_ctx`), and the op points at where each input came from
(`parents`: the op that made it, the leaf Tensor itself, None for a Tensor that needs no
gradient, False for an argument that is not a Tensor), as in PyTorch's graph of `grad_fn`s. Ops never point at intermediate Tensors, so an intermediate
array lives only as long as the user holds it or an op saved it for backward.

`backward` runs the recorded ops latest first (by generation), iteratively: no recursion limit,
and each op runs once, after all its gradients are in. Gradients flow as plain arrays, which is
fast. With `create_graph=True` they flow as Tensors instead, the backward formulas run with grad
mode on, and the gradient is itself differentiable. Backward formulas are written once for both
cases: with operators and methods that arrays and Tensors share (`+ * @ .sum .reshape ...`) and
with `ctx.xp`, which is the array library (NumPy or CuPy) in the first case and the namespace of
differentiable Tensor functions in the second.
"""
from __future__ import annotations

import importlib
import re
from contextlib import ContextDecorator
from heapq import heappop, heappush

import numpy

_grad_enabled = True  # the one global switch: is the graph being recorded?


def is_grad_enabled() -> bool:
    return _grad_enabled


class _GradMode(ContextDecorator):
    enabled: bool

    def __enter__(self):
        global _grad_enabled
        self.previous = _grad_enabled
        _grad_enabled = self.enabled

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self.previous


class no_grad(_GradMode):
    """`with no_grad():` (or `@no_grad()`): ops inside record no graph."""

    enabled = False


class enable_grad(_GradMode):
    """`with enable_grad():` records the graph again inside a `no_grad` block."""

    enabled = True


_FREED = "freed"  # marks a context whose saved values were released after backward


class Function:
    """Base class of every op, built-in or user-written.

    Subclass it with static `forward(ctx, *inputs)` (inputs arrive as arrays, other arguments
    unchanged; return an array) and `backward(ctx, g)` (return one gradient per forward input,
    None where there is none), then call `MyOp.apply(*inputs)`.
    """

    __slots__ = ("parents", "generation", "out_shape", "out_dtype", "input_ids", "output_id",
                 "saved_tensors", "xp", "__dict__")

    def save_for_backward(self, *arrays) -> None:
        """Keep arrays for backward. Save inputs and outputs (not temporaries) if the op
        should be twice differentiable: under create_graph they come back as Tensors."""
        self.saved_tensors = arrays

    @property
    def needs_input_grad(self) -> tuple:
        """One bool per forward input: does it need a gradient?"""
        return tuple([p is not None and p is not False for p in self.parents])

    @staticmethod
    def forward(ctx, *inputs):
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx, g):
        raise NotImplementedError("a Function subclass must define backward(ctx, g)")

    @classmethod
    def op_name(cls) -> str:
        """The op's name in messages: `LogSoftmax` -> `log_softmax`."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()

    @classmethod
    def apply(cls, *args):
        """Run forward on the arrays inside the Tensor arguments; record the op if needed."""
        ctx = cls.__new__(cls)
        ctx.saved_tensors = ()
        inputs, parents, generation, record = [], [], 0, False
        for a in args:
            if isinstance(a, Tensor):
                inputs.append(a.data)
                if a._requires_grad:
                    record = True
                    op = a._ctx
                    parents.append(a if op is None else op)
                    if op is not None and op.generation >= generation:
                        generation = op.generation + 1
                else:
                    parents.append(None)
            else:
                inputs.append(a)
                parents.append(False)
        first = inputs[0]
        ctx.xp = numpy if type(first) is numpy.ndarray else array_namespace(first)
        try:
            y = cls.forward(ctx, *inputs)
        except (ValueError, IndexError) as e:
            shapes = " and ".join(str(x.shape) for x in inputs if hasattr(x, "shape"))
            raise type(e)(f"{cls.op_name()}: shapes {shapes}: {e}") from None
        if type(y) is numpy.ndarray:  # the common case of Tensor._from_op, inlined: it is hot
            out = _new_object(Tensor)
            out.data, out.grad, out._requires_grad, out._ctx, out.name = y, None, False, None, None
        else:
            out = Tensor._from_op(y)
        if record and _grad_enabled:
            ctx.parents = parents
            ctx.generation = generation
            ctx.out_shape, ctx.out_dtype = out.data.shape, out.data.dtype
            if ctx.saved_tensors:  # to tell, under create_graph, which saved array is which
                ctx.input_ids, ctx.output_id = tuple(map(id, inputs)), id(y)
            out._requires_grad = True
            out._ctx = ctx
        return out


_new_object = object.__new__
_NAMESPACES = {"numpy": numpy, "builtins": numpy}


def array_namespace(a):
    """The array library (numpy, cupy, ...) that owns array `a`; numpy for Python numbers."""
    module = type(a).__module__
    xp = _NAMESPACES.get(module)
    if xp is None:
        xp = _NAMESPACES[module] = importlib.import_module(module.split(".")[0])
    return xp


def run_backward(roots, root_grads, retain_graph: bool, create_graph: bool, targets=None):
    """Propagate `root_grads` from the Tensors `roots` back through the graph.

    With `targets=None` the gradients accumulate into the `.grad` of leaves that require grad;
    otherwise the gradients of the Tensors `targets` are returned (None where unreached).
    """
    global _grad_enabled
    create_graph = bool(create_graph)
    grads = {}  # node (an op, or a leaf Tensor) -> gradient arrived so far
    queue = []  # heap of (-generation, tie-break, op): the latest op runs first
    handed_out = set()  # ids of gradient arrays given out already (so that none is aliased)
    for r, g in zip(roots, root_grads):
        node = r if r._ctx is None else r._ctx
        previous = grads.get(node)
        grads[node] = g if previous is None else previous + g
        handed_out.add(id(g))
        if node is r._ctx and previous is None:
            heappush(queue, (-node.generation, len(queue), node))
    wanted = None if targets is None else {t if t._ctx is None else t._ctx for t in targets}
    captured = {}  # gradients of the wanted ops, kept as they pass
    pushed = len(queue)
    previous_mode, _grad_enabled = _grad_enabled, create_graph
    try:
        while queue:
            ctx = heappop(queue)[2]
            g = grads.pop(ctx)
            if wanted is not None and ctx in wanted:
                captured[ctx] = g
            if create_graph or ctx.saved_tensors is _FREED:
                gxs = _call_backward(ctx, g)
            else:
                gxs = type(ctx).backward(ctx, g)
            if type(gxs) is not tuple:
                gxs = (gxs,)
            if len(gxs) != len(ctx.parents):
                raise RuntimeError(f"{type(ctx).__name__}.backward returned {len(gxs)} gradients "
                                   f"for {len(ctx.parents)} inputs")
            if not retain_graph:
                ctx.saved_tensors = _FREED
            for parent, gx in zip(ctx.parents, gxs):
                if parent is None or parent is False or gx is None:
                    continue
                if isinstance(parent, Tensor):  # a leaf
                    data = parent.data
                    if isinstance(gx, Tensor) is not create_graph or gx.shape != data.shape or gx.dtype != data.dtype:
                        gx = _fit(gx, data.shape, data.dtype, ctx, create_graph)
                    if targets is None:
                        _accumulate_leaf(parent, gx, create_graph, handed_out)
                        continue
                # the engine's own type must flow (array, or Tensor under create_graph)
                elif isinstance(gx, Tensor) is not create_graph or gx.shape != parent.out_shape or gx.dtype != parent.out_dtype:
                    gx = _fit(gx, parent.out_shape, parent.out_dtype, ctx, create_graph)
                previous = grads.get(parent)
                if previous is None:
                    grads[parent] = gx
                    if not isinstance(parent, Tensor):
                        pushed += 1
                        heappush(queue, (-parent.generation, pushed, parent))
                else:
                    grads[parent] = previous + gx  # never in place: gx may be shared
        if targets is None:
            for r in roots:  # a root that is itself a leaf
                if r._ctx is None and r in grads:
                    _accumulate_leaf(r, grads.pop(r), create_graph, handed_out)
            return None
        found = [captured.get(t._ctx) if t._ctx is not None else grads.get(t) for t in targets]
        return [_as_result(g, create_graph) for g in found]
    finally:
        _grad_enabled = previous_mode


def _call_backward(ctx, g):
    """Run one op's backward on the slow path: under create_graph, or to explain a freed graph."""
    saved = ctx.saved_tensors
    if saved is _FREED:
        raise RuntimeError(
            f"backward through {ctx.op_name()} a second time: its saved values were freed by "
            "the first backward. Pass retain_graph=True to the first backward if you need to "
            "call backward twice.")
    ctx.saved_tensors, array_xp = _saved_as_tensors(ctx, saved), ctx.xp
    ctx.xp = graph_xp
    try:
        gxs = type(ctx).backward(ctx, g)
    finally:
        ctx.saved_tensors, ctx.xp = saved, array_xp
    return gxs


def _accumulate_leaf(leaf, g, create_graph: bool, handed_out: set) -> None:
    if create_graph:
        g = g if isinstance(g, Tensor) else Tensor(g)
        leaf.grad = g if leaf.grad is None else leaf.grad + g
        return
    current = leaf.grad
    if current is None:
        # A fresh array nobody else holds can be kept; otherwise keep a copy, so that no two
        # gradients (and no gradient and input) share memory.
        if id(g) in handed_out or g.base is not None or not g.flags.writeable:
            g = g.copy()
        handed_out.add(id(g))
        leaf.grad = Tensor._from_op(g)
    elif current._ctx is None and current.data.flags.writeable and current.data.dtype == g.dtype:
        current.data += g
    else:
        leaf.grad = Tensor(current.data + g)


def _fit(gx, shape: tuple, dtype, ctx, create_graph: bool):
    """Give a gradient the engine's type, its input's shape (a broadcast is summed back down)
    and its input's dtype, or explain what the op's backward got wrong."""
    if create_graph:
        gx = gx if isinstance(gx, Tensor) else Tensor(gx)
    elif isinstance(gx, Tensor):
        gx = gx.data
    elif isinstance(gx, numpy.generic):
        gx = numpy.asarray(gx)
    if gx.shape != shape:
        summed = sum_to(gx, shape) if gx.ndim >= len(shape) else gx
        if summed.shape != shape:
            raise ValueError(f"{type(ctx).__name__}.backward returned a gradient of shape "
                             f"{gx.shape} for an input of shape {shape}")
        gx = summed
    return gx if gx.dtype == dtype else gx.astype(dtype)


def sum_to(g, shape: tuple):
    """Adjoint of broadcasting: sum `g` (array or Tensor) down to `shape`.

    Leading axes that broadcasting added are summed away, axes of length 1 are summed with
    keepdims; any other mismatch is left for the caller to report."""
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    stretched = tuple([i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1])
    return g.sum(axis=stretched, keepdims=True) if stretched else g


def _saved_as_tensors(ctx, saved) -> tuple:
    """Under create_graph, saved inputs and outputs become Tensors connected to the graph, so
    that the backward formula builds a graph back to them; other saved arrays stay constants."""
    if not saved:
        return saved
    origin = {i: p for i, p in zip(ctx.input_ids, ctx.parents) if p is not None and p is not False}
    origin.setdefault(ctx.output_id, ctx)
    result = []
    for s in saved:
        node = origin.get(id(s))
        result.append(s if node is None else node if isinstance(node, Tensor) else _output_of(node, s))
    return tuple(result)


def _output_of(op, data):
    """A Tensor standing for `op`'s output (gradients are kept per op, so any stand-in will do)."""
    t = Tensor._from_op(data)
    t._ctx, t._requires_grad = op, True
    return t


def _as_result(g, create_graph: bool):
    if g is None or isinstance(g, Tensor):
        return g
    return Tensor(g.copy() if g.base is not None or not g.flags.writeable else g)


# tensor.py builds on this module; the engine in turn needs Tensor, so it is imported last.
from .tensor import Tensor, graph_xp  # noqa: E402  (tensor.py builds on this module)
