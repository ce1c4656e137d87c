"""The train/test data the demo, the CLI and the real-data tests use, with what they fall back on."""
from __future__ import annotations

from .mnist import DataNotFound, load_mnist

PROTOCOL_TRAIN, PROTOCOL_TEST = 8000, 2000


def mnist_splits(root=None, kind: str = "mnist", download: bool = True, flatten: bool = True):
    """((x_train, y_train), (x_test, y_test), description).

    The full MNIST (60,000 / 10,000) when its training split can be had; otherwise, when only the
    test split is present (as on machines without network), the offline protocol: its first
    8,000 images for training and its last 2,000 for testing. Raises DataNotFound when neither
    is, and DataError for a file that is there but damaged: that one is never passed over.
    """
    try:
        train = load_mnist("train", root, kind, flatten=flatten, download=download)
    except DataNotFound as missing:
        try:
            x, y = load_mnist("test", root, kind, flatten=flatten, download=False)
        except DataNotFound:
            raise missing from None
        train, test = (x[:PROTOCOL_TRAIN], y[:PROTOCOL_TRAIN]), (x[-PROTOCOL_TEST:], y[-PROTOCOL_TEST:])
        return train, test, (f"{kind}: training split not available, so the offline protocol: the test split's "
                             f"first {PROTOCOL_TRAIN:,} images for training, its last {PROTOCOL_TEST:,} for testing")
    test = load_mnist("test", root, kind, flatten=flatten, download=download)
    return train, test, f"{kind}: full training split (60,000) and test split (10,000)"
