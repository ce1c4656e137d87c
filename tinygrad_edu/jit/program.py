"""A recorded step as a program: the trace's array calls, replayed into the trace's own buffers.

Every array a trace made stays alive as a buffer. A replay calls each recorded function again
with the same arguments, writing its result into the same buffer (`out=` for ufuncs, a copy
for other functions), so the step runs as a flat list of array calls: no Tensors, no graph, no
Python between the calls. A view of a buffer stays a view of it, so views cost nothing.

Three kinds of arrays change identity from call to call and live in registers instead: the
step's inputs, the arrays handed to the user (returned tensors, `.grad`), which a later replay
must not overwrite, and views of either. A call that touches one has its arguments patched
from the registers before it runs.

A static program (for CUDA graphs, graphs.py) keeps every array in one place instead: the
inputs are copied into buffers of their own, what is handed out is copied out of its buffer,
and an optimizer's numbers reach the ufuncs as 0-d arrays refilled at each replay. Then a
recorded kernel's arguments never change, and the GPU can replay the kernels themselves.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy

from ..device import array_namespace, is_array
from .memory import shared_memory
from .passes import moved_first, is_constant, without_repeats, written_in_place
from .record import Call, GuardFailed, Live, Trace, _root
from .steps import Fill, FreshOut, Into, SetLive, ToRegister


class NotStatic(Exception):
    """A static program cannot stand for this trace (it hands out a view of an input, or writes
    into an input): the replay uses the ordinary program."""


class Program:
    """The replayable form of `trace`; `fresh` are the ids of the arrays handed to the user;
    `static`: every array in one place (see the module docstring)."""

    def __init__(self, trace: Trace, fresh: set[int], static: bool = False):
        self.trace, self.static = trace, static
        self.register_of = dict(trace.inputs)  # id(array) -> register
        # a recorded check's message reads its inputs after the trace: give it this replay's
        self.input_boxes = [trace.boxes[key] for key in sorted(trace.inputs, key=trace.inputs.get)]
        self.registers: list = [_own_copy(box.real) if static else None for box in self.input_boxes]
        # the inputs no call reads (a gradient zero_grad() drops first): a replay need not fetch them
        self.unread = set(range(len(self.input_boxes))) - {trace.inputs[id(a)] for call in trace.calls
                                                            for a in call.arrays() if id(a) in trace.inputs}
        self.handed: dict[int, int] = {}  # static: id(array handed out) -> its register
        self.copied: list[int] = []  # static: the registers handed out that are copied at each replay
        self.plain: set[int] = set()  # static: the steps a GPU must run one by one (host work, Python numbers)
        self.numbers_of: dict[int, SetLive] = {}  # register of a Python number -> the step recomputing it
        self.graphs = None  # static on a GPU: the CUDA graphs running the steps (graphs.py)
        written = written_in_place(trace.calls)
        if static and any(id(_root(box.real)) in written for box in self.input_boxes):
            raise NotStatic("the step writes into one of its inputs")
        early = moved_first(trace, written)
        calls, repeats = without_repeats(trace.calls, written, early | {i for i, c in enumerate(trace.calls)
                                                                          if id(c.result) in fresh})
        self.constants = {key for key, a in trace.constants.items() if id(_root(a)) not in written}  # computed once
        kinds = ["repeat" if i in repeats else self._kind(call, fresh, written) for i, call in enumerate(calls)]
        # static: what is handed out (and the buffers it views) is copied at the end, so it keeps its memory
        handed = {id(_root(c.result)) for c in calls if static and is_array(c.result) and id(c.result) in fresh}
        moved = shared_memory(calls, trace.boxes, [kind in ("out", "into") and i not in early
                                                   and id(call.result) not in handed
                                                   for i, (call, kind) in enumerate(zip(calls, kinds))])
        self.prologue: list = []  # value guards and what they read: run first, they change no state
        self.steps: list = []
        self.skipped: dict[Call, str] = {}  # the calls with nothing to run, and why
        for i, (call, kind) in enumerate(zip(calls, kinds)):
            if static and kind not in ("view", "constant", "repeat"):
                call = self._with_device_scalars(call)
            step = self._compile(moved(call), kind, call.result)
            if step is None:
                self.skipped[trace.calls[i]] = kind
            elif i in early:
                self.prologue.append(step)
            else:
                if static and not _kernels_only(call):
                    self.plain.add(len(self.steps))
                self.steps.append(step)

    def register(self, array: Any) -> int:
        """The register an array handed out this replay is in (static: its buffer, copied out)."""
        index = self.register_of.get(id(array))
        self.unread.discard(index)
        if not self.static or id(array) in self.handed:
            return index
        if index is not None or id(_root(array)) in self.trace.inputs:
            raise NotStatic("the step hands out an input or a view of one")
        index = self.register_of[id(array)] = self.handed[id(array)] = len(self.registers)
        self.registers.append(array)
        root = id(_root(array))  # a buffer, or memory the library made inside a call (cumsum's)
        if root not in self.trace.externals and root not in self.trace.constants:  # a parameter's view
            self.copied.append(index)  # stays one, as eagerly
        return index

    def run(self, inputs: list, at: list[int]) -> list | None:
        """Replay with new input arrays (`inputs[k]` for register `at[k]`); returns the registers
        (inputs, then handed-out arrays), or None, having changed nothing, where a value guard
        fails (the caller runs eagerly)."""
        registers = self.registers
        for index, array in zip(at, inputs):
            self.input_boxes[index].real = array
            if not self.static:
                registers[index] = array
            elif registers[index] is None or type(array) is numpy.ndarray:
                registers[index] = array  # a host array (labels) stays itself, read by the host-to-GPU
            else:                         # copy that the step recorded
                registers[index][...] = array  # into the buffer the recorded kernels read
        try:
            for step in self.prologue:
                step()
        except GuardFailed:
            return None
        if self.graphs is not None:
            self.graphs.run()
        else:
            for step in self.steps:
                step()
        if self.static:
            registers = list(registers)
            for index in self.copied:
                registers[index] = registers[index].copy()
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
        dynamic, view = self._touches_register(call), _is_view_of_argument(result, call)
        if id(result) in fresh and not self.static:  # handed out: a new array at every replay
            self._reserve(result)
            if view:  # a view of a buffer is copied (the next replay overwrites the buffer); of a
                # parameter, it stays a view, as eager execution gives
                return "fresh view" if id(_root(result)) in self.trace.made else "view again"
            return "fresh"
        if view:
            if not dynamic:
                return "view"
            same = _same_array_as(result, call)
            if id(same) in self.register_of:  # x.reshape(x.shape): the view is the register's array itself
                self.register_of[id(result)] = self.register_of[id(same)]
                return "view"
            self._reserve(result)  # so that the calls reading it know it is in a register
            return "view again"
        if id(result) not in written and is_constant(call, self.constants, dynamic):
            self.constants.add(id(result))
            return "constant"  # made from Python values, shapes and constants alone, never written: computed once
        return "out" if _takes_out(call.function, result) else "into"

    def _compile(self, call: Call, kind: str, recorded_result: Any):
        """The step that redoes `call` (its arrays moved into planned memory), or None where
        nothing needs doing (a view of a buffer stays one; a constant keeps its value)."""
        result, function = call.result, call.function
        if kind in ("view", "constant", "repeat"):
            return None
        if kind == "live":
            return self._live(call)
        if kind == "fill":
            return Fill(function, result)
        if kind == "call":
            return self._step(call, function, call.kwargs)
        if kind in ("fresh", "fresh view", "view again"):  # a new array each replay, or a view of one
            return self._to_register(call, recorded_result, copy=kind == "fresh view")  # known by that array
        if kind == "out":
            return self._step(call, function, {**call.kwargs, "out": result})
        return self._step(call, Into(function, result if type(result) is tuple else (result,)), call.kwargs)

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
        return (any(id(a) in self.register_of for a in call.arrays())
                or any(type(v) is Live for v in (*call.args, *call.kwargs.values())))

    def _live(self, call: Call):
        """The Python numbers a replay recomputes: into registers, read by the calls using them."""
        indices = []
        for live in call.result:
            self.register_of[id(live)] = len(self.registers)
            indices.append(len(self.registers))
            self.registers.append(float(live))
        step = SetLive(call.function, indices, self.registers)
        self.numbers_of.update(dict.fromkeys(indices, step))
        return step

    def _with_device_scalars(self, call: Call) -> Call:
        """Static: a ufunc's Python numbers that a replay recomputes (Live) as 0-d arrays on its
        arrays' device, refilled at each replay. The dtype is the one the ufunc computes in (a
        Python float takes its array operands' float dtype, as NumPy 2 and CuPy 14 cast it), so
        it computes exactly as with the number itself; where the library casts by value instead,
        or the call names its dtype, the call keeps the number (and runs on its own)."""
        arrays = [a for a in call.args if is_array(a)]
        if not (_is_ufunc(call.function) and arrays and any(type(a) is Live for a in call.args)
                and "dtype" not in call.kwargs and "signature" not in call.kwargs
                and _casts_python_floats_weakly(array_namespace(arrays[0]))):
            return call
        dtype = numpy.result_type(*(a.dtype for a in arrays), 0.0)  # 0.0: a Python float, as weak as the Live
        if dtype.kind not in "fc":
            return call
        args = tuple(self.numbers_of[self.register_of[id(a)]].on_device(self.register_of[id(a)], dtype, arrays[0])
                     if type(a) is Live else a for a in call.args)
        return Call(call.function, args, call.kwargs, call.result, call.host)

    def _reserve(self, result) -> None:
        """A register for an array that changes identity at every replay."""
        self.register_of[id(result)] = len(self.registers)
        self.registers.append(None)

    def _to_register(self, call: Call, result, copy: bool):
        """A call whose result lives in a register: a new array on every replay."""
        index = self.register_of[id(result)]
        if _takes_out(call.function, result) and not copy and result.ndim == 0:
            return _patched(FreshOut(call.function, result, self.registers, index), call.args, call.kwargs, self)
        return _patched(ToRegister(call.function, self.registers, index, copy), call.args, call.kwargs, self)


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
    if not positions and not others:  # nothing read from the registers after all
        return functools.partial(function, *args, **kwargs)
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
        return lambda registers: kind([v if p is None else p(registers) for v, p in zip(value, parts)])
    if type(value) is dict:
        parts = {k: _resolver(v, register_of) for k, v in value.items()}
        if all(p is None for p in parts.values()):
            return None
        return lambda registers: {k: v if parts[k] is None else parts[k](registers) for k, v in value.items()}
    return None


def _own_copy(array):
    """A static program's buffer for an input on a GPU (None for an array on the host)."""
    return array.copy() if is_array(array) and type(array) is not numpy.ndarray else None


_WEAK: dict = {}  # array library -> does it cast a Python float to its arrays' dtype (NEP 50)?


def _casts_python_floats_weakly(library) -> bool:
    """NumPy 2 and CuPy 14 compute int8 + 0.5 in float64 (the float is "weak", NEP 50); libraries
    that cast by value compute it in float16, and there a number's dtype follows its value."""
    if library not in _WEAK:
        _WEAK[library] = library.add(library.zeros(1, numpy.int8), 0.5).dtype == numpy.float64
    return _WEAK[library]


def _is_ufunc(function) -> bool:
    return hasattr(function, "nin") and hasattr(function, "nout")


def _kernels_only(call: Call) -> bool:
    """Does the call only launch kernels on arrays already on the GPU, so that a CUDA graph can
    replay it? Not Python work (host calls), nor a call given host arrays or Python numbers a
    replay recomputes: a graph would keep their values of the day it was recorded."""
    return not call.host and not any(type(a) is numpy.ndarray for a in call.arrays()) and not any(
        type(v) is Live for v in (*call.args, *call.kwargs.values()))


def _same_array_as(result, call: Call):
    """The argument of `call` that its view `result` is the whole of (same memory, shape, strides,
    dtype), or None."""
    where = result.__array_interface__["data"][0] if type(result) is numpy.ndarray else None
    for a in call.arrays():
        if (where is not None and type(a) is numpy.ndarray and a.__array_interface__["data"][0] == where
                and a.shape == result.shape and a.strides == result.strides and a.dtype == result.dtype):
            return a
    return None


def _takes_out(function, result) -> bool:
    """Can `function` write its result into a given array? (ufuncs and their methods can, and
    CuPy's matmul, which is no ufunc)"""
    owner = getattr(function, "__self__", None)
    return (hasattr(function, "nout") or (hasattr(owner, "nout") and function.__name__ in ("reduce", "accumulate"))
            or function is getattr(array_namespace(result), "matmul", None))


def _is_view_of_argument(result, call: Call) -> bool:
    root = _root(result)
    return root is not result and any(_root(a) is root for a in call.arrays())
