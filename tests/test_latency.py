"""The latency model: TTFT and end-to-end time against a NumPy brute force and exact means."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import frontier
from frontier.kernels import sampling as K

CAT = frontier.catalog()
KS = (1, 2, 3, 4, 5, 8, 13)


def brute_force(m, key, n, ks, P, lat, time_model):
    """TTFT and e2e in NumPy (float64) from the simulator's own draws."""
    ids = jnp.arange(n, dtype=jnp.uint32)
    kmax = max(ks)
    z = np.asarray(K.draw_normals(key, ids, kmax, jnp.float32), np.float64)
    q = np.asarray(jax.vmap(lambda i: jax.random.exponential(jax.random.fold_in(
        jax.random.fold_in(key, i), K.TAG_LATENCY), (kmax,), jnp.float32))(ids), np.float64)
    lin = np.clip(m.mu_Lin + m.sigma_Lin * z[:, 0], 1, 16 * m.mu_Lin)
    lout = np.clip(m.mu_Lout + m.sigma_Lout * z[:, 1], 1, 16 * lin)
    t_pre = m.t_in if lat.prefill_rate is None else 1.0 / lat.prefill_rate
    tpot = m.t_out if lat.tpot is None else lat.tpot
    ttft_i = lin * t_pre + lat.queue * q
    e2e_i = ttft_i + lout * tpot
    ttft, e2e = [], []
    for k in ks:
        ttft.append(ttft_i[:, : min(k, P)].min(1))
        if time_model == "paper":
            e2e.append(e2e_i[:, :k].sum(1) / min(P, k))
        else:
            e2e.append(np.sum([e2e_i[:, s: min(s + P, k)].max(1) for s in range(0, k, P)], 0))
    return np.stack(ttft), np.stack(e2e)


@pytest.mark.parametrize("time_model", ["paper", "waves"])
@pytest.mark.parametrize("P", [1, 3, 4])
def test_matches_numpy_brute_force(P, time_model):
    m = CAT["gpt5-mini"]
    lat = frontier.Latency(queue=0.3, prefill_rate=5000.0, tpot=0.004)
    s = frontier.sample(m, KS, key=9, num_trials=400, parallel=P, time_model=time_model,
                        latency=lat)
    assert isinstance(s, frontier.ExtendedSamples) and sorted(s.extra) == ["e2e", "ttft"]
    ttft, e2e = brute_force(m, jax.random.key(9), 400, KS, P, lat, time_model)
    np.testing.assert_allclose(np.asarray(s.extra["ttft"]), ttft, rtol=2e-6)
    np.testing.assert_allclose(np.asarray(s.extra["e2e"]), e2e, rtol=2e-6)
    ref = frontier.sample(m, KS, key=9, num_trials=400, parallel=P, time_model=time_model)
    for f in ("cost", "time", "accuracy"):  # the paper's outcomes are unchanged
        np.testing.assert_array_equal(np.asarray(getattr(s, f)), np.asarray(getattr(ref, f)))


def test_means_match_exact_expectations():
    m = CAT["gpt5-nano"]
    queue = 0.5
    s = frontier.summarize(m, (1, 2), key=1, num_trials=20_000, parallel=1,
                           latency=frontier.Latency(queue=queue))
    ttft = m.t_in * m.mu_Lin + queue
    e2e1 = ttft + m.t_out * m.mu_Lout  # one call
    st, se = s.extra["ttft"], s.extra["e2e"]
    assert abs(float(st.mean[0]) - ttft) <= 4 * float(st.sem[0])
    assert abs(float(se.mean[0]) - e2e1) <= 4 * float(se.sem[0])
    assert abs(float(se.mean[1]) - 2 * e2e1) <= 4 * float(se.sem[1])  # P = 1: in sequence
    # TTFT of one call is Lin t_in + Exp(queue): its p50 is t_in mu_Lin + queue ln 2 (the
    # normal's spread is small next to the exponential's)
    j = s.quantile_levels.index(0.5)
    assert float(st.quantiles[0, j]) == pytest.approx(m.t_in * m.mu_Lin + queue * np.log(2),
                                                     rel=0.02)


def test_without_queueing_e2e_is_the_time():
    m = CAT["qwen3-max"]
    for time_model in ("paper", "waves"):
        s = frontier.sample(m, (1, 4, 7), key=2, num_trials=300, time_model=time_model,
                            latency="ttft")
        np.testing.assert_allclose(np.asarray(s.extra["e2e"]), np.asarray(s.time), rtol=1e-6)


def test_tail_quantiles_come_out_and_an_slo_on_them_selects():
    m = CAT["gpt5-mini"]
    s = frontier.summarize(m, (4, 8), key=3, num_trials=2000,
                           latency=frontier.Latency(queue=0.4), quantiles=(0.5, 0.95, 0.99))
    x = frontier.sample(m, (4, 8), key=3, num_trials=2000, latency=frontier.Latency(queue=0.4))
    np.testing.assert_allclose(np.asarray(s.extra["ttft"].quantiles),
                               np.quantile(np.asarray(x.extra["ttft"]), [0.5, 0.95, 0.99],
                                           axis=-1).T, rtol=1e-6)
    kw = dict(ks=(4, 8, 12), key=3, num_trials=500, latency=frontier.Latency(queue=0.4))
    p99 = np.asarray(frontier.summarize(m, **kw).extra["e2e"].quantiles[:, -1])
    limit = 0.5 * (p99[0] + p99[1])
    st = frontier.optimize(m, budget=(1.0, 120.0, 0.0), slo=f"p99 e2e <= {limit}", **kw)
    t = st.table
    assert "p99" in t.stats["e2e"] and t.objective("ttft").sense == "min"
    np.testing.assert_allclose(np.asarray(t.stat("e2e", 0.99)), p99, rtol=1e-6)
    assert np.asarray(st.feasible[0]).tolist() == [True, False, False]


def test_reselect_keeps_the_latency_objectives_and_front_of_the_study():
    m = CAT["gpt5-mini"]
    kw = dict(ks=(4, 8, 12), key=3, num_trials=300, latency=frontier.Latency(queue=0.4),
              objectives=["cost", "e2e", "accuracy"])
    p99 = np.asarray(frontier.summarize(m, ks=kw["ks"], key=3, num_trials=300,
                                        latency=kw["latency"]).extra["e2e"].quantiles[:, -1])
    limit = float(0.5 * (p99[1] + p99[2]))
    st = frontier.optimize(m, budget=(1.0, 120.0, 0.0), **kw)
    want = frontier.optimize(m, budget=(1.0, 120.0, 0.0), slo=f"p99 e2e <= {limit}", **kw)
    got = frontier.reselect(st, budget=(1.0, 120.0, 0.0), slo=f"p99 e2e <= {limit}")
    assert got.choice.objectives == ("cost", "e2e", "accuracy")
    np.testing.assert_array_equal(np.asarray(got.feasible), np.asarray(want.feasible))
    np.testing.assert_array_equal(np.asarray(got.pareto), np.asarray(want.pareto))
    assert np.asarray(got.feasible[0]).tolist() == [True, True, False]
    for rule in ("cube", "utopia", "knee_chord"):
        assert getattr(got.points, rule).k.tolist() == getattr(want.points, rule).k.tolist()
    with pytest.raises(ValueError, match="unknown objective 'ttfb'"):
        frontier.reselect(st, budget=(1.0, 120.0, 0.0), slo="p99 ttfb <= 1")


def test_latency_under_jit_and_grad():
    m = CAT["gpt5-nano"]

    def mean_e2e(queue):
        s = frontier.sample(m, (1,), key=0, num_trials=256,
                            latency=frontier.Latency(queue=queue))
        return s.extra["e2e"].mean()

    g = jax.grad(mean_e2e)(0.3)
    q = np.asarray(jax.vmap(lambda i: jax.random.exponential(jax.random.fold_in(
        jax.random.fold_in(jax.random.key(0), i), K.TAG_LATENCY), (1,)))(
        jnp.arange(256, dtype=jnp.uint32)))
    np.testing.assert_allclose(float(g), q.mean(), rtol=1e-5)  # d e2e / d queue = mean Exp(1)
    assert float(jax.jit(mean_e2e)(0.3)) == pytest.approx(float(mean_e2e(0.3)), rel=1e-6)


@pytest.mark.parametrize("time_model", ["paper", "waves"])
def test_latency_gradients_match_central_differences_within_3_standard_errors(time_model):
    # d mean(ttft), d mean(e2e) by (queue, prefill_rate, tpot): jax.grad on 8 independent
    # keys gives the estimate and its standard error; the central difference uses the same
    # keys (common random numbers)
    m, ks, keys = CAT["gpt5-mini"], (1, 3, 8), [jax.random.key(i) for i in range(8)]
    x0 = np.array([0.2, 2000.0, 0.01])

    def means(x, key):
        lat = frontier.Latency(queue=x[0], prefill_rate=x[1], tpot=x[2])
        s = frontier.sample(m, ks, key=key, num_trials=512, parallel=4,
                            time_model=time_model, latency=lat, dtype=jnp.float64)
        return jnp.stack([s.extra["ttft"].mean(), s.extra["e2e"].mean()])

    with jax.enable_x64(True):
        x = jnp.asarray(x0, jnp.float64)
        g = np.stack([np.asarray(jax.jacrev(means)(x, k)) for k in keys])  # (8, 2, 3)
        gm, se = g.mean(0), g.std(0, ddof=1) / np.sqrt(len(keys))
        for j in range(3):
            h = 1e-3 * x0[j]
            up, dn = x0.copy(), x0.copy()
            up[j] += h
            dn[j] -= h
            fd = np.mean([(np.asarray(means(jnp.asarray(up), k))
                           - np.asarray(means(jnp.asarray(dn), k))) / (2 * h)
                          for k in keys], 0)
            # ttft does not depend on tpot; everything else does
            np.testing.assert_array_equal(np.abs(gm[:, j]) > 0, [j != 2, True])
            assert np.all(np.abs(fd - gm[:, j]) <= 3 * se[:, j] + 1e-6 * np.abs(gm[:, j])), (
                j, fd, gm[:, j], se[:, j])


@pytest.mark.parametrize(
    ("lat", "exc", "word"),
    [(frontier.Latency(queue=-1.0), ValueError, "latency.queue"),
     (frontier.Latency(prefill_rate=0.0), ValueError, "latency.prefill_rate"),
     (frontier.Latency(tpot=float("inf")), ValueError, "latency.tpot"),
     (frontier.Latency(queue="slow"), TypeError, "latency.queue"),
     ("p99", ValueError, "latency"), (3, TypeError, "latency")],
)
def test_bad_latency_names_the_field(lat, exc, word):
    with pytest.raises(exc, match=word):
        frontier.sample(CAT["gpt5"], 4, key=0, num_trials=10, latency=lat)


def test_slo_on_an_objective_that_is_not_simulated():
    with pytest.raises(ValueError, match="ttft"):
        frontier.optimize(CAT["gpt5"], budget=None, ks=(4,), key=0, num_trials=10,
                          slo="p99 ttft <= 1")
