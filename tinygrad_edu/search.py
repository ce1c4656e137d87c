"""Hyperparameter search on Optuna: a Trainer callback that reports each epoch's validation metric
to a trial and prunes the hopeless ones, and `run_study`, the few Optuna calls that make one study
run in threads, in several processes or on several machines. Optuna is optional:
`pip install "tinygrad_edu[search]"` (it is imported only when these are used).

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-6, 1e-2, log=True)
        model = ...
        history = fit(model, data, F.cross_entropy, optim.SGD(model.parameters(), lr=lr), epochs=20,
                      batch_size=100, validation_data=val, callbacks=[OptunaPruning(trial, "val_accuracy")])
        return history["val_accuracy"][-1]

    study = run_study(objective, n_trials=50, storage="sqlite:///search.db", study_name="lr")

Every worker (a thread with `n_jobs`, another process, another machine) runs the same lines with
the same `storage` and `study_name`; each takes new trials from the shared study until it has run
its `n_trials`. Give each process its own `generator` (an int): two samplers seeded alike draw the
same hyperparameters. With None the sampler's seed comes from the default generator, so processes
that call `tg.manual_seed` with the same seed draw alike too.
"""
from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

from .callbacks import Callback
from .creation import GeneratorLike, get_generator

if TYPE_CHECKING:  # Optuna is optional: these names only type the signatures
    import optuna

    from .train import Trainer


def import_optuna() -> ModuleType:
    """optuna, or an ImportError that says how to install it."""
    try:
        import optuna
    except ImportError as e:
        raise ImportError('tinygrad_edu.search needs Optuna, which is not installed: '
                          'pip install "tinygrad_edu[search]" (or pip install "optuna>=3")') from e
    return optuna


class OptunaPruning(Callback):
    """After each epoch, `trial.report(logs[monitor], epoch)`; raise optuna.TrialPruned when the
    study's pruner says the trial is hopeless (Optuna then records it as pruned, not failed)."""

    def __init__(self, trial: optuna.trial.Trial, monitor: str = "val_accuracy"):
        self.optuna = import_optuna()  # fail here, before any training, when it is missing
        self.trial, self.monitor = trial, monitor

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise KeyError(f"OptunaPruning: {self.monitor!r} is not among the logged values {sorted(logs)} "
                           f"(val_ values need validation data)")
        value = float(logs[self.monitor])
        self.trial.report(value, epoch)
        if self.trial.should_prune():
            raise self.optuna.TrialPruned(f"pruned at epoch {epoch}: {self.monitor} {value:.4g}")


def storage_for(url: str | None, timeout: float = 60.0) -> str | optuna.storages.RDBStorage | None:
    """None (in memory, this process only) as it is; a database URL as Optuna's RDBStorage, with
    SQLite told to wait up to `timeout` seconds for a lock that another process holds (its
    default, 5 s, can end a busy worker with "database is locked")."""
    if url is None or not url.startswith("sqlite"):
        return url
    return import_optuna().storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": timeout}})


def run_study(objective: Callable[[optuna.trial.Trial], float], n_trials: int, storage: str | None = None,
              study_name: str | None = None, n_jobs: int = 1, generator: GeneratorLike = None,
              direction: str = "maximize", sampler: optuna.samplers.BaseSampler | None = None,
              pruner: optuna.pruners.BasePruner | None = None) -> optuna.Study:
    """Create the study, or join it when `storage` already holds `study_name`, and run `n_trials`
    more trials of `objective` in `n_jobs` threads. The sampler, unless one is given, is Optuna's
    RandomSampler, seeded with an int drawn from `generator` (Optuna's samplers take an int); the
    pruner is Optuna's default (MedianPruner). Returns the optuna.Study."""
    optuna = import_optuna()
    if sampler is None:
        sampler = optuna.samplers.RandomSampler(seed=int(get_generator(generator).integers(2**32)))
    study = optuna.create_study(storage=storage_for(storage), study_name=study_name, direction=direction,
                                sampler=sampler, pruner=pruner, load_if_exists=True)
    study.optimize(objective, n_trials=n_trials, n_jobs=n_jobs)
    return study
