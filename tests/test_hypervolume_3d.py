"""3-D hypervolume and exclusive contributions (``hv3``, ``hvc3``) against moocore and the
brute force: ties, duplicates, coordinates on the reference, NaN, +-inf, tiny and large sets,
front and random data, through the public functions and the kernels."""

import _oracles as oracle
import jax.numpy as jnp
import moocore
import numpy as np
import pytest

import frontier
from frontier.kernels import hypervolume as K

REF = np.ones(3)


def contributions(x, ref=REF):
    return np.asarray(frontier.hv_contributions(jnp.asarray(x, jnp.float32), ref))


def volume(x, ref=REF):
    return float(frontier.hypervolume(jnp.asarray(x, jnp.float32), ref))


def moocore_contributions(x, ref=REF):
    return moocore.hv_contributions(np.asarray(x, np.float64), ref=np.asarray(ref, np.float64),
                                    ignore_dominated=False)


def front(rng, n):
    return oracle.hv_set(rng, n, 3, "front").astype(np.float32)


def random(rng, n):
    return rng.random((n, 3)).astype(np.float32)


def ties(rng, n, levels=4):
    return (rng.integers(0, levels + 1, (n, 3)) / levels).astype(np.float32)


def duplicates(rng, n):
    base = front(rng, max(1, n // 4))
    return base[rng.integers(0, len(base), n)]


def on_ref(rng, n):
    """Rows with one or two coordinates exactly equal to the reference."""
    x = random(rng, n)
    rows = rng.integers(0, n, max(1, n // 3))
    cols = rng.integers(0, 3, len(rows))
    x[rows, cols] = 1.0
    x[rows[: len(rows) // 2], (cols[: len(rows) // 2] + 1) % 3] = 1.0
    return x


SETS = {"front": front, "random": random, "ties": ties, "duplicates": duplicates,
        "on_ref": on_ref}


# ----------------------------------------------------------------------- small: brute force


@pytest.mark.parametrize("kind", list(SETS))
def test_small_sets_match_the_brute_force_and_moocore(kind):
    rng = np.random.default_rng((3, list(SETS).index(kind)))
    for n in (1, 2, 3, 7, 16, 30):
        for _ in range(3):
            x = SETS[kind](rng, n)
            want = oracle.hv_contributions(x, REF)
            got = contributions(x)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7, err_msg=str(x))
            np.testing.assert_allclose(got, moocore_contributions(x), rtol=1e-5, atol=1e-7)
            assert volume(x) == pytest.approx(oracle.hypervolume(x, REF), rel=1e-6, abs=1e-8)


def test_ties_on_a_coarse_grid_are_exact():
    """Integer coordinates: every volume is an exact integer, including ties in all three
    coordinates, duplicated rows (contribute 0 each) and rows on ref (contribute 0)."""
    rng = np.random.default_rng(11)
    ref = np.full(3, 3.0)
    for n in (2, 5, 10, 20):
        for _ in range(10):
            x = rng.integers(0, 4, (n, 3)).astype(np.float32)
            got = contributions(x, ref)
            np.testing.assert_array_equal(got, oracle.hv_contributions(x, ref), err_msg=str(x))
            assert volume(x, ref) == oracle.hypervolume(x, ref)


def test_duplicated_rows_contribute_nothing_and_the_copy_counts_once():
    x = np.array([[0.2, 0.5, 0.5], [0.2, 0.5, 0.5], [0.5, 0.2, 0.4]], np.float32)
    got = contributions(x)
    assert got[0] == 0.0 and got[1] == 0.0
    # its box 0.5 * 0.8 * 0.6 less the part the copies cover, [0.5, 1)^3
    assert got[2] == pytest.approx(0.5 * 0.8 * 0.6 - 0.5**3)
    assert volume(x) == pytest.approx(volume(x[1:]))


def test_empty_and_single_row():
    empty = np.zeros((0, 3), np.float32)
    assert contributions(empty).shape == (0,)
    assert volume(empty) == 0.0
    for row in ([0.5, 0.5, 0.5], [0.0, 0.25, 0.75]):
        want = float(np.prod(1.0 - np.array(row)))
        assert contributions([row]).tolist() == [pytest.approx(want)]
        assert volume([row]) == pytest.approx(want)
    assert contributions([[1.0, 0.5, 0.5]]).tolist() == [0.0]  # on ref in x: no volume
    assert contributions([[1.0, 1.0, 1.0]]).tolist() == [0.0]
    assert volume([[1.0, 1.0, 1.0]]) == 0.0


def test_rows_with_nan_contribute_nothing_and_change_nothing():
    rng = np.random.default_rng(5)
    for n in (3, 20, 400):
        x = front(rng, n)
        y = x.copy()
        y[0, 1] = np.nan
        y[n // 2, 2] = np.nan
        keep = ~np.isnan(y).any(axis=1)
        got = contributions(y)
        assert got[0] == 0.0 and got[n // 2] == 0.0
        np.testing.assert_allclose(got[keep], moocore_contributions(y[keep]), rtol=2e-5,
                                   atol=1e-7)
        assert volume(y) == pytest.approx(volume(y[keep]), rel=1e-6)


def test_infinite_coordinates():
    """-inf below ref makes an unbounded region (inf for the rows that own it, never NaN);
    +inf never dominates a finite ref; ref = +inf in a coordinate: every row is unbounded."""
    x = np.array([[0.5, -np.inf, 0.5], [0.2, 0.5, 0.5], [0.6, 0.6, 0.6]], np.float32)
    got = contributions(x)
    assert got[0] == np.inf and np.isfinite(got[1]) and got[2] == 0.0
    assert not np.isnan(got).any()
    assert volume(x) == np.inf
    y = np.array([[0.5, np.inf, 0.5], [0.2, 0.5, 0.5]], np.float32)
    got = contributions(y)
    assert got[0] == 0.0 and got[1] == pytest.approx(0.8 * 0.5 * 0.5)
    assert volume(y) == pytest.approx(0.8 * 0.5 * 0.5)
    ref = np.array([1.0, 1.0, np.inf])
    top = contributions([[0.2, 0.2, 0.2], [0.1, 0.5, 0.5]], ref)
    assert top.tolist() == [np.inf, np.inf]
    assert volume([[0.2, 0.2, 0.2]], np.array([1.0, 1.0, -np.inf])) == 0.0


def test_inf_rows_in_a_large_set_leave_the_other_contributions_exact():
    rng = np.random.default_rng(8)
    x = front(rng, 600)
    y = x.copy()
    y[3] = [np.inf, 0.1, 0.1]  # never counts
    y[7, 2] = np.inf
    keep = np.isfinite(y).all(axis=1)
    got = contributions(y)
    assert got[3] == 0.0 and got[7] == 0.0
    np.testing.assert_allclose(got[keep], moocore_contributions(y[keep]), rtol=2e-5,
                               atol=1e-7)
    z = x.copy()
    z[5, 1] = -np.inf  # y = -inf: the staircase walk must stop at its end (it hung)
    assert volume(z) == np.inf and volume(z[:50]) == np.inf


# ----------------------------------------------------------------------- large: moocore


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["front", "random", "ties", "duplicates", "on_ref"])
def test_large_sets_match_moocore(kind):
    """Above the pre-filter's threshold and beyond 1000 rows, on every kind of set."""
    rng = np.random.default_rng((9, list(SETS).index(kind)))
    for n in (K.PREFILTER_MIN + 7, 1500, 4000):
        x = SETS[kind](rng, n)
        got = contributions(x)
        want = moocore_contributions(x)
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=1e-7)  # float32 sums
        assert volume(x) == pytest.approx(float(moocore.hypervolume(
            x.astype(np.float64), ref=REF)), rel=2e-6)


@pytest.mark.slow
def test_front_contributions_are_positive_and_sum_below_the_volume():
    """Almost every row of a front contributes; the exclusive parts are disjoint."""
    rng = np.random.default_rng(12)
    x = front(rng, 2000)
    got = contributions(x)
    # rounded to float32 a few rows may become weakly dominated: they contribute 0
    assert np.all(got >= 0) and np.mean(got > 0) > 0.99
    assert float(np.sum(got, dtype=np.float64)) <= volume(x) * (1 + 1e-5)
    np.testing.assert_allclose(got, moocore_contributions(x), rtol=2e-4, atol=1e-7)


def test_kernels_equal_the_public_functions():
    rng = np.random.default_rng(4)
    for n in (5, 300):
        x = random(rng, n)
        ref = jnp.asarray(REF, jnp.float32)
        np.testing.assert_array_equal(np.asarray(K.hvc3(jnp.asarray(x), ref)), contributions(x))
        assert float(K.hv3(jnp.asarray(x), ref)) == pytest.approx(volume(x), rel=1e-6)
