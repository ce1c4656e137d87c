"""Primitive ops: one small Function each, forward and backward side by side, by job:
elementwise.py, reductions.py, linalg.py, movement.py, and fused.py (ops kept whole for a stated
reason). `ops.Add`, `ops.Linear`, ... are all reachable from here.

Forward gets arrays and uses `ctx.xp` (NumPy or CuPy). Backward gets the upstream gradient `g`
and uses only operators, shared array/Tensor methods and `ctx.xp`, so the same formula also runs
on Tensors under `create_graph=True` (see autograd.py). Binary ops broadcast freely: the engine
sums each gradient back to its input's shape, in one place.
Everything not here is a composite in tensor.py, written with these.
"""
from .elementwise import (Abs, Add, Cast, Clone, Cos, Div, Exp, Log, Maximum, Mul, Neg, Pow, Relu, Sigmoid, Sin,
                          Softplus, Sub, Tanh, ToDevice, Where)
from .fused import Col2im, Im2col, Linear, LogSoftmax, SoftmaxCrossEntropy
from .linalg import Matmul
from .movement import BroadcastTo, Concatenate, GetItem, IndexAdd, Pad, Reshape, SetItem, Transpose
from .reductions import Max, Sum

__all__ = ["Abs", "Add", "Cast", "Clone", "Cos", "Div", "Exp", "Log", "Maximum", "Mul", "Neg", "Pow", "Relu",
           "Sigmoid", "Sin", "Softplus", "Sub", "Tanh", "ToDevice", "Where", "Col2im", "Im2col", "Linear",
           "LogSoftmax", "SoftmaxCrossEntropy", "Matmul", "BroadcastTo", "Concatenate", "GetItem", "IndexAdd",
           "Pad", "Reshape", "SetItem", "Transpose", "Max", "Sum"]
