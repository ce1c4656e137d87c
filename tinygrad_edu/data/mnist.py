"""MNIST and Fashion-MNIST from their original IDX files.

Each file is looked for in this order, and the first found is used:
  1. an explicit `root` (--data-dir on the command line);
  2. the data directory named by the environment variable TINYGRAD_EDU_DATA;
  3. the cache directory (TINYGRAD_EDU_CACHE, default ~/.cache/tinygrad_edu);
  4. a download from maintained mirrors into the cache, when `download` is true and the
     environment variable TINYGRAD_EDU_OFFLINE is not set (the test suite sets it);
  5. the MNIST test split shipped inside the package (tinygrad_edu/data/mnist_test/, CC BY-SA 3.0,
     see its LICENSE): only the two t10k files of MNIST, never Fashion-MNIST or a training file.
Places 1-3 may hold the files directly or in a `mnist/` (`fashion/`) folder, compressed (.gz,
taken first) or not. So offline, with no data directory, the test split is the shipped one, and
`mnist_splits` trains on it with the offline protocol. Every file that is used, found, downloaded
or shipped, compressed or not, must match its published SHA-256, and a file whose hash is not
known is refused: a damaged or edited copy can never be trained on (nor passed over for the
shipped one). Downloads are written to the cache atomically, so a half-written file is never
taken for a complete one.
"""
from __future__ import annotations

import hashlib
import os
from typing import Any

import numpy as np

from ..files import atomic_write
from .idx import DataError, read_idx

DATA_ENV, CACHE_ENV, OFFLINE_ENV = "TINYGRAD_EDU_DATA", "TINYGRAD_EDU_CACHE", "TINYGRAD_EDU_OFFLINE"

FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
         "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}

# The .gz files' hashes are the mirrors'; the uncompressed ones are those of the inflated .gz
# files (the MNIST test split's computed here, the others as several public projects list them).
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion": {
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}
EMBEDDED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist_test")  # MNIST's t10k files
MAX_DOWNLOAD = 64 << 20  # the largest published file is 26 MB; a mirror sending more is refused

MIRRORS = {
    "mnist": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/"],
    "fashion": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
}

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                   "Bag", "Ankle boot")


class DataNotFound(DataError):
    """A data file is in none of the places looked in and could not be downloaded."""


def data_dir() -> str | None:
    return os.environ.get(DATA_ENV) or None


def cache_dir() -> str:
    return os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "tinygrad_edu")


def load_mnist(split: str = "train", root: str | os.PathLike[str] | None = None, kind: str = "mnist",
               normalize: bool = True, flatten: bool = True, one_hot: bool = False,
               download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) of a split ("train": 60,000, "test": 10,000).

    images: float32 in [0, 1] (or uint8 0..255 with normalize=False), shape (N, 784) or, with
    flatten=False, (N, 1, 28, 28). labels: int64 (N,), or one-hot float32 (N, 10).
    """
    if split not in FILES:
        raise ValueError(f"load_mnist: split must be 'train' or 'test', got {split!r}")
    if kind not in SHA256:
        raise ValueError(f"load_mnist: kind must be 'mnist' or 'fashion', got {kind!r}")
    image_path, label_path = (locate(name, kind, root, download) for name in FILES[split])
    images, labels = read_idx(image_path), read_idx(label_path)
    check_pair(images, labels, image_path, label_path)
    x = images.astype(np.float32) / 255.0 if normalize else images
    x = x.reshape(len(x), -1) if flatten else x[:, None]
    y = np.eye(10, dtype=np.float32)[labels] if one_hot else labels.astype(np.int64)
    return x, y


def check_pair(images: np.ndarray, labels: np.ndarray, image_path: str, label_path: str) -> None:
    """Refuse, naming the file, anything but uint8 28x28 images with one label in 0..9 each."""
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DataError(f"{image_path}: {images.dtype} array of shape {images.shape}, but MNIST images are "
                        "uint8 of shape (N, 28, 28); this is not an MNIST image file")
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise DataError(f"{label_path}: {labels.dtype} array of shape {labels.shape}, but MNIST labels are "
                        "uint8 of shape (N,); this is not an MNIST label file")
    if len(labels) != len(images):
        raise DataError(f"{label_path}: {len(labels):,} labels for the {len(images):,} images of {image_path}; "
                        "the two files are not of the same split")
    if len(labels) and labels.max() > 9:
        i = int(np.argmax(labels > 9))
        raise DataError(f"{label_path}: label {labels[i]} at index {i}, but MNIST labels are 0..9; this is not "
                        "an MNIST label file")


def load_fashion_mnist(split: str = "train", **options: Any) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST: the same format and options as load_mnist (classes in FASHION_CLASSES)."""
    return load_mnist(split, kind="fashion", **options)


def locate(name: str, kind: str = "mnist", root: str | os.PathLike[str] | None = None, download: bool = True) -> str:
    """The path of a verified data file: the first found in root, the data directory or the
    cache (name.gz before the uncompressed name in each folder), else one downloaded into the
    cache (when allowed), else the copy shipped in the package (MNIST's test split only).

    Raises DataError naming a file found but not verified (it is never passed over for another),
    and DataNotFound, saying where to put the file, when there is none."""
    places = [p for p in (root, data_dir(), cache_dir()) if p]
    searched = []
    for place in places:
        for folder in (os.path.join(place, kind), place):
            for candidate in (name, name[:-3]):
                path = os.path.join(os.fspath(folder), candidate)
                searched.append(path)
                if os.path.isfile(path):
                    verify(path, SHA256[kind].get(candidate))
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
    shipped = embedded_path(name, kind)
    if shipped:
        verify(shipped, SHA256[kind][name])
        return shipped
    raise DataNotFound(
        f"{kind} file {name} was not found and could not be downloaded ({'; '.join(problems)}).\n"
        f"Looked in: {', '.join(searched)}.\nPut the file in one of these places, or set {DATA_ENV} "
        f"to a folder that holds it (or a '{kind}/' folder with it), or pass root= (--data-dir on the "
        "command line).")


def embedded_path(name: str, kind: str = "mnist") -> str | None:
    """The package's own copy of `name` (MNIST's two test-split files), or None."""
    path = os.path.join(EMBEDDED, name)
    return path if kind == "mnist" and os.path.isfile(path) else None


def fetch(name: str, kind: str, path: str) -> list | None:
    """Download `name` from the mirrors into `path`, verified; None on success, else the reasons."""
    import urllib.error
    import urllib.request  # here, not at the top: it costs 20 ms of every import otherwise

    problems = []
    for mirror in MIRRORS[kind]:
        try:
            with urllib.request.urlopen(mirror + name, timeout=30) as response:
                payload = response.read(MAX_DOWNLOAD + 1)
        except (urllib.error.URLError, OSError, ValueError) as e:
            problems.append(f"{mirror}: {getattr(e, 'reason', e)}")
            continue
        if len(payload) > MAX_DOWNLOAD:
            problems.append(f"{mirror}: sent more than {MAX_DOWNLOAD:,} bytes, so not the published file")
            continue
        digest = hashlib.sha256(payload).hexdigest()
        if digest != SHA256[kind][name]:
            problems.append(f"{mirror}: checksum mismatch (got {digest[:12]}...)")
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic_write(path, lambda f: f.write(payload))
        return None
    return problems


def verify(path: str, expected: str | None) -> None:
    """Check a file's SHA-256 against the published one; with none known, refuse the file."""
    if expected is None:
        raise DataError(f"{path}: no published SHA-256 is known for this file, so it cannot be checked; "
                        "delete it and put the published .gz file there instead")
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise DataError(f"{path}: SHA-256 {digest.hexdigest()} does not match the published {expected}; the "
                        "file is damaged or not the original: delete it (then the published file is looked for in the "
                        "other places, or downloaded again)")
