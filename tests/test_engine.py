"""The engine's structure: nodes, the one graph walker, accumulate nodes at the leaves, and
create_graph's `ctx.xp` (each feature around the loop has its own tests elsewhere: hooks in
test_hooks.py, in-place checks in test_inplace.py, anomaly mode in test_anomaly.py)."""
import copy
import pickle
import sys
import threading

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Function, viz
from tinygrad_edu.graph import AccumulateGrad, walk


def _graph():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    w = tg.Tensor([0.5, -1.0], requires_grad=True)
    h = (x * w).tanh()
    y = (h * h + h.exp() * 2.0).sum()
    return x, w, h, y


def test_next_functions_are_nodes_or_none_and_a_leaf_is_reached_through_its_accumulate_node():
    x, w, _, _ = _graph()
    y = x * w + tg.Tensor([3.0, 4.0])  # a Tensor that needs no gradient: None
    add, mul = y.grad_fn, y.grad_fn.next_functions[0]
    assert add.next_functions[1] is None
    assert [type(n) for n in mul.next_functions] == [AccumulateGrad, AccumulateGrad]
    assert [n.leaf for n in mul.next_functions] == [x, w]
    assert (x * 2.0).grad_fn.next_functions[0] is mul.next_functions[0]  # one accumulate node per leaf
    assert x.grad_fn is None and x.is_leaf and y.grad_fn is add


def test_the_engine_runs_the_nodes_in_the_walkers_order_and_viz_numbers_them_so():
    x, w, h, y = _graph()
    ran = []
    for node in walk([y.grad_fn]):  # a hook on every node records when the engine reaches it
        record = (lambda g, node=node: ran.append(node))
        if isinstance(node, AccumulateGrad):
            node.leaf.register_hook(record)
        else:
            node.hooks = [record]
    y.backward()
    assert ran == walk([y.grad_fn])
    assert viz.backward_order(y) == [n for n in ran if not isinstance(n, AccumulateGrad)]
    assert isinstance(ran[-1], AccumulateGrad) and isinstance(ran[-2], AccumulateGrad)  # leaves last
    assert len(ran) == len(set(ran))  # each node once


def test_the_walker_visits_each_node_once_latest_generation_first_and_stops_where_told():
    _, _, h, y = _graph()
    order = walk([y.grad_fn])
    generations = [n.generation for n in order]
    assert generations == sorted(generations, reverse=True) and len(order) == len(set(order))
    inside = walk([y.grad_fn], stop={h.grad_fn})
    assert h.grad_fn not in inside and not any(isinstance(n, AccumulateGrad) for n in inside)


def test_a_leaf_whose_values_are_replaced_keeps_one_accumulate_node_that_follows_them():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.data = np.array([1.0, 2.0, 3.0], np.float32)  # another shape between forward and backward
    with pytest.raises(ValueError, match=r"Mul.backward returned a gradient of shape \(2,\) for an input of "
                                         r"shape \(3,\)"):
        y.backward()
    (x * x).sum().backward()  # a new graph sees the new values
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_two_graphs_around_module_to_share_the_leaf_and_its_hooks_run_once():
    m, x = tg.nn.Linear(3, 2), tg.randn(4, 3, generator=0)
    first = m(x).sum()
    m.to(tg.float32)  # new arrays, the same values
    second = m(x).sum()
    (g,) = tg.grad(first + second, [m.weight], retain_graph=True)
    np.testing.assert_allclose(g.numpy(), 2 * np.broadcast_to(x.numpy().sum(0), (2, 3)), rtol=1e-6)
    calls = []
    m.weight.register_hook(lambda g: calls.append(g.shape))
    (first + second).backward(retain_graph=True)
    assert calls == [(2, 3)]
    m.to(tg.float64)
    (m(x.double()).sum() + first.double()).backward()  # the old graph's gradient is cast as the leaf is now
    assert m.weight.grad.dtype == np.float64


def test_copies_and_pickles_of_a_used_leaf_have_their_own_gradients():
    m, x = tg.nn.Linear(3, 2), tg.randn(4, 3, generator=0)
    loss = m(x).sum()  # keeps m's accumulate nodes alive
    twin = copy.deepcopy(m)
    twin(x).sum().backward()
    assert twin.weight.grad is not None and m.weight.grad is None
    loss.backward()
    assert m.weight.grad is not None
    with tg.no_grad():
        m.weight * 2.0
    restored = pickle.loads(pickle.dumps(m.weight))
    np.testing.assert_array_equal(restored.numpy(), m.weight.numpy())


def test_no_accumulate_node_is_made_under_no_grad():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    with tg.no_grad():
        w * 2.0
    assert w._accumulator is None


def test_threads_sharing_leaves_get_one_accumulate_node_each():
    leaves = [tg.Tensor(np.ones(3), requires_grad=True) for _ in range(50)]
    errors, switch = [], sys.getswitchinterval()

    def work():
        try:
            for w in leaves:
                (g,) = tg.grad((w * 2.0).sum(), [w])
                assert np.all(g.numpy() == 2.0)
        except Exception as e:  # noqa: BLE001  (reported below)
            errors.append(e)

    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(switch)
    assert not errors


class _RootOfSquare(Function):
    """y = sqrt(x^2 + 1);  dx = g x / y, written with ctx.xp.square and ctx.xp.sqrt"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.sqrt(ctx.xp.square(x) + 1)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x / ctx.xp.sqrt(ctx.xp.square(x) + 1)


class _UsesExpm1(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.expm1(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (ctx.xp.expm1(x) + 1)


def test_every_ctx_xp_function_is_twice_differentiable_and_others_are_named():
    x = tg.Tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    assert tg.gradgradcheck(_RootOfSquare.apply, (x,))
    (g,) = tg.grad(_UsesExpm1.apply(x).sum(), x)  # first order: ctx.xp is NumPy, expm1 is there
    np.testing.assert_allclose(g.numpy(), np.exp(x.numpy()))
    with pytest.raises(AttributeError, match=r"ctx.xp.expm1 is not differentiable under create_graph=True: "
                                             r"a backward formula may use ctx.xp.\{abs, .*sqrt, square"):
        tg.grad(_UsesExpm1.apply(x).sum(), x, create_graph=True)
