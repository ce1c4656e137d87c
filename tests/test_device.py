"""The same code on another device: every op, layer, optimizer and the training loop, with the
results equal to the CPU's. Each test runs on `fake` (tests/fake_cupy.py, NumPy arrays that refuse
to mix with host arrays as CuPy's do, so it runs everywhere) and on `cuda` (real CuPy, skipped
without a GPU)."""
import numpy as np
import pytest

import fake_cupy
import tinygrad_edu as tg
from tinygrad_edu import device as device_module
from tinygrad_edu import nn, optim
from tinygrad_edu.nn import functional as F
from tinygrad_edu.testing import check_op
from tinygrad_edu.models import MultiLayerNet, SimpleConvNet

from op_db import OP_DB


@pytest.fixture(params=["fake", "cuda"])
def device(request, monkeypatch):
    if request.param == "fake":
        monkeypatch.setattr(device_module, "cuda_library", lambda: fake_cupy)
    elif not tg.is_cuda_available():
        pytest.skip("no CUDA GPU here (CuPy missing, or no device)")
    return "cuda"


HOST_RESULTS = {"one_hot", "accuracy"}  # rows that build their result from host labels, by design


def _on(device, spec):
    """The row's function with its inputs moved to `device` and its result moved back: the op
    itself runs there."""
    def run(*xs):
        y = spec.fn(*(x.to(device) for x in xs))
        assert spec.name in HOST_RESULTS or y.device == "cuda:0", "the op's result left the device"
        return y.to("cpu")
    return run


@pytest.mark.parametrize("spec", OP_DB, ids=lambda s: s.name)
def test_every_op_gives_the_cpu_values_and_gradients_on_the_device(spec, device):
    check_op(_on(device, spec), spec.ref, nargs=spec.nargs, domain=spec.domain, kink_free=spec.kinks,
             broadcast=spec.broadcast, shape_strategy=spec.shapes, min_dims=spec.min_dims,
             gradient=spec.differentiable, second_order=spec.differentiable and spec.second_order,
             max_examples=3)


def test_tensors_move_between_devices(device):
    t = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    assert t.device == "cuda:0" and t.to("cuda") is t and t.cuda() is t
    back = t.cpu()
    assert back.device == "cpu" and type(back.numpy()) is np.ndarray and type(t.numpy()) is np.ndarray
    np.testing.assert_array_equal(back.numpy(), [[1, 2], [3, 4]])
    assert tg.zeros(2, 3, device=device).device == "cuda:0"
    np.testing.assert_array_equal(tg.randn(3, generator=7, device=device).numpy(), tg.randn(3, generator=7).numpy())
    assert t.to(device, np.float64).dtype == np.float64
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.to(device)
    (y * y + [1.0, 1.0, 1.0]).sum().backward()  # a list constant goes to y's device
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_indexing_and_seed_gradients_given_as_host_arrays(device):
    x = tg.Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True, device=device)
    picked = x[np.array([0, 2, 2]), [1, 0, 0]]  # host index arrays go to the device
    picked.backward(np.ones(3))  # so does a host seed gradient
    np.testing.assert_allclose(x.grad.numpy(), [[0, 1], [0, 0], [2, 0]])


def test_mixing_devices_in_one_op_names_the_op_and_the_devices(device):
    on_device, on_host = tg.Tensor([1.0, 2.0], device=device), tg.Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match=r"add: inputs are on different devices .* \.to\(device\)"):
        on_device + on_host
    with pytest.raises(TypeError, match="matmul: inputs are on different devices"):
        on_host @ on_device


@pytest.mark.parametrize("read", [lambda t: t.item(), lambda t: t.numpy(), lambda t: bool(t), lambda t: t.to("cpu")],
                         ids=["item", "numpy", "bool", "to_cpu"])
def test_bad_labels_on_the_device_are_reported_at_the_next_read_without_waiting_before(device, read):
    logits = tg.Tensor(np.zeros((3, 4), np.float32), requires_grad=True, device=device)
    good = F.cross_entropy(logits, tg.Tensor(np.array([0, 1, 3]), device=device))
    bad = F.cross_entropy(logits, tg.Tensor(np.array([0, -1, 1]), device=device))  # no wait for the GPU here
    for label in ([-2, 0, 1], [-3, 0, 0]):
        F.cross_entropy(logits, tg.Tensor(np.array(label), device=device))  # later failures are not reported
    with pytest.raises(ValueError, match=r"(?s)cross_entropy: label -1 is out of range for 4 classes.*"
                                         r"checked on the GPU for the call at .*test_device.py.*bad = F.cross_entropy"):
        read(bad)
    assert good.item() == pytest.approx(np.log(4))  # one failure is reported once


def test_waiting_label_checks_are_bounded(device):
    from tinygrad_edu import device_checks
    logits = tg.Tensor(np.zeros((2, 4), np.float32), device=device)
    for _ in range(device_checks.LIMIT):
        F.cross_entropy(logits, tg.Tensor(np.array([0, 1]), device=device))
    assert len(device_checks._waiting) == device_checks.LIMIT
    with pytest.raises(ValueError, match="label -1 is out of range"):  # the check past the limit reads them all
        F.cross_entropy(logits, tg.Tensor(np.array([0, -1]), device=device))
    assert not device_checks._waiting


def _train(model, optimizer_class, device, steps=3, dtype=tg.float32, **options):
    rng = np.random.default_rng(0)
    x, labels = rng.random((16,) + model.input_shape).astype(dtype), rng.integers(0, 10, 16)
    model.to(device, dtype=dtype)
    opt = optimizer_class(model.parameters(), **options)
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(tg.Tensor(x, device=device)), labels)
        loss.backward()
        optim.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
    return model, opt


def _mlp():
    model = MultiLayerNet(12, [16, 16], 10, use_batchnorm=True, use_dropout=True, generator=3)
    model.input_shape = (12,)
    return model


def _convnet():
    model = SimpleConvNet((1, 8, 8), filter_num=4, filter_size=3, pad=1, hidden_size=16, weight_init_std=0.1,
                          generator=3)
    model.input_shape = (1, 8, 8)
    return model


@pytest.mark.parametrize("make", [_mlp, _convnet], ids=["mlp_batchnorm_dropout", "convnet"])
@pytest.mark.parametrize("optimizer_class, options", [
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-3}), (optim.Adam, {"lr": 1e-2}),
    (optim.AdamW, {"lr": 1e-2}), (optim.Adagrad, {"lr": 0.1}), (optim.RMSprop, {"lr": 1e-2}),
    (optim.Adadelta, {}),
], ids=lambda v: v.__name__ if isinstance(v, type) else "")
def test_training_on_the_device_matches_the_cpu(make, optimizer_class, options, device):
    # In float64: batch norm's backward leaves some gradient elements (the bias before it: all of
    # them) mostly rounding noise, which differs between the devices' reductions, and Adam-like
    # optimizers divide a gradient by its own size, turning float32 noise into steps of +-lr.
    # In float64 the noise stays far below their eps (Adagrad's 1e-10 lets it reach about 1e-6 * lr),
    # while a fault on the device would move weights by about lr per step.
    on_cpu, _ = _train(make(), optimizer_class, "cpu", dtype=tg.float64, **options)
    on_device, opt = _train(make(), optimizer_class, device, dtype=tg.float64, **options)
    assert all(p.device == "cuda:0" for p in on_device.parameters())
    for (name, a), b in zip(on_cpu.state_dict().items(), on_device.state_dict().values()):
        assert type(b) is np.ndarray
        np.testing.assert_allclose(b, a, rtol=1e-7, atol=1e-6, err_msg=name)
    assert all(type(v) is not fake_cupy.DeviceArray for s in opt.state_dict()["state"].values() for v in s.values())


def test_checkpoints_and_optimizer_state_cross_devices(device, tmp_path):
    model, opt = _train(_mlp(), optim.Adam, device, lr=1e-2)
    tg.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "run.tge")
    saved = tg.load(tmp_path / "run.tge")
    restored = _mlp().to(device)
    restored.load_state_dict(saved["model"])
    restored_opt = optim.Adam(restored.parameters(), lr=1e-2)
    restored_opt.load_state_dict(saved["optimizer"])
    for a, b in zip(model.parameters(), restored.parameters()):
        assert b.device == "cuda:0"
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    restored_opt.step()  # the restored state lives on the device too


def test_an_optimizer_whose_state_stayed_behind_says_what_to_do(device):
    model, opt = _train(_mlp(), optim.Adam, "cpu", lr=1e-2)
    model.to(device)
    F.cross_entropy(model(tg.Tensor(np.ones((4, 12), np.float32), device=device)), [1, 2, 3, 4]).backward()
    with pytest.raises(TypeError, match="different devices .* before creating the optimizer"):
        opt.step()


def test_the_trainer_feeds_batches_to_the_models_device(device):
    rng = np.random.default_rng(1)
    x, y = rng.random((64, 12), dtype=np.float32), rng.integers(0, 10, 64)
    model = _mlp().to(device)
    trainer = tg.Trainer(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1))
    trainer.fit((x, y), epochs=2, batch_size=16, validation_data=(x, y))
    assert len(trainer.history["loss"]) == 2 and np.isfinite(trainer.history["val_loss"]).all()
    assert trainer.predict(x).shape == (64, 10)


def test_a_missing_gpu_is_a_clear_error():
    if tg.is_cuda_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(RuntimeError, match="device 'cuda'"):
        tg.Tensor([1.0]).to("cuda")
    with pytest.raises(ValueError, match="neither a device"):
        tg.Tensor([1.0]).to("gpu")
    with pytest.raises(ValueError, match="expected 'cpu', 'cuda' or 'cuda:N'"):
        tg.zeros(2, device="cuda:x")
