"""Hostile and unusual input: each case gets a clear error naming what is wrong, or a correct
answer (checked), never a silent wrong number."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn
from tinygrad_edu.nn import functional as F


def grad_of(fn, x):
    x = Tensor(x, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.numpy()


def nan_power() -> bool:
    with np.errstate(invalid="ignore"):
        return bool(np.isnan((Tensor([-1.0]) ** 0.5).item()))


def read_only(values):
    a = np.array(values, dtype=np.float64)
    a.flags.writeable = False
    return a


ERRORS = [  # (case, call, exception, what the message must say)
    ("object array", lambda: Tensor(np.array([1, "a"], dtype=object)), TypeError, "not numeric"),
    ("list of mixed types", lambda: Tensor([1, "a"]), TypeError, "cannot make a tensor from list"),
    ("ragged list", lambda: Tensor([1, [2, 3]]), TypeError, "cannot make a tensor"),
    ("None as an operand", lambda: tg.zeros(3) + None, TypeError, "cannot compute with NoneType"),
    ("a string as an operand", lambda: tg.zeros(3) * "a", TypeError, "cannot compute with str"),
    ("integer tensor requiring grad", lambda: Tensor(np.arange(3), requires_grad=True), TypeError, "floating-point"),
    ("boolean tensor requiring grad", lambda: Tensor(np.array([True]), requires_grad=True), TypeError, "bool"),
    ("complex tensor requiring grad", lambda: Tensor(np.array([1j]), requires_grad=True), TypeError, "complex128"),
    ("axis out of range", lambda: tg.zeros(2, 3).sum(axis=-3), ValueError, r"sum: axis -3 is out of range .*\(2, 3\)"),
    ("axis not an int", lambda: tg.zeros(2, 3).mean(axis=1.5), TypeError, "mean: axis must be an int"),
    ("repeated axis", lambda: tg.zeros(2, 3).max(axis=(1, 1)), ValueError, "repeated axis"),
    ("max of an empty tensor", lambda: tg.zeros(0, 3).max(), ValueError, r"max: shapes \(0, 3\)"),
    ("bad reshape", lambda: tg.zeros(2, 3).reshape(4, -1), ValueError, r"reshape: shapes \(2, 3\)"),
    ("bad transpose", lambda: tg.zeros(2, 3).transpose(0, 2), ValueError, "transpose"),
    ("bad permutation", lambda: tg.zeros(2, 3).permute(0, 0), ValueError, "permute"),
    ("float index", lambda: tg.zeros(3)[1.5], IndexError, "get_item"),
    ("index out of range", lambda: tg.zeros(3)[np.array([5])], IndexError, "index 5 is out of bounds"),
    ("matmul with a 0-d operand", lambda: Tensor(2.0) @ tg.zeros(3), ValueError, "matmul"),
    ("matmul mismatch", lambda: tg.zeros(2, 3) @ tg.zeros(4, 5), ValueError, r"\(2, 3\) and \(4, 5\)"),
    ("broadcast mismatch", lambda: tg.zeros(2, 3) - tg.zeros(4), ValueError, r"sub: shapes \(2, 3\) and \(4,\)"),
    ("impossible broadcast_to", lambda: tg.zeros(3).broadcast_to((2, 4)), ValueError, "broadcast_to"),
    ("concatenate mismatch", lambda: tg.concatenate([tg.zeros(2, 3), tg.zeros(2, 4)]), ValueError, "concatenate"),
    ("label >= number of classes", lambda: F.cross_entropy(tg.zeros(2, 3), np.array([0, 3])), ValueError,
     "label 3 is out of range for 3 classes"),
    ("negative label", lambda: F.cross_entropy(tg.zeros(2, 3), np.array([-1, 0])), ValueError, "label -1"),
    ("float labels", lambda: F.cross_entropy(tg.zeros(2, 3), np.array([0.0, 1.0])), TypeError,
     "labels must be integers"),
    ("one-hot of the wrong width", lambda: F.cross_entropy(tg.zeros(2, 3), np.eye(4)[:2]), ValueError,
     r"\(2, 4\) do not match logits of shape \(2, 3\)"),
    ("Linear input of the wrong width", lambda: nn.Linear(3, 2)(tg.zeros(4, 5)), ValueError, r"\(4, 5\)"),
    ("Conv2d input without channels", lambda: nn.Conv2d(1, 2, 3)(tg.zeros(5, 5)), ValueError, "batch, channels"),
    ("BatchNorm on one sample", lambda: nn.BatchNorm1d(3)(tg.zeros(1, 3)), ValueError, "more than one value"),
    ("backward of a non-scalar", lambda: (Tensor([1.0, 2.0], requires_grad=True) * 2).backward(), RuntimeError,
     "one-element output"),
    ("item of many elements", lambda: tg.zeros(3).item(), ValueError, "item"),
    ("gradcheck in float32", lambda: tg.gradcheck(lambda t: t * 2, Tensor([1.0], requires_grad=True)), TypeError,
     "float64"),
]


@pytest.mark.parametrize("case, call, error, message", ERRORS, ids=[e[0] for e in ERRORS])
def test_hostile_input_gets_a_clear_error(case, call, error, message):
    with pytest.raises(error, match=message):
        call()


ANSWERS = [  # (case, computed, expected)
    ("empty batch through Linear", lambda: nn.Linear(3, 2)(tg.zeros(0, 3)).shape, (0, 2)),
    ("empty batch gradient", lambda: grad_of(lambda x: x * 2, np.zeros((0, 3))).shape, (0, 3)),
    ("mean cross-entropy of an empty batch",
     lambda: np.isnan(F.cross_entropy(tg.zeros(0, 3), np.zeros(0, int)).item()), True),
    ("sum of an empty tensor", lambda: tg.zeros(0, 3).sum().item(), 0.0),
    ("scalar (0-d) gradient", lambda: grad_of(lambda x: x * x, np.array(3.0)).item(), 6.0),
    ("huge values through softmax", lambda: tg.Tensor([[1e30, 0.0]]).softmax().numpy().tolist(), [[1.0, 0.0]]),
    ("tiny values through log_softmax", lambda: float(tg.Tensor([[1e-30, 0.0]]).log_softmax().numpy()[0, 0]),
     pytest.approx(-np.log(2))),
    ("NaN input propagates to the loss",
     lambda: np.isnan(F.cross_entropy(Tensor([[np.nan, 0.0]]), np.array([0])).item()), True),
    ("boolean tensor arithmetic", lambda: (Tensor(np.array([True, False])) * 2).numpy().tolist(), [2, 0]),
    ("integer tensor plus a float", lambda: (Tensor(np.arange(3)) + 0.5).numpy().tolist(), [0.5, 1.5, 2.5]),
    ("float32 with float64: promoted, gradient keeps float32",
     lambda: (lambda x: ((x * np.ones(2)).sum().backward(), x.grad.dtype)[1])(Tensor([1.0, 2.0], requires_grad=True)),
     np.float32),
    ("non-contiguous input", lambda: grad_of(lambda x: x * x, np.arange(12.0).reshape(3, 4)[:, ::2]).tolist(),
     (2 * np.arange(12.0).reshape(3, 4)[:, ::2]).tolist()),
    ("read-only input", lambda: grad_of(lambda x: x * x, read_only([1.0, 2.0])).tolist(), [2.0, 4.0]),
    ("negative axes", lambda: tg.Tensor(np.arange(6.0).reshape(2, 3)).sum(axis=(-1, -2)).item(), 15.0),
    ("negative base, integer exponent", lambda: (Tensor([-2.0]) ** 3).item(), -8.0),
    ("negative base, fractional exponent is NaN, as in NumPy", lambda: nan_power(), True),
    ("dropout with p = 1", lambda: nn.Dropout(1.0)(tg.ones(3)).numpy().tolist(), [0.0, 0.0, 0.0]),
    ("cross-entropy of extreme logits", lambda: F.cross_entropy(Tensor([[1e4, -1e4]]), np.array([1])).item(), 2e4),
]


@pytest.mark.parametrize("case, computed, expected", ANSWERS, ids=[a[0] for a in ANSWERS])
def test_unusual_input_gets_the_right_answer(case, computed, expected):
    assert computed() == expected


def test_shape_errors_point_at_the_users_line_and_explain_broadcasting():
    with pytest.raises(ValueError) as info:
        tg.zeros(2, 3) * tg.zeros(5, 4)  # the offending line
    message = str(info.value)
    assert "mul: shapes (2, 3) and (5, 4)" in message and "axis -1 has lengths 3 and 4" in message
    assert "equal lengths or a 1" in message and "test_hostile.py" in message and "the offending line" in message
