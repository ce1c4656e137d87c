"""An array as the explorer shows it: every number when it is small, a heat map of a matrix,
statistics always (docs/explorer_format.md, "Values")."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..device import to_device

FULL = 64  # at most this many elements are written out one by one
CELLS = 24  # a heat map has at most CELLS x CELLS cells


def summary(values: Any, detail: bool = True) -> dict | None:
    """The value object of an array (or a Tensor's values); `detail=False` gives statistics only."""
    if values is None:
        return None
    array = np.asarray(to_device(getattr(values, "_data", values), "cpu"))
    out = {"shape": list(array.shape), "dtype": str(array.dtype), **_statistics(array)}
    if array.dtype.kind not in "biuf":
        return {**out, "form": "stats"}
    if detail and array.size <= FULL:
        return {**out, "form": "full", "data": _numbers(array.reshape(-1))}
    if detail and array.ndim >= 2:
        matrix = array.reshape((-1,) + array.shape[-2:])[0].astype(np.float64)
        cells = _blocks(matrix)
        return {**out, "form": "heat", "rows": cells.shape[0], "cols": cells.shape[1],
                "data": _numbers(cells.reshape(-1))}
    return {**out, "form": "stats"}


def is_bad(values: Any) -> str | None:
    """"nan" or "inf" where the array holds one (NaN first), else None."""
    if values is None:
        return None
    array = np.asarray(to_device(getattr(values, "_data", values), "cpu"))
    if array.dtype.kind not in "fc":
        return None
    if np.isnan(array).any():
        return "nan"
    return "inf" if np.isinf(array).any() else None


def _statistics(array: np.ndarray) -> dict:
    numeric = array.astype(np.float64) if array.dtype.kind in "biuf" else None
    if numeric is None:
        return {}
    finite = numeric[np.isfinite(numeric)]
    stats = {"nan": int(np.isnan(numeric).sum()), "inf": int(np.isinf(numeric).sum())}
    if finite.size:
        stats.update(min=float(finite.min()), max=float(finite.max()), mean=float(finite.mean()),
                     std=float(finite.std()))
    return stats


def _blocks(matrix: np.ndarray) -> np.ndarray:
    """The mean of the finite elements of each block, at most CELLS x CELLS blocks (NaN where a
    block has none)."""
    finite = np.isfinite(matrix)
    starts = [np.array_split(np.arange(n), min(CELLS, n)) for n in matrix.shape]
    rows, cols = ([part[0] for part in parts] for parts in starts)

    def block_sums(a):
        return np.add.reduceat(np.add.reduceat(a, rows, axis=0), cols, axis=1)
    with np.errstate(all="ignore"):
        return block_sums(np.where(finite, matrix, 0.0)) / block_sums(finite.astype(np.float64))


def _numbers(flat: np.ndarray) -> list:
    """JSON numbers, with NaN and Inf as strings (JSON has none)."""
    return [x if np.isfinite(x) else ("nan" if np.isnan(x) else "inf" if x > 0 else "-inf")
            for x in flat.astype(np.float64).tolist()]
