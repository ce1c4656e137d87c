"""The backprop lecture's 2-3-1 regression network: (hours of study, hours of sleep) -> score."""
import numpy as np

from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

# The lecture's three students, as (study, sleep) hours and test scores, and their scaling:
# inputs divided by the column maximum, scores by 100, so the sigmoid output can reach them.
HOURS = np.array([[3.0, 5.0], [5.0, 1.0], [10.0, 2.0]], dtype=np.float32)
SCORES = np.array([[75.0], [82.0], [93.0]], dtype=np.float32)


def scaled_data():
    """(inputs, targets) of the lecture, scaled into [0, 1]."""
    return HOURS / HOURS.max(axis=0), SCORES / 100.0


class StudySleepNet(nn.Module):
    """2 inputs -> 3 sigmoid units -> 1 sigmoid output, trained with mean squared error."""

    def __init__(self, generator=None, init=1.0):
        super().__init__()
        self.hidden = nn.Linear(2, 3, init=init, generator=generator)
        self.output = nn.Linear(3, 1, init=init, generator=generator)

    def forward(self, x):
        return self.output(self.hidden(x).sigmoid()).sigmoid()

    def loss(self, x, y):
        return F.mse_loss(self(x), y)
