"""Soft selection and gradients: convergence to the hard rules, gradient checks, directions."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import frontier
from frontier.kernels import sampling as K
from frontier.kernels import select as S
from frontier.kernels import soft

CAT = frontier.catalog()
KS = tuple(range(4, 65, 4))
BUDGETS = [(0.5, 60.0, 0.88), (0.2, 30.0, 0.9), (1.0, 120.0, 0.95)]


def params_of(models, dtype=jnp.float32):
    return frontier._sampling._stack_params(list(models), dtype)


def hard_gap(rule, c, t, a, lim, feasible, pareto, choice, knee_normalise="front"):
    """Gap between the hard rule's best and second-best criterion (NumPy oracle)."""
    cn, tn = c / lim[0], t / lim[1]
    if rule == "accuracy":
        crit, ok = a, feasible
    elif rule == "cube":
        crit, ok = (1 - cn) * (1 - tn) * a, feasible
    elif rule == "utopia":
        crit, ok = -np.sqrt(cn**2 + tn**2 + (1 - a) ** 2), pareto
    else:
        idx = np.nonzero(pareto)[0]
        q = np.stack([cn, tn, a], 1)[idx]
        if knee_normalise == "front":
            span = q.max(0) - q.min(0)
            q = np.where(span > 0, (q - q.min(0)) / np.where(span > 0, span, 1), 0.0)
        d = q[-1] - q[0]
        rel = q - q[0]
        proj = rel @ d / (d @ d)
        crit = np.full(len(c), -np.inf)
        crit[idx[1:-1]] = np.linalg.norm(rel - proj[:, None] * d, axis=1)[1:-1]
        ok = np.isfinite(crit)
    vals = np.sort(crit[ok])[::-1]
    assert crit[choice] == vals[0]
    return vals[0] - vals[1] if len(vals) > 1 else np.inf


@pytest.mark.parametrize("knee_normalise", ["front", "budget"])
def test_soft_rules_converge_to_hard_on_the_catalog(knee_normalise):
    ms = list(CAT.values())
    p = params_of(ms)
    par = jnp.full(len(ms), 4, jnp.int32)
    ids = jnp.arange(2000, dtype=jnp.uint32)
    key = jax.random.key(0)
    c, t, a = jax.vmap(lambda pp, P: soft.soft_study_means(pp, P, key, ids, KS, None))(p, par)
    cn, tn, an = (np.asarray(x, np.float64) for x in (c, t, a))
    hard_of = {r: r for r in ("knee_chord", "utopia", "accuracy", "cube")}
    taus = (1e-3, 1e-4, 1e-5)
    checked, ties = 0, []
    for lim in BUDGETS:
        limits = jnp.asarray(lim, jnp.float32)
        sel = jax.vmap(functools.partial(S.select_paper, knee_norm=knee_normalise),
                       in_axes=(0, 0, 0, None, None))(c, t, a, jnp.asarray(KS, jnp.float32),
                                                      limits)
        for rule, hard_name in hard_of.items():
            hard = np.asarray(sel.best[:, 2] if hard_name == "accuracy"
                              else getattr(sel, hard_name))
            errs = []
            for tau in taus:
                w = jax.vmap(lambda cc, tt, aa, tau=tau, rule=rule: soft.soft_rule_weights(
                    rule, cc / lim[0], tt / lim[1], aa, lim[2], tau, knee_normalise))(c, t, a)
                w = np.asarray(w, np.float64)
                target = np.zeros_like(w)
                target[np.arange(len(ms)), np.maximum(hard, 0)] = 1.0
                errs.append(np.abs(w - target).sum(1))
            for i in range(len(ms)):
                if hard[i] < 0:
                    continue
                checked += 1
                gap = hard_gap(rule, cn[i], tn[i], an[i], lim, np.asarray(sel.feasible[i]),
                               np.asarray(sel.pareto[i]), hard[i], knee_normalise)
                margin = min(abs(1 - cn[i, hard[i]] / lim[0]), abs(1 - tn[i, hard[i]] / lim[1]),
                             abs(an[i, hard[i]] - lim[2]))
                if min(gap, margin) < 20 * taus[-1]:  # a tie at float32 resolution: report
                    ties.append((list(CAT)[i], lim, rule, float(gap)))
                    continue
                assert errs[-1][i] < 1e-2, (list(CAT)[i], lim, rule, [e[i] for e in errs], gap)
    print(f"\nsoft -> hard: {checked} selections checked; near-ties reported: {ties}")
    assert checked >= 90 and len(ties) <= checked // 10


def test_check_grads_float64():
    with jax.enable_x64(True):
        m = CAT["gpt5-mini"]
        p0 = params_of([m], jnp.float64)
        p0 = jax.tree.map(lambda x: x[0], p0)
        lim0 = jnp.asarray([0.2, 40.0, 0.9], jnp.float64)
        ids = jnp.arange(64, dtype=jnp.uint32)

        def f(u, v):  # relative perturbations of the 10 fields and the 3 budget values
            p = K.ModelParams(*(x * (1 + ui) for x, ui in zip(p0, u, strict=True)))
            return frontier.soft_select(p, jnp.int32(4), lim0 * (1 + v), jax.random.key(1), ids,
                                        ks=(4, 8, 12, 16, 20), rule="knee_chord", temperature=0.05,
                                        acc_temperature=0.02)

        check_grads(f, (jnp.zeros(10), jnp.zeros(3)), order=1, modes=["rev"], eps=1e-6,
                    atol=1e-4, rtol=1e-4)


@pytest.mark.slow
def test_gradients_match_central_differences_within_standard_errors():
    # float64: a float32 expected k (~13) carries rounding noise of ~1e-6, which a central
    # difference over h = 5e-3 x (1e-8 for c_out) would blow up to ~1e3
    with jax.enable_x64(True):
        _gradients_vs_central_differences()


def _gradients_vs_central_differences():
    m = CAT["gpt5-mini"]
    budget = (0.3, 40.0, 0.9)
    kw = dict(budget=budget, ks=KS, key=3, num_trials=4096, num_batches=4, rule="knee_chord",
              temperature=0.02, dtype=jnp.float64)
    s = frontier.sensitivity(m, **kw)
    eps = np.finfo(np.float64).eps
    names = ["c_in", "c_out", "t_out", "mu_Lout", "acc_mean", "acc_std"]
    for name in names:
        j = s.inputs.index(name)
        x = getattr(m, name)
        h = 5e-3 * x
        up = frontier.sensitivity(m.replace(**{name: x + h}), **kw).value
        dn = frontier.sensitivity(m.replace(**{name: x - h}), **kw).value
        fd = (np.asarray(up) - np.asarray(dn)) / (2 * h)
        g = np.asarray(s.grad[:, j])
        se = np.asarray(s.grad_se[:, j])
        rounding = 64 * eps * np.abs(np.asarray(s.value)) / abs(h)
        tol = 3 * se + 0.05 * np.abs(g) + rounding
        assert np.all(np.abs(fd - g) <= tol), (name, fd, g, se)
    for name, val in zip(("C_max", "T_max"), budget[:2], strict=False):
        j = s.inputs.index(name)
        h = 5e-3 * val
        b_up, b_dn = list(budget), list(budget)
        b_up[s.inputs.index(name) - 10] += h
        b_dn[s.inputs.index(name) - 10] -= h
        up = np.asarray(frontier.sensitivity(m, **{**kw, "budget": tuple(b_up)}).value)
        dn = np.asarray(frontier.sensitivity(m, **{**kw, "budget": tuple(b_dn)}).value)
        fd = (up - dn) / (2 * h)
        g, se = np.asarray(s.grad[:, j]), np.asarray(s.grad_se[:, j])
        rounding = 64 * eps * np.abs(np.asarray(s.value)) / abs(h)
        assert np.all(np.abs(fd - g) <= 3 * se + 0.05 * np.abs(g) + rounding), (name, fd, g)


@pytest.mark.parametrize("P", [1, 4])
def test_directional_cost_and_time_at_fixed_k(P):
    m = CAT["qwen3-max"]
    p = jax.tree.map(lambda x: x[0], params_of([m]))
    ids = jnp.arange(512, dtype=jnp.uint32)
    key = jax.random.key(5)
    ks = (8,)

    def means(pp):
        return soft.soft_study_means(pp, jnp.int32(P), key, ids, ks, None)

    jac = jax.jacrev(means)(p)
    z = K.draw_normals(key, ids, 8, jnp.float32)
    lin = np.clip(m.mu_Lin + m.sigma_Lin * np.asarray(z[:, 0]), 1, 16 * m.mu_Lin)
    lout = np.clip(m.mu_Lout + m.sigma_Lout * np.asarray(z[:, 1]), 1, 16 * lin)
    mean_lout = lout.sum(1).mean()
    np.testing.assert_allclose(float(jac[0].c_out[0]), mean_lout, rtol=1e-5)  # k * E[Lout]
    np.testing.assert_allclose(float(jac[1].t_out[0]), mean_lout / P, rtol=1e-5)  # time rule
    np.testing.assert_allclose(float(jac[0].t_out[0]), 0.0)


def test_soft_accuracy_optimal_follows_hard_as_budget_tightens():
    m = CAT["gpt5-nano"]
    c_maxes = [0.01, 0.02, 0.03, 0.05]
    hard, soft_k = [], []
    for c_max in c_maxes:
        s = frontier.sensitivity(m, budget=(c_max, 1e3, 0.5), ks=KS, key=1, num_trials=2048,
                                 num_batches=2, rule="accuracy", temperature=1e-4)
        hard.append(int(s.hard_k))
        soft_k.append(float(s.value[0]))
    assert hard == sorted(hard)  # the accuracy-optimal k never rises when C_max falls
    np.testing.assert_allclose(soft_k, hard, atol=0.5)


@pytest.mark.parametrize("method", ["knee_chord", "utopia"])
def test_gradients_finite_for_every_catalog_model(method):
    s = frontier.sensitivity(CAT, budget=(0.5, 60.0, 0.88), ks=KS, key=0, num_trials=1024,
                             num_batches=2, rule=method)
    assert s.grad.shape == (9, 4, 13)
    found = np.asarray(s.found)
    assert found.sum() >= 7
    grad, elasticity = np.asarray(s.grad), np.asarray(s.elasticity)
    assert np.isfinite(grad[found]).all() and np.isfinite(elasticity[found]).all()
    # a model whose front has fewer than three points has no knee: NaN and a note, never a number
    for i in np.flatnonzero(~found):
        assert np.isnan(grad[i]).all() and np.isnan(elasticity[i]).all()
        assert s.notes[i]
    assert s.ranked("cost", model=1)[0][0] in frontier.INPUTS


def test_soft_prefix_max_bounds_hard_max():
    x = jax.random.uniform(jax.random.key(0), (7, 33))
    ks = (1, 5, 33)
    hard = np.asarray(K.prefix_reduce(x, ks, "max"))
    for tau in (0.1, 0.01):
        s = np.asarray(soft.soft_prefix_max(x, ks, tau))
        assert np.all(s >= hard - 1e-6)
        assert np.all(s <= hard + tau * np.log(np.asarray(ks))[:, None] + 1e-6)


def test_bad_arguments():
    m = CAT["gpt5"]
    with pytest.raises(ValueError, match="rule"):
        frontier.sensitivity(m, budget=(0.5, 60, 0.9), k_max=16, key=0, rule="median")
    with pytest.raises(ValueError, match="temperature"):
        frontier.sensitivity(m, budget=(0.5, 60, 0.9), k_max=16, key=0, temperature=0)
    with pytest.raises(ValueError, match="num_batches"):
        frontier.sensitivity(m, budget=(0.5, 60, 0.9), k_max=16, key=0, num_batches=1)
    with pytest.raises(ValueError, match="one budget"):
        frontier.sensitivity(m, budget=frontier.budget_grid([0.1, 0.2], 60, 0.9), k_max=16,
                             key=0)


# ------------------------------------------------ maxima whose derivative needs no equal copies
def test_max_guards_give_jnps_values_and_one_elements_derivative():
    from frontier.kernels._primitives import pick_max, reduce_max, reduce_min

    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.random((5, 7)))
    x = x.at[2, 3].set(x[2, 1])  # a tie inside row 2 (not necessarily its maximum)
    for axis in (0, 1, -1):
        np.testing.assert_array_equal(reduce_max(x, axis), jnp.max(x, axis=axis))
        np.testing.assert_array_equal(reduce_min(x, axis), jnp.min(x, axis=axis))
    g = np.asarray(jax.grad(lambda v: jnp.sum(reduce_max(v, 1) * jnp.arange(1.0, 6.0)))(x))
    want = np.zeros((5, 7))
    want[np.arange(5), np.argmax(np.asarray(x), axis=1)] = np.arange(1.0, 6.0)
    np.testing.assert_array_equal(g, want)
    tied = jnp.array([1.0, 3.0, 3.0, -jnp.inf])
    assert jax.grad(lambda v: reduce_max(v, 0))(tied).tolist() == [0.0, 1.0, 0.0, 0.0]
    assert jax.grad(lambda v: reduce_min(v, 0))(tied).tolist() == [0.0, 0.0, 0.0, 1.0]
    # the pairwise maximum: the derivative of the larger argument (the first at a tie),
    # also broadcast, under jit and vmap
    a, b = jnp.asarray(rng.random(6)), jnp.asarray(rng.random(6))
    np.testing.assert_array_equal(pick_max(a, b), jnp.maximum(a, b))
    da = jax.jit(jax.vmap(jax.grad(pick_max)))(a, b)
    np.testing.assert_array_equal(da, (a >= b).astype(a.dtype))
    assert jax.grad(lambda s: jnp.sum(pick_max(s, b)))(0.5).item() == float(np.sum(b <= 0.5))
    assert jax.grad(pick_max, argnums=1)(-jnp.inf, 2.0).item() == 1.0


_O0_SCRIPT = """
import json, sys
import jax, jax.numpy as jnp
jax.config.update("jax_enable_x64", True)
import frontier
m = frontier.catalog()["gpt5-mini"]
out = {}
def acc(v, name):
    s = frontier.sample(m.replace(**{name: v}), (1, 2, 4), key=0, num_trials=256,
                        dtype=jnp.float64)
    return s.accuracy.mean()
for name in ("acc_mean", "acc_std"):
    out[name] = float(jax.grad(acc)(jnp.float64(getattr(m, name)), name))
def e2e(tpot):
    s = frontier.sample(m, (1, 3, 8), key=0, num_trials=256, parallel=4, time_model="waves",
                        latency=frontier.Latency(queue=0.2, prefill_rate=2000.0, tpot=tpot),
                        dtype=jnp.float64)
    return s.extra["e2e"].mean()
out["tpot"] = float(jax.grad(e2e)(jnp.float64(0.01)))
s = frontier.sensitivity(m, budget=(0.3, 40.0, 0.9), ks=(1, 2, 4, 8, 16), key=3,
                         num_trials=512, num_batches=2, rule="knee_chord", temperature=0.02,
                         dtype=jnp.float64)
out["knee"] = [float(v) for v in jnp.ravel(s.grad)]
json.dump(out, sys.stdout)
"""


@pytest.mark.slow
def test_gradients_survive_xla_recomputing_values_in_other_fusions():
    """``jax.grad`` of ``jnp.max``/``jnp.maximum`` compares the input with the maximum; when
    XLA computes the input twice and rounds the copies differently, nothing matches and the
    derivative was NaN or 0 (seen with LLVM's optimisation off, which changes no value, and
    with ``JAX_DISABLE_MOST_OPTIMIZATIONS``). The accuracy's maximum over k calls, the waves'
    running maximum and the knee's ranges now take their derivatives from one copy: the same
    gradients with optimisation off."""
    import json
    import os
    import subprocess
    import sys

    def run(**env):
        env = {**os.environ, "JAX_PLATFORMS": "cpu", "XLA_FLAGS": "", **env}
        res = subprocess.run([sys.executable, "-c", _O0_SCRIPT], env=env, capture_output=True,
                             text=True, timeout=600)
        assert res.returncode == 0, res.stderr[-3000:]
        return json.loads(res.stdout)

    on = run()
    # LLVM's optimisation off; JAX's switch for debugging (most XLA passes off) did the same
    for off in (run(XLA_FLAGS="--xla_backend_optimization_level=0"),
                run(JAX_DISABLE_MOST_OPTIMIZATIONS="1")):
        for name in ("acc_mean", "acc_std", "tpot"):
            assert np.isfinite(off[name]) and off[name] != 0, (name, off[name])
            np.testing.assert_allclose(off[name], on[name], rtol=1e-9, err_msg=name)
        knee_off, knee_on = np.asarray(off["knee"]), np.asarray(on["knee"])
        assert np.isfinite(knee_off).all() and np.abs(knee_off).max() > 0
        np.testing.assert_allclose(knee_off, knee_on, rtol=1e-7,
                                   atol=1e-12 * np.abs(knee_on).max())
