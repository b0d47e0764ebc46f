"""Non-dominated sets and Pareto ranks: frontier vs moocore, paretoset (numba) and pymoo.

Same process, same data: values are drawn in float32 and handed to the peers as float64
(identical values; the peers compute in float64). Inputs are built and frontier's kernels
compiled outside the timer; each round times ``jax.block_until_ready(fn(x))``.

Data: ``uniform`` (i.i.d. U(0, 1)) and ``mc``, "Monte-Carlo-like": points on a thin
correlated trade-off curve with Gaussian noise, rounded to 0.01, so there are many ties and
exact duplicates. Sizes are decades from 1e4 up to ``FRONTIER_BENCH_MAX_N`` (default 1e6; the
issue's grid goes to 1e7), ``m`` in {2, 3, 5}. Pareto ranks stop at
``FRONTIER_BENCH_RANK_MAX_N`` (default 1e5: non-dominated sorting of 1e6 points takes seconds
to minutes for every implementation here). pymoo's ``find_non_dominated`` and
``NonDominatedSorting`` call moocore in the installed version (pymoo >= 0.6.1), so they measure
moocore plus pymoo's overhead; they are skipped above 1e6 points. botorch is benchmarked only
if importable.

    pytest benchmarks/bench_dominance.py                         # up to 1e6 (a few minutes)
    FRONTIER_BENCH_MAX_N=1e7 pytest benchmarks/bench_dominance.py
    pytest benchmarks/bench_dominance.py -k "m3 and uniform"
"""

from __future__ import annotations

import functools
import importlib.util
import os

import jax
import jax.numpy as jnp
import moocore
import numpy as np
import pytest

import frontier

MAX_N = int(float(os.environ.get("FRONTIER_BENCH_MAX_N", "1e6")))
RANK_MAX_N = int(float(os.environ.get("FRONTIER_BENCH_RANK_MAX_N", "1e5")))
SIZES = [n for n in (10_000, 100_000, 1_000_000, 10_000_000) if n <= MAX_N]
MS = (2, 3, 5)
KINDS = ("uniform", "mc")
PEER_MAX_N = {"pymoo": 1_000_000, "botorch": 100_000}
HAVE = {
    "paretoset": importlib.util.find_spec("paretoset") is not None,
    "pymoo": importlib.util.find_spec("pymoo") is not None,
    "botorch": importlib.util.find_spec("botorch") is not None,
}


@functools.lru_cache(maxsize=4)
def data(kind: str, n: int, m: int):
    """``(jax float32 array, numpy float64 array)`` holding the same values."""
    rng = np.random.default_rng(1234 + 7 * n + m)
    if kind == "uniform":
        x = rng.random((n, m), dtype=np.float32)
    else:
        t = rng.random(n)
        curve = [t, 1 - t, (t - 0.5) ** 2, np.sqrt(t), 1 - t**2][:m]
        x = np.stack(curve, axis=1) + 0.02 * rng.standard_normal((n, m))
        x = np.round(x, 2).astype(np.float32)
    xj = jax.block_until_ready(jnp.asarray(x))
    return xj, x.astype(np.float64)


def _nd_fn(peer: str, m: int):
    if peer == "frontier":
        return lambda x: frontier.is_nondominated(x[0])
    if peer == "moocore":
        return lambda x: moocore.is_nondominated(x[1])
    if peer == "paretoset":
        import paretoset

        return lambda x: paretoset.paretoset(x[1], sense=["min"] * m, distinct=True, use_numba=True)
    if peer == "pymoo":
        from pymoo.util.nds.non_dominated_sorting import find_non_dominated

        return lambda x: find_non_dominated(x[1])  # indices, keeps every copy
    if peer == "botorch":
        import torch
        from botorch.utils.multi_objective.pareto import is_non_dominated

        return lambda x: is_non_dominated(-torch.from_numpy(x[1]), deduplicate=True)
    raise AssertionError(peer)


def _rank_fn(peer: str):
    if peer == "frontier":
        return lambda x: frontier.pareto_rank(x[0])
    if peer == "moocore":
        return lambda x: moocore.pareto_rank(x[1])
    if peer == "pymoo":
        from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

        return lambda x: NonDominatedSorting().do(x[1], return_rank=True)[1]
    raise AssertionError(peer)


def _skip_peer(peer: str, n: int):
    if peer != "frontier" and peer != "moocore" and not HAVE[peer]:
        pytest.skip(f"{peer} is not installed")
    if n > PEER_MAX_N.get(peer, n):
        pytest.skip(f"{peer} skipped above {PEER_MAX_N[peer]:.0e} points")


def _as_mask(peer: str, out, n: int) -> np.ndarray:
    if peer == "pymoo":
        mask = np.zeros(n, bool)
        mask[np.asarray(out)] = True
        return mask
    return np.asarray(out).astype(bool).reshape(n)


def _time(benchmark, fn, x, n):
    jax.block_until_ready(fn(x))  # compile (jax, numba) outside the timer
    rounds = 3 if n >= 1_000_000 else 5
    return benchmark.pedantic(
        lambda: jax.block_until_ready(fn(x)), rounds=rounds, warmup_rounds=1, iterations=1
    )


def _info(peer, kind, n, m, fn_name):
    method = "auto"
    if peer == "frontier":
        sel = _dominance_method(fn_name, n, m)
        method = f"auto->{sel}"
    return dict(
        n=n,
        m=m,
        data=kind,
        peer=peer,
        method=method,
        dtype_frontier="float32",
        dtype_peer="float64",
        function=fn_name,
    )


def _dominance_method(fn_name, n, m):
    from frontier import _methods

    if fn_name == "is_nondominated":
        return _methods.nondominated_method("auto", n, m)
    return _methods.rank_method("auto", n, m)


@pytest.mark.parametrize("peer", ["frontier", "moocore", "paretoset", "pymoo", "botorch"])
@pytest.mark.parametrize("m", MS, ids=lambda m: f"m{m}")
@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"n{n:.0e}")
@pytest.mark.parametrize("kind", KINDS)
def test_is_nondominated(benchmark, recorder, kind, n, m, peer):
    _skip_peer(peer, n)
    x = data(kind, n, m)
    fn = _nd_fn(peer, m)
    out = _time(benchmark, fn, x, n)
    if n == SIZES[0]:  # check against moocore at the smallest size
        ref = moocore.is_nondominated(x[1], keep_weakly=peer == "pymoo")
        np.testing.assert_array_equal(_as_mask(peer, out, n), ref)
    recorder(
        f"is_nondominated {kind} n={n:.0e} m={m}",
        peer,
        benchmark,
        **_info(peer, kind, n, m, "is_nondominated"),
    )


@pytest.mark.parametrize("peer", ["frontier", "moocore", "pymoo"])
@pytest.mark.parametrize("m", MS, ids=lambda m: f"m{m}")
@pytest.mark.parametrize("n", [n for n in SIZES if n <= RANK_MAX_N], ids=lambda n: f"n{n:.0e}")
@pytest.mark.parametrize("kind", KINDS)
def test_pareto_rank(benchmark, recorder, kind, n, m, peer):
    _skip_peer(peer, n)
    x = data(kind, n, m)
    fn = _rank_fn(peer)
    out = _time(benchmark, fn, x, n)
    if n == SIZES[0]:
        np.testing.assert_array_equal(np.asarray(out), moocore.pareto_rank(x[1]))
    recorder(
        f"pareto_rank {kind} n={n:.0e} m={m}",
        peer,
        benchmark,
        **_info(peer, kind, n, m, "pareto_rank"),
    )
