"""DataLoader: mini-batches of a dataset, shuffled reproducibly, as Tensors (PyTorch's API)."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from ..creation import GeneratorLike, get_generator
from ..tensor import Tensor
from .dataset import DatasetLike, TensorDataset, fetch_batch, stack_samples


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size`, as PyTorch's DataLoader does.

    A dataset is any object with `__len__` and `__getitem__(i)`; a tuple of arrays (x, y), or a
    list of arrays, is read as fields indexed together (a TensorDataset), any other list as a
    list of samples. Samples are collated
    as PyTorch's default_collate does: a tuple sample gives a tuple of Tensors, a dict one a dict
    of Tensors, an array or number one a Tensor; arrays keep their dtype, Python ints become
    int64, floats float64. A dataset with a `batch(indices)` method (TensorDataset, Subset) is
    batched by one fancy index per field, with no loop over samples. `collate_fn(samples)`
    replaces the collation, and each batch is then whatever it returns.

    Shuffling: with no `generator` each epoch's order is drawn from the default generator, so
    `tg.manual_seed(0)` repeats it, as in PyTorch; `generator` (a np.random.Generator, or an int
    that seeds one) gives the loader its own. `state_dict()` holds the state of the one in use,
    so a resumed run continues the same order. `transform(inputs, generator)` (e.g.
    augmentation) is applied to each batch's first field, as NumPy arrays, before they become Tensors.

    `num_workers`, `persistent_workers`, `prefetch_factor` and `pin_memory` are accepted as in
    PyTorch, so its code runs unchanged, but do nothing here: batches are always built in the
    calling process, one after another (num_workers=2 gives the same batches as 0, no sooner),
    and they are ordinary CPU Tensors: pinned (page-locked) memory, which speeds copies to a GPU,
    has nothing to do on the CPU, and `.to(device)` copies a batch as usual.
    """

    def __init__(self, dataset: DatasetLike | tuple[Any, ...] | list[Any], batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, generator: GeneratorLike = None,
                 transform: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
                 collate_fn: Callable[[list[Any]], Any] | None = None, num_workers: int = 0,
                 pin_memory: bool = False, persistent_workers: bool = False,
                 prefetch_factor: int | None = None):
        if isinstance(dataset, tuple) or (isinstance(dataset, list) and _all_arrays(dataset)):
            dataset = TensorDataset(*dataset)
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: expected a Dataset (any object with __len__ and __getitem__) "
                            f"or a tuple of arrays, got {type(dataset).__name__}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if not isinstance(num_workers, int) or isinstance(num_workers, bool) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be a non-negative int, got {num_workers!r}")
        if num_workers == 0 and (persistent_workers or prefetch_factor is not None):
            raise ValueError("DataLoader: persistent_workers and prefetch_factor need num_workers > 0, "
                             "as in PyTorch")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got {collate_fn!r}")
        if collate_fn is not None and transform is not None:
            raise ValueError("DataLoader: transform works on the default batches; with collate_fn, "
                             "apply it inside collate_fn")
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last, self.transform, self.collate_fn = shuffle, drop_last, transform, collate_fn
        self.num_workers, self.pin_memory = num_workers, pin_memory
        self.persistent_workers, self.prefetch_factor = persistent_workers, prefetch_factor
        self._own_generator = None if generator is None else get_generator(generator)

    @property
    def generator(self) -> np.random.Generator:
        """The generator the next epoch draws from: the loader's own, else the current default
        one (looked up each time, since `manual_seed` replaces it)."""
        return get_generator() if self._own_generator is None else self._own_generator

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        generator = self.generator
        n = len(self.dataset)
        order = generator.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            indices = order[start:start + self.batch_size]
            if self.collate_fn is not None:
                yield self.collate_fn([self.dataset[int(i)] for i in indices])
            else:
                yield _to_tensors(self._transformed(fetch_batch(self.dataset, indices), generator))

    def _transformed(self, batch, generator):
        """`transform` applied to the inputs: the first field of a tuple or list batch, or an array batch."""
        if self.transform is None:
            return batch
        if isinstance(batch, np.ndarray):
            return self.transform(batch, generator)
        if type(batch) not in (tuple, list):
            raise TypeError(f"DataLoader: transform applies to the first field of tuple samples or to array "
                            f"samples, but this dataset's batches are {type(batch).__name__}s; transform "
                            "in the dataset's __getitem__ instead")
        fields = [self.transform(batch[0], generator), *batch[1:]]
        return tuple(fields) if isinstance(batch, tuple) else fields

    def state_dict(self) -> dict:
        """Which generator the order comes from and its state."""
        return {"generator": self.generator.bit_generator.state, "default_generator": self._own_generator is None}

    def load_state_dict(self, state: dict) -> None:
        """Continue the order saved by `state_dict`, from the same kind of generator: the default
        one gets its state back (so it is restored for everything that draws from it)."""
        if state.get("default_generator", False):
            self._own_generator = None
        elif self._own_generator is None:
            self._own_generator = np.random.default_rng()
        self.generator.bit_generator.state = state["generator"]


def default_collate(samples: list) -> Any:
    """A batch of Tensors from a list of samples, as PyTorch's default_collate (see stack_samples)."""
    return _to_tensors(stack_samples(samples))


def _all_arrays(items) -> bool:
    return len(items) > 0 and all(isinstance(a, (np.ndarray, Tensor)) for a in items)


def _to_tensors(batch):
    """The NumPy arrays of a collated batch as Tensors; its tuples, lists and dicts are kept."""
    if isinstance(batch, np.ndarray):
        return Tensor(batch)
    if isinstance(batch, Mapping):
        return {k: _to_tensors(v) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        fields = [_to_tensors(f) for f in batch]
        return tuple(fields) if isinstance(batch, tuple) else fields
    return batch  # strings, and Tensors a dataset's batch() gave already
