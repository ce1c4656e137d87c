"""SimpleConvNet of the book's chapter 7: conv - relu - pool - affine - relu - affine."""
from __future__ import annotations

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.creation import GeneratorLike
from tinygrad_edu.nn.init import InitLike
from tinygrad_edu.tensor import Tensor

from .classifier import Classifier


class SimpleConvNet(Classifier):
    """For (N, C, H, W) images: a conv layer (`filter_num` filters of `filter_size`), ReLU, 2x2 max
    pooling, a hidden affine layer with ReLU, and the output layer."""

    def __init__(self, input_dim: tuple[int, int, int] = (1, 28, 28), filter_num: int = 30,
                 filter_size: int = 5, pad: int = 0, stride: int = 1, hidden_size: int = 100, output_size: int = 10,
                 weight_init_std: InitLike = 0.01, generator: GeneratorLike = None):
        super().__init__()
        channels, height, width = input_dim
        generator = tg.get_generator(generator)
        conv_h = (height + 2 * pad - filter_size) // stride + 1
        conv_w = (width + 2 * pad - filter_size) // stride + 1
        if conv_h < 2 or conv_w < 2:
            raise ValueError(f"SimpleConvNet: input {input_dim} is too small for filters of size "
                             f"{filter_size}")
        self.conv = nn.Conv2d(channels, filter_num, filter_size, stride, pad, init=weight_init_std,
                              generator=generator)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(filter_num * (conv_h // 2) * (conv_w // 2), hidden_size, init=weight_init_std,
                             generator=generator)
        self.fc2 = nn.Linear(hidden_size, output_size, init=weight_init_std, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        h = self.pool(self.conv(x).relu())
        return self.fc2(self.fc1(h.flatten(1)).relu())
