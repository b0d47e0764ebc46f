"""``pareto_rank_zorder`` (dominance depth over Z-order blocks) against the all-pairs kernel
and moocore: ties, duplicates, NaN, +-inf, subnormals, n = 1, block sizes, rows that share a
Morton cell; ``pareto_rank_pruned`` on both of its branches."""

import jax.numpy as jnp
import moocore
import numpy as np
import pytest

import frontier
from frontier import _methods
from frontier.kernels.dense import pareto_rank_dense
from frontier.kernels.sweep import pareto_rank_sweep
from frontier.kernels.zorder import (
    max_pair_fraction,
    pareto_rank_pruned,
    pareto_rank_zorder,
    sampled_pairs,
    zorder_layout,
    zorder_pairs,
)


def _rounded(n, m, seed, specials=True):
    rng = np.random.default_rng(seed)
    x = np.round(rng.random((n, m)), 1).astype(np.float32)
    if specials:
        x[rng.random((n, m)) < 0.01] = np.inf
        x[rng.random((n, m)) < 0.01] = -np.inf
        x[rng.random((n, m)) < 0.005] = np.nan
    x[n // 2:] = x[: n - n // 2] if n > 3 else x[n // 2:]  # exact duplicates
    return x


# every m at small n; the radix layout (n >= 32) and several blocks at larger n (each case
# is a compilation: the grid is kept small)
_CASES = [(n, m, (128, 128)) for n in (1, 2, 300) for m in (1, 2, 4, 5, 7)]
_CASES += [(2000, m, (128, 128)) for m in (2, 5, 7)]
_CASES += [(2000, 4, (256, 64)), (300, 5, (256, 64)), (2, 4, (256, 64))]


@pytest.mark.parametrize(("n", "m", "blocks"), _CASES)
def test_zorder_ranks_equal_dense(n, m, blocks):
    x = jnp.asarray(_rounded(n, m, 10 * n + m))
    got = pareto_rank_zorder(x, block=blocks[0], pivot_block=blocks[1])
    np.testing.assert_array_equal(np.asarray(got), np.asarray(pareto_rank_dense(x)))


@pytest.mark.parametrize("kind", ["rounded", "curve"])
def test_zorder_ranks_equal_moocore(kind):
    rng = np.random.default_rng(5)
    if kind == "rounded":
        x = _rounded(5000, 5, 3, specials=False)
    else:  # a thin noisy trade-off curve: most block pairs are pruned
        t = rng.random(5000)
        x = np.stack([t, 1 - t, (t - 0.5) ** 2, np.sqrt(t), 1 - t**2], axis=1)
        x = np.round(x + 0.02 * rng.standard_normal(x.shape), 2).astype(np.float32)
    got = np.asarray(pareto_rank_zorder(jnp.asarray(x)))
    np.testing.assert_array_equal(got, moocore.pareto_rank(x.astype(np.float64)))
    frac = float(zorder_pairs(jnp.asarray(x))[1])
    assert 0 < frac <= 1


def test_zorder_subnormals_compare_as_zero():
    tiny = np.finfo(np.float32).smallest_subnormal
    x = np.array([[0.0, 1.0, 1.0, 1.0], [tiny, 0.5, 1.0, 1.0], [-0.0, 1.0, 1.0, 1.0]] * 50,
                 np.float32)
    got = np.asarray(pareto_rank_zorder(jnp.asarray(x)))
    np.testing.assert_array_equal(got, np.tile([1, 0, 1], 50))


def test_zorder_block_must_be_a_multiple():
    with pytest.raises(ValueError, match="multiple of pivot_block"):
        pareto_rank_zorder(jnp.zeros((4, 4)), block=96, pivot_block=64)


def _cell_chain(n_chain, n_other, m=5, step=1e-6, seed=0):
    """Rows whose Morton codes tie but which dominate each other: a shuffled chain of
    ``n_chain`` rows ``0.3 + k * step`` (one cell of the grid for ``n_chain * step`` below
    ``2**-12``) among ``n_other`` uniform rows."""
    rng = np.random.default_rng(seed)
    chain = 0.3 + step * np.arange(n_chain)[:, None] * np.ones((1, m))
    x = np.concatenate([chain, rng.random((n_other, m))]).astype(np.float32)
    return x[rng.permutation(len(x))]


def _is_linear_extension(sorted_rows):
    le = np.all(sorted_rows[None, :, :] <= sorted_rows[:, None, :], axis=2)
    lt = np.any(sorted_rows[None, :, :] < sorted_rows[:, None, :], axis=2)
    dom = le & lt  # [i, j]: row j dominates row i
    return not np.any(np.triu(dom, 1))  # a dominator never comes after


# the tied rows re-sorted in place (60 <= slot_size(2000)) / everything re-sorted
@pytest.mark.parametrize(("n_chain", "step"), [(60, 1e-6), (1500, 1e-7)])
def test_zorder_layout_orders_rows_of_one_cell(n_chain, step):
    x = _cell_chain(n_chain, 2000 - n_chain, step=step)
    lay = zorder_layout(jnp.asarray(x), 128, 128)
    assert _is_linear_extension(x[np.asarray(lay.perm)])
    got = np.asarray(pareto_rank_zorder(jnp.asarray(x)))
    np.testing.assert_array_equal(got, np.asarray(pareto_rank_dense(jnp.asarray(x))))


@pytest.mark.parametrize("max_fraction", [0.0, 1.0])  # always the fallback / always Z-order
@pytest.mark.parametrize("kind", ["rounded", "cell"])
def test_pruned_ranks_equal_dense_on_both_branches(max_fraction, kind):
    x = _rounded(3000, 4, 8) if kind == "rounded" else _cell_chain(300, 2700, m=4)
    got = pareto_rank_pruned(jnp.asarray(x), fallback=pareto_rank_sweep,
                             max_fraction=max_fraction)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(pareto_rank_dense(jnp.asarray(x))))


@pytest.mark.parametrize("kind", ["curve", "uniform"])
def test_auto_ranks_take_zorder_on_a_curve_only(kind):
    """``"auto"`` for m >= 4 tests the sampled pair fraction: Z-order blocks on a noisy
    curve, the sum-sorted peel on uniform rows; moocore's ranks either way."""
    n = 5000
    assert _methods.rank_method("auto", n, 5) == "zorder:dedup:sorted"
    rng = np.random.default_rng(21)
    if kind == "curve":
        t = rng.random(n)
        x = np.stack([t, 1 - t, (t - 0.5) ** 2, np.sqrt(t), 1 - t**2], axis=1)
        x = (x + 0.02 * rng.standard_normal(x.shape)).astype(np.float32)
    else:
        x = rng.random((n, 5)).astype(np.float32)
    frac = float(sampled_pairs(jnp.asarray(x)))
    assert (frac <= max_pair_fraction(n)) == (kind == "curve"), frac
    np.testing.assert_array_equal(np.asarray(frontier.pareto_rank(x)),
                                  moocore.pareto_rank(x.astype(np.float64)))
