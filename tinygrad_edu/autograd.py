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

import itertools
import re
import weakref
from contextlib import ContextDecorator
from heapq import heappop, heappush

import numpy

from .device import array_namespace
from .diagnostics import broadcast_failure, check_gradients, has_nan_or_inf, user_line
from .grad_mode import is_grad_enabled as _grad_enabled, set_enabled as _set_grad_enabled

_anomaly = False  # inside detect_anomaly(): check every op's values for NaN and Inf


class detect_anomaly(ContextDecorator):
    """`with detect_anomaly():` the first op whose forward output, or whose backward gradient,
    holds NaN or Inf raises FloatingPointError naming the op and the line of your code that
    created it. Slower (every value is checked): for debugging."""

    def __enter__(self):
        global _anomaly
        self.previous, _anomaly = _anomaly, True

    def __exit__(self, *exc):
        global _anomaly
        _anomaly = self.previous


# In-place safety, PyTorch's version counter kept per array: every in-place write the framework
# makes or sees (`t.data -= ...`, optimizer steps, init, load_state_dict) ticks `_clock` and
# stamps the array, and the array it views, in `_written`. An op that saved arrays notes the clock;
# backward refuses to use a saved array stamped later, which would give a wrong gradient.
_clock = 0
_written = {}  # id(array) -> [clock of its last in-place write, weak reference to the array]
_prune_at = 1024


def mark_written(array) -> None:
    """Record that `array` was changed in place (call it after writing into an array that an op
    may have saved for backward), so that backward through that op raises instead of silently
    using the new values."""
    global _clock, _prune_at
    _clock += 1
    for a in (array,) if array.base is None else (array, array.base):
        entry = _written.get(id(a))
        if entry is not None and entry[1]() is a:
            entry[0] = _clock
            continue
        try:
            _written[id(a)] = [_clock, weakref.ref(a)]
        except TypeError:  # a base that is not an array (bytes, mmap): views of it are still seen
            continue
        if len(_written) > _prune_at:  # forget arrays that no longer exist
            for key in [k for k, (_, ref) in list(_written.items()) if ref() is None]:  # list(): threads
                del _written[key]
            _prune_at = max(1024, 2 * len(_written))


def _check_not_written(ctx) -> None:
    """Raise if an array `ctx` saved for backward was written in place after its forward."""
    for s in ctx.saved_tensors:
        for a in (s,) if getattr(s, "base", None) is None else (s, s.base):
            entry = _written.get(id(a))
            if entry is not None and entry[0] > ctx.saved_at and entry[1]() is a:
                raise RuntimeError(
                    f"backward through {ctx.op_name()}: an array of shape {s.shape} and dtype {s.dtype} "
                    f"that it saved in the forward pass was changed in place afterwards (for example by "
                    f"`t.data -= ...` or an optimizer step), so its gradient would be wrong. Change values "
                    "only after backward, or compute out of place (`w = w - lr * g`)"
                    + (f"; the op was created at {ctx.created_at}" if hasattr(ctx, "created_at") else
                       "; run the forward inside detect_anomaly() to see the line that created the op"))


_FREED = "freed"  # marks a context whose saved values were released after backward


class Function:
    """Base class of every op, built-in or user-written.

    Subclass it with static `forward(ctx, *inputs)` (inputs arrive as arrays, other arguments
    unchanged; return an array) and `backward(ctx, g)` (return one gradient per forward input,
    None where there is none), then call `MyOp.apply(*inputs)`.
    """

    __slots__ = ("parents", "generation", "out_shape", "out_dtype", "input_ids", "output_id", "ran_in",
                 "saved_tensors", "saved_at", "xp", "__dict__")
    hooks = None  # functions of the output's gradient (Tensor.register_hook); set per op when used
    retained = None  # a weak reference to the output Tensor that asked to keep its gradient

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
    def apply(cls, *args, **settings):
        """Run forward on the arrays inside the Tensor arguments (settings such as an axis are
        passed on as keywords); record the op if needed."""
        ctx = _new_object(cls)
        ctx.saved_tensors = ()
        inputs, parents, generation, record = [], [], 0, False
        for a in args:
            if isinstance(a, Tensor):
                inputs.append(a._data)
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
            y = cls.forward(ctx, *inputs, **settings)
        except (ValueError, IndexError) as e:
            shapes = [x.shape for x in inputs if hasattr(x, "shape")]
            reason = broadcast_failure(shapes) if "broadcast" in str(e) else None
            raise type(e)(f"{cls.op_name()}: shapes {' and '.join(map(str, shapes))}: {reason or e} "
                          f"(at {user_line()})") from None
        except TypeError:
            libraries = sorted({array_namespace(x).__name__ for x in inputs if hasattr(x, "shape")})
            if len(libraries) > 1:  # NumPy's and CuPy's arrays refuse to mix
                raise TypeError(f"{cls.op_name()}: inputs are on different devices ({' and '.join(libraries)} "
                                f"arrays); move them to one device with .to(device) (at {user_line()})") from None
            raise
        if _anomaly:
            ctx.created_at = user_line()
            if has_nan_or_inf(y) and not any(has_nan_or_inf(x) for x in inputs):
                raise FloatingPointError(f"{cls.op_name()} produced NaN or Inf in its forward pass, "
                                         f"from finite inputs; it was called at {ctx.created_at}")
        record = record and _grad_enabled()
        if record and ctx.saved_tensors:  # to tell, under create_graph, which saved array is which
            ctx.input_ids, ctx.output_id, ctx.saved_at = tuple(map(id, inputs)), id(y), _clock
        if type(y) is not numpy.ndarray:
            y = Tensor._from_op(y)._data  # a NumPy scalar or a Python number becomes an array
        if record:
            ctx.parents, ctx.generation, ctx.out_shape, ctx.out_dtype = parents, generation, y.shape, y.dtype
        out = _new_object(Tensor)  # Tensor._from_op, inlined: this is the hottest path
        out._data, out.grad, out._requires_grad, out._ctx, out.name, out._hooks = (
            y, None, record, ctx if record else None, None, None)
        return out


_new_object = object.__new__


_backward_numbers = itertools.count(1)


def run_backward(roots, root_grads, retain_graph: bool, create_graph: bool, targets=None):
    """Propagate `root_grads` from the Tensors `roots` back through the graph.

    With `targets=None` the gradients accumulate into the `.grad` of leaves that require grad;
    otherwise the gradients of the Tensors `targets` are returned (None where unreached).
    """
    create_graph = bool(create_graph)
    number = next(_backward_numbers)  # marks the ops this backward runs and the .grad it writes
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
    previous_mode = _grad_enabled()
    _set_grad_enabled(create_graph)
    try:
        while queue:
            ctx = heappop(queue)[2]
            ctx.ran_in = number
            g = grads.pop(ctx)
            if ctx.hooks is not None or ctx.retained is not None:
                g = _run_hooks(ctx.hooks, ctx.retained, g, create_graph, handed_out, number)
            if wanted is not None and ctx in wanted:
                captured[ctx] = g
            saved = ctx.saved_tensors
            if saved and saved is not _FREED and ctx.saved_at != _clock:
                _check_not_written(ctx)  # something was written in place since this op's forward
            if create_graph or saved is _FREED:
                gxs = _call_backward(ctx, g)
            else:
                gxs = type(ctx).backward(ctx, g)
            if type(gxs) is not tuple:
                gxs = (gxs,)
            if _anomaly:
                check_gradients(ctx, g, gxs)
            if len(gxs) != len(ctx.parents):
                raise RuntimeError(f"{type(ctx).__name__}.backward returned {len(gxs)} gradients "
                                   f"for {len(ctx.parents)} inputs")
            if not retain_graph:
                ctx.saved_tensors = _FREED
            for parent, gx in zip(ctx.parents, gxs):
                if parent is None or parent is False or gx is None:
                    continue
                if isinstance(parent, Tensor):  # a leaf
                    data = parent._data
                    if isinstance(gx, Tensor) is not create_graph or gx.shape != data.shape or gx.dtype != data.dtype:
                        gx = _fit(gx, data.shape, data.dtype, ctx, create_graph)
                    if targets is None and parent._hooks is None:
                        _accumulate_leaf(parent, gx, create_graph, handed_out, number)
                        continue  # a leaf with hooks collects its whole gradient first
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
            for node, g in grads.items():  # leaves with hooks, and roots that are leaves
                if isinstance(node, Tensor):
                    g = _run_hooks(node._hooks, None, g, create_graph, handed_out, number) if node._hooks else g
                    _accumulate_leaf(node, g, create_graph, handed_out, number)
            return None
        found = [captured.get(t._ctx) if t._ctx is not None else grads.get(t) for t in targets]
        return [_as_result(g, create_graph) for g in found]
    finally:
        _set_grad_enabled(previous_mode)


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


def _run_hooks(hooks, retained, g, create_graph: bool, handed_out: set, number: int):
    """Call each hook with the gradient as a Tensor; a hook's non-None result replaces it. Then
    keep a copy in the `.grad` of the tensor that called retain_grad(), if it still exists."""
    for hook in hooks or ():
        result = hook(g if isinstance(g, Tensor) else Tensor._from_op(g))
        if result is not None:
            if not isinstance(result, Tensor) or result.shape != g.shape:
                raise ValueError(f"register_hook: a hook must return None or a Tensor of shape {g.shape}, "
                                 f"got {result!r:.60}")
            g = result if create_graph else result._data
    tensor = retained() if retained is not None else None
    if tensor is not None:
        _accumulate_leaf(tensor, g, create_graph, handed_out, number)
    return g


def _accumulate_leaf(leaf, g, create_graph: bool, handed_out: set, number: int) -> None:
    leaf._grad_from = number  # which backward wrote this .grad last (viz tells stale gradients by it)
    if create_graph:
        g = g if isinstance(g, Tensor) else Tensor._from_op(g)
        if leaf.grad is None and id(g) in handed_out:
            g = g.clone()  # so that no two .grad tensors share memory (zero_() on one)
        handed_out.add(id(g))
        leaf.grad = g if leaf.grad is None else leaf.grad + g
        return
    current = leaf.grad
    if current is None:
        # A fresh array nobody else holds can be kept; otherwise keep a copy, so that no two
        # gradients (and no gradient and input) share memory.
        if id(g) in handed_out or g.base is not None or not getattr(g.flags, "writeable", True):
            g = g.copy()
        handed_out.add(id(g))
        leaf.grad = Tensor._from_op(g)
    elif current._ctx is None and current._data.dtype == g.dtype:
        total = current._data + g  # not +=: an op may have saved the old .grad array
        current._data = total if total.shape else array_namespace(g).asarray(total)
    else:
        leaf.grad = Tensor._from_op(current._data + g)


def _fit(gx, shape: tuple, dtype, ctx, create_graph: bool):
    """Give a gradient the engine's type, its input's shape (a broadcast is summed back down)
    and its input's dtype, or explain what the op's backward got wrong."""
    if create_graph:
        gx = gx if isinstance(gx, Tensor) else Tensor._from_op(gx)
    elif isinstance(gx, Tensor):
        gx = gx._data
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
    return Tensor._from_op(g.copy() if g.base is not None or not getattr(g.flags, "writeable", True) else g)


# tensor.py builds on this module; the engine in turn needs Tensor, so it is imported last.
from .tensor import Tensor  # noqa: E402  (tensor.py builds on this module)
from .higher_order import graph_xp  # noqa: E402
