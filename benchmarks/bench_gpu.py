"""The accelerator targets of issue "Scale", measured on whatever backend JAX runs on.

Peers run in the same process on the same data: frontier on the default device (the GPU on
a device machine), frontier pinned to the host CPU (``frontier-cpu``) and moocore (if
installed; float64 copies of the same values). Inputs are built and kernels compiled outside
the timer; each round times ``jax.block_until_ready(fn(x))``.

Targets (on an H100/H200):

* sampling: ``summarize`` / ``sample`` at >= 80% of raw ``jax.random.normal`` throughput
  (the same number of normals, cache-sized chunks) and >= 1e10 inference draws/s;
* ``is_nondominated`` of 1e7 and 1e8 3-D points >= 50x the best CPU peer;
* batched dominance: 1e5 sets x 64 points x 3 objectives;
* the default study (nine models, k = 4..128 step 4) at 10^6 and 10^8 trials.

Sizes (``FRONTIER_BENCH_SIZE=gpu`` sets the GPU ones, see ``benchmarks/conftest.py``):
``FRONTIER_BENCH_GPU_TRIALS`` (default 1e6), ``FRONTIER_BENCH_GPU_ND`` (comma-separated point
counts, default 1e6), ``FRONTIER_BENCH_GPU_SETS`` (default 1e4),
``FRONTIER_BENCH_GPU_STUDY`` (default 1e5) and ``FRONTIER_BENCH_GPU_CPU_PEER_MAX`` (largest
size the CPU peers run at, default 1e6). Above 1e7 points the quadratic methods
(``"dense"``, ``"blocked"``) are skipped.

    FRONTIER_BENCH_SIZE=gpu pytest benchmarks/bench_gpu.py      # on the device machine
    FRONTIER_BENCH_SIZE=tiny pytest benchmarks/bench_gpu.py     # plumbing check on CPU
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os

import jax
import numpy as np
import pytest
from bench_sampling import raw_normal_chunks  # the same peer as on the CPU

import frontier
from frontier import _dominance


def _nid(n: int) -> str:
    """``n1e7`` (a ``-k``-friendly id; pytest rejects ``+`` in ``-k`` expressions)."""
    return "n" + f"{n:.0e}".replace("e+0", "e").replace("e+", "e")


def _ints(name: str, default: str) -> list[int]:
    return [int(float(v)) for v in os.environ.get(name, default).split(",") if v.strip()]


TRIALS = _ints("FRONTIER_BENCH_GPU_TRIALS", "1e6")[0]
ND = _ints("FRONTIER_BENCH_GPU_ND", "1e6")
SETS = _ints("FRONTIER_BENCH_GPU_SETS", "1e4")[0]
STUDY = _ints("FRONTIER_BENCH_GPU_STUDY", "1e5")
CPU_PEER_MAX = _ints("FRONTIER_BENCH_GPU_CPU_PEER_MAX", "1e6")[0]
QUADRATIC_MAX = 10_000_000
HAVE_MOOCORE = importlib.util.find_spec("moocore") is not None
CPU = jax.devices("cpu")[0]
ACCEL = jax.default_backend() != "cpu"

KMAX = 256
KS = tuple(range(4, KMAX + 1, 4))
MODEL = frontier.catalog()["gpt5-mini"]


def _pedantic(benchmark, fn, rounds: int = 3, warmup: int = 1):
    jax.block_until_ready(fn())  # compile outside the timer
    return benchmark.pedantic(lambda: jax.block_until_ready(fn()), rounds=rounds,
                              warmup_rounds=warmup, iterations=1)


def _on(peer: str):
    return jax.default_device(CPU) if peer == "frontier-cpu" else contextlib.nullcontext()


# ----------------------------------------------------------------------------- sampling
SAMPLING = f"gpu sampling {TRIALS} trials x k_max {KMAX}"


def test_sampling_raw_normal(benchmark, recorder):
    """The generator at its best: cache-sized chunks, each reduced so nothing big is kept."""
    f, items = raw_normal_chunks(TRIALS, KMAX)
    key = jax.random.key(0)
    _pedantic(benchmark, lambda: f(key))
    recorder(SAMPLING, "raw jax.random.normal, cache-sized chunks", benchmark, items=items,
             unit="draw-equivalents")


def test_sampling_summarize(benchmark, recorder):
    _pedantic(benchmark, lambda: frontier.summarize(MODEL, KS, key=0, num_trials=TRIALS,
                                                     quantile_method="sketch").cost.mean)
    recorder(SAMPLING, "frontier.summarize (crn, sketch)", benchmark, items=TRIALS * KMAX,
             unit="draws", n=TRIALS, k_max=KMAX)


def test_sampling_sample(benchmark, recorder):
    out = _pedantic(benchmark, lambda: frontier.sample(MODEL, KS, key=0, num_trials=TRIALS))
    if out.cost.shape != (len(KS), TRIALS):
        raise AssertionError(out.cost.shape)
    recorder(SAMPLING, "frontier.sample (crn, 64 k values)", benchmark, items=TRIALS * KMAX,
             unit="draws", n=TRIALS, k_max=KMAX)


# ------------------------------------------------------------------------ non-dominated
@functools.lru_cache(maxsize=2)
def _points(kind: str, n: int, m: int = 3) -> np.ndarray:
    rng = np.random.default_rng(1234 + 7 * n + m)
    if kind == "uniform":
        return rng.random((n, m), dtype=np.float32)
    t = rng.random(n, dtype=np.float32)
    x = np.stack([t, 1 - t, (t - 0.5) ** 2], axis=1)
    x += np.float32(0.02) * rng.standard_normal((n, m), dtype=np.float32)
    return np.round(x, 2).astype(np.float32)


ND_PEERS = ["frontier-auto", "frontier-filter", "frontier-cpu", "moocore"]


def _nd_cases():
    for n in ND:
        for kind in ("uniform", "mc") if n <= 10_000_000 else ("uniform",):
            for peer in ND_PEERS:
                yield pytest.param(kind, n, peer, id=f"nondominated-{kind}-{_nid(n)}-{peer}")


@pytest.mark.parametrize(("kind", "n", "peer"), list(_nd_cases()))
def test_nondominated_3d(benchmark, recorder, kind, n, peer):
    if peer in ("frontier-cpu", "moocore") and n > CPU_PEER_MAX:
        pytest.skip(f"CPU peers run up to {CPU_PEER_MAX:.0e} points")
    if peer == "moocore" and not HAVE_MOOCORE:
        pytest.skip("moocore is not installed")
    x = _points(kind, n)
    if peer == "moocore":
        import moocore

        x64 = x.astype(np.float64)
        fn, label = (lambda: moocore.is_nondominated(x64)), "moocore"
    else:
        method = {"frontier-filter": "filter"}.get(peer, "auto")
        with _on(peer):
            resolved = _dominance._nd_method(method, n, 3)
            if resolved in ("dense", "blocked") and n > QUADRATIC_MAX:
                pytest.skip(f"method {resolved!r} is O(n^2): skipped above {QUADRATIC_MAX:.0e}")
            xj = jax.block_until_ready(jax.device_put(x, CPU if peer == "frontier-cpu" else None))

        def fn():
            with _on(peer):
                return frontier.is_nondominated(xj, method=method)

        label = f"{method}->{resolved}"
    big = n >= 10_000_000
    out = _pedantic(benchmark, fn, rounds=1 if big else 3, warmup=0 if big else 1)
    mask = np.asarray(out)
    if n <= 1_000_000:  # the same answer as the CPU (frontier's dense/filter on the host)
        with jax.default_device(CPU):
            ref = np.asarray(frontier.is_nondominated(jax.device_put(x, CPU), method="filter"))
        np.testing.assert_array_equal(mask, ref)
    recorder(f"is_nondominated {kind} n={n:.0e} m=3", peer, benchmark, n=n, m=3, data=kind,
             peer=peer, method=label, items=n, unit="points",
             num_nondominated=int(mask.sum()))


# ---------------------------------------------------------------------------- batched
@pytest.mark.parametrize("peer", ["frontier", "frontier-cpu"])
def test_nondominated_batch(benchmark, recorder, peer):
    if peer == "frontier-cpu" and SETS > CPU_PEER_MAX // 10:
        pytest.skip(f"CPU peer: at most {CPU_PEER_MAX // 10} sets")
    rng = np.random.default_rng(7)
    x = rng.random((SETS, 64, 3), dtype=np.float32)
    with _on(peer):
        xj = jax.block_until_ready(jax.device_put(x, CPU if peer == "frontier-cpu" else None))

    def fn():
        with _on(peer):
            return frontier.is_nondominated_batch(xj)

    out = _pedantic(benchmark, fn)
    with jax.default_device(CPU):
        ref = np.asarray(frontier.is_nondominated_batch(jax.device_put(x[:64], CPU)))
    np.testing.assert_array_equal(np.asarray(out)[:64], ref)
    recorder(f"is_nondominated_batch {SETS} sets x 64 x 3", peer, benchmark, sets=SETS, n=64,
             m=3, items=SETS, unit="sets")


# ------------------------------------------------------------------------------ study
CAT = frontier.catalog()
BUDGET = (0.5, 60.0, 0.88)
STUDY_KS = tuple(range(4, 129, 4))


@pytest.mark.parametrize("n", STUDY, ids=_nid)
def test_study(benchmark, recorder, n):
    def run():
        st = frontier.optimize(CAT, budget=BUDGET, ks=STUDY_KS, key=42, num_trials=n)
        return jax.tree.leaves((st.points, st.cross))

    big = n >= 10_000_000
    _pedantic(benchmark, run, rounds=1, warmup=0 if big else 1)
    recorder(f"study: 9 models, k = 4..128 step 4, {n:.0e} trials", "frontier.optimize",
             benchmark, n=n, items=n * 128 * len(CAT), unit="draws", accelerator=ACCEL)
