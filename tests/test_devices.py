"""``devices=`` over several local devices: the same results for a fixed key.

The main test process has one CPU device, so the multi-device checks run in one subprocess
with ``XLA_FLAGS=--xla_force_host_platform_device_count=4`` and compare 1, 2 and 4 devices
there: summarize (two chunk sizes, the per-block sums gathered in one or several segments)
and optimize, bit for bit (the per-block sums are folded in trial order on one device
whatever the number of devices, and the exact path reduces on one device); sample, bit for
bit; is_nondominated_batch and pareto_rank_batch, exactly; sensitivity, to its stated
tolerance (1e-6 of each array's largest magnitude).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest

import frontier
from frontier._devices import resolve_devices

_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import jax
    import numpy as np
    import frontier
    from frontier import _devices
    from frontier._sampling import _atom_outcomes

    jax.config.update("jax_numpy_dtype_promotion", "strict")
    jax.config.update("jax_numpy_rank_promotion", "raise")
    out = {"num_devices": len(jax.local_devices())}
    cat = frontier.catalog()
    models = [cat["gpt5-nano"], cat["gpt5-mini"]]

    def stats(s):
        return {f: [np.asarray(getattr(getattr(s, f), g)).tolist()
                    for g in ("mean", "std", "min", "max", "quantiles")]
                for f in ("cost", "time", "accuracy")}

    runs = {}
    for qm in ("exact", "sketch"):
        for d in (1, 2, 4):
            for cs in (None, 4096):
                s = frontier.summarize(models, [2, 8], key=3, num_trials=20_000, devices=d,
                                       quantile_method=qm, chunk_size=cs)
                runs[f"{qm}/{d}/{cs}"] = stats(s)
        s = frontier.summarize(models, [2, 8], key=3, num_trials=20_000, quantile_method=qm,
                               devices=jax.local_devices()[1:3])  # not the default device
        runs[f"{qm}/sub/None"] = stats(s)
    out["runs"] = runs
    # the default uses every local device
    out["default"] = stats(frontier.summarize(models, [2, 8], key=3, num_trials=20_000,
                                              quantile_method="sketch"))
    # the trials really are spread: the outcomes live on all four devices
    plan = frontier._sampling._prepare(models, [2, 8], 3, 1000, None, "crn", "paper", None,
                                       None, None, None)
    x = _devices.sharded_blocks(_atom_outcomes, plan.key, plan.dyn, num_trials=1000,
                                batch=256, devices=tuple(jax.local_devices()),
                                ks=plan.order, scheme="crn", time_model="paper",
                                ext=plan.ext, dtype=plan.dtype)
    out["outcome_devices"] = len(x.sharding.device_set)
    out["outcomes_equal"] = bool(np.array_equal(
        np.asarray(x), np.asarray(frontier._sampling._all_outcomes(plan, 1000))))
    studies = {}
    for d in (1, 4):
        st = frontier.optimize(cat, budget=(0.5, 60.0, 0.88), ks=tuple(range(4, 33, 4)),
                               key=42, num_trials=3000, devices=d)
        leaves = jax.tree.leaves((st.feasible, st.pareto, st.points, st.cross))
        studies[d] = [(np.asarray(v).dtype.kind, np.asarray(v).tolist()) for v in leaves]
    out["studies"] = studies
    # the per-block sums gathered in several segments: the same statistics
    _devices.SEGMENT_BYTES = 3000
    out["segments"] = stats(frontier.summarize(models, [2, 8], key=3, num_trials=20_000,
                                               quantile_method="sketch", chunk_size=4096))
    _devices.SEGMENT_BYTES = 1 << 26

    def leaves(x):
        return [np.asarray(a) for a in jax.tree.leaves(x)]

    # sample: the same outcomes on 1 and 4 devices (paper and extended paths), spread
    samples = {}
    for name, kw in (("paper", {}), ("ttft", {"latency": "ttft"}), ("batch", {"batch_size": 100})):
        one = leaves(frontier.sample(models, [8, 2, 4], key=1, num_trials=1001, devices=1, **kw))
        x = frontier.sample(models, [8, 2, 4], key=1, num_trials=1001, **kw)
        samples[name] = {"equal": all(np.array_equal(a, b) for a, b in zip(one, leaves(x))),
                         "n": len(one), "spread": len(x.cost.sharding.device_set)}
    out["sample"] = samples
    # the batched Pareto wrappers: 15 sets (padded to 16) over 4 devices, or 2 of them
    rng = np.random.default_rng(0)
    pts = rng.random((3, 5, 40, 3)).astype(np.float32)
    pts[0, 0, 3] = np.nan
    pts[1, 1, :5] = pts[1, 1, 5:10]
    pareto = {}
    for fn in (frontier.is_nondominated_batch, frontier.pareto_rank_batch):
        for method in ("auto", "blocked", "filter"):
            for kw in ({}, {"maximise": [True, False, False]}):
                one = np.asarray(fn(pts, method=method, devices=1, **kw))
                four = fn(pts, method=method, **kw)
                two = np.asarray(fn(pts, method=method, devices=jax.local_devices()[2:], **kw))
                pareto[f"{fn.__name__}/{method}/{bool(kw)}"] = {
                    "equal": bool(np.array_equal(one, four) and np.array_equal(one, two)),
                    "spread": len(four.sharding.device_set), "dtype": str(four.dtype),
                    "shape": list(four.shape), "varied": bool(len(np.unique(one)) > 1)}
    out["pareto"] = pareto
    # sensitivity: 3 key batches (padded to 4) over 4 devices; paper and extension paths
    from frontier import aggregation as agg
    sens = {}
    for name, mods, acc_min, kw in (
            ("paper", models, 0.88, {}),
            ("pass@k", models[1], 0.5, {"aggregation": agg.PassAtK(agg.Beta(1.0, 1.5))})):
        base = dict(budget=(0.5, 60.0, acc_min), k_max=16, key=0, num_trials=1536,
                    num_batches=3, **kw)
        a = frontier.sensitivity(mods, devices=1, **base)
        b = frontier.sensitivity(mods, **base)
        sens[name] = {f: [np.asarray(getattr(a, f)).tolist(), np.asarray(getattr(b, f)).tolist()]
                      for f in ("value", "value_se", "grad", "grad_se", "hard_k")}
    out["sensitivity"] = sens
    json.dump(out, sys.stdout)
    """
)


@pytest.fixture(scope="module")
def four_devices():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4",
               JAX_PLATFORMS="cpu")
    res = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True,
                         text=True, timeout=600)
    if res.returncode != 0:
        raise AssertionError(res.stderr[-4000:])
    return json.loads(res.stdout)


def _same(a, b):
    for f in ("cost", "time", "accuracy"):
        for name, x, y in zip(("mean", "std", "min", "max", "quantiles"), a[f], b[f],
                              strict=True):
            np.testing.assert_array_equal(np.asarray(y), np.asarray(x), err_msg=f"{f} {name}")


def test_subprocess_sees_four_devices_and_spreads_the_outcomes(four_devices):
    assert four_devices["num_devices"] == 4
    assert four_devices["outcome_devices"] == 4
    assert four_devices["outcomes_equal"]


@pytest.mark.parametrize("quantile_method", ["exact", "sketch"])
def test_summarize_same_statistics_on_1_2_4_devices_and_any_chunk(four_devices,
                                                                   quantile_method):
    runs = four_devices["runs"]
    base = runs[f"{quantile_method}/1/None"]
    for d in (1, 2, 4):
        for cs in (None, 4096):
            _same(base, runs[f"{quantile_method}/{d}/{cs}"])
    _same(base, runs[f"{quantile_method}/sub/None"])


def test_summarize_default_uses_all_devices_with_the_same_result(four_devices):
    _same(four_devices["runs"]["sketch/1/None"], four_devices["default"])


def test_optimize_same_fronts_and_selections_on_1_and_4_devices(four_devices):
    one, four = four_devices["studies"]["1"], four_devices["studies"]["4"]
    assert len(one) == len(four) > 10
    assert one == four


def test_summarize_same_statistics_when_the_sums_are_gathered_in_segments(four_devices):
    _same(four_devices["runs"]["sketch/1/None"], four_devices["segments"])


@pytest.mark.parametrize("name", ["paper", "ttft", "batch"])
def test_sample_same_outcomes_on_1_and_4_devices_and_spread(four_devices, name):
    res = four_devices["sample"][name]
    assert res["equal"]
    assert res["n"] == (3 if name != "ttft" else 5)
    assert res["spread"] == 4


def test_pareto_batches_exactly_equal_on_1_2_4_devices(four_devices):
    pareto = four_devices["pareto"]
    assert len(pareto) == 12
    for name, res in pareto.items():
        assert res["equal"], name
        assert res["spread"] == 4, name
        assert res["shape"] == [3, 5, 40], name
        assert res["dtype"] == ("bool" if "nondominated" in name else "int32"), name
        assert res["varied"], name


@pytest.mark.parametrize("name", ["paper", "pass@k"])
def test_sensitivity_same_values_and_gradients_on_1_and_4_devices(four_devices, name):
    res = four_devices["sensitivity"][name]
    np.testing.assert_array_equal(*res["hard_k"])
    for field in ("value", "value_se", "grad", "grad_se"):
        one, four = (np.asarray(a, np.float64) for a in res[field])
        assert np.isfinite(one).all(), field
        # the stated tolerance: 1e-6 of each array's largest magnitude (float32 rounding)
        np.testing.assert_allclose(four, one, rtol=0, atol=1e-6 * np.abs(one).max(),
                                   err_msg=field)


def test_resolve_devices_choices():
    local = jax.local_devices()
    assert resolve_devices() == tuple(local)
    assert resolve_devices(1) == (local[0],)
    assert resolve_devices([local[0]]) == (local[0],)
    assert resolve_devices(local[0]) == (local[0],)


@pytest.mark.parametrize(
    ("devices", "error", "match"),
    [
        (0, ValueError, "between 1 and"),
        (len(jax.local_devices()) + 1, ValueError, "between 1 and"),
        (True, TypeError, "`devices`"),
        ("cpu", TypeError, "`devices`"),
        ([], TypeError, "non-empty"),
        ([0], TypeError, "jax.Device"),
    ],
)
def test_summarize_rejects_bad_devices(devices, error, match):
    with pytest.raises(error, match=match):
        frontier.summarize(frontier.catalog()["gpt5-nano"], [4], key=0, num_trials=10,
                           devices=devices)


def test_summarize_rejects_a_device_listed_twice():
    d = jax.local_devices()[0]
    with pytest.raises(ValueError, match="twice"):
        frontier.summarize(frontier.catalog()["gpt5-nano"], [4], key=0, num_trials=10,
                           devices=[d, d])
