"""What every classifier here shares: the loss, accuracy and both gradients the book's networks
provide."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import numpy.typing as npt

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F
from tinygrad_edu.tensor import Tensor


class Classifier(nn.Module):
    """A Module whose forward gives logits; adds `loss(x, t)`, `accuracy(x, t)`, and the book's
    `numerical_gradient(x, t)` and `gradient(x, t)` (dicts of parameter name -> array)."""

    def loss(self, x: Tensor, t: Tensor | npt.ArrayLike) -> Tensor:
        """Softmax cross-entropy of the logits against labels or one-hot rows t."""
        return F.cross_entropy(self(x), t)

    def accuracy(self, x: Tensor, t: Tensor | npt.ArrayLike) -> float:
        """Fraction of rows predicted right, inferring as the book always does: dropout off, batch
        norm's running statistics used and left unchanged, no graph. Each module's mode is
        restored afterwards, so `accuracy` can sit inside a training loop."""
        with self._inferring():
            return F.accuracy(self(x), t)

    @contextmanager
    def _inferring(self) -> Iterator[Classifier]:
        """Eval mode and no_grad for the block; every sub-module's own mode is put back on exit."""
        modes = [(m, m.training) for m in self.modules()]
        self.eval()
        try:
            with tg.no_grad():
                yield self
        finally:
            for m, training in modes:
                m.training = training

    def numerical_gradient(self, x: Tensor, t: Tensor | npt.ArrayLike, eps: float = 1e-4) -> dict[str, np.ndarray]:
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

    def gradient(self, x: Tensor, t: Tensor | npt.ArrayLike) -> dict[str, np.ndarray]:
        """The same gradient by backpropagation."""
        self.zero_grad()
        self.loss(x, t).backward()
        return {name: p.grad.numpy() for name, p in self.named_parameters()}
