"""Drawing the backprop graph with graphviz.

`draw_graph(y)` returns a `graphviz.Digraph` of everything that produced `y`: an ellipse per
tensor (name, shape, dtype; a leaf that requires grad is filled, a constant is grey), a box per
op, edges in the direction data flows. After `backward()` the leaves show their gradients;
before it, the graph says that backward has not run (so zeros are never mistaken for
gradients). NaN or Inf in a value or gradient is drawn in red.

`render(graph, path)` writes an SVG/PNG/PDF through the Graphviz program `dot`; without it, it
writes the DOT text and says how to install Graphviz.
"""
from __future__ import annotations

import os
import shutil

import numpy as np

from .tensor import Tensor

INSTALL_HINT = ("the Graphviz program 'dot' is not installed; install it (Debian/Ubuntu: "
                "apt-get install graphviz, macOS: brew install graphviz, Windows: winget install graphviz) "
                "to render images")


def _summary(values: np.ndarray) -> str:
    if values.size <= 4:
        return np.array2string(values.reshape(-1), precision=4, separator=", ", suppress_small=True)
    finite = values[np.isfinite(values)]
    norm = float(np.sqrt((finite.astype(np.float64) ** 2).sum()))
    return f"norm {norm:.4g}, mean {float(finite.mean()) if finite.size else float('nan'):.4g}"


def _bad(values) -> bool:
    return values is not None and values.dtype.kind == "f" and not np.isfinite(values).all()


def draw_graph(output: Tensor, params: dict | None = None, show_values: bool = False, rankdir: str = "TB"):
    """The graph that produced `output`. `params`: {name: tensor} to label leaves, e.g.
    `dict(model.named_parameters())`; `show_values`: print small values (or norm and mean)."""
    import graphviz

    names = {id(t): n for n, t in (params or {}).items()}
    graph = graphviz.Digraph(graph_attr={"rankdir": rankdir}, node_attr={"fontname": "Helvetica", "fontsize": "11"})
    if output._ctx is None and not output.requires_grad:
        graph.attr(label="this tensor was not made by a recorded op")
    ids, has_grad = {}, []

    def tensor_node(key, label, style):
        ids[key] = f"t{len(ids)}"
        graph.node(ids[key], label, **style)
        return ids[key]

    def leaf_node(t: Tensor) -> str:
        if id(t) in ids:
            return ids[id(t)]
        name = names.get(id(t)) or t.name or ""
        lines = [name, f"{t.shape} {t.dtype}"] if name else [f"{t.shape} {t.dtype}"]
        if show_values:
            lines.append(f"data {_summary(t.numpy())}")
        if t.grad is not None:
            has_grad.append(True)
            lines.append(f"grad {_summary(t.grad.numpy())}")
        red = _bad(t.numpy()) or (t.grad is not None and _bad(t.grad.numpy()))
        fill = "#f4b6b6" if red else "#ffe8a8" if t.requires_grad else "#e0e0e0"
        return tensor_node(id(t), "\n".join(lines), {"shape": "ellipse", "style": "filled", "fillcolor": fill,
                                                     "color": "red" if red else "black"})

    out_key = ("output", id(output))
    label = [output.name or "output", f"{output.shape} {output.dtype}"]
    if show_values:
        label.append(f"data {_summary(output.numpy())}")
    red = _bad(output.numpy())
    root = tensor_node(out_key, "\n".join(label), {"shape": "doubleoctagon", "style": "filled",
                                                   "fillcolor": "#f4b6b6" if red else "#b6e3f4"})
    if output._ctx is None:
        return graph
    op_ids, stack = {}, [(output._ctx, root)]
    while stack:  # iterative: deep graphs draw without recursion
        op, produced = stack.pop()
        if id(op) not in op_ids:
            op_ids[id(op)] = f"op{len(op_ids)}"
            graph.node(op_ids[id(op)], op.op_name(), shape="box", style="filled,rounded", fillcolor="#d5e8d4")
            for parent in op.parents:
                if parent is None:
                    continue
                if isinstance(parent, Tensor):
                    graph.edge(leaf_node(parent), op_ids[id(op)])
                else:
                    key = ("out", id(parent))
                    if key not in ids:
                        tensor_node(key, f"{parent.out_shape} {parent.out_dtype}", {"shape": "ellipse"})
                        stack.append((parent, ids[key]))
                    graph.edge(ids[key], op_ids[id(op)])
        graph.edge(op_ids[id(op)], produced)
    if not has_grad:
        graph.attr(label="backward has not run yet: no gradients to show", labelloc="t")
    return graph


def render(graph, path, format: str | None = None) -> str:
    """Write `graph` to `path` (format from the extension: svg, png or pdf). Returns the path
    written; without the `dot` program, writes `path` with a .dot extension instead and warns."""
    path = os.fspath(path)
    base, ext = os.path.splitext(path)
    format = format or ext.lstrip(".") or "svg"
    if format == "dot":
        with open(path, "w") as f:
            f.write(graph.source)
        return path
    if shutil.which("dot") is None:
        with open(base + ".dot", "w") as f:
            f.write(graph.source)
        raise RuntimeError(f"render: {INSTALL_HINT}; the DOT text was written to {base}.dot")
    return graph.render(outfile=path, format=format, cleanup=True)
