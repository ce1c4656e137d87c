"""Per-step training time of an MLP 784-width-10 against batch size and width: it should grow
linearly (a fixed per-step overhead plus work proportional to the size).

    python benchmarks/bench_scaling.py
"""
import time

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.nn import functional as F


def step_seconds(batch: int, width: int, repeats: int = 20) -> float:
    rng = np.random.default_rng(0)
    x, y = rng.random((batch, 784), dtype=np.float32), rng.integers(0, 10, batch)
    # 784-width-10: the work is proportional to batch * width, so the time should be linear in each
    model = nn.Sequential(nn.Linear(784, width, generator=0), nn.ReLU(), nn.Linear(width, 10, generator=1))
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    times = []
    for _ in range(repeats + 3):
        start = time.perf_counter()
        optimizer.zero_grad()
        F.cross_entropy(model(tg.Tensor(x)), y).backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    return float(np.median(times[3:]))


def linear_fit(sizes, seconds):
    """Least-squares line through (size, seconds); returns slope, intercept and R^2."""
    slope, intercept = np.polyfit(sizes, seconds, 1)
    predicted = slope * np.asarray(sizes) + intercept
    residual = ((np.asarray(seconds) - predicted) ** 2).sum()
    total = ((np.asarray(seconds) - np.mean(seconds)) ** 2).sum()
    return slope, intercept, 1 - residual / total


def main() -> dict:
    results = {}
    for name, sizes, run in (("batch (width 256)", [32, 64, 128, 256, 512, 1024], lambda n: step_seconds(n, 256)),
                             ("width (batch 128)", [64, 128, 256, 512, 1024, 2048], lambda n: step_seconds(128, n))):
        seconds = [run(n) for n in sizes]
        slope, intercept, r2 = linear_fit(sizes, seconds)
        results[name] = {"sizes": sizes, "ms": [s * 1e3 for s in seconds], "r2": r2}
        print(f"{name}: " + ", ".join(f"{n}: {s * 1e3:.2f} ms" for n, s in zip(sizes, seconds)))
        print(f"  linear fit: {slope * 1e6:.2f} us per unit + {intercept * 1e3:.2f} ms fixed, R^2 = {r2:.4f}")
    return results


if __name__ == "__main__":
    main()
