"""The backprop lecture's 2-3-1 regression network: (hours of study, hours of sleep) -> score.
Its data is tinygrad_edu.data.study_sleep()."""
from __future__ import annotations

import numpy.typing as npt

from tinygrad_edu import nn
from tinygrad_edu.creation import GeneratorLike
from tinygrad_edu.nn.init import InitLike
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.nn import functional as F


class StudySleepNet(nn.Module):
    """2 inputs -> 3 sigmoid units -> 1 sigmoid output, trained with mean squared error."""

    def __init__(self, generator: GeneratorLike = None, init: InitLike = 1.0):
        super().__init__()
        self.hidden = nn.Linear(2, 3, init=init, generator=generator)
        self.output = nn.Linear(3, 1, init=init, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        return self.output(self.hidden(x).sigmoid()).sigmoid()

    def loss(self, x: Tensor, y: Tensor | npt.ArrayLike) -> Tensor:
        return F.mse_loss(self(x), y)
