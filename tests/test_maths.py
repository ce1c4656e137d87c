"""Elementwise maths at the points the op table's rows never draw: signs of the two remainders,
integer inputs, infinities, -0.0, zero divisors, float32, and the steps' zero gradient."""
import numpy as np
import pytest

import tinygrad_edu as tg
from torch_refs import torch

STEPS = ["sign", "round", "floor", "ceil", "trunc"]


def _need_torch():
    if torch is None:
        pytest.skip("PyTorch is not installed")


@pytest.mark.parametrize("name", ["fmod", "remainder", "floor_divide"])
def test_remainders_take_pytorchs_signs(name):
    _need_torch()
    a, b = np.array([-5.5, 5.5, -5.5, 5.5, 3.0]), np.array([2.0, 2.0, -2.0, -2.0, 1.5])
    ours = getattr(tg.Tensor(a), name)(tg.Tensor(b)).numpy()
    np.testing.assert_array_equal(ours, getattr(torch.tensor(a), name)(torch.tensor(b)).numpy())


def test_percent_is_remainder_and_fmod_keeps_the_dividends_sign():
    x = tg.Tensor([-5.5, 5.5])
    np.testing.assert_array_equal((x % 2.0).numpy(), [0.5, 1.5])
    np.testing.assert_array_equal(x.fmod(2.0).numpy(), [-1.5, 1.5])
    np.testing.assert_array_equal((x // 2.0).numpy(), [-3.0, 2.0])


@pytest.mark.parametrize("name", STEPS + ["log2", "exp2", "asinh", "rsqrt"])
def test_integer_inputs_give_pytorchs_dtypes(name):
    _need_torch()
    values = [1, 3, 4] if name in ("rsqrt", "log2") else [-3, 0, 4]
    ours = getattr(tg.tensor(values), name)()
    theirs = getattr(torch.tensor(values), name)() if name != "round" else torch.tensor(values)  # no int round
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", STEPS)
def test_steps_pass_a_zero_gradient(name):
    x = tg.Tensor([-1.3, 0.0, 0.5, 2.5], requires_grad=True)
    getattr(x, name)().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(4))


def test_float32_stays_float32():
    x = tg.Tensor(np.float32([0.25, 0.5]))
    for name in ["sign", "floor", "rsqrt", "log2", "log10", "exp2", "tan", "asin", "acos", "atan", "sinh", "cosh",
                 "asinh", "atanh"]:
        assert getattr(x, name)().dtype == np.float32, name
    assert (x + 1).acosh().dtype == np.float32
    for name in ["logaddexp", "copysign", "fmod", "remainder"]:
        assert getattr(x, name)(2.0).dtype == np.float32, name
    assert x.lerp(x * 2, 0.5).dtype == x.lerp(x * 2, x).dtype == np.float32


def test_logaddexp_of_infinities_and_copysign_of_negative_zero():
    _need_torch()
    a, b = np.array([np.inf, -np.inf, -np.inf, 1.0]), np.array([np.inf, -np.inf, 1.0, np.inf])
    with np.errstate(divide="ignore"):
        ours = tg.Tensor(a).logaddexp(tg.Tensor(b)).numpy()
    np.testing.assert_array_equal(ours, torch.logaddexp(torch.tensor(a), torch.tensor(b)).numpy())
    np.testing.assert_array_equal(tg.Tensor([1.0, 2.0]).copysign(tg.Tensor([-0.0, 0.0])).numpy(), [-1.0, 2.0])


def test_copysign_and_fmod_gradients_match_pytorch():
    _need_torch()
    a = np.array([-1.5, 0.0, 2.5, 7.0])
    for name, b in [("copysign", [2.0, -1.0, -0.0, -3.0]), ("fmod", [2.0, -1.0, -0.5, -3.0]),
                    ("remainder", [2.0, -1.0, -0.5, -3.0])]:
        xs = [tg.Tensor(v, requires_grad=True) for v in (a, np.array(b))]
        ts = [torch.tensor(v, requires_grad=True) for v in (a, np.array(b))]
        getattr(xs[0], name)(xs[1]).sum().backward()
        getattr(ts[0], name)(ts[1]).sum().backward()
        for x, t in zip(xs, ts):
            got = np.zeros_like(a) if x.grad is None else x.grad.numpy()
            np.testing.assert_array_equal(got, t.grad.numpy(), err_msg=name)


def test_fmod_by_zero_is_nan_and_shapes_are_named():
    assert np.isnan(tg.Tensor([1.0, -2.0]).fmod(0.0).numpy()).all()
    with pytest.raises(ValueError, match=r"fmod: shapes \(2,\) and \(3,\)"):
        tg.Tensor([1.0, 2.0]).fmod(tg.Tensor([1.0, 2.0, 3.0]))
