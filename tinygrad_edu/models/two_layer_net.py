"""TwoLayerNet of the book's chapter 4: affine - sigmoid - affine - softmax, with both ways of
getting the gradient (`numerical_gradient` and `gradient`, from Classifier), so that numerical
differentiation and backprop can be compared."""
from __future__ import annotations

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.creation import GeneratorLike
from tinygrad_edu.nn.init import InitLike
from tinygrad_edu.tensor import Tensor

from .classifier import Classifier


class TwoLayerNet(Classifier):
    """input -> hidden (sigmoid, or "relu") -> output logits; weights normal with
    `weight_init_std` (0.01 in the book), biases zero."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int,
                 weight_init_std: InitLike = 0.01, activation: str = "sigmoid", generator: GeneratorLike = None):
        super().__init__()
        if activation not in ("sigmoid", "relu"):
            raise ValueError(f"TwoLayerNet: activation must be 'sigmoid' or 'relu', "
                             f"got {activation!r}")
        generator = tg.get_generator(generator)
        self.fc1 = nn.Linear(input_size, hidden_size, init=weight_init_std, generator=generator)
        self.activation = nn.Sigmoid() if activation == "sigmoid" else nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, output_size, init=weight_init_std, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(self.activation(self.fc1(x)))
