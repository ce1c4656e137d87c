"""tg.jit: replays equal eager execution bit for bit, guards retrace, and what it cannot see is refused."""
import sys
from contextlib import nullcontext

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.nn import functional as F

STEPS = 8


def data(shape, classes=4, steps=STEPS, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((steps,) + shape).astype(np.float32),
            rng.integers(0, classes, (steps, shape[0])))


def mlp(dropout=0.0, batchnorm=False):
    layers = [nn.Linear(12, 16)] + ([nn.BatchNorm1d(16)] if batchnorm else []) + [nn.ReLU()]
    layers += ([nn.Dropout(dropout)] if dropout else []) + [nn.Linear(16, 4)]
    return nn.Sequential(*layers)


def convnet():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 4 * 4, 4))


OPTIMIZERS = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.1),
    "momentum": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-3),
    "nesterov": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "adagrad": lambda ps: optim.Adagrad(ps, lr=0.05, weight_decay=1e-2),
    "rmsprop": lambda ps: optim.RMSprop(ps, lr=0.01, alpha=0.9),
    "adadelta": lambda ps: optim.Adadelta(ps, lr=1.0, weight_decay=1e-3),
    "adam": lambda ps: optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), weight_decay=1e-3),
    "adamw": lambda ps: optim.AdamW(ps, lr=0.01),
}


def train(make_model, make_optimizer, xs, ys, jitted, clip=None, clip_value=None, schedule=False, seed=0,
          device="cpu"):
    """Losses and final weights (and buffers) of STEPS training steps, eager or with tg.jit."""
    tg.manual_seed(seed)
    model = make_model()
    opt = make_optimizer(model.parameters())
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5) if schedule else None

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if clip:
            optim.clip_grad_norm_(model.parameters(), clip)
        if clip_value:
            optim.clip_grad_value_(model.parameters(), clip_value)
        opt.step()
        return loss

    run = tg.jit(step) if jitted else step
    losses = []
    for x, y in zip(xs, ys):
        losses.append(run(tg.Tensor(x, device=device), y).numpy())
        if scheduler:
            scheduler.step()
    state = {k: np.array(v) for k, v in model.state_dict().items()}
    return np.array(losses), state, run


def assert_same(eager, jitted):
    """Losses and final state equal bit for bit, and the jitted run did replay (3 calls trace)."""
    assert jitted[2].replayed >= len(jitted[0]) - 3
    np.testing.assert_array_equal(eager[0], jitted[0])
    assert eager[1].keys() == jitted[1].keys()
    for k in eager[1]:
        np.testing.assert_array_equal(eager[1][k], jitted[1][k], err_msg=k)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_replay_equals_eager_bit_for_bit_for_every_optimizer(name):
    xs, ys = data((8, 12))
    eager = train(mlp, OPTIMIZERS[name], xs, ys, jitted=False)
    jitted = train(mlp, OPTIMIZERS[name], xs, ys, jitted=True)
    assert_same(eager, jitted)
    assert jitted[2].programs, "the step was never replayed"


@pytest.mark.parametrize("options", [dict(clip=0.5), dict(schedule=True), dict(clip=100.0, schedule=True),
                                     dict(clip_value=0.01)])
def test_clipping_and_schedules_replay_exactly(options):
    xs, ys = data((8, 12))
    assert_same(train(mlp, OPTIMIZERS["adam"], xs, ys, False, **options),
                train(mlp, OPTIMIZERS["adam"], xs, ys, True, **options))


def test_dropout_draws_a_fresh_mask_each_replay_from_the_same_generator():
    xs, ys = data((8, 12))
    make = lambda: mlp(dropout=0.5)  # noqa: E731
    eager, jitted = train(make, OPTIMIZERS["sgd"], xs, ys, False), train(make, OPTIMIZERS["sgd"], xs, ys, True)
    assert_same(eager, jitted)


def test_batch_norm_running_statistics_are_updated_by_the_replay():
    xs, ys = data((8, 12))
    make = lambda: mlp(batchnorm=True)  # noqa: E731
    eager = train(make, OPTIMIZERS["momentum"], xs, ys, False)
    jitted = train(make, OPTIMIZERS["momentum"], xs, ys, True)
    assert_same(eager, jitted)
    assert any("running_mean" in k for k in jitted[1])


def test_views_of_the_inputs_are_taken_again_at_each_replay():
    """Flatten reshapes the input batch: a view of an array that is new at every call."""
    xs, ys = data((8, 3, 4))
    make = lambda: nn.Sequential(nn.Flatten(), mlp())  # noqa: E731
    assert_same(train(make, OPTIMIZERS["sgd"], xs, ys, False), train(make, OPTIMIZERS["sgd"], xs, ys, True))


def test_a_convnet_replays_exactly():
    xs, ys = data((6, 1, 8, 8))
    assert_same(train(convnet, OPTIMIZERS["adam"], xs, ys, False), train(convnet, OPTIMIZERS["adam"], xs, ys, True))


# ------------------------------------------------------------------ results, guards and retracing


def _model_and_step(make_optimizer=OPTIMIZERS["sgd"], **model_options):
    tg.manual_seed(1)
    model = mlp(**model_options)
    opt = make_optimizer(model.parameters())

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return model, opt, step


def test_returned_tensors_are_the_users_to_keep_and_grads_are_fresh():
    model, opt, step = _model_and_step()
    run = tg.jit(step)
    xs, ys = data((8, 12))
    kept, grads = [], []
    for x, y in zip(xs, ys):
        kept.append(run(tg.Tensor(x), y))
        grads.append(model[0].weight.grad)
    values = [float(t) for t in kept]
    assert run.replayed >= 4
    assert len(set(values)) == len(values)  # each call's loss, not the last one's
    assert len({id(g._data) for g in grads}) == len(grads)
    assert kept[-1].grad_fn is None  # a replay's results are values, not graphs


def test_a_new_input_shape_is_traced_again_and_replayed_exactly():
    xs, ys = data((8, 12), steps=12)
    short = [(x[:5], y[:5]) for x, y in zip(xs, ys)]
    results = []
    for jitted in (False, True):
        model, opt, step = _model_and_step()
        run = tg.jit(step) if jitted else step
        losses = []
        for (x, y), (sx, sy) in zip(zip(xs, ys), short):  # a full batch, then a short one, as in epochs
            losses += [run(tg.Tensor(x), y).numpy(), run(tg.Tensor(sx), sy).numpy()]
        results.append((np.array(losses), [p.numpy().copy() for p in model.parameters()]))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)
    assert len(run.programs) == 2 and run.replayed >= 12


@pytest.mark.parametrize("change", ["eval", "weight_decay", "new_data", "freeze", "dtype", "dropout_p"])
def test_each_guard_retraces_instead_of_replaying_a_stale_program(change):
    xs, ys = data((8, 12), steps=12)
    results = []
    for jitted in (False, True):
        model, opt, step = _model_and_step(OPTIMIZERS["momentum"], dropout=0.3)
        run = tg.jit(step) if jitted else step
        losses = []
        for i, (x, y) in enumerate(zip(xs, ys)):
            if i == 6:
                if change == "eval":
                    model.eval()  # dropout off: other code
                elif change == "weight_decay":
                    opt.param_groups[0]["weight_decay"] = 0.0  # the decay's code is skipped
                elif change == "new_data":
                    model[0].weight.data = model[0].weight.numpy() * 0.5  # a new array
                elif change == "freeze":
                    model[0].bias.requires_grad = False
                elif change == "dropout_p":
                    model[2].p = 0.6  # a Python number on a module
            if change == "dtype" and i >= 6:
                x = x.astype(np.float64)
                for p in model.parameters() if i == 6 else ():
                    p.data = p.numpy().astype(np.float64)
            losses.append(run(tg.Tensor(x), y).numpy())
        results.append((np.array(losses), [p.numpy().copy() for p in model.parameters()]))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)
    assert len(run.programs) == 2


def test_gradients_accumulated_across_calls_are_read_at_each_replay():
    xs, ys = data((8, 12), steps=12)
    results = []
    for jitted in (False, True):
        model, opt, _ = _model_and_step()

        def backward_only(x, y):  # zero_grad and step happen outside, every 3 calls
            F.cross_entropy(model(x), y).backward()

        run = tg.jit(backward_only) if jitted else backward_only
        for i, (x, y) in enumerate(zip(xs, ys)):
            run(tg.Tensor(x), y)
            if i % 3 == 2:
                opt.step()
                opt.zero_grad()
        results.append([p.numpy().copy() for p in model.parameters()])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
    assert run.replayed > 0


def test_grad_mode_is_a_guard():
    model = mlp()
    predict = tg.jit(lambda x: model(x))
    x = tg.Tensor(np.ones((3, 12), np.float32))
    for _ in range(4):
        with tg.no_grad():
            a = predict(x)
        b = predict(x)
    assert a.grad_fn is None and len(predict.programs) == 2
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_past_the_limit_new_signatures_run_eagerly_with_one_warning(monkeypatch):
    monkeypatch.setattr(sys.modules["tinygrad_edu.jit"], "MAX_PROGRAMS", 1)
    double = tg.jit(lambda x: x * 2)
    for _ in range(3):
        double(tg.Tensor(np.ones(3, np.float32)))
    with pytest.warns(UserWarning, match="runs eagerly"):
        out = double(tg.Tensor(np.ones(4, np.float32)))
    np.testing.assert_array_equal(out.numpy(), 2 * np.ones(4))


def test_label_checks_are_kept_on_replay():
    model, opt, step = _model_and_step()
    run = tg.jit(step)
    xs, ys = data((8, 12))
    for x, y in zip(xs[:5], ys[:5]):
        run(tg.Tensor(x), y)
    bad = ys[5].copy()
    bad[3] = 9
    before = model[0].weight.numpy().copy()
    with pytest.raises(ValueError, match="label 9 is out of range for 4 classes"), pytest.warns(UserWarning):
        run(tg.Tensor(xs[5]), bad)
    np.testing.assert_array_equal(model[0].weight.numpy(), before)  # it stopped before the update


def test_a_batch_that_fails_a_value_guard_runs_eagerly_and_exactly():
    """Traced on labels that are all classes, the step took cross-entropy's short path; a batch
    with an ignored label fails the guard checked before any call, and that call runs eagerly."""
    xs, ys = data((8, 12))
    ys[6, 2] = -100
    results = []
    for jitted in (False, True):
        model, opt, step = _model_and_step(OPTIMIZERS["adam"], dropout=0.2)
        run = tg.jit(step) if jitted else step
        with pytest.warns(UserWarning, match="a value it branched on differs") if jitted else nullcontext():
            losses = [run(tg.Tensor(x), y).numpy() for x, y in zip(xs, ys)]
        results.append((np.array(losses), [p.numpy().copy() for p in model.parameters()]))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)
    assert run.replayed == 4


def test_show_prints_one_line_per_recorded_call(capsys):
    model, opt, step = _model_and_step()
    run = tg.jit(step)
    assert "nothing recorded yet" in run.show()
    capsys.readouterr()
    xs, ys = data((8, 12))
    for x, y in zip(xs[:4], ys[:4]):
        run(tg.Tensor(x), y)
    text = run.show()
    assert "matmul(in0[8, 12]" in text and "python SGD.step.<locals>.<lambda>" in text or "python" in text
    assert text.count("\n") == len(run.program.trace.calls)
    assert capsys.readouterr().out.strip() == text.strip()



def test_relus_of_one_shape_share_one_array_of_zeros():
    """relu's zeros (zeros_like) are computed once per shape, dtype and layout, and the replay
    still equals eager execution."""
    w = tg.Tensor(np.eye(6, dtype=np.float32), requires_grad=True)

    def step(x):
        w.grad = None
        y = (x @ w).relu() + (x @ w.T).relu() + (x.T @ w).T.relu()  # the third has another layout
        y.sum().backward()
        return y

    run = tg.jit(step)
    x = tg.Tensor(np.random.default_rng(0).standard_normal((6, 6)).astype(np.float32))
    for _ in range(3):
        eager = step(x).numpy(), w.grad.numpy()
        assert all(np.array_equal(a, b) for a, b in zip(eager, (run(x).numpy(), w.grad.numpy())))
    lines = [line for line in run.show().splitlines() if "zeros_like" in line]
    assert len(lines) == 3 and "a constant" in lines[0] and "computed before" in lines[1], lines
    assert "a constant" in lines[2], lines[2]


def test_shape_only_calls_with_other_fill_values_are_not_merged():
    """full_like on two arrays of one shape is one constant only if the fill values are the same
    (-0.0 is not 0.0, and an array fill value is read for its values)."""
    def step(a, b):
        made = (tg.full_like(a, 0.0), tg.full_like(b, -0.0), tg.full_like(a, np.array(1.0, np.float32)),
                tg.full_like(b, np.array(2.0, np.float32)))
        return tuple(t * 1 for t in made)  # intermediates (what is handed out is never merged)

    run = tg.jit(step)
    a, b = tg.Tensor(np.ones(3, np.float32)), tg.Tensor(np.ones(3, np.float32))
    for _ in range(4):
        eager, jitted = [t.numpy() for t in step(a, b)], [t.numpy() for t in run(a, b)]
        assert all(np.array_equal(x, y) and np.array_equal(np.signbit(x), np.signbit(y)) for x, y in zip(eager, jitted))
    assert run.replayed

# ------------------------------------------------------------------ refused, with the cause


def _refused(step, *match):
    run = tg.jit(step)
    with pytest.raises(tg.JitError, match=match[0]) as error:
        for _ in range(4):
            run(tg.Tensor(np.ones((2, 3), np.float32)))
    for text in match[1:]:
        assert text in str(error.value)
    return str(error.value)


W = tg.Tensor(np.ones((3, 2), np.float32), requires_grad=True)


def test_reading_a_value_back_into_python_is_refused_with_the_line():
    def step(x):
        loss = (x @ W).sum()
        if loss.item() > 0:  # Python control flow on a value
            loss.backward()
        return loss
    message = _refused(step, r"`.item\(\)` reads a value back into Python", "test_jit.py", "loss.item()")
    assert "without tg.jit" in message
    _refused(lambda x: float((x @ W).sum()), "`__float__` reads a value back")


@pytest.mark.parametrize("what, step, match", [
    ("hook", lambda x: (x @ W).register_hook(lambda g: g * 2) or (x @ W).sum().backward(), None),
    ("create_graph", lambda x: (x @ W).sum().backward(create_graph=True), r"create_graph=True"),
    ("grad", lambda x: tg.grad((x @ W).sum(), [W]), r"tg.grad\(\)"),
])
def test_what_a_replay_cannot_reproduce_is_refused(what, step, match):
    if what == "hook":
        def step(x):
            h = x @ W
            h.register_hook(lambda g: g * 2)
            h.sum().backward()
        match = "a gradient hook"
    _refused(step, match)


def test_retain_grad_and_forward_hooks_are_refused():
    def retain(x):
        h = x @ W
        h.retain_grad()
        h.sum().backward()
    _refused(retain, "retain_grad")
    layer = nn.Linear(3, 2)
    layer.register_forward_hook(lambda m, i, o: None)
    _refused(lambda x: layer(x), "a forward hook")


def test_a_scheduler_stepped_inside_the_step_is_refused():
    opt = optim.SGD([W], lr=0.1)
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=1)
    _refused(lambda x: scheduler.step(), r"StepLR.step\(\) changes the learning rate")


def test_python_arrays_that_change_between_calls_are_refused():
    rng = np.random.default_rng(0)
    message = _refused(lambda x: x * tg.Tensor(rng.random(3).astype(np.float32)), "made in Python whose values change")
    assert "call 0" in message


def test_python_numbers_that_change_between_calls_are_refused():
    counter = [0]

    def step(x):
        counter[0] += 1
        return x * counter[0]
    _refused(step, "differ")


def test_python_control_flow_that_changes_between_calls_is_refused():
    counter = [0]

    def step(x):
        counter[0] += 1
        return x * 2 if counter[0] % 2 else x + 1
    _refused(step, "recorded different array calls")


def test_anomaly_mode_is_refused():
    with tg.detect_anomaly():
        _refused(lambda x: x * 2, "detect_anomaly")


def test_shapes_that_depend_on_values_are_refused_on_replay():
    def positives(x, mask):
        return x[tg.Tensor(mask)] * 2
    run = tg.jit(positives)
    x = tg.Tensor(np.arange(6, dtype=np.float32))
    mask = np.array([True, False] * 3)
    for _ in range(4):
        run(x, mask)
    with pytest.raises(tg.JitError, match="shapes depend on its values"):
        run(x, np.array([True] * 6))


@pytest.mark.parametrize("where", ["fake", "cuda"])
@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_the_replay_runs_on_device_arrays_too(name, where, monkeypatch):
    """On the CuPy stand-in (tests/fake_cupy.py: arrays that refuse to meet NumPy's), as the device
    tests, and on real CuPy where there is a GPU."""
    import fake_cupy
    from tinygrad_edu import device as device_module
    if where == "fake":
        monkeypatch.setattr(device_module, "cuda_library", lambda: fake_cupy)
    elif not tg.is_cuda_available():
        pytest.skip("no CUDA GPU here (CuPy missing, or no device)")
    xs, ys = data((8, 12))
    make = lambda: mlp(dropout=0.2, batchnorm=True).to("cuda")  # noqa: E731
    eager = train(make, OPTIMIZERS[name], xs, ys, False, device="cuda")
    jitted = train(make, OPTIMIZERS[name], xs, ys, True, device="cuda")
    assert_same(eager, jitted)
    assert jitted[2].replayed >= 4
    assert type(jitted[2].program.trace.calls[1].result) is device_module.cuda_library().ndarray


def test_viz_draws_the_recorded_program(tmp_path):
    from tinygrad_edu import viz
    model, opt, step = _model_and_step()
    run = tg.jit(step)
    with pytest.raises(ValueError, match="nothing recorded yet"):
        viz.draw_program(run)
    xs, ys = data((8, 12))
    for x, y in zip(xs[:4], ys[:4]):
        run(tg.Tensor(x), y)
    source = viz.draw_program(run).source
    calls = run.program.trace.calls
    assert source.count("shape=box") == len(calls)
    assert "matmul" in source and "in0\n[8, 12] float32" in source and "writes" in source
    assert "a view: free on replay" in source and "computed before: free on replay" in source
    short = viz.draw_program(run, max_calls=5).source
    assert short.count("shape=box") == 5 and f"{len(calls) - 5} more calls" in short
    assert viz.render(viz.draw_program(run), tmp_path / "program.dot").endswith("program.dot")


def test_moving_the_model_to_another_device_is_a_guard(monkeypatch):
    import fake_cupy
    from tinygrad_edu import device as device_module
    monkeypatch.setattr(device_module, "cuda_library", lambda: fake_cupy)
    xs, ys = data((8, 12))
    results = []
    for jitted in (False, True):
        model, opt, step = _model_and_step(OPTIMIZERS["sgd"])
        run = tg.jit(step) if jitted else step
        losses = []
        for i, (x, y) in enumerate(zip(xs, ys)):
            if i == 3:
                model.to("cuda")
            losses.append(run(tg.Tensor(x, device="cuda" if i >= 3 else "cpu"), y))
        results.append(([float(t) for t in losses], [p.numpy() for p in model.parameters()]))
        assert losses[-1].device == "cuda:0"
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)
    assert len(run.programs) == 2 and run.replayed >= 2  # one program per device


# ------------------------------------------------------------------ found by fuzzing against eager


def _same_as_eager(setup, body, inputs, calls=7, between=None):
    """Run body(state, *inputs(i)) eagerly and jitted on equal fresh states; every result and
    every parameter equal bit for bit after every call. Returns the jitted step."""
    runs = []
    for jitted in (False, True):
        tg.manual_seed(0)
        state = setup()
        run = tg.jit(lambda *a: body(state, *a)) if jitted else (lambda *a: body(state, *a))
        seen = []
        for i in range(calls):
            if between:
                between(state, i)
            out = run(*inputs(i))
            out = out if isinstance(out, tuple) else (out,)
            seen.append([np.array(o.numpy() if isinstance(o, tg.Tensor) else o) for o in out if o is not None])
            seen[-1] += [p.numpy().copy() for p in state["model"].parameters()] if "model" in state else []
        runs.append(seen)
    for i, (a, b) in enumerate(zip(*runs)):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y, err_msg=f"call {i}")
    return run


def _linear_state():
    model = nn.Sequential(nn.Linear(5, 4))
    return {"model": model, "opt": optim.SGD(model.parameters(), lr=0.1, momentum=0.9)}


X5 = np.random.default_rng(2).standard_normal((8, 6, 5)).astype(np.float32)


def test_the_same_array_given_twice_and_then_two_arrays():
    arrays = [tg.Tensor(x) for x in X5]
    _same_as_eager(_linear_state, lambda s, a, b: (s["model"](a) - s["model"](b)).sum(),
                   lambda i: (arrays[i], arrays[i]) if i < 4 else (arrays[i], arrays[i - 1]))


def test_arguments_given_back_are_this_calls_and_an_inputs_gradient_is_set():
    held = []

    def inputs(i):
        held.append(tg.Tensor(X5[i], requires_grad=True))
        return held[-1], X5[i, :, 0]

    def body(s, x, raw):
        s["opt"].zero_grad()
        s["model"](x).sum().backward()
        s["opt"].step()
        return x, raw, x.grad
    run = _same_as_eager(_linear_state, body, inputs)
    out = run(held[-1], X5[0, :, 0])
    assert out[0] is held[-1] and out[1] is not None and type(out[1]) is np.ndarray
    assert all(t.grad is not None for t in held)


def test_views_of_parameters_and_in_place_ops_on_intermediates():
    def body(s, x):
        h = s["model"](x) * 1
        h.add_(1.0)
        h[0] = 0.0
        top = h.topk(2, 1)[1]
        return h.cumprod(1).sum(), s["model"][0].weight.T * 1, top
    _same_as_eager(_linear_state, body, lambda i: (tg.Tensor(X5[i]),))



def test_an_in_place_op_on_softmaxs_input_is_allowed_as_eagerly():
    """Softmax saves only its output, so its input may change in place afterwards: the row
    maximum it shifts by takes no view of it that a trace would see."""
    def body(s, x):
        h = s["model"](x)
        y = h.softmax(-1)
        h.mul_(2.0)
        (y.sum() + h.sum()).backward()
        return y
    _same_as_eager(_linear_state, body, lambda i: (tg.Tensor(X5[i]),))

def test_optimizer_state_cleared_and_a_layer_replaced_between_calls():
    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.Linear(5, 4)

    def setup():
        model = Holder()
        return {"model": model, "opt": optim.SGD(model.parameters(), lr=0.1, momentum=0.9)}

    def between(s, i):
        if i == 4:
            s["opt"].state.clear()
            s["model"].layer = nn.Linear(5, 4)  # a new layer in the place of the one the step used
            s["opt"] = optim.SGD(s["model"].parameters(), lr=0.1, momentum=0.9)

    def body(s, x):
        s["opt"].zero_grad()
        loss = s["model"].layer(x).pow(2).mean()  # the holder itself is never called: only the layer
        loss.backward()
        s["opt"].step()
        return loss
    _same_as_eager(setup, body, lambda i: (tg.Tensor(X5[i]),), between=between)


def test_losses_and_layers_with_value_checks_and_numpy_labels():
    def body(s, x, labels):
        s["opt"].zero_grad()
        out = s["model"](x)
        pooled, where = F.max_pool2d(out.reshape(1, 1, 6, 4), 2, return_indices=True)
        loss = (F.nll_loss(out.log_softmax(1), labels) + F.binary_cross_entropy(out.sigmoid(), np.ones((6, 4), "f"))
                + pooled.sum() + out[np.arange(6), labels].sum())
        loss.backward()
        s["opt"].step()
        return loss, where
    _same_as_eager(_linear_state, body, lambda i: (tg.Tensor(X5[i]), np.arange(6) % 4))


def test_attention_replays_exactly():
    def setup():
        model = nn.MultiheadAttention(8, 2, batch_first=True)
        return {"model": model, "opt": optim.Adam(model.parameters(), lr=0.01)}

    def body(s, x):
        s["opt"].zero_grad()
        out, _ = s["model"](x, x, x, need_weights=False)
        out.pow(2).mean().backward()
        s["opt"].step()
    data8 = np.random.default_rng(3).standard_normal((7, 2, 3, 8)).astype(np.float32)
    _same_as_eager(setup, body, lambda i: (tg.Tensor(data8[i]),))


def test_state_carried_between_calls_is_refused_unless_it_is_an_argument():
    rnn = nn.RNN(5, 3, batch_first=True)
    carried = {}

    def kept_on_the_side(x):
        out, carried["h"] = rnn(x, carried.get("h"))
        carried["h"] = carried["h"].detach()
        return out.sum()
    _refused(lambda x: kept_on_the_side(tg.Tensor(X5[0][None])), "reads what the call before made")

    def passed(s, x, h):
        out, h = s["model"](x, h)
        return out.sum(), h.detach()
    h = [None]

    def inputs(i):
        return tg.Tensor(X5[i][None]), h[0]

    def setup():
        return {"model": nn.RNN(5, 3, batch_first=True)}
    runs = []
    for jitted in (False, True):
        tg.manual_seed(0)
        state, h[0] = setup(), tg.zeros(1, 1, 3)
        run = tg.jit(lambda x, h0: passed(state, x, h0)) if jitted else (lambda x, h0: passed(state, x, h0))
        outs = []
        for i in range(6):
            out, h[0] = run(*inputs(i))
            outs.append(float(out))
        runs.append(outs)
    assert runs[0] == runs[1] and run.replayed == 3


def test_printing_and_numpy_inside_the_step_are_refused():
    _refused(lambda x: print(x @ W), "printing a tensor reads its values")
    _refused(lambda x: (x @ W).numpy(), r"`.numpy\(\)` hands the values out")


def test_a_tensor_replaced_between_calls_is_refused():
    scale = {"t": None}
    run = tg.jit(lambda x: x @ W * scale["t"])
    with pytest.raises(tg.JitError, match="a different one at each call"):
        for _ in range(5):
            scale["t"] = tg.Tensor(np.ones(2, np.float32))
            run(tg.Tensor(np.ones((2, 3), np.float32)))


def test_shapes_that_depend_on_values_are_refused_while_learning():
    values = iter(np.random.default_rng(0).standard_normal((6, 4, 3)).astype(np.float32))
    run = tg.jit(lambda x: x[x > 0].sum())
    with pytest.raises(tg.JitError, match="shapes depend on its values"):
        for _ in range(6):
            run(tg.Tensor(next(values)))


@pytest.mark.parametrize("change", ["remove", "append", "new_group_dict"])
def test_an_optimizer_groups_parameters_and_dicts_are_guarded(change):
    def between(s, i):
        if i == 4:
            group = s["opt"].param_groups[0]
            if change == "remove":
                group["params"].pop()  # the bias is no longer updated
            elif change == "append":
                group["params"].append(s["extra"])
            else:
                s["opt"].param_groups[0] = {**group, "lr": 0.0}

    def setup():
        state = _linear_state()
        state["extra"] = tg.Tensor(np.ones(4, np.float32), requires_grad=True)
        return state

    def body(s, x):
        s["opt"].zero_grad()
        loss = (s["model"](x) * s["extra"]).pow(2).mean()
        loss.backward()
        s["opt"].step()
        return loss, s["extra"] * 1
    _same_as_eager(setup, body, lambda i: (tg.Tensor(X5[i]),), between=between)


def test_a_jitted_step_inside_another_is_recorded_as_part_of_it():
    inner = tg.jit(lambda x: x * 2.0)
    x = tg.Tensor(np.ones(3, np.float32))
    for _ in range(4):
        inner(x)  # it has a program of its own now
    assert inner.programs
    outer = tg.jit(lambda x: inner(x) + 1.0)
    for value in range(1, 7):
        out = outer(tg.Tensor(np.full(3, float(value), np.float32)))
        np.testing.assert_array_equal(out.numpy(), np.full(3, 2.0 * value + 1.0))
    assert outer.replayed >= 3


def test_two_threads_share_a_jitted_step_safely():
    import threading
    run = tg.jit(lambda x: (x * 2.0).sum())
    errors = []

    def work(offset):
        for i in range(200):  # arrays large enough that NumPy lets the other thread run meanwhile
            value = float(offset + i)
            out = run(tg.Tensor(np.full(100_000, value, np.float32)))
            if float(out) != pytest.approx(200_000.0 * value, rel=1e-5):
                errors.append((value, float(out)))
    threads = [threading.Thread(target=work, args=(k * 1000,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and run.replayed > 300


def test_setting_an_optimizers_lr_inside_the_step_is_refused():
    opt = optim.SGD([W], lr=0.1)

    def step(x, lr):
        opt.param_groups[0]["lr"] = lr  # Python: a replay would skip it
        return (x @ W).sum()
    run = tg.jit(step)
    with pytest.raises(tg.JitError, match="sets the optimizer's 'lr' in Python"):
        run(tg.Tensor(np.ones((2, 3), np.float32)), 0.05)
    opt.param_groups[0]["lr"] = 0.2  # outside a step it is as before
    assert opt.param_groups[0]["lr"] == 0.2


def test_an_inputs_values_handed_back_under_a_new_tensor_are_this_calls():
    run = tg.jit(lambda x: ((x @ W).sum(), x.detach(), x.data))
    for value in range(6):
        x = tg.Tensor(np.full((2, 3), float(value), np.float32))
        _, detached, data = run(x)
        assert detached.numpy()[0, 0] == value and data[0, 0] == value
    assert run.replayed == 3


def test_a_tensor_made_inside_the_step_from_an_array_reads_the_arrays_values_of_that_moment():
    weights = np.ones(2, np.float32)
    run = tg.jit(lambda x: (x @ W) * tg.Tensor(weights))
    x = tg.Tensor(np.ones((2, 3), np.float32))
    for i in range(6):
        weights[:] = i  # changed in place between calls: seen by every replay
        np.testing.assert_array_equal(run(x).numpy(), (x.numpy() @ W.numpy()) * i)
    assert run.replayed == 3


def test_a_bad_label_while_tracing_raises_the_eager_error():
    model, opt, step = _model_and_step()
    run = tg.jit(step)
    xs, ys = data((8, 12))
    bad = ys[0].copy()
    bad[1] = 7
    with pytest.raises(ValueError, match="label 7 is out of range for 4 classes"):
        run(tg.Tensor(xs[0]), bad)
    for x, y in zip(xs[1:], ys[1:]):  # then it records and replays as usual
        run(tg.Tensor(x), y)
    assert run.replayed >= 3
