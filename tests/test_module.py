"""Module system: registration order, names, modes, buffers, hooks, repr, summary, state dicts."""
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4, generator=0)
        self.bn = nn.BatchNorm1d(4)
        self.scale = nn.Parameter(np.ones(1, np.float32))

    def forward(self, x):
        return self.bn(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.layers = nn.ModuleList([nn.Linear(4, 4, generator=1), nn.Linear(4, 2, generator=2)])

    def forward(self, x):
        h = self.block(x)
        for layer in self.layers:
            h = layer(h).relu()
        return h


def test_parameters_are_registered_in_assignment_order_with_dotted_names():
    names = [n for n, _ in Net().named_parameters()]
    # as in PyTorch, a module's own parameters come before those of its sub-modules
    assert names == ["block.scale", "block.fc.weight", "block.fc.bias", "block.bn.weight", "block.bn.bias",
                     "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    assert [n for n, _ in Net().named_buffers()] == ["block.bn.running_mean", "block.bn.running_var"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in Net().parameters())


def test_order_is_the_same_in_every_process():
    code = ("import sys; sys.path[:0] = ['tests']; from test_module import Net; "
            "print([n for n, _ in Net().named_parameters()])")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout for seed in (1, 2, 3)}
    assert len(outputs) == 1 and "block.fc.weight" in outputs.pop()


def test_children_modules_and_shared_parameters():
    net = Net()
    assert [type(m).__name__ for m in net.children()] == ["Block", "ModuleList"]
    assert [n for n, _ in net.named_modules()] == ["", "block", "block.fc", "block.bn", "layers", "layers.0",
                                                   "layers.1"]
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(seq.parameters())) == 2  # a shared layer's parameters once


def test_train_eval_reach_every_submodule_and_buffers_are_not_parameters():
    net = Net().eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    params = {id(p) for p in net.parameters()}
    assert not any(id(b) in params for b in net.buffers())


def test_zero_grad_clears_every_gradient():
    net = Net()
    net(tg.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_reassigning_and_deleting_attributes_updates_the_registry():
    m = Block()
    m.fc = nn.Linear(3, 4)
    m.scale = None  # no longer a parameter
    del m.bn
    assert [n for n, _ in m.named_parameters()] == ["fc.weight", "fc.bias"]
    with pytest.raises(AttributeError, match="has no attribute 'bn'"):
        m.bn


def test_forgetting_super_init_is_explained():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_forward_hooks_see_and_can_replace_the_output():
    fc = nn.Linear(2, 2)
    seen = []
    handle = fc.register_forward_hook(lambda m, args, out: seen.append(out.shape))
    replace = fc.register_forward_hook(lambda m, args, out: out * 0)
    assert fc(tg.ones(3, 2)).numpy().sum() == 0 and seen == [(3, 2)]
    handle.remove(), replace.remove()
    fc(tg.ones(1, 2))
    assert seen == [(3, 2)]


def test_repr_and_summary():
    model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
    assert repr(model) == ("Sequential(\n  (0): Linear(in_features=784, out_features=100, bias=True)\n"
                           "  (1): ReLU()\n  (2): Linear(in_features=100, out_features=10, bias=True)\n)")
    text = model.summary((784,))
    assert "(None, 100)" in text and "78,500" in text and "total parameters: 79,510" in text
    assert model.training  # summary restores the mode


def test_state_dict_round_trip_is_bit_for_bit():
    a, b = Net(), Net()
    for p in b.parameters():
        p.data += 1
    a(tg.randn(6, 3))  # updates running statistics
    b.load_state_dict(a.state_dict())
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    state = a.state_dict()
    a.block.fc.weight.data += 1
    assert not np.array_equal(state["block.fc.weight"], a.block.fc.weight.numpy())  # a copy


def test_load_state_dict_lists_every_problem():
    net = Net()
    state = net.state_dict()
    del state["block.scale"]
    state["extra.weight"] = np.zeros(1)
    state["layers.1.bias"] = np.zeros(3)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert ("block.scale" in message and "extra.weight" in message
            and "layers.1.bias: checkpoint (3,), model (2,)" in message)
    del state["layers.1.bias"], state["extra.weight"]
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert missing == ["block.scale", "layers.1.bias"] and unexpected == []


def test_to_float64_for_gradient_checks():
    net = Net().to(np.float64)
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert all(b.dtype == np.float64 for b in net.buffers())
