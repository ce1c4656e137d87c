"""Datasets and splits. A dataset gives samples by index; array datasets also give whole batches
by an array of indices, which is what makes batching vectorised."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from ..creation import GeneratorLike, get_generator
from ..tensor import Tensor


class DatasetLike(Protocol):
    """What a DataLoader and Subset take: any object with `__len__` and `__getitem__(i)`."""

    def __len__(self) -> int: ...

    def __getitem__(self, i: int) -> Any: ...


class Dataset:
    """A sequence of samples: `__len__` and `__getitem__(i)` returning a sample, e.g. a tuple
    (image, label) or a dict. Subclassing is optional (the DataLoader takes any object with those
    two methods); override `batch(indices)` to fetch many samples at once."""

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, i: int) -> Any:
        raise NotImplementedError

    def batch(self, indices: np.ndarray) -> Any:
        """The samples at `indices`, stacked (a loop over samples: slow; array datasets override it)."""
        return stack_samples([self[int(i)] for i in indices], indices)


class TensorDataset(Dataset):
    """Arrays (or Tensors) of equal length, indexed together along their first axis."""

    def __init__(self, *arrays: Tensor | npt.ArrayLike):
        if not arrays:
            raise ValueError("TensorDataset: needs at least one array")
        self.arrays = tuple(a.numpy() if isinstance(a, Tensor) else np.asarray(a) for a in arrays)
        lengths = {len(a) for a in self.arrays}
        if len(lengths) != 1:
            raise ValueError(f"TensorDataset: arrays of different lengths {[len(a) for a in self.arrays]}")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, i: int) -> tuple[Any, ...]:
        return tuple(a[i] for a in self.arrays)

    def batch(self, indices: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(a[indices] for a in self.arrays)


class Subset(Dataset):
    """The samples of `dataset` (any object with `__len__` and `__getitem__`) at `indices`."""

    def __init__(self, dataset: DatasetLike, indices: npt.ArrayLike):
        self.dataset, self.indices = dataset, np.asarray(indices, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> Any:
        return self.dataset[int(self.indices[i])]

    def batch(self, indices: np.ndarray) -> Any:
        return fetch_batch(self.dataset, self.indices[indices])


def fetch_batch(dataset: DatasetLike, indices: np.ndarray) -> Any:
    """The samples of `dataset` at `indices` as one batch of NumPy arrays: by its `batch(indices)`
    where it has one (array datasets: one fancy index per field), else sample by sample."""
    batch = getattr(dataset, "batch", None)
    if callable(batch):
        return batch(indices)
    return stack_samples([dataset[int(i)] for i in indices], indices)


def stack_samples(samples: list, indices: Sequence[int] | np.ndarray | None = None) -> Any:
    """One batch of NumPy arrays from a list of samples, as PyTorch's default_collate builds it:
    tuples and lists field by field, dicts key by key (nested ones too), arrays, Tensors and NumPy
    scalars stacked keeping their dtype, Python ints as int64, floats float64, bools bool, strings
    kept as a list. `indices` (the samples' places in the dataset) only name samples in errors."""
    names = [f"sample {j} of the batch" for j in range(len(samples))] if indices is None \
        else [f"dataset[{int(i)}]" for i in indices]
    return _stack(samples, "", names)


def _stack(samples: list, field: str, names: list):
    first = samples[0]
    if isinstance(first, Mapping):
        bad = next((j for j, s in enumerate(samples)
                    if not isinstance(s, Mapping) or s.keys() != first.keys()), None)
        if bad is not None:
            raise _mismatch(field, names, bad, _layout(first), _layout(samples[bad]))
        return {k: _stack([s[k] for s in samples], f"{field}[{k!r}]", names) for k in first}
    if isinstance(first, (tuple, list)):
        bad = next((j for j, s in enumerate(samples)
                    if not isinstance(s, (tuple, list)) or len(s) != len(first)), None)
        if bad is not None:
            raise _mismatch(field, names, bad, _layout(first), _layout(samples[bad]))
        fields = [_stack(list(column), f"{field}[{j}]", names) for j, column in enumerate(zip(*samples))]
        return tuple(fields) if isinstance(first, tuple) else fields
    if isinstance(first, (str, bytes)):
        return list(samples)
    arrays = [np.asarray(s) for s in samples]
    odd = next((j for j, a in enumerate(arrays) if a.dtype == object), None)
    if odd is not None:
        raise TypeError(f"DataLoader: cannot batch {_describe(field)}: {names[odd]} has type "
                        f"{type(samples[odd]).__name__}, not a number, array, Tensor or string")
    bad = next((j for j, a in enumerate(arrays) if a.shape != arrays[0].shape), None)
    if bad is not None:
        raise _mismatch(field, names, bad, f"shape {arrays[0].shape}", f"shape {arrays[bad].shape}")
    batch = np.stack(arrays)
    if isinstance(first, int) and batch.dtype.kind == "i":  # as default_collate: Python ints are int64
        batch = batch.astype(np.int64, copy=False)
    return batch


def _describe(field: str) -> str:
    return f"field {field}" if field else "the samples"


def _layout(sample) -> str:
    """How a sample is laid out, for error messages: its keys, its number of fields, or its type."""
    if isinstance(sample, Mapping):
        return f"keys {list(sample)}"
    if isinstance(sample, (tuple, list)):
        return f"{len(sample)} fields"
    return f"type {type(sample).__name__}"


def _mismatch(field: str, names: list, bad: int, expected: str, got: str) -> ValueError:
    return ValueError(f"DataLoader: cannot batch {_describe(field)}: {names[0]} has {expected} but "
                      f"{names[bad]} has {got}; make the samples agree, or pass collate_fn=")


def random_split(dataset: Dataset, lengths: Sequence[int] | Sequence[float], generator: GeneratorLike = None) -> list:
    """Shuffle and cut `dataset` into Subsets of the given lengths, or fractions summing to 1;
    the order is drawn from `generator` (an int seeds one; None: the default one)."""
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
    order = get_generator(generator).permutation(n)
    cuts = np.cumsum(lengths)[:-1]
    return [Subset(dataset, part) for part in np.split(order, cuts)]


def train_val_split(x: npt.ArrayLike, y: npt.ArrayLike, val_fraction: float = 0.2,
                    generator: GeneratorLike = None) -> tuple:
    """The book's validation split: shuffle, then hold out `val_fraction` (20%) of the samples.
    The order is drawn from `generator`, as in random_split.
    Returns (x_train, y_train), (x_val, y_val)."""
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"train_val_split: {len(x)} inputs but {len(y)} targets")
    if not 0 < val_fraction < 1:
        raise ValueError(f"train_val_split: val_fraction must be in (0, 1), got {val_fraction}")
    order = get_generator(generator).permutation(len(x))
    n_val = int(round(len(x) * val_fraction))
    val, train = order[:n_val], order[n_val:]
    return (x[train], y[train]), (x[val], y[val])
