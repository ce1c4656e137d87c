"""The gradient-checking tools, including tests that they catch wrong backwards."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Function, GradcheckError, Tensor
from tinygrad_edu.testing import check_op


def leaf(shape, seed=0):
    return Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * g * x


class SquareIgnoringUpstream(Square):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x  # forgets g: passes any check that only sums the output


class SquareThreePercentOff(Square):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2.06 * g * x


class SquareNotTwiceDifferentiable(Square):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(2 * x)  # a temporary: constant under create_graph
        return x * x

    @staticmethod
    def backward(ctx, g):
        (two_x,) = ctx.saved_tensors
        return g * two_x


def test_gradcheck_passes_correct_gradients_of_every_input():
    a, b = leaf((3, 4)), leaf((4, 2), seed=1)
    assert tg.gradcheck(lambda a, b: (a @ b).tanh(), (a, b))
    assert tg.gradcheck(lambda a: Square.apply(a), a)
    assert tg.gradgradcheck(lambda a, b: (a @ b).sigmoid() * a.sum(), (a, b))


def test_gradcheck_catches_a_backward_that_ignores_the_upstream_gradient():
    x = leaf(5)
    (Square.apply(x)).sum().backward()  # a sum-only check cannot tell the two apart
    good = x.grad.numpy()
    x.grad = None
    SquareIgnoringUpstream.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), good)
    with pytest.raises(GradcheckError, match="input 0"):
        tg.gradcheck(lambda t: SquareIgnoringUpstream.apply(t), x)


def test_gradcheck_catches_a_backward_three_percent_off_and_says_where():
    x = leaf((2, 3))
    with pytest.raises(GradcheckError) as info:
        tg.gradcheck(lambda t: SquareThreePercentOff.apply(t), x)
    message = str(info.value)
    for part in ("input 0", "shape (2, 3)", "of 6 gradient elements", "worst at index", "analytic", "numerical",
                 "tolerance"):
        assert part in message


def test_gradcheck_checks_inputs_after_the_first():
    a, b = leaf(3), leaf(3, seed=1)
    with pytest.raises(GradcheckError, match="input 1"):
        tg.gradcheck(lambda a, b: a + SquareThreePercentOff.apply(b), (a, b))


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    x = leaf(4)
    assert tg.gradcheck(lambda t: SquareNotTwiceDifferentiable.apply(t), x)
    with pytest.raises(GradcheckError, match="gradgradcheck"):
        tg.gradgradcheck(lambda t: SquareNotTwiceDifferentiable.apply(t), x)


def test_gradcheck_requires_float64_and_an_input_that_requires_grad():
    with pytest.raises(TypeError, match="float64"):
        tg.gradcheck(lambda t: t * 2, Tensor([1.0], requires_grad=True))
    with pytest.raises(ValueError, match="no input requires grad"):
        tg.gradcheck(lambda t: t * 2, Tensor(np.ones(2)))


def test_numerical_gradient_is_the_books_central_difference():
    f = lambda x: np.sum(x ** 2)  # noqa: E731
    x = np.array([3.0, 4.0])
    np.testing.assert_allclose(tg.numerical_gradient(f, x), [6.0, 8.0], rtol=1e-6)
    np.testing.assert_array_equal(x, [3.0, 4.0])  # restored after perturbation
    t = Tensor(np.array([[1.0, -2.0]]))
    np.testing.assert_allclose(tg.numerical_gradient(lambda v: (v * v * v).sum(), t),
                               [[3.0, 12.0]], rtol=1e-6)
    with pytest.raises(ValueError, match="single number"):
        tg.numerical_gradient(lambda v: v * 2, np.ones(2))


def test_check_op_gradient_checks_a_user_op_in_one_call():
    check_op(lambda x: Square.apply(x), reference=lambda x: x * x)
    with pytest.raises(GradcheckError):
        check_op(lambda x: SquareThreePercentOff.apply(x), reference=lambda x: x * x, max_examples=5)
