"""tinygrad_edu: a small, fast reverse-mode autograd framework on NumPy, for learning and teaching."""
from . import memory  # noqa: F401  (tunes malloc once; see memory.py)
from .autograd import Function, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .device import is_cuda_available
from .tensor import Tensor, concatenate, grad, maximum, minimum, stack, where
from .creation import (arange, eye, full, full_like, get_generator, manual_seed, ones, ones_like,
                       rand, rand_like, randn, randn_like, zeros, zeros_like)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_gradient
from .checkpoint import CheckpointError, load, save
from . import data, nn, optim
from .train import Trainer, evaluate, fit, predict

__version__ = "0.1.0"
__all__ = ["Function", "detect_anomaly", "enable_grad", "is_grad_enabled", "no_grad", "is_cuda_available",
           "Tensor", "concatenate",
           "grad", "maximum", "minimum", "stack", "where", "arange", "eye", "full", "full_like", "get_generator",
           "manual_seed", "ones", "ones_like", "rand", "rand_like", "randn", "randn_like", "zeros", "zeros_like",
           "GradcheckError", "gradcheck", "gradgradcheck", "numerical_gradient", "CheckpointError", "load", "save",
           "data", "nn", "optim", "Trainer", "evaluate", "fit", "predict"]
