"""Checkpoints: round trips, atomic writes, and clear refusals of bad files."""
import os
import zipfile

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import CheckpointError, nn
from tinygrad_edu.files import atomic_write


def model():
    return nn.Sequential(nn.Linear(4, 3, generator=0), nn.BatchNorm1d(3), nn.Linear(3, 2, generator=1))


def test_model_round_trip_is_bit_for_bit(tmp_path):
    a = model()
    a(tg.randn(5, 4))
    tg.save(a, tmp_path / "m.npz")
    b = model()
    b.load_state_dict(tg.load(tmp_path / "m.npz"))
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), name


def test_nested_training_state_round_trips(tmp_path):
    state = {"model": model().state_dict(), "epoch": 3, "lr": 0.01, "name": "adam", "done": False, "note": None,
             "groups": [{"lr": 0.1, "params": [0, 1]}, {"lr": 0.2, "params": []}], "empty": {},
             "rng": np.random.default_rng(0).bit_generator.state["state"]["state"]}
    tg.save(state, tmp_path / "c.npz")
    back = tg.load(tmp_path / "c.npz")
    assert back["epoch"] == 3 and back["lr"] == 0.01 and back["name"] == "adam" and back["done"] is False
    assert back["note"] is None and back["empty"] == {} and back["rng"] == state["rng"]
    assert back["groups"] == [{"lr": 0.1, "params": [0, 1]}, {"lr": 0.2, "params": []}]
    assert list(back["model"]) == list(state["model"])


def test_unsavable_values_are_refused_before_writing(tmp_path):
    for bad, message in [({"f": lambda: 0}, "function"), ({"a/b": 1}, "key 'a/b'"),
                         ({"o": np.array([object()])}, "object")]:
        with pytest.raises(CheckpointError, match=message):
            tg.save(bad, tmp_path / "x.npz")
    assert not os.listdir(tmp_path)


def test_a_crash_mid_write_leaves_the_old_file_whole(tmp_path):
    path = tmp_path / "m.npz"
    tg.save({"w": np.arange(3.0)}, path)
    before = path.read_bytes()

    def crash(f):
        f.write(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, crash)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.npz"]


def test_truncated_corrupted_and_foreign_files_give_clear_errors(tmp_path):
    good = tmp_path / "good.npz"
    tg.save(model(), good)
    data = good.read_bytes()
    (tmp_path / "truncated.npz").write_bytes(data[: len(data) // 2])
    corrupted = bytearray(data)
    middle = len(corrupted) // 2
    corrupted[middle:middle + 64] = bytes(64)
    (tmp_path / "corrupted.npz").write_bytes(bytes(corrupted))
    np.savez(tmp_path / "foreign.npz", w=np.zeros(2))
    (tmp_path / "text.npz").write_text("hello")
    for name, message in [("truncated.npz", "truncated or corrupt"), ("corrupted.npz", "corrupt"),
                          ("foreign.npz", "not a tinygrad_edu checkpoint"), ("text.npz", "truncated or corrupt"),
                          ("missing.npz", "there is no file")]:
        with pytest.raises(CheckpointError, match=message) as info:
            tg.load(tmp_path / name)
        assert name in str(info.value)


def test_a_checkpoint_crafted_to_hold_a_pickle_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    tg.save({"w": np.zeros(2)}, path)
    with zipfile.ZipFile(path, "a") as archive:  # add a pickled object array and list it as an array
        with archive.open("payload.npy", "w") as f:
            np.lib.format.write_array(f, np.array([{"run": "code"}], dtype=object), allow_pickle=True)
    meta = tg.load.__globals__["json"].loads(str(np.load(path)["__tinygrad_edu__"]))
    meta["arrays"].append("payload")
    rewritten = tmp_path / "evil2.npz"
    with np.load(path, allow_pickle=True) as original:
        entries = {k: original[k] for k in original.files if k != "__tinygrad_edu__"}
    np.savez(rewritten, __tinygrad_edu__=np.array(tg.load.__globals__["json"].dumps(meta)), **entries)
    with pytest.raises(CheckpointError, match="pickled Python objects"):
        tg.load(rewritten)
    np.save(tmp_path / "plain.npy", np.array([object()], dtype=object), allow_pickle=True)
    with pytest.raises(CheckpointError, match="pickled"):
        tg.load(tmp_path / "plain.npy")
    import pickle
    (tmp_path / "raw.pkl").write_bytes(pickle.dumps({"w": [1, 2]}))
    with pytest.raises(CheckpointError, match="is a pickle"):
        tg.load(tmp_path / "raw.pkl")


def test_mismatched_checkpoint_lists_keys_and_shapes(tmp_path):
    tg.save(nn.Sequential(nn.Linear(4, 5), nn.Linear(5, 2)), tmp_path / "other.npz")
    with pytest.raises(RuntimeError, match=r"missing keys.*unexpected keys|wrong shapes"):
        model().load_state_dict(tg.load(tmp_path / "other.npz"))


def test_a_newer_format_version_is_explained(tmp_path):
    path = tmp_path / "future.npz"
    np.savez(path, __tinygrad_edu__=np.array('{"format": "tinygrad_edu.checkpoint", "version": 99, '
                                             '"arrays": [], "values": {}, "lists": []}'))
    with pytest.raises(CheckpointError, match="newer"):
        tg.load(path)
