"""Recording one call of a step: the trace, and how tensors' values enter it.

While a `Trace` is active in a thread, every tensor's values read in that thread (`t._data`, so
every op, optimizer and loss) arrive as a `Traced` array (traced.py), and each array call made
on them is noted here as a `Call`: the function, its real arguments and its real result. The
arrays themselves are kept, so a replay can write new values into the same buffers. When the
trace ends every tensor gets its real array back.

A call the trace cannot record faithfully is refused (`refuse`) with the user's line, instead
of being replayed wrong.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy

from ..device import is_array
from ..tensor import Tensor
from ..tracing import JitError, _local, active, refuse  # noqa: F401  (the jit's names for them)

if TYPE_CHECKING:
    from ..ops.array import Array

_SLOT = Tensor.__dict__["_data"]  # the Tensor's own storage for its values
_tracing_threads = 0  # while any thread traces, Tensor._data is the property below
_switch = threading.Lock()


class Call:
    """One recorded array call: `result = function(*args, **kwargs)` (result None: in place)."""

    __slots__ = ("function", "args", "kwargs", "result", "host")

    def __init__(self, function: Callable, args: tuple, kwargs: dict, result: Any, host: bool = False):
        self.function, self.args, self.kwargs, self.result, self.host = function, args, kwargs, result, host

    def arrays(self) -> Iterator:
        """The arrays among its arguments (nested in tuples, lists and dicts too)."""
        return _arrays_in((self.args, self.kwargs))

    def with_arrays(self, replace: Callable) -> Call:
        """The same call with each array `a` among its arguments and results replaced by replace(a)."""
        return Call(self.function, _with_arrays(self.args, replace), _with_arrays(self.kwargs, replace),
                    _with_arrays(self.result, replace), self.host)

    @property
    def name(self) -> str:
        f = self.function
        owner = getattr(getattr(f, "__self__", None), "__name__", None)  # ufunc methods: add.reduce
        name = getattr(f, "__name__", None) or type(f).__name__
        return f"{owner}.{name}" if owner and not isinstance(getattr(f, "__self__"), type(numpy)) else name


class Live(float):
    """A Python number that a replay recomputes (an optimizer's lr, Adam's bias corrections): a
    float while tracing, so that NumPy treats it exactly as eager execution does (a plain float
    passed to the library), and a marker in the recorded call."""

    def __new__(cls, value: float, name: str) -> Live:
        live = super().__new__(cls, value)
        live.name = name
        return live


class Trace:
    """The calls of one traced run of a step, and the roles of the arrays they touch."""

    def __init__(self):
        from .traced import Traced
        self.Traced = Traced
        self.calls: list[Call] = []
        self.boxes: dict[int, object] = {}  # id(real array) -> its Traced
        self.made: dict[int, int] = {}  # id(array) -> index of the call that made it
        self.inputs: dict[int, int] = {}  # id(array) -> position among the step's array inputs
        self.externals: dict[int, Any] = {}  # id(array) -> a weak reference to its tensor (None: optimizer state)
        self.constants: dict[int, object] = {}  # id(array) -> an array made in Python, met in a call
        self.viewed: set[int] = set()  # ids of arrays some recorded call took a view of
        self.created: set[int] = set()  # ids of the tensors made during the trace (inside the step)
        self.tensors: list[Tensor] = []  # whose values were boxed: unboxed at the end
        self.modules, self.optimizers = {}, {}  # seen during the trace (id -> object): their settings guard
        self.closed = False

    # ------------------------------------------------------------------ entering values

    def box(self, real: Array) -> Any:
        """The Traced for array `real` (one per array)."""
        box = self.boxes.get(id(real))
        if box is None:
            box = self.boxes[id(real)] = self.Traced(real, self)
        return box

    def add_input(self, real: Array) -> Any:
        self.inputs.setdefault(id(real), len(self.inputs))
        return self.box(real)

    def box_tensor(self, t: Tensor, real: Array) -> Any:
        """t's values as Traced (an external array, such as a parameter, unless made here)."""
        if id(real) not in self.boxes and id(real) not in self.made and id(t) not in self.created:
            self.externals.setdefault(id(real), weakref.ref(t))  # a tensor that outlives the step
        box = self.box(real)
        _SLOT.__set__(t, box)
        self.tensors.append(t)
        return box

    def note(self, function: Callable, args: tuple, kwargs: dict, result: Any) -> Any:
        """Record a call made on traced arrays; return its result as Traced."""
        for value in _arrays_in((args, kwargs)):
            key = id(value)
            if key not in self.boxes and key not in self.constants:
                self.constants[key] = value  # made in Python, outside the recording
        out = kwargs.get("out")
        if type(out) is tuple and len(out) == 1:
            out = out[0]
        if result is None or out is not None:  # in place: the call writes into an argument
            self.calls.append(Call(function, args, kwargs, None))
            return self.box(out) if is_array(out) else result
        if isinstance(result, numpy.generic):
            result = numpy.asarray(result)
        if is_array(result):
            if any(a is result for a in _arrays_in((args, kwargs))):  # out=, x += y, asarray(x)
                self.calls.append(Call(function, args, kwargs, None))
                return self.box(result)
            self.calls.append(Call(function, args, kwargs, result))
            self.made[id(result)] = len(self.calls) - 1
            if result.base is not None:
                self.viewed.add(id(_root(result)))
            return self.box(result)
        if isinstance(result, (tuple, list)) and result and all(is_array(r) for r in result):
            self.calls.append(Call(function, args, kwargs, tuple(result)))
            for r in result:
                self.made[id(r)] = len(self.calls) - 1
            return type(result)(self.box(r) for r in result)
        if isinstance(result, (bool, int, float, complex)):
            name = getattr(function, "__name__", function)
            refuse(f"`{name}` returns a Python value computed from the step's arrays")
        return result

    def host(self, function: Callable, arrays: tuple) -> tuple:
        """Record Python work that a replay must redo: `function()` gives new values for
        `arrays` (which hold this run's); returns them as Traced."""
        self.calls.append(Call(function, (), {}, tuple(arrays), host=True))
        for a in arrays:
            self.made[id(a)] = len(self.calls) - 1
        return tuple(self.box(a) for a in arrays)

    def live_scalars(self, recompute: Callable[[], list], values: list[dict]) -> list[dict]:
        """An optimizer's numbers (a dict per parameter, one dict shared by a group's parameters)
        as `Live` floats: the calls record where each is used, and a replay recomputes the
        distinct dicts, in order, with `recompute()` and passes the new Python floats there."""
        live = {id(numbers): {name: Live(value, name) for name, value in numbers.items()}
                for numbers in values}  # one per dict: a group's numbers are shared by its parameters
        self.calls.append(Call(recompute, (), {}, tuple(v for numbers in live.values() for v in numbers.values()),
                               host=True))
        return [live[id(numbers)] for numbers in values]

    def hold(self, state: dict) -> None:
        """Box the arrays of an optimizer's per-parameter state, which outlive the step."""
        for key, value in state.items():
            if is_array(value) and id(value) not in self.made:
                self.externals.setdefault(id(value), None)
                state[key] = self.box(value)

    def random(self, draw: Callable[[], numpy.random.Generator], shape: tuple) -> Any:
        """Uniform [0, 1) numbers from `draw()` (a NumPy Generator), drawn again at every replay
        from the generator of that moment, in the same order as eager execution draws them."""
        values = draw().random(shape)
        return self.host(lambda: (draw().random(shape),), (values,))[0]

    def guard(self, condition: Any) -> bool:
        """A value the eager step branches on (labels all in range: the short path), made from the
        step's inputs alone. Its value now; if True, a replay works it out first, before any
        call that changes state, and runs the step eagerly where it no longer holds."""
        real = condition.real if type(condition) is self.Traced else condition
        holds = bool(real)
        if holds:
            self.calls.append(Call(_guard, (real,), {}, None, host=True))
        return holds

    def check(self, failed: Any, message: Callable[[], str], error: type = ValueError) -> None:
        """Record a check (a 0-d bool array `failed`): a replay raises error(message()) where
        the eager step would."""
        real = failed.real if type(failed) is self.Traced else failed
        self.calls.append(Call(_check, (real, message, error), {}, None, host=True))
        if bool(real):
            self.closed = True  # the message reads values: the step stops here, as eagerly
            raise error(message())

    def has_views(self, t: Tensor) -> bool:
        """Has a view of t's values been taken during the trace? (What the eager in-place check
        learns from the array's reference count, which a trace's own references would spoil.)"""
        value = _SLOT.__get__(t)
        return id(_root(value.real if type(value) is self.Traced else value)) in self.viewed

    # ------------------------------------------------------------------ ending

    def close(self) -> None:
        """Give every tensor (and optimizer state) its real array back."""
        self.closed = True
        for t in self.tensors:
            value = _SLOT.__get__(t)
            if type(value) is self.Traced:
                _SLOT.__set__(t, value.real)
        self.tensors = []  # the trace lives on in its program: it must not keep tensors alive
        for optimizer in self.optimizers.values():
            for state in optimizer.state.values():
                for key, value in state.items():
                    if type(value) is self.Traced:
                        state[key] = value.real


class GuardFailed(Exception):
    """A replay's value guard does not hold: run this call eagerly."""


def _guard(holds) -> None:
    if not bool(holds):
        raise GuardFailed


def _check(failed, message, error) -> None:
    if bool(failed):
        raise error(message())


def _arrays_in(value):
    kind = type(value)
    if kind is tuple or kind is list:
        for v in value:
            yield from _arrays_in(v)
    elif kind is dict:
        for v in value.values():
            yield from _arrays_in(v)
    elif is_array(value):
        yield value


def _with_arrays(value, replace: Callable):
    """`value` (arguments: nested tuples, lists, dicts) with each array `a` replaced by replace(a)."""
    kind = type(value)
    if kind is tuple or kind is list:
        return kind(_with_arrays(v, replace) for v in value)
    if kind is dict:
        return {k: _with_arrays(v, replace) for k, v in value.items()}
    return replace(value) if is_array(value) else value


def _root(array):
    while getattr(array, "base", None) is not None:
        array = array.base
    return array


# ------------------------------------------------------------------ Tensor._data while tracing


def _read(t: Tensor):
    value = _SLOT.__get__(t)
    trace = getattr(_local, "trace", None)
    if trace is None or trace.closed or type(value) is trace.Traced or not is_array(value):
        return value
    return trace.box_tensor(t, value)


def _write(t: Tensor, value) -> None:
    _SLOT.__set__(t, value)
    trace = getattr(_local, "trace", None)
    if trace is not None:
        trace.created.add(id(t))
        if type(value) is trace.Traced:
            trace.tensors.append(t)


def start(trace: Trace) -> None:
    """Make `trace` this thread's recording; tensors' values now enter it as they are read."""
    global _tracing_threads
    with _switch:
        if _tracing_threads == 0:
            Tensor._data = property(_read, _write)
        _tracing_threads += 1
    _local.trace = trace


def stop(trace: Trace) -> None:
    """End this thread's recording and give tensors their arrays back."""
    global _tracing_threads
    _local.trace = None
    try:
        trace.close()
    finally:
        with _switch:
            _tracing_threads -= 1
            if _tracing_threads == 0:
                Tensor._data = _SLOT
