"""MNIST and Fashion-MNIST from their original IDX files.

Files are looked for, in order, in an explicit `root`, in the data directory named by the
environment variable TINYGRAD_EDU_DATA, and in the cache directory (TINYGRAD_EDU_CACHE, default
~/.cache/tinygrad_edu); each place may hold the files directly or in a `mnist/` (`fashion/`)
folder. Missing files are downloaded from maintained mirrors when online (unless the environment
variable TINYGRAD_EDU_OFFLINE is set, as the test suite does). Every .gz file, found or
downloaded, must match its published SHA-256; downloads are written to the cache atomically, so a
half-written file is never taken for a complete one.
"""
from __future__ import annotations

import hashlib
import os

import numpy as np

from ..files import atomic_write
from .idx import DataError, read_idx

DATA_ENV, CACHE_ENV, OFFLINE_ENV = "TINYGRAD_EDU_DATA", "TINYGRAD_EDU_CACHE", "TINYGRAD_EDU_OFFLINE"

FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
         "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}

SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion": {
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
}

MIRRORS = {
    "mnist": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/"],
    "fashion": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
}

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                   "Bag", "Ankle boot")


def data_dir() -> str | None:
    return os.environ.get(DATA_ENV) or None


def cache_dir() -> str:
    return os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "tinygrad_edu")


def load_mnist(split: str = "train", root=None, kind: str = "mnist", normalize: bool = True,
               flatten: bool = True, one_hot: bool = False, download: bool = True):
    """(images, labels) of a split ("train": 60,000, "test": 10,000).

    images: float32 in [0, 1] (or uint8 0..255 with normalize=False), shape (N, 784) or, with
    flatten=False, (N, 1, 28, 28). labels: int64 (N,), or one-hot float32 (N, 10).
    """
    if split not in FILES:
        raise ValueError(f"load_mnist: split must be 'train' or 'test', got {split!r}")
    if kind not in SHA256:
        raise ValueError(f"load_mnist: kind must be 'mnist' or 'fashion', got {kind!r}")
    image_file, label_file = FILES[split]
    images = read_idx(locate(image_file, kind, root, download))
    labels = read_idx(locate(label_file, kind, root, download)).astype(np.int64)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(f"load_mnist: {image_file} ({images.shape}) and {label_file} ({labels.shape}) do not "
                        "form a dataset of images and labels")
    x = images.astype(np.float32) / 255.0 if normalize else images
    x = x.reshape(len(x), -1) if flatten else x[:, None]
    y = np.eye(10, dtype=np.float32)[labels] if one_hot else labels
    return x, y


def load_fashion_mnist(split: str = "train", **options):
    """Fashion-MNIST: the same format and options as load_mnist (classes in FASHION_CLASSES)."""
    return load_mnist(split, kind="fashion", **options)


def locate(name: str, kind: str = "mnist", root=None, download: bool = True) -> str:
    """The path of a verified data file: found in root, the data directory or the cache, or
    downloaded into the cache. Raises DataError saying where to put the file."""
    places = [p for p in (root, data_dir(), cache_dir()) if p]
    searched = []
    for place in places:
        for folder in (os.path.join(place, kind), place):
            for candidate in (name, name[:-3]):
                path = os.path.join(os.fspath(folder), candidate)
                searched.append(path)
                if os.path.isfile(path):
                    if candidate == name:
                        verify(path, SHA256[kind][name])
                    return path
    if download and os.environ.get(OFFLINE_ENV):
        problems = [f"downloads are switched off by {OFFLINE_ENV}"]
    elif download:
        path = os.path.join(cache_dir(), kind, name)
        problems = fetch(name, kind, path)
        if problems is None:
            return path
    else:
        problems = ["downloads were switched off"]
    raise DataError(
        f"{kind} file {name} was not found and could not be downloaded ({'; '.join(problems)}).\n"
        f"Looked in: {', '.join(searched)}.\nPut the file in one of these places, or set {DATA_ENV} "
        f"to a folder that holds it (or a '{kind}/' folder with it), or pass root=.")


def fetch(name: str, kind: str, path: str) -> list | None:
    """Download `name` from the mirrors into `path`, verified; None on success, else the reasons."""
    import urllib.error
    import urllib.request  # here, not at the top: it costs 20 ms of every import otherwise

    problems = []
    for mirror in MIRRORS[kind]:
        try:
            with urllib.request.urlopen(mirror + name, timeout=30) as response:
                payload = response.read()
        except (urllib.error.URLError, OSError, ValueError) as e:
            problems.append(f"{mirror}: {getattr(e, 'reason', e)}")
            continue
        digest = hashlib.sha256(payload).hexdigest()
        if digest != SHA256[kind][name]:
            problems.append(f"{mirror}: checksum mismatch (got {digest[:12]}...)")
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic_write(path, lambda f: f.write(payload))
        return None
    return problems


def verify(path: str, expected: str) -> None:
    """Check a file's SHA-256 against the published one."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise DataError(f"{path}: SHA-256 {digest.hexdigest()} does not match the published {expected}; the "
                        "file is damaged or not the original (delete it to download it again)")
