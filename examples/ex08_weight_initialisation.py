"""8. Weight initialisation: activation histograms of a 5-layer net (100 units each) for std 1,
std 0.01, Xavier and He with sigmoid, tanh and ReLU; then std 0.01 / Xavier / He on MNIST.

    python examples/ex08_weight_initialisation.py [--fast] [--out DIR]
"""
import argparse
import os

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.models import MultiLayerNet
from tinygrad_edu import nn, optim, plots
from tinygrad_edu.data import mnist_splits

ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
INITS = {"std 1": 1.0, "std 0.01": 0.01, "Xavier": "lecun", "He": "he"}  # the book's Xavier, sqrt(1/n)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="200 MNIST iterations instead of 2,000")
    parser.add_argument("--out", default="tinygrad_edu_output", help="folder for the figures")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    x = np.random.default_rng(42).standard_normal((1000, 100)).astype(np.float32)
    spread = {}
    for act_name, activation in ACTIVATIONS.items():
        for init_name, init in INITS.items():
            layers = [m for i in range(5)
                      for m in (nn.Linear(100, 100, bias=False, init=init, generator=i), activation())]
            outputs = plots.layer_outputs(nn.Sequential(*layers), x)
            stds = [float(o.std()) for o in outputs.values()]
            spread[(act_name, init_name)] = stds
            print(f"{act_name:7s} {init_name:8s}: std of each layer's activations {np.round(stds, 3).tolist()}")
            if (act_name, init_name) in (("sigmoid", "std 1"), ("sigmoid", "std 0.01"), ("sigmoid", "Xavier"),
                                         ("relu", "He"), ("relu", "std 0.01")):
                try:
                    bounds = (0, 1) if act_name == "sigmoid" else None
                    path = os.path.join(args.out, f"ex08_{act_name}_{init_name.replace(' ', '')}.png")
                    plots.plot_histograms({f"layer {i + 1}": o for i, o in enumerate(outputs.values())}, path,
                                          title=f"{act_name}, {init_name}", value_range=bounds)
                    print(f"  wrote {path}")
                except ImportError:
                    pass

    (xs, ys), _, about = mnist_splits(download=False)
    iterations = 200 if args.fast else 2000
    print(f"data: {about}; 5-layer ReLU net, SGD lr 0.01, batch 128, {iterations} iterations")
    rng, final = np.random.default_rng(0), {}
    for init_name, init in (("std 0.01", 0.01), ("Xavier", "lecun"), ("He", "he")):
        model = MultiLayerNet(784, [100] * 4, 10, weight_init_std=init, generator=0)
        optimizer = optim.SGD(model.parameters(), lr=0.01)
        curve = []
        for _ in range(iterations):
            batch = rng.choice(len(xs), 128)
            optimizer.zero_grad()
            loss = model.loss(tg.Tensor(xs[batch]), ys[batch])
            loss.backward()
            optimizer.step()
            curve.append(loss.item())
        final[init_name] = float(np.mean(curve[-100:]))
        print(f"{init_name:8s}: loss {np.mean(curve[:10]):.3f} -> {final[init_name]:.3f}")
    return {"spread": spread, "final_losses": final}


if __name__ == "__main__":
    main()
