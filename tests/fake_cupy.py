"""A stand-in for CuPy on machines without a GPU, for the device tests.

Its arrays are NumPy arrays of their own type that behave like CuPy's where it matters here:
they refuse to meet NumPy arrays in a ufunc, an array function or an index (CuPy raises
TypeError), reductions give 0-d arrays rather than NumPy scalars, `.get()` copies to the host,
and `.device.id` names the GPU. With it, the device tests check on any machine that every op,
layer and optimizer keeps its values on the tensor's device; on a GPU machine the same tests
also run on real CuPy.
"""
from types import SimpleNamespace

import numpy as np


class DeviceArray(np.ndarray):
    device = property(lambda self: SimpleNamespace(id=0))

    def get(self) -> np.ndarray:
        return np.array(self.view(np.ndarray))

    def set(self, array: np.ndarray) -> None:  # host to device, into this array
        self.view(np.ndarray)[...] = array

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        inputs = _unwrap(inputs, ufunc.__name__)
        if "out" in kwargs:
            kwargs["out"] = _unwrap(kwargs["out"], ufunc.__name__)
        return _wrap(getattr(ufunc, method)(*inputs, **kwargs))

    def __array_function__(self, func, types, args, kwargs):
        return _wrap(func(*_unwrap(args, func.__name__), **_unwrap(kwargs, func.__name__)))

    def __getitem__(self, index):
        return _wrap(self.view(np.ndarray)[_unwrap(index, "getitem")])

    def __setitem__(self, index, value):
        self.view(np.ndarray)[_unwrap(index, "setitem")] = _unwrap(value, "setitem")


def _unwrap(x, who: str):
    """Device arrays as plain views (sharing memory); a host array is an error, as in CuPy."""
    if isinstance(x, DeviceArray):
        return x.view(np.ndarray)
    if isinstance(x, np.ndarray):
        raise TypeError(f"fake_cupy.{who}: Unsupported type {type(x)} (a host array met device arrays)")
    if isinstance(x, (tuple, list)):
        return type(x)(_unwrap(v, who) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap(v, who) for k, v in x.items()}
    return x


def _wrap(x):
    if isinstance(x, np.ndarray) and not isinstance(x, DeviceArray):
        return x.view(DeviceArray)
    if isinstance(x, np.generic):
        return np.asarray(x).view(DeviceArray)
    if isinstance(x, tuple):
        return tuple(_wrap(v) for v in x)
    return x


DeviceArray.__module__ = __name__  # array_namespace finds this module from the array's type
ndarray = DeviceArray
cuda = SimpleNamespace(is_available=lambda: True, Device=lambda index: _NoContext())


class _NoContext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def asarray(a, dtype=None):
    """Host to device (a copy), or the device array itself."""
    if isinstance(a, DeviceArray):
        return a if dtype is None else a.astype(dtype, copy=False)
    return np.array(a, dtype=dtype).view(DeviceArray)


def _made_on_device(make):
    return lambda *args, **kwargs: np.asarray(make(*args, **kwargs)).view(DeviceArray)


array = asarray
zeros, ones, empty, full, arange, eye = map(_made_on_device, (np.zeros, np.ones, np.empty, np.full, np.arange, np.eye))


def __getattr__(name):  # everything else is NumPy's, which dispatches back to DeviceArray
    return getattr(np, name)
