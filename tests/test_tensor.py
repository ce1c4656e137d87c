"""Tensor: construction and the dtype policy, creation helpers, operators with NumPy and Python
values, conversions, documented tie rules, numerical stability and bad-input errors."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor

# ------------------------------------------------------------------ dtype policy


@pytest.mark.parametrize("data", [1.0, 2, [1, 2, 3], [[1.5], [2.5]], (1.0, 2.0), True])
def test_python_values_become_float32(data):
    assert Tensor(data).dtype == np.float32


def test_numpy_arrays_keep_their_dtype_and_dtype_converts():
    assert Tensor(np.ones(2)).dtype == np.float64
    assert Tensor(np.ones(2, np.float32)).dtype == np.float32
    assert Tensor(np.arange(3)).dtype == np.int64
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert Tensor(np.float64(2.0)).dtype == np.float64


@pytest.mark.parametrize("expr", [
    lambda x: x * 0.5, lambda x: 0.5 * x, lambda x: x / 3, lambda x: 3 / x, lambda x: x + 1,
    lambda x: 1 - x, lambda x: x ** 2, lambda x: 2.0 ** x, lambda x: x * np.float64(0.5),
    lambda x: x.mean(), lambda x: x.var(ddof=1), lambda x: x.clip(0.5, 1.5), lambda x: x.leaky_relu(0.2),
    lambda x: tg.where(x > 1, x, 0.0), lambda x: x.softmax(), lambda x: x.logsumexp(),
])
def test_python_scalars_never_promote_float32(expr):
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = expr(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating-point"):
        Tensor(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match="int64"):
        Tensor(np.arange(3)).requires_grad_()


@pytest.mark.parametrize("bad", [["a", 1], np.array([object()]), {"a": 1}])
def test_non_numeric_data_is_refused(bad):
    with pytest.raises(TypeError, match="Tensor"):
        Tensor(bad)


# ------------------------------------------------------------------ creation helpers


def test_creation_helpers_shapes_and_values():
    assert tg.zeros(2, 3).shape == (2, 3) and tg.zeros((2, 3)).numpy().sum() == 0
    assert tg.ones(4).numpy().sum() == 4
    assert tg.full((2,), 7.0).numpy().tolist() == [7.0, 7.0]
    assert tg.arange(5).numpy().tolist() == [0, 1, 2, 3, 4] and tg.arange(5).dtype == np.int64  # PyTorch's
    assert tg.arange(1, 2, 0.5).numpy().tolist() == [1.0, 1.5] and tg.arange(1, 2, 0.5).dtype == np.float32
    np.testing.assert_array_equal(tg.eye(3).numpy(), np.eye(3))
    x = tg.randn(3, 2, dtype=np.float64)
    assert tg.zeros_like(x).dtype == np.float64 and tg.ones_like(x).shape == (3, 2)
    assert tg.full_like(x, 2.0).numpy().sum() == 12.0
    assert tg.rand_like(x).shape == tg.randn_like(x).shape == (3, 2)
    assert tg.zeros(2, requires_grad=True).requires_grad


def test_random_tensors_are_seedable():
    a, b = tg.randn(5, generator=3), tg.randn(5, generator=3)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    tg.manual_seed(11)
    c = tg.rand(4)
    tg.manual_seed(11)
    np.testing.assert_array_equal(c.numpy(), tg.rand(4).numpy())
    u = tg.rand(1000, generator=np.random.default_rng(0)).numpy()
    assert u.min() >= 0 and u.max() < 1 and u.dtype == np.float32


# ------------------------------------------------------------------ operators and conversions


def test_numpy_arrays_and_python_values_work_on_either_side():
    x = Tensor([1.0, 2.0], requires_grad=True)
    for y in (np.array([1.0, 1.0]) + x, x + np.array([1.0, 1.0]), [1.0, 1.0] + x, 1 + x):
        assert isinstance(y, Tensor)
        np.testing.assert_allclose(y.numpy(), [2.0, 3.0])
    assert isinstance(np.ones((2, 2)) @ x, Tensor)


def test_numpy_ufuncs_on_a_tensor_fail_loudly_instead_of_detaching():
    with pytest.raises(TypeError):
        np.exp(Tensor([1.0], requires_grad=True))


def test_comparisons_give_boolean_tensors_without_gradient():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == np.bool_ and not mask.requires_grad
    assert (x == x).numpy().all() and not (x != x).numpy().any()
    assert x[x > 1.5].shape == (2,)


def test_conversions_and_properties():
    x = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    assert (x.shape, x.ndim, x.size(), x.size(1), x.numel(), x.dim(), len(x)) == ((1, 3), 2, (1, 3), 3, 3, 2, 1)
    assert x.sum().item() == 6.0 and float(x.sum()) == 6.0
    assert np.asarray(x).shape == (1, 3)
    d = x.detach()
    assert not d.requires_grad and np.shares_memory(d.data, x.data)
    with pytest.raises(ValueError, match="item"):
        x.item()
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))
    with pytest.raises(TypeError, match="0-d"):
        list(Tensor(1.0))
    assert [row.shape for row in Tensor(np.ones((2, 3)))] == [(3,), (3,)]


def test_repr_shows_values_and_the_op():
    assert repr(Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert "requires_grad=True" in repr(Tensor([1.0], requires_grad=True))
    assert "op=Mul" in repr(Tensor([1.0], requires_grad=True) * 2)
    assert "dtype=float64" in repr(Tensor(np.ones(1)))
    assert "name='w'" in repr(Tensor([1.0], name="w"))


def test_clearing_a_gradient():
    x = Tensor([1.0], requires_grad=True)
    (x * 2).sum().backward()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.item() == 3.0


# ------------------------------------------------------------------ documented rules


def test_tied_maxima_share_the_gradient_evenly():
    x = Tensor(np.array([1.0, 3.0, 3.0]), requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.5, 0.5])
    y = Tensor(np.array([[2.0, 2.0], [1.0, 0.0]]), requires_grad=True)
    y.min(axis=1).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [[0.5, 0.5], [0.0, 1.0]])


def test_maximum_tie_splits_and_relu_at_zero_has_zero_gradient():
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([1.0, 0.0], requires_grad=True)
    tg.maximum(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.5, 1.0])
    np.testing.assert_allclose(b.grad.numpy(), [0.5, 0.0])
    z = Tensor([0.0, 1.0], requires_grad=True)
    z.relu().sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), [0.0, 1.0])


def test_repeated_indices_add_up():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 0.0, 1.0])


@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_softmax_family_is_finite_for_huge_logits(scale):
    x = Tensor(np.array([[1.0, 0.0, -1.0]], np.float32) * scale, requires_grad=True)
    p, logp = x.softmax(), x.log_softmax()
    assert np.isfinite(p.numpy()).all() and np.isfinite(logp.numpy()).all()
    np.testing.assert_allclose(p.numpy().sum(), 1.0, rtol=1e-6)
    (logp[0, 0] + x.logsumexp()).backward()
    assert np.isfinite(x.grad.numpy()).all()



@pytest.mark.parametrize("shape", [(5,), (6, 3), (4, 2, 10), (3, 64), (3, 65), (2, 300)])
def test_the_max_softmax_shifts_by_equals_numpys(shape):
    """max_kept reduces a short last axis down a copy (faster): the same values, NaN and the sign
    of a zero included, as x.max(axis=-1, keepdims=True)."""
    from tinygrad_edu.ops.reductions import max_kept
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    x.reshape(-1)[:4] = [np.nan, -0.0, 0.0, -np.inf]
    expected, got = x.max(axis=-1, keepdims=True), max_kept(x, -1)
    assert got.shape == expected.shape and np.array_equal(got, expected, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(expected))

def test_sigmoid_and_softplus_do_not_overflow():
    x = Tensor(np.array([-1000.0, 0.0, 1000.0]), requires_grad=True)
    np.testing.assert_allclose(x.sigmoid().numpy(), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(x.softplus().numpy(), [0.0, np.log(2), 1000.0])
    x.softplus().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.5, 1.0])


# ------------------------------------------------------------------ bad input


def test_axis_errors_name_the_op():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"sum: axis 2 is out of range.*\(2, 3\)"):
        x.sum(axis=2)
    with pytest.raises(ValueError, match="max: repeated axis"):
        x.max(axis=(0, -2))
    assert x.sum(axis=-1).shape == (2,) and x.mean(axis=(0, 1)).shape == ()


def test_movement_errors_name_the_op():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"reshape: shapes \(2, 3\)"):
        x.reshape(4, 2)
    assert x.squeeze(0).shape == (2, 3)  # as PyTorch: an axis longer than 1 stays
    with pytest.raises(ValueError, match="squeeze"):
        x.squeeze(2)
    with pytest.raises(IndexError, match=r"get_item: shapes \(2, 3\)"):
        x[5]
    with pytest.raises(ValueError, match="stack"):
        tg.stack([x, Tensor(np.ones(3))])
    with pytest.raises(ValueError, match="concatenate"):
        tg.concatenate([])
