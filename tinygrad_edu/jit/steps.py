"""The kinds of step a replay runs besides a plain call (program.py compiles calls into them):
each a small callable object, so that a replay is a flat list of calls with no branching.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy

from ..device import array_namespace, device_of, to_library_of
from .record import JitError

if TYPE_CHECKING:
    from ..ops.array import Array


class Into:
    """Call a function without `out=` and copy its results into the trace's buffers."""

    __slots__ = ("function", "buffers")

    def __init__(self, function: Callable, buffers: tuple) -> None:
        self.function, self.buffers = function, buffers

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        result = self.function(*args, **kwargs)
        for buffer, value in zip(self.buffers, (result,) if len(self.buffers) == 1 else result):
            if value.shape != buffer.shape:
                raise JitError(f"tg.jit: {getattr(self.function, '__name__', self.function)} gave shape {value.shape} "
                               f"on replay, {buffer.shape} when traced: the step's shapes depend on its values "
                               "(boolean-mask indexing, nonzero); keep such code out of the jitted function")
            buffer[...] = value


class FreshOut:
    """Call a ufunc into a new array each run, kept in a register (for a 0-d result, which the
    ufunc itself would give as a NumPy scalar)."""

    __slots__ = ("function", "new", "registers", "index")

    def __init__(self, function: Callable, like: Array, registers: list, index: int) -> None:
        self.function, self.registers, self.index = function, registers, index
        self.new = functools.partial(array_namespace(like).empty_like, like)

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        out = self.registers[self.index] = self.new()
        self.function(*args, out=out, **kwargs)


class ToRegister:
    """Call a function and keep its result (a copy, if it is a view) in a register."""

    __slots__ = ("function", "registers", "index", "copy")

    def __init__(self, function: Callable, registers: list, index: int, copy: bool) -> None:
        self.function, self.registers, self.index, self.copy = function, registers, index, copy

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        result = self.function(*args, **kwargs)
        self.registers[self.index] = result.copy() if self.copy else result


class SetLive:
    """Recompute an optimizer's numbers (`function()` gives their dicts) into their registers;
    in a static program also into 0-d arrays on a device, one upload per dtype and device."""

    __slots__ = ("function", "indices", "registers", "on_devices")

    def __init__(self, function: Callable, indices: list[int], registers: list) -> None:
        self.function, self.indices, self.registers = function, indices, registers
        self.on_devices: dict = {}  # (dtype, device) -> the numbers in one array there

    def __call__(self) -> None:
        registers = self.registers
        values = (value for numbers in self.function() for value in numbers.values())
        for index, value in zip(self.indices, values):
            registers[index] = value
        for (dtype, _), numbers in self.on_devices.items():
            if type(numbers) is numpy.ndarray:
                numbers[...] = self._as(dtype)
            else:
                numbers.set(self._as(dtype))  # one copy from the host

    def _as(self, dtype: numpy.dtype) -> numpy.ndarray:
        """The numbers in `dtype`, cast on the host as the library casts a Python float."""
        return numpy.array([self.registers[i] for i in self.indices], dtype)

    def on_device(self, index: int, dtype: numpy.dtype, like: Array) -> Array:
        """The number in register `index` as a 0-d array of `dtype` on the device of `like`."""
        key = (dtype, device_of(like))
        if key not in self.on_devices:
            self.on_devices[key] = to_library_of(self._as(dtype), like)
        at = self.indices.index(index)
        return self.on_devices[key][at:at + 1].reshape(())  # a view (x[i] would be a NumPy scalar)


class Fill:
    """Python work a replay redoes (live scalars, random draws): write its values into buffers."""

    __slots__ = ("function", "buffers")

    def __init__(self, function: Callable, buffers: tuple) -> None:
        self.function, self.buffers = function, buffers

    def __call__(self) -> None:
        for buffer, value in zip(self.buffers, self.function()):
            buffer[...] = value
