"""Sampling throughput: the CRN engine vs the random-number generator and the reference loop.

One *draw* is one inference, a (Lin, Lout, A) triple: three standard normals. Targets (issue
"Foundation"): at 10^6 trials x k_max 256, ``sample`` reaches >= 80% of the throughput of raw
``jax.random.normal`` making the same number of normals in the same run.

    pytest benchmarks/bench_sampling.py            # 10^6 trials (about 3 minutes on 2 cores)
    FRONTIER_BENCH_TRIALS=100000 pytest benchmarks/bench_sampling.py   # quicker
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import frontier
from frontier._sampling import _atom

N = int(float(os.environ.get("FRONTIER_BENCH_TRIALS", "1e6")))
KMAX = 256
KS = tuple(range(4, KMAX + 1, 4))  # the paper's grid P, 2P, ... for P = 4
MODEL = frontier.catalog()["gpt5-mini"]
NORMALS = 3 * KMAX * N
GROUP = f"sampling {N} trials x k_max {KMAX}"


def _pedantic(benchmark, fn, rounds=3):
    jax.block_until_ready(fn())  # compile outside the timer
    return benchmark.pedantic(lambda: jax.block_until_ready(fn()), rounds=rounds,
                              warmup_rounds=1, iterations=1)


def test_raw_normal_one_call(benchmark, recorder):
    key = jax.random.key(0)
    f = jax.jit(lambda k: jax.random.normal(k, (NORMALS,), jnp.float32))
    _pedantic(benchmark, lambda: f(key))
    recorder(GROUP, "raw jax.random.normal, one call", benchmark, items=NORMALS // 3,
             unit="draw-equivalents")


def test_raw_normal_chunked(benchmark, recorder):
    """The generator at its best: cache-sized chunks, reduced so nothing big is stored."""
    key = jax.random.key(0)
    atom = _atom(KMAX)
    n_chunks = -(-N // atom)

    @jax.jit
    def f(k):
        def one(i):
            return jnp.sum(jax.random.normal(jax.random.fold_in(k, i), (3 * KMAX * atom,)))
        return jax.lax.map(one, jnp.arange(n_chunks))

    _pedantic(benchmark, lambda: f(key))
    recorder(GROUP, "raw jax.random.normal, cache-sized chunks", benchmark,
             items=n_chunks * atom * KMAX, unit="draw-equivalents")


def test_sample_crn(benchmark, recorder):
    out = _pedantic(benchmark, lambda: frontier.sample(MODEL, KS, key=0, num_trials=N))
    assert out.cost.shape == (len(KS), N)
    recorder(GROUP, "frontier.sample (crn, 64 k values)", benchmark, items=N * KMAX,
             unit="draws", n=N, k_max=KMAX, method="crn")


def test_summarize_crn(benchmark, recorder):
    _pedantic(benchmark, lambda: frontier.summarize(MODEL, KS, key=0, num_trials=N,
                                                     quantile_method="sketch").cost.mean)
    recorder(GROUP, "frontier.summarize (crn, sketch)", benchmark, items=N * KMAX,
             unit="draws", n=N, k_max=KMAX, method="crn-streaming")


# --------------------------------------------------------------------- reference algorithm

N_REF = int(float(os.environ.get("FRONTIER_BENCH_REF_TRIALS", "2e4")))
REF_GROUP = f"reference per-k loop, {N_REF} trials, k = 4..{KMAX} step 4"


def reference_numpy(model, ks, num_trials, seed, P=4):
    """The reference algorithm in NumPy: an independent stream and a fresh simulation per k."""
    out = []
    for k in ks:
        rng = np.random.default_rng(seed + k)
        lin = np.clip(rng.normal(model.mu_Lin, model.sigma_Lin, (num_trials, k)), 1,
                      16 * model.mu_Lin)
        lout = np.clip(rng.normal(model.mu_Lout, model.sigma_Lout, (num_trials, k)), 1, 16 * lin)
        acc = np.clip(rng.normal(model.acc_mean, model.acc_std, (num_trials, k)), 0, 1)
        c = (model.c_in * lin + model.c_out * lout).sum(1)
        t = model.t_in * lin + model.t_out * lout
        t = (k / P) * t.mean(1) if P > 1 else t.sum(1)
        out.append((c, t, acc.max(1)))
    return out


def test_reference_numpy_loop(benchmark, recorder):
    res = benchmark.pedantic(lambda: reference_numpy(MODEL, KS, N_REF, 42), rounds=1,
                             warmup_rounds=0, iterations=1)
    assert len(res) == len(KS)
    recorder(REF_GROUP, "NumPy reference loop (independent per k)", benchmark,
             items=N_REF * sum(KS), unit="draws")


@pytest.mark.parametrize("scheme", ["crn", "independent"])
def test_frontier_same_trials(benchmark, recorder, scheme):
    _pedantic(benchmark, lambda: frontier.sample(MODEL, KS, key=0, num_trials=N_REF,
                                                 scheme=scheme).cost)
    recorder(REF_GROUP, f"frontier.sample scheme={scheme}", benchmark,
             items=N_REF * (KMAX if scheme == "crn" else sum(KS)), unit="draws")
