"""Gradient hooks and retain_grad, on leaves and intermediates."""
import gc
import weakref

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor


def test_hooks_see_and_replace_gradients_and_retain_grad_keeps_them():
    x = Tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    h = x * 3
    h.retain_grad()
    h.register_hook(lambda g: g * 10)  # runs before retain_grad stores the gradient, as in PyTorch
    ((h * h).sum() + x.sum()).backward()
    np.testing.assert_allclose(h.grad.numpy(), 10 * 2 * h.numpy())
    np.testing.assert_allclose(x.grad.numpy(), 3 * 10 * 2 * h.numpy() + 1)
    np.testing.assert_allclose(seen[0], x.grad.numpy())  # a leaf's hook sees its total gradient, once
    assert len(seen) == 1


def test_removed_hooks_and_errors():
    x = Tensor([1.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 0)
    handle.remove()
    (x * 2).sum().backward()
    assert x.grad.item() == 2.0
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).register_hook(lambda g: g)
    bad = Tensor([1.0], requires_grad=True)
    bad.register_hook(lambda g: Tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="must return None or a Tensor of shape"):
        (bad * 2).sum().backward()


def test_retain_grad_does_not_keep_the_tensor_alive():
    gc.disable()
    try:
        x = Tensor(np.ones(3), requires_grad=True)
        h = x.exp()
        h.retain_grad()
        probe = weakref.ref(h)
        y = (h * 2).sum()
        del h
        assert probe() is None  # the graph holds only a weak reference
        y.backward()  # and backward copes with the tensor being gone
        np.testing.assert_allclose(x.grad.numpy(), 2 * np.e)
    finally:
        gc.enable()


def test_hooks_under_create_graph_stay_differentiable():
    x = Tensor(2.0, requires_grad=True)
    y = x ** 3
    y.register_hook(lambda g: g * 2)
    (g,) = tg.grad(y, x, create_graph=True)
    assert g.item() == pytest.approx(2 * 12.0)
    (h,) = tg.grad(g, x)
    assert h.item() == pytest.approx(2 * 12.0)
