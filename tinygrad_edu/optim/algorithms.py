"""The six optimizers, with PyTorch's names, defaults and update rules, so that a learner can
compare them with PyTorch step by step. Each docstring gives the rule (g is the gradient, p the
parameter, t the step count) and, where the book writes it differently, the book's form.
Updates run on the arrays, in place, outside the graph (see optimizer.py for what they share).
"""
from __future__ import annotations

from types import ModuleType

import numpy as np

from ..ops.array import Array
from .optimizer import Optimizer, ParamsLike, check_number


def _with_weight_decay(p, g, group: dict, s: dict, state: dict, xp):
    """g + weight_decay * p (L2 regularisation folded into the gradient), in a reused buffer."""
    if not group["weight_decay"]:
        return g
    buffer = state.get("decayed_grad")
    if buffer is None:
        buffer = state["decayed_grad"] = xp.empty_like(p)
    xp.multiply(p, s["weight_decay"], out=buffer)
    buffer += g
    return buffer


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum (the book's Momentum is momentum=0.9)
    and Nesterov momentum:

        g = g + weight_decay * p
        buf = g (first step), then buf = momentum * buf + g
        p -= lr * (g + momentum * buf if nesterov else buf)

    The book writes momentum as v = momentum * v - lr * g; p += v, which is the same update with
    v = -lr * buf while lr is constant.
    """

    non_negative = ("lr", "momentum", "weight_decay")
    state_entries = ("momentum_buffer",)

    def __init__(self, params: ParamsLike, lr: float, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0):
        super().__init__(params, {"lr": lr, "momentum": momentum, "nesterov": nesterov, "weight_decay": weight_decay})

    def _check_hyperparameters(self, group, where):
        super()._check_hyperparameters(group, where)
        if not isinstance(group["nesterov"], (bool, np.bool_)):
            raise TypeError(f"{where}: nesterov must be True or False, got {group['nesterov']!r}")
        if group["nesterov"] and group["momentum"] <= 0:
            raise ValueError(f"{where}: Nesterov momentum needs momentum > 0, got {group['momentum']!r}")

    def scalars(self, group: dict, state: dict) -> dict:
        return {"lr": group["lr"], "momentum": group["momentum"], "weight_decay": group["weight_decay"]}

    def update(self, p: Array, g: Array, state: dict, group: dict, s: dict, xp: ModuleType) -> None:
        g = _with_weight_decay(p, g, group, s, state, xp)
        if group["momentum"]:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= s["momentum"]
                buf += g
            if group["nesterov"]:
                p -= s["lr"] * (g + s["momentum"] * buf)
                return
            g = buf
        p -= s["lr"] * g


class Adagrad(Optimizer):
    """Adaptive gradient: each parameter's step shrinks with its accumulated squared gradients.

        sum += g**2
        p -= lr * g / (sqrt(sum) + eps)

    The book's AdaGrad is the same with eps = 1e-7 added the same way.
    """

    non_negative = ("lr", "eps", "weight_decay")
    state_entries = ("sum",)

    def __init__(self, params: ParamsLike, lr: float = 0.01, eps: float = 1e-10, weight_decay: float = 0.0):
        super().__init__(params, {"lr": lr, "eps": eps, "weight_decay": weight_decay})

    def scalars(self, group: dict, state: dict) -> dict:
        return {"lr": group["lr"], "eps": group["eps"], "weight_decay": group["weight_decay"]}

    def update(self, p: Array, g: Array, state: dict, group: dict, s: dict, xp: ModuleType) -> None:
        g = _with_weight_decay(p, g, group, s, state, xp)
        total = state.get("sum")
        if total is None:
            total = state["sum"] = xp.zeros_like(p)
        total += g * g
        p -= s["lr"] * g / (xp.sqrt(total) + s["eps"])


class RMSprop(Optimizer):
    """Like Adagrad, but with a moving average of squared gradients (forgetting old ones).

        square_avg = alpha * square_avg + (1 - alpha) * g**2
        p -= lr * g / (sqrt(square_avg) + eps)

    The book's RMSprop uses decay_rate = alpha (0.99) and eps = 1e-7 the same way.
    """

    non_negative = ("lr", "alpha", "eps", "weight_decay")
    state_entries = ("square_avg",)

    def __init__(self, params: ParamsLike, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay})

    def scalars(self, group: dict, state: dict) -> dict:
        return {"lr": group["lr"], "eps": group["eps"], "weight_decay": group["weight_decay"],
                "alpha": group["alpha"], "1 - alpha": 1 - group["alpha"]}

    def update(self, p: Array, g: Array, state: dict, group: dict, s: dict, xp: ModuleType) -> None:
        g = _with_weight_decay(p, g, group, s, state, xp)
        avg = state.get("square_avg")
        if avg is None:
            avg = state["square_avg"] = xp.zeros_like(p)
        avg *= s["alpha"]
        avg += s["1 - alpha"] * g * g
        p -= s["lr"] * g / (xp.sqrt(avg) + s["eps"])


class Adadelta(Optimizer):
    """Adadelta: a step size from the ratio of moving averages of past updates and gradients.

        square_avg = rho * square_avg + (1 - rho) * g**2
        delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g
        acc_delta = rho * acc_delta + (1 - rho) * delta**2
        p -= lr * delta
    """

    non_negative = ("lr", "eps", "weight_decay")
    state_entries = ("square_avg", "acc_delta")

    def __init__(self, params: ParamsLike, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0):
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay})

    def _check_hyperparameters(self, group, where):
        super()._check_hyperparameters(group, where)
        check_number(where, "rho", group["rho"], at_least=0, at_most=1)

    def scalars(self, group: dict, state: dict) -> dict:
        return {"lr": group["lr"], "eps": group["eps"], "weight_decay": group["weight_decay"],
                "rho": group["rho"], "1 - rho": 1 - group["rho"]}

    def update(self, p: Array, g: Array, state: dict, group: dict, s: dict, xp: ModuleType) -> None:
        g = _with_weight_decay(p, g, group, s, state, xp)
        if "square_avg" not in state:
            state["square_avg"], state["acc_delta"] = xp.zeros_like(p), xp.zeros_like(p)
        rho, eps = s["rho"], s["eps"]
        avg, acc = state["square_avg"], state["acc_delta"]
        avg *= rho
        avg += s["1 - rho"] * g * g
        delta = xp.sqrt(acc + eps) / xp.sqrt(avg + eps) * g
        acc *= rho
        acc += s["1 - rho"] * delta * delta
        p -= s["lr"] * delta


class Adam(Optimizer):
    """Adam: momentum on the gradient and RMSprop's scaling, both bias-corrected.

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g**2
        p -= lr * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + eps)

    The book folds the corrections into the learning rate, lr_t = lr * sqrt(1 - beta2**t) /
    (1 - beta1**t), and adds eps to sqrt(v) (not to the corrected value): nearly the same step.
    """

    non_negative = ("lr", "eps", "weight_decay")
    state_entries = ("step", "m", "v")

    def __init__(self, params: ParamsLike, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay})

    def _check_hyperparameters(self, group, where):
        super()._check_hyperparameters(group, where)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{where}: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            check_number(where, f"betas[{i}]", beta, at_least=0, below=1)

    counts_steps = True

    def scalars(self, group: dict, state: dict) -> dict:
        """The step's numbers; counts the step (a replay of tg.jit calls this too)."""
        state["step"] = t = state.get("step", 0) + 1
        (beta1, beta2), lr = group["betas"], group["lr"]
        return {"beta1": beta1, "1 - beta1": 1 - beta1, "beta2": beta2, "1 - beta2": 1 - beta2,
                "1 - beta2**t": 1 - beta2 ** t, "eps": group["eps"], "lr / (1 - beta1**t)": lr / (1 - beta1 ** t),
                "weight_decay": group["weight_decay"], "1 - lr * weight_decay": 1 - lr * group["weight_decay"]}

    def update(self, p: Array, g: Array, state: dict, group: dict, s: dict, xp: ModuleType) -> None:
        g = _with_weight_decay(p, g, group, s, state, xp)
        self._adam_step(p, g, state, s, xp)

    @staticmethod
    def _adam_step(p, g, state, s, xp):
        if "m" not in state:
            state["m"], state["v"] = xp.zeros_like(p), xp.zeros_like(p)
        m, v = state["m"], state["v"]
        m *= s["beta1"]
        m += s["1 - beta1"] * g
        v *= s["beta2"]
        v += s["1 - beta2"] * g * g
        denominator = xp.sqrt(v / s["1 - beta2**t"])
        denominator += s["eps"]
        p -= s["lr / (1 - beta1**t)"] * m / denominator


class AdamW(Adam):
    """Adam with decoupled weight decay: the parameter shrinks directly, not through the gradient.

        p *= 1 - lr * weight_decay;  then Adam's step without weight decay
    """

    def __init__(self, params: ParamsLike, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)

    def update(self, p: Array, g: Array, state: dict, group: dict, s: dict, xp: ModuleType) -> None:
        p *= s["1 - lr * weight_decay"]
        self._adam_step(p, g, state, s, xp)
