"""In-place safety: PyTorch's version counter, kept per array.

Every in-place write the framework makes or sees (`t.data -= ...`, optimizer steps, init,
load_state_dict) ticks `clock` and stamps the array, and the array it views, in `_written`. An
op that saved arrays for backward notes the clock in its forward (`saved_at`); backward refuses
to use a saved array stamped later, which would give a wrong gradient.
"""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ops.array import Array


clock = 0
_written = {}  # id(array) -> [clock of its last in-place write, weak reference to the array]
_prune_at = 1024


def mark_written(array: Array) -> None:
    """Record that `array` was changed in place (call it after writing into an array that an op
    may have saved for backward), so that backward through that op raises instead of silently
    using the new values."""
    global clock, _prune_at
    clock += 1
    for a in (array,) if array.base is None else (array, array.base):
        entry = _written.get(id(a))
        if entry is not None and entry[1]() is a:
            entry[0] = clock
            continue
        try:
            _written[id(a)] = [clock, weakref.ref(a)]
        except TypeError:  # a base that is not an array (bytes, mmap): views of it are still seen
            continue
        if len(_written) > _prune_at:  # forget arrays that no longer exist
            for key in [k for k, (_, ref) in list(_written.items()) if ref() is None]:  # list(): threads
                del _written[key]
            _prune_at = max(1024, 2 * len(_written))


def check_saved_unchanged(ctx) -> None:
    """Raise if an array the op `ctx` saved for backward was written in place after its forward."""
    for s in ctx.saved_tensors:
        for a in (s,) if getattr(s, "base", None) is None else (s, s.base):
            entry = _written.get(id(a))
            if entry is not None and entry[0] > ctx.saved_at and entry[1]() is a:
                raise RuntimeError(
                    f"backward through {ctx.op_name()}: an array of shape {s.shape} and dtype {s.dtype} "
                    f"that it saved in the forward pass was changed in place afterwards (for example by "
                    f"`t.data -= ...` or an optimizer step), so its gradient would be wrong. Change values "
                    "only after backward, or compute out of place (`w = w - lr * g`)"
                    + (f"; the op was created at {ctx.created_at}" if hasattr(ctx, "created_at") else
                       "; run the forward inside detect_anomaly() to see the line that created the op"))
