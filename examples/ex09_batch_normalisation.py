"""9. Batch normalisation: learning with and without it across 16 initial weight scales (the
book's figure), and a gradient check of a network with batch norm in training mode.

    python examples/ex09_batch_normalisation.py [--fast] [--out DIR]
"""
import argparse
import os

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.models import MultiLayerNet
from tinygrad_edu import optim
from tinygrad_edu.data import mnist_splits


def train_accuracy_curve(x, y, scale, batchnorm, iterations):
    model = MultiLayerNet(784, [100] * 5, 10, weight_init_std=float(scale), use_batchnorm=batchnorm, generator=0)
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    rng, curve = np.random.default_rng(0), []
    for i in range(iterations):
        batch = rng.choice(len(x), 100)
        optimizer.zero_grad()
        model.loss(tg.Tensor(x[batch]), y[batch]).backward()
        optimizer.step()
        if i % 10 == 0:
            model.eval()
            curve.append(model.accuracy(tg.Tensor(x), y))
            model.train()
    return curve


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="4 scales, 100 iterations")
    parser.add_argument("--out", default="tinygrad_edu_output", help="folder for the figure")
    args = parser.parse_args(argv)
    (x, y), _, about = mnist_splits(download=False)
    x, y = x[:1000], y[:1000]  # the book trains on 1,000 samples
    scales = np.logspace(0, -4, 4 if args.fast else 16)
    iterations = 100 if args.fast else 500
    print(f"data: {about}; 1,000 samples, 6-layer net, SGD lr 0.01, {iterations} iterations")
    curves = {}
    for scale in scales:
        with_bn = train_accuracy_curve(x, y, scale, True, iterations)
        with np.errstate(over="ignore", invalid="ignore"):  # without batch norm, large scales blow up:
            without = train_accuracy_curve(x, y, scale, False, iterations)  # that is the lesson
        curves[scale] = (with_bn, without)
        print(f"weight scale {scale:.2e}: final train accuracy with batch norm {with_bn[-1]:.3f}, "
              f"without {without[-1]:.3f}")

    model = MultiLayerNet(784, [10, 10], 10, use_batchnorm=True, generator=0).to(np.float64)
    xs = tg.Tensor(x[:4].astype(np.float64))
    ok = tg.gradcheck(lambda *params: model.loss(xs, y[:4]), list(model.parameters()))
    print("gradient check of a batch-norm network in training mode (every parameter, float64): "
          f"{'passed' if ok else 'FAILED'}")
    try:
        from tinygrad_edu.plots import figure
        columns = 4
        rows = -(-len(scales) // columns)
        fig, axes = figure(rows, columns, figsize=(3 * columns, 2.3 * rows))
        for ax, (scale, (with_bn, without)) in zip(axes.ravel(), curves.items()):
            ax.plot(with_bn, label="batch norm")
            ax.plot(without, "--", label="without")
            ax.set_title(f"w = {scale:.1e}", fontsize=9)
            ax.set_ylim(0, 1)
        axes[0][0].legend(fontsize=7)
        fig.tight_layout()
        os.makedirs(args.out, exist_ok=True)
        fig.savefig(os.path.join(args.out, "ex09_batch_norm.png"), dpi=90)
        print(f"wrote {os.path.join(args.out, 'ex09_batch_norm.png')}")
    except ImportError as e:
        print(f"no figure: {e}")
    wins = sum(w[-1] > n[-1] for w, n in curves.values())
    print(f"batch norm learned better at {wins} of {len(scales)} scales")
    return {"wins": wins, "scales": len(scales), "gradcheck": ok}


if __name__ == "__main__":
    main()
