"""No file makes a load allocate much more than its size, and no damage gives anything but the
original state or a CheckpointError: crafted bombs (peak memory measured in a fresh process), a
seeded loop of byte flips and truncations over each format, and arbitrary JSON structures."""
import json
import struct
import subprocess
import sys
import zlib
from collections import Counter

import numpy as np
import pytest
from checkpoint_samples import deflated, npy_header, same, save_version_1, zip_archive
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors.numpy import save as safetensors_bytes

import tinygrad_edu as tg
from tinygrad_edu import CheckpointError
from tinygrad_edu.checkpoint.safetensors_file import DIGEST_KEY, DOC_KEY, MAX_DOC, MAX_HEADER, digest

MiB, GiB, TiB = 1 << 20, 1 << 30, 1 << 40
META = '{"format": "tinygrad_edu.checkpoint", "version": 1, "arrays": ["w"], "values": {}, "lists": []}'


def stored(name: str, data: bytes):
    return name, data, 0, zlib.crc32(data), len(data)


def version_1_meta() -> tuple:
    text = np.array(META)
    return stored("__tinygrad_edu__.npy", npy_header(text.dtype.str, ()) + text.tobytes())


def checkpoint(doc: str, tensors=None) -> bytes:
    """A version-2 file holding `doc` (the JSON document) with a correct digest."""
    tensors = tensors or {}
    return safetensors_bytes(tensors, {DOC_KEY: doc, DIGEST_KEY: digest(doc, tensors.items())})


def document(tree) -> str:
    return json.dumps({"format": "tinygrad_edu.checkpoint", "version": 2, "tree": tree}, separators=(",", ":"))


def raw_safetensors(header: bytes, data: bytes = b"", length=None) -> bytes:
    return struct.pack("<Q", len(header) if length is None else length) + header + data


def bombs() -> dict:
    """name -> (file bytes, what the load must say: a CheckpointError's words, or None to load)."""
    w_header = npy_header("|u1", (3 * GiB,))
    lying_header = npy_header("|u1", (MiB,))
    meta_header = npy_header("<U268435456", ())  # 1 GiB of UTF-32
    huge_tensor = json.dumps({"w": {"dtype": "F32", "shape": [MiB, MiB], "data_offsets": [0, 4 * TiB]}}).encode()
    many = [stored(f"{i}.npy", b"") for i in range(20_000)]
    return {
        "npz: 3 MB entry inflating to 3 GiB": (zip_archive([version_1_meta(), (
            "w.npy", deflated(w_header, 3 * 1024), 8, 0, len(w_header) + 3 * GiB)]), "zip bomb"),
        "npz: entry declaring 1 MiB, inflating to 3 GiB": (zip_archive([version_1_meta(), (
            "w.npy", deflated(lying_header, 3 * 1024), 8, 0, len(lying_header) + MiB)]), "CRC"),
        "npz: metadata entry inflating to 1 GiB": (zip_archive([(
            "__tinygrad_edu__.npy", deflated(meta_header, 1024), 8, 0, len(meta_header) + GiB)]), "zip bomb"),
        "npz: .npy header declaring 1 TiB": (zip_archive([version_1_meta(), stored(
            "w.npy", npy_header("|u1", (TiB,)) + bytes(16))]), "declares 1,099,511,627,776 bytes"),
        "npz: 20,000 directory entries": (zip_archive(many), "20,000 entries"),
        "npy: header declaring 1 TiB": (npy_header("<f8", (TiB,)) + bytes(16), "single NumPy array"),
        "safetensors: header length 1 TiB": (raw_safetensors(b"{}", length=TiB), "header declares"),
        "safetensors: header length 60 MB in a tiny file": (raw_safetensors(b"{}" + bytes(64), length=60_000_000),
                                                            "header declares"),
        "safetensors: tensor offsets past the end (4 TiB)": (raw_safetensors(huge_tensor, bytes(16)), "corrupt"),
        "safetensors: header over the limit": (raw_safetensors(b"{" + b" " * MAX_HEADER + b"}"), "header of"),
        "safetensors: JSON over the limit": (checkpoint(document(["x" * MAX_DOC])), "characters of JSON"),
        "safetensors: JSON nested 100,000 deep": (checkpoint('{"tree":' + "[" * 100_000 + "]" * 100_000 + "}"),
                                                  "corrupt"),
        "safetensors: one tensor named 50,000 times": (
            checkpoint(document({"dict": [["w", [{"tensor": "w"}] * 50_000]]}), {"w": np.zeros(MiB, np.uint8)}),
            "twice"),
        "safetensors: the largest JSON accepted, all empty lists": (
            checkpoint(document({"dict": [["x", [[]] * ((MAX_DOC - 200) // 3)]]})), None),
        "safetensors: the largest header accepted, all empty tensors": (safetensors_bytes(
            {f"{i:06d}": np.zeros(0, np.uint8) for i in range(MAX_HEADER // 64)}), None),
    }


PROBE = """
import json, os, resource, sys
import tinygrad_edu as tg
for path in sys.argv[1:]:
    read, write = os.pipe()
    if os.fork() == 0:  # a child per file: its peak resident memory starts at the parent's current size
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            tg.load(path)
            outcome = "loaded"
        except BaseException as e:
            outcome = f"{type(e).__name__}: {e}"
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
        os.write(write, json.dumps([grown, outcome]).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        print(answer.read(), flush=True)
    os.wait()
"""


def test_bombs_are_refused_within_the_file_size_plus_64_mib(tmp_path):
    cases = bombs()
    paths = []
    for i, (data, _) in enumerate(cases.values()):
        paths.append(tmp_path / f"bomb{i}")
        paths[-1].write_bytes(data)
    lines = subprocess.run([sys.executable, "-c", PROBE, *map(str, paths)], capture_output=True, text=True,
                           timeout=120, check=True).stdout.splitlines()
    print(f"\n{'file':58} {'size':>12} {'peak growth':>12}  outcome")
    for (name, (data, words)), line, path in zip(cases.items(), lines, paths):
        grown, outcome = json.loads(line)
        print(f"{name:58} {len(data):12,} {grown:12,}  {outcome[:150]}")
        expected = "loaded" if words is None else "CheckpointError"
        assert outcome.startswith(expected) and (words is None or words in outcome), (name, outcome)
        assert words is None or str(path) in outcome, (name, outcome)
        assert grown < len(data) + 64 * MiB, (name, grown)
    assert len(lines) == len(cases)


def sample_state():
    model = tg.nn.Sequential(tg.nn.Linear(3, 4, generator=0), tg.nn.BatchNorm1d(4), tg.nn.Linear(4, 2, generator=1))
    optimizer = tg.optim.Adam(model.parameters())
    model(tg.tensor(np.random.default_rng(0).standard_normal((5, 3)), dtype=np.float32)).sum().backward()
    optimizer.step()
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 2, "history": {
        "loss": [0.5, 0.25]}, "note": None, "flags": [True, False], 7: "int key",
        "rng": np.random.default_rng(0).bit_generator.state}


@pytest.mark.parametrize("version", [1, 2])
def test_damaged_files_load_exactly_or_raise_checkpoint_error(tmp_path, version):
    path = tmp_path / "c"
    state = sample_state()
    if version == 1:
        del state[7]  # version 1 made keys strings
        save_version_1(state, path)
        state = tg.load(path)  # version 1 made tuples lists: compare with what the undamaged file gives
    else:
        tg.save(state, path)
    original = path.read_bytes()  # (safetensors writes its metadata entries in a random order)
    # where the structure lies: the safetensors header, or the zip directory at the end
    start, stop = ((0, 8 + struct.unpack("<Q", original[:8])[0]) if version == 2
                   else (original.rindex(b"PK\x01\x02") - 400, len(original)))
    rng = np.random.default_rng(version)
    outcomes = Counter()
    for case in range(300):
        data = bytearray(original)
        how = ("bit anywhere", "bit in structure", "bytes in structure", "truncation")[case % 4]
        if how == "truncation":
            data = data[: rng.integers(0, len(data))]
        elif how == "bytes in structure":
            at = int(rng.integers(start, stop - 4))
            data[at:at + 4] = rng.integers(0, 256, 4, dtype=np.uint8).tobytes()
        else:
            at = int(rng.integers(0, len(data))) if how == "bit anywhere" else int(rng.integers(start, stop))
            data[at] ^= 1 << int(rng.integers(0, 8))
        path.write_bytes(bytes(data))
        try:
            back = tg.load(path)
        except CheckpointError:
            outcomes[how, "refused"] += 1
            continue
        except Exception as e:  # noqa: BLE001  (the point of the test)
            pytest.fail(f"case {case} ({how}): {type(e).__name__}: {e}")
        assert same(state, back), f"case {case} ({how}) loaded something else"
        outcomes[how, "exact"] += 1
    print(f"\nversion {version}: {dict(sorted(outcomes.items()))}")
    assert sum(outcomes.values()) == 300 and outcomes["truncation", "refused"] == 75


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["dict", "tuple", "tensor", "scalar", "complex"]) | st.text(max_size=3), inner, max_size=3),
    max_leaves=25)


@settings(max_examples=150, deadline=None)
@given(tree=json_values)
def test_any_json_structure_loads_or_is_refused(tmp_path_factory, tree):
    path = tmp_path_factory.mktemp("tree") / "c"
    path.write_bytes(checkpoint(document(tree)))
    try:
        tg.load(path)
    except CheckpointError as e:
        assert str(path) in str(e)
