"""The README's first command runs the demo end to end."""
import subprocess
import sys

from tinygrad_edu.cli import main


def test_demo_runs_and_reports_its_checks(capsys):
    assert main(["demo", "--steps", "40"]) == 0
    out = capsys.readouterr().out
    assert "gradcheck: passed" in out
    assert "second = 12.0" in out
    slope = float(out.split("learned slope ")[1].split(",")[0])
    assert abs(slope - 2.0) < 0.1


def test_python_dash_m_and_help():
    result = subprocess.run([sys.executable, "-m", "tinygrad_edu", "demo", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--steps" in result.stdout
