"""Layers against independent NumPy formulas, their initialisation, modes and errors."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn
from tinygrad_edu.nn import functional as F


def test_linear_init_choices_have_the_curriculums_scales():
    n = 400
    def std(init):
        return nn.Linear(n, 300, init=init, generator=0).weight.numpy().std()

    assert std("he") == std("kaiming") == pytest.approx(np.sqrt(2 / n), rel=0.03)
    assert std("lecun") == pytest.approx(np.sqrt(1 / n), rel=0.03)  # the book's "Xavier"
    assert std("xavier") == pytest.approx(np.sqrt(2 / (n + 300)), rel=0.03)  # Glorot's
    assert nn.Linear(n, 300, init=0.01, generator=0).weight.numpy().std() == pytest.approx(0.01, rel=0.03)
    default = nn.Linear(n, 300, generator=0)
    assert np.abs(default.weight.numpy()).max() <= 1 / np.sqrt(n) and default.bias.numpy().any()
    assert not nn.Linear(n, 3, init="he").bias.numpy().any()
    custom = nn.Linear(2, 2, init=lambda w, g: nn.init.constant_(w, 0.5))
    assert (custom.weight.numpy() == 0.5).all()
    a, b = nn.Linear(5, 5, init="he", generator=7), nn.Linear(5, 5, init="he", generator=7)
    assert np.array_equal(a.weight.numpy(), b.weight.numpy())
    with pytest.raises(ValueError, match="unknown name 'glorot'"):
        nn.Linear(2, 2, init="glorot")


def test_init_functions_match_pytorch_formulas():
    w = Tensor(np.zeros((200, 300)))
    nn.init.xavier_uniform_(w, generator=0)
    assert np.abs(w.numpy()).max() <= np.sqrt(6 / 500)
    nn.init.kaiming_uniform_(w, generator=0)
    assert w.numpy().var() == pytest.approx(2 / 300, rel=0.05)
    nn.init.xavier_normal_(w, generator=0)
    assert w.numpy().std() == pytest.approx(np.sqrt(2 / 500), rel=0.03)
    assert nn.init.fan_in_and_out(Tensor(np.zeros((8, 3, 5, 5)))) == (75, 200)


def test_batchnorm_training_eval_and_running_statistics_follow_pytorch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3, 4, 4)).astype(np.float32) * 2 + 1
    bn = nn.BatchNorm2d(3)
    y = bn(Tensor(x)).numpy()
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    expected = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)
    n = x.size / 3
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * var * n / (n - 1), rtol=1e-5)
    bn.eval()
    expected_eval = ((x - bn.running_mean.numpy()[None, :, None, None])
                     / np.sqrt(bn.running_var.numpy()[None, :, None, None] + 1e-5))
    np.testing.assert_allclose(bn(Tensor(x)).numpy(), expected_eval, rtol=1e-4, atol=1e-5)


def test_batchnorm_gradient_in_training_mode():
    bn = nn.BatchNorm1d(3).to(np.float64)
    x = Tensor(np.random.default_rng(1).standard_normal((5, 3)), requires_grad=True)
    assert tg.gradcheck(lambda x, w, b: bn(x) * Tensor(np.arange(15.0).reshape(5, 3)), (x, bn.weight, bn.bias))


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="BatchNorm2d: expected an input with 4 axes"):
        nn.BatchNorm2d(3)(tg.zeros(2, 3))
    with pytest.raises(ValueError, match="more than one value per channel"):
        nn.BatchNorm1d(3)(tg.zeros(1, 3))
    with pytest.raises(ValueError, match=r"running_mean of shape \(3,\) does not match 4 channels"):
        nn.BatchNorm1d(3)(tg.zeros(2, 4))


def test_dropout_keeps_the_mean_in_training_and_is_the_identity_in_eval():
    drop = nn.Dropout(0.3, generator=0)
    x = tg.ones(200_000)
    y = drop(x).numpy()
    assert (y == 0).mean() == pytest.approx(0.3, abs=0.01)
    assert y.mean() == pytest.approx(1.0, abs=0.01) and set(np.unique(y)) == {0.0, np.float32(1 / 0.7)}
    assert drop.eval()(x) is x
    assert np.array_equal(nn.Dropout(0.5, generator=3)(x).numpy(), nn.Dropout(0.5, generator=3)(x).numpy())
    with pytest.raises(ValueError, match="p must be in"):
        nn.Dropout(1.5)


def test_conv_and_pool_layers_shapes_and_errors():
    conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
    assert conv.weight.shape == (8, 3, 3, 3)
    x = tg.randn(2, 3, 9, 9)
    assert conv(x).shape == (2, 8, 5, 5)
    assert nn.MaxPool2d(2)(x).shape == (2, 3, 4, 4) and nn.AvgPool2d(3, stride=1)(x).shape == (2, 3, 7, 7)
    assert nn.Flatten()(x).shape == (2, 243)
    with pytest.raises(ValueError, match=r"conv2d: weight of shape \(8, 3, 3, 3\).*\(2, 4, 9, 9\)"):
        conv(tg.randn(2, 4, 9, 9))
    assert conv(tg.randn(3, 9, 9)).shape == conv(tg.randn(1, 3, 9, 9)).shape[1:]  # one unbatched image, as PyTorch
    with pytest.raises(ValueError, match=r"conv2d: input must be \(batch, channels, height, width\) or one unbatched"):
        conv(tg.randn(9, 9))
    with pytest.raises(ValueError, match="larger than the padded input"):
        nn.MaxPool2d(5)(tg.randn(1, 1, 3, 3))


def test_max_pool_of_an_image_by_hand():
    x = Tensor(np.array([[[[1.0, 2.0, 5.0, 0.0], [3.0, 4.0, 1.0, 1.0],
                           [0.0, 0.0, 2.0, 2.0], [0.0, 9.0, 2.0, 2.0]]]]), requires_grad=True)
    y = F.max_pool2d(x, 2)
    np.testing.assert_array_equal(y.numpy(), [[[[4.0, 5.0], [9.0, 2.0]]]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0],  # tied maxima: the first gets it all, as in PyTorch
                                  [[0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]])


def test_embedding_and_activation_modules():
    emb = nn.Embedding(5, 3, generator=0)
    out = emb(np.array([[0, 4], [4, 4]]))
    assert out.shape == (2, 2, 3) and np.array_equal(out.numpy()[0, 1], emb.weight.numpy()[4])
    out.sum().backward()
    assert emb.weight.grad.numpy()[4].tolist() == [3.0, 3.0, 3.0]
    with pytest.raises(ValueError, match="label 5 is out of range for 5 classes"):
        emb(np.array([5]))
    x = Tensor([-1.0, 0.5])
    for module, expected in [(nn.ReLU(), [0, 0.5]), (nn.LeakyReLU(0.1), [-0.1, 0.5]), (nn.Identity(), [-1, 0.5]),
                             (nn.Tanh(), np.tanh([-1, 0.5])), (nn.Sigmoid(), 1 / (1 + np.exp([1, -0.5])))]:
        np.testing.assert_allclose(module(x).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(nn.Softmax()(x).numpy().sum(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(nn.LogSoftmax()(x).exp().numpy(), nn.Softmax()(x).numpy(), rtol=1e-6)


def test_loss_modules_match_functional_and_reject_bad_reductions():
    x, labels = Tensor(np.random.default_rng(0).standard_normal((4, 3))), np.array([0, 2, 1, 1])
    assert nn.CrossEntropyLoss()(x, labels).item() == F.cross_entropy(x, labels).item()
    assert (nn.NLLLoss(reduction="sum")(x.log_softmax(), labels).item()
            == pytest.approx(F.cross_entropy(x, labels, "sum").item()))
    assert nn.MSELoss()(x, np.zeros((4, 3))).item() == pytest.approx((x.numpy() ** 2).mean())
    p = x.sigmoid()
    assert nn.BCELoss()(p, np.ones((4, 3))).item() == pytest.approx(nn.BCEWithLogitsLoss()(x, np.ones((4, 3))).item())
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


def test_loss_errors_and_edge_values():
    with pytest.raises(ValueError, match=r"mse_loss: target of shape \(3,\) does not match input of shape \(2,\)"):
        F.mse_loss(tg.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="probabilities in"):
        F.binary_cross_entropy(Tensor([1.5]), np.ones(1))
    certain = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    loss = F.binary_cross_entropy(certain, np.array([1.0, 1.0]))
    assert loss.item() == pytest.approx(50.0, rel=1e-3)  # -log clipped at -100, as in PyTorch
    loss.backward()
    assert np.isfinite(certain.grad.numpy()).all()
    assert F.binary_cross_entropy(Tensor([0.0]), np.ones(1)).item() == pytest.approx(-np.log(np.finfo(np.float32).tiny))
    big = F.binary_cross_entropy_with_logits(Tensor([1000.0, -1000.0]), np.array([0.0, 1.0]), "none")
    np.testing.assert_allclose(big.numpy(), [1000.0, 1000.0])
    assert F.accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1])) == 0.5
    assert F.accuracy(np.array([[0.1, 0.9]]), np.array([[0, 1]])) == 1.0
    w = Tensor([3.0, 4.0], requires_grad=True)
    assert F.l2_penalty([w], 0.1).item() == pytest.approx(1.25)
