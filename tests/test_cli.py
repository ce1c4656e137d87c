"""The README's first command: the demo, and the train command, end to end (fast settings)."""
import os
import subprocess
import sys

import pytest

from tinygrad_edu.cli import main


def test_demo_trains_and_writes_its_files(tmp_path, capsys):
    assert main(["demo", "--epochs", "1", "--limit", "2000", "--quiet", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    accuracy = float(out.split("test accuracy: ")[1].split()[0])
    assert accuracy > 0.6
    files = set(os.listdir(tmp_path))
    assert {"checkpoint.npz", "history.csv", "curves.png"} <= files and ({"graph.svg", "graph.dot"} & files)
    assert (tmp_path / "curves.png").stat().st_size > 1000


def test_demo_falls_back_to_the_bundled_digits_without_mnist(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("TINYGRAD_EDU_CACHE", str(tmp_path / "no-cache"))
    assert main(["demo", "--epochs", "2", "--quiet", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "bundled 8x8 digits" in out and float(out.split("test accuracy: ")[1].split()[0]) > 0.5


@pytest.mark.parametrize("model, dataset, optimizer", [("softmax", "digits", "sgd"), ("conv", "digits", "adam"),
                                                      ("multi-layer", "spiral", "momentum")])
def test_train_command_runs_reference_models(tmp_path, capsys, model, dataset, optimizer):
    args = ["train", "--model", model, "--dataset", dataset, "--optimizer", optimizer, "--epochs", "1", "--lr", "0.05",
            "--quiet", "--out", str(tmp_path)]
    assert main(args) == 0
    assert "test accuracy:" in capsys.readouterr().out and (tmp_path / "checkpoint.npz").exists()


def test_help_explains_every_flag():
    result = subprocess.run([sys.executable, "-m", "tinygrad_edu", "train", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0
    for flag in ("--model", "--dataset", "--optimizer", "--epochs", "--lr", "--batch-size", "--out", "--data-dir"):
        assert flag in result.stdout
