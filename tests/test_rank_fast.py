"""The fast dominance paths: the pivot pre-filter of masks, sparse compaction and prefix
counts, against the brute force (tests/_oracles.py) and moocore, with ties, duplicates, NaN,
+-inf, n = 0 and n = 1."""

from __future__ import annotations

import functools

import _oracles as oracle
import jax
import jax.numpy as jnp
import moocore
import numpy as np
import pytest

import frontier
from frontier import _methods
from frontier.kernels import _primitives as P
from frontier.kernels import filter as pivot_filter
from frontier.kernels import sweep

KINDS = oracle.DOMINANCE_KINDS


# ------------------------------------------------------------------ prefix counts, compaction
@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 255, 257, 4097, 70_001])
def test_prefix_count_equals_cumsum(n):
    for density in (0.01, 0.5, 1.0):
        mask = np.random.default_rng(n).random(n) < density
        got = np.asarray(jax.jit(P.prefix_count)(jnp.asarray(mask)))
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, np.cumsum(mask))


@pytest.mark.parametrize(("n", "cap"), [(1, 16), (17, 16), (1000, 16), (1000, 64), (70_001, 512)])
def test_first_true_lists_the_first_cap_true_entries_in_order(n, cap):
    for density in (0.0, 0.003, 0.2, 1.0):
        mask = np.random.default_rng(n + cap).random(n) < density
        ids, count = jax.jit(P.first_true, static_argnums=1)(jnp.asarray(mask), cap)
        want = np.flatnonzero(mask)[:cap]
        want = np.concatenate([want, np.full(cap - len(want), n)])
        np.testing.assert_array_equal(np.asarray(ids), want)
        assert int(count) == int(mask.sum())


def test_first_true_of_one_count_answers_every_cap():
    mask = np.random.default_rng(5).random(70_001) < 0.01
    groups = jax.jit(P.true_groups)(jnp.asarray(mask))
    assert int(groups[-1]) == int(mask.sum())
    for cap in (16, 512, 704, 4096):
        got = jax.jit(P.first_true_of, static_argnums=1)(groups, cap)
        want = np.flatnonzero(mask)[:cap]
        np.testing.assert_array_equal(np.asarray(got), np.concatenate(
            [want, np.full(cap - len(want), 70_001)]))


@pytest.mark.parametrize("n", [1, 5, 8191, 8192, 10_000, 1 << 16, 70_001])
def test_argmin_first_is_the_first_index_of_the_least_value(n):
    rng = np.random.default_rng(n)
    for case in ("random", "ties", "last", "inf"):
        v = rng.random(n).astype(np.float32)
        if case == "ties":  # the least value at several places, one of them early
            v = np.round(v, 1)
        elif case == "last":  # the least value only in the tail beyond the rows of 1024
            v[-1] = -1.0
        elif case == "inf":
            v[:] = np.inf
        got = int(jax.jit(P.argmin_first)(jnp.asarray(v)))
        assert got == int(np.argmin(v)), case
    ints = rng.integers(0, 3, n).astype(np.int32)
    assert int(jax.jit(P.argmin_first)(jnp.asarray(ints))) == int(np.argmin(ints))


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.int32])
def test_take_through_reads_what_indexing_reads_inside_a_loop(dtype):
    # 2^17 entries: above the size at which XLA's CPU backend splits a plain gather
    x = jnp.asarray(np.random.default_rng(0).permutation(1 << 17), dtype)
    idx = jnp.asarray(np.random.default_rng(1).integers(0, 1 << 17, size=(5, 32)), jnp.int32)

    def body(j, c):
        acc, scratch = c
        vals, scratch = P.take_through(scratch, x, idx[j])
        return acc + vals, scratch

    got, _ = jax.jit(lambda: jax.lax.fori_loop(
        0, 5, body, (jnp.zeros(32, dtype), jnp.zeros(33, dtype))))()
    np.testing.assert_array_equal(np.asarray(got), np.asarray(x)[np.asarray(idx)].sum(0))


@pytest.mark.parametrize("kind", ["uniform", "rounded"])
def test_2d_rank_sweep_above_the_split_size_matches_moocore(kind):
    rng = np.random.default_rng(7)
    x = rng.random((70_001, 2))
    if kind == "rounded":
        x = np.round(x, 2)  # ties and duplicates
    x = np.asarray(jnp.asarray(x)).astype(np.float64)  # the values the kernel sees
    got = np.asarray(sweep.pareto_rank_sweep(jnp.asarray(x)))
    np.testing.assert_array_equal(got, moocore.pareto_rank(x))


# ------------------------------------------------- the exact pass over rows sorted by a key
#: Small blocks, so that a pass has many pivot steps and the rows of the blocks before a
#: pivot block's key are skipped.
_SMALL_PASS = pivot_filter.FilterConfig(
    sample_size=0, num_pivots=0, grid_size=0, max_rounds=0, round_block=16, block_size=8,
    pivot_block=4)


def _sum_ties(rng, n, m):
    """An integer grid in float32 where a third of the rows have one coordinate raised by one
    ulp: such a row is dominated by its unraised copy, and their float32 sums are often
    equal, so a monotone key ties between a dominator and the row it dominates. (No zeros:
    XLA on CPU flushes the subnormal one ulp above zero to zero.)"""
    x = rng.integers(1, 4, (n, m)).astype(np.float32)
    bump = rng.random(n) < 0.35
    col = rng.integers(0, m, n)
    x[bump, col[bump]] = np.nextafter(x[bump, col[bump]], np.float32(np.inf))
    return x


def _keyed(x, key_name):
    """Row order by a monotone key (stable; NaN rows last) and the key: the kernels' clipped
    sum, or the first column."""
    xj = jnp.asarray(x)
    if key_name == "sum":
        return xj, *sweep._sum_order(xj, _SMALL_PASS.pad)
    key = jnp.where(P.valid_rows(xj), xj[:, 0], jnp.inf)
    order = jnp.argsort(key, stable=True).astype(jnp.int32)
    return xj, jnp.concatenate([order, jnp.full((_SMALL_PASS.pad,), len(x), jnp.int32)]), key


@pytest.mark.parametrize("key_name", ["sum", "first"])
@pytest.mark.parametrize(("kind", "m"), [(k, 5) for k in KINDS] + [("sum_ties", 4),
                                                                   ("sum_ties", 5)])
def test_keyed_exact_pass_and_peel_match_brute_force(kind, m, key_name):
    """With a monotone key, each pivot step skips the rows whose key is below its first
    pivot's (they cannot be dominated by it): same masks and ranks as the brute force, for
    ties of the key between a row and its dominator too."""
    rng = np.random.default_rng(11 * m + len(kind))
    for n in (1, 150):
        x = _sum_ties(rng, n, m) if kind == "sum_ties" else oracle.dominance_set(rng, n, m, kind)
        x = x[rng.permutation(n)]  # dominators after the rows they dominate, in the input
        xj, order, key = _keyed(x, key_name)
        count = jnp.sum(P.valid_rows(xj), dtype=jnp.int32)
        for weak in (False, True):
            mask = jax.jit(pivot_filter.exact_pass, static_argnums=(3, 4))(
                xj, order, count, weak, _SMALL_PASS, key)
            np.testing.assert_array_equal(np.asarray(mask), oracle.nondominated(x, weak))
        ranks = jax.jit(pivot_filter.peel_sorted, static_argnums=3)(
            xj, order, count, _SMALL_PASS, key)
        np.testing.assert_array_equal(np.asarray(ranks), oracle.pareto_rank(x))


@pytest.mark.parametrize("m", [4, 5])
def test_sorted_rank_path_on_sum_ties_matches_moocore(m):
    """The ``m >= 4`` rank path of the sweep kernel (blocks of 4096 rows) on more rows than a
    block, with dominators that tie with the rows they dominate in the sum key."""
    x = _sum_ties(np.random.default_rng(m), 9000, m)
    x = np.concatenate([x, np.random.default_rng(0).random((3000, m), dtype=np.float32)])
    got = np.asarray(sweep.pareto_rank_sweep(jnp.asarray(x)))
    np.testing.assert_array_equal(got, moocore.pareto_rank(x.astype(np.float64)))
    mask = np.asarray(sweep.nondominated_sweep(jnp.asarray(x)))
    np.testing.assert_array_equal(mask, moocore.is_nondominated(x.astype(np.float64)))


# ------------------------------------------------------------------- the pivot pre-filter
def _pivot(inner):
    return jax.jit(
        functools.partial(
            pivot_filter.nondominated_pivot, inner=inner, fallback=pivot_filter.nondominated_filter
        )
    )


def _antichain(rng, k, m):
    """``k`` rows in ``[0, 1]^m`` none of which dominates another (for ``m >= 2``)."""
    head = rng.random((k, max(1, m - 1)))
    return np.concatenate([head, 1 - head.mean(axis=1, keepdims=True)], axis=1)[:, :m]


def _cases(rng, n, m):
    """Sets that take each branch of the pre-filter: few survivors (at most n/64), between
    n/64 and n/8, more than n/8 though the pivot dominates most of the sample (the fallback
    after the pass), and an anti-chain (the fallback at once). Rows in ``(1, 2)^m`` are
    dominated by every row in ``[0, 1]^m``."""
    out = {}
    for name, k in (("few", n // 100), ("mid", n // 16), ("late", n // 5), ("antichain", n)):
        x = 1 + rng.random((n, m))
        x[rng.permutation(n)[:k]] = _antichain(rng, k, m)
        out[name] = x
    return out


@pytest.mark.parametrize("m", [1, 2, 3])
def test_pivot_prefilter_matches_brute_force_on_every_branch(m):
    rng = np.random.default_rng(10 + m)
    inner = sweep.nondominated_sweep if m <= 2 else pivot_filter.nondominated_filter
    fn = _pivot(inner)
    n = 2048
    sets = _cases(rng, n, m)
    for kind in KINDS:
        sets[kind] = oracle.dominance_set(rng, n, m, kind)
    for name, x in sets.items():
        x = np.asarray(x, np.float32)
        x[rng.integers(0, n, 20)] = x[rng.integers(0, n, 20)]  # exact duplicates
        for kw in (False, True):
            got = np.asarray(fn(jnp.asarray(x), kw))
            np.testing.assert_array_equal(got, oracle.nondominated(x, kw), f"{name} kw={kw}")


@pytest.mark.parametrize("m", [2, 3])
def test_pivot_prefilter_on_large_sets_takes_every_buffer_and_matches_moocore(m):
    # n = 300,000: the 4 sqrt(n) = 2192-row buffer is in play (below n/64 = 4688)
    rng = np.random.default_rng(20 + m)
    n = 300_000
    fn = _pivot(sweep.nondominated_sweep if m == 2 else pivot_filter.nondominated_filter)
    for k in (1000, 3000, 20_000):  # rows left by the pivot: sqrt buffer, n/64, n/8
        x = 1 + rng.random((n, m))
        x[rng.permutation(n)[:k]] = _antichain(rng, k, m)
        x = x.astype(np.float32)
        x[rng.integers(0, n, 50)] = x[rng.integers(0, n, 50)]  # exact duplicates
        x[rng.integers(0, n, 5), 0] = np.nan
        for kw in (False, True):
            got = np.asarray(fn(jnp.asarray(x), kw))
            ok = ~np.isnan(x).any(axis=1)
            want = np.zeros(n, bool)
            want[ok] = moocore.is_nondominated(x[ok].astype(np.float64), keep_weakly=kw)
            np.testing.assert_array_equal(got, want, f"k={k} kw={kw}")
    x = rng.random((n, m)).astype(np.float32)  # uniform: a few thousand rows survive
    np.testing.assert_array_equal(
        np.asarray(fn(jnp.asarray(x), False)), moocore.is_nondominated(x.astype(np.float64)))


def test_pivot_prefilter_tiny_and_degenerate_inputs():
    fn = _pivot(sweep.nondominated_sweep)
    for x in (
        np.array([[1.0, 2.0]]),
        np.array([[np.nan, 1.0]]),
        np.full((5, 2), np.nan),
        np.array([[np.inf, -np.inf], [-np.inf, np.inf], [np.inf, np.inf], [0.0, 0.0]]),
        np.array([[-0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]),
    ):
        x = x.astype(np.float32)
        for kw in (False, True):
            got = np.asarray(fn(jnp.asarray(x), kw))
            np.testing.assert_array_equal(got, oracle.nondominated(x, kw), str(x))


@pytest.mark.parametrize("m", [2, 3])
def test_auto_masks_use_the_pivot_path_on_cpu_and_match_moocore(m):
    assert _methods.nondominated_method("auto", 5000, m) == "pivot"
    assert _methods.nondominated_method("auto", 5000, 4) == "filter"
    rng = np.random.default_rng(m)
    for kind in ("uniform", "ties", "dups"):
        x = oracle.dominance_set(rng, 5000, m, kind).astype(np.float64)
        for kw in (False, True):
            got = np.asarray(frontier.is_nondominated(x, keep_weakly=kw))
            np.testing.assert_array_equal(got, moocore.is_nondominated(x, keep_weakly=kw), kind)
    x = oracle.dominance_set(rng, 5000, m, "nan")
    np.testing.assert_array_equal(np.asarray(frontier.is_nondominated(x)), oracle.nondominated(x))
    assert np.asarray(frontier.is_nondominated(np.zeros((0, m)))).shape == (0,)


def test_pivot_masks_in_a_batch_equal_each_set():
    rng = np.random.default_rng(3)
    x = rng.random((3, 2000, 2)).astype(np.float32)
    got = np.asarray(frontier.is_nondominated_batch(x))
    for b in range(3):
        np.testing.assert_array_equal(got[b], oracle.nondominated(x[b]))
