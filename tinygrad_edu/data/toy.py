"""Datasets that need no download: the lectures' synthetic sets, and real handwritten digits
bundled with scikit-learn (the offline default when MNIST is not available)."""
from __future__ import annotations

import numpy as np

from ..creation import GeneratorLike, get_generator

# The backprop lecture's three students: (hours of study, hours of sleep) -> test score.
STUDY_SLEEP_HOURS = np.array([[3.0, 5.0], [5.0, 1.0], [10.0, 2.0]], dtype=np.float32)
STUDY_SLEEP_SCORES = np.array([[75.0], [82.0], [93.0]], dtype=np.float32)


def study_sleep(scaled: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(hours, scores); scaled: hours divided by each column's maximum, scores by 100."""
    if not scaled:
        return STUDY_SLEEP_HOURS.copy(), STUDY_SLEEP_SCORES.copy()
    return STUDY_SLEEP_HOURS / STUDY_SLEEP_HOURS.max(axis=0), STUDY_SLEEP_SCORES / 100.0


def spiral(points_per_class: int = 100, classes: int = 3, noise: float = 0.2,
           generator: GeneratorLike = None) -> tuple:
    """Interleaved spiral arms in 2-D, one per class (the classic non-linear toy problem)."""
    rng = get_generator(generator)
    radius = np.tile(np.linspace(0.0, 1.0, points_per_class), classes)
    labels = np.repeat(np.arange(classes), points_per_class)
    angle = labels * 4.0 + radius * 4.0 + rng.standard_normal(radius.size) * noise
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1).astype(np.float32)
    return x, labels


def xor(samples: int = 200, noise: float = 0.1, generator: GeneratorLike = None) -> tuple:
    """Points around the four corners of the unit square; label 1 where exactly one coordinate is 1."""
    rng = get_generator(generator)
    corners = rng.integers(0, 2, (samples, 2))
    x = (corners + rng.standard_normal((samples, 2)) * noise).astype(np.float32)
    return x, (corners[:, 0] ^ corners[:, 1]).astype(np.int64)


def moons(samples: int = 200, noise: float = 0.1, generator: GeneratorLike = None) -> tuple:
    """Two interleaving half circles."""
    rng = get_generator(generator)
    labels = np.arange(samples) % 2
    t = rng.uniform(0.0, np.pi, samples)
    x = np.where(labels[:, None] == 0, np.stack([np.cos(t), np.sin(t)], 1),
                 np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], 1))
    return (x + rng.standard_normal(x.shape) * noise).astype(np.float32), labels.astype(np.int64)


def load_digits(flatten: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 real handwritten digits, 8x8, as float32 in [0, 1] and int64 labels.

    Needs scikit-learn (`pip install tinygrad_edu[data]`), which ships the data: no download."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise ImportError("load_digits needs scikit-learn, which ships these digits: "
                          "pip install 'tinygrad_edu[data]' (or scikit-learn)") from None
    digits = sklearn_digits()
    images = (digits.images / 16.0).astype(np.float32)
    x = images.reshape(len(images), -1) if flatten else images[:, None]
    return x, digits.target.astype(np.int64)
