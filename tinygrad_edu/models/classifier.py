"""What every classifier here shares: the loss and accuracy the book's networks provide."""
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F


class Classifier(nn.Module):
    """A Module whose forward gives logits; adds `loss(x, t)` and `accuracy(x, t)`."""

    def loss(self, x, t):
        """Softmax cross-entropy of the logits against labels or one-hot rows t."""
        return F.cross_entropy(self(x), t)

    def accuracy(self, x, t) -> float:
        return F.accuracy(self(x), t)
