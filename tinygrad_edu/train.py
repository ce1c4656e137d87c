"""The training loop: `fit`, `evaluate`, `predict` and the Trainer (callbacks are in callbacks.py).

    history = fit(model, (x, y), F.cross_entropy, optim.Adam(model.parameters()), epochs=5,
                  batch_size=64, validation_data=(x_val, y_val))

`train_data` is a DataLoader, or arrays (x, y) batched with `batch_size` as in Keras' fit. A
Trainer's checkpoint holds the model, the optimizer, the scheduler, the epoch, the history, the
data order, every callback's state and every random generator (the default one included), so a
resumed run reproduces an uninterrupted one bit for bit.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .callbacks import (Callback, EarlyStopping, EpochPrinter, History, HistoryLogger,  # noqa: F401  (tg.train.X)
                        ModelCheckpoint, ProgressBar)
from .checkpoint import load, save
from .creation import GeneratorLike, get_generator
from .data import DataLoader
from .grad_mode import no_grad
from .jit import jit as tg_jit
from .nn import functional as F
from .optim.lr_scheduler import ReduceLROnPlateau
from .optim.optimizer import check_number
from .tensor import Tensor

if TYPE_CHECKING:
    from .nn.module import Module
    from .optim.lr_scheduler import LRScheduler
    from .optim.optimizer import Optimizer

LossFn = Callable[[Tensor, Tensor], Tensor]  # loss_fn(output, target)
ArrayPair = tuple[npt.ArrayLike, npt.ArrayLike]  # (x, y)

METRICS = {
    "accuracy": lambda out, y: F.accuracy(out, y),
    "mae": lambda out, y: float(np.abs(out.numpy() - _values(y).reshape(out.shape)).mean()),
    "mse": lambda out, y: float(((out.numpy() - _values(y).reshape(out.shape)) ** 2).mean()),
}


def _values(y):
    return y.numpy() if isinstance(y, Tensor) else np.asarray(y)


class Trainer:
    """Trains `model` with `loss_fn(output, target)` and `optimizer`, stepping `scheduler` once
    per epoch (ReduceLROnPlateau on the validation loss, or the training loss without one).
    At each epoch's end the callbacks run in order, ModelCheckpoints last (as in Lightning), so
    the checkpoints they write hold every other callback's state after that epoch. With
    `jit=True` each batch's step (forward, backward, update) runs through `tg.jit`: the same
    results, bit for bit, with less Python per step (see docs/jit.md)."""

    def __init__(self, model: Module, loss_fn: LossFn, optimizer: Optimizer | None,
                 scheduler: LRScheduler | ReduceLROnPlateau | None = None, metrics: Iterable[str] = ("accuracy",),
                 callbacks: Iterable[Callback] = (), progress: bool = True, jit: bool = False):
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            raise ValueError(f"Trainer: unknown metrics {unknown}; choose from {sorted(METRICS)}")
        self.model, self.loss_fn, self.optimizer, self.scheduler = model, loss_fn, optimizer, scheduler
        self.metrics = tuple(metrics)
        self.callbacks = list(callbacks) + ([ProgressBar()] if progress else [])
        self.history, self.epoch, self.stop_training = History(), 0, False
        self.train_loader, self.batches_per_epoch, self.pending_loader_state = None, 0, None
        self.train_step = tg_jit(self._train_step) if jit else self._train_step

    # ------------------------------------------------------------------ fitting

    def fit(self, train_data: DataLoader | ArrayPair, epochs: int,
            validation_data: DataLoader | ArrayPair | None = None, batch_size: int | None = None,
            validation_split: float | None = None, shuffle: bool = True,
            generator: GeneratorLike = None) -> History:
        """Train until `epochs` epochs are done in all (a resumed trainer continues from its
        epoch). `validation_split` holds out the last fraction of array data, as Keras does.
        Array data is shuffled with `generator` (see DataLoader; None: the default generator)."""
        if validation_split is not None:
            if validation_data is not None or isinstance(train_data, DataLoader):
                raise ValueError("fit: validation_split needs array training data and no validation_data")
            x, y = (np.asarray(a) for a in train_data)
            cut = int(round(len(x) * (1 - validation_split)))
            train_data, validation_data = (x[:cut], y[:cut]), (x[cut:], y[cut:])
        if isinstance(train_data, DataLoader) or self.train_loader is None:
            self.train_loader = self._loader(train_data, batch_size, shuffle, generator)
        if self.pending_loader_state is not None:  # resuming: continue the data order
            self.train_loader.load_state_dict(self.pending_loader_state)
            self.pending_loader_state = None
        self.batches_per_epoch = len(self.train_loader)
        for c in self.callbacks:
            c.on_train_begin(self)
        epoch_end_order = sorted(self.callbacks, key=lambda c: isinstance(c, ModelCheckpoint))  # stable
        while self.epoch < epochs and not self.stop_training:  # a checkpoint from a stopping epoch keeps the stop
            self.epoch += 1
            logs = self._train_epoch()
            if validation_data is not None:
                logs.update({f"val_{k}": v for k, v in self.evaluate(validation_data).items()})
            logs["lr"] = self.optimizer.param_groups[0]["lr"]
            self._step_scheduler(logs)
            self.history.append({"epoch": self.epoch, **logs})
            for c in epoch_end_order:
                c.on_epoch_end(self, self.epoch, logs)
        for c in self.callbacks:
            c.on_train_end(self)
        self.stop_training = False  # a later fit trains on
        return self.history

    def _loader(self, data, batch_size, shuffle, generator) -> DataLoader:
        if isinstance(data, DataLoader):
            return data
        if batch_size is None:
            raise ValueError("fit: array training data needs batch_size")
        return DataLoader(tuple(data), batch_size=batch_size, shuffle=shuffle, generator=generator)

    def _train_epoch(self) -> dict:
        self.model.train()
        for c in self.callbacks:
            c.on_epoch_begin(self, self.epoch)
        totals, seen, device = {}, 0, model_device(self.model)
        for i, (x, y) in enumerate(self.train_loader):
            x, y = x.to(device), y.to(device)
            out, loss = self.train_step(x, y)
            batch_logs = {"loss": loss.item(), **{m: METRICS[m](out, y) for m in self.metrics}}
            for k, v in batch_logs.items():
                totals[k] = totals.get(k, 0.0) + v * len(x)
            seen += len(x)
            for c in self.callbacks:
                c.on_batch_end(self, i, batch_logs)
        if not seen:
            raise ValueError("fit: the training data gave no batch (empty, or drop_last with too few samples)")
        return {k: v / seen for k, v in totals.items()}

    def _train_step(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        """One batch: forward, backward and the optimizer's update; the outputs and the loss."""
        self.optimizer.zero_grad()
        out = self.model(x)
        loss = self.loss_fn(out, y)
        loss.backward()
        self.optimizer.step()
        return out, loss

    def _step_scheduler(self, logs: dict) -> None:
        if isinstance(self.scheduler, ReduceLROnPlateau):
            self.scheduler.step(logs.get("val_loss", logs["loss"]))
        elif self.scheduler is not None:
            self.scheduler.step()

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, data: DataLoader | ArrayPair, batch_size: int = 500) -> dict[str, float]:
        """Mean loss and metrics over `data` (a DataLoader or arrays), in eval mode, no graph."""
        loader = data if isinstance(data, DataLoader) else DataLoader(tuple(data), batch_size=batch_size)
        was_training = self.model.training
        self.model.eval()
        totals, seen, device = {}, 0, model_device(self.model)
        try:
            with no_grad():
                for x, y in loader:
                    x, y = x.to(device), y.to(device)
                    out = self.model(x)
                    logs = {"loss": self.loss_fn(out, y).item(), **{m: METRICS[m](out, y) for m in self.metrics}}
                    for k, v in logs.items():
                        totals[k] = totals.get(k, 0.0) + v * len(x)
                    seen += len(x)
        finally:
            self.model.train(was_training)
        if not seen:
            raise ValueError("evaluate: the data is empty")
        return {k: v / seen for k, v in totals.items()}

    def predict(self, x: Tensor | npt.ArrayLike, batch_size: int = 500) -> np.ndarray:
        return predict(self.model, x, batch_size)

    # ------------------------------------------------------------------ checkpoints

    def state_dict(self) -> dict:
        """Everything a resumed run needs to continue bit for bit: the model, optimizer, scheduler,
        epoch, history, the data order, every callback's state and every random generator."""
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "epoch": self.epoch,
            "stop_training": self.stop_training,
            "history": self.history.records,
            "loader": self.train_loader.state_dict() if self.train_loader is not None else None,
            "callbacks": {key: c.state_dict() for key, c in self._stateful_callbacks().items()},
            "generators": {name: g.bit_generator.state for name, g in _module_generators(self.model)},
            "default_generator": get_generator().bit_generator.state,
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore a `state_dict()` into a trainer made as the saved one was (the same callbacks in
        the same order); the default generator gets its saved state back too. The trainer's own
        fields are checked first; the model, optimizer, scheduler and callbacks check theirs as
        they load, and one refused leaves those before it restored."""
        where = "Trainer.load_state_dict"
        if not isinstance(state, Mapping):
            raise TypeError(f"{where}: expected a Trainer's state_dict(), got {type(state).__name__}")
        missing = [k for k in ("model", "optimizer", "epoch", "history") if k not in state]
        if missing:
            raise ValueError(f"{where}: the state lacks {missing}")
        check_number(where, "epoch", state["epoch"], at_least=0, integer=True)
        _check_history(where, state["history"])
        stop = state.get("stop_training", False)  # absent from older checkpoints (callbacks, too)
        if not isinstance(stop, (bool, np.bool_)):
            raise TypeError(f"{where}: stop_training must be True or False, got {stop!r}")
        if state.get("loader") is not None and not isinstance(state["loader"], Mapping):
            raise TypeError(f"{where}: loader must be None or a DataLoader's state_dict, got {state['loader']!r}")
        if state.get("scheduler") is not None and self.scheduler is None:
            raise ValueError(f"{where}: the state holds a scheduler's, but this trainer has no scheduler")
        callbacks = self._checked_callback_states(where, state.get("callbacks") or {})
        generators = _checked_generator_states(where, self.model, state)

        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state.get("scheduler") is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        for callback, callback_state in callbacks:
            callback.load_state_dict(callback_state)
        for generator, generator_state in generators:
            generator.bit_generator.state = generator_state
        self.epoch, self.stop_training = int(state["epoch"]), bool(stop)
        self.history = History(state["history"])
        self.pending_loader_state = state.get("loader")

    def _stateful_callbacks(self) -> dict:
        """The callbacks that have state_dict and load_state_dict, keyed by class and count
        ("EarlyStopping_0", "ModelCheckpoint_1"): the same callbacks in the same order restore."""
        keyed, counts = {}, {}
        for c in self.callbacks:
            if hasattr(c, "state_dict") and hasattr(c, "load_state_dict"):
                name = type(c).__name__
                keyed[f"{name}_{counts.get(name, 0)}"] = c
                counts[name] = counts.get(name, 0) + 1
        return keyed

    def _checked_callback_states(self, where: str, saved) -> list:
        """(callback, its saved state) pairs; a saved state without its callback is refused, since
        the resumed run would differ (a callback without a saved state starts afresh)."""
        if not isinstance(saved, Mapping):
            raise TypeError(f"{where}: callbacks must be a mapping of callback states, got {type(saved).__name__}")
        keyed = self._stateful_callbacks()
        orphans = sorted(set(saved) - set(keyed))
        if orphans:
            raise ValueError(f"{where}: the state holds callbacks {orphans} that this trainer lacks (it has "
                             f"{sorted(keyed)}); create the Trainer with the same callbacks, in the same order")
        return [(keyed[key], value) for key, value in saved.items()]

    def save_checkpoint(self, path: str | os.PathLike[str]) -> None:
        save(self.state_dict(), path)

    def load_checkpoint(self, path: str | os.PathLike[str]) -> None:
        """Restore a checkpoint; then call fit with the same data and batch size as the original
        run, and it continues where that run stopped (the data order included)."""
        self.load_state_dict(load(path))


def model_device(model: Module) -> str:
    """Where the model's parameters are ("cpu" for a model without any): batches go there."""
    first = next(iter(model.parameters()), None)
    return "cpu" if first is None else first.device


def _module_generators(model):
    """(module name, Generator) of every module with its own generator (e.g. Dropout(generator=0))."""
    return [(name, m.generator) for name, m in model.named_modules()
            if isinstance(getattr(m, "generator", None), np.random.Generator)]


def _check_history(where: str, records) -> None:
    """History records: names to lists of numbers."""
    if not isinstance(records, Mapping):
        raise TypeError(f"{where}: history must be a mapping of names to lists, got {type(records).__name__}")
    for name, values in records.items():
        if not isinstance(values, list):
            raise TypeError(f"{where}: history[{name!r}] must be a list of numbers, got {values!r}")
        for value in values:
            check_number(where, f"history[{name!r}]", value)


def _checked_generator_states(where: str, model, state) -> list:
    """(generator, saved state) pairs for the default generator and each module's own, every
    state tried on a fresh bit generator of the same kind first."""
    own = dict(_module_generators(model))
    saved = state.get("generators") or {}
    if not isinstance(saved, Mapping):
        raise TypeError(f"{where}: generators must be a mapping of module names to states, got {saved!r}")
    unknown = sorted(set(saved) - set(own))
    if unknown:
        raise ValueError(f"{where}: the state holds generators of modules {unknown}, which have none in this "
                         f"model (modules with their own: {sorted(own)})")
    pairs = [(own[name], value, f"generators[{name!r}]") for name, value in saved.items()]
    if state.get("default_generator") is not None:
        pairs.append((get_generator(), state["default_generator"], "default_generator"))
    for generator, value, name in pairs:
        kind = type(generator.bit_generator)
        if not isinstance(value, Mapping):
            raise TypeError(f"{where}: {name} must be a {kind.__name__} state (a mapping), got {value!r}")
        try:
            kind().state = dict(value)
        except (TypeError, ValueError, KeyError) as e:
            raise ValueError(f"{where}: {name} is not a {kind.__name__} state ({type(e).__name__}: {e})") from None
    return [(generator, dict(value)) for generator, value, _ in pairs]


def fit(model: Module, train_data: DataLoader | ArrayPair, loss_fn: LossFn, optimizer: Optimizer, epochs: int,
        validation_data: DataLoader | ArrayPair | None = None,
        scheduler: LRScheduler | ReduceLROnPlateau | None = None, callbacks: Iterable[Callback] = (),
        metrics: Iterable[str] = ("accuracy",), progress: bool = True, **options: Any) -> History:
    """Train and return the History (see Trainer.fit for batch_size, validation_split, shuffle
    and generator)."""
    trainer = Trainer(model, loss_fn, optimizer, scheduler, metrics, callbacks, progress)
    return trainer.fit(train_data, epochs, validation_data=validation_data, **options)


def evaluate(model: Module, data: DataLoader | ArrayPair, loss_fn: LossFn, metrics: Iterable[str] = ("accuracy",),
             batch_size: int = 500) -> dict[str, float]:
    return Trainer(model, loss_fn, None, metrics=metrics, progress=False).evaluate(data, batch_size)


def predict(model: Module, x: Tensor | npt.ArrayLike, batch_size: int = 500) -> np.ndarray:
    """The model's outputs for inputs x, in eval mode, batch by batch, as one array."""
    x = x.numpy() if isinstance(x, Tensor) else np.asarray(x)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            device = model_device(model)
            outputs = [model(Tensor(x[i:i + batch_size], device=device)).numpy()
                       for i in range(0, len(x), batch_size)]
    finally:
        model.train(was_training)
    return np.concatenate(outputs) if outputs else np.zeros((0,))
