"""Tensor methods that move values without computing new ones: reshape, transpose, squeeze,
pad, indexing. PyTorch's names and meanings (`view`, `permute`, `transpose(d0, d1)` swaps two
axes, `squeeze(dim)` leaves a longer axis alone); NumPy's spellings where they do not clash."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops
from .device import to_library_of
from .ops.array import Array

if TYPE_CHECKING:
    from .tensor import Tensor


def normalise_axis(axis: int, ndim: int, who: str, shape: tuple[int, ...] | None = None) -> int:
    """`axis` (negative counts from the end) as an index in [0, ndim); a 0-d tensor takes 0 or -1."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{who}: axis must be an int or a tuple of ints, got {axis!r}")
    n = max(ndim, 1)
    if not -n <= axis < n:
        raise ValueError(f"{who}: axis {axis} is out of range for a tensor "
                         f"{'of shape ' + str(shape) if shape is not None else f'with {ndim} dimensions'} "
                         f"(valid: {-n} to {n - 1})")
    return int(axis) % n


class Movement:
    __slots__ = ()

    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """reshape(2, 3) or reshape((2, 3)); one dimension may be -1."""
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return ops.Reshape.apply(self, shape=shape)

    def view(self, *shape: int | Sequence[int]) -> Tensor:
        """PyTorch's view: here the same as reshape (NumPy reshapes views when it can)."""
        return self.reshape(*shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge the axes start_dim..end_dim (all by default) into one; a 0-d tensor becomes (1,)."""
        if self.ndim == 0:
            return self.reshape(1)
        start = normalise_axis(start_dim, self.ndim, "flatten", self.shape)
        end = normalise_axis(end_dim, self.ndim, "flatten", self.shape)
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                             f"for shape {self.shape}")
        merged = int(np.prod(self.shape[start:end + 1]))
        return self.reshape(self.shape[:start] + (merged,) + self.shape[end + 1:])

    def permute(self, *dims: int | Sequence[int]) -> Tensor:
        """Reorder the axes: `permute(2, 0, 1)` or `permute((2, 0, 1))`; negative axes count from the end."""
        dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        axes = tuple(normalise_axis(d, self.ndim, "permute", self.shape) for d in dims) if self.ndim else ()
        if sorted(axes) != list(range(self.ndim)):
            raise ValueError(f"permute: {dims} is not a permutation of the {self.ndim} axes "
                             f"of shape {self.shape}")
        return ops.Transpose.apply(self, axes=axes)

    def transpose(self, *axes: int | Sequence[int]) -> Tensor:
        """PyTorch's `transpose(d0, d1)` swaps two axes (on any rank); NumPy's forms permute:
        `transpose((2, 0, 1))`, three or more axes, or none (reverse them all)."""
        if len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
            return self.swapaxes(*axes)
        if not axes:
            return self.permute(tuple(reversed(range(self.ndim))))
        return self.permute(*axes)

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        order = list(range(self.ndim))
        if self.ndim:
            a, b = (normalise_axis(a, self.ndim, "transpose", self.shape) for a in (axis0, axis1))
            order[a], order[b] = order[b], order[a]
        return self.permute(order)

    def t(self) -> Tensor:
        """The transpose of a matrix (a 0-d or 1-d tensor is returned as it is), as PyTorch's t()."""
        if self.ndim > 2:
            raise ValueError(f"t: expects a tensor with at most 2 dimensions, got shape {self.shape}; "
                             "use transpose(d0, d1) or permute")
        return self.transpose()

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        return ops.BroadcastTo.apply(self, shape=tuple(shape))

    def expand(self, *sizes: int | Sequence[int]) -> Tensor:
        """PyTorch's expand: broadcast to `sizes`, where -1 keeps an axis' length."""
        sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
        lead = len(sizes) - self.ndim
        if lead < 0 or any(s == -1 for s in sizes[:lead]):
            raise ValueError(f"expand: cannot expand shape {self.shape} to {sizes}")
        shape = sizes[:lead] + tuple(n if s == -1 else s for s, n in zip(sizes[lead:], self.shape))
        return self.broadcast_to(shape)

    def squeeze(self, dim: int | Sequence[int] | None = None, *,
                axis: int | Sequence[int] | None = None) -> Tensor:
        """Drop axes of length 1: all of them, or those of `dim` (an int or a tuple) that have
        length 1; a given axis of another length stays (as in PyTorch)."""
        dim = dim if axis is None else axis
        if dim is None:
            keep = [s for s in self.shape if s != 1]
        else:
            dims = dim if isinstance(dim, (tuple, list)) else (dim,)
            drop = {normalise_axis(d, self.ndim, "squeeze", self.shape) for d in dims}
            keep = [s for i, s in enumerate(self.shape) if i not in drop or s != 1]
        return self.reshape(tuple(keep))

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert an axis of length 1 at position `dim` (negative: counted from the end of the result)."""
        axis = normalise_axis(dim, self.ndim + 1, "unsqueeze")
        return self.reshape(self.shape[:axis] + (1,) + self.shape[axis:])

    def expand_dims(self, axis: int) -> Tensor:
        """NumPy's name for unsqueeze."""
        return self.unsqueeze(axis)

    def pad(self, pad_width: int | Sequence[int] | Sequence[Sequence[int]], value: float = 0.0) -> Tensor:
        """Pad with a constant; `pad_width` as in np.pad: n, (before, after), or one pair per axis."""
        try:
            widths = np.broadcast_to(np.asarray(pad_width), (self.ndim, 2))
        except ValueError:
            widths = None
        if widths is None or widths.dtype.kind not in "iu" or (widths < 0).any():
            raise ValueError(f"pad: pad_width must be non-negative ints: n, (before, after), or one "
                             f"(before, after) pair per axis of shape {self.shape}; got {pad_width!r}")
        return ops.Pad.apply(self, pad_width=tuple(map(tuple, widths.tolist())), value=value)

    def __getitem__(self, index: Any) -> Tensor:
        """Ints, slices, Ellipsis, None, integer arrays (repeats add up in the gradient), masks.
        Integers select before arrays index, as in PyTorch: `x[1, :, idx]` keeps idx's axis in place."""
        out = self
        for step in index_steps(index, self._data):
            out = ops.GetItem.apply(out, index=step)
        return out


def index_steps(index: Any, values: Array) -> tuple:
    """`index` as one or two NumPy indices applied in turn. Tensors and lists become arrays on the
    device of `values`. When integers and arrays are mixed, the integers go first on their own, so
    that NumPy's rule for separated array indices (their axis moves to the front) sees only the
    arrays, as PyTorch does."""
    parts = index if isinstance(index, tuple) else (index,)
    parts = tuple(_plain_part(p, values) for p in parts)
    has_int = any(_is_int(p) for p in parts)
    has_array = any(hasattr(p, "shape") and p.ndim > 0 for p in parts)
    if not (has_int and has_array):
        return (parts if isinstance(index, tuple) else parts[0],)
    first, rest = [], []
    for p in parts:
        if _is_int(p):
            first.append(p)
        elif p is None:
            first.append(None)
            rest.append(slice(None))
        elif p is Ellipsis:
            first.append(Ellipsis)
            rest.append(Ellipsis)
        else:
            width = p.ndim if hasattr(p, "shape") and p.dtype.kind == "b" else 1
            first.extend([slice(None)] * width)
            rest.append(p)
    return tuple(first), tuple(rest)


def _is_int(part) -> bool:
    return isinstance(part, (int, np.integer)) and not isinstance(part, (bool, np.bool_))


def _plain_part(part, values):
    """One part of an index: a Tensor becomes its array (a 0-d integer one an int), a list an array."""
    if hasattr(part, "_data"):
        part = part._data
        if part.ndim == 0 and part.dtype.kind in "iu":
            return int(part)
    elif isinstance(part, list):
        part = np.asarray(part)
    if hasattr(part, "shape") and type(values) is not np.ndarray:
        part = to_library_of(part, values)
    return part
