"""6. Overfitting on 1,000 MNIST samples: accuracy against epochs and against hidden width
(40 to 800), early stopping that restores the best weights, augmentation by rotation, dropout.

    python examples/ex06_overfitting.py [--fast] [--out DIR]
"""
import argparse
import os

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import RandomRotation, DataLoader, mnist_splits, train_val_split
from tinygrad_edu.nn import functional as F
from tinygrad_edu.train import EarlyStopping


def mlp(width, dropout=0.0):
    return nn.Sequential(nn.Linear(784, width, init="he", generator=0), nn.ReLU(), nn.Dropout(dropout, generator=1),
                         nn.Linear(width, 10, generator=2))


def fit(model, train, test, epochs, callbacks=(), transform=None, validation=None):
    loader = DataLoader(train, batch_size=32, shuffle=True, generator=0, transform=transform)
    history = tg.fit(model, loader, F.cross_entropy, optim.Adam(model.parameters(), lr=1e-3), epochs=epochs,
                     validation_data=validation or test, callbacks=callbacks, progress=False)
    train_acc = tg.evaluate(model, train, F.cross_entropy)["accuracy"]
    return history, train_acc, tg.evaluate(model, test, F.cross_entropy)["accuracy"]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="fewer epochs and widths")
    parser.add_argument("--out", default="tinygrad_edu_output", help="folder for the figure")
    args = parser.parse_args(argv)
    (x, y), test, about = mnist_splits(download=False)
    train = (x[:1000], y[:1000])
    epochs = 5 if args.fast else 40
    print(f"data: {about}; only the first 1,000 training samples")
    results = {}

    history, train_acc, test_acc = fit(mlp(400), train, test, epochs)
    gap = train_acc - test_acc
    print(f"width 400, {epochs} epochs: train {train_acc:.4f}, test {test_acc:.4f} (gap {gap:.4f}); "
          f"best test accuracy {max(history['val_accuracy']):.4f} at epoch "
          f"{history['val_accuracy'].index(max(history['val_accuracy'])) + 1}")
    results["plain"] = (train_acc, test_acc)

    for width in ((40, 800) if args.fast else (40, 100, 200, 400, 800)):
        _, train_acc, test_acc = fit(mlp(width), train, test, epochs)
        print(f"width {width:3d}: train {train_acc:.4f}, test {test_acc:.4f}")
        results[f"width {width}"] = (train_acc, test_acc)

    (x_fit, y_fit), validation = train_val_split(*train, val_fraction=0.2, generator=0)
    stopper = EarlyStopping("val_loss", patience=3)
    model = mlp(400)
    history, train_acc, test_acc = fit(model, (x_fit, y_fit), test, epochs, [stopper], validation=validation)
    print(f"early stopping on a 20% validation split: stopped after epoch {len(history)}, restored epoch "
          f"{stopper.best_epoch}; train {train_acc:.4f}, test {test_acc:.4f}")
    results["early stopping"] = (train_acc, test_acc)

    rotate = RandomRotation(12, image_shape=(28, 28))
    _, train_acc, test_acc = fit(mlp(400), train, test, epochs, transform=rotate)
    print(f"augmentation (rotation up to 12 degrees): train {train_acc:.4f}, test {test_acc:.4f}")
    results["augmentation"] = (train_acc, test_acc)

    _, train_acc, test_acc = fit(mlp(400, dropout=0.5), train, test, epochs)
    print(f"dropout 0.5: train {train_acc:.4f}, test {test_acc:.4f}")
    results["dropout"] = (train_acc, test_acc)
    try:
        from tinygrad_edu.plots import plot_history
        os.makedirs(args.out, exist_ok=True)
        plot_history(history, os.path.join(args.out, "ex06_early_stopping.png"), title="early stopping")
        print(f"wrote {os.path.join(args.out, 'ex06_early_stopping.png')}")
    except ImportError as e:
        print(f"no figure: {e}")
    return results


if __name__ == "__main__":
    main()
