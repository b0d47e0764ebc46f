"""Your own model: the paper model rewritten as a UserModel reproduces it; pytree parameters,
jit, vmap and grad; correctness outputs with the aggregations; bad outputs."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import frontier
from frontier import aggregation as agg
from frontier._models import FLOAT_FIELDS

CAT = frontier.catalog()
KS = (1, 3, 8, 16)


def paper_fn(p, z, u):
    lin = jnp.clip(p["mu_Lin"] + p["sigma_Lin"] * z[0], 1.0, 16.0 * p["mu_Lin"])
    lout = jnp.clip(p["mu_Lout"] + p["sigma_Lout"] * z[1], 1.0, 16.0 * lin)
    return {"cost": p["c_in"] * lin + p["c_out"] * lout,
            "time": p["t_in"] * lin + p["t_out"] * lout,
            "score": jnp.clip(p["acc_mean"] + p["acc_std"] * z[2], 0.0, 1.0),
            "input_tokens": lin, "output_tokens": lout}


def as_user(m):
    return frontier.UserModel({f: getattr(m, f) for f in FLOAT_FIELDS}, paper_fn, num_normals=3,
                              default_parallel=m.default_parallel, name=m.name)


@pytest.mark.parametrize("time_model", ["paper", "waves"])
def test_the_paper_model_rewritten_reproduces_it(time_model):
    models = [CAT["gpt5"], CAT["qwen3-30b-a3b"]]
    ref = frontier.sample(models, KS, key=3, num_trials=300, parallel=[1, 4],
                          time_model=time_model)
    got = frontier.sample([as_user(m) for m in models], KS, key=3, num_trials=300,
                          parallel=[1, 4], time_model=time_model)
    for a, b in zip(ref, got, strict=True):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("time_model", ["paper", "waves"])
def test_the_paper_model_rewritten_reproduces_it_with_every_extension(time_model):
    models = [CAT["gpt5"], CAT["qwen3-30b-a3b"]]
    a = agg.Verifier(agg.Beta(1.0, 2.0), 0.1)
    lat = frontier.Latency(queue=0.2)
    srv = frontier.Serving(t0=0.01, slope=1e-4, gpu_hour=2.0, batch=[4, 32],
                           prefill_rate=5000.0, cov=np.diag([1e-7, 1e-10, 0.0]))
    ref = frontier.sample(models, KS, key=3, num_trials=200, aggregation=a, latency=lat,
                          serving=srv, time_model=time_model)
    got = frontier.sample([as_user(m) for m in models], KS, key=3, num_trials=200,
                          aggregation=a, latency=lat, serving=srv, time_model=time_model)
    for f in ("cost", "time", "accuracy"):
        np.testing.assert_allclose(np.asarray(getattr(got, f)), np.asarray(getattr(ref, f)),
                                   rtol=1e-6)
    for name in ref.extra:
        np.testing.assert_allclose(np.asarray(got.extra[name]), np.asarray(ref.extra[name]),
                                   rtol=1e-6)


def test_summarize_and_optimize_on_a_user_model():
    m = as_user(CAT["gpt5-mini"])
    ref = frontier.summarize(CAT["gpt5-mini"], KS, key=1, num_trials=3000,
                             quantile_method="sketch")
    got = frontier.summarize(m, KS, key=1, num_trials=3000, quantile_method="sketch")
    np.testing.assert_allclose(np.asarray(got.cost.mean), np.asarray(ref.cost.mean), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(got.accuracy.quantiles),
                               np.asarray(ref.accuracy.quantiles), rtol=1e-5)
    st = frontier.optimize({"mine": m}, budget=(0.5, 60.0, 0.88), k_max=64, key=42,
                           num_trials=300)
    st0 = frontier.optimize({"mine": CAT["gpt5-mini"]}, budget=(0.5, 60.0, 0.88), k_max=64,
                            key=42, num_trials=300)
    assert st.points.accuracy.k.tolist() == st0.points.accuracy.k.tolist()
    assert st.points.knee_chord.k.tolist() == st0.points.knee_chord.k.tolist()


def nested_fn(p, z, u):
    tokens = jnp.maximum(p["tokens"]["mean"] + p["tokens"]["sd"] * z[0], 1.0)
    price = p["price"][0] + p["price"][1] * u[0]  # a random price between two bounds
    skill = p["skill"] @ jnp.stack([u[1], 1.0 - u[1]])  # a mix of two skills
    return {"cost": price * tokens, "time": 0.01 * tokens, "score": skill}


NESTED = {"tokens": {"mean": 400.0, "sd": 40.0}, "price": (1e-6, 2e-6),
          "skill": np.array([0.6, 0.9])}


def test_pytree_parameters_jit_vmap_and_grad():
    m = frontier.UserModel(NESTED, nested_fn, num_normals=1, num_uniforms=2, name="nested")
    s = frontier.summarize(m, (1, 4), key=0, num_trials=20_000)
    # E[cost] = E[price] E[tokens] = (1e-6 + 2e-6 / 2) * 400 per inference
    assert abs(float(s.cost.mean[0]) - 2e-6 * 400) <= 4 * float(s.cost.sem[0])
    assert abs(float(s.cost.mean[1]) - 4 * 2e-6 * 400) <= 4 * float(s.cost.sem[1])
    # E[score] = (0.6 + 0.9) / 2 for one inference
    assert abs(float(s.accuracy.mean[0]) - 0.75) <= 4 * float(s.accuracy.sem[0])

    def mean_cost(params):
        return frontier.sample(m.replace(params=params), (2,), key=0,
                               num_trials=512).cost.mean()

    g = jax.grad(mean_cost)(jax.tree.map(jnp.asarray, NESTED))
    # d E[cost] / d tokens.mean = 2 E[price] (no clip active); d / d price[1] = 2 E[u tokens]
    assert float(g["tokens"]["mean"]) == pytest.approx(2 * 2e-6, rel=0.05)
    assert float(g["price"][1]) == pytest.approx(2 * 0.5 * 400, rel=0.05)
    assert float(jax.jit(mean_cost)(NESTED)) == pytest.approx(float(mean_cost(NESTED)), rel=1e-6)
    # vmap over a parameter: a batch of means
    means = jax.vmap(lambda mu: mean_cost({**NESTED, "tokens": {"mean": mu, "sd": 40.0}}))(
        jnp.asarray([200.0, 400.0]))
    assert float(means[1]) == pytest.approx(2 * float(means[0]), rel=0.02)


def test_correct_outputs_feed_the_aggregations():
    p = 0.3

    def fn(params, z, u):
        return {"cost": params["c"] + 0.0 * z[0], "time": jnp.asarray(1.0),
                "correct": u[0] < params["p"]}

    m = frontier.UserModel({"c": 1e-3, "p": p}, fn, num_normals=1, num_uniforms=1)
    s = frontier.summarize(m, (1, 5, 9), key=0, num_trials=20_000,
                           aggregation=agg.PassAtK())
    want = 1 - (1 - p) ** np.array([1, 5, 9])
    se = np.sqrt(want * (1 - want) / 20_000)
    assert np.all(np.abs(np.asarray(s.accuracy.mean) - want) <= 4 * se)
    s = frontier.summarize(m, (1, 5, 9), key=0, num_trials=20_000,
                           aggregation=agg.MajorityVote())
    want = np.asarray(agg.per_problem(agg.MajorityVote(), p, (1, 5, 9)))[:, 0]
    assert np.all(np.abs(np.asarray(s.accuracy.mean) - want) <= 4 * np.asarray(s.accuracy.sem))
    s = frontier.summarize(m, (1, 5, 9), key=0, num_trials=20_000,
                           aggregation=agg.Verifier(None, 0.4))
    want = np.asarray(agg.per_problem(agg.Verifier(None, 0.4), p, (1, 5, 9)))[:, 0]
    assert np.all(np.abs(np.asarray(s.accuracy.mean) - want) <= 4 * np.asarray(s.accuracy.sem))


def good(params, z, u):
    return {"cost": params["c"] * (1.0 + 0.0 * z[0]), "time": params["c"], "score": z[0]}


@pytest.mark.parametrize(
    ("fn", "exc", "word"),
    [(lambda p, z, u: {"cost": z, "time": p["c"], "score": z[0]}, ValueError,
      "output `cost` has shape (1,)"),
     (lambda p, z, u: {"cost": jnp.int32(1), "time": p["c"], "score": z[0]}, TypeError,
      "output `cost` has dtype int32"),
     (lambda p, z, u: {"time": p["c"], "score": z[0]}, ValueError, "no `cost` output"),
     (lambda p, z, u: {"cost": p["c"], "time": p["c"]}, ValueError, "no `score` output"),
     (lambda p, z, u: {"cost": p["c"], "time": p["c"], "score": z[0], "quality": z[0]},
      ValueError, "unknown output `quality`"),
     (lambda p, z, u: (p["c"], p["c"], z[0]), TypeError, "must return a mapping"),
     (lambda p, z, u: {"cost": p["missing"], "time": p["c"], "score": z[0]}, TypeError,
      "failed"),
     (lambda p, z, u: {"cost": p["c"], "time": p["c"], "score": z[0] > 0}, TypeError,
      "output `score` has dtype bool")],
)
def test_bad_outputs_name_the_model_and_the_output(fn, exc, word):
    m = frontier.UserModel({"c": 1.0}, fn, num_normals=1, name="mine")
    with pytest.raises(exc, match="'mine'") as info:
        frontier.sample(m, 2, key=0, num_trials=10)
    assert word in str(info.value)


def test_bad_user_models():
    with pytest.raises(ValueError, match="parameter `c`"):
        frontier.sample(frontier.UserModel({"c": float("nan")}, good, 1), 2, key=0,
                        num_trials=10)
    with pytest.raises(TypeError, match="parameter `w`"):
        frontier.sample(frontier.UserModel({"c": 1.0, "w": True}, good, 1), 2, key=0,
                        num_trials=10)
    with pytest.raises(ValueError, match="num_normals"):
        frontier.sample(frontier.UserModel({"c": 1.0}, good, -1), 2, key=0, num_trials=10)
    with pytest.raises(TypeError, match="mixes"):
        frontier.sample([CAT["gpt5"], frontier.UserModel({"c": 1.0}, good, 1)], 2, key=0,
                        num_trials=10)
    with pytest.raises(ValueError, match="no `correct` output"):
        frontier.sample(frontier.UserModel({"c": 1.0}, good, 1), 2, key=0, num_trials=10,
                        aggregation=agg.PassAtK())
    with pytest.raises(ValueError, match="no `input_tokens` output"):
        frontier.sample(frontier.UserModel({"c": 1.0}, good, 1), 2, key=0, num_trials=10,
                        latency=frontier.Latency(prefill_rate=1e4, tpot=0.01))
    with pytest.raises(ValueError, match="prefill rate"):
        frontier.sample(as_user(CAT["gpt5"]), 2, key=0, num_trials=10, latency="ttft")
