"""Aggregations of k samples: closed forms against SciPy, Monte Carlo against closed forms,
the Beta fit and the unbiased pass@k estimator, bad input."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads
from scipy import integrate, optimize, special, stats

import frontier
from frontier import aggregation as agg
from frontier.kernels import aggregation as KA

CAT = frontier.catalog()
KS = (1, 2, 3, 4, 5, 8, 9, 16, 33)
BETA = agg.Beta(0.5, 2.0)
HARD_MIX = agg.Mix([0.9, 0.35], [0.6, 0.4])  # 40% hard problems (p < 1/2)
CASES = {
    "pass@k beta": agg.PassAtK(BETA),
    "pass@k mix": agg.PassAtK(HARD_MIX),
    "majority beta": agg.MajorityVote(agg.Beta(2.0, 1.2)),
    "majority mix": agg.MajorityVote(HARD_MIX),
    "verifier beta": agg.Verifier(agg.Beta(1.0, 1.5), 0.2),
    "verifier mix": agg.Verifier(HARD_MIX, 0.3),
}


# ----------------------------------------------------------------------------- oracles


def oracle(a, k):
    """The expected accuracy from SciPy (quadrature over a Beta, sums over a mix)."""
    d = a.difficulty

    def cond(p):
        if isinstance(a, agg.PassAtK):
            return 1.0 - (1.0 - p) ** k
        if isinstance(a, agg.MajorityVote):
            m = (k + 1) // 2
            return stats.binom.sf(m - 1, 2 * m - 1, p)  # P(Bin(2m-1, p) >= m)
        q = (1.0 - p) * a.phi
        return p / (p + q) * (1.0 - (1.0 - p - q) ** k) if p + q > 0 else 0.0

    if isinstance(d, agg.Mix):
        return float(sum(w * cond(p) for p, w in zip(d.p, d.weight, strict=True)))
    if isinstance(a, agg.PassAtK):  # the closed form, independently: betaln
        return 1.0 - math.exp(special.betaln(d.a, d.b + k) - special.betaln(d.a, d.b))
    if isinstance(a, agg.MajorityVote):
        m = (k + 1) // 2
        return float(stats.betabinom.sf(m - 1, 2 * m - 1, d.a, d.b))
    return integrate.quad(lambda p: cond(p) * stats.beta.pdf(p, d.a, d.b), 0, 1,
                          limit=200)[0]


@pytest.mark.parametrize("name", list(CASES))
def test_closed_forms_match_scipy(name):
    a = agg.validate_aggregation(CASES[name])
    with jax.enable_x64(True):
        got = np.asarray(agg.expected(a, KS, dtype=jnp.float64))
    want = np.asarray([oracle(a, k) for k in KS])
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)


def test_per_problem_forms_match_brute_force_enumeration():
    rng = np.random.default_rng(0)
    for p in (0.05, 0.3, 0.5, 0.8):
        for k in (1, 2, 3, 4, 7):
            outcomes = rng.random((200_000, k)) < p
            with jax.enable_x64(True):
                maj = float(agg.per_problem(agg.MajorityVote(), p, [k])[0, 0])
                pk = float(agg.per_problem(agg.PassAtK(), p, [k])[0, 0])
            s = outcomes.sum(1)
            mc = np.where(2 * s > k, 1.0, np.where(2 * s == k, 0.5, 0.0))
            assert abs(mc.mean() - maj) < 4 * mc.std() / math.sqrt(len(mc)) + 1e-12
            assert abs(outcomes.any(1).mean() - pk) < 4 * math.sqrt(pk * (1 - pk) / 2e5) + 1e-12


def test_even_k_ties_are_a_fair_coin():
    with jax.enable_x64(True):
        e = np.asarray(agg.expected(agg.MajorityVote(agg.Beta(2.0, 1.2)), [1, 2, 5, 6],
                                    dtype=jnp.float64))
    assert e[0] == pytest.approx(e[1], abs=1e-12) and e[2] == pytest.approx(e[3], abs=1e-12)
    s = frontier.sample(CAT["gpt5"], [2], key=0, num_trials=4000,
                        aggregation=agg.MajorityVote(agg.Beta(1.0, 1.0)))
    assert set(np.unique(np.asarray(s.accuracy)).tolist()) == {0.0, 0.5, 1.0}


# ----------------------------------------------------------------------------- Monte Carlo


@pytest.mark.parametrize("name", list(CASES))
def test_monte_carlo_matches_closed_form_within_4_standard_errors(name):
    a = CASES[name]
    s = frontier.summarize(CAT["gpt5-mini"], KS, key=11, num_trials=8000, aggregation=a)
    e = np.asarray(agg.expected(a, KS))
    mean, sem = np.asarray(s.accuracy.mean), np.asarray(s.accuracy.sem)
    # where every trial agrees (pass@k near 1) the sample s.e. is 0: use the exact one
    se = np.maximum(sem, np.sqrt(e * (1 - e) / s.num_trials))
    assert np.all(np.abs(mean - e) <= 4 * se), (mean, e, sem)


def test_majority_vote_falls_with_k_over_a_mix_with_hard_problems():
    a = agg.MajorityVote(HARD_MIX)
    ks = (3, 65)
    e = np.asarray(agg.expected(a, ks))
    assert e[1] < e[0] - 0.05  # the closed form falls towards P(p > 1/2) = 0.6
    s = frontier.summarize(CAT["gpt5"], ks, key=2, num_trials=20_000, aggregation=a)
    m, se = np.asarray(s.accuracy.mean), np.asarray(s.accuracy.sem)
    assert m[0] - m[1] > 4 * math.hypot(se[0], se[1])
    # while best-of-k (the paper's oracle) never falls
    b = frontier.summarize(CAT["gpt5"], ks, key=2, num_trials=2000)
    assert float(b.accuracy.mean[1]) > float(b.accuracy.mean[0])


def test_verifier_is_capped_by_its_false_positive_rate():
    p, phi = 0.4, 0.25
    cap = p / (p + (1 - p) * phi)
    a = agg.Verifier(agg.Mix([p], [1.0]), phi)
    e = np.asarray(agg.expected(a, [1, 10, 100, 1000]))
    assert np.all(np.diff(e) >= 0) and e[-1] == pytest.approx(cap, rel=1e-5)
    assert e[0] == pytest.approx(p, rel=1e-6)  # k = 1: the sample is the answer
    # phi = 0 is pass@k, phi = 1 accepts the first sample
    b = agg.Beta(0.7, 1.3)
    np.testing.assert_allclose(agg.expected(agg.Verifier(b, 0.0), KS),
                               agg.expected(agg.PassAtK(b), KS), rtol=2e-5)
    np.testing.assert_allclose(agg.expected(agg.Verifier(b, 1.0), KS), 0.35, rtol=2e-5)


def test_paper_draws_are_unchanged_by_an_aggregation():
    m = CAT["qwen3-max"]
    ref = frontier.sample(m, (1, 4, 9), key=3, num_trials=300)
    # one case per aggregation class: the draws of cost and time depend on the class only
    for a in (CASES["pass@k beta"], CASES["majority mix"], CASES["verifier mix"]):
        got = frontier.sample(m, (1, 4, 9), key=3, num_trials=300, aggregation=a)
        np.testing.assert_array_equal(np.asarray(got.cost), np.asarray(ref.cost))
        np.testing.assert_array_equal(np.asarray(got.time), np.asarray(ref.time))
    same = frontier.sample(m, (1, 4, 9), key=3, num_trials=300, aggregation=agg.BestOfK())
    np.testing.assert_array_equal(np.asarray(same.accuracy), np.asarray(ref.accuracy))


@pytest.mark.parametrize("batch_size", [1, 7, 100])
def test_batch_size_changes_nothing(batch_size):
    a = CASES["verifier beta"]
    ref = frontier.sample([CAT["gpt5"], CAT["gpt5-nano"]], (1, 5, 12), key=4, num_trials=333,
                          aggregation=a)
    got = frontier.sample([CAT["gpt5"], CAT["gpt5-nano"]], (1, 5, 12), key=4, num_trials=333,
                          aggregation=a, batch_size=batch_size)
    for x, y in zip(ref, got, strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.mark.parametrize("method", ["exact", "sketch"])
def test_chunk_size_changes_nothing(method):
    a = CASES["majority mix"]
    kw = dict(key=5, num_trials=3000, aggregation=a, quantile_method=method)
    ref = frontier.summarize(CAT["gpt5"], (1, 3, 8), **kw)
    got = frontier.summarize(CAT["gpt5"], (1, 3, 8), chunk_size=512, **kw)
    for f in ("mean", "std", "quantiles"):
        np.testing.assert_array_equal(np.asarray(getattr(ref.accuracy, f)),
                                      np.asarray(getattr(got.accuracy, f)))


def test_common_random_numbers_across_k_and_prefix_stability():
    a = CASES["pass@k beta"]
    s = frontier.sample(CAT["gpt5"], (1, 2, 4, 16, 64), key=6, num_trials=500, aggregation=a)
    acc = np.asarray(s.accuracy)
    assert np.all(np.diff(acc, axis=0) >= 0)  # a solved problem stays solved
    short = frontier.sample(CAT["gpt5"], (4,), key=6, num_trials=200, aggregation=a)
    np.testing.assert_array_equal(np.asarray(short.accuracy[0]), acc[2, :200])


def test_independent_scheme_matches_closed_form():
    a = CASES["pass@k beta"]
    s = frontier.summarize(CAT["gpt5"], (1, 4, 16), key=7, num_trials=20_000, aggregation=a,
                           scheme="independent")
    e = np.asarray(agg.expected(a, (1, 4, 16)))
    assert np.all(np.abs(np.asarray(s.accuracy.mean) - e) <= 4 * np.asarray(s.accuracy.sem))


def test_a_user_defined_aggregation_through_the_protocol():
    from typing import NamedTuple

    class FirstSample(NamedTuple):  # the accuracy of the first sample, whatever k
        needs = "score"

        def draw(self, keys, kmax, dtype):
            return {}

        def accuracy(self, record, draws, ks):
            return jnp.broadcast_to(record["score"][:, 0], (len(ks), record["score"].shape[0]))

    s = frontier.sample(CAT["gpt5"], (1, 8), key=0, num_trials=100, aggregation=FirstSample())
    ref = frontier.sample(CAT["gpt5"], (1,), key=0, num_trials=100)
    np.testing.assert_array_equal(np.asarray(s.accuracy[1]), np.asarray(ref.accuracy[0]))


# ----------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("name", list(CASES))
def test_closed_form_gradients_check_grads_float64(name):
    a = agg.validate_aggregation(CASES[name])
    with jax.enable_x64(True):
        a64 = jax.tree.map(lambda x: jnp.asarray(x, jnp.float64), a)
        leaves, tree = jax.tree.flatten(a64)
        if isinstance(a.difficulty, agg.Mix):  # the rates only (weights are normalised)
            def f(p):
                d = a64.difficulty._replace(p=p)
                return a64._replace(difficulty=d).expected((1, 3, 8), jnp.float64)

            check_grads(f, (a64.difficulty.p,), order=1, modes=["rev", "fwd"], eps=1e-6)
        else:
            def g(*xs):
                return jax.tree.unflatten(tree, xs).expected((1, 3, 8), jnp.float64)

            check_grads(g, tuple(leaves), order=1, modes=["rev", "fwd"], eps=1e-6)


# ----------------------------------------------------------------------------- counts


def test_unbiased_estimator_matches_exact_binomials():
    n = np.array([5, 10, 20, 20, 50, 200])
    c = np.array([0, 3, 20, 7, 1, 150])
    ks = (1, 2, 5)
    got = agg.pass_at_k_unbiased(n, c, ks)
    want = np.array([[1 - special.comb(ni - ci, k, exact=True) / special.comb(ni, k, exact=True)
                      for k in ks] for ni, ci in zip(n, c, strict=True)], float)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_unbiased_estimator_is_unbiased_over_subsets():
    rng = np.random.default_rng(3)
    n, c, k = 12, 4, 3
    answers = np.array([1] * c + [0] * (n - c))
    draws = np.array([rng.choice(answers, size=k, replace=False).any() for _ in range(200_000)])
    est = float(agg.pass_at_k_unbiased([n], [c], [k])[0, 0])
    assert abs(draws.mean() - est) < 4 * draws.std() / math.sqrt(len(draws))


def test_beta_fit_is_the_scipy_maximum_likelihood():
    rng = np.random.default_rng(5)
    p = rng.beta(0.7, 1.6, size=1500)
    n = rng.integers(5, 40, size=1500)
    c = rng.binomial(n, p)
    with jax.enable_x64(True):
        fit = agg.fit_difficulty(n, c)

    def nll(t):
        return -stats.betabinom.logpmf(c, n, math.exp(t[0]), math.exp(t[1])).sum()

    ref = optimize.minimize(nll, [0.0, 0.0], method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 5000})
    assert fit.converged
    np.testing.assert_allclose([fit.a, fit.b], np.exp(ref.x), rtol=1e-5)
    assert fit.loglik == pytest.approx(-ref.fun, rel=1e-10)
    # observed information, by central differences of SciPy's log-likelihood in (a, b)
    h = 1e-4

    def ll(a, b):
        return stats.betabinom.logpmf(c, n, a, b).sum()

    a0, b0 = fit.a, fit.b
    haa = (ll(a0 + h, b0) - 2 * ll(a0, b0) + ll(a0 - h, b0)) / h**2
    hbb = (ll(a0, b0 + h) - 2 * ll(a0, b0) + ll(a0, b0 - h)) / h**2
    hab = (ll(a0 + h, b0 + h) - ll(a0 + h, b0 - h) - ll(a0 - h, b0 + h)
           + ll(a0 - h, b0 - h)) / (4 * h * h)
    cov = np.linalg.inv(-np.array([[haa, hab], [hab, hbb]]))
    np.testing.assert_allclose(fit.cov, cov, rtol=1e-3)
    # and the truth lies within 4 standard errors
    assert abs(fit.a - 0.7) < 4 * fit.a_se and abs(fit.b - 1.6) < 4 * fit.b_se


def test_pass_at_k_report_agrees_with_itself_and_extrapolates():
    rng = np.random.default_rng(8)
    n = np.full(3000, 20)
    c = rng.binomial(n, rng.beta(0.5, 2.0, size=3000))
    est = agg.pass_at_k(n, c, (1, 5, 20, 100))
    ok = ~np.isnan(est.unbiased)
    assert ok.tolist() == [True, True, True, False]
    tol = 4 * np.hypot(est.unbiased_se[ok], est.fitted_se[ok])
    assert np.all(np.abs(est.unbiased[ok] - est.fitted[ok]) <= tol)
    truth = np.asarray(agg.expected(agg.PassAtK(agg.Beta(0.5, 2.0)), (1, 5, 20, 100)))
    assert np.all(np.abs(est.fitted - truth) <= 4 * est.fitted_se)


def test_homogeneous_problems_do_not_converge_to_a_finite_beta():
    n = np.full(400, 30)
    c = np.random.default_rng(0).binomial(n, 0.4)
    fit = agg.fit_difficulty(n, c)
    assert fit.a / (fit.a + fit.b) == pytest.approx(c.sum() / n.sum(), rel=1e-2)
    assert fit.a + fit.b > 100  # overdispersion ~ 0: a + b runs to a large value


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("make", "exc", "word"),
    [
        (lambda: agg.PassAtK(agg.Beta(0.0, 1.0)), ValueError, "difficulty.a"),
        (lambda: agg.PassAtK(agg.Beta(1.0, -2.0)), ValueError, "difficulty.b"),
        (lambda: agg.MajorityVote(agg.Beta(float("nan"), 1.0)), ValueError, "difficulty.a"),
        (lambda: agg.MajorityVote(agg.Mix([0.5, 1.2], [0.5, 0.5])), ValueError,
         "difficulty.p"),
        (lambda: agg.MajorityVote(agg.Mix([0.5, 0.2], [0.5, -0.1])), ValueError,
         "difficulty.weight"),
        (lambda: agg.MajorityVote(agg.Mix([0.5, 0.2], [0.5])), ValueError, "difficulty.weight"),
        (lambda: agg.Verifier(BETA, 1.5), ValueError, "phi"),
        (lambda: agg.Verifier(BETA, -0.1), ValueError, "phi"),
        (lambda: agg.PassAtK(agg.Beta(True, 1.0)), TypeError, "difficulty.a"),
        (lambda: "plurality", ValueError, "plurality"),
        (lambda: 3.0, TypeError, "aggregation"),
        (lambda: agg.PassAtK(), ValueError, "difficulty"),  # the paper model has no `correct`
    ],
)
def test_bad_aggregations_name_the_field(make, exc, word):
    with pytest.raises(exc, match=word):
        frontier.sample(CAT["gpt5"], 4, key=0, num_trials=10, aggregation=make())


@pytest.mark.parametrize(
    ("n", "c", "word"),
    [([10, 10], [3, 11], "c[1]"), ([10, 10], [-1, 2], "c[0]"), ([0, 10], [0, 2], "n[0]"),
     ([10, 10], [2.5, 1], "c[0]"), ([10], [1, 2], "problems"), ([], [], "non-empty")],
)
def test_bad_counts_name_the_argument(n, c, word):
    with pytest.raises(ValueError, match=__import__("re").escape(word)):
        agg.fit_difficulty(n, c)
    with pytest.raises(ValueError, match=__import__("re").escape(word)):
        agg.pass_at_k_unbiased(n, c, [1])


def test_unbiased_estimator_needs_k_at_most_n():
    with pytest.raises(ValueError, match="k <= n"):
        agg.pass_at_k_unbiased([10, 4], [2, 1], [5])


def test_make_and_expected_errors():
    with pytest.raises(ValueError, match="phi"):
        agg.make("pass@k", difficulty={"a": 1, "b": 1}, phi=0.1)
    with pytest.raises(ValueError, match="difficulty"):
        agg.make("pass@k", difficulty={"mean": 0.3})
    with pytest.raises(ValueError, match="difficulty"):
        agg.expected(agg.BestOfK(), [1])
    assert agg.make("coverage", difficulty={"a": 1, "b": 2}) == agg.PassAtK(agg.Beta(1.0, 2.0))
    assert isinstance(agg.make("oracle"), KA.BestOfK)
