"""The Optimizer base class (parameter groups, step, state_dict with the constructors' checks)
and check_number, which optimizers, schedules and the Trainer use to check settings. The six
optimizers are in algorithms.py.

Updates run on the arrays, in place, outside the graph; the per-parameter state is allocated
once, on the first step.
"""
from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any

import numpy as np

from ..device import array_namespace
from ..device import device_of, to_device, to_library_of
from ..ops.array import Array
from ..tensor import Tensor
from ..tracing import active as jit_trace, refuse
from ..versions import mark_written

# What an optimizer takes: Tensors, or dicts {"params": Tensors, hyperparameter: value, ...}.
ParamsLike = Iterable[Tensor] | Iterable[dict[str, Any]]


def check_number(where: str, name: str, value: object, at_least: float | None = None, above: float | None = None,
                 below: float | None = None, at_most: float | None = None, integer: bool = False) -> None:
    """Refuse `value` unless it is a number (an int with `integer`) within the bounds given: a
    TypeError or ValueError naming where, the field and the value. The constructors and
    load_state_dict of optimizers, schedules and the Trainer share it, so a checkpoint passes
    the same checks as the arguments."""
    kind = "an int" if integer else "a number"
    types = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, types):
        raise TypeError(f"{where}: {name} must be {kind}, got {value!r} ({type(value).__name__})")
    limits = [(">=", at_least, operator.ge), (">", above, operator.gt), ("<", below, operator.lt),
              ("<=", at_most, operator.le)]
    limits = [(sign, bound, ok) for sign, bound, ok in limits if bound is not None]
    if not all(ok(value, bound) for _, bound, ok in limits):  # NaN fails every comparison
        wanted = " and ".join(f"{sign} {bound}" for sign, bound, _ in limits)
        raise ValueError(f"{where}: {name} must be {wanted}, got {value!r}")


class ParamGroup(dict):
    """A parameter group: a dict, whose settings a step jitted by tg.jit must not assign (the
    assignment is Python, which a replay skips; the numbers are read live, so set them outside)."""

    def __setitem__(self, key: str, value: Any) -> None:
        if jit_trace() is not None:
            refuse(f"the step sets the optimizer's {key!r} in Python, which a replay would skip; set it "
                   "outside the jitted function (a replay reads it there)")
        super().__setitem__(key, value)


class Optimizer:
    """Holds parameter groups (dicts with "params" and hyperparameters) and per-parameter state.

    `params`: an iterable of Tensors that require grad, or of dicts such as
    `{"params": [...], "lr": 0.01}` whose missing hyperparameters take the defaults."""

    non_negative = ("lr",)  # hyperparameters that must be numbers >= 0 (PyTorch's checks)
    state_entries = None  # names of what `update` keeps per parameter, where declared ("step" a count)

    def __init__(self, params: ParamsLike, defaults: dict):
        self.defaults = dict(defaults)
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups, self.state = [], {}
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        group = ParamGroup(group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise ValueError(f"{type(self).__name__}: unknown hyperparameters {sorted(unknown)}")
        for i, p in enumerate(group["params"]):
            if not isinstance(p, Tensor) or not p.requires_grad:
                raise TypeError(f"{type(self).__name__}: parameter {i} of a group is not a Tensor "
                                "that requires grad")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError(f"{type(self).__name__}: a parameter appears in more than one group")
        for name, value in self.defaults.items():
            group.setdefault(name, value)
        self._check_hyperparameters(group, type(self).__name__)
        self.param_groups.append(group)

    def _check_hyperparameters(self, group: dict, where: str) -> None:
        """Refuse hyperparameters the update rule cannot use (on creation and on load_state_dict)."""
        for name in self.non_negative:
            check_number(where, name, group[name], at_least=0)

    def zero_grad(self) -> None:
        """Clear the gradients (set them to None, as PyTorch does by default)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        work = [(p, group, self.state.setdefault(id(p), {}))
                for group in self.param_groups for p in group["params"] if p.grad is not None]
        numbers = self._numbers(work)
        trace = jit_trace()
        if trace is not None:  # a replay recomputes the numbers (lr read live, counts advanced) in one call
            trace.optimizers[id(self)] = self
            sources = list({id(n): (group, state) for (_, group, state), n in zip(work, numbers)}.values())
            numbers = trace.live_scalars(lambda: [self.scalars(group, state) for group, state in sources], numbers)
        for (p, group, state), s in zip(work, numbers):
            if trace is not None:
                trace.hold(state)
            try:
                self.update(p._data, p.grad._data, state, group, s, array_namespace(p._data))
            except TypeError:
                _explain_devices(self, p, state)
                raise
            mark_written(p._data)

    counts_steps = False  # does `scalars` read (and advance) a parameter's state? Else once per group

    def _numbers(self, work: list) -> list[dict]:
        """`scalars` for each (parameter, group, state) of a step; one dict per group, shared by its
        parameters, unless they count steps each."""
        if self.counts_steps:
            return [self.scalars(group, state) for _, group, state in work]
        per_group = {}
        for _, group, state in work:
            if id(group) not in per_group:
                per_group[id(group)] = self.scalars(group, state)
        return [per_group[id(group)] for _, group, _ in work]

    def scalars(self, group: dict, state: dict) -> dict:
        """The numbers `update` uses this step, computed in Python from the hyperparameters (and
        counts in `state`, which it advances). Kept apart from the array work so that tg.jit can
        recompute them at every replay: each meets an array directly, as a Python float would."""
        return {"lr": group["lr"]}

    def update(self, p: Array, g: Array, state: dict, group: dict, s: dict, xp: ModuleType) -> None:
        """Change the array p in place from its gradient g, with the numbers `s` from `scalars`;
        `group`'s settings may choose code (weight decay on or off), not values (xp: p's library)."""
        raise NotImplementedError

    code_settings_names = ("weight_decay", "momentum", "nesterov")  # settings an `if` in update reads

    def code_settings(self) -> tuple:
        """Which code `update` runs, per group: a tg.jit guard (its numbers are read live instead)."""
        names = self.code_settings_names
        return tuple([tuple([bool(group[name]) for name in names if name in group]) for group in self.param_groups])

    # ------------------------------------------------------------------ state

    def state_dict(self) -> dict:
        """Hyperparameters per group, parameters by position, and the per-parameter state."""
        index = {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}
        groups = [{**{k: v for k, v in g.items() if k != "params"}, "params": [index[id(p)] for p in g["params"]]}
                  for g in self.param_groups]
        state = {str(index[key]): {k: (np.array(to_device(v, "cpu")) if hasattr(v, "shape") else v)
                                   for k, v in s.items()}
                 for key, s in self.state.items() if key in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a `state_dict()`, after the constructor's checks on every group's hyperparameters
        and a check of every per-parameter array against its parameter; nothing changes if one fails."""
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{where}: expected an optimizer's state_dict(), got {_describe(state_dict)}")
        if not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(f"{where}: expected 'state' and 'param_groups', got {sorted(state_dict)}")
        groups = self._checked_groups(state_dict["param_groups"], where)
        params = [p for g in self.param_groups for p in g["params"]]
        state = self._checked_state(state_dict["state"], params, where)
        for saved, group in zip(groups, self.param_groups):
            group.update(saved)
        self.state = state

    def _checked_groups(self, groups, where: str) -> list:
        """The saved groups' hyperparameters, checked as the constructor checks them."""
        if not isinstance(groups, list) or len(groups) != len(self.param_groups) or not all(
                isinstance(saved, Mapping) and isinstance(saved.get("params"), list) and
                len(saved["params"]) == len(group["params"]) for saved, group in zip(groups, self.param_groups)):
            raise ValueError(f"{where}: the saved groups do not match this optimizer's parameter groups "
                             f"({[len(g['params']) for g in self.param_groups]} parameters)")
        checked = []
        for i, (saved, group) in enumerate(zip(groups, self.param_groups)):
            hyperparameters = {k: v for k, v in saved.items() if k != "params"}
            unknown = set(hyperparameters) - set(self.defaults)
            if unknown:
                raise ValueError(f"{where}: group {i} has unknown hyperparameters {sorted(unknown)}")
            self._check_hyperparameters({**group, **hyperparameters}, f"{where} (group {i})")
            checked.append(hyperparameters)
        return checked

    def _checked_state(self, saved, params: list, where: str) -> dict:
        """The saved per-parameter state, keyed by id(parameter), each array checked against its
        parameter and put on its device. Entries are those of `state_entries` where the class
        declares them; "step" (or, undeclared, any non-array) must be a count."""
        if not isinstance(saved, Mapping):
            raise TypeError(f"{where}: state must be a mapping of parameter positions, got {_describe(saved)}")
        state = {}
        for key, entries in saved.items():
            if not (isinstance(key, str) and key.isdigit() and int(key) < len(params)):
                raise ValueError(f"{where}: state of parameter {key!r}, but this optimizer has {len(params)} "
                                 f"parameters (positions '0' to '{len(params) - 1}')")
            if not isinstance(entries, Mapping):
                raise TypeError(f"{where}: state of parameter {key} must be a mapping, got {_describe(entries)}")
            self._check_entry_names(entries, f"{where}: state of parameter {key}")
            p, restored = params[int(key)], {}
            for name, value in entries.items():
                if name == "step" or (self.state_entries is None and not isinstance(value, np.ndarray)):
                    check_number(where, f"state {name!r} of parameter {key}", value, at_least=0, integer=True)
                    restored[name] = int(value)
                elif isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.shape == p.shape:
                    restored[name] = to_library_of(value.astype(p.dtype), p._data)
                else:
                    raise ValueError(f"{where}: state {name!r} of parameter {key} must be a float array of "
                                     f"the parameter's shape {p.shape}, got {_describe(value)}")
            state[id(p)] = restored
        return state

    def _check_entry_names(self, entries, where: str) -> None:
        """Only the declared entries (and weight decay's buffer), all of them or none."""
        if self.state_entries is None:
            return
        unknown = set(entries) - set(self.state_entries) - {"decayed_grad"}
        if unknown:
            raise ValueError(f"{where} has unknown entries {sorted(unknown)}; {type(self).__name__} keeps "
                             f"{list(self.state_entries)}")
        missing = [name for name in self.state_entries if name not in entries]
        if missing and len(missing) < len(self.state_entries):
            raise ValueError(f"{where} lacks {missing}")

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"  group {i}: " + ", ".join(f"{k}={v}" for k, v in g.items() if k != "params"))
        return "\n".join(lines + [")"])


def _describe(value) -> str:
    """A value in an error message: an array by its shape and dtype, anything else by repr."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return f"{text[:80]}... ({type(value).__name__})" if len(text) > 80 else f"{text} ({type(value).__name__})"


def _explain_devices(optimizer, p, state) -> None:
    """A parameter, its gradient and its state on different devices: say so, and what to do."""
    where = {"parameter": device_of(p._data), "gradient": device_of(p.grad._data)}
    where.update((name, device_of(v)) for name, v in state.items() if hasattr(v, "shape"))
    if len(set(where.values())) > 1:
        raise TypeError(f"{type(optimizer).__name__}.step: a parameter of shape {p.shape} and its arrays are on "
                        f"different devices ({', '.join(f'{k} {v}' for k, v in where.items())}); move the "
                        "model with model.to(device) before creating the optimizer") from None
