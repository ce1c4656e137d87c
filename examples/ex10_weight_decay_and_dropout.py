"""10. Overfitting a 7-layer network on 300 samples, then fighting it with weight decay
(lambda = 0.1) and with dropout: the gap between train and test accuracy.

    python examples/ex10_weight_decay_and_dropout.py [--fast]
"""
import argparse

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.models import MultiLayerNet
from tinygrad_edu import optim
from tinygrad_edu.data import mnist_splits


def run(x, y, test, epochs, **options):
    model = MultiLayerNet(784, [100] * 6, 10, generator=0, **options)
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    for _ in range(epochs * 3):  # 300 samples, batch 100: 3 iterations per epoch
        batch = rng.choice(len(x), 100)
        optimizer.zero_grad()
        model.loss(tg.Tensor(x[batch]), y[batch]).backward()  # includes the weight decay term
        optimizer.step()
    model.eval()
    return model.accuracy(tg.Tensor(x), y), model.accuracy(tg.Tensor(test[0]), test[1])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="50 epochs instead of 201")
    args = parser.parse_args(argv)
    (x, y), test, about = mnist_splits(download=False)
    x, y = x[:300], y[:300]
    epochs = 50 if args.fast else 201
    print(f"data: {about}; 300 training samples, 7-layer net (6 x 100 hidden, ReLU), SGD lr 0.01, {epochs} epochs")
    results = {}
    for name, options in (("no regularisation", {}), ("weight decay 0.1", {"weight_decay_lambda": 0.1}),
                          ("dropout 0.2", {"use_dropout": True, "dropout_ratio": 0.2})):
        train_acc, test_acc = run(x, y, test, epochs, **options)
        results[name] = (train_acc, test_acc)
        print(f"{name:18s}: train {train_acc:.4f}, test {test_acc:.4f}, gap {train_acc - test_acc:.4f}")
    return results


if __name__ == "__main__":
    main()
