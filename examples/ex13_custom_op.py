"""13. Writing a new op as a Function, gradient-checking it with tinygrad_edu.testing, and drawing
its graph: the workflow a learner follows.

    python examples/ex13_custom_op.py [--out DIR]
"""
import argparse
import os

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import viz
from tinygrad_edu.testing import check_op


class Swish(tg.Function):
    """y = x * sigmoid(x);  dx = g * (s + x * s * (1 - s)) with s = sigmoid(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x / (1 + ctx.xp.exp(-x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        s = 1 / (1 + ctx.xp.exp(-x))  # written with ctx.xp: twice differentiable
        return g * (s + x * s * (1 - s))


class SwishWrongBackward(Swish):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1 + ctx.xp.exp(-x))  # forgot the product rule


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="fewer random examples")
    parser.add_argument("--out", default="tinygrad_edu_output", help="folder for the graph")
    args = parser.parse_args(argv)
    examples = 10 if args.fast else 50

    # 1. the three-line check: forward against a reference, gradient, second derivative
    check_op(lambda x: Swish.apply(x), reference=lambda x: x / (1 + np.exp(-x)), max_examples=examples)
    print(f"Swish passed check_op on {examples} random inputs (forward, gradient, second derivative)")

    # 2. the checker catches a wrong backward, and says where
    x = tg.Tensor(np.array([-1.0, 0.5, 2.0]), requires_grad=True)
    try:
        tg.gradcheck(lambda t: SwishWrongBackward.apply(t), x)
        caught = None
    except tg.GradcheckError as e:
        caught = str(e)
        print(f"the wrong backward is caught:\n  {caught}")

    # 3. its graph, inside a little computation
    y = (Swish.apply(x) * 2).sum()
    y.backward()
    graph = viz.draw_graph(y, params={"x": x}, show_values=True, show_backward_order=True)
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, "ex13_swish_graph")
    written = viz.render(graph, base + ".svg", fallback_to_dot=True)  # or .dot, without Graphviz
    print(f"x.grad = {np.round(x.grad.numpy(), 6).tolist()}; graph written to {written}")
    return {"caught": caught, "grad": x.grad.numpy()}


if __name__ == "__main__":
    main()
