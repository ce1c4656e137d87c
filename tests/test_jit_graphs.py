"""tg.jit on a GPU: the static program and its CUDA graphs give eager execution's results bit for bit.

On any machine, on the CuPy stand-in (tests/fake_cupy.py) with a stand-in for stream capture:
a "graph" runs its steps again when launched, after checking that no array a recording would
have kept has moved. With a GPU, the same on real CuPy and real CUDA graphs."""
import numpy as np
import pytest

import fake_cupy
import tinygrad_edu as tg
from tinygrad_edu import device as device_module
from tinygrad_edu.jit import graphs, replay

from test_jit import OPTIMIZERS, STEPS, data, mlp, train


def _where(array):
    """The memory a kernel given this array would read: None for Python numbers and host arrays,
    which only steps run one by one read."""
    if type(array) in (float, np.ndarray) or array is None:
        return None
    return array.__array_interface__["data"][0], array.shape, array.strides, array.dtype


class FakeGraph:
    def __init__(self, steps, registers):
        self.steps, self.registers, self.kept = steps, registers, [_where(a) for a in registers]

    def launch(self):
        for kept, now in zip(self.kept, self.registers):  # a real graph would still read the old memory
            assert kept is None or _where(now) == kept, "an array a graph reads moved after recording"
        for step in self.steps:
            step()


class FakeCapture:
    """Refuses every third step it is shown first (as CuPy refuses cuBLAS), and any recording of
    several steps where `fail_together`."""
    fail_together = False
    programs: list = []  # the static programs made, to see their registers

    def __init__(self, library):
        self.refused = {}

    def __call__(self, *steps):
        for step in steps:
            self.refused.setdefault(id(step), len(self.refused) % 3 == 0)
        if any(self.refused[id(step)] for step in steps) or (self.fail_together and len(steps) > 1):
            return None
        return FakeGraph(steps, FakeCapture.programs[-1].registers)


@pytest.fixture
def fake_graphs(monkeypatch):
    monkeypatch.setattr(device_module, "cuda_library", lambda: fake_cupy)
    monkeypatch.setattr(replay, "library_for_graphs", lambda trace: fake_cupy)
    monkeypatch.setattr(graphs, "Capture", FakeCapture)
    made = []
    original = replay.Program

    def program(*args):
        made.append(original(*args))
        return made[-1]
    monkeypatch.setattr(replay, "Program", program)
    monkeypatch.setattr(FakeCapture, "programs", made)
    monkeypatch.setattr(FakeCapture, "fail_together", False)
    return made


def _mlp_step():
    """A small MLP on the GPU and its SGD training step (not jitted)."""
    model = mlp().to("cuda")
    opt = tg.optim.SGD(model.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad()
        loss = tg.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return model, step


def _trained_eagerly_and_jitted_alike(name):
    """An MLP with dropout and batch norm trained on the GPU with clipping and a schedule, eagerly
    and jitted: the losses and final state equal bit for bit. Returns the jitted run."""
    xs, ys = data((8, 12))
    make = lambda: mlp(dropout=0.2, batchnorm=True).to("cuda")  # noqa: E731
    eager = train(make, OPTIMIZERS[name], xs, ys, False, device="cuda", schedule=True, clip=1.0)
    jitted = train(make, OPTIMIZERS[name], xs, ys, True, device="cuda", schedule=True, clip=1.0)
    np.testing.assert_array_equal(eager[0], jitted[0])
    for k in eager[1]:
        np.testing.assert_array_equal(eager[1][k], jitted[1][k], err_msg=k)
    return jitted


def _recorded(jitted):
    return jitted[2].program.graphs


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("fail_together", [False, True], ids=["graphs", "recording_fails"])
def test_graphed_replays_equal_eager_bit_for_bit(name, fail_together, fake_graphs):
    FakeCapture.fail_together = fail_together
    jitted = _trained_eagerly_and_jitted_alike(name)
    program = jitted[2].program
    assert program.static and program.copied  # the loss and the grads are copied out
    assert all(step.on_devices for step in program.numbers_of.values())  # lr and others in 0-d arrays
    assert (len(_recorded(jitted).recorded) == 0) == fail_together
    assert jitted[2].replayed == STEPS - 3


def test_returned_tensors_are_the_users_and_show_says_what_ran_in_graphs(fake_graphs, capsys):
    xs, ys = data((8, 12))
    kept = []
    for jitted in (False, True):
        tg.manual_seed(0)
        model, step = _mlp_step()
        run = tg.jit(step) if jitted else step
        kept.append([run(tg.Tensor(x, device="cuda"), y) for x, y in zip(xs, ys)])
    assert [float(loss) for loss in kept[0]] == [float(loss) for loss in kept[1]]  # read after all steps
    grads = [p.grad for p in model.parameters()]
    run(tg.Tensor(xs[0], device="cuda"), ys[0])
    assert all(g is not p.grad for g, p in zip(grads, model.parameters()))
    text = run.show()
    assert "CUDA graphs" in text and "run one by one" in text


def test_a_step_handing_out_a_view_of_its_input_replays_without_graphs(fake_graphs):
    w = tg.Tensor(np.ones((3, 3), np.float32), requires_grad=True, device="cuda")

    @tg.jit
    def step(x):
        w.grad = None
        (x @ w).sum().backward()
        return x.reshape(9)
    results = [step(tg.Tensor(np.full((3, 3), i, np.float32), device="cuda")) for i in range(6)]
    assert step.replayed == 3 and step.program.graphs is None  # an ordinary program instead
    for i, r in enumerate(results):
        np.testing.assert_array_equal(r.numpy(), np.full(9, i))


def test_cuda_graphs_can_be_switched_off(fake_graphs):
    run = tg.jit(_mlp_step()[1], cuda_graphs=False)
    xs, ys = data((8, 12))
    for x, y in zip(xs, ys):
        run(tg.Tensor(x, device="cuda"), y)
    assert run.replayed == STEPS - 3 and run.program.graphs is None and not run.program.static


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_real_cuda_graphs_equal_eager_bit_for_bit(name):
    if not tg.is_cuda_available():
        pytest.skip("no CUDA GPU here (CuPy missing, or no device)")
    jitted = _trained_eagerly_and_jitted_alike(name)
    recorded = _recorded(jitted)
    assert recorded is not None and sum(recorded.recorded) > len(recorded.steps) // 2, recorded.describe()


def test_an_elementwise_chain_runs_in_one_graph_and_hands_out_its_gradients(fake_graphs):
    a = tg.Tensor(np.full(4, 1.5, np.float32), requires_grad=True, device="cuda")

    def chain(y):
        a.grad = None
        for _ in range(5):
            y = (y * a).tanh()
        y.sum().backward()
        return a.grad, a.grad
    run = tg.jit(chain)
    results = [run(tg.Tensor(np.full(4, i / 8, np.float32), device="cuda")) for i in range(7)]
    assert run.program.graphs is not None
    assert results[-1][0]._data is results[-1][1]._data is a.grad._data  # one array, as eagerly
    for i, (g, _) in enumerate(results):
        a.grad = None
        eager = chain(tg.Tensor(np.full(4, i / 8, np.float32), device="cuda"))[0]
        np.testing.assert_array_equal(g.numpy(), eager.numpy())


@pytest.fixture(params=["fake", "cuda"])
def graphs_here(request):
    """The stand-in, or real CUDA graphs where there is a GPU."""
    if request.param == "fake":
        return request.getfixturevalue("fake_graphs")
    if not tg.is_cuda_available():
        pytest.skip("no CUDA GPU here (CuPy missing, or no device)")


def test_what_each_replay_hands_out_keeps_its_values(graphs_here):
    """Read after the last call: a cumsum's result is a view of memory CuPy made inside the call
    (as is every result of the stand-in's reductions), which is copied out like a buffer."""
    kept = []
    for jitted in (False, True):
        w = tg.Tensor(np.linspace(0.5, 1.5, 12, dtype=np.float32).reshape(3, 4), requires_grad=True, device="cuda")
        opt = tg.optim.Adam([w], lr=0.1)

        def step(x):
            opt.zero_grad()
            y = (w * x).tanh().cumsum(1)
            loss = y.sum()
            loss.backward()
            opt.step()
            return loss, y, w.grad
        run = tg.jit(step) if jitted else step
        kept.append([run(tg.Tensor(np.full((3, 4), i / 10, np.float32), device="cuda")) for i in range(7)])
    for eager, replayed in zip(*kept):
        for a, b in zip(eager, replayed):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_an_optimizer_over_parameters_on_two_devices(fake_graphs):
    finals = []
    for jitted in (False, True):
        on_gpu = tg.Tensor(np.linspace(1, 2, 3, dtype=np.float32), device="cuda").requires_grad_()
        on_cpu = tg.Tensor(np.linspace(1, 2, 3, dtype=np.float32), requires_grad=True)
        opt = tg.optim.SGD([on_gpu, on_cpu], lr=0.1, momentum=0.5)

        def step(x_gpu, x_cpu):
            opt.zero_grad()
            ((on_gpu * x_gpu).tanh().sum() * 2).backward()
            (on_cpu * x_cpu).tanh().sum().backward()
            opt.step()
        run = tg.jit(step) if jitted else step
        for i in range(7):
            run(tg.Tensor(np.full(3, i / 4, np.float32), device="cuda"), tg.Tensor(np.full(3, i / 4, np.float32)))
        finals.append((on_gpu.numpy(), on_cpu.numpy()))
    for a, b in zip(*finals):
        np.testing.assert_array_equal(a, b)
    assert run.program.graphs is not None and run.replayed == 4
