"""``pareto_rank_zorder`` (dominance depth over Z-order blocks) against the all-pairs kernel
and moocore: ties, duplicates, NaN, +-inf, subnormals, n = 1, block sizes."""

import jax.numpy as jnp
import moocore
import numpy as np
import pytest

from frontier.kernels.dense import pareto_rank_dense
from frontier.kernels.zorder import pareto_rank_zorder, zorder_pairs


def _rounded(n, m, seed, specials=True):
    rng = np.random.default_rng(seed)
    x = np.round(rng.random((n, m)), 1).astype(np.float32)
    if specials:
        x[rng.random((n, m)) < 0.01] = np.inf
        x[rng.random((n, m)) < 0.01] = -np.inf
        x[rng.random((n, m)) < 0.005] = np.nan
    x[n // 2:] = x[: n - n // 2] if n > 3 else x[n // 2:]  # exact duplicates
    return x


@pytest.mark.parametrize("m", [1, 2, 4, 5, 7])
@pytest.mark.parametrize("n", [1, 2, 300, 2000])
@pytest.mark.parametrize("blocks", [(128, 128), (256, 64)])
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
