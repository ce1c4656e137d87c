"""7. Optimizers: their paths on f(x, y) = x^2/20 + y^2 from (-7, 2), and the MNIST comparison of
the book (a 5-layer ReLU network, batch 128, 2,000 iterations).

    python examples/ex07_optimizers.py [--fast] [--out DIR]
"""
import argparse
import os

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.models import MultiLayerNet
from tinygrad_edu import optim, plots
from tinygrad_edu.data import mnist_splits

OPTIMIZERS = {"SGD": lambda p: optim.SGD(p, lr=0.01), "Momentum": lambda p: optim.SGD(p, lr=0.01, momentum=0.9),
              "AdaGrad": lambda p: optim.Adagrad(p, lr=0.01), "RMSProp": lambda p: optim.RMSprop(p, lr=0.001),
              "Adam": lambda p: optim.Adam(p, lr=0.001)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="200 iterations instead of 2,000")
    parser.add_argument("--out", default="tinygrad_edu_output", help="folder for the figures")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    paths = plots.optimizer_paths(steps=30)
    for name, points in paths.items():
        print(f"{name:8s} after 30 steps at ({points[-1, 0]:+.4f}, {points[-1, 1]:+.4f}), "
              f"f = {plots.f_curriculum(*points[-1]):.2e}")
    try:
        plots.plot_optimizer_paths(paths, os.path.join(args.out, "ex07_optimizer_paths.png"))
    except ImportError as e:
        print(f"no figure: {e}")

    (x, y), _, about = mnist_splits(download=False)
    iterations = 200 if args.fast else 2000
    print(f"data: {about}; 5-layer ReLU net (4 x 100 hidden), batch 128, {iterations} iterations")
    rng = np.random.default_rng(0)
    losses = {}
    for name, make in OPTIMIZERS.items():
        model = MultiLayerNet(784, [100] * 4, 10, weight_init_std="he", generator=0)
        optimizer = make(model.parameters())
        curve = []
        for _ in range(iterations):
            batch = rng.choice(len(x), 128)
            optimizer.zero_grad()
            loss = model.loss(tg.Tensor(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
            curve.append(loss.item())
        losses[name] = curve
        print(f"{name:8s}: loss {np.mean(curve[:10]):.3f} (first 10) -> {np.mean(curve[-100:]):.3f} (last 100)")
    try:
        fig, axes = plots.figure(figsize=(6, 4))
        ax = axes[0][0]
        for name, curve in losses.items():
            ax.plot(np.convolve(curve, np.ones(20) / 20, mode="valid"), label=name)
        ax.set(xlabel="iteration", ylabel="loss (moving average of 20)", ylim=(0, 1))
        ax.legend()
        fig.savefig(os.path.join(args.out, "ex07_mnist_optimizers.png"), dpi=100)
        print(f"wrote {args.out}/ex07_optimizer_paths.png and ex07_mnist_optimizers.png")
    except ImportError as e:
        print(f"no figure: {e}")
    return {"paths": paths, "final_losses": {k: float(np.mean(v[-100:])) for k, v in losses.items()}}


if __name__ == "__main__":
    main()
