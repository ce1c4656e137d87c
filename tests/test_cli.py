"""The README's first command: the demo, and the train command, end to end (fast settings); and
every mistake a user can make on the command line refused at once, in one line, exit code 2."""
import errno
import gzip
import json
import os
import subprocess
import sys
import types

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import cli
from tinygrad_edu.cli import main


def test_demo_trains_and_writes_its_files(tmp_path, capsys):
    assert main(["demo", "--epochs", "1", "--limit", "2000", "--quiet", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    accuracy = float(out.split("test accuracy: ")[1].split()[0])
    assert accuracy > 0.6
    files = set(os.listdir(tmp_path))
    assert ({"checkpoint.safetensors", "history.csv", "curves.png"} <= files
            and len({"graph.svg", "graph.dot"} & files) == 1)
    assert (tmp_path / "curves.png").stat().st_size > 1000
    assert f"to {tmp_path} (in " in out  # says where the files went


def test_a_new_run_leaves_no_stale_graph_of_the_other_form(tmp_path, capsys, monkeypatch):
    stale = {"graph.svg": b"<svg/>", "graph.dot": b"digraph {}"}
    for name, payload in stale.items():
        (tmp_path / name).write_bytes(payload)
    args = ["train", "--dataset", "spiral", "--epochs", "1", "--quiet", "--out", str(tmp_path)]
    assert main(args) == 0
    (graph,) = {"graph.svg", "graph.dot"} & set(os.listdir(tmp_path))
    assert (tmp_path / graph).read_bytes() != stale[graph]
    monkeypatch.setattr("tinygrad_edu.viz.shutil.which", lambda name: None)
    with pytest.warns(UserWarning, match="Graphviz"):
        assert main(args) == 0  # no Graphviz now: graph.dot, and no graph.svg of the run before
    assert {"graph.svg", "graph.dot"} & set(os.listdir(tmp_path)) == {"graph.dot"}
    capsys.readouterr()


def test_resume_continues_bit_for_bit(tmp_path, capsys):
    common = ["train", "--model", "mlp", "--hidden", "16", "--limit", "500", "--quiet"]
    assert main(common + ["--epochs", "4", "--out", str(tmp_path / "whole")]) == 0
    assert main(common + ["--epochs", "2", "--out", str(tmp_path / "split")]) == 0
    assert main(common + ["--epochs", "4", "--resume", "--out", str(tmp_path / "split")]) == 0
    out = capsys.readouterr().out  # it did resume (a fresh 4-epoch run would match trivially) and trained 2 more
    assert f"resumed from {tmp_path / 'split' / 'checkpoint.safetensors'} after epoch 2" in out
    whole = tg.checkpoint.load(str(tmp_path / "whole" / "checkpoint.safetensors"))
    split = tg.checkpoint.load(str(tmp_path / "split" / "checkpoint.safetensors"))
    assert_same(whole, split)
    assert (tmp_path / "whole" / "history.csv").read_text() == (tmp_path / "split" / "history.csv").read_text()


def assert_same(a, b):
    """Two checkpoint trees equal bit for bit (arrays byte for byte, the rest by ==)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    else:
        assert a == b or (a != a and b != b)


def test_train_with_jit_gives_the_eager_run_bit_for_bit(tmp_path, capsys):
    common = ["train", "--model", "mlp", "--hidden", "16", "--limit", "300", "--epochs", "2", "--quiet"]
    assert main(common + ["--out", str(tmp_path / "eager")]) == 0
    assert main(common + ["--jit", "--out", str(tmp_path / "jit")]) == 0
    assert_same(tg.checkpoint.load(str(tmp_path / "eager" / "checkpoint.safetensors")),
                tg.checkpoint.load(str(tmp_path / "jit" / "checkpoint.safetensors")))


def test_explore_writes_the_page_or_its_document(tmp_path, capsys):
    assert main(["explore", "--model", "mlp", "--hidden", "8", "--out", str(tmp_path / "page.html")]) == 0
    page = (tmp_path / "page.html").read_text()
    assert "tinygrad-edu-explorer" in page and "softmax_cross_entropy" in page and "window.explorer" in page
    assert main(["explore", "--model", "conv", "--hidden", "8", "--batch", "2", "--out", str(tmp_path / "c.json")]) == 0
    doc = json.loads((tmp_path / "c.json").read_text())
    assert doc["recorded"] and doc["backward"] and any(n["name"] == "conv2d" or "im2col" in n["name"]
                                                       for n in doc["nodes"])
    assert "wrote" in capsys.readouterr().out


def test_resume_without_a_checkpoint_is_refused(tmp_path, capsys):
    line = refused(["demo", "--resume", "--out", str(tmp_path / "new")], capsys)
    assert line.startswith(f"tinygrad-edu demo: error: argument --resume: there is no {tmp_path / 'new'}")


@pytest.fixture
def no_mnist(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("TINYGRAD_EDU_CACHE", str(tmp_path / "no-cache"))


def test_with_no_data_anywhere_the_demo_trains_on_the_shipped_mnist(tmp_path, no_mnist, capsys):
    assert main(["demo", "--epochs", "1", "--limit", "2000", "--quiet", "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert "offline protocol on the test split shipped with tinygrad_edu" in captured.out and captured.err == ""
    assert float(captured.out.split("test accuracy: ")[1].split()[0]) > 0.7  # real digits: 0.76 after 32 steps


def refused(argv, capsys) -> str:
    """The one error line of a command refused before any work: exit code 2, nothing on stdout."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    captured = capsys.readouterr()
    assert info.value.code == 2 and captured.out == "" and "Traceback" not in captured.err
    return captured.err.strip().splitlines()[-1]


WHOLE = "a whole number of 1 or more"


@pytest.mark.parametrize("flag, value, expected", [
    ("--epochs", "0", WHOLE), ("--epochs", "-3", WHOLE), ("--epochs", "two", WHOLE), ("--hidden", "0", WHOLE),
    ("--batch-size", "0", WHOLE), ("--batch-size", "-64", WHOLE),
    ("--limit", "0", WHOLE + " (leave --limit out to use every sample)"),
    ("--seed", "-1", "a whole number of 0 or more"), ("--lr", "0", "a number above 0, such as 0.001"),
    ("--lr", "-0.1", "a number above 0, such as 0.001"), ("--lr", "nan", "a number above 0, such as 0.001"),
    ("--weight-decay", "-0.5", "a number of 0 or more, such as 0.0001"),
])
def test_bad_numbers_are_refused_in_one_line(tmp_path, capsys, flag, value, expected):
    line = refused(["train", "--dataset", "spiral", flag, value, "--out", str(tmp_path)], capsys)
    assert line == f"tinygrad-edu train: error: argument {flag}: expected {expected}, got {value!r}"
    assert os.listdir(tmp_path) == []


def test_graph_numbers_are_refused_too(tmp_path, capsys):
    line = refused(["graph", "--batch", "0", "--out", str(tmp_path / "g.dot")], capsys)
    assert line.endswith("argument --batch: expected a whole number of 1 or more, got '0'")


def test_an_out_that_is_a_file_is_refused_before_training(tmp_path, capsys):
    existing = tmp_path / "results.txt"
    existing.write_text("keep me")
    for out in (existing, existing / "run1"):
        line = refused(["demo", "--dataset", "digits", "--out", str(out)], capsys)
        assert line == (f"tinygrad-edu demo: error: argument --out: {existing} is a file, not a folder; pass a "
                        "folder for the results")
    assert existing.read_text() == "keep me"


def test_an_out_that_cannot_be_written_is_refused_before_training(tmp_path, capsys, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    try:
        (locked / "probe").touch()  # root writes anyway: then the refusal the OS gives others is simulated
        (locked / "probe").unlink()

        def deny(dir):
            raise PermissionError(errno.EACCES, "Permission denied", dir)

        monkeypatch.setattr(cli, "tempfile", types.SimpleNamespace(TemporaryFile=deny))
    except PermissionError:
        pass
    try:
        line = refused(["demo", "--dataset", "digits", "--out", str(locked / "run1")], capsys)
    finally:
        locked.chmod(0o755)
    assert line == (f"tinygrad-edu demo: error: argument --out: cannot write in {locked} (Permission denied); "
                    "pass a folder you can write to")


def test_a_data_dir_that_is_missing_or_empty_is_an_error_naming_it(tmp_path, capsys):
    missing = tmp_path / "typo"
    line = refused(["demo", "--data-dir", str(missing), "--out", str(tmp_path / "out")], capsys)
    assert line == f"tinygrad-edu demo: error: argument --data-dir: {missing} is not a folder"
    missing.mkdir()
    line = refused(["train", "--dataset", "fashion", "--data-dir", str(missing), "--out", str(tmp_path)], capsys)
    assert line.startswith(f"tinygrad-edu train: error: argument --data-dir: {missing} holds no fashion files")
    line = refused(["train", "--dataset", "digits", "--data-dir", str(missing), "--out", str(tmp_path)], capsys)
    assert "--dataset digits is bundled, so leave --data-dir out" in line


@pytest.mark.parametrize("dataset", ["fashion"])  # MNIST is never missing: its test split is shipped
def test_an_asked_for_dataset_that_is_not_found_is_an_error(tmp_path, no_mnist, capsys, dataset):
    assert main(["demo", "--dataset", dataset, "--out", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err and not (tmp_path / "out").exists()
    assert captured.err.startswith(f"tinygrad-edu demo: error: {dataset} file train-images-idx3-ubyte.gz was not found")
    assert str(tmp_path / "nothing") in captured.err


def test_a_damaged_mnist_file_is_an_error_not_a_fallback(tmp_path, no_mnist, capsys):
    folder = tmp_path / "nothing" / "mnist"
    folder.mkdir(parents=True)
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"not the images"))
    assert main(["demo", "--out", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "shipped" not in captured.err
    assert f"{folder / 't10k-images-idx3-ubyte.gz'}: SHA-256" in captured.err


def test_arguments_that_cannot_go_together_are_refused(tmp_path, capsys):
    line = refused(["train", "--model", "conv", "--dataset", "spiral", "--out", str(tmp_path)], capsys)
    assert line.endswith("argument --model: conv needs images; pass --dataset mnist, fashion or digits")
    line = refused(["graph", "--out", str(tmp_path)], capsys)
    assert line.endswith(f"argument --out: {tmp_path} is a folder; pass a file name such as graph.svg")


@pytest.mark.parametrize("model, dataset, optimizer", [("softmax", "digits", "sgd"), ("conv", "digits", "adam"),
                                                      ("multi-layer", "spiral", "momentum")])
def test_train_command_runs_reference_models(tmp_path, capsys, model, dataset, optimizer):
    args = ["train", "--model", model, "--dataset", dataset, "--optimizer", optimizer, "--epochs", "1", "--lr", "0.05",
            "--quiet", "--out", str(tmp_path)]
    assert main(args) == 0
    assert "test accuracy:" in capsys.readouterr().out and (tmp_path / "checkpoint.safetensors").exists()


def test_help_explains_every_flag():
    result = subprocess.run([sys.executable, "-m", "tinygrad_edu", "train", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0
    for flag in ("--model", "--dataset", "--optimizer", "--epochs", "--lr", "--batch-size", "--out", "--data-dir",
                 "--jit"):
        assert flag in result.stdout


def test_graph_goes_to_the_output_folder_and_replaces_the_other_form(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "tinygrad_edu_output"
    folder.mkdir()
    (folder / "graph.dot").write_text("digraph { stale }")
    main(["graph", "--hidden", "4"])
    assert capsys.readouterr().out.startswith(f"wrote {folder / 'graph.'}")
    assert len({"graph.svg", "graph.dot"} & set(os.listdir(folder))) == 1
    assert "stale" not in "".join(p.read_text() for p in folder.iterdir())
