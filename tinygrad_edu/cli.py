"""The command line: `tinygrad-edu demo` and `tinygrad-edu train` (also `python -m tinygrad_edu`)."""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataError, load_digits, mnist_splits, spiral, train_val_split
from tinygrad_edu.nn import functional as F

OPTIMIZERS = {
    "sgd": lambda p, a: optim.SGD(p, lr=a.lr, weight_decay=a.weight_decay),
    "momentum": lambda p, a: optim.SGD(p, lr=a.lr, momentum=0.9, weight_decay=a.weight_decay),
    "nesterov": lambda p, a: optim.SGD(p, lr=a.lr, momentum=0.9, nesterov=True, weight_decay=a.weight_decay),
    "adagrad": lambda p, a: optim.Adagrad(p, lr=a.lr, weight_decay=a.weight_decay),
    "rmsprop": lambda p, a: optim.RMSprop(p, lr=a.lr, weight_decay=a.weight_decay),
    "adadelta": lambda p, a: optim.Adadelta(p, lr=a.lr, weight_decay=a.weight_decay),
    "adam": lambda p, a: optim.Adam(p, lr=a.lr, weight_decay=a.weight_decay),
    "adamw": lambda p, a: optim.AdamW(p, lr=a.lr, weight_decay=a.weight_decay),
}
DATASETS = ("mnist", "fashion", "digits", "spiral")
MODELS = ("mlp", "softmax", "two-layer", "multi-layer", "conv")


def load_dataset(name: str, data_dir=None, images: bool = False, limit: int | None = None):
    """((x_train, y_train), (x_test, y_test), description) for a dataset name; MNIST falls back
    to the embedded digits when it is not available."""
    if name in ("mnist", "fashion"):
        try:
            train, test, description = mnist_splits(data_dir, "mnist" if name == "mnist" else "fashion",
                                                    flatten=not images)
        except DataError as e:
            if name == "fashion":
                raise
            print(f"MNIST is not available ({str(e).splitlines()[0]}); using scikit-learn's bundled 8x8 digits")
            name = "digits"
    if name == "digits":
        x, y = load_digits(flatten=not images)
        train, test = train_val_split(x, y, 0.2, seed=0)
        description = "digits: scikit-learn's 1,797 bundled 8x8 handwritten digits, 20% held out for testing"
    elif name == "spiral":
        x, y = spiral(300, 3, seed=0)
        train, test = train_val_split(x, y, 0.2, seed=0)
        description = "spiral: 900 points of 3 interleaved arms, 20% held out for testing"
    if limit:
        train = tuple(a[:limit] for a in train)
    return train, test, description


def build_model(name: str, input_shape: tuple, classes: int, hidden: int, seed: int):
    from models import MultiLayerNet, SimpleConvNet, SoftmaxRegression, TwoLayerNet
    features = int(np.prod(input_shape))
    if name == "softmax":
        return SoftmaxRegression(features, classes, generator=seed)
    if name == "two-layer":
        return TwoLayerNet(features, hidden, classes, weight_init_std="relu", activation="relu", generator=seed)
    if name == "multi-layer":
        return MultiLayerNet(features, [hidden] * 4, classes, use_batchnorm=True, generator=seed)
    if name == "conv":
        if len(input_shape) != 3:
            raise SystemExit("--model conv needs image data (mnist, fashion or digits)")
        return SimpleConvNet(input_shape, filter_num=16, filter_size=3 if input_shape[1] < 16 else 5,
                             hidden_size=hidden, output_size=classes, weight_init_std="he", generator=seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(features, hidden, generator=seed), nn.ReLU(),
                         nn.Linear(hidden, classes, generator=seed + 1))


def run_training(args, model_name: str) -> int:
    start = time.time()
    images = model_name == "conv"
    (x_train, y_train), test, description = load_dataset(args.dataset, args.data_dir, images, args.limit)
    print(f"data: {description}")
    classes = int(max(y_train.max(), test[1].max()) + 1)
    model = build_model(model_name, x_train.shape[1:], classes, args.hidden, args.seed)
    print(model)
    optimizer = OPTIMIZERS[args.optimizer](model.parameters(), args)
    trainer = tg.Trainer(model, F.cross_entropy, optimizer, progress=not args.quiet)
    history = trainer.fit((x_train, y_train), args.epochs, validation_data=test, batch_size=args.batch_size,
                          seed=args.seed)
    for epoch in range(len(history)):
        print(f"epoch {epoch + 1:3d}: loss {history['loss'][epoch]:.4f}  train accuracy "
              f"{history['accuracy'][epoch]:.4f}  test accuracy {history['val_accuracy'][epoch]:.4f}")
    print(f"test accuracy: {history['val_accuracy'][-1]:.4f}")
    os.makedirs(args.out, exist_ok=True)
    written = [os.path.join(args.out, "checkpoint.npz"), os.path.join(args.out, "history.csv")]
    trainer.save_checkpoint(written[0])
    tg.train.HistoryLogger(written[1]).on_epoch_end(trainer, trainer.epoch, {})
    written += write_pictures(model, trainer, x_train, y_train, history, args.out)
    print(f"wrote {', '.join(written)} (in {time.time() - start:.1f} s)")
    return 0


def write_pictures(model, trainer, x, y, history, out: str) -> list:
    """The loss/accuracy curves (PNG) and the backprop graph of one step (SVG, or DOT)."""
    from tinygrad_edu import viz
    written = []
    try:
        from tinygrad_edu.plots import plot_history
        plot_history(history, os.path.join(out, "curves.png"))
        written.append(os.path.join(out, "curves.png"))
    except ImportError as e:
        print(f"no curves: {e}")
    model.zero_grad()
    loss = F.cross_entropy(model(tg.Tensor(x[:8])), y[:8])
    loss.backward()
    graph = viz.draw_graph(loss, dict(model.named_parameters()))
    written.append(viz.render(graph, os.path.join(out, "graph.svg"), fallback_to_dot=True))
    model.zero_grad()
    return written


def demo(args) -> int:
    """Train an MLP (784-100-10, Adam) on MNIST, or on the bundled digits without MNIST."""
    args.optimizer, args.weight_decay, args.dataset = "adam", 0.0, args.dataset
    return run_training(args, "mlp")


def train(args) -> int:
    return run_training(args, args.model)


def graph(args) -> int:
    """Draw the backprop graph of a reference model's loss on a random MNIST-shaped batch."""
    from tinygrad_edu import viz
    shape = (1, 28, 28) if args.model == "conv" else (784,)
    model = build_model(args.model, shape, 10, args.hidden, args.seed)
    rng = np.random.default_rng(args.seed)
    x, labels = rng.random((args.batch,) + shape, dtype=np.float32), rng.integers(0, 10, args.batch)
    with viz.trace(model):
        loss = F.cross_entropy(model(tg.Tensor(x)), labels)
    loss.name = "loss"
    if args.backward:
        loss.backward()
    drawing = viz.draw_graph(loss, model=model, show_backward_order=args.order, max_depth=args.max_depth,
                             show_values=args.values)
    written = viz.render(drawing, args.out, fallback_to_dot=True)
    print(f"wrote {written}")
    return 0 if os.path.splitext(written)[1] == os.path.splitext(args.out)[1] else 1


def _common(p, epochs: int, lr: float) -> None:
    p.add_argument("--epochs", type=int, default=epochs, help=f"passes over the training data (default {epochs})")
    p.add_argument("--lr", type=float, default=lr, help=f"learning rate (default {lr})")
    p.add_argument("--batch-size", type=int, default=64, help="samples per mini-batch (default 64)")
    p.add_argument("--hidden", type=int, default=100, help="hidden units per layer (default 100)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and of the data order (default 0)")
    p.add_argument("--data-dir", default=None, help="folder with the MNIST files (default: $TINYGRAD_EDU_DATA, "
                                                    "then the cache, then download)")
    p.add_argument("--limit", type=int, default=None, help="use only the first N training samples")
    p.add_argument("--out", default="tinygrad_edu_output", help="folder for the checkpoint, history, curves and "
                                                                "graph (default tinygrad_edu_output)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="tinygrad-edu", description="tinygrad_edu: learn deep learning by building it.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("demo", help="train an MLP on MNIST (or the bundled digits) and write curves, graph, checkpoint",
                            description="Train a 784-100-10 MLP with Adam on MNIST when it is available (data "
                                        "directory, cache or download), else on scikit-learn's bundled digits.")
    _common(p, epochs=5, lr=1e-3)
    p.add_argument("--dataset", choices=("mnist", "fashion", "digits"), default="mnist", help="default mnist")
    p.set_defaults(run=demo)
    p = commands.add_parser("train", help="train a reference model", description="Train one of the reference models.")
    p.add_argument("--model", choices=MODELS, default="mlp", help="mlp (784-hidden-10), softmax (regression), "
                   "two-layer (TwoLayerNet), multi-layer (MultiLayerNet, 4 hidden layers with batch norm), "
                   "conv (SimpleConvNet); default mlp")
    p.add_argument("--dataset", choices=DATASETS, default="mnist", help="default mnist")
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam",
                   help="momentum = SGD with momentum 0.9, nesterov likewise; default adam")
    p.add_argument("--weight-decay", type=float, default=0.0, help="L2 penalty folded into the gradient (default 0)")
    _common(p, epochs=5, lr=1e-3)
    p.set_defaults(run=train)
    p = commands.add_parser("graph", help="draw the backprop graph of a reference model's loss",
                            description="Draw the graph of a reference model's loss on a random batch, each "
                                        "module's ops in a labelled box, to an SVG, PNG, PDF or DOT file.")
    p.add_argument("--model", choices=MODELS, default="mlp", help="default mlp")
    p.add_argument("--hidden", type=int, default=100, help="hidden units per layer (default 100)")
    p.add_argument("--batch", type=int, default=4, help="batch size of the random input (default 4)")
    p.add_argument("--backward", action="store_true", help="run backward first, so the leaves show gradients")
    p.add_argument("--order", action="store_true", help="number the ops in the order backward runs them")
    p.add_argument("--max-depth", type=int, default=None, help="draw each module at this nesting depth as one node")
    p.add_argument("--values", action="store_true", help="show small values (or norm and mean) of the leaves")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and of the batch (default 0)")
    p.add_argument("--out", default="graph.svg", help="output file; .svg, .png, .pdf or .dot (default graph.svg)")
    p.set_defaults(run=graph)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
