"""14. Second derivatives: Newton's method, x <- x - f'(x) / f''(x), with both derivatives from
autograd (create_graph=True), against plain gradient descent; and the graph of a gradient.

    python examples/ex14_second_derivatives.py [--out DIR]
"""
import argparse
import os

import tinygrad_edu as tg
from tinygrad_edu import viz


def f(x):
    """y = x^4 - 2x^2: minima at x = -1 and x = 1."""
    return x ** 4 - 2 * x ** 2


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="(the same: this example is quick)")
    parser.add_argument("--out", default="tinygrad_edu_output", help="folder for the graph")
    args = parser.parse_args(argv)

    x = tg.Tensor(2.0, requires_grad=True, dtype="float64")
    newton = []
    for i in range(10):
        (g,) = tg.grad(f(x), x, create_graph=True)  # f'(x), itself a graph
        (h,) = tg.grad(g, x)  # f''(x)
        newton.append(x.item())
        print(f"Newton step {i}: x = {x.item():.12f}")
        if abs(g.item()) < 1e-12:
            break
        x = tg.Tensor(x.item() - g.item() / h.item(), requires_grad=True, dtype="float64")

    x, steps = tg.Tensor(2.0, requires_grad=True, dtype="float64"), 0
    while abs(x.item() - 1.0) > 1e-6 and steps < 1000:
        (g,) = tg.grad(f(x), x)
        x, steps = tg.Tensor(x.item() - 0.01 * g.item(), requires_grad=True, dtype="float64"), steps + 1
    print(f"Newton's method reaches x = 1 in {len(newton) - 1} steps; gradient descent (lr 0.01) needs {steps}")

    x = tg.Tensor(2.0, requires_grad=True, dtype="float64", name="x")
    y = f(x)
    y.backward(create_graph=True)
    print(f"f'(2) = {x.grad.item()} (4x^3 - 4x = 24); the gradient has a graph of its own:")
    graph = viz.draw_graph(x.grad, params={"x": x})
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, "ex14_gradient_graph")
    written = viz.render(graph, base + ".svg", fallback_to_dot=True)  # or .dot, without Graphviz
    print(f"  {graph.source.count('shape=box')} ops in the graph of dy/dx, written to {written}")
    return {"newton_steps": len(newton) - 1, "descent_steps": steps, "newton": newton}


if __name__ == "__main__":
    main()
