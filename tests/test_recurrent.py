"""nn.RNN, LSTM, GRU and their cells against PyTorch's, with the same weights (copied through the state
dict): outputs, final states and the gradients of every parameter and of the inputs, in float32 and
float64; a gradient check through time; PyTorch's initialisation bounds; clear errors."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

KINDS = {"RNN_tanh": ("RNN", {"nonlinearity": "tanh"}), "RNN_relu": ("RNN", {"nonlinearity": "relu"}),
         "LSTM": ("LSTM", {}), "GRU": ("GRU", {})}
CELLS = {"RNNCell_tanh": ("RNNCell", {"nonlinearity": "tanh"}), "RNNCell_relu": ("RNNCell", {"nonlinearity": "relu"}),
         "LSTMCell": ("LSTMCell", {}), "GRUCell": ("GRUCell", {})}
TOL = {np.float32: 1e-5, np.float64: 1e-10}
SEQ, BATCH, N_IN, HIDDEN = 5, 3, 4, 6


def _twins(torch, name: str, kwargs: dict, dtype: type, *args: int, **options: object) -> tuple:
    """A PyTorch module and ours with its weights."""
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(*args, **kwargs, **options).to(getattr(torch, np.dtype(dtype).name))
    ours = getattr(nn, name)(*args, **kwargs, **options, dtype=dtype)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert ours.state_dict()[key].shape == tuple(value.shape), key
    ours.load_state_dict(theirs.state_dict())
    return theirs, ours


def _flat(out: object) -> list:
    return [y for x in out for y in _flat(x)] if isinstance(out, (tuple, list)) else [out]


def _compare(torch, theirs, ours, arrays: list[np.ndarray], call, dtype: type) -> None:
    """Forward values and the gradients of sum(outputs * random) for every parameter and input."""
    tol = TOL[dtype]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    xs = [tg.Tensor(a, requires_grad=True) for a in arrays]
    y_theirs, y_ours = _flat(call(theirs, ts)), _flat(call(ours, xs))
    assert len(y_theirs) == len(y_ours)
    rng = np.random.default_rng(1)
    upstream = [rng.standard_normal(tuple(y.shape)).astype(dtype) for y in y_theirs]
    for i, (a, b) in enumerate(zip(y_ours, y_theirs)):
        assert a.dtype == dtype and a.shape == tuple(b.shape), (i, a.dtype, a.shape, b.shape)
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=tol, atol=tol, err_msg=f"output {i}")
    sum(((torch.tensor(g) * y).sum() for g, y in zip(upstream, y_theirs))).backward()
    sum(((tg.Tensor(g) * y).sum() for g, y in zip(upstream, y_ours))).backward()
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(ours_params[name].grad.numpy(), p.grad.numpy(), rtol=tol, atol=tol,
                                   err_msg=f"gradient of {name}")
    for i, (x, t) in enumerate(zip(xs, ts)):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol, err_msg=f"gradient of input {i}")


def _sequence_call(name: str, given_state: bool):
    def call(module, ts):
        if not given_state:
            return module(ts[0])
        return module(ts[0], (ts[1], ts[2]) if name == "LSTM" else ts[1])
    return call


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("given_state", [False, True])
def test_sequence_layers_match_pytorch(torch, kind, dtype, batch_first, num_layers, given_state):
    name, kwargs = KINDS[kind]
    theirs, ours = _twins(torch, name, kwargs, dtype, N_IN, HIDDEN, num_layers, batch_first=batch_first)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SEQ, N_IN) if batch_first else (SEQ, BATCH, N_IN)).astype(dtype)
    states = [rng.standard_normal((num_layers, BATCH, HIDDEN)).astype(dtype) for _ in range(2 if name == "LSTM" else 1)]
    _compare(torch, theirs, ours, [x] + (states if given_state else []), _sequence_call(name, given_state), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("given_state", [False, True])
def test_unbatched_sequences_match_pytorch(torch, kind, dtype, given_state):
    name, kwargs = KINDS[kind]
    theirs, ours = _twins(torch, name, kwargs, dtype, N_IN, HIDDEN, 2)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((SEQ, N_IN)).astype(dtype)
    states = [rng.standard_normal((2, HIDDEN)).astype(dtype) for _ in range(2 if name == "LSTM" else 1)]
    _compare(torch, theirs, ours, [x] + (states if given_state else []), _sequence_call(name, given_state), dtype)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("bias", [True, False])
def test_bidirectional_and_bias_free_layers_match_pytorch(torch, kind, bias):
    name, kwargs = KINDS[kind]
    theirs, ours = _twins(torch, name, kwargs, np.float64, N_IN, HIDDEN, 2, bias=bias, bidirectional=True,
                          batch_first=True)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SEQ, N_IN))
    states = [rng.standard_normal((4, BATCH, HIDDEN)) for _ in range(2 if name == "LSTM" else 1)]
    _compare(torch, theirs, ours, [x] + states, _sequence_call(name, True), np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", [{}, {"bidirectional": True, "batch_first": True}], ids=["plain", "bidirectional"])
@pytest.mark.parametrize("given_state", [False, True])
@pytest.mark.filterwarnings("ignore:LSTM with projections")  # PyTorch's note on its own kernel choice
def test_projected_lstm_matches_pytorch(torch, dtype, options, given_state):
    theirs, ours = _twins(torch, "LSTM", {}, dtype, N_IN, HIDDEN, 2, proj_size=3, **options)
    directions = 2 if options else 1
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SEQ, N_IN)).astype(dtype)
    states = [rng.standard_normal((2 * directions, SEQ if not options else BATCH, size)).astype(dtype)
              for size in (3, HIDDEN)]  # h has proj_size features, c hidden_size
    _compare(torch, theirs, ours, [x] + (states if given_state else []), _sequence_call("LSTM", given_state), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("given_state", [False, True])
def test_cells_match_pytorch(torch, kind, dtype, batched, given_state):
    name, kwargs = CELLS[kind]
    theirs, ours = _twins(torch, name, kwargs, dtype, N_IN, HIDDEN)
    rng = np.random.default_rng(0)
    lead = (BATCH,) if batched else ()
    x = rng.standard_normal(lead + (N_IN,)).astype(dtype)
    states = [rng.standard_normal(lead + (HIDDEN,)).astype(dtype) for _ in range(2 if name == "LSTMCell" else 1)]

    def call(module, ts):
        if not given_state:
            return module(ts[0])
        return module(ts[0], (ts[1], ts[2]) if name == "LSTMCell" else ts[1])
    _compare(torch, theirs, ours, [x] + (states if given_state else []), call, dtype)


def test_a_cell_looped_over_time_is_the_one_layer_module():
    lstm, cell = nn.LSTM(3, 4, generator=0), nn.LSTMCell(3, 4, generator=1)
    cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
    x = tg.randn(6, 2, 3, generator=2)
    output, (h_n, c_n) = lstm(x)
    h = c = tg.zeros(2, 4)
    for t in range(6):
        h, c = cell(x[t], (h, c))
        np.testing.assert_allclose(output[t].numpy(), h.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(h_n[0].numpy(), h.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(c_n[0].numpy(), c.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "LSTM-projected"])
def test_gradient_through_time_passes_gradcheck(name):
    projected = name == "LSTM-projected"
    name = name.split("-")[0]
    options = {"proj_size": 2} if projected else {}
    module = getattr(nn, name)(2, 3, num_layers=2, generator=0, dtype=np.float64, **options)
    rng = np.random.default_rng(0)
    x = tg.Tensor(rng.standard_normal((4, 2, 2)), requires_grad=True)
    sizes = [2 if projected else 3, 3][:2 if name == "LSTM" else 1]
    states = [tg.Tensor(rng.standard_normal((2, 2, size)), requires_grad=True) for size in sizes]

    def fn(x, *rest):
        out = module(x, tuple(rest[:2])) if name == "LSTM" else module(x, rest[0])
        return _flat(out)
    assert tg.gradcheck(fn, [x, *states, *module.parameters()])


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_initialisation_is_pytorch_uniform_seeded_and_keeps_the_dtype(name):
    make = getattr(nn, name)
    a, b = make(3, 16, generator=7), make(3, 16, generator=7)
    bound = 1 / np.sqrt(16)
    for (key, p), q in zip(a.named_parameters(), b.parameters()):
        assert p.dtype == np.float32, key
        assert np.abs(p.numpy()).max() <= bound and np.abs(p.numpy()).max() > bound / 2, key
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert all(p.dtype == np.float64 for p in make(3, 16, dtype=np.float64).parameters())


def test_dropout_acts_between_layers_in_training_only():
    rnn = nn.GRU(3, 5, num_layers=2, dropout=0.5, generator=0)
    plain = nn.GRU(3, 5, num_layers=2, generator=1)
    plain.load_state_dict(rnn.state_dict())
    x = tg.randn(4, 2, 3, generator=3)
    rnn.eval()
    np.testing.assert_allclose(rnn(x)[0].numpy(), plain(x)[0].numpy(), rtol=1e-6, atol=1e-6)
    rnn.train()
    assert not np.allclose(rnn(x)[0].numpy(), plain(x)[0].numpy())
    # dropout leaves the first layer alone: its final state is the same
    np.testing.assert_allclose(rnn(x)[1][0].numpy(), plain(x)[1][0].numpy(), rtol=1e-6, atol=1e-6)


def test_wrong_sizes_give_clear_errors():
    lstm, gru, cell = nn.LSTM(3, 5, num_layers=2), nn.GRU(3, 5, batch_first=True), nn.GRUCell(3, 5)
    with pytest.raises(ValueError, match=r"LSTM: input has 4 features \(shape \(6, 2, 4\)\), expected input_size=3"):
        lstm(tg.zeros(6, 2, 4))
    with pytest.raises(ValueError, match=r"LSTM: expected a 2-D unbatched .* got shape \(6,\)"):
        lstm(tg.zeros(6))
    with pytest.raises(ValueError, match=r"LSTM: expected a hidden state of shape \(2, 2, 5\) .* got \(1, 2, 5\)"):
        lstm(tg.zeros(6, 2, 3), (tg.zeros(1, 2, 5), tg.zeros(2, 2, 5)))
    with pytest.raises(TypeError, match="LSTM: the state must be a pair of Tensors"):
        lstm(tg.zeros(6, 2, 3), tg.zeros(2, 2, 5))
    with pytest.raises(ValueError, match=r"GRU: expected a hidden state of shape \(1, 7, 5\) "
                                         r"for input of shape \(7, 2, 3\), got \(1, 2, 5\)"):
        gru(tg.zeros(7, 2, 3), tg.zeros(1, 2, 5))  # batch_first: the batch is 7
    with pytest.raises(ValueError, match=r"GRU: expected a hidden state of shape \(1, 5\) .* got \(1, 2, 5\)"):
        gru(tg.zeros(2, 3), tg.zeros(1, 2, 5))  # unbatched input, batched state
    with pytest.raises(ValueError, match=r"GRUCell: input has 2 features \(shape \(4, 2\)\), expected input_size=3"):
        cell(tg.zeros(4, 2))
    with pytest.raises(ValueError, match=r"GRUCell: expected a hidden state of shape \(4, 5\) .* got \(4, 6\)"):
        cell(tg.zeros(4, 3), tg.zeros(4, 6))
    with pytest.raises(ValueError, match="RNN: unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 5, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="LSTM: num_layers must be a positive integer, got 0"):
        nn.LSTM(3, 5, num_layers=0)
    with pytest.raises(ValueError, match=r"LSTM: proj_size must be an integer in \[0, hidden_size=5\), got 5"):
        nn.LSTM(3, 5, proj_size=5)
    with pytest.raises(ValueError, match=r"LSTM: expected a hidden state of shape \(1, 2, 2\) .* got \(1, 2, 5\)"):
        nn.LSTM(3, 5, proj_size=2)(tg.zeros(6, 2, 3), (tg.zeros(1, 2, 5), tg.zeros(1, 2, 5)))


@pytest.mark.parametrize("name", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cells_have_second_derivatives(name):
    cell = getattr(nn, name)(2, 3, generator=0, dtype=np.float64)
    rng = np.random.default_rng(0)
    x = tg.Tensor(rng.standard_normal((2, 2)), requires_grad=True)
    h = tg.Tensor(rng.standard_normal((2, 3)), requires_grad=True)

    def fn(x, h, w):  # w is cell.weight_hh, which the cell reads itself
        return _flat(cell(x, (h, h * 0.5)) if name == "LSTMCell" else cell(x, h))
    assert tg.gradgradcheck(fn, [x, h, cell.weight_hh])
