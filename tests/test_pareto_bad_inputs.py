"""No silent wrong answers from the Pareto functions: bad or edge inputs.

Each case is a ``ValueError``/``TypeError`` whose message names the argument, a documented
answer (checked against moocore or the brute-force oracles), or a warning. The precision
cases run with ``jax_enable_x64`` off (the default): float64 input that JAX would round to
float32.
"""

import warnings

import _oracles as oracle
import jax
import jax.numpy as jnp
import moocore
import numpy as np
import pytest

import frontier

X = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]], np.float32)
R = [4.0, 4.0]
CURVE = np.array([[0.0, 1.0], [np.nan, 0.5], [0.5, 0.3], [0.7, 0.2], [1.0, 0.0]])
#: The issue's precision example: three mutually non-dominated float64 points 1e-9 apart.
CLOSE = np.array([[1.0, 2.0], [1 + 1e-9, 2 - 1e-9], [1 - 1e-9, 2 + 1e-9]])
#: Two points and a reference point near 1e8 (float32 spacing there is 8).
NEAR = np.array([[1e8, 1e8 + 2.0], [1e8 + 1.0, 1e8 + 1.0]])
NEAR_REF = np.array([1e8 + 3.5, 1e8 + 3.5])


def _jit_filter():
    return jax.jit(lambda p: frontier.filter_dominated(p))(jnp.asarray(X))


# (label, thunk, exception, words the message must contain)
ERROR_CASES = [
    ("ragged points", lambda: frontier.is_nondominated([[1.0, 2.0], [1.0]]), ValueError,
     "`points` must be a rectangular"),
    ("ragged points, hypervolume", lambda: frontier.hypervolume([[1.0, 2.0], [1.0]], R),
     ValueError, "`points` must be a rectangular"),
    ("ragged ref", lambda: frontier.hypervolume(X, [[1.0], [1.0, 2.0]]), ValueError,
     "`ref` must be a rectangular"),
    ("bool points", lambda: frontier.pareto_rank(X > 1), TypeError, "points"),
    ("integer points", lambda: frontier.crowding_distance(X.astype(int)), TypeError,
     "astype(float)"),
    ("complex points", lambda: frontier.is_nondominated(X + 1j), TypeError, "points"),
    ("string points", lambda: frontier.is_nondominated(np.array([["a", "b"]])), TypeError,
     "points"),
    ("1-D points", lambda: frontier.is_nondominated(np.ones(3)), ValueError, "(n, m)"),
    ("no objectives", lambda: frontier.pareto_rank(np.zeros((3, 0))), ValueError, "m >= 1"),
    ("1-D batch", lambda: frontier.pareto_rank_batch(np.ones(3)), ValueError, "(..., n, m)"),
    ("maximise as an int", lambda: frontier.is_nondominated(X, maximise=1), TypeError,
     "maximise"),
    ("maximise too long", lambda: frontier.is_nondominated(X, maximise=[True] * 3),
     ValueError, "maximise"),
    ("keep_weakly as an int", lambda: frontier.is_nondominated(X, keep_weakly=1), TypeError,
     "keep_weakly"),
    ("unknown method", lambda: frontier.pareto_rank(X, method="fast"), ValueError, "method"),
    ("sweep mask with m = 3", lambda: frontier.is_nondominated(np.ones((2, 3)), method="sweep"),
     ValueError, "m <= 2"),
    ("filter_dominated under jit", _jit_filter, TypeError, "is_nondominated"),
    ("pareto_probability of no sets", lambda: frontier.pareto_probability(np.zeros((0, 3, 2))),
     ValueError, "at least one set"),
    ("NaN in ref", lambda: frontier.hypervolume(X, [np.nan, 4.0]), ValueError, "`ref`"),
    ("NaN in ref, contributions", lambda: frontier.hv_contributions(X, [4.0, np.nan]),
     ValueError, "`ref`"),
    ("NaN in ref, approx", lambda: frontier.hv_approx(X, [4.0, np.nan], key=0), ValueError,
     "`ref`"),
    ("ref of the wrong length", lambda: frontier.hypervolume(X, [4.0]), ValueError,
     "`ref` must have shape (2,)"),
    ("scalar ref", lambda: frontier.hypervolume(X, 4.0), ValueError, "`ref` must have shape"),
    ("bool ref", lambda: frontier.hypervolume(X, [True, True]), TypeError, "`ref`"),
    ("exact hypervolume with m = 4", lambda: frontier.hypervolume(np.ones((2, 4)), np.full(4, 2.0)),
     ValueError, "hv_approx"),
    ("contributions with m = 4",
     lambda: frontier.hv_contributions(np.ones((2, 4)), np.full(4, 2.0)), ValueError, "m <= 3"),
    ("seed 2**63", lambda: frontier.hv_approx(X, R, key=2**63), ValueError, "2**63"),
    ("seed below -2**63", lambda: frontier.hv_approx(X, R, key=-(2**63) - 1), ValueError,
     "`key`"),
    ("uint64 seed 2**63", lambda: frontier.hv_approx(X, R, key=np.uint64(2**63)), ValueError,
     "`key`"),
    ("seed as a float", lambda: frontier.hv_approx(X, R, key=1.5), TypeError, "key"),
    ("no key", lambda: frontier.hv_approx(X, R, key=None), TypeError, "key"),
    ("num_samples 0", lambda: frontier.hv_approx(X, R, key=0, num_samples=0), ValueError,
     "num_samples"),
    ("num_samples 2**31", lambda: frontier.hv_approx(X, R, key=0, num_samples=2**31),
     ValueError, "num_samples"),
    ("num_samples 10.5", lambda: frontier.hv_approx(X, R, key=0, num_samples=10.5), TypeError,
     "num_samples"),
    ("batch_size 0", lambda: frontier.hv_approx(X, R, key=0, batch_size=0), ValueError,
     "batch_size"),
    ("knee of NaN rows only", lambda: frontier.knee(np.full((4, 2), np.nan)), ValueError,
     "without NaN or inf"),
    ("knee with two finite rows", lambda: frontier.knee(CURVE[[0, 1, 2]]), ValueError,
     "without NaN or inf"),
    ("utopia knee of inf rows only",
     lambda: frontier.knee(np.full((2, 2), np.inf), method="utopia"), ValueError,
     "without NaN or inf"),
    ("soft knee of NaN rows only",
     lambda: frontier.soft_knee(np.full((4, 2), np.nan), temperature=0.1), ValueError,
     "without NaN or inf"),
    ("NaN utopia", lambda: frontier.knee(X, method="utopia", utopia=[np.nan, 0.0]), ValueError,
     "`utopia`"),
    ("infinite normalise scale", lambda: frontier.knee(X, normalise=[np.inf, 1.0]), ValueError,
     "`normalise`"),
    ("infinite t", lambda: frontier.knee(X, method="curvature", t=[0.0, 1.0, np.inf]),
     ValueError, "`t`"),
    ("NaN temperature", lambda: frontier.soft_knee(X, temperature=np.nan), ValueError,
     "temperature"),
]


@pytest.mark.parametrize(("label", "thunk", "exc", "words"), ERROR_CASES,
                         ids=[c[0] for c in ERROR_CASES])
def test_bad_input_raises_naming_the_argument(label, thunk, exc, words):
    with pytest.raises(exc) as info:
        thunk()
    assert words in str(info.value), str(info.value)


def _knee_of_finite_rows(method):
    """The knee of CURVE equals the knee of its finite rows, mapped back (for the curvature,
    at their own parameters: the default ``t`` is the row index in the input)."""
    got = frontier.knee(CURVE, method=method)
    keep = np.flatnonzero(np.isfinite(CURVE).all(axis=1))
    t = keep.astype(float) if method == "curvature" else None
    sub = frontier.knee(CURVE[keep], method=method, t=t)
    score = np.full(len(CURVE), -np.inf)
    score[keep] = np.asarray(sub.score)
    return (int(got.index), np.asarray(got.score)), (int(keep[int(sub.index)]), score)


def _soft_knee_nan_row():
    w = np.asarray(frontier.soft_knee(CURVE, temperature=0.05))
    return (float(w[1]), round(float(w.sum()), 5)), (0.0, 1.0)


def _jit_knee_all_nan():
    pts = jnp.full((4, 2), jnp.nan)
    index = jax.jit(lambda p: frontier.knee(p).index)(pts)
    weights = jax.jit(lambda p: frontier.soft_knee(p, temperature=0.1))(pts)
    return (int(index), np.asarray(weights).tolist()), (-1, [0.0] * 4)


def _hv_near_1e8():
    got = float(frontier.hypervolume(NEAR, NEAR_REF))
    return got, moocore.hypervolume(NEAR, ref=NEAR_REF)


def _hvc_near_1e8():
    got = np.asarray(frontier.hv_contributions(NEAR, NEAR_REF))
    return got, moocore.hv_contributions(NEAR, ref=NEAR_REF, ignore_dominated=False)


def _hv_near_1e8_maximised():
    got = float(frontier.hypervolume(-NEAR, -NEAR_REF, maximise=True))
    return got, moocore.hypervolume(NEAR, ref=NEAR_REF)


def _hv_approx_near_1e8():
    est = frontier.hv_approx(NEAR, NEAR_REF, key=0, num_samples=2**14)
    exact = moocore.hypervolume(NEAR, ref=NEAR_REF)
    return abs(float(est.value) - exact) <= 4 * float(est.stderr), True


def _crowding_near_1e8():
    pts = np.array([[0.0, 3.0], [1.0, 2.0], [2.0, 1.0], [3.0, 0.0]])
    got = np.asarray(frontier.crowding_distance(pts + 1e8))
    return got, oracle.crowding(pts)


def _rank_close():
    pts = CLOSE + np.array([[0.0, 0.0], [0.0, 1e-9], [0.0, 0.0]])
    return np.asarray(frontier.pareto_rank(pts)), moocore.pareto_rank(pts)


def _knee_near_1e8():
    q, _ = oracle.random_curve(np.random.default_rng(0), 9, 2)
    got = frontier.knee(q * 1e-6 + 1e8, normalise="minmax")
    want = frontier.knee(q, normalise="minmax")
    return int(got.index), int(want.index)


def _pareto_probability_close():
    sets = np.stack([CLOSE, CLOSE[::-1]])
    return np.asarray(frontier.pareto_probability(sets)).tolist(), [1.0, 1.0, 1.0]


def _jit_equals_eager():
    x = jnp.asarray(oracle.dominance_set(np.random.default_rng(1), 40, 3, "inf"))
    eager = (frontier.is_nondominated(x), frontier.pareto_rank(x), frontier.crowding_distance(x))
    jitted = jax.jit(lambda p: (frontier.is_nondominated(p), frontier.pareto_rank(p),
                                frontier.crowding_distance(p)))(x)
    return tuple(np.asarray(a) for a in jitted), tuple(np.asarray(a) for a in eager)


def _traced_nan_ref():
    ref = jnp.array([jnp.nan, 4.0])  # not checked under jit: nothing dominates NaN
    return float(jax.jit(lambda p, r: frontier.hypervolume(p, r))(jnp.asarray(X), ref)), 0.0


def _huge_m():
    x = np.random.default_rng(2).random((12, 64)).astype(np.float32)
    x[3] = x[2] + 0.01  # one dominated row
    got = (np.asarray(frontier.is_nondominated(x)), np.asarray(frontier.pareto_rank(x)))
    return [a.tolist() for a in got], [oracle.nondominated(x).tolist(),
                                       oracle.pareto_rank(x).tolist()]


def _half_precision(dtype):
    x = oracle.dominance_set(np.random.default_rng(3), 30, 2, "ties")
    h = jnp.asarray(x, dtype)
    got = (np.asarray(frontier.is_nondominated(h)), np.asarray(frontier.pareto_rank(h)),
           float(frontier.hypervolume(h, [4.0, 4.0])))
    want = (oracle.nondominated(x), oracle.pareto_rank(x), oracle.hypervolume(x, [4.0, 4.0]))
    return tuple(np.asarray(a) for a in got), tuple(np.asarray(a) for a in want)


def _infinities():
    x = np.array([[np.inf, 1.0], [-np.inf, 5.0], [1.0, -np.inf], [2.0, 2.0]], np.float32)
    got = (np.asarray(frontier.is_nondominated(x)).tolist(),
           np.asarray(frontier.pareto_rank(x)).tolist(),
           float(frontier.hypervolume(x, R)),
           np.asarray(frontier.hv_contributions(x[3:], [np.inf, 4.0])).tolist())
    want = (oracle.nondominated(x).tolist(), oracle.pareto_rank(x).tolist(), np.inf, [np.inf])
    return got, want


# (label, thunk returning (got, want)): documented answers, compared exactly or to rtol 1e-6
VALUE_CASES = [
    ("float64 front points 1e-9 apart", lambda: (np.asarray(frontier.is_nondominated(CLOSE)),
                                                moocore.is_nondominated(CLOSE))),
    ("float64 ranks 1e-9 apart", _rank_close),
    ("float64 filter_dominated 1e-9 apart",
     lambda: (len(frontier.filter_dominated(CLOSE)), 3)),
    ("float64 batch masks 1e-9 apart",
     lambda: (np.asarray(frontier.is_nondominated_batch(CLOSE[None])).tolist(), [[True] * 3])),
    ("float64 pareto_probability 1e-9 apart", _pareto_probability_close),
    ("float64 hypervolume near 1e8", _hv_near_1e8),
    ("float64 hypervolume near 1e8, maximised", _hv_near_1e8_maximised),
    ("float64 contributions near 1e8", _hvc_near_1e8),
    ("float64 hv_approx near 1e8 within 4 stderr", _hv_approx_near_1e8),
    ("float64 crowding near 1e8", _crowding_near_1e8),
    ("float64 knee near 1e8", _knee_near_1e8),
    ("knee leaves the NaN row out (chord)", lambda: _knee_of_finite_rows("chord")),
    ("knee leaves the NaN row out (utopia)", lambda: _knee_of_finite_rows("utopia")),
    ("knee leaves the NaN row out (curvature)", lambda: _knee_of_finite_rows("curvature")),
    ("knee leaves the NaN row out (paper)", lambda: _knee_of_finite_rows("paper")),
    ("soft knee gives the NaN row weight 0", _soft_knee_nan_row),
    ("knee under jit with no finite row", _jit_knee_all_nan),
    ("empty mask", lambda: (frontier.is_nondominated(np.zeros((0, 2))).shape, (0,))),
    ("empty ranks", lambda: (frontier.pareto_rank(np.zeros((0, 3))).shape, (0,))),
    ("empty crowding", lambda: (frontier.crowding_distance(np.zeros((0, 2))).shape, (0,))),
    ("empty hypervolume", lambda: (float(frontier.hypervolume(np.zeros((0, 2)), R)), 0.0)),
    ("empty contributions", lambda: (frontier.hv_contributions(np.zeros((0, 3)),
                                                               [1.0] * 3).shape, (0,))),
    ("empty hv_approx", lambda: (tuple(map(float, frontier.hv_approx(np.zeros((0, 2)), R,
                                                                     key=0))), (0.0, 0.0))),
    ("pareto_probability of empty sets",
     lambda: (frontier.pareto_probability(np.zeros((2, 0, 2))).shape, (0,))),
    ("one point", lambda: ((np.asarray(frontier.is_nondominated(X[:1])).tolist(),
                            np.asarray(frontier.pareto_rank(X[:1])).tolist(),
                            np.asarray(frontier.crowding_distance(X[:1])).tolist(),
                            float(frontier.hypervolume(X[:1], R)),
                            np.asarray(frontier.hv_contributions(X[:1], R)).tolist()),
                           ([True], [0], [0.0], 6.0, [6.0]))),
    ("m = 1", lambda: ((np.asarray(frontier.is_nondominated(np.array([[3.0], [1.0], [1.0]])))
                        .tolist(), np.asarray(frontier.pareto_rank(np.array([[3.0], [1.0],
                                                                             [2.0]]))).tolist(),
                        float(frontier.hypervolume(np.array([[3.0], [1.0]]), [4.0]))),
                       ([False, True, False], [2, 0, 1], 3.0))),
    ("m = 64", _huge_m),
    ("float16", lambda: _half_precision(jnp.float16)),
    ("bfloat16", lambda: _half_precision(jnp.bfloat16)),
    ("+-inf coordinates", _infinities),
    ("jit equals eager", _jit_equals_eager),
    ("NaN ref under jit", _traced_nan_ref),
    ("int ref", lambda: (float(frontier.hypervolume(X, [4, 4])), 8.0)),
]


@pytest.mark.parametrize(("label", "thunk"), VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_edge_input_gives_the_documented_answer(label, thunk):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a documented answer comes without a warning
        got, want = thunk()
    _check(got, want)


def _check(got, want):
    """Tuples elementwise; floats to rtol 1e-6 (infinities equal); the rest exactly."""
    if isinstance(want, tuple):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            _check(g, w)
    elif isinstance(want, float | np.floating) or (
        isinstance(want, np.ndarray) and want.dtype.kind == "f"
    ):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    else:
        np.testing.assert_array_equal(got, want)


def _merged_distances(fn):
    # distances to ref of -1 and -1 - 1e-9 are one float32 value
    pts = np.array([[-1.0, -2.0], [-1.0 - 1e-9, -1.5]])
    return fn(pts, np.zeros(2))


# (label, thunk, words the warning must contain)
WARNING_CASES = [
    ("hypervolume: float32 merges distances to ref",
     lambda: _merged_distances(frontier.hypervolume), "jax_enable_x64"),
    ("contributions: float32 merges distances to ref",
     lambda: _merged_distances(frontier.hv_contributions), "jax_enable_x64"),
    ("hypervolume: a volume beyond float16",
     lambda: frontier.hypervolume(jnp.asarray([[1.0, 2.0]], jnp.float16), [300.0, 300.0]),
     "overflows float16"),
]


@pytest.mark.parametrize(("label", "thunk", "words"), WARNING_CASES,
                         ids=[c[0] for c in WARNING_CASES])
def test_lossy_input_warns(label, thunk, words):
    with pytest.warns(UserWarning, match=words):
        thunk()


def test_float64_input_that_float32_resolves_gives_no_warning():
    x = oracle.hv_set(np.random.default_rng(4), 200, 3, "front")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = float(frontier.hypervolume(x, np.full(3, 1.1)))
    assert got == pytest.approx(moocore.hypervolume(x, ref=np.full(3, 1.1)), rel=1e-6)


@pytest.mark.parametrize("m", [2, 3, 5])
def test_subnormals_compare_as_zero_in_every_method(m):
    """README "Subnormal numbers": XLA flushes them, so ``(1e-45, 1, ...)`` is ``(0, 1, ...)``
    and dominates ``(0, 2, ...)`` whatever the method and size (moocore keeps them apart)."""
    from frontier._methods import DOMINANCE_METHODS

    tiny = np.nextafter(np.float32(0), np.float32(1))
    pair = np.array([[tiny] + [1] * (m - 1), [0] + [2] * (m - 1)], np.float32)
    x = np.concatenate([pair, np.full((698, m), 5, np.float32)])
    for method in DOMINANCE_METHODS:
        if method != "sweep" or m <= 2:
            got = np.asarray(frontier.is_nondominated(x, method=method))[:2]
            assert got.tolist() == [True, False], method
        if method != "sweep" or m <= 3:
            got = np.asarray(frontier.pareto_rank(x, method=method))[:2]
            assert got.tolist() == [0, 1], method


@pytest.mark.parametrize("num_samples", [1, 2, 3, 5, 8])
def test_hv_approx_stderr_is_positive_for_a_handful_of_samples(num_samples):
    # all samples dominated or none: the binomial formula would say 0
    pts = np.array([[0.0, 0.999], [0.999, 0.0]])  # p = 0.002: a few samples hit nothing
    est = frontier.hv_approx(pts, [1.0, 1.0], key=0, num_samples=num_samples)
    assert float(est.stderr) > 0
    exact = oracle.hypervolume(pts, [1.0, 1.0])
    assert abs(float(est.value) - exact) <= 4 * float(est.stderr)


def test_hv_approx_four_stderr_covers_the_truth_at_small_counts():
    pts = np.array([[0.25, 0.75], [0.75, 0.25]])
    exact = oracle.hypervolume(pts, [1.0, 1.0])
    for n in (4, 16, 64):
        misses = 0
        for seed in range(100):
            est = frontier.hv_approx(pts, [1.0, 1.0], key=seed, num_samples=n)
            misses += abs(float(est.value) - exact) > 4 * float(est.stderr)
        assert misses == 0, n


def test_seed_range_edges_are_accepted():
    for seed in (2**63 - 1, -(2**63), np.int64(-5), np.uint64(2**63 - 1)):
        est = frontier.hv_approx(X, R, key=seed, num_samples=16)
        assert np.isfinite(float(est.value))
