"""The op base class `Function`: forward on arrays, backward from the gradient of the output.

An op's forward runs on plain arrays. When an input requires grad, the op is recorded: the output
Tensor's `grad_fn` is the op object (called `ctx` inside forward and backward, as in PyTorch, and
a node in the graph), and the op lists where each input came from in `next_functions` (see
graph.py). Ops never point at intermediate Tensors, so an intermediate array lives only as long
as the user holds it or an op saved it for backward.

Two rules make an op twice differentiable (create_graph=True): write backward with operators,
methods and `ctx.xp` functions only (see higher_order.py), and save inputs and outputs, not
temporaries, with `ctx.save_for_backward`.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy

from . import versions, watch
from .device import array_namespace
from .diagnostics import broadcast_failure, user_line
from .grad_mode import is_grad_enabled

if TYPE_CHECKING:
    from .graph_task import Backward
    from .ops.array import Array

FREED = "freed"  # marks an op whose saved values were released after backward


class Function:
    """Base class of every op, built-in or user-written.

    Subclass it with static `forward(ctx, *inputs, **settings)` (inputs arrive as arrays, settings
    such as an axis as keywords; return an array) and `backward(ctx, g)` (return one gradient per
    input, None where there is none), then call `MyOp.apply(*inputs, **settings)`.
    """

    __slots__ = ("next_functions", "generation", "out_shape", "out_dtype", "input_ids", "output_id", "ran_in",
                 "walked", "saved_tensors", "saved_at", "xp", "__dict__")
    hooks = None  # functions of the output's gradient (Tensor.register_hook); set per op when used
    retained = None  # a weak reference to the output Tensor that asked to keep its gradient

    def save_for_backward(self, *arrays: Array) -> None:
        """Keep arrays for backward. Save inputs and outputs (not temporaries) if the op
        should be twice differentiable: under create_graph they come back as Tensors."""
        self.saved_tensors = arrays

    @property
    def needs_input_grad(self) -> tuple:
        """One bool per input: does it need a gradient?"""
        nodes = self.next_functions
        if len(nodes) == 2:  # most ops with a choice have two inputs: spelt out, this is 3x faster
            return nodes[0] is not None, nodes[1] is not None
        return tuple([node is not None for node in nodes])

    @staticmethod
    def forward(ctx, *inputs: Array, **settings: Any) -> Array:
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx, g: Array) -> Array | tuple:
        raise NotImplementedError("a Function subclass must define backward(ctx, g)")

    @classmethod
    def op_name(cls) -> str:
        """The op's name in messages: `LogSoftmax` -> `log_softmax`."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()

    @classmethod
    def apply(cls, *args: Tensor | Array, **settings: Any) -> Tensor:
        """Run forward on the arrays inside the Tensor arguments; record the op if needed."""
        ctx = _new_object(cls)
        ctx.saved_tensors = ()
        ctx.walked = None
        inputs = []
        nodes = []
        generation = 0
        record = False
        recording = is_grad_enabled()
        constants = None
        for a in args:
            if isinstance(a, Tensor):
                inputs.append(a._data)
                node = None
                if a._requires_grad and recording:
                    record, node = True, a._grad_fn
                    if node is None:  # a leaf: its accumulate node (generation -1), while a graph holds it
                        node = a._accumulator and a._accumulator() or accumulator_of(a)
                    elif node.generation >= generation:
                        generation = node.generation + 1
                elif recording:
                    constants = (constants or ()) + (len(nodes),)  # a Tensor that needs no gradient (viz)
                nodes.append(node)
            else:
                inputs.append(a)
                nodes.append(None)
        first = inputs[0]
        ctx.xp = numpy if type(first) is numpy.ndarray else array_namespace(first)
        try:
            y = cls.forward(ctx, *inputs, **settings) if settings else cls.forward(ctx, *inputs)  # no empty dict
        except (ValueError, IndexError, TypeError) as e:
            raise _explained(cls, e, inputs) from None
        if watch.enabled:  # anomaly mode, the explorer's recording
            watch.forward(ctx, inputs, y)
        if record and ctx.saved_tensors:  # to tell, under create_graph, which saved array is which
            ctx.input_ids, ctx.output_id, ctx.saved_at = tuple(map(id, inputs)), id(y), versions.clock
        if type(y) is not numpy.ndarray:  # a NumPy scalar (a full reduction's result) or a Python number
            y = numpy.asarray(y) if isinstance(y, numpy.generic) else Tensor._from_op(y)._data
        if record:
            ctx.next_functions = tuple(nodes)  # a tuple, as PyTorch's: one block, read faster by the engine
            ctx.generation, ctx.out_shape, ctx.out_dtype = generation, y.shape, y.dtype
            if constants:
                ctx.tensor_constants = constants
        out = _new_object(Tensor)  # Tensor._from_op, inlined: this is the hottest path
        out._data, out.grad, out._requires_grad, out._grad_fn, out.name, out._hooks, out._accumulator = (
            y, None, record, ctx if record else None, None, None, None)
        return out

    def backward_step(self, g: Array, run: Backward) -> tuple:
        """What the engine runs for this op: its backward, with the checks around it. `run`
        holds the settings of this backward pass (engine.py)."""
        self.ran_in = run.number  # viz tells the ops of the latest backward by it
        saved = self.saved_tensors
        if saved is FREED:
            raise RuntimeError(f"backward through {self.op_name()} a second time: its saved values were freed "
                               "by the first backward. Pass retain_graph=True to the first backward if you "
                               "need to call backward twice.")
        if saved and self.saved_at != versions.clock:
            versions.check_saved_unchanged(self)  # something was written in place since the forward
        gxs = backward_with_graph(self, g) if run.create_graph else type(self).backward(self, g)
        if type(gxs) is not tuple:
            gxs = (gxs,)
        if watch.enabled:
            watch.backward(self, g, gxs)
        if len(gxs) != len(self.next_functions):
            raise RuntimeError(f"{type(self).__name__}.backward returned {len(gxs)} gradients "
                               f"for {len(self.next_functions)} inputs")
        if not run.retain_graph:
            self.saved_tensors = FREED
        return gxs


_new_object = object.__new__


def _explained(cls, error: Exception, inputs: list) -> Exception:
    """A forward's error, saying which op and shapes (or devices) and the user's line."""
    shapes = [x.shape for x in inputs if hasattr(x, "shape")]
    if isinstance(error, TypeError):
        libraries = sorted({array_namespace(x).__name__ for x in inputs if hasattr(x, "shape")})
        if len(libraries) < 2:
            return error
        return TypeError(f"{cls.op_name()}: inputs are on different devices ({' and '.join(libraries)} arrays); "
                         f"move them to one device with .to(device) (at {user_line()})")
    reason = broadcast_failure(shapes) if "broadcast" in str(error) else None
    return type(error)(f"{cls.op_name()}: shapes {' and '.join(map(str, shapes))}: {reason or error} "
                       f"(at {user_line()})")


# The ops' outputs are Tensors, and the Tensor class is built on the ops: import it last.
from .tensor import Tensor  # noqa: E402
from .graph import accumulator_of  # noqa: E402
from .higher_order import backward_with_graph  # noqa: E402
