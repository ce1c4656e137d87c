"""The train/test data the demo, the CLI, the examples and the real-data tests use."""
from __future__ import annotations

import os

import numpy as np

from .mnist import EMBEDDED, FILES, DataNotFound, load_mnist, locate

PROTOCOL_TRAIN, PROTOCOL_TEST = 8000, 2000


def mnist_splits(root: str | os.PathLike[str] | None = None, kind: str = "mnist", download: bool = True,
                 flatten: bool = True) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], str]:
    """((x_train, y_train), (x_test, y_test), description).

    The full MNIST (60,000 / 10,000) when its training split can be had (root, $TINYGRAD_EDU_DATA,
    the cache, or a download: see tinygrad_edu.data.mnist); otherwise the offline protocol on the
    test split: its first 8,000 images for training and its last 2,000 for testing. For MNIST the
    test split is always there, shipped in the package, so offline and with no data directory this
    trains on real digits; the description says which files were used. Raises DataNotFound only
    for Fashion-MNIST files that are nowhere, and DataError for a file that is there but damaged:
    that one is never passed over.
    """
    try:
        train = load_mnist("train", root, kind, flatten=flatten, download=download)
    except DataNotFound as missing:
        try:
            x, y = load_mnist("test", root, kind, flatten=flatten, download=False)
        except DataNotFound:
            raise missing from None
        shipped = os.path.dirname(locate(FILES["test"][1], kind, root, download=False)) == EMBEDDED
        source = "the test split shipped with tinygrad_edu" if shipped else "the test split"
        train, test = (x[:PROTOCOL_TRAIN], y[:PROTOCOL_TRAIN]), (x[-PROTOCOL_TEST:], y[-PROTOCOL_TEST:])
        return train, test, (f"{kind}: training split not available, so the offline protocol on {source}: its "
                             f"first {PROTOCOL_TRAIN:,} images for training, its last {PROTOCOL_TEST:,} for testing")
    test = load_mnist("test", root, kind, flatten=flatten, download=download)
    return train, test, f"{kind}: full training split (60,000) and test split (10,000)"
