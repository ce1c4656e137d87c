"""Keep freed array memory for reuse instead of returning it to the OS after every step.

glibc's malloc hands memory back as soon as it is free: it trims the top of the heap and unmaps
every block over its mmap threshold. A training step frees and allocates the same arrays again
every step, so each step faults its memory back in, page by page: on the 784-100x4-10 MLP of
benchmark A that is ~250 page faults and about half of the step's time, for hand-written NumPy
just as much. Raising the two thresholds with `mallopt` keeps that memory in the process for the
next step, as a caching allocator does (the memory is still reused, only not given back while
it is below the thresholds).

It applies to the whole process, so it is done once, at import, on Linux with glibc, and said
in the README; `TINYGRAD_EDU_MALLOC_TUNING=0` in the environment leaves malloc as it was.
"""
from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
TRIM_THRESHOLD = 256 << 20  # free memory at the top of the heap kept, up to this much
MMAP_THRESHOLD = 32 << 20  # blocks below this come from the heap, so they can be reused


def tune_malloc() -> bool:
    """Raise glibc's trim and mmap thresholds; True if it was done."""
    if not sys.platform.startswith("linux") or os.environ.get("TINYGRAD_EDU_MALLOC_TUNING", "1") == "0":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library Python itself runs on
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


malloc_tuned = tune_malloc()
