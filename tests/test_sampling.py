"""The Monte Carlo engine against exact expectations and a NumPy brute force."""

import functools
import math
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from _oracles import exact_means

import frontier
from frontier.kernels import sampling as K

CAT = frontier.catalog()
KS = (1, 2, 3, 8, 17, 64, 100, 256)


def brute_force(model, z, ks, P, time_model="paper"):
    """The paper model in plain NumPy (float64) from the same standard normals (T, 3, kmax)."""
    z = np.asarray(z, np.float64)
    lin = np.clip(model.mu_Lin + model.sigma_Lin * z[:, 0], 1, 16 * model.mu_Lin)
    lout = np.clip(model.mu_Lout + model.sigma_Lout * z[:, 1], 1, 16 * lin)
    a = np.clip(model.acc_mean + model.acc_std * z[:, 2], 0, 1)
    c = model.c_in * lin + model.c_out * lout
    t = model.t_in * lin + model.t_out * lout
    cost, time, acc = [], [], []
    for k in ks:
        cost.append(c[:, :k].sum(1))
        acc.append(a[:, :k].max(1))
        if time_model == "paper":
            time.append(t[:, :k].sum(1) / min(P, k))
        else:
            waves = [t[:, s : min(s + P, k)].max(1) for s in range(0, k, P)]
            time.append(np.sum(waves, axis=0))
    return np.stack(cost), np.stack(time), np.stack(acc)


@pytest.mark.parametrize("P", [1, 4, 16])
def test_means_match_exact_expectations(P):
    keys = ["gpt5", "gpt5-nano", "nvidia-nemotron-nano-9b-v2", "qwen3-30b-a3b"]
    models = [CAT[k] for k in keys]
    n = 4000
    s = frontier.sample(models, KS, key=P, num_trials=n, parallel=P)
    assert s.cost.shape == (len(models), len(KS), n)
    for i, m in enumerate(models):
        for j, k in enumerate(KS):
            for obs, ex in zip((s.cost, s.time, s.accuracy), exact_means(m, k, P), strict=True):
                x = np.asarray(obs[i, j], np.float64)
                se = x.std(ddof=1) / math.sqrt(n)
                assert abs(x.mean() - ex) <= 4 * se + 1e-6 * abs(ex), (m.name, k, P, x.mean(), ex)


def test_independent_scheme_means():
    m = CAT["nvidia-nemotron-h-47b"]
    n = 4000
    s = frontier.sample(m, (1, 5, 32), key=3, num_trials=n, scheme="independent")
    for j, k in enumerate((1, 5, 32)):
        for obs, ex in zip((s.cost, s.time, s.accuracy), exact_means(m, k, 4), strict=True):
            x = np.asarray(obs[j], np.float64)
            assert abs(x.mean() - ex) <= 4 * x.std(ddof=1) / math.sqrt(n)
    # fresh draws per k: the k=1 and k=5 costs are uncorrelated (they share draws under CRN)
    r = np.corrcoef(np.asarray(s.cost[0]), np.asarray(s.cost[1]))[0, 1]
    assert abs(r) < 4 / math.sqrt(n)
    crn = frontier.sample(m, (1, 5, 32), key=3, num_trials=n)
    assert np.corrcoef(np.asarray(crn.cost[0]), np.asarray(crn.cost[1]))[0, 1] > 0.3


@functools.partial(jax.jit, static_argnames=("k", "n", "time_model"))
def _independent_one_k_at_a_time(p, k, key, n, par, time_model):
    """The reference scheme drawn with the exact shape of each k (one program per k)."""
    z = K.draw_normals(jax.random.fold_in(key, k), jnp.arange(n, dtype=jnp.uint32), k,
                       jnp.float32)
    cost, time, acc = K.inference(p, z)
    if time_model == "paper":
        t = K.time_rule(K.tree_sum(time)[None], par, (k,))[0]
    else:
        t = K._wave_time(time, par, (k,))[0]
    return K.tree_sum(cost), t, jnp.max(acc, axis=-1)


@pytest.mark.slow
@pytest.mark.parametrize("time_model", ["paper", "waves"])
@pytest.mark.parametrize("P", [1, 3])
def test_independent_scheme_loop_gives_the_bits_of_drawing_each_k_alone(P, time_model):
    m = CAT["gpt5-mini"]
    ks = (1, 2, 3, 5, 8, 9, 12, 17)  # several k per power of two, and lone ones
    n = 64
    key = jax.random.key(5)
    s = frontier.sample(m, ks, key=key, num_trials=n, parallel=P, scheme="independent",
                        time_model=time_model)
    p = K.ModelParams(*(a[0] for a in frontier._sampling._stack_params([m], jnp.float32)))
    for j, k in enumerate(ks):
        want = _independent_one_k_at_a_time(p, k, key, n, jnp.asarray(P), time_model)
        for got, ref in zip((s.cost[j], s.time[j], s.accuracy[j]), want, strict=True):
            np.testing.assert_array_equal(np.asarray(got), np.asarray(ref), err_msg=str(k))


@pytest.mark.parametrize("time_model", ["paper", "waves"])
@pytest.mark.parametrize("P", [1, 3, 4])
def test_matches_numpy_brute_force(P, time_model):
    m = CAT["gpt5-mini"]
    ks = (1, 2, 4, 5, 12, 37)
    n = 300
    key = jax.random.key(11)
    s = frontier.sample(m, ks, key=key, num_trials=n, parallel=P, time_model=time_model)
    z = K.draw_normals(key, jnp.arange(n, dtype=jnp.uint32), max(ks), jnp.float32)
    for got, want in zip(s, brute_force(m, z, ks, P, time_model), strict=True):
        np.testing.assert_allclose(np.asarray(got), want, rtol=2e-6)


def test_waves_are_slower_than_paper_rule():
    m = CAT["gpt5"]
    s_p = frontier.sample(m, (4, 8, 16), key=0, num_trials=500, parallel=4)
    s_w = frontier.sample(m, (4, 8, 16), key=0, num_trials=500, parallel=4, time_model="waves")
    # a wave lasts its slowest call, which is at least the mean call
    assert bool(jnp.all(s_w.time >= s_p.time * (1 - 1e-6)))
    assert bool(jnp.all(s_w.cost == s_p.cost)) and bool(jnp.all(s_w.accuracy == s_p.accuracy))


def test_crn_prefix_consistency_and_ordering():
    m = CAT["qwen3-max"]
    a = frontier.sample(m, (16, 4, 64), key=5, num_trials=200)
    b = frontier.sample(m, (4,), key=5, num_trials=50)
    # outputs follow the caller's order of ks
    assert a.cost.shape == (3, 200)
    np.testing.assert_array_equal(np.asarray(a.cost[1, :50]), np.asarray(b.cost[0]))
    # best-of-k accuracy and cost never fall with k under common random numbers
    assert bool(jnp.all(a.accuracy[0] >= a.accuracy[1]))
    assert bool(jnp.all(a.cost[2] > a.cost[0]))


@pytest.mark.parametrize("batch_size", [1, 7, 64, 1000])
def test_batch_size_changes_nothing(batch_size):
    models = [CAT["gpt5"], CAT["qwen3-30b-a3b"]]
    ks = (1, 4, 6, 16, 40)
    ref = frontier.sample(models, ks, key=1, num_trials=777)
    got = frontier.sample(models, ks, key=1, num_trials=777, batch_size=batch_size)
    for a, b in zip(ref, got, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_vmap_over_models_equals_loop():
    models = [CAT[k] for k in ("gpt5", "gpt5-nano", "qwen3-max")]
    ks = (1, 8, 32)
    batched = frontier.sample(models, ks, key=2, num_trials=500, parallel=[1, 4, 16])
    for i, (m, P) in enumerate(zip(models, (1, 4, 16), strict=True)):
        one = frontier.sample(m, ks, key=2, num_trials=500, parallel=P)
        for a, b in zip(batched, one, strict=True):
            np.testing.assert_allclose(np.asarray(a[i]), np.asarray(b), rtol=1e-6)


def test_jit_of_sample_equals_eager_and_grad_is_finite():
    m = CAT["gpt5-mini"]

    def run(model):
        return frontier.sample(model, (1, 8), key=0, num_trials=256)

    eager = run(m)
    jitted = jax.jit(run)(m)
    for a, b in zip(eager, jitted, strict=True):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-6)

    def mean_cost(model):
        return frontier.sample(model, (8,), key=0, num_trials=256).cost.mean()

    g = jax.grad(mean_cost)(m)
    # d E[cost] / d c_out = k * E[Lout] (no clip active)
    lout = np.asarray(
        jnp.clip(m.mu_Lout + m.sigma_Lout * K.draw_normals(
            jax.random.key(0), jnp.arange(256, dtype=jnp.uint32), 8, jnp.float32)[:, 1], 1)
    )
    np.testing.assert_allclose(float(g.c_out), 8 * lout.mean(), rtol=1e-5)
    assert all(np.isfinite(float(v)) for v in jax.tree.leaves(g))


def test_float64_preserved():
    with jax.enable_x64(True):
        s = frontier.sample(CAT["gpt5"], (2,), key=0, num_trials=10)
        assert s.cost.dtype == jnp.float64
    s = frontier.sample(CAT["gpt5"], (2,), key=0, num_trials=10)
    assert s.cost.dtype == jnp.float32


# ----------------------------------------------------------------------------- summarize

def test_summary_matches_numpy_on_all_trials():
    models = [CAT["gpt5"], CAT["nvidia-nemotron-ultra-253b"]]
    ks = (1, 4, 64)
    n = 5000
    s = frontier.sample(models, ks, key=9, num_trials=n)
    summ = frontier.summarize(models, ks, key=9, num_trials=n)
    assert summ.exact_quantiles
    for obs, st in zip(s, (summ.cost, summ.time, summ.accuracy), strict=True):
        x = np.asarray(obs, np.float64)
        np.testing.assert_allclose(np.asarray(st.mean), x.mean(-1), rtol=1e-5)
        np.testing.assert_allclose(np.asarray(st.std), x.std(-1), rtol=1e-4)
        np.testing.assert_allclose(np.asarray(st.sem), x.std(-1, ddof=1) / math.sqrt(n), rtol=1e-4)
        np.testing.assert_array_equal(np.asarray(st.min), np.asarray(obs).min(-1))
        np.testing.assert_array_equal(np.asarray(st.max), np.asarray(obs).max(-1))
        q = np.percentile(x, [2.5, 50, 95, 97.5, 99], axis=-1)
        np.testing.assert_allclose(np.asarray(st.quantiles), np.moveaxis(q, 0, -1), rtol=1e-6)
        assert float(jnp.max(st.quantile_error)) == 0.0


def test_sketch_quantiles_within_reported_bound():
    ms = [CAT["gpt5-nano"], CAT["qwen3-30b-a3b"]]
    ks = (1, 3, 16, 128)
    n = 40_000
    levels = (0.0, 0.01, 0.025, 0.5, 0.95, 0.975, 0.99, 1.0)
    s = frontier.sample(ms, ks, key=4, num_trials=n)
    summ = frontier.summarize(ms, ks, key=4, num_trials=n, quantiles=levels,
                              quantile_method="sketch", num_bins=512)
    assert not summ.exact_quantiles
    for obs, st in zip(s, (summ.cost, summ.time, summ.accuracy), strict=True):
        x = np.asarray(obs, np.float64)
        exact = np.moveaxis(np.percentile(x, np.asarray(levels) * 100, axis=-1), 0, -1)
        err = np.abs(np.asarray(st.quantiles, np.float64) - exact)
        bound = np.asarray(st.quantile_error, np.float64)
        assert np.all(np.isfinite(bound))
        assert np.all(err <= bound * (1 + 1e-3) + 1e-6 * np.abs(exact)), (err / bound).max()
        # the bound is informative: a small fraction of the spread
        assert np.all(bound[..., 1:-1] <= (x.max(-1) - x.min(-1))[..., None] / 100)


@pytest.mark.parametrize("method", ["exact", "sketch"])
def test_chunk_size_changes_nothing(method):
    ms = [CAT["gpt5"], CAT["gpt5-mini"]]
    ks = (2, 4, 6, 8)
    n = 3000
    ref = frontier.summarize(ms, ks, key=7, num_trials=n, quantile_method=method)
    for chunk in (1, 100, 1024, 5000):
        got = frontier.summarize(ms, ks, key=7, num_trials=n, quantile_method=method,
                                 chunk_size=chunk)
        for a, b in zip(jax.tree.leaves(ref[:3]), jax.tree.leaves(got[:3]), strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_summary_means_match_exact_expectations_streamed():
    m = CAT["nvidia-nemotron-nano-9b-v2"]
    ks = tuple(range(8, 129, 8))
    n = 100_000
    summ = frontier.summarize(m, ks, key=12, num_trials=n, quantile_method="sketch")
    for j, k in enumerate(ks):
        ex = exact_means(m, k, 4)
        for st, e in zip((summ.cost, summ.time, summ.accuracy), ex, strict=True):
            assert abs(float(st.mean[j]) - e) <= 4 * float(st.sem[j]) + 2e-7 * abs(e)


def test_single_model_unbatched_and_single_trial():
    summ = frontier.summarize(CAT["gpt5"], 4, key=0, num_trials=1)
    assert summ.cost.mean.shape == (1,)
    assert np.isnan(float(summ.cost.sem[0]))
    assert float(summ.cost.std[0]) == 0.0


_RSS_SCRIPT = """
import resource, sys, frontier
n = int(sys.argv[1])
frontier.summarize(frontier.catalog()["gpt5"], tuple(range(8, 65, 8)), key=0, num_trials=n,
                   quantile_method="sketch", chunk_size=1 << 14)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_streaming_memory_does_not_grow_with_trials():
    def peak_kib(n):
        out = subprocess.run([sys.executable, "-c", _RSS_SCRIPT, str(n)], check=True,
                             capture_output=True, text=True, env={**os.environ,
                             "JAX_PLATFORMS": "cpu"})
        return int(out.stdout.strip().splitlines()[-1])

    small, large = peak_kib(1 << 15), peak_kib(1 << 20)
    # holding the outcomes of 2**20 trials would take 3 * 8 * 2**20 * 4 B = 96 MiB more
    assert large - small < 24 * 1024, (small, large)


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize(
    ("kwargs", "exc", "word"),
    [
        ({"ks": 0}, ValueError, "ks[0]"),
        ({"ks": [4, -1]}, ValueError, "ks[1]"),
        ({"ks": [4, 4]}, ValueError, "duplicates"),
        ({"ks": []}, ValueError, "ks"),
        ({"ks": [1.5]}, TypeError, "ks[0]"),
        ({"num_trials": 0}, ValueError, "num_trials"),
        ({"num_trials": 2.5}, TypeError, "num_trials"),
        ({"parallel": 0}, ValueError, "parallel"),
        ({"parallel": -3}, ValueError, "parallel"),
        ({"parallel": [1, 2]}, ValueError, "parallel"),
        ({"key": None}, TypeError, "key"),
        ({"key": "seed"}, TypeError, "key"),
        ({"scheme": "fast"}, ValueError, "scheme"),
        ({"time_model": "max"}, ValueError, "time_model"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"dtype": jnp.int32}, TypeError, "dtype"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, exc, word):
    args = {"ks": [1, 2], "key": 0, "num_trials": 10, **kwargs}
    with pytest.raises(exc, match=__import__("re").escape(word)):
        frontier.sample(CAT["gpt5"], **args)


@pytest.mark.parametrize(
    ("field", "value", "word"),
    [("sigma_Lin", -1.0, "sigma_Lin"), ("acc_std", -0.1, "acc_std"), ("c_out", -1e-6, "c_out"),
     ("t_in", float("nan"), "t_in"), ("mu_Lout", 0.0, "mu_Lout"), ("c_in", float("inf"), "c_in")],
)
def test_bad_model_values_name_the_field(field, value, word):
    bad = CAT["gpt5"].replace(**{field: value})
    with pytest.raises(ValueError, match=word):
        frontier.sample(bad, 4, key=0, num_trials=10)
    with pytest.raises(ValueError, match=word):
        frontier.summarize([CAT["gpt5"], bad], 4, key=0, num_trials=10)


def test_bad_models_argument():
    with pytest.raises(TypeError, match="models"):
        frontier.sample("gpt5", 4, key=0, num_trials=10)
    with pytest.raises(ValueError, match="empty"):
        frontier.sample([], 4, key=0, num_trials=10)
    with pytest.raises(ValueError, match="default_parallel"):
        frontier.sample(CAT["gpt5"].replace(default_parallel=0), 4, key=0, num_trials=10)


def test_summarize_bad_options():
    with pytest.raises(ValueError, match="quantiles"):
        frontier.summarize(CAT["gpt5"], 4, key=0, num_trials=10, quantiles=(1.5,))
    with pytest.raises(ValueError, match="quantile_method"):
        frontier.summarize(CAT["gpt5"], 4, key=0, num_trials=10, quantile_method="tdigest")
    with pytest.raises(ValueError, match="chunk_size"):
        frontier.summarize(CAT["gpt5"], 4, key=0, num_trials=10, chunk_size=0)
