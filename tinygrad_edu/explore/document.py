"""The explorer's document: a graph as JSON-ready nodes (docs/explorer_format.md).

Nodes are the graph's ops and what they took: leaves (parameters and inputs, named from the
model where one is given) and constants. Each op carries its formula (the first line of its
docstring), its output value and, after a backward, the gradient it received and the ones it
sent, where `viz.recording()` kept them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..graph import AccumulateGrad, walk
from ..ops.movement import sum_to
from ..tensor import Tensor
from .values import is_bad, summary

if TYPE_CHECKING:
    from ..nn.module import Module

FORMAT, VERSION = "tinygrad-edu-explorer", 1
DETAILED = 1000  # past this many ops, ops' values are statistics only (the page stays small)


def document(output: Tensor, model: Module | None = None, title: str | None = None) -> dict:
    """The document of the graph that made `output` (see the format's page)."""
    if output._grad_fn is None:
        raise ValueError("explore: this tensor was not made by ops that record a graph (it is a leaf, or was "
                         "made under no_grad); explore the loss of a forward pass")
    backward = [node for node in walk([output._grad_fn]) if not isinstance(node, AccumulateGrad)]
    ops = sorted(reversed(backward), key=lambda op: op.generation)  # the order the forward made them
    names = {id(t): name for name, t in model.named_parameters()} if model is not None else {}
    kinds = {name: type(m).__name__ for name, m in model.named_modules()} if model is not None else {}
    builder = _Builder(names, kinds, detail=len(ops) <= DETAILED)
    for op in ops:
        builder.add_op(op)
    ran = hasattr(output._grad_fn, "kept_g")  # the output's op got its gradient: the backward was recorded
    builder.finish(output, ops, ran)
    recorded = all(hasattr(op, "kept_output") for op in ops)
    notes = [] if recorded else ["The forward ran outside viz.recording(): the values inside the graph were freed."]
    if not ran:
        notes.append("No backward pass was recorded (it ran before, without viz.recording(), or the output is not "
                     "a single number): no gradients are shown.")
    return {"format": FORMAT, "version": VERSION, "title": title or f"the graph of {_name(output._grad_fn)}",
            "note": " ".join(notes), "nodes": builder.nodes, "forward": builder.forward,
            "output": builder.id_of[id(output._grad_fn)],
            "backward": [builder.id_of[id(op)] for op in backward if hasattr(op, "kept_g")] if ran else [],
            "modules": builder.modules, "recorded": recorded}


class _Builder:
    def __init__(self, names: dict, kinds: dict, detail: bool):
        self.names, self.kinds, self.detail = names, kinds, detail
        self.nodes: list[dict] = []
        self.forward: list[int] = []
        self.id_of: dict[int, int] = {}  # id(op, leaf tensor or constant array) -> node id
        self.modules: list[dict] = []
        self.module_of: dict[str, int] = {}
        self.sent: dict[int, list] = {}  # id(op) -> the gradients its backward sent, fitted to its inputs
        self.leaves: dict[int, object] = {}  # node id -> the leaf Tensor
        self.ops: dict[int, object] = {}  # node id -> the op

    def node(self, key: int, **fields: Any) -> int:
        self.id_of[key] = len(self.nodes)
        self.nodes.append({"id": len(self.nodes), "formula": "", "module": None, "inputs": [], "users": [],
                           "grad": None, "g": None, "sent": [], "bad": None, "bad_grad": None, "first_bad": False,
                           **fields})
        self.forward.append(len(self.nodes) - 1)
        return len(self.nodes) - 1

    def add_op(self, op) -> None:
        kept = getattr(op, "kept_inputs", None)
        inputs = [self.input(op, i, upstream, kept[i] if kept else None)
                  for i, upstream in enumerate(op.next_functions)]
        value, g = getattr(op, "kept_output", None), getattr(op, "kept_g", None)
        sent = getattr(op, "kept_sent", None)
        if sent:  # summed down to each input's shape where the op broadcast it, as the engine does
            sent = [_fitted(s, self.nodes[i]["shape"]) for s, i in zip(sent, inputs)]
            self.sent[id(op)] = sent
        own = self.node(id(op), kind="op", name=_name(op), formula=_formula(op), module=self.module(op),
                        inputs=inputs, shape=list(op.out_shape), dtype=str(op.out_dtype),
                        value=summary(value, self.detail), bad=is_bad(value),
                        g=summary(g, self.detail), bad_grad=is_bad(g))
        self.ops[own] = op
        for i in dict.fromkeys(inputs):  # an op that takes a value twice (x * x) is one user of it
            self.nodes[i]["users"].append(own)

    def input(self, op, position: int, upstream, kept) -> int:
        """The node of an op's input: another op, a leaf (its accumulate node), or a constant."""
        if upstream is not None and not isinstance(upstream, AccumulateGrad):
            return self.id_of[id(upstream)]
        if isinstance(upstream, AccumulateGrad):
            leaf = upstream.leaf
            if id(leaf) not in self.id_of:
                value = kept if kept is not None else leaf._data  # as the forward saw it, where recorded
                self.node(id(leaf), kind="param", name=self.names.get(id(leaf)) or leaf.name or
                          f"param{sum(n['kind'] == 'param' for n in self.nodes)}", shape=list(leaf.shape),
                          dtype=str(leaf.dtype), value=summary(value), bad=is_bad(value))
                self.leaves[self.id_of[id(leaf)]] = leaf
            return self.id_of[id(leaf)]
        key = id(kept) if hasattr(kept, "shape") else (id(op), position)  # an array once; a number per use
        if key not in self.id_of:
            is_tensor = position in (getattr(op, "tensor_constants", None) or ())
            self.node(key, kind="input" if is_tensor else "constant", name="input" if is_tensor else "constant",
                      shape=list(kept.shape) if hasattr(kept, "shape") else None,
                      dtype=str(kept.dtype) if hasattr(kept, "dtype") else None,
                      value=summary(kept) if hasattr(kept, "shape") else None, bad=is_bad(kept))
        return self.id_of[key]

    def module(self, op) -> int | None:
        """The index of the module box an op belongs in, or None."""
        tag = getattr(op, "module", None)
        return None if tag is None else self.box(*tag)

    def box(self, path: str, kind: str) -> int:
        """The index of a module's box, its parents' boxes made first (`layers` before `layers.0`)."""
        if path not in self.module_of:
            above = path.rpartition(".")[0]
            parent = self.box(above, self.kinds.get(above, "")) if "." in path else None
            self.module_of[path] = len(self.modules)
            self.modules.append({"path": path, "type": kind, "parent": parent})
        return self.module_of[path]

    def finish(self, output: Tensor, ops: list, ran_backward: bool) -> None:
        """Each leaf's gradient from this backward (the sum of what its users sent: its .grad may
        hold earlier backwards too); the output's value; where NaN or Inf first appears."""
        for node_id, leaf in self.leaves.items():
            node = self.nodes[node_id]
            if ran_backward:
                parts = [s[k] for u in node["users"] for k, i in enumerate(self.nodes[u]["inputs"])
                         if i == node_id and (s := self.sent.get(id(self.op_of(u)))) and s[k] is not None]
                total = sum(parts[1:], parts[0]) if parts else None
                node["grad"], node["bad_grad"] = summary(total), is_bad(total)
            node["first_bad"] = node["bad"] is not None
        out = self.nodes[self.id_of[id(output._grad_fn)]]
        if out["value"] is None:
            out["value"], out["bad"] = summary(output._data), is_bad(output._data)
        for op in ops:
            node = self.nodes[self.id_of[id(op)]]
            node["sent"] = [summary(s, self.detail) for s in self.sent.get(id(op), [])] or [None] * len(node["inputs"])
            inputs = [self.nodes[i] for i in node["inputs"]]
            if node["bad"] and not any(n["bad"] for n in inputs):
                node["first_bad"] = True
            if node["g"] is not None and not node["bad_grad"] and any(s and s["nan"] + s["inf"] for s in node["sent"]):
                node["first_bad"] = True

    def op_of(self, node_id: int):
        return self.ops[node_id]


def _name(op) -> str:
    return op.op_name()


def _formula(op) -> str:
    doc = (type(op).__doc__ or "").strip()
    return doc.splitlines()[0].strip() if doc else ""


def _fitted(gradient, shape):
    """A gradient an op sent, summed down to its input's shape where the op broadcast the input."""
    if gradient is None or shape is None:
        return gradient
    array = getattr(gradient, "_data", gradient)
    return array if list(array.shape) == list(shape) else sum_to(array, tuple(shape))
