"""MultiLayerNet of the book's chapter 6 (with MultiLayerNetExtend's batch norm and dropout)."""
from __future__ import annotations

from collections.abc import Iterable

import numpy.typing as npt

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.creation import GeneratorLike
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.init import InitLike
from tinygrad_edu.tensor import Tensor

from .classifier import Classifier

ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


class MultiLayerNet(Classifier):
    """input -> [Linear -> (BatchNorm) -> activation -> (Dropout)] per hidden size -> Linear.

    `weight_init_std`: "relu"/"he" (std sqrt(2/n)), "sigmoid"/"lecun" (std sqrt(1/n), what the
    book calls Xavier), or a float standard deviation; biases start at zero. Unlike the book,
    "xavier" is Glorot's std sqrt(2/(n_in + n_out)), as in nn.Linear and PyTorch: a learner who
    meets the name in both places should get one formula (the book's own comparison script
    passes "sigmoid", which keeps its formula). `weight_decay_lambda` adds (lambda/2) * sum of
    squared weights to `loss`, as the book does. `numerical_gradient(x, t)` and `gradient(x, t)`
    (from Classifier) run the book's gradient check, batch norm included, in float64.
    """

    def __init__(self, input_size: int, hidden_size_list: Iterable[int], output_size: int, activation: str = "relu",
                 weight_init_std: InitLike = "relu", weight_decay_lambda: float = 0.0, use_batchnorm: bool = False,
                 use_dropout: bool = False, dropout_ratio: float = 0.5, generator: GeneratorLike = None):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"MultiLayerNet: activation must be one of {sorted(ACTIVATIONS)}, "
                             f"got {activation!r}")
        generator = tg.get_generator(generator)
        sizes = [input_size, *hidden_size_list]
        layers = []
        for n_in, n_out in zip(sizes, sizes[1:]):
            layers.append(nn.Linear(n_in, n_out, init=weight_init_std, generator=generator))
            if use_batchnorm:
                layers.append(nn.BatchNorm1d(n_out))
            layers.append(ACTIVATIONS[activation]())
            if use_dropout:
                layers.append(nn.Dropout(dropout_ratio, generator=generator))
        layers.append(nn.Linear(sizes[-1], output_size, init=weight_init_std, generator=generator))
        self.layers = nn.Sequential(*layers)
        self.weight_decay_lambda = weight_decay_lambda

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x.flatten(1))

    def weights(self) -> list[nn.Parameter]:
        """The Linear layers' weights: what weight decay penalises."""
        return [m.weight for m in self.modules() if isinstance(m, nn.Linear)]

    def loss(self, x: Tensor, t: Tensor | npt.ArrayLike) -> Tensor:
        loss = super().loss(x, t)
        if self.weight_decay_lambda:
            loss = loss + F.l2_penalty(self.weights(), self.weight_decay_lambda)
        return loss
