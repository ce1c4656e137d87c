"""The command line: `tinygrad-edu demo` (also `python -m tinygrad_edu demo`)."""
from __future__ import annotations

import argparse
import sys

import numpy as np

import tinygrad_edu as tg


def demo(args) -> int:
    """Build a graph, backpropagate, gradient-check it, take a second derivative, and fit."""
    rng = np.random.default_rng(args.seed)
    print("1. A graph: y = tanh(x @ w + b), loss = mean(y**2)")
    x = tg.Tensor(rng.standard_normal((4, 3)))
    w = tg.Tensor(rng.standard_normal((3, 2)), requires_grad=True, name="w")
    b = tg.Tensor(np.zeros(2), requires_grad=True, name="b")
    loss = ((x @ w + b).tanh() ** 2).mean()
    print(f"   loss = {loss.item():.6f}, made by {loss._ctx.op_name()}")

    print("2. backward() fills .grad of every leaf that requires grad")
    loss.backward()
    print(f"   dloss/db = {np.array2string(b.grad.numpy(), precision=6)}")

    print("3. gradcheck compares with central differences under a random upstream gradient")
    ok = tg.gradcheck(lambda w, b: ((x @ w + b).tanh() ** 2).mean(), (w, b))
    print(f"   gradcheck: {'passed' if ok else 'FAILED'}")

    print("4. Gradients are differentiable: d2/dx2 of x**3 at x = 2")
    t = tg.Tensor(2.0, requires_grad=True)
    (first,) = tg.grad(t ** 3, t, create_graph=True)
    (second,) = tg.grad(first, t)
    print(f"   first = {first.item():.1f} (3x^2 = 12), second = {second.item():.1f} (6x = 12)")

    print("5. Gradient descent fits y = 2x - 1 from noisy samples")
    xs = rng.uniform(-1, 1, (64, 1)).astype(np.float32)
    ys = 2 * xs - 1 + 0.05 * rng.standard_normal((64, 1)).astype(np.float32)
    slope, intercept = tg.zeros(1, requires_grad=True), tg.zeros(1, requires_grad=True)
    for step in range(args.steps):
        slope.grad = intercept.grad = None
        mse = ((tg.Tensor(xs) * slope + intercept - ys) ** 2).mean()
        mse.backward()
        with tg.no_grad():
            slope.data -= args.lr * slope.grad.data
            intercept.data -= args.lr * intercept.grad.data
        if step % (args.steps // 4) == 0 or step == args.steps - 1:
            print(f"   step {step:4d}: mse {mse.item():.5f}")
    print(f"   learned slope {slope.item():.3f}, intercept {intercept.item():.3f}")
    return 0 if ok else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="tinygrad-edu", description="tinygrad_edu: learn deep learning by building it.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("demo", help="build a graph, backpropagate, gradient-check and fit")
    p.add_argument("--steps", type=int, default=200, help="gradient-descent steps in the fit (default 200)")
    p.add_argument("--lr", type=float, default=0.5, help="learning rate of the fit (default 0.5)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.set_defaults(run=demo)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
