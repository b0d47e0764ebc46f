"""Dominance against moocore on tie-heavy sets, for every method (a second, independent oracle)."""

import _oracles as oracle
import moocore
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import frontier

METHODS = ["auto", "dense", "blocked", "sweep", "filter"]


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("m", [1, 2, 3, 5])
def test_masks_and_ranks_match_moocore(method, m):
    if method == "sweep" and m > 2:
        with pytest.raises(ValueError, match="sweep"):
            frontier.is_nondominated(np.ones((3, m)), method=method)
        if m > 3:
            with pytest.raises(ValueError, match="sweep"):
                frontier.pareto_rank(np.ones((3, m)), method=method)
            return
        rng = np.random.default_rng(m)
        for _ in range(10):
            x = rng.integers(0, 4, (int(rng.integers(1, 80)), m)).astype(float)
            np.testing.assert_array_equal(np.asarray(frontier.pareto_rank(x, method=method)),
                                          moocore.pareto_rank(x))
        return
    rng = np.random.default_rng(m)
    for _ in range(10):
        n = int(rng.integers(1, 80))
        x = rng.integers(0, 4, (n, m)).astype(float)  # many ties and duplicates
        for kw in (False, True):
            got = np.asarray(frontier.is_nondominated(x, keep_weakly=kw, method=method))
            np.testing.assert_array_equal(got, moocore.is_nondominated(x, keep_weakly=kw))
        np.testing.assert_array_equal(np.asarray(frontier.pareto_rank(x, method=method)),
                                      moocore.pareto_rank(x))


@pytest.mark.parametrize("method", [m for m in METHODS if m != "sweep"])
def test_nan_rows_match_brute_force_and_rank_last(method):
    rng = np.random.default_rng(0)
    for _ in range(8):
        x = rng.integers(0, 3, (40, 3)).astype(float)
        x[rng.random(40) < 0.1, rng.integers(0, 3)] = np.nan
        got = np.asarray(frontier.is_nondominated(x, method=method))
        np.testing.assert_array_equal(got, oracle.nondominated(x))
        r = np.asarray(frontier.pareto_rank(x, method=method))
        nan = np.isnan(x).any(1)
        if nan.any() and (~nan).any():
            assert np.all(r[nan] == r[~nan].max() + 1)


def test_maximise_filter_dominated_and_edge_sizes_match_moocore():
    x = np.array([[1.0, 5.0], [2.0, 6.0], [0.5, 1.0], [2.0, 6.0]])
    mask = np.asarray(frontier.is_nondominated(x, maximise=[False, True]))
    np.testing.assert_array_equal(mask, moocore.is_nondominated(x, maximise=[False, True]))
    np.testing.assert_array_equal(np.asarray(frontier.filter_dominated(x)),
                                  moocore.filter_dominated(x))
    assert np.asarray(frontier.is_nondominated(np.zeros((0, 3)))).shape == (0,)
    assert np.asarray(frontier.is_nondominated(np.ones((1, 2)))).tolist() == [True]
    with pytest.raises(TypeError):
        frontier.is_nondominated(np.ones((3, 2), dtype=int))
    with pytest.raises(ValueError):
        frontier.is_nondominated(np.ones(3))


def test_batched_masks_match_moocore_per_set_and_probability_is_their_mean():
    rng = np.random.default_rng(1)
    xb = rng.random((50, 16, 3))
    mb = np.asarray(frontier.is_nondominated_batch(xb))
    for b in range(50):
        np.testing.assert_array_equal(mb[b], moocore.is_nondominated(xb[b]))
    p = np.asarray(frontier.pareto_probability(xb))
    np.testing.assert_allclose(p, mb.mean(0))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.integers(2, 3), st.integers(0, 10_000))
def test_permutation_equivariance_and_monotone_maps(n, m, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 5, (n, m)).astype(float)
    perm = rng.permutation(n)
    r = np.asarray(frontier.pareto_rank(x))
    np.testing.assert_array_equal(np.asarray(frontier.pareto_rank(x[perm])), r[perm])
    np.testing.assert_array_equal(np.asarray(frontier.pareto_rank(np.exp(x) * 3 - 1)), r)
