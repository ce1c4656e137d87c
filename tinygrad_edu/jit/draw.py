"""Drawing a recorded program with graphviz: `viz.draw_program(step)`.

A box per recorded call (green: run at every replay; grey and dashed: free on replay, a view,
a constant or a repeat; orange: Python a replay redoes, or a check), an ellipse per array, named
as `step.show()` names them (blue `in0` inputs, yellow `p0` arrays of tensors that outlive the
step, white `t0` arrays the step made, grey `c0` arrays made in Python). Edges run from the
arrays a call reads to the call, and from the call to what it writes (its result, or the array
it changes in place, drawn bold).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..device import is_array
from .show import _FREE, _Names

if TYPE_CHECKING:
    import graphviz

COLORS = {"in": "#b6e3f4", "p": "#ffe8a8", "t": "#ffffff", "c": "#e0e0e0",
          "run": "#d5e8d4", "free": "#f0f0f0", "python": "#fbd7a8"}


def draw_program(step: Any, max_calls: int = 300, rankdir: str = "TB") -> graphviz.Digraph:
    """The newest program of the jitted `step` (or a Program) as a graphviz.Digraph, its first
    `max_calls` calls (a long program ends in one node saying how many more there are)."""
    import graphviz
    program = getattr(step, "program", step)
    if program is None:
        raise ValueError("draw_program: nothing recorded yet; call the jitted step a few times first "
                         "(the first calls trace, then it replays)")
    trace = program.trace
    names = _Names(trace)
    graph = graphviz.Digraph(graph_attr={"rankdir": rankdir, "fontname": "Helvetica"},
                             node_attr={"fontname": "Helvetica", "fontsize": "10"})
    drawn = set()

    def array_node(array) -> str:
        name = names(array)
        if name not in drawn:
            drawn.add(name)
            role = name.rstrip("0123456789")
            graph.node(name, f"{name}\n{list(array.shape)} {array.dtype}", shape="ellipse", style="filled",
                       fillcolor=COLORS[role])
        return name

    for index, call in enumerate(trace.calls[:max_calls]):
        skipped = program.skipped.get(call)
        label = f"{index}: {call.name}" + (f"\n({_FREE[skipped]})" if skipped else "")
        kind = "python" if call.host else "free" if skipped else "run"
        graph.node(f"call{index}", label, shape="box", style="filled,dashed" if skipped else "filled",
                   fillcolor=COLORS[kind])
        inputs = list({id(a): a for a in call.arrays()}.values())
        for array in inputs:
            graph.edge(array_node(array), f"call{index}")
        results = call.result if type(call.result) is tuple else (call.result,)
        for array in (r for r in results if is_array(r)):
            graph.edge(f"call{index}", array_node(array))
        if call.result is None and not call.host and inputs:  # in place: it writes its first array
            written = call.kwargs.get("out", inputs[0])
            written = written[0] if type(written) is tuple else written
            graph.edge(f"call{index}", array_node(written), style="bold", label="writes")
    if len(trace.calls) > max_calls:
        graph.node("more", f"... {len(trace.calls) - max_calls} more calls (max_calls={max_calls})", shape="note")
    return graph
