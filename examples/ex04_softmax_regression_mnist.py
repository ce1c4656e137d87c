"""4. Softmax regression on MNIST with one-hot targets and SGD; binary and one-hot cross-entropy
agree; and the Fashion-MNIST softmax classifier of the backprop lecture when that data is present.

    python examples/ex04_softmax_regression_mnist.py [--fast]
"""
import argparse

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.models import SoftmaxRegression
from tinygrad_edu import optim
from tinygrad_edu.data import DataError, mnist_splits
from tinygrad_edu.nn import functional as F


def train_softmax(train, test, epochs, lr=0.1):
    (x, y), (x_test, y_test) = train, test
    one_hot = F.one_hot(y, 10).numpy()  # the lecture's one-hot targets
    model = SoftmaxRegression(x.shape[1], 10, generator=0)
    history = tg.fit(model, (x, one_hot), F.cross_entropy, optim.SGD(model.parameters(), lr=lr), epochs=epochs,
                     batch_size=64, validation_data=(x_test, F.one_hot(y_test, 10).numpy()), generator=0,
                     progress=False)
    return history


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="1 epoch instead of 5")
    args = parser.parse_args(argv)
    epochs = 1 if args.fast else 5

    # Binary cross-entropy of p = sigmoid(z) against 1 equals the one-hot cross-entropy of the two
    # classes' softmax([0, z]): the same loss written two ways.
    z = tg.Tensor([[0.83]])
    binary = F.binary_cross_entropy_with_logits(z, np.ones((1, 1)))
    two_class = F.cross_entropy(tg.concatenate([tg.zeros(1, 1), z], axis=1), np.array([[0.0, 1.0]]))
    print(f"binary cross-entropy {binary.item():.6f} = one-hot cross-entropy {two_class.item():.6f} "
          "(the lecture's example gives 0.3618...)")

    train, test, about = mnist_splits(download=False)
    print(f"data: {about}")
    history = train_softmax(train, test, epochs)
    accuracy = history["val_accuracy"][-1]
    print(f"MNIST softmax regression, SGD lr 0.1, batch 64, {epochs} epochs: test accuracy {accuracy:.4f}")

    fashion = None
    try:
        fashion_train, fashion_test, about = mnist_splits(kind="fashion", download=False)
        fashion = train_softmax(fashion_train, fashion_test, epochs)["val_accuracy"][-1]
        print(f"Fashion-MNIST ({about}): test accuracy {fashion:.4f} (the lecture's Keras model: 84%)")
    except DataError:
        print("Fashion-MNIST not found (put its files in $TINYGRAD_EDU_DATA/fashion): skipped")
    return {"binary": binary.item(), "one_hot": two_class.item(), "accuracy": accuracy, "fashion": fashion}


if __name__ == "__main__":
    main()
