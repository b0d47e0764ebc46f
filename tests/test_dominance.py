"""Dominance: is_nondominated, filter_dominated, pareto_rank, crowding_distance, batches.

Oracles (tests/_oracles.py): a NumPy brute force, and moocore (which handles neither NaN nor
+-inf the way frontier defines them, so it is compared on finite data and NaN-free subsets).
Compile budget: sizes are chosen so that calls share the size buckets of the wrappers.
"""

from __future__ import annotations

import functools

import _oracles as oracle
import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import frontier
from frontier import _dominance
from frontier.kernels import _primitives as P
from frontier.kernels import dedup, sweep
from frontier.kernels import filter as pivot_filter
from frontier.kernels.filter import FilterConfig

METHODS = ("dense", "blocked", "sweep", "filter")
HYP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KINDS = oracle.DOMINANCE_KINDS
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
        x = oracle.dominance_set(rng, n, m, kind)
        for kw in (False, True) if method != "sweep" or m <= 2 else ():
            got = frontier.is_nondominated(x, keep_weakly=kw, method=method)
            assert got.dtype == jnp.bool_ and got.shape == (n,)
            np.testing.assert_array_equal(np.asarray(got), oracle.nondominated(x, kw), kind)
        got = frontier.pareto_rank(x, method=method)
        assert got.dtype == jnp.int32 and got.shape == (n,)
        np.testing.assert_array_equal(np.asarray(got), oracle.pareto_rank(x), kind)


@pytest.mark.parametrize("m", [3, 5])
def test_filter_kernels_with_tiny_config_match_brute_force(m):
    """The elimination rounds and the pivot sweep only start at thousands of rows with the
    default tuning; a tiny configuration exercises every path at n = 200."""
    cfg = FilterConfig(sample_size=16, num_pivots=8, round_block=32, block_size=16, pivot_block=8)
    nd = functools.partial(pivot_filter.nondominated_filter, config=cfg)
    rk = functools.partial(pivot_filter.pareto_rank_filter, config=cfg)
    rng = np.random.default_rng(m)
    for kind in KINDS:
        for _ in range(3):
            x = oracle.dominance_set(rng, 200, m, kind)
            for kw in (False, True):
                np.testing.assert_array_equal(np.asarray(nd(x, kw)), oracle.nondominated(x, kw))
            np.testing.assert_array_equal(np.asarray(rk(x)), oracle.pareto_rank(x))


# ------------------------------------------------------------------------- moocore agreement
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
            np.testing.assert_array_equal(masks[kw][i], oracle.moocore_nondominated(x[i], kw))
        np.testing.assert_array_equal(ranks[i], oracle.moocore_rank(x[i]))


@pytest.mark.slow
@pytest.mark.parametrize("m", [2, 3])
def test_moocore_agreement_large_sets(m):
    """The "auto" path at a size where the filter rounds run (CPU), with ties and NaN."""
    rng = np.random.default_rng(10 + m)
    n = 6000
    x = np.round(rng.random((n, m)), 2).astype(np.float32)
    x[rng.random(n) < 0.01, m - 1] = np.nan
    for kw in (False, True):
        got = np.asarray(frontier.is_nondominated(x, keep_weakly=kw))
        np.testing.assert_array_equal(got, oracle.moocore_nondominated(x, kw))
    np.testing.assert_array_equal(np.asarray(frontier.pareto_rank(x)), oracle.moocore_rank(x))


@pytest.mark.slow
def test_auto_ranks_in_5d_above_the_4d_peel_size_match_moocore():
    """m >= 5 keeps the sum-sorted peel to larger sizes than m == 4: 40,000 uniform rows take
    it (Z-order blocks prune too few pairs of uniform rows)."""
    from frontier import _methods

    n = 40_000
    assert _methods.rank_method("auto", n, 5) == "zorder:dedup:sorted"
    assert _methods.rank_method("auto", n, 4) == "zorder:dedup:filter"
    rng = np.random.default_rng(55)
    x = rng.random((n, 5)).astype(np.float32)
    x[rng.random(n) < 0.001, 3] = np.nan
    np.testing.assert_array_equal(np.asarray(frontier.pareto_rank(x)), oracle.moocore_rank(x))


@pytest.mark.parametrize("method", ["filter", "sweep"])
def test_batched_methods_match_moocore(method):
    m = 2 if method == "sweep" else 3
    rng = np.random.default_rng(7)
    x = rng.integers(0, 6, (50, 40, m)).astype(np.float32)
    masks = np.asarray(frontier.is_nondominated_batch(x, method=method))
    ranks = np.asarray(frontier.pareto_rank_batch(x, method=method))
    for i in range(len(x)):
        np.testing.assert_array_equal(masks[i], oracle.moocore_nondominated(x[i], False))
        np.testing.assert_array_equal(ranks[i], oracle.moocore_rank(x[i]))


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
def test_empty_single_row_and_single_objective_inputs():
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
    x = oracle.dominance_set(rng, 50, 3, "ties")
    flip = np.array([1.0, -1.0, -1.0], np.float32)
    for kw in (False, True):
        np.testing.assert_array_equal(
            frontier.is_nondominated(x, maximise=[False, True, True], keep_weakly=kw),
            oracle.nondominated(x * flip, kw),
        )
    np.testing.assert_array_equal(frontier.pareto_rank(x, maximise=True), oracle.pareto_rank(-x))


def test_invalid_inputs_raise_errors_naming_the_argument():
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


def test_filter_dominated_returns_rows_and_refuses_jit():
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
            x = oracle.dominance_set(rng, n, 3, kind)
            got = np.asarray(frontier.crowding_distance(x))
            np.testing.assert_allclose(got, oracle.crowding(x), rtol=1e-5, err_msg=kind)
            assert not np.isnan(got).any()


def test_crowding_extremes_degenerate_objective_and_single_point():
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
    x = oracle.dominance_set(rng, 60, 2, "uniform")
    ranks = oracle.pareto_rank(x)
    got = np.asarray(frontier.crowding_distance(x, per_front=True))
    for k in np.unique(ranks):
        sel = ranks == k
        np.testing.assert_allclose(got[sel], oracle.crowding(x[sel]), rtol=1e-5)


# ----------------------------------------------------------------- batches and probability
def test_pareto_probability_is_the_mean_of_batch_masks():
    rng = np.random.default_rng(4)
    x = rng.random((300, 8, 2)).astype(np.float32)
    p = np.asarray(frontier.pareto_probability(x))
    masks = np.stack([oracle.nondominated(s, True) for s in x])
    np.testing.assert_allclose(p, masks.mean(axis=0), rtol=1e-6)
    assert p.dtype == np.float32 and p.shape == (8,)
    p1 = np.asarray(frontier.pareto_probability(x.reshape(10, 30, 8, 2), keep_weakly=False))
    np.testing.assert_allclose(p1, np.stack([oracle.nondominated(s) for s in x]).mean(0))
    np.testing.assert_array_equal(frontier.pareto_probability(x[0]), masks[0].astype(float))


def test_batch_output_shapes_including_empty_batches():
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


def test_calls_in_one_size_bucket_trace_the_kernel_once(monkeypatch):
    """New values, another n of the same size bucket (224) and the other keep_weakly value
    reuse the compiled kernel: one trace for masks, one for ranks (chex counts traces of a
    fresh jit of the wrappers' kernel function)."""
    chex.clear_trace_counter()
    counted = chex.assert_max_traces(_dominance._apply_kernel, n=2)
    monkeypatch.setattr(
        _dominance, "_kernel", jax.jit(counted, static_argnames=_dominance._KERNEL_STATIC)
    )
    rng = np.random.default_rng(9)
    x = rng.random((205, 3)).astype(np.float32)
    want_nd, want_rank = oracle.nondominated(x[:200] + 1.0, True), oracle.pareto_rank(x[:201])
    frontier.is_nondominated(x)
    frontier.pareto_rank(x)
    got_nd = frontier.is_nondominated(x[:200] + 1.0, keep_weakly=True)
    got_rank = frontier.pareto_rank(x[:201] * 2.0)
    np.testing.assert_array_equal(np.asarray(got_nd), want_nd)
    np.testing.assert_array_equal(np.asarray(got_rank), want_rank)
    with pytest.raises(AssertionError, match="traced > 2 times"):
        frontier.pareto_rank(x[:100])  # another bucket (112): a third trace


# ------------------------------------------------------------ m == 3 rank sweep, duplicates
SWEEP3_CONFIGS = {
    "default": {},
    "tiny": dict(block_size=8, num_bins=4),  # many blocks: every path of the sweep
    "bins": dict(block_size=16, num_bins=64),  # bins of one or two rows
    "overflow": dict(block_size=8, num_bins=16, max_fronts=3),  # falls back to the filter
}


@pytest.mark.slow
@pytest.mark.parametrize("cfg", list(SWEEP3_CONFIGS), ids=str)
def test_rank_sweep3_matches_brute_force(cfg):
    rank = functools.partial(sweep.pareto_rank_sweep3, **SWEEP3_CONFIGS[cfg])
    rng = np.random.default_rng(len(cfg))
    for kind in KINDS:
        for n in (1, 9, 70, 257):
            x = oracle.dominance_set(rng, n, 3, kind)
            want = oracle.pareto_rank(x)
            np.testing.assert_array_equal(np.asarray(rank(x)), want, f"{kind} n={n}")


def test_rank_sweep3_rejects_other_widths():
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        sweep.pareto_rank_sweep3(jnp.zeros((5, 2)))


def test_filter_config_resolves_automatic_values():
    cfg = FilterConfig()
    assert cfg.resolve(1000, 2).grid_size == 1024 and cfg.resolve(1000, 3).grid_size == 64
    assert cfg.resolve(1000, 4).grid_size == 0 and cfg.resolve(1000, 1).grid_size == 0
    assert cfg.resolve(1000, 3).round_block == 16384
    assert cfg.resolve(1 << 19, 3).round_block == 65536
    assert cfg.resolve(1000, 3).pad == 16384
    assert cfg.resolve(1000, 3).grid_sample(3) == 16 * 64**2
    assert FilterConfig(grid_size=0).resolve(1000, 2).grid_sample(2) == 0
    assert cfg.resolve(1000, 3).resolve(1000, 3) == cfg.resolve(1000, 3)


def test_rank_sweep3_negative_zero_and_chains():
    rank = functools.partial(sweep.pareto_rank_sweep3, block_size=8, num_bins=4)
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
    slot, rows, count = (np.asarray(a) for a in dedup.dedup_rows(jnp.asarray(x)))
    ok = ~np.isnan(x).any(axis=1)
    assert np.all(slot[~ok] == len(x))
    distinct = np.unique(x[ok], axis=0)
    assert count == len(distinct)
    np.testing.assert_array_equal(rows[slot[ok]], x[ok])  # every row maps to its own values
    assert np.isnan(rows[count:]).all()
    first = [int(np.flatnonzero(ok & np.all(x == r, axis=1))[0]) for r in rows[:count]]
    assert first == sorted(first)  # distinct rows in order of their first copy


@pytest.mark.slow
@pytest.mark.parametrize("data", ["uniform", "few", "quarter", "curve"])
def test_rank_dedup_branches_match_inner(data):
    """No repeats (runs the inner kernel), few distinct rows (ranks n // 8 slots), 700
    distinct rows (n // 4 slots), a noisy rounded curve (more distinct rows than n // 4:
    ranks all n slots)."""
    rng = np.random.default_rng(4)
    n = 4000
    if data == "uniform":
        x = rng.random((n, 3))
    elif data == "few":
        x = np.round(rng.random((n, 3)), 1)
    elif data == "quarter":
        x = rng.random((700, 3))[rng.integers(0, 700, n)]
    else:
        x = oracle.noisy_curve(rng, n, noise=0.03)
    x = x.astype(np.float32)
    x[rng.random(n) < 0.01, 1] = np.nan
    want = oracle.moocore_rank(x)
    for inner in (sweep.pareto_rank_sweep3, pivot_filter.pareto_rank_filter):
        rank = functools.partial(dedup.pareto_rank_dedup, inner=inner)
        np.testing.assert_array_equal(np.asarray(rank(jnp.asarray(x))), want)
    np.testing.assert_array_equal(np.asarray(frontier.pareto_rank(x)), want)
    two = x[:, :2]
    np.testing.assert_array_equal(np.asarray(frontier.pareto_rank(two)), oracle.moocore_rank(two))


@pytest.mark.parametrize("m", [1, 2, 3])
def test_lex_order_matches_numpy_lexsort(m):
    """Radix order of the first column; tied runs fixed by a small sort (few ties) or a radix
    sort by every column (many): always NumPy's stable lexsort, NaN rows last."""
    order = jax.jit(P.lex_order)
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


@pytest.mark.slow
@pytest.mark.parametrize("m", [2, 3])
def test_filter_large_blocks_match_moocore(m):
    """From 2^19 rows the filter's first round reads 65536-row slices."""
    rng = np.random.default_rng(20 + m)
    n = (1 << 19) + 5
    x = np.round(rng.random((n, m)), 3).astype(np.float32)
    x[rng.random(n) < 0.001, 0] = np.nan
    mask = np.asarray(pivot_filter.nondominated_filter(jnp.asarray(x), False))
    np.testing.assert_array_equal(mask, oracle.moocore_nondominated(x, False))


def test_duplicate_sample_sees_only_distinct_rows():
    """The dedup test samples distinct rows: all-distinct data never looks repeated."""
    for n in (4096, 65536, 100_003):
        x = jnp.arange(3 * n, dtype=jnp.float32).reshape(n, 3)
        assert int(dedup.sample_duplicates(P.row_hash(x))) == 0
    y = jnp.zeros((5000, 3), jnp.float32)
    assert int(dedup.sample_duplicates(P.row_hash(y))) == P.DUPLICATE_SAMPLE - 1
    # the NaN rows the wrappers pad with are identical, but they are not repeats
    z = jnp.concatenate([x, jnp.full((3000, 3), jnp.nan)])
    assert int(dedup.sample_duplicates(P.row_hash(z))) >= 4  # enough to take the dedup branch
    assert int(dedup.sample_duplicates(P.row_hash(z), valid=P.valid_rows(z))) == 0
    assert int(dedup.sample_duplicates(P.row_hash(y), valid=P.valid_rows(y))) == (
        P.DUPLICATE_SAMPLE - 1)


def test_batched_ranks_3d_above_the_dense_size():
    """n > 1024 per set: "auto" maps the m = 3 sweep over the sets (no vmap of its fallback)."""
    rng = np.random.default_rng(9)
    x = np.round(rng.random((3, 1500, 3)), 2).astype(np.float32)
    x[0, ::7, 1] = np.nan
    got = np.asarray(frontier.pareto_rank_batch(x))
    for i in range(3):
        np.testing.assert_array_equal(got[i], oracle.moocore_rank(x[i]))
    np.testing.assert_array_equal(np.asarray(frontier.pareto_rank_batch(x, method="sweep")), got)
