"""Drawing the backprop graph with graphviz.

`draw_graph(y)` returns a `graphviz.Digraph` of everything that produced `y`: an ellipse per
tensor (name, shape, dtype), a box per op, edges in the direction data flows. Leaves that require
grad are yellow, constants grey, the output blue. NaN or Inf in a value or gradient is drawn in
red. Intermediate tensors show shape and dtype only: their values are freed as soon as nothing
needs them. A constant an op kept for backward (the 3 and the 4s of `4 * x**3 - 4 * x`, an input
batch) shows its value if it has at most 4 elements, its shape otherwise; backward frees what ops
kept, so draw before it (or after `backward(retain_graph=True)`) to see them.

A `.grad` written last by a backward that did not start from this graph's output (an earlier
loss, another graph) reads `stale grad ...` (the engine numbers each backward on the ops it runs
and the `.grad` it writes); with no gradient at all, the graph says that backward has not run.

With `show_backward_order=True` each op is numbered in the order backward runs it. Run a model's
forward inside `with trace(model):` and the ops of each module are drawn inside a labelled box
(`layers.0 (Linear)`); `max_depth` draws each module at that depth (and its sub-modules) as
one node, holding the parameters used only there (count, size, gradient norm). A graph much
taller than wide is wrapped into side-by-side columns, cut between module boxes. The gradient of
a `create_graph=True` backward is a Tensor with a graph of its own: `draw_graph(x.grad)`.

`draw_program(step)` draws what `tg.jit` recorded for a step instead (jit/draw.py), and
`explore(loss)` writes the backprop explorer, a page to step through the graph (explore/).

`render(graph, path)` writes SVG/PNG/PDF through the Graphviz program `dot`; without it, it
writes the DOT text and says in one sentence how to install Graphviz (an error, or a warning
with `fallback_to_dot=True`).
"""
from __future__ import annotations

import os
import shutil
import warnings
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

import numpy as np

from .function import FREED
from .graph import AccumulateGrad, walk
from .explore import explore, recording  # noqa: F401  (viz.explore, viz.recording)
from .jit.draw import draw_program  # noqa: F401  (viz.draw_program)
from .tensor import Tensor

if TYPE_CHECKING:
    import graphviz

    from .nn.module import Module

INSTALL_HINT = ("the Graphviz program 'dot' is not installed; install it (Debian/Ubuntu: "
                "apt-get install graphviz, macOS: brew install graphviz, Windows: winget install graphviz) "
                "to render images")
COLORS = {"param": "#ffe8a8", "constant": "#e0e0e0", "output": "#b6e3f4", "op": "#d5e8d4", "bad": "#f4b6b6"}


@contextmanager
def trace(model: Module) -> Iterator[Module]:
    """Tag every op made inside `model`'s modules during the block with the innermost module's
    name and type, so that draw_graph can group them."""
    handles = [module.register_forward_hook(_tagger(name or type(model).__name__, type(module).__name__))
               for name, module in model.named_modules()]
    try:
        yield model
    finally:
        for h in handles:
            h.remove()


def _tagger(name: str, kind: str):
    def hook(module, args, output):
        if not isinstance(output, Tensor) or output._grad_fn is None:
            return
        inputs = {a._grad_fn for a in args if isinstance(a, Tensor) and a._grad_fn is not None}
        for op in walk([output._grad_fn], stop=inputs):  # the ops between the module's inputs and output
            if _is_op(op) and getattr(op, "module", None) is None:  # inner modules tagged theirs first
                op.module = (name, kind)
    return hook


def backward_order(output: Tensor) -> list:
    """The recorded ops in the order backward runs them (the engine's rule: latest generation first)."""
    return [] if output._grad_fn is None else [node for node in walk([output._grad_fn]) if _is_op(node)]


def _inside(op, path: str) -> bool:
    """Was `op` made inside the module at `path` (or one of its sub-modules)?"""
    tagged = getattr(op, "module", (None,))[0] or ""
    return tagged == path or tagged.startswith(path + ".")


def _is_op(node) -> bool:
    return node is not None and not isinstance(node, AccumulateGrad)


def _summary(values: np.ndarray) -> str:
    if values.size <= 4:
        return np.array2string(values.reshape(-1), precision=4, separator=", ", suppress_small=True)
    finite = values[np.isfinite(values)]
    norm = float(np.sqrt((finite.astype(np.float64) ** 2).sum()))
    mean = float(finite.mean()) if finite.size else float("nan")
    return f"norm {norm:.4g}, mean {mean:.4g}"


def _bad(values) -> bool:
    return values is not None and values.dtype.kind == "f" and not np.isfinite(values).all()


def draw_graph(output: Tensor, params: dict | None = None, model: Module | None = None, show_values: bool = False,
               show_backward_order: bool = False, max_depth: int | None = None,
               rankdir: str = "TB") -> graphviz.Digraph:
    """The graph that produced `output`, as a graphviz.Digraph.

    `params` ({name: tensor}) or `model` (its named_parameters) name the leaves; `show_values`
    adds small values (or norm and mean) of leaves and output; `show_backward_order` numbers the
    ops as backward runs them; `max_depth` draws each module at that nesting depth as one node
    (with `trace`)."""
    import graphviz

    kinds = {name: type(m).__name__ for name, m in model.named_modules()} if model is not None else {}
    names = dict(model.named_parameters()) if model is not None else {}
    names.update(params or {})
    names = {id(t): n for n, t in names.items()}
    graph = graphviz.Digraph(graph_attr={"rankdir": rankdir, "fontname": "Helvetica"},
                             node_attr={"fontname": "Helvetica", "fontsize": "11"})
    ops = backward_order(output)
    numbers = {id(op): i + 1 for i, op in enumerate(backward_order(output))} if show_backward_order else {}
    clusters, node_of_op, has_grad, folded_ids = {}, {}, [], {}

    def place(op):
        """The subgraph an op's node goes in, and the folded node that stands for it, if any."""
        path = getattr(op, "module", (None, None))[0]
        if path is None:
            return graph, None
        parts = path.split(".")
        if max_depth is not None and len(parts) >= max_depth:
            folded = ".".join(parts[:max_depth])
            parent = ".".join(parts[:max_depth - 1])
            return (_cluster(clusters, parent, ops, kinds) if parent else graph), folded
        return _cluster(clusters, path, ops, kinds), None

    boxes = {}  # node -> the module box it is drawn in (not to be torn apart by wrapping)
    folds = {}  # folded node id -> (subgraph, label, [parameters absorbed])
    for op in ops:
        target, folded = place(op)
        if folded is not None:
            if folded not in folded_ids:
                folded_ids[folded] = f"fold{len(folded_ids)}"
                count = sum(1 for o in ops if _inside(o, folded))
                count = f"{count} op" if count == 1 else f"{count} ops"
                label = f"{folded} ({kinds[folded]})" if folded in kinds else folded
                folds[folded_ids[folded]] = (target, f"{label}\n{count}", [])
            node_of_op[id(op)] = folded_ids[folded]
            continue
        node_of_op[id(op)] = f"op{len(node_of_op)}"
        if target is not graph:
            boxes[node_of_op[id(op)]] = op.module[0]
        label = op.op_name() + (f"\nbackward #{numbers[id(op)]}" if id(op) in numbers else "")
        target.node(node_of_op[id(op)], label, shape="box", style="filled,rounded", fillcolor=COLORS["op"])

    # A .grad is this graph's when the backward that wrote it last is the one that last ran from
    # this graph's output (the engine numbers each backward, on the ops it runs and the .grad it writes).
    latest = getattr(output._grad_fn, "ran_in", None)
    leaves = [(op, p.leaf) for op in ops for p in op.next_functions if isinstance(p, AccumulateGrad)]
    fresh = {id(t) for _, t in leaves if latest is not None and getattr(t, "_grad_from", None) == latest}
    users = {}  # leaf id -> the nodes that use it; a leaf used only inside one folded module goes in its node
    for op, t in leaves:
        users.setdefault(id(t), set()).add(node_of_op[id(op)])
    tensor_ids, stale = {}, []

    def tensor_node(key, label, fill, red=False, shape="ellipse", where=graph):
        if key not in tensor_ids:
            tensor_ids[key] = f"t{len(tensor_ids)}"
            where.node(tensor_ids[key], label, shape=shape, style="filled", fillcolor=COLORS["bad"] if red else fill,
                       color="red" if red else "black")
        return tensor_ids[key]

    def grad_line(grad, is_fresh: bool) -> str:
        (has_grad if is_fresh else stale).append(True)
        return ("grad " if is_fresh else "stale grad ") + _summary(grad.numpy())

    def leaf(t: Tensor) -> str:
        lines = [n for n in (names.get(id(t)) or t.name,) if n] + [f"{t.shape} {t.dtype}"]
        if show_values:
            lines.append(f"data {_summary(t.numpy())}")
        if t.grad is not None:
            lines.append(grad_line(t.grad, id(t) in fresh or not ops))
        red = _bad(t.numpy()) or (t.grad is not None and _bad(t.grad.numpy()))
        fill = COLORS["param"] if t.requires_grad else COLORS["constant"]
        return tensor_node(("leaf", id(t)), "\n".join(lines), fill, red)

    out_label = [output.name or "output", f"{output.shape} {output.dtype}"]
    if show_values:
        out_label.append(f"data {_summary(output.numpy())}")
    root = tensor_node("output", "\n".join(out_label), COLORS["output"], _bad(output.numpy()), "doubleoctagon")
    edges = {}  # (from, to) -> None, in drawing order; drawn at the end, wrapped if the graph is tall
    if output._grad_fn is not None or output.requires_grad:
        edges[(node_of_op[id(output._grad_fn)] if output._grad_fn is not None else leaf(output), root)] = None
    for op in ops:
        node = node_of_op[id(op)]
        kept = _kept_inputs(op)
        for i, parent in enumerate(op.next_functions):
            if isinstance(parent, AccumulateGrad) and node in folds and users[id(parent.leaf)] == {node}:
                folds[node][2].append(parent.leaf)
                continue
            if parent is None:  # an input that needs no gradient: a Tensor, or a number or array
                value, is_tensor = kept.get(i), i in getattr(op, "tensor_constants", ())
                if not is_tensor and (value is None or node in folds):
                    continue  # a number the op did not keep, or one inside a folded module
                key = ("const", id(value)) if value is not None else ("const", id(op), i)
                label = _constant_label(value) if value is not None else "constant\n" + (
                    "(value freed by backward)" if op.saved_tensors is FREED else "(needs no gradient)")
                shape = "ellipse" if value is None or value.size > 4 else "plaintext"
                source = tensor_node(key, label, COLORS["constant"], shape=shape)
            elif isinstance(parent, AccumulateGrad):
                source = leaf(parent.leaf)
            elif node_of_op[id(parent)] == node:
                continue  # inside one folded module
            else:
                target, _ = place(parent)
                hidden = node_of_op[id(parent)].startswith("fold")
                source = node_of_op[id(parent)] if hidden else tensor_node(
                    ("out", id(parent)), _output_label(parent, grad_line, latest), "white", where=target)
                if target is not graph:
                    boxes[source] = parent.module[0]
                if not hidden:
                    edges[(node_of_op[id(parent)], source)] = None
            edges[(source, node)] = None
    for node, (target, label, params) in folds.items():
        label, red = _fold_label(label, params, fresh, grad_line)
        target.node(node, label, shape="box3d", style="filled", fillcolor=COLORS["bad"] if red else COLORS["op"],
                    color="red" if red else "black")
    note = "" if has_grad else "backward has not run yet: no gradients to show"
    if stale:
        note = ("stale grad: written by a backward that did not run through this graph (an earlier "
                "loss, say); zero the gradients and run backward from this output to see its own")
    if output._grad_fn is None and not output.requires_grad:
        note = "this tensor was not made by a recorded op"
    if note:
        graph.attr(label=note, labelloc="t")
    _draw_edges(graph, list(edges), boxes)
    _attach(graph, clusters)
    return graph


def _draw_edges(graph, edges: list, boxes: dict, rank_height: float = 1.0, node_width: float = 2.0) -> None:
    """Draw the edges; a graph of 12 ranks or more, much taller than wide, is wrapped into
    side-by-side columns.

    Each node's rank counts up from the output by its longest path to it, so a node sits just
    above its first user (as Graphviz's `unflatten` places leaves). The ranks are cut into about
    sqrt(height / width) columns, never inside a module box that holds ops (`boxes`: node ->
    module path), and an edge from one column into the next does not constrain the layout, so
    the next column starts again at the top. `rank_height` and `node_width` are rough sizes in inches."""
    pred, outdegree = {}, {}
    for a, b in edges:
        pred.setdefault(b, []).append(a)
        outdegree[a] = outdegree.get(a, 0) + 1
        outdegree.setdefault(b, 0)
    below, ready = dict.fromkeys(outdegree, 0), [n for n, d in outdegree.items() if d == 0]
    while ready:  # longest path down to the output, in reverse topological order: no recursion
        b = ready.pop()
        for a in pred.get(b, ()):
            below[a] = max(below[a], below[b] + 1)
            outdegree[a] -= 1
            if outdegree[a] == 0:
                ready.append(a)
    top = max(below.values(), default=0)
    rank = {node: top - d for node, d in below.items()}  # each node as low as it can go
    height = max(rank.values(), default=0) + 1
    widest = int(np.bincount(list(rank.values())).max()) if rank else 1
    per_column = -(-height // max(1, int(round(np.sqrt(height * rank_height / (widest * node_width))))))
    cuts = []  # column i holds the ranks from cuts[i - 1] up to cuts[i]
    if height >= 12 and per_column < height:
        spans = {}
        for node, path in boxes.items():
            lo, hi = spans.get(path, (rank[node], rank[node]))
            spans[path] = (min(lo, rank[node]), max(hi, rank[node]))
        inside = np.zeros(height + 1, dtype=bool)  # inside[c]: a cut before rank c splits a box
        for lo, hi in spans.values():
            inside[lo + 1:hi + 1] = True
        allowed = np.flatnonzero(~inside[1:height]) + 1
        while allowed.size and (not cuts or cuts[-1] + per_column < height):
            ideal = (cuts[-1] if cuts else 0) + per_column
            cuts.append(int(allowed[np.abs(allowed - ideal).argmin()]))
            allowed = allowed[allowed > cuts[-1] + per_column // 2]
    column = {node: int(np.searchsorted(cuts, r, side="right")) for node, r in rank.items()} if cuts else {}
    for a, b in edges:
        if cuts and column[a] != column[b]:
            graph.edge(a, b, constraint="false")
        else:
            graph.edge(a, b)


def _kept_inputs(op) -> dict:
    """{input index: array} for the inputs that need no gradient and that the op kept for
    backward (matched by identity, as the engine does); empty once backward has freed them."""
    saved, ids = op.saved_tensors, getattr(op, "input_ids", None)
    if not isinstance(saved, tuple) or not saved or ids is None:
        return {}
    by_id = {id(s): s for s in saved if hasattr(s, "shape")}
    return {i: by_id[ids[i]] for i, p in enumerate(op.next_functions)
            if p is None and i < len(ids) and ids[i] in by_id}


def _constant_label(value) -> str:
    """A constant's value when it has at most 4 elements (`3`, `[1., 2.]`), its shape otherwise."""
    value = np.asarray(value)
    if value.ndim == 0:
        return f"{value.item():g}" if value.dtype.kind == "f" else str(value.item())
    if value.size <= 4:
        return f"{_summary(value)}\n{value.shape}"
    return f"constant\n{value.shape} {value.dtype}"


def _fold_label(label: str, params: list, fresh: set, grad_line) -> tuple:
    """A folded module's label: its op count, then its parameters (count, size, gradient norm)."""
    if not params:
        return label, False
    size = sum(int(np.prod(p.shape)) for p in params)
    label += f"\n{len(params)} parameter{'s' if len(params) > 1 else ''}, {size:,} values"
    grads = [p.grad.numpy().reshape(-1) for p in params if p.grad is not None]
    red = any(_bad(p.numpy()) for p in params) or any(_bad(g) for g in grads)
    if grads:
        line = grad_line(Tensor(np.concatenate(grads)), all(id(p) in fresh for p in params if p.grad is not None))
        label += "\n" + line.split(",")[0]  # the norm of all; a mean across parameters means little
    return label, red


def _output_label(op, grad_line, latest) -> str:
    """An intermediate tensor's label: shape and dtype, and its gradient if it called retain_grad()."""
    label = f"{op.out_shape} {op.out_dtype}"
    kept = op.retained() if op.retained is not None else None
    if kept is not None and kept.grad is not None:
        label += "\n" + grad_line(kept.grad, latest is not None and getattr(kept, "_grad_from", None) == latest)
    return label


def _cluster(clusters: dict, path: str, ops, kinds: dict):
    """The cluster (a graphviz subgraph) of a module path, made on first use with its parents."""
    if path not in clusters:
        import graphviz
        if "." in path:
            _cluster(clusters, path.rsplit(".", 1)[0], ops, kinds)
        kind = kinds.get(path) or next((o.module[1] for o in ops if getattr(o, "module", (None,))[0] == path), None)
        clusters[path] = graphviz.Digraph(name=f"cluster_{len(clusters)}", graph_attr={
            "label": f"{path} ({kind})" if kind else path, "style": "rounded,dashed", "color": "#7f7f7f"})
    return clusters[path]


def _attach(graph, clusters: dict) -> None:
    """Nest the clusters into their parents, deepest first (graphviz copies a subgraph when it
    is attached, so a cluster must be complete by then)."""
    for path in sorted(clusters, key=lambda p: -p.count(".")):
        parent = clusters[path.rsplit(".", 1)[0]] if "." in path else graph
        parent.subgraph(clusters[path])


def render(graph: graphviz.Digraph, path: str | os.PathLike, format: str | None = None,
           fallback_to_dot: bool = False) -> str:
    """Write `graph` to `path` (format from the extension: svg, png, pdf, or dot for the text) and
    return the path written. Without the Graphviz program `dot`, the DOT text is written beside
    `path`; then it raises RuntimeError saying how to install Graphviz, or, with `fallback_to_dot`,
    warns so and returns the .dot path (the other form an older run left is then removed)."""
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
        message = f"render: {INSTALL_HINT}; the DOT text was written to {base}.dot"
        if not fallback_to_dot:
            raise RuntimeError(message)
        warnings.warn(message, stacklevel=2)
        written = base + ".dot"
    else:
        written = graph.render(outfile=path, format=format, cleanup=True)
    if fallback_to_dot:  # either form may come out: remove the other one an older run left
        for stale in {path, base + ".dot"} - {written}:
            if os.path.isfile(stale):
                os.remove(stale)
    return written
