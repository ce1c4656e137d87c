"""Generic tests driven by the op table (op_db.py): every row's forward against its NumPy
reference, its gradient against central differences under random upstream gradients (broadcast
shapes included), and its second derivative."""
import inspect

import pytest
from hypothesis import settings

import tinygrad_edu as tg
from tinygrad_edu.testing import check_op

from op_db import FUNCTIONAL_MODULES, FUNCTIONS, NOT_OPS, OP_DB, OPERATOR_NAMES, OpSpec

DIFFERENTIABLE = [s for s in OP_DB if s.differentiable]
SECOND_ORDER = [s for s in DIFFERENTIABLE if s.second_order]


def _check(spec: OpSpec, **which):
    check_op(spec.fn, spec.ref, nargs=spec.nargs, domain=spec.domain, kink_free=spec.kinks,
             broadcast=spec.broadcast, shape_strategy=spec.shapes, min_dims=spec.min_dims, **which)


@pytest.mark.parametrize("spec", OP_DB, ids=lambda s: s.name)
def test_forward_matches_numpy(spec):
    _check(spec, forward=True, gradient=False, second_order=False)


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=lambda s: s.name)
def test_gradient_matches_central_differences(spec):
    _check(spec, forward=False, gradient=True, second_order=False)


@pytest.mark.parametrize("spec", SECOND_ORDER, ids=lambda s: s.name)
def test_second_derivative_matches_central_differences(spec):
    examples = max(3, settings().max_examples // 3)  # each example runs many double backwards
    _check(spec, forward=False, gradient=False, second_order=True, max_examples=examples)


def public_ops() -> set:
    """Every public op name: Tensor methods and properties, operators, and functions."""
    names = set(FUNCTIONS)
    for module in FUNCTIONAL_MODULES:
        names |= {n for n, f in inspect.getmembers(module, inspect.isfunction)
                  if not n.startswith("_") and f.__module__.startswith(module.__name__)}  # functional_*.py too
    for name, member in inspect.getmembers(tg.Tensor):
        if name in OPERATOR_NAMES:
            names.add(OPERATOR_NAMES[name])
        elif not name.startswith("_") and name not in NOT_OPS and (callable(member) or name == "T"):
            names.add(name)
    return names


def test_every_public_op_has_a_row():
    covered = {spec.op for spec in OP_DB}
    missing = sorted(name for name in public_ops() if name not in covered)
    assert not missing, f"public ops without a row in tests/op_db.py: {missing}"
