"""The backprop lecture's 2-3-1 regression network: (hours of study, hours of sleep) -> score.
Its data is tinygrad_edu.data.study_sleep()."""
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F


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
