"""Softmax regression of the MNIST lecture: one linear layer from pixels to 10 class scores."""
from __future__ import annotations

from tinygrad_edu import nn
from tinygrad_edu.creation import GeneratorLike
from tinygrad_edu.nn.init import InitLike
from tinygrad_edu.tensor import Tensor

from .classifier import Classifier


class SoftmaxRegression(Classifier):
    """logits = x W^T + b for flattened images x; the softmax lives in the loss."""

    def __init__(self, input_size: int = 784, num_classes: int = 10, init: InitLike = "default",
                 generator: GeneratorLike = None):
        super().__init__()
        self.linear = nn.Linear(input_size, num_classes, init=init, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x.flatten(1))
