"""Optimizers and schedules against their closed forms (and PyTorch, where it is installed)."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim
from tinygrad_edu.optim import lr_scheduler

RNG = np.random.default_rng(0)
W0 = RNG.standard_normal((3, 4))
GRADS = [RNG.standard_normal((3, 4)) for _ in range(5)]


def reference(name, kw):
    """The documented update rules, written out independently, step by step."""
    p, s = W0.copy(), {}
    lr, wd = kw.get("lr"), kw.get("weight_decay", 0.0)
    for t, g in enumerate(GRADS, 1):
        if name != "AdamW":
            g = g + wd * p
        if name == "SGD":
            mu = kw.get("momentum", 0.0)
            if mu:
                s["b"] = g.copy() if t == 1 else mu * s["b"] + g
                g = g + mu * s["b"] if kw.get("nesterov") else s["b"]
            p = p - lr * g
        elif name == "Adagrad":
            s["h"] = s.get("h", 0) + g * g
            p = p - lr * g / (np.sqrt(s["h"]) + 1e-10)
        elif name == "RMSprop":
            s["v"] = 0.99 * s.get("v", 0) + 0.01 * g * g
            p = p - lr * g / (np.sqrt(s["v"]) + 1e-8)
        elif name == "Adadelta":
            s["v"] = 0.9 * s.get("v", 0) + 0.1 * g * g
            delta = np.sqrt(s.get("d", 0) + 1e-6) / np.sqrt(s["v"] + 1e-6) * g
            s["d"] = 0.9 * s.get("d", 0) + 0.1 * delta * delta
            p = p - 1.0 * delta
        else:  # Adam, AdamW
            if name == "AdamW":
                p = p * (1 - lr * wd)
            s["m"] = 0.9 * s.get("m", 0) + 0.1 * g
            s["v"] = 0.999 * s.get("v", 0) + 0.001 * g * g
            p = p - lr * (s["m"] / (1 - 0.9 ** t)) / (np.sqrt(s["v"] / (1 - 0.999 ** t)) + 1e-8)
    return p


CASES = [("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)),
         ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
         ("Adagrad", dict(lr=0.1)), ("RMSprop", dict(lr=0.01)), ("Adadelta", dict()),
         ("Adam", dict(lr=0.01, weight_decay=0.1)), ("AdamW", dict(lr=0.01, weight_decay=0.01))]


def run(name, kw, library=optim):
    w = tg.Tensor(W0.copy(), requires_grad=True)
    opt = getattr(library, name)([w], **kw)
    for g in GRADS:
        w.grad = tg.Tensor(g.copy())
        opt.step()
    return w.numpy()


@pytest.mark.parametrize("name, kw", CASES, ids=[f"{n}{sorted(k.items())}" for n, k in CASES])
def test_update_rule_matches_its_closed_form(name, kw):
    np.testing.assert_allclose(run(name, kw), reference(name, {"lr": 1.0, **kw}), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, kw", CASES, ids=[f"{n}{sorted(k.items())}" for n, k in CASES])
def test_update_rule_matches_pytorch(name, kw, torch):
    wt = torch.tensor(W0.copy(), requires_grad=True)
    opt = getattr(torch.optim, name)([wt], **kw)
    for g in GRADS:
        wt.grad = torch.tensor(g)
        opt.step()
    np.testing.assert_allclose(run(name, kw), wt.detach().numpy(), rtol=1e-12, atol=1e-13)


def test_defaults_are_pytorchs():
    w = [tg.Tensor([1.0], requires_grad=True)]
    assert optim.Adam(w).defaults == {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}
    assert optim.Adagrad(w).defaults["lr"] == 0.01 and optim.Adagrad(w).defaults["eps"] == 1e-10
    assert optim.RMSprop(w).defaults == {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0}
    assert optim.AdamW(w).defaults["weight_decay"] == 1e-2 and optim.Adadelta(w).defaults["lr"] == 1.0


def test_groups_with_their_own_lr_and_plain_tensors():
    a, b = tg.Tensor([1.0], requires_grad=True), tg.Tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1)
    a.grad, b.grad = tg.Tensor([1.0]), tg.Tensor([1.0])
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_step_builds_no_graph_and_skips_parameters_without_gradient():
    model = tg.nn.Linear(3, 2)
    opt = optim.Adam(model.parameters())
    model(tg.randn(4, 3)).sum().backward()
    model.bias.grad = None
    before = model.bias.numpy().copy()
    opt.step()
    assert all(p.is_leaf for p in model.parameters()) and np.array_equal(before, model.bias.numpy())


def test_state_dict_round_trip_continues_identically(tmp_path):
    def make():
        w = tg.Tensor(W0.copy(), requires_grad=True)
        return w, optim.Adam([w], lr=0.01)

    w1, o1 = make()
    for g in GRADS[:2]:
        w1.grad = tg.Tensor(g.copy())
        o1.step()
    tg.save(o1.state_dict(), tmp_path / "opt.npz")
    w2, o2 = make()
    w2.data[...] = w1.data
    o2.load_state_dict(tg.load(tmp_path / "opt.npz"))
    for g in GRADS[2:]:
        for w, o in ((w1, o1), (w2, o2)):
            w.grad = tg.Tensor(g.copy())
            o.step()
    assert np.array_equal(w1.numpy(), w2.numpy())


def test_bad_arguments_are_explained():
    w = tg.Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="requires grad"):
        optim.SGD([tg.Tensor([1.0])], lr=0.1)
    with pytest.raises(ValueError, match="lr must be >= 0"):
        optim.SGD([w], lr=-1)
    with pytest.raises(ValueError, match="unknown hyperparameters"):
        optim.SGD([{"params": [w], "momentun": 0.9}], lr=0.1)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="more than one group"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)


def test_gradient_clipping():
    a, b = tg.Tensor([0.0, 0.0], requires_grad=True), tg.Tensor([0.0], requires_grad=True)
    a.grad, b.grad = tg.Tensor([3.0, 0.0]), tg.Tensor([4.0])
    assert float(optim.clip_grad_norm_([a, b], 1.0)) == pytest.approx(5.0)
    assert np.sqrt((a.grad.numpy() ** 2).sum() + b.grad.item() ** 2) == pytest.approx(1.0, rel=1e-5)
    a.grad = tg.Tensor([3.0, -0.5])
    optim.clip_grad_value_([a], 1.0)
    assert a.grad.numpy().tolist() == [1.0, -0.5]


# ---------------------------------------------------------------------- schedules


def lrs(scheduler_factory, epochs=12, lr=0.1):
    opt = optim.SGD([tg.Tensor([1.0], requires_grad=True)], lr=lr)
    scheduler = scheduler_factory(opt)
    out = [scheduler.get_last_lr()[0]]
    for _ in range(epochs):
        scheduler.step()
        out.append(scheduler.get_last_lr()[0])
    return np.array(out)


T = np.arange(13)


@pytest.mark.parametrize("factory, closed_form", [
    (lambda o: lr_scheduler.StepLR(o, 3, 0.5), 0.1 * 0.5 ** (T // 3)),
    (lambda o: lr_scheduler.MultiStepLR(o, [2, 7], 0.1), 0.1 * 0.1 ** ((T >= 2).astype(int) + (T >= 7))),
    (lambda o: lr_scheduler.ExponentialLR(o, 0.8), 0.1 * 0.8 ** T),
    (lambda o: lr_scheduler.ExponentialDecayLR(o, r=4), 0.1 * 10.0 ** (-T / 4)),
    (lambda o: lr_scheduler.PowerDecayLR(o, r=2, c=1.5), 0.1 * (1 + T / 2) ** -1.5),
    (lambda o: lr_scheduler.LinearLR(o, 1.0, 1e-4 / 0.1, total_iters=10),
     np.maximum(0.1 - (0.1 - 1e-4) * T / 10, 1e-4)),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=12, eta_min=0.01),
     0.01 + 0.09 * (1 + np.cos(np.pi * T / 12)) / 2),
], ids=["StepLR", "MultiStepLR", "ExponentialLR", "lecture exponential", "lecture power", "lecture linear", "cosine"])
def test_schedules_follow_their_closed_forms(factory, closed_form):
    np.testing.assert_allclose(lrs(factory), closed_form, rtol=1e-12, atol=1e-15)


def test_reduce_on_plateau_cuts_after_patience_and_cools_down():
    opt = optim.SGD([tg.Tensor([1.0], requires_grad=True)], lr=0.1)
    s = lr_scheduler.ReduceLROnPlateau(opt, patience=2, factor=0.5, cooldown=1, min_lr=0.02)
    seen = []
    for value in [1.0, 0.9, 0.95, 0.96] + [0.97] * 12:
        s.step(value)
        seen.append(s.get_last_lr()[0])
    # PyTorch gives the same sequence: a cut after 3 bad epochs, 1 epoch of cooldown, floor min_lr
    assert seen == [0.1] * 4 + [0.05] * 4 + [0.025] * 4 + [0.02] * 4
    with pytest.raises(ValueError, match="mode"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="lowest")


def test_scheduler_state_round_trip():
    opt = optim.SGD([tg.Tensor([1.0], requires_grad=True)], lr=0.1)
    s = lr_scheduler.StepLR(opt, 2, 0.5)
    for _ in range(5):
        s.step()
    state = s.state_dict()
    opt2 = optim.SGD([tg.Tensor([1.0], requires_grad=True)], lr=0.1)
    s2 = lr_scheduler.StepLR(opt2, 2, 0.5)
    s2.load_state_dict(state)
    assert s2.get_last_lr() == s.get_last_lr() == [0.025] and s2.last_epoch == 5
