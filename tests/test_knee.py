"""Knee scores against NumPy oracles (incl. the reference code's loops) and soft-knee limits."""

import _oracles as oracle
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import frontier
from frontier.kernels import knee as K

METHODS = ("utopia", "chord", "curvature", "paper")


# ----------------------------------------------------------------------------- scores


@pytest.mark.parametrize("m", [2, 3, 5])
def test_scores_match_numpy(m):
    rng = np.random.default_rng(m)
    for n in (3, 4, 11, 40):
        q, t = oracle.random_curve(rng, n, m)
        qn = oracle.minmax(q)
        chord = frontier.knee(q.astype(np.float32)).score
        np.testing.assert_allclose(chord, oracle.chord_scores(qn), rtol=1e-5, atol=1e-6)
        got = frontier.knee(q.astype(np.float32), method="curvature", t=t.astype(np.float32))
        np.testing.assert_allclose(got.score, oracle.curvature_scores(qn, t), rtol=2e-3, atol=1e-5)
        util = frontier.knee(q.astype(np.float32), method="utopia").score
        np.testing.assert_allclose(util, -np.linalg.norm(qn, axis=1), rtol=1e-5, atol=1e-6)


def test_curvature_is_exact_on_a_parabola_with_uneven_spacing():
    t = np.array([0.0, 0.3, 0.35, 1.0, 1.7, 1.8, 3.0])
    q = np.stack([t, t**2], axis=1)
    expected = 2 / (1 + 4 * t**2) ** 1.5
    got = K.curvature_score(jnp.asarray(q, jnp.float32), jnp.asarray(t, jnp.float32))
    np.testing.assert_allclose(np.asarray(got)[1:-1], expected[1:-1], rtol=1e-4)
    assert np.isneginf(np.asarray(got)[[0, -1]]).all()


def test_curvature_invariant_to_affine_reparametrisation():
    rng = np.random.default_rng(0)
    q, t = oracle.random_curve(rng, 15, 3)
    a = K.curvature_score(jnp.asarray(q), jnp.asarray(t))
    b = K.curvature_score(jnp.asarray(q), jnp.asarray(3.0 * t + 7.0))
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4)


def test_paper_rule_matches_reference_code():
    rng = np.random.default_rng(1)
    for trial in range(20):
        pts, _ = oracle.paper_front(rng, n=(3, 4, 9, 24)[trial % 4], noise=0.02)
        scaled = pts / np.array([0.5, 60.0, 1.0])  # the reference's (C/C_max, T/T_max, A)
        got = frontier.knee(pts, method="paper", normalise=[0.5, 60.0, 1.0],
                            maximise=[False, False, True])
        assert int(got.index) == oracle.reference_knee_curvature(scaled), trial
        got = frontier.knee(pts, normalise=[0.5, 60.0, 1.0], maximise=[False, False, True])
        assert int(got.index) == oracle.reference_knee_chord(scaled), trial


def test_paper_rule_is_degenerate_when_cost_and_time_are_linear():
    # the paper's model: C, T linear in k -> the 2-D cross product vanishes
    rng = np.random.default_rng(0)
    pts, k = oracle.paper_front(rng)
    score = np.asarray(frontier.knee(pts, method="paper", normalise=None).score)
    assert np.nanmax(score[1:-1]) < 1e-6
    # the full-curve rule sees the accuracy bend instead
    curv = frontier.knee(pts, method="curvature", t=k, maximise=[False, False, True])
    assert 0 < int(curv.index) < len(k) - 1
    assert float(np.max(np.asarray(curv.score))) > 1e-2


def test_utopia_with_paper_normalisation():
    rng = np.random.default_rng(2)
    pts, _ = oracle.paper_front(rng, noise=0.01)
    c_max, t_max = 0.5, 60.0
    got = frontier.knee(pts, method="utopia", normalise=[c_max, t_max, 1.0],
                        utopia=[0.0, 0.0, 1.0], maximise=[False, False, True])
    scaled = np.stack([pts[:, 0] / c_max, pts[:, 1] / t_max, 1 - pts[:, 2]], 1)
    dist = np.linalg.norm(scaled, axis=1)
    assert int(got.index) == int(np.argmin(dist))
    np.testing.assert_allclose(np.asarray(got.score), -dist, rtol=1e-6)


def test_maximise_and_raw_normalisation():
    rng = np.random.default_rng(3)
    q, _ = oracle.random_curve(rng, 12, 3)
    flipped = q * np.array([1.0, 1.0, -1.0])
    for method in ("chord", "curvature", "utopia"):
        a = frontier.knee(q, method=method)
        b = frontier.knee(flipped, method=method, maximise=[False, False, True])
        assert int(a.index) == int(b.index)
        np.testing.assert_allclose(np.asarray(a.score), np.asarray(b.score), rtol=1e-5)
    raw = frontier.knee(q, normalise=None).score
    np.testing.assert_allclose(np.asarray(raw), oracle.chord_scores(q), rtol=1e-5, atol=1e-6)


def test_degenerate_fronts_have_finite_scores():
    flat = np.zeros((5, 3))  # every point equal: spans and chord are zero
    for method in METHODS:
        s = np.asarray(frontier.knee(flat, method=method).score)
        assert not np.isnan(s).any()
    line = np.stack([np.arange(5.0), -np.arange(5.0)], 1)
    s = np.asarray(frontier.knee(line).score)
    np.testing.assert_array_equal(s[1:-1], 0.0)
    assert int(frontier.knee(line).index) == 1
    one = frontier.knee(np.array([[1.0, 2.0]]), method="utopia")
    assert int(one.index) == 0 and float(one.score[0]) == 0.0


# ----------------------------------------------------------------------------- soft knee


@pytest.mark.parametrize("method", METHODS)
def test_soft_knee_converges_to_hard_knee(method):
    rng = np.random.default_rng(4)
    pts, k = oracle.paper_front(rng, noise=0.05)
    kw = dict(method=method, maximise=[False, False, True])
    if method == "curvature":
        kw["t"] = k
    hard = frontier.knee(pts, **kw)
    score = np.asarray(hard.score)
    gap = np.sort(score[np.isfinite(score)])[-1] - np.sort(score[np.isfinite(score)])[-2]
    assert gap > 0
    prev = 0.0
    for rel in (1.0, 0.3, 0.1, 0.03, 0.01):
        w = np.asarray(frontier.soft_knee(pts, temperature=rel * gap, **kw))
        assert w.sum() == pytest.approx(1.0, abs=1e-5)
        assert np.all(w[~np.isfinite(score)] == 0)
        assert w[int(hard.index)] >= prev - 1e-6
        prev = w[int(hard.index)]
    assert prev > 1 - 1e-6


@pytest.mark.parametrize("method", METHODS)
def test_soft_knee_gradients_float64(method):
    with jax.enable_x64(True):
        rng = np.random.default_rng(5)
        pts, k = oracle.paper_front(rng, n=9, noise=0.05)
        pts = jnp.asarray(pts)
        tt = jnp.asarray(k) if method == "curvature" else None
        target = jnp.asarray(np.random.default_rng(0).normal(size=pts.shape))

        def expected_knee(p):
            w = frontier.soft_knee(p, temperature=0.05, method=method, t=tt,
                                   maximise=[False, False, True])
            return jnp.sum((w @ p) * target[0])

        g = jax.grad(expected_knee)(pts)
        assert g.dtype == jnp.float64 and bool(jnp.all(jnp.isfinite(g)))
        check_grads(expected_knee, (pts,), order=1, modes=("rev", "fwd"), eps=1e-6, atol=1e-5,
                    rtol=1e-5)


def test_soft_knee_gradients_finite_on_degenerate_input():
    flat = jnp.zeros((4, 2))
    for method in METHODS:
        g = jax.grad(lambda p, m=method: frontier.soft_knee(p, temperature=0.1, method=m)[1])(
            flat
        )
        assert bool(jnp.all(jnp.isfinite(g))), method


# ----------------------------------------------------------------------------- transforms, dtypes


def test_jit_equals_eager_and_output_dtypes_follow_input():
    rng = np.random.default_rng(6)
    q, t = oracle.random_curve(rng, 10, 3)
    x = jnp.asarray(q, jnp.float32)
    for method in METHODS:
        eager = frontier.knee(x, method=method)
        jitted = jax.jit(lambda p, m=method: frontier.knee(p, method=m))(x)
        assert int(eager.index) == int(jitted.index)
        np.testing.assert_allclose(np.asarray(eager.score), np.asarray(jitted.score), rtol=1e-6)
        assert eager.score.dtype == jnp.float32 and eager.index.dtype == jnp.int32
    assert frontier.knee(x.astype(jnp.bfloat16)).score.dtype == jnp.bfloat16
    assert frontier.soft_knee(x.astype(jnp.float16), temperature=0.1).dtype == jnp.float16
    with jax.enable_x64(True):
        x64 = jnp.asarray(q, jnp.float64)
        assert frontier.knee(x64, method="curvature", t=t).score.dtype == jnp.float64
        assert frontier.soft_knee(x64, temperature=0.1).dtype == jnp.float64


def test_invalid_inputs_raise_errors_naming_the_argument():
    x = np.random.default_rng(0).random((5, 3))
    with pytest.raises(ValueError, match="unknown knee method"):
        frontier.knee(x, method="elbow")
    with pytest.raises(ValueError, match="at least 3"):
        frontier.knee(x[:2])
    with pytest.raises(ValueError, match="at least 3"):
        frontier.knee(x[:2], method="curvature")
    with pytest.raises(ValueError, match="at least one"):
        frontier.knee(x[:0], method="utopia")
    with pytest.raises(ValueError, match="only used by method='curvature'"):
        frontier.knee(x, t=np.arange(5.0))
    with pytest.raises(ValueError, match="strictly increasing"):
        frontier.knee(x, method="curvature", t=[0.0, 1.0, 1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        frontier.knee(x, method="curvature", t=np.arange(4.0))
    with pytest.raises(ValueError, match="positive"):
        frontier.knee(x, normalise=[1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        frontier.knee(x, normalise=[1.0, 1.0])
    with pytest.raises(ValueError, match="normalise"):
        frontier.knee(x, normalise="zscore")
    with pytest.raises(ValueError, match="only used by method='utopia'"):
        frontier.knee(x, utopia=[0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="m >= 2"):
        frontier.knee(x[:, :1], method="paper")
    with pytest.raises(ValueError, match="temperature"):
        frontier.soft_knee(x, temperature=0.0)
    with pytest.raises(TypeError, match="floating"):
        frontier.knee(np.ones((4, 2), int))
