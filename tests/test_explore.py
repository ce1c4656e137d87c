"""The backprop explorer's document: what it shows is what the engine computed."""
import json

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, viz
from tinygrad_edu.nn import functional as F


def mlp_loss(record=True, seed=0):
    tg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
    x = tg.Tensor(np.random.default_rng(seed).random((2, 4), dtype=np.float32))
    if record:
        with viz.recording(model):
            loss = F.cross_entropy(model(x), np.array([0, 2]))
    else:
        loss = F.cross_entropy(model(x), np.array([0, 2]))
    return model, x, loss


def values(v):
    return np.array([float(a) for a in v["data"]]).reshape(v["shape"])


def test_the_document_holds_the_engines_values_and_gradients():
    model, x, loss = mlp_loss()
    doc = viz.explore(loss, model=model).document
    assert doc["format"] == "tinygrad-edu-explorer" and doc["version"] == 1 and doc["recorded"]
    assert model[0].weight.grad is None  # exploring ran a backward and gave the leaves their .grad back
    loss.backward()
    nodes = {n["name"]: n for n in doc["nodes"]}
    np.testing.assert_allclose(values(nodes["0.weight"]["grad"]), model[0].weight.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(values(nodes["2.bias"]["value"]), model[2].bias.numpy())
    out = doc["nodes"][doc["output"]]
    assert out["name"] == "softmax_cross_entropy" and float(out["value"]["data"][0]) == pytest.approx(loss.item())
    assert out["formula"].startswith("loss = -sum_c t_c log softmax(x)_c")
    assert [doc["nodes"][i]["name"] for i in doc["backward"]] == [op.op_name() for op in viz.backward_order(loss)]
    relu = nodes["relu"]
    first = doc["nodes"][relu["inputs"][0]]
    np.testing.assert_allclose(values(relu["value"]), np.maximum(values(first["value"]), 0))
    np.testing.assert_allclose(values(relu["sent"][0]), values(relu["g"]) * (values(first["value"]) > 0))
    assert [doc["modules"][n["module"]]["path"] for n in doc["nodes"] if n["module"] is not None] == ["0", "1", "2"]
    json.dumps(doc, allow_nan=False)  # valid JSON: NaN and Inf are written as strings


def test_a_value_used_twice_receives_the_sum_of_what_each_user_sent():
    w = tg.Tensor(np.array([1.0, -2.0, 3.0], np.float32), requires_grad=True)
    with viz.recording():
        h = w * 2.0
        loss = (h * h + h.exp()).sum()
    doc = viz.explore(loss).document
    nodes = doc["nodes"]
    twice = next(n for n in nodes if n["kind"] == "op" and len(n["users"]) == 2)
    sent = sum(values(nodes[u]["sent"][j]) for u in twice["users"] for j, i in enumerate(nodes[u]["inputs"])
               if i == twice["id"])
    np.testing.assert_allclose(values(twice["g"]), sent, rtol=1e-6)
    h_values = 2 * w.numpy()
    np.testing.assert_allclose(values(twice["g"]), 2 * h_values + np.exp(h_values), rtol=1e-6)


def test_without_recording_the_forward_intermediates_are_missing_but_leaves_and_gradients_are_shown():
    model, x, loss = mlp_loss(record=False)
    doc = viz.explore(loss, model=model).document
    assert not doc["recorded"]
    ops = [n for n in doc["nodes"] if n["kind"] == "op"]
    assert all(n["value"] is None for n in ops if n["id"] != doc["output"]) and all(n["g"] is not None for n in ops)
    assert doc["nodes"][doc["output"]]["value"]["data"][0] == pytest.approx(loss.item())  # the output's is known
    assert "outside viz.recording()" in doc["note"]
    assert all(n["value"] is not None for n in doc["nodes"] if n["kind"] == "param")


def test_nan_is_marked_where_it_first_appears():
    w = tg.Tensor(np.array([1.0, -1.0], np.float32), requires_grad=True)
    with viz.recording(), np.errstate(invalid="ignore"):  # the log of a negative number, on purpose
        loss = ((w * 3.0).log() + 1.0).sum()
    nodes = viz.explore(loss).document["nodes"]
    log = next(n for n in nodes if n["name"] == "log")
    assert log["bad"] == "nan" and log["first_bad"] and log["value"]["nan"] == 1
    assert log["value"]["data"][1] == "nan"
    assert not any(n["first_bad"] for n in nodes if n["name"] != "log")
    assert next(n for n in nodes if n["name"] == "add")["bad"] == "nan"  # it carries it on, it did not make it


def test_pages_and_documents_are_written_whole_and_self_contained(tmp_path):
    model, x, loss = mlp_loss()
    explorer = viz.explore(loss, tmp_path / "page.html", model=model)
    page = (tmp_path / "page.html").read_text()
    assert "tinygrad-edu-explorer" in page and "/*DOCUMENT*/" not in page and "/*SCRIPT*/" not in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page  # nothing loaded
    assert "<iframe srcdoc=" in explorer._repr_html_()
    viz.explore(loss, tmp_path / "graph.json")
    assert json.loads((tmp_path / "graph.json").read_text())["format"] == "tinygrad-edu-explorer"


def test_bad_input_is_refused_by_name():
    with pytest.raises(TypeError, match="explore: expected the Tensor"):
        viz.explore(np.ones(3))
    with pytest.raises(ValueError, match="explore: this tensor was not made by ops"):
        viz.explore(tg.Tensor(np.ones(3), requires_grad=True))


def test_recording_and_the_jit_do_not_mix():
    run = tg.jit(lambda x: x * 2)
    with viz.recording(), pytest.raises(tg.JitError, match="viz.recording"):
        run(tg.Tensor(np.ones(3, np.float32)))


def long_chain_loss(ops=10_000):
    """The sum of 8 numbers each multiplied `ops` times: a graph of ops + 1 ops, recorded."""
    w = tg.Tensor(np.ones(8, np.float32), requires_grad=True)
    with viz.recording():
        y = w
        for _ in range(ops):
            y = y * 1.0001
        return y.sum()


def test_a_graph_of_10000_ops_gives_a_small_document():
    doc = viz.explore(long_chain_loss()).document
    ops = [n for n in doc["nodes"] if n["kind"] == "op"]
    assert len(ops) == 10_001 and all(n["value"]["form"] == "stats" for n in ops)
    assert len(json.dumps(doc)) < 40_000_000
