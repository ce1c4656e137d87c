"""Datasets and splits. A dataset gives samples by index; array datasets also give whole batches
by an array of indices, which is what makes batching vectorised."""
from __future__ import annotations

import numpy as np

from ..creation import get_generator
from ..tensor import Tensor


class Dataset:
    """A sequence of samples: subclass it with `__len__` and `__getitem__(i)` returning a tuple
    of arrays (e.g. (image, label)). Override `batch(indices)` to fetch many at once."""

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, i):
        raise NotImplementedError

    def batch(self, indices: np.ndarray) -> tuple:
        """The samples at `indices`, stacked field by field (a loop over samples: slow; array
        datasets override it)."""
        samples = [self[int(i)] for i in indices]
        return tuple(np.stack(field) for field in zip(*samples))


class TensorDataset(Dataset):
    """Arrays (or Tensors) of equal length, indexed together along their first axis."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset: needs at least one array")
        self.arrays = tuple(a.numpy() if isinstance(a, Tensor) else np.asarray(a) for a in arrays)
        lengths = {len(a) for a in self.arrays}
        if len(lengths) != 1:
            raise ValueError(f"TensorDataset: arrays of different lengths {[len(a) for a in self.arrays]}")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, i):
        return tuple(a[i] for a in self.arrays)

    def batch(self, indices):
        return tuple(a[indices] for a in self.arrays)


class Subset(Dataset):
    """The samples of `dataset` at `indices`."""

    def __init__(self, dataset: Dataset, indices):
        self.dataset, self.indices = dataset, np.asarray(indices, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i):
        return self.dataset[int(self.indices[i])]

    def batch(self, indices):
        return self.dataset.batch(self.indices[indices])


def random_split(dataset: Dataset, lengths, seed=None) -> list:
    """Shuffle and cut `dataset` into Subsets of the given lengths, or fractions summing to 1."""
    n = len(dataset)
    lengths = list(lengths)
    if all(isinstance(x, float) for x in lengths):
        if abs(sum(lengths) - 1.0) > 1e-9:
            raise ValueError(f"random_split: fractions must sum to 1, got {lengths}")
        counts = [int(np.floor(f * n)) for f in lengths]
        counts[0] += n - sum(counts)
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(f"random_split: lengths {lengths} do not add up to the {n} samples")
    order = get_generator(seed).permutation(n)
    cuts = np.cumsum(lengths)[:-1]
    return [Subset(dataset, part) for part in np.split(order, cuts)]


def train_val_split(x, y, val_fraction: float = 0.2, seed=None):
    """The book's validation split: shuffle, then hold out `val_fraction` (20%) of the samples.
    Returns (x_train, y_train), (x_val, y_val)."""
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"train_val_split: {len(x)} inputs but {len(y)} targets")
    if not 0 < val_fraction < 1:
        raise ValueError(f"train_val_split: val_fraction must be in (0, 1), got {val_fraction}")
    order = get_generator(seed).permutation(len(x))
    n_val = int(round(len(x) * val_fraction))
    val, train = order[:n_val], order[n_val:]
    return (x[train], y[train]), (x[val], y[val])
