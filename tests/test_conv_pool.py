"""Convolution and pooling beyond the op table: max pooling's indices against PyTorch's (ties
included), each conv/pool Module against PyTorch's with copied weights, initial values, and the
errors that name the op and the sizes at fault."""
import itertools

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F


def _image(shape, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, shape) if ties else rng.standard_normal(shape)
    return x.astype(np.float64)


@pytest.mark.parametrize("kernel, stride, padding, dilation, ceil_mode",
                         [(2, None, 0, 1, False), (3, 2, 1, 1, True), (2, 1, 1, 2, False),
                          ((2, 3), (1, 2), (1, 1), 1, True), (3, 2, 0, 2, True)])
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
def test_max_pool2d_values_and_indices_match_torch(kernel, stride, padding, dilation, ceil_mode, ties):
    torch = pytest.importorskip("torch")
    x = _image((2, 3, 7, 6), ties=ties)
    y, i = F.max_pool2d(tg.Tensor(x), kernel, stride, padding, dilation, ceil_mode, return_indices=True)
    yt, it = torch.nn.functional.max_pool2d(torch.tensor(x), kernel, stride, padding, dilation, ceil_mode, True)
    np.testing.assert_array_equal(y.numpy(), yt.numpy())
    assert i.dtype == np.int64 and i.shape == tuple(it.shape)
    np.testing.assert_array_equal(i.numpy(), it.numpy())


@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
def test_max_pool1d_values_and_indices_match_torch(ties):
    torch = pytest.importorskip("torch")
    x = _image((2, 3, 9), ties=ties)
    for kernel, stride, padding, dilation, ceil_mode in [(2, None, 0, 1, False), (3, 2, 1, 2, True),
                                                         (2, 1, 1, 1, True)]:
        y, i = F.max_pool1d(tg.Tensor(x), kernel, stride, padding, dilation, ceil_mode, return_indices=True)
        yt, it = torch.nn.functional.max_pool1d(torch.tensor(x), kernel, stride, padding, dilation, ceil_mode, True)
        np.testing.assert_array_equal(y.numpy(), yt.numpy())
        np.testing.assert_array_equal(i.numpy(), it.numpy())


def test_max_pool2d_indices_by_hand():
    x = tg.Tensor(np.array([[[[1.0, 5.0, 2.0], [4.0, 3.0, 9.0], [7.0, 0.0, 8.0]]]]))
    y, i = F.max_pool2d(x, 2, 1, return_indices=True)
    np.testing.assert_array_equal(y.numpy()[0, 0], [[5.0, 9.0], [7.0, 9.0]])
    np.testing.assert_array_equal(i.numpy()[0, 0], [[1, 5], [6, 5]])
    assert not i.requires_grad


def _copy_weights(ours, theirs):
    ours.weight.data[...] = theirs.weight.detach().numpy()
    if theirs.bias is not None:
        ours.bias.data[...] = theirs.bias.detach().numpy()


MODULES = [
    ("Conv1d", (4, 6, 3), dict(stride=2, padding=1, dilation=2, groups=2), (2, 4, 11)),
    ("Conv1d", (3, 2, 4), dict(padding="same", bias=False), (2, 3, 7)),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2), (2, 4, 7, 8)),
    ("Conv2d", (3, 5, 3), dict(padding="same", dilation=2), (1, 3, 6, 7)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2), (2, 4, 4, 5)),
    ("ConvTranspose2d", (3, 2, (2, 3)), dict(stride=(1, 2), dilation=2, bias=False), (2, 3, 3, 4)),
]


@pytest.mark.parametrize("name, args, options, shape", MODULES, ids=[f"{m[0]}-{i}" for i, m in enumerate(MODULES)])
def test_conv_modules_match_torch_with_copied_weights(name, args, options, shape):
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, name)(*args, **options).double()
    ours = getattr(nn, name)(*args, **options, dtype=np.float64)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    _copy_weights(ours, theirs)
    x = _image(shape, seed=1)
    xt = torch.tensor(x, requires_grad=True)
    xg = tg.Tensor(x, requires_grad=True)
    y, yt = ours(xg), theirs(xt)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = _image(y.shape, seed=2)
    (y * tg.Tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-10, atol=1e-12)
    if theirs.bias is not None:
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-10, atol=1e-12)


POOLS = [
    ("MaxPool1d", (3,), dict(stride=2, padding=1, dilation=2, ceil_mode=True), (2, 3, 10)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True), (2, 3, 6, 7)),
    ("MaxPool2d", ((2, 3),), dict(stride=1, dilation=(2, 1)), (2, 3, 6, 7)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False), (2, 3, 10)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True), (2, 3, 6, 7)),
    ("AvgPool2d", (2,), dict(stride=1, divisor_override=3), (2, 3, 5, 4)),
]


@pytest.mark.parametrize("name, args, options, shape", POOLS, ids=[f"{m[0]}-{i}" for i, m in enumerate(POOLS)])
def test_pool_modules_match_torch(name, args, options, shape):
    torch = pytest.importorskip("torch")
    x = _image(shape, seed=3)
    np.testing.assert_allclose(getattr(nn, name)(*args, **options)(tg.Tensor(x)).numpy(),
                               getattr(torch.nn, name)(*args, **options)(torch.tensor(x)).numpy(), rtol=1e-12)


def test_max_pool_modules_return_indices():
    torch = pytest.importorskip("torch")
    x = _image((1, 2, 5, 6), seed=4)
    y, i = nn.MaxPool2d(2, return_indices=True)(tg.Tensor(x))
    yt, it = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(i.numpy(), it.numpy())
    y, i = nn.MaxPool1d(2, return_indices=True)(tg.Tensor(x[:, :, 0]))
    np.testing.assert_array_equal(i.numpy(), torch.nn.MaxPool1d(2, return_indices=True)(torch.tensor(x[:, :, 0]))[1])


@pytest.mark.parametrize("name, args, options", [("Conv1d", (4, 6, 3), dict(groups=2)),
                                                 ("Conv2d", (4, 6, 3), dict(groups=2)),
                                                 ("ConvTranspose2d", (4, 6, 3), dict(groups=2))])
def test_conv_modules_start_from_pytorchs_bounds(name, args, options):
    module = getattr(nn, name)(*args, **options, generator=0)
    fan_in = module.weight.shape[1] * int(np.prod(module.weight.shape[2:]))
    for p in (module.weight, module.bias):
        assert np.abs(p.numpy()).max() <= 1 / np.sqrt(fan_in)
        assert np.abs(p.numpy()).max() > 0.5 / np.sqrt(fan_in)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtypes_are_kept(dtype):
    x = tg.Tensor(_image((1, 4, 6, 6)).astype(dtype))
    for layer in (nn.Conv2d(4, 2, 3, groups=2, dilation=2, dtype=dtype), nn.ConvTranspose2d(4, 2, 3, 2, dtype=dtype),
                  nn.MaxPool2d(3, 2, 1, ceil_mode=True), nn.AvgPool2d(3, 2, 1, ceil_mode=True)):
        assert layer(x).dtype == dtype
    assert nn.Conv1d(4, 2, 3, dtype=dtype)(x[:, :, 0]).dtype == dtype


ERRORS = [
    (lambda: F.conv2d(tg.randn(1, 4, 5, 5), tg.randn(3, 2, 3, 3), groups=2),
     r"conv2d: in_channels \(4\) and out_channels \(3\) must both be divisible by groups \(2\)"),
    (lambda: F.conv2d(tg.randn(1, 4, 5, 5), tg.randn(4, 4, 3, 3), groups=2),
     r"conv2d: weight of shape \(4, 4, 3, 3\).*\(1, 4, 5, 5\).*groups=2"),
    (lambda: F.conv2d(tg.randn(1, 1, 5, 5), tg.randn(1, 1, 3, 3), dilation=3),
     r"conv2d: kernel \(3, 3\) \(dilation \(3, 3\), spanning \(7, 7\)\) is larger than the padded input \(5, 5\)"),
    (lambda: F.conv2d(tg.randn(1, 1, 5, 5), tg.randn(1, 1, 3, 3), stride=2, padding="same"),
     r"conv2d: padding='same' is not supported for strided convolutions"),
    (lambda: F.conv1d(tg.randn(1, 1, 5, 5), tg.randn(1, 1, 3)), r"conv1d: input must be \(batch, channels, length\)"),
    (lambda: F.conv_transpose2d(tg.randn(1, 2, 3, 3), tg.randn(2, 1, 3, 3), stride=2, output_padding=2),
     r"conv_transpose2d: output_padding \(2, 2\) must be smaller than either stride \(2, 2\) or dilation \(1, 1\)"),
    (lambda: F.conv_transpose2d(tg.randn(1, 2, 1, 1), tg.randn(2, 1, 1, 1), padding=1),
     r"conv_transpose2d: .* output size \(-1, -1\), which is not positive"),
    (lambda: F.conv_transpose2d(tg.randn(1, 3, 4, 4), tg.randn(3, 1, 3, 3), groups=2),
     r"conv_transpose2d: in_channels \(3\) .* groups \(2\)"),
    (lambda: F.max_pool2d(tg.randn(1, 1, 5, 5), 2, padding=2),
     r"max_pool2d: padding \(2, 2\) should be at most half of the kernel size \(2, 2\)"),
    (lambda: F.avg_pool1d(tg.randn(1, 1, 5), 3, padding=2), r"avg_pool1d: padding \(0, 2\) should be at most half"),
    (lambda: F.max_pool2d(tg.randn(1, 1, 4, 4), 3, dilation=2),
     r"max_pool2d: kernel \(3, 3\) \(dilation \(2, 2\)\) is larger than the padded input.*output size \(0, 0\)"),
    (lambda: F.avg_pool2d(tg.randn(1, 1, 4, 4), 2, divisor_override=0),
     "avg_pool2d: divisor_override must not be zero"),
    (lambda: F.max_pool2d(tg.randn(1, 1, 4, 4), 2, stride=0), r"max_pool2d: expected a positive int"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), r"Conv2d: in_channels \(4\) and out_channels \(6\) .* groups \(4\)"),
    (lambda: nn.Conv2d(4, 6, 3, padding_mode="reflect"), "Conv2d: only padding_mode='zeros' is supported"),
]


@pytest.mark.parametrize("make, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_name_the_op_and_the_sizes(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_torch_refuses_what_we_refuse():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    refused = [lambda: tf.max_pool2d(torch.randn(1, 1, 5, 5), 2, padding=2),
               lambda: tf.max_pool2d(torch.randn(1, 1, 4, 4), 3, dilation=2),
               lambda: tf.conv_transpose2d(torch.randn(1, 2, 3, 3), torch.randn(2, 1, 3, 3), stride=2,
                                           output_padding=2),
               lambda: tf.conv2d(torch.randn(1, 1, 5, 5), torch.randn(1, 1, 3, 3), stride=2, padding="same")]
    for make in refused:
        with pytest.raises(RuntimeError):
            make()


def test_ceil_mode_windows_by_hand():
    # side 5, kernel 2, stride 2: floor gives 2 windows, ceil 3 (the last holds one pixel, divisor 1)
    x = tg.Tensor(np.arange(5.0).reshape(1, 1, 1, 5))
    np.testing.assert_array_equal(F.avg_pool2d(x, (1, 2), ceil_mode=True).numpy().ravel(), [0.5, 2.5, 4.0])
    np.testing.assert_array_equal(F.max_pool1d(x[:, :, 0], 2, ceil_mode=True).numpy().ravel(), [1.0, 3.0, 4.0])
    for side, k, s, p in itertools.product([4, 5], [2, 3], [2, 3], [0, 1]):
        y = F.max_pool1d(tg.randn(1, 1, side), k, s, p, ceil_mode=True)
        assert (y.shape[-1] - 1) * s < side + p  # the last window starts inside the input or left padding


@pytest.mark.parametrize("pool", ["max_pool2d", "adaptive_max_pool2d"])
@pytest.mark.parametrize("values", ["ties", "nan"])
def test_max_pooling_sends_the_gradient_to_the_first_maximum_as_torch(pool, values):
    torch = pytest.importorskip("torch")
    x = _image((2, 2, 4, 6), ties=True)  # ReLU-like: many equal values in one window
    if values == "nan":
        x[0, 1, 1, 2] = x[1, 0, 3, 5] = np.nan
    ours, theirs = tg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    getattr(F, pool)(ours, 2).sum().backward()
    getattr(torch.nn.functional, pool)(theirs, 2).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_integer_max_pooling_pads_with_the_smallest_integer_as_torch():
    torch = pytest.importorskip("torch")
    x = np.arange(-30, 20).reshape(1, 2, 5, 5)
    y = F.max_pool2d(tg.tensor(x), 3, 2, padding=1, ceil_mode=True)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), torch.nn.functional.max_pool2d(torch.tensor(x), 3, 2, 1, ceil_mode=True))


def test_an_empty_batch_convolves_with_groups_to_an_empty_batch():
    x, w = tg.zeros(0, 4, 5, 5), tg.zeros(4, 2, 3, 3)
    assert F.conv2d(x, w, groups=2).shape == (0, 4, 3, 3)
    assert F.conv1d(tg.zeros(0, 4, 5), tg.zeros(4, 2, 3), groups=2).shape == (0, 4, 3)
    assert F.conv_transpose2d(tg.zeros(0, 4, 3, 3), w, groups=2).shape == (0, 4, 5, 5)


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv1d(tg.zeros(1, 3, 5), tg.zeros(4, 2, 3)), r"conv1d: weight of shape \(4, 2, 3\) .* input of shape "
                                                              r"\(1, 3, 5\)"),
    (lambda: F.conv2d(tg.zeros(1, 4, 5, 5), tg.zeros(4, 2, 3, 3), tg.zeros(3), groups=2),
     r"conv2d: bias of shape \(3,\) does not match 4 output channels"),
    (lambda: F.conv_transpose2d(tg.zeros(1, 4, 3, 3), tg.zeros(4, 2, 3, 3), tg.zeros(2, 1)),
     r"conv_transpose2d: bias of shape \(2, 1\) does not match 2 output channels"),
    (lambda: F.conv2d(tg.zeros(1, 3, 5, 5), tg.zeros(4, 3, 3, 3), stride=1.5), "conv2d: expected a positive int"),
    (lambda: F.max_pool2d(tg.tensor(np.ones((1, 1, 2, 2), bool)), 2), "max_pool2d: needs a float or integer input"),
])
def test_more_bad_arguments_name_the_op(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()



@pytest.mark.parametrize("call", [
    lambda f, x, w: f.conv2d(x, w((2, 3, 3, 3)), padding=1),
    lambda f, x, w: f.max_pool2d(x, 2, return_indices=True),
    lambda f, x, w: f.avg_pool2d(x, 3, 2, 1, ceil_mode=True),
    lambda f, x, w: f.conv1d(x[0], w((2, 6, 3))),
    lambda f, x, w: f.max_pool1d(x[0], 2),
    lambda f, x, w: f.conv_transpose2d(x, w((3, 2, 2, 2)), stride=2),
], ids=["conv2d", "max_pool2d", "avg_pool2d", "conv1d", "max_pool1d", "conv_transpose2d"])
def test_one_unbatched_input_is_taken_as_torch_takes_it(call):
    torch = pytest.importorskip("torch")
    x = _image((3, 6, 5))

    def weight(tensor):
        return lambda shape: tensor(np.cos(np.arange(np.prod(shape))).reshape(shape))
    ours = call(F, tg.Tensor(x), weight(tg.Tensor))
    theirs = call(torch.nn.functional, torch.tensor(x), weight(torch.tensor))
    for a, b in zip(ours if isinstance(ours, tuple) else (ours,), theirs if isinstance(theirs, tuple) else (theirs,)):
        assert a.shape == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)
