"""The explorer's page in a real browser (headless Chromium, driven by Playwright): it opens, steps
through forward and backward, and shows the values the engine computed.

CI installs Debian's Chromium (.ci/run) and sets TINYGRAD_EDU_REQUIRE_BROWSER=1, so there these
tests fail rather than skip without it. A screenshot of the demo model's page is kept in
test-artifacts/ (git ignores it)."""
import os
import shutil
import time

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import viz
from tinygrad_edu.cli import build_model
from tinygrad_edu.nn import functional as F
from test_explore import long_chain_loss

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test-artifacts")

if not CHROMIUM or os.environ.get("TINYGRAD_EDU_NO_BROWSER"):
    if os.environ.get("TINYGRAD_EDU_REQUIRE_BROWSER") == "1":
        raise RuntimeError("the explorer's browser tests need Chromium (apt-get install chromium): .ci/run installs it")
    pytest.skip("no Chromium here (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def demo_loss(name="mlp", batch=4, seed=0):
    shape = (1, 28, 28) if name == "conv" else (784,)
    model = build_model(name, shape, 10, 100, seed)
    rng = np.random.default_rng(seed)
    with viz.recording(model):
        loss = F.cross_entropy(model(tg.Tensor(rng.random((batch,) + shape, dtype=np.float32))),
                               rng.integers(0, 10, batch))
    return model, loss


def open_page(browser, path):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    start = time.perf_counter()
    page.goto(f"file://{path}")
    page.wait_for_function("window.explorer !== undefined")
    return page, time.perf_counter() - start


def numbers(text):
    return np.array([float(t) for t in text.replace(",", " ").split() if _is_number(t)])


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_the_demo_page_steps_through_forward_and_backward_and_shows_the_engines_numbers(browser, tmp_path):
    model, loss = demo_loss()
    explorer = viz.explore(loss, tmp_path / "demo.html", model=model)
    page, seconds = open_page(browser, tmp_path / "demo.html")
    assert seconds < 2.0
    doc = explorer.document
    forward = [i for i in doc["forward"] if doc["nodes"][i]["kind"] == "op"]
    page.click("#step-forward")  # forward mode: the first op
    assert page.evaluate("window.explorer.state.mode") == "forward"
    for _ in range(len(forward) - 1):
        page.keyboard.press("ArrowRight")
    current = int(page.get_attribute(".node.current", "data-id"))
    assert current == doc["output"] and page.locator(".node.current").count() == 1
    assert "softmax" in page.inner_text("#panel-name")
    assert "log softmax" in page.inner_text("#panel-formula")
    shown = numbers(page.inner_text("#panel-value"))
    assert shown[0] == pytest.approx(loss.item(), rel=1e-3)
    page.click("#mode")  # backward, played: it steps on its own until the last op, then stops
    assert page.evaluate("window.explorer.state.mode") == "backward"
    page.click("#play")
    page.wait_for_function(f"window.explorer.state.index === {len(doc['backward']) - 1}", timeout=10_000)
    page.wait_for_function("document.getElementById('play').textContent === 'play'", timeout=5_000)
    # the gradient the page shows for a weight is the engine's
    weight = next(n for n in doc["nodes"] if n["name"] == "3.weight")
    page.evaluate(f"window.explorer.select({weight['id']})")
    loss.backward()
    text = page.inner_text("#panel-grad")  # a (10, 100) matrix: a heat map with its statistics
    engine = model[3].weight.grad.numpy()
    assert page.locator("#panel-grad canvas").count() == 1
    for statistic, expected in (("min", engine.min()), ("max", engine.max()), ("std", engine.std())):
        shown = float(text.split(statistic)[1].split()[0])
        assert shown == pytest.approx(float(expected), rel=1e-3), statistic
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "explorer_demo.png"))
    page.close()


def test_a_small_graphs_gradients_are_shown_number_by_number(browser, tmp_path):
    w = tg.Tensor(np.array([0.5, -1.0, 2.0], np.float32), requires_grad=True, name="w")
    with viz.recording():
        h = w * 2.0
        loss = (h * h + h.exp()).sum()
    doc = viz.explore(loss, tmp_path / "small.html").document
    page, _ = open_page(browser, tmp_path / "small.html")
    leaf = next(n for n in doc["nodes"] if n["name"] == "w")
    page.evaluate(f"window.explorer.select({leaf['id']})")
    loss.backward()
    first_line = page.inner_text("#panel-grad").splitlines()[0]  # the numbers; statistics follow
    np.testing.assert_allclose(numbers(first_line), w.grad.numpy(), rtol=1e-3)
    twice = next(n for n in doc["nodes"] if len(n["users"]) == 2)
    page.evaluate(f"window.explorer.select({twice['id']})")
    page.click("#mode")  # backward: the panel shows what it received, and says it is a sum
    page.evaluate(f"window.explorer.select({twice['id']})")
    assert "sum" in page.inner_text("#panel-users").lower()
    received = numbers(page.inner_text("#panel-g").splitlines()[0])
    h_values = 2 * w.numpy()
    np.testing.assert_allclose(received, 2 * h_values + np.exp(h_values), rtol=1e-3)
    page.close()


def test_the_convnet_opens_fast_and_a_graph_of_10000_ops_opens_folded(browser, tmp_path):
    model, loss = demo_loss("conv", batch=2)
    viz.explore(loss, tmp_path / "conv.html", model=model)
    page, seconds = open_page(browser, tmp_path / "conv.html")
    assert seconds < 2.0
    page.close()
    viz.explore(long_chain_loss(), tmp_path / "big.html")
    page, seconds = open_page(browser, tmp_path / "big.html")
    assert seconds < 5.0, seconds
    page.click("#step-forward")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.explorer.state.index") == 1
    page.close()


def test_nan_is_marked_red_where_it_first_appears(browser, tmp_path):
    w = tg.Tensor(np.array([1.0, -1.0], np.float32), requires_grad=True)
    with viz.recording(), np.errstate(invalid="ignore"):
        loss = ((w * 3.0).log() + 1.0).sum()
    doc = viz.explore(loss, tmp_path / "nan.html").document
    page, _ = open_page(browser, tmp_path / "nan.html")
    log = next(n for n in doc["nodes"] if n["name"] == "log")
    assert page.locator(f'.node.bad[data-id="{log["id"]}"] .first-bad').count() >= 1
    assert page.locator(".node .first-bad").count() == page.locator(f'[data-id="{log["id"]}"] .first-bad').count()
    page.evaluate(f"window.explorer.select({log['id']})")
    assert "NaN first appears here" in page.inner_text("#panel-bad")
    assert "nan" in page.inner_text("#panel-value")
    page.close()


def test_modules_fold_into_one_box_and_unfold(browser, tmp_path):
    model, loss = demo_loss()
    doc = viz.explore(loss, tmp_path / "fold.html", model=model).document
    page, _ = open_page(browser, tmp_path / "fold.html")
    every = page.locator("g.node").count()
    assert page.locator("g.box").count() == 0 and every == len(doc["nodes"])
    page.click("#fold-all")
    assert page.locator("g.box").count() == len({n["module"] for n in doc["nodes"] if n["module"] is not None})
    assert page.locator("g.node").count() < every
    page.locator("g.box").first.click()  # a box unfolds when clicked
    assert page.locator("g.box").count() == len({n["module"] for n in doc["nodes"] if n["module"] is not None}) - 1
    page.click("#unfold-all")
    assert page.locator("g.box").count() == 0 and page.locator("g.node").count() == every
    page.close()


def test_a_model_of_10000_ops_opens_folded_by_module_and_unfolds_one_block(browser, tmp_path):
    from tinygrad_edu import nn
    tg.manual_seed(0)
    model = nn.Sequential(*[nn.Sequential(*[layer for _ in range(250) for layer in (nn.Linear(4, 4), nn.ReLU())])
                            for _ in range(20)])
    with viz.recording(model):
        loss = model(tg.Tensor(np.ones((2, 4), np.float32))).sum()
    doc = viz.explore(loss, tmp_path / "blocks.html", model=model).document
    assert sum(n["kind"] == "op" for n in doc["nodes"]) >= 10_000
    page, seconds = open_page(browser, tmp_path / "blocks.html")
    assert seconds < 5.0, seconds
    assert page.locator("g.box").count() == 20  # one box per block
    page.locator("g.box").first.click()
    assert page.locator("g.box").count() == 19 and page.locator("g.node").count() > 500  # its ops, unfolded
    page.click("#step-forward")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.explorer.state.index") == 1
    page.close()


def test_an_op_shows_the_values_it_received_in_the_forward_pass(browser, tmp_path):
    x = tg.Tensor(np.array([1.5, -2.0], np.float32), requires_grad=True, name="x")
    with viz.recording():
        loss = (x * 3.0).sum()
    doc = viz.explore(loss, tmp_path / "in.html").document
    page, _ = open_page(browser, tmp_path / "in.html")
    mul = next(n for n in doc["nodes"] if n["name"] == "mul")
    page.evaluate(f"window.explorer.select({mul['id']})")
    received = page.inner_text("#panel-inputs")
    assert "from x" in received and "1.5, -2" in received and "3" in received
    page.close()
