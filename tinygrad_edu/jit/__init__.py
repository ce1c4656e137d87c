"""tg.jit: trace a training step once, then replay its array calls without building a graph.

    step = tg.jit(train_step)      # train_step(x, y) may run forward, backward() and optimizer.step()
    loss = step(x, y)              # the first calls run eagerly and record; later ones replay

How it works (docs/jit.md has the whole story): while a call is traced, every array call the
step makes is recorded (record.py, traced.py). Two traced calls with the same guards must record
the same calls, or the step is refused with the first difference; then the trace becomes a
Program (program.py) that replays into the trace's own buffers. Guards (`_guards`) choose the
program: the inputs' shapes, dtypes and devices, grad mode, and for every tensor, module and
optimizer the step used, its array's identity, `requires_grad`, whether `.grad` is None, the
module's `training` flag and the optimizer's code-selecting settings. A new combination is traced
again; past `MAX_PROGRAMS` the step runs eagerly, with a one-line warning.
"""
from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy

from .. import anomaly_mode
from ..device import device_of, is_array
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor
from .program import Program
from .record import JitError, Trace, active, start, stop
from .show import describe_program, describe_difference

__all__ = ["jit", "JitError", "Jitted"]

_SETTINGS = (bool, int, float, str, type(None))  # a module's attributes of these types are guarded
GUARD_FAILED = object()  # what a replay gives when a value guard fails: the call runs eagerly instead
MAX_PROGRAMS = 8  # input signatures kept (e.g. the full batch and the last short one)
TRACES_TO_AGREE = 2  # traced calls that must record the same calls before a replay


def jit(function: Callable) -> Jitted:
    """Wrap a step function so that later calls replay its recorded array calls (see the module)."""
    return Jitted(function)


class Jitted:
    """A jitted step: call it like the function; `show()` prints the recorded program."""

    def __init__(self, function: Callable):
        functools.update_wrapper(self, function)
        self.function = function
        self.programs: dict = {}  # guard key -> _Replay
        self.pending: dict = {}  # guard key -> (its latest trace, how many traces in a row disagreed)
        self.seen: dict = {}  # tensors the latest trace read (id -> Tensor)
        self.guarded: dict = {}  # tensors two traces in a row read (parameters, buffers): guarded
        self.modules, self.optimizers = {}, {}  # every module and optimizer the step used
        self.warned: set[str] = set()  # the reasons for running eagerly already told
        self.traced = self.replayed = 0  # calls so far, of each kind

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        signature = (tuple(_signature(a) for a in (*args, *kwargs.values())), tuple(kwargs), is_grad_enabled())
        key = (signature, self._guards(self.guarded.values()))
        replay = self.programs.get(key)
        if replay is not None:
            result = replay(args, kwargs)
            if result is not GUARD_FAILED:
                self.replayed += 1
                return result
            return self._eagerly("a value it branched on differs (e.g. a label equal to ignore_index)", args, kwargs)
        if len(self.programs) >= MAX_PROGRAMS:
            return self._eagerly(f"it has {MAX_PROGRAMS} recordings already (input signatures or settings)",
                                 args, kwargs)
        return self._trace(signature, key, args, kwargs)

    def _eagerly(self, why: str, args: tuple, kwargs: dict) -> Any:
        """Run this call without replaying, saying why once."""
        if why not in self.warned:
            warnings.warn(f"tg.jit({self.function.__name__}): a call runs eagerly, as {why}; such calls always "
                          "will (this is said once)", stacklevel=3)
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

    def _guards(self, tensors) -> tuple:
        """What the guards read: each tensor's array (its identity), requires_grad and whether its
        .grad is None; each module's Python settings (training, a dropout's p, a norm's eps...);
        each optimizer's state and code settings."""
        return (tuple([(id(t._data), t._requires_grad, t.grad is None) for t in tensors]),
                tuple([tuple([v for v in vars(m).values() if type(v) in _SETTINGS]) for m in self.modules.values()]),
                tuple([(id(o.state), o.code_settings()) for o in self.optimizers.values()]))

    # ------------------------------------------------------------------ tracing

    def _trace(self, signature, key, args, kwargs):
        if active() is not None:
            return self.function(*args, **kwargs)  # called inside another trace: part of it
        if anomaly_mode.enabled:
            raise JitError("tg.jit: detect_anomaly() checks values in Python after every op, which a replay "
                           "does not; call the step without tg.jit while looking for the anomaly")
        candidates = {**self.seen, **self.guarded}  # the tensors that may become guarded: their state now
        tensors, modules, optimizers = self._guards(candidates.values())
        entry = (dict(zip(candidates, tensors)), modules, optimizers)
        entry_grads = [t for t in candidates.values() if t.grad is not None]
        self.traced += 1
        trace = Trace()
        args = [_enter(a, trace) for a in args]
        kwargs = {k: _enter(v, trace) for k, v in kwargs.items()}
        for t in entry_grads:
            trace.add_input(t.grad._data)  # a gradient being accumulated: read anew at each replay
        start(trace)
        try:
            result = self.function(*args, **kwargs)
        finally:
            stop(trace)
        self._learn(trace, signature, key, result, entry, entry_grads)
        return result

    def _learn(self, trace: Trace, signature, key, result, entry: tuple, entry_grads: list) -> None:
        """Compare a trace with the one before; when they agree, install it as the program."""
        read = {id(t): t for t in trace.externals.values() if t is not None}
        stable = {i: t for i, t in read.items() if i in self.seen}
        self.seen = read
        previous, disagreements = self.pending.pop(key, (None, 0))
        if trace.modules.keys() - self.modules.keys() or trace.optimizers.keys() - self.optimizers.keys():
            self.modules.update(trace.modules)
            self.optimizers.update(trace.optimizers)
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
            key = (signature, (tuple([tensors[i] for i in self.guarded]), modules, optimizers))
            self.programs[key] = _Replay(trace, result, entry_grads)
            return
        if disagreements + 1 < TRACES_TO_AGREE:
            self.pending[key] = (trace, disagreements + 1)
        else:
            raise JitError(f"tg.jit({self.function.__name__}): calls with the same inputs and settings recorded "
                           f"different array calls, so no recording can stand for them: {difference}")


def _signature(value):
    """What of an argument a recording depends on: an array's shape, dtype and device (and a
    Tensor's requires_grad); a number's value; any other object's identity."""
    if isinstance(value, Tensor):
        data = value._data
        return (data.shape, data.dtype, _device(data), value._requires_grad)
    if is_array(value):
        return (value.shape, value.dtype, _device(value))
    if value is None or isinstance(value, (bool, int, float, str)):
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


class _Replay:
    """One program, and how a replay hands out its results as eager execution would."""

    def __init__(self, trace: Trace, result, entry_grads: list):
        self.entry_grads = entry_grads
        leaves = {id(t): t for t in trace.externals.values()
                  if t is not None and t._requires_grad and t._grad_fn is None}
        grads = {i: t.grad._data for i, t in leaves.items() if t.grad is not None and id(t.grad._data) in trace.made}
        fresh = {id(a) for a in grads.values()} | {id(a) for a in _handed_out(result) if id(a) in trace.made}
        self.program = Program(trace, fresh)
        self.grads = [(t, self.program.register(grads[i]) if i in grads else None) for i, t in leaves.items()
                      if i in grads or t.grad is None]
        self.result = _template(result, trace, self.program)

    def __call__(self, args, kwargs):
        inputs = [a._data if isinstance(a, Tensor) else a for a in (*args, *kwargs.values())
                  if isinstance(a, Tensor) or is_array(a)]
        inputs += [t.grad._data for t in self.entry_grads]
        registers = self.program.run(inputs)
        if registers is None:
            return GUARD_FAILED
        for t, index in self.grads:
            t.grad = None if index is None else Tensor._from_op(registers[index])
        return _rebuild(self.result, registers)


def _handed_out(value):
    if isinstance(value, Tensor):
        yield value._data
    elif is_array(value):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _handed_out(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _handed_out(v)


def _template(value, trace: Trace, program: Program):
    """The step's result with each array it made replaced by its register."""
    if isinstance(value, Tensor) and id(value._data) in trace.made:
        return ("tensor", program.register(value._data))
    if is_array(value) and id(value) in trace.made:
        return ("array", program.register(value))
    if isinstance(value, (tuple, list)):
        return (type(value), [_template(v, trace, program) for v in value])
    if isinstance(value, dict):
        return (dict, {k: _template(v, trace, program) for k, v in value.items()})
    return ("value", value)


def _rebuild(template, registers):
    kind, content = template
    if kind == "tensor":
        return Tensor._from_op(registers[content])
    if kind == "array":
        return registers[content]
    if kind == "value":
        return content
    if kind is dict:
        return {k: _rebuild(v, registers) for k, v in content.items()}
    return kind(_rebuild(v, registers) for v in content)
