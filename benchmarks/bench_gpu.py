"""GPU workloads of the performance issue, float32, ms per SGD training step, each against a
hand-written CuPy step in the same run (and tg.jit's replay, with and without CUDA graphs, and
PyTorch CUDA, when it is installed):

- small: MLP 784-100x4-10, batch 128 (workload A's shape), target <= 1.5x CuPy;
- large: MLP 784-4096-4096-10, batch 4096, target <= 1.10x CuPy.

Also checks that the GPU's weights after the timed steps equal the CPU's within float32 tolerance.

    python benchmarks/bench_gpu.py [--repeats N]     (bench.py runs it too where a GPU exists)
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

import tinygrad_edu as tg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import mlp_arrays, numpy_sgd_step, tinygrad_sgd_step, torch_sgd_step, available  # noqa: E402
from bench_core import compare  # noqa: E402
from bench_jit import sgd_step  # noqa: E402

WORKLOADS = (("GPU small: MLP 784-100x4-10, batch 128, SGD step", [784, 100, 100, 100, 100, 10], 128, 1.5),
             ("GPU large: MLP 784-4096-4096-10, batch 4096, SGD step", [784, 4096, 4096, 10], 4096, 1.10))


JIT_COLUMNS = ("tg.jit", "tg.jit without graphs")


def synchronized(step, synchronize):
    """A step that returns only when the GPU has finished it, so that it can be timed."""
    def run():
        step()
        synchronize()
    return run


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args(argv)
    if not tg.is_cuda_available():
        print("bench_gpu: no CUDA GPU here (CuPy missing, or no device); nothing measured")
        return []
    import cupy
    sync = cupy.cuda.Device().synchronize
    torch = None
    if available("pytorch"):
        import torch
        if not torch.cuda.is_available():
            torch = None
    rows = []
    for name, sizes, batch, target in WORKLOADS:
        arrays = mlp_arrays(sizes, batch)
        reference = synchronized(numpy_sgd_step(*arrays, xp=cupy), sync)
        ours = synchronized(tinygrad_sgd_step(*arrays, device="cuda"), sync)
        ref, t = compare(reference, ours, args.repeats)
        row = {"workload": name, "cupy": ref * 1e3, "tinygrad_edu": t * 1e3, "unit": "ms", "ratio": t / ref,
               "target": target, "device": cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()}
        if torch is not None:
            ref2, theirs = compare(reference,
                                   synchronized(torch_sgd_step(*arrays, device="cuda"), torch.cuda.synchronize),
                                   args.repeats)
            row.update({"pytorch": theirs * 1e3, "pytorch_ratio": theirs / ref2})
        for column, graphs in zip(JIT_COLUMNS, (True, False)):
            jitted = synchronized(sgd_step(*arrays, device="cuda", cuda_graphs=graphs)[0], sync)
            ref3, theirs = compare(reference, jitted, args.repeats)
            row.update({column: theirs * 1e3, f"{column} ratio": theirs / ref3})
        row["max_weight_difference_vs_cpu"] = _gpu_matches_cpu(arrays)
        rows.append(row)
        print(f"{name}: CuPy {ref * 1e3:.2f} ms, tinygrad_edu {t * 1e3:.2f} ms ({t / ref:.2f}x, target <= {target}x)"
              + "".join(f", {c} {row[c]:.2f} ms ({row[c + ' ratio']:.2f}x)" for c in JIT_COLUMNS)
              + (f", PyTorch CUDA {row['pytorch']:.2f} ms ({row['pytorch_ratio']:.2f}x)" if "pytorch" in row else "")
              + f"; GPU vs CPU weights after 3 steps differ by at most {row['max_weight_difference_vs_cpu']:.2g}")
    return rows


def _gpu_matches_cpu(arrays, steps: int = 3) -> float:
    """Train the same MLP for a few steps on the CPU and on the GPU; the largest weight difference."""
    import tinygrad_edu.nn.functional as F
    from tinygrad_edu import optim
    weights, biases, x, labels = arrays
    finals = []
    for device in ("cpu", "cuda"):
        params = [tg.Tensor(a.copy(), requires_grad=True, device=device) for a in weights + biases]
        ws, bs = params[:len(weights)], params[len(weights):]
        opt = optim.SGD(params, lr=0.01)
        for _ in range(steps):
            opt.zero_grad()
            h = tg.Tensor(x, device=device)
            for w, b in zip(ws[:-1], bs[:-1]):
                h = F.linear(h, w, b).relu()
            F.cross_entropy(F.linear(h, ws[-1], bs[-1]), labels).backward()
            opt.step()
        finals.append([p.numpy() for p in params])
    worst = max(float(np.abs(a - b).max()) for a, b in zip(*finals))
    assert worst < 1e-4, f"GPU and CPU weights differ by {worst}"
    return worst


if __name__ == "__main__":
    main()
