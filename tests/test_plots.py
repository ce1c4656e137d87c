"""The curriculum's plots: each returns a figure and saves a non-empty image, headless; and how
figures, tensors, modules and summaries show in Jupyter (tests/test_notebook.py runs a kernel)."""
import io
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, plots
from tinygrad_edu.nn import functional as F

PNG = b"\x89PNG"


def saved(path) -> bool:
    data = Path(path).read_bytes()
    return data.startswith(PNG) and len(data) > 2000


def test_training_curves(tmp_path):
    history = tg.train.History({"epoch": [1, 2, 3], "loss": [1.0, 0.5, 0.4], "val_loss": [1.1, 0.7, 0.6],
                                "accuracy": [0.5, 0.8, 0.9], "val_accuracy": [0.5, 0.7, 0.8]})
    fig = plots.plot_history(history, tmp_path / "h.png")
    assert len(fig.axes) == 2 and saved(tmp_path / "h.png")


def test_optimizer_paths_converge_like_the_books(tmp_path):
    paths = plots.optimizer_paths(steps=30)
    assert list(paths) == ["SGD", "Momentum", "AdaGrad", "RMSProp", "Adam"]
    for name, points in paths.items():
        assert points.shape == (31, 2) and tuple(points[0]) == (-7.0, 2.0)
        assert plots.f_curriculum(*points[-1]) < plots.f_curriculum(*points[0]) / 20, name
    assert np.sign(paths["SGD"][1, 1]) != np.sign(paths["SGD"][2, 1])  # SGD zig-zags in y
    plots.plot_optimizer_paths(paths, tmp_path / "paths.png")
    assert saved(tmp_path / "paths.png")


def test_activation_and_gradient_histograms(tmp_path):
    model = nn.Sequential(*[layer for i in range(3)
                            for layer in (nn.Linear(20, 20, init=1.0, generator=i), nn.Sigmoid())])
    x = np.random.default_rng(9).standard_normal((200, 20)).astype(np.float32)
    outputs = plots.layer_outputs(model, x)
    assert list(outputs) == ["1", "3", "5"] and outputs["1"].shape == (200, 20)
    saturated = np.mean([(o < 0.05) | (o > 0.95) for o in outputs.values()])
    xavier = nn.Sequential(*[layer for i in range(3)
                             for layer in (nn.Linear(20, 20, init="xavier", generator=i), nn.Sigmoid())])
    saturated_xavier = np.mean([(o < 0.05) | (o > 0.95) for o in plots.layer_outputs(xavier, x).values()])
    assert saturated > 5 * saturated_xavier  # std 1 saturates the sigmoid: the lesson's first picture
    plots.plot_histograms(outputs, tmp_path / "act.png", value_range=(0, 1))
    with pytest.raises(ValueError, match="backward"):
        plots.plot_gradient_histograms(model)
    F.mse_loss(model(tg.Tensor(x)), np.zeros((200, 20), np.float32)).backward()
    plots.plot_gradient_histograms(model, tmp_path / "grads.png")
    assert saved(tmp_path / "act.png") and saved(tmp_path / "grads.png")


def test_hyperparameter_search_plot(tmp_path):
    rng = np.random.default_rng(0)
    trials = [{"lr": 10 ** rng.uniform(-6, -2), "weight_decay": 10 ** rng.uniform(-8, -4),
               "val_accuracy": rng.uniform(0.1, 0.9)} for _ in range(20)]
    fig = plots.plot_hyperparameter_search(trials, tmp_path / "hp.png")
    assert fig.axes[0].get_xscale() == "log" and saved(tmp_path / "hp.png")


# ---------------------------------------------------------------------- how things show in Jupyter


def test_a_figure_shows_itself_as_a_png_without_pyplot():
    fig = plots.plot_history({"loss": [1.0, 0.5], "accuracy": [0.5, 0.8]})
    assert isinstance(fig, plots.Figure) and fig._repr_png_().startswith(PNG)
    assert fig.canvas.manager is None  # not registered with pyplot, so freed when dropped


def test_tensor_and_module_html_name_what_a_learner_checks():
    x = tg.Tensor(np.arange(100, dtype=np.float32).reshape(10, 10), requires_grad=True)
    html = x._repr_html_()
    assert "(10, 10)" in html and "float32" in html and "cpu" in html and "requires_grad=True" in html
    assert "..." in html and len(html) < 2000  # a few values, not all of them
    assert "grad_fn=Mul" in (x * 2)._repr_html_() and "&lt;b&gt;" in tg.Tensor([1.0], name="<b>")._repr_html_()
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)  # a shared layer is listed and counted once
    html = model._repr_html_()
    assert html.count("<tr>") == 1 + 2 + 1 and "total parameters: 12 (trainable 12)" in html


def test_summary_prints_once_outside_ipython_and_returns_its_text(capsys):
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    text = model.summary((4,))
    assert capsys.readouterr().out == text + "\n"
    assert "<table>" in text._repr_html_() and "(None, 3)" in text._repr_html_()


def test_summary_in_an_ipython_shell_shows_once_and_again_when_asked():
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    shell = interactiveshell.InteractiveShell.instance()
    try:
        shell.user_ns["model"] = nn.Sequential(nn.Linear(4, 3))
        with redirect_stdout(io.StringIO()) as out:
            shell.run_cell("s = model.summary((4,))\ns", store_history=True)
        assert out.getvalue().count("total parameters: 15") == 1
        with redirect_stdout(io.StringIO()) as out:
            shell.run_cell("s", store_history=True)  # a later cell shows it again
        assert out.getvalue().count("total parameters: 15") == 1
    finally:
        interactiveshell.InteractiveShell.clear_instance()
