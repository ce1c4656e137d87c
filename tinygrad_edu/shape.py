"""Tensor methods that rearrange a tensor into a new shape or into pieces: repeat, repeat_interleave,
split, chunk, unflatten; and the `tg.X` forms (with meshgrid and einsum). PyTorch's names and arguments.

All are composites of reshape, broadcast, indexing, sum and matmul, so each gradient is the one of
those ops (a repeat's gradient sums the copies back through broadcasting's adjoint): no new
derivative to get wrong, and second derivatives come for free.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .movement import normalise_axis

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .tensor import Tensor

    TensorLike = Tensor | ArrayLike


def _sizes(sizes: tuple) -> tuple:
    """Accept repeat(2, 3) as well as repeat((2, 3))."""
    return tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


class Shape:
    __slots__ = ()

    def repeat(self, *sizes: int | Sequence[int]) -> Tensor:
        """Tile the tensor: `repeat(2, 3)` copies it twice along dim -2 and three times along dim -1
        (as torch's repeat, numpy's tile); more sizes than dims add leading dims."""
        sizes = _sizes(sizes)
        if len(sizes) < self.ndim or not all(_is_int(s) and s >= 0 for s in sizes):
            raise ValueError(f"repeat: needs one non-negative int per dim (at least {self.ndim}) for shape "
                             f"{self.shape}, got {sizes}")
        shape = (1,) * (len(sizes) - self.ndim) + self.shape
        # (n0, n1) -> (1, n0, 1, n1) -> broadcast to (r0, n0, r1, n1) -> (r0 * n0, r1 * n1)
        spread = self.reshape(tuple(d for n in shape for d in (1, n)))
        tiled = spread.broadcast_to(tuple(d for r, n in zip(sizes, shape) for d in (r, n)))
        return tiled.reshape(tuple(r * n for r, n in zip(sizes, shape)))

    def repeat_interleave(self, repeats: int | TensorLike, dim: int | None = None) -> Tensor:
        """Repeat each element `repeats` times along `dim` (of the flattened tensor if dim is None):
        [a, b].repeat_interleave(2) is [a, a, b, b]; a tensor of repeats gives each element its count."""
        x = self.flatten() if dim is None else self
        axis = 0 if dim is None else normalise_axis(dim, x.ndim, "repeat_interleave", x.shape)
        if x.ndim == 0:
            x = x.reshape(1)
        counts = np.asarray(repeats.numpy() if hasattr(repeats, "numpy") else repeats)
        if counts.dtype.kind not in "iu" or counts.ndim > 1 or (counts < 0).any():
            raise ValueError(f"repeat_interleave: repeats must be a non-negative int or a 1-d tensor of them, "
                             f"got {repeats!r}")
        if counts.ndim == 0:  # the common case: a broadcast, (.., n, ..) -> (.., n, r, ..) -> (.., n * r, ..)
            r = int(counts)
            spread = x.unsqueeze(axis + 1)
            shape = x.shape[:axis + 1] + (r,) + x.shape[axis + 1:]
            return spread.broadcast_to(shape).reshape(x.shape[:axis] + (x.shape[axis] * r,) + x.shape[axis + 1:])
        if counts.shape[0] not in (1, x.shape[axis]):
            raise ValueError(f"repeat_interleave: {counts.shape[0]} repeats for dim {axis} of length "
                             f"{x.shape[axis]} (shape {x.shape}); give one per element, or one for all")
        positions = np.repeat(np.arange(x.shape[axis]), np.broadcast_to(counts, (x.shape[axis],)))
        return x[(slice(None),) * axis + (positions,)]  # indexing: its gradient adds up the copies

    def split(self, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces along `dim`: of `split_size_or_sections` each (the last may be shorter), or of the
        given lengths (which must add up to the dim's length). Each piece is a slice, with its gradient."""
        axis = normalise_axis(dim, self.ndim, "split", self.shape)
        n = self.shape[axis]
        if _is_int(split_size_or_sections):
            size = int(split_size_or_sections)
            if size <= 0 and not (size == 0 and n == 0):
                raise ValueError(f"split: split_size must be a positive int, got {size} (shape {self.shape})")
            lengths = [min(size, n - start) for start in range(0, n, size)] if n else [0]
        else:
            lengths = list(split_size_or_sections)
            if not all(_is_int(k) and k >= 0 for k in lengths) or sum(lengths) != n:
                raise ValueError(f"split: sections {lengths} must be non-negative ints adding up to {n}, "
                                 f"the length of dim {dim} of shape {self.shape}")
        starts = np.cumsum([0] + lengths[:-1])
        lead = (slice(None),) * axis
        return tuple(self[lead + (slice(int(s), int(s) + k),)] for s, k in zip(starts, lengths))

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """Split into `chunks` pieces of ceil(n / chunks) along `dim` (fewer when n does not fill
        them, as torch's chunk)."""
        if not _is_int(chunks) or chunks <= 0:
            raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
        axis = normalise_axis(dim, self.ndim, "chunk", self.shape)
        n = self.shape[axis]
        if n == 0:  # torch gives `chunks` empty pieces
            return tuple(self[(slice(None),) * axis + (slice(0, 0),)] for _ in range(chunks))
        return self.split(math.ceil(n / chunks), dim)

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        """Expand `dim` into several dims of `sizes` (one may be -1), the inverse of flatten."""
        axis = normalise_axis(dim, self.ndim, "unflatten", self.shape)
        sizes = tuple(sizes)
        known = math.prod(s for s in sizes if s != -1)
        n = self.shape[axis]
        if not sizes or sum(s == -1 for s in sizes) > 1 or any(s < -1 for s in sizes) \
                or (known != n if -1 not in sizes else known == 0 or n % known):
            raise ValueError(f"unflatten: sizes {sizes} do not fill dim {dim} of length {n} (shape {self.shape})")
        sizes = tuple(n // known if s == -1 else s for s in sizes)
        return self.reshape(self.shape[:axis] + sizes + self.shape[axis + 1:])


# ---------------------------------------------------------------- tg.X forms
def _tensor(x: TensorLike) -> Tensor:
    from .tensor import Tensor  # here: tensor.py imports this module for the mixin
    return x if isinstance(x, Tensor) else Tensor(x)


def repeat_interleave(input: TensorLike, repeats: int | TensorLike, dim: int | None = None) -> Tensor:
    return _tensor(input).repeat_interleave(repeats, dim)


def split(tensor: TensorLike, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    return _tensor(tensor).split(split_size_or_sections, dim)


def chunk(input: TensorLike, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    return _tensor(input).chunk(chunks, dim)


def unflatten(input: TensorLike, dim: int, sizes: Sequence[int]) -> Tensor:
    return _tensor(input).unflatten(dim, sizes)


def meshgrid(*tensors: TensorLike | Sequence[TensorLike], indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-d tensors: with indexing="ij" output k varies along dim k; with "xy"
    (NumPy's default) the first two dims swap, as for (x, y) images."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = [_tensor(t) for t in tensors]
    if not ts or any(t.ndim > 1 for t in ts):
        raise ValueError(f"meshgrid: expects one or more 0-d or 1-d tensors, got shapes {[t.shape for t in ts]}")
    ts = [t.reshape(-1) for t in ts]
    axes = list(range(len(ts)))
    if indexing == "xy" and len(ts) > 1:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(ts)
    for t, a in zip(ts, axes):
        shape[a] = t.shape[0]
    return tuple(t.reshape(tuple(-1 if i == a else 1 for i in range(len(ts)))).broadcast_to(tuple(shape))
                 for t, a in zip(ts, axes))


def einsum(equation: str, *operands: TensorLike | Sequence[TensorLike]) -> Tensor:
    """Einstein summation: 'ij,jk->ik' multiplies matrices, 'bhqd,bhkd->bhqk' scores attention,
    'i,j->ij' is an outer product, 'ii->i' a diagonal, 'ij->' a sum. Letters in the output stay, the
    others are summed; without '->' the output is the letters seen once, in alphabetical order (as
    NumPy); '...' stands for the leading dims. Computed with diagonal, sum, permute, reshape and matmul,
    two operands at a time, so its gradient is theirs."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    xs = [_tensor(x) for x in operands]
    inputs, output = _parse(equation.replace(" ", ""), xs)
    terms = [_diagonals(x, letters) for x, letters in zip(xs, inputs)]
    x, letters = terms[0]
    for i, (y, other) in enumerate(terms[1:], start=1):
        later = set(output).union(*(t[1] for t in terms[i + 1:]))
        x, letters = _contract(x, letters, y, other, later, equation)
    x, letters = _sum_out(x, letters, set(output))
    return x.permute([letters.index(c) for c in output]) if output else x


def _parse(equation: str, xs: list) -> tuple[list[str], str]:
    """The input terms (ellipses replaced by capital letters, right-aligned) and the output term."""
    lhs, arrow, rhs = equation.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(xs):
        raise ValueError(f"einsum: equation {equation!r} has {len(inputs)} operands, but {len(xs)} were given")
    spare = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    width = 0
    for term, x in zip(inputs, xs):
        width = max(width, x.ndim - len(term.replace("...", "")) if "..." in term else 0)
    dots = spare[len(spare) - width:]
    for k, (term, x) in enumerate(zip(inputs, xs)):
        body = term.replace("...", "")
        if any(not (c.isalpha() and c.islower()) for c in body) or term.count("...") > 1 \
                or term.count(".") != 3 * term.count("..."):
            raise ValueError(f"einsum: operand {k}'s term {term!r} in {equation!r} must be lowercase letters "
                             "(and at most one '...')")
        if "..." in term:
            inputs[k] = term.replace("...", dots[width - (x.ndim - len(body)):] if x.ndim >= len(body) else "?")
        if len(inputs[k]) != x.ndim:
            raise ValueError(f"einsum: operand {k}'s term {term!r} names {len(body)} dims, but its shape is {x.shape}")
    if arrow:
        output = rhs.replace("...", dots)
        if "..." in rhs and not dots and not any("..." in t for t in lhs.split(",")):
            raise ValueError(f"einsum: '...' in the output of {equation!r} but in no operand")
    else:
        seen = "".join(inputs)
        output = dots + "".join(sorted(c for c in set(seen) if seen.count(c) == 1 and c not in dots))
    unknown = [c for c in output if not any(c in t for t in inputs)]
    if unknown or len(set(output)) != len(output) or not all(c.isalpha() for c in output):
        raise ValueError(f"einsum: the output {rhs!r} of {equation!r} must name distinct letters of the inputs")
    return inputs, output


def _diagonals(x: Tensor, letters: str) -> tuple[Tensor, str]:
    """A letter repeated within one term ('ii') takes the diagonal of those dims (moved to the end)."""
    for c in dict.fromkeys(letters):
        while letters.count(c) > 1:
            a = letters.index(c)
            b = letters.index(c, a + 1)
            if x.shape[a] != x.shape[b]:
                raise ValueError(f"einsum: index {c!r} is repeated over dims of lengths {x.shape[a]} and "
                                 f"{x.shape[b]} in shape {x.shape}")
            x = x.diagonal(0, a, b)
            letters = letters[:a] + letters[a + 1:b] + letters[b + 1:] + c
    return x, letters


def _sum_out(x: Tensor, letters: str, keep: set) -> tuple[Tensor, str]:
    """Sum over the dims whose letters are not kept."""
    gone = tuple(i for i, c in enumerate(letters) if c not in keep)
    if not gone:
        return x, letters
    return x.sum(gone), "".join(c for c in letters if c in keep)


def _contract(x: Tensor, xl: str, y: Tensor, yl: str, later: set, equation: str) -> tuple[Tensor, str]:
    """Contract two terms with one batched matmul: x as (batch, left, summed) @ y as (batch, summed, right)."""
    x, xl = _sum_out(x, xl, later | set(yl))
    y, yl = _sum_out(y, yl, later | set(xl))
    size = {}
    for c in set(xl) & set(yl):
        m, n = x.shape[xl.index(c)], y.shape[yl.index(c)]
        if m != n and 1 not in (m, n):
            raise ValueError(f"einsum: index {c!r} has length {m} in one operand and {n} in another "
                             f"({x.shape} and {y.shape}) in {equation!r}")
        size[c] = max(m, n)
    x = x.broadcast_to(tuple(size.get(c, n) for c, n in zip(xl, x.shape)))  # a length-1 dim broadcasts
    y = y.broadcast_to(tuple(size.get(c, n) for c, n in zip(yl, y.shape)))
    batch = [c for c in xl if c in yl and c in later]
    summed = [c for c in xl if c in yl and c not in later]
    left = [c for c in xl if c not in yl]
    right = [c for c in yl if c not in xl]
    lengths = dict(zip(xl, x.shape)) | dict(zip(yl, y.shape))

    def block(t: Tensor, tl: str, groups: list) -> Tensor:
        t = t.permute([tl.index(c) for g in groups for c in g]) if t.ndim else t
        return t.reshape(tuple(math.prod(lengths[c] for c in g) for g in groups))

    product = block(x, xl, [batch, left, summed]) @ block(y, yl, [batch, summed, right])
    out = batch + left + right
    return product.reshape(tuple(lengths[c] for c in out)), "".join(out)
