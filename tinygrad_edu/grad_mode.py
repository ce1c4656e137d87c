"""Grad mode: is the graph being recorded? One switch per thread, as in PyTorch.

`no_grad()`, `enable_grad()` and `set_grad_enabled(mode)` work as `with` blocks and as
decorators, on plain functions (each call gets its own block, so recursion is safe) and on
generator functions (the mode holds while the generator runs, not while its caller does).
Threads never see each other's mode: one thread can evaluate under `no_grad` while another trains.
"""
from __future__ import annotations

import functools
import inspect
from contextvars import ContextVar
from typing import Callable

# The switch itself: a context variable, which each thread has its own of (a new thread starts
# from the default), and which the engine reads in one fast call per op.
_flag = ContextVar("tinygrad_edu_grad_enabled", default=True)
is_grad_enabled = _flag.get  # is_grad_enabled() -> bool
set_enabled = _flag.set  # set_enabled(mode) -> a token; restore(token) puts back the mode it replaced
restore = _flag.reset


class _GradMode:
    """Set grad mode to `self.enabled` inside a `with` block or a decorated function. Each block
    restores the mode it found, even when blocks close out of order (generators, tasks)."""

    enabled: bool

    def __enter__(self):
        self.__dict__.setdefault("previous", []).append(_flag.get())
        _flag.set(self.enabled)

    def __exit__(self, *exc):
        _flag.set(self.previous.pop())

    def clone(self) -> "_GradMode":
        return type(self)()

    def __call__(self, function):
        if inspect.isgeneratorfunction(function):
            return _generator_under(self, function)

        @functools.wraps(function)
        def under_mode(*args, **kwargs):
            with self.clone():
                return function(*args, **kwargs)

        return under_mode


def _generator_under(mode: _GradMode, function):
    """A generator function whose body runs under `mode` each time it is resumed."""

    @functools.wraps(function)
    def under_mode(*args, **kwargs):
        generator = function(*args, **kwargs)  # runs none of its body yet
        resume, value = generator.send, None
        while True:
            try:
                with mode.clone():
                    item = resume(value)
            except StopIteration as stop:
                return stop.value
            try:
                value, resume = (yield item), generator.send
            except GeneratorExit:
                with mode.clone():
                    generator.close()
                raise
            except BaseException as error:  # thrown in by the caller: pass it to the generator
                value, resume = error, generator.throw

    return under_mode


class no_grad(_GradMode):
    """`with no_grad():` (or `@no_grad()`): ops inside record no graph."""

    enabled = False


class enable_grad(_GradMode):
    """`with enable_grad():` records the graph again inside a `no_grad` block."""

    enabled = True


class set_grad_enabled(_GradMode):
    """`set_grad_enabled(False)` switches recording off for this thread now; as `with
    set_grad_enabled(mode):` only inside the block (PyTorch's `torch.set_grad_enabled`)."""

    def __init__(self, mode: bool):
        self.enabled = bool(mode)
        self.before = _flag.get()
        _flag.set(self.enabled)

    def __enter__(self) -> None:
        self.__dict__.setdefault("previous", []).append(self.before)  # restore what came before the call
        _flag.set(self.enabled)

    def clone(self) -> _GradMode:
        return enable_grad() if self.enabled else no_grad()

    def __call__(self, function: Callable) -> Callable:
        _flag.set(self.before)  # as a decorator it switches only while the function runs
        return super().__call__(function)
