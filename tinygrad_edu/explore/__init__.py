"""The backprop explorer: step through the forward and backward pass of a graph in the browser.

    with viz.recording(model):          # keep every op's values (the graph keeps only what backward needs)
        loss = F.cross_entropy(model(x), y)
    viz.explore(loss, "loss.html", model=model)   # one self-contained HTML file; in a notebook it shows inline

The page (page.html, page.css, page.js: small, so that a learner can read them too) shows the
graph; a learner steps through the ops in the forward order and in the engine's backward order,
and sees at each op its formula, the values it got, the gradient it received and the ones it sent.
Its data is one JSON document (document.py), described in docs/explorer_format.md.
"""
from __future__ import annotations

import html
import json
import os
from typing import TYPE_CHECKING

from ..files import atomic_write
from ..graph import AccumulateGrad, walk
from ..tensor import Tensor
from .document import document
from .recording import recording

if TYPE_CHECKING:
    from ..nn.module import Module

__all__ = ["explore", "Explorer", "recording", "document"]

_HERE = os.path.dirname(os.path.abspath(__file__))


class Explorer:
    """A graph's explorer page: `save(path)`, `html()`, `document`; shown inline in a notebook."""

    def __init__(self, doc: dict):
        self.document = doc

    def html(self) -> str:
        """The page, with its style, code and document inline (nothing is loaded from elsewhere)."""
        parts = {name: open(os.path.join(_HERE, name), encoding="utf-8").read()
                 for name in ("page.html", "page.css", "page.js")}
        data = json.dumps(self.document, allow_nan=False, separators=(",", ":")).replace("</", "<\\/")
        return (parts["page.html"].replace("/*STYLE*/", parts["page.css"]).replace("/*SCRIPT*/", parts["page.js"])
                .replace("/*DOCUMENT*/", data))

    def save(self, path: str | os.PathLike) -> str:
        """Write the page (or, for a .json path, the document alone), atomically; returns the path."""
        path = os.fspath(path)
        text = (json.dumps(self.document, allow_nan=False, indent=1) if path.endswith(".json") else self.html())
        atomic_write(path, lambda f: f.write(text.encode("utf-8")))
        return path

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html(), quote=True)}" style="width:100%;height:640px;'
                'border:1px solid #ccc" sandbox="allow-scripts"></iframe>')


def explore(output: Tensor, path: str | os.PathLike | None = None, model: Module | None = None,
            title: str | None = None) -> Explorer:
    """The explorer of the graph that made `output` (a loss): written to `path` if given (HTML, or
    the JSON document for a .json path), shown inline in a notebook. Where no backward pass was
    recorded yet, one is run here and `output`'s leaves get their `.grad` back as it was, so that
    exploring changes nothing. `model` names the parameters (and the module boxes, when the
    forward ran inside `viz.recording(model)`)."""
    if not isinstance(output, Tensor):
        raise TypeError(f"explore: expected the Tensor a forward pass made (a loss), got {type(output).__name__}")
    if output._grad_fn is not None and not hasattr(output._grad_fn, "kept_g") and output.numel() == 1:
        doc = _with_backward(output, model, title)
    else:
        doc = document(output, model, title)
    explorer = Explorer(doc)
    if path is not None:
        explorer.save(path)
    return explorer


def _with_backward(output: Tensor, model, title) -> dict:
    """The document after a recorded backward pass from `output`, leaves' gradients restored."""
    leaves = [node.leaf for node in walk([output._grad_fn]) if isinstance(node, AccumulateGrad)]
    before = [(leaf, leaf.grad) for leaf in leaves]
    for leaf in leaves:
        leaf.grad = None  # the page shows this backward's gradients, not sums with earlier ones
    try:
        with recording():
            output.backward(retain_graph=True)
    except RuntimeError:  # a backward ran already and freed what it needed: show the forward only
        pass
    try:
        return document(output, model, title)
    finally:
        for leaf, grad in before:
            leaf.grad = grad
