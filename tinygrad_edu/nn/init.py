"""Weight initialisation, in place, with a seedable generator (PyTorch's names).

The curriculum compares three choices for a layer with n inputs: a fixed standard deviation
(0.01), the book's "Xavier" (std sqrt(1/n), for sigmoid and tanh) and He (std sqrt(2/n), for ReLU).
Each name here means one formula, PyTorch's where it has one: "xavier" is Glorot's
std sqrt(2/(n_in + n_out)) (`xavier_normal_`), so the book's "Xavier" is "lecun" (`lecun_normal_`);
"he" and "kaiming" are `kaiming_normal_`. The two agree for square layers (n_in = n_out).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..versions import mark_written
from ..grad_mode import no_grad
from ..creation import GeneratorLike, get_generator
from ..device import to_library_of
from ..tensor import Tensor

# A layer's `init`: a name, a float standard deviation, or a callable init(weight, generator).
InitLike = str | float | Callable[[Tensor, np.random.Generator], Any]


def fan_in_and_out(t: Tensor) -> tuple[int, int]:
    """Inputs and outputs per unit: (in, out) for a Linear weight (out, in), and
    (in_channels*kh*kw, out_channels*kh*kw) for a Conv2d weight (out, in, kh, kw)."""
    if t.ndim < 2:
        raise ValueError(f"init: fan in and out need a weight with 2 or more axes, got shape {t.shape}")
    receptive = int(np.prod(t.shape[2:]))
    return t.shape[1] * receptive, t.shape[0] * receptive


def _fill(t: Tensor, values: np.ndarray) -> Tensor:
    with no_grad():
        t._data[...] = to_library_of(values, t._data)  # drawn on the CPU: the same on every device
    mark_written(t._data)
    return t


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, generator: GeneratorLike = None) -> Tensor:
    return _fill(t, get_generator(generator).normal(mean, std, t.shape))


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0, generator: GeneratorLike = None) -> Tensor:
    return _fill(t, get_generator(generator).uniform(a, b, t.shape))


def constant_(t: Tensor, value: float) -> Tensor:
    return _fill(t, value)


def zeros_(t: Tensor) -> Tensor:
    return _fill(t, 0.0)


def ones_(t: Tensor) -> Tensor:
    return _fill(t, 1.0)


def lecun_normal_(t: Tensor, generator: GeneratorLike = None) -> Tensor:
    """std sqrt(1/fan_in): the book's "Xavier" initial value for sigmoid and tanh."""
    return normal_(t, 0.0, np.sqrt(1.0 / fan_in_and_out(t)[0]), generator)


def kaiming_normal_(t: Tensor, generator: GeneratorLike = None) -> Tensor:
    """std sqrt(2/fan_in): He's initial value for ReLU."""
    return normal_(t, 0.0, np.sqrt(2.0 / fan_in_and_out(t)[0]), generator)


def kaiming_uniform_(t: Tensor, generator: GeneratorLike = None) -> Tensor:
    """Uniform with He's variance 2/fan_in."""
    bound = np.sqrt(6.0 / fan_in_and_out(t)[0])
    return uniform_(t, -bound, bound, generator)


def xavier_normal_(t: Tensor, gain: float = 1.0, generator: GeneratorLike = None) -> Tensor:
    """Glorot: std gain * sqrt(2/(fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_out(t)
    return normal_(t, 0.0, gain * np.sqrt(2.0 / (fan_in + fan_out)), generator)


def xavier_uniform_(t: Tensor, gain: float = 1.0, generator: GeneratorLike = None) -> Tensor:
    """Glorot: uniform with variance gain^2 * 2/(fan_in + fan_out)."""
    fan_in, fan_out = fan_in_and_out(t)
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -bound, bound, generator)


def pytorch_default_(weight: Tensor, bias: Tensor | None, generator: GeneratorLike = None) -> None:
    """PyTorch's default for Linear and Conv2d: weight and bias uniform in +-1/sqrt(fan_in)."""
    bound = 1.0 / np.sqrt(fan_in_and_out(weight)[0])
    uniform_(weight, -bound, bound, generator)
    if bias is not None:
        uniform_(bias, -bound, bound, generator)


# "relu" and "sigmoid" are the book's keywords (its weight_init_std) for He and its "Xavier".
NAMED = {"he": kaiming_normal_, "kaiming": kaiming_normal_, "relu": kaiming_normal_,
         "xavier": xavier_normal_, "lecun": lecun_normal_, "sigmoid": lecun_normal_}


def initialize(weight: Tensor, bias: Tensor | None, init: InitLike, generator: GeneratorLike = None) -> None:
    """Apply a layer's `init`: "default" (PyTorch's), "he"/"kaiming"/"relu" (sqrt(2/n)), "xavier"
    (Glorot), "lecun"/"sigmoid" (sqrt(1/n)), a float standard deviation (such as 0.01), or a
    callable `init(weight, generator)`. Biases start at
    zero except under "default". Names ignore case ("He", "XAVIER", "Default")."""
    name = init.lower() if isinstance(init, str) else None
    if name == "default":
        pytorch_default_(weight, bias, generator)
        return
    if name is not None:
        if name not in NAMED:
            raise ValueError(f"init: unknown name {init!r}; use 'default', {', '.join(map(repr, NAMED))}, "
                             "a float standard deviation or a callable")
        NAMED[name](weight, generator=generator)
    elif isinstance(init, (int, float)) and not isinstance(init, bool):
        normal_(weight, 0.0, float(init), generator)
    elif callable(init):
        init(weight, generator)
    else:
        raise TypeError(f"init: expected a name, a float or a callable, got {type(init).__name__}")
    if bias is not None:
        zeros_(bias)
