"""IDX files (the format of MNIST and Fashion-MNIST), read so that no file can hurt the reader.

The header declares the dtype and shape, so the size is known before any data is read: a size
over `max_bytes` is refused before anything is allocated, an uncompressed file must be exactly
as long as declared, a gzip file too short to inflate to it is refused too, and a gzip file is
inflated a chunk at a time into an array of the declared size, so one that inflates further (a
decompression bomb) is stopped one read buffer past it.
"""
from __future__ import annotations

import gzip
import math
import os
import zlib

import numpy as np

MAX_BYTES = 1 << 30  # 1 GiB: MNIST's largest file is 47 MB, EMNIST's about 550 MB
_CHUNK = 1 << 20  # inflated at a time: the most held beside the array while reading
_DEFLATE_RATIO = 1032  # deflate never inflates one byte to more than about 1032
_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DataError(Exception):
    """A data file is missing, truncated, corrupt or not the published one; the message says which."""


def read_idx(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> np.ndarray:
    """The array in an IDX file (gzip-compressed if its name ends in .gz), in native byte order.

    Raises DataError naming the file when it is not IDX, is truncated or corrupt, holds more or
    less data than its header declares, or declares more than `max_bytes`.
    """
    path = os.fspath(path)
    compressed = path.endswith(".gz")
    try:
        f = gzip.open(path, "rb") if compressed else open(path, "rb")
    except OSError as e:
        raise DataError(f"{path}: cannot be opened ({e.strerror or e})") from None
    with f:
        try:
            return _read(f, path, compressed, max_bytes)
        except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
            raise DataError(f"{path}: cannot be read{' as gzip' if compressed else ''} ({type(e).__name__}: "
                            f"{e}); it is truncated or corrupt") from None


def _read(f, path: str, compressed: bool, max_bytes: int) -> np.ndarray:
    magic = f.read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in _TYPES:
        raise DataError(f"{path}: not an IDX file (bad magic number)")
    dims = f.read(4 * magic[3])
    if len(dims) < 4 * magic[3]:
        raise DataError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(dims[i:i + 4], "big") for i in range(0, len(dims), 4))
    dtype = np.dtype(_TYPES[magic[2]])
    size = math.prod(shape) * dtype.itemsize
    if size > max_bytes:
        raise DataError(f"{path}: the IDX header declares {shape} = {size:,} bytes, over the limit of "
                        f"{max_bytes:,}; the header is damaged, or pass read_idx a larger max_bytes=")
    header, file_size = 4 + len(dims), os.fstat(f.fileno()).st_size
    if compressed and header + size > _DEFLATE_RATIO * file_size:
        raise DataError(f"{path}: the IDX header declares {shape} = {size:,} bytes, more than a gzip file of "
                        f"{file_size:,} bytes can hold (truncated or corrupt)")
    if not compressed and file_size != header + size:
        raise DataError(f"{path}: IDX data of {file_size - header:,} bytes, but the header promises {shape} = "
                        f"{size:,} bytes (truncated or corrupt)")
    data = np.empty(size, np.uint8)
    view, filled = memoryview(data), 0
    while filled < size:
        n = f.readinto(view[filled:filled + _CHUNK])
        if not n:
            raise DataError(f"{path}: IDX data of {filled:,} bytes, but the header promises {shape} = "
                            f"{size:,} bytes (truncated or corrupt)")
        filled += n
    if compressed and f.read(1):
        raise DataError(f"{path}: inflates past the {header + size:,} bytes its IDX header declares; it is "
                        "corrupt or a decompression bomb, not a data file (delete it)")
    array = data.view(dtype).reshape(shape)
    return array if dtype.isnative else array.astype(dtype.newbyteorder("="))
