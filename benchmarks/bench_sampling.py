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


def raw_normal_chunks(trials: int, kmax: int):
    """The generator at its best, the peer of the sampling engine: the normals of ``trials``
    trials of ``kmax`` draws in cache-sized chunks, each reduced so nothing big is stored.
    Returns the jitted function of a key and the number of draw-equivalents it makes."""
    atom = _atom(kmax)
    n_chunks = -(-trials // atom)

    @jax.jit
    def f(k):
        def one(i):
            return jnp.sum(jax.random.normal(jax.random.fold_in(k, i), (3 * kmax * atom,)))
        return jax.lax.map(one, jnp.arange(n_chunks))

    return f, n_chunks * atom * kmax


def test_raw_normal_chunked(benchmark, recorder):
    """The generator at its best: cache-sized chunks, reduced so nothing big is stored."""
    f, items = raw_normal_chunks(N, KMAX)
    key = jax.random.key(0)
    _pedantic(benchmark, lambda: f(key))
    recorder(GROUP, "raw jax.random.normal, cache-sized chunks", benchmark, items=items,
             unit="draw-equivalents")


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


# --------------------------------------------------------------------- models beyond the paper
# The same sizes as the paper model above; run only these with
#   FRONTIER_BENCH_TAG=models FRONTIER_BENCH_TRIALS=100000 \
#       pytest benchmarks/bench_sampling.py -k models

MODELS_GROUP = f"models beyond the paper, {N} trials x k_max {KMAX}, 64 k values"


def _paper_as_user_model(m):
    """The paper model written as a frontier.UserModel (three normals per inference)."""
    import jax.numpy as jnp

    def one(p, z, u):
        lin = jnp.clip(p["mu_Lin"] + p["sigma_Lin"] * z[0], 1.0, 16.0 * p["mu_Lin"])
        lout = jnp.clip(p["mu_Lout"] + p["sigma_Lout"] * z[1], 1.0, 16.0 * lin)
        return {"cost": p["c_in"] * lin + p["c_out"] * lout,
                "time": p["t_in"] * lin + p["t_out"] * lout,
                "score": jnp.clip(p["acc_mean"] + p["acc_std"] * z[2], 0.0, 1.0)}

    fields = ("c_in", "c_out", "t_in", "t_out", "mu_Lin", "sigma_Lin", "mu_Lout", "sigma_Lout",
              "acc_mean", "acc_std")
    return frontier.UserModel({f: getattr(m, f) for f in fields}, one, num_normals=3,
                              name="paper as a user model")


def _model_cases():
    from frontier import aggregation as agg

    return {
        "pass@k (Beta difficulty)": dict(aggregation=agg.PassAtK(agg.Beta(0.5, 2.0))),
        "majority vote (mix)": dict(aggregation=agg.MajorityVote(agg.Mix([0.9, 0.35],
                                                                         [0.6, 0.4]))),
        "verifier (Beta, phi=0.1)": dict(aggregation=agg.Verifier(agg.Beta(1.0, 1.5), 0.1)),
        "latency ttft + e2e (queue 0.2 s)": dict(latency=frontier.Latency(queue=0.2)),
        "serving (batch 64, parameter draws)": dict(serving=frontier.Serving(
            t0=0.007, slope=1.5e-4, gpu_hour=2.0, batch=64,
            cov=np.diag([1e-8, 1e-11, 1e-3]))),
        "user model (the paper's, rewritten)": dict(user=True),
    }


def test_models_paper_baseline(benchmark, recorder):
    out = _pedantic(benchmark, lambda: frontier.sample(MODEL, KS, key=0, num_trials=N).cost)
    assert out.shape == (len(KS), N)
    recorder(MODELS_GROUP, "paper model (baseline)", benchmark, items=N * KMAX, unit="draws",
             n=N, k_max=KMAX)


@pytest.mark.parametrize("case", list(_model_cases()))
def test_models_beyond_the_paper(benchmark, recorder, case):
    kw = dict(_model_cases()[case])
    model = _paper_as_user_model(MODEL) if kw.pop("user", False) else MODEL
    out = _pedantic(benchmark, lambda: frontier.sample(model, KS, key=0, num_trials=N, **kw)
                    .accuracy)
    assert out.shape == (len(KS), N)
    recorder(MODELS_GROUP, case, benchmark, items=N * KMAX, unit="draws", n=N, k_max=KMAX)
