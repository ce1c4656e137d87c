"""Memory planning: a replay's buffers share memory where their lifetimes do not overlap.

A trace keeps every array it made, so a replay would touch all of them: several times the
memory of an eager step, which frees each temporary as soon as it is used and gets the same
(still cached) memory back for the next. Planning gives the replay the same locality. Each
buffer lives from the call that fills it to the last call that reads it (or a view of it); a
buffer whose life has ended hands its memory to the next buffer of the same size, so a step
runs in a few blocks that stay in the cache. TinyJit plans its buffers the same way.

Only NumPy buffers a replay refills every time are planned: not constants, views, the step's
inputs and results, or buffers filled before the main body (value guards).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy

from .record import Call, _root


def shared_memory(calls: list[Call], boxes: dict, planned: list[bool]) -> Callable[[Call], Call]:
    """Give the results of the calls marked in `planned` shared blocks; returns the function that
    rewrites a call to use them (the same call where nothing of it moved). `boxes` are the
    trace's Traced arrays, which follow their arrays into the blocks."""
    root_of = {}  # id(buffer) -> the buffer, for those planned
    for call, plan in zip(calls, planned):
        result = call.result
        if plan and type(result) is numpy.ndarray and result.base is None and result.nbytes:
            root_of[id(result)] = result
    last = {}  # id(buffer) -> the last call using it or a view of it
    for index, call in enumerate(calls):
        for array in call.arrays():
            key = id(_root(array))
            if key in root_of:
                last[key] = index
    blocks, free, ending = {}, {}, {}  # id(buffer) -> its block; nbytes -> blocks; call -> buffers ending
    for index, call in enumerate(calls):
        for key in ending.pop(index - 1, ()):
            block = blocks[key]
            free.setdefault(block.nbytes, []).append(block)
        buffer = root_of.get(id(call.result)) if type(call.result) is numpy.ndarray else None
        if buffer is None:
            continue
        spare = free.get(buffer.nbytes)
        blocks[id(buffer)] = spare.pop() if spare else numpy.empty(buffer.nbytes, numpy.uint8)
        ending.setdefault(last.get(id(buffer), index), []).append(id(buffer))
    moved = {}  # id(old array) -> the same array (or view) in its block

    def place(array):
        key = id(array)
        if key not in moved:
            root = _root(array)
            block = blocks.get(id(root))
            if block is None or not isinstance(array, numpy.ndarray):
                moved[key] = array
            else:
                offset = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
                moved[key] = numpy.ndarray(array.shape, array.dtype, buffer=block, offset=offset,
                                           strides=array.strides)
                box = boxes.get(key)
                if box is not None:  # a recorded check's message reads it after the trace
                    box.real = moved[key]
        return moved[key]

    def moved_call(call: Call) -> Call:
        return call.with_arrays(place) if blocks else call
    return moved_call
