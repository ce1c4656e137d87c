"""LayerNorm, GroupNorm and MultiheadAttention (nn/normalisation_attention.py) and their functional
forms (nn/functional_norm_attention.py) beyond what the op table checks: the modules against
PyTorch's with copied state_dicts (masks, batch_first both ways, need_weights), gradients in
float64 through tg.gradcheck, dropout on the attention weights, dtypes, and the errors."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn
from tinygrad_edu.nn import functional as F

RNG = np.random.default_rng(16)
E, H, L, S, N = 8, 2, 3, 4, 2


def _copy(module, torch_module):
    """Our module with torch_module's state_dict loaded; the keys and shapes must match PyTorch's."""
    state = {k: v.detach().numpy() for k, v in torch_module.state_dict().items()}
    assert {k: np.shape(v) for k, v in module.state_dict().items()} == {k: v.shape for k, v in state.items()}
    module.load_state_dict(state)
    return module


def _close(ours, theirs, atol=1e-12):
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-10, atol=atol)


# ---------------------------------------------------------------------- LayerNorm and GroupNorm


@pytest.mark.parametrize("shape, affine, bias", [(5, True, True), ((3, 5), True, False), ((5,), False, True)])
def test_layer_norm_matches_pytorch(torch, shape, affine, bias):
    theirs = torch.nn.LayerNorm(shape, eps=1e-4, elementwise_affine=affine, bias=bias).double()
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.randn(p.shape, dtype=torch.float64))
    ours = _copy(nn.LayerNorm(shape, eps=1e-4, elementwise_affine=affine, bias=bias, dtype=np.float64), theirs)
    x = RNG.standard_normal((2, 4, 3, 5))
    _close(ours(Tensor(x)), theirs(torch.tensor(x)))
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))


@pytest.mark.parametrize("groups, channels, affine", [(2, 6, True), (1, 4, True), (4, 4, False)])
def test_group_norm_matches_pytorch(torch, groups, channels, affine):
    theirs = torch.nn.GroupNorm(groups, channels, affine=affine).double()
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.randn(p.shape, dtype=torch.float64))
    ours = _copy(nn.GroupNorm(groups, channels, affine=affine, dtype=np.float64), theirs)
    x = RNG.standard_normal((3, channels, 2, 3))
    _close(ours(Tensor(x)), theirs(torch.tensor(x)))


def test_norm_modules_start_as_pytorch_does():
    ln, gn = nn.LayerNorm((2, 3)), nn.GroupNorm(2, 4)
    assert ln.weight.shape == (2, 3) and np.all(ln.weight.numpy() == 1) and np.all(ln.bias.numpy() == 0)
    assert gn.weight.shape == (4,) and np.all(gn.weight.numpy() == 1) and np.all(gn.bias.numpy() == 0)
    assert nn.LayerNorm(3, bias=False).bias is None and nn.LayerNorm(3, elementwise_affine=False).weight is None
    assert ln.weight.dtype == np.float32 and ln(Tensor(np.ones((4, 2, 3), np.float32))).dtype == np.float32


def test_norm_gradients_in_float64():
    x = Tensor(RNG.standard_normal((2, 4, 3)), requires_grad=True)
    w, b = (Tensor(RNG.standard_normal((4, 3)), requires_grad=True) for _ in range(2))
    assert tg.gradcheck(lambda x, w, b: F.layer_norm(x, (4, 3), w, b), (x, w, b))
    c = Tensor(RNG.standard_normal(4), requires_grad=True)
    assert tg.gradcheck(lambda x, c: F.group_norm(x, 2, c, c * 2), (x, c))
    assert tg.gradcheck(lambda x: F.normalize(x, p=3.0, dim=-1), (x,))
    assert tg.gradgradcheck(lambda x: F.layer_norm(x, 3), (x,))


def test_normalize_of_zeros_is_zero_with_a_finite_gradient(torch):
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    y = F.normalize(x)
    y.backward(Tensor(np.ones((2, 3))))
    tx = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.normalize(tx).sum().backward()
    assert np.all(y.numpy() == 0)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


def test_norm_errors_name_the_op_and_shapes():
    x = Tensor(np.ones((2, 6, 3)))
    with pytest.raises(ValueError, match=r"layer_norm: input of shape \(2, 6, 3\) does not end in .*\(6,\)"):
        F.layer_norm(x, 6)
    with pytest.raises(ValueError, match=r"layer_norm: weight of shape \(2,\) does not match \(3,\)"):
        F.layer_norm(x, 3, Tensor(np.ones(2)))
    with pytest.raises(ValueError, match=r"group_norm: 6 channels .* do not split into 4 groups"):
        F.group_norm(x, 4)
    with pytest.raises(ValueError, match=r"group_norm: bias of shape \(3,\) does not match \(6,\)"):
        F.group_norm(x, 3, None, Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="group_norm: input must be"):
        F.group_norm(Tensor(np.ones(6)), 3)
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(6\) must be divisible by num_groups \(4\)"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"GroupNorm: expected an input \(N, 4, ...\), got shape \(2, 6, 3\)"):
        nn.GroupNorm(2, 4)(x)
    with pytest.raises(ValueError, match="normalize: p must be positive"):
        F.normalize(x, p=0)


# ---------------------------------------------------------------------- attention


def test_scaled_dot_product_attention_fully_masked_rows_are_zero(torch):
    q, k, v = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 5, 4)), RNG.standard_normal((2, 5, 3))
    keep = RNG.random((3, 5)) > 0.5
    keep[1] = False
    ours = F.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), attn_mask=keep)
    theirs = torch.nn.functional.scaled_dot_product_attention(*map(torch.tensor, (q, k, v)),
                                                              attn_mask=torch.tensor(keep))
    _close(ours, theirs)
    assert np.all(ours.numpy()[:, 1] == 0)
    qt = Tensor(q, requires_grad=True)
    assert tg.gradcheck(lambda q: F.scaled_dot_product_attention(q, Tensor(k), Tensor(v), attn_mask=keep), (qt,))


def test_scaled_dot_product_attention_dropout_is_seeded_and_scales():
    q, k, v = (Tensor(RNG.standard_normal((2, 3, 4))) for _ in range(3))
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5, generator=3).numpy()
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5, generator=3).numpy()
    assert np.array_equal(a, b) and not np.allclose(a, F.scaled_dot_product_attention(q, k, v).numpy())
    assert np.all(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy() == 0)


def test_scaled_dot_product_attention_keeps_float32():
    q = Tensor(RNG.standard_normal((3, 4)).astype(np.float32))
    assert F.scaled_dot_product_attention(q, q, q, attn_mask=np.zeros((3, 3))).dtype == np.float32


def test_attention_errors_name_the_op_and_shapes():
    q, k = Tensor(np.ones((2, 3, 4))), Tensor(np.ones((2, 5, 4)))
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention: query \(2, 3, 4\), key \(2, 5, 4\) and "
                                         r"value \(2, 4, 4\) do not fit"):
        F.scaled_dot_product_attention(q, k, Tensor(np.ones((2, 4, 4))))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(5, 3\) does not broadcast .* \(2, 3, 5\)"):
        F.scaled_dot_product_attention(q, k, k, attn_mask=np.ones((5, 3), bool))
    with pytest.raises(ValueError, match="give attn_mask or is_causal, not both"):
        F.scaled_dot_product_attention(q, k, k, attn_mask=np.ones((3, 5), bool), is_causal=True)
    with pytest.raises(TypeError, match="attn_mask must be bool or floating"):
        F.scaled_dot_product_attention(q, k, k, attn_mask=np.ones((3, 5), int))
    with pytest.raises(ValueError, match=r"MultiheadAttention: embed_dim \(6\) must be divisible by num_heads \(4\)"):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(ValueError, match=r"MultiheadAttention: query \(2, 3, 4\) and key \(2, 5, 4\) differ in batch"):
        nn.MultiheadAttention(4, 2)(q, k, k)  # sequence first: batch 3 and 5
    mha = nn.MultiheadAttention(4, 2, batch_first=True)
    with pytest.raises(ValueError, match=r"MultiheadAttention: query \(2, 3, 4\), key \(2, 5, 3\)"):
        mha(q, Tensor(np.ones((2, 5, 3))), Tensor(np.ones((2, 5, 3))))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 3\) must be \(3, 5\) or \(4, 3, 5\)"):
        mha(q, k, k, attn_mask=np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"key_padding_mask of shape \(2, 2\) must be \(2, 5\)"):
        mha(q, k, k, key_padding_mask=np.zeros((2, 2), bool))
    with pytest.raises(ValueError, match="is_causal is a hint"):
        mha(q, k, k, is_causal=True)


def _mha_pair(torch, batch_first, bias=True):
    theirs = torch.nn.MultiheadAttention(E, H, bias=bias, batch_first=batch_first).double()
    return _copy(nn.MultiheadAttention(E, H, bias=bias, batch_first=batch_first, dtype=np.float64), theirs), theirs


def _kw(torch, kw):
    return {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}


NOT_ALLOWED = RNG.random((L, S)) > 0.6  # MultiheadAttention's sense: True = may NOT attend
NOT_ALLOWED[:, 0] = False
PADDING = np.zeros((N, S), bool)
PADDING[0, -1] = True
MHA_CASES = [{}, {"attn_mask": NOT_ALLOWED}, {"key_padding_mask": PADDING},
             {"attn_mask": NOT_ALLOWED, "key_padding_mask": PADDING}, {"attn_mask": RNG.standard_normal((N * H, L, S))},
             {"attn_mask": np.triu(np.ones((L, S), bool), 1), "is_causal": True},
             {"average_attn_weights": False}, {"need_weights": False}]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("kw", MHA_CASES, ids=lambda kw: ",".join(kw) or "plain")
def test_multihead_attention_matches_pytorch(torch, batch_first, kw):
    ours, theirs = _mha_pair(torch, batch_first, bias=not kw.get("need_weights", True))
    shape = (lambda n: (N, n, E)) if batch_first else (lambda n: (n, N, E))
    q, k, v = RNG.standard_normal(shape(L)), RNG.standard_normal(shape(S)), RNG.standard_normal(shape(S))
    y, w = ours(Tensor(q), Tensor(k), Tensor(v), **kw)
    ty, tw = theirs(*map(torch.tensor, (q, k, v)), **_kw(torch, kw))
    _close(y, ty)
    assert (w is None) == (tw is None)
    if w is not None:
        _close(w, tw)


def test_multihead_attention_unbatched_and_gradients(torch):
    ours, theirs = _mha_pair(torch, False)
    q, k = RNG.standard_normal((L, E)), RNG.standard_normal((S, E))
    y, w = ours(Tensor(q), Tensor(k), Tensor(k), key_padding_mask=PADDING[0])
    ty, tw = theirs(torch.tensor(q), torch.tensor(k), torch.tensor(k), key_padding_mask=torch.tensor(PADDING[0]))
    _close(y, ty)
    _close(w, tw)
    qt, kt = Tensor(q, requires_grad=True), Tensor(k, requires_grad=True)
    assert tg.gradcheck(lambda q, k: ours(q, k, k, attn_mask=NOT_ALLOWED)[0], (qt, kt))
    y.sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in ours.parameters())


def test_multihead_attention_initialisation_and_dropout():
    mha = nn.MultiheadAttention(E, H, dropout=0.5, generator=0)
    bound = np.sqrt(6 / (E + 3 * E))  # xavier_uniform_ of (3E, E)
    w = mha.in_proj_weight.numpy()
    assert w.shape == (3 * E, E) and w.dtype == np.float32 and np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.8 * bound and not mha.in_proj_bias.numpy().any() and not mha.out_proj.bias.numpy().any()
    x = Tensor(RNG.standard_normal((L, N, E)).astype(np.float32))
    train_y = mha(x, x, x)[0].numpy()
    mha.eval()
    eval_a, eval_b = mha(x, x, x)[0].numpy(), mha(x, x, x)[0].numpy()
    assert np.array_equal(eval_a, eval_b) and not np.allclose(train_y, eval_a) and eval_a.dtype == np.float32
    assert nn.MultiheadAttention(E, H, bias=False).in_proj_bias is None
