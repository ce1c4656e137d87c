"""Scans and sorts at the points the op table never draws: zeros, ties, NaN, huge values, 0-d
tensors, and bad arguments (the rows themselves are in op_db.py)."""
import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")


def _grads(fn, torch_fn, a, g):
    x, t = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    fn(x).backward(tg.tensor(g))
    torch_fn(t).backward(torch.tensor(g))
    return x.grad.numpy(), t.grad.numpy()


@pytest.mark.parametrize("a", [[[2.0, 0.0, 3.0, -1.0]], [[0.0, 2.0, 0.0, 3.0]], [[0.0, 0.0, 0.0, 1.5]]],
                         ids=["one zero", "two zeros", "three zeros"])
def test_prod_gradient_is_exact_with_zeros(a):
    ours, theirs = _grads(lambda x: x.prod(-1), lambda t: t.prod(-1), np.array(a), np.array([1.5]))
    np.testing.assert_allclose(ours, theirs)


@pytest.mark.parametrize("a", [[2.0, 0.0, 3.0, -1.0], [0.0, 2.0, 0.0, 3.0], [0.0, 0.0, 0.0, 1.5], [1.5, 2.0, 3.0, 0.0]],
                         ids=["one zero", "two zeros", "three zeros", "zero last"])
def test_cumprod_gradient_is_exact_with_zeros_to_second_order(a):
    a = np.array([a, np.roll(a, 1)])  # two slices, zeros in other places
    ours, theirs = _grads(lambda x: x.cumprod(1), lambda t: t.cumprod(1), a, np.cos(np.arange(8.0)).reshape(2, 4))
    np.testing.assert_allclose(ours, theirs)
    assert tg.gradcheck(lambda x: x.cumprod(1), tg.tensor(a, requires_grad=True))
    assert tg.gradgradcheck(lambda x: x.cumprod(1), tg.tensor(a, requires_grad=True))


def test_max_and_min_of_nan_send_the_gradient_to_the_nans_as_torch():
    a = np.array([[1.0, np.nan, 3.0, np.nan], [1.0, 2.0, np.nan, 0.5]])
    for reduce in (lambda x: x.max(), lambda x: x.min()):  # two NaNs share, as PyTorch's full reductions
        np.testing.assert_allclose(*_grads(reduce, reduce, a, np.ones(())))
    a[0, 3] = 0.0  # one NaN per row: max(dim) and min(dim) pick it
    for reduce in (lambda x: x.max(1)[0], lambda x: x.min(1)[0]):
        np.testing.assert_allclose(*_grads(reduce, reduce, a, np.ones(2)))


def test_sort_and_topk_ties_send_each_gradient_to_one_place():
    a, g = np.array([[1.0, 3.0, 3.0, 2.0]]), np.array([[0.5, -1.0, 2.0, 4.0]])
    ours, theirs = _grads(lambda x: x.sort(stable=True).values, lambda t: t.sort(stable=True).values, a, g)
    np.testing.assert_allclose(ours, theirs)
    assert tg.tensor(a).topk(2).indices.tolist() == [[1, 2]]  # equal values keep their order
    np.testing.assert_allclose(_grads(lambda x: x.topk(2).values, lambda t: t.topk(2).values, a, g[:, :2])[0],
                               [[0, 0.5, -1.0, 0]])


def test_cummax_and_cummin_ties_take_the_latest_index_as_pytorch():
    a = np.array([[1.0, 3.0, 3.0, 2.0, 3.0, 0.5]])
    for name in ("cummax", "cummin"):
        ours, theirs = getattr(tg.tensor(a), name)(-1), getattr(torch.tensor(a), name)(-1)
        assert ours.indices.tolist() == theirs.indices.tolist(), name
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        g = np.arange(6.0).reshape(1, 6)
        np.testing.assert_allclose(*_grads(lambda x: getattr(x, name)(-1).values,
                                           lambda t: getattr(t, name)(-1).values, a, g))


def test_sort_puts_nan_last_ascending_and_first_descending():
    a = np.array([1.0, np.nan, -2.0, 5.0])
    for descending in (False, True):
        ours = tg.tensor(a).sort(descending=descending)
        theirs = torch.tensor(a).sort(descending=descending, stable=True)
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        assert ours.indices.tolist() == theirs.indices.tolist()


def test_logcumsumexp_is_finite_for_huge_values_forward_and_backward():
    a, g = np.array([-1e4, 0.0, 1e4, -3e4, 2e4]), np.array([1.0, -2.0, 0.5, 3.0, -1.0])
    x = tg.tensor(a, requires_grad=True)
    y = x.logcumsumexp(0)
    y.backward(tg.tensor(g))
    t = torch.tensor(a, requires_grad=True)
    t.logcumsumexp(0).backward(torch.tensor(g))
    np.testing.assert_allclose(y.numpy(), t.detach().logcumsumexp(0).numpy())
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-12)


def test_float32_stays_float32_and_integers_keep_pytorch_dtypes():
    x = tg.randn(3, 4)
    for y in (x.cumsum(1), x.cumprod(0), x.prod(), x.logcumsumexp(1), x.sort().values, x.topk(2).values,
              x.cummax(0).values, tg.std_mean(x, 1)[0]):
        assert y.dtype == np.float32
    ints = tg.tensor([[1, 2], [3, 4]])
    assert ints.cumsum(0).dtype == ints.prod().dtype == ints.argsort().dtype == np.int64
    assert x.isnan().dtype == x.isclose(x).dtype == np.bool_


def test_0d_tensors_scan_and_sort_as_pytorch():
    a = np.array(2.5)
    for name, args in [("cumsum", (0,)), ("cumprod", (-1,)), ("logcumsumexp", (0,)), ("sort", ()),
                       ("argsort", ()), ("topk", (1,)), ("cummax", (0,)), ("prod", ())]:
        ours, theirs = getattr(tg.tensor(a), name)(*args), getattr(torch.tensor(a), name)(*args)
        ours, theirs = (ours, theirs) if isinstance(ours, tg.Tensor) else (ours[0], theirs[0])
        assert ours.shape == tuple(theirs.shape) and ours.item() == theirs.item(), name


def test_std_mean_matches_torch():
    a = np.cos(np.arange(12.0)).reshape(3, 4)
    for args, kwargs in [((), {}), ((1,), {"correction": 0, "keepdim": True}), ((0, False), {})]:
        for ours, theirs in zip(tg.std_mean(tg.tensor(a), *args, **kwargs),
                                torch.std_mean(torch.tensor(a), *args, **kwargs)):
            np.testing.assert_allclose(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("call, message", [
    (lambda x: x.topk(5), "topk: k=5 is out of range for dim 1 of length 4"),
    (lambda x: x.topk(-1), "topk: k=-1"),
    (lambda x: x.cumsum(), "cumsum: missing the dim"),
    (lambda x: x.sort(2), "sort: axis 2 is out of range"),
    (lambda x: x.cummax(dim=-3), "cummax: axis -3 is out of range"),
    (lambda x: x.long().logcumsumexp(0), "logcumsumexp: needs a floating-point tensor"),
])
def test_bad_arguments_name_the_op(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call(tg.randn(3, 4))


@pytest.mark.parametrize("name", ["maximum", "minimum", "logaddexp"])
def test_running_by_doubling_equals_numpy_accumulate(name):
    """Libraries other than NumPy (CuPy) get the running max/min/log-sum-exp by log2(n) doubling steps."""
    from types import SimpleNamespace

    from tinygrad_edu.ops.scans import running
    other = SimpleNamespace(flip=np.flip, concatenate=np.concatenate, **{name: getattr(np, name)})
    x = np.cos(np.arange(105.0) ** 1.5).reshape(3, 7, 5) * 50
    for axis in range(3):
        for reverse in (False, True):
            np.testing.assert_allclose(running(name, x, axis, other, reverse), running(name, x, axis, np, reverse))


def test_cummax_and_cummin_carry_nan_on_as_pytorch():
    a = np.array([1.0, np.nan, 3.0, np.nan, 0.5])
    for name in ("cummax", "cummin"):
        ours, theirs = getattr(tg.tensor(a), name)(0), getattr(torch.tensor(a), name)(0)
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        assert ours.indices.tolist() == theirs.indices.tolist(), name
