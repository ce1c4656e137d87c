"""The engine: graph shapes, accumulation, retain_graph, no_grad, deep graphs, memory, aliasing,
custom Functions, higher-order derivatives and error messages."""
import gc
import weakref

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Function, Tensor


def leaf(values, dtype=np.float64):
    return Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# ------------------------------------------------------------------ graph shapes


def test_shared_subexpression_gets_both_gradients():
    x = leaf([1.0, -2.0, 3.0])
    y = (x * x + x).sum()  # x used three times
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() + 1)


def test_diamond_runs_each_op_once_after_all_its_gradients():
    x = leaf([0.3, -1.2])
    a = x * 2.0
    y = (a.sin() * a.cos() + a).sum()  # a feeds three branches that meet again
    y.backward()
    a_ = 2 * x.numpy()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (np.cos(2 * a_) + 1))


def test_reused_intermediate_is_not_double_counted():
    # micrograd#67: a=1; b=a+a; c=b+b must give dc/da = 4
    a = leaf(1.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad.item() == 4.0


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2 * x.numpy())
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_second_backward_through_freed_graph_mentions_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_defaults_to_create_graph():
    x = leaf(2.0)
    y = x ** 3
    y.backward(create_graph=True)
    y.backward()  # the graph was retained
    assert x.grad.item() == pytest.approx(2 * 12.0)


def test_backward_from_a_leaf():
    x = leaf(3.0)
    x.backward()
    assert x.grad.item() == 1.0


# ------------------------------------------------------------------ grad mode


def test_no_grad_records_nothing():
    x = leaf([1.0, 2.0])
    with tg.no_grad():
        y = x * 2
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf


def test_enable_grad_inside_no_grad_and_decorator_form():
    x = leaf([1.0])

    @tg.no_grad()
    def predict(t):
        with tg.enable_grad():
            inner = t * 2
        return inner, t * 3

    inner, outer = predict(x)
    assert inner.requires_grad and not outer.requires_grad


def test_no_grad_restores_mode_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with tg.no_grad():
            1 / 0
    assert tg.is_grad_enabled()


# ------------------------------------------------------------------ deep graphs and memory


def test_a_chain_of_100000_ops_backpropagates_without_recursion_error():
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y = y + x
    y.backward()
    assert x.grad.item() == 2.0
    del y  # freeing the chain must not recurse either


def test_intermediates_are_freed_without_the_cycle_collector():
    gc.disable()
    try:
        x = leaf(np.ones(1000))
        h = x.exp()  # saved by the Mul below
        probe = weakref.ref(h.data)
        loss = (h * x).sum()
        node = weakref.ref(loss._grad_fn)
        del h
        assert probe() is not None  # Mul saved it
        loss.backward()
        del loss
        assert probe() is None and node() is None, "graph kept alive by a reference cycle"
    finally:
        gc.enable()


def test_an_intermediate_nobody_saved_is_freed_while_the_graph_lives():
    x = leaf(np.ones(1000))
    h = x + 1.0  # Add saves nothing, and .sin() saves its input
    h2 = h * 2.0  # Mul by a constant keeps only the constant and h
    probe = weakref.ref(h2.data)
    y = (h2 + 1.0).sum()
    del h2
    assert probe() is None, "the graph pinned an array no op saved"
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2.0)


def test_gradients_never_alias_each_other_or_inputs():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()  # Add hands the same array to both
    assert not np.shares_memory(a.grad.data, b.grad.data)
    a.grad.data[0] = 100.0
    assert b.grad.data[0] == 1.0
    x = leaf([[1.0, 2.0]])
    seed = np.ones((1, 2))
    x.reshape(2).reshape(1, 2).backward(seed)
    assert not np.shares_memory(x.grad.data, seed) and not np.shares_memory(x.grad.data, x.data)


# ------------------------------------------------------------------ custom Functions


class Cube(Function):
    """y = x**3;  dx = 3 g x**2"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * g * x * x


def test_a_user_function_gets_first_and_second_derivatives():
    x = leaf([2.0, -1.0])
    y = Cube.apply(x)
    (g,) = tg.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), 3 * x.numpy() ** 2)
    (g2,) = tg.grad(g.sum(), x)
    np.testing.assert_allclose(g2.numpy(), 6 * x.numpy())


def test_needs_input_grad_and_constant_inputs():
    seen = {}

    class Scale(Function):
        @staticmethod
        def forward(ctx, x, factor):
            ctx.save_for_backward(factor)
            return x * factor

        @staticmethod
        def backward(ctx, g):
            seen["needs"] = ctx.needs_input_grad
            (factor,) = ctx.saved_tensors
            return g * factor, None

    x = leaf([1.0, 2.0])
    Scale.apply(x, 3.0).sum().backward()
    assert seen["needs"] == (True, False)
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_a_broadcast_gradient_is_summed_back_and_a_wrong_one_is_named():
    class Broadcasting(Function):
        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def backward(ctx, g):
            return np.ones((4,) + g.shape)  # a broadcast of x's shape: summed back down

    class Wrong(Function):
        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def backward(ctx, g):
            return np.ones(5)

    x = leaf([1.0, 2.0])
    Broadcasting.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0])
    with pytest.raises(ValueError, match=r"Wrong.*\(5,\).*\(2,\)"):
        Wrong.apply(x).sum().backward()


def test_a_backward_returning_too_few_gradients_is_named():
    class Two(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="Two.backward returned 1 gradients for 2 inputs"):
        Two.apply(leaf([1.0]), leaf([2.0])).sum().backward()


# ------------------------------------------------------------------ higher order and tg.grad


def test_second_derivative_of_x_cubed_is_6x():
    x = leaf([2.0, -0.5])
    (g,) = tg.grad((x ** 3).sum(), x, create_graph=True)
    (h,) = tg.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.numpy())


def test_hessian_vector_product_of_a_tanh_network_matches_finite_differences():
    rng = np.random.default_rng(0)
    X, w2 = rng.standard_normal((5, 3)), rng.standard_normal(4)
    w1 = leaf(rng.standard_normal((3, 4)))
    v = rng.standard_normal((3, 4))

    def loss(w):
        return ((X @ w).tanh() @ w2).tanh().sum()

    (g,) = tg.grad(loss(w1), w1, create_graph=True)
    (hvp,) = tg.grad((g * v).sum(), w1)

    def gradient_at(w):  # independent: first-order gradients only
        wt = leaf(w)
        loss(wt).backward()
        return wt.grad.numpy()

    eps = 1e-5
    expected = (gradient_at(w1.numpy() + eps * v) - gradient_at(w1.numpy() - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hvp.numpy(), expected, rtol=1e-6, atol=1e-8)


def test_grad_returns_gradients_without_touching_dot_grad():
    x, y = leaf([1.0, 2.0]), leaf([3.0])
    h = x * 2
    out = (h * y).sum()
    gx, gh = tg.grad(out, [x, h], retain_graph=True)
    np.testing.assert_allclose(gx.numpy(), 2 * y.numpy().repeat(2))
    np.testing.assert_allclose(gh.numpy(), [3.0, 3.0])
    assert x.grad is None
    with pytest.raises(RuntimeError, match="allow_unused"):
        tg.grad(out, [x, leaf([0.0])], retain_graph=True)
    gx, unused = tg.grad(out, [x, leaf([0.0])], allow_unused=True)
    assert unused is None


def test_cast_gradient_has_the_input_dtype():
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    (x.astype(np.float64) * np.float64(2.0)).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_mixing_float32_with_a_float64_array_promotes_but_the_gradient_keeps_float32():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * np.array([0.5, 0.25])
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32


# ------------------------------------------------------------------ errors


def test_backward_of_a_non_scalar_needs_a_gradient():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match=r"one-element output.*\(2,\)"):
        y.backward()


def test_backward_of_a_tensor_without_a_graph_says_why():
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        Tensor([1.0]).sum().backward()


def test_backward_with_a_gradient_of_the_wrong_shape():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        y.backward(np.ones(3))


def test_matmul_and_broadcast_mismatches_name_the_op_and_both_shapes():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\)"):
        a @ b
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(4, 5\)"):
        a + b
    with pytest.raises(ValueError, match=r"mul: shapes \(2, 3\) and \(2,\)"):
        a * np.ones(2)
