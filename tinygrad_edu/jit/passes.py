"""Analyses of a recording that let a replay do less: what no call writes in place, which calls
repeat an earlier one, which give constants, and which value guards can run first.

Each is a small compiler pass over the list of recorded calls, as in any tracing JIT; program.py
applies them when it turns a trace into a program.
"""
from __future__ import annotations

import numpy

from ..device import device_of, is_array
from .record import Call, Live, Trace, _guard, _root


def without_repeats(calls: list[Call], written: set[int], keep: set[int]) -> tuple[list[Call], set[int]]:
    """Common subexpressions: a call made again on the same arrays, unchanged since (their
    version: how many in-place writes they have had, as PyTorch counts them), and the same
    values gives the same result, so the repeat is dropped and its uses read the first one's
    (cross-entropy's backward recomputes its forward's exp, to be twice differentiable).
    Returns the calls rewritten to use the first results, and the positions of the repeats."""
    first, same, rewritten, repeats = {}, {}, [], set()  # call's key -> its result; id(repeat) -> first
    versions: dict[int, int] = {}  # id(root array) -> in-place writes so far
    for index, call in enumerate(calls):
        if same:  # its arguments read the first results (its own result is no repeat yet)
            call = call.with_arrays(lambda a: same.get(id(a), a))
        rewritten.append(call)
        result = call.result
        if result is None and not call.host:
            for array in call.arrays():
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
    """A hashable description of a call (arrays by identity and version; the array whose shape
    `zeros_like(x, ...)` copies by shape, dtype, layout and device), or None."""
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
        if isinstance(value, (float, complex, numpy.inexact)):
            return (type(value), repr(value))  # -0.0 == 0.0, yet full_like(x, -0.0) is another array
        hash(value)
        return (type(value), value)
    args = call.args
    try:
        if getattr(call.function, "__name__", "") in _SHAPE_ONLY and args and is_array(args[0]):
            like = args[0]  # read for its shape, dtype, layout and device alone
            return (call.function, ("like", type(like), like.shape, like.dtype, like.strides, device_of(like)),
                    describe(args[1:]), describe(call.kwargs))
        return (call.function, describe(args), describe(call.kwargs))
    except TypeError:
        return None


def moved_first(trace: Trace, written: set[int]) -> set[int]:
    """The calls to move to the front: each value guard with the calls it reads, where those
    read only the step's inputs and constants. (A guard on anything else stays in place, where
    a failure is an error, since state has changed by then.)"""
    early = set()
    for index, call in enumerate(trace.calls):
        if call.function is not _guard:
            continue
        needed, waiting, movable = {index}, [index], True
        while waiting and movable:
            for array in trace.calls[waiting.pop()].arrays():
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


def written_in_place(calls: list) -> set[int]:
    """The ids of arrays some in-place call may write into (conservatively: all its arrays)."""
    return {id(_root(a)) for call in calls if call.result is None and not call.host
            for a in call.arrays()}


_SHAPE_ONLY = frozenset({"zeros_like", "ones_like", "full_like"})


def is_constant(call: Call, constants: set[int], dynamic: bool) -> bool:
    """Does the call's result depend on nothing a replay changes: only the shapes of its arrays
    (`ones_like(x)`), or, reading no register, no arrays but constants (`asarray(0.9)`,
    `arange(10)`, `ones / 128`)?"""
    return getattr(call.function, "__name__", "") in _SHAPE_ONLY or not dynamic and all(
        id(a) in constants for a in call.arrays())
