"""Anomaly mode: the first NaN or Inf made in forward or backward names the op and the user's line."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor


def test_a_nan_made_in_forward_names_the_op_and_this_line():
    x = Tensor([1.0, -1.0], requires_grad=True)
    with np.errstate(invalid="ignore"), tg.detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"log produced NaN or Inf in its forward pass") as info:
            (x.log() * 2).sum()  # the culprit
    assert "test_anomaly.py" in str(info.value) and "the culprit" in str(info.value)


def test_an_inf_made_in_backward_names_the_op_and_where_it_was_created():
    x = Tensor([1.0, 0.0], requires_grad=True)
    with np.errstate(divide="ignore"), tg.detect_anomaly():
        y = x.sqrt().sum()  # finite forward; d sqrt(x)/dx is infinite at 0
        with pytest.raises(FloatingPointError, match=r"pow.backward produced NaN or Inf .* input 0") as info:
            y.backward()
    assert "finite forward" in str(info.value)


def test_nan_passed_in_is_not_blamed_on_the_op_and_outside_the_mode_nothing_is_checked():
    with tg.detect_anomaly():
        y = Tensor([np.nan, 1.0]) * 2  # the NaN came in: not this op's doing
    assert np.isnan(y.numpy()[0])
    with np.errstate(divide="ignore"):
        z = Tensor([0.0], requires_grad=True).log()  # no anomaly mode: -inf passes silently
    assert np.isinf(z.item())


def test_the_mode_is_restored_after_an_error():
    with pytest.raises(ZeroDivisionError):
        with tg.detect_anomaly():
            1 / 0
    x = Tensor([-1.0], requires_grad=True)
    with np.errstate(invalid="ignore"):
        assert np.isnan(x.log().item())  # no error: the mode is off again
