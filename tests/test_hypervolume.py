"""Hypervolume: NumPy brute force, moocore agreement, Monte Carlo error bars, transforms."""

import _oracles as oracle
import chex
import jax
import jax.numpy as jnp
import moocore
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import frontier
from frontier.kernels import _primitives as P
from frontier.kernels import hypervolume as K

KINDS = oracle.HV_KINDS


def hv(points, ref, **kw):
    return float(frontier.hypervolume(jnp.asarray(points, jnp.float32), ref=ref, **kw))


# ----------------------------------------------------------------------------- exact HV


@pytest.mark.parametrize("m", [1, 2, 3])
@pytest.mark.parametrize("kind", KINDS)
def test_hypervolume_matches_brute_force(m, kind):
    rng = np.random.default_rng((0, m, KINDS.index(kind)))
    ref = np.ones(m)
    for n in (0, 1, 2, 3, 5, 9):
        x = oracle.hv_set(rng, n, m, kind).astype(np.float32)
        assert hv(x, ref) == pytest.approx(oracle.hypervolume(x, ref), abs=1e-6), (n, x)


@pytest.mark.parametrize("m", [2, 3])
@pytest.mark.parametrize("kind", KINDS)
def test_hypervolume_matches_moocore(m, kind):
    rng = np.random.default_rng((1, m, KINDS.index(kind)))
    ref = np.ones(m)
    for n in (1, 4, 60, 300):
        for _ in range(3):
            x = oracle.hv_set(rng, n, m, kind).astype(np.float32)
            want = oracle.moocore_hypervolume(x, ref)
            assert hv(x, ref) == pytest.approx(want, rel=2e-6, abs=1e-7)


@pytest.mark.slow
@pytest.mark.parametrize("m", [2, 3])
@pytest.mark.parametrize("kind", ["uniform", "front", "ties"])
def test_hypervolume_large_sets_match_moocore(m, kind):
    rng = np.random.default_rng(7)
    x = oracle.hv_set(rng, 20_000, m, kind).astype(np.float32)
    ref = np.full(m, 1.1)
    assert hv(x, ref) == pytest.approx(oracle.moocore_hypervolume(x, ref), rel=1e-6)


def test_hypervolume_float64_under_x64():
    with jax.enable_x64(True):
        rng = np.random.default_rng(3)
        for m in (1, 2, 3):
            for kind in KINDS:
                x = oracle.hv_set(rng, 500, m, kind)
                ref = np.ones(m)
                out = frontier.hypervolume(jnp.asarray(x, jnp.float64), ref=ref)
                assert out.dtype == jnp.float64
                want = oracle.moocore_hypervolume(x, ref)
                assert float(out) == pytest.approx(want, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16, jnp.float32])
def test_output_dtype_equals_input_dtype(dtype):
    x = jnp.asarray([[0.25, 0.5, 0.5], [0.5, 0.25, 0.5]], dtype)
    ref = [1.0, 1.0, 1.0]
    assert frontier.hypervolume(x, ref).dtype == dtype
    assert frontier.hv_contributions(x, ref).dtype == dtype
    est = frontier.hv_approx(x, ref, key=0, num_samples=512)
    assert est.value.dtype == dtype and est.stderr.dtype == dtype
    assert float(frontier.hypervolume(x, ref)) == 0.25


def test_empty_single_and_non_dominating_rows():
    ref = [1.0, 1.0, 1.0]
    empty = jnp.zeros((0, 3), jnp.float32)
    assert float(frontier.hypervolume(empty, ref)) == 0.0
    assert frontier.hv_contributions(empty, ref).shape == (0,)
    assert float(frontier.hv_approx(empty, ref, key=0).value) == 0.0
    one = jnp.array([[0.5, 0.5, 0.5]])
    assert float(frontier.hypervolume(one, ref)) == 0.125
    assert frontier.hv_contributions(one, ref).tolist() == [0.125]
    # on the reference point, beyond it, NaN: contribute nothing
    odd = jnp.array([[0.5, 0.5, 1.0], [0.2, 2.0, 0.2], [jnp.nan, 0.1, 0.1], [0.5, 0.5, 0.5]])
    assert float(frontier.hypervolume(odd, ref)) == 0.125
    assert frontier.hv_contributions(odd, ref).tolist() == [0.0, 0.0, 0.0, 0.125]
    # a point exactly equal to ref, alone
    assert float(frontier.hypervolume(jnp.array([[1.0, 1.0]]), [1.0, 1.0])) == 0.0


def test_maximise_matches_moocore():
    rng = np.random.default_rng(5)
    for m in (2, 3):
        x = rng.random((50, m)).astype(np.float32)
        mx = [True, False, True][:m]
        ref = np.where(mx, 0.0, 1.0)
        expected = moocore.hypervolume(x.astype(np.float64), ref=ref, maximise=mx)
        assert hv(x, ref, maximise=mx) == pytest.approx(expected, rel=1e-6)
        got = frontier.hv_contributions(x, ref=ref, maximise=mx)
        want = moocore.hv_contributions(
            x.astype(np.float64), ref=ref, maximise=mx, ignore_dominated=False
        )
        np.testing.assert_allclose(np.asarray(got), want, atol=1e-6)
    x = np.array([[0.9, 0.1], [0.5, 0.5]], np.float32)
    assert hv(x, [0.0, 1.0], maximise=[True, False]) == pytest.approx(0.81)


def test_permutation_and_duplication_invariance():
    rng = np.random.default_rng(11)
    x = oracle.hv_set(rng, 200, 3, "ties").astype(np.float32)
    ref = np.ones(3)
    base = hv(x, ref)
    assert hv(x[rng.permutation(200)], ref) == pytest.approx(base, rel=1e-6)
    assert hv(np.concatenate([x, x]), ref) == pytest.approx(base, rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 3).flatmap(
        lambda m: st.lists(
            st.lists(st.sampled_from([0.0, 0.125, 0.25, 0.5, 0.75, 1.0, 1.5]), min_size=m,
                     max_size=m),
            min_size=0, max_size=12,
        )
    )
)
def test_hypothesis_exact_on_dyadic_grid(rows):
    # dyadic values: every partial volume is exact in float32, so equality is exact
    m = len(rows[0]) if rows else 3
    x = np.asarray(rows, np.float32).reshape(-1, m)
    ref = np.ones(m)
    expected = oracle.hypervolume(x, ref)
    assert hv(x, ref) == expected
    perm = np.random.default_rng(0).permutation(len(x))
    assert hv(x[perm], ref) == expected
    got = np.asarray(frontier.hv_contributions(jnp.asarray(x), ref))
    np.testing.assert_array_equal(got, oracle.hv_contributions(x, ref))


# ----------------------------------------------------------------------------- contributions


@pytest.mark.parametrize("m", [1, 2, 3])
@pytest.mark.parametrize("kind", KINDS)
def test_contributions_match_brute_force_and_moocore(m, kind):
    rng = np.random.default_rng((2, m, KINDS.index(kind)))
    ref = np.ones(m)
    for n in (1, 2, 5, 12, 40):
        x = oracle.hv_set(rng, n, m, kind).astype(np.float32)
        got = np.asarray(frontier.hv_contributions(x, ref))
        exact = oracle.moocore_hypervolume if m > 1 else oracle.hypervolume
        want = oracle.hv_contributions(x, ref, hv=exact)
        np.testing.assert_allclose(got, want, atol=2e-6)
        if m > 1 and not np.isnan(x).any():
            np.testing.assert_allclose(
                got,
                moocore.hv_contributions(x.astype(np.float64), ref=ref, ignore_dominated=False),
                atol=2e-6,
            )


def test_contributions_float64():
    with jax.enable_x64(True):
        rng = np.random.default_rng(4)
        for m in (2, 3):
            x = oracle.hv_set(rng, 150, m, "front")
            got = frontier.hv_contributions(jnp.asarray(x), np.ones(m))
            assert got.dtype == jnp.float64
            np.testing.assert_allclose(
                np.asarray(got),
                moocore.hv_contributions(x, ref=np.ones(m), ignore_dominated=False),
                rtol=1e-9,
                atol=1e-14,
            )


# ----------------------------------------------------------------------------- Monte Carlo


@pytest.mark.parametrize("m", [2, 3, 4])
def test_hv_approx_within_four_standard_errors(m):
    rng = np.random.default_rng(m)
    x = oracle.hv_set(rng, 8 if m == 4 else 40, m, "front").astype(np.float32)
    ref = np.full(m, 1.1)
    exact = oracle.hypervolume(x, ref) if m == 4 else oracle.moocore_hypervolume(x, ref)
    for seed in range(3):
        est = frontier.hv_approx(x, ref, key=jax.random.key(seed), num_samples=2**15)
        assert float(est.stderr) > 0
        assert abs(float(est.value) - exact) <= 4 * float(est.stderr)


def test_hv_approx_independent_of_batch_size_and_seed_forms():
    rng = np.random.default_rng(0)
    x = oracle.hv_set(rng, 30, 3, "uniform").astype(np.float32)
    ref = np.ones(3)
    n = 5 * K.MC_BLOCK + 17  # not a multiple of the block
    base = frontier.hv_approx(x, ref, key=jax.random.key(9), num_samples=n)
    for bs in (1, 3):
        est = frontier.hv_approx(x, ref, key=jax.random.key(9), num_samples=n, batch_size=bs)
        assert est == base
    assert frontier.hv_approx(x, ref, key=9, num_samples=n) == base
    other = frontier.hv_approx(x, ref, key=10, num_samples=n)
    assert other.value != base.value


def test_hv_approx_degenerate_cases():
    ref = [1.0, 1.0]
    est = frontier.hv_approx(jnp.array([[2.0, 0.0], [jnp.nan, 0.0]]), ref, key=0)
    assert float(est.value) == 0.0 and float(est.stderr) == 0.0
    est = frontier.hv_approx(jnp.array([[0.5, 0.5]]), ref, key=0, num_samples=100)
    assert float(est.value) == 0.25 and float(est.stderr) == 0.0  # the box is the volume


# ----------------------------------------------------------------------------- transforms


def test_jit_equals_eager():
    rng = np.random.default_rng(1)
    ref = np.ones(3, np.float32)
    x = jnp.asarray(oracle.hv_set(rng, 16, 3, "ties"), jnp.float32)
    eager = frontier.hypervolume(x, ref)
    jitted = jax.jit(lambda p: frontier.hypervolume(p, ref))
    assert float(jitted(x)) == float(eager)
    c_eager = frontier.hv_contributions(x, ref)
    c_jit = jax.jit(lambda p: frontier.hv_contributions(p, ref))(x)
    np.testing.assert_array_equal(np.asarray(c_eager), np.asarray(c_jit))
    a_eager = frontier.hv_approx(x, ref, key=1, num_samples=1000)
    a_jit = jax.jit(lambda p, k: frontier.hv_approx(p, ref, key=k, num_samples=1000))(
        x, jax.random.key(1)
    )
    assert float(a_jit.value) == float(a_eager.value)


def test_calls_padded_to_one_size_trace_the_kernel_once(monkeypatch):
    """New values and fewer rows padded to the same 16 reuse the compiled kernel (chex counts
    traces of a fresh jit of the wrapper's kernel function)."""
    from frontier import _hypervolume

    chex.clear_trace_counter()
    counted = chex.assert_max_traces(_hypervolume._evaluate, n=1)
    monkeypatch.setattr(
        _hypervolume, "_run", jax.jit(counted, static_argnames=_hypervolume._RUN_STATIC)
    )
    rng = np.random.default_rng(1)
    ref = np.ones(3, np.float32)
    x = jnp.asarray(oracle.hv_set(rng, 16, 3, "ties"), jnp.float32)
    frontier.hypervolume(x, ref)
    got = frontier.hypervolume(x + 0.01, ref)
    small = frontier.hypervolume(x[:13] * 0.5, ref)
    assert float(got) == pytest.approx(oracle.hypervolume(np.asarray(x) + 0.01, ref), rel=1e-6)
    assert float(small) == pytest.approx(oracle.hypervolume(np.asarray(x[:13]) * 0.5, ref))
    with pytest.raises(AssertionError, match="traced > 1 times"):
        frontier.hypervolume(jnp.concatenate([x, x]), ref)  # 32 rows: a second trace


def test_vmap_equals_loop():
    rng = np.random.default_rng(2)
    xs = jnp.asarray(np.stack([oracle.hv_set(rng, 20, 3, "uniform") for _ in range(4)]),
                     jnp.float32)
    ref = jnp.ones(3, jnp.float32)
    batched = jax.vmap(lambda p: K.hv3(p, ref))(xs)
    looped = [float(K.hv3(p, ref)) for p in xs]
    np.testing.assert_allclose(np.asarray(batched), looped, rtol=1e-6)


def test_sort_key_is_order_preserving():
    v = np.array([-np.inf, -3.5, -1e-30, -0.0, 0.0, 1e-30, 2.0, np.inf], np.float32)
    k = np.asarray(P.sort_key(jnp.asarray(v)))
    assert np.all(np.diff(k) >= 0) and k[3] == k[4]
    assert np.all(np.diff(np.delete(k, 3)) > 0)


# ----------------------------------------------------------------------------- errors


def test_invalid_inputs_raise_errors_naming_the_argument():
    x = jnp.ones((3, 4), jnp.float32) * 0.5
    with pytest.raises(ValueError, match="hv_approx"):
        frontier.hypervolume(x, np.ones(4))
    with pytest.raises(ValueError, match="m <= 3"):
        frontier.hv_contributions(x, np.ones(4))
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        frontier.hypervolume(x, np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        frontier.hypervolume(x[:, :2], [1.0, np.nan])
    with pytest.raises(TypeError, match="floating"):
        frontier.hypervolume(np.ones((2, 2), int), [2.0, 2.0])
    with pytest.raises(ValueError, match=r"\(n, m\)"):
        frontier.hypervolume(np.ones(3), [2.0, 2.0, 2.0])
    with pytest.raises(TypeError, match="key"):
        frontier.hv_approx(x, np.ones(4), key=None)
    with pytest.raises(ValueError, match="num_samples"):
        frontier.hv_approx(x, np.ones(4), key=0, num_samples=0)
    with pytest.raises(ValueError, match="maximise"):
        frontier.hypervolume(x[:, :2], [1.0, 1.0], maximise=[True, False, True])


# ------------------------------------------------------------------- large sets: pre-filter


@pytest.mark.slow
@pytest.mark.parametrize("kind", [*KINDS, "curve"])
def test_hv3_prefilter_paths_match_moocore(kind):
    """n > PREFILTER_MIN: pivots drop rows, the sweep runs on slot_size(n) slots or on all
    rows."""
    rng = np.random.default_rng(21 + len(kind))
    for n in (K.PREFILTER_MIN + 1, 1000, 3000):
        if kind == "curve":  # thin noisy curve, rounded: ties, duplicates, many survivors
            x = oracle.noisy_curve(rng, n, noise=0.02)
        else:
            x = oracle.hv_set(rng, n, 3, kind)
        x = x.astype(np.float32)
        for ref in (np.ones(3), np.array([1.1, 0.9, 1.2])):
            got = float(K.hv3(jnp.asarray(x), jnp.asarray(ref, jnp.float32)))
            want = oracle.moocore_hypervolume(x, ref.astype(np.float32))
            assert got == pytest.approx(want, rel=2e-6, abs=1e-7)


def test_hv3_prefilter_keeps_one_copy_of_duplicated_pivots():
    # every row is a copy of one of three points: pivots remove each other's copies only
    base = np.array([[0.1, 0.5, 0.5], [0.5, 0.1, 0.5], [0.5, 0.5, 0.1]], np.float32)
    x = base[np.random.default_rng(0).integers(0, 3, 600)]
    want = oracle.moocore_hypervolume(base, np.ones(3))
    assert float(K.hv3(jnp.asarray(x), jnp.ones(3))) == pytest.approx(want)


@pytest.mark.slow
def test_hvc3_large_matches_moocore_including_rows_only_one_point_covers():
    rng = np.random.default_rng(5)
    for n in (300, 1200):
        x = rng.random((n, 3)).astype(np.float32)
        # a dominated row covered by one front row only: removing that row exposes it
        x[0] = [0.01, 0.01, 0.5]
        x[1] = [0.02, 0.02, 0.6]
        got = np.asarray(frontier.hv_contributions(x, np.ones(3)))
        want = moocore.hv_contributions(
            x.astype(np.float64), ref=np.ones(3), ignore_dominated=False
        )
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)
        assert got[1] == 0.0


@pytest.mark.parametrize("m", [1, 2, 3])
def test_infinite_coordinates(m):
    """-inf in a row that dominates ref: infinite volume; +inf rows never count; ref = -inf
    leaves nothing; ref = +inf with any row: infinite."""
    x = np.full((3, m), 0.5, np.float32)
    x[1] = 0.2
    x[2, 0] = -np.inf
    one = np.ones(m, np.float32)
    assert float(frontier.hypervolume(x, one)) == np.inf
    assert float(frontier.hypervolume(x[:2], np.full(m, np.inf, np.float32))) == np.inf
    assert float(frontier.hypervolume(x, np.full(m, -np.inf, np.float32))) == 0.0
    y = x[:2].copy()
    y[0, -1] = np.inf  # never strictly dominates a finite ref
    assert float(frontier.hypervolume(y, one)) == pytest.approx(0.8**m)
    big = np.concatenate([x[:2]] * 200)
    big[7, 0] = -np.inf
    assert float(frontier.hypervolume(big, one)) == np.inf
    est = frontier.hv_approx(x, one, key=jax.random.key(0), num_samples=256)
    assert float(est.value) == np.inf and float(est.stderr) == 0.0


# ------------------------------------------------------------------- HVC3D sweep (m = 3)


@pytest.mark.parametrize("grid", [2, 4])
def test_hvc3_sweep_is_exact_on_integer_grids(grid):
    """Small integer sets: many ties, duplicates, rows dominated by exactly one other row
    (corner cuts) and rows on ref; every volume is an exact integer in float32."""
    rng = np.random.default_rng(grid)
    ref = np.full(3, float(grid))
    for n in (1, 2, 3, 4, 6, 9, 14):
        for _ in range(25):
            x = rng.integers(0, grid + 1, (n, 3)).astype(np.float32)
            got = np.asarray(K.hvc3(jnp.asarray(x), jnp.asarray(ref, jnp.float32)))
            np.testing.assert_array_equal(got, oracle.hv_contributions(x, ref), err_msg=str(x))


def test_hvc3_corner_cuts_reduce_the_one_dominator():
    # b, c, d are dominated by a only: removing a exposes their union
    x = np.array([[0.0, 0.0, 0.0], [0.5, 0.2, 0.1], [0.2, 0.5, 0.3], [0.4, 0.4, 0.05],
                  [0.9, 0.0, 0.5]], np.float32)
    ref = np.ones(3)
    got = np.asarray(K.hvc3(jnp.asarray(x), jnp.ones(3, jnp.float32)))
    want = oracle.hv_contributions(x, ref)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(got, moocore.hv_contributions(x.astype(np.float64), ref=ref,
                                                             ignore_dominated=False),
                               rtol=1e-6, atol=1e-9)
    assert got[0] > 0 and np.all(got[1:] == 0)


def _antichain(rng, grid, n, copies=0, outside=0):
    """``n`` rows of the integer plane ``x + y + z = grid`` (no row weakly dominates
    another, many ties in each coordinate), then ``copies`` copies of some of them and
    ``outside`` rows on or beyond ``ref = grid``, shuffled."""
    plane = np.array([(i, j, grid - i - j) for i in range(grid + 1)
                      for j in range(grid + 1 - i)], np.float32)
    x = plane[rng.choice(len(plane), min(n, len(plane)), replace=False)]
    extra = [x[rng.integers(0, len(x), copies)]] if copies and len(x) else []
    if outside:
        far = rng.integers(0, grid + 1, (outside, 3)).astype(np.float32)
        far[:, rng.integers(0, 3)] = grid + rng.integers(0, 2, outside)
        extra.append(far)
    x = np.concatenate([x, *extra]) if extra else x
    return x[rng.permutation(len(x))]


@pytest.mark.parametrize("grid", [3, 6])
def test_hvc3_front_path_is_exact_with_ties_copies_and_rows_outside(grid):
    """The event formulation (no row dominated by another): exact integers against the
    leave-one-out oracle on sets with many equal coordinates, copied rows and rows on or
    beyond ref, and the public kernel takes that path (``cuts`` is false)."""
    rng = np.random.default_rng(grid)
    ref = np.full(3, float(grid))
    for n in (1, 2, 3, 5, 8, 13, 21):
        for copies, outside in ((0, 0), (2, 0), (0, 2), (3, 3)):
            x = _antichain(rng, grid, n, copies, outside)
            if n > 2:  # rows equal to ref add nothing: one compiled size
                x = np.concatenate([x, np.full((40 - len(x), 3), grid, np.float32)])
            xs, r = jnp.asarray(x), jnp.asarray(ref, jnp.float32)
            got, cuts = jax.jit(K._hvc3_front)(xs, r)
            assert not bool(cuts), x
            want = oracle.hv_contributions(x, ref)
            np.testing.assert_array_equal(np.asarray(got), want, err_msg=str(x))
            np.testing.assert_array_equal(np.asarray(K.hvc3(xs, r)), want, err_msg=str(x))


@pytest.mark.parametrize("n", [1, 15, 16, 37])
def test_dominance_minima_match_brute_force(n):
    """The three Fenwick minima (blocks of 16 steps, the last one padded) against all
    pairs, with rows left out."""
    rng = np.random.default_rng(n)
    X, Y, Z = (rng.permutation(n).astype(np.int32) for _ in range(3))
    live = rng.random(n) < 0.8
    order = lambda r: jnp.asarray(np.argsort(r).astype(np.int32))  # noqa: E731
    got = jax.jit(K._dominance_minima)(jnp.asarray(X), jnp.asarray(Y), jnp.asarray(Z),
                                       order(X), order(Z), jnp.asarray(live))
    for res, (u, v, w) in zip(got, ((X, Z, Y), (Y, Z, X), (X, Y, Z)), strict=True):
        ok = live[None, :] & (u[None, :] < u[:, None]) & (v[None, :] < v[:, None])
        want = np.where(ok, w[None, :], n).min(axis=1)
        np.testing.assert_array_equal(np.asarray(res), want)


def test_hvc3_front_path_flags_dominated_rows():
    """A row weakly dominated by a different row (also: equal in all but one coordinate)
    sends the kernel to the sweep; copies of one row do not."""
    x = np.array([[0.0, 0.5, 0.5], [0.5, 0.0, 0.5], [0.5, 0.5, 0.0]], np.float32)
    ref = jnp.ones(3, jnp.float32)
    assert not bool(K._hvc3_front(jnp.asarray(x), ref)[1])
    assert not bool(K._hvc3_front(jnp.asarray(np.concatenate([x, x[:1]])), ref)[1])
    for row in ([0.6, 0.6, 0.6], [0.0, 0.5, 0.7], [0.5, 0.6, 0.0]):
        y = np.concatenate([x, np.array([row], np.float32)])
        assert bool(K._hvc3_front(jnp.asarray(y), ref)[1]), row
        np.testing.assert_allclose(np.asarray(K.hvc3(jnp.asarray(y), ref)),
                                   oracle.hv_contributions(y, np.ones(3)), atol=1e-7)


@pytest.mark.parametrize("n", [300, 3000])
def test_hvc3_front_path_matches_moocore_on_fronts(n):
    """Points on the sphere (all non-dominated, the sweep's slowest case) and the same
    rounded to a 0.05 grid (ties), past PREFILTER_MIN, against moocore."""
    rng = np.random.default_rng(n)
    v = np.abs(rng.standard_normal((n, 3)))
    x = (1 - v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)
    for pts in (x, np.round(x * 20) / 20):
        pts = np.unique(pts, axis=0) if pts is not x else pts
        keep = np.asarray(frontier.is_nondominated(pts))
        pts = pts[keep].astype(np.float32)
        got, cuts = jax.jit(K._hvc3_front)(jnp.asarray(pts), jnp.full(3, 1.1, jnp.float32))
        assert not bool(cuts)
        want = moocore.hv_contributions(pts.astype(np.float64), ref=np.full(3, 1.1))
        np.testing.assert_allclose(np.asarray(got), want, rtol=2e-5, atol=1e-9)
        np.testing.assert_allclose(np.asarray(frontier.hv_contributions(pts, np.full(3, 1.1))),
                                   want, rtol=2e-5, atol=1e-9)


def test_hvc3_front_path_infinite_coordinates():
    """-inf where a region is unbounded gives inf, never NaN (no inf - inf, no 0 * inf)."""
    ref = jnp.ones(3, jnp.float32)
    x = jnp.array([[-jnp.inf, 0.5, 0.5], [0.5, 0.0, 0.6], [0.6, 0.6, 0.0]], jnp.float32)
    got, cuts = K._hvc3_front(x, ref)
    assert not bool(cuts)
    got = np.asarray(got).tolist()
    assert got[0] == np.inf and np.isfinite(got[1]) and np.isfinite(got[2])
    y = jnp.array([[0.0, 0.5, -jnp.inf], [0.5, 0.0, 0.5]], jnp.float32)
    got = np.asarray(K._hvc3_front(y, ref)[0]).tolist()
    assert got[0] == np.inf and got[1] == pytest.approx(0.125)


@pytest.mark.parametrize("kind", ["front", "uniform", "curve"])
def test_hvc3_prefilter_path_matches_moocore(kind):
    """n > PREFILTER_MIN: rows that two pivots dominate are dropped before the sweep."""
    rng = np.random.default_rng(3)
    for n in (K.PREFILTER_MIN + 1, 700):
        x = oracle.noisy_curve(rng, n) if kind == "curve" else oracle.hv_set(rng, n, 3, kind)
        x = x.astype(np.float32)
        ref = np.array([1.1, 1.1, 0.5]) if kind == "curve" else np.full(3, 1.1)
        got = np.asarray(frontier.hv_contributions(x, ref))
        want = moocore.hv_contributions(x.astype(np.float64), ref=ref, ignore_dominated=False)
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-7)


def test_hvc3_infinite_coordinates_give_inf_where_unbounded():
    ref = jnp.array([1.0, 1.0, 1.0])
    x = jnp.array([[-jnp.inf, 0.5, 0.5], [0.5, 0.0, 0.5], [0.6, 0.6, 0.6]])
    got = np.asarray(K.hvc3(x, ref)).tolist()
    assert got[0] == np.inf and np.isfinite(got[1]) and got[2] == 0.0
    assert got[1] == pytest.approx(0.5 * 0.5 * 0.5)  # x in [0.5, 1), y in [0, 0.5)
    top = np.asarray(K.hvc3(jnp.array([[0.2, 0.2, 0.2], [0.1, 0.5, 0.5]]),
                            jnp.array([1.0, jnp.inf, 1.0]))).tolist()
    assert top == [np.inf, np.inf]
    assert not np.isnan(got).any()
