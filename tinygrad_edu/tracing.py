"""Is tg.jit recording a step in this thread? The one question the rest of the framework asks it.

Kept apart from the jit package (which imports Tensor) so that any module can ask: the optimizers
(their numbers are recomputed at each replay), dropout (its draws are redone), the label and
index checks (made again at each replay), and the features a replay cannot reproduce, which
`refuse` stops with the user's line.
"""
from __future__ import annotations

import threading
from typing import Any, NoReturn

from .diagnostics import user_line

_local = threading.local()


class JitError(RuntimeError):
    """A step tg.jit cannot replay faithfully: the message says what and where."""


def active() -> Any:
    """The trace recording in this thread (jit/record.py), or None."""
    return getattr(_local, "trace", None)


def refuse(reason: str) -> NoReturn:
    """Stop: something in the step cannot be replayed (named with the user's line)."""
    raise JitError(f"tg.jit: {reason} at {user_line()}. A replay runs only the recorded array calls, "
                   "so this would be silently skipped or frozen; move it out of the jitted function "
                   "(return the value and use it after the call), or call the function without tg.jit")
