"""Plots of the curriculum, with matplotlib (an optional extra), headless: figures are made
without pyplot. Each function returns the figure and, given a path, also saves it."""
from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from .callbacks import History
    from .nn.module import Module
    from .optim.optimizer import Optimizer
    from .tensor import Tensor

SaveTarget = str | os.PathLike[str] | IO[bytes]  # where savefig can write a figure

try:
    from matplotlib.figure import Figure as _MatplotlibFigure
except ImportError:  # figure() says which extra to install
    _MatplotlibFigure = object


class Figure(_MatplotlibFigure):
    """matplotlib's Figure, which a notebook shows inline as a PNG with no %matplotlib and no
    pyplot (a plain Figure shows there as "<Figure size ...>" unless pyplot is set up)."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        return buffer.getvalue()


def figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (5, 3.6),
           **subplot_options: Any) -> tuple[Figure, np.ndarray]:
    """(figure, axes) without pyplot: headless by construction, and freed when dropped (pyplot
    keeps every figure alive until closed). A notebook shows a returned figure inline."""
    if _MatplotlibFigure is object:
        raise ImportError("plots need matplotlib: pip install 'tinygrad_edu[plot]'")
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, squeeze=False, **subplot_options)


def plot_history(history: History | Mapping[str, Sequence[float]], path: SaveTarget | None = None,
                 title: str = "training") -> Figure:
    """Loss and accuracy per epoch, training against validation where recorded."""
    from matplotlib.ticker import MaxNLocator
    records = history.records if hasattr(history, "records") else dict(history)
    metrics = [m for m in ("loss", "accuracy", "mae") if m in records]
    fig, axes = figure(1, len(metrics), figsize=(5 * len(metrics), 3.6))
    epochs = records.get("epoch", list(range(1, len(records[metrics[0]]) + 1)))
    for ax, metric in zip(axes[0], metrics):
        ax.plot(epochs, records[metric], marker="o", label="train")
        if f"val_{metric}" in records:
            ax.plot(epochs, records[f"val_{metric}"], marker="s", label="validation")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


# ---------------------------------------------------------------------- optimizers


def f_curriculum(x: Tensor | np.ndarray, y: Tensor | np.ndarray) -> Tensor | np.ndarray:
    """The curriculum's test function for optimizers: f(x, y) = x**2 / 20 + y**2."""
    return x * x / 20.0 + y * y


BOOK_OPTIMIZERS = {  # the learning rates of the book's comparison (chapter 6)
    "SGD": lambda p: _optim().SGD(p, lr=0.95),
    "Momentum": lambda p: _optim().SGD(p, lr=0.1, momentum=0.9),
    "AdaGrad": lambda p: _optim().Adagrad(p, lr=1.5),
    "RMSProp": lambda p: _optim().RMSprop(p, lr=0.1, alpha=0.99),
    "Adam": lambda p: _optim().Adam(p, lr=0.3),
}


def _optim():
    from . import optim
    return optim


def optimizer_paths(optimizers: Mapping[str, Callable[[list[Tensor]], Optimizer]] | None = None, steps: int = 30,
                    start: tuple[float, float] = (-7.0, 2.0)) -> dict[str, np.ndarray]:
    """{name: array (steps + 1, 2)} of the points each optimizer visits on f_curriculum, from
    `start`, computed with the framework's own autograd and optimizers."""
    from .tensor import Tensor
    paths = {}
    for name, make in (optimizers or BOOK_OPTIMIZERS).items():
        point = Tensor(np.array(start, dtype=np.float64), requires_grad=True)
        optimizer = make([point])
        visited = [point.numpy().copy()]
        for _ in range(steps):
            optimizer.zero_grad()
            f_curriculum(point[0], point[1]).backward()
            optimizer.step()
            visited.append(point.numpy().copy())
        paths[name] = np.array(visited)
    return paths


def plot_optimizer_paths(paths: Mapping[str, np.ndarray], path: SaveTarget | None = None) -> Figure:
    """One panel per optimizer: its path over the contours of f(x, y) = x**2/20 + y**2."""
    fig, axes = figure(1, len(paths), figsize=(3.6 * len(paths), 3.4))
    gx, gy = np.meshgrid(np.linspace(-10, 10, 200), np.linspace(-5, 5, 200))
    for ax, (name, points) in zip(axes[0], paths.items()):
        ax.contour(gx, gy, f_curriculum(gx, gy), levels=np.geomspace(0.05, 30, 12), colors="#999999",
                   linewidths=0.6)
        ax.plot(points[:, 0], points[:, 1], "o-", color="#d62728", markersize=2.5, linewidth=1)
        ax.plot(0, 0, "+", color="black", markersize=10)
        ax.set_title(name)
        ax.set_xlim(-10, 10)
        ax.set_ylim(-5, 5)
        ax.set_xlabel("x")
    axes[0][0].set_ylabel("y")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


# ---------------------------------------------------------------------- activations and gradients


def layer_outputs(model: Module, x: Tensor | npt.ArrayLike,
                  kinds: type[Module] | tuple[type[Module], ...] | None = None) -> dict[str, np.ndarray]:
    """{module name: output array} of the activation layers (ReLU, Sigmoid, Tanh by default)
    for one forward pass on x, in eval mode and without a graph."""
    from . import nn
    from .grad_mode import no_grad
    from .tensor import Tensor
    kinds = kinds or (nn.ReLU, nn.Sigmoid, nn.Tanh, nn.LeakyReLU)
    outputs, handles = {}, []
    for name, module in model.named_modules():
        if isinstance(module, kinds):
            handles.append(module.register_forward_hook(
                lambda m, args, out, name=name: outputs.__setitem__(name, out.numpy().copy())))
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            model(x if isinstance(x, Tensor) else Tensor(x))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return outputs


def plot_histograms(arrays: Mapping[str, npt.ArrayLike], path: SaveTarget | None = None, title: str = "",
                    bins: int = 30, value_range: tuple[float, float] | None = None) -> Figure:
    """One histogram per entry, side by side: the weight-initialisation lesson's activation
    histograms (use `layer_outputs`), or gradients ({name: p.grad.numpy()})."""
    fig, axes = figure(1, len(arrays), figsize=(2.6 * len(arrays), 2.8), sharey=True)
    for ax, (name, values) in zip(axes[0], arrays.items()):
        ax.hist(np.asarray(values).ravel(), bins=bins, range=value_range, color="#1f77b4")
        ax.set_title(name, fontsize=10)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def plot_gradient_histograms(model: Module, path: SaveTarget | None = None, bins: int = 30) -> Figure:
    """Histograms of every parameter's gradient (after a backward)."""
    grads = {name: p.grad.numpy() for name, p in model.named_parameters() if p.grad is not None}
    if not grads:
        raise ValueError("plot_gradient_histograms: no parameter has a gradient; call backward() first")
    return plot_histograms(grads, path, title="gradients", bins=bins)


# ---------------------------------------------------------------------- hyperparameter search


def plot_hyperparameter_search(trials: Sequence[Mapping[str, float]], path: SaveTarget | None = None, x: str = "lr",
                               y: str = "weight_decay", score: str = "val_accuracy") -> Figure:
    """Each trial (a dict) as a point at (x, y) on log axes, coloured by its score."""
    xs, ys, scores = (np.array([t[k] for t in trials], dtype=float) for k in (x, y, score))
    fig, axes = figure(figsize=(5.2, 4))
    ax = axes[0][0]
    points = ax.scatter(xs, ys, c=scores, cmap="viridis", s=40, edgecolors="black", linewidths=0.4)
    best = int(np.argmax(scores))
    ax.scatter(xs[best], ys[best], marker="*", s=250, color="red", label=f"best {score} {scores[best]:.3f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(loc="best", fontsize=9)
    fig.colorbar(points, ax=ax, label=score)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
