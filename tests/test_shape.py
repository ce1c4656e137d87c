"""Shape ops and random creation at the points the op table never draws: tuples of pieces, dtypes,
edge lengths, bad arguments; and randint, randperm, empty (not differentiable, random: checked here)."""
import numpy as np
import pytest

import tinygrad_edu as tg


# ---------------------------------------------------------------- creation
def test_randint_draws_int64_in_range_and_takes_both_forms():
    x = tg.randint(3, 7, (50, 4), generator=0)
    assert x.shape == (50, 4) and x.dtype == np.int64
    assert 3 <= x.numpy().min() and x.numpy().max() < 7 and set(np.unique(x.numpy())) == {3, 4, 5, 6}
    y = tg.randint(5, (10,), generator=1)  # randint(high, size)
    assert y.shape == (10,) and 0 <= y.numpy().min() and y.numpy().max() < 5
    z = tg.randint(high=2, size=(3,), dtype=tg.float32)
    assert z.dtype == np.float32 and not z.requires_grad


def test_randint_repeats_with_a_seed_or_a_generator():
    np.testing.assert_array_equal(tg.randint(0, 100, (8,), generator=3).numpy(),
                                  tg.randint(0, 100, (8,), generator=3).numpy())
    tg.manual_seed(5)
    a = tg.randint(100, (8,)).numpy()
    tg.manual_seed(5)
    np.testing.assert_array_equal(a, tg.randint(100, (8,)).numpy())


@pytest.mark.parametrize("call, message", [(lambda: tg.randint(5, 5, (2,)), "high"),
                                           (lambda: tg.randint(5), "needs high and size"),
                                           (lambda: tg.randperm(-1), "randperm")])
def test_random_creation_errors_name_the_op(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_randperm_is_a_permutation_and_repeats_with_a_seed():
    p = tg.randperm(10, generator=0)
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(10))
    assert p.tolist() == tg.randperm(10, generator=np.random.default_rng(0)).tolist()
    assert tg.randperm(0).shape == (0,) and tg.randperm(4, dtype=tg.int32).dtype == np.int32


def test_empty_is_float32_zeros_of_the_shape():
    for e in (tg.empty(2, 3), tg.empty((2, 3))):
        assert e.shape == (2, 3) and e.dtype == np.float32 and not e.numpy().any()
    assert tg.empty(4, dtype=tg.float64, requires_grad=True).requires_grad


# ---------------------------------------------------------------- shape ops
def test_split_and_chunk_return_tuples_whose_pieces_carry_their_own_gradient():
    x = tg.arange(10.0).requires_grad_()
    pieces = x.split(4)
    assert isinstance(pieces, tuple) and [p.shape for p in pieces] == [(4,), (4,), (2,)]
    (pieces[2] * 3).sum().backward()
    assert x.grad.tolist() == [0.0] * 8 + [3.0, 3.0]
    assert [p.shape for p in tg.chunk(tg.zeros(5, 2), 3)] == [(2, 2), (2, 2), (1, 2)]
    assert [p.shape for p in tg.zeros(2, 6).chunk(4, dim=1)] == [(2, 2), (2, 2), (2, 2)]  # fewer, as torch
    assert [p.shape for p in tg.zeros(2, 0).chunk(3, dim=1)] == [(2, 0)] * 3  # as torch


def test_repeat_interleave_keeps_dtype_and_flattens_without_dim():
    x = tg.tensor([[1, 2], [3, 4]])
    assert x.repeat_interleave(2).tolist() == [1, 1, 2, 2, 3, 3, 4, 4]
    assert x.repeat_interleave(tg.tensor([1, 2]), dim=0).tolist() == [[1, 2], [3, 4], [3, 4]]
    assert x.repeat_interleave(2).dtype == np.int64 and tg.ones(2).repeat(3).dtype == np.float32


def test_meshgrid_matches_numpy_and_einsum_keeps_float32():
    a, b = tg.meshgrid(tg.arange(3), tg.arange(2), indexing="xy")
    np.testing.assert_array_equal(a.numpy(), np.meshgrid(np.arange(3), np.arange(2))[0])
    np.testing.assert_array_equal(b.numpy(), np.meshgrid(np.arange(3), np.arange(2))[1])
    assert tg.einsum("ij,jk->ik", tg.ones(2, 3), tg.ones(3, 4)).dtype == np.float32
    assert tg.einsum("ij,jk->ik", [tg.ones(2, 3), tg.ones(3, 4)]).shape == (2, 4)  # operands as a list


@pytest.mark.parametrize("call, message", [
    (lambda: tg.zeros(2, 3).repeat(2), "repeat: .*(2, 3)"),
    (lambda: tg.zeros(3).repeat_interleave(tg.tensor([1, 2])), "repeat_interleave: 2 repeats"),
    (lambda: tg.zeros(3).repeat_interleave(-1), "repeat_interleave: repeats must be"),
    (lambda: tg.zeros(5).split([2, 2]), "split: sections"),
    (lambda: tg.zeros(5).split(0), "split: split_size"),
    (lambda: tg.zeros(5).chunk(0), "chunk"),
    (lambda: tg.zeros(2, 6).unflatten(1, (4, -1)), r"unflatten: sizes \(4, -1\)"),
    (lambda: tg.meshgrid(tg.zeros(2, 2)), "meshgrid"),
    (lambda: tg.meshgrid(tg.zeros(2), indexing="yx"), "indexing"),
    (lambda: tg.einsum("ij,jk->ik", tg.zeros(2, 3), tg.zeros(4, 5)), "einsum: index 'j' has length 3"),
    (lambda: tg.einsum("ij->k", tg.zeros(2, 3)), "einsum: the output"),
    (lambda: tg.einsum("ijk", tg.zeros(2, 3)), "einsum: operand 0's term 'ijk'"),
    (lambda: tg.einsum("ij,jk", tg.zeros(2, 3)), "einsum: equation 'ij,jk' has 2 operands"),
    (lambda: tg.einsum("i;j", tg.zeros(2)), "einsum: operand 0"),
])
def test_bad_arguments_get_errors_naming_the_op(call, message):
    with pytest.raises(ValueError, match=message):
        call()
