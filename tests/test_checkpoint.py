"""Checkpoints: safetensors files that PyTorch reads and writes, exact round trips of any key,
version-1 .npz files still loading, and clear refusals of what is not a checkpoint."""
import os
import pickle
import zipfile

import numpy as np
import pytest
from checkpoint_samples import save_version_1, same
from safetensors import safe_open

import tinygrad_edu as tg
from tinygrad_edu import CheckpointError, nn, optim
from tinygrad_edu.nn import functional as F


def model():
    return nn.Sequential(nn.Linear(4, 3, generator=0), nn.BatchNorm1d(3), nn.Linear(3, 2, generator=1))


def trained(m):
    m(tg.randn(5, 4))  # training mode: the running statistics move away from 0 and 1
    return m


def test_model_round_trip_is_bit_for_bit(tmp_path):
    a = trained(model())
    tg.save(a, tmp_path / "m.safetensors")
    b = model()
    b.load_state_dict(tg.load(tmp_path / "m.safetensors"))
    assert same(a.state_dict(), b.state_dict())


def test_a_state_dict_is_a_plain_safetensors_file(tmp_path):
    state = trained(model()).state_dict()
    tg.save(state, tmp_path / "m.safetensors")
    with safe_open(tmp_path / "m.safetensors", framework="numpy") as f:
        assert sorted(f.keys()) == sorted(state)
        assert all(same(state[k], f.get_tensor(k)) for k in state)
        meta = f.metadata()
    assert meta["format"] == "pt" and '"format":"tinygrad_edu.checkpoint","version":2' in meta["tinygrad_edu"]


def test_nested_training_state_round_trips_exactly(tmp_path):
    state = {"model": model().state_dict(), "epoch": 3, "lr": 0.01, "name": "adam", "done": False, "note": None,
             "groups": [{"lr": 0.1, "params": [0, 1], "betas": (0.9, 0.999)}, {"lr": 0.2, "params": []}],
             "empty": {}, "empty_tuple": (), "nan": float("nan"), "inf": -float("inf"), "huge": 2 ** 127 + 1,
             "rng": np.random.default_rng(0).bit_generator.state, "scalar": np.float32(1.5), "count": np.int64(7),
             "complex": np.arange(4) * (1 + 2j), "z": np.complex128(1 - 1j), "half": np.ones((2, 0), np.float16),
             "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)), "strided": np.arange(10)[::3],
             "tensor": tg.tensor([1.0, 2.0]), "flags": np.array([True, False]),
             "u64": np.array([2 ** 64 - 1], np.uint64)}
    tg.save(state, tmp_path / "c.npz")  # the extension does not matter: the content is safetensors
    back = tg.load(tmp_path / "c.npz")
    assert same(state, back)
    assert back["groups"][0]["betas"] == (0.9, 0.999) and back["fortran"].flags.writeable


def test_trainer_checkpoint_is_safetensors_and_a_version_1_checkpoint_still_resumes(tmp_path):
    X = np.random.default_rng(0).standard_normal((48, 4)).astype(np.float32)
    Y = (X[:, 0] > 0).astype(np.int64)

    def make():
        m = nn.Sequential(nn.Linear(4, 8, generator=0), nn.Dropout(0.2, generator=1), nn.Linear(8, 2, generator=2))
        opt = optim.Adam(m.parameters(), lr=0.01)
        return m, tg.Trainer(m, F.cross_entropy, opt, optim.lr_scheduler.StepLR(opt, 2, 0.5), progress=False)

    half_model, half = make()
    half.fit((X, Y), epochs=2, batch_size=16, generator=7)
    half.save_checkpoint(tmp_path / "v2.ckpt")
    save_version_1(half.state_dict(), tmp_path / "v1.npz")
    with safe_open(tmp_path / "v2.ckpt", framework="numpy") as f:
        assert "model/0.weight" in f.keys() and "optimizer/state/0/m" in f.keys()
    finals = []
    for name in ("v2.ckpt", "v1.npz"):
        resumed_model, resumed = make()
        resumed.load_checkpoint(tmp_path / name)
        resumed.fit((X, Y), epochs=4, batch_size=16, generator=1)
        finals.append((resumed_model.state_dict(), resumed.history["loss"]))
    assert same(finals[0][0], finals[1][0]) and finals[0][1] == finals[1][1]


@pytest.mark.parametrize("keys", [("w", "w.npy"), ("__tinygrad_edu__.npy", "__tinygrad_edu__"), (1, "1"),
                                  ("\x00", ""), ("a/b", "a"), ("__metadata__", "\ud800")],
                         ids=["npy-suffix", "metadata-name", "int-and-str", "nul-and-empty", "slash", "reserved"])
def test_any_str_or_int_key_round_trips_exactly(tmp_path, keys):
    first, second = keys
    nested = {"a": {"b": np.ones(1)}} if second == "a" else {}
    state = {first: np.arange(3.0), second: "text", "inner": {first: 1, second: np.zeros(2)}, **nested}
    tg.save(state, tmp_path / "k.safetensors")
    assert same(state, tg.load(tmp_path / "k.safetensors"))


@pytest.mark.parametrize("key", [True, 1.5, None, (1, 2), np.int64(1), b"w"])
def test_keys_that_would_not_round_trip_are_refused_naming_them(tmp_path, key):
    with pytest.raises(CheckpointError, match=f"key {key!r} in 'model/layer'".replace("(", r"\(").replace(")", r"\)")):
        tg.save({"model": {"layer": {key: np.zeros(1)}}}, tmp_path / "x.safetensors")
    assert not os.listdir(tmp_path)


def test_unsavable_values_are_refused_before_writing(tmp_path):
    loop = {"a": 1}
    loop["self"] = loop
    for bad, message in [({"f": lambda: 0}, "'f' is a function"),
                         ({"o": np.array([object()])}, "'o' is an array of object"),
                         ({"s": np.array(["text"])}, "'s' is an array of <U4"), ({"x": 1j}, "'x' is a complex"),
                         ({"loop": loop}, "nested more than 64 deep"), ({"n": 10 ** 5000}, "digits"),
                         ({"t": {"x": {"y": set()}}}, "'t/x/y' is a set")]:
        with pytest.raises(CheckpointError, match=message):
            tg.save(bad, tmp_path / "x.safetensors")
    assert not os.listdir(tmp_path)


def test_a_tinygrad_model_gives_pytorch_the_same_outputs(tmp_path, torch):
    from safetensors.torch import load_file
    ours = trained(nn.Sequential(nn.Linear(4, 6, generator=0), nn.BatchNorm1d(6), nn.ReLU(),
                                 nn.Linear(6, 2, generator=1)))
    tg.save(ours, tmp_path / "ours.safetensors")
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(), torch.nn.Linear(6, 2))
    theirs.load_state_dict(load_file(tmp_path / "ours.safetensors"))  # strict: num_batches_tracked is optional there
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(theirs.eval()(torch.from_numpy(x)).detach().numpy(), ours.eval()(tg.tensor(x)).numpy(),
                               rtol=1e-6, atol=1e-6)


def test_pytorch_weights_give_a_tinygrad_model_the_same_outputs(tmp_path, torch):
    from safetensors.torch import save_file
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.ReLU(), torch.nn.Flatten(),
                                 torch.nn.Linear(12, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    theirs(torch.randn(8, 1, 4, 4))  # moves the running statistics and counts num_batches_tracked
    save_file(theirs.state_dict(), tmp_path / "theirs.safetensors")
    x = np.random.default_rng(2).standard_normal((5, 1, 4, 4)).astype(np.float32)
    expected = theirs.eval()(torch.from_numpy(x)).detach().numpy()
    for state in (tg.load(tmp_path / "theirs.safetensors"), theirs.state_dict()):  # a file, or torch tensors
        ours = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 4),
                             nn.BatchNorm1d(4), nn.Linear(4, 2))
        missing, unexpected = ours.load_state_dict(state)
        assert missing == [] and unexpected == []
        np.testing.assert_allclose(ours.eval()(tg.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_num_batches_tracked_is_skipped_only_beside_running_statistics():
    state = dict(model().state_dict(), **{"1.num_batches_tracked": np.array(5), "0.num_batches_tracked": np.array(5)})
    with pytest.raises(RuntimeError, match=r"unexpected keys: \['0.num_batches_tracked'\]"):
        model().load_state_dict(state)
    del state["0.num_batches_tracked"]
    assert model().load_state_dict(state) == ([], [])


def test_a_trainer_checkpoint_passed_to_load_state_dict_gets_a_hint(tmp_path):
    tg.save({"model": model().state_dict(), "epoch": 1}, tmp_path / "c.safetensors")
    with pytest.raises(RuntimeError, match=r"pass state\['model'\]"):
        model().load_state_dict(tg.load(tmp_path / "c.safetensors"))


def test_files_are_told_apart_by_content_not_name(tmp_path):
    tg.save({"w": np.arange(3.0)}, tmp_path / "a.npz")
    save_version_1({"w": np.arange(3.0)}, tmp_path / "b.safetensors")
    from safetensors.numpy import save_file
    save_file({"w": np.arange(3.0)}, tmp_path / "c.pt")
    for name in ("a.npz", "b.safetensors", "c.pt"):
        assert same({"w": np.arange(3.0)}, tg.load(tmp_path / name, weights_only=True, map_location="cpu")), name


def test_foreign_and_broken_files_give_clear_errors(tmp_path, torch):
    good = tmp_path / "good.safetensors"
    tg.save(trained(model()), good)
    data = good.read_bytes()
    (tmp_path / "truncated.safetensors").write_bytes(data[: len(data) // 2])
    damaged = bytearray(data)
    damaged[-20:-10] = bytes(10)
    (tmp_path / "damaged.safetensors").write_bytes(bytes(damaged))
    np.savez(tmp_path / "foreign.npz", w=np.zeros(2))
    np.save(tmp_path / "array.npy", np.zeros(2))
    np.save(tmp_path / "objects.npy", np.array([object()], dtype=object), allow_pickle=True)
    (tmp_path / "raw.pkl").write_bytes(pickle.dumps({"w": [1, 2]}))
    torch.save({"w": torch.zeros(2)}, tmp_path / "torch.pt")
    from safetensors.torch import save_file
    save_file({"w": torch.zeros(2, dtype=torch.bfloat16)}, tmp_path / "bf16.safetensors")
    (tmp_path / "text.ckpt").write_text("hello")
    (tmp_path / "empty.ckpt").write_bytes(b"")
    os.mkfifo(tmp_path / "fifo")  # opening it for reading must not block
    (tmp_path / "folder").mkdir()
    for name, message in [("truncated.safetensors", "truncated or corrupt"), ("damaged.safetensors", "SHA-256"),
                          ("foreign.npz", "not a tinygrad_edu checkpoint"), ("array.npy", "single NumPy array"),
                          ("objects.npy", "pickled"), ("raw.pkl", "is a pickle"), ("torch.pt", "torch.save"),
                          ("bf16.safetensors", "BF16, which NumPy cannot hold"), ("text.ckpt", "not a checkpoint"),
                          ("empty.ckpt", "is empty"), ("missing.ckpt", "there is no file"),
                          ("fifo", "not a regular file"), ("folder", "not a regular file")]:
        with pytest.raises(CheckpointError, match=message) as info:
            tg.load(tmp_path / name)
        assert name in str(info.value)
    with pytest.raises(CheckpointError, match="not a regular file"):
        tg.load(os.devnull)


def test_a_version_1_checkpoint_crafted_to_hold_a_pickle_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    save_version_1({"w": np.zeros(2), "payload": np.zeros(1)}, path)
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            with archive.open(name, "w") as f:
                if name == "payload.npy":
                    np.lib.format.write_array(f, np.array([{"run": "code"}], dtype=object), allow_pickle=True)
                else:
                    f.write(data)
    with pytest.raises(CheckpointError, match="pickled Python objects"):
        tg.load(path)


def test_mismatched_checkpoint_lists_keys_and_shapes(tmp_path):
    tg.save(nn.Sequential(nn.Linear(4, 5), nn.Linear(5, 2)), tmp_path / "other.safetensors")
    with pytest.raises(RuntimeError, match=r"missing keys.*unexpected keys|wrong shapes"):
        model().load_state_dict(tg.load(tmp_path / "other.safetensors"))


def test_a_newer_format_version_is_explained(tmp_path):
    from safetensors.numpy import save_file
    save_file({}, tmp_path / "future.safetensors", metadata={
        "tinygrad_edu": '{"format":"tinygrad_edu.checkpoint","version":99,"tree":{"dict":[]}}',
        "tinygrad_edu.sha256": ""})
    np.savez(tmp_path / "future.npz", __tinygrad_edu__=np.array('{"format": "tinygrad_edu.checkpoint", "version": 99, '
                                                                '"arrays": [], "values": {}, "lists": []}'))
    for name in ("future.safetensors", "future.npz"):
        with pytest.raises(CheckpointError, match="newer"):
            tg.load(tmp_path / name)
