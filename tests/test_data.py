"""Datasets, the DataLoader, splits, IDX files (hostile ones too: bombs, lies about sizes),
checksums of compressed and uncompressed files, downloads (served locally), toy sets and
augmentation."""
import gzip
import hashlib
import io
import os
import struct
import subprocess
import sys
import tracemalloc
import urllib.request
import zlib

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import (Compose, DataLoader, Dataset, GaussianNoise, RandomRotation, RandomShift,
                               TensorDataset, load_digits, moons, random_split, spiral, study_sleep,
                               train_val_split, xor)
from tinygrad_edu.data import mnist, mnist_splits
from tinygrad_edu.data.mnist import DataError, DataNotFound, load_mnist, locate, read_idx


def test_loader_batches_every_sample_once_and_keeps_dtypes():
    x, y = np.arange(10, dtype=np.float32).reshape(10, 1), np.arange(10)
    batches = list(DataLoader((x, y), batch_size=4))
    assert [b[0].shape for b in batches] == [(4, 1), (4, 1), (2, 1)] and len(DataLoader((x, y), 4)) == 3
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64
    assert len(list(DataLoader((x, y), batch_size=4, drop_last=True))) == 2
    shuffled = DataLoader((x, y), batch_size=3, shuffle=True, generator=0)
    epoch1, epoch2 = (np.concatenate([b[1].numpy() for b in shuffled]) for _ in range(2))
    assert sorted(epoch1) == list(range(10)) and not np.array_equal(epoch1, epoch2)
    again = np.concatenate([b[1].numpy() for b in DataLoader((x, y), batch_size=3, shuffle=True,
                                                             generator=0)])
    assert np.array_equal(epoch1, again)


def test_loader_state_continues_the_same_sequence():
    data = (np.arange(20.0).reshape(20, 1), np.arange(20))
    a = DataLoader(data, batch_size=5, shuffle=True, generator=1)
    list(a)
    state = a.state_dict()
    expected = [b[1].numpy() for b in a]
    b = DataLoader(data, batch_size=5, shuffle=True, generator=99)
    b.load_state_dict(state)
    assert all(np.array_equal(p, q[1].numpy()) for p, q in zip(expected, b))


def test_a_custom_dataset_and_a_subset():
    class Squares(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return np.float32(i), np.int64(i * i)

    x, y = next(iter(DataLoader(Squares(), batch_size=6)))
    assert y.numpy().tolist() == [0, 1, 4, 9, 16, 25]
    parts = random_split(Squares(), [0.5, 0.5], generator=0)
    assert [len(p) for p in parts] == [3, 3]
    assert sorted(np.concatenate([p.batch(np.arange(3))[1] for p in parts]).tolist()) == [0, 1, 4, 9, 16, 25]
    with pytest.raises(ValueError, match="do not add up"):
        random_split(Squares(), [2, 2])


def test_train_val_split_holds_out_a_shuffled_fifth():
    x, y = np.arange(100).reshape(100, 1), np.arange(100)
    (xt, yt), (xv, yv) = train_val_split(x, y, generator=0)
    assert len(xv) == 20 and len(xt) == 80 and sorted(np.concatenate([yt, yv])) == list(range(100))
    assert not np.array_equal(yv, np.arange(80, 100)) and np.array_equal(xv[:, 0], yv)


def test_loader_errors():
    with pytest.raises(ValueError, match="different lengths"):
        TensorDataset(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader((np.zeros(3),), batch_size=0)
    with pytest.raises(TypeError, match="Dataset"):
        DataLoader(42)


# ---------------------------------------------------------------------- IDX files and MNIST


def idx_bytes(array: np.ndarray) -> bytes:
    codes = {np.uint8: 0x08, np.int8: 0x09, np.int32: 0x0C}
    header = bytes([0, 0, codes[array.dtype.type], array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.fixture
def fake_mnist(tmp_path, monkeypatch):
    """A tiny MNIST-format test split in tmp_path/data/mnist, with its checksums registered."""
    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8), rng.integers(0, 10, 12).astype(np.uint8)
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    sums = {}
    for name, array in (("t10k-images-idx3-ubyte.gz", images), ("t10k-labels-idx1-ubyte.gz", labels)):
        payload = gzip.compress(idx_bytes(array))
        (folder / name).write_bytes(payload)
        sums[name] = hashlib.sha256(payload).hexdigest()
    monkeypatch.setitem(mnist.SHA256, "mnist", {**mnist.SHA256["mnist"], **sums})
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("TINYGRAD_EDU_CACHE", str(tmp_path / "cache"))
    return images, labels, folder


def test_idx_round_trip_and_loader_options(fake_mnist):
    images, labels, folder = fake_mnist
    x, y = load_mnist("test", download=False)
    assert x.shape == (12, 784) and x.dtype == np.float32 and x.max() <= 1.0 and y.dtype == np.int64
    np.testing.assert_allclose(x.reshape(12, 28, 28), images / 255.0, rtol=1e-6)
    x, y = load_mnist("test", flatten=False, normalize=False, one_hot=True, download=False)
    assert x.shape == (12, 1, 28, 28) and x.dtype == np.uint8 and y.shape == (12, 10) and (y.argmax(1) == labels).all()
    raw = folder / "raw"
    raw.mkdir()
    (raw / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(labels))
    np.testing.assert_array_equal(read_idx(str(raw / "t10k-labels-idx1-ubyte")), labels)


def test_an_explicit_root_comes_first(fake_mnist, tmp_path):
    assert locate("t10k-labels-idx1-ubyte.gz", root=str(fake_mnist[2].parent), download=False).startswith(str(tmp_path))


def test_truncated_and_corrupt_files_name_the_file(fake_mnist, tmp_path):
    folder = fake_mnist[2]
    data = (folder / "t10k-images-idx3-ubyte.gz").read_bytes()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "truncated.gz").write_bytes(data[: len(data) // 2])
    (bad / "short-idx").write_bytes(idx_bytes(np.zeros((3, 4), np.uint8))[:-5])
    (bad / "not-idx").write_bytes(b"hello world")
    for name, message in [("truncated.gz", "truncated or corrupt"), ("short-idx", "header promises"),
                          ("not-idx", "bad magic number")]:
        with pytest.raises(DataError, match=message) as info:
            read_idx(str(bad / name))
        assert name in str(info.value)


def test_a_checksum_mismatch_is_refused(fake_mnist):
    folder = fake_mnist[2]
    path = folder / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(12, np.uint8))))
    with pytest.raises(DataError, match="does not match the published") as info:
        load_mnist("test", download=False)
    assert str(path) in str(info.value)


def test_missing_files_offline_say_where_to_put_them(fake_mnist):
    with pytest.raises(DataError) as info:
        load_mnist("train", download=False)
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz" in message and "TINYGRAD_EDU_DATA" in message and "Looked in" in message


def test_download_is_verified_and_written_atomically_to_the_cache(fake_mnist, monkeypatch, tmp_path):
    monkeypatch.delenv("TINYGRAD_EDU_OFFLINE")  # the "server" below is a function in this process
    good = gzip.compress(idx_bytes(np.arange(5, dtype=np.uint8)))
    monkeypatch.setitem(mnist.SHA256, "mnist", {**mnist.SHA256["mnist"],
                                                "train-labels-idx1-ubyte.gz": hashlib.sha256(good).hexdigest()})
    served = {"payload": b"tampered"}

    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: Response(served["payload"]))
    with pytest.raises(DataError, match="checksum mismatch"):
        locate("train-labels-idx1-ubyte.gz")
    cache = tmp_path / "cache" / "mnist"
    assert not cache.exists() or not os.listdir(cache)  # nothing half-written is left
    served["payload"] = good
    path = locate("train-labels-idx1-ubyte.gz")
    assert path == str(cache / "train-labels-idx1-ubyte.gz") and os.listdir(cache) == ["train-labels-idx1-ubyte.gz"]
    np.testing.assert_array_equal(read_idx(path), np.arange(5))


def register(folder, name: str, payload: bytes, monkeypatch) -> None:
    """Write a data file and register its SHA-256, as if it were the published one."""
    (folder / name).write_bytes(payload)
    monkeypatch.setitem(mnist.SHA256["mnist"], name, hashlib.sha256(payload).hexdigest())


def test_an_uncompressed_copy_is_verified_too(fake_mnist, tmp_path, monkeypatch):
    """The issue's case: a copy with half the labels shifted, uncompressed, in a place searched
    before the verified .gz, loaded silently; now it is refused, naming it and what to do."""
    images, labels, _ = fake_mnist
    root = tmp_path / "root"
    root.mkdir()
    register(root, "t10k-labels-idx1-ubyte", idx_bytes(labels), monkeypatch)
    np.testing.assert_array_equal(load_mnist("test", root=root, download=False)[1], labels)
    shifted = labels.copy()
    shifted[6:] = (shifted[6:] + 1) % 10
    (root / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(shifted))
    with pytest.raises(DataError, match="does not match the published .* delete it") as info:
        load_mnist("test", root=root, download=False)
    assert str(root / "t10k-labels-idx1-ubyte") in str(info.value)


def test_an_uncompressed_file_without_a_known_hash_is_refused(fake_mnist, tmp_path, monkeypatch):
    monkeypatch.delitem(mnist.SHA256["mnist"], "t10k-labels-idx1-ubyte")
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(fake_mnist[1]))
    with pytest.raises(DataError, match="no published SHA-256 is known .* put the published .gz") as info:
        locate("t10k-labels-idx1-ubyte.gz", root=tmp_path, download=False)
    assert str(tmp_path / "t10k-labels-idx1-ubyte") in str(info.value)


def test_the_gz_comes_first_in_a_folder(fake_mnist):
    _, labels, folder = fake_mnist
    (folder / "t10k-labels-idx1-ubyte").write_bytes(b"anything: never read while the .gz is beside it")
    np.testing.assert_array_equal(load_mnist("test", download=False)[1], labels)


def test_the_uncompressed_hashes_are_those_of_the_published_files():
    folder = mnist.EMBEDDED  # the real MNIST test split, shipped in the package
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        with gzip.open(os.path.join(folder, name)) as f:
            assert hashlib.sha256(f.read()).hexdigest() == mnist.SHA256["mnist"][name[:-3]], name


@pytest.mark.parametrize("which, array, message", [
    ("labels", np.full(12, 10, np.uint8), r"label 10 at index 0, but MNIST labels are 0\.\.9"),
    ("labels", np.zeros(11, np.uint8), "11 labels for the 12 images"),
    ("labels", np.zeros(12, np.int32), "int32 array of shape \\(12,\\), but MNIST labels are uint8"),
    ("images", np.zeros((12, 27, 28), np.uint8), "shape \\(12, 27, 28\\), but MNIST images are uint8 of shape"),
    ("images", np.zeros((12, 28, 28), np.int8), "int8 array"),
])
def test_labels_and_shapes_are_validated(fake_mnist, monkeypatch, which, array, message):
    """What a verified hash cannot catch (a hash registered for the wrong file) is caught here."""
    name = f"t10k-{which}-idx{1 if which == 'labels' else 3}-ubyte.gz"
    register(fake_mnist[2], name, gzip.compress(idx_bytes(array)), monkeypatch)
    with pytest.raises(DataError, match=message) as info:
        load_mnist("test", download=False)
    assert name in str(info.value)


def test_a_damaged_training_split_is_an_error_not_a_fallback(fake_mnist, monkeypatch):
    folder = fake_mnist[2]
    (_, _), (_, y_test), about = mnist_splits(download=False)
    assert "offline protocol" in about and len(y_test) == 12  # no training split: the protocol
    register(folder, "train-images-idx3-ubyte.gz", gzip.compress(idx_bytes(fake_mnist[0])), monkeypatch)
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(b"damaged")
    with pytest.raises(DataError, match="does not match the published") as info:
        mnist_splits(download=False)
    assert not isinstance(info.value, DataNotFound) and "train-labels-idx1-ubyte.gz" in str(info.value)


def test_a_mirror_sending_too_much_is_refused(fake_mnist, monkeypatch, tmp_path):
    monkeypatch.delenv("TINYGRAD_EDU_OFFLINE")
    monkeypatch.setattr(mnist, "MAX_DOWNLOAD", 1000)

    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: Response(bytes(5000)))
    with pytest.raises(DataNotFound, match="sent more than 1,000 bytes"):
        locate("train-labels-idx1-ubyte.gz")
    assert not (tmp_path / "cache" / "mnist").exists()


# ---------------------------------------------------------------------- hostile IDX files


def gzip_bomb(declared: tuple, extra: int) -> bytes:
    """A valid gzip file of an IDX header declaring `declared` uint8 values, then `extra` more
    zero bytes than declared. Built from one fully flushed 1 MiB deflate block repeated, so
    making a 1 GiB bomb costs 0.2 s, not a gigabyte of compression."""
    header = bytes([0, 0, 8, len(declared)]) + b"".join(d.to_bytes(4, "big") for d in declared)
    block = bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = deflate.compress(header) + deflate.flush(zlib.Z_FULL_FLUSH)
    zeros = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    blocks = (int(np.prod(declared)) + extra) // len(block)
    crc = zlib.crc32(header)
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    trailer = struct.pack("<II", crc, (len(header) + blocks * len(block)) & 0xFFFFFFFF)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + head + zeros * blocks + deflate.flush() + trailer


MNIST_TEST_IMAGES = (10000, 28, 28)  # 7,840,000 bytes declared, as the real t10k-images file
DECLARED = 16 + 7_840_000


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """1 MB on disk, 1 GiB more than declared once inflated (the old reader peaked at 2.2 GB)."""
    path = tmp_path_factory.mktemp("bomb") / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(gzip_bomb(MNIST_TEST_IMAGES, 1 << 30))
    assert path.stat().st_size < 2 << 20
    return path


def test_a_gzip_bomb_is_stopped_just_past_its_declared_size(bomb):
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="inflates past the 7,840,016 bytes .* decompression bomb") as info:
            read_idx(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(bomb) in str(info.value)
    assert peak < DECLARED + (4 << 20), f"{peak:,} bytes allocated at the peak"


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux only")
def test_a_gzip_bomb_costs_the_process_little_more_than_the_declared_size(bomb):
    """What the machine feels: the reader's peak resident memory, measured in a fresh process."""
    code = ("import resource, sys\nfrom tinygrad_edu.data.idx import DataError, read_idx\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "try:\n    read_idx(sys.argv[1])\nexcept DataError:\n    pass\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)")
    result = subprocess.run([sys.executable, "-c", code, str(bomb)], capture_output=True, text=True, timeout=120,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert result.returncode == 0, result.stderr
    grown = int(result.stdout) * 1024
    assert grown < DECLARED + (16 << 20), f"peak resident memory grew by {grown:,} bytes"


@pytest.mark.parametrize("name", ["huge-idx2-ubyte", "huge-idx2-ubyte.gz"])
def test_a_declared_terabyte_is_refused_before_reading(tmp_path, name):
    header = bytes([0, 0, 8, 2]) + (1 << 20).to_bytes(4, "big") * 2  # (2**20, 2**20) uint8: 1 TiB
    path = tmp_path / name
    path.write_bytes(gzip.compress(header + bytes(100)) if name.endswith(".gz") else header + bytes(100))
    with pytest.raises(DataError, match=r"declares \(1048576, 1048576\) = 1,099,511,627,776 bytes, over the limit"
                       ) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_the_size_limit_can_be_raised(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(idx_bytes(np.arange(12, dtype=np.uint8)))
    with pytest.raises(DataError, match="over the limit of 11"):
        read_idx(path, max_bytes=11)
    np.testing.assert_array_equal(read_idx(path, max_bytes=12), np.arange(12))


def test_sizes_that_lie_are_refused_without_allocating_them(tmp_path):
    header = bytes([0, 0, 8, 1]) + (512 << 20).to_bytes(4, "big")  # 512 MiB declared, 10 bytes given
    (tmp_path / "short").write_bytes(header + bytes(10))
    (tmp_path / "short.gz").write_bytes(gzip.compress(header + bytes(10)))
    (tmp_path / "long").write_bytes(idx_bytes(np.zeros(3, np.uint8)) + b"extra")
    (tmp_path / "long.gz").write_bytes(gzip.compress(idx_bytes(np.zeros(3, np.uint8)) + b"extra"))
    cases = [("short", "IDX data of 10 bytes, but the header promises"),
             ("short.gz", "more than a gzip file of .* bytes can hold"),
             ("long", "IDX data of 8 bytes, but the header promises"), ("long.gz", "inflates past the 11 bytes")]
    tracemalloc.start()
    try:
        for name, message in cases:
            with pytest.raises(DataError, match=message) as info:
                read_idx(tmp_path / name)
            assert str(tmp_path / name) in str(info.value)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 << 20


def test_multi_byte_idx_values_come_back_in_native_order(tmp_path):
    values = np.array([[1, -2], [70000, -(1 << 31)]], np.int32)
    (tmp_path / "ints.gz").write_bytes(gzip.compress(idx_bytes(values)))
    array = read_idx(tmp_path / "ints.gz")
    assert array.dtype == np.int32 and array.dtype.isnative and array.flags.writeable
    np.testing.assert_array_equal(array, values)


# ---------------------------------------------------------------------- toy data and augmentation


def test_toy_datasets():
    x, y = spiral(50, 3, generator=0)
    assert x.shape == (150, 2) and x.dtype == np.float32 and np.bincount(y).tolist() == [50, 50, 50]
    x, y = xor(100, generator=0)
    assert set(y.tolist()) == {0, 1} and x.shape == (100, 2)
    assert moons(60, generator=0)[0].shape == (60, 2)
    hours, scores = study_sleep()
    assert hours.max() == 1.0
    np.testing.assert_allclose(scores, [[0.75], [0.82], [0.93]], rtol=1e-6)
    digits, labels = load_digits()
    assert digits.shape == (1797, 64) and digits.max() <= 1.0 and set(labels.tolist()) == set(range(10))


def test_augmentation_keeps_shapes_and_is_seedable():
    images = np.zeros((5, 28, 28), np.float32)
    images[:, 8:20, 12:16] = 1.0
    rotated = RandomRotation(12)(images, np.random.default_rng(0))
    assert rotated.shape == images.shape and not np.array_equal(rotated, images)
    np.testing.assert_allclose(rotated.sum(axis=(1, 2)), images.sum(axis=(1, 2)), rtol=0.05)
    assert np.array_equal(rotated, RandomRotation(12)(images, np.random.default_rng(0)))
    np.testing.assert_allclose(RandomRotation(0)(images, 0), images, atol=1e-6)
    shifted = RandomShift(2, image_shape=(28, 28))(images.reshape(5, 784), np.random.default_rng(1))
    assert shifted.shape == (5, 784) and np.allclose(shifted.sum(axis=1), 48)
    noisy = GaussianNoise(0.5)(images[:, None], 3)
    assert noisy.shape == (5, 1, 28, 28) and noisy.min() >= 0 and noisy.max() <= 1
    both = Compose(RandomRotation(12), RandomShift(1))(images, np.random.default_rng(2))
    assert both.shape == images.shape
    with pytest.raises(ValueError, match="image_shape"):
        RandomShift(1)(images.reshape(5, 784), 0)


def test_loader_applies_augmentation_per_batch():
    images, labels = np.ones((8, 28, 28), np.float32), np.arange(8)
    loader = DataLoader((images, labels), batch_size=4, transform=GaussianNoise(0.3), generator=0)
    first = [x.numpy() for x, _ in loader]
    assert not np.array_equal(first[0], images[:4]) and first[0].shape == (4, 28, 28)
    assert isinstance(next(iter(loader))[0], tg.Tensor)


def test_offline_with_no_data_directory_the_shipped_test_split_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("TINYGRAD_EDU_CACHE", str(tmp_path / "no-cache"))
    path = locate("t10k-labels-idx1-ubyte.gz")
    assert path == os.path.join(mnist.EMBEDDED, "t10k-labels-idx1-ubyte.gz")
    (x, y), (x_test, y_test), about = mnist_splits()
    assert x.shape == (8000, 784) and x_test.shape == (2000, 784) and "shipped with tinygrad_edu" in about
    assert y[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # the first ten labels of MNIST's test split
    with pytest.raises(DataNotFound):  # only MNIST's test split is shipped
        locate("t10k-labels-idx1-ubyte.gz", kind="fashion")
    with pytest.raises(DataNotFound):
        locate("train-labels-idx1-ubyte.gz")


def test_the_shipped_files_are_verified_like_any_other(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("TINYGRAD_EDU_CACHE", str(tmp_path / "no-cache"))
    monkeypatch.setitem(mnist.SHA256, "mnist", {**mnist.SHA256["mnist"], "t10k-labels-idx1-ubyte.gz": "0" * 64})
    with pytest.raises(DataError, match="does not match the published") as info:
        locate("t10k-labels-idx1-ubyte.gz")
    assert mnist.EMBEDDED in str(info.value)


def test_a_data_directory_comes_before_the_shipped_files(fake_mnist):
    _, labels, folder = fake_mnist
    np.testing.assert_array_equal(load_mnist("test", download=False)[1], labels)  # 12 fake images, not 10,000
