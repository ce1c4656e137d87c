"""The book's loops port cleanly: accuracy infers, the gradient check of chapter 6 runs on
MultiLayerNet, float32 differences warn, and init names ignore case."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.models import MultiLayerNet, SimpleConvNet, TwoLayerNet

RNG = np.random.default_rng(0)
X, LABELS = RNG.standard_normal((8, 12)), np.array([0, 1, 2, 0, 1, 2, 0, 1])


def extend_net(**options):
    """The book's MultiLayerNetExtend: batch norm and dropout."""
    return MultiLayerNet(12, [6, 5], 3, use_batchnorm=True, use_dropout=True, dropout_ratio=0.5,
                         generator=0, **options)


def running_stats(model):
    return {name: b.numpy().copy() for name, b in model.named_buffers()}


def test_accuracy_infers_dropout_off_batch_norm_frozen_no_graph():
    model, seen = extend_net(), []
    for m in model.modules():
        if isinstance(m, (nn.Dropout, nn.BatchNorm1d)):
            m.register_forward_hook(lambda m, args, out: seen.append((type(m).__name__, m.training,
                                                                      tg.is_grad_enabled(), out.requires_grad)))
    x = tg.Tensor(X.astype(np.float32))
    model.loss(x, LABELS).backward()  # one training step's forward moves the running statistics...
    seen.clear()
    before = running_stats(model)
    first = model.accuracy(x, LABELS)
    assert seen and all(entry[1:] == (False, False, False) for entry in seen), seen
    for name, value in running_stats(model).items():  # ...accuracy does not
        assert np.array_equal(value, before[name]), name
    assert all(model.accuracy(x, LABELS) == first for _ in range(5))  # no dropout: the same every time
    model.eval()
    with tg.no_grad():
        assert first == tg.nn.functional.accuracy(model(x), LABELS)


@pytest.mark.parametrize("mode", [True, False])
def test_accuracy_restores_the_mode(mode):
    model = extend_net().train(mode)
    model.accuracy(tg.Tensor(X.astype(np.float32)), LABELS)
    assert all(m.training is mode for m in model.modules())
    assert tg.is_grad_enabled()


def test_accuracy_restores_each_modules_own_mode():
    model = extend_net()
    dropouts = [m for m in model.modules() if isinstance(m, nn.Dropout)]
    for m in dropouts:  # a training model with dropout switched off by hand
        m.eval()
    model.accuracy(tg.Tensor(X.astype(np.float32)), LABELS)
    assert model.training and not any(m.training for m in dropouts)
    assert all(m.training for m in model.modules() if isinstance(m, nn.BatchNorm1d))


def test_accuracy_restores_the_mode_when_the_forward_fails():
    model = extend_net()
    with pytest.raises(ValueError, match="linear"):
        model.accuracy(tg.Tensor(np.ones((2, 7), dtype=np.float32)), LABELS[:2])  # 7 features, not 12
    assert all(m.training for m in model.modules()) and tg.is_grad_enabled()


def test_the_books_batch_norm_gradient_check_runs_on_multi_layer_net():
    """ch06/gradient_check.py with MultiLayerNetExtend: float64, batch norm in training mode."""
    model = MultiLayerNet(12, [10, 10], 3, use_batchnorm=True, weight_decay_lambda=0.1,
                          generator=0).to(np.float64)
    x = tg.Tensor(X)
    before = running_stats(model)
    numerical = model.numerical_gradient(x, LABELS)
    for name, value in running_stats(model).items():  # the hundreds of forwards left no trace
        assert np.array_equal(value, before[name]), name
    backprop = model.gradient(x, LABELS)
    assert list(numerical) == list(backprop) == [name for name, _ in model.named_parameters()]
    assert any("layers.1" in name for name in numerical)  # batch norm's gamma and beta are checked
    for name in numerical:
        difference = np.abs(numerical[name] - backprop[name])
        print(f"{name}: mean {difference.mean():.2e}")  # the book prints this mean
        assert difference.max() < 1e-6, name


@pytest.mark.parametrize("make, x", [
    (lambda: TwoLayerNet(12, 5, 3, generator=0), X),
    (lambda: SimpleConvNet((1, 6, 6), filter_num=2, filter_size=3, hidden_size=4, output_size=3,
                           weight_init_std=0.3, generator=0), RNG.standard_normal((8, 1, 6, 6))),
])
def test_every_reference_classifier_has_both_gradients(make, x):
    model = make().to(np.float64)
    numerical, backprop = model.numerical_gradient(tg.Tensor(x), LABELS), model.gradient(tg.Tensor(x), LABELS)
    for name in numerical:
        assert np.abs(numerical[name] - backprop[name]).max() < 1e-6, name


def test_numerical_gradient_of_a_float32_model_warns():
    model = TwoLayerNet(3, 2, 2, generator=0)
    with pytest.warns(UserWarning, match="float32"):
        model.numerical_gradient(tg.Tensor(np.ones((2, 3), dtype=np.float32)), np.array([0, 1]))


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


@pytest.mark.parametrize("name, same_as", [("He", "he"), ("Kaiming", "kaiming"), ("XAVIER", "xavier"),
                                           ("Relu", "relu"), ("Sigmoid", "sigmoid"), ("LeCun", "lecun"),
                                           ("Default", "default")])
def test_init_names_ignore_case(name, same_as):
    a = nn.Linear(20, 5, init=name, generator=0)
    b = nn.Linear(20, 5, init=same_as, generator=0)
    assert np.array_equal(a.weight.numpy(), b.weight.numpy())
    assert np.array_equal(a.bias.numpy(), b.bias.numpy())


def test_an_unknown_init_name_is_still_refused():
    with pytest.raises(ValueError, match="unknown name 'Glorot'"):
        nn.Linear(4, 2, init="Glorot")
