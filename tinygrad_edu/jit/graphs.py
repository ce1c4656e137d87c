"""CUDA graphs: on a GPU, a replay launches its recorded kernels a graph at a time.

Each CuPy call costs the host several microseconds to launch its kernel, whatever the kernel's
size, so a small model's step on a GPU is mostly launching. CUDA can record the kernels queued
on a stream (stream capture) and launch the whole recording with one call (a CUDA graph), as
PyTorch's CUDA graphs and tinygrad's TinyJit do. A graph keeps every kernel's arguments as
recorded, the arrays' addresses and the numbers: so the program is a static one (program.py),
with every array in one place and the numbers that change (an optimizer's lr) in 0-d arrays.

Not every call can be recorded. CuPy refuses to capture cuBLAS, which computes every matrix
product; Python work (dropout's draws, a check read on the host) must run at every replay; an
upload from the host would be recorded reading a buffer CuPy reuses. So each step is first
recorded alone, in a capture that is thrown away; each run of steps that could be becomes one
graph, and the others run one by one between the graphs, in the same order, on the same stream.

The first replay runs the steps one by one (CuPy compiles the kernels new to the static
program); the second records the graphs, then launches them; later replays only launch.
"""
from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy

from ..device import array_namespace, is_array
from .record import Trace


_recording = threading.Lock()


def library_for_graphs(trace: Trace) -> ModuleType | None:
    """The GPU array library (CuPy) of a trace whose arrays are on a GPU, if it can capture
    streams into graphs; else None."""
    for call in trace.calls:
        results = call.result if type(call.result) is tuple else (call.result,)
        for array in (*call.arrays(), *results):
            if is_array(array) and type(array) is not numpy.ndarray:
                library = array_namespace(array)
                stream = getattr(getattr(library, "cuda", None), "Stream", None)
                return library if hasattr(stream, "begin_capture") else None
    return None


class Graphs:
    """Runs a static program's steps on a GPU: as CUDA graphs where they can be recorded."""

    def __init__(self, steps: list, plain: set[int], library: ModuleType):
        self.steps, self.plain, self.library = steps, plain, library
        self.parts: list | None = None  # graphs' launches and single steps, in order, once recorded
        self.warm = False
        self.capture: Capture | None = None
        self.recorded: list[int] = []  # the steps in each graph, for show()

    def run(self) -> None:
        if self.parts is None:
            if not self.warm:
                self.warm = True
                for step in self.steps:
                    step()
                return
            self.parts = self._record()
        for part in self.parts:
            part()

    def _record(self) -> list:
        capture = self.capture = Capture(self.library)  # its memory pool lives as long as the graphs
        with _recording:  # one thread records at a time (the upload check is set for the process)
            alone = [i not in self.plain and capture(step) is not None for i, step in enumerate(self.steps)]
            return self._grouped(capture, alone)

    def _grouped(self, capture: Capture, alone: list[bool]) -> list:
        """Each run of steps that could be recorded alone, recorded as one graph."""
        parts = []
        for recordable, run in itertools.groupby(zip(alone, self.steps), key=lambda pair: pair[0]):
            steps = [step for _, step in run]
            graph = capture(*steps) if recordable else None
            if graph is None:
                parts.extend(steps)
            else:
                parts.append(graph.launch)  # on the stream current at each replay, as the steps would run
                self.recorded.append(len(steps))
        return parts

    def describe(self) -> str:
        if self.parts is None:
            return "on the GPU: CUDA graphs are recorded at the second replay"
        return (f"on the GPU: {sum(self.recorded)} of {len(self.steps)} steps run in {len(self.recorded)} CUDA "
                "graphs; the others (cuBLAS matrix products, Python work, uploads) run one by one")


class Capture:
    """Records steps' kernels into a CUDA graph, launching nothing; None where a step cannot be
    recorded. The recording's own temporary arrays come from a memory pool of its own, which
    nothing else reuses while a graph may still write into them (it lives as long as they do)."""

    def __init__(self, library: ModuleType):
        self.library = library
        self.stream = library.cuda.Stream(non_blocking=True)  # CUDA cannot capture the default stream
        self.pool = library.cuda.MemoryPool()

    def __call__(self, *steps: Callable[[], None]) -> Any:
        cuda, stream, failed = self.library.cuda, self.stream, False
        with stream, cuda.using_allocator(self.pool.malloc), self._no_uploads():
            stream.begin_capture()
            try:
                for step in steps:
                    step()
            except Exception:  # noqa: BLE001  (it runs one by one instead, where a real error is raised)
                failed = True
            finally:
                try:
                    graph = stream.end_capture()
                except Exception:  # noqa: BLE001  (a capture the failed call spoiled)
                    graph = None
        return None if failed else graph

    @contextlib.contextmanager
    def _no_uploads(self):
        """CuPy uploads from the host through pinned buffers it reuses: refuse them in this
        thread while it records (other threads' uploads go on as usual). Afterwards CuPy's
        default pinned memory pool serves uploads again, as it does unless set otherwise."""
        cuda, usual = self.library.cuda, self.library.get_default_pinned_memory_pool().malloc
        recording = threading.get_ident()

        def allocate(size: int):
            if threading.get_ident() == recording:
                raise RuntimeError("tg.jit: an upload from the host cannot be part of a CUDA graph")
            return usual(size)
        cuda.set_pinned_memory_allocator(allocate)
        try:
            yield
        finally:
            cuda.set_pinned_memory_allocator(usual)
