"""What every classifier here shares: the loss, accuracy and both gradients the book's networks
provide."""
from contextlib import contextmanager

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F


class Classifier(nn.Module):
    """A Module whose forward gives logits; adds `loss(x, t)`, `accuracy(x, t)`, and the book's
    `numerical_gradient(x, t)` and `gradient(x, t)` (dicts of parameter name -> array)."""

    def loss(self, x, t):
        """Softmax cross-entropy of the logits against labels or one-hot rows t."""
        return F.cross_entropy(self(x), t)

    def accuracy(self, x, t) -> float:
        """Fraction of rows predicted right, inferring as the book always does: dropout off, batch
        norm's running statistics used and left unchanged, no graph. Each module's mode is
        restored afterwards, so `accuracy` can sit inside a training loop."""
        with self._inferring():
            return F.accuracy(self(x), t)

    @contextmanager
    def _inferring(self):
        """Eval mode and no_grad for the block; every sub-module's own mode is put back on exit."""
        modes = [(m, m.training) for m in self.modules()]
        self.eval()
        try:
            with tg.no_grad():
                yield self
        finally:
            for m, training in modes:
                m.training = training

    def numerical_gradient(self, x, t, eps: float = 1e-4) -> dict:
        """The loss's gradient by central differences, parameter by parameter (slow by design),
        in the model's current mode. Use float64 (`model.to(np.float64)`); in training mode,
        switch dropout off first, since it draws a new mask at every call. Batch norm's running
        statistics are put back afterwards, so the check leaves the model as it found it."""
        state = self.state_dict()
        try:
            return {name: tg.numerical_gradient(lambda _: self.loss(x, t).item(), p, eps)
                    for name, p in self.named_parameters()}
        finally:
            self.load_state_dict(state)

    def gradient(self, x, t) -> dict:
        """The same gradient by backpropagation."""
        self.zero_grad()
        self.loss(x, t).backward()
        return {name: p.grad.numpy() for name, p in self.named_parameters()}
