"""Callbacks of the training loop (History, EarlyStopping, ModelCheckpoint, ProgressBar,
EpochPrinter, HistoryLogger) and the hooks a callback of yours can use. A callback with
`state_dict`/`load_state_dict` travels in the Trainer's checkpoint, so a resumed run repeats an
uninterrupted one."""
from __future__ import annotations

import csv
import io
import json
import sys
import os
from collections.abc import Iterable, Mapping
from typing import IO, TYPE_CHECKING

import numpy as np

from .files import atomic_write
from .optim.optimizer import check_number

if TYPE_CHECKING:
    from .train import Trainer


class History:
    """Per-epoch records: `history["val_loss"]` is a list with one value per epoch. Keras' views
    too: `history.history` (the losses and metrics by name) and `history.epoch` (from 0)."""

    def __init__(self, records: Mapping[str, Iterable[float]] | None = None):
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

    def on_train_begin(self, trainer: Trainer) -> None: pass
    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None: pass
    def on_batch_end(self, trainer: Trainer, batch: int, logs: dict[str, float]) -> None: pass
    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None: pass
    def on_train_end(self, trainer: Trainer) -> None: pass


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

    def on_train_begin(self, trainer: Trainer) -> None:
        if self.last_state is not None and self.rewound_at == trainer.epoch:
            trainer.model.load_state_dict(self.last_state)  # undo the rewind: training goes on
        self.last_state = self.rewound_at = None

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
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

    def on_train_end(self, trainer: Trainer) -> None:
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

    def __init__(self, path: str | os.PathLike[str], monitor: str = "val_loss", save_best_only: bool = False,
                 mode: str = "auto"):
        self.path, self.monitor, self.save_best_only = str(path), monitor, save_best_only
        self.mode, self.best = _mode_for("ModelCheckpoint", monitor, mode), None

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
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
    """A tqdm bar over each epoch's batches with the running loss: in a terminal or on `file`; in
    a Jupyter notebook as a widget (with ipywidgets) or as text (without); quiet when the output
    is anything else, and absent when tqdm is not installed."""

    def __init__(self, file: IO[str] | None = None, mininterval: float = 0.1):
        self.file, self.mininterval, self.bar = file, mininterval, None

    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None:
        try:
            from tqdm.std import tqdm
        except ImportError:
            return
        from .display import has_widgets, in_kernel
        notebook = self.file is None and in_kernel()  # a kernel's stderr is no terminal, yet shows a text bar
        if notebook and has_widgets():
            from tqdm.notebook import tqdm  # not tqdm.auto: without ipywidgets it warns, then hides the bar
        self.bar = tqdm(total=trainer.batches_per_epoch, desc=f"epoch {epoch}", file=self.file or sys.stderr,
                        leave=False, mininterval=self.mininterval,
                        disable=None if self.file is None and not notebook else False)

    def on_batch_end(self, trainer: Trainer, batch: int, logs: dict[str, float]) -> None:
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{logs['loss']:.4f}", refresh=False)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class EpochPrinter(Callback):
    """Keras' verbose line per epoch on standard output (or `file`):
    "Epoch 3/10 - loss: 0.1234 - accuracy: 0.9500 - val_loss: ..."."""

    def __init__(self, epochs: int, file: IO[str] | None = None):
        self.epochs, self.file = epochs, file

    @staticmethod
    def format(logs: dict) -> str:
        """The losses and metrics on one line, "loss: 0.1234 - accuracy: 0.9500" (no learning rate)."""
        return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items() if k != "lr")

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        print(f"Epoch {epoch}/{self.epochs} - {self.format(logs)}", file=self.file)


class HistoryLogger(Callback):
    """Write the history after every epoch, atomically, as CSV (a row per epoch) or JSON
    (chosen by the file's extension)."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = str(path)
        if not self.path.endswith((".csv", ".json")):
            raise ValueError(f"HistoryLogger: the file must end in .csv or .json, got {self.path!r}")

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        records = trainer.history.records
        if self.path.endswith(".json"):
            text = json.dumps(records, indent=1)
        else:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(records)
            rows = max(map(len, records.values()), default=0)  # a key first logged in a later epoch
            writer.writerows(zip(*([""] * (rows - len(v)) + list(v) for v in records.values())))  # fills its top
            text = buffer.getvalue()
        atomic_write(self.path, lambda f: f.write(text.encode()))
