"""Learning-rate schedules (PyTorch's names). Call `scheduler.step()` once per epoch, after the
optimizer's steps; each schedule computes lr from its closed form at step t (= last_epoch)."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from ..tracing import active as jit_trace, refuse
from .optimizer import Optimizer, check_number


class _Schedule:
    """What every schedule shares: the optimizer, the current learning rates, and the state to
    save, which `load_state_dict` checks with the constructor's `_check`."""

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer

    def _check(self, settings: dict, where: str) -> None:
        """Refuse settings (the constructor's, or a saved state) the schedule cannot use."""
        check_number(where, "last_epoch", settings["last_epoch"], at_least=0, integer=True)

    def _outside_jit(self) -> None:
        if jit_trace() is not None:
            refuse(f"{type(self).__name__}.step() changes the learning rate in Python, which a replay would skip "
                   "(a replay reads lr live: call step() outside the jitted function)")

    def get_last_lr(self) -> list:
        return [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state: dict) -> None:
        """Restore a `state_dict()` of the same kind of schedule, after the constructor's checks."""
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, Mapping):
            raise TypeError(f"{where}: expected a schedule's state_dict(), got {type(state).__name__}")
        unknown = set(state) - set(self.state_dict())
        if unknown:
            raise ValueError(f"{where}: unknown entries {sorted(unknown)} (the state of another kind of schedule?)")
        self._check({**self.state_dict(), **state}, where)
        vars(self).update(state)


class LRScheduler(_Schedule):
    """Sets each group's lr to `lr_at(base_lr, t)` at t = 0 (on creation) and after each step()."""

    def __init__(self, optimizer: Optimizer):
        super().__init__(optimizer)
        self.base_lrs = [g["lr"] for g in optimizer.param_groups]
        self.last_epoch = 0
        self._check(self.state_dict(), type(self).__name__)
        self._apply()

    def _check(self, settings, where):
        super()._check(settings, where)
        base_lrs = settings["base_lrs"]
        if not isinstance(base_lrs, list) or len(base_lrs) != len(self.optimizer.param_groups):
            raise ValueError(f"{where}: base_lrs must be a list of {len(self.optimizer.param_groups)} learning "
                             f"rates (one per parameter group), got {base_lrs!r}")
        for i, lr in enumerate(base_lrs):
            check_number(where, f"base_lrs[{i}]", lr, at_least=0)

    def lr_at(self, base_lr: float, t: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        self._outside_jit()
        self.last_epoch += 1
        self._apply()

    def _apply(self) -> None:
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(base, self.last_epoch)

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self._apply()


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (t // step_size)"""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def _check(self, settings, where):
        super()._check(settings, where)
        check_number(where, "step_size", settings["step_size"], at_least=1, integer=True)
        check_number(where, "gamma", settings["gamma"], at_least=0)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


class MultiStepLR(LRScheduler):
    """lr = base_lr * gamma ** (number of milestones <= t)"""

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1):
        self.milestones, self.gamma = sorted(milestones), gamma
        super().__init__(optimizer)

    def _check(self, settings, where):
        super()._check(settings, where)
        milestones = settings["milestones"]
        if not isinstance(milestones, list):
            raise TypeError(f"{where}: milestones must be a list of epochs, got {milestones!r}")
        for i, m in enumerate(milestones):
            check_number(where, f"milestones[{i}]", m, at_least=0, integer=True)
        check_number(where, "gamma", settings["gamma"], at_least=0)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** sum(m <= t for m in self.milestones)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** t"""

    def __init__(self, optimizer: Optimizer, gamma: float):
        self.gamma = gamma
        super().__init__(optimizer)

    def _check(self, settings, where):
        super()._check(settings, where)
        check_number(where, "gamma", settings["gamma"], at_least=0)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** t


class ExponentialDecayLR(LRScheduler):
    """The lecture's exponential schedule: lr = base_lr * 10 ** (-t / r) (a tenth every r epochs)."""

    def __init__(self, optimizer: Optimizer, r: float):
        self.r = r
        super().__init__(optimizer)

    def _check(self, settings, where):
        super()._check(settings, where)
        check_number(where, "r", settings["r"], above=0)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * 10.0 ** (-t / self.r)


class PowerDecayLR(LRScheduler):
    """The lecture's power schedule: lr = base_lr * (1 + t / r) ** (-c)."""

    def __init__(self, optimizer: Optimizer, r: float, c: float = 1.0):
        self.r, self.c = r, c
        super().__init__(optimizer)

    def _check(self, settings, where):
        super()._check(settings, where)
        check_number(where, "r", settings["r"], above=0)
        check_number(where, "c", settings["c"])

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * (1.0 + t / self.r) ** (-self.c)


class LinearLR(LRScheduler):
    """lr = base_lr * factor, the factor going linearly from start_factor to end_factor over
    total_iters steps, then staying. The lecture's linear decay from lr to 1e-4 over E epochs is
    LinearLR(opt, start_factor=1.0, end_factor=1e-4 / lr, total_iters=E)."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5):
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer)

    def _check(self, settings, where):
        super()._check(settings, where)
        check_number(where, "start_factor", settings["start_factor"], at_least=0)
        check_number(where, "end_factor", settings["end_factor"], at_least=0)
        check_number(where, "total_iters", settings["total_iters"], at_least=1, integer=True)

    def lr_at(self, base_lr: float, t: int) -> float:
        progress = min(t, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2"""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def _check(self, settings, where):
        super()._check(settings, where)
        check_number(where, "T_max", settings["T_max"], above=0)
        check_number(where, "eta_min", settings["eta_min"], at_least=0)

    def lr_at(self, base_lr: float, t: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2


class ReduceLROnPlateau(_Schedule):
    """Performance-based: multiply lr by `factor` when the monitored value has not improved by
    more than `threshold` (relative) for `patience` epochs; wait `cooldown` epochs after a cut.
    Call `step(value)` once per epoch with the validation loss (mode "min") or accuracy ("max")."""

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0):
        super().__init__(optimizer)
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.cooldown, self.min_lr = threshold, cooldown, min_lr
        self.best = math.inf if mode == "min" else -math.inf
        self.bad_epochs = self.cooldown_left = self.last_epoch = 0
        self._check(self.state_dict(), "ReduceLROnPlateau")

    def _check(self, settings, where):
        super()._check(settings, where)
        if settings["mode"] not in ("min", "max"):
            raise ValueError(f"{where}: mode must be 'min' or 'max', got {settings['mode']!r}")
        check_number(where, "factor", settings["factor"], above=0, below=1)
        for name in ("patience", "cooldown", "bad_epochs", "cooldown_left"):
            check_number(where, name, settings[name], at_least=0, integer=True)
        for name in ("threshold", "min_lr"):
            check_number(where, name, settings[name], at_least=0)
        check_number(where, "best", settings["best"])

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            if self.best > 0:
                return value < self.best * (1 - self.threshold)
            return value < self.best - abs(self.best) * self.threshold
        if self.best > 0:
            return value > self.best * (1 + self.threshold)
        return value > self.best + abs(self.best) * self.threshold

    def step(self, value: float) -> None:
        self._outside_jit()
        self.last_epoch += 1
        if self._improved(float(value)):
            self.best, self.bad_epochs = float(value), 0
        else:
            self.bad_epochs += 1
        if self.cooldown_left:
            self.cooldown_left -= 1
            self.bad_epochs = 0
        if self.bad_epochs > self.patience:
            for group in self.optimizer.param_groups:
                group["lr"] = max(group["lr"] * self.factor, self.min_lr)
            self.cooldown_left, self.bad_epochs = self.cooldown, 0
