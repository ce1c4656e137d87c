"""Training memory over a long run: resident memory (RSS) of an MLP 784-100-10 trained for
20,000 steps (Adam, batch 64), sampled every 2,000 steps; it must stay flat.

    python benchmarks/bench_memory.py [--steps 20000]
"""
import argparse
import resource

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.nn import functional as F


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2 ** 20


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20_000)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    x, y = rng.random((1024, 784), dtype=np.float32), rng.integers(0, 10, 1024)
    model = nn.Sequential(nn.Linear(784, 100, generator=0), nn.ReLU(), nn.Dropout(0.1, generator=1), nn.Linear(100, 10))
    optimizer = optim.Adam(model.parameters())
    samples = []
    for step in range(1, args.steps + 1):
        batch = rng.integers(0, 1024, 64)
        optimizer.zero_grad()
        F.cross_entropy(model(tg.Tensor(x[batch])), y[batch]).backward()
        optimizer.step()
        if step % (args.steps // 10) == 0:
            samples.append(rss_mib())
            print(f"step {step:6d}: RSS {samples[-1]:.1f} MiB")
    growth = samples[-1] - samples[0]
    print(f"growth from the first to the last sample: {growth:+.2f} MiB")
    return {"samples": samples, "growth": growth}


if __name__ == "__main__":
    main()
