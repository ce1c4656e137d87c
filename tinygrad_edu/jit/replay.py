"""A replay as the user sees it: the step's arguments in, its results and gradients out.

`Replay` holds one program and how eager execution would have handed out what the step made:
the returned value (the arrays it made new at every replay, an argument given back as this
call's argument), and each `.grad` the step wrote, new at every replay. The tensors are held
weakly: a program must not keep alive the parameters of a layer the user replaced.
"""
from __future__ import annotations

import weakref
from typing import Any

from ..device import is_array
from ..tensor import Tensor
from .graphs import Graphs, library_for_graphs
from .program import NotStatic, Program
from .record import Trace

GUARD_FAILED = object()  # what a replay gives when a value guard fails: the call runs eagerly instead


def arrays_of(values: tuple | list) -> list:
    """The array of each argument (a Tensor's values, an array), None for any other argument."""
    return [v._data if isinstance(v, Tensor) else v if is_array(v) else None for v in values]


def aliasing(arrays: list) -> tuple:
    """Which arguments are the same array (a guard: a program gives each input its own register)."""
    ids = [id(a) for a in arrays if a is not None]
    return () if len(set(ids)) == len(ids) else tuple(ids.index(i) for i in ids)


class Replay:
    """One program of a jitted step; calling it replays the step on `args` (on a GPU, with CUDA
    graphs where `cuda_graphs`: graphs.py)."""

    def __init__(self, trace: Trace, args: list, result: Any, entry_grads: list, cuda_graphs: bool = True):
        library = library_for_graphs(trace) if cuda_graphs else None
        if library is not None:
            try:
                self._build(trace, args, result, entry_grads, static=True)
            except NotStatic:
                pass
            else:
                self.program.graphs = Graphs(self.program.steps, self.program.plain, library)
                return
        self._build(trace, args, result, entry_grads, static=False)

    def _build(self, trace: Trace, args: list, result: Any, entry_grads: list, static: bool) -> None:
        ids = [None if a is None else id(a) for a in arrays_of(args)]
        # the arguments that are the program's inputs, in order (an array given twice: its first place)
        self.positions = [i for i, key in enumerate(ids) if key in trace.inputs and ids.index(key) == i]
        leaves = {id(t): t for t in (ref() for ref in trace.externals.values() if ref is not None)
                  if t is not None and t._requires_grad and t._grad_fn is None}
        grads = {i: t.grad._data for i, t in leaves.items() if t.grad is not None and id(t.grad._data) in trace.made}
        argument_grads = {i: a.grad._data for i, a in enumerate(args) if isinstance(a, Tensor) and a.grad is not None
                          and id(a.grad._data) in trace.made}
        fresh = {id(a) for a in (*grads.values(), *argument_grads.values())}
        handed = list(_handed_out(result))
        fresh |= {id(a) for a in arrays_of(handed) if id(a) in trace.made}
        if static and any(not isinstance(v, Tensor) and id(v) in trace.made for v in handed):
            raise NotStatic("the step returns an array it made (not a Tensor)")
        self.program = Program(trace, fresh, static)
        self.grads = [(weakref.ref(t), self.program.register(grads[i]) if i in grads else None)
                      for i, t in leaves.items() if i in grads or t.grad is None]
        self.argument_grads = [(i, self.program.register(g)) for i, g in argument_grads.items()]
        self.result = _template(result, trace, self.program, args)
        # the gradients present at entry that the step reads (accumulates into), each with its register
        read = [(weakref.ref(t), index) for t, index in entry_grads  # (t, the register of its .grad)
                if index >= len(self.positions) and index not in self.program.unread]  # (not also an argument)
        self.entry_grads = [ref for ref, _ in read]
        self.at = [*range(len(self.positions)), *(index for _, index in read)]  # the registers fetched
        if static:  # the program now writes into the arrays this traced call handed out: give them copies
            buffers = {id(self.program.registers[i]) for i in self.program.copied}
            tensors = [t.grad for t in leaves.values() if t.grad is not None]
            tensors += [a.grad for a in args if isinstance(a, Tensor) and a.grad is not None]
            for t in (*tensors, *handed):
                if isinstance(t, Tensor) and id(t._data) in buffers:
                    t._data = t._data.copy()

    def __call__(self, args: tuple, arrays: list) -> Any:
        """Replay on `args` (`arrays`: the array of each, as `arrays_of` gives)."""
        inputs = [arrays[i] for i in self.positions]
        inputs += [ref().grad._data for ref in self.entry_grads]
        registers = self.program.run(inputs, self.at)
        if registers is None:
            return GUARD_FAILED
        for ref, index in self.grads:
            t = ref()
            if t is not None:
                t.grad = None if index is None else Tensor._from_op(registers[index])
        for position, index in self.argument_grads:
            args[position].grad = Tensor._from_op(registers[index])
        return _rebuild(self.result, registers, args)


def _handed_out(value):
    """The Tensors and arrays in a step's result."""
    if isinstance(value, Tensor) or is_array(value):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _handed_out(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _handed_out(v)


def _template(value, trace: Trace, program: Program, args: list):
    """The step's result with each array it made replaced by its register, and each argument
    it gives back by its position."""
    for position, argument in enumerate(args):
        if value is argument and (isinstance(value, Tensor) or is_array(value)):
            return ("argument", position)
    if isinstance(value, Tensor) and (id(value._data) in trace.made or id(value._data) in trace.inputs):
        return ("tensor", program.register(value._data))  # made new at each replay, or this call's input
    if is_array(value) and (id(value) in trace.made or id(value) in trace.inputs):
        return ("array", program.register(value))
    if isinstance(value, (tuple, list)):
        return (type(value), [_template(v, trace, program, args) for v in value])
    if isinstance(value, dict):
        return (dict, {k: _template(v, trace, program, args) for k, v in value.items()})
    return ("value", value)


def _rebuild(template, registers: list, args: tuple):
    kind, content = template
    if kind == "tensor":
        return Tensor._from_op(registers[content])
    if kind == "array":
        return registers[content]
    if kind == "argument":
        return args[content]
    if kind == "value":
        return content
    if kind is dict:
        return {k: _rebuild(v, registers, args) for k, v in content.items()}
    return kind(_rebuild(v, registers, args) for v in content)
