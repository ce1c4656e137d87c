"""`save` writes a state as a safetensors file, atomically; `load` reads a file as what its first
bytes say it is, within bounds (the package docstring describes the format)."""
from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from typing import Any, Protocol

from ..files import atomic_write
from . import legacy_npz, safetensors_file
from .errors import CheckpointError


class HasStateDict(Protocol):
    """A Module, an Optimizer, a Trainer: anything whose `state_dict()` is what to save."""

    def state_dict(self) -> Mapping[Any, Any]: ...


def save(obj: HasStateDict | Mapping[Any, Any], path: str | os.PathLike[str]) -> None:
    """Save a Module's state_dict, or a mapping of str or int keys to arrays, Tensors, NumPy
    scalars, numbers, strings, None, lists, tuples and nested mappings (optimizer and training
    state included), as a safetensors file. Anything that would not load back exactly is refused
    before writing, with a CheckpointError naming its key."""
    path = os.fspath(path)
    state = obj.state_dict() if hasattr(obj, "state_dict") and not isinstance(obj, Mapping) else obj
    if not isinstance(state, Mapping):
        raise CheckpointError(f"save: expected a Module or a mapping, got {type(obj).__name__}")
    data = safetensors_file.to_bytes(state)
    try:
        atomic_write(path, lambda f: f.write(data))
    except OSError as e:
        raise CheckpointError(f"save: cannot write {path!r}: {e.strerror}" if e.strerror else f"save: {e}") from e


def load(path: str | os.PathLike[str], weights_only: bool = True, map_location: object = None) -> Any:
    """Read a checkpoint written by `save` (or any safetensors file, or a version-1 .npz), as nested
    dicts of NumPy arrays and plain values. `weights_only` and `map_location` are accepted for
    PyTorch's habit `torch.load(f, weights_only=True)`: nothing here is ever unpickled, so loading
    is always weights-only, and arrays load on the CPU (`model.load_state_dict` puts them on each
    parameter's device)."""
    path = os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block the open
    except FileNotFoundError:
        raise CheckpointError(f"load: there is no file {path!r}") from None
    except OSError as e:
        raise CheckpointError(f"load: cannot read {path!r}: {e.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise CheckpointError(f"load: {path!r} is not a regular file; refused")
    size = info.st_size
    with os.fdopen(fd, "rb") as f:
        head = f.read(16)
        if len(head) > 8 and head[8:9] == b"{":  # 8-byte little-endian header length, then a JSON header
            return safetensors_file.read(path, size, head)
        f.seek(0)
        if head.startswith(b"PK"):
            return legacy_npz.read(f, path, size)
        if head.startswith(b"\x93NUMPY"):
            raise legacy_npz.npy_error(f, path)
    if head.startswith(b"\x80"):
        raise CheckpointError(f"load: {path!r} is a pickle, which could run code when loaded; refused")
    if not head:
        raise CheckpointError(f"load: {path!r} is empty")
    raise CheckpointError(f"load: {path!r} is truncated or corrupt: not a checkpoint (it starts with {head[:8]!r})")
