"""Interleaved A/B of ``pareto_rank`` kernels in one process (a script, not a suite).

Times the internal kernel names of :func:`frontier._methods.rank_method` (e.g.
``dedup:sorted`` against ``zorder:dedup:sorted``) on the benchmark data, round-robin over
``--rounds`` rounds, and prints the medians and the median per-round ratio to the first
kernel. Every kernel's ranks must equal the first's.

    python benchmarks/ab_rank.py --n 100000 --m 5 --kinds mc,uniform \\
        --methods dedup:sorted,zorder:dedup:sorted
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import jax
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from bench_dominance import data

from frontier import _dominance


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--m", type=int, default=5)
    ap.add_argument("--kinds", default="mc,uniform")
    ap.add_argument("--methods", default="dedup:sorted,zorder:dedup:sorted")
    ap.add_argument("--rounds", type=int, default=7)
    a = ap.parse_args(argv)
    methods = a.methods.split(",")
    for kind in a.kinds.split(","):
        xj, _ = data(kind, a.n, a.m)
        fns = {
            k: (lambda x, k=k: _dominance._run(x, False, flip=(False,) * a.m, kind="rank",
                                                method=k, batched=False))
            for k in methods
        }
        outs = {k: np.asarray(f(xj)) for k, f in fns.items()}  # compiles
        for k, o in outs.items():
            if not np.array_equal(o, outs[methods[0]]):
                raise SystemExit(f"{k}: ranks differ from {methods[0]}")
        times = {k: [] for k in methods}
        for _ in range(a.rounds):
            for k, f in fns.items():
                t = time.perf_counter()
                jax.block_until_ready(f(xj))
                times[k].append(time.perf_counter() - t)
        base = np.array(times[methods[0]])
        for k in methods:
            t = np.array(times[k])
            print(f"{kind} n={a.n} m={a.m} {k}: median {np.median(t) * 1e3:.1f} ms, "
                  f"ratio {np.median(t / base):.2f}")


if __name__ == "__main__":
    main()
