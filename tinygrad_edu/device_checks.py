"""Checks of values on a GPU, read when the host next waits for the GPU anyway.

Asking a GPU whether a check failed (`if labels.max() >= classes`) makes Python wait until every
op queued before it has run: a training step of large layers took 13% longer with one such
check in its loss. So an op on a GPU puts the check's answer, a flag still on the device, here;
the flags are read, and the first failed check raised with the op's own message, when the values
of any tensor are next read on the host (`item()`, `numpy()`, `tolist()`, `bool()`, `.to("cpu")`),
or every `LIMIT` checks, whichever comes first. PyTorch's CUDA kernels report bad labels late
in the same way; here the message still names the op, the value and the line that called it.
On the CPU, ops check at once; under tg.jit the check is recorded and made again at every
replay. `check` is the one entry point for all three.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ops.array import Array

LIMIT = 64  # at most this many flags wait (with the arrays their messages need): bounded memory
_waiting: deque = deque()  # (flag on a GPU, message maker, error); deque: safe beside other threads


def check(failed: Array, message: Callable[[], str], where: str, error: type = ValueError) -> None:
    """Raise error(message()) if the 0-d bool array `failed` holds: at once on the CPU, when the
    host next waits on a GPU, and under tg.jit at once and at every replay. `where` names the
    user's line that called the op."""
    from .device import device_of  # here, not at the top: both import this module
    from .tracing import active
    trace = active()
    if trace is not None:
        trace.check(failed, message, error)
    elif device_of(failed) == "cpu":
        if bool(failed):
            raise error(message())
    else:
        _waiting.append((failed, lambda: f"{message()}\n  (checked on the GPU for the call at {where}; "
                                         "raised at the first read from the GPU after it)", error))
        if len(_waiting) > LIMIT:
            raise_failed_checks()


def raise_failed_checks() -> None:
    """Read the waiting flags, oldest first, and raise the first failed one's message."""
    while _waiting:
        try:
            failed, message, error = _waiting.popleft()
        except IndexError:  # another thread took the last one
            return
        if bool(failed):
            _waiting.clear()  # the later ones ran on values the failed op already spoiled
            raise error(message())
