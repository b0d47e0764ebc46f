"""Sensitivity of the models beyond the paper: gradients against central finite differences
(within 3 standard errors), check_grads in float64, and the reported inputs."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import frontier
from frontier import aggregation as agg
from frontier._sensitivity import soft_select_ext

CAT = frontier.catalog()
KS = tuple(range(4, 33, 4))
M = CAT["gpt5-mini"]


def user_model(params):
    def fn(p, z, u):
        tokens = jnp.maximum(p["tokens"] + p["spread"] * z[0], 1.0)
        return {"cost": p["price"] * tokens, "time": p["tpot"] * tokens,
                "score": jnp.clip(p["skill"] + 0.05 * z[1], 0.0, 1.0)}

    return frontier.UserModel(params, fn, num_normals=2, name="mine")


USER = {"tokens": 800.0, "spread": 80.0, "price": 4e-5, "tpot": 0.004, "skill": 0.8}

# case -> (model, aggregation, serving, budget, rule, inputs to check)
CASES = {
    "pass@k": (M, agg.PassAtK(agg.Beta(0.5, 2.0)), None, (0.1, 30.0, 0.3), "knee_chord",
               ("difficulty.a", "difficulty.b", "c_out")),
    "majority": (M, agg.MajorityVote(agg.Mix([0.9, 0.35], [0.6, 0.4])), None,
                 (0.1, 30.0, 0.3), "cube", ("difficulty.p[1]", "difficulty.weight[0]",
                                            "t_out")),
    "verifier": (M, agg.Verifier(agg.Beta(1.0, 1.5), 0.2), None, (0.1, 30.0, 0.3),
                 "knee_chord", ("phi", "difficulty.a", "c_in")),
    "serving": (M, None, frontier.Serving(t0=0.008, slope=2e-4, gpu_hour=2.5, batch=32),
                (0.05, 250.0, 0.9), "knee_chord",
                ("serving.t0", "serving.slope", "serving.gpu_hour")),
    "user": (user_model(USER), None, None, (2.0, 40.0, 0.5), "knee_chord",
             ("price", "tpot", "tokens", "skill")),
}


def perturbed(case, name, h):
    model, a, srv, _, _, _ = CASES[case]
    if name.startswith("serving."):
        f = name.split(".", 1)[1]
        return model, a, srv._replace(**{f: getattr(srv, f) + h})
    if name == "phi":
        return model, a._replace(phi=a.phi + h), srv
    if name.startswith("difficulty."):
        d = a.difficulty
        f = name.split(".", 1)[1]
        if "[" in f:
            f, j = f[:-1].split("[")
            v = np.array(getattr(d, f), float)
            v[int(j)] += h
            return model, a._replace(difficulty=d._replace(**{f: v})), srv
        return model, a._replace(difficulty=d._replace(**{f: getattr(d, f) + h})), srv
    if isinstance(model, frontier.UserModel):
        return model.replace(params={**model.params, name: model.params[name] + h}), a, srv
    return model.replace(**{name: getattr(model, name) + h}), a, srv


def value_of(case, name):
    model, a, srv, _, _, _ = CASES[case]
    if name.startswith("serving."):
        return getattr(srv, name.split(".", 1)[1])
    if name == "phi":
        return a.phi
    if name.startswith("difficulty."):
        f = name.split(".", 1)[1]
        if "[" in f:
            f, j = f[:-1].split("[")
            return float(np.asarray(getattr(a.difficulty, f))[int(j)])
        return getattr(a.difficulty, f)
    if isinstance(model, frontier.UserModel):
        return model.params[name]
    return getattr(model, name)


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_gradients_match_central_differences_within_3_standard_errors(case):
    with jax.enable_x64(True):
        model, a, srv, budget, rule, names = CASES[case]
        kw = dict(budget=budget, ks=KS, key=3, num_trials=4096, num_batches=4, rule=rule,
                  temperature=0.02, dtype=jnp.float64)
        s = frontier.sensitivity(model, aggregation=a, serving=srv, **kw)
        assert bool(s.found), s.notes
        eps = np.finfo(np.float64).eps
        for name in names:
            j = s.inputs.index(name)
            x = value_of(case, name)
            h = 5e-3 * abs(x)
            m_up, a_up, s_up = perturbed(case, name, h)
            m_dn, a_dn, s_dn = perturbed(case, name, -h)
            up = np.asarray(frontier.sensitivity(m_up, aggregation=a_up, serving=s_up,
                                                 **kw).value)
            dn = np.asarray(frontier.sensitivity(m_dn, aggregation=a_dn, serving=s_dn,
                                                 **kw).value)
            fd = (up - dn) / (2 * h)
            g, se = np.asarray(s.grad[:, j]), np.asarray(s.grad_se[:, j])
            rounding = 64 * eps * np.abs(np.asarray(s.value)) / h
            tol = 3 * se + 0.05 * np.abs(g) + rounding
            assert np.all(np.abs(fd - g) <= tol), (case, name, fd, g, se)


@pytest.mark.slow
def test_reported_inputs_name_every_parameter():
    s = frontier.sensitivity(M, budget=(0.1, 30.0, 0.3), ks=KS, key=0, num_trials=512,
                             num_batches=2, aggregation=agg.Verifier(agg.Beta(1.0, 1.5), 0.2),
                             rule="utopia")
    assert s.inputs[-5:] == ("difficulty.b", "phi", "C_max", "T_max", "acc_min")
    assert s.inputs[:10] == frontier.INPUTS[:10]
    assert s.grad.shape == (4, len(s.inputs))
    # the accuracy at a fixed k does not depend on the paper model's accuracy score
    assert np.all(np.asarray(s.grad[3, 8:10]) == 0)
    u = frontier.sensitivity(user_model(USER), budget=(0.5, 40.0, 0.85), ks=KS, key=0,
                             num_trials=512, num_batches=2, rule="accuracy")
    assert u.inputs == ("price", "skill", "spread", "tokens", "tpot", "C_max", "T_max",
                        "acc_min")
    v = frontier.sensitivity(M, budget=(0.05, 40.0, 0.9), ks=KS, key=0, num_trials=512,
                             num_batches=2, serving=frontier.Serving(0.008, 2e-4, 2.5,
                                                                     batch=[8, 32]))
    assert v.models == ("GPT-5 Mini@b8", "GPT-5 Mini@b32") and v.grad.shape[0] == 2
    assert "serving.batch" in v.inputs


def test_check_grads_float64_through_aggregation_serving_and_a_user_model():
    with jax.enable_x64(True):
        ids = jnp.arange(64, dtype=jnp.uint32)
        lim = jnp.asarray([0.1, 30.0, 0.3], jnp.float64)
        p0 = frontier._sampling._stack_params([M], jnp.float64)
        p0 = jax.tree.map(lambda x: x[0], p0)
        a0 = agg.Verifier(agg.Beta(jnp.float64(1.0), jnp.float64(1.5)), jnp.float64(0.2))
        from frontier._serving import serving_params
        s0 = jax.tree.map(lambda x: x[0], serving_params(
            frontier.Serving(0.008, 2e-4, 2.5, batch=32), (32.0,), 1, jnp.float64))

        def f(u, v, w):
            th = (jax.tree.map(lambda x: x * (1 + u), p0),
                  jax.tree.map(lambda x: x * (1 + v), a0),
                  jax.tree.map(lambda x: x * (1 + w), s0))
            return soft_select_ext(th, None, jnp.int32(4), lim, jax.random.key(1), ids,
                                   ks=(4, 8, 12, 16, 20), rule="knee_chord", temperature=0.05,
                                   dtype=jnp.float64)

        check_grads(f, (0.0, 0.0, 0.0), order=1, modes=["rev"], eps=1e-6, atol=1e-4,
                    rtol=1e-4)
        um = frontier._usermodel.cast_params(user_model(USER), jnp.float64)

        def g(u):
            th = (um.replace(params=jax.tree.map(lambda x: x * (1 + u), um.params)), None, None)
            return soft_select_ext(th, None, jnp.int32(4), jnp.asarray([0.5, 40.0, 0.85]),
                                   jax.random.key(1), ids, ks=(4, 8, 12, 16, 20),
                                   rule="knee_chord", temperature=0.05, acc_temperature=0.02,
                                   dtype=jnp.float64)

        check_grads(g, (0.0,), order=1, modes=["rev"], eps=1e-6, atol=1e-4, rtol=1e-4)
