"""Primitive ops: one small Function each, forward and backward side by side, by job:
elementwise.py, maths.py, special.py, reductions.py, scans.py, linalg.py, movement.py. `ops.Add`,
`ops.Sum`, ... are all reachable from here. The fused ops (what could be composed, kept whole for a
stated reason) live next to their users: LogSoftmax by Tensor.log_softmax (tinygrad_edu/reductions.py),
LinearOp by F.linear (nn/functional_linear.py), SoftmaxCrossEntropy by F.cross_entropy
(nn/functional_losses.py), Im2col and Col2im by the convolutions (nn/functional_conv.py) and pooling
(nn/functional_pool.py).

Forward gets arrays and uses `ctx.xp` (NumPy or CuPy); settings such as an axis are keyword-only,
so that backward returns one gradient per positional input and nothing else. Backward gets the
upstream gradient `g` and uses only operators, shared array/Tensor methods and `ctx.xp`, so the
same formula also runs on Tensors under `create_graph=True` (see autograd.py). Binary ops
broadcast freely: the engine sums each gradient back to its input's shape, in one place.
Everything else is written with these, or is one of the fused ops above.
"""
from .elementwise import (Abs, Add, Cast, Clone, Cos, Div, Exp, Log, Maximum, Mul, Neg, Pow, Relu, Sigmoid,
                          Sin, Softplus, Sub, Tanh, ToDevice, Where)
from .linalg import Matmul
from .maths import Acos, Acosh, Asin, Asinh, Atan, Atanh, Fmod, Step
from .movement import BroadcastTo, Concatenate, GetItem, IndexAdd, Pad, Reshape, SetItem, Transpose
from .reductions import Max, Sum
from .scans import Cumprod, Cumsum, LogCumsumExp, Prod
from .special import Erf

__all__ = ["Abs", "Add", "Cast", "Clone", "Cos", "Div", "Exp", "Log", "Maximum", "Mul", "Neg", "Pow", "Relu",
           "Sigmoid", "Sin", "Softplus", "Sub", "Tanh", "ToDevice", "Where", "Matmul", "BroadcastTo",
           "Concatenate", "GetItem", "IndexAdd", "Pad", "Reshape", "SetItem", "Transpose", "Max", "Sum", "Erf",
           "Acos", "Acosh", "Asin", "Asinh", "Atan", "Atanh", "Fmod", "Step",
           "Cumprod", "Cumsum", "LogCumsumExp", "Prod"]
