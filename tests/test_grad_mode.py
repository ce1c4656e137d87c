"""Grad mode (`no_grad`, `enable_grad`, `set_grad_enabled`): per thread, reentrant, as in PyTorch.

Most tests are short programs a learner would write: evaluate in one thread while training in
another, train several models at once with threads, joblib or Optuna, decorate a recursive
function or a generator. The semantic tests run the same program on PyTorch too, when it is
installed, so that "as in PyTorch" is checked rather than claimed.
"""
import sys
import threading

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F


@pytest.fixture(autouse=True)
def often_switching_threads():
    """Ask the interpreter to switch threads every ~10 us (default 5 ms), so threads interleave
    between single ops; each test must also leave grad mode on in the main thread."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(interval)
    left_on = tg.is_grad_enabled()
    tg.set_grad_enabled(True)  # so that one failing test does not fail every later one
    assert left_on, "the test left grad mode off in the main thread"


@pytest.fixture(params=["tinygrad_edu", "torch"])
def lib(request):
    """The library under test: tinygrad_edu, and PyTorch (the reference; see conftest's fixture)."""
    return request.getfixturevalue("torch") if request.param == "torch" else tg


def leaf(lib, value=2.0):
    """A scalar that requires grad, in `lib`'s spelling."""
    if lib is tg:
        return tg.Tensor(np.array(value), requires_grad=True)
    return lib.tensor(value, requires_grad=True)


def regression_data(seed: int, n: int = 8):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32) + 0.1).astype(np.float32)
    return tg.Tensor(x), tg.Tensor(y)


def train(seed: int, steps: int = 200, lr: float = 0.05) -> dict:
    """Fit a Linear layer to seeded data; the final weights and loss, as arrays."""
    x, y = regression_data(seed)
    model = tg.nn.Linear(3, 1, generator=seed)
    optimizer = tg.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    return {"weight": model.weight.numpy().copy(), "bias": model.bias.numpy().copy(), "loss": loss.item()}


def run_in_threads(*targets):
    """Start every target at once (a barrier), join them, re-raise the first error a thread hit."""
    start, errors = threading.Barrier(len(targets)), []

    def run(target):
        try:
            start.wait()
            target()
        except BaseException as error:  # a thread's exception would otherwise only be printed
            errors.append(error)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


# ---------------------------------------------------------------- threads, joblib, Optuna

def test_evaluating_under_no_grad_in_one_thread_while_another_trains():
    x, y = regression_data(0)
    model = tg.nn.Linear(3, 1, generator=0)
    optimizer = tg.optim.SGD(model.parameters(), lr=0.05)
    evaluator = tg.nn.Linear(3, 1, generator=1)
    steps, training_done = 3000, threading.Event()
    seen = {"steps": 0, "steps_with_grads": 0, "evals": 0, "evals_during_training": 0, "evals_recorded": 0}

    def training():
        try:
            for _ in range(steps):
                optimizer.zero_grad()
                loss = F.mse_loss(model(x), y)
                loss.backward()
                seen["steps"] += 1
                seen["steps_with_grads"] += all(p.grad is not None and np.any(p.grad.numpy() != 0)
                                                for p in model.parameters())
                optimizer.step()
        finally:  # a failing step must not leave the evaluator waiting forever
            training_done.set()

    def evaluation():  # at least `steps` evaluations, and on until training ends
        while seen["evals"] < steps or not training_done.is_set():
            with tg.no_grad():
                out = evaluator(x)
            seen["evals"] += 1
            seen["evals_during_training"] += not training_done.is_set()
            seen["evals_recorded"] += out.requires_grad

    run_in_threads(training, evaluation)
    assert seen["steps"] == steps
    assert seen["steps_with_grads"] == steps, "some training steps got no gradient"
    assert seen["evals_recorded"] == 0, "an evaluation under no_grad recorded a graph"
    assert seen["evals_during_training"] > 100, "the two threads did not overlap"
    assert tg.is_grad_enabled()


def test_two_threads_training_two_models_get_the_sequential_weights():
    sequential = {seed: train(seed, steps=500) for seed in (1, 2)}
    threaded = {}

    def trainer(seed):
        return lambda: threaded.update({seed: train(seed, steps=500)})

    run_in_threads(trainer(1), trainer(2))
    for seed in (1, 2):
        for name in ("weight", "bias"):
            np.testing.assert_array_equal(threaded[seed][name], sequential[seed][name])
        assert threaded[seed]["loss"] < 0.05  # they did learn


def test_joblib_threads_train_as_sequential():
    joblib = pytest.importorskip("joblib")
    seeds = range(6)
    sequential = [train(seed) for seed in seeds]
    parallel = joblib.Parallel(n_jobs=2, prefer="threads")(joblib.delayed(train)(seed) for seed in seeds)
    for got, expected in zip(parallel, sequential):
        for name in ("weight", "bias"):
            np.testing.assert_array_equal(got[name], expected[name])


def test_optuna_with_two_jobs_completes_every_trial_with_the_sequential_value():
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-3, 0.2, log=True)
        steps = trial.suggest_int("steps", 50, 300)
        return train(seed=0, steps=steps, lr=lr)["loss"]

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    study.optimize(objective, n_trials=6, n_jobs=2)
    assert len(study.trials) == 6
    for trial in study.trials:
        assert trial.state == optuna.trial.TrialState.COMPLETE, trial
        assert trial.value == train(seed=0, **trial.params)["loss"]


def test_a_new_thread_starts_with_grad_enabled(lib):
    x = leaf(lib)
    seen = {}

    def worker():
        seen["enabled"] = lib.is_grad_enabled()
        seen["recorded"] = (x * 3).requires_grad
        with lib.no_grad():  # the worker's no_grad is its own
            seen["inner"] = (x * 3).requires_grad

    with lib.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert not lib.is_grad_enabled()
    assert seen == {"enabled": True, "recorded": True, "inner": False}
    assert lib.is_grad_enabled()


# ---------------------------------------------------------------- blocks and decorators

def test_no_grad_and_enable_grad_blocks_nest_and_restore(lib):
    x = leaf(lib)
    with lib.no_grad():
        assert not (x * 2).requires_grad
        with lib.enable_grad():
            assert (x * 2).requires_grad  # enable_grad inside no_grad records
            with lib.no_grad():
                assert not (x * 2).requires_grad
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_the_same_block_object_can_be_entered_twice(lib):
    no_grad = lib.no_grad()
    with no_grad:
        with lib.enable_grad():
            with no_grad:
                assert not lib.is_grad_enabled()
            assert lib.is_grad_enabled()
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled()


def test_an_exception_inside_a_block_restores_the_mode(lib):
    with pytest.raises(ValueError):
        with lib.no_grad():
            raise ValueError("a failing evaluation")
    assert lib.is_grad_enabled()
    with lib.no_grad():
        with pytest.raises(ValueError):
            with lib.enable_grad():
                raise ValueError
        assert not lib.is_grad_enabled()


def test_set_grad_enabled_as_a_call_switches_now(lib):
    try:
        lib.set_grad_enabled(False)
        assert not lib.is_grad_enabled()
        assert not (leaf(lib) * 2).requires_grad
    finally:
        lib.set_grad_enabled(True)
    assert (leaf(lib) * 2).requires_grad


def test_set_grad_enabled_as_a_block(lib):
    x = leaf(lib)
    for training in (True, False):  # the usual loop: one body for training and evaluation
        with lib.set_grad_enabled(training):
            assert (x * 2).requires_grad is training
        assert lib.is_grad_enabled()
    with lib.no_grad():
        with lib.set_grad_enabled(True):
            assert lib.is_grad_enabled()
        assert not lib.is_grad_enabled()


def test_set_grad_enabled_as_a_decorator_switches_only_inside_the_function(lib):
    x = leaf(lib)

    @lib.set_grad_enabled(False)
    def predict(x):
        return x * 2

    assert lib.is_grad_enabled()  # decorating switched nothing
    assert not predict(x).requires_grad
    assert (x * 2).requires_grad


def test_no_grad_decorator_keeps_the_function_and_returns_its_value(lib):
    @lib.no_grad()
    def predict(x):
        """Double x."""
        return x * 2

    x = leaf(lib)
    y = predict(x)
    assert predict.__name__ == "predict" and predict.__doc__ == "Double x."
    assert value(y) == 4.0 and not y.requires_grad
    assert (x * 2).requires_grad


def test_a_recursive_no_grad_function_leaves_grad_mode_on(lib):
    @lib.no_grad()
    def depth(n):
        assert not lib.is_grad_enabled()
        return 0 if n == 0 else 1 + depth(n - 1)

    assert depth(5) == 5
    assert lib.is_grad_enabled()
    assert (leaf(lib) * 2).requires_grad


def test_enable_grad_decorator_records_inside_no_grad(lib):
    @lib.enable_grad()
    def double(x):
        return x * 2

    x = leaf(lib)
    with lib.no_grad():
        assert double(x).requires_grad
        assert not (x * 2).requires_grad


# ---------------------------------------------------------------- generators

def test_no_grad_on_a_generator_holds_in_its_body_only(lib):
    x = leaf(lib)

    @lib.no_grad()
    def doubles(n):
        for _ in range(n):
            yield x * 2

    recorded_outside = []
    for y in doubles(3):
        assert not y.requires_grad  # made in the generator's body
        recorded_outside.append((x * 3).requires_grad)  # the caller's code, between next() calls
    assert recorded_outside == [True, True, True]

    @lib.enable_grad()
    def recorded_doubles():
        yield x * 2

    with lib.no_grad():  # and the other way round: an enable_grad generator driven from no_grad code
        for y in recorded_doubles():
            assert y.requires_grad
            assert not (x * 3).requires_grad


def test_a_no_grad_generator_receives_sent_values_and_returns(lib):
    @lib.no_grad()
    def accumulate():
        total = 0
        while True:
            value = yield lib.is_grad_enabled()
            if value is None:
                return total
            total += value

    gen = accumulate()
    assert next(gen) is False
    assert gen.send(2) is False and gen.send(3) is False
    assert lib.is_grad_enabled()
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == 5


def test_close_and_throw_reach_a_no_grad_generator(lib):
    log = []

    @lib.no_grad()
    def batches():
        try:
            while True:
                try:
                    yield "batch"
                except ValueError:
                    log.append(("caught", lib.is_grad_enabled()))
                    yield "recovered"
        finally:
            log.append(("finally", lib.is_grad_enabled()))

    gen = batches()
    assert next(gen) == "batch"
    assert gen.throw(ValueError("skip this batch")) == "recovered"
    assert lib.is_grad_enabled()
    gen.close()
    assert log == [("caught", False), ("finally", False)]
    assert lib.is_grad_enabled()

    gen = batches()
    next(gen)
    with pytest.raises(KeyError):  # not caught inside: it comes back out to the caller
        gen.throw(KeyError("stop"))
    assert log[-1] == ("finally", False)
    assert lib.is_grad_enabled()


def test_breaking_out_of_a_no_grad_generator_restores_the_mode(lib):
    @lib.no_grad()
    def numbers():
        n = 0
        while True:
            yield n, lib.is_grad_enabled()
            n += 1

    for n, enabled_inside in numbers():
        assert not enabled_inside
        if n == 2:
            break
    assert lib.is_grad_enabled()


# ---------------------------------------------------------------- backward under no_grad

def grad_of(lib, y, x, create_graph):
    return (tg.grad if lib is tg else lib.autograd.grad)(y, x, create_graph=create_graph)[0]


def value(t) -> float:
    return float(t.detach())


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")  # PyTorch's leak warning
def test_create_graph_inside_no_grad_still_gives_a_differentiable_gradient(lib):
    x = leaf(lib)  # y = x**3: dy/dx = 3x**2 = 12, d2y/dx2 = 6x = 12
    y = x ** 3
    with lib.no_grad():
        dy = grad_of(lib, y, x, create_graph=True)
        assert not lib.is_grad_enabled()  # backward restored the caller's mode
    assert value(dy) == 12.0 and dy.requires_grad
    assert value(grad_of(lib, dy, x, create_graph=False)) == 12.0

    y = x ** 3
    with lib.no_grad():
        y.backward(create_graph=True)
    assert value(x.grad) == 12.0 and x.grad.requires_grad


def test_plain_backward_inside_enable_grad_leaves_the_mode_as_it_was(lib):
    x = leaf(lib)
    with lib.no_grad():
        with lib.enable_grad():
            (x ** 2).backward()
            assert lib.is_grad_enabled()
        assert not lib.is_grad_enabled()
    assert value(x.grad) == 4.0 and not x.grad.requires_grad


def test_blocks_closed_out_of_order_restore_their_own_modes():
    # two undecorated generators hold blocks across a yield and are closed in the order they
    # were opened: each block restores the mode it found, not the other block's (as PyTorch's)
    def holding(mode):
        with mode():
            yield

    with tg.no_grad():
        first, second = holding(tg.enable_grad), holding(tg.no_grad)
        next(first)  # enable_grad found grad off
        next(second)  # no_grad found grad on
        first.close()
        assert not tg.is_grad_enabled()  # a shared stack of saved modes would give True here
        second.close()
        assert tg.is_grad_enabled()
    assert tg.is_grad_enabled()
