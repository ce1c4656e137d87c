"""Benchmarks A-C of this working tree against another commit's, in one run, for changes that
touch the engine (the house rule: within 3%).

Each round runs one fresh process per tree, alternately, so both see the same machine state; each
process times A (an SGD step of the 784-100x4-10 MLP, batch 128) and B (the 1,000-op chain) as
ratios to hand-written NumPy in that same process, and C (the 100,000-op chain) in seconds.
Reported: the median over rounds for each tree, and the change.

    python benchmarks/bench_vs_commit.py [COMMIT] [--rounds 7] [--blas-threads 1]

COMMIT defaults to HEAD (the last commit, against the uncommitted tree); the other tree is
checked out with `git worktree` into a temporary folder and removed afterwards.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CHILD = r"""
import json, sys
tree = sys.argv[1]
sys.path[:0] = [tree, tree + "/benchmarks"]
import numpy as np
import tinygrad_edu
assert tinygrad_edu.__file__.startswith(tree), tinygrad_edu.__file__
import bench, bench_core
arrays = bench.mlp_arrays([784, 100, 100, 100, 100, 10], 128)
ref, ours = bench_core.compare(bench.numpy_sgd_step(*arrays), bench.tinygrad_sgd_step(*arrays), 300)
rng = np.random.default_rng(0)
x, a, b = (rng.standard_normal(16).astype(np.float32) * 0.5 for _ in range(3))
ref_b, ours_b = bench_core.compare(bench_core.chain_numpy(x, a, b), bench_core.chain_tinygrad(x, a, b)[0], 30)
c = min(bench.long_chain(100_000)[0] for _ in range(3))
print(json.dumps({"A": ours / ref, "A_ms": ours * 1e3, "B": ours_b / ref_b, "B_us": ours_b / bench_core.CHAIN * 1e6,
                  "C_s": c}))
"""


def measure(tree: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, tree], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("commit", nargs="?", default="HEAD")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--blas-threads", type=int, default=None, help="pin BLAS to this many threads")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if args.blas_threads:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(args.blas_threads)
    with tempfile.TemporaryDirectory() as folder:
        other = os.path.join(folder, "tree")
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", "-q", other, args.commit], check=True)
        try:
            results = {"this tree": [], args.commit: []}
            for _ in range(args.rounds):
                results[args.commit].append(measure(other, env))
                results["this tree"].append(measure(ROOT, env))
        finally:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", other], check=True)
    medians = {tree: {k: statistics.median(r[k] for r in runs) for k in runs[0]} for tree, runs in results.items()}
    base, new = medians[args.commit], medians["this tree"]
    print(f"{args.rounds} rounds, BLAS threads: {args.blas_threads or 'default'}; medians")
    print(f"| metric | {args.commit} | this tree | change |\n|---|---|---|---|")
    for key in base:
        print(f"| {key} | {base[key]:.4g} | {new[key]:.4g} | {100 * (new[key] / base[key] - 1):+.1f}% |")
    return medians


if __name__ == "__main__":
    main()
