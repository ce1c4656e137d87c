"""PyTorch fidelity: one small test per finding of the review of the PyTorch-style Tensor API.

Each test asserts what PyTorch does, comparing with PyTorch itself where that is cheap (those tests
skip without PyTorch, or fail under TINYGRAD_EDU_REQUIRE_TORCH=1); the rest state PyTorch's
behaviour directly. Where tinygrad_edu differs from PyTorch by a documented choice, the test says
so and checks tinygrad_edu's own behaviour.
"""
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F

F64 = dict(rtol=1e-10, atol=1e-12)
F32 = dict(rtol=1e-6, atol=1e-7)



def values(t) -> np.ndarray:
    return t.detach().numpy().copy() if hasattr(t, "detach") else np.asarray(t)


def assert_same(ours, theirs, tol=F64, what=""):
    ours, theirs = values(ours), values(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, PyTorch {theirs.shape}"
    assert str(ours.dtype) == str(theirs.dtype), f"{what}: dtype {ours.dtype}, PyTorch {theirs.dtype}"
    np.testing.assert_allclose(ours, theirs, err_msg=what, equal_nan=True, **tol)


def vjp(T, fn, *arrays, g=None, seed=0):
    """fn applied to leaves made from `arrays` in library T, backward under a random upstream
    gradient (a plain .sum() would hide a backward that forgets g): (output, input grads)."""
    leaves = [T.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*leaves)
    if g is None:
        g = np.random.default_rng(seed).standard_normal(tuple(y.shape)).astype(values(y).dtype)
    y.backward(T.tensor(g))
    return y, [x.grad for x in leaves]


def compare_vjp(torch, fn, *arrays, torch_fn=None, tol=F64):
    y, grads = vjp(tg, fn, *arrays)
    ty, tgrads = vjp(torch, torch_fn or fn, *arrays)
    assert_same(y, ty, tol, "forward")
    for i, (a, b) in enumerate(zip(grads, tgrads)):
        assert_same(a, b, tol, f"gradient of input {i}")
    return y, grads


def quietly(fn):
    """fn() with NumPy's divide-by-zero and PyTorch's degrees-of-freedom warnings silenced."""
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        return fn()


CUBE = np.random.default_rng(1234).standard_normal((3, 3, 3))
BOX = np.random.default_rng(5).standard_normal((2, 3, 4))


# ====================================================================== gradients at the edges


@pytest.mark.parametrize("fn, torch_fn", [
    (lambda x: x.permute(-1, 0, 1), None),
    (lambda x: x.permute((0, -1, -2)), None),
    (lambda x: x.permute(-3, -1, -2), None),
    (lambda x: x.transpose(-1, 0), None),
    (lambda x: x.transpose(-3, -2), None),
    # NumPy's full-permutation form of transpose, which PyTorch spells permute
    (lambda x: x.transpose(-1, 0, 1), lambda x: x.permute(-1, 0, 1)),
    (lambda x: tg.permute(x, (-1, 0, 1)), lambda x: x.permute(-1, 0, 1)),
], ids=["permute(-1,0,1)", "permute((0,-1,-2))", "permute(-3,-1,-2)", "transpose(-1,0)", "transpose(-3,-2)",
        "transpose(-1,0,1)", "tg.permute"])
def test_permute_and_transpose_with_negative_axes_give_the_right_gradient(torch, fn, torch_fn):
    compare_vjp(torch, fn, CUBE, torch_fn=torch_fn)


def test_x_to_the_power_0_at_0_has_gradient_0(torch):
    x = np.array([0.0, 1.5, -2.0])
    for fn in (lambda x: x ** 0, lambda x: x.pow(0.0), lambda x: x ** 0.0, lambda x: tg.pow(x, 0)):
        _, (grad,) = compare_vjp(torch, fn, x, torch_fn=lambda x: x ** 0)
        np.testing.assert_array_equal(values(grad), [0.0, 0.0, 0.0])
    # a tensor exponent that is 0 (x * 0 depends on x: at x < 0 log(x) is nan in both libraries)
    _, (grad,) = compare_vjp(torch, lambda x: x ** (x * 0), x[:2])
    np.testing.assert_array_equal(values(grad), [0.0, 0.0])


def test_0_to_the_power_b_has_gradient_0_in_b(torch):
    b = np.array([0.0, 0.5, 2.0, 3.0])
    _, (grad,) = compare_vjp(torch, lambda b: 0.0 ** b, b)
    np.testing.assert_array_equal(values(grad), np.zeros(4))
    # a tensor base at 0 as well: d/da of a**b at a = 0 is b * 0**(b-1): 0 for b = 0, 2, 3
    base = np.zeros(4)
    _, (ga, gb) = compare_vjp(torch, lambda a, b: a ** b, base, b)
    assert np.all(np.isfinite(values(gb))) and values(ga)[0] == 0.0 and np.all(values(ga)[2:] == 0.0)


def test_std_at_zero_variance_has_gradient_0(torch):
    x = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    _, (grad,) = compare_vjp(torch, lambda x: x.std(dim=1), x)
    assert np.all(np.isfinite(values(grad)))
    np.testing.assert_array_equal(values(grad)[0], 0.0)
    y, (grad,) = compare_vjp(torch, lambda x: x.std(), np.full(5, 3.0))
    assert values(y) == 0.0
    np.testing.assert_array_equal(values(grad), 0.0)


@pytest.mark.parametrize("k", [3, 4, 7])
def test_var_with_correction_at_least_n_is_inf(torch, k):
    x = np.array([1.0, 2.0, 4.0])
    for fn in (lambda t: t.var(correction=k), lambda t: t.std(correction=k)):
        ours, theirs = quietly(lambda: fn(tg.tensor(x))), quietly(lambda: fn(torch.tensor(x)))
        assert values(ours) == np.inf and values(theirs) == np.inf
    assert quietly(lambda: tg.tensor(x).var(ddof=k)).item() == np.inf
    assert quietly(lambda: tg.tensor(x).std(ddof=k)).item() == np.inf


def test_float16_mean_and_var_of_10000_values_near_10_are_finite_and_close(torch):
    x = (10 + np.random.default_rng(0).standard_normal(10_000)).astype(np.float16)
    exact = x.astype(np.float64)
    t, tt = tg.tensor(x), torch.tensor(x)
    mean, var, std = t.mean(), t.var(), t.std()
    for ours, ref in ((mean, exact.mean()), (var, exact.var(ddof=1)), (std, exact.std(ddof=1))):
        assert ours.dtype == tg.float16  # the result stays float16, as in PyTorch
        assert np.isfinite(ours.item())
        np.testing.assert_allclose(ours.item(), ref, rtol=2e-3)
    for ours, theirs in ((mean, tt.mean()), (var, tt.var()), (std, tt.std())):
        np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-3)  # one float16 rounding apart


def test_cross_entropy_gives_probability_targets_torchs_gradient(torch):
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((4, 3))
    p = rng.random((4, 3))
    p /= p.sum(1, keepdims=True)
    for reduction in ("mean", "sum", "none"):
        compare_vjp(torch, lambda x, t: F.cross_entropy(x, t, reduction=reduction), logits, p,
                    torch_fn=lambda x, t: torch.nn.functional.cross_entropy(x, t, reduction=reduction))


def test_cross_entropy_on_n_c_d_logits_has_classes_on_axis_1(torch):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((2, 3, 4))
    labels = rng.integers(0, 3, (2, 4))
    p = rng.random((2, 3, 4))
    p /= p.sum(1, keepdims=True)
    tf = torch.nn.functional
    for reduction in ("mean", "none"):
        y, _ = compare_vjp(torch, lambda x: F.cross_entropy(x, tg.tensor(labels), reduction=reduction), logits,
                           torch_fn=lambda x: tf.cross_entropy(x, torch.tensor(labels), reduction=reduction))
        compare_vjp(torch, lambda x, t: F.cross_entropy(x, t, reduction=reduction), logits, p,
                    torch_fn=lambda x, t: tf.cross_entropy(x, t, reduction=reduction))
        compare_vjp(torch, lambda x: F.nll_loss(x.log_softmax(1), tg.tensor(labels), reduction=reduction), logits,
                    torch_fn=lambda x: tf.nll_loss(x.log_softmax(1), torch.tensor(labels), reduction=reduction))
    assert y.shape == (2, 4)


@pytest.mark.parametrize("index", ["[1, :, idx]", "[:, 1, idx]", "[idx, :, 1]", "[1, ..., idx]", "[1, idx, :]"])
def test_mixed_int_and_array_indexing_has_torchs_shape_and_gradient(torch, index):
    x = np.random.default_rng(2).standard_normal((3, 4, 5))
    ours_idx, theirs_idx = [0, 2, 2], torch.tensor([0, 2, 2])  # a repeat: the gradient adds up

    y, _ = compare_vjp(torch, lambda x: eval(f"x{index}", {"x": x, "idx": ours_idx}), x,
                       torch_fn=lambda x: eval(f"x{index}", {"x": x, "idx": theirs_idx}))
    # the index as a tg tensor gives the same
    assert eval(f"t{index}", {"t": tg.tensor(x), "idx": tg.tensor(ours_idx)}).shape == y.shape
    if index == "[1, :, idx]":
        assert y.shape == (4, 3)  # NumPy would give (3, 4): its separated array axis moves to the front


def test_sigmoid_and_exp_of_an_integer_tensor_are_float32(torch):
    data = [0, 1, 2, -3]
    for dtype in ("int64", "int32"):
        x, tx = tg.tensor(data, dtype=getattr(tg, dtype)), torch.tensor(data, dtype=getattr(torch, dtype))
        for ours, theirs in ((x.sigmoid(), tx.sigmoid()), (x.exp(), tx.exp()), (tg.exp(x), torch.exp(tx)),
                             (tg.sigmoid(x), torch.sigmoid(tx))):
            assert ours.dtype == tg.float32
            assert_same(ours, theirs, F32)


@pytest.mark.parametrize("method", ["sum", "mean", "max", "min", "argmax", "argmin", "logsumexp", "softmax",
                                    "log_softmax"])
def test_0d_tensors_take_dim_minus_1_and_0(torch, method):
    for dim in (-1, 0):
        kwargs = {"dim": dim} if method in ("softmax", "log_softmax") else {"dim": dim, "keepdim": True}
        ours = getattr(tg.tensor(2.5), method)(**kwargs)
        theirs = getattr(torch.tensor(2.5), method)(**kwargs)
        if method in ("max", "min"):
            assert_same(ours.values, theirs.values, F32, method)
            assert_same(ours.indices, theirs.indices, F32, method)
        else:
            assert_same(ours, theirs, F32, method)


def test_softmax_of_a_0d_tensor_is_1_with_gradient_0(torch):
    for fn in (lambda x: x.softmax(), lambda x: x.softmax(-1), lambda x: F.softmax(x), lambda x: tg.softmax(x)):
        y, (grad,) = vjp(tg, fn, np.float32(0.7), g=np.float32(1.0))
        assert y.shape == () and y.item() == 1.0 and grad.item() == 0.0
    assert torch.tensor(0.7).softmax(-1).item() == 1.0


def test_cat_of_0d_tensors_raises_naming_cat():
    with pytest.raises((ValueError, RuntimeError), match=r"\bcat\b"):
        tg.cat([tg.tensor(1.0), tg.tensor(2.0)])


@pytest.mark.parametrize("width", [((1, 2, 3),), 1.5, "a", -1, None, ((1, 2),) * 3, [[1, 2], [3, "x"]]])
def test_pad_with_malformed_widths_raises_naming_pad(width):
    with pytest.raises((ValueError, TypeError), match=r"\bpad\b"):
        tg.ones(2, 3).pad(width)


# ====================================================================== who owns memory


@pytest.mark.parametrize("make", [tg.Tensor, tg.tensor, tg.nn.Parameter], ids=["Tensor", "tensor", "Parameter"])
def test_tensor_constructors_copy_so_an_optimizer_step_never_changes_the_users_array(make):
    a = np.array([1.0, 2.0], np.float32)
    p = make(a, requires_grad=True)
    optimizer = tg.optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    optimizer.step()
    np.testing.assert_array_equal(a, [1.0, 2.0])
    np.testing.assert_allclose(p.numpy(), [0.8, 1.6])
    with tg.no_grad():
        p -= 1.0
    np.testing.assert_array_equal(a, [1.0, 2.0])


def _optimizer_comparison(w0, b0, names):
    """The curriculum's optimizer comparison: one initial array, one model per optimizer."""
    rng = np.random.default_rng(3)
    x = tg.tensor(rng.standard_normal((16, 3)).astype(np.float32))
    y = tg.tensor(rng.standard_normal((16, 2)).astype(np.float32))
    make = {"SGD": lambda ps: tg.optim.SGD(ps, lr=0.1), "Momentum": lambda ps: tg.optim.SGD(ps, lr=0.1, momentum=0.9),
            "Adam": lambda ps: tg.optim.Adam(ps, lr=0.01), "RMSprop": lambda ps: tg.optim.RMSprop(ps, lr=0.01)}
    models = {}
    for name in names:
        model = tg.nn.Linear(3, 2)
        model.weight = tg.nn.Parameter(w0)
        model.bias = tg.nn.Parameter(b0)
        optimizer = make[name](model.parameters())
        for _ in range(5):
            optimizer.zero_grad()
            tg.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
        models[name] = model
    return {name: [p.numpy().copy() for p in m.parameters()] for name, m in models.items()}


def test_models_built_from_one_initial_array_train_independently():
    w0 = np.random.default_rng(4).standard_normal((2, 3)).astype(np.float32)
    b0 = np.zeros(2, np.float32)
    w0_before = w0.copy()
    together = _optimizer_comparison(w0, b0, ["SGD", "Momentum", "Adam", "RMSprop"])
    np.testing.assert_array_equal(w0, w0_before)
    np.testing.assert_array_equal(b0, 0.0)
    for name in together:
        alone = _optimizer_comparison(w0, b0, [name])[name]
        for a, b in zip(together[name], alone):
            np.testing.assert_array_equal(a, b, err_msg=f"{name} trained beside the others differs from alone")


def test_from_numpy_shares_memory_both_ways():
    n = np.ones(3)
    t = tg.from_numpy(n)
    np.add(n, 1, out=n)
    np.testing.assert_array_equal(t.numpy(), [2.0, 2.0, 2.0])
    t.add_(1)
    np.testing.assert_array_equal(n, [3.0, 3.0, 3.0])
    t[0] = 7
    assert n[0] == 7 and t.dtype == tg.float64


def test_an_array_assigned_to_data_is_never_changed_by_an_optimizer():
    # PyTorch refuses `p.data = ndarray` (it must be a tensor). The README promises that no
    # optimizer step ever changes an array you passed in; so `.data = a` must copy a (or refuse it),
    # or else two models given one initial array through `.data` would train each other.
    a = np.ones(3, np.float32)
    models = [tg.nn.Linear(3, 1) for _ in range(2)]
    try:
        for m in models:
            m.weight.data = a[None]
    except TypeError:
        return  # PyTorch's answer
    optimizer = tg.optim.SGD(models[0].parameters(), lr=0.1)
    models[0](tg.ones(2, 3)).sum().backward()
    optimizer.step()
    np.testing.assert_array_equal(a, 1.0, err_msg="the optimizer step wrote into the user's array")
    np.testing.assert_array_equal(models[1].weight.numpy(), 1.0, err_msg="training one model changed the other")


def test_numpy_shares_memory_with_the_tensor():
    t = tg.ones(5)
    n = t.numpy()
    t.add_(1)
    np.testing.assert_array_equal(n, 2.0)
    t += 1
    np.testing.assert_array_equal(n, 3.0)
    n[0] = 0
    assert t[0].item() == 0.0


# ====================================================================== dtypes


@pytest.mark.parametrize("data", [1, [1, 2], [1.0], 1.0, [True], True, [[1, 2], [3, 4]], [1, 2.5]],
                         ids=str)
def test_tensor_infers_torchs_dtype(torch, data):
    ours, theirs = tg.tensor(data), torch.tensor(data)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), data
    assert ours.shape == tuple(theirs.shape)


def test_arange_is_int64_so_it_indexes_rows():
    n = 4
    assert tg.arange(n).dtype == tg.int64
    assert tg.arange(1, 5).dtype == tg.int64 and tg.arange(0.0, 2.0, 0.5).dtype == tg.float32
    x = tg.tensor(np.arange(12.0, dtype=np.float32).reshape(n, 3), requires_grad=True)
    labels = tg.tensor([0, 2, 1, 2])
    picked = x[tg.arange(n), labels]
    np.testing.assert_array_equal(picked.numpy(), [0.0, 5.0, 7.0, 11.0])
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.eye(3)[[0, 2, 1, 2]])


@pytest.mark.parametrize("expr", [
    "i64 * 0.5", "i64 / i64", "i64 / 2", "i64 + f32", "f32 + i64", "i32 + 1", "i32 * 2", "i64 + 1",
    "f32 * 2", "f32 + f64_0d", "i64_0d + f32", "b + 1", "b + b", "i32 + i64", "f32 / 3",
])
def test_type_promotion_is_torchs(torch, expr):
    def operands(T):
        return {"i64": T.tensor([1, 2]), "i32": T.tensor([1, 2], dtype=T.int32), "f32": T.tensor([1.5, 2.5]),
                "f64_0d": T.tensor(2.0, dtype=T.float64), "i64_0d": T.tensor(3), "b": T.tensor([True, False])}
    ours, theirs = eval(expr, operands(tg)), eval(expr, operands(torch))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), expr
    np.testing.assert_allclose(values(ours).astype(np.float64), values(theirs).astype(np.float64), rtol=1e-7)


def test_only_floating_tensors_can_require_grad():
    # PyTorch raises RuntimeError; tinygrad_edu raises TypeError (the wrong dtype is a type error)
    for make in (lambda: tg.tensor([1, 2], requires_grad=True), lambda: tg.tensor([True], requires_grad=True),
                 lambda: tg.arange(3, requires_grad=True), lambda: tg.tensor([1, 2]).requires_grad_()):
        with pytest.raises((RuntimeError, TypeError), match="floating"):
            make()
    assert tg.tensor([1, 2], dtype=tg.float32, requires_grad=True).requires_grad


def test_var_and_std_are_unbiased_by_default_and_take_every_spelling(torch):
    x = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]])
    t, tt = tg.tensor(x), torch.tensor(x)
    for name in ("var", "std"):
        ours, theirs = getattr(t, name), getattr(tt, name)
        assert_same(ours(), theirs(), what=f"{name}()")
        assert_same(ours(1), theirs(1), what=f"{name}(1)")
        assert_same(ours(dim=1, correction=0), theirs(dim=1, correction=0), what=f"{name}(correction=0)")
        assert_same(ours(dim=1, correction=2), theirs(dim=1, correction=2), what=f"{name}(correction=2)")
        assert_same(ours(dim=1, unbiased=False), theirs(dim=1, unbiased=False), what=f"{name}(unbiased=False)")
        assert_same(ours(1, False, True), theirs(1, False, True), what=f"{name}(1, False, True)")
        assert_same(ours(axis=1, ddof=0), theirs(dim=1, correction=0), what=f"{name}(ddof=0)")
        assert_same(ours(axis=1, ddof=1, keepdims=True), theirs(dim=1, keepdim=True), what=f"{name}(ddof=1)")
        np.testing.assert_allclose(values(ours(ddof=0)), getattr(np, name)(x), **F64)  # NumPy's default


# ====================================================================== in-place updates, as PyTorch's

IN_PLACE = {
    "-=": lambda t: t.__isub__(0.5),
    "+=": lambda t: t.__iadd__(0.5),
    "*=": lambda t: t.__imul__(2.0),
    "/=": lambda t: t.__itruediv__(4.0),
    "add_": lambda t: t.add_(0.5),
    "add_(alpha)": lambda t: t.add_(t.detach() * 1.0, alpha=2),
    "sub_": lambda t: t.sub_(0.5),
    "mul_": lambda t: t.mul_(3.0),
    "div_": lambda t: t.div_(2.0),
    "zero_": lambda t: t.zero_(),
    "fill_": lambda t: t.fill_(1.25),
    "copy_": lambda t: t.copy_(t.detach() * 0 + 9.0),
    "clamp_": lambda t: t.clamp_(-0.5, 0.75),
    "t[0] = 7": lambda t: t.__setitem__(0, 7.0),
    "t[1:] = -t.detach()[:2]": lambda t: t.__setitem__(slice(1, None), -t.detach()[:2]),
}
START = np.array([1.0, -2.0, 0.25], np.float32)


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_on_a_leaf_that_requires_grad_works_under_no_grad_only(torch, name):
    update = IN_PLACE[name]
    results = []
    for T in (tg, torch):
        p = T.tensor(START, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"(?i)in[- ]place|leaf"):
            update(p)
        np.testing.assert_array_equal(values(p), START)  # a refused update changes nothing
        with T.no_grad():
            result = update(p)
        if not name.startswith("t["):
            assert result is p  # in-place methods and operators return the tensor itself
        assert p.requires_grad and p.is_leaf and p.grad_fn is None
        results.append(p)
    assert_same(*results, F32, name)


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_bumps_the_version_so_a_stale_backward_raises(torch, name):
    update = IN_PLACE[name]
    for T in (tg, torch):
        w = T.tensor(START, requires_grad=True)
        x = T.tensor([3.0, 4.0, 5.0], requires_grad=True)
        loss = (w * x).sum()  # mul saved w's values for x's gradient
        with T.no_grad():
            update(w)
        with pytest.raises(RuntimeError, match=r"(?i)in[- ]?place"):
            loss.backward()
        # a tensor that needs no grad, saved by an op, then changed in place (no no_grad needed)
        c = T.tensor(START)
        loss = (x * c).sum()
        update(c)
        with pytest.raises(RuntimeError, match=r"(?i)in[- ]?place"):
            loss.backward()


def test_manual_sgd_step_then_a_second_forward_and_backward_work(torch):
    results = []
    for T in (tg, torch):
        x = T.tensor([1.0, 2.0, 3.0])
        a = T.tensor(0.5, requires_grad=True)
        lr = 0.01
        for _ in range(3):
            loss = ((a * x - x * 2) ** 2).sum()
            loss.backward()
            with T.no_grad():
                a -= lr * a.grad
            a.grad.zero_()
        results.append((a, loss))
    (a, loss), (ta, tloss) = results
    assert_same(a, ta, F32)
    assert_same(loss, tloss, F32)
    assert a.grad.item() == 0.0


def test_grad_zero_clears_in_place_and_the_next_backward_accumulates_from_0():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    (p * 3).sum().backward()
    g = p.grad
    assert p.grad.zero_() is g
    np.testing.assert_array_equal(p.grad.numpy(), 0.0)
    (p * 5).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), 5.0)


def _chain(T, x):
    y = x * 2
    y += 1
    y *= y.detach().clone()
    y -= x
    y /= 3.0
    return y


def _setitem(T, x, w):
    y = x * 1.5
    y[0] = w.sum()
    y[1:3] = w[:2] * w[1:]
    return y


def _setitem_into_plain(T, x, w):
    y = T.zeros(4)  # needs no grad until a value that does is written into it
    y[1:] = w * x[:3]
    y += x
    return y


def _methods(T, x, w):
    y = x * 3
    y.mul_(x)
    y.add_(x, alpha=2)
    y.sub_(w.sum())
    y.div_(w[0] + 3)
    y.clamp_(-1.0, 2.0)
    return y


def _copy_and_fill(T, x, w):
    y = x * 1.0
    y.copy_(x * x)
    z = x * 1.0
    z.fill_(w.sum())
    return y + z


def _zero_then_add(T, x, w):
    y = x * 2
    y.zero_()
    y += x * w[0]
    return y


X4 = np.array([0.5, -1.0, 2.0, 1.5])
W3 = np.array([1.0, 2.0, -0.5])


@pytest.mark.parametrize("program", [_setitem, _setitem_into_plain, _methods, _copy_and_fill, _zero_then_add],
                         ids=lambda f: f.__name__.strip("_"))
def test_in_place_on_a_non_leaf_is_recorded_with_torchs_gradient(torch, program):
    compare_vjp(torch, lambda x, w: program(tg, x, w), X4, W3, torch_fn=lambda x, w: program(torch, x, w))


def test_in_place_chain_on_a_non_leaf_matches_torch(torch):
    compare_vjp(torch, lambda x: _chain(tg, x), X4, torch_fn=lambda x: _chain(torch, x))


@pytest.mark.parametrize("program", ["y = x.exp(); y += 1", "y = x * 2; y *= y.detach(); y -= x"])
def test_in_place_over_values_an_op_saved_raises_as_in_torch(torch, program):
    # exp saves its output; `y *= y.detach()` saves y's own memory, which `y -= x` then changes.
    # PyTorch raises at backward; tinygrad_edu already at the in-place op (it sees that an op
    # holds the array), naming in-place either way.
    for T in (tg, torch):
        scope = {"x": T.tensor(X4, requires_grad=True)}
        with pytest.raises(RuntimeError, match=r"(?i)in[- ]?place"):
            exec(program, scope)
            scope["y"].sum().backward()


def test_in_place_through_an_index_of_a_non_leaf_is_refused_with_a_way_out(torch):
    # A documented difference (inplace.py, _update): PyTorch rebases the graph of a view written
    # in place (`y[0:2] += 1`, `y[1:].mul_(3)`); tinygrad_edu refuses, naming the op and the fix
    # (compute out of place, or clone() first), rather than let the base change behind the graph.
    for update in (lambda y: y[0:2].__iadd__(1), lambda y: y[1:].mul_(3), lambda y: y.view(2, 2).add_(1)):
        y = tg.tensor(X4, requires_grad=True) * 2
        with pytest.raises(RuntimeError, match=r"clone\(\)"):
            update(y)

    def way_out(T, x, w):
        y = x * 2
        y[0:2] = y[0:2] + w[:2]  # setitem of an out-of-place value: PyTorch's numbers
        return y

    compare_vjp(torch, lambda x, w: way_out(tg, x, w), X4, W3, torch_fn=lambda x, w: way_out(torch, x, w))


@pytest.mark.parametrize("program", [
    "y = x * 2; v = y.view(2, 2); y *= 3",
    "y = x * 2; v = y[1:3]; y.mul_(3)",
    "y = x * 2; v = y[0:2]; y[0] = 10 * x[3]",
    "y = (x * 2).reshape(2, 2); v = y.t(); y += x.reshape(2, 2)",
], ids=["view then y *= 3", "y[1:3] then y.mul_(3)", "y[0:2] then y[0] = ...", "t() then y += x"])
def test_in_place_on_a_tensor_with_a_live_view_gives_torchs_gradient_or_refuses(torch, program):
    # PyTorch rebases the graph of every view of a tensor changed in place. tinygrad_edu may refuse
    # in-place changes where views are involved (a documented choice, see the test above); what it
    # must not do is let the view's values change while its graph stays as it was: a silently
    # wrong gradient.
    theirs = {"x": torch.tensor(X4, requires_grad=True)}
    exec(program, theirs)
    theirs["v"].backward(torch.ones_like(theirs["v"]))
    ours = {"x": tg.tensor(X4, requires_grad=True)}
    try:
        exec(program, ours)
        ours["v"].backward(tg.ones_like(ours["v"]))
    except RuntimeError as e:
        assert "in place" in str(e), e  # refused, saying why
        return
    assert_same(ours["v"], theirs["v"], what="the view's values")
    assert_same(ours["x"].grad, theirs["x"].grad, what="the gradient through the view")


# ====================================================================== spellings


REDUCTIONS = ["sum", "mean", "var", "std", "max", "min", "argmax", "argmin", "logsumexp"]
M34 = np.array([[0.5, 3.0, -1.0, 2.0], [4.0, -2.0, 1.0, 0.0], [1.5, 2.5, 3.5, -0.5]])


@pytest.mark.parametrize("method", REDUCTIONS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_dim_keepdim_and_axis_keepdims_are_both_accepted(torch, method, keepdim):
    x, tx = tg.tensor(M34), torch.tensor(M34)
    theirs = getattr(tx, method)(dim=1, keepdim=keepdim)
    theirs_indices = theirs.indices if method in ("max", "min") else None
    theirs = theirs.values if method in ("max", "min") else theirs
    spellings = [dict(dim=1, keepdim=keepdim), dict(axis=1, keepdims=keepdim), dict(dim=1, keepdims=keepdim),
                 dict(axis=1, keepdim=keepdim)]
    for kwargs in spellings:
        ours = getattr(x, method)(**kwargs)
        if method in ("max", "min") and "dim" in kwargs:
            values_, indices = ours  # PyTorch's (values, indices)
            assert_same(indices, theirs_indices, what=f"{method}({kwargs}) indices")
            ours = values_
        assert_same(ours, theirs, what=f"{method}({kwargs})")


def test_softmax_and_log_softmax_take_dim_and_axis(torch):
    x, tx = tg.tensor(M34), torch.tensor(M34)
    for name in ("softmax", "log_softmax"):
        for dim in (0, 1, -1):
            theirs = getattr(tx, name)(dim=dim)
            for ours in (getattr(x, name)(dim=dim), getattr(x, name)(axis=dim), getattr(x, name)(dim),
                         getattr(tg, name)(x, dim), getattr(F, name)(x, dim=dim)):
                assert_same(ours, theirs, what=f"{name}({dim})")


def test_max_with_dim_gives_values_and_indices_with_axis_values(torch):
    x, tx = tg.tensor(M34, requires_grad=True), torch.tensor(M34, requires_grad=True)
    result, theirs = x.max(dim=1), tx.max(dim=1)
    values_, indices = result
    assert result.values is values_ and result.indices is indices and result[0] is values_
    assert_same(values_, theirs.values)
    assert_same(indices, theirs.indices)
    g = np.array([1.0, -2.0, 0.5])
    values_.backward(tg.tensor(g))
    theirs.values.backward(torch.tensor(g))
    assert_same(x.grad, tx.grad)
    assert_same(x.max(1)[0], tx.max(1)[0])
    by_axis = x.max(axis=1)  # NumPy's spelling: NumPy's answer, the values alone
    assert isinstance(by_axis, tg.Tensor)
    assert_same(by_axis, theirs.values)
    assert_same(x.min(dim=0).indices, tx.min(dim=0).indices)


def test_module_max_of_two_tensors_is_elementwise(torch):
    a, b = M34, M34[::-1].copy()
    compare_vjp(torch, lambda a, b: tg.max(a, b), a, b, torch_fn=lambda a, b: torch.max(a, b))
    compare_vjp(torch, lambda a, b: tg.min(a, b), a, b, torch_fn=lambda a, b: torch.min(a, b))
    compare_vjp(torch, lambda a, b: a.max(b), a, b)
    ours, theirs = tg.max(tg.tensor(M34), 1), torch.max(torch.tensor(M34), 1)
    assert_same(ours.values, theirs.values)
    assert_same(ours.indices, theirs.indices)


@pytest.mark.parametrize("fn, torch_fn", [
    (lambda x: x.unsqueeze(0), None),
    (lambda x: x.unsqueeze(-1), None),
    (lambda x: x.view(6, 4), None),
    (lambda x: x.view(-1), None),
    (lambda x: x[:, :1].expand(2, 5, 4), None),
    (lambda x: x[:, :1].expand(-1, 5, -1), None),
    (lambda x: x[0].t(), None),
    (lambda x: x.flatten(), None),
    (lambda x: x.flatten(1), None),
    (lambda x: x.flatten(0, 1), None),
    (lambda x: x.flatten(-2, -1), None),
    (lambda x: x.transpose(0, 2), None),  # PyTorch's transpose(d0, d1) swaps, also on 3-D
    (lambda x: x.transpose(1, -1), None),
    (lambda x: x.transpose(2, 0, 1), lambda x: x.permute(2, 0, 1)),  # NumPy's full permutation
    (lambda x: x.transpose((2, 0, 1)), lambda x: x.permute(2, 0, 1)),
    (lambda x: x.permute(2, 0, 1), None),
    (lambda x: x.T.reshape(4, 6), lambda x: x.permute(2, 1, 0).reshape(4, 6)),
    (lambda x: tg.flatten(x, 1, 2), lambda x: x.flatten(1, 2)),
    (lambda x: tg.transpose(x, 0, 1), lambda x: x.transpose(0, 1)),
    (lambda x: tg.unsqueeze(x, 1), lambda x: x.unsqueeze(1)),
], ids=["unsqueeze(0)", "unsqueeze(-1)", "view(6,4)", "view(-1)", "expand", "expand(-1)", "t()", "flatten()",
        "flatten(1)", "flatten(0,1)", "flatten(-2,-1)", "transpose(0,2)", "transpose(1,-1)", "transpose(2,0,1)",
        "transpose((2,0,1))", "permute", "T", "tg.flatten", "tg.transpose", "tg.unsqueeze"])
def test_movement_spellings_match_torch(torch, fn, torch_fn):
    compare_vjp(torch, fn, BOX, torch_fn=torch_fn)


def test_size_numel_dim(torch):
    x, tx = tg.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert x.size() == tuple(tx.size()) == (2, 3, 4)
    assert x.size(1) == tx.size(1) == 3 and x.size(-1) == tx.size(-1) == 4
    assert x.numel() == tx.numel() == 24 and tg.numel(x) == 24
    assert x.dim() == tx.dim() == 3


def test_conversions_clone_tolist_requires_grad_(torch):
    data = [1.5, -2.25, 3.0]
    x, tx = tg.tensor(data), torch.tensor(data)
    for name in ("float", "double", "long", "int", "bool"):
        ours, theirs = getattr(x, name)(), getattr(tx, name)()
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), name
        np.testing.assert_array_equal(values(ours), values(theirs))
    c = x.clone()
    c.add_(1)
    assert x.tolist() == tx.tolist() == data
    assert c.tolist() == [2.5, -1.25, 4.0]
    assert x.requires_grad_() is x and x.requires_grad
    assert x.requires_grad_(False) is x and not x.requires_grad
    assert tg.tensor(2).tolist() == 2 and tg.tensor(2.5).item() == 2.5


def test_method_forms_match_operators(torch):
    a, b = np.array([1.5, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    for name in ("add", "sub", "mul", "div", "pow"):
        compare_vjp(torch, lambda a, b: getattr(a, name)(b), a, b)
    compare_vjp(torch, lambda a, b: a.add(b, alpha=2), a, b)
    compare_vjp(torch, lambda a, b: a.sub(b, alpha=0.5), a, b)
    compare_vjp(torch, lambda a, b: a.matmul(b), a, b)
    for name in ("neg", "exp", "log"):
        compare_vjp(torch, lambda a: getattr(a, name)(), a)


def test_module_level_functions(torch):
    n = np.array([[0.5, 1.0], [2.0, 3.0]])
    pairs = [
        (lambda T, x: T.tensor(n), False),
        (lambda T, x: T.from_numpy(n.copy()), False),
        (lambda T, x: T.linspace(-1, 1, 5), False),
        (lambda T, x: T.cat([x, x], 1), True),
        (lambda T, x: T.cat([x, x], dim=0), True),
        (lambda T, x: T.stack([x, x], 1), True),
        (lambda T, x: T.matmul(x, x), True),
        (lambda T, x: T.mm(x, x.t()), True),
        (lambda T, x: T.sin(x), True),
        (lambda T, x: T.cos(x), True),
        (lambda T, x: T.exp(x), True),
        (lambda T, x: T.log(x), True),
        (lambda T, x: T.sqrt(x), True),
        (lambda T, x: T.tanh(x), True),
        (lambda T, x: T.sigmoid(x), True),
        (lambda T, x: T.relu(x - 1), True),
        (lambda T, x: T.abs(x - 1), True),
        (lambda T, x: T.clamp(x, 0.7, 2.5), True),
        (lambda T, x: T.sum(x), True),
        (lambda T, x: T.sum(x, dim=1), True),
        (lambda T, x: T.mean(x, 0, keepdim=True), True),
        (lambda T, x: T.var(x, 1), True),
        (lambda T, x: T.std(x), True),
        (lambda T, x: T.logsumexp(x, 1), True),
        (lambda T, x: T.softmax(x, 1), True),
        (lambda T, x: T.log_softmax(x, 0), True),
        (lambda T, x: T.add(x, 1, alpha=2), True),
        (lambda T, x: T.sub(x, x * x), True),
        (lambda T, x: T.mul(x, 3), True),
        (lambda T, x: T.div(x, 4), True),
        (lambda T, x: T.pow(x, 2), True),
        (lambda T, x: T.neg(x), True),
        (lambda T, x: T.reshape(x, (4,)), True),
        (lambda T, x: T.squeeze(T.unsqueeze(x, 0)), True),
        (lambda T, x: T.t(x), True),
        (lambda T, x: T.permute(x, (1, 0)), True),
        (lambda T, x: T.clone(x), True),
        (lambda T, x: T.where(x > 1, x, x * 0), True),
        (lambda T, x: T.maximum(x, x.t()), True),
        (lambda T, x: T.minimum(x, x.t()), True),
        (lambda T, x: T.argmax(x, 1), False),
        (lambda T, x: T.argmin(x), False),
        (lambda T, x: T.zeros_like(x) + T.ones_like(x) + T.full_like(x, 2.0), False),
        (lambda T, x: T.eye(3, 2), False),
        (lambda T, x: T.full((2,), 1.5), False),
        (lambda T, x: T.zeros(2, 3) + T.ones((2, 3)), False),
    ]
    for i, (fn, differentiable) in enumerate(pairs):
        if differentiable:
            compare_vjp(torch, lambda x: fn(tg, x), n, torch_fn=lambda x: fn(torch, x))
        else:
            assert_same(fn(tg, tg.tensor(n)), fn(torch, torch.tensor(n)), what=f"function {i}")


def test_dtype_names_are_torchs(torch):
    for name in ("float32", "float", "float64", "double", "float16", "half", "int64", "long", "int32", "int",
                 "int16", "short", "int8", "uint8", "bool", "complex64", "complex128"):
        ours, theirs = getattr(tg, name), getattr(torch, name)
        assert tg.zeros(1, dtype=ours).dtype == ours
        assert str(np.dtype(ours)) == str(theirs).removeprefix("torch."), name
    assert tg.tensor([1.0]).dtype == tg.float32 == tg.float
    assert tg.tensor([1]).long().dtype == tg.long == tg.int64


def test_cuda_is_available_is_a_bool():
    assert isinstance(tg.cuda.is_available(), bool)
    assert tg.cuda.is_available() == tg.is_cuda_available()


def test_grad_fn_is_public_and_read_only():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    y = w * 2
    assert w.grad_fn is None and y.grad_fn is not None
    assert tg.tensor([1.0]).grad_fn is None
    with tg.no_grad():
        assert (w * 2).grad_fn is None
    for t in (w, y):
        with pytest.raises(AttributeError):
            t.grad_fn = None
    assert y.grad_fn is not None


def test_nn_flatten_takes_start_and_end_dim(torch):
    x = np.random.default_rng(6).standard_normal((2, 3, 4, 5)).astype(np.float32)
    for args in ((), (0,), (1, 2), (0, 1), (2, -1), (-3, -2)):
        assert_same(tg.nn.Flatten(*args)(tg.tensor(x)), torch.nn.Flatten(*args)(torch.tensor(x)), what=str(args))
    layer = tg.nn.Flatten(start_dim=0, end_dim=1)
    assert layer(tg.tensor(x)).shape == (6, 4, 5)


def test_load_takes_weights_only(tmp_path):
    model = tg.nn.Linear(3, 2)
    path = tmp_path / "weights.pth"
    tg.save(model.state_dict(), path)
    for kwargs in ({"weights_only": True}, {"weights_only": True, "map_location": "cpu"}, {}):
        other = tg.nn.Linear(3, 2)
        other.load_state_dict(tg.load(path, **kwargs))
        for a, b in zip(other.parameters(), model.parameters()):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


# ====================================================================== found in review


def test_an_integer_and_a_mask_index_as_pytorch(torch):
    x = np.arange(40.0).reshape(2, 5, 4)
    mask = np.array([True, False, True, True])
    assert_same(tg.tensor(x)[0, :, mask], torch.tensor(x)[0, :, torch.tensor(mask)], what="x[0, :, mask]")


def test_min_of_unsigned_and_bool_tensors(torch):
    for values in (np.array([0, 5], np.uint8), np.array([True, False])):
        assert_same(tg.tensor(values).min(), torch.tensor(values).min(), what=f"min of {values.dtype}")
    zero, five = np.uint8(0), np.uint8(5)
    assert_same(tg.minimum(tg.tensor(zero), tg.tensor(five)), torch.minimum(torch.tensor(zero), torch.tensor(five)))


def test_dim_and_axis_together_are_refused():
    for method in ("max", "min", "sum"):
        with pytest.raises(TypeError, match=f"{method}: give dim or axis, not both"):
            getattr(tg.zeros(2, 3), method)(dim=0, axis=1)


def test_out_must_fit_the_result():
    with pytest.raises(RuntimeError, match="out="):
        tg.add(tg.ones(3), 0, out=tg.zeros(3, dtype=tg.int64))  # float into int: refused, as PyTorch
    with pytest.raises(RuntimeError, match="out="):
        tg.sum(tg.ones(3), out=tg.zeros(3))  # a 0-d result into (3,): refused, not broadcast
    out = tg.zeros(3)
    assert tg.mul(tg.ones(3), 2.0, out=out) is out and out.tolist() == [2.0, 2.0, 2.0]


def test_fill_truncates_into_an_integer_tensor_as_pytorch(torch):
    assert_same(tg.zeros(3, dtype=tg.int64).fill_(1.5), torch.zeros(3, dtype=torch.int64).fill_(1.5))


def test_squeeze_checks_the_axis_of_a_0d_tensor():
    with pytest.raises(ValueError, match="squeeze: axis 7"):
        tg.tensor(3.0).squeeze(7)
