"""Keras' habits on any Module: `model.compile(optimizer="sgd", loss="mse", metrics=["accuracy"])`,
`history = model.fit(x, y, epochs=10)`, `model.evaluate(x, y)`, `model.predict(x)`, with Keras'
names, defaults and return values, so the lectures' Keras programs run nearly line for line.

Training runs through `tinygrad_edu.train.Trainer`; this module only translates. The Keras losses
take probabilities (the model ends in nn.Softmax or nn.Sigmoid), as Keras' losses do by default,
and clip them to [1e-7, 1 - 1e-7] as Keras does, so a probability of 0 gives a finite loss.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .. import optim
from ..creation import get_generator
from ..tensor import Tensor
from . import functional as F

if TYPE_CHECKING:
    from ..callbacks import Callback, History

EPSILON = 1e-7  # Keras' backend epsilon: the clipping margin of the probabilities


def categorical_crossentropy(output: Tensor, target: Tensor | npt.ArrayLike) -> Tensor:
    """Mean over rows of -sum(t log p): probabilities p against one-hot rows t."""
    t = _target(output, target, "categorical_crossentropy",
                "; for integer labels use sparse_categorical_crossentropy")
    return -(t * _clip(output).log()).sum(axis=-1).mean()


def sparse_categorical_crossentropy(output: Tensor, target: Tensor | npt.ArrayLike) -> Tensor:
    """categorical_crossentropy with integer labels of shape (n,) in place of one-hot rows."""
    shape = tuple(target.shape) if hasattr(target, "shape") else np.shape(target)
    if shape != output.shape[:-1]:
        raise ValueError(f"sparse_categorical_crossentropy: labels of shape {shape} do not match "
                         f"outputs of shape {output.shape} (integer labels need shape {output.shape[:-1]})")
    return categorical_crossentropy(output, F.one_hot(target, output.shape[-1]))


def binary_crossentropy(output: Tensor, target: Tensor | npt.ArrayLike) -> Tensor:
    """Mean of -(t log p + (1 - t) log(1 - p)) for probabilities p (a Sigmoid output)."""
    t, p = _target(output, target, "binary_crossentropy"), _clip(output)
    return -(t * p.log() + (1 - t) * (1 - p).log()).mean()


def mean_squared_error(output: Tensor, target: Tensor | npt.ArrayLike) -> Tensor:
    """Mean of (p - t)^2 over all elements."""
    return F.mse_loss(output, _target(output, target, "mean_squared_error"))


LOSSES = {"categorical_crossentropy": categorical_crossentropy,
          "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
          "binary_crossentropy": binary_crossentropy,
          "mse": mean_squared_error, "mean_squared_error": mean_squared_error}
KERAS_LR = {optim.SGD: 0.01, optim.Adam: 0.001, optim.RMSprop: 0.001, optim.Adagrad: 0.001}  # Keras' defaults
OPTIMIZERS = {cls.__name__.lower(): cls for cls in KERAS_LR}  # "sgd", "adam", "rmsprop", "adagrad"


def _clip(p: Tensor) -> Tensor:
    return p.clip(EPSILON, 1 - EPSILON)


def _target(output: Tensor, target, who: str, hint: str = "") -> Tensor:
    """`target` as a Tensor of the output's shape, dtype and device; targets of shape (n,) fit
    outputs of shape (n, 1), as in Keras."""
    t = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    if t.shape + (1,) == output.shape:
        t = t.reshape(output.shape)
    if t.shape != output.shape:
        raise ValueError(f"{who}: targets of shape {t.shape} do not match outputs of shape {output.shape}{hint}")
    return t.to(output.device, output.dtype)


def _loss(loss):
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"compile: unknown loss {loss!r}; choose from {sorted(LOSSES)} or give a "
                             "function(output, target)")
        return LOSSES[loss]
    if not callable(loss):
        raise TypeError(f"compile: loss must be a name or a function(output, target), got {type(loss).__name__}")
    return loss


def _optimizer(model, optimizer) -> optim.Optimizer:
    """A name or an Optimizer class is built on the model's parameters with Keras' default learning
    rate (the class's own default for classes Keras' table lacks); an Optimizer is used as it is."""
    if isinstance(optimizer, str):
        if optimizer.lower() not in OPTIMIZERS:
            raise ValueError(f"compile: unknown optimizer {optimizer!r}; choose from {sorted(OPTIMIZERS)}, "
                             "an optimizer such as optim.SGD(model.parameters(), lr=0.1), or an optimizer class")
        optimizer = OPTIMIZERS[optimizer.lower()]
    if isinstance(optimizer, type) and issubclass(optimizer, optim.Optimizer):
        lr = KERAS_LR.get(optimizer)
        return optimizer(model.parameters()) if lr is None else optimizer(model.parameters(), lr=lr)
    if not isinstance(optimizer, optim.Optimizer):
        raise TypeError(f"compile: optimizer must be a name, an Optimizer or an Optimizer class, "
                        f"got {type(optimizer).__name__}")
    own = {id(p) for p in model.parameters()}
    if not any(id(p) in own for group in optimizer.param_groups for p in group["params"]):
        raise ValueError(f"compile: the {type(optimizer).__name__} holds none of this model's parameters; "
                         "build it on model.parameters()")
    return optimizer


def _compiled(model, who: str):
    if model._keras_compiled is None:
        raise RuntimeError(f"{who}: {type(model).__name__} is not compiled yet; call "
                           "model.compile(optimizer=..., loss=...) first")
    return model._keras_compiled


class KerasMixin:
    """compile, fit, evaluate and predict for every Module (see this module's docstring)."""

    _keras_compiled = None  # compile() puts a Trainer here holding the loss, optimizer and metrics

    def compile(self, optimizer: str | type[optim.Optimizer] | optim.Optimizer,
                loss: str | Callable[[Tensor, Tensor], Tensor], metrics: Iterable[str] | None = None) -> None:
        """Choose how fit trains: `optimizer` "sgd", "adam", "rmsprop", "adagrad" (built now on
        this model's parameters with Keras' default learning rate), an optimizer class, or an
        optimizer; `loss` a name in LOSSES or a function(output, target); `metrics` e.g. ["accuracy"]."""
        from ..train import Trainer
        loss_fn, metrics = _loss(loss), list(metrics or [])
        self._keras_compiled = Trainer(self, loss_fn, _optimizer(self, optimizer), metrics=metrics, progress=False)

    def fit(self, x: npt.ArrayLike, y: npt.ArrayLike, epochs: int = 1, batch_size: int = 32,
            validation_split: float = 0.0, validation_data: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
            callbacks: Iterable[Callback] | None = None, verbose: int = 1, shuffle: bool = True) -> History:
        """Train for `epochs` more epochs (calling fit again continues) and return this call's
        History: `history.history["loss"]`, `history.epoch`. `validation_split` holds out the last
        fraction of x and y, as in Keras. `verbose`: 0 silent, 1 a progress bar (in a terminal)
        and a line per epoch, 2 a line per epoch. The data order is drawn from the default
        generator, so `tg.manual_seed(0)` repeats a run."""
        from ..callbacks import EpochPrinter, ProgressBar
        from ..train import Trainer
        compiled = _compiled(self, "fit")
        if verbose not in (0, 1, 2):
            raise ValueError(f"fit: verbose must be 0, 1 or 2, got {verbose!r}")
        shown = ([ProgressBar()] if verbose == 1 else []) + ([EpochPrinter(epochs)] if verbose else [])
        trainer = Trainer(self, compiled.loss_fn, compiled.optimizer, metrics=compiled.metrics,
                          callbacks=list(callbacks or []) + shown, progress=False)
        return trainer.fit((x, y), epochs, validation_data=validation_data, batch_size=batch_size,
                           validation_split=validation_split or None, shuffle=shuffle,
                           generator=int(get_generator().integers(2**63)))

    def evaluate(self, x: npt.ArrayLike, y: npt.ArrayLike, batch_size: int = 32,
                 verbose: int = 0) -> float | list[float]:
        """The mean loss (a float) when compiled without metrics, else [loss, metric, ...], as
        Keras returns; verbose prints them on one line."""
        from ..callbacks import EpochPrinter
        compiled = _compiled(self, "evaluate")
        logs = compiled.evaluate((x, y), batch_size)
        if verbose:
            print(EpochPrinter.format(logs))
        values = [logs["loss"]] + [logs[m] for m in compiled.metrics]
        return values if compiled.metrics else values[0]

    def predict(self, x: Tensor | npt.ArrayLike, batch_size: int = 32, verbose: int = 0) -> np.ndarray:
        """The outputs for inputs x as a NumPy array, in eval mode; needs no compile. `verbose` is
        accepted for Keras' habit of `verbose=0`: nothing is printed either way."""
        from ..train import predict
        return predict(self, x, batch_size)
