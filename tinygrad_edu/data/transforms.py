"""Augmentation of digit images, a whole batch per call (scipy.ndimage resamples all images in
one call, each with its own random transform). Each transform is called as
`transform(images, generator)`, with images of shape (N, H, W), (N, 1, H, W) or flattened
(N, H*W) when `image_shape` is given; the result has the input's shape and dtype."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from ..creation import GeneratorLike


def _ndimage():
    try:
        from scipy import ndimage
    except ImportError:
        raise ImportError("augmentation needs scipy: pip install 'tinygrad_edu[data]' (or scipy)") from None
    return ndimage


class _ImageTransform:
    def __init__(self, image_shape=None):
        self.image_shape = tuple(image_shape) if image_shape is not None else None

    def __call__(self, images, generator=None):
        images = np.asarray(images)
        rng = generator if isinstance(generator, np.random.Generator) else np.random.default_rng(generator)
        if images.ndim == 2:
            if self.image_shape is None:
                raise ValueError(f"{type(self).__name__}: flattened images need image_shape=(height, width)")
            squares = images.reshape((len(images),) + self.image_shape)
        elif images.ndim in (3, 4):
            squares = images.reshape((len(images),) + images.shape[-2:])
        else:
            raise ValueError(f"{type(self).__name__}: expected images of shape (N, H, W), (N, 1, H, W) or "
                             f"(N, H*W), got {images.shape}")
        moved = self.apply(squares.astype(np.float32, copy=False), rng)
        return moved.reshape(images.shape).astype(images.dtype)

    def apply(self, images, rng):
        raise NotImplementedError


def _resample(images, rows, cols):
    """Sample each image n at (rows[n], cols[n]) (bilinear, zeros outside), all in one call."""
    n = np.broadcast_to(np.arange(len(images))[:, None, None], rows.shape)
    return _ndimage().map_coordinates(images, [n, rows, cols], order=1, mode="constant", cval=0.0)


class RandomRotation(_ImageTransform):
    """Rotate each image about its centre by an angle uniform in [-degrees, degrees] (the lecture
    uses 12)."""

    def __init__(self, degrees: float = 12.0, image_shape: tuple[int, int] | None = None):
        super().__init__(image_shape)
        self.degrees = degrees

    def apply(self, images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, h, w = images.shape
        theta = np.deg2rad(rng.uniform(-self.degrees, self.degrees, n))[:, None, None]
        y, x = np.mgrid[0:h, 0:w].astype(np.float32)
        cy, cx = (h - 1) / 2, (w - 1) / 2
        dy, dx = y - cy, x - cx
        rows = cy + np.cos(theta) * dy - np.sin(theta) * dx
        cols = cx + np.sin(theta) * dy + np.cos(theta) * dx
        return _resample(images, rows, cols)


class RandomShift(_ImageTransform):
    """Shift each image by a whole number of pixels, up to `pixels` in each direction."""

    def __init__(self, pixels: int = 2, image_shape: tuple[int, int] | None = None):
        super().__init__(image_shape)
        self.pixels = pixels

    def apply(self, images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, h, w = images.shape
        shifts = rng.integers(-self.pixels, self.pixels + 1, (n, 2, 1, 1))
        y, x = np.mgrid[0:h, 0:w]
        rows, cols = (y - shifts[:, 0]).astype(np.float32), (x - shifts[:, 1]).astype(np.float32)
        return _resample(images, rows, cols)


class GaussianNoise(_ImageTransform):
    """Add normal noise of standard deviation `std`, then clip into [0, 1]."""

    def __init__(self, std: float = 0.1, image_shape: tuple[int, int] | None = None):
        super().__init__(image_shape)
        self.std = std

    def apply(self, images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return np.clip(images + rng.normal(0.0, self.std, images.shape).astype(np.float32), 0.0, 1.0)


class Compose:
    """Apply transforms in order."""

    def __init__(self, *transforms: Callable[[np.ndarray, GeneratorLike], np.ndarray]):
        self.transforms = transforms

    def __call__(self, images: npt.ArrayLike, generator: GeneratorLike = None) -> np.ndarray:
        for t in self.transforms:
            images = t(images, generator)
        return images
