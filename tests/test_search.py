"""tinygrad_edu.search: the pruning callback, one study shared by threads and by processes through
SQLite (each trial reproducible from its params and number), and the error without Optuna."""
import os
import subprocess
import sys

import numpy as np
import pytest

from tinygrad_edu import nn, optim
from tinygrad_edu.callbacks import Callback
from tinygrad_edu.nn import functional as F
from tinygrad_edu.search import OptunaPruning, run_study
from tinygrad_edu.train import fit

optuna = pytest.importorskip("optuna")
optuna.logging.set_verbosity(optuna.logging.WARNING)
HERE = os.path.dirname(os.path.abspath(__file__))


def tiny_data():
    x = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    return (x[:48], y[:48]), (x[48:], y[48:])


def tiny_objective(trial):
    """A 4-8-2 network, 3 epochs on 48 samples; the trial's number seeds its weights and data order."""
    lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
    weight_decay = trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True)
    train, val = tiny_data()
    model = nn.Sequential(nn.Linear(4, 8, generator=trial.number), nn.ReLU(), nn.Linear(8, 2, generator=trial.number))
    optimizer = optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay)
    history = fit(model, train, F.cross_entropy, optimizer, epochs=3, batch_size=16, validation_data=val,
                  generator=trial.number, progress=False, callbacks=[OptunaPruning(trial, "val_loss")])
    return history["val_loss"][-1]


def worker(storage: str, seed: int, n_trials: int) -> None:
    """What each worker process runs (a user would run the same lines on each machine)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    run_study(tiny_objective, n_trials, storage=storage, study_name="tiny", generator=seed,
              direction="minimize", pruner=optuna.pruners.NopPruner())


def rerun(trial) -> float:
    """The trial's value again, sequentially, from its params and number alone (plain Optuna)."""
    return tiny_objective(optuna.trial.FixedTrial(trial.params, number=trial.number))


def test_two_processes_share_one_sqlite_study_and_match_a_sequential_run(tmp_path):
    storage = f"sqlite:///{tmp_path / 'search.db'}"
    optuna.create_study(storage=storage, study_name="tiny", direction="minimize")  # once, before the workers
    code = f"import sys; sys.path.insert(0, {HERE!r}); import test_search; test_search.worker({storage!r}, {{}}, 3)"
    workers = [subprocess.Popen([sys.executable, "-c", code.format(seed)], stderr=subprocess.PIPE, text=True)
               for seed in (0, 1)]  # each its own sampler seed, or both would draw the same params
    errors = [w.communicate(timeout=60)[1] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], errors
    trials = optuna.load_study(study_name="tiny", storage=storage).trials
    assert len(trials) == 6 and all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    assert sorted(t.number for t in trials) == list(range(6))
    for t in trials:
        assert rerun(t) == t.value, t.params
    # the hyperparameters are the ones each seed draws alone, in memory
    alone = [run_study(tiny_objective, 3, generator=seed, direction="minimize") for seed in (0, 1)]
    assert sorted(tuple(sorted(t.params.items())) for t in trials) == \
        sorted(tuple(sorted(t.params.items())) for s in alone for t in s.trials)


def test_threads_share_one_study():
    study = run_study(tiny_objective, 4, n_jobs=2, generator=0, direction="minimize",
                      pruner=optuna.pruners.NopPruner())
    assert len(study.trials) == 4 and all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    for t in study.trials:  # a thread's no_grad (evaluation) never leaks into another's training
        assert rerun(t) == t.value, t.params


def study_with_two_good_trials():
    """Two finished trials at validation accuracy 0.9 after epoch 1: the median a new trial must reach."""
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.MedianPruner(n_startup_trials=2))
    for _ in range(2):
        study.add_trial(optuna.trial.create_trial(value=0.9, intermediate_values={1: 0.9}))
    return study


class EpochCounter(Callback):
    def __init__(self):
        self.epochs = []

    def on_epoch_end(self, trainer, epoch, logs):
        self.epochs.append(epoch)


def test_pruning_callback_prunes_a_hopeless_trial_in_fit():
    train, val = tiny_data()
    counter = EpochCounter()

    def objective(trial):
        model = nn.Sequential(nn.Linear(4, 2, generator=0))
        optimizer = optim.SGD(model.parameters(), lr=1e-9)  # learns nothing: stays below 0.9
        history = fit(model, train, F.cross_entropy, optimizer, epochs=5, batch_size=16, validation_data=val,
                      progress=False, callbacks=[counter, OptunaPruning(trial)])
        return history["val_accuracy"][-1]

    study = study_with_two_good_trials()
    study.optimize(objective, n_trials=1)
    last = study.trials[-1]
    assert last.state == optuna.trial.TrialState.PRUNED and counter.epochs == [1]
    assert list(last.intermediate_values) == [1] and last.intermediate_values[1] < 0.9


def test_pruning_callback_reports_and_keeps_a_good_trial():
    study = study_with_two_good_trials()
    callback = OptunaPruning(study.ask(), "val_accuracy")
    callback.on_epoch_end(None, 1, {"val_accuracy": 0.95})  # above the median 0.9: goes on
    assert study.trials[-1].intermediate_values == {1: 0.95}


def test_threshold_pruner_and_a_missing_metric():
    study = optuna.create_study(pruner=optuna.pruners.ThresholdPruner(upper=1.0))
    callback = OptunaPruning(study.ask(), "val_loss")
    with pytest.raises(KeyError, match="'val_loss' is not among the logged values"):
        callback.on_epoch_end(None, 1, {"loss": 0.5})
    callback.on_epoch_end(None, 1, {"val_loss": 0.5})
    with pytest.raises(optuna.TrialPruned, match="pruned at epoch 2: val_loss 5"):
        callback.on_epoch_end(None, 2, {"val_loss": 5.0})


def test_without_optuna_the_error_names_the_search_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # `import optuna` now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "tinygrad_edu\[search\]"'):
        run_study(tiny_objective, 1)
    with pytest.raises(ImportError, match="needs Optuna"):
        OptunaPruning(trial=None)


def test_the_core_does_not_import_optuna():
    code = "import sys, tinygrad_edu, tinygrad_edu.search, tinygrad_edu.train; assert 'optuna' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
