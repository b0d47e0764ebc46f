"""Measured sweeps at scale: read + front + select of a 10^5-row sweep (CSV and JSON Lines).

The files are generated in a temporary directory outside the timer; the first (warm-up) round
compiles the engine for the shapes. Target: well under a second per read + front + select on
the 2-core CPU. The machine's 1-minute load average is recorded beside each median (the
machine is shared).

    pytest benchmarks/bench_sweeps.py
"""

from __future__ import annotations

import os

import jax
import numpy as np
import pandas as pd
import pytest

from frontier import read_sweep

N = 100_000
OBJECTIVES = {"p99_ttft_ms": "min", "tokens_per_gpu": "max"}
SLO = "p99 ttft_ms <= 500 and mean tpot_ms <= 20"
RULE = "max tokens_per_gpu"
GROUP = f"sweep, {N} rows: read_sweep + front + select"
STEPS = f"sweep, {N} rows (CSV): one step at a time"


def _frame(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` distinct configurations (concurrency x TP x max_num_seqs), in random order,
    with throughput saturating in concurrency and latency growing past saturation."""
    rng = np.random.default_rng(seed)
    conc = np.arange(1, 501)
    tp = np.array([1, 2, 4, 8])
    seqs = np.arange(16, 16 * 51, 16)
    grid = np.stack(np.meshgrid(conc, tp, seqs, indexing="ij"), -1).reshape(-1, 3)
    grid = grid[rng.permutation(len(grid))[:n]]
    c, t, q = grid[:, 0].astype(float), grid[:, 1].astype(float), grid[:, 2].astype(float)
    cap = 900.0 * t * (1 - np.exp(-q / 300.0))
    thr = cap * c / (c + 40.0) * rng.lognormal(0, 0.05, len(c))
    ttft = 30.0 + 4.0 * np.maximum(c - 0.2 * q, 0) * rng.lognormal(0, 0.1, len(c))
    tpot = 8.0 + 30.0 * c / (c + 200.0) / np.sqrt(t) * rng.lognormal(0, 0.05, len(c))
    return pd.DataFrame({"max_concurrency": grid[:, 0], "tp": grid[:, 1],
                         "max_num_seqs": grid[:, 2], "output_throughput": thr,
                         "p99_ttft_ms": ttft, "mean_ttft_ms": 0.5 * ttft,
                         "mean_tpot_ms": tpot, "completed": 1000})


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    df = _frame(N)
    csv, jsonl = d / "sweep.csv", d / "sweep.jsonl"
    df.to_csv(csv, index=False)
    df.to_json(jsonl, orient="records", lines=True)
    return {"csv": csv, "jsonl": jsonl, "frame": df}


def _staircase_front(lat: np.ndarray, thr: np.ndarray) -> np.ndarray:
    """Oracle: (lat min, thr max) front of distinct points by one sort and a running max."""
    order = np.lexsort((-thr, lat))
    best = np.maximum.accumulate(thr[order])
    on = np.empty(len(lat), bool)
    on[order] = np.concatenate([[True], thr[order][1:] > best[:-1]])
    return on


def _run(path):
    s = read_sweep(path)
    front = s.front(OBJECTIVES)
    sel = s.select(SLO, RULE)
    return s, front, sel


def _check(s, front, sel, df):
    assert len(s) == N and s.table["config"].nunique() == N
    t = s.table
    want = _staircase_front(t["p99_ttft_ms"].to_numpy(), t["tokens_per_gpu"].to_numpy())
    np.testing.assert_array_equal(front, want)
    ok = (t["p99_ttft_ms"] <= 500) & (t["mean_tpot_ms"] <= 20)
    best = t["tokens_per_gpu"].where(ok).max()
    assert sel.rows["tokens_per_gpu"].tolist() == [pytest.approx(best, rel=1e-6)]


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_read_front_select(benchmark, recorder, files, kind):
    path = files[kind]
    out = benchmark.pedantic(lambda: jax.block_until_ready(_run(path)[2].choice.front),
                             rounds=5, warmup_rounds=1, iterations=1)
    del out
    _check(*_run(path), files["frame"])
    recorder(GROUP, f"{kind}: read_sweep + front + select", benchmark, n=N, m=2,
             items=N, unit="rows", load_average=os.getloadavg()[0])


@pytest.mark.parametrize("step", ["read_sweep", "front", "select"])
def test_one_step(benchmark, recorder, files, step):
    s = read_sweep(files["csv"])
    fn = {"read_sweep": lambda: read_sweep(files["csv"]),
          "front": lambda: s.front(OBJECTIVES),
          "select": lambda: s.select(SLO, RULE).choice.front}[step]
    benchmark.pedantic(lambda: jax.block_until_ready(fn()) if step != "read_sweep" else fn(),
                       rounds=5, warmup_rounds=1, iterations=1)
    recorder(STEPS, step, benchmark, n=N, m=2, items=N, unit="rows",
             load_average=os.getloadavg()[0])
