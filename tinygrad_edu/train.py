"""The training loop: `fit`, `evaluate`, `predict`, a History, and callbacks.

    history = fit(model, (x, y), F.cross_entropy, optim.Adam(model.parameters()), epochs=5,
                  batch_size=64, validation_data=(x_val, y_val))

`train_data` is a DataLoader, or arrays (x, y) batched with `batch_size` as in Keras' fit. A
Trainer's checkpoint holds the model, the optimizer, the scheduler, the epoch, the history, the
data order, every callback's state and every random generator (the default one included), so a
resumed run reproduces an uninterrupted one bit for bit.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Mapping

import numpy as np

from .checkpoint import load, save
from .creation import get_generator
from .data import DataLoader
from .files import atomic_write
from .grad_mode import no_grad
from .nn import functional as F
from .optim.lr_scheduler import ReduceLROnPlateau
from .optim.optimizer import check_number
from .tensor import Tensor

METRICS = {
    "accuracy": lambda out, y: F.accuracy(out, y),
    "mae": lambda out, y: float(np.abs(out.numpy() - _values(y).reshape(out.shape)).mean()),
    "mse": lambda out, y: float(((out.numpy() - _values(y).reshape(out.shape)) ** 2).mean()),
}


class History:
    """Per-epoch records: `history["val_loss"]` is a list with one value per epoch. Keras' views
    too: `history.history` (the losses and metrics by name) and `history.epoch` (from 0)."""

    def __init__(self, records=None):
        self.records = {k: list(v) for k, v in (records or {}).items()}

    @property
    def history(self) -> dict:
        """Keras' dict {"loss": [...], "accuracy": [...], "val_loss": [...], ...}: the records
        without "epoch" and "lr" (which Keras does not log by default); the lists are shared."""
        return {k: v for k, v in self.records.items() if k not in ("epoch", "lr")}

    @property
    def epoch(self) -> list:
        """Keras' list of the epochs, counted from 0."""
        return [int(e) - 1 for e in self.records.get("epoch", [])]

    def append(self, logs: dict) -> None:
        for key, value in logs.items():
            self.records.setdefault(key, []).append(float(value))

    def __getitem__(self, key: str) -> list:
        return self.records[key]

    def __contains__(self, key: str) -> bool:
        return key in self.records

    def __len__(self) -> int:
        return len(self.records.get("epoch", []))

    def __repr__(self) -> str:
        return f"History({len(self)} epochs: {', '.join(self.records)})"


class Callback:
    """Hooks into the loop; set `trainer.stop_training = True` to end it after this epoch. A
    callback with state (counters, best values) defines `state_dict()` and `load_state_dict(state)`,
    and the Trainer's checkpoints carry it."""

    def on_train_begin(self, trainer): pass
    def on_epoch_begin(self, trainer, epoch: int): pass
    def on_batch_end(self, trainer, batch: int, logs: dict): pass
    def on_epoch_end(self, trainer, epoch: int, logs: dict): pass
    def on_train_end(self, trainer): pass


def _values(y):
    return y.numpy() if isinstance(y, Tensor) else np.asarray(y)


def _mode_for(who: str, monitor: str, mode: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{who}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    return "max" if any(word in monitor for word in ("acc", "accuracy")) else "min"


def _checked_fields(where: str, state, fields) -> dict:
    """`state` as a dict, refused unless it is a mapping with exactly `fields`."""
    if not isinstance(state, Mapping):
        raise TypeError(f"{where}: expected a mapping with {sorted(fields)}, got {type(state).__name__}")
    if set(state) != set(fields):
        raise ValueError(f"{where}: expected the fields {sorted(fields)}, got {sorted(state)}")
    return dict(state)


def _check_optional(where: str, name: str, value, **bounds) -> None:
    """None, or a number within `bounds` (see check_number)."""
    if value is not None:
        check_number(where, name, value, **bounds)


def _check_weights(where: str, name: str, weights) -> None:
    """None, or a model's state_dict: names to arrays."""
    if weights is not None and not (isinstance(weights, Mapping) and all(
            isinstance(k, str) and isinstance(v, np.ndarray) for k, v in weights.items())):
        raise TypeError(f"{where}: {name} must be None or a model's state_dict (names to arrays), "
                        f"got {type(weights).__name__}")


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs, and
    (by default, as the lecture does) put back the weights of the best epoch when fit returns.
    Training that goes on from there (fit again, or a run resumed from a checkpoint written then)
    starts from the last epoch's weights, not the best, so a run cut in two equals one run."""

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0, mode: str = "auto",
                 restore_best_weights: bool = True):
        check_number("EarlyStopping", "patience", patience, at_least=0, integer=True)
        check_number("EarlyStopping", "min_delta", min_delta)
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(min_delta)
        self.mode, self.restore_best_weights = _mode_for("EarlyStopping", monitor, mode), restore_best_weights
        self.best, self.best_epoch, self.best_state, self.wait, self.stopped_epoch = None, None, None, 0, None
        self.last_state, self.rewound_at = None, None  # the weights the rewind replaced, and its epoch

    def on_train_begin(self, trainer):
        if self.last_state is not None and self.rewound_at == trainer.epoch:
            trainer.model.load_state_dict(self.last_state)  # undo the rewind: training goes on
        self.last_state = self.rewound_at = None

    def on_epoch_end(self, trainer, epoch, logs):
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping: {self.monitor!r} is not among the logged values {sorted(logs)}")
        value = logs[self.monitor]
        better = self.best is None or (value < self.best - self.min_delta if self.mode == "min"
                                       else value > self.best + self.min_delta)
        if better:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_state = trainer.model.state_dict()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                trainer.stop_training, self.stopped_epoch = True, epoch

    def on_train_end(self, trainer):
        if self.restore_best_weights and self.best_state is not None and self.best_epoch != trainer.epoch:
            self.last_state, self.rewound_at = trainer.model.state_dict(), trainer.epoch
            trainer.model.load_state_dict(self.best_state)

    def state_dict(self) -> dict:
        """The counter, the best value, epoch and weights, and the weights a rewind replaced."""
        return {"wait": self.wait, "best": self.best, "best_epoch": self.best_epoch,
                "stopped_epoch": self.stopped_epoch, "best_state": self.best_state,
                "last_state": self.last_state, "rewound_at": self.rewound_at}

    def load_state_dict(self, state: dict) -> None:
        where = "EarlyStopping.load_state_dict"
        state = _checked_fields(where, state, self.state_dict())
        check_number(where, "wait", state["wait"], at_least=0, integer=True)
        _check_optional(where, "best", state["best"])
        for name in ("best_epoch", "stopped_epoch", "rewound_at"):
            _check_optional(where, name, state[name], at_least=0, integer=True)
        for name in ("best_state", "last_state"):
            _check_weights(where, name, state[name])
        vars(self).update(state)


class ModelCheckpoint(Callback):
    """Save the whole training state (resumable) to `path` after each epoch, or only when
    `monitor` improves with `save_best_only`. `path` may contain "{epoch}". Writes are atomic."""

    def __init__(self, path, monitor: str = "val_loss", save_best_only: bool = False, mode: str = "auto"):
        self.path, self.monitor, self.save_best_only = str(path), monitor, save_best_only
        self.mode, self.best = _mode_for("ModelCheckpoint", monitor, mode), None

    def on_epoch_end(self, trainer, epoch, logs):
        if self.save_best_only:
            value = logs.get(self.monitor)
            if value is None:
                raise KeyError(f"ModelCheckpoint: {self.monitor!r} is not among the logged values {sorted(logs)}")
            if self.best is not None and (value >= self.best if self.mode == "min" else value <= self.best):
                return
            self.best = value
        trainer.save_checkpoint(self.path.format(epoch=epoch))

    def state_dict(self) -> dict:
        """The best value so far, so that a resumed run does not overwrite the best file with a worse one."""
        return {"best": self.best}

    def load_state_dict(self, state: dict) -> None:
        state = _checked_fields("ModelCheckpoint.load_state_dict", state, self.state_dict())
        _check_optional("ModelCheckpoint.load_state_dict", "best", state["best"])
        self.best = state["best"]


class ProgressBar(Callback):
    """A tqdm bar over each epoch's batches with the running loss; quiet when the output is not a
    terminal (and absent when tqdm is not installed)."""

    def __init__(self, file=None, mininterval: float = 0.1):
        self.file, self.mininterval, self.bar = file, mininterval, None

    def on_epoch_begin(self, trainer, epoch):
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        stream = self.file or sys.stderr
        self.bar = tqdm(total=trainer.batches_per_epoch, desc=f"epoch {epoch}", file=stream, leave=False,
                        mininterval=self.mininterval, disable=None if self.file is None else False)

    def on_batch_end(self, trainer, batch, logs):
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{logs['loss']:.4f}", refresh=False)

    def on_epoch_end(self, trainer, epoch, logs):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class EpochPrinter(Callback):
    """Keras' verbose line per epoch on standard output (or `file`):
    "Epoch 3/10 - loss: 0.1234 - accuracy: 0.9500 - val_loss: ..."."""

    def __init__(self, epochs: int, file=None):
        self.epochs, self.file = epochs, file

    @staticmethod
    def format(logs: dict) -> str:
        """The losses and metrics on one line, "loss: 0.1234 - accuracy: 0.9500" (no learning rate)."""
        return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items() if k != "lr")

    def on_epoch_end(self, trainer, epoch, logs):
        print(f"Epoch {epoch}/{self.epochs} - {self.format(logs)}", file=self.file)


class HistoryLogger(Callback):
    """Write the history after every epoch, atomically, as CSV (a row per epoch) or JSON
    (chosen by the file's extension)."""

    def __init__(self, path):
        self.path = str(path)
        if not self.path.endswith((".csv", ".json")):
            raise ValueError(f"HistoryLogger: the file must end in .csv or .json, got {self.path!r}")

    def on_epoch_end(self, trainer, epoch, logs):
        records = trainer.history.records
        if self.path.endswith(".json"):
            text = json.dumps(records, indent=1)
        else:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(records)
            writer.writerows(zip(*records.values()))
            text = buffer.getvalue()
        atomic_write(self.path, lambda f: f.write(text.encode()))


class Trainer:
    """Trains `model` with `loss_fn(output, target)` and `optimizer`, stepping `scheduler` once
    per epoch (ReduceLROnPlateau on the validation loss, or the training loss without one).
    At each epoch's end the callbacks run in order, ModelCheckpoints last (as in Lightning), so
    the checkpoints they write hold every other callback's state after that epoch."""

    def __init__(self, model, loss_fn, optimizer, scheduler=None, metrics=("accuracy",), callbacks=(),
                 progress: bool = True):
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            raise ValueError(f"Trainer: unknown metrics {unknown}; choose from {sorted(METRICS)}")
        self.model, self.loss_fn, self.optimizer, self.scheduler = model, loss_fn, optimizer, scheduler
        self.metrics = tuple(metrics)
        self.callbacks = list(callbacks) + ([ProgressBar()] if progress else [])
        self.history, self.epoch, self.stop_training = History(), 0, False
        self.train_loader, self.batches_per_epoch, self.pending_loader_state = None, 0, None

    # ------------------------------------------------------------------ fitting

    def fit(self, train_data, epochs: int, validation_data=None, batch_size: int | None = None,
            validation_split: float | None = None, shuffle: bool = True, seed=None) -> History:
        """Train until `epochs` epochs are done in all (a resumed trainer continues from its
        epoch). `validation_split` holds out the last fraction of array data, as Keras does."""
        if validation_split is not None:
            if validation_data is not None or isinstance(train_data, DataLoader):
                raise ValueError("fit: validation_split needs array training data and no validation_data")
            x, y = (np.asarray(a) for a in train_data)
            cut = int(round(len(x) * (1 - validation_split)))
            train_data, validation_data = (x[:cut], y[:cut]), (x[cut:], y[cut:])
        if isinstance(train_data, DataLoader) or self.train_loader is None:
            self.train_loader = self._loader(train_data, batch_size, shuffle, seed)
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

    def _loader(self, data, batch_size, shuffle, seed) -> DataLoader:
        if isinstance(data, DataLoader):
            return data
        if batch_size is None:
            raise ValueError("fit: array training data needs batch_size")
        return DataLoader(tuple(data), batch_size=batch_size, shuffle=shuffle, seed=seed)

    def _train_epoch(self) -> dict:
        self.model.train()
        for c in self.callbacks:
            c.on_epoch_begin(self, self.epoch)
        totals, seen, device = {}, 0, model_device(self.model)
        for i, (x, y) in enumerate(self.train_loader):
            x, y = x.to(device), y.to(device)
            self.optimizer.zero_grad()
            out = self.model(x)
            loss = self.loss_fn(out, y)
            loss.backward()
            self.optimizer.step()
            batch_logs = {"loss": loss.item(), **{m: METRICS[m](out, y) for m in self.metrics}}
            for k, v in batch_logs.items():
                totals[k] = totals.get(k, 0.0) + v * len(x)
            seen += len(x)
            for c in self.callbacks:
                c.on_batch_end(self, i, batch_logs)
        if not seen:
            raise ValueError("fit: the training data gave no batch (empty, or drop_last with too few samples)")
        return {k: v / seen for k, v in totals.items()}

    def _step_scheduler(self, logs: dict) -> None:
        if isinstance(self.scheduler, ReduceLROnPlateau):
            self.scheduler.step(logs.get("val_loss", logs["loss"]))
        elif self.scheduler is not None:
            self.scheduler.step()

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, data, batch_size: int = 500) -> dict:
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

    def predict(self, x, batch_size: int = 500) -> np.ndarray:
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

    def save_checkpoint(self, path) -> None:
        save(self.state_dict(), path)

    def load_checkpoint(self, path) -> None:
        """Restore a checkpoint; then call fit with the same data and batch size as the original
        run, and it continues where that run stopped (the data order included)."""
        self.load_state_dict(load(path))


def model_device(model) -> str:
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


def fit(model, train_data, loss_fn, optimizer, epochs: int, val_data=None, scheduler=None, callbacks=(),
        metrics=("accuracy",), progress: bool = True, **options) -> History:
    """Train and return the History (see Trainer.fit for batch_size, validation_split, shuffle,
    seed; `validation_data` is accepted as a synonym of `val_data`)."""
    val_data = options.pop("validation_data", val_data)
    trainer = Trainer(model, loss_fn, optimizer, scheduler, metrics, callbacks, progress)
    return trainer.fit(train_data, epochs, validation_data=val_data, **options)


def evaluate(model, data, loss_fn, metrics=("accuracy",), batch_size: int = 500) -> dict:
    return Trainer(model, loss_fn, None, metrics=metrics, progress=False).evaluate(data, batch_size)


def predict(model, x, batch_size: int = 500) -> np.ndarray:
    """The model's outputs for inputs x, in eval mode, batch by batch, as one array."""
    x = x.numpy() if isinstance(x, Tensor) else np.asarray(x)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            device = model_device(model)
            outputs = [model(Tensor(x[i:i + batch_size], device=device)).numpy() for i in range(0, len(x), batch_size)]
    finally:
        model.train(was_training)
    return np.concatenate(outputs) if outputs else np.zeros((0,))
