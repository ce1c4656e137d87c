"""Keeping what the explorer shows: each op's output in the forward pass, and in the backward
pass the gradient it received and the ones it sent.

A graph keeps only what backward needs (see function.py), so an op's output is freed as soon as
nothing holds it. Inside `with viz.recording():` the engine's watcher (watch.py) keeps it on the
op, and the backward's gradients too, for as long as the graph lives. With `model=`, each op is
also tagged with the module whose forward made it (as `viz.trace` does), so modules fold.
"""
from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from .. import watch

if TYPE_CHECKING:
    from ..nn.module import Module


class recording:  # noqa: N801  (a context manager, named as a function: `with viz.recording():`)
    """`with viz.recording(model=None):` keep every op's values for `viz.explore`."""

    def __init__(self, model: Module | None = None):
        self.model, self.stack = model, ExitStack()

    def __enter__(self) -> recording:
        if self.model is not None:
            from ..viz import trace  # viz imports this package
            self.stack.enter_context(trace(self.model))
        watch.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        watch.remove(self)
        self.stack.close()

    @staticmethod
    def forward(ctx: Any, inputs: list, y: Any) -> None:
        # copies: the values as the op saw them (an optimizer or an in-place op may change the
        # arrays later), and holding no array the engine's in-place checks would count
        ctx.kept_inputs = tuple(a.copy() if hasattr(a, "copy") else a for a in inputs)
        ctx.kept_output = y.copy() if hasattr(y, "copy") else y

    @staticmethod
    def backward(ctx: Any, g: Any, gxs: tuple) -> None:
        ctx.kept_g, ctx.kept_sent = g, tuple(gxs)
