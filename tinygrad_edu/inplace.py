"""In-place updates, as PyTorch's: `+= -= *= /=`, `add_ sub_ mul_ div_ zero_ fill_ copy_
clamp_` and `t[index] = value` write into the tensor's own memory, so `p -= lr * p.grad` inside
`no_grad()` trains the very parameter the optimizer holds, and an array shared through
`from_numpy` sees the change.

On a leaf that requires grad they work only under `no_grad()` (PyTorch's rule: otherwise the
update would be recorded into the graph that computes the leaf's own gradient). On a tensor
inside a recorded graph the update becomes one more op of the graph. Every write ticks the
array's in-place version (autograd.mark_written), so a backward that needs the old values
raises instead of silently using the new ones.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops
from .tracing import active as jit_trace
from .versions import mark_written
from .grad_mode import is_grad_enabled as _grad_enabled
from .movement import index_steps

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .tensor import Tensor

    TensorLike = Tensor | ArrayLike  # a Tensor, or what Tensor() takes: a number, a list, an array

# ops whose outputs share their input's memory
_VIEW_OPS = (ops.Reshape, ops.Transpose, ops.GetItem, ops.BroadcastTo)


class _Holder:
    __slots__ = ("_data",)


def _references_when_alone() -> int:
    """What sys.getrefcount reports for an array that only its tensor holds (the interpreter's
    own count of the call's argument differs between Python versions)."""
    holder = _Holder()
    holder._data = np.zeros(1)
    return sys.getrefcount(holder._data)


_ALONE = _references_when_alone()


class InPlace:
    __slots__ = ()

    def __iadd__(self, other: TensorLike) -> Tensor: return self.add_(other)
    def __isub__(self, other: TensorLike) -> Tensor: return self.sub_(other)
    def __imul__(self, other: TensorLike) -> Tensor: return self.mul_(other)
    def __itruediv__(self, other: TensorLike) -> Tensor: return self.div_(other)

    def add_(self, other: TensorLike, alpha: float = 1) -> Tensor:
        return self._update(lambda x: x + (other if alpha == 1 else other * alpha), "add_", other)

    def sub_(self, other: TensorLike, alpha: float = 1) -> Tensor:
        return self._update(lambda x: x - (other if alpha == 1 else other * alpha), "sub_", other)

    def mul_(self, other: TensorLike) -> Tensor:
        return self._update(lambda x: x * other, "mul_", other)

    def div_(self, other: TensorLike) -> Tensor:
        return self._update(lambda x: x / other, "div_", other)

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        return self._update(lambda x: x.clamp(min, max), "clamp_")

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value: float | Tensor) -> Tensor:
        """Set every element to `value` (a number or a 0-d tensor)."""
        return self._update(lambda x: ops.Where.apply(_everywhere(x), x._operand(value), x), "fill_", value,
                            cast="unsafe")  # as PyTorch's fill_: 1.5 into an int tensor is 1

    def copy_(self, src: TensorLike) -> Tensor:
        """Copy `src`'s values (broadcast to this shape, converted to this dtype and device) into
        this tensor; `src` gets the gradient, as in PyTorch."""
        if hasattr(src, "_data") and src.device != self.device:
            src = src.to(self.device)
        return self._update(lambda x: ops.Where.apply(_everywhere(x), x._operand(src), x), "copy_", src,
                            cast="unsafe")

    def __setitem__(self, index: Any, value: TensorLike) -> None:
        steps = index_steps(index, self._data)
        if self._recording(value):
            self._update(lambda x: ops.SetItem.apply(x, x._operand(value), steps=steps), "setitem", value,
                         cast="unsafe")
            return
        target = self._data
        for step in steps[:-1]:
            target = target[step]
        values = self._operand(value)
        try:
            target[steps[-1]] = values._data if hasattr(values, "_data") else values
        except ValueError as e:
            raise ValueError(f"setitem: on a tensor of shape {self.shape}: {e}") from None
        mark_written(self._data)

    # ------------------------------------------------------------------ the one way values are replaced

    def _recording(self, *others) -> bool:
        return _grad_enabled() and (self._requires_grad or any(
            getattr(o, "_requires_grad", False) for o in others))

    def _update(self, compute, who: str, *others, cast: str = "same_kind"):
        """Replace this tensor's values by `compute(x)`, x standing for the values before, in place."""
        source = self
        if self._recording(*others):
            if self._grad_fn is None and self._requires_grad:
                raise RuntimeError(
                    f"{who}: a leaf tensor that requires grad cannot be changed in place while the graph "
                    "is recorded (PyTorch: 'a leaf Variable that requires grad is being used in an in-place "
                    "operation'); update parameters inside `with tg.no_grad():`")
            if self._data.base is not None and isinstance(self._grad_fn, _VIEW_OPS):
                raise RuntimeError(
                    f"{who}: this tensor shares memory with the tensor it was made from (by reshape, "
                    "transpose or indexing), and changing it in place would change that one behind the "
                    "graph's back; compute out of place (y = y + 1), or clone() it first")
            # a view of it, an op's saved values, or .data held (another thread holding .data for a
            # moment counts too: in-place changes of a recorded tensor belong to one thread)
            trace = jit_trace()
            if trace.has_views(self) if trace is not None else sys.getrefcount(self._data) > _ALONE:
                raise RuntimeError(
                    f"{who}: other arrays share this tensor's memory (a view of it made by indexing, reshape "
                    "or transpose, values an op saved for backward, or its .data you hold); changing it in "
                    "place while the graph is recorded would leave their gradients wrong. Compute out of "
                    "place (y = y * 3), or change a clone()")
            source = self._from_op(self._data.copy())  # the old values, for the op to save
            source._grad_fn, source._requires_grad = self._grad_fn, self._requires_grad
        result = compute(source)
        if result.shape != self.shape:
            raise ValueError(f"{who}: the result has shape {result.shape} but the tensor has shape "
                             f"{self.shape}; an in-place op broadcasts its other operand, never the tensor itself")
        if result.dtype != self.dtype:
            if cast == "same_kind" and not np.can_cast(result.dtype, self.dtype, "same_kind"):
                raise TypeError(f"{who}: the result is {result.dtype}, which cannot be stored in this "
                                f"{self.dtype} tensor (PyTorch refuses too); convert first, e.g. x = x.float()")
            result = result.astype(self.dtype)
        try:
            self._data[...] = result._data
        except ValueError as e:  # a read-only array: a broadcast view, or shared read-only memory
            raise ValueError(f"{who}: this tensor's memory cannot be written ({e})") from None
        mark_written(self._data)
        if source is not self:
            self._grad_fn, self._requires_grad = result._grad_fn, result._requires_grad
        return self


def _everywhere(x):
    """A true condition on x's device, for Where to replace every value."""
    return x.xp.ones((), dtype=bool)
