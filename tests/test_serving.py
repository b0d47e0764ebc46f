"""The serving model: calibration by least squares (against NumPy and by coverage), the
simulated throughput, price and cost, parameter uncertainty, bad input."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import frontier
from frontier.kernels import sampling as K

CAT = frontier.catalog()
TRUE = (0.007, 1.5e-4, 0.9)  # t0 (s), slope (s per sequence), efficiency
CONC = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256], float)


def sweep(rng=None, noise=0.0, conc=CONC, num_gpus=None):
    t0, slope, eff = TRUE
    tpot = t0 + slope * conc
    tpot_ms = 1e3 * tpot * (1 + noise * rng.standard_normal(conc.size)) if noise else 1e3 * tpot
    thr = eff * conc / tpot
    if noise:
        thr = thr * (1 + noise * rng.standard_normal(conc.size))
    df = pd.DataFrame({"max_concurrency": conc, "mean_tpot_ms": tpot_ms,
                       "output_throughput": thr})
    if num_gpus is not None:
        df["num_gpus"] = num_gpus
    return df


def test_noise_free_sweep_is_recovered_exactly():
    fit = frontier.calibrate_serving(sweep(num_gpus=2))
    np.testing.assert_allclose([fit.t0, fit.slope, fit.efficiency], TRUE, rtol=1e-9)
    assert fit.num_gpus == 2.0 and fit.residual_ms < 1e-9 and fit.num_rows == CONC.size


def test_unweighted_fit_matches_scipy_linregress():
    df = sweep(np.random.default_rng(0), noise=0.03)
    fit = frontier.calibrate_serving(df, weights="equal")
    ref = stats.linregress(df["max_concurrency"], df["mean_tpot_ms"] / 1e3)
    assert fit.t0 == pytest.approx(ref.intercept, rel=1e-9)
    assert fit.slope == pytest.approx(ref.slope, rel=1e-9)
    assert fit.se[0] == pytest.approx(ref.intercept_stderr, rel=1e-9)
    assert fit.se[1] == pytest.approx(ref.stderr, rel=1e-9)
    assert fit.weights == "equal"


def test_weighted_fit_matches_numpy_polyfit():
    rng = np.random.default_rng(1)
    df = sweep(rng, noise=0.02)
    df["std_tpot_ms"] = df["mean_tpot_ms"] * rng.uniform(0.05, 0.3, len(df))
    df["completed"] = rng.integers(50, 500, len(df))
    fit = frontier.calibrate_serving(df)
    se = df["std_tpot_ms"] / 1e3 / np.sqrt(df["completed"])
    coef, cov = np.polyfit(df["max_concurrency"], df["mean_tpot_ms"] / 1e3, 1, w=1 / se,
                           cov=True)
    assert fit.weights == "inverse_variance"
    np.testing.assert_allclose([fit.slope, fit.t0], coef, rtol=1e-9)
    np.testing.assert_allclose(fit.cov[:2, :2][::-1, ::-1], cov, rtol=1e-9)


def test_standard_errors_cover_the_truth():
    rng = np.random.default_rng(2)
    hits = np.zeros(3)
    n = 400
    for _ in range(n):  # noise proportional to the values: the default relative weights
        fit = frontier.calibrate_serving(sweep(rng, noise=0.04))
        assert fit.weights == "relative"
        hits += np.abs(np.array([fit.t0, fit.slope, fit.efficiency]) - TRUE) <= 1.96 * fit.se
    # normal 95% intervals with 7 or 8 degrees of freedom cover about 91% (t quantiles)
    assert np.all(hits / n > 0.86) and np.all(hits / n < 0.97), hits / n


def test_calibration_from_a_read_sweep():
    s = frontier.read_sweep("tests/data/sweeps/vllm/synthetic", num_gpus=1)
    fit = frontier.calibrate_serving(s)
    assert fit.weights == "inverse_variance" and fit.num_rows == 5 and fit.slope > 0 and fit.t0 > 0
    tab = s.table.sort_values("max_concurrency")
    pred = fit.predict(tab["max_concurrency"].to_numpy())
    assert np.all(np.abs(pred["tpot_ms"] - tab["mean_tpot_ms"].to_numpy()) < 10)


def test_predict_intervals_match_parameter_draws():
    fit = frontier.calibrate_serving(sweep(np.random.default_rng(3), noise=0.02))
    b = np.array([1.0, 48.0, 512.0])  # inside and beyond the measured range
    pred = fit.predict(b, gpu_hour=2.5)
    draws = np.random.default_rng(4).multivariate_normal(
        [fit.t0, fit.slope, fit.efficiency], fit.cov, size=200_000)
    tpot = draws[:, :1] + draws[:, 1:2] * b
    rate = draws[:, 2:] * b / tpot
    for col, x in (("tpot_ms", 1e3 * tpot), ("tok_s_gpu", rate),
                   ("usd_per_mtok", 2.5 / 3600 / rate * 1e6)):
        half = (pred[f"{col}_hi"] - pred[f"{col}_lo"]).to_numpy() / 2
        np.testing.assert_allclose(half, 1.96 * x.std(0), rtol=0.05)
        np.testing.assert_allclose(pred[col], x.mean(0), rtol=0.01)


# ----------------------------------------------------------------------------- simulation


def test_simulated_throughput_price_and_cost_follow_the_curve():
    m = CAT["gpt5-nano"]
    srv = frontier.Serving(t0=0.008, slope=2e-4, gpu_hour=3.0, batch=[8, 64], num_gpus=2,
                           efficiency=0.8)
    s = frontier.sample(m, (1, 3), key=0, num_trials=200, serving=srv)
    assert s.cost.shape == (2, 2, 200)  # (batch, k, trials)
    b = np.array([8.0, 64.0])
    tpot = 0.008 + 2e-4 * b
    rate = 0.8 * b / tpot
    np.testing.assert_allclose(np.asarray(s.extra["tok_s_gpu"]), (rate / 2)[:, None, None]
                               * np.ones((1, 2, 200)), rtol=1e-6)
    usd = 3.0 * 2 / 3600
    np.testing.assert_allclose(np.asarray(s.extra["usd_per_mtok"])[:, 0, 0], usd / rate * 1e6,
                               rtol=1e-6)
    z = np.asarray(K.draw_normals(jax.random.key(0), jnp.arange(200, dtype=jnp.uint32), 3,
                                  jnp.float32), np.float64)
    lin = np.clip(m.mu_Lin + m.sigma_Lin * z[:, 0], 1, 16 * m.mu_Lin)
    lout = np.clip(m.mu_Lout + m.sigma_Lout * z[:, 1], 1, 16 * lin)
    for j in range(2):
        cost_i = usd * (lin * m.t_in + lout / rate[j])
        time_i = lin * m.t_in + lout * tpot[j]
        np.testing.assert_allclose(np.asarray(s.cost[j, 1]), cost_i[:, :3].sum(1), rtol=1e-5)
        np.testing.assert_allclose(np.asarray(s.time[j, 1]), time_i[:, :3].sum(1) / 3, rtol=1e-5)
    np.testing.assert_array_equal(  # the accuracy is the paper model's
        np.asarray(s.accuracy[0]), np.asarray(frontier.sample(m, (1, 3), key=0,
                                                              num_trials=200).accuracy))


def test_another_price_scales_cost_and_price_per_token():
    fit = frontier.calibrate_serving(sweep(np.random.default_rng(5), noise=0.02))
    m = CAT["gpt5-mini"]
    a = frontier.sample(m, (4,), key=1, num_trials=100, serving=fit.serving(gpu_hour=1.0,
                                                                             batch=32))
    b = frontier.sample(m, (4,), key=1, num_trials=100, serving=fit.serving(gpu_hour=3.0,
                                                                             batch=32))
    np.testing.assert_allclose(np.asarray(b.cost), 3 * np.asarray(a.cost), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(b.extra["usd_per_mtok"]),
                               3 * np.asarray(a.extra["usd_per_mtok"]), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(b.time), np.asarray(a.time))


def test_parameter_uncertainty_is_drawn_per_trial():
    fit = frontier.calibrate_serving(sweep(np.random.default_rng(6), noise=0.05))
    srv = fit.serving(gpu_hour=2.0, batch=[16, 512])
    s = frontier.summarize(CAT["gpt5-mini"], (4,), key=2, num_trials=20_000, serving=srv)
    draws = np.random.default_rng(7).multivariate_normal(
        [fit.t0, fit.slope, fit.efficiency], fit.cov, size=400_000)
    b = np.array([16.0, 512.0])
    tpot = np.maximum(draws[:, :1] + draws[:, 1:2] * b, 1e-9)
    rate = np.maximum(draws[:, 2:], 1e-6) * b / tpot
    st = s.extra["tok_s_gpu"]
    mean, sem = np.asarray(st.mean)[:, 0], np.asarray(st.sem)[:, 0]
    assert np.all(np.abs(mean - rate.mean(0)) <= 4 * sem + 4 * rate.std(0) / math.sqrt(4e5))
    np.testing.assert_allclose(np.asarray(st.std)[:, 0], rate.std(0), rtol=0.05)
    # without uncertainty every trial has the fitted curve
    s0 = frontier.summarize(CAT["gpt5-mini"], (4,), key=2, num_trials=500,
                            serving=fit.serving(gpu_hour=2.0, batch=[16, 512],
                                                uncertainty=False))
    assert np.all(np.asarray(s0.extra["tok_s_gpu"].std) < 1e-3 * np.asarray(
        s0.extra["tok_s_gpu"].mean))


def test_batch_is_a_knob_of_optimize():
    srv = frontier.Serving(t0=0.008, slope=2e-4, gpu_hour=2.0, batch=[8, 64, 256])
    st = frontier.optimize({"nano": CAT["gpt5-nano"]}, budget=(1.0, 600.0, 0.9), ks=(4, 8),
                           key=0, num_trials=200, serving=srv,
                           slo="mean tok_s_gpu >= 1000")
    assert st.models == ("nano@b8", "nano@b64", "nano@b256")
    df = st.table.to_frame()
    assert df["batch"].tolist() == [8.0, 8.0, 64.0, 64.0, 256.0, 256.0]
    # batch 8 decodes 8 / (0.008 + 0.0016) = 833 tok/s/gpu: below the SLO
    assert not np.asarray(st.feasible[0]).any() and np.asarray(st.feasible[1:]).all()
    # cheapest across batches: the largest batch (cost per token falls with the batch)
    assert st.models[int(st.cross.points.cheapest.model)] == "nano@b256"


@pytest.mark.parametrize(
    ("srv", "exc", "word"),
    [(frontier.Serving(t0=-0.001, slope=1e-4, gpu_hour=1.0), ValueError, "serving.t0"),
     (frontier.Serving(t0=0.001, slope=1e-4, gpu_hour=float("nan")), ValueError,
      "serving.gpu_hour"),
     (frontier.Serving(t0=0.001, slope=1e-4, gpu_hour=1.0, batch=0.5), ValueError,
      "serving.batch"),
     (frontier.Serving(t0=0.001, slope=1e-4, gpu_hour=1.0, batch=[4, 4]), ValueError,
      "duplicates"),
     (frontier.Serving(t0=0.001, slope=1e-4, gpu_hour=1.0, num_gpus=0), ValueError,
      "serving.num_gpus"),
     (frontier.Serving(t0=0.001, slope=1e-4, gpu_hour=1.0, cov=np.eye(2)), ValueError,
      "serving.cov"),
     (frontier.Serving(t0=0.0, slope=0.0, gpu_hour=1.0), ValueError, r"t0 \+ slope"),
     ({"t0": 0.001}, TypeError, "serving")],
)
def test_bad_serving_names_the_field(srv, exc, word):
    with pytest.raises(exc, match=word):
        frontier.sample(CAT["gpt5"], 4, key=0, num_trials=10, serving=srv)


@pytest.mark.parametrize(
    ("df", "kw", "word"),
    [(pd.DataFrame({"max_concurrency": [1, 2], "mean_tpot_ms": [5.0, 6.0]}), {}, "at least 3"),
     (pd.DataFrame({"max_concurrency": [1, 2, 4, 8]}), {}, "tpot"),
     (pd.DataFrame({"mean_tpot_ms": [5.0, 6.0, 7.0]}), {}, "concurrency"),
     (pd.DataFrame({"max_concurrency": [1, 2, 4], "mean_tpot_ms": [5.0, 6.0, 7.0],
                    "num_gpus": [1, 2, 2]}), {}, "num_gpus"),
     (pd.DataFrame({"max_concurrency": [4, 4, 4], "mean_tpot_ms": [5.0, 6.0, 7.0]}), {},
      "two concurrencies"),
     (pd.DataFrame({"max_concurrency": [1, 2, 4], "mean_tpot_ms": [5.0, 6.0, 7.0]}),
      {"weights": "inverse_variance"}, "std_tpot_ms"),
     (pd.DataFrame({"max_concurrency": [1, 2, 4], "mean_tpot_ms": [5.0, 6.0, 7.0]}),
      {"tpot": "p99_tpot_ms"}, "p99_tpot_ms"),
     (pd.DataFrame({"max_concurrency": [1, np.nan, 4, 8], "mean_tpot_ms": [5.0, 6.0, 7.0,
                                                                           np.nan]}), {},
      "2 usable rows")],
)
def test_bad_calibration_tables(df, kw, word):
    with pytest.raises(ValueError, match=word):
        frontier.calibrate_serving(df, **kw)
    with pytest.raises(TypeError, match="DataFrame"):
        frontier.calibrate_serving([1, 2, 3])


def test_optimize_over_chosen_objectives_finds_their_front():
    srv = frontier.Serving(t0=0.008, slope=2e-4, gpu_hour=2.0, batch=[8, 64, 256])
    st = frontier.optimize({"nano": CAT["gpt5-nano"]}, budget=None, ks=(1, 4, 8), key=0,
                           num_trials=200, serving=srv, latency="ttft",
                           objectives=["usd_per_mtok", "e2e", "accuracy"])
    t = st.table
    x = np.stack([np.asarray(t.stat("usd_per_mtok")), np.asarray(t.stat("e2e")),
                  -np.asarray(t.stat("accuracy"))], 1)
    dominated = np.array([any(np.all(x[j] <= x[i]) and np.any(x[j] < x[i])
                              for j in range(len(x))) for i in range(len(x))])
    np.testing.assert_array_equal(np.asarray(st.cross.pareto).reshape(-1), ~dominated)
    assert not np.asarray(st.points.cheapest.found).any()  # cost is not an objective here
    assert np.asarray(st.points.accuracy.found).all()
