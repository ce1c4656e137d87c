"""Hypothesis strategies and `check_op`: gradient-check your own ops in your own test suite.

    from tinygrad_edu.testing import check_op

    def test_cube():
        check_op(lambda x: Cube.apply(x), reference=lambda x: x ** 3)

Needs the `test` extra (hypothesis). Values are drawn in float64; for ops with kinks or ties
(relu at 0, max of equal values) they come from a grid that never lands on one.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .gradcheck import gradcheck, gradgradcheck
from .tensor import Tensor

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy
    from numpy.typing import ArrayLike

    Shape = tuple[int, ...]

GRID = 64  # kink-free values are k/GRID plus an offset that is never a multiple of 1/GRID


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> SearchStrategy[Shape]:
    """Array shapes, small enough for central differences."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(n: int, min_dims: int = 0, max_dims: int = 3,
                         max_side: int = 4) -> SearchStrategy[tuple[Shape, ...]]:
    """n shapes that broadcast together (some axes of length 1, some missing)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=n, min_dims=min_dims, max_dims=max_dims,
                                             max_side=max_side).map(lambda s: s.input_shapes)


def arrays(shape: Shape, domain: tuple[float, float] = (-2.0, 2.0), kink_free: bool = False,
           grid_offset: int = 0) -> SearchStrategy[np.ndarray]:
    """float64 arrays of `shape` with values in `domain`.

    With `kink_free`, values are k/64 + (2 * grid_offset + 1)/256 and all distinct: never 0, never
    on a multiple of 1/64 (place kinks there), never tied within the array, and never equal to
    those of an array drawn with another `grid_offset`.
    """
    lo, hi = domain
    if not kink_free:
        elements = st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=64)
        return hnp.arrays(np.float64, shape, elements=elements)
    offset = (2 * grid_offset + 1) / (4 * GRID)
    ks = st.integers(int(np.ceil((lo - offset) * GRID)), int(np.floor((hi - offset) * GRID)))
    return hnp.arrays(np.int64, shape, elements=ks, unique=True).map(lambda k: np.asarray(k / GRID + offset))


def inputs(nargs: int = 1, domain: tuple[float, float] = (-2.0, 2.0), kink_free: bool = False,
           broadcast: bool = False, shape_strategy: SearchStrategy[tuple[Shape, ...]] | None = None,
           min_dims: int = 0) -> SearchStrategy[tuple[np.ndarray, ...]]:
    """A tuple of `nargs` float64 arrays: one shape, broadcastable shapes, or shapes drawn by
    `shape_strategy` (a strategy of tuples of shapes)."""
    if shape_strategy is None:
        shape_strategy = (broadcastable_shapes(nargs, min_dims=min_dims) if broadcast and nargs > 1
                          else shapes(min_dims=min_dims).map(lambda s: (s,) * nargs))

    @st.composite
    def draw(draw_):
        drawn = draw_(shape_strategy)
        return tuple(draw_(arrays(s, domain, kink_free, i)) for i, s in enumerate(drawn))
    return draw()


def check_op(fn: Callable[..., Tensor], reference: Callable[..., ArrayLike] | None = None, nargs: int = 1,
             domain: tuple[float, float] = (-2.0, 2.0), kink_free: bool = False, broadcast: bool = False,
             shape_strategy: SearchStrategy[tuple[Shape, ...]] | None = None, min_dims: int = 0, forward: bool = True,
             gradient: bool = True, second_order: bool = True, max_examples: int | None = None,
             atol: float = 1e-5, rtol: float = 1e-3) -> None:
    """Property-test `fn` (Tensors -> Tensor) on random inputs drawn as `inputs` describes:

    - forward: equals `reference` (arrays -> array) in float64; float32 in gives float32 out;
    - gradient: `gradcheck` under a random upstream gradient;
    - second_order: `gradgradcheck`.
    Raises (through hypothesis, with the smallest failing example) on the first disagreement.
    """
    strategy = inputs(nargs, domain, kink_free, broadcast, shape_strategy, min_dims)
    extra = {} if max_examples is None else {"max_examples": max_examples}

    @settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], **extra)
    @given(strategy)
    def run(arrays_):
        if forward:
            _check_forward(fn, reference, arrays_)
        tensors = [Tensor(a, requires_grad=True) for a in arrays_]
        if gradient:
            gradcheck(fn, tensors, atol=atol, rtol=rtol)
        if second_order:
            gradgradcheck(fn, tensors, atol=atol, rtol=rtol)

    run()


def _check_forward(fn, reference, arrays_) -> None:
    y = fn(*[Tensor(a) for a in arrays_])
    if reference is not None:
        expected = np.asarray(reference(*arrays_))
        assert y.shape == expected.shape, f"forward shape {y.shape}, reference {expected.shape}"
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-7, atol=1e-10, err_msg="forward vs reference")
    y32 = fn(*[Tensor(a.astype(np.float32)) for a in arrays_])
    assert y32.dtype in (np.float32, np.bool_, np.int64), f"float32 inputs gave a {y32.dtype} result"
