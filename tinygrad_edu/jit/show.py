"""Reading a recording: a program as text (`step.show()`), and where two recordings differ.

Arrays are named by their role: `in0` the step's inputs, `p0` arrays read from tensors that
outlive the step (parameters, optimizer state, running statistics), `t0` arrays the step made,
`c0` arrays made in Python that met the step's arrays.
"""
from __future__ import annotations

from typing import Any

import numpy

from ..device import is_array
from .record import Call, Live, Trace


class _Names:
    def __init__(self, trace: Trace):
        self.trace, self.names = trace, {}
        self.counts = {"in": 0, "p": 0, "t": 0, "c": 0}
        for key in sorted(trace.inputs, key=trace.inputs.get):
            self.names[key] = f"in{trace.inputs[key]}"

    def __call__(self, array) -> str:
        key = id(array)
        if key not in self.names:
            trace = self.trace
            role = "t" if key in trace.made else "p" if key in trace.externals else "c"
            self.names[key] = f"{role}{self.counts[role]}"
            self.counts[role] += 1
        return self.names[key]

    def value(self, value) -> str:
        if isinstance(value, Live):
            return value.name
        if is_array(value):
            return f"{self(value)}{list(value.shape)}"
        if isinstance(value, (tuple, list)):
            inner = ", ".join(self.value(v) for v in value)
            return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
        if isinstance(value, slice):
            return ":".join("" if v is None else str(v) for v in (value.start, value.stop, value.step))
        if isinstance(value, numpy.dtype) or isinstance(value, type):
            return numpy.dtype(value).name if value is not bool else "bool"
        if callable(value):
            return getattr(value, "__qualname__", type(value).__name__)
        return repr(value)


_FREE = {"view": "a view: free on replay", "constant": "a constant: computed once",
         "repeat": "computed before: free on replay"}


def describe_call(call: Call, names: _Names, skipped: str | None = None) -> str:
    """One line: `t3[128, 100] float32 = matmul(in0[128, 784], p0[784, 100])`."""
    args = [names.value(a) for a in call.args]
    args += [f"{k}={names.value(v)}" for k, v in call.kwargs.items()]
    if call.host:
        results = [names.value(r) for r in (call.result or ())]
        target = ", ".join(results if len(results) <= 6 else results[:4] + [f"... ({len(results)} numbers)"])
        what = "python" if call.result is not None else "guard" if call.name == "_guard" else "check"
        return f"{target + ' = ' if target else ''}{what} {getattr(call.function, '__qualname__', call.name)}()"
    name = call.name
    if call.result is None:
        return f"{name}({', '.join(args)})   # in place"
    results = call.result if type(call.result) is tuple else (call.result,)
    target = ", ".join(f"{names(r)}{list(r.shape)} {r.dtype}" for r in results)
    return f"{target} = {name}({', '.join(args)})" + (f"   # {_FREE[skipped]}" if skipped else "")


def describe_program(trace: Trace, program: Any = None) -> str:
    names = _Names(trace)
    tensors = sum(ref is not None for ref in trace.externals.values())
    lines = [f"tg.jit program: {len(trace.calls)} recorded array calls, "
             f"{len(program.steps) if program else len(trace.calls)} run per replay; "
             f"{len(trace.inputs)} inputs, {tensors} tensors read"]
    if program is not None and program.graphs is not None:
        lines.append(program.graphs.describe())
    width = len(str(len(trace.calls)))
    for i, call in enumerate(trace.calls):
        skipped = program.skipped.get(call) if program is not None else None
        lines.append(f"{i:>{width}}  {describe_call(call, names, skipped)}")
    return "\n".join(lines)


def describe_difference(first: Trace, second: Trace) -> str | None:
    """None if two recordings made the same calls on the same kinds of arrays; else the first
    difference, in words."""
    if len(first.calls) != len(second.calls):
        differing = next((i for i, (a, b) in enumerate(zip(first.calls, second.calls)) if _form(a, first)
                          != _form(b, second)), min(len(first.calls), len(second.calls)))
        return (f"one call recorded {len(first.calls)} array calls, the next {len(second.calls)}, the first "
                f"difference at call {differing} ({_at(first, differing)} vs {_at(second, differing)}); Python "
                "control flow changes between calls (a counter, a random choice, a value read back)")
    for i, (a, b) in enumerate(zip(first.calls, second.calls)):
        if _form(a, first)[:3] == _form(b, second)[:3] and _form(a, first) != _form(b, second):
            return (f"call {i} ({a.name}) made an array of another shape on the next call: the step's shapes "
                    "depend on its values (boolean-mask indexing, nonzero); keep such code out of the jitted "
                    "function")
        if _form(a, first) != _form(b, second):
            return (f"call {i} differs: {describe_call(a, _Names(first))} vs {describe_call(b, _Names(second))}; "
                    "a Python number or setting that changes between calls (pass it as an argument, or "
                    "keep it fixed)")
        for x, y in zip(_constants(a, first), _constants(b, second)):
            if x is not y and id(y) in first.made:
                return (f"call {i} ({a.name}) reads what the call before made (carried state, such as an RNN's "
                        "hidden state kept between calls); a replay would read the first one for ever: pass "
                        "the state to the step as an argument and return the new one")
            if x is not y and (first.externals.get(id(x)) or second.externals.get(id(y))):
                return (f"call {i} ({a.name}) reads a tensor from outside the step whose array is a different "
                        "one at each call (a tensor replaced between calls, or `p.data = ...`); a replay would "
                        "read the first one for ever: update it in place, or pass it as an argument")
            if x is not y and not (x.shape == y.shape and x.dtype == y.dtype and bool((x == y).all())):
                return (f"call {i} ({a.name}) uses an array of shape {x.shape} made in Python whose values change "
                        "between calls (random numbers drawn with NumPy, a tensor made from changing data); make "
                        "it an argument of the step, or draw it with tinygrad_edu's generators inside the step")
    return None


def _at(trace: Trace, i: int) -> str:
    return describe_call(trace.calls[i], _Names(trace)) if i < len(trace.calls) else "the end"


def _form(call: Call, trace: Trace) -> tuple:
    """What must agree between two recordings of a call: the function, the roles and shapes of
    its arrays and every Python value."""
    function = call.function
    name = getattr(function, "__qualname__", None) if call.host else function
    return (name, _shape_of(call.args, trace), _shape_of(call.kwargs, trace),
            None if call.result is None else _shape_of(call.result, trace))


def _shape_of(value, trace: Trace):
    if is_array(value):
        key = id(value)
        if key in trace.made:
            role = ("made", trace.made[key])
        elif key in trace.inputs:
            role = ("input", trace.inputs[key])
        else:
            role = ("held",)  # read from a tensor or made in Python: compared by value below
        return role + (value.shape, value.dtype.str)
    if isinstance(value, Live):
        return ("live", value.name)  # its value may change: a replay recomputes it
    if isinstance(value, (tuple, list)):
        return (type(value).__name__,) + tuple(_shape_of(v, trace) for v in value)
    if isinstance(value, dict):
        return tuple((k, _shape_of(v, trace)) for k, v in value.items())
    if callable(value) and not isinstance(value, type):
        return getattr(value, "__qualname__", type(value).__name__)
    return value


def _constants(call: Call, trace: Trace):
    for array in call.arrays():
        if id(array) not in trace.made and id(array) not in trace.inputs:
            yield array
