"""The whole default study (nine models, k = 4..128 step 4, 300 trials) vs the reference loop.

The reference algorithm (the paper's code, re-implemented by us in NumPy): for every selection
method the grid is re-simulated, every k with its own seed, every trial in a Python loop
drawing k inferences. Target: >= 300x after compilation; and a 10^6-trial study of all nine
models in under 30 s on the 2-core CPU.

    pytest benchmarks/bench_study.py
"""

from __future__ import annotations

import os

import jax
import numpy as np

import frontier

CAT = frontier.catalog()
BUDGET = (0.5, 60.0, 0.88)
KS = tuple(range(4, 129, 4))
GROUP = "default study: 9 models, k = 4..128 step 4, 300 trials"
N_BIG = int(float(os.environ.get("FRONTIER_BENCH_STUDY_TRIALS", "1e6")))


def _simulate_reference(m, k, trials, seed, P=4):
    rng = np.random.default_rng(seed)
    cost, time, acc = np.empty(trials), np.empty(trials), np.empty(trials)
    for i in range(trials):
        lin = np.clip(rng.normal(m.mu_Lin, m.sigma_Lin, k), 1, 16 * m.mu_Lin)
        lout = np.clip(rng.normal(m.mu_Lout, m.sigma_Lout, k), 1, 16 * lin)
        a = np.clip(rng.normal(m.acc_mean, m.acc_std, k), 0, 1)
        c = m.c_in * lin + m.c_out * lout
        t = m.t_in * lin + m.t_out * lout
        cost[i], acc[i] = c.sum(), a.max()
        time[i] = (k / P) * t.mean() if P > 1 else t.sum()
    return cost.mean(), time.mean(), acc.mean()


def reference_study(models, budget, ks, trials=300, seed=42):
    """One selection per method, each on its own re-simulation of the grid (as the reference)."""
    c_max, t_max, a_min = budget
    out = {}
    for method in ("accuracy", "cube", "utopia", "knee"):
        for key, m in models.items():
            rows = np.array([_simulate_reference(m, k, trials, seed + k) for k in ks])
            c, t, a = rows.T
            feas = (c <= c_max) & (t <= t_max) & (a >= a_min)
            if not feas.any():
                out[method, key] = None
                continue
            if method == "accuracy":
                out[method, key] = ks[int(np.argmax(np.where(feas, a, -np.inf)))]
            elif method == "cube":
                v = (1 - c / c_max) * (1 - t / t_max) * a
                out[method, key] = ks[int(np.argmax(np.where(feas, v, -np.inf)))]
            else:
                pts = np.stack([c / c_max, t / t_max, -a], 1)
                par = np.array([f and not np.any(feas & np.all(pts <= p, 1) & np.any(pts < p, 1))
                                for f, p in zip(feas, pts, strict=True)])
                idx = np.nonzero(par)[0]
                if method == "utopia":
                    d = np.linalg.norm(np.stack([c / c_max, t / t_max, 1 - a], 1)[idx], axis=1)
                    out[method, key] = ks[int(idx[np.argmin(d)])]
                elif len(idx) >= 3:  # the reference's curvature knee, interior points
                    q = np.stack([c / c_max, t / t_max, a], 1)[idx]
                    best, arg = -np.inf, None
                    for i in range(1, len(q) - 1):
                        d = (q[i + 1] - q[i - 1]) / 2
                        dd = q[i + 1] - 2 * q[i] + q[i - 1]
                        norm = np.linalg.norm(d)
                        if norm > 1e-10:
                            kappa = abs(d[0] * dd[1] - d[1] * dd[0]) / norm**3
                            if kappa > best:
                                best, arg = kappa, i
                    out[method, key] = None if arg is None else ks[int(idx[arg])]
                else:
                    out[method, key] = None
    return out


def test_reference_numpy_study(benchmark, recorder):
    res = benchmark.pedantic(lambda: reference_study(CAT, BUDGET, KS), rounds=1,
                             warmup_rounds=0, iterations=1)
    assert len(res) == 4 * len(CAT)
    recorder(GROUP, "NumPy reference loop (re-simulated per method)", benchmark)


def test_frontier_study(benchmark, recorder):
    def run():
        st = frontier.optimize(CAT, budget=BUDGET, ks=KS, key=42, num_trials=300)
        return jax.block_until_ready(jax.tree.leaves((st.points, st.cross)))

    run()  # compile
    benchmark.pedantic(run, rounds=20, warmup_rounds=2, iterations=1)
    recorder(GROUP, "frontier.optimize (all rules, cross-model)", benchmark)


def test_frontier_study_million_trials(benchmark, recorder):
    def run():
        st = frontier.optimize(CAT, budget=BUDGET, ks=KS, key=42, num_trials=N_BIG)
        return jax.block_until_ready(jax.tree.leaves((st.points, st.cross)))

    benchmark.pedantic(run, rounds=1, warmup_rounds=1, iterations=1)
    recorder(f"study: 9 models, {N_BIG} trials", "frontier.optimize", benchmark,
             items=N_BIG * 128 * 9, unit="draws")
