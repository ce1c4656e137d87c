"""Core speed: tinygrad_edu against hand-written NumPy, in the same run, as ratios.

(a) forward + backward of an MLP 784-100-100-100-100-10 (ReLU, softmax cross-entropy), batch 128,
    written as a user would: nn.functional.linear, relu, nn.functional.cross_entropy.
(a') the same MLP from the elementwise composites (@, +, log_softmax, indexing, mean), to show
    what the two fused primitives save.
(b) a 1,000-op elementwise chain on a (16,) tensor, forward + backward, in microseconds per op.

    python benchmarks/bench_core.py [--repeats 30]
"""
from __future__ import annotations

import argparse
import platform
import time

import numpy as np

import tinygrad_edu as tg

SIZES = [784, 100, 100, 100, 100, 10]
BATCH = 128
CHAIN = 1000


def compare(reference, candidate, repeats: int, warmup: int = 5) -> tuple[float, float]:
    """Median seconds of each, timed alternately so both see the same machine state
    (this is a shared virtual machine whose speed drifts)."""
    for _ in range(warmup):
        reference(), candidate()
    times = ([], [])
    for _ in range(repeats):
        for fn, out in zip((reference, candidate), times):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return float(np.median(times[0])), float(np.median(times[1]))


# ------------------------------------------------------------------------- (a) MLP


def mlp_data(rng):
    weights = [(rng.standard_normal((m, n)) * np.sqrt(2 / m)).astype(np.float32) for m, n in zip(SIZES, SIZES[1:])]
    biases = [np.zeros(n, np.float32) for n in SIZES[1:]]
    x = rng.random((BATCH, SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, SIZES[-1], BATCH)
    return weights, biases, x, labels


def mlp_numpy(weights, biases, x, labels):
    """Forward and backward written by hand, as in the book's chapter 5, with the weights in
    the same (out_features, in_features) layout as the framework, so both do the same products."""
    weights = [np.ascontiguousarray(w.T) for w in weights]

    def step():
        hs = [x]
        for w, b in zip(weights[:-1], biases[:-1]):
            hs.append(np.maximum(hs[-1] @ w.T + b, 0))
        logits = hs[-1] @ weights[-1].T + biases[-1]
        z = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(BATCH), labels]).mean()
        g = p
        g[np.arange(BATCH), labels] -= 1
        g /= BATCH
        grads = []
        for i in reversed(range(len(weights))):
            grads.append((g.T @ hs[i], g.sum(axis=0)))
            if i:
                g = (g @ weights[i]) * (hs[i] > 0)
        return loss, grads
    return step


def mlp_tinygrad(weights, biases, x, labels, fused: bool = True):
    F = tg.nn.functional
    # nn.functional.linear takes PyTorch's layout (out_features, in_features): the transpose
    ws = [tg.Tensor(np.ascontiguousarray(w.T) if fused else w, requires_grad=True) for w in weights]
    bs = [tg.Tensor(b, requires_grad=True) for b in biases]
    xt, rows = tg.Tensor(x), np.arange(BATCH)

    def step():
        for p in ws + bs:
            p.grad = None
        h = xt
        if fused:
            for w, b in zip(ws[:-1], bs[:-1]):
                h = F.linear(h, w, b).relu()
            loss = F.cross_entropy(F.linear(h, ws[-1], bs[-1]), labels)
        else:
            for w, b in zip(ws[:-1], bs[:-1]):
                h = (h @ w + b).relu()
            loss = -(h @ ws[-1] + bs[-1]).log_softmax(axis=1)[rows, labels].mean()
        loss.backward()
        return loss
    return step, ws, bs


# ------------------------------------------------------------------------- (b) chain


def chain_numpy(x, a, b):
    def step():
        ys, y = [], x
        for i in range(CHAIN):
            ys.append(y)
            k = i % 4
            y = y * a if k == 0 else y + b if k == 1 else np.tanh(y) if k == 2 else y * np.float32(0.9)
        ga, gb, g = np.zeros_like(a), np.zeros_like(b), np.ones_like(y)
        for i in reversed(range(CHAIN)):
            k = i % 4
            if k == 0:
                ga += g * ys[i]
                g = g * a
            elif k == 1:
                gb += g
            elif k == 2:
                t = np.tanh(ys[i])
                g = g * (1 - t * t)
            else:
                g = g * np.float32(0.9)
        return ga, gb
    return step


def chain_tinygrad(x, a, b):
    xt = tg.Tensor(x)
    at, bt = tg.Tensor(a, requires_grad=True), tg.Tensor(b, requires_grad=True)

    def step():
        at.grad = bt.grad = None
        y = xt
        for i in range(CHAIN):
            k = i % 4
            y = y * at if k == 0 else y + bt if k == 1 else y.tanh() if k == 2 else y * 0.9
        y.backward(np.ones(y.shape, np.float32))
        return at.grad, bt.grad
    return step, at, bt


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)

    weights, biases, x, labels = mlp_data(rng)
    ref = mlp_numpy(weights, biases, x, labels)
    loss_ref, grads_ref = ref()
    mlp = {}
    for fused in (True, False):
        ours, ws, bs = mlp_tinygrad(weights, biases, x, labels, fused)
        loss = ours()
        assert np.allclose(loss.item(), loss_ref, rtol=1e-5), "the two MLPs disagree"
        w0 = ws[0].grad.numpy() if fused else ws[0].grad.numpy().T
        assert np.allclose(w0, grads_ref[-1][0], atol=1e-6), "MLP gradients disagree"
        mlp[fused] = compare(ref, ours, args.repeats * 10)

    x16, a16, b16 = (rng.standard_normal(16).astype(np.float32) * 0.5 for _ in range(3))
    chain_ref = chain_numpy(x16, a16, b16)
    chain_ours, at, bt = chain_tinygrad(x16, a16, b16)
    ga, gb = chain_ref()
    chain_ours()
    assert np.allclose(at.grad.numpy(), ga, rtol=1e-4, atol=1e-6), "the two chains disagree"
    c_ref, c_ours = compare(chain_ref, chain_ours, args.repeats)

    (t_ref, t_ours), (t_ref2, t_composite) = mlp[True], mlp[False]
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {platform.python_version()}, numpy {np.__version__}",
        "mlp_numpy_ms": t_ref * 1e3, "mlp_tinygrad_ms": t_ours * 1e3, "mlp_ratio": t_ours / t_ref,
        "mlp_composite_ratio": t_composite / t_ref2,
        "chain_numpy_us_per_op": c_ref / CHAIN * 1e6, "chain_tinygrad_us_per_op": c_ours / CHAIN * 1e6,
        "chain_ratio": c_ours / c_ref,
    }
    print(f"machine: {result['machine']}")
    print(f"(a)  MLP 784-100x4-10, batch {BATCH}, fwd+bwd: numpy {result['mlp_numpy_ms']:.3f} ms, "
          f"tinygrad_edu {result['mlp_tinygrad_ms']:.3f} ms, ratio {result['mlp_ratio']:.3f} (target <= 1.15)")
    print(f"(a') the same from elementwise composites: ratio {result['mlp_composite_ratio']:.3f}")
    print(f"(b)  {CHAIN}-op chain on (16,), fwd+bwd per op: numpy {result['chain_numpy_us_per_op']:.2f} us, "
          f"tinygrad_edu {result['chain_tinygrad_us_per_op']:.2f} us (target <= 6 us), "
          f"ratio {result['chain_ratio']:.2f}")
    return result


if __name__ == "__main__":
    main()
