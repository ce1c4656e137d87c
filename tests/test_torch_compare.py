"""Every op table row (op_db.py) against PyTorch (torch_refs.py): the forward values, shape and
dtype, and the vector-Jacobian product for a random upstream gradient g (the gradient of
sum(y * g), so a backward that forgets to multiply by g fails), in float64 on the row's own inputs:
a few drawn by the row's strategies, plus 0-d inputs wherever the row's shapes allow them.
EDGES adds fixed points the rows never draw: zeros, ties, zero variance, integer inputs.

Without PyTorch these tests skip; with TINYGRAD_EDU_REQUIRE_TORCH=1 (as .ci/run sets) they fail.
"""
import os
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F
from tinygrad_edu.testing import inputs

from op_db import OP_DB, OpSpec
from torch_refs import NO_TORCH_EQUIVALENT, TORCH_REFS, torch

# float64 on both sides; the only differences left are summation order and library kernels
TOLERANCES = {np.dtype(np.float64): dict(rtol=1e-10, atol=1e-12),
              np.dtype(np.float32): dict(rtol=1e-6, atol=1e-7)}
KINDS = {"b": "bool", "i": "integer", "u": "integer", "f": "float", "c": "complex"}
COMPARED = [s for s in OP_DB if s.name in TORCH_REFS]


def _need_torch() -> None:
    """Skip without PyTorch, or fail where TINYGRAD_EDU_REQUIRE_TORCH=1 (in the test, so it reads FAILED)."""
    if torch is not None:
        return
    if os.environ.get("TINYGRAD_EDU_REQUIRE_TORCH") == "1":
        pytest.fail("TINYGRAD_EDU_REQUIRE_TORCH=1 but PyTorch is not installed: "
                    "python -m pip install \"torch==2.13.0\"")
    pytest.skip("PyTorch is not installed (python -m pip install \"torch==2.13.0\"); "
                "set TINYGRAD_EDU_REQUIRE_TORCH=1 to make this an error")


def test_every_row_has_a_torch_ref_or_a_reason():
    names = [s.name for s in OP_DB]
    missing = [n for n in names if n not in TORCH_REFS and n not in NO_TORCH_EQUIVALENT]
    stale = sorted((set(TORCH_REFS) | set(NO_TORCH_EQUIVALENT)) - set(names))
    both = sorted(set(TORCH_REFS) & set(NO_TORCH_EQUIVALENT))
    unexplained = sorted(n for n, why in NO_TORCH_EQUIVALENT.items()
                         if not isinstance(why, str) or not why.strip() or "\n" in why)
    assert not missing, (f"op_db rows without a PyTorch ref in tests/torch_refs.py "
                         f"(TORCH_REFS, or NO_TORCH_EQUIVALENT with a reason): {missing}")
    assert not stale, f"tests/torch_refs.py names rows that are not in op_db: {stale}"
    assert not both, f"rows both in TORCH_REFS and NO_TORCH_EQUIVALENT: {both}"
    assert not unexplained, f"NO_TORCH_EQUIVALENT entries without a one-line reason: {unexplained}"


def _input_strategies(spec: OpSpec):
    """The row's own inputs, plus 0-d ones (alone, and broadcast against a matrix) where its
    shapes allow them: (strategy, max_examples) pairs."""
    draws = max(10, settings().max_examples // 3)
    yield inputs(spec.nargs, spec.domain, spec.kinks, spec.broadcast, spec.shapes, spec.min_dims), draws
    if spec.shapes is None and spec.min_dims == 0:
        yield inputs(spec.nargs, spec.domain, spec.kinks, shape_strategy=st.just(((),) * spec.nargs)), 2
        if spec.broadcast and spec.nargs > 1:
            yield inputs(spec.nargs, spec.domain, spec.kinks,
                         shape_strategy=st.just(((),) + ((2, 3),) * (spec.nargs - 1))), 2


def _assert_same(name: str, what: str, ours: np.ndarray, theirs: np.ndarray, shapes) -> None:
    where = f"{name}: {what} on input shapes {shapes}"
    assert ours.shape == theirs.shape, f"{where}: shape {ours.shape}, PyTorch {theirs.shape}"
    kind, torch_kind = (KINDS.get(d.kind, d.kind) for d in (ours.dtype, theirs.dtype))
    assert kind == torch_kind, f"{where}: dtype {ours.dtype} ({kind}), PyTorch {theirs.dtype} ({torch_kind})"
    if kind == "float":
        assert ours.dtype == theirs.dtype, f"{where}: dtype {ours.dtype}, PyTorch {theirs.dtype}"
        close = np.isclose(ours, theirs, equal_nan=True, **TOLERANCES[theirs.dtype])
    else:
        close = ours == theirs
    if not np.all(close):
        i = tuple(int(k) for k in np.unravel_index(np.argmin(close), close.shape))
        raise AssertionError(f"{where} differs from PyTorch's in {close.size - np.count_nonzero(close)} of "
                             f"{close.size} elements, e.g. at {i}: {ours[i].item()!r}, PyTorch {theirs[i].item()!r}")


def _compare(name: str, fn, ref, differentiable: bool, arrays) -> None:
    """fn (on Tensors) against ref (on torch tensors): forward, then the gradient of sum(y * g)."""
    shapes = [a.shape for a in arrays]
    xs = [tg.Tensor(a, requires_grad=differentiable) for a in arrays]
    ts = [torch.tensor(a, requires_grad=differentiable) for a in arrays]
    y = fn(*xs)
    try:
        y_torch = ref(*ts)
    except Exception as e:  # the inputs have no meaning in PyTorch: say so, not just the trace
        raise AssertionError(f"{name}: PyTorch rejects input shapes {shapes}: {type(e).__name__}: {e}") from e
    _assert_same(name, "forward", y.numpy(), y_torch.detach().numpy(), shapes)
    if not differentiable:
        return
    g = np.random.default_rng(zlib.crc32(name.encode())).standard_normal(y.shape)
    grads = tg.grad(y, xs, grad_outputs=tg.Tensor(g), allow_unused=True)
    torch_grads = torch.autograd.grad(y_torch, ts, grad_outputs=torch.tensor(g), allow_unused=True)
    for i, (gx, gt) in enumerate(zip(grads, torch_grads)):
        gx = np.zeros(shapes[i]) if gx is None else gx.numpy()
        gt = np.zeros(shapes[i]) if gt is None else gt.numpy()
        _assert_same(name, f"gradient of input {i}", gx, gt, shapes)


@pytest.mark.parametrize("spec", COMPARED, ids=lambda s: s.name)
def test_row_matches_torch(spec):
    _need_torch()
    for strategy, examples in _input_strategies(spec):
        @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])
        @given(strategy)
        def run(arrays):
            _compare(spec.name, spec.fn, TORCH_REFS[spec.name], spec.differentiable, arrays)

        run()


# Points the rows never draw (the kink-free grid avoids 0 and ties; rows draw float64 only):
# (name, tg function, PyTorch function, inputs). Integer inputs are compared forward only.
_LABELS_NCD = np.array([[0, 2, 1, 1], [2, 0, 0, 1]])  # for logits of shape (N=2, C=3, d=4)
_X_NCD = np.cos(np.arange(24.0)).reshape(2, 3, 4)
EDGES = [
    ("pow: x ** 0 at x = 0", lambda a: a ** 0, lambda a: a ** 0, [[0.0, 1.5, -2.0]]),
    ("rpow: 0 ** b", lambda b: 0.0 ** b, lambda b: 0.0 ** b, [[0.5, 1.0, 2.0]]),
    ("pow[tensor]: zero base", lambda a, b: a ** b, lambda a, b: a ** b, [[0.0, 0.0, 2.0], [2.0, 1.0, 0.5]]),
    ("std: zero variance", lambda a: a.std(), lambda a: a.std(), [[1.0, 1.0, 1.0]]),
    ("std[axis=0]: one column of zero variance", lambda a: a.std(axis=0), lambda a: a.std(dim=0),
     [[[1.0, 2.0], [1.0, 3.0]]]),
    ("var[correction=0]", lambda a: a.var(correction=0), lambda a: a.var(correction=0), [_X_NCD]),
    ("std[axis=-1, correction=0, keepdims]", lambda a: a.std(axis=-1, correction=0, keepdims=True),
     lambda a: a.std(dim=-1, correction=0, keepdim=True), [_X_NCD]),
    # tg shares g evenly among tied maxima, as PyTorch's a.max() and amax do (a.max(dim) does not)
    ("max: ties", lambda a: a.max(), lambda a: a.max(), [[1.0, 3.0, 3.0]]),
    ("max[axis=-1]: ties", lambda a: a.max(axis=-1), lambda a: a.amax(dim=-1), [[[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]]),
    ("transpose(d0, d1) swaps two axes", lambda a: a.transpose(0, -1), lambda a: a.transpose(0, -1), [_X_NCD]),
    ("transpose(tuple) permutes", lambda a: a.transpose((1, 2, 0)), lambda a: a.permute(1, 2, 0), [_X_NCD]),
    ("exp: int64 gives float32", lambda a: a.exp(), lambda a: a.exp(), [np.array([0, 1, 2])]),
    ("sigmoid: int64 gives float32", lambda a: a.sigmoid(), lambda a: a.sigmoid(), [np.array([-1, 0, 3])]),
    ("cross_entropy: classes on axis 1 of (N, C, d)", lambda x: F.cross_entropy(x, _LABELS_NCD),
     lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(_LABELS_NCD)), [_X_NCD]),
    ("nll_loss: classes on axis 1 of (N, C, d)", lambda x: F.nll_loss(x.log_softmax(axis=1), _LABELS_NCD),
     lambda x: torch.nn.functional.nll_loss(x.log_softmax(dim=1), torch.tensor(_LABELS_NCD)), [_X_NCD]),
    ("cross_entropy: probability targets get a gradient", F.cross_entropy,
     lambda x, t: torch.nn.functional.cross_entropy(x, t),
     [_X_NCD[0].T, np.full((4, 3), 1 / 3)]),
]


@pytest.mark.parametrize("name, fn, ref, arrays", EDGES, ids=[e[0] for e in EDGES])
def test_edge_point_matches_torch(name, fn, ref, arrays):
    _need_torch()
    arrays = [np.asarray(a) for a in arrays]
    _compare(name, fn, ref, all(a.dtype.kind == "f" for a in arrays), arrays)
