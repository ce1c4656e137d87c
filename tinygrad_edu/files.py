"""Writing files so that nothing is lost or hurt: a crash mid-write never leaves a truncated file
under the real name, and only regular files are ever replaced (never a device such as
os.devnull, a FIFO or a directory, even through a symbolic link)."""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from collections.abc import Callable
from typing import BinaryIO

_KINDS = [(stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]


def atomic_write(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> None:
    """Call `write(binary_file)` on a temporary file `.<name>.<random>.partial` beside `path`,
    flush it to disk, then rename it over `path` in one step. A symbolic link is followed, so
    the file it names is replaced; an existing file keeps its permissions, a new one gets
    0666 minus the umask. On any error the temporary file is removed, `path` is left as it was,
    and an OSError names `path` (not the temporary file). Temporary files that a killed writer
    left beside `path` are removed first: run one writer per path at a time."""
    path = os.fspath(path)
    target = os.path.realpath(path)
    try:
        mode = _existing_mode(path, target)
        directory, name = os.path.split(target)
        _remove_leftovers(directory, name)
        fd, temporary = _create_temporary(directory, name)
    except OSError as e:
        renamed = _naming(e, path, e.filename)
        if renamed is None:
            raise
        raise renamed from e
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        renamed = _naming(e, path, temporary) if isinstance(e, OSError) else None
        if renamed is None:
            raise
        raise renamed from e
    _fsync_directory(directory)


def _existing_mode(path: str, target: str) -> int | None:
    """The permission bits of the regular file at `path`, None if there is none; anything else
    there is refused."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISREG(st.st_mode):
        return stat.S_IMODE(st.st_mode)
    kind = next((k for test, k in _KINDS if test(st.st_mode)), "an unknown kind of file")
    via = f" (a symbolic link to {target!r})" if os.path.islink(path) else ""
    raise OSError(f"{path!r}{via} is {kind}, not a regular file; refusing to replace it")


def _remove_leftovers(directory: str, name: str) -> None:
    """Delete the temporary files of writers of this path that were killed mid-write."""
    pattern = re.compile(rf"\.{re.escape(name)}\.[A-Za-z0-9_]+\.partial")  # the random part has no dot
    with os.scandir(directory) as entries:
        stale = [e.path for e in entries if pattern.fullmatch(e.name) and e.is_file(follow_symlinks=False)]
    for leftover in stale:
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.unlink(leftover)


def _create_temporary(directory: str, name: str) -> tuple[int, str]:
    """A new file beside the target, created with mode 0666 so that the umask applies as for
    any new file (no process-wide umask juggling, which would race with other threads)."""
    while True:
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.partial")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue


def _naming(error: OSError, path: str, ours) -> OSError | None:
    """The same error naming the path the caller gave, where it named `ours` (the temporary
    file, the target, its folder) or nothing; None where it is about something else."""
    if error.errno is None or error.filename not in (None, ours, os.path.realpath(path)):
        return None
    return OSError(error.errno, error.strerror, path)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (where the platform allows opening a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
