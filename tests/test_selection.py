"""Masking and selection (tinygrad_edu/selection.py) beyond the op table: the errors that name the op
and the shapes, 0-d inputs as PyTorch takes them, and index arguments given as Tensors."""
import numpy as np
import pytest

import tinygrad_edu as tg

X = tg.tensor(np.arange(12.0).reshape(3, 4), dtype=tg.float32)


@pytest.mark.parametrize("call, error, words", [
    (lambda: X.gather(1, np.array([[0.5]])), TypeError, ["gather", "integer", "float64"]),
    (lambda: X.gather(1, np.array([0, 1])), ValueError, ["gather", "(2,)", "(3, 4)"]),
    (lambda: X.gather(0, np.zeros((3, 5), np.int64)), ValueError, ["gather", "(3, 5)", "dimension 1"]),
    (lambda: X.gather(1, np.array([[4]])), IndexError, ["gather", "[0, 4)", "4"]),
    (lambda: X.gather(1, np.array([[-1]])), IndexError, ["gather", "-1"]),
    (lambda: X.gather(2, np.array([[0]])), ValueError, ["gather", "axis 2"]),
    (lambda: X.scatter(0, np.zeros((2, 2), np.int64), tg.ones(1, 1)), ValueError, ["scatter", "src of shape (1, 1)"]),
    (lambda: X.scatter(0, np.zeros((1, 1), np.int64), tg.ones(1, 1, dtype=tg.float64)), TypeError,
     ["scatter", "float64", "float32"]),
    (lambda: X.scatter(0, np.zeros((1, 1), np.int64)), TypeError, ["scatter", "src", "value"]),
    (lambda: X.scatter_add(1, np.array([[9]]), tg.ones(1, 1)), IndexError, ["scatter_add", "[0, 4)"]),
    (lambda: X.masked_fill(X > 1, tg.ones(2)), ValueError, ["masked_fill", "0-d"]),
    (lambda: X.masked_fill(np.ones(4), 0.0), TypeError, ["masked_fill", "bool"]),
    (lambda: X.masked_fill(np.ones((2, 4), bool), 0.0), ValueError, ["masked_fill", "(2, 4)", "(3, 4)"]),
    (lambda: X.masked_select(np.ones(5, bool)), ValueError, ["masked_select", "(5,)", "(3, 4)"]),
    (lambda: tg.ones(3).tril(), ValueError, ["tril", "(3,)"]),
    (lambda: tg.ones(2, 2, 2).diag(), ValueError, ["diag", "(2, 2, 2)"]),
    (lambda: X.diagonal(0, 1, -1), ValueError, ["diagonal", "same axis"]),
    (lambda: X.flip(0, -2), ValueError, ["flip", "twice"]),
    (lambda: X.roll((1, 2), 0), ValueError, ["roll", "same length"]),
    (lambda: X.roll((1, 2)), ValueError, ["roll", "one number"]),
])
def test_bad_arguments_are_named(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} not in: {info.value}"


def test_index_and_mask_may_be_tensors_and_gather_gradients_add_up():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.gather(0, tg.tensor([2, 2, 0]))
    y.backward(tg.tensor([1.0, 10.0, 100.0]))
    assert y.tolist() == [3.0, 3.0, 1.0] and x.grad.tolist() == [100.0, 0.0, 11.0]
    assert x.masked_fill(tg.tensor([True, False, True]), -1.0).tolist() == [-1.0, 2.0, -1.0]


def test_zero_dim_inputs_as_pytorch():
    x = tg.tensor(5.0, requires_grad=True)
    assert x.gather(0, np.array(0)).shape == ()
    assert x.scatter(0, np.array(0), tg.tensor(2.0)).item() == 2.0
    assert x.masked_select(np.array(True)).tolist() == [5.0]
    assert x.nonzero().shape == (1, 0) and [t.tolist() for t in x.nonzero(as_tuple=True)] == [[0]]
    assert x.flip(0).item() == 5.0 and x.roll(1).item() == 5.0


def test_float32_stays_float32_and_nonzero_is_int64_without_gradient():
    x = tg.tensor(np.ones((2, 2), np.float32), requires_grad=True)
    for y in (x.tril(), x.masked_fill(x > 0, 2), x.diag(), x.diagonal(), x.roll(1), x.flip(0),
              x.scatter(0, np.zeros((1, 2), np.int64), 0.5), x.scatter_add(0, np.zeros((1, 2), np.int64), x)):
        assert y.dtype == np.float32
    nz = x.nonzero()
    assert nz.dtype == np.int64 and not nz.requires_grad
