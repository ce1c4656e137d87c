"""A recorded step as a program: the trace's array calls, replayed into the trace's own buffers.

Every array a trace made stays alive as a buffer. A replay calls each recorded function again
with the same arguments, writing its result into the same buffer (`out=` for ufuncs, a copy
for other functions), so the step runs as a flat list of array calls: no Tensors, no graph, no
Python between the calls. A view of a buffer stays a view of it, so views cost nothing.

Three kinds of arrays change identity from call to call and live in registers instead: the
step's inputs, the arrays handed to the user (returned tensors, `.grad`), which a later replay
must not overwrite, and views of either. A call that touches one has its arguments patched
from the registers before it runs.
"""
from __future__ import annotations

import functools

import numpy

from typing import Any

from ..device import array_namespace, is_array
from .memory import shared_memory
from .record import Call, GuardFailed, JitError, Live, Trace, _arrays_in, _guard


class Program:
    """The replayable form of `trace`; `fresh` are the ids of the arrays handed to the user."""

    def __init__(self, trace: Trace, fresh: set[int]):
        self.trace = trace
        self.registers: list = [None] * len(trace.inputs)
        self.register_of = dict(trace.inputs)  # id(array) -> register
        # a recorded check's message reads its inputs after the trace: give it this replay's
        self.input_boxes = [trace.boxes[key] for key in sorted(trace.inputs, key=trace.inputs.get)]
        written = _written(trace.calls)
        early = _guarded_first(trace, written)
        calls, repeats = _repeats_removed(trace.calls, written, early | {i for i, c in enumerate(trace.calls)
                                                                          if id(c.result) in fresh})
        self.constants = {key for key, a in trace.constants.items() if id(_root(a)) not in written}  # computed once
        kinds = ["repeat" if i in repeats else self._kind(call, fresh, written) for i, call in enumerate(calls)]
        moved = shared_memory(calls, trace.boxes, [kind in ("out", "into") and i not in early
                                                   for i, kind in enumerate(kinds)])
        self.prologue: list = []  # value guards and what they read: run first, they change no state
        self.steps: list = []
        self.skipped: dict[Call, str] = {}  # the calls with nothing to run, and why
        for i, (call, kind) in enumerate(zip(calls, kinds)):
            step = self._compile(moved(call), kind)
            if step is None:
                self.skipped[trace.calls[i]] = kind
            else:
                (self.prologue if i in early else self.steps).append(step)

    def register(self, array: Any) -> int:
        """The register an array handed out this replay is in."""
        return self.register_of[id(array)]

    def run(self, inputs: list) -> list | None:
        """Replay with new input arrays; returns the registers (inputs, then handed-out arrays),
        or None, having changed nothing, where a value guard fails (the caller runs eagerly)."""
        registers = self.registers
        registers[:len(inputs)] = inputs
        for box, array in zip(self.input_boxes, inputs):
            box.real = array
        try:
            for step in self.prologue:
                step()
        except GuardFailed:
            return None
        for step in self.steps:
            step()
        return registers

    # ------------------------------------------------------------------ compiling one call

    def _kind(self, call: Call, fresh: set[int], written: set[int]) -> str:
        """What a replay does for `call` (see _compile)."""
        result = call.result
        if call.host:
            return "live" if result and type(result[0]) is Live else "fill" if result is not None else "call"
        if result is None:
            return "call"  # in place (out=, x[i] = v, x += y)
        if type(result) is tuple:
            return "into"
        dynamic = self._touches_register(call)
        if _is_view_of_argument(result, call):
            if not dynamic:
                return "view"
            self._reserve(result)  # so that the calls reading it know it is in a register
            return "fresh view" if id(result) in fresh else "view again"
        if id(result) in fresh:
            self._reserve(result)
            return "fresh"
        if id(result) not in written and _is_constant(call, self.constants, dynamic):
            self.constants.add(id(result))
            return "constant"  # made from Python values, shapes and constants alone, never written: computed once
        return "out" if _takes_out(call.function) else "into"

    def _compile(self, call: Call, kind: str):
        """The step that redoes `call`, or None where nothing needs doing (a view of a buffer
        stays one; a constant keeps its value)."""
        result, function = call.result, call.function
        if kind in ("view", "constant", "repeat"):
            return None
        if kind == "live":
            return self._live(call)
        if kind == "fill":
            return _Fill(function, result)
        if kind == "call":
            return self._step(call, function, call.kwargs)
        if kind in ("fresh", "fresh view", "view again"):  # a new array each replay, or a view of one
            return self._to_register(call, result, copy=kind == "fresh view")
        if kind == "out":
            return self._step(call, function, {**call.kwargs, "out": result})
        return self._step(call, _Into(function, result if type(result) is tuple else (result,)), call.kwargs)

    def _step(self, call: Call, function, kwargs: dict):
        """`function(*call.args, **kwargs)` as a step: patched from the registers where needed."""
        args, out = call.args, kwargs.get("out")
        if (isinstance(function, numpy.ufunc) and function not in _OUT_BY_NAME and len(kwargs) == 1
                and out is not None and len(args) == function.nin):
            args, kwargs = (*args, *(out if type(out) is tuple else (out,))), {}  # out by position: 0.14 us less
        if self._touches_register(call):
            return _patched(function, args, kwargs, self)
        return functools.partial(function, *args, **kwargs)  # as cheap to run as the call itself

    def _touches_register(self, call: Call) -> bool:
        return (any(id(a) in self.register_of for a in _arrays_in((call.args, call.kwargs)))
                or any(type(v) is Live for v in (*call.args, *call.kwargs.values())))

    def _live(self, call: Call):
        """The Python numbers a replay recomputes: into registers, read by the calls using them."""
        indices = []
        for live in call.result:
            self.register_of[id(live)] = len(self.registers)
            indices.append(len(self.registers))
            self.registers.append(float(live))
        return _SetLive(call.function, indices, self.registers)

    def _reserve(self, result) -> None:
        """A register for an array that changes identity at every replay."""
        self.register_of[id(result)] = len(self.registers)
        self.registers.append(None)

    def _to_register(self, call: Call, result, copy: bool):
        """A call whose result lives in a register: a new array on every replay."""
        index = self.register_of[id(result)]
        if _takes_out(call.function) and not copy:
            return _patched(_FreshOut(call.function, result, self.registers, index), call.args, call.kwargs, self)
        return _patched(_ToRegister(call.function, self.registers, index, copy), call.args, call.kwargs, self)


_OUT_BY_NAME = (numpy.maximum, numpy.minimum)  # NumPy deprecates their positional out


def _patched(function, args: tuple, kwargs: dict, program: Program):
    """A call some of whose arguments are registers, read at each run: a closure, as light as
    it can be for the common cases (one or two arguments from registers, no keywords)."""
    args, kwargs, registers = list(args), dict(kwargs), program.registers
    positions, others = [], []  # (argument, register); (container, key, resolver)
    for container, items in ((args, list(enumerate(args))), (kwargs, list(kwargs.items()))):
        for key, value in items:
            resolve = _resolver(value, program.register_of)
            if resolve is None:
                continue
            if container is args and (is_array(value) or type(value) is Live):
                positions.append((key, program.register_of[id(value)]))
            else:
                others.append((container, key, resolve))
    if not others and not kwargs and len(positions) == 1:
        ((position, index),) = positions

        def step():
            args[position] = registers[index]
            return function(*args)
    elif not others and not kwargs and len(positions) == 2:
        (first, i), (second, j) = positions

        def step():
            args[first], args[second] = registers[i], registers[j]
            return function(*args)
    else:
        def step():
            for position, index in positions:
                args[position] = registers[index]
            for container, key, resolve in others:
                container[key] = resolve(registers)
            return function(*args, **kwargs)
    return step


def _resolver(value, register_of: dict):
    """None if `value` holds no register array; else a function of the registers giving it."""
    if type(value) is Live:
        index = register_of[id(value)]
        return lambda registers: registers[index]
    if is_array(value):
        index = register_of.get(id(value))
        return None if index is None else (lambda registers: registers[index])
    if type(value) in (tuple, list):
        parts = [_resolver(v, register_of) for v in value]
        if all(p is None for p in parts):
            return None
        kind = type(value)
        return lambda registers: kind(v if p is None else p(registers) for v, p in zip(value, parts))
    if type(value) is dict:
        parts = {k: _resolver(v, register_of) for k, v in value.items()}
        if all(p is None for p in parts.values()):
            return None
        return lambda registers: {k: v if parts[k] is None else parts[k](registers) for k, v in value.items()}
    return None


class _Into:
    """Call a function without `out=` and copy its results into the trace's buffers."""

    __slots__ = ("function", "buffers")

    def __init__(self, function, buffers: tuple):
        self.function, self.buffers = function, buffers

    def __call__(self, *args, **kwargs):
        result = self.function(*args, **kwargs)
        for buffer, value in zip(self.buffers, (result,) if len(self.buffers) == 1 else result):
            if value.shape != buffer.shape:
                raise JitError(f"tg.jit: {getattr(self.function, '__name__', self.function)} gave shape {value.shape} "
                               f"on replay, {buffer.shape} when traced: the step's shapes depend on its values "
                               "(boolean-mask indexing, nonzero); keep such code out of the jitted function")
            buffer[...] = value


class _FreshOut:
    """Call a ufunc into a new array each run, kept in a register."""

    __slots__ = ("function", "new", "registers", "index")

    def __init__(self, function, like, registers, index):
        self.function, self.registers, self.index = function, registers, index
        self.new = functools.partial(array_namespace(like).empty_like, like)

    def __call__(self, *args, **kwargs):
        out = self.registers[self.index] = self.new()
        self.function(*args, out=out, **kwargs)


class _ToRegister:
    """Call a function and keep its result (a copy, if it is a view) in a register."""

    __slots__ = ("function", "registers", "index", "copy")

    def __init__(self, function, registers, index, copy):
        self.function, self.registers, self.index, self.copy = function, registers, index, copy

    def __call__(self, *args, **kwargs):
        result = self.function(*args, **kwargs)
        self.registers[self.index] = result.copy() if self.copy else result


class _SetLive:
    """Recompute an optimizer's numbers (`function()` gives their dicts) into their registers."""

    __slots__ = ("function", "indices", "registers")

    def __init__(self, function, indices, registers):
        self.function, self.indices, self.registers = function, indices, registers

    def __call__(self):
        registers = self.registers
        values = (value for numbers in self.function() for value in numbers.values())
        for index, value in zip(self.indices, values):
            registers[index] = value


class _Fill:
    """Python work a replay redoes (live scalars, random draws): write its values into buffers."""

    __slots__ = ("function", "buffers")

    def __init__(self, function, buffers):
        self.function, self.buffers = function, buffers

    def __call__(self):
        for buffer, value in zip(self.buffers, self.function()):
            buffer[...] = value


def _takes_out(function) -> bool:
    """Can `function` write its result into a given array? (ufuncs and their methods can)"""
    owner = getattr(function, "__self__", None)
    return hasattr(function, "nout") or (hasattr(owner, "nout") and function.__name__ in ("reduce", "accumulate"))


def _repeats_removed(calls: list[Call], written: set[int], keep: set[int]) -> tuple[list[Call], set[int]]:
    """Common subexpressions: a call made again on the same arrays, unchanged since (their
    version: how many in-place writes they have had, as PyTorch counts them), and the same
    values gives the same result, so the repeat is dropped and its uses read the first one's
    (cross-entropy's backward recomputes its forward's exp, to be twice differentiable).
    Returns the calls rewritten to use the first results, and the positions of the repeats."""
    first, same, rewritten, repeats = {}, {}, [], set()  # call's key -> its result; id(repeat) -> first
    versions: dict[int, int] = {}  # id(root array) -> in-place writes so far
    for index, call in enumerate(calls):
        if same:
            call = Call(call.function, _swap(call.args, same), _swap(call.kwargs, same), call.result, call.host)
        rewritten.append(call)
        result = call.result
        if result is None and not call.host:
            for array in _arrays_in((call.args, call.kwargs)):
                versions[id(_root(array))] = versions.get(id(_root(array)), 0) + 1
        if call.host or index in keep or not is_array(result) or id(_root(result)) in written:
            continue
        key = _call_key(call, versions)
        if key is None:
            continue
        if key in first:
            same[id(result)] = first[key]
            repeats.add(index)
        else:
            first[key] = result
    return rewritten, repeats


def _call_key(call: Call, versions: dict[int, int]):
    """A hashable description of a call (arrays by identity and version), or None."""
    def describe(value):
        if is_array(value):
            return ("array", id(value), versions.get(id(_root(value)), 0))
        if type(value) is Live:
            return ("live", id(value))  # recomputed at each replay: equal now, perhaps not then
        if isinstance(value, (tuple, list)):
            return (type(value).__name__, *map(describe, value))
        if isinstance(value, dict):
            return tuple((k, describe(v)) for k, v in value.items())
        if isinstance(value, slice):
            return ("slice", value.start, value.stop, value.step)
        hash(value)
        return (type(value), value)
    try:
        return (call.function, describe(call.args), describe(call.kwargs))
    except TypeError:
        return None


def _swap(value, same: dict):
    kind = type(value)
    if kind is tuple or kind is list:
        return kind(_swap(v, same) for v in value)
    if kind is dict:
        return {k: _swap(v, same) for k, v in value.items()}
    return same.get(id(value), value) if is_array(value) else value


def _guarded_first(trace: Trace, written: set[int]) -> set[int]:
    """The calls to move to the front: each value guard with the calls it reads, where those
    read only the step's inputs and constants. (A guard on anything else stays in place, where
    a failure is an error, since state has changed by then.)"""
    early = set()
    for index, call in enumerate(trace.calls):
        if call.function is not _guard:
            continue
        needed, waiting, movable = {index}, [index], True
        while waiting and movable:
            for array in _arrays_in((trace.calls[waiting.pop()].args, {})):
                maker = trace.made.get(id(array))
                if maker is None:
                    movable = id(array) in trace.inputs or id(array) in trace.constants
                elif maker not in needed:
                    movable = id(_root(array)) not in written
                    needed.add(maker)
                    waiting.append(maker)
                if not movable:
                    break
        if movable:
            early |= needed
    return early


def _written(calls: list) -> set[int]:
    """The ids of arrays some in-place call may write into (conservatively: all its arrays)."""
    return {id(_root(a)) for call in calls if call.result is None and not call.host
            for a in _arrays_in((call.args, call.kwargs))}


_SHAPE_ONLY = frozenset({"zeros_like", "ones_like", "full_like"})


def _is_constant(call: Call, constants: set[int], dynamic: bool) -> bool:
    """Does the call's result depend on nothing a replay changes: only the shapes of its arrays
    (`ones_like(x)`), or, reading no register, no arrays but constants (`asarray(0.9)`,
    `arange(10)`, `ones / 128`)?"""
    return getattr(call.function, "__name__", "") in _SHAPE_ONLY or not dynamic and all(
        id(a) in constants for a in _arrays_in((call.args, call.kwargs)))


def _root(array):
    while getattr(array, "base", None) is not None:
        array = array.base
    return array


def _is_view_of_argument(result, call: Call) -> bool:
    root = _root(result)
    return root is not result and any(_root(a) is root for a in _arrays_in((call.args, call.kwargs)))
