"""Resume is exact: N epochs in one run equal k epochs, `save_checkpoint`, a new model, optimizer
and trainer, `load_checkpoint` and the remaining epochs, bit for bit (weights, history, and the
files callbacks write), with each built-in callback, every schedule and every source of
randomness. And restored state passes the constructors' checks."""
import inspect

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, transforms
from tinygrad_edu.nn import functional as F
from tinygrad_edu.optim import lr_scheduler
from tinygrad_edu.train import Callback, EarlyStopping, HistoryLogger, ModelCheckpoint, Trainer

RNG = np.random.default_rng(0)
X = RNG.standard_normal((40, 4)).astype(np.float32)
Y = (X[:, 0] + X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 0.5)
X_VAL, Y_VAL = X[:12] + 0.1, Y[:12]


def mlp(dropout_generator=1):
    return nn.Sequential(nn.Linear(4, 8, generator=0), nn.ReLU(), nn.Dropout(0.25, generator=dropout_generator),
                         nn.Linear(8, 3, generator=2))


class FakeScores(Callback):
    """Sets logs["val_loss"] from a fixed sequence (by epoch, so it has no state of its own)."""

    def __init__(self, scores):
        self.scores = scores

    def on_epoch_end(self, trainer, epoch, logs):
        logs["val_loss"] = self.scores[epoch - 1]


def same(a, b) -> bool:
    """Equal nested checkpoint contents, arrays bit for bit."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.asarray(a).dtype == np.asarray(b).dtype and np.asarray(a).tobytes() == np.asarray(b).tobytes()
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and (a == b or (a != a and b != b))  # NaN equals NaN here


def assert_same_files(left, right):
    names = sorted(p.name for p in left.iterdir())
    assert names == sorted(p.name for p in right.iterdir())
    for name in names:
        if name.endswith(".npz"):
            assert same(tg.load(left / name), tg.load(right / name)), name
        else:
            assert (left / name).read_bytes() == (right / name).read_bytes(), name


def check_resume(tmp_path, make, epochs, cut, **fit_options):
    """Train `epochs` in one run and in two (cut after `cut`, the second half a new trainer from
    the checkpoint, after tg.manual_seed of another seed); assert that they end the same.
    `make(folder)` gives (model, trainer, train_data), its callbacks writing into folder."""
    folders = tmp_path / "whole", tmp_path / "split"
    for folder in folders:
        folder.mkdir()
    tg.manual_seed(0)
    whole_model, whole, data = make(folders[0])
    whole.fit(data, epochs, **fit_options)
    tg.manual_seed(0)
    _, first, data = make(folders[1])
    first.fit(data, cut, **fit_options)
    first.save_checkpoint(tmp_path / "cut.npz")
    tg.manual_seed(12345)  # the checkpoint brings back the default generator
    resumed_model, resumed, data = make(folders[1])
    resumed.load_checkpoint(tmp_path / "cut.npz")
    resumed.fit(data, epochs, **fit_options)
    assert same(whole_model.state_dict(), resumed_model.state_dict())
    assert same(whole.history.records, resumed.history.records) and resumed.epoch == whole.epoch
    whole.save_checkpoint(tmp_path / "whole.npz")
    resumed.save_checkpoint(tmp_path / "resumed.npz")  # optimizer, callbacks, generators too
    assert same(tg.load(tmp_path / "whole.npz"), tg.load(tmp_path / "resumed.npz"))
    assert_same_files(*folders)
    return whole, resumed


def test_early_stopping_resumes_exactly(tmp_path):
    scores = [1.0, 0.5, 0.7, 0.4, 0.6, 0.8, 0.9] + [1.0] * 13  # best at 4, stops at 7 with patience 3

    def make(folder):
        model = mlp()
        trainer = Trainer(model, F.cross_entropy, optim.Adam(model.parameters(), lr=0.05), progress=False,
                          callbacks=[ModelCheckpoint(folder / "e{epoch}.npz"), FakeScores(scores),
                                     EarlyStopping(patience=3), HistoryLogger(folder / "h.csv")])
        return model, trainer, (X, Y)

    # cut at 3: fit(3) rewinds to epoch 2's weights; the resumed run goes on from epoch 3's
    whole, resumed = check_resume(tmp_path, make, epochs=20, cut=3, batch_size=8)
    stopper = resumed.callbacks[2]
    assert whole.epoch == 7 and (stopper.best_epoch, stopper.stopped_epoch, stopper.wait) == (4, 7, 3)
    assert same(resumed.model.state_dict(), tg.load(tmp_path / "whole" / "e4.npz")["model"])

    # a kill after any epoch: resuming from the file ModelCheckpoint wrote (after EarlyStopping ran,
    # though listed before it) ends the same, the stop at epoch 7 included
    for epoch in (5, 7):
        model, trainer, data = make(tmp_path)
        trainer.callbacks = trainer.callbacks[:3]  # no second history file
        trainer.load_checkpoint(tmp_path / "whole" / f"e{epoch}.npz")
        trainer.fit(data, 20, batch_size=8)
        assert trainer.epoch == 7 and same(model.state_dict(), resumed.model.state_dict()), epoch

    # the same trainer fitted again goes on as one run does
    tg.manual_seed(0)
    model, trainer, data = make(tmp_path / "split")
    trainer.fit(data, 3, batch_size=8)
    trainer.fit(data, 20, batch_size=8)
    assert same(model.state_dict(), resumed.model.state_dict())


def test_model_checkpoint_best_only_resumes_exactly(tmp_path):
    scores = [0.9, 0.5, 0.8, 0.7, 0.6]  # nothing after the cut beats epoch 2

    def make(folder):
        model = mlp()
        trainer = Trainer(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), progress=False,
                          callbacks=[FakeScores(scores), ModelCheckpoint(folder / "best.npz", save_best_only=True)])
        return model, trainer, (X, Y)

    check_resume(tmp_path, make, epochs=5, cut=2, batch_size=8)
    assert tg.load(tmp_path / "split" / "best.npz")["epoch"] == 2


def test_reduce_lr_on_plateau_resumes_exactly(tmp_path):
    def make(folder):
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        plateau = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=0.2)
        return model, Trainer(model, F.cross_entropy, opt, plateau, progress=False), (X, Y)

    whole, _ = check_resume(tmp_path, make, epochs=6, cut=3, batch_size=8, validation_data=(X_VAL, Y_VAL))
    assert len(set(whole.history["lr"][3:])) > 1  # the lr was cut after the resume


SCHEDULES = {
    "StepLR": lambda opt: lr_scheduler.StepLR(opt, 2, 0.5),
    "MultiStepLR": lambda opt: lr_scheduler.MultiStepLR(opt, [1, 3], 0.5),
    "ExponentialLR": lambda opt: lr_scheduler.ExponentialLR(opt, 0.7),
    "ExponentialDecayLR": lambda opt: lr_scheduler.ExponentialDecayLR(opt, r=3),
    "PowerDecayLR": lambda opt: lr_scheduler.PowerDecayLR(opt, r=2, c=1.5),
    "LinearLR": lambda opt: lr_scheduler.LinearLR(opt, 0.5, 1.0, total_iters=4),
    "CosineAnnealingLR": lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=5, eta_min=0.001),
}


def test_every_schedule_has_a_resume_test():
    schedules = {name for name, cls in vars(lr_scheduler).items() if inspect.isclass(cls)
                 and issubclass(cls, lr_scheduler.LRScheduler) and cls is not lr_scheduler.LRScheduler}
    assert schedules == set(SCHEDULES)  # ReduceLROnPlateau has its own test above


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_every_schedule_resumes_exactly(tmp_path, name):
    def make(folder):
        model = mlp()
        opt = optim.Adam(model.parameters(), lr=0.05)
        return model, Trainer(model, F.cross_entropy, opt, SCHEDULES[name](opt), progress=False), (X, Y)

    whole, _ = check_resume(tmp_path, make, epochs=5, cut=2, batch_size=8)
    assert len(set(whole.history["lr"])) > 1


class Noise(nn.Module):
    """Adds tg.randn noise in training: draws from the default generator."""

    def forward(self, x):
        return x + 0.1 * tg.randn(*x.shape) if self.training else x


def test_the_default_generator_resumes_exactly(tmp_path):
    # Dropout without a generator, tg.randn in a module and the loader's shuffle all draw from it
    def make(folder):
        model = nn.Sequential(Noise(), mlp(dropout_generator=None))
        return model, Trainer(model, F.cross_entropy, optim.Adam(model.parameters(), lr=0.05), progress=False), (X, Y)

    whole, _ = check_resume(tmp_path, make, epochs=4, cut=2, batch_size=8)
    assert whole.state_dict()["generators"] == {}  # no module has its own


def test_dropout_without_a_generator_follows_a_later_manual_seed():
    dropout, x = nn.Dropout(0.5), tg.ones(64)
    tg.manual_seed(3)
    first = dropout(x).numpy()
    tg.manual_seed(3)
    assert np.array_equal(dropout(x).numpy(), first)
    assert np.array_equal(F.dropout(x, 0.5, generator=3).numpy(), first)


def test_dataloader_positions_resume_exactly(tmp_path):
    def make(folder):  # the user's own loader, with its own generator, and a last batch dropped
        model = mlp()
        loader = DataLoader((X, Y), batch_size=7, shuffle=True, drop_last=True, generator=np.random.default_rng(5))
        return model, Trainer(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), progress=False), loader

    check_resume(tmp_path, make, epochs=4, cut=1)


def test_augmentation_resumes_exactly(tmp_path):
    augment = transforms.Compose(transforms.GaussianNoise(0.2, image_shape=(2, 2)),
                                 lambda x, generator: x * generator.uniform(0.5, 1.5, (len(x), 1)).astype(x.dtype))

    def make(folder):  # the transforms draw from the loader's generator: here the default one
        model = mlp()
        loader = DataLoader((np.abs(X) / 3, Y), batch_size=8, shuffle=True, transform=augment)
        return model, Trainer(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), progress=False), loader

    check_resume(tmp_path, make, epochs=4, cut=2)


class BatchCounter(Callback):
    """A user's callback with state: counts batches and sums losses, writing them each epoch."""

    def __init__(self, path):
        self.path, self.batches, self.total = path, 0, 0.0

    def on_batch_end(self, trainer, batch, logs):
        self.batches, self.total = self.batches + 1, self.total + logs["loss"]

    def on_epoch_end(self, trainer, epoch, logs):
        with open(self.path, "a") as f:
            f.write(f"{epoch} {self.batches} {self.total!r}\n")

    def state_dict(self):
        return {"batches": self.batches, "total": self.total}

    def load_state_dict(self, state):
        self.batches, self.total = state["batches"], state["total"]


def test_a_users_callback_resumes_exactly(tmp_path):
    def make(folder):
        model = mlp()
        counters = [BatchCounter(folder / "a.txt"), BatchCounter(folder / "b.txt")]
        trainer = Trainer(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), callbacks=counters,
                          progress=False)
        counters[1].batches = 1000  # two of one class: each gets its own state back
        return model, trainer, (X, Y)

    _, resumed = check_resume(tmp_path, make, epochs=3, cut=1, batch_size=8)
    assert (resumed.callbacks[0].batches, resumed.callbacks[1].batches) == (15, 1015)
    assert set(resumed.state_dict()["callbacks"]) == {"BatchCounter_0", "BatchCounter_1"}
    bare = Trainer(mlp(), F.cross_entropy, optim.SGD(mlp().parameters(), lr=0.1), progress=False)
    with pytest.raises(ValueError, match=r"BatchCounter_0.*same callbacks"):
        bare.load_checkpoint(tmp_path / "cut.npz")


# ---------------------------------------------------------------- restored state is checked


def adam_state(**group):
    w = tg.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    opt = optim.Adam([w], lr=0.01)
    w.grad = tg.ones(3)
    opt.step()
    state = opt.state_dict()
    state["param_groups"][0].update(group)
    return opt, state


@pytest.mark.parametrize("group, error, message", [
    ({"lr": -5}, ValueError, r"Adam.load_state_dict \(group 0\): lr must be >= 0, got -5"),
    ({"lr": "0.1"}, TypeError, r"lr must be a number, got '0.1'"),
    ({"betas": (2, 3)}, ValueError, r"betas\[0\] must be >= 0 and < 1, got 2"),
    ({"betas": 0.9}, TypeError, r"betas must be a pair"),
    ({"eps": float("nan")}, ValueError, r"eps must be >= 0, got nan"),
    ({"momentum": 0.9}, ValueError, r"unknown hyperparameters \['momentum'\]"),
])
def test_optimizer_load_state_dict_checks_the_groups_as_the_constructor(group, error, message):
    opt, state = adam_state(**group)
    with pytest.raises(error, match=message):
        opt.load_state_dict(state)
    assert opt.param_groups[0]["lr"] == 0.01  # nothing changed
    constructor_args = {k: v for k, v in group.items() if k != "momentum"}
    if constructor_args:  # the constructor says the same, without load_state_dict's prefix
        with pytest.raises(error, match=message.replace(r"Adam.load_state_dict \(group 0\)", "Adam")):
            optim.Adam([tg.Tensor([1.0], requires_grad=True)], **constructor_args)


@pytest.mark.parametrize("entry, value, error, message", [
    ("m", np.float32(0.5), ValueError, r"state 'm' of parameter 0 must be a float array of the parameter's shape"),
    ("m", np.zeros(4, np.float32), ValueError, r"got an array of shape \(4,\)"),
    ("step", -1, ValueError, r"state 'step' of parameter 0 must be >= 0, got -1"),
    ("step", 1.5, TypeError, r"must be an int, got 1.5"),
    ("velocity", np.zeros(3), ValueError, r"unknown entries \['velocity'\]"),
])
def test_optimizer_load_state_dict_checks_each_parameters_state(entry, value, error, message):
    opt, state = adam_state()
    state["state"]["0"][entry] = value
    with pytest.raises(error, match=message):
        opt.load_state_dict(state)
    opt, state = adam_state()
    del state["state"]["0"]["v"]
    with pytest.raises(ValueError, match=r"lacks \['v'\]"):
        opt.load_state_dict(state)


def test_sgd_load_state_dict_checks_nesterov_as_the_constructor():
    opt = optim.SGD([tg.Tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9, nesterov=True)
    state = opt.state_dict()
    state["param_groups"][0]["momentum"] = 0.0
    with pytest.raises(ValueError, match="Nesterov momentum needs momentum > 0, got 0.0"):
        opt.load_state_dict(state)
    with pytest.raises(ValueError, match="Nesterov momentum needs momentum > 0"):
        optim.SGD([tg.Tensor([1.0], requires_grad=True)], lr=0.1, nesterov=True)


@pytest.mark.parametrize("name, change, error, message", [
    ("StepLR", {"last_epoch": -5}, ValueError, r"StepLR.load_state_dict: last_epoch must be >= 0, got -5"),
    ("StepLR", {"step_size": "2"}, TypeError, r"step_size must be an int, got '2'"),
    ("StepLR", {"gamma": -1.0}, ValueError, r"gamma must be >= 0, got -1.0"),
    ("StepLR", {"base_lrs": [0.1, 0.1]}, ValueError, r"base_lrs must be a list of 1"),
    ("StepLR", {"T_max": 5}, ValueError, r"unknown entries \['T_max'\]"),
    ("MultiStepLR", {"milestones": [1, -3]}, ValueError, r"milestones\[1\] must be >= 0, got -3"),
    ("LinearLR", {"total_iters": 0}, ValueError, r"total_iters must be >= 1, got 0"),
    ("CosineAnnealingLR", {"T_max": 0}, ValueError, r"T_max must be > 0, got 0"),
    ("ExponentialDecayLR", {"r": None}, TypeError, r"r must be a number, got None"),
])
def test_schedule_load_state_dict_checks_as_the_constructor(name, change, error, message):
    opt = optim.SGD([tg.Tensor([1.0], requires_grad=True)], lr=0.1)
    schedule = SCHEDULES[name](opt)
    with pytest.raises(error, match=message):
        schedule.load_state_dict({**schedule.state_dict(), **change})
    assert schedule.last_epoch == 0
    with pytest.raises(TypeError, match="expected a schedule's state_dict"):
        schedule.load_state_dict([1, 2])


def test_schedule_constructors_check_their_arguments():
    opt = optim.SGD([tg.Tensor([1.0], requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="StepLR: step_size must be >= 1, got 0"):
        lr_scheduler.StepLR(opt, 0)
    with pytest.raises(ValueError, match=r"ReduceLROnPlateau: factor must be > 0 and < 1, got 2"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=2)
    plateau = lr_scheduler.ReduceLROnPlateau(opt)
    for change, error, message in [({"bad_epochs": -1}, ValueError, "bad_epochs must be >= 0, got -1"),
                                   ({"mode": "lowest"}, ValueError, "mode must be 'min' or 'max', got 'lowest'"),
                                   ({"best": "0.5"}, TypeError, "best must be a number, got '0.5'")]:
        with pytest.raises(error, match=f"ReduceLROnPlateau.load_state_dict: {message}"):
            plateau.load_state_dict({**plateau.state_dict(), **change})


def trainer_state(tmp_path):
    model = mlp()
    trainer = Trainer(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1),
                      callbacks=[EarlyStopping("loss", patience=5)], progress=False)
    trainer.fit((X, Y), 1, batch_size=20)
    trainer.save_checkpoint(tmp_path / "t.npz")
    return trainer, tg.load(tmp_path / "t.npz")


@pytest.mark.parametrize("field, value, error, message", [
    ("epoch", -1, ValueError, r"Trainer.load_state_dict: epoch must be >= 0, got -1"),
    ("epoch", "3", TypeError, r"epoch must be an int, got '3'"),
    ("history", [1.0], TypeError, r"history must be a mapping"),
    ("history", {"loss": ["low"]}, TypeError, r"history\['loss'\] must be a number, got 'low'"),
    ("stop_training", "yes", TypeError, r"stop_training must be True or False, got 'yes'"),
    ("generators", {"9": {}}, ValueError, r"generators of modules \['9'\]"),
    ("generators", {"2": {"bit_generator": "MT19937"}}, ValueError, r"generators\['2'\] is not a PCG64 state"),
    ("default_generator", 7, TypeError, r"default_generator must be a PCG64 state"),
    ("scheduler", {"last_epoch": 1}, ValueError, r"holds a scheduler's, but this trainer has no scheduler"),
    ("callbacks", {"EarlyStopping_0": {"wait": -1}}, ValueError, r"EarlyStopping.load_state_dict: expected the fields"),
])
def test_trainer_load_state_dict_refuses_crafted_state(tmp_path, field, value, error, message):
    trainer, state = trainer_state(tmp_path)
    state[field] = value
    with pytest.raises(error, match=message):
        trainer.load_state_dict(state)


def test_callbacks_load_state_dict_check_their_fields(tmp_path):
    trainer, state = trainer_state(tmp_path)
    stopper_state = dict(state["callbacks"]["EarlyStopping_0"])
    for change, error, message in [({"wait": -1}, ValueError, "wait must be >= 0, got -1"),
                                   ({"best": "low"}, TypeError, "best must be a number, got 'low'"),
                                   ({"best_state": [1]}, TypeError, "best_state must be None or a model's state_dict")]:
        with pytest.raises(error, match=message):
            trainer.callbacks[0].load_state_dict({**stopper_state, **change})
    with pytest.raises(ValueError, match=r"ModelCheckpoint.load_state_dict: expected the fields \['best'\]"):
        ModelCheckpoint(tmp_path / "x.npz").load_state_dict({"best": 1.0, "worst": 2.0})
    with pytest.raises(ValueError, match="EarlyStopping: mode must be 'auto', 'min' or 'max', got 'lowest'"):
        EarlyStopping(mode="lowest")
