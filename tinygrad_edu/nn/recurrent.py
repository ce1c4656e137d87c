"""Recurrent layers: RNN, LSTM and GRU, and their one-step cells RNNCell, LSTMCell and GRUCell.

PyTorch's parameter names and shapes (weight_ih_l0 of shape (gates * hidden_size, input_size), ...),
gate order (i, f, g, o for the LSTM; r, z, n for the GRU), initialisation (uniform in
+-1/sqrt(hidden_size)) and return values. Each is a composite of linear, sigmoid and tanh: the input
projection x W_ih^T + b_ih is done for all time steps at once, then a Python loop walks the steps.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from ..creation import GeneratorLike, get_generator, zeros
from ..functions import cat, stack
from ..tensor import DEFAULT_FLOAT, Tensor
from . import functional as F
from . import init
from .module import Module, Parameter

State = tuple[Tensor, ...]  # (h,) for RNN and GRU, (h, c) for the LSTM


def rnn_tanh_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
    """h' = tanh(gi + h W_hh^T + b_hh), gi = x W_ih^T + b_ih"""
    return ((gi + F.linear(state[0], w_hh, b_hh)).tanh(),)


def rnn_relu_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
    """h' = relu(gi + h W_hh^T + b_hh), gi = x W_ih^T + b_ih"""
    return ((gi + F.linear(state[0], w_hh, b_hh)).relu(),)


def lstm_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
    """i, f, g, o = the four quarters of gi + h W_hh^T + b_hh (gi = x W_ih^T + b_ih);
    c' = sigmoid(f) * c + sigmoid(i) * tanh(g);  h' = sigmoid(o) * tanh(c')"""
    h, c = state
    gates = gi + F.linear(h, w_hh, b_hh)
    n = gates.shape[-1] // 4
    i, f, g, o = (gates[..., k * n:(k + 1) * n] for k in range(4))
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def gru_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
    """r = sigmoid(gi_r + gh_r);  z = sigmoid(gi_z + gh_z);  n = tanh(gi_n + r * gh_n);
    h' = (1 - z) * n + z * h, with gi = x W_ih^T + b_ih and gh = h W_hh^T + b_hh split in three"""
    (h,), n = state, state[0].shape[-1]
    gh = F.linear(h, w_hh, b_hh)
    r = (gi[..., :n] + gh[..., :n]).sigmoid()
    z = (gi[..., n:2 * n] + gh[..., n:2 * n]).sigmoid()
    candidate = (gi[..., 2 * n:] + r * gh[..., 2 * n:]).tanh()
    return (candidate + z * (h - candidate),)


Step = Callable[[Tensor, State, Tensor, "Tensor | None"], State]
_MODES: dict[str, tuple[int, Step]] = {"RNN_TANH": (1, rnn_tanh_step), "RNN_RELU": (1, rnn_relu_step),
                                       "LSTM": (4, lstm_step), "GRU": (3, gru_step)}


def _rnn_mode(who: str, nonlinearity: str) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{who}: unknown nonlinearity {nonlinearity!r}; use 'tanh' or 'relu'")
    return "RNN_" + nonlinearity.upper()


def _new_weight(shape: tuple[int, ...], hidden_size: int, generator: np.random.Generator,
                dtype: npt.DTypeLike) -> Parameter:
    """PyTorch's init for every recurrent weight and bias: uniform in +-1/sqrt(hidden_size)."""
    p = Parameter(np.zeros(shape, dtype=dtype))
    bound = 1.0 / np.sqrt(hidden_size) if hidden_size > 0 else 0.0
    init.uniform_(p, -bound, bound, generator)
    return p


def _check_sizes(who: str, input_size: int, hidden_size: int, num_layers: int = 1) -> None:
    for name, value, least in (("input_size", input_size, 1), ("hidden_size", hidden_size, 1),
                               ("num_layers", num_layers, 1)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < least:
            raise ValueError(f"{who}: {name} must be a positive integer, got {value!r}")


# ---------------------------------------------------------------------- cells: one time step


class _CellBase(Module):
    def __init__(self, mode: str, input_size: int, hidden_size: int, bias: bool, generator: GeneratorLike,
                 dtype: npt.DTypeLike):
        super().__init__()
        _check_sizes(type(self).__name__, input_size, hidden_size)
        self.mode, self.input_size, self.hidden_size, self.bias = mode, input_size, hidden_size, bias
        gates, self._step = _MODES[mode]
        rng = get_generator(generator)
        self.weight_ih = _new_weight((gates * hidden_size, input_size), hidden_size, rng, dtype)
        self.weight_hh = _new_weight((gates * hidden_size, hidden_size), hidden_size, rng, dtype)
        self.bias_ih = _new_weight((gates * hidden_size,), hidden_size, rng, dtype) if bias else None
        self.bias_hh = _new_weight((gates * hidden_size,), hidden_size, rng, dtype) if bias else None

    def _run(self, x: Tensor, states: Sequence[Tensor | None]) -> State:
        """One step from (N, input_size) or unbatched (input_size,) inputs; missing states are zeros."""
        who = type(self).__name__
        _check_input(who, x, (1, 2), "a 1-D (input_size,) or 2-D (batch, input_size) input", self.input_size)
        batched = x.ndim == 2
        expected = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        given = _checked_states(who, states, [expected] * len(states), x, x.shape, None if batched else 0)
        x = x if batched else x.unsqueeze(0)
        out = self._step(F.linear(x, self.weight_ih, self.bias_ih), tuple(given), self.weight_hh, self.bias_hh)
        return out if batched else tuple(s.squeeze(0) for s in out)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu): forward(input, hx=None) -> h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 generator: GeneratorLike = None, dtype: npt.DTypeLike = DEFAULT_FLOAT):
        super().__init__(_rnn_mode("RNNCell", nonlinearity), input_size, hidden_size, bias, generator, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._run(input, [hx])[0]

    def extra_repr(self) -> str:
        return super().extra_repr() + (f", nonlinearity={self.nonlinearity!r}" if self.nonlinearity != "tanh" else "")


class LSTMCell(_CellBase):
    """One LSTM step (gates i, f, g, o): forward(input, (h, c)=None) -> (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, generator: GeneratorLike = None,
                 dtype: npt.DTypeLike = DEFAULT_FLOAT):
        super().__init__("LSTM", input_size, hidden_size, bias, generator, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        h, c = self._run(input, [None, None] if hx is None else _pair_state("LSTMCell", hx))
        return h, c


class GRUCell(_CellBase):
    """One GRU step (gates r, z, n): forward(input, hx=None) -> h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, generator: GeneratorLike = None,
                 dtype: npt.DTypeLike = DEFAULT_FLOAT):
        super().__init__("GRU", input_size, hidden_size, bias, generator, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._run(input, [hx])[0]


def _pair_state(who: str, hx: object) -> list[Tensor]:
    if not (isinstance(hx, (tuple, list)) and len(hx) == 2 and all(isinstance(s, Tensor) for s in hx)):
        raise TypeError(f"{who}: the state must be a pair of Tensors (h, c), got {type(hx).__name__}")
    return list(hx)


# ---------------------------------------------------------------------- whole sequences


class _RNNBase(Module):
    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int, bias: bool,
                 batch_first: bool, dropout: float, bidirectional: bool, generator: GeneratorLike,
                 dtype: npt.DTypeLike, proj_size: int = 0):
        super().__init__()
        who = type(self).__name__
        _check_sizes(who, input_size, hidden_size, num_layers)
        whole = isinstance(proj_size, (int, np.integer)) and not isinstance(proj_size, bool)
        if not (whole and 0 <= proj_size < hidden_size):
            raise ValueError(f"{who}: proj_size must be an integer in [0, hidden_size={hidden_size}), "
                             f"got {proj_size!r}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{who}: dropout must be in [0, 1], got {dropout}")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout, self.bidirectional = bias, batch_first, float(dropout), bidirectional
        self.proj_size = int(proj_size)
        h_size = proj_size or hidden_size  # the size of h (and of each step's output)
        self.generator = None if generator is None else get_generator(generator)  # for dropout, as nn.Dropout
        gates, self._step = _MODES[mode]
        rng = get_generator(generator)
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            for suffix in ("", "_reverse")[:directions]:
                n_in = input_size if layer == 0 else h_size * directions
                name = f"_l{layer}{suffix}"
                setattr(self, "weight_ih" + name, _new_weight((gates * hidden_size, n_in), hidden_size, rng, dtype))
                setattr(self, "weight_hh" + name, _new_weight((gates * hidden_size, h_size), hidden_size, rng, dtype))
                if bias:
                    setattr(self, "bias_ih" + name, _new_weight((gates * hidden_size,), hidden_size, rng, dtype))
                    setattr(self, "bias_hh" + name, _new_weight((gates * hidden_size,), hidden_size, rng, dtype))
                if proj_size:  # h = (o * tanh(c)) W_hr^T, PyTorch's projected LSTM
                    setattr(self, "weight_hr" + name, _new_weight((proj_size, hidden_size), hidden_size, rng, dtype))

    def _weights(self, name: str) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None, Tensor | None]:
        return (getattr(self, "weight_ih" + name), getattr(self, "weight_hh" + name),
                getattr(self, "bias_ih" + name) if self.bias else None,
                getattr(self, "bias_hh" + name) if self.bias else None,
                getattr(self, "weight_hr" + name) if self.proj_size else None)

    def _run(self, x: Tensor, states: Sequence[Tensor | None]) -> tuple[Tensor, State]:
        """The whole sequence: x of shape (L, N, input_size), (N, L, input_size) with batch_first, or
        unbatched (L, input_size); each state (num_layers * directions, N, hidden_size), or None for zeros
        (h has proj_size features where the LSTM projects)."""
        who = type(self).__name__
        _check_input(who, x, (2, 3), "a 2-D unbatched (L, input_size) or 3-D batched input", self.input_size)
        batched, directions, shape = x.ndim == 3, 2 if self.bidirectional else 1, x.shape
        x = x.unsqueeze(1) if not batched else x.transpose(0, 1) if self.batch_first else x
        steps, n = x.shape[0], x.shape[1]
        sizes = [self.proj_size or self.hidden_size, self.hidden_size][:len(states)]  # h's, then c's
        expected = [(self.num_layers * directions, n, size) if batched else (self.num_layers * directions, size)
                    for size in sizes]  # the shape a given state must have
        initial = _checked_states(who, states, expected, x, shape, None if batched else 1)
        finals: list[State] = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(f"_l{layer}" + ("_reverse" if direction else ""))
                gi = F.linear(x, w_ih, b_ih)  # the input projection of every step at once
                state = tuple(s[layer * directions + direction] for s in initial)
                ys: list[Tensor] = [gi] * steps
                for t in (reversed(range(steps)) if direction else range(steps)):
                    state = self._step(gi[t], state, w_hh, b_hh)
                    if w_hr is not None:
                        state = (F.linear(state[0], w_hr),) + state[1:]
                    ys[t] = state[0]
                outputs.append(stack(ys))
                finals.append(state)
            x = outputs[0] if directions == 1 else cat(outputs, dim=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True, self.generator)
        last = tuple(stack([f[k] for f in finals]) for k in range(len(initial)))
        if not batched:
            return x.squeeze(1), tuple(s.squeeze(1) for s in last)
        return (x.transpose(0, 1) if self.batch_first else x), last

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        for name, value, default in (("num_layers", self.num_layers, 1), ("bias", self.bias, True),
                                     ("batch_first", self.batch_first, False), ("dropout", self.dropout, 0.0),
                                     ("bidirectional", self.bidirectional, False), ("proj_size", self.proj_size, 0)):
            text += f", {name}={value}" if value != default else ""
        return text


class RNN(_RNNBase):
    """Elman RNN, h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), stacked num_layers
    deep: forward(input, h0=None) -> (output, h_n), output holding the last layer's h_t at every step."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 generator: GeneratorLike = None, dtype: npt.DTypeLike = DEFAULT_FLOAT):
        super().__init__(_rnn_mode("RNN", nonlinearity), input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, generator, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, (h_n,) = self._run(input, [hx])
        return output, h_n

    def extra_repr(self) -> str:
        return super().extra_repr() + (f", nonlinearity={self.nonlinearity!r}" if self.nonlinearity != "tanh" else "")


class LSTM(_RNNBase):
    """Long short-term memory (gates i, f, g, o), stacked num_layers deep:
    forward(input, (h0, c0)=None) -> (output, (h_n, c_n)). With proj_size > 0, h is projected to
    proj_size features after each step: h = (o * tanh(c)) W_hr^T, as in PyTorch."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 generator: GeneratorLike = None, dtype: npt.DTypeLike = DEFAULT_FLOAT):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         generator, dtype, proj_size)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        output, (h_n, c_n) = self._run(input, [None, None] if hx is None else _pair_state("LSTM", hx))
        return output, (h_n, c_n)


class GRU(_RNNBase):
    """Gated recurrent unit (gates r, z, n), stacked num_layers deep: forward(input, h0=None) -> (output, h_n)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 generator: GeneratorLike = None, dtype: npt.DTypeLike = DEFAULT_FLOAT):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         generator, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, (h_n,) = self._run(input, [hx])
        return output, h_n


def _check_input(who: str, x: Tensor, dims: tuple, described: str, input_size: int) -> None:
    if x.ndim not in dims:
        raise ValueError(f"{who}: expected {described}, got shape {x.shape}")
    if x.shape[-1] != input_size:
        raise ValueError(f"{who}: input has {x.shape[-1]} features (shape {x.shape}), expected input_size={input_size}")


def _checked_states(who: str, states: Sequence[Tensor | None], shapes: Sequence[tuple], x: Tensor,
                    input_shape: tuple, batch_axis: int | None) -> list[Tensor]:
    """Each state checked against its shape in `shapes` (zeros where None), with a batch axis of 1
    added at `batch_axis` for an unbatched input."""
    checked = []
    for s, shape in zip(states, shapes):
        if s is None:
            s = zeros(shape, dtype=x.dtype, device=x.device)
        elif s.shape != shape:
            raise ValueError(f"{who}: expected a hidden state of shape {shape} for input of shape {input_shape}, "
                             f"got {s.shape}")
        checked.append(s if batch_axis is None else s.unsqueeze(batch_axis))
    return checked
