"""Optimizers, gradient clipping and learning-rate schedules (PyTorch's names and rules)."""
from . import lr_scheduler
from .clip import clip_grad_norm_, clip_grad_value_
from .algorithms import SGD, Adadelta, Adagrad, Adam, AdamW, RMSprop
from .optimizer import Optimizer

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "clip_grad_norm_",
           "clip_grad_value_", "lr_scheduler"]
