"""1. Numerical differentiation: forward vs central differences, a gradient field, and gradient
descent with a learning rate that is right, too big and too small.

    python examples/ex01_numerical_differentiation.py [--fast] [--out DIR]
"""
import argparse
import os

import numpy as np

import tinygrad_edu as tg


def f(x):
    """The lecture's function: 0.01 x^2 + 0.1 x, whose derivative is 0.02 x + 0.1."""
    return 0.01 * x ** 2 + 0.1 * x


def forward_difference(fn, x, h=1e-4):
    return (fn(x + h) - fn(x)) / h


def bowl(x):
    """f(x0, x1) = x0^2 + x1^2."""
    return np.sum(x ** 2)


def gradient_descent(fn, start, lr, steps):
    x = np.array(start, dtype=np.float64)
    for _ in range(steps):
        x -= lr * tg.numerical_gradient(fn, x)
    return x


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="fewer steps (for tests)")
    parser.add_argument("--out", default="tinygrad_edu_output", help="folder for the figure")
    args = parser.parse_args(argv)

    print("derivative of 0.01x^2 + 0.1x     forward diff      central diff     exact")
    results = {}
    for x in (5.0, 10.0):
        forward = forward_difference(f, x)
        central = tg.numerical_gradient(lambda v: f(v).item(), np.array([x]))[0]
        exact = 0.02 * x + 0.1
        print(f"x = {x:4}:  {forward:.16f}  {central:.16f}  {exact}  (errors {abs(forward - exact):.1e}, "
              f"{abs(central - exact):.1e})")
        results[f"central error at {x}"] = abs(central - exact)
        results[f"forward error at {x}"] = abs(forward - exact)

    print("\ngradient of x0^2 + x1^2 at (3, 4), (0, 2), (3, 0):",
          [tg.numerical_gradient(bowl, np.array(p, dtype=float)).tolist()
           for p in ((3.0, 4.0), (0.0, 2.0), (3.0, 0.0))])

    steps = 20 if args.fast else 100
    for lr, label in ((0.1, "good"), (10.0, "too big"), (1e-10, "too small")):
        end = gradient_descent(bowl, (-3.0, 4.0), lr, steps)
        results[f"descent lr={lr}"] = end
        print(f"gradient descent from (-3, 4), lr = {lr:g} ({label}), {steps} steps: "
              f"{np.array2string(end, precision=8)}")

    try:
        from tinygrad_edu.plots import figure
        x0, x1 = np.meshgrid(np.linspace(-2, 2.5, 18), np.linspace(-2, 2.5, 18))
        points = np.stack([x0.ravel(), x1.ravel()], 1)
        grads = np.array([tg.numerical_gradient(bowl, p.copy()) for p in points])
        fig, axes = figure(figsize=(4.5, 4.5))
        ax = axes[0][0]
        ax.quiver(points[:, 0], points[:, 1], -grads[:, 0], -grads[:, 1], angles="xy", color="#555555")
        ax.set_title("-gradient of x0^2 + x1^2")
        os.makedirs(args.out, exist_ok=True)
        fig.savefig(os.path.join(args.out, "ex01_gradient_field.png"), dpi=100)
        print(f"wrote {os.path.join(args.out, 'ex01_gradient_field.png')}")
    except ImportError as e:
        print(f"no figure: {e}")
    return results


if __name__ == "__main__":
    main()
