"""The training loop: fit, evaluate, predict, callbacks, and resuming bit for bit."""
import csv
import io
import json

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, spiral, study_sleep
from tinygrad_edu.nn import functional as F
from tinygrad_edu.train import EarlyStopping, HistoryLogger, ModelCheckpoint, ProgressBar, Trainer

X, Y = spiral(60, 3, generator=0)
ORDER = np.random.default_rng(0).permutation(len(X))
X, Y = X[ORDER], Y[ORDER]  # validation_split takes the last fraction (as Keras does): shuffle first


def mlp(seed=0, dropout=0.0):
    return nn.Sequential(nn.Linear(2, 32, init="he", generator=seed), nn.ReLU(), nn.Dropout(dropout, generator=seed),
                         nn.Linear(32, 3, generator=seed + 1))


def test_fit_learns_spiral_and_records_history():
    model = mlp()
    history = tg.fit(model, (X, Y), F.cross_entropy, optim.Adam(model.parameters(), lr=0.02), epochs=80,
                     batch_size=32, validation_split=0.2, generator=0, progress=False)
    assert len(history) == 80 and set(history.records) >= {"epoch", "loss", "accuracy", "val_loss", "val_accuracy",
                                                           "lr"}
    assert history["loss"][-1] < history["loss"][0] / 2 and history["accuracy"][-1] > 0.9
    assert history["val_accuracy"][-1] > 0.8 and tg.evaluate(model, (X, Y), F.cross_entropy)["accuracy"] > 0.9
    assert tg.predict(model, X, batch_size=7).shape == (180, 3)


def test_regression_metrics_and_a_dataloader():
    x, y = study_sleep()
    model = nn.Sequential(nn.Linear(2, 3, init=1.0, generator=0), nn.Sigmoid(), nn.Linear(3, 1, init=1.0, generator=1),
                          nn.Sigmoid())
    history = tg.fit(model, DataLoader((x, y), batch_size=3), F.mse_loss, optim.SGD(model.parameters(), lr=2.0),
                     epochs=300, metrics=("mae", "mse"), progress=False)
    assert history["mse"][-1] == pytest.approx(history["loss"][-1], rel=1e-5) and history["mae"][-1] < 0.05


def test_scheduler_is_stepped_per_epoch_and_lr_logged():
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    history = tg.fit(model, (X, Y), F.cross_entropy, opt, epochs=4, batch_size=60,
                     scheduler=optim.lr_scheduler.StepLR(opt, 1, 0.5), progress=False)
    assert history["lr"] == [0.1, 0.05, 0.025, 0.0125]
    plateau_opt = optim.SGD(model.parameters(), lr=0.1)
    plateau = optim.lr_scheduler.ReduceLROnPlateau(plateau_opt, patience=0, factor=0.5)
    tg.fit(model, (X, Y), F.cross_entropy, plateau_opt, epochs=3, batch_size=60, validation_data=(X, Y),
           scheduler=plateau, progress=False)
    assert plateau.last_epoch == 3


def test_early_stopping_stops_and_restores_the_best_weights():
    model, trainer = mlp(), None
    stopper = EarlyStopping(monitor="val_loss", patience=2)
    scores = iter([1.0, 0.5, 0.7, 0.8, 0.9, 1.0])
    snapshots = {}

    class FakeValidation(tg.train.Callback):  # runs before EarlyStopping: sets the monitored value
        def on_epoch_end(self, trainer, epoch, logs):
            logs["val_loss"] = next(scores)
            snapshots[epoch] = trainer.model.state_dict()

    trainer = Trainer(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.5),
                      callbacks=[FakeValidation(), stopper], progress=False)
    trainer.fit((X, Y), epochs=6, batch_size=60)
    assert trainer.epoch == 4 and stopper.best_epoch == 2 and stopper.stopped_epoch == 4
    assert all(np.array_equal(a, b) for a, b in zip(model.state_dict().values(), snapshots[2].values()))
    with pytest.raises(KeyError, match="val_accuracy"):
        tg.fit(mlp(), (X, Y), F.cross_entropy, optim.SGD(mlp().parameters(), lr=0.1), epochs=1, batch_size=60,
               callbacks=[EarlyStopping("val_accuracy")], progress=False)


def test_model_checkpoint_and_history_logs(tmp_path):
    model = mlp()
    tg.fit(model, (X, Y), F.cross_entropy, optim.Adam(model.parameters(), lr=0.01), epochs=3, batch_size=60,
           validation_data=(X, Y), callbacks=[ModelCheckpoint(tmp_path / "e{epoch}.npz"),
                                              ModelCheckpoint(tmp_path / "best.npz", save_best_only=True),
                                              HistoryLogger(tmp_path / "h.csv"), HistoryLogger(tmp_path / "h.json")],
           progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.npz", "e1.npz", "e2.npz", "e3.npz", "h.csv", "h.json"]
    state = tg.load(tmp_path / "e3.npz")
    assert state["epoch"] == 3 and set(state) >= {"model", "optimizer", "history", "loader", "generators"}
    rows = list(csv.DictReader(io.StringIO((tmp_path / "h.csv").read_text())))
    assert len(rows) == 3 and float(rows[2]["epoch"]) == 3.0
    assert json.loads((tmp_path / "h.json").read_text())["epoch"] == [1.0, 2.0, 3.0]


def test_progress_bar_shows_on_a_stream_and_stays_quiet_otherwise(capsys):
    stream = io.StringIO()
    model = mlp()
    tg.fit(model, (X, Y), F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), epochs=1, batch_size=60,
           callbacks=[ProgressBar(file=stream, mininterval=0)], progress=False)
    assert "epoch 1" in stream.getvalue() and "loss=" in stream.getvalue()
    tg.fit(model, (X, Y), F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), epochs=1, batch_size=60)
    assert capsys.readouterr().err == ""  # stderr is not a terminal under pytest


def test_resuming_from_a_checkpoint_reproduces_an_uninterrupted_run_bit_for_bit(tmp_path):
    def make():
        model = mlp(seed=3, dropout=0.2)
        opt = optim.Adam(model.parameters(), lr=0.01)
        scheduler = optim.lr_scheduler.StepLR(opt, 2, 0.5)
        return model, Trainer(model, F.cross_entropy, opt, scheduler, progress=False)

    full_model, full = make()
    full.fit((X, Y), epochs=5, batch_size=16, generator=7)
    half_model, half = make()
    half.fit((X, Y), epochs=2, batch_size=16, generator=7)
    half.save_checkpoint(tmp_path / "ckpt.npz")
    resumed_model, resumed = make()
    resumed.load_checkpoint(tmp_path / "ckpt.npz")
    resumed.fit((X, Y), epochs=5, batch_size=16, generator=12345)  # the checkpoint's data order wins
    for (name, a), b in zip(full_model.state_dict().items(), resumed_model.state_dict().values()):
        assert a.tobytes() == b.tobytes(), name
    assert resumed.history["loss"] == full.history["loss"]


def test_fit_argument_errors():
    model = mlp()
    with pytest.raises(ValueError, match="batch_size"):
        tg.fit(model, (X, Y), F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), epochs=1, progress=False)
    with pytest.raises(ValueError, match="unknown metrics"):
        Trainer(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), metrics=("f1",))


def test_history_csv_keeps_a_key_that_starts_later_on_its_own_epochs(tmp_path):
    class LateMetric(tg.train.Callback):  # logs "late" from the third epoch on
        def on_epoch_end(self, trainer, epoch, logs):
            if epoch >= 3:
                trainer.history.records.setdefault("late", []).append(float(epoch))

    x = np.zeros((8, 2), np.float32)
    y = np.zeros(8, np.int64)
    model = tg.nn.Linear(2, 2)
    path = tmp_path / "h.csv"
    trainer = Trainer(model, tg.nn.functional.cross_entropy, tg.optim.SGD(model.parameters(), lr=0.1),
                      callbacks=[LateMetric(), HistoryLogger(path)], progress=False)
    trainer.fit((x, y), epochs=4, batch_size=4)
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert ([r["late"] for r in rows] == ["", "", "3.0", "4.0"]
            and [r["epoch"] for r in rows] == ["1.0", "2.0", "3.0", "4.0"])


def test_a_jitted_trainer_trains_bit_for_bit_as_the_eager_one_and_resumes_exactly(tmp_path):
    """Dropout (its generator), Adam, a schedule, the last short batch each epoch, validation in
    eval mode between epochs, and a resume from a checkpoint: all the same with jit=True."""
    def make(jit):
        model = mlp(seed=3, dropout=0.2)
        opt = optim.Adam(model.parameters(), lr=0.01)
        return model, Trainer(model, F.cross_entropy, opt, optim.lr_scheduler.StepLR(opt, 2, 0.5), progress=False,
                              jit=jit)

    (eager_model, eager), (jit_model, jitted) = make(False), make(True)
    for trainer in (eager, jitted):
        trainer.fit((X, Y), epochs=4, batch_size=20, validation_split=0.2, generator=7)
    for (name, a), b in zip(eager_model.state_dict().items(), jit_model.state_dict().values()):
        assert a.tobytes() == b.tobytes(), name
    assert jitted.history["loss"] == eager.history["loss"]
    assert jitted.history["val_loss"] == eager.history["val_loss"]
    assert jitted.train_step.replayed > jitted.train_step.traced
    assert len(jitted.train_step.programs) == 2  # the full batch and the last short one
    jitted.save_checkpoint(tmp_path / "ckpt.npz")
    resumed_model, resumed = make(True)
    resumed.load_checkpoint(tmp_path / "ckpt.npz")
    for trainer in (eager, resumed):
        trainer.fit((X, Y), epochs=6, batch_size=20, validation_split=0.2, generator=7)
    for (name, a), b in zip(eager_model.state_dict().items(), resumed_model.state_dict().values()):
        assert a.tobytes() == b.tobytes(), name
