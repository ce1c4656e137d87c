"""Edge cases of the losses' PyTorch options (weight, ignore_index, label_smoothing, pos_weight)
and of kl_div, l1, smooth l1 and huber, checked against PyTorch where it is installed; the op table
(op_db.py) checks their values and gradients in general."""
import numpy as np
import pytest

import fake_cupy
import tinygrad_edu as tg
from tinygrad_edu import device as device_module
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(16)
X = RNG.normal(size=(6, 4, 2))  # (N, C, d1): classes on axis 1
LABELS = RNG.integers(0, 4, size=(6, 2))
LABELS[1, 0] = LABELS[4, 1] = -100
WEIGHT = np.array([0.5, 1.0, 2.0, 1.5])


def _both(fn, torch_fn, x, *args, **kwargs):
    """Loss values and input gradients of ours and PyTorch's (torch args: arrays become tensors)."""
    ours = tg.Tensor(x, requires_grad=True)
    loss = fn(ours, *args, **kwargs)
    loss.sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    as_torch = {k: torch.as_tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    ref = torch_fn(theirs, *(torch.as_tensor(a) for a in args), **as_torch)
    ref.sum().backward()
    return loss.numpy(), ref.detach().numpy(), ours.grad.numpy(), theirs.grad.numpy()


def _close(fn, torch_fn, x, *args, **kwargs):
    value, ref, grad, ref_grad = _both(fn, torch_fn, x, *args, **kwargs)
    np.testing.assert_allclose(value, ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-12)


def test_the_plain_call_stays_on_the_fused_op_and_ignores_pytorchs_default_index():
    x = tg.Tensor(X, requires_grad=True)
    for labels in (np.abs(LABELS) % 4, LABELS):  # -100 among the labels: PyTorch's default ignore_index
        assert type(F.cross_entropy(x, labels).grad_fn).__name__ == "SoftmaxCrossEntropy"
    _close(F.cross_entropy, TF.cross_entropy, X, LABELS)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("options", [{"weight": WEIGHT}, {"label_smoothing": 0.3}, {"ignore_index": 2},
                                     {"weight": WEIGHT, "label_smoothing": 0.1, "ignore_index": -100}])
def test_cross_entropy_options_match_pytorch(reduction, options):
    labels = np.abs(LABELS) % 4 if options.get("ignore_index") == 2 else LABELS
    _close(F.cross_entropy, TF.cross_entropy, X, labels, reduction=reduction, **options)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_weight_and_ignore_index_match_pytorch(reduction):
    _close(F.nll_loss, TF.nll_loss, X, LABELS, reduction=reduction, weight=WEIGHT)
    _close(F.nll_loss, TF.nll_loss, X, np.abs(LABELS) % 4, reduction=reduction, ignore_index=3)


def test_probability_targets_take_weight_and_label_smoothing():
    t = TF.softmax(torch.as_tensor(RNG.normal(size=X.shape)), dim=1).numpy()
    _close(F.cross_entropy, TF.cross_entropy, X, t, weight=WEIGHT, label_smoothing=0.2)
    with pytest.raises(ValueError, match="cross_entropy: ignore_index \\(1\\) needs integer labels"):
        F.cross_entropy(tg.Tensor(X), t, ignore_index=1)


@pytest.mark.parametrize("call", [
    lambda x, y: F.cross_entropy(x, y), lambda x, y: F.cross_entropy(x, y, weight=WEIGHT),
    lambda x, y: F.cross_entropy(x, y, label_smoothing=0.2), lambda x, y: F.nll_loss(x, y)],
    ids=["fused", "weight", "label_smoothing", "nll_loss"])
def test_every_target_ignored_gives_nan_and_zero_gradients_as_pytorch(call):
    x = tg.Tensor(X, requires_grad=True)
    with np.errstate(all="raise"):  # no 0/0 on the way
        loss = call(x, np.full(LABELS.shape, -100))
    assert np.isnan(loss.item())
    loss.backward()
    assert not x.grad.numpy().any()
    assert TF.cross_entropy(torch.as_tensor(X), torch.full(LABELS.shape, -100)).isnan()


def test_dtypes_are_kept():
    x32 = tg.Tensor(X.astype(np.float32))
    for loss in (F.cross_entropy(x32, LABELS), F.cross_entropy(x32, LABELS, weight=WEIGHT),
                 F.cross_entropy(x32, LABELS, label_smoothing=0.1), F.nll_loss(x32, LABELS, weight=WEIGHT),
                 F.binary_cross_entropy_with_logits(x32, np.ones(X.shape), pos_weight=[1, 2]),
                 F.kl_div(x32, np.ones(X.shape)), F.huber_loss(x32, x32 * 2), F.smooth_l1_loss(x32, 0 * x32),
                 F.l1_loss(x32, x32)):
        assert loss.dtype == np.float32


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_pos_weight_and_weight_match_pytorch(reduction):
    t = (RNG.random(X.shape) > 0.5).astype(float)
    _close(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, X, t, reduction=reduction,
           pos_weight=np.array([0.5, 3.0]), weight=RNG.random((4, 2)))


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_pytorch(reduction, log_target):
    t = TF.softmax(torch.as_tensor(RNG.normal(size=X.shape)), dim=1).numpy()
    t[0, 0, 0] = 0.0  # a zero probability adds nothing (0 log 0 = 0)
    target = np.log(t + 1e-3) if log_target else t
    with pytest.warns(UserWarning) if reduction == "mean" else _nothing():  # PyTorch's advice to use batchmean
        _close(F.kl_div, TF.kl_div, X, target, reduction=reduction, log_target=log_target)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_l1_smooth_l1_and_huber_match_pytorch(reduction):
    t = 2 * RNG.normal(size=X.shape)
    _close(F.l1_loss, TF.l1_loss, X, t, reduction=reduction)
    for beta in (1.0, 0.25, 0.0):
        _close(F.smooth_l1_loss, TF.smooth_l1_loss, X, t, reduction=reduction, beta=beta)
    for delta in (1.0, 0.4, 3.0):
        _close(F.huber_loss, TF.huber_loss, X, t, reduction=reduction, delta=delta)


@pytest.mark.parametrize("module, function, target", [
    (nn.CrossEntropyLoss(WEIGHT, ignore_index=-100, reduction="sum", label_smoothing=0.1),
     lambda x, y: F.cross_entropy(x, y, "sum", weight=WEIGHT, label_smoothing=0.1), LABELS),
    (nn.CrossEntropyLoss(), F.cross_entropy, LABELS),
    (nn.NLLLoss(weight=WEIGHT, ignore_index=1), lambda x, y: F.nll_loss(x, y, weight=WEIGHT, ignore_index=1),
     np.abs(LABELS) % 4),
    (nn.BCEWithLogitsLoss(pos_weight=np.array([2.0, 0.5]), reduction="none"),
     lambda x, y: F.binary_cross_entropy_with_logits(x, y, "none", pos_weight=[2.0, 0.5]), np.ones(X.shape)),
    (nn.KLDivLoss(reduction="batchmean", log_target=True),
     lambda x, y: F.kl_div(x, y, "batchmean", log_target=True), -np.ones(X.shape)),
    (nn.SmoothL1Loss(beta=0.5), lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), np.zeros(X.shape)),
    (nn.HuberLoss(reduction="sum", delta=0.5), lambda x, y: F.huber_loss(x, y, "sum", delta=0.5), np.zeros(X.shape)),
    (nn.L1Loss(), F.l1_loss, np.zeros(X.shape))], ids=lambda v: type(v).__name__)
def test_modules_equal_their_functions(module, function, target):
    np.testing.assert_array_equal(module(tg.Tensor(X), target).numpy(), function(tg.Tensor(X), target).numpy())


def test_modules_show_their_options_and_check_them():
    assert "label_smoothing=0.1" in repr(nn.CrossEntropyLoss(label_smoothing=0.1))
    assert "delta=2.0" in repr(nn.HuberLoss(delta=2.0))
    with pytest.raises(TypeError, match="CrossEntropyLoss: the first argument is weight"):
        nn.CrossEntropyLoss("sum")
    with pytest.raises(ValueError, match="L1Loss: reduction must be one of"):
        nn.L1Loss("batchmean")
    with pytest.raises(ValueError, match="KLDivLoss: reduction must be one of"):
        nn.KLDivLoss("average")


@pytest.mark.parametrize("call, message", [
    (lambda: F.cross_entropy(tg.Tensor(X), np.where(LABELS < 0, 4, LABELS)),
     r"cross_entropy: label 4 is out of range for 4 classes \(labels must be in \[0, 3\], or ignore_index -100\)"),
    (lambda: F.cross_entropy(tg.Tensor(X), LABELS, ignore_index=0), "cross_entropy: label -100 is out of range"),
    (lambda: F.nll_loss(tg.Tensor(X), np.where(LABELS < 0, -1, LABELS)), "nll_loss: label -1 is out of range"),
    (lambda: F.cross_entropy(tg.Tensor(X), LABELS, weight=[1.0, 2.0]),
     r"cross_entropy: weight of shape \(2,\) does not match 4 classes"),
    (lambda: F.nll_loss(tg.Tensor(X), LABELS, weight=np.ones((4, 1))), r"nll_loss: weight of shape \(4, 1\)"),
    (lambda: F.cross_entropy(tg.Tensor(X), LABELS, label_smoothing=1.5), "label_smoothing must be in"),
    (lambda: F.cross_entropy(tg.Tensor(X), LABELS[:, :1]), r"labels of shape \(6, 1\) do not match"),
    (lambda: F.binary_cross_entropy_with_logits(tg.Tensor(X), np.ones(X.shape), pos_weight=[1, 2, 3]),
     r"binary_cross_entropy_with_logits: pos_weight of shape \(3,\) does not broadcast to input of shape"),
    (lambda: F.kl_div(tg.Tensor(X), np.ones(X.shape), "average"), "kl_div: reduction must be one of"),
    (lambda: F.kl_div(tg.Tensor(X), np.ones((6, 4))), r"kl_div: target of shape \(6, 4\) does not match"),
    (lambda: F.smooth_l1_loss(tg.Tensor(X), X, beta=-1.0), "smooth_l1_loss: beta must not be negative"),
    (lambda: F.huber_loss(tg.Tensor(X), X, delta=0.0), "huber_loss: delta must be positive"),
    (lambda: F.l1_loss(tg.Tensor(X), X, "average"), "l1_loss: reduction must be one of"),
    (lambda: F.cross_entropy(tg.Tensor(X), np.zeros(len(X), int), tg.ones(X.shape[1])),  # PyTorch's positional weight
     r"cross_entropy: reduction must be one of .* got Tensor.*the third positional argument is reduction"),
    (lambda: F.mse_loss(tg.Tensor(X), X, tg.Tensor(X)), "mse_loss: reduction must be one of"),
])
def test_bad_input_names_the_op(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_on_the_device_ignored_labels_pass_and_bad_ones_are_reported_at_the_next_read(monkeypatch):
    monkeypatch.setattr(device_module, "cuda_library", lambda: fake_cupy)
    logits = tg.Tensor(X, device="cuda")
    np.testing.assert_allclose(F.cross_entropy(logits, tg.Tensor(LABELS, device="cuda")).item(),
                               F.cross_entropy(tg.Tensor(X), LABELS).item(), rtol=1e-12)
    bad = F.cross_entropy(logits, tg.Tensor(np.where(LABELS < 0, -3, LABELS), device="cuda"))
    with pytest.raises(ValueError, match="(?s)cross_entropy: label -3 is out of range.*checked on the GPU"):
        bad.item()
