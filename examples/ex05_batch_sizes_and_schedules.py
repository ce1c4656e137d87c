"""5. Batch, stochastic and mini-batch gradient descent (batch sizes 8 to 64), and learning-rate
schedules (linear, exponential, power): loss curves on MNIST softmax regression.

    python examples/ex05_batch_sizes_and_schedules.py [--fast] [--out DIR]
"""
import argparse
import os

import tinygrad_edu as tg
from tinygrad_edu.models import SoftmaxRegression
from tinygrad_edu import optim
from tinygrad_edu.data import mnist_splits
from tinygrad_edu.nn import functional as F
from tinygrad_edu.optim import lr_scheduler


def run(train, test, batch_size, epochs, lr=0.1, schedule=None):
    model = SoftmaxRegression(generator=0)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    scheduler = schedule(optimizer) if schedule else None
    return tg.fit(model, train, F.cross_entropy, optimizer, epochs=epochs, batch_size=batch_size,
                  validation_data=test, scheduler=scheduler, generator=0, progress=False)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="2,000 samples, 2 epochs")
    parser.add_argument("--out", default="tinygrad_edu_output", help="folder for the figure")
    args = parser.parse_args(argv)
    (x, y), test, about = mnist_splits(download=False)
    n, epochs = (2000, 2) if args.fast else (len(x), 5)
    train = (x[:n], y[:n])
    print(f"data: {about}; {n} training samples, {epochs} epochs")

    curves = {}
    for name, batch_size, lr in (("batch (all samples)", n, 0.5), ("stochastic (1)", 1, 0.01),
                                 ("mini-batch 8", 8, 0.05), ("mini-batch 32", 32, 0.1), ("mini-batch 64", 64, 0.1)):
        history = run(train, test, batch_size, epochs, lr)
        curves[name] = history
        print(f"{name:20s} lr {lr:<5}: loss {history['loss'][-1]:.4f}, test accuracy {history['val_accuracy'][-1]:.4f}")
    schedules = {
        "constant": None,
        "linear to 1e-4": lambda o: lr_scheduler.LinearLR(o, 1.0, 1e-4 / 0.1, total_iters=epochs),
        "exponential 10^(-t/r)": lambda o: lr_scheduler.ExponentialDecayLR(o, r=epochs),
        "power (1+t/r)^-c": lambda o: lr_scheduler.PowerDecayLR(o, r=1, c=1),
    }
    for name, schedule in schedules.items():
        history = run(train, test, 64, epochs, 0.1, schedule)
        curves[f"schedule: {name}"] = history
        print(f"schedule {name:22s}: lr {', '.join(f'{v:.3g}' for v in history['lr'])}; "
              f"test accuracy {history['val_accuracy'][-1]:.4f}")
    try:
        from tinygrad_edu.plots import figure
        fig, axes = figure(1, 2, figsize=(10, 3.6))
        axes = axes[0]
        for name, history in curves.items():
            ax = axes[1] if name.startswith("schedule") else axes[0]
            ax.plot(history["epoch"], history["loss"], marker="o", label=name)
        for ax, title in zip(axes, ("batch sizes", "learning-rate schedules")):
            ax.set(title=title, xlabel="epoch", ylabel="training loss")
            ax.legend(fontsize=8)
        os.makedirs(args.out, exist_ok=True)
        fig.savefig(os.path.join(args.out, "ex05_loss_curves.png"), dpi=100)
        print(f"wrote {os.path.join(args.out, 'ex05_loss_curves.png')}")
    except ImportError as e:
        print(f"no figure: {e}")
    return {name: h["val_accuracy"][-1] for name, h in curves.items()}


if __name__ == "__main__":
    main()
