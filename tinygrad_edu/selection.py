"""Tensor methods that mask and select, with PyTorch's names and arguments: masked_fill, tril,
triu, gather, scatter, scatter_add, masked_select, nonzero, flip, roll, diag, diagonal; and their
`tg.X` forms. Every one is a composite of GetItem (integer arrays), IndexAdd, SetItem and Where,
so each gradient is that op's adjoint move: gather's is a scatter-add of g, scatter-add's src gets
a gather of g, flip's gradient is flipped back, diag's is embedded back."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops
from .device import to_library_of
from .device_checks import check
from .diagnostics import broadcasts_to, user_line
from .movement import normalise_axis

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .ops.array import Array
    from .tensor import Tensor

    TensorLike = Tensor | ArrayLike


def _array(x: Any, like: Array) -> Array:
    """An index or mask argument (Tensor, array or list) as an array on the device of `like`."""
    return to_library_of(x._data if hasattr(x, "_data") else x, like)


def _mask(who: str, x: Tensor, mask: Any) -> Array:
    m = _array(mask, x._data)
    if m.dtype != np.bool_:
        raise TypeError(f"{who}: mask must be a bool tensor, got dtype {m.dtype}")
    return m


def _dims(dims: tuple) -> tuple:
    """`f(0, 1)` or `f((0, 1))` or `f([0, 1])` as one tuple."""
    return tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims


def _mesh(index: Array, dim: int, xp: Any) -> tuple:
    """The NumPy index that picks x[i0, .., index[i0, .., ik], .., ik] for every position of
    `index`: index itself on axis `dim`, an open arange on every other axis."""
    n = index.ndim
    return tuple(index if i == dim else xp.arange(s).reshape([-1 if j == i else 1 for j in range(n)])
                 for i, s in enumerate(index.shape))


def _checked_index(who: str, x: Tensor, dim: int, index: Any, src: Tensor | None = None) -> tuple[Array, int]:
    """index as an array of x's library, and dim as an axis, after PyTorch's gather/scatter rules:
    an integer index with x's number of dimensions, no longer than x on the other axes (nor than
    src on any), and values in [0, x.shape[dim])."""
    idx = _array(index, x._data)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{who}: index must be an integer tensor, got dtype {idx.dtype}")
    d = normalise_axis(dim, x.ndim, who, x.shape)
    if idx.ndim != x.ndim:
        raise ValueError(f"{who}: index of shape {idx.shape} needs as many dimensions as the input "
                         f"of shape {x.shape}")
    for i, n in enumerate(idx.shape):
        if (i != d and n > x.shape[i]) or (src is not None and n > src.shape[i]):
            other = f"src of shape {src.shape}" if src is not None else "the input"
            raise ValueError(f"{who}: index of shape {idx.shape} is larger than {other} on dimension {i} "
                             f"(input shape {x.shape}, dim {dim})")
    if idx.size:
        def message():
            return (f"{who}: index values must be in [0, {x.shape[d]}) for dim {dim} of shape {x.shape}; "
                    f"got values from {int(idx.min())} to {int(idx.max())}")
        check((idx.min() < 0) | (idx.max() >= x.shape[d]), message, user_line(), IndexError)
    return idx, d


def _as_1d(x: Tensor, index: Any) -> tuple[Tensor, Any]:
    """PyTorch's gather and scatter take a 0-d input (and index) as one of shape (1,)."""
    if x.ndim:
        return x, index
    index = _array(index, x._data)
    return x.reshape(1), (index.reshape(1) if index.ndim == 0 else index)


class Selection:
    __slots__ = ()

    def masked_fill(self, mask: TensorLike, value: float | Tensor) -> Tensor:
        """value where mask (bool, broadcast to this shape) is true, else this tensor; a 0-d Tensor
        value gets the gradient summed over the filled places."""
        m = _mask("masked_fill", self, mask)
        if not broadcasts_to(m.shape, self.shape):
            raise ValueError(f"masked_fill: mask of shape {m.shape} does not broadcast to the shape {self.shape}")
        if hasattr(value, "_data"):
            if value.ndim:
                raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
            value = value.astype(self.dtype)
        else:
            value = self.xp.asarray(value, dtype=self.dtype)
        return ops.Where.apply(m, value, self)

    def _triangle(self, who: str, diagonal: int, lower: bool) -> Tensor:
        if self.ndim < 2:
            raise ValueError(f"{who}: expects a tensor with at least 2 dimensions, got shape {self.shape}")
        m, n = self.shape[-2:]
        above = self.xp.arange(n) - self.xp.arange(m).reshape(m, 1)  # column minus row: which diagonal
        keep = above <= diagonal if lower else above >= diagonal
        return ops.Where.apply(keep, self, self.xp.zeros((), dtype=self.dtype))

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle of the last two axes (on and below `diagonal`), zeros above."""
        return self._triangle("tril", diagonal, lower=True)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle of the last two axes (on and above `diagonal`), zeros below."""
        return self._triangle("triu", diagonal, lower=False)

    def gather(self, dim: int, index: TensorLike) -> Tensor:
        """y[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (and so on); y has index's shape.
        Gradient: g scatter-added back (repeated indices add up)."""
        x, index1 = _as_1d(self, index)
        idx, d = _checked_index("gather", x, dim, index1)
        y = ops.GetItem.apply(x, index=_mesh(idx, d, self.xp))
        return y if self.ndim else y.reshape(_array(index, self._data).shape)  # a 0-d index gives a 0-d y

    def _scattered(self, who: str, dim: int, index: TensorLike, src: Tensor) -> tuple[Tensor, tuple, Tensor]:
        """x (this tensor, 0-d as (1,)), the mesh index, and the part of src that index covers."""
        x, index = _as_1d(self, index)
        src = src.reshape(1) if src.ndim == 0 else src
        if src.dtype != self.dtype:
            raise TypeError(f"{who}: src has dtype {src.dtype} but the input has {self.dtype}; cast one of them")
        idx, d = _checked_index(who, x, dim, index, src)
        part = src if src.shape == idx.shape else src[tuple(slice(0, n) for n in idx.shape)]
        return x, _mesh(idx, d, self.xp), part

    def scatter(self, dim: int, index: TensorLike, src: TensorLike | None = None, *,
                value: float | None = None) -> Tensor:
        """A copy with x[index[i][j]][j] = src[i][j] for dim 0 (and so on); `src` may be a number
        (or given as `value=`). Gradient: g with the written places zeroed; src gets g gathered."""
        src = value if src is None else src
        if src is None:
            raise TypeError("scatter: needs src (a tensor) or value (a number)")
        if not hasattr(src, "_data") and np.ndim(src) == 0:
            x, index = _as_1d(self, index)
            idx, d = _checked_index("scatter", x, dim, index)
            y = ops.SetItem.apply(x, self.xp.asarray(src, dtype=self.dtype), steps=(_mesh(idx, d, self.xp),))
        else:
            x, where, part = self._scattered("scatter", dim, index, _tensor(src))
            y = ops.SetItem.apply(x, part, steps=(where,))
        return y.reshape(self.shape) if y.shape != self.shape else y

    def scatter_add(self, dim: int, index: TensorLike, src: TensorLike) -> Tensor:
        """A copy with src[i][j] added at x[index[i][j]][j] for dim 0 (and so on); repeats add up.
        Gradient: g for the input; src gets g gathered."""
        x, where, part = self._scattered("scatter_add", dim, index, _tensor(src))
        y = x + ops.IndexAdd.apply(part, index=where, shape=x.shape)
        return y.reshape(self.shape) if y.shape != self.shape else y

    def masked_select(self, mask: TensorLike) -> Tensor:
        """The values where mask is true, as a 1-D tensor (mask and input broadcast together).
        Gradient: g put back at those places, zeros elsewhere."""
        m = _mask("masked_select", self, mask)
        try:
            shape = np.broadcast_shapes(m.shape, self.shape)
        except ValueError:
            raise ValueError(f"masked_select: mask of shape {m.shape} and input of shape {self.shape} "
                             "do not broadcast together") from None
        x = self if self.shape == shape else self.broadcast_to(shape)
        m = m if m.shape == shape else self.xp.broadcast_to(m, shape)
        if not shape:  # a 0-d mask is not a NumPy index of one element: select from shape (1,)
            x, m = x.reshape(1), m.reshape(1)
        return ops.GetItem.apply(x, index=m)

    def nonzero(self, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
        """Indices of the nonzero values (int64, no gradient): one row per value, shape (n, ndim);
        with as_tuple, one 1-D tensor per axis (a 0-d tensor counts as shape (1,))."""
        data = self._data.reshape(1) if as_tuple and self.ndim == 0 else self._data
        where = self.xp.argwhere(data).astype(np.int64)
        if as_tuple:
            return tuple(self._from_op(where[:, i]) for i in range(data.ndim))
        return self._from_op(where)

    def flip(self, *dims: int | Sequence[int]) -> Tensor:
        """Reverse the order along each of `dims`: flip(0), flip((0, 1)) or flip(0, 1)."""
        axes = [normalise_axis(d, self.ndim, "flip", self.shape) for d in _dims(dims)]
        if len(set(axes)) != len(axes):
            raise ValueError(f"flip: dims {_dims(dims)} name an axis twice (shape {self.shape})")
        if not self.ndim:
            return self.clone()
        return ops.GetItem.apply(self, index=tuple(slice(None, None, -1) if i in axes else slice(None)
                                                   for i in range(self.ndim)))

    def roll(self, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
        """Shift values along `dims` by `shifts`, wrapping around; without dims, along the
        flattened tensor (its shape kept)."""
        shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
        if dims is None:
            if len(shifts) != 1:
                raise ValueError(f"roll: without dims, shifts must be one number, got {shifts}")
            return self.flatten().roll(shifts, 0).reshape(self.shape)
        dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
        if len(shifts) != len(dims):
            raise ValueError(f"roll: shifts {shifts} and dims {dims} need the same length")
        y = self if self.ndim else self.reshape(1)
        for shift, dim in zip(shifts, dims):  # one step per axis named
            axis = normalise_axis(dim, y.ndim, "roll", self.shape)
            n = y.shape[axis]
            if n:
                where = (self.xp.arange(n) - int(shift)) % n
                y = ops.GetItem.apply(y, index=(slice(None),) * axis + (where,))
        return y.reshape(self.shape) if y.shape != self.shape else y

    def diag(self, diagonal: int = 0) -> Tensor:
        """1-D v: the square matrix with v on the `diagonal`-th diagonal; 2-D x: that diagonal of x."""
        if self.ndim == 2:
            return self.diagonal(diagonal)
        if self.ndim != 1:
            raise ValueError(f"diag: expects a 1-D or 2-D tensor, got shape {self.shape}")
        n, k = self.shape[0], int(diagonal)
        steps = self.xp.arange(n)
        m = n + abs(k)
        return ops.IndexAdd.apply(self, index=(steps + max(-k, 0), steps + max(k, 0)), shape=(m, m))

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The `offset`-th diagonal of the planes dim1 x dim2, as a new last axis (the others kept in order)."""
        if self.ndim < 2:
            raise ValueError(f"diagonal: expects a tensor with at least 2 dimensions, got shape {self.shape}")
        a, b = (normalise_axis(d, self.ndim, "diagonal", self.shape) for d in (dim1, dim2))
        if a == b:
            raise ValueError(f"diagonal: dim1 and dim2 are the same axis ({dim1}, {dim2}) of shape {self.shape}")
        order = [i for i in range(self.ndim) if i not in (a, b)] + [a, b]
        x = self if order == list(range(self.ndim)) else self.permute(order)
        k = int(offset)
        length = max(0, min(self.shape[a] - max(-k, 0), self.shape[b] - max(k, 0)))
        steps = self.xp.arange(length)
        return ops.GetItem.apply(x, index=(Ellipsis, steps + max(-k, 0), steps + max(k, 0)))


def _tensor(x: TensorLike) -> Tensor:
    from .tensor import Tensor  # here: tensor.py imports this module for the mixin
    return x if isinstance(x, Tensor) else Tensor(x)


# ---------------------------------------------------------------- tg.X forms
def masked_fill(input: TensorLike, mask: TensorLike, value: float | Tensor) -> Tensor:
    return _tensor(input).masked_fill(mask, value)


def tril(input: TensorLike, diagonal: int = 0) -> Tensor: return _tensor(input).tril(diagonal)
def triu(input: TensorLike, diagonal: int = 0) -> Tensor: return _tensor(input).triu(diagonal)
def gather(input: TensorLike, dim: int, index: TensorLike) -> Tensor: return _tensor(input).gather(dim, index)


def scatter(input: TensorLike, dim: int, index: TensorLike, src: TensorLike | None = None, *,
            value: float | None = None) -> Tensor:
    return _tensor(input).scatter(dim, index, src, value=value)


def scatter_add(input: TensorLike, dim: int, index: TensorLike, src: TensorLike) -> Tensor:
    return _tensor(input).scatter_add(dim, index, src)


def masked_select(input: TensorLike, mask: TensorLike) -> Tensor: return _tensor(input).masked_select(mask)


def nonzero(input: TensorLike, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    return _tensor(input).nonzero(as_tuple=as_tuple)


def flip(input: TensorLike, dims: int | Sequence[int]) -> Tensor: return _tensor(input).flip(dims)


def roll(input: TensorLike, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    return _tensor(input).roll(shifts, dims)


def diag(input: TensorLike, diagonal: int = 0) -> Tensor: return _tensor(input).diag(diagonal)


def diagonal(input: TensorLike, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    return _tensor(input).diagonal(offset, dim1, dim2)
