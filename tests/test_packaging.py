"""Packaging: the reference models live in tinygrad_edu.models, so a user's own models.py cannot
shadow them; pyproject.toml ships one package, one version, the licence and py.typed. (The built
wheel itself is checked by hand: pip wheel, a fresh venv, `python -m tinygrad_edu demo --help`.)"""
import fnmatch
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tinygrad_edu

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pyproject():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_cli_finds_the_reference_models_from_a_folder_holding_its_own_models_py(tmp_path):
    (tmp_path / "models.py").write_text('raise ImportError("the decoy models.py was imported")\n')
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-m", "tinygrad_edu", "train", "--model", "softmax", "--dataset", "spiral",
                             "--epochs", "1", "--limit", "64", "--quiet", "--out", str(tmp_path / "out")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "checkpoint.safetensors").exists()


def test_no_file_imports_a_top_level_models_package():
    pattern = re.compile(r"^\s*(from models\b|import models\b)", re.MULTILINE)
    offenders = [str(p.relative_to(ROOT)) for folder in ("tinygrad_edu", "examples", "tests", "benchmarks")
                 for p in (ROOT / folder).rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == [], f"import tinygrad_edu.models instead in {offenders}"


def test_only_tinygrad_edu_is_packaged(pyproject):
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    for name in ("tinygrad_edu", "tinygrad_edu.models", "tinygrad_edu.nn"):
        assert any(fnmatch.fnmatchcase(name, p) for p in include), name
    for name in ("models", "tests", "examples", "tinygrad_edu_output"):  # the demo's default --out folder
        assert not any(fnmatch.fnmatchcase(name, p) for p in include), name
    assert not (ROOT / "models").exists()


def test_one_version_source(pyproject):
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "tinygrad_edu.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", tinygrad_edu.__version__)


def test_licence_and_typing_marker_are_shipped(pyproject):
    assert pyproject["project"]["license"] == "MIT AND CC-BY-SA-3.0"  # SPDX string, not the deprecated table
    for name in pyproject["project"]["license-files"]:
        assert (ROOT / name).is_file(), name
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "py.typed" in pyproject["tool"]["setuptools"]["package-data"]["tinygrad_edu"]
    assert (ROOT / "tinygrad_edu" / "py.typed").is_file()
    assert {"mnist_test/*.gz", "mnist_test/LICENSE", "text/*.txt", "text/LICENSE"} <= set(
        pyproject["tool"]["setuptools"]["package-data"]["tinygrad_edu.data"])
    assert not any(c.startswith("License ::") for c in pyproject["project"]["classifiers"])  # PEP 639: not both


def test_numpy_floor_is_2(pyproject):
    numpy = [d for d in pyproject["project"]["dependencies"] if re.match(r"numpy\b", d)]
    assert numpy == ["numpy>=2.0"]
