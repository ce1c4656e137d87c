"""Fuzzing the engine: random expression graphs built from the op table's smooth elementwise
rows, with values reused (shared subexpressions, diamonds), checked against central differences."""
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.testing import arrays

from op_db import OP_DB

# Smooth, shape-preserving rows whose outputs stay in a range every one of them accepts.
NAMES = ["add", "sub", "mul", "mul[scalar]", "neg", "sin", "cos", "tanh", "sigmoid", "softplus", "radd", "rsub"]
ROWS = [row for row in OP_DB if row.name in NAMES]
assert len(ROWS) == len(NAMES), "a fuzz row was renamed in op_db.py"


@st.composite
def programs(draw):
    """A few input arrays of one shape and a list of steps (row index, operand indices): each
    step appends a value made from earlier ones, which may be used again and again."""
    shape = draw(st.sampled_from([(), (3,), (2, 3)]))
    n_inputs = draw(st.integers(1, 3))
    inputs = [draw(arrays(shape, (-1.5, 1.5))) for _ in range(n_inputs)]
    steps, available = [], n_inputs
    for _ in range(draw(st.integers(1, 8))):
        row = draw(st.integers(0, len(ROWS) - 1))
        operands = tuple(draw(st.integers(0, available - 1)) for _ in range(ROWS[row].nargs))
        steps.append((row, operands))
        available += 1
    used = draw(st.lists(st.integers(0, available - 1), min_size=1, max_size=3))
    return inputs, steps, used


def evaluate(inputs, steps, used):
    values = list(inputs)
    for row, operands in steps:
        values.append(ROWS[row].fn(*[values[i] for i in operands]))
    out = values[used[0]].sum()
    for i in used[1:]:
        out = out + values[i].sum()
    return out


@settings(max_examples=60)
@given(programs())
def test_random_graphs_have_correct_gradients(program):
    inputs, steps, used = program
    tensors = [tg.Tensor(a, requires_grad=True) for a in inputs]
    if not any(t.requires_grad for t in tensors):
        return
    assert tg.gradcheck(lambda *ts: evaluate(ts, steps, used), tensors)


@settings(max_examples=15)
@given(programs())
def test_random_graphs_have_correct_second_derivatives(program):
    inputs, steps, used = program
    tensors = [tg.Tensor(a, requires_grad=True) for a in inputs]
    assert tg.gradgradcheck(lambda *ts: evaluate(ts, steps, used), tensors)
