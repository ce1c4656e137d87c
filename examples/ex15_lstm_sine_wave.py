"""15. An LSTM learns a sine wave (the sequel book, DeZero steps 59-60): it sees x_t and predicts
x_{t+1}, trained on a noisy sine, tested on the clean cos wave one step ahead and free-running.

    python examples/ex15_lstm_sine_wave.py [--fast] [--seed N] [--out DIR]

What the learner sees: the training loss per epoch falling towards the noise's variance (no model
can predict the noise); the test MSE one step ahead against the "tomorrow = today" baseline
x_{t+1} = x_t; then the model running free, fed its own predictions, which shows whether it
learned the wave's dynamics or only to stay close to its input. A single x_t cannot say whether
the wave is rising or falling: the state (h, c) has to carry that, which is why the first steps
from a zero state are poor and are scored apart. The LSTM's gates decide what the cell c keeps
(forget gate f), what it writes (input gate i times the candidate g) and what it shows as h
(output gate o); c is updated by a product and a sum, not squashed through tanh at every step, so
the gradient can travel back along it over a period without vanishing as in a plain RNN.

Data: the book samples one period at 1,000 points with uniform noise in +-0.05; at that rate
x_{t+1} = x_t is already almost exact (MSE 2e-5), so here a period has 25 samples (baseline MSE
0.031), there are 40 periods, and the noise is Gaussian with std 0.05. The test wave is the book's
cos, clean.

Training is truncated backpropagation through time, as in the book: the series is cut into
`batch` parallel streams (the book's SeqDataLoader), read in chunks of `bptt` steps; the state
is carried from chunk to chunk with .detach(), so it remembers the past while gradients stop at
the chunk's start (the book calls loss.unchain_backward() instead).

Where PyTorch (and so this package) and the book differ: the book's LSTM layer holds its state
(reset_state()) and takes one time step per call; nn.LSTM is stateless, takes a whole chunk
(batch, steps, 1) with batch_first=True and returns (output, (h, c)) for the caller to pass back.
The book keeps eight Linear layers (x2f, x2i, x2o, x2u and h2f, ..., the h2* without bias), gates
in the order f, i, o, u; nn.LSTM stacks the four gates in one weight_ih of shape (4 * hidden, 1)
and one weight_hh of shape (4 * hidden, hidden), in the order i, f, g, o, with two biases b_ih
and b_hh (only their sum matters), all initialised uniform in +-1/sqrt(hidden).
"""
import argparse
import os
import time

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.nn import functional as F


class SineLSTM(nn.Module):
    """x (batch, steps, 1) -> the next value at every step, and the state (h, c) to carry on."""

    def __init__(self, hidden: int, generator: int):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True, generator=generator)
        self.fc = nn.Linear(hidden, 1, generator=generator + 1)

    def forward(self, x: tg.Tensor, state: tuple | None = None) -> tuple[tg.Tensor, tuple]:
        h, state = self.lstm(x, state)
        return self.fc(h), state


def streams(series: np.ndarray, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """The series as `batch` parallel streams, inputs x_t and targets x_{t+1}, each (batch, T, 1)."""
    length = (len(series) - 1) // batch
    x = np.stack([series[b * length:(b + 1) * length] for b in range(batch)])
    y = np.stack([series[b * length + 1:(b + 1) * length + 1] for b in range(batch)])
    return x[..., None].astype(np.float32), y[..., None].astype(np.float32)


def train_epoch(model: SineLSTM, optimizer: optim.Optimizer, x: np.ndarray, y: np.ndarray, bptt: int) -> float:
    state, losses = None, []  # each epoch starts from a zero state, as the book's reset_state()
    for t in range(0, x.shape[1], bptt):
        prediction, state = model(tg.Tensor(x[:, t:t + bptt]), state)
        loss = F.mse_loss(prediction, tg.Tensor(y[:, t:t + bptt]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        state = tuple(s.detach() for s in state)  # keep the memory, cut the gradient (truncated BPTT)
        losses.append(loss.item())
    return float(np.mean(losses))


def one_step_ahead(model: SineLSTM, wave: np.ndarray) -> np.ndarray:
    """Teacher forcing: at every step the model sees the true x_t and predicts x_{t+1}."""
    with tg.no_grad():
        prediction, _ = model(tg.Tensor(wave[None, :-1, None].astype(np.float32)))
    return prediction.numpy()[0, :, 0]


def free_running(model: SineLSTM, wave: np.ndarray, warmup: int, steps: int) -> np.ndarray:
    """Warm the state up on the true wave[:warmup], then feed the model its own predictions."""
    with tg.no_grad():
        prediction, state = model(tg.Tensor(wave[None, :warmup, None].astype(np.float32)))
        x, out = prediction[:, -1:], []
        for _ in range(steps):
            out.append(x.item())
            x, state = model(x, state)
    return np.array(out)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="hidden size 8, 30 epochs")
    parser.add_argument("--seed", type=int, default=0, help="seeds the noise and the initial weights")
    parser.add_argument("--out", default="tinygrad_edu_output", help="folder for the figures")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    hidden, epochs = (8, 30) if args.fast else (100, 100)
    per_period, periods, batch, bptt, noise = 25, 40, 10, 25, 0.05

    t = np.arange(periods * per_period + 1) * 2 * np.pi / per_period
    train = np.sin(t) + np.random.default_rng(args.seed).normal(0, noise, t.shape)  # the book's SinCurve
    test = np.cos(t[:8 * per_period + 1])  # clean, and at another phase: the book tests on cos too
    x, y = streams(train, batch)
    print(f"data: sin, {per_period} samples a period, {periods} periods, Gaussian noise std {noise}; "
          f"{batch} streams of {x.shape[1]} steps, BPTT length {bptt}")
    print(f"model: LSTM(1, {hidden}) + Linear({hidden}, 1), Adam lr 0.01, {epochs} epochs")

    model = SineLSTM(hidden, generator=args.seed)
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    curve = []
    for epoch in range(epochs):
        curve.append(train_epoch(model, optimizer, x, y, bptt))
        print(f"epoch {epoch + 1:3d}: training loss {curve[-1]:.5f}")
    print(f"training loss {curve[0]:.5f} -> {curve[-1]:.5f} (the noise alone costs {noise ** 2:.5f})")

    predicted = one_step_ahead(model, test)
    skip = per_period  # from a zero state the model cannot know yet whether the wave rises or falls
    cold = float(np.mean((predicted[:skip] - test[1:skip + 1]) ** 2))
    mse = float(np.mean((predicted[skip:] - test[skip + 1:]) ** 2))
    baseline = float(np.mean((test[skip:-1] - test[skip + 1:]) ** 2))
    print(f"test, one step ahead on the clean cos wave ({len(test) - 1} steps):")
    print(f"  the first {skip} steps, from a zero state: MSE {cold:.5f}")
    print(f"  the next {len(predicted) - skip}: MSE {mse:.5f}; baseline x_(t+1) = x_t: MSE {baseline:.5f} "
          f"({baseline / mse:.0f}x the model's)")
    warmup = 2 * per_period
    free = free_running(model, test, warmup, len(test) - warmup)
    free_mse = float(np.mean((free - test[warmup:]) ** 2))
    held = float(np.mean((test[warmup - 1] - test[warmup:]) ** 2))
    print(f"test, free-running (after {warmup} true steps, fed its own predictions) for {len(free)} steps: "
          f"MSE {free_mse:.5f}; holding the last true value: MSE {held:.5f}")

    try:
        from tinygrad_edu.plots import figure
        os.makedirs(args.out, exist_ok=True)
        fig, axes = figure(figsize=(5, 3.4))
        axes[0][0].plot(range(1, epochs + 1), curve, label="training loss")
        axes[0][0].axhline(noise ** 2, color="grey", ls=":", label=f"noise variance {noise ** 2:g}")
        axes[0][0].set(xlabel="epoch", ylabel="MSE", yscale="log", title="LSTM on a noisy sine wave")
        axes[0][0].legend(fontsize=8)
        fig.tight_layout()
        paths = [os.path.join(args.out, "ex15_loss_curve.png")]
        fig.savefig(paths[0], dpi=90)
        fig, axes = figure(figsize=(9, 3.4))
        ax, steps = axes[0][0], np.arange(len(test))
        ax.plot(steps, test, "k", lw=3, alpha=0.25, label="clean cos wave")
        ax.plot(steps[1:], predicted, ".", ms=4, label="one step ahead (sees the true x_t)")
        ax.plot(steps[warmup:], free, label=f"free-running after {warmup} true steps")
        ax.axvline(warmup, color="grey", ls=":")
        ax.set(xlabel="t", ylim=(-1.7, 1.3), title="predicting x_(t+1)")
        ax.legend(fontsize=8, loc="lower center", ncols=3)
        fig.tight_layout()
        paths.append(os.path.join(args.out, "ex15_predictions.png"))
        fig.savefig(paths[1], dpi=90)
        for path in paths:
            print(f"wrote {path}")
    except ImportError as e:
        print(f"no figure: {e}")
    seconds = time.perf_counter() - start
    print(f"{seconds:.1f} s")
    return {"losses": curve, "mse": mse, "baseline": baseline, "cold_mse": cold, "free_mse": free_mse,
            "held_mse": held, "seconds": seconds}


if __name__ == "__main__":
    main()
