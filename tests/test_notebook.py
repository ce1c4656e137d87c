"""examples/first_hour.ipynb run in a real Jupyter kernel: each cell's output is what a learner
should see (a Tensor and a Module as HTML, one summary table, a text progress bar with no
warning, a figure as a PNG) with no %matplotlib line. Skipped without nbclient and ipykernel."""
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "first_hour.ipynb"


@pytest.fixture(scope="module")
def outputs():
    """{cell id: that cell's outputs} after running the notebook top to bottom."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = "".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    assert "%matplotlib" not in code and "pyplot" not in code
    client = nbclient.NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    client.execute(env={**os.environ, "PYTHONPATH": path})  # the working tree, not an installed copy
    return {cell.id: cell.get("outputs", []) for cell in nb.cells}


def test_only_the_cells_ending_in_a_value_show_one(outputs):
    shown = {name for name, cell_outputs in outputs.items() if results(cell_outputs)}
    assert shown == {"tensor", "grad", "model", "summary", "train", "plot", "explore"}
    assert not any(o.output_type == "error" for cell_outputs in outputs.values() for o in cell_outputs)


def results(outputs):
    """The rich outputs (displays and the cell's value), without the streams."""
    return [o for o in outputs if o.output_type in ("display_data", "execute_result")]


def test_a_tensor_shows_as_html_with_its_shape_dtype_and_autograd(outputs):
    (x,) = results(outputs["tensor"])
    html = x.data["text/html"]
    assert "(3, 2)" in html and "float32" in html and "cpu" in html and "requires_grad=True" in html
    assert x.data["text/plain"].startswith("Tensor(")
    (grad,) = results(outputs["grad"])
    assert "no grad" in grad.data["text/html"]


def test_a_module_shows_as_a_table_of_layers_and_parameter_counts(outputs):
    (model,) = results(outputs["model"])
    html = model.data["text/html"]
    assert "<table>" in html and "Linear(in_features=2, out_features=16, bias=True)" in html
    assert "total parameters: 82" in html and ">48<" in html and ">34<" in html


def test_summary_as_the_last_line_shows_one_table(outputs):
    assert [o.output_type for o in outputs["summary"]] == ["display_data"]
    (table,) = outputs["summary"]
    assert table.data["text/html"].count("<table>") == 1 and "(None, 16)" in table.data["text/html"]
    assert "total parameters: 82" in table.data["text/plain"]


def test_training_shows_a_text_bar_without_ipywidgets_and_no_warning(outputs):
    streams = [o for o in outputs["train"] if o.output_type == "stream"]
    stderr = "".join(o.text for o in streams if o.name == "stderr")
    assert "Warning" not in stderr and "IProgress" not in stderr
    try:
        import ipywidgets  # noqa: F401  the kernel draws a widget instead
    except ImportError:
        assert "epoch 1" in stderr and "epoch 5" in stderr and "/8 [" in stderr
    (history,) = results(outputs["train"])
    assert history.data["text/plain"].startswith("History(5 epochs")


def test_a_plot_shows_inline_as_a_png(outputs):
    (figure,) = results(outputs["plot"])
    assert figure.data["image/png"]  # base64 text of a PNG


def test_the_explorer_shows_inline(outputs):
    (page,) = results(outputs["explore"])
    html = page.data["text/html"]
    assert html.startswith("<iframe srcdoc=") and "tinygrad-edu-explorer" in html and "softmax_cross_entropy" in html
