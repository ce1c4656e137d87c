"""TwoLayerNet of the book's chapter 4: affine - sigmoid - affine - softmax, with both ways of
getting the gradient, so that numerical differentiation and backprop can be compared."""
import tinygrad_edu as tg
from tinygrad_edu import nn

from .classifier import Classifier


class TwoLayerNet(Classifier):
    """input -> hidden (sigmoid, or "relu") -> output logits; weights normal with
    `weight_init_std` (0.01 in the book), biases zero."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int, weight_init_std=0.01,
                 activation: str = "sigmoid", generator=None):
        super().__init__()
        if activation not in ("sigmoid", "relu"):
            raise ValueError(f"TwoLayerNet: activation must be 'sigmoid' or 'relu', got {activation!r}")
        generator = tg.get_generator(generator)
        self.fc1 = nn.Linear(input_size, hidden_size, init=weight_init_std, generator=generator)
        self.activation = nn.Sigmoid() if activation == "sigmoid" else nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, output_size, init=weight_init_std, generator=generator)

    def forward(self, x):
        return self.fc2(self.activation(self.fc1(x)))

    def numerical_gradient(self, x, t, eps: float = 1e-4) -> dict:
        """The loss's gradient by central differences, parameter by parameter (slow by design)."""
        return {name: tg.numerical_gradient(lambda _: self.loss(x, t).item(), p, eps)
                for name, p in self.named_parameters()}

    def gradient(self, x, t) -> dict:
        """The same gradient by backpropagation."""
        self.zero_grad()
        self.loss(x, t).backward()
        return {name: p.grad.numpy() for name, p in self.named_parameters()}
