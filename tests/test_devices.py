"""summarize / optimize over several local devices: the same statistics for a fixed key.

The main test process has one CPU device, so the multi-device checks run in a subprocess
with ``XLA_FLAGS=--xla_force_host_platform_device_count=4`` and compare 1, 2 and 4 devices
and two chunk sizes there. Every statistic and every selection is compared bit for bit:
the per-block sums are folded in trial order on one device whatever the number of devices,
and the exact path reduces on one device.
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
