"""tg.jit: trace a training step once, then replay its array calls without building a graph.

    step = tg.jit(train_step)      # train_step(x, y) may run forward, backward() and optimizer.step()
    loss = step(x, y)              # the first calls run eagerly and record; later ones replay

How it works (docs/jit.md has the whole story): while a call is traced, every array call the
step makes is recorded (record.py, traced.py). Two traced calls with the same guards must record
the same calls, or the step is refused with the first difference; then the trace becomes a
Program (program.py) that replays into the trace's own buffers, and a Replay (replay.py) hands
out its results. Guards (`_guards`) choose the program: the inputs' shapes, dtypes and devices,
which of them are the same array, grad mode; for every tensor the step used, its array's
identity, `requires_grad` and whether `.grad` is None; each module's settings and what it
holds; each optimizer's state, groups and code-selecting settings. A new combination is traced
again; past `MAX_PROGRAMS` the step runs eagerly, with a one-line warning.
"""
from __future__ import annotations

import functools
import threading
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import numpy

from .. import watch
from ..device import device_of, is_array
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor
from .program import Program
from .record import JitError, Trace, active, start, stop
from .replay import GUARD_FAILED, Replay, aliasing, arrays_of
from .traced import Traced
from .show import describe_program, describe_difference

__all__ = ["jit", "JitError", "Jitted"]

_SETTINGS = (bool, int, float, str, type(None))  # a module's attributes of these types are guarded
MAX_PROGRAMS = 8  # input signatures kept (e.g. the full batch and the last short one)
TRACES_TO_AGREE = 2  # traced calls that must record the same calls before a replay


def jit(function: Callable, cuda_graphs: bool = True) -> Jitted:
    """Wrap a step function so that later calls replay its recorded array calls (see the module).
    On a GPU the replay launches its kernels as CUDA graphs where CuPy can record them
    (graphs.py); `cuda_graphs=False` launches them one by one."""
    return Jitted(function, cuda_graphs)


class Jitted:
    """A jitted step: call it like the function; `show()` prints the recorded program."""

    def __init__(self, function: Callable, cuda_graphs: bool = True):
        functools.update_wrapper(self, function)
        self.function, self.cuda_graphs = function, cuda_graphs
        self.programs: dict = {}  # guard key -> Replay
        self.last: tuple = ((), None)  # the guard key of the latest replay, and its Replay
        self.pending: dict = {}  # learning key -> (its latest trace, how many traces in a row disagreed)
        self.seen: dict = {}  # tensors the latest trace read (id -> weak reference)
        self.guarded: dict = {}  # tensors two traces in a row read (parameters, buffers): guarded
        self.modules: dict = {}  # every module the step called (id -> weak reference)
        self.optimizers: dict = {}  # every optimizer it stepped (id -> optimizer)
        self.warned: set[str] = set()  # the reasons for running eagerly already told
        self.traced = self.replayed = 0  # calls so far, of each kind
        self.lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if active() is not None:  # called while a step is traced: its calls belong to that recording
            return self.function(*args, **kwargs)
        with self.lock:  # a program's buffers and registers serve one call at a time
            return self._call(args, kwargs)

    def _call(self, args: tuple, kwargs: dict) -> Any:
        values = (*args, *kwargs.values())
        arrays = arrays_of(values)
        signature = (tuple(map(_signature, values)), tuple(kwargs), is_grad_enabled(), aliasing(arrays))
        key = (signature, self._guards(self.guarded))
        last_key, replay = self.last
        if key != last_key:  # (most calls replay the program the call before did: comparing is quicker)
            replay = self.programs.get(key)
        if replay is not None:
            self.last = (key, replay)
            result = replay(values, arrays)
            if result is not GUARD_FAILED:
                self.replayed += 1
                return result
            return self._eagerly("a value it branched on differs (e.g. a label equal to ignore_index)", args, kwargs)
        if len(self.programs) >= MAX_PROGRAMS:
            return self._eagerly(f"it has {MAX_PROGRAMS} recordings already (input signatures or settings)",
                                 args, kwargs)
        if self.traced >= 10 and not self.programs and "traced" not in self.warned:
            self.warned.add("traced")
            warnings.warn(f"tg.jit({self.function.__name__}): {self.traced} calls traced and none replayed: an "
                          "argument or setting changes at every call (a list, a new object); pass arrays, "
                          "Tensors or numbers", stacklevel=3)
        return self._trace(signature, key, args, kwargs)

    def _eagerly(self, why: str, args: tuple, kwargs: dict) -> Any:
        """Run this call without replaying, saying why once."""
        if why not in self.warned:
            warnings.warn(f"tg.jit({self.function.__name__}): a call runs eagerly, as {why}; such calls always "
                          "will (this is said once)", stacklevel=4)
            self.warned.add(why)
        return self.function(*args, **kwargs)

    def show(self) -> str:
        """The recorded program(s): one line per array call, with shapes; printed and returned."""
        if not self.programs:
            text = f"tg.jit({self.function.__name__}): nothing recorded yet (the first calls trace, then it replays)"
        else:
            text = "\n\n".join(describe_program(replay.program.trace, replay.program)
                                for replay in self.programs.values())
        print(text)
        return text

    @property
    def program(self) -> Program | None:
        """The newest recorded program (for viz), or None."""
        return next(reversed(self.programs.values())).program if self.programs else None

    # ------------------------------------------------------------------ guards

    def _guards(self, tensors: dict) -> tuple:
        """What the guards read: each tensor's array (its identity), requires_grad and whether its
        .grad is None (None for a tensor that no longer exists); each module's Python settings
        (training, a dropout's p, a norm's eps...) and which parameters and sub-modules it holds;
        each optimizer's state, groups and code settings."""
        return (tuple([None if (t := ref()) is None else (id(t._data), t._requires_grad, t.grad is None)
                       for ref in tensors.values()]),
                tuple([_module_guard(ref()) for ref in self.modules.values()]),
                tuple([_optimizer_guard(o) for o in self.optimizers.values()]))

    # ------------------------------------------------------------------ tracing

    def _trace(self, signature, key, args, kwargs):
        if watch.enabled:
            raise JitError("tg.jit: detect_anomaly() (or viz.recording()) looks at values in Python after every "
                           "op, which a replay does not; call the step without tg.jit meanwhile")
        candidates = {**self.seen, **self.guarded}  # the tensors that may become guarded: their state now
        entry = (dict(zip(candidates, self._guards(candidates)[0])), *self._guards({})[1:])
        entry_grads = [t for t in (ref() for ref in candidates.values()) if t is not None and t.grad is not None]
        self.traced += 1
        trace = Trace()
        traced_args = [_enter(a, trace) for a in args]
        traced_kwargs = {k: _enter(v, trace) for k, v in kwargs.items()}
        for t in entry_grads:
            trace.add_input(t.grad._data)  # a gradient being accumulated: read anew at each replay
        entry_grads = [(t, trace.inputs[id(t.grad._data)]) for t in entry_grads]  # with its register
        start(trace)
        try:
            result = _unboxed(self.function(*traced_args, **traced_kwargs))
        finally:
            stop(trace)
        self._learn(trace, signature, (key, _learning(entry[0])), [*args, *kwargs.values()], result, entry,
                    entry_grads)
        return result

    def _learn(self, trace: Trace, signature, key, args: list, result, entry: tuple, entry_grads: list) -> None:
        """Compare a trace with the one before under the same key (and gradients present or not);
        when they agree, install it as the program."""
        read = {id(t): weakref.ref(t) for t in (ref() for ref in trace.externals.values() if ref is not None)
                if t is not None}
        stable = {i: ref for i, ref in read.items() if i in self.seen}
        self.seen = read
        previous, disagreements = self.pending.pop(key, (None, 0))
        modules, optimizers, trace.modules, trace.optimizers = trace.modules, trace.optimizers, {}, {}  # held weakly
        if modules.keys() - self.modules.keys() or optimizers.keys() - self.optimizers.keys():
            self.modules.update((i, weakref.ref(m)) for i, m in modules.items())
            self.optimizers.update(optimizers)
            return  # new guards: the next call's key differs, so it traces again
        if previous is None:
            self.pending[key] = (trace, 0)
            while len(self.pending) > MAX_PROGRAMS:
                del self.pending[next(iter(self.pending))]
            return
        difference = describe_difference(previous, trace)
        if difference is None:
            self.guarded.update(stable)
            tensors, modules, optimizers = entry
            guard_key = (signature, (tuple([tensors[i] for i in self.guarded]), modules, optimizers))
            self.programs[guard_key] = Replay(trace, args, result, entry_grads, self.cuda_graphs)
            return
        if disagreements + 1 < TRACES_TO_AGREE:
            self.pending[key] = (trace, disagreements + 1)
        else:
            raise JitError(f"tg.jit({self.function.__name__}): calls with the same inputs and settings recorded "
                           f"different array calls, so no recording can stand for them: {difference}")


def _optimizer_guard(o) -> tuple:
    """Which state and groups (each dict, and which parameters in it) an optimizer holds, and its
    code settings: its numbers are read live from those groups."""
    return (id(o.state), tuple(map(id, o.state.values())),
            tuple([(id(group), tuple(map(id, group["params"]))) for group in o.param_groups]), o.code_settings())


def _module_guard(m) -> tuple | None:
    if m is None:
        return None
    return (tuple([v for v in vars(m).values() if type(v) in _SETTINGS]),
            tuple(map(id, m._parameters.values())), tuple(map(id, m._modules.values())),
            tuple(map(id, m._buffers.values())))


def _learning(tensors: dict) -> tuple:
    """What else must agree for two traces to be compared: which tensors that require grad had a
    gradient at entry (accumulating or not)."""
    return tuple(sorted((i, guard[2]) for i, guard in tensors.items() if guard is not None and guard[1]))


def _signature(value):
    """What of an argument a recording depends on: an array's shape, dtype and device (and a
    Tensor's requires_grad); a number's value; any other object's identity."""
    if isinstance(value, Tensor):
        data = value._data
        return (data.shape, data.dtype, _device(data), value._requires_grad)
    if is_array(value):
        return (value.shape, value.dtype, _device(value))
    if value is None or isinstance(value, (bool, int, float, str, numpy.generic)):
        return ("value", type(value), value)
    return ("object", id(value))


def _device(array) -> str:
    return "cpu" if type(array) is numpy.ndarray else device_of(array)


def _enter(value, trace: Trace):
    """An argument as the traced step sees it: arrays (also inside Tensors) become its inputs."""
    if isinstance(value, Tensor):
        trace.add_input(value._data)
        return value
    if is_array(value):
        return trace.add_input(value)
    return value


def _unboxed(value):
    """The step's result with no Traced in it (an array argument comes back as itself)."""
    if type(value) is Traced:
        return value.real
    if isinstance(value, (tuple, list)):
        return type(value)(_unboxed(v) for v in value)
    if isinstance(value, dict):
        return {k: _unboxed(v) for k, v in value.items()}
    return value
