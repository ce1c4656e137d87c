"""Reference models: output shapes, a float64 gradient check of the whole model, and a few
training steps that lower the loss."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.models import MultiLayerNet, SimpleConvNet, SoftmaxRegression, StudySleepNet, TwoLayerNet
from tinygrad_edu.data import study_sleep

RNG = np.random.default_rng(0)
X_FLAT, X_IMAGE = RNG.standard_normal((6, 12)), RNG.standard_normal((6, 1, 8, 8))
LABELS = np.array([0, 1, 2, 0, 1, 2])

CASES = {
    "softmax regression": (lambda: SoftmaxRegression(12, 3, generator=0), X_FLAT),
    "two layer net": (lambda: TwoLayerNet(12, 5, 3, weight_init_std=0.5, generator=0), X_FLAT),
    "multi layer net": (lambda: MultiLayerNet(12, [6, 5], 3, weight_init_std="he", weight_decay_lambda=0.1,
                                              generator=0), X_FLAT),
    "multi layer net extend": (lambda: MultiLayerNet(12, [6, 5], 3, activation="tanh", weight_init_std="xavier",
                                                     use_batchnorm=True, use_dropout=True, dropout_ratio=0.2,
                                                     generator=0), X_FLAT),
    "simple conv net": (lambda: SimpleConvNet((1, 8, 8), filter_num=2, filter_size=3, hidden_size=4, output_size=3,
                                              weight_init_std=0.3, generator=0), X_IMAGE),
}


@pytest.mark.parametrize("name", CASES)
def test_output_shape(name):
    make, x = CASES[name]
    assert make()(tg.Tensor(x.astype(np.float32))).shape == (6, 3)


@pytest.mark.parametrize("name", CASES)
def test_whole_model_gradient_check_in_float64(name):
    make, x = CASES[name]
    model = make().to(np.float64)
    model.train()
    for m in model.modules():  # dropout is random per call; check the rest of the model
        if isinstance(m, tg.nn.Dropout):
            m.eval()
    assert tg.gradcheck(lambda *params: model.loss(tg.Tensor(x), LABELS), list(model.parameters()),
                        atol=1e-5, rtol=1e-3)


def sgd(model, loss, steps: int, lr: float) -> None:
    for _ in range(steps):
        model.zero_grad()
        loss().backward()
        with tg.no_grad():
            for p in model.parameters():
                p.data -= lr * p.grad.data


@pytest.mark.parametrize("name", CASES)
def test_a_few_training_steps_lower_the_loss(name):
    make, x = CASES[name]
    model, x = make(), tg.Tensor(x.astype(np.float32))
    first = model.loss(x, LABELS).item()
    sgd(model, lambda: model.loss(x, LABELS), steps=30, lr=0.1)
    model.eval()
    assert model.loss(x, LABELS).item() < first


def test_study_sleep_net_learns_the_lectures_scores():
    x, y = (tg.Tensor(a) for a in study_sleep())
    net = StudySleepNet(generator=0)
    first = net.loss(x, y).item()
    sgd(net, lambda: net.loss(x, y), steps=2000, lr=2.0)
    assert net.loss(x, y).item() < first / 20
    assert tg.gradcheck(lambda *p: net.loss(x.astype(np.float64), y.astype(np.float64)),
                        list(net.to(np.float64).parameters()))


def test_two_layer_net_numerical_and_backprop_gradients_agree():
    net = TwoLayerNet(12, 5, 3, generator=0).to(np.float64)
    x = tg.Tensor(X_FLAT)
    numerical, backprop = net.numerical_gradient(x, LABELS), net.gradient(x, LABELS)
    assert list(numerical) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    for name in numerical:
        assert np.abs(numerical[name] - backprop[name]).mean() < 1e-9, name


def test_model_arguments_are_checked():
    with pytest.raises(ValueError, match="activation"):
        MultiLayerNet(4, [3], 2, activation="swish")
    with pytest.raises(ValueError, match="too small"):
        SimpleConvNet((1, 4, 4), filter_size=5)


@pytest.mark.parametrize("name, std", [("relu", np.sqrt(2 / 400)), ("he", np.sqrt(2 / 400)),
                                       ("sigmoid", np.sqrt(1 / 400)), ("lecun", np.sqrt(1 / 400)),
                                       ("xavier", np.sqrt(2 / (400 + 300)))])
def test_multi_layer_net_init_names_mean_the_same_formula_as_in_linear(name, std):
    first = MultiLayerNet(400, [300], 10, weight_init_std=name, generator=0).weights()[0]
    assert first.numpy().std() == pytest.approx(std, rel=0.03)
