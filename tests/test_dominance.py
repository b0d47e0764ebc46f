"""Dominance: is_nondominated, filter_dominated, pareto_rank, crowding_distance, batches.

Oracles: a NumPy brute force written here, and moocore (which handles neither NaN nor +-inf
the way frontier defines them, so it is compared on finite data and NaN-free subsets).
Compile budget: sizes are chosen so that calls share the size buckets of the wrappers.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import moocore
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import frontier
from frontier import _dominance
from frontier.kernels import dominance as K

METHODS = ("dense", "blocked", "sweep", "filter")
HYP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------------- oracles
def brute_nondominated(x, keep_weakly=False):
    """O(n^2) reference: row q is out if some row p dominates it, or (keep_weakly=False) an
    identical row comes first; NaN rows are out and dominate nothing."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    valid = ~np.isnan(x).any(axis=1)
    le = (x[:, None, :] <= x[None, :, :]).all(-1)  # le[p, q]: p <= q everywhere
    lt = (x[:, None, :] < x[None, :, :]).any(-1)
    first = np.arange(n)[:, None] < np.arange(n)[None, :]
    removes = le & (lt if keep_weakly else (lt | first))
    removes &= valid[:, None] & valid[None, :]
    return valid & ~removes.any(axis=0)


def brute_rank(x):
    x = np.asarray(x, dtype=np.float64)
    valid = ~np.isnan(x).any(axis=1)
    rank = np.zeros(len(x), dtype=np.int32)
    live = valid.copy()
    k = 0
    while live.any():
        front = brute_nondominated(np.where(live[:, None], x, np.nan), keep_weakly=True)
        rank[front] = k
        live &= ~front
        k += 1
    rank[~valid] = k
    return rank


def brute_crowding(x):
    """Deb et al. crowding on one set: +inf at both ends of each objective (when its range is
    positive), neighbour gap / range inside, summed; ties in input order; NaN rows get 0."""
    x = np.asarray(x, dtype=np.float64)
    n, m = x.shape
    valid = ~np.isnan(x).any(axis=1)
    out = np.zeros(n)
    ids = np.flatnonzero(valid)
    for j in range(m):
        order = ids[np.argsort(x[ids, j], kind="stable")]
        v = x[order, j]
        if len(v) == 0:
            continue
        span = v[-1] - v[0]
        for i, row in enumerate(order):
            if span > 0 and (i == 0 or i == len(v) - 1):
                out[row] += np.inf
            elif 0 < i < len(v) - 1 and np.isfinite(span) and span > 0:
                gap = (v[i + 1] - v[i - 1]) / span
                out[row] += gap if np.isfinite(gap) else 0.0
    return out


def random_set(rng, n, m, kind):
    if kind == "uniform":
        x = rng.random((n, m))
    elif kind == "ties":  # small integer grid: many ties and duplicates
        x = rng.integers(0, 4, (n, m)).astype(float)
    elif kind == "dups":
        base = rng.random((max(1, n // 3), m))
        x = base[rng.integers(0, len(base), n)]
    elif kind == "nan":
        x = rng.integers(0, 5, (n, m)).astype(float)
        x[rng.random(n) < 0.2, rng.integers(0, m)] = np.nan
    elif kind == "inf":
        x = rng.integers(0, 5, (n, m)).astype(float)
        x[rng.random((n, m)) < 0.15] = np.inf
        x[rng.random((n, m)) < 0.1] = -np.inf
    else:
        raise AssertionError(kind)
    return x.astype(np.float32)


KINDS = ("uniform", "ties", "dups", "nan", "inf")
CASES = [(0, 2), (1, 1), (2, 2), (7, 1), (7, 3), (40, 3), (40, 5), (130, 2)]


def _skip(method, m):
    if method == "sweep" and m > 3:
        pytest.skip("sweep needs m <= 2 (masks) or m <= 3 (ranks)")


# ---------------------------------------------------------------- oracle agreement, by method
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("n", "m"), CASES)
def test_matches_brute_force(method, n, m):
    _skip(method, m)
    if method == "filter" and (n, m) not in [(0, 2), (7, 1), (40, 5)]:
        pytest.skip("filter: compile budget; its rounds are covered by the kernel tests")
    rng = np.random.default_rng(1000 * n + m)
    for kind in KINDS:
        x = random_set(rng, n, m, kind)
        for kw in (False, True) if method != "sweep" or m <= 2 else ():
            got = frontier.is_nondominated(x, keep_weakly=kw, method=method)
            assert got.dtype == jnp.bool_ and got.shape == (n,)
            np.testing.assert_array_equal(np.asarray(got), brute_nondominated(x, kw), kind)
        got = frontier.pareto_rank(x, method=method)
        assert got.dtype == jnp.int32 and got.shape == (n,)
        np.testing.assert_array_equal(np.asarray(got), brute_rank(x), kind)


@pytest.mark.parametrize("m", [3, 5])
def test_filter_kernel_rounds_small_config(m):
    """The elimination rounds and the pivot sweep only start at thousands of rows with the
    default tuning; a tiny configuration exercises every path at n = 200."""
    cfg = dict(sample_size=16, num_pivots=8, round_block=32, block_size=16, chunk_size=8)
    nd = jax.jit(functools.partial(K.nondominated_filter, **cfg))
    rk = jax.jit(functools.partial(K.pareto_rank_filter, **cfg))
    rng = np.random.default_rng(m)
    for kind in KINDS:
        for _ in range(3):
            x = random_set(rng, 200, m, kind)
            for kw in (False, True):
                np.testing.assert_array_equal(np.asarray(nd(x, kw)), brute_nondominated(x, kw))
            np.testing.assert_array_equal(np.asarray(rk(x)), brute_rank(x))


# ------------------------------------------------------------------------- moocore agreement
def _moocore_nd(x, kw):
    """moocore on the NaN-free rows (moocore lets NaN rows dominate)."""
    out = np.zeros(len(x), bool)
    ok = ~np.isnan(x).any(axis=1)
    if ok.sum() > 0:
        out[ok] = moocore.is_nondominated(x[ok].astype(np.float64), keep_weakly=kw)
    return out


def _moocore_rank(x):
    out = np.zeros(len(x), np.int32)
    ok = ~np.isnan(x).any(axis=1)
    if ok.sum() > 0:
        out[ok] = moocore.pareto_rank(x[ok].astype(np.float64))
    out[~ok] = out[ok].max() + 1 if ok.any() else 0
    return out


@pytest.mark.parametrize("m", [2, 3, 4])
def test_moocore_agreement_thousands_of_sets(m):
    """2000 small sets with ties, duplicates and NaN rows, through the batched API."""
    rng = np.random.default_rng(m)
    b, n = 2000, 24
    x = rng.integers(0, 5, (b, n, m)).astype(np.float32)
    x[:, ::5] = x[:, 1::5][:, : x[:, ::5].shape[1]]  # exact duplicates
    x[rng.random((b, n)) < 0.05, 0] = np.nan
    x[: b // 2] += rng.random((b // 2, n, m)).astype(np.float32)  # half without ties
    masks = {
        kw: np.asarray(frontier.is_nondominated_batch(x, keep_weakly=kw)) for kw in (False, True)
    }
    ranks = np.asarray(frontier.pareto_rank_batch(x))
    for i in range(b):
        for kw in (False, True):
            np.testing.assert_array_equal(masks[kw][i], _moocore_nd(x[i], kw))
        np.testing.assert_array_equal(ranks[i], _moocore_rank(x[i]))


@pytest.mark.parametrize("m", [2, 3])
def test_moocore_agreement_large_sets(m):
    """The "auto" path at a size where the filter rounds run (CPU), with ties and NaN."""
    rng = np.random.default_rng(10 + m)
    n = 6000
    x = np.round(rng.random((n, m)), 2).astype(np.float32)
    x[rng.random(n) < 0.01, m - 1] = np.nan
    for kw in (False, True):
        got = np.asarray(frontier.is_nondominated(x, keep_weakly=kw))
        np.testing.assert_array_equal(got, _moocore_nd(x, kw))
    np.testing.assert_array_equal(np.asarray(frontier.pareto_rank(x)), _moocore_rank(x))


@pytest.mark.parametrize("method", ["filter", "sweep"])
def test_batched_methods_match_moocore(method):
    m = 2 if method == "sweep" else 3
    rng = np.random.default_rng(7)
    x = rng.integers(0, 6, (50, 40, m)).astype(np.float32)
    masks = np.asarray(frontier.is_nondominated_batch(x, method=method))
    ranks = np.asarray(frontier.pareto_rank_batch(x, method=method))
    for i in range(len(x)):
        np.testing.assert_array_equal(masks[i], _moocore_nd(x[i], False))
        np.testing.assert_array_equal(ranks[i], _moocore_rank(x[i]))


# ------------------------------------------------------------------------------ properties
small_sets = (
    st.integers(1, 3)
    .flatmap(
        lambda m: st.lists(
            st.lists(st.integers(-3, 3), min_size=m, max_size=m), min_size=1, max_size=16
        )
    )
    .map(lambda rows: np.asarray(rows, dtype=np.float32))
)


@HYP
@given(x=small_sets, seed=st.integers(0, 2**32 - 1))
def test_permutation_equivariance(x, seed):
    perm = np.random.default_rng(seed).permutation(len(x))
    ranks = np.asarray(frontier.pareto_rank(x))
    np.testing.assert_array_equal(np.asarray(frontier.pareto_rank(x[perm])), ranks[perm])
    weak = np.asarray(frontier.is_nondominated(x, keep_weakly=True))
    np.testing.assert_array_equal(
        np.asarray(frontier.is_nondominated(x[perm], keep_weakly=True)), weak[perm]
    )
    # keep_weakly=False keeps one copy per value: the *set* of kept rows is invariant
    kept = {tuple(r) for r in np.asarray(frontier.filter_dominated(x))}
    assert kept == {tuple(r) for r in np.asarray(frontier.filter_dominated(x[perm]))}
    assert len(kept) == int(np.asarray(frontier.is_nondominated(x)).sum())


MAPS = (lambda v: v**3, np.exp, np.arctan, lambda v: 2.0 * v - 7.0, lambda v: -1.0 / (v + 10))


@HYP
@given(x=small_sets, choice=st.lists(st.integers(0, len(MAPS) - 1), min_size=3, max_size=3))
def test_invariance_under_increasing_maps(x, choice):
    y = np.stack([MAPS[c](x[:, j]) for j, c in zip(range(x.shape[1]), choice)], axis=1)
    y = y.astype(np.float32)
    for kw in (False, True):
        np.testing.assert_array_equal(
            np.asarray(frontier.is_nondominated(y, keep_weakly=kw)),
            np.asarray(frontier.is_nondominated(x, keep_weakly=kw)),
        )
    np.testing.assert_array_equal(
        np.asarray(frontier.pareto_rank(y)), np.asarray(frontier.pareto_rank(x))
    )


@HYP
@given(x=small_sets, seed=st.integers(0, 2**32 - 1))
def test_duplicates_share_ranks(x, seed):
    rng = np.random.default_rng(seed)
    dup = rng.integers(0, len(x), 4)
    y = np.concatenate([x, x[dup]])
    ranks = np.asarray(frontier.pareto_rank(y))
    np.testing.assert_array_equal(ranks[len(x) :], ranks[dup])
    np.testing.assert_array_equal(ranks[: len(x)], np.asarray(frontier.pareto_rank(x)))
    weak = np.asarray(frontier.is_nondominated(y, keep_weakly=True))
    np.testing.assert_array_equal(weak[len(x) :], weak[dup])
    first = np.asarray(frontier.is_nondominated(y))
    assert not first[len(x) :].any()  # later copies never count
    assert first.sum() == len({tuple(r) for r in y[weak]})


# ------------------------------------------------------------------------------ semantics
def test_documented_examples_and_edge_cases():
    assert frontier.is_nondominated(np.zeros((0, 3))).dtype == jnp.bool_
    assert frontier.pareto_rank(np.zeros((0, 3))).dtype == jnp.int32
    assert frontier.crowding_distance(np.zeros((0, 2), np.float32)).dtype == jnp.float32
    assert frontier.filter_dominated(np.zeros((0, 2))).shape == (0, 2)
    np.testing.assert_array_equal(frontier.is_nondominated(np.array([[3.0, 1.0]])), [True])
    np.testing.assert_array_equal(frontier.pareto_rank(np.array([[3.0, 1.0]])), [0])
    one = np.array([[3.0], [1.0], [2.0], [1.0]])
    np.testing.assert_array_equal(frontier.is_nondominated(one), [0, 1, 0, 0])
    np.testing.assert_array_equal(frontier.is_nondominated(one, keep_weakly=True), [0, 1, 0, 1])
    np.testing.assert_array_equal(frontier.pareto_rank(one), [2, 0, 1, 0])
    np.testing.assert_array_equal(frontier.is_nondominated(one, maximise=True), [1, 0, 0, 0])


def test_nan_and_inf_semantics():
    x = np.array([[np.nan, 0.0], [1.0, 1.0], [np.inf, -np.inf], [2.0, 2.0], [-np.inf, np.inf]])
    np.testing.assert_array_equal(frontier.is_nondominated(x), [0, 1, 1, 0, 1])
    np.testing.assert_array_equal(frontier.pareto_rank(x), [2, 0, 0, 1, 0])
    allnan = np.full((3, 2), np.nan)
    np.testing.assert_array_equal(frontier.pareto_rank(allnan), [0, 0, 0])
    np.testing.assert_array_equal(frontier.is_nondominated(allnan), [0, 0, 0])
    assert np.all(np.asarray(frontier.crowding_distance(allnan)) == 0)


def test_maximise_flips_columns():
    rng = np.random.default_rng(3)
    x = random_set(rng, 50, 3, "ties")
    flip = np.array([1.0, -1.0, -1.0], np.float32)
    for kw in (False, True):
        np.testing.assert_array_equal(
            frontier.is_nondominated(x, maximise=[False, True, True], keep_weakly=kw),
            brute_nondominated(x * flip, kw),
        )
    np.testing.assert_array_equal(frontier.pareto_rank(x, maximise=True), brute_rank(-x))


def test_validation_errors():
    x = np.random.default_rng(0).random((5, 3))
    with pytest.raises(TypeError, match="floating"):
        frontier.is_nondominated(np.ones((4, 2), dtype=np.int64))
    with pytest.raises(TypeError):
        frontier.pareto_rank(np.ones((4, 2), dtype=np.int32))
    with pytest.raises(ValueError, match=r"shape \(n, m\)"):
        frontier.is_nondominated(np.ones(4))
    with pytest.raises(ValueError, match="method"):
        frontier.is_nondominated(x, method="fast")
    with pytest.raises(ValueError, match="m <= 2"):
        frontier.is_nondominated(x, method="sweep")
    with pytest.raises(ValueError, match="m <= 3"):
        frontier.pareto_rank(np.ones((5, 4)), method="sweep")
    with pytest.raises(ValueError, match="m <= 3"):
        frontier.pareto_rank_batch(np.ones((2, 5, 4)), method="sweep")
    with pytest.raises(ValueError, match="maximise"):
        frontier.is_nondominated(x, maximise=[True, False])
    with pytest.raises(TypeError, match="keep_weakly"):
        frontier.is_nondominated(x, keep_weakly="yes")
    with pytest.raises(TypeError, match="per_front"):
        frontier.crowding_distance(x, per_front=1)
    with pytest.raises(ValueError):
        frontier.is_nondominated_batch(np.ones(3))


def test_dtypes_preserved_under_x64():
    with jax.enable_x64(True):
        x = np.random.default_rng(0).random((40, 3))
        assert frontier.is_nondominated(x).dtype == jnp.bool_
        assert frontier.pareto_rank(x).dtype == jnp.int32
        assert frontier.crowding_distance(x).dtype == jnp.float64
        assert frontier.filter_dominated(x).dtype == jnp.float64
        assert frontier.pareto_probability(x[None]).dtype == jnp.float64
    assert frontier.crowding_distance(np.ones((3, 2), np.float16)).dtype == jnp.float16


def test_filter_dominated_rows_and_tracing():
    x = np.array([[1.0, 4.0], [2.0, 2.0], [3.0, 3.0], [2.0, 2.0]], np.float32)
    np.testing.assert_array_equal(frontier.filter_dominated(x), x[[0, 1]])
    np.testing.assert_array_equal(frontier.filter_dominated(x, keep_weakly=True), x[[0, 1, 3]])
    np.testing.assert_array_equal(frontier.filter_dominated(x, maximise=True), x[[0, 2]])
    with pytest.raises(TypeError, match="data-dependent"):
        jax.jit(frontier.filter_dominated)(x)


# ------------------------------------------------------------------------------ crowding
def test_crowding_matches_oracle():
    rng = np.random.default_rng(5)
    for kind in ("uniform", "ties", "inf", "nan"):
        for n in (1, 2, 3, 9, 40):
            x = random_set(rng, n, 3, kind)
            got = np.asarray(frontier.crowding_distance(x))
            np.testing.assert_allclose(got, brute_crowding(x), rtol=1e-5, err_msg=kind)
            assert not np.isnan(got).any()


def test_crowding_rules():
    np.testing.assert_array_equal(frontier.crowding_distance(np.array([[1.0, 2.0]])), [0.0])
    np.testing.assert_array_equal(
        frontier.crowding_distance(np.array([[1.0, 2.0], [2.0, 1.0]])), [np.inf, np.inf]
    )
    same = np.ones((4, 2))
    np.testing.assert_array_equal(frontier.crowding_distance(same), np.zeros(4))
    # a degenerate objective adds nothing, the other still gives +inf at both ends
    flat = np.array([[0.0, 5.0], [1.0, 5.0], [3.0, 5.0]])
    np.testing.assert_allclose(frontier.crowding_distance(flat), [np.inf, 1.0, np.inf])


def test_crowding_matches_pymoo_times_m():
    metrics = pytest.importorskip("pymoo.operators.survival.rank_and_crowding.metrics")
    x = np.random.default_rng(11).random((30, 3))
    ref = metrics.calc_crowding_distance(x) * x.shape[1]
    np.testing.assert_allclose(frontier.crowding_distance(x.astype(np.float32)), ref, rtol=1e-5)


def test_crowding_per_front():
    rng = np.random.default_rng(2)
    x = random_set(rng, 60, 2, "uniform")
    ranks = brute_rank(x)
    got = np.asarray(frontier.crowding_distance(x, per_front=True))
    for k in np.unique(ranks):
        sel = ranks == k
        np.testing.assert_allclose(got[sel], brute_crowding(x[sel]), rtol=1e-5)


# ----------------------------------------------------------------- batches and probability
def test_pareto_probability():
    rng = np.random.default_rng(4)
    x = rng.random((300, 8, 2)).astype(np.float32)
    p = np.asarray(frontier.pareto_probability(x))
    masks = np.stack([brute_nondominated(s, True) for s in x])
    np.testing.assert_allclose(p, masks.mean(axis=0), rtol=1e-6)
    assert p.dtype == np.float32 and p.shape == (8,)
    p1 = np.asarray(frontier.pareto_probability(x.reshape(10, 30, 8, 2), keep_weakly=False))
    np.testing.assert_allclose(p1, np.stack([brute_nondominated(s) for s in x]).mean(0))
    np.testing.assert_array_equal(frontier.pareto_probability(x[0]), masks[0].astype(float))


def test_batch_shapes():
    x = np.random.default_rng(0).random((2, 3, 10, 2)).astype(np.float32)
    assert frontier.is_nondominated_batch(x).shape == (2, 3, 10)
    assert frontier.pareto_rank_batch(x).shape == (2, 3, 10)
    assert frontier.is_nondominated_batch(np.zeros((0, 5, 2))).shape == (0, 5)
    assert frontier.pareto_rank_batch(np.zeros((4, 0, 2))).shape == (4, 0)


# -------------------------------------------------------------------------- transforms
@pytest.mark.parametrize("method", METHODS)
def test_jit_and_vmap_parity(method):
    n, m = {"sweep": (20, 2), "filter": (40, 5)}.get(method, (20, 3))
    rng = np.random.default_rng(8)
    xs = rng.integers(0, 4, (6, n, m)).astype(np.float32)
    nd = functools.partial(frontier.is_nondominated, method=method)
    rk = functools.partial(frontier.pareto_rank, method=method)
    loop_nd = np.stack([np.asarray(nd(x)) for x in xs])
    loop_rk = np.stack([np.asarray(rk(x)) for x in xs])
    np.testing.assert_array_equal(np.asarray(jax.jit(nd)(xs[0])), loop_nd[0])
    np.testing.assert_array_equal(np.asarray(jax.vmap(nd)(xs)), loop_nd)
    batch = frontier.is_nondominated_batch(xs, method=method)
    np.testing.assert_array_equal(np.asarray(batch), loop_nd)
    if method != "filter":  # compile budget: the batched filter ranks are tested above
        np.testing.assert_array_equal(np.asarray(jax.jit(rk)(xs[0])), loop_rk[0])
        np.testing.assert_array_equal(np.asarray(jax.vmap(rk)(xs)), loop_rk)


def test_second_call_does_not_recompile():
    rng = np.random.default_rng(9)
    x = rng.random((205, 3)).astype(np.float32)
    frontier.is_nondominated(x)
    frontier.pareto_rank(x)
    before = _dominance._kernel._cache_size()
    # new values, another n of the same size bucket (224), the other keep_weakly value
    frontier.is_nondominated(x[:200] + 1.0, keep_weakly=True)
    frontier.pareto_rank(x[:201] * 2.0)
    assert _dominance._kernel._cache_size() == before


# ------------------------------------------------------------ m == 3 rank sweep, duplicates
SWEEP3_CONFIGS = {
    "default": {},
    "tiny": dict(block_size=8, num_bins=4),  # many blocks: every path of the sweep
    "bins": dict(block_size=16, num_bins=64),  # bins of one or two rows
    "overflow": dict(block_size=8, num_bins=16, max_fronts=3),  # falls back to the filter
}


@pytest.mark.parametrize("cfg", list(SWEEP3_CONFIGS), ids=str)
def test_rank_sweep3_matches_brute_force(cfg):
    rank = jax.jit(functools.partial(K.pareto_rank_sweep3, **SWEEP3_CONFIGS[cfg]))
    rng = np.random.default_rng(len(cfg))
    for kind in KINDS:
        for n in (1, 9, 70, 257):
            x = random_set(rng, n, 3, kind)
            np.testing.assert_array_equal(np.asarray(rank(x)), brute_rank(x), f"{kind} n={n}")


def test_rank_sweep3_negative_zero_and_chains():
    rank = jax.jit(functools.partial(K.pareto_rank_sweep3, block_size=8, num_bins=4))
    x = np.array([[0.0, 1.0, 2.0], [-0.0, 1.0, 2.0], [-0.0, 0.5, 2.0], [1.0, 1.0, 2.0]])
    np.testing.assert_array_equal(np.asarray(rank(x.astype(np.float32))), [1, 1, 0, 2])
    chain = np.repeat(np.arange(40.0)[:, None], 3, axis=1)[::-1].copy()  # one chain, 40 fronts
    np.testing.assert_array_equal(np.asarray(rank(chain.astype(np.float32))), np.arange(40)[::-1])


def test_dedup_rows_groups_identical_rows():
    rng = np.random.default_rng(3)
    base = rng.integers(0, 3, (30, 3)).astype(np.float32)
    x = base[rng.integers(0, 30, 500)]
    x[::17] = np.nan
    x[5] = [-0.0, 1.0, 2.0]
    x[6] = [0.0, 1.0, 2.0]
    slot, rows, count = (np.asarray(a) for a in K.dedup_rows(jnp.asarray(x)))
    ok = ~np.isnan(x).any(axis=1)
    assert np.all(slot[~ok] == len(x))
    distinct = np.unique(x[ok], axis=0)
    assert count == len(distinct)
    np.testing.assert_array_equal(rows[slot[ok]], x[ok])  # every row maps to its own values
    assert np.isnan(rows[count:]).all()
    first = [int(np.flatnonzero(ok & np.all(x == r, axis=1))[0]) for r in rows[:count]]
    assert first == sorted(first)  # distinct rows in order of their first copy


@pytest.mark.parametrize("data", ["uniform", "few", "curve"])
def test_rank_dedup_branches_match_inner(data):
    """No repeats (runs the inner kernel), few distinct rows (ranks n // 8 slots), a noisy
    rounded curve (more distinct rows than n // 8: ranks all n slots)."""
    rng = np.random.default_rng(4)
    n = 4000
    if data == "uniform":
        x = rng.random((n, 3))
    elif data == "few":
        x = np.round(rng.random((n, 3)), 1)
    else:
        t = rng.random(n)
        x = np.round(np.stack([t, 1 - t, (t - 0.5) ** 2], 1) + 0.03 * rng.normal(size=(n, 3)), 2)
    x = x.astype(np.float32)
    x[rng.random(n) < 0.01, 1] = np.nan
    want = _moocore_rank(x)
    for inner in (K.pareto_rank_sweep3, K.pareto_rank_filter):
        rank = jax.jit(functools.partial(K.pareto_rank_dedup, inner=inner))
        np.testing.assert_array_equal(np.asarray(rank(jnp.asarray(x))), want)
    np.testing.assert_array_equal(np.asarray(frontier.pareto_rank(x)), want)
    two = x[:, :2]
    np.testing.assert_array_equal(np.asarray(frontier.pareto_rank(two)), _moocore_rank(two))


@pytest.mark.parametrize("m", [1, 2, 3])
def test_lex_order_matches_numpy_lexsort(m):
    """Radix order of the first column; tied runs fixed by a small sort (few ties) or a radix
    sort by every column (many): always NumPy's stable lexsort, NaN rows last."""
    order = jax.jit(K._lex_order)
    rng = np.random.default_rng(m)
    for n, scale in [(40, 0), (700, 500), (2500, 0), (2500, 2000), (2500, 20)]:
        x = rng.random((n, m)).astype(np.float32)
        if scale:
            x = np.round(x * scale) / scale
        x[rng.random(n) < 0.05] = np.nan
        x[rng.random((n, m)) < 0.02] = -0.0
        perm, bad = (np.asarray(a) for a in order(jnp.asarray(x)))
        ok = ~np.isnan(x).any(axis=1)
        keys = [np.where(ok, x[:, j], 0) + 0.0 for j in range(m)]  # + 0.0: -0.0 == 0.0
        want = np.lexsort([np.arange(n), *keys[::-1], ~ok])
        np.testing.assert_array_equal(perm, want, f"n={n} scale={scale}")
        np.testing.assert_array_equal(bad, ~ok[want])


@pytest.mark.parametrize("m", [2, 3])
def test_filter_large_blocks_match_moocore(m):
    """From 2^19 rows the filter's first round reads 65536-row slices."""
    rng = np.random.default_rng(20 + m)
    n = (1 << 19) + 5
    x = np.round(rng.random((n, m)), 3).astype(np.float32)
    x[rng.random(n) < 0.001, 0] = np.nan
    mask = np.asarray(K.nondominated_filter(jnp.asarray(x), False))
    np.testing.assert_array_equal(mask, _moocore_nd(x, False))


def test_duplicate_sample_sees_only_distinct_rows():
    """The dedup test samples distinct rows: all-distinct data never looks repeated."""
    for n in (4096, 65536, 100_003):
        x = jnp.arange(3 * n, dtype=jnp.float32).reshape(n, 3)
        assert int(K._sample_duplicates(K._row_hash(x))) == 0
    y = jnp.zeros((5000, 3), jnp.float32)
    assert int(K._sample_duplicates(K._row_hash(y))) == 2047


def test_batched_ranks_3d_above_the_dense_size():
    """n > 1024 per set: "auto" maps the m = 3 sweep over the sets (no vmap of its fallback)."""
    rng = np.random.default_rng(9)
    x = np.round(rng.random((3, 1500, 3)), 2).astype(np.float32)
    x[0, ::7, 1] = np.nan
    got = np.asarray(frontier.pareto_rank_batch(x))
    for i in range(3):
        np.testing.assert_array_equal(got[i], _moocore_rank(x[i]))
    np.testing.assert_array_equal(np.asarray(frontier.pareto_rank_batch(x, method="sweep")), got)
