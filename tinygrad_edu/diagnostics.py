"""What error messages and anomaly mode need: the user's line, which axis breaks broadcasting,
and whether values hold NaN or Inf."""
from __future__ import annotations

import linecache
import os
import sys
from typing import Any

import numpy as np

from .device import array_namespace

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def user_line() -> str:
    """Where the user's code called into tinygrad_edu: the first frame outside the package."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return "an unknown line"
    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{frame.f_code.co_filename}, line {frame.f_lineno}" + (f": {code}" if code else "")


def broadcasts_to(shape: tuple, target: tuple) -> bool:
    """Does an array of `shape` broadcast to exactly `target` (without growing it)?"""
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def broadcast_failure(shapes: list) -> str | None:
    """Which axis breaks NumPy's broadcasting rule (shapes aligned from the right; on each axis
    the lengths must be equal or one of them 1), in words."""
    for axis in range(1, max((len(s) for s in shapes), default=0) + 1):
        lengths = {s[-axis] for s in shapes if len(s) >= axis} - {1}
        if len(lengths) > 1:
            return (f"they do not broadcast: aligned from the right, axis -{axis} has lengths "
                    f"{' and '.join(str(s[-axis]) if len(s) >= axis else '-' for s in shapes)}; "
                    "broadcasting needs equal lengths or a 1 on every axis")
    return None


def has_nan_or_inf(values: Any) -> bool:
    return getattr(values, "dtype", None) is not None and values.dtype.kind in "fc" and not bool(
        array_namespace(values).isfinite(values).all())
