"""DataLoader: mini-batches of a dataset, shuffled reproducibly, as Tensors."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .dataset import Dataset, TensorDataset


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size`, yielding a tuple of Tensors per batch.

    Array datasets are batched by one fancy index per field (no per-sample Python loop). With
    `shuffle`, each epoch draws a new order from the loader's own generator (seeded by `seed`),
    so runs repeat exactly and `state_dict()` lets a resumed run continue the same sequence.
    `transform(inputs, generator)` (e.g. augmentation) is applied to each batch's first field.
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 seed=None, transform=None):
        if isinstance(dataset, (tuple, list)):
            dataset = TensorDataset(*dataset)
        if not isinstance(dataset, Dataset):
            raise TypeError(f"DataLoader: expected a Dataset or a tuple of arrays, got {type(dataset).__name__}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last, self.transform = shuffle, drop_last, transform
        self.generator = np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            fields = list(self.dataset.batch(order[start:start + self.batch_size]))
            if self.transform is not None:
                fields[0] = self.transform(fields[0], self.generator)
            yield tuple(Tensor(f) for f in fields)

    def state_dict(self) -> dict:
        return {"generator": self.generator.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        self.generator.bit_generator.state = state["generator"]
