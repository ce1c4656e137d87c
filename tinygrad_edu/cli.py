"""The command line: `tinygrad-edu demo`, `train`, `graph` and `explore` (also `python -m tinygrad_edu`).

Results go to one folder, --out (default tinygrad_edu_output/, which git ignores): the checkpoint,
history, curves and graph; a run replaces what an earlier run left there, and --resume continues
training from the checkpoint in it.

Every argument, the data folder and the output folder are checked before any work starts, so a
mistake costs one line of error (exit code 2), never a traceback or a finished run's results.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.checkpoint import CheckpointError
from tinygrad_edu.data import DataError, load_digits, mnist_splits, spiral, train_val_split
from tinygrad_edu.data.mnist import FILES
from tinygrad_edu.nn import functional as F

if TYPE_CHECKING:
    from tinygrad_edu.callbacks import History
    from tinygrad_edu.train import Trainer

Split = tuple[np.ndarray, np.ndarray]  # (x, y)

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


def load_dataset(name: str | None, data_dir: str | os.PathLike[str] | None = None, images: bool = False,
                 limit: int | None = None) -> tuple[Split, Split, str]:
    """((x_train, y_train), (x_test, y_test), description) for a dataset name (default mnist).
    MNIST is always there: the full set when found or downloaded, else the test split shipped in
    the package, split by the offline protocol (see tinygrad_edu.data.mnist_splits)."""
    name = name or "mnist"
    if name in ("mnist", "fashion"):
        train, test, description = mnist_splits(data_dir, name, flatten=not images)
    elif name == "digits":
        x, y = load_digits(flatten=not images)
        train, test = train_val_split(x, y, 0.2, generator=0)
        description = "digits: scikit-learn's 1,797 bundled 8x8 handwritten digits, 20% held out for testing"
    elif name == "spiral":
        x, y = spiral(300, 3, generator=0)
        train, test = train_val_split(x, y, 0.2, generator=0)
        description = "spiral: 900 points of 3 interleaved arms, 20% held out for testing"
    if limit:
        train = tuple(a[:limit] for a in train)
    return train, test, description


def build_model(name: str, input_shape: tuple, classes: int, hidden: int, seed: int) -> nn.Module:
    from tinygrad_edu.models import MultiLayerNet, SimpleConvNet, SoftmaxRegression, TwoLayerNet
    features = int(np.prod(input_shape))
    if name == "softmax":
        return SoftmaxRegression(features, classes, generator=seed)
    if name == "two-layer":
        return TwoLayerNet(features, hidden, classes, weight_init_std="relu", activation="relu", generator=seed)
    if name == "multi-layer":
        return MultiLayerNet(features, [hidden] * 4, classes, use_batchnorm=True, generator=seed)
    if name == "conv":
        return SimpleConvNet(input_shape, filter_num=16, filter_size=3 if input_shape[1] < 16 else 5,
                             hidden_size=hidden, output_size=classes, weight_init_std="he", generator=seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(features, hidden, generator=seed), nn.ReLU(),
                         nn.Linear(hidden, classes, generator=seed + 1))


def run_training(args: argparse.Namespace, model_name: str) -> int:
    start = time.time()
    images = model_name == "conv"
    (x_train, y_train), test, description = load_dataset(args.dataset, args.data_dir, images, args.limit)
    print(f"data: {description}")
    classes = int(max(y_train.max(), test[1].max()) + 1)
    model = build_model(model_name, x_train.shape[1:], classes, args.hidden, args.seed)
    print(model)
    optimizer = OPTIMIZERS[args.optimizer](model.parameters(), args)
    trainer = tg.Trainer(model, F.cross_entropy, optimizer, progress=not args.quiet, jit=args.jit)
    checkpoint = os.path.join(args.out, "checkpoint.safetensors")
    if args.resume:
        try:
            trainer.load_checkpoint(checkpoint)
        except (CheckpointError, ValueError, TypeError, KeyError) as e:
            print(f"{args.parser.prog}: error: cannot resume from {checkpoint} ({e}); resume with the same --model, "
                  "--hidden, --optimizer, --dataset and --limit as the run that wrote it", file=sys.stderr)
            return 1
        print(f"resumed from {checkpoint} after epoch {trainer.epoch}")
    history = trainer.fit((x_train, y_train), args.epochs, validation_data=test, batch_size=args.batch_size,
                          generator=args.seed)
    for epoch in range(len(history)):
        print(f"epoch {epoch + 1:3d}: loss {history['loss'][epoch]:.4f}  train accuracy "
              f"{history['accuracy'][epoch]:.4f}  test accuracy {history['val_accuracy'][epoch]:.4f}")
    print(f"test accuracy: {history['val_accuracy'][-1]:.4f}")
    os.makedirs(args.out, exist_ok=True)
    written = [checkpoint, os.path.join(args.out, "history.csv")]
    trainer.save_checkpoint(checkpoint)
    tg.train.HistoryLogger(written[1]).on_epoch_end(trainer, trainer.epoch, {})
    written += write_pictures(model, trainer, x_train, y_train, history, args.out)
    print(f"wrote {', '.join(os.path.basename(w) for w in written)} to {os.path.abspath(args.out)} "
          f"(in {time.time() - start:.1f} s)")
    return 0


def write_pictures(model: nn.Module, trainer: Trainer, x: np.ndarray, y: np.ndarray, history: History,
                   out: str) -> list[str]:
    """The loss/accuracy curves (PNG) and the backprop graph of one step (SVG, or DOT); a file an
    earlier run wrote that this one could not (curves without matplotlib, the other graph form)
    is removed, so that nothing in `out` is older than the checkpoint."""
    from tinygrad_edu import viz
    written = []
    try:
        from tinygrad_edu.plots import plot_history
        plot_history(history, os.path.join(out, "curves.png"))
        written.append(os.path.join(out, "curves.png"))
    except ImportError as e:
        print(f"no curves: {e}")
        remove_stale(os.path.join(out, "curves.png"))
    model.zero_grad()
    loss = F.cross_entropy(model(tg.Tensor(x[:8])), y[:8])
    loss.backward()
    graph = viz.draw_graph(loss, dict(model.named_parameters()))
    written.append(viz.render(graph, os.path.join(out, "graph.svg"), fallback_to_dot=True))
    model.zero_grad()
    return written


def remove_stale(path: str) -> None:
    if os.path.isfile(path):
        os.remove(path)


def demo(args: argparse.Namespace) -> int:
    """Train an MLP (784-100-10, Adam) on MNIST (offline: the shipped test split, offline protocol)."""
    args.optimizer, args.weight_decay = "adam", 0.0
    return run_training(args, "mlp")


def train(args: argparse.Namespace) -> int:
    return run_training(args, args.model)


def random_batch_loss(args: argparse.Namespace, watching: Callable) -> tuple:
    """A reference model and its cross-entropy loss on a random MNIST-shaped batch, the forward
    run inside `watching(model)` (viz.trace or viz.recording)."""
    shape = (1, 28, 28) if args.model == "conv" else (784,)
    model = build_model(args.model, shape, 10, args.hidden, args.seed)
    rng = np.random.default_rng(args.seed)
    x, labels = rng.random((args.batch,) + shape, dtype=np.float32), rng.integers(0, 10, args.batch)
    with watching(model):
        loss = F.cross_entropy(model(tg.Tensor(x)), labels)
    return model, loss


def graph(args: argparse.Namespace) -> int:
    """Draw the backprop graph of a reference model's loss on a random MNIST-shaped batch."""
    from tinygrad_edu import viz
    model, loss = random_batch_loss(args, viz.trace)
    loss.name = "loss"
    if args.backward:
        loss.backward()
    drawing = viz.draw_graph(loss, model=model, show_backward_order=args.order, max_depth=args.max_depth,
                             show_values=args.values)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    written = viz.render(drawing, args.out, fallback_to_dot=True)
    print(f"wrote {os.path.abspath(written)}")
    return 0 if os.path.splitext(written)[1] == os.path.splitext(args.out)[1] else 1


def explore(args: argparse.Namespace) -> int:
    """Write the backprop explorer of a reference model's loss on a random MNIST-shaped batch."""
    from tinygrad_edu import viz
    model, loss = random_batch_loss(args, viz.recording)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    title = f"{args.model}: the cross-entropy loss of a random batch of {args.batch}"
    written = viz.explore(loss, model=model, title=title).save(args.out)
    print(f"wrote {os.path.abspath(written)}")
    return 0


def _checked(convert, ok, expected: str):
    """An argparse type: `convert(text)` when `ok` of it, else one line saying what to pass."""
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value
    return parse


COUNT = _checked(int, lambda v: v >= 1, "a whole number of 1 or more")
SEED = _checked(int, lambda v: v >= 0, "a whole number of 0 or more")
RATE = _checked(float, lambda v: 0 < v < math.inf, "a number above 0, such as 0.001")
PENALTY = _checked(float, lambda v: 0 <= v < math.inf, "a number of 0 or more, such as 0.0001")
LIMIT = _checked(int, lambda v: v >= 1, "a whole number of 1 or more (leave --limit out to use every sample)")


def check_training_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse, before any work, arguments that cannot go together, a data folder without the
    data, and an output folder that cannot be written."""
    if getattr(args, "model", None) == "conv" and args.dataset == "spiral":
        parser.error("argument --model: conv needs images; pass --dataset mnist, fashion or digits")
    if args.data_dir is not None:
        if args.dataset in ("digits", "spiral"):
            parser.error(f"argument --data-dir: only mnist and fashion are read from files; --dataset "
                         f"{args.dataset} is bundled, so leave --data-dir out")
        kind = args.dataset or "mnist"
        if not os.path.isdir(args.data_dir):
            parser.error(f"argument --data-dir: {args.data_dir} is not a folder")
        names = [n for pair in FILES.values() for name in pair for n in (name, name[:-3])]
        if not any(os.path.isfile(os.path.join(args.data_dir, sub, n)) for sub in (kind, "") for n in names):
            parser.error(f"argument --data-dir: {args.data_dir} holds no {kind} files (such as "
                         f"{FILES['test'][0]}, directly or in a '{kind}' folder)")
    check_writable_folder(parser, "--out", args.out)
    checkpoint = os.path.join(args.out, "checkpoint.safetensors")
    if args.resume and not os.path.isfile(checkpoint):
        parser.error(f"argument --resume: there is no {checkpoint} to resume from; train once without --resume "
                     "(with the same --out) first")


def check_graph_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse, before drawing, an --out that is a folder or cannot be written."""
    if os.path.isdir(args.out):
        parser.error(f"argument --out: {args.out} is a folder; pass a file name such as graph.svg")
    check_writable_folder(parser, "--out", os.path.dirname(args.out) or ".")


def check_writable_folder(parser: argparse.ArgumentParser, flag: str, folder: str) -> None:
    """Refuse a folder that is a file, or under one, or where no file can be created."""
    existing = os.path.abspath(folder)
    while not os.path.exists(existing):  # the folder is made later, inside its nearest existing parent
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        parser.error(f"argument {flag}: {existing} is a file, not a folder; pass a folder for the results")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as e:
        parser.error(f"argument {flag}: cannot write in {existing} ({e.strerror or e}); pass a folder you can "
                     "write to")


def _common(p, epochs: int, lr: float) -> None:
    p.add_argument("--epochs", type=COUNT, default=epochs, help=f"passes over the training data (default {epochs})")
    p.add_argument("--lr", type=RATE, default=lr, help=f"learning rate (default {lr})")
    p.add_argument("--batch-size", type=COUNT, default=64, help="samples per mini-batch (default 64)")
    p.add_argument("--hidden", type=COUNT, default=100, help="hidden units per layer (default 100)")
    p.add_argument("--seed", type=SEED, default=0, help="seed of the weights and of the data order (default 0)")
    p.add_argument("--data-dir", default=None, help="folder with the MNIST files (default: $TINYGRAD_EDU_DATA, "
                                                    "then the cache, then download, then the MNIST test split "
                                                    "shipped in the package)")
    p.add_argument("--limit", type=LIMIT, default=None, help="use only the first N training samples")
    p.add_argument("--out", default="tinygrad_edu_output", help="folder for the checkpoint, history, curves and "
                                                                "graph (default tinygrad_edu_output)")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out up to --epochs "
                                                         "epochs in all (same model, data and options as before)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--jit", action="store_true", help="replay each training step with tg.jit: the same results, "
                                                      "less Python per step (docs/jit.md)")


def _random_batch_args(p) -> None:
    """The flags of the commands that run a reference model on a random batch (graph, explore)."""
    p.add_argument("--model", choices=MODELS, default="mlp", help="default mlp")
    p.add_argument("--hidden", type=COUNT, default=100, help="hidden units per layer (default 100)")
    p.add_argument("--batch", type=COUNT, default=4, help="batch size of the random input (default 4)")
    p.add_argument("--seed", type=SEED, default=0, help="seed of the weights and of the batch (default 0)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tinygrad-edu",
                                     description="tinygrad_edu: learn deep learning by building it.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("demo", help="train an MLP on MNIST and write curves, graph, checkpoint",
                            description="Train a 784-100-10 MLP with Adam on MNIST: the full set when it is "
                                        "available (data directory, cache or download), else the MNIST test "
                                        "split shipped in the package (its first 8,000 images train, its last "
                                        "2,000 test).")
    _common(p, epochs=5, lr=1e-3)
    p.add_argument("--dataset", choices=("mnist", "fashion", "digits"), default=None,
                   help="default mnist; digits is scikit-learn's bundled 8x8 digits")
    p.set_defaults(run=demo, check=check_training_args, parser=p)
    p = commands.add_parser("train", help="train a reference model", description="Train one of the reference models.")
    p.add_argument("--model", choices=MODELS, default="mlp", help="mlp (784-hidden-10), softmax (regression), "
                   "two-layer (TwoLayerNet), multi-layer (MultiLayerNet, 4 hidden layers with batch norm), "
                   "conv (SimpleConvNet); default mlp")
    p.add_argument("--dataset", choices=DATASETS, default=None,
                   help="default mnist; digits is scikit-learn's bundled 8x8 digits, spiral a toy set")
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam",
                   help="momentum = SGD with momentum 0.9, nesterov likewise; default adam")
    p.add_argument("--weight-decay", type=PENALTY, default=0.0, help="L2 penalty folded into the gradient (default 0)")
    _common(p, epochs=5, lr=1e-3)
    p.set_defaults(run=train, check=check_training_args, parser=p)
    p = commands.add_parser("graph", help="draw the backprop graph of a reference model's loss",
                            description="Draw the graph of a reference model's loss on a random batch, each "
                                        "module's ops in a labelled box, to an SVG, PNG, PDF or DOT file.")
    _random_batch_args(p)
    p.add_argument("--backward", action="store_true", help="run backward first, so the leaves show gradients")
    p.add_argument("--order", action="store_true", help="number the ops in the order backward runs them")
    p.add_argument("--max-depth", type=COUNT, default=None, help="draw each module at this nesting depth as one node")
    p.add_argument("--values", action="store_true", help="show small values (or norm and mean) of the leaves")
    p.add_argument("--out", default=os.path.join("tinygrad_edu_output", "graph.svg"),
                   help="output file; .svg, .png, .pdf or .dot (default tinygrad_edu_output/graph.svg)")
    p.set_defaults(run=graph, check=check_graph_args, parser=p)
    p = commands.add_parser("explore", help="write the backprop explorer of a reference model's loss",
                            description="Write one self-contained HTML page to step through the forward and "
                                        "backward pass of a reference model's loss on a random batch.")
    _random_batch_args(p)
    p.add_argument("--out", default=os.path.join("tinygrad_edu_output", "explore.html"),
                   help="output file: .html for the page, .json for its document (default "
                        "tinygrad_edu_output/explore.html)")
    p.set_defaults(run=explore, check=check_graph_args, parser=p)
    args = parser.parse_args(argv)
    args.check(args.parser, args)
    try:
        return args.run(args)
    except DataError as e:  # found but damaged, or asked for and not found: the message says which file
        print(f"{args.parser.prog}: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
