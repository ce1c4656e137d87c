"""2. The same TwoLayerNet trained with numerical gradients and with backprop: the two gradients
agree, and backprop is thousands of times faster.

    python examples/ex02_numerical_vs_backprop.py [--fast]
"""
import argparse
import time

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.models import TwoLayerNet
from tinygrad_edu.data import mnist_splits


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="a smaller hidden layer (for tests)")
    parser.add_argument("--steps", type=int, default=3, help="training steps with each kind of gradient")
    args = parser.parse_args(argv)

    (x, t), _, about = mnist_splits(download=False)  # offline: the MNIST test split shipped in the package
    print(f"data: {about}")
    hidden = 5 if args.fast else 50
    net = TwoLayerNet(x.shape[1], hidden, 10, generator=0).to(np.float64)  # float64: differences need it
    batch = tg.Tensor(x[:3].astype(np.float64)), t[:3]

    start = time.perf_counter()
    numerical = net.numerical_gradient(*batch)
    numerical_time = time.perf_counter() - start
    start = time.perf_counter()
    backprop = net.gradient(*batch)
    backprop_time = time.perf_counter() - start

    print("mean |numerical - backprop| per parameter (the book's gradient check):")
    differences = {}
    for name in numerical:
        differences[name] = float(np.abs(numerical[name] - backprop[name]).mean())
        print(f"  {name:10s} {differences[name]:.3e}")
    speedup = numerical_time / backprop_time
    print(f"one gradient: numerical {numerical_time:.3f} s, backprop {backprop_time * 1e3:.3f} ms "
          f"({speedup:,.0f}x faster)")

    for kind in ("numerical", "backprop"):
        model = TwoLayerNet(x.shape[1], hidden, 10, generator=0).to(np.float64)
        losses = []
        for step in range(args.steps):
            xb, tb = tg.Tensor(x[step * 32:(step + 1) * 32].astype(np.float64)), t[step * 32:(step + 1) * 32]
            grads = model.numerical_gradient(xb, tb) if kind == "numerical" else model.gradient(xb, tb)
            with tg.no_grad():
                for name, p in model.named_parameters():
                    p.data -= 0.1 * grads[name]
            losses.append(model.loss(xb, tb).item())
        print(f"{kind:9s} training, {args.steps} steps: losses {np.round(losses, 6).tolist()}")
    return {"differences": differences, "speedup": speedup}


if __name__ == "__main__":
    main()
