"""How things show in Jupyter: HTML for a Tensor, a Module and a summary table, and which tqdm
bar suits where the output goes. Nothing here imports IPython; it only asks whether it is running."""
from __future__ import annotations

import html
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

if TYPE_CHECKING:
    from .nn import Module
    from .tensor import Tensor


def in_ipython() -> bool:
    """True under IPython (a Jupyter kernel, the IPython shell, Spyder): it can display rich output."""
    ipython = sys.modules.get("IPython")
    return ipython is not None and ipython.get_ipython() is not None


def in_kernel() -> bool:
    """True in a Jupyter kernel (notebook, lab, VS Code): the output goes to a browser, not a terminal."""
    return in_ipython() and hasattr(sys.modules["IPython"].get_ipython(), "kernel")


def has_widgets() -> bool:
    """True when tqdm can draw its notebook widget (ipywidgets is installed)."""
    try:
        from tqdm.notebook import IProgress
    except ImportError:
        return False
    return IProgress is not None


def show(text: str, html_text: str, file: TextIO | None = None) -> None:
    """Print `text` to `file` (standard output by default); under IPython with no `file`, display
    the HTML instead, with the text for front ends that cannot show HTML."""
    if file is None and in_ipython():
        from IPython.display import display
        display({"text/plain": text, "text/html": html_text}, raw=True)
    else:
        print(text, file=file)


def _execution_count():
    return sys.modules["IPython"].get_ipython().execution_count if in_ipython() else None


class Shown(str):
    """Text that was shown when it was made (printed, or displayed as `html`), as a summary is.
    IPython would echo it again as the cell's last value; that echo is skipped, while a later
    cell or `display()` shows it as HTML."""

    def __new__(cls, text: str, html_text: str = "") -> Shown:  # the default lets pickle rebuild it
        self = super().__new__(cls, text)
        self.html, self.shown_in = html_text, _execution_count()
        return self

    def _repr_html_(self) -> str:
        return self.html

    def _ipython_display_(self) -> None:
        if self.shown_in is not None and self.shown_in == _execution_count():
            return  # the cell that made it has shown it already
        from IPython.display import display
        display({"text/plain": str(self), "text/html": self.html}, raw=True)


def table(header: Sequence[Any], rows: Iterable[Sequence[Any]], footer: str = "", caption: str = "") -> str:
    """An HTML table; every cell is escaped."""
    def row(cells, tag):
        return "<tr>" + "".join(f"<{tag} style='text-align:left'>{html.escape(str(c))}</{tag}>"
                                for c in cells) + "</tr>"
    parts = ["<table>"]
    if caption:
        parts.append(f"<caption style='text-align:left'>{html.escape(caption)}</caption>")
    parts += ["<thead>", row(header, "th"), "</thead><tbody>", *(row(r, "td") for r in rows), "</tbody>"]
    if footer:
        parts.append(f"<tfoot><tr><td colspan='{len(header)}'>{html.escape(footer)}</td></tr></tfoot>")
    return "".join(parts) + "</table>"


def tensor_html(t: Tensor) -> str:
    """A Tensor's card: shape, dtype, device, how it enters autograd, and a few of its values."""
    if t.grad_fn is not None:
        autograd = f"grad_fn={type(t.grad_fn).__name__}"
    elif t.requires_grad:
        autograd = "requires_grad=True (a leaf)" + ("; has .grad" if t.grad is not None else "")
    else:
        autograd = "no grad"
    facts = [("shape", tuple(t.shape)), ("dtype", t.dtype), ("device", t.device), ("autograd", autograd)]
    if t.name:
        facts.insert(0, ("name", t.name))
    values = np.array2string(t.numpy(), separator=", ", threshold=20, edgeitems=3, precision=4)
    cells = "".join(f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>"
                    f"<code>{html.escape(str(v))}</code></td></tr>" for k, v in facts)
    return (f"<div><b>Tensor</b><table>{cells}</table>"
            f"<pre style='margin:0.3em 0'>{html.escape(values)}</pre></div>")


def module_rows(module: Module) -> list[tuple[str, str, int]]:
    """(name, module line, parameter count) of the leaves and of every module holding parameters
    of its own; a parameter shared by two modules is counted at the first."""
    rows, seen = [], set()
    for name, m in module.named_modules():
        if m._modules and not m._parameters:
            continue
        own = [p for p in m._parameters.values() if p is not None and id(p) not in seen]
        seen.update(id(p) for p in own)
        line = f"{type(m).__name__}({m.extra_repr()})"
        rows.append((name or "(self)", line, sum(p.numel() for p in own)))
    return rows


def module_html(module: Module) -> str:
    """A Module as a table of its layers and their parameter counts."""
    unique = {id(p): p for p in module.parameters()}.values()
    total = sum(p.numel() for p in unique)
    trainable = sum(p.numel() for p in unique if p.requires_grad)
    rows = [(name, line, f"{count:,}") for name, line, count in module_rows(module)]
    mode = "training" if module.training else "eval"
    return table(("layer", "module", "parameters"), rows,
                 footer=f"total parameters: {total:,} (trainable {trainable:,}); {mode} mode",
                 caption=type(module).__name__)
