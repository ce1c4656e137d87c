"""Activation modules (nn/activations.py) and functions (nn/functional_activations.py) beyond what
the op table checks: each module is its functional form and holds no parameters; erf's accuracy;
gelu against PyTorch over a wide range; float32 in, float32 out; the errors."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn, ops
from tinygrad_edu.nn import functional as F
from tinygrad_edu.ops.special import erf

X = np.linspace(-7.0, 7.0, 113)  # 0 and +-1, +-3, +-6 (the kinks) are not on it

MODULES = [
    (nn.GELU(), lambda x: F.gelu(x)),
    (nn.GELU(approximate="tanh"), lambda x: F.gelu(x, approximate="tanh")),
    (nn.SiLU(), F.silu),
    (nn.ELU(alpha=0.5), lambda x: F.elu(x, 0.5)),
    (nn.SELU(), F.selu),
    (nn.CELU(alpha=2.0), lambda x: F.celu(x, 2.0)),
    (nn.Mish(), F.mish),
    (nn.Hardtanh(-2.0, 0.5), lambda x: F.hardtanh(x, -2.0, 0.5)),
    (nn.ReLU6(), F.relu6),
    (nn.Hardswish(), F.hardswish),
    (nn.Hardsigmoid(), F.hardsigmoid),
    (nn.Softsign(), F.softsign),
    (nn.LogSigmoid(), F.logsigmoid),
    (nn.Softmin(dim=0), lambda x: F.softmin(x, 0)),
    (nn.Softplus(beta=2.0, threshold=3.0), lambda x: F.softplus(x, 2.0, 3.0)),
]


@pytest.mark.parametrize("module, functional", MODULES, ids=lambda m: repr(m) if isinstance(m, nn.Module) else "")
def test_each_module_is_its_functional_form_and_has_no_parameters(module, functional):
    x = Tensor(X.reshape(113, 1) * np.array([1.0, -0.5]), requires_grad=True)
    assert list(module.parameters()) == [] and module.state_dict() == {}
    g = np.cos(np.arange(226.0)).reshape(113, 2)
    y, expected = module(x), functional(x)
    np.testing.assert_array_equal(y.numpy(), expected.numpy())
    np.testing.assert_array_equal(*(tg.grad(out, [x], grad_outputs=Tensor(g))[0].numpy() for out in (y, expected)))
    assert module(Tensor(X.astype(np.float32))).dtype == np.float32


def test_erf_is_within_a_few_units_in_the_last_place_everywhere():
    x = np.concatenate([np.linspace(-30, 30, 20001), np.geomspace(1e-300, 1, 300), -np.geomspace(1e-300, 1, 300),
                        [0.0, 0.46875, -4.0, 27.0, np.inf, -np.inf]])
    expected = np.array([math.erf(v) for v in x])
    ulps = np.abs(erf(np, x) - expected) / np.spacing(np.abs(expected) + 1e-300)
    assert ulps.max() <= 4
    assert np.isnan(erf(np, np.array([np.nan]))).all()
    y32 = ops.Erf.apply(Tensor(np.float32([0.5, -2.0])))
    assert y32.dtype == np.float32 and np.allclose(y32.numpy(), [math.erf(0.5), math.erf(-2.0)], rtol=1e-7)


def test_erf_gradient_is_exact_and_differentiates_again():
    x = Tensor(np.array([-2.5, -0.3, 0.0, 1.25]), requires_grad=True)
    (dx,) = tg.grad(ops.Erf.apply(x).sum(), [x], create_graph=True)
    np.testing.assert_allclose(dx.numpy(), 2 / np.sqrt(np.pi) * np.exp(-x.numpy() ** 2), rtol=1e-15)
    (ddx,) = tg.grad(dx.sum(), [x])
    np.testing.assert_allclose(ddx.numpy(), -4 * x.numpy() / np.sqrt(np.pi) * np.exp(-x.numpy() ** 2), rtol=1e-14)


def test_gelu_matches_pytorch_within_1e_6_relative_over_a_wide_range():
    torch = pytest.importorskip("torch")
    x = np.linspace(-5.0, 30.0, 7001)
    for approximate in ("none", "tanh"):
        ours = F.gelu(Tensor(x), approximate).numpy()
        theirs = torch.nn.functional.gelu(torch.tensor(x), approximate=approximate).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-300)


def test_softplus_switches_to_x_above_the_threshold_as_pytorch():
    x = Tensor(np.array([-30.0, 0.0, 19.0, 21.0, 1e4]), requires_grad=True)
    y = F.softplus(x)
    assert y.numpy()[3:].tolist() == [21.0, 1e4] and y.numpy()[0] == pytest.approx(np.exp(-30.0), rel=1e-12)
    y.sum().backward()
    assert x.grad.numpy()[1] == 0.5 and x.grad.numpy()[3:].tolist() == [1.0, 1.0]
    assert x.softplus(beta=-1.0).numpy()[1] == pytest.approx(-np.log(2))  # PyTorch allows a negative beta


def test_large_inputs_neither_overflow_nor_give_nan_gradients():
    x = Tensor(np.array([-1e4, -50.0, 50.0, 1e4]), requires_grad=True)
    for f in (F.elu, F.selu, F.celu, F.silu, F.mish, F.logsigmoid, F.gelu, F.softsign, F.hardswish):
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is right
            y = f(x)
        (g,) = tg.grad(y.sum(), [x])
        assert np.isfinite(y.numpy()).all() and np.isfinite(g.numpy()).all(), f.__name__


def test_bad_settings_name_the_function():
    x = Tensor(np.zeros(3))
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', got 'exact'"):
        F.gelu(x, approximate="exact")
    with pytest.raises(ValueError, match="GELU: approximate"):
        nn.GELU("erf")
    with pytest.raises(ValueError, match=r"hardtanh: min_val \(2\) must not be greater than max_val \(1\)"):
        F.hardtanh(x, 2, 1)
    with pytest.raises(ValueError, match="Hardtanh: min_val"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.raises(ValueError, match="celu: alpha must not be 0"):
        F.celu(x, 0.0)
    with pytest.raises(ValueError, match="softplus: beta must not be 0"):
        F.softplus(x, beta=0)
    with pytest.raises(ValueError, match="Softplus: beta"):
        nn.Softplus(beta=0)


def test_integer_inputs_give_float32_as_pytorch_float_ops():
    x = Tensor(np.array([-2, 0, 3]))
    for f in (F.gelu, F.silu, F.elu, F.mish, F.softsign, F.logsigmoid, F.hardsigmoid, F.softplus):
        assert f(x).dtype == np.float32, f.__name__
    assert repr(nn.Sequential(nn.Linear(2, 2), nn.GELU(), nn.Softplus(beta=2.0)))  # prints like PyTorch's
