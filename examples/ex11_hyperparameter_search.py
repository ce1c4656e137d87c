"""11. Random hyperparameter search: learning rate in [1e-6, 1e-2] and weight decay in [1e-8, 1e-4],
both log-uniform, scored on a validation split (never on the test data); the best trials.

    python examples/ex11_hyperparameter_search.py [--fast] [--trials N] [--out DIR]
"""
import argparse
import os

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.models import MultiLayerNet
from tinygrad_edu import optim
from tinygrad_edu.data import mnist_splits, train_val_split


def trial(train, validation, lr, weight_decay, epochs):
    model = MultiLayerNet(784, [100] * 5, 10, weight_decay_lambda=weight_decay, generator=0)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    (x, y), rng = train, np.random.default_rng(0)
    for _ in range(epochs * (len(x) // 100)):
        batch = rng.choice(len(x), 100)
        optimizer.zero_grad()
        model.loss(tg.Tensor(x[batch]), y[batch]).backward()
        optimizer.step()
    model.eval()
    return model.accuracy(tg.Tensor(validation[0]), validation[1])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="8 trials of 5 epochs")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--out", default="example_output", help="folder for the figure")
    args = parser.parse_args(argv)
    trials_count, epochs = (8, 5) if args.fast else (args.trials, 50)
    (x, y), _, about = mnist_splits(download=False)
    train, validation = train_val_split(x[:500], y[:500], val_fraction=0.2, seed=0)  # the book: 500 samples
    print(f"data: {about}; 500 samples, 20% held out for validation; {trials_count} trials of {epochs} epochs")
    rng = np.random.default_rng(0)
    trials = []
    for _ in range(trials_count):
        lr, weight_decay = 10 ** rng.uniform(-6, -2), 10 ** rng.uniform(-8, -4)
        trials.append({"lr": lr, "weight_decay": weight_decay,
                       "val_accuracy": trial(train, validation, lr, weight_decay, epochs)})
    trials.sort(key=lambda t: -t["val_accuracy"])
    print("best trials:")
    for rank, t in enumerate(trials[:5], 1):
        print(f"  {rank}. validation accuracy {t['val_accuracy']:.3f}   lr {t['lr']:.2e}   weight decay {t['weight_decay']:.2e}")
    try:
        from tinygrad_edu.plots import plot_hyperparameter_search
        os.makedirs(args.out, exist_ok=True)
        plot_hyperparameter_search(trials, os.path.join(args.out, "ex11_search.png"))
        print(f"wrote {os.path.join(args.out, 'ex11_search.png')}")
    except ImportError as e:
        print(f"no figure: {e}")
    return {"trials": trials}


if __name__ == "__main__":
    main()
