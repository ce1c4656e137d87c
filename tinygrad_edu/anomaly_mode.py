"""Anomaly mode: `with detect_anomaly():` finds the first op that makes NaN or Inf.

Slower (every value is checked), so it is for debugging: each op records the line of the user's
code that created it, and the first op whose forward output, or whose backward gradient, holds
NaN or Inf from finite inputs raises FloatingPointError naming the op and that line.
"""
from __future__ import annotations

from contextlib import ContextDecorator
from typing import TYPE_CHECKING

from . import watch
from .diagnostics import has_nan_or_inf, user_line

if TYPE_CHECKING:
    from .function import Function
    from .ops.array import Array

enabled = False  # is anomaly mode on? (the ops read watch.enabled, which this turns on)


class detect_anomaly(ContextDecorator):
    """`with detect_anomaly():` (or as a decorator) check every op's values for NaN and Inf."""

    def __enter__(self) -> None:
        global enabled
        self.previous, enabled = enabled, True
        watch.add(_Checks)

    def __exit__(self, *exc: object) -> None:
        global enabled
        enabled = self.previous
        watch.remove(_Checks)


def check_forward(ctx: Function, inputs: list, y: Array) -> None:
    """Note where the op was created; raise if it made NaN or Inf from finite inputs."""
    ctx.created_at = user_line()
    if has_nan_or_inf(y) and not any(has_nan_or_inf(x) for x in inputs):
        raise FloatingPointError(f"{ctx.op_name()} produced NaN or Inf in its forward pass, "
                                 f"from finite inputs; it was called at {ctx.created_at}")


def check_backward(ctx: Function, g: Array, gxs: tuple) -> None:
    """Raise if the op's backward turned a finite gradient into NaN or Inf."""
    if has_nan_or_inf(getattr(g, "_data", g)):
        return  # not this op's doing: it passed on what it was given
    for i, gx in enumerate(gxs):
        if gx is not None and has_nan_or_inf(getattr(gx, "_data", gx)):
            where = getattr(ctx, "created_at", "an unknown line (run the forward inside detect_anomaly too)")
            raise FloatingPointError(f"{ctx.op_name()}.backward produced NaN or Inf in the gradient of its "
                                     f"input {i}; the op was created at {where}")


class _Checks:
    """Anomaly mode as a watcher of the engine (watch.py)."""
    forward = staticmethod(check_forward)
    backward = staticmethod(check_backward)
