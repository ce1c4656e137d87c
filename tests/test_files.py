"""Atomic writes: only regular files are replaced, permissions are kept, nothing is left behind,
and errors name the path the caller gave."""
import errno
import os
import stat

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import CheckpointError
from tinygrad_edu.files import atomic_write


def leftovers(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".partial"))


@pytest.mark.parametrize("kind", ["fifo", "directory", "devnull", "link to fifo", "link to directory",
                                  "link to devnull"])
def test_only_regular_files_are_replaced(tmp_path, kind):
    thing = {"fifo": tmp_path / "pipe", "directory": tmp_path / "folder", "devnull": os.devnull}[kind.split()[-1]]
    if kind.endswith("fifo"):
        os.mkfifo(thing)
    elif kind.endswith("directory"):
        thing.mkdir()
    path = tmp_path / "link" if kind.startswith("link") else thing
    if kind.startswith("link"):
        os.symlink(thing, path)
    before = os.lstat(path)
    words = {"fifo": "FIFO", "directory": "directory", "devnull": "character device"}[kind.split()[-1]]
    with pytest.raises(CheckpointError, match=f"{words}.*, not a regular file") as info:
        tg.save({"w": np.zeros(2)}, path)
    assert repr(str(path)) in str(info.value) and ".partial" not in str(info.value)
    with pytest.raises(OSError, match=words):
        atomic_write(path, lambda f: f.write(b"x"))
    after = os.lstat(path)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode) and not leftovers(tmp_path)


def test_a_link_to_a_regular_file_is_written_through(tmp_path):
    (tmp_path / "run1.safetensors").write_bytes(b"old")
    os.symlink("run1.safetensors", tmp_path / "latest.safetensors")
    tg.save({"w": np.arange(2.0)}, tmp_path / "latest.safetensors")
    assert os.readlink(tmp_path / "latest.safetensors") == "run1.safetensors"
    assert tg.load(tmp_path / "run1.safetensors")["w"].tolist() == [0.0, 1.0]


def test_permissions_are_kept_and_new_files_follow_the_umask(tmp_path):
    private = tmp_path / "private.safetensors"
    private.write_bytes(b"")
    os.chmod(private, 0o600)
    tg.save({"w": np.zeros(2)}, private)
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    mask = os.umask(0o027)
    try:
        tg.save({"w": np.zeros(2)}, tmp_path / "new.safetensors")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.safetensors").st_mode) == 0o640


def test_a_full_disk_leaves_the_old_file_whole_and_names_the_path(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    tg.save({"w": np.arange(3.0)}, path)
    before = path.read_bytes()

    def disk_full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(OSError) as info:
        atomic_write(path, lambda f: (f.write(b"partial"), disk_full()))
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(path)
    monkeypatch.setattr(os, "fsync", disk_full)  # the data reaches the disk only at fsync
    with pytest.raises(CheckpointError, match=f"cannot write {str(path)!r}: No space left on device"):
        tg.save({"w": np.zeros(9)}, path)
    monkeypatch.undo()
    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, lambda f: (f.write(b"partial"), (_ for _ in ()).throw(KeyboardInterrupt)))
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.safetensors"]


def test_errors_name_the_path_given_not_the_temporary_file(tmp_path):
    path = os.path.join("no", "such", "folder", "m.safetensors")
    with pytest.raises(CheckpointError, match=f"cannot write {path!r}: No such file or directory"):
        tg.save({"w": np.zeros(2)}, path)
    with pytest.raises(FileNotFoundError) as info:
        atomic_write(path, lambda f: f.write(b""))
    assert info.value.filename == path


def test_a_killed_writer_leaves_a_temporary_file_that_the_next_save_removes(tmp_path):
    path = tmp_path / "m.safetensors"
    pid = os.fork()
    if pid == 0:  # the writer, killed mid-write
        atomic_write(path, lambda f: (f.write(b"half"), f.flush(), os._exit(9)))
    os.waitpid(pid, 0)
    assert len(leftovers(tmp_path)) == 1 and not path.exists()
    others = [".m.safetensors.x.y.partial", ".m.safetensors2.abc.partial", ".other.abc.partial",
              "m.safetensors.partial"]
    for name in others:
        (tmp_path / name).write_bytes(b"not ours")
    (tmp_path / ".m.safetensors.old_one.partial").write_bytes(b"leftover")
    tg.save({"w": np.zeros(2)}, path)
    assert leftovers(tmp_path) == sorted(others) and tg.load(path)["w"].shape == (2,)
