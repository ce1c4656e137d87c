"""Workloads A-D of the performance issue, each against a hand-written NumPy reference in the same
run (and PyTorch on the CPU with 2 threads, when it is installed), as medians and ratios.

A. MLP 784-100x4-10, batch 128: one SGD training step (forward, backward, update).
(Against PyTorch, DeZero and mygrad as well, each where installed: pip install torch dezero mygrad.)
B. a 1,000-op elementwise chain on a (16,) tensor, forward + backward, per op.
(A, B and D also with the step jitted by tg.jit: benchmarks/bench_jit.py has them alone.)
C. a 100,000-op chain, forward + backward: seconds, bytes held per graph node, freed afterwards.
D. MLP 784-2048-2048-10, batch 1024: one SGD training step.
and the time `import tinygrad_edu` takes, against `import numpy` (which it includes).
Where a GPU exists, also the GPU workloads of bench_gpu.py (against hand-written CuPy).

    python benchmarks/bench.py [--repeats N] [--out benchmarks/results]

Writes the table to results.md and results.json beside --out (atomically).
"""
from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import sys
import time
import tracemalloc

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # PyTorch's idle threads must not spin beside NumPy's

import numpy as np  # noqa: E402

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu import optim  # noqa: E402
from tinygrad_edu.files import atomic_write  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_core import CHAIN, chain_numpy, chain_tinygrad, compare  # noqa: E402

LR = 0.01


def mlp_arrays(sizes, batch, seed=0):
    rng = np.random.default_rng(seed)
    weights = [(rng.standard_normal((n, m)) * np.sqrt(2 / m)).astype(np.float32) for m, n in zip(sizes, sizes[1:])]
    biases = [np.zeros(n, np.float32) for n in sizes[1:]]
    return weights, biases, rng.random((batch, sizes[0]), dtype=np.float32), rng.integers(0, sizes[-1], batch)


def numpy_sgd_step(weights, biases, x, labels, xp=np):
    """A training step written by hand (weights in the (out, in) layout, as the framework's), in
    NumPy or, with xp=cupy, in CuPy."""
    weights, biases = [xp.asarray(w).copy() for w in weights], [xp.asarray(b).copy() for b in biases]
    x, labels, rows = xp.asarray(x), xp.asarray(labels), xp.arange(len(x))

    def step():
        hs = [x]
        for w, b in zip(weights[:-1], biases[:-1]):
            hs.append(xp.maximum(hs[-1] @ w.T + b, 0))
        logits = hs[-1] @ weights[-1].T + biases[-1]
        p = xp.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        g = p
        g[rows, labels] -= 1
        g /= len(x)
        for i in reversed(range(len(weights))):
            gw, gb = g.T @ hs[i], g.sum(axis=0)
            if i:
                g = (g @ weights[i]) * (hs[i] > 0)
            weights[i] -= LR * gw
            biases[i] -= LR * gb
    return step


def tinygrad_sgd_step(weights, biases, x, labels, device="cpu"):
    ws = [tg.Tensor(w.copy(), requires_grad=True, device=device) for w in weights]
    bs = [tg.Tensor(b.copy(), requires_grad=True, device=device) for b in biases]
    optimizer = optim.SGD(ws + bs, lr=LR)
    xt, labels = tg.Tensor(x, device=device), tg.Tensor(labels, device=device)

    def step():
        optimizer.zero_grad()
        h = xt
        for w, b in zip(ws[:-1], bs[:-1]):
            h = F.linear(h, w, b).relu()
        F.cross_entropy(F.linear(h, ws[-1], bs[-1]), labels).backward()
        optimizer.step()
    return step


def torch_sgd_step(weights, biases, x, labels, device="cpu"):
    import torch
    ws = [torch.tensor(w, requires_grad=True, device=device) for w in weights]
    bs = [torch.tensor(b, requires_grad=True, device=device) for b in biases]
    optimizer = torch.optim.SGD(ws + bs, lr=LR)
    xt, yt = torch.tensor(x, device=device), torch.tensor(labels, device=device)

    def step():
        optimizer.zero_grad()
        h = xt
        for w, b in zip(ws[:-1], bs[:-1]):
            h = torch.relu(torch.nn.functional.linear(h, w, b))
        torch.nn.functional.cross_entropy(torch.nn.functional.linear(h, ws[-1], bs[-1]), yt).backward()
        optimizer.step()
    return step


def import_dezero():
    """DeZero 0.0.13 still uses np.int, removed in NumPy 1.24: give it the alias it needs."""
    if not hasattr(np, "int"):
        np.int = int
    import dezero
    return dezero


def dezero_sgd_step(weights, biases, x, labels):
    dezero = import_dezero()
    DF = dezero.functions
    ws = [dezero.Variable(np.ascontiguousarray(w.T)) for w in weights]  # DeZero computes x @ W
    bs = [dezero.Variable(b.copy()) for b in biases]

    def step():
        for p in ws + bs:
            p.cleargrad()
        h = x
        for w, b in zip(ws[:-1], bs[:-1]):
            h = DF.relu(DF.linear(h, w, b))
        DF.softmax_cross_entropy(DF.linear(h, ws[-1], bs[-1]), labels).backward()
        for p in ws + bs:
            p.data -= LR * p.grad.data
    return step


def dezero_chain(x, a, b):
    dezero = import_dezero()
    at, bt = dezero.Variable(a.copy()), dezero.Variable(b.copy())

    def step():
        at.cleargrad(), bt.cleargrad()
        y = dezero.Variable(x)
        for i in range(CHAIN):
            k = i % 4
            y = y * at if k == 0 else y + bt if k == 1 else dezero.functions.tanh(y) if k == 2 else y * 0.9
        y.backward()
    return step


def mygrad_sgd_step(weights, biases, x, labels):
    import mygrad as mg
    from mygrad.nnet.activations import relu
    from mygrad.nnet.losses import softmax_crossentropy
    ws = [mg.tensor(np.ascontiguousarray(w.T)) for w in weights]  # mygrad users write x @ W
    bs = [mg.tensor(b.copy()) for b in biases]

    def step():
        h = x
        for w, b in zip(ws[:-1], bs[:-1]):
            h = relu(mg.matmul(h, w) + b)
        softmax_crossentropy(mg.matmul(h, ws[-1]) + bs[-1], labels).backward()
        for p in ws + bs:
            p.data[...] -= LR * p.grad
    return step


def mygrad_chain(x, a, b):
    import mygrad as mg
    at, bt = mg.tensor(a.copy()), mg.tensor(b.copy())

    def step():
        y = mg.tensor(x, constant=True)
        for i in range(CHAIN):
            k = i % 4
            y = y * at if k == 0 else y + bt if k == 1 else mg.tanh(y) if k == 2 else y * 0.9
        y.backward()
    return step


PEERS = {"pytorch": "torch", "dezero": "dezero", "mygrad": "mygrad"}


def available(peer: str) -> bool:
    try:
        if peer == "dezero":
            import_dezero()
        else:
            __import__(PEERS[peer])
        return True
    except Exception:  # not installed, or broken on this NumPy
        return False


def torch_chain(x, a, b):
    import torch
    xt, at, bt = torch.tensor(x), torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)

    def step():
        at.grad = bt.grad = None
        y = xt
        for i in range(CHAIN):
            k = i % 4
            y = y * at if k == 0 else y + bt if k == 1 else torch.tanh(y) if k == 2 else y * 0.9
        y.backward(torch.ones_like(y))
    return step


def long_chain(n: int, measure_memory: bool = False):
    """Seconds for forward + backward of an n-op chain; with measure_memory (slower: tracemalloc
    watches every allocation), the bytes held per graph node at its peak and those left after."""
    gc.collect()
    if measure_memory:
        tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0] if measure_memory else 0
    start = time.perf_counter()
    x = tg.Tensor(np.ones(16, np.float32), requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0001
    held = tracemalloc.get_traced_memory()[0] - base if measure_memory else 0
    y.backward(np.ones(16, np.float32))
    seconds = time.perf_counter() - start
    del y, x
    left = tracemalloc.get_traced_memory()[0] - base if measure_memory else 0
    if measure_memory:
        tracemalloc.stop()
    return seconds, held / n, left


def torch_long_chain(n: int) -> float:
    import torch
    start = time.perf_counter()
    x = torch.ones(16, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0001
    y.backward(torch.ones(16))
    return time.perf_counter() - start


def import_seconds(module: str) -> float:
    """The fastest of 5 fresh interpreters importing `module`."""
    import subprocess
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return min(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(5))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = parser.parse_args(argv)
    import bench_jit  # here: it imports this module's reference steps
    peers = {peer: available(peer) for peer in PEERS}
    torch = None
    if peers["pytorch"]:
        import torch
        torch.set_num_threads(2)
    rows = []

    for name, sizes, batch, repeats in (("A. MLP 784-100x4-10, batch 128, SGD step", [784, 100, 100, 100, 100, 10], 128,
                                         args.repeats * 10),
                                        ("D. MLP 784-2048-2048-10, batch 1024, SGD step", [784, 2048, 2048, 10], 1024,
                                         max(args.repeats // 3, 5))):
        arrays = mlp_arrays(sizes, batch)
        ref, ours = compare(numpy_sgd_step(*arrays), tinygrad_sgd_step(*arrays), repeats)
        row = {"workload": name, "numpy": ref * 1e3, "tinygrad_edu": ours * 1e3, "unit": "ms", "ratio": ours / ref}
        ref2, jitted = compare(numpy_sgd_step(*arrays), bench_jit.sgd_step(*arrays)[0], repeats)
        row.update({"tg.jit": jitted * 1e3, "tg.jit_ratio": jitted / ref2})
        for peer, make in (("pytorch", torch_sgd_step), ("dezero", dezero_sgd_step), ("mygrad", mygrad_sgd_step)):
            if peers[peer]:
                ref2, theirs = compare(numpy_sgd_step(*arrays), make(*arrays), repeats)
                row.update({peer: theirs * 1e3, f"{peer}_ratio": theirs / ref2})
        rows.append(row)

    rng = np.random.default_rng(0)
    x16, a16, b16 = (rng.standard_normal(16).astype(np.float32) * 0.5 for _ in range(3))
    ref, ours = compare(chain_numpy(x16, a16, b16), chain_tinygrad(x16, a16, b16)[0], args.repeats)
    row = {"workload": "B. 1,000-op chain on (16,), fwd+bwd per op", "numpy": ref / CHAIN * 1e6,
           "tinygrad_edu": ours / CHAIN * 1e6, "unit": "us", "ratio": ours / ref}
    ref2, jitted = compare(chain_numpy(x16, a16, b16), bench_jit.chain_step(x16, a16, b16)[0], args.repeats)
    row.update({"tg.jit": jitted / CHAIN * 1e6, "tg.jit_ratio": jitted / ref2})
    for peer, make in (("pytorch", torch_chain), ("dezero", dezero_chain), ("mygrad", mygrad_chain)):
        if peers[peer]:
            ref2, theirs = compare(chain_numpy(x16, a16, b16), make(x16, a16, b16), args.repeats)
            row.update({peer: theirs / CHAIN * 1e6, f"{peer}_ratio": theirs / ref2})
    rows.append(row)

    seconds = min(long_chain(100_000)[0] for _ in range(3))
    _, per_node, left = long_chain(100_000, measure_memory=True)
    row = {"workload": "C. 100,000-op chain, fwd+bwd", "tinygrad_edu": seconds, "unit": "s",
           "bytes_per_node": per_node, "bytes_left_after": left}
    if torch is not None:
        row["pytorch"] = min(torch_long_chain(100_000) for _ in range(3))
    rows.append(row)

    rows.append({"workload": "import time", "numpy": import_seconds("numpy"),
                 "tinygrad_edu": import_seconds("tinygrad_edu"), "unit": "s"})
    rows[-1]["ratio"] = rows[-1]["tinygrad_edu"] / rows[-1]["numpy"]
    if torch is not None:
        rows[-1]["pytorch"] = import_seconds("torch")

    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
               f"NumPy {np.__version__}" + (f", PyTorch {torch.__version__}" if torch is not None else ""))
    lines = [f"Measured {datetime.date.today()} on {machine}; medians, each candidate timed alternately with the "
             "NumPy reference; ratios are to NumPy.", "",
             "| workload | hand-written NumPy | tinygrad_edu | tg.jit | PyTorch CPU | DeZero | mygrad |",
             "|---|---|---|---|---|---|---|"]

    def cell(r, key):
        if key not in r:
            return "–" if key in ("tinygrad_edu", "tg.jit") or available(key) else "not installed"
        ratio = r.get("ratio" if key == "tinygrad_edu" else f"{key}_ratio")
        return f"{r[key]:.3f} {r['unit']}" + (f" ({ratio:.2f}x)" if ratio is not None else "")

    for r in rows:
        numpy_cell = f"{r['numpy']:.3f} {r['unit']}" if "numpy" in r else "–"
        ours = cell(r, "tinygrad_edu")
        if "bytes_per_node" in r:
            ours += f", {r['bytes_per_node']:.0f} B/node, {r['bytes_left_after'] / 1024:.0f} KiB left after"
        lines.append(f"| {r['workload']} | {numpy_cell} | {ours} | {cell(r, 'tg.jit')} | {cell(r, 'pytorch')} | "
                     f"{cell(r, 'dezero')} | {cell(r, 'mygrad')} |")
    gpu_rows = []
    if tg.is_cuda_available():
        import bench_gpu
        gpu_rows = bench_gpu.main(["--repeats", str(args.repeats)])
        lines += ["", f"On {gpu_rows[0]['device']} (float32, ms per step; ratios are to hand-written CuPy):", "",
                  "| workload | hand-written CuPy | tinygrad_edu | target | tg.jit | tg.jit without graphs "
                  "| PyTorch CUDA | GPU vs CPU weights |", "|---|---|---|---|---|---|---|---|"]
        lines += [f"| {r['workload']} | {r['cupy']:.2f} ms | {r['tinygrad_edu']:.2f} ms ({r['ratio']:.2f}x) | "
                  f"<= {r['target']}x | "
                  + "".join(f"{r[c]:.2f} ms ({r[c + ' ratio']:.2f}x) | " for c in bench_gpu.JIT_COLUMNS)
                  + (f"{r['pytorch']:.2f} ms ({r['pytorch_ratio']:.2f}x)" if "pytorch" in r else "–")
                  + f" | max diff {r['max_weight_difference_vs_cpu']:.1g} |" for r in gpu_rows]
    else:
        lines += ["", "No GPU on this machine: the GPU workloads (benchmarks/bench_gpu.py) were not run."]
    table = "\n".join(lines)
    print(table)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    atomic_write(args.out + ".md", lambda f: f.write((table + "\n").encode()))
    document = json.dumps({"machine": machine, "rows": rows, "gpu_rows": gpu_rows}, indent=1)
    atomic_write(args.out + ".json", lambda f: f.write(document.encode()))
    return {"machine": machine, "rows": rows, "gpu_rows": gpu_rows}


if __name__ == "__main__":
    main()
