"""PyTorch's beginner tutorials as a learner would type them, run on PyTorch and on tinygrad_edu.

Each program is written once, as a function of a module `T` (`torch` or `tinygrad_edu`), in
PyTorch's own spelling. Random initial values are replaced by fixed ones (the same on both sides),
so tinygrad_edu must give PyTorch's numbers, up to float32 rounding (summation order, kernels).
Loops are shortened (200 steps instead of 2000) to keep the file fast.

Tutorials: "Learning PyTorch with Examples" (polynomial fit: tensors, nn, optim, custom Module,
custom autograd Function), and the "Learn the Basics" series (Tensors, Autograd, Build the Neural
Network, Optimizing Model Parameters).

Without PyTorch these tests skip; with TINYGRAD_EDU_REQUIRE_TORCH=1 they fail instead.
"""
import math

import numpy as np

import tinygrad_edu as tg

# float32 on both sides; what is left is summation order and library kernels
F32 = dict(rtol=2e-5, atol=1e-6)
TRAINED = dict(rtol=2e-4, atol=1e-5)  # after 200 float32 steps the rounding adds up a little



def values(t) -> np.ndarray:
    """A tensor of either library (or a number) as a NumPy array."""
    return t.detach().cpu().numpy().copy() if hasattr(t, "detach") else np.asarray(t)


def assert_same(ours, theirs, tol=F32, what=""):
    ours, theirs = values(ours), values(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, PyTorch {theirs.shape}"
    np.testing.assert_allclose(ours, theirs, err_msg=what, **tol)


def assert_all_same(ours, theirs, tol=F32):
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert_same(a, b, tol, f"item {i}")


# ====================================================================== Learning PyTorch with Examples
# https://pytorch.org/tutorials/beginner/pytorch_with_examples.html

INIT_ABCD = (0.1, -0.2, 0.3, -0.05)  # the tutorial draws these with T.randn((), requires_grad=True)
LEARNING_RATE = 1e-6
STEPS = 200


def polynomial_with_tensors(T, init=INIT_ABCD, steps=STEPS):
    """(a) autograd on bare tensors, updated by hand inside no_grad."""
    x = T.linspace(-math.pi, math.pi, 2000)
    y = T.sin(x)
    a, b, c, d = (T.tensor(v, requires_grad=True) for v in init)
    losses = []
    for t in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with T.no_grad():
            a -= LEARNING_RATE * a.grad
            b -= LEARNING_RATE * b.grad
            c -= LEARNING_RATE * c.grad
            d -= LEARNING_RATE * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return losses, [a, b, c, d]


def test_polynomial_with_tensors_and_autograd(torch):
    ours_losses, ours = polynomial_with_tensors(tg)
    theirs_losses, theirs = polynomial_with_tensors(torch)
    np.testing.assert_allclose(ours_losses, theirs_losses, **TRAINED)
    assert_all_same(ours, theirs, TRAINED)
    assert ours_losses[-1] < ours_losses[0] / 2  # it learned something
    for p in ours:
        assert p.shape == () and p.dtype == tg.float32 and p.requires_grad and p.is_leaf


def test_randn_of_empty_shape_is_a_scalar_that_requires_grad(torch):
    for T in (tg, torch):
        a = T.randn((), requires_grad=True)
        assert tuple(a.shape) == () and a.requires_grad and a.dtype == T.float32


def _linear_weights():
    # the nn tutorial's Linear(3, 1), initialised by hand so both libraries start alike
    return np.array([[0.2, -0.1, 0.05]], np.float32), np.array([0.1], np.float32)


def _polynomial_model(T):
    """The tutorial's model: xx (2000, 3) -> Linear(3, 1) -> Flatten(0, 1) -> (2000,)."""
    x = T.linspace(-math.pi, math.pi, 2000)
    y = T.sin(x)
    p = T.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = T.nn.Sequential(T.nn.Linear(3, 1), T.nn.Flatten(0, 1))
    w, b = _linear_weights()
    with T.no_grad():
        model[0].weight.copy_(T.tensor(w))
        model[0].bias.copy_(T.tensor(b))
    return xx, y, model


def polynomial_with_nn(T, steps=STEPS):
    """(b) nn.Sequential + nn.MSELoss, parameters updated by hand."""
    xx, y, model = _polynomial_model(T)
    loss_fn = T.nn.MSELoss(reduction="sum")
    losses = []
    for t in range(steps):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with T.no_grad():
            for param in model.parameters():
                param -= LEARNING_RATE * param.grad
    return losses, model


def polynomial_with_optimizer(T, make_optimizer, steps=STEPS):
    """(b, c) the same model trained by an optimizer from T.optim."""
    xx, y, model = _polynomial_model(T)
    loss_fn = T.nn.MSELoss(reduction="sum")
    optimizer = make_optimizer(T, model.parameters())
    losses = []
    for t in range(steps):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses, model


def _weights(model):
    return [values(p) for p in model.parameters()]


def test_polynomial_xx_is_x_to_the_powers_1_2_3(torch):
    xx, _, model = _polynomial_model(tg)
    txx, _, tmodel = _polynomial_model(torch)
    assert xx.dtype == tg.float32  # float32 ** int64 tensor stays float32, as in PyTorch
    assert_same(xx, txx)
    assert_same(model(xx), tmodel(txx))


def test_polynomial_with_nn_matches_torch_and_sgd(torch):
    ours_losses, ours = polynomial_with_nn(tg)
    theirs_losses, theirs = polynomial_with_nn(torch)
    np.testing.assert_allclose(ours_losses, theirs_losses, **TRAINED)
    assert_all_same(_weights(ours), _weights(theirs), TRAINED)
    assert ours_losses[-1] < ours_losses[0] / 2

    # the hand-written update is what optim.SGD does: exactly the same weights, in tg itself
    sgd_losses, by_sgd = polynomial_with_optimizer(tg, lambda T, ps: T.optim.SGD(ps, lr=LEARNING_RATE))
    assert sgd_losses == ours_losses
    for a, b in zip(_weights(by_sgd), _weights(ours)):
        np.testing.assert_array_equal(a, b)


def test_polynomial_with_rmsprop_matches_torch(torch):
    def rmsprop(T, params):
        return T.optim.RMSprop(params, lr=1e-3)

    ours_losses, ours = polynomial_with_optimizer(tg, rmsprop)
    theirs_losses, theirs = polynomial_with_optimizer(torch, rmsprop)
    np.testing.assert_allclose(ours_losses, theirs_losses, **TRAINED)
    assert_all_same(_weights(ours), _weights(theirs), TRAINED)
    assert ours_losses[-1] < ours_losses[0] / 2


def polynomial_module(T, steps=STEPS):
    """(d) a custom nn.Module whose parameters are nn.Parameter scalars."""

    class Polynomial3(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = T.nn.Parameter(T.tensor(0.5))  # the tutorial: T.randn(())
            self.b = T.nn.Parameter(T.tensor(-0.3))
            self.c = T.nn.Parameter(T.tensor(0.2))
            self.d = T.nn.Parameter(T.tensor(-0.1))

        def forward(self, x):
            return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

        def string(self):
            return f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3"

    x = T.linspace(-math.pi, math.pi, 2000)
    y = T.sin(x)
    model = Polynomial3()
    criterion = T.nn.MSELoss(reduction="sum")
    optimizer = T.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    losses = []
    for t in range(steps):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses, model


def test_custom_module_with_parameters_matches_torch(torch):
    ours_losses, ours = polynomial_module(tg)
    theirs_losses, theirs = polynomial_module(torch)
    np.testing.assert_allclose(ours_losses, theirs_losses, **TRAINED)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()] == list("abcd")
    assert_all_same(_weights(ours), _weights(theirs), TRAINED)
    assert ours.string().startswith("y = ")
    assert all(isinstance(p, tg.nn.Parameter) and p.requires_grad for p in ours.parameters())


def polynomial_with_custom_function(T, steps=STEPS):
    """(e) a custom autograd Function. In tinygrad_edu, forward and backward receive arrays (NumPy's
    operators are the same as PyTorch's here, so the body is the tutorial's, unchanged)."""

    class LegendrePolynomial3(T.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    x = T.linspace(-math.pi, math.pi, 2000)
    y = T.sin(x)
    a = T.full((), 0.0, requires_grad=True)
    b = T.full((), -1.0, requires_grad=True)
    c = T.full((), 0.0, requires_grad=True)
    d = T.full((), 0.3, requires_grad=True)
    learning_rate = 5e-6
    losses = []
    for t in range(steps):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with T.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return losses, [a, b, c, d]


def test_custom_autograd_function_matches_torch(torch):
    ours_losses, ours = polynomial_with_custom_function(tg)
    theirs_losses, theirs = polynomial_with_custom_function(torch)
    np.testing.assert_allclose(ours_losses, theirs_losses, **TRAINED)
    assert_all_same(ours, theirs, TRAINED)
    assert ours_losses[-1] < ours_losses[0]
    for p in ours:
        assert p.dtype == tg.float32


# ====================================================================== Tensors
# https://pytorch.org/tutorials/beginner/basics/tensorqs_tutorial.html


def tensors_tutorial(T):
    out = {}
    data = [[1, 2], [3, 4]]
    x_data = T.tensor(data)
    out["x_data"] = x_data
    out["x_data int64"] = x_data.dtype == T.int64

    np_array = np.array(data)
    x_np = T.from_numpy(np_array)
    out["x_np"] = x_np

    x_ones = T.ones_like(x_data)
    out["x_ones"] = x_ones
    out["x_ones int64"] = x_ones.dtype == T.int64
    x_rand = T.rand_like(x_data, dtype=T.float)
    out["x_rand float32, shape"] = (x_rand.dtype == T.float32, tuple(x_rand.shape))
    out["x_rand in [0, 1)"] = (x_rand.min().item() >= 0, x_rand.max().item() < 1)

    shape = (2, 3,)
    rand_tensor = T.rand(shape)
    ones_tensor = T.ones(shape)
    zeros_tensor = T.zeros(shape)
    out["rand shape"] = tuple(rand_tensor.shape)
    out["ones"], out["zeros"] = ones_tensor, zeros_tensor

    tensor = T.rand(3, 4)
    out["attributes"] = (tuple(tensor.shape), tensor.dtype == T.float32, str(tensor.device))

    out["cuda is a bool"] = isinstance(T.cuda.is_available(), bool)

    tensor = T.ones(4, 4)
    out["first row"] = tensor[0]
    out["first column"] = tensor[:, 0]
    out["last column"] = tensor[..., -1]
    tensor[:, 1] = 0
    out["tensor[:, 1] = 0"] = tensor.clone()

    t1 = T.cat([tensor, tensor, tensor], dim=1)
    out["cat dim=1"] = t1

    tensor = tensor + T.arange(16).reshape(4, 4)  # the tutorial's ones would hide a wrong transpose
    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)
    y3 = T.rand_like(y1)
    T.matmul(tensor, tensor.T, out=y3)
    out["y1"], out["y2"], out["y3"] = y1, y2, y3

    z1 = tensor * tensor
    z2 = tensor.mul(tensor)
    z3 = T.rand_like(tensor)
    T.mul(tensor, tensor, out=z3)
    out["z1"], out["z2"], out["z3"] = z1, z2, z3

    agg = tensor.sum()
    agg_item = agg.item()
    out["agg_item"] = (agg_item, type(agg_item))

    tensor.add_(5)
    out["add_(5)"] = tensor.clone()

    # bridge with NumPy: both directions share memory
    t = T.ones(5)
    n = t.numpy()
    t.add_(1)
    out["t.add_(1) shows in n"] = n.copy()

    n = np.ones(5)
    t = T.from_numpy(n)
    np.add(n, 1, out=n)
    out["np.add(n, 1, out=n) shows in t"] = t.clone()
    out["from_numpy keeps float64"] = t.dtype == T.float64
    return out


def test_tensors_tutorial_matches_torch(torch):
    ours, theirs = tensors_tutorial(tg), tensors_tutorial(torch)
    assert list(ours) == list(theirs)
    for key in ours:
        a, b = ours[key], theirs[key]
        if hasattr(a, "shape"):
            assert hasattr(b, "shape"), key
            assert str(values(a).dtype) == str(values(b).dtype), f"{key}: {values(a).dtype} vs {values(b).dtype}"
            assert_same(a, b, what=key)
        else:
            assert a == b, f"{key}: tg {a!r}, PyTorch {b!r}"
    assert ours["x_data int64"] is True and ours["cuda is a bool"] is True
    np.testing.assert_array_equal(values(ours["t.add_(1) shows in n"]), 2.0)
    np.testing.assert_array_equal(values(ours["np.add(n, 1, out=n) shows in t"]), 2.0)


def test_matmul_out_writes_into_the_given_tensor(torch):
    for T in (tg, torch):
        t = T.arange(6.0).reshape(2, 3)
        y3 = T.zeros(2, 2)
        result = T.matmul(t, t.T, out=y3)
        assert result is y3
        np.testing.assert_array_equal(values(y3), [[5.0, 14.0], [14.0, 50.0]])


# ====================================================================== Autograd
# https://pytorch.org/tutorials/beginner/basics/autogradqs_tutorial.html

W = np.array([[0.3, -0.2, 0.1], [0.5, 0.4, -0.6], [-0.1, 0.2, 0.7], [0.8, -0.9, 0.05], [0.0, 0.3, -0.4]],
             np.float32)  # the tutorial: T.randn(5, 3, requires_grad=True)
B = np.array([0.1, -0.2, 0.3], np.float32)


def autograd_tutorial(T):
    out = {}
    F = T.nn.functional
    x = T.ones(5)
    y = T.zeros(3)
    w = T.tensor(W, requires_grad=True)
    b = T.tensor(B, requires_grad=True)
    z = T.matmul(x, w) + b
    loss = F.binary_cross_entropy_with_logits(z, y)
    out["z"], out["loss"] = z, loss
    out["z has grad_fn"] = z.grad_fn is not None
    out["loss has grad_fn"] = loss.grad_fn is not None
    out["w is a leaf without grad_fn"] = w.grad_fn is None and w.is_leaf

    loss.backward()
    out["w.grad"], out["b.grad"] = w.grad, b.grad

    z = T.matmul(x, w) + b
    out["requires_grad"] = z.requires_grad
    with T.no_grad():
        z = T.matmul(x, w) + b
    out["requires_grad under no_grad"] = z.requires_grad

    z = T.matmul(x, w) + b
    z_det = z.detach()
    out["requires_grad after detach"] = z_det.requires_grad

    inp = T.eye(4, 5, requires_grad=True)
    out_ = (inp + 1).pow(2).t()
    out_.backward(T.ones_like(out_), retain_graph=True)
    out["First call"] = inp.grad.clone()
    out_.backward(T.ones_like(out_), retain_graph=True)
    out["Second call"] = inp.grad.clone()
    inp.grad.zero_()
    out_.backward(T.ones_like(out_), retain_graph=True)
    out["Call after zeroing gradients"] = inp.grad.clone()
    out["out shape"] = tuple(out_.shape)
    return out


def test_autograd_tutorial_matches_torch(torch):
    ours, theirs = autograd_tutorial(tg), autograd_tutorial(torch)
    assert list(ours) == list(theirs)
    for key in ours:
        a, b = ours[key], theirs[key]
        if hasattr(a, "detach"):
            assert_same(a, b, what=key)
        else:
            assert a == b, f"{key}: tg {a!r}, PyTorch {b!r}"
    # the tutorial's printed numbers: 4 on the diagonal, 2 elsewhere; accumulated twice; reset
    first = np.where(np.eye(4, 5) == 1, 4.0, 2.0)
    np.testing.assert_array_equal(values(ours["First call"]), first)
    np.testing.assert_array_equal(values(ours["Second call"]), 2 * first)
    np.testing.assert_array_equal(values(ours["Call after zeroing gradients"]), first)


# ====================================================================== Build the Neural Network
# https://pytorch.org/tutorials/beginner/basics/buildmodel_tutorial.html


def neural_network(T):
    class NeuralNetwork(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = T.nn.Flatten()
            self.linear_relu_stack = T.nn.Sequential(
                T.nn.Linear(28 * 28, 512),
                T.nn.ReLU(),
                T.nn.Linear(512, 512),
                T.nn.ReLU(),
                T.nn.Linear(512, 10),
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    return NeuralNetwork()


def test_build_model_tutorial_matches_torch(torch):
    torch.manual_seed(0)
    models, devices = [], []
    for T in (torch, tg):
        device = "cuda" if T.cuda.is_available() else "cpu"  # the tutorial's device line
        models.append(neural_network(T).to(device))
        devices.append(device)
    theirs, ours = models
    # PyTorch's random initial weights, loaded into ours: a state_dict is name -> array
    ours.load_state_dict({k: v.cpu().numpy() for k, v in theirs.state_dict().items()})

    X_np = np.random.default_rng(0).random((3, 28, 28), dtype=np.float32)  # the tutorial: T.rand(1, 28, 28)
    results = []
    for T, model, device in ((tg, ours, devices[1]), (torch, theirs, devices[0])):
        X = T.tensor(X_np, device=device)
        logits = model(X)
        pred_probab = T.nn.Softmax(dim=1)(logits)
        y_pred = pred_probab.argmax(1)
        results.append((logits, pred_probab, y_pred))
    (logits, probs, y_pred), (t_logits, t_probs, t_y_pred) = results
    assert_same(logits, t_logits, dict(rtol=1e-4, atol=1e-5), "logits")
    assert_same(probs, t_probs, dict(rtol=1e-4, atol=1e-6), "softmax")
    np.testing.assert_array_equal(values(y_pred), values(t_y_pred))
    assert y_pred.dtype == tg.int64 and y_pred.shape == (3,)

    ours_params = [(name, tuple(param.size()), values(param[:2])) for name, param in ours.named_parameters()]
    theirs_params = [(name, tuple(param.size()), values(param[:2])) for name, param in theirs.named_parameters()]
    assert [p[:2] for p in ours_params] == [p[:2] for p in theirs_params]
    assert ours_params[0][:2] == ("linear_relu_stack.0.weight", (512, 784))
    for (name, _, a), (_, _, b) in zip(ours_params, theirs_params):
        np.testing.assert_array_equal(a, b, err_msg=name)


def model_layers(T):
    """The tutorial's walk through the layers, one at a time."""
    input_image = T.tensor(np.linspace(0, 1, 3 * 28 * 28, dtype=np.float32).reshape(3, 28, 28))
    flatten = T.nn.Flatten()
    flat_image = flatten(input_image)
    layer1 = T.nn.Linear(in_features=28 * 28, out_features=20)
    with T.no_grad():
        layer1.weight.copy_(T.tensor(np.cos(np.arange(20 * 784, dtype=np.float32)).reshape(20, 784) / 28))
        layer1.bias.fill_(0.01)
    hidden1 = layer1(flat_image)
    relu_hidden = T.nn.ReLU()(hidden1)
    return flat_image, hidden1, relu_hidden


def test_model_layers_walkthrough_matches_torch(torch):
    ours, theirs = model_layers(tg), model_layers(torch)
    assert tuple(ours[0].shape) == (3, 784)
    assert tuple(ours[1].shape) == (3, 20)
    assert_all_same(ours, theirs, dict(rtol=1e-5, atol=1e-6))


# ====================================================================== Optimizing Model Parameters
# https://pytorch.org/tutorials/beginner/basics/optimization_tutorial.html


class SmallImages:
    """A plain class with __len__ and __getitem__, as FashionMNIST is: (image array, int label)."""

    def __init__(self, n: int, seed: int):
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, 3, n)
        images = rng.random((n, 4, 4)) * 0.3
        images[np.arange(n), self.labels] += 1.0  # class k: row k is bright
        self.images = images.astype(np.float32)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return self.images[idx], int(self.labels[idx])


def _small_network(T):
    class NeuralNetwork(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = T.nn.Flatten()
            self.linear_relu_stack = T.nn.Sequential(T.nn.Linear(16, 8), T.nn.ReLU(), T.nn.Linear(8, 3))

        def forward(self, x):
            return self.linear_relu_stack(self.flatten(x))

    return NeuralNetwork()


def _initial_state():
    rng = np.random.default_rng(1)
    return {"linear_relu_stack.0.weight": (rng.standard_normal((8, 16)) / 4).astype(np.float32),
            "linear_relu_stack.0.bias": (rng.standard_normal(8) / 4).astype(np.float32),
            "linear_relu_stack.2.weight": (rng.standard_normal((3, 8)) / 3).astype(np.float32),
            "linear_relu_stack.2.bias": np.zeros(3, np.float32)}


def optimization_tutorial(T, DataLoader, tmp_path, epochs=3):
    learning_rate = 0.5
    batch_size = 16
    training_data, test_data = SmallImages(50, seed=2), SmallImages(30, seed=3)
    train_dataloader = DataLoader(training_data, batch_size=batch_size)
    test_dataloader = DataLoader(test_data, batch_size=batch_size)

    model = _small_network(T)
    model.load_state_dict({k: T.tensor(v) for k, v in _initial_state().items()})

    def train_loop(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        seen = 0
        for batch, (X, y) in enumerate(dataloader):
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            seen += len(X)
        assert seen == size

    def test_loop(dataloader, model, loss_fn):
        model.eval()
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        test_loss, correct = 0, 0
        with T.no_grad():
            for X, y in dataloader:
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(T.float).sum().item()
        test_loss /= num_batches
        correct /= size
        return test_loss, correct

    loss_fn = T.nn.CrossEntropyLoss()
    optimizer = T.optim.SGD(model.parameters(), lr=learning_rate)
    history = []
    for t in range(epochs):
        train_loop(train_dataloader, model, loss_fn, optimizer)
        history.append(test_loop(test_dataloader, model, loss_fn))

    # save and load the weights (each library its own file format; only the round trip is compared)
    path = tmp_path / f"model_weights_{T.__name__}.pth"
    T.save(model.state_dict(), path)
    model2 = _small_network(T)
    model2.load_state_dict(T.load(path, weights_only=True))
    model2.eval()
    return history, model, model2, test_loop(test_dataloader, model2, loss_fn)


def test_optimization_tutorial_matches_torch(torch, tmp_path):
    ours = optimization_tutorial(tg, tg.data.DataLoader, tmp_path)
    theirs = optimization_tutorial(torch, torch.utils.data.DataLoader, tmp_path)
    (history, model, model2, reloaded), (t_history, t_model, _, t_reloaded) = ours, theirs
    np.testing.assert_allclose(np.array(history), np.array(t_history), rtol=1e-4, atol=1e-6)
    assert_all_same(_weights(model), _weights(t_model), dict(rtol=1e-4, atol=1e-6))
    assert history[-1][0] < history[0][0] or history[-1][1] > history[0][1]  # it learned something
    # the reloaded model is the trained one: same weights, same test numbers
    assert_all_same(_weights(model2), _weights(model), dict(rtol=0, atol=0))
    assert reloaded == history[-1]
    np.testing.assert_allclose(reloaded, t_reloaded, rtol=1e-4, atol=1e-6)


def test_dataloader_batches_of_a_plain_class_match_torch(torch):
    data = SmallImages(10, seed=4)
    ours = list(tg.data.DataLoader(data, batch_size=4))
    theirs = list(torch.utils.data.DataLoader(data, batch_size=4))
    assert len(ours) == len(theirs) == 3
    for (X, y), (tX, ty) in zip(ours, theirs):
        assert X.dtype == tg.float32 and y.dtype == tg.int64  # int labels collate to int64, as in PyTorch
        np.testing.assert_array_equal(values(X), values(tX))
        np.testing.assert_array_equal(values(y), values(ty))
