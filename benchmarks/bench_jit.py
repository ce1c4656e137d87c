"""tg.jit against hand-written NumPy, in the same run, as ratios (and eager mode beside it).

A. MLP 784-100x4-10, batch 128: one SGD training step (target: tg.jit <= 1.05x NumPy).
B. a 1,000-op elementwise chain on a (16,) tensor, forward + backward (target: <= 1.5 us per op).
D. MLP 784-2048-2048-10, batch 1024: one SGD training step (target: <= 1.00x).

The jitted steps take the batch as arguments, as a training loop passes them; each is checked
against eager execution (same weights after the same steps) before it is timed.

    python benchmarks/bench_jit.py [--repeats N] [--blas-threads K]

--blas-threads pins NumPy's BLAS to K threads (this VM is shared: report 1 and 2).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _pin_blas(argv) -> None:
    """BLAS reads its thread count when NumPy loads: rerun this script with it set."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--blas-threads", type=int)
    threads = parser.parse_known_args(argv)[0].blas_threads
    if threads and os.environ.get("OPENBLAS_NUM_THREADS") != str(threads):
        env = {**os.environ, **{name: str(threads) for name in BLAS_VARIABLES}}
        sys.exit(subprocess.call([sys.executable, __file__, *argv], env=env))


if __name__ == "__main__":
    _pin_blas(sys.argv[1:])

import numpy as np  # noqa: E402

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu import optim  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import LR, mlp_arrays, numpy_sgd_step  # noqa: E402
from bench_core import CHAIN, chain_numpy, compare  # noqa: E402


def sgd_step(weights, biases, x, labels, jitted: bool = True, device: str = "cpu", cuda_graphs: bool = True):
    """The framework's SGD step as a user writes it, taking the batch as arguments; and a call
    that runs it on the benchmark's batch."""
    ws = [tg.Tensor(w.copy(), requires_grad=True, device=device) for w in weights]
    bs = [tg.Tensor(b.copy(), requires_grad=True, device=device) for b in biases]
    optimizer = optim.SGD(ws + bs, lr=LR)

    def step(x, labels):
        optimizer.zero_grad()
        h = x
        for w, b in zip(ws[:-1], bs[:-1]):
            h = F.linear(h, w, b).relu()
        loss = F.cross_entropy(F.linear(h, ws[-1], bs[-1]), labels)
        loss.backward()
        optimizer.step()
        return loss

    run = tg.jit(step, cuda_graphs=cuda_graphs) if jitted else step
    xt, lt = tg.Tensor(x, device=device), tg.Tensor(labels, device=device)
    return (lambda: run(xt, lt)), ws + bs


def chain_step(x, a, b, jitted: bool = True):
    at, bt = tg.Tensor(a, requires_grad=True), tg.Tensor(b, requires_grad=True)
    ones = np.ones(x.shape, np.float32)

    def step(y, seed):
        at.grad = bt.grad = None
        for i in range(CHAIN):
            k = i % 4
            y = y * at if k == 0 else y + bt if k == 1 else y.tanh() if k == 2 else y * 0.9
        y.backward(seed)
        return at.grad, bt.grad

    run = tg.jit(step) if jitted else step
    xt = tg.Tensor(x)
    return (lambda: run(xt, ones)), (at, bt)


def check_against_eager(make, arrays, steps: int = 6) -> None:
    """The jitted step must leave the weights eager execution leaves, bit for bit."""
    (jitted, ours), (eager, theirs) = make(*arrays, jitted=True), make(*arrays, jitted=False)
    for _ in range(steps):
        jitted(), eager()
    for a, b in zip(ours, theirs):
        value_a, value_b = (a.grad, b.grad) if make is chain_step else (a, b)
        assert np.array_equal(value_a.numpy(), value_b.numpy()), "tg.jit and eager execution disagree"


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--blas-threads", type=int, default=None)
    args = parser.parse_args(argv)
    rows = []
    for name, sizes, batch, repeats, target in (
            ("A. MLP 784-100x4-10, batch 128, SGD step", [784, 100, 100, 100, 100, 10], 128, args.repeats * 10, 1.05),
            ("D. MLP 784-2048-2048-10, batch 1024, SGD step", [784, 2048, 2048, 10], 1024,
             max(args.repeats // 3, 5), 1.00)):
        arrays = mlp_arrays(sizes, batch)
        check_against_eager(sgd_step, arrays)
        ref, jit_time = compare(numpy_sgd_step(*arrays), sgd_step(*arrays)[0], repeats)
        ref2, eager_time = compare(numpy_sgd_step(*arrays), sgd_step(*arrays, jitted=False)[0], repeats)
        rows.append({"workload": name, "unit": "ms", "numpy": ref * 1e3, "jit": jit_time * 1e3,
                     "jit_ratio": jit_time / ref, "eager": eager_time * 1e3, "eager_ratio": eager_time / ref2,
                     "target": f"<= {target:.2f}x"})
    rng = np.random.default_rng(0)
    chain = tuple(rng.standard_normal(16).astype(np.float32) * 0.5 for _ in range(3))
    check_against_eager(chain_step, chain)
    ref, jit_time = compare(chain_numpy(*chain), chain_step(*chain)[0], args.repeats)
    ref2, eager_time = compare(chain_numpy(*chain), chain_step(*chain, jitted=False)[0], args.repeats)
    rows.append({"workload": "B. 1,000-op chain on (16,), fwd+bwd per op", "unit": "us", "numpy": ref / CHAIN * 1e6,
                 "jit": jit_time / CHAIN * 1e6, "jit_ratio": jit_time / ref, "eager": eager_time / CHAIN * 1e6,
                 "eager_ratio": eager_time / ref2, "target": "<= 1.5 us/op"})
    print(f"BLAS threads: {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}; NumPy {np.__version__}; medians, "
          "each timed alternately with the hand-written NumPy step")
    print("| workload | hand-written NumPy | tg.jit | eager | target |\n|---|---|---|---|---|")
    for r in rows:
        unit = r["unit"]
        print(f"| {r['workload']} | {r['numpy']:.3f} {unit} | {r['jit']:.3f} {unit} ({r['jit_ratio']:.2f}x) | "
              f"{r['eager']:.3f} {unit} ({r['eager_ratio']:.2f}x) | {r['target']} |")
    return rows


if __name__ == "__main__":
    main()
