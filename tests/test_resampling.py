"""Resampling layers against PyTorch's modules (forward and the gradient of sum(y * g), float64 and
float32), their reprs, and the error messages of F.pad, F.interpolate and adaptive pooling. The
functions themselves are rows of the op table (op_db.py)."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch")

LAYERS = [
    (lambda m: m.AdaptiveAvgPool1d(3), (2, 3, 5)),
    (lambda m: m.AdaptiveAvgPool1d(4), (3, 7)),
    (lambda m: m.AdaptiveAvgPool2d((2, 3)), (2, 3, 5, 4)),
    (lambda m: m.AdaptiveAvgPool2d((None, 2)), (3, 5, 5)),
    (lambda m: m.AdaptiveAvgPool2d(1), (2, 2, 3, 3)),
    (lambda m: m.AdaptiveMaxPool2d((3, 2)), (2, 3, 5, 4)),
    (lambda m: m.AdaptiveMaxPool2d(4), (3, 5, 6)),
    (lambda m: m.Upsample(scale_factor=2), (1, 2, 3, 4)),
    (lambda m: m.Upsample(size=(5, 3), mode="bilinear"), (2, 1, 3, 4)),
    (lambda m: m.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True), (1, 2, 3, 4)),
    (lambda m: m.Upsample(size=7, mode="linear"), (2, 2, 4)),
    (lambda m: m.ReflectionPad2d(2), (1, 2, 3, 4)),
    (lambda m: m.ReflectionPad2d((1, 0, 2, 1)), (2, 3, 4)),
    (lambda m: m.ReplicationPad2d((3, 1, 0, 2)), (2, 1, 2, 3)),
    (lambda m: m.ZeroPad2d((1, 2, -1, 1)), (2, 1, 3, 3)),
    (lambda m: m.ConstantPad2d(1, 3.5), (2, 3, 4)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("make, shape", LAYERS, ids=lambda v: repr(v(torch.nn)) if callable(v) else str(v))
def test_layer_matches_torch(make, shape, dtype):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape).astype(dtype)
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    x, t = tg.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, y_torch = ours(x), theirs(t)
    assert y.shape == tuple(y_torch.shape) and y.dtype == dtype
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.numpy(), y_torch.detach().numpy(), **tol)
    g = rng.standard_normal(y.shape).astype(dtype)
    (y * g).sum().backward()
    y_torch.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), **tol)


def test_layers_hold_no_parameters_and_export_from_nn():
    for name in ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Upsample", "ReflectionPad2d",
                 "ReplicationPad2d", "ZeroPad2d", "ConstantPad2d"]:
        assert name in nn.__all__
    assert list(nn.Upsample(scale_factor=2).parameters()) == []


def test_nearest_keeps_integers_and_linear_keeps_float32():
    x = tg.Tensor(np.arange(6).reshape(1, 2, 3))
    assert F.interpolate(x, size=5).dtype == x.dtype
    assert F.interpolate(x.astype(np.float32), size=5, mode="linear").dtype == np.float32


def _x(*shape):
    return tg.Tensor(np.zeros(shape))


ERRORS = [
    (lambda: F.pad(_x(1, 2, 3), (1, 1), mode="bogus"), "pad: unknown mode 'bogus'"),
    (lambda: F.pad(_x(1, 2, 3), (1,)), r"pad \(mode 'constant'\): pad length must be divisible by 2.*\(1, 2, 3\)"),
    (lambda: F.pad(_x(2, 3), (1, 1, 1, 1, 1, 1)), r"pads 3 axes but the input of shape \(2, 3\) has 2"),
    (lambda: F.pad(_x(1, 2, 3), (-2, -2)), r"crops axis 2 of input shape \(1, 2, 3\) below length 0"),
    (lambda: F.pad(_x(1, 2, 3), (3, 0), mode="reflect"),
     r"pad \(mode 'reflect'\): pad \(3, 0\) does not fit axis 2 of input shape \(1, 2, 3\).*each pad < the length 3"),
    (lambda: F.pad(_x(1, 2, 3), (1, 4), mode="circular"), r"pad \(mode 'circular'\).*cropped length 3"),
    (lambda: F.pad(_x(3), (1, 1), mode="replicate"), r"pad \(mode 'replicate'\).*input shape \(3,\)"),
    (lambda: F.pad(_x(1, 2, 3), (1, 1), mode="reflect", value=2.0), r"pad \(mode 'reflect'\): takes no value"),
    (lambda: F.interpolate(_x(1, 2, 3), size=4, scale_factor=2), r"give exactly one of size or scale_factor"),
    (lambda: F.interpolate(_x(1, 2, 3)), r"give exactly one of size or scale_factor"),
    (lambda: F.interpolate(_x(1, 2, 3), size=4, mode="bilinear"),
     r"interpolate \(mode 'bilinear'\): needs 4-D input .* got shape \(1, 2, 3\)"),
    (lambda: F.interpolate(_x(1, 2, 3), size=4, mode="cubic"), r"interpolate: unknown mode 'cubic'"),
    (lambda: F.interpolate(_x(1, 2, 3), size=4, align_corners=True), r"align_corners applies only to the linear"),
    (lambda: F.interpolate(_x(1, 2, 3, 4), size=(3,)), r"size \(3,\) must be one positive int per spatial axis"),
    (lambda: F.interpolate(_x(1, 2, 3), scale_factor=0.2), r"scale_factor 0.2 gives output size \(0,\)"),
    (lambda: F.adaptive_avg_pool2d(_x(4), 2), r"adaptive_avg_pool2d: needs a 3-D or 4-D input.*\(4,\)"),
    (lambda: F.adaptive_avg_pool2d(_x(1, 2, 3), (2, 2, 2)), r"output_size \(2, 2, 2\) must be 2 positive"),
    (lambda: F.adaptive_avg_pool1d(_x(1, 2, 3, 4), 2), r"adaptive_avg_pool1d: needs a 2-D or 3-D input"),
    (lambda: F.adaptive_max_pool2d(_x(1, 2, 3), 2, return_indices=True), r"adaptive_max_pool2d: return_indices"),
    (lambda: F.adaptive_max_pool2d(_x(2, 0, 3), 2), r"adaptive_max_pool2d: needs .* got shape \(2, 0, 3\)"),
    (lambda: nn.ZeroPad2d((1, 2)), r"ZeroPad2d: padding must be an int or \(left, right, top, bottom\)"),
]


@pytest.mark.parametrize("call, message", ERRORS, ids=[e[1] for e in ERRORS])
def test_errors_name_the_op_the_mode_and_the_shapes(call, message):
    with pytest.raises((ValueError, TypeError, NotImplementedError), match=message):
        call()


@pytest.mark.parametrize("shape, scale", [((1, 1, 3, 3), 1.3), ((1, 1, 2, 4), (1, 2.1)), ((2, 1, 5, 3), (2.1, 1.2))])
def test_nearest_takes_torchs_shortcuts_for_the_same_and_twice_the_size(shape, scale):
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    np.testing.assert_array_equal(F.interpolate(tg.Tensor(x), scale_factor=scale).numpy(),
                                  torch.nn.functional.interpolate(torch.tensor(x), scale_factor=scale).numpy())


def test_interpolating_an_empty_axis_is_refused_by_name():
    with pytest.raises(ValueError, match=r"interpolate \(mode 'bilinear'\): input of shape \(1, 1, 0, 4\) has an "
                                         "empty spatial axis"):
        F.interpolate(tg.zeros(1, 1, 0, 4), size=(2, 2), mode="bilinear")
