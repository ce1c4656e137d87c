"""tinygrad_edu: a small, fast reverse-mode autograd framework on NumPy, for learning and teaching."""
from . import memory  # noqa: F401  (tunes malloc once; see memory.py)
from .autograd import Function, detect_anomaly
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .device import is_cuda_available
from .dtypes import (bool, complex64, complex128, double, float, float16, float32, float64, half, int,  # noqa: A004
                     int8, int16, int32, int64, long, short, uint8)
from .tensor import Tensor, grad
from .creation import (arange, eye, from_numpy, full, full_like, get_generator, linspace, manual_seed, ones,
                       ones_like, rand, rand_like, randn, randn_like, tensor, zeros, zeros_like)
from .functions import (abs, add, argmax, argmin, cat, clamp, clone, concatenate, cos, div, exp,  # noqa: A004
                        flatten, log, log_softmax, logsumexp, matmul, max, maximum, mean, min, minimum,  # noqa: A004
                        mm, mul, neg, numel, permute, pow, relu, reshape, sigmoid, sin, softmax, sqrt,  # noqa: A004
                        squeeze, stack, std, sub, sum, t, tanh, transpose, unsqueeze, var, where)  # noqa: A004
from .functions import (acos, acosh, asin, asinh, atan, atanh, ceil, copysign, cosh, erf, exp2, floor,  # noqa: A004
                        floor_divide, fmod, lerp, log10, log2, logaddexp, remainder, round, rsqrt,  # noqa: A004
                        sign, sinh, tan, trunc)  # noqa: A004
from .selection import (diag, diagonal, flip, gather, masked_fill, masked_select, nonzero, roll, scatter,
                        scatter_add, tril, triu)
from .scans import (all, any, argsort, cummax, cummin, cumprod, cumsum, isclose, isfinite, isinf,  # noqa: A004
                    isnan, logcumsumexp, prod, sort, std_mean, topk)
from .shape import chunk, einsum, meshgrid, repeat_interleave, split, unflatten
from .creation import empty, randint, randperm
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_gradient
from .checkpoint import CheckpointError, load, save
from . import cuda, data, nn, optim
from .train import Trainer, evaluate, fit, predict
from .jit import JitError, jit

__version__ = "0.1.0"
__all__ = ["Function", "detect_anomaly", "enable_grad", "is_grad_enabled", "no_grad", "set_grad_enabled",
           "is_cuda_available", "Tensor", "cat", "concatenate", "grad", "maximum", "minimum", "stack",
           "where", "arange", "eye", "from_numpy", "full", "full_like", "get_generator", "linspace", "manual_seed",
           "ones", "ones_like", "rand", "rand_like", "randn", "randn_like", "tensor", "zeros", "zeros_like",
           "GradcheckError", "gradcheck", "gradgradcheck", "numerical_gradient", "CheckpointError", "load", "save",
           "cuda", "data", "nn", "optim", "Trainer", "evaluate", "fit", "predict", "jit", "JitError",
           "bool", "complex64", "complex128", "double", "float", "float16", "float32", "float64", "half", "int",
           "int8", "int16", "int32", "int64", "long", "short", "uint8",
           "abs", "add", "argmax", "argmin", "clamp", "clone", "cos", "div", "exp", "flatten", "log", "log_softmax",
           "logsumexp", "matmul", "max", "mean", "min", "mm", "mul", "neg", "numel", "permute", "pow", "relu",
           "reshape", "sigmoid", "sin", "softmax", "sqrt", "squeeze", "std", "sub", "sum", "t", "tanh", "transpose",
           "unsqueeze", "var",
           "diag", "diagonal", "flip", "gather", "masked_fill", "masked_select", "nonzero",
           "roll", "scatter", "scatter_add", "tril", "triu",
           "acos", "acosh", "asin", "asinh", "atan", "atanh", "ceil", "copysign", "cosh", "erf", "exp2", "floor",
           "floor_divide", "fmod", "lerp", "log10", "log2", "logaddexp", "remainder", "round", "rsqrt", "sign", "sinh",
           "tan", "trunc",
           "all", "any", "argsort", "cummax", "cummin", "cumprod", "cumsum", "isclose", "isfinite", "isinf", "isnan",
           "logcumsumexp", "prod", "sort", "std_mean", "topk",
           "chunk", "einsum", "meshgrid", "repeat_interleave", "split", "unflatten", "empty", "randint", "randperm"]
