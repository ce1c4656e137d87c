"""Graph drawing: structure of the DOT text on known graphs, gradients before and after
backward (and from an earlier one), constants, NaN highlighting, module clusters, folding,
wrapping, backward order, deep graphs, rendering."""
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn, viz
from tinygrad_edu.nn import functional as F

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="the Graphviz program 'dot' is not installed")


def nodes(graph):
    return re.findall(r"^\s*(\w+) \[label=", graph.source, re.M)


def edges(graph):
    return re.findall(r"^\s*(\w+) -> (\w+)", graph.source, re.M)


def small_graph():
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    w = Tensor([0.5, -1.0], requires_grad=True, name="w")
    y = ((x * w).sum() + 1.0).tanh()
    return x, w, y


def test_a_known_graph_has_one_node_per_tensor_and_op():
    x, w, y = small_graph()
    g = viz.draw_graph(y)
    # ops: mul, sum, add, tanh; tensors: x, w, 3 intermediates, output
    assert len([n for n in nodes(g) if n.startswith("op")]) == 4
    assert len([n for n in nodes(g) if n.startswith("t")]) == 6
    assert len(edges(g)) == 9  # x, w -> mul -> t -> sum -> t -> add -> t -> tanh -> output
    assert "x\\n(2,) float32" not in g.source and "x\n(2,) float32" in g.source and "tanh" in g.source
    assert "backward has not run yet" in g.source


def test_gradients_appear_after_backward_and_small_values_are_printed():
    x, w, y = small_graph()
    y.backward()
    g = viz.draw_graph(y, show_values=True)
    assert "backward has not run" not in g.source
    assert "grad [" in g.source and "data [1., 2.]" in g.source


def test_leaves_constants_and_output_look_different():
    x, w, y = small_graph()
    z = y * Tensor([3.0])  # a Tensor that needs no gradient
    source = viz.draw_graph(z).source
    assert viz.COLORS["param"] in source and viz.COLORS["constant"] in source and "doubleoctagon" in source


def test_nan_and_inf_are_highlighted():
    x = Tensor([np.nan, 1.0], requires_grad=True, name="broken")
    g = viz.draw_graph((x * 2).sum())
    assert re.search(r"broken[^\]]*color=red", g.source)
    assert "color=red" not in viz.draw_graph((Tensor([1.0], requires_grad=True) * 2).sum()).source


def test_parameter_names_clusters_and_folding():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 3), nn.Tanh()), nn.Linear(3, 2))
    with viz.trace(model):
        loss = F.cross_entropy(model(tg.randn(5, 4)), np.arange(5) % 2)
    g = viz.draw_graph(loss, model=model)
    for label in ("0 (Linear)", "1 (ReLU)", "2 (Sequential)", "2.0 (Linear)", "2.1 (Tanh)", "3 (Linear)",
                  "0.weight", "2.0.bias"):
        assert label in g.source, label
    assert g.source.count("subgraph cluster") == 6
    folded = viz.draw_graph(loss, model=model, max_depth=1)
    assert "2 (Sequential)\n2 ops" in folded.source and folded.source.count("subgraph cluster") == 0
    drawn = model.draw_graph(tg.randn(2, 4))
    assert "2.1 (Tanh)" in drawn.source


def test_backward_order_is_the_engines_order():
    x, w, y = small_graph()
    order = [op.op_name() for op in viz.backward_order(y)]
    assert order == ["tanh", "add", "sum", "mul"]
    assert "tanh\nbackward #1" in viz.draw_graph(y, show_backward_order=True).source


def test_the_graph_of_a_create_graph_gradient():
    x = Tensor(2.0, requires_grad=True, name="x")
    (g,) = tg.grad(x ** 3, x, create_graph=True)
    source = viz.draw_graph(g).source
    assert "pow" in source and "mul" in source and "x\n" in source


def test_a_10000_op_graph_draws_in_seconds():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    start = time.perf_counter()
    g = viz.draw_graph(y)
    # 10,000 ops, 10,001 tensors, and the constant 1.0001 of each mul
    assert time.perf_counter() - start < 5 and len(nodes(g)) == 30_001


def test_render_without_dot_writes_the_dot_text_and_explains(tmp_path, monkeypatch):
    x, w, y = small_graph()
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        viz.render(viz.draw_graph(y), tmp_path / "g.svg")
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    assert viz.render(viz.draw_graph(y), tmp_path / "h.dot").endswith("h.dot")
    with pytest.warns(UserWarning, match="apt-get install graphviz"):
        written = viz.render(viz.draw_graph(y), tmp_path / "k.png", fallback_to_dot=True)
    assert written == str(tmp_path / "k.dot") and (tmp_path / "k.dot").read_text().startswith("digraph")


@needs_dot
@pytest.mark.parametrize("fmt, magic", [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_render_writes_real_images(tmp_path, fmt, magic):
    x, w, y = small_graph()
    y.backward()
    path = viz.render(viz.draw_graph(y, show_backward_order=True), tmp_path / f"g.{fmt}")
    data = Path(path).read_bytes()
    assert data.startswith(magic) and len(data) > 500


def test_graph_command_draws_a_reference_model(tmp_path, capsys):
    from tinygrad_edu.cli import main
    out = tmp_path / ("g.svg" if shutil.which("dot") else "g.dot")
    assert main(["graph", "--model", "multi-layer", "--hidden", "8", "--max-depth", "2", "--backward",
                 "--out", str(out)]) == 0
    text = out.read_text()
    assert "layers.1 (BatchNorm1d)" in text and "grad norm" in text


def test_a_tensor_that_retained_its_gradient_shows_it():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    assert re.search(r"grad \[ ?6\., 12\.\]", viz.draw_graph((h * h).sum()).source)



def grad_labels(graph):
    """{node label's first line: its grad line} of every node that shows a gradient."""
    found = re.findall(r'^\s*\w+ \[label="([^"]*)"', graph.source, re.M)
    return {label.split("\n")[0]: line for label in found for line in label.split("\n") if "grad " in line}


def test_a_gradient_from_an_earlier_backward_is_marked_stale():
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    (w * w).sum().backward()  # w.grad = [2, 4], from a graph that is not the one drawn below
    y = (w * 3).sum()
    before = viz.draw_graph(y)
    assert grad_labels(before) == {"w": "stale grad [2., 4.]"}
    assert "earlier loss" in before.source and "backward has not run yet" not in before.source
    y.backward()  # now w.grad = [5, 7], and y's graph is the one that made it
    after = viz.draw_graph(y)
    assert grad_labels(after) == {"w": "grad [5., 7.]"} and "stale" not in after.source


def test_a_retained_backward_keeps_constants_and_its_gradients_are_its_own():
    # backward(retain_graph=True) keeps what ops saved, so the constants still show, and the
    # engine's numbering says the gradients are this graph's (nothing freed is needed as a sign)
    x = Tensor([0.5, 1.5], requires_grad=True, name="x")
    y = (4 * x ** 3 - 4 * x).sum()
    y.backward(retain_graph=True)
    source = viz.draw_graph(y).source
    labels = re.findall(r'label="?([^"\]]*?)"? ', source)
    assert labels.count("3") == 1 and labels.count("4") == 2, labels
    assert grad_labels(viz.draw_graph(y)) == {"x": "grad [-1., 23.]"} and "stale" not in source
    (x * 2).sum().backward()  # another graph writes x.grad last: y's drawing now says stale
    assert grad_labels(viz.draw_graph(y))["x"].startswith("stale grad")


def test_a_retained_gradient_from_another_graph_is_marked_stale():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    h.sum().backward()
    z = (h * h).sum()  # a new graph on top of h: its backward has not run
    assert re.search(r"stale grad \[ ?1\., 1\.\]", viz.draw_graph(z).source)


def test_small_constants_show_their_values_and_inputs_their_shapes():
    x = Tensor([0.5, 1.5], requires_grad=True, name="x")
    y = 4 * x ** 3 - 4 * x
    labels = re.findall(r'label="?([^"\]]*?)"? ', viz.draw_graph(y).source)
    assert labels.count("3") == 1 and labels.count("4") == 2, labels
    batch = Tensor(np.ones((5, 7), dtype=np.float32))  # an input: needs no gradient, too big to print
    w = Tensor(np.ones((7, 2), dtype=np.float32), requires_grad=True)
    source = viz.draw_graph((batch @ w).sum()).source
    assert "constant\n(5, 7) float32" in source and "needs no gradient" not in source
    assert "[1., 2.]\n(2,)" in viz.draw_graph((x * Tensor([1.0, 2.0])).sum()).source


def multi_layer_loss(depth):
    from tinygrad_edu.cli import build_model
    model = build_model("multi-layer", (784,), 10, 100, 0)
    with viz.trace(model):
        loss = F.cross_entropy(model(tg.randn(4, 784)), np.arange(4))
    loss.backward()
    return viz.draw_graph(loss, model=model, max_depth=depth)


def test_a_folded_module_holds_its_parameters_so_the_graph_is_no_strip():
    g = multi_layer_loss(1)
    # before: 19 parameter ellipses side by side over one folded node (5,910 x 307 pt)
    assert not any(n.startswith("t") and "weight" in line for n, line in zip(nodes(g), g.source.split("\n")))
    assert ".weight" not in g.source and "parameters, " in g.source and "grad norm " in g.source
    assert g.graph_attr["rankdir"] == "TB"


@needs_dot
@pytest.mark.parametrize("depth", [1, 2, None])
def test_a_folded_graph_renders_neither_wide_nor_tall(tmp_path, depth):
    svg = Path(viz.render(multi_layer_loss(depth), tmp_path / "g.svg")).read_text()
    width, height = map(float, re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    assert 1 / 4 <= width / height <= 4, (width, height)


def test_a_tall_graph_wraps_into_columns_and_a_short_one_does_not():
    g = multi_layer_loss(2)  # 13 folded layers in a chain: 16 ranks
    assert g.source.count("constraint=false") >= 1  # where a column ends and the next begins
    assert "constraint" not in viz.draw_graph(small_graph()[2]).source
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(200):
        y = (y * 1.0001).tanh()
    assert viz.draw_graph(y).source.count("constraint=false") >= 4  # 801 ranks, in many columns
