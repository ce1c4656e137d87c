"""In-place safety: an array saved for backward and changed afterwards makes backward raise,
naming the op, instead of returning a gradient computed from the wrong values."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn, optim, versions


def _leaf(values=(1.0, 2.0, 3.0)):
    return Tensor(np.array(values), requires_grad=True)


def test_writing_a_saved_leaf_through_data_makes_backward_name_the_op():
    x, w = _leaf(), _leaf((0.5, -1.0, 2.0))
    loss = (x * w).sum()
    w.data -= 0.1  # the book's manual SGD step, taken too early
    with pytest.raises(RuntimeError, match=r"backward through mul: an array of shape \(3,\) .* changed in place"):
        loss.backward()


def test_writing_a_saved_intermediate_is_caught():
    x = _leaf()
    h = x.exp()  # exp saves its output
    loss = (h + 1.0).sum()
    h.data *= 2
    with pytest.raises(RuntimeError, match="backward through exp"):
        loss.backward()


def test_a_write_through_a_view_of_the_saved_array_is_caught():
    w = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x = Tensor(np.ones((4, 3)))
    loss = (x @ w.T).sum()  # matmul saved a transposed view of w's array
    w.data += 1.0
    with pytest.raises(RuntimeError, match="backward through matmul"):
        loss.backward()


def test_an_optimizer_step_between_forward_and_a_retained_backward_is_caught():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    loss = model(Tensor(np.ones((4, 3), np.float32))).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match="backward through linear"):
        loss.backward()


def test_init_and_load_state_dict_after_forward_are_caught():
    model = nn.Linear(3, 2)
    for change in (lambda: nn.init.normal_(model.weight),
                   lambda: model.load_state_dict(nn.Linear(3, 2).state_dict())):
        loss = model(Tensor(np.ones((4, 3), np.float32))).sum()
        change()
        with pytest.raises(RuntimeError, match="changed in place"):
            loss.backward()


def test_the_create_graph_path_checks_too():
    x = _leaf()
    y = (x * x).sum()
    x.data += 1
    with pytest.raises(RuntimeError, match="backward through mul"):
        tg.grad(y, x, create_graph=True)


def test_replacing_data_with_a_new_array_keeps_the_forward_values_and_the_right_gradient():
    x, w = _leaf(), _leaf((0.5, -1.0, 2.0))
    loss = (x * w).sum()
    w.data = w.data - 0.1  # a new array: the one saved by mul is untouched
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, -1.0, 2.0])


def test_the_usual_training_loop_never_trips_the_check():
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=0.1)
    x = Tensor(np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32))
    for _ in range(5):
        opt.zero_grad()
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()
        model.weight.data -= 0.0  # a write after backward is fine


def test_the_table_of_written_arrays_stays_small(monkeypatch):
    # The table is pruned when it doubles since its last pruning: an earlier test with many live
    # written arrays (a 10,000-layer model) leaves that mark high. Start from the floor, as a new process does.
    monkeypatch.setattr(versions, "_prune_at", 1024)
    for _ in range(5000):
        t = Tensor(np.zeros(2))
        t.data += 1.0  # each array is written once and then dies
    assert len(versions._written) < 2500


def test_accumulating_into_grad_leaves_an_array_saved_from_it_alone():
    w, v = _leaf(), _leaf()
    (w * 2).sum().backward()
    loss = (w.grad * v).sum()  # mul saves w.grad's array
    (w * 3).sum().backward()  # accumulates: w.grad becomes 5
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), [5.0, 5.0, 5.0])
    np.testing.assert_allclose(v.grad.numpy(), [2.0, 2.0, 2.0])  # the value mul saw in forward
