"""Watching the engine: one switch, read on every op, for what looks at each op's values.

Anomaly mode (anomaly_mode.py) checks each op's values for NaN and Inf; the explorer's recording
(explore/recording.py) keeps each op's output and gradients so that the page can show them.
Both are watchers: objects with `forward(ctx, inputs, y)` and `backward(ctx, g, gxs)`. The op
class reads only `enabled`, so watching costs nothing while no watcher is on.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .function import Function
    from .ops.array import Array

enabled = False  # read by Function.apply and Function.backward_step on every op
_watchers: list = []


def add(watcher: Any) -> None:
    global enabled
    _watchers.append(watcher)
    enabled = True


def remove(watcher: Any) -> None:
    global enabled
    _watchers.remove(watcher)
    enabled = bool(_watchers)


def forward(ctx: Function, inputs: list, y: Array) -> None:
    for watcher in tuple(_watchers):
        watcher.forward(ctx, inputs, y)


def backward(ctx: Function, g: Array, gxs: tuple) -> None:
    for watcher in tuple(_watchers):
        watcher.backward(ctx, g, gxs)
