"""The DataLoader as a learner coming from PyTorch uses it: plain classes as datasets, PyTorch's
collation of tuples, dicts and numbers, collate_fn, the worker keywords, and shuffles that follow
tg.manual_seed."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, Subset
from tinygrad_edu.data.loader import default_collate
from tinygrad_edu.nn import functional as F
from tinygrad_edu.train import Trainer


class Points:
    """A learner's dataset: no base class, just __len__ and __getitem__ giving (x, label)."""

    def __init__(self, n=10):
        self.x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], i % 3  # label: a Python int


def labels(loader) -> list:
    return [int(v) for _, y in loader for v in y.numpy()]


def order(loader) -> list:
    """The dataset indices of one epoch, in the order the loader gave them (x[i] = (2i, 2i + 1))."""
    return [int(v) // 2 for x, _ in loader for v in x.numpy()[:, 0]]


def seeded_epoch(global_seed: int, **options) -> list:
    """One shuffled epoch after tg.manual_seed(global_seed)."""
    tg.manual_seed(global_seed)
    return order(DataLoader(Points(30), batch_size=4, shuffle=True, **options))


def test_a_plain_class_with_len_and_getitem_is_a_dataset():
    batches = list(DataLoader(Points(10), batch_size=4))
    assert [tuple(x.shape) for x, _ in batches] == [(4, 2), (4, 2), (2, 2)]
    x, y = batches[0]
    assert isinstance(x, tg.Tensor) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(x.numpy(), Points(10).x[:4])
    assert y.numpy().tolist() == [0, 1, 2, 0]
    assert len(list(DataLoader(Points(10), batch_size=4, drop_last=True))) == 2
    assert labels(DataLoader(Subset(Points(10), [9, 3]), batch_size=2)) == [0, 0]  # a Subset of a plain class


def test_python_numbers_collate_like_pytorch():
    samples = [(1.5, 2, True, np.float32(0.5)), (2.5, 3, False, np.float32(1.5))]
    floats, ints, flags, singles = DataLoader(samples, batch_size=2).__iter__().__next__()
    assert (floats.dtype, ints.dtype, flags.dtype, singles.dtype) == (np.float64, np.int64, np.bool_, np.float32)
    assert ints.numpy().tolist() == [2, 3] and flags.numpy().tolist() == [True, False]
    (batch,) = DataLoader([7, 8, 9], batch_size=3)  # a single number per sample gives one Tensor
    assert isinstance(batch, tg.Tensor) and batch.numpy().tolist() == [7, 8, 9] and batch.dtype == np.int64


def test_a_dict_dataset_gives_dicts_of_tensors_and_nesting_recurses():
    class Words:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return {"ids": np.full(3, i, np.int32), "meta": {"len": i, "name": f"w{i}"}, "pair": (i, [float(i)])}

    batch = next(iter(DataLoader(Words(), batch_size=4)))
    assert list(batch) == ["ids", "meta", "pair"]
    assert batch["ids"].shape == (4, 3) and batch["ids"].dtype == np.int32
    assert batch["meta"]["len"].numpy().tolist() == [0, 1, 2, 3] and batch["meta"]["name"] == ["w0", "w1", "w2", "w3"]
    first, second = batch["pair"]
    assert isinstance(batch["pair"], tuple) and isinstance(second, list)
    assert second[0].dtype == np.float64 and second[0].numpy().tolist() == [0.0, 1.0, 2.0, 3.0]


def test_mismatched_samples_name_the_loader_the_field_and_the_shapes():
    class Ragged:
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return {"image": np.zeros((2, 2 + (i == 2))), "label": i}

    with pytest.raises(ValueError, match=r"DataLoader.*field \['image'\].*dataset\[0\] has shape \(2, 2\).*"
                                         r"dataset\[2\] has shape \(2, 3\)"):
        list(DataLoader(Ragged(), batch_size=3))
    with pytest.raises(ValueError, match=r"DataLoader.*2 fields.*3 fields"):
        default_collate([(1, 2), (1, 2, 3)])
    with pytest.raises(TypeError, match=r"DataLoader.*field \[1\].*NoneType"):
        default_collate([(1, None), (2, None)])


def test_collate_fn_gets_the_list_of_samples_and_its_result_is_the_batch():
    seen = []

    def pad_collate(samples):  # e.g. padding variable-length sequences
        seen.append(len(samples))
        width = max(len(s) for s in samples)
        return tg.Tensor(np.array([s + [0] * (width - len(s)) for s in samples]))

    sequences = [[1], [2, 2, 2], [3, 3], [4]]
    batches = list(DataLoader(sequences, batch_size=3, collate_fn=pad_collate))
    assert seen == [3, 1] and batches[0].numpy().tolist() == [[1, 0, 0], [2, 2, 2], [3, 3, 0]]
    with pytest.raises(TypeError, match="collate_fn must be callable"):
        DataLoader(sequences, collate_fn="pad")


def test_pytorch_worker_keywords_are_accepted_and_checked():
    plain = labels(DataLoader(Points(), batch_size=3))
    assert labels(DataLoader(Points(), batch_size=3, num_workers=2, pin_memory=True, persistent_workers=True,
                             prefetch_factor=2)) == plain
    for bad in (-1, 1.5, "2"):
        with pytest.raises(ValueError, match=f"num_workers must be a non-negative int, got {bad!r}"):
            DataLoader(Points(), num_workers=bad)
    with pytest.raises(ValueError, match="need num_workers > 0"):
        DataLoader(Points(), persistent_workers=True)


def test_without_a_generator_the_shuffle_follows_manual_seed():
    tg.manual_seed(0)
    loader = DataLoader(Points(30), batch_size=4, shuffle=True)
    first, second = order(loader), order(loader)
    assert sorted(first) == sorted(second) == list(range(30)) and first != second  # a new order each epoch
    tg.manual_seed(0)
    assert order(loader) == first  # seeded after building: the loader looks the generator up
    assert seeded_epoch(0) == seeded_epoch(0) == first and seeded_epoch(1) != first


def test_an_own_generator_ignores_manual_seed():
    own = seeded_epoch(0, generator=5)
    assert own != seeded_epoch(0) and seeded_epoch(1, generator=5) == own
    assert seeded_epoch(1, generator=np.random.default_rng(5)) == own


def test_state_dict_continues_the_default_generators_order():
    tg.manual_seed(3)
    loader = DataLoader(Points(30), batch_size=4, shuffle=True)
    order(loader)
    state = loader.state_dict()
    expected = order(loader)
    tg.manual_seed(99)
    resumed = DataLoader(Points(30), batch_size=4, shuffle=True, generator=7)  # the saved kind wins
    resumed.load_state_dict(state)
    assert order(resumed) == expected and resumed.generator is tg.get_generator()
    own = DataLoader(Points(30), batch_size=4, shuffle=True, generator=7)
    state, expected = own.state_dict(), order(own)
    back = DataLoader(Points(30), batch_size=4, shuffle=True)
    back.load_state_dict(state)
    assert order(back) == expected and back.generator is not tg.get_generator()


def test_a_trainer_without_a_seed_resumes_the_default_generators_order(tmp_path):
    x = np.random.default_rng(0).standard_normal((40, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)

    def make():
        model = nn.Linear(2, 2, generator=0)
        return model, Trainer(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), progress=False)

    tg.manual_seed(0)
    full_model, full = make()
    full.fit((x, y), epochs=4, batch_size=8)
    tg.manual_seed(0)
    half_model, half = make()
    half.fit((x, y), epochs=2, batch_size=8)
    half.save_checkpoint(tmp_path / "half.npz")
    tg.manual_seed(123)  # a different default generator: the checkpoint restores its state
    resumed_model, resumed = make()
    resumed.load_checkpoint(tmp_path / "half.npz")
    resumed.fit((x, y), epochs=4, batch_size=8)
    assert resumed.history["loss"] == full.history["loss"]
    assert full_model.weight.numpy().tobytes() == resumed_model.weight.numpy().tobytes()


def test_transform_sees_the_inputs_and_refuses_what_it_cannot_reach():
    def add_noise(x, generator):
        return x + generator.standard_normal(x.shape).astype(x.dtype)

    tg.manual_seed(0)
    (x, y), = DataLoader(Points(4), batch_size=4, transform=add_noise)
    assert x.dtype == np.float32 and not np.allclose(x.numpy(), Points(4).x) and y.numpy().tolist() == [0, 1, 2, 0]
    tg.manual_seed(0)
    assert np.array_equal(next(iter(DataLoader(Points(4), batch_size=4, transform=add_noise)))[0].numpy(), x.numpy())
    with pytest.raises(TypeError, match="DataLoader: transform.*dicts"):
        list(DataLoader([{"x": 1.0}], transform=add_noise))
    with pytest.raises(ValueError, match="inside collate_fn"):
        DataLoader(Points(), transform=add_noise, collate_fn=default_collate)


def test_not_a_dataset():
    with pytest.raises(TypeError, match="DataLoader: expected a Dataset .* got int"):
        DataLoader(3)
