"""Hypervolume and knees against moocore, in the same process.

Target (issue "Pareto kernels"): the exact 3-D hypervolume of 10^4 points within 2x of
moocore on a 2-core CPU. Sizes follow a geometric grid 10^3 .. 10^5 for two kinds of sets:
``front`` (every point on the unit sphere's positive orthant, all non-dominated, the hard
case) and ``random`` (uniform in the cube, ~40 non-dominated points at 10^4). Contributions
(1e3 and 1e4 rows, up to ``FRONTIER_BENCH_HVC_MAX``) are compared with moocore's fast default
on fronts (every row non-dominated, so the definitions agree) and with
``ignore_dominated=False``, frontier's definition, on random sets.

    pytest benchmarks/bench_hypervolume.py
    FRONTIER_BENCH_HV_MAX=10000 pytest benchmarks/bench_hypervolume.py   # quicker
    FRONTIER_BENCH_HVC_MAX=1e5 FRONTIER_BENCH_TAG=hvc \
        pytest benchmarks/bench_hypervolume.py -k contributions
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import moocore
import numpy as np
import pytest

import frontier
from frontier.kernels import hypervolume as K

HV_MAX = int(float(os.environ.get("FRONTIER_BENCH_HV_MAX", "1e5")))
SIZES = tuple(n for n in (1_000, 3_162, 10_000, 31_623, 100_000) if n <= HV_MAX)
ROUNDS = 15


def _pedantic(benchmark, fn, rounds=ROUNDS):
    jax.block_until_ready(fn())  # compile outside the timer
    return benchmark.pedantic(lambda: jax.block_until_ready(fn()), rounds=rounds,
                              warmup_rounds=1, iterations=1)


def point_set(kind: str, n: int, m: int) -> np.ndarray:
    rng = np.random.default_rng(n * 10 + m)
    if kind == "front":
        x = np.abs(rng.normal(size=(n, m)))
        return 1.0 - x / np.linalg.norm(x, axis=1, keepdims=True)
    return rng.random((n, m))


def _info(n, m, kind, method):
    d = jax.devices()[0]
    return dict(n=n, m=m, kind=kind, method=method, backend=jax.default_backend(),
                device_kind=d.device_kind)


@pytest.mark.parametrize("kind", ["front", "random"])
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("impl", ["frontier", "kernel", "moocore"])
def test_hv3(benchmark, recorder, impl, n, kind):
    x64 = point_set(kind, n, 3)
    ref = np.full(3, 1.1)
    x = jnp.asarray(x64, jnp.float32)
    r = jnp.asarray(ref, jnp.float32)
    if impl == "moocore":
        benchmark.pedantic(lambda: moocore.hypervolume(x64, ref=ref), rounds=ROUNDS,
                           warmup_rounds=1, iterations=1)
    elif impl == "kernel":  # no padding, no wrapper: the sweep itself
        _pedantic(benchmark, lambda: K.hv3(x, r))
    else:
        _pedantic(benchmark, lambda: frontier.hypervolume(x, r))
    if n == SIZES[0] and impl != "moocore":
        got = float(frontier.hypervolume(x, r))
        want = moocore.hypervolume(np.asarray(x, np.float64), ref=ref)
        assert got == pytest.approx(want, rel=1e-6)
    recorder(f"exact HV m=3 {kind} n={n}", impl, benchmark, **_info(n, 3, kind, "hv3"))


@pytest.mark.parametrize("kind", ["front", "random"])
@pytest.mark.parametrize("n", [s for s in SIZES if s in (10_000, 100_000)] or SIZES[-1:])
@pytest.mark.parametrize("impl", ["frontier", "moocore"])
def test_hv2(benchmark, recorder, impl, n, kind):
    x64 = point_set(kind, n, 2)
    ref = np.full(2, 1.1)
    x = jnp.asarray(x64, jnp.float32)
    if impl == "moocore":
        benchmark.pedantic(lambda: moocore.hypervolume(x64, ref=ref), rounds=ROUNDS,
                           warmup_rounds=1, iterations=1)
    else:
        _pedantic(benchmark, lambda: frontier.hypervolume(x, ref))
        want = moocore.hypervolume(np.asarray(x, np.float64), ref=ref)
        assert float(frontier.hypervolume(x, ref)) == pytest.approx(want, rel=1e-6)
    recorder(f"exact HV m=2 {kind} n={n}", impl, benchmark, **_info(n, 2, kind, "hv2"))


@pytest.mark.parametrize("impl", ["frontier", "moocore DZ2019-MC"])
def test_hv_approx_throughput(benchmark, recorder, impl):
    n, m, samples = 1_000, 4, 2**18
    x64 = point_set("front", n, m)
    ref = np.full(m, 1.1)
    x = jnp.asarray(x64, jnp.float32)
    if impl == "frontier":
        _pedantic(benchmark, lambda: frontier.hv_approx(x, ref, key=0, num_samples=samples),
                  rounds=5)
    else:
        benchmark.pedantic(
            lambda: moocore.hv_approx(x64, ref=ref, nsamples=samples, seed=0,
                                      method="DZ2019-MC"),
            rounds=5, warmup_rounds=1, iterations=1)
    recorder(f"hv_approx m={m} n={n} {samples} samples", impl, benchmark,
             items=samples, unit="samples", num_samples=samples, **_info(n, m, "front", "mc"))


HVC_MAX = int(float(os.environ.get("FRONTIER_BENCH_HVC_MAX", "1e4")))
HVC_CASES = [(kind, n) for kind in ("front", "random") for n in (1_000, 10_000, 100_000)
             if n <= HVC_MAX]


def _moocore_hvc(x, ref, kind):
    # On a front every row is non-dominated and moocore's fast default
    # (ignore_dominated=True) gives frontier's answer; with dominated rows only
    # ignore_dominated=False does (an O(n^2) path in moocore, fast when the front is small).
    return moocore.hv_contributions(x, ref=ref, ignore_dominated=kind == "front")


@pytest.mark.parametrize(("kind", "n"), HVC_CASES)
def test_hv_contributions_3d(benchmark, recorder, kind, n):
    x = jnp.asarray(point_set(kind, n, 3), jnp.float32)
    ref = np.full(3, 1.1)
    _pedantic(benchmark, lambda: frontier.hv_contributions(x, ref))
    if n == HVC_CASES[0][1]:
        want = _moocore_hvc(np.asarray(x, np.float64), ref, kind)
        np.testing.assert_allclose(np.asarray(frontier.hv_contributions(x, ref)), want,
                                   rtol=1e-4, atol=1e-9)
    recorder(f"hv_contributions m=3 {kind} n={n}", "frontier", benchmark,
             **_info(n, 3, kind, "hvc3"))


@pytest.mark.parametrize(("kind", "n"), HVC_CASES)
def test_hv_contributions_3d_moocore(benchmark, recorder, kind, n):
    x = point_set(kind, n, 3)
    # moocore's exact path with dominated rows is O(n^2): 3 rounds at 10^5 random rows
    rounds = 3 if kind == "random" and n > 10_000 else ROUNDS
    benchmark.pedantic(lambda: _moocore_hvc(x, np.full(3, 1.1), kind), rounds=rounds,
                       warmup_rounds=1, iterations=1)
    recorder(f"hv_contributions m=3 {kind} n={n}", "moocore", benchmark,
             **_info(n, 3, kind, "hvc3"))


@pytest.mark.parametrize("method", ["utopia", "chord", "curvature", "paper"])
def test_knee(benchmark, recorder, method):
    n = 128
    k = np.arange(1, n + 1, dtype=np.float32) * 4
    front = jnp.asarray(np.stack([0.003 * k, 0.4 * k, 0.99 - 0.2 * np.exp(-k / 15)], 1),
                        jnp.float32)
    t = jnp.asarray(k) if method == "curvature" else None
    _pedantic(benchmark, lambda: frontier.knee(front, method=method, t=t,
                                               maximise=[False, False, True]).score)
    recorder(f"knee n={n} m=3", method, benchmark, **_info(n, 3, "front", method))
