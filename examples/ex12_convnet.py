"""12. A small convolutional network (the book's SimpleConvNet) on MNIST.

    python examples/ex12_convnet.py [--fast]
"""
import argparse

import tinygrad_edu as tg
from tinygrad_edu.models import SimpleConvNet
from tinygrad_edu import optim
from tinygrad_edu.data import mnist_splits
from tinygrad_edu.nn import functional as F


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="1 epoch on 2,000 images")
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args(argv)
    (x, y), test, about = mnist_splits(download=False, flatten=False)
    if args.fast:
        x, y, args.epochs = x[:2000], y[:2000], 1
    print(f"data: {about}; images {x.shape[1:]}")
    model = SimpleConvNet((1, 28, 28), filter_num=30, filter_size=5, hidden_size=100, weight_init_std="he", generator=0)
    model.summary((1, 28, 28))
    history = tg.fit(model, (x, y), F.cross_entropy, optim.Adam(model.parameters(), lr=1e-3), epochs=args.epochs,
                     batch_size=100, validation_data=test, generator=0, progress=not args.fast)
    for epoch, (train_acc, test_acc) in enumerate(zip(history["accuracy"], history["val_accuracy"]), 1):
        print(f"epoch {epoch}: train accuracy {train_acc:.4f}, test accuracy {test_acc:.4f}")
    return {"test_accuracy": history["val_accuracy"][-1]}


if __name__ == "__main__":
    main()
