"""Traced arrays: what a tensor's values are while `tg.jit` records a step.

A `Traced` holds a real array (NumPy or CuPy) and passes every operation on to it, noting the
call in its trace (record.py): operators and methods, `xp.*` functions (a `TracedLibrary` is the
array library of a traced array, as `cupy` is of a CuPy array), and NumPy functions called on it
directly (through NumPy's `__array_ufunc__` / `__array_function__` protocols). Anything that
would take a value out of the recording - `float(x)`, `x.item()`, `bool(x)`, turning it into a
plain array - is refused with the line that did it: a replay could not follow Python decisions
made on it. After its trace has ended a `Traced` works on its array without recording.
"""
from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy

from .. import device
from ..tensor import Tensor
from .record import Live, active, refuse

if TYPE_CHECKING:
    from ..ops.array import Array
    from .record import Trace

# Attributes that describe an array without reading its values.
_METADATA = frozenset({"shape", "dtype", "ndim", "size", "itemsize", "nbytes", "strides", "flags", "device"})
# Library functions that answer from shapes and dtypes alone.
_METADATA_FUNCTIONS = frozenset({"shape", "ndim", "size", "result_type", "can_cast", "promote_types",
                                 "broadcast_shapes", "iscomplexobj", "isrealobj", "min_scalar_type"})
# Ways out of the recording: values into Python, or the memory itself to another library.
_READ_BACK = frozenset({"item", "tolist", "tobytes", "tofile", "dump", "dumps", "__array__", "__dlpack__",
                        "__array_struct__", "__array_interface__", "__cuda_array_interface__"})


class Traced:
    """An array inside a trace (see the module docstring)."""

    __slots__ = ("real", "trace", "__weakref__")
    __array_priority__ = 10_000  # NumPy defers its operators to ours
    __hash__ = object.__hash__  # == is elementwise

    def __init__(self, real: Array, trace: Trace):
        self.real, self.trace = real, trace

    def __getattr__(self, name: str) -> Any:
        if name in _METADATA or self.trace.closed:  # after its trace, a Traced is a plain array
            return getattr(self.real, name)
        if name in _READ_BACK and not self.trace.closed:
            refuse(f"`.{name}` hands the array to code that is not recorded" if name.startswith("__") else
                   f"`.{name}()` reads a value back into Python")
        if name in _REDUCTIONS and type(self.real) is numpy.ndarray:
            return functools.partial(_reduce, name, self)
        method = getattr(type(self.real), name, None)
        if method is None:
            raise AttributeError(f"{type(self.real).__name__} has no attribute {name!r}")
        if not callable(method):
            refuse(f"the array attribute `.{name}` is not one tracing knows how to record")
        return functools.partial(record, method, self)

    base = property(lambda self: None if self.real.base is None else self.real.base)
    T = property(lambda self: record(_transposed, self))
    mT = property(lambda self: record(_matrix_transposed, self))

    def __len__(self) -> int:
        return len(self.real)

    def __repr__(self) -> str:
        return f"<traced array of shape {self.real.shape} and dtype {self.real.dtype}>"

    def __getitem__(self, index: Any) -> Any:
        return record(operator.getitem, self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        record(operator.setitem, self, index, value)

    def __pow__(self, other: Any) -> Any:  # NumPy's `**` has shortcuts of its own (x**2 is square): keep them
        return record(operator.pow, self, other)

    def __rpow__(self, other: Any) -> Any:
        return record(operator.pow, other, self)

    def __ipow__(self, other: Any) -> Traced:
        record(operator.ipow, self, other)
        return self

    def __array_ufunc__(self, ufunc: numpy.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return record(getattr(ufunc, method), *inputs, **kwargs)

    def __array_function__(self, function: Callable, types: tuple, args: tuple, kwargs: dict) -> Any:
        return record(function, *args, **kwargs)

    def __iter__(self) -> Iterator:  # the rows, as views: no value is read
        return (self[i] for i in range(len(self.real)))

    for _reading in ("__float__", "__int__", "__index__", "__bool__", "__complex__", "__contains__"):
        locals()[_reading] = lambda self, *args, _how=_reading: _read_back(self, _how, args)


def _read_back(self: Traced, how: str, args: tuple):
    if not self.trace.closed:
        refuse(f"`{how}` reads a value back into Python")
    return getattr(self.real, how)(*args)  # after the trace: an ordinary array


# NumPy's reduction methods are its ufuncs' reduce (x.sum() is add.reduce(x, axis=None)): recorded
# as such, a replay writes their results straight into the buffer (out=) instead of copying them.
_WITH_DTYPE, _WITHOUT = ("axis", "dtype", "out", "keepdims"), ("axis", "out", "keepdims")  # positional order
_REDUCTIONS = {"sum": (numpy.add, _WITH_DTYPE), "prod": (numpy.multiply, _WITH_DTYPE),
               "max": (numpy.maximum, _WITHOUT), "min": (numpy.minimum, _WITHOUT),
               "any": (numpy.logical_or, _WITHOUT), "all": (numpy.logical_and, _WITHOUT)}


def _reduce(name: str, array: Traced, *args: Any, **kwargs: Any) -> Any:
    """`array.sum(...)` (or prod, max, min, any, all) as its ufunc's reduce, with the method's axis=None."""
    ufunc, positional = _REDUCTIONS[name]
    kwargs.update(zip(positional, args))
    kwargs.setdefault("axis", None)
    return record(ufunc.reduce, array, **kwargs)


def _transposed(a):
    return a.T


def _matrix_transposed(a):
    return a.mT


def _binary(ufunc: str):
    def method(self, other):
        return _ufunc(ufunc, self, other)

    def reflected(self, other):
        return _ufunc(ufunc, other, self)

    def in_place(self, other):
        _ufunc(ufunc, self, other, out=self)
        return self
    return method, reflected, in_place


def _ufunc(name: str, *args, **kwargs):
    library = device.array_namespace(next(a.real for a in args if type(a) is Traced))
    return record(getattr(library, name), *args, **kwargs)


for _name, _ufunc_name in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "true_divide"),
                           ("floordiv", "floor_divide"), ("mod", "remainder"), ("matmul", "matmul"),
                           ("and", "bitwise_and"), ("or", "bitwise_or"), ("xor", "bitwise_xor"),
                           ("lshift", "left_shift"), ("rshift", "right_shift")):
    for _prefix, _method in zip(("", "r", "i"), _binary(_ufunc_name)):
        setattr(Traced, f"__{_prefix}{_name}__", _method)
for _name, _ufunc_name in (("lt", "less"), ("le", "less_equal"), ("gt", "greater"), ("ge", "greater_equal"),
                           ("eq", "equal"), ("ne", "not_equal")):
    setattr(Traced, f"__{_name}__", _binary(_ufunc_name)[0])
for _name, _ufunc_name in (("neg", "negative"), ("pos", "positive"), ("abs", "absolute"), ("invert", "invert")):
    setattr(Traced, f"__{_name}__", lambda self, _ufunc_name=_ufunc_name: _ufunc(_ufunc_name, self))


def record(function: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call `function` on the real arrays behind `args`; while a trace is recording, note the
    call there and return its result as Traced arrays."""
    trace = _trace_of(args, kwargs)
    real_args, real_kwargs = _unwrap(args), _unwrap(kwargs)
    if any(type(v) is Live for v in (*real_args, *real_kwargs.values())):  # the library gets plain floats
        result = function(*_plain(real_args), **dict(zip(real_kwargs, _plain(real_kwargs.values()))))
    else:
        result = function(*real_args, **real_kwargs)
    if trace is None or trace.closed:
        return result
    return trace.note(function, real_args, real_kwargs, result)


def _plain(values) -> tuple:
    return tuple(float(v) if type(v) is Live else v for v in values)


def _trace_of(args, kwargs):
    for value in (*args, *kwargs.values()):  # the first Traced argument's trace
        if type(value) is Traced:
            return value.trace
        if isinstance(value, (tuple, list)):
            found = _trace_of(value, {})
            if found is not None:
                return found
    return active()


def _unwrap(value):
    kind = type(value)
    if kind is Traced:
        return value.real
    if kind is Tensor:  # NumPy would read its values (Tensor.__array__): they are a traced array
        return _unwrap(value._data)
    if kind is tuple or kind is list:
        return kind(_unwrap(v) for v in value)
    if kind is dict:
        return {k: _unwrap(v) for k, v in value.items()}
    if kind is slice and any(type(v) is Traced for v in (value.start, value.stop, value.step)):
        refuse("a slice bound is a traced value, which would read it back into Python")
    return value


# ------------------------------------------------------------------ the library of traced arrays


class TracedLibrary:
    """`xp` for traced arrays (what `array_namespace` gives for them, as `cupy` for CuPy arrays):
    the functions of `library` (NumPy, or CuPy for arrays on a GPU), recorded."""

    def __init__(self, library: ModuleType):
        self.library, self.__name__ = library, f"traced {library.__name__}"

    def device_of(self, array: Traced) -> str:
        return device.device_of(array.real)

    @staticmethod
    def traced_call(function: Callable, *args: Any, **kwargs: Any) -> Any:
        """Call a function of another library (a move to a GPU) on traced arrays, recorded."""
        return record(function, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.library, name)
        if isinstance(target, type) or not callable(target):
            return target
        if name in _METADATA_FUNCTIONS:
            wrapper = lambda *args, **kwargs: target(*_unwrap(args), **_unwrap(kwargs))  # noqa: E731
        elif isinstance(target, numpy.ufunc) or hasattr(target, "nout"):
            wrapper = _Ufunc(target)
        else:
            wrapper = functools.partial(record, target)
        setattr(self, name, wrapper)  # found directly next time
        return wrapper


class _Ufunc:
    """`xp.add` for traced arrays: callable, and with the ufunc's methods (`xp.add.at(...)`)."""

    def __init__(self, ufunc: Callable):
        self.ufunc = ufunc

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return record(self.ufunc, *args, **kwargs)

    def __getattr__(self, method: str) -> Any:
        return functools.partial(record, getattr(self.ufunc, method))


_LIBRARIES: dict = {}


def library_of(array: Traced) -> TracedLibrary:
    """The traced library for the real array inside `array`."""
    real_library = device.array_namespace(array.real)
    traced = _LIBRARIES.get(real_library)
    if traced is None:
        traced = _LIBRARIES[real_library] = TracedLibrary(real_library)
    return traced


device._PER_ARRAY[__name__] = library_of
