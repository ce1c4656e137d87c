"""nn.functional: the fused layer and loss against independent formulas, and their errors."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.nn import functional as F


def test_linear_uses_pytorch_weight_layout():
    x, w, b = np.ones((2, 3)), np.arange(12.0).reshape(4, 3), np.arange(4.0)
    np.testing.assert_allclose(F.linear(Tensor(x), Tensor(w), Tensor(b)).numpy(), x @ w.T + b)


def test_linear_shape_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 3\).*weight of shape \(4, 5\)"):
        F.linear(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5))))
    with pytest.raises(ValueError, match=r"bias of shape \(3,\)"):
        F.linear(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 3))), Tensor(np.ones(3)))


def test_cross_entropy_labels_and_one_hot_agree_with_the_book_example():
    # the lecture's example: softmax outputs t=2 scored against p = [.1 .05 .6 0 .05 .1 0 .1 0 0]
    p = np.array([[0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]])
    logits = Tensor(np.log(p + 1e-12))
    by_label = F.cross_entropy(logits, np.array([2]))
    by_one_hot = F.cross_entropy(logits, F.one_hot(np.array([2]), 10).numpy())
    assert by_label.item() == pytest.approx(-np.log(0.6), rel=1e-6)
    assert by_one_hot.item() == pytest.approx(by_label.item())


def test_cross_entropy_is_finite_for_huge_logits():
    x = Tensor(np.array([[1e4, 0.0, -1e4]], np.float32), requires_grad=True)
    loss = F.cross_entropy(x, np.array([2]))
    assert loss.item() == pytest.approx(2e4)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1.0, 0.0, -1.0]])
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize("target, message", [
    (np.array([0, 10]), r"label 10 is out of range for 10 classes"),
    (np.array([0, -1]), r"label -1 is out of range"),
    (np.array([0, 1, 2]), r"labels of shape \(3,\) do not match logits of shape \(2, 10\)"),
    (np.ones((2, 9)), r"probabilities of shape \(2, 9\) do not match logits of shape \(2, 10\)"),
])
def test_cross_entropy_bad_targets_are_named(target, message):
    with pytest.raises(ValueError, match=message):
        F.cross_entropy(Tensor(np.zeros((2, 10))), target)


def test_cross_entropy_reduction_and_one_hot_errors():
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 1]), reduction="avg")
    with pytest.raises(TypeError, match="integers"):
        F.one_hot(np.array([0.5]), 3)
    assert F.one_hot(tg.Tensor(np.array([1, 0])), 2).numpy().tolist() == [[0, 1], [1, 0]]
