"""Operating points against selections computed from the exact expectations of the paper
model (arXiv 2510.18905)."""

import math

import numpy as np
import pytest
from _oracles import exact_means

import frontier

CAT = frontier.catalog()
BUDGETS = [(0.5, 60.0, 0.88), (0.2, 30.0, 0.9), (1.0, 120.0, 0.95), (0.05, 20.0, 0.85)]
KS = tuple(range(4, 129, 4))


def exact(m, ks, P=4):
    """Exact (cost, time, accuracy) means per k, as arrays."""
    return tuple(np.array(v) for v in zip(*(exact_means(m, int(k), P) for k in ks), strict=True))


def rules(c, t, a, lim):
    """NumPy selections on means; returns {rule: (index or -1, criterion values, mask)}."""
    cm, tm, am = lim
    feas = (c <= cm) & (t <= tm) & (a >= am)
    out = {}
    crit = {"accuracy": a, "cube": (1 - c / cm) * (1 - t / tm) * a, "cheapest": -c}
    for name, v in crit.items():
        out[name] = (int(np.argmax(np.where(feas, v, -np.inf))) if feas.any() else -1, v, feas)
    pts = np.stack([c / cm, t / tm, -a], 1)
    par = feas.copy()
    for i in range(len(c)):
        if feas[i]:
            dom = feas & np.all(pts <= pts[i], 1) & np.any(pts < pts[i], 1)
            par[i] = not dom.any()
    u = -np.linalg.norm(np.stack([c / cm, t / tm, 1 - a], 1), axis=1)
    out["utopia"] = (int(np.argmax(np.where(par, u, -np.inf))) if par.any() else -1, u, par)
    return out


def test_selections_match_exact_expectations_for_all_catalog_models():
    n = 20_000
    budget = frontier.Budget(*(np.array(col) for col in zip(*BUDGETS, strict=True)))
    study = frontier.optimize(CAT, budget=budget, ks=KS, key=2024, num_trials=n)
    s = study.summary
    checked, ties = 0, []
    for i, (key, m) in enumerate(CAT.items()):
        c, t, a = exact(m, KS)
        se = [np.asarray(st.sem[i], float) for st in (s.cost, s.time, s.accuracy)]
        for b, lim in enumerate(BUDGETS):
            got_feas = np.asarray(study.feasible[b, i])
            want = rules(c, t, a, lim)
            # feasibility: any disagreement must sit within 4 standard errors of a boundary
            near = ((np.abs(c - lim[0]) < 4 * se[0]) | (np.abs(t - lim[1]) < 4 * se[1])
                    | (np.abs(a - lim[2]) < 4 * se[2]))
            bad = (got_feas != want["accuracy"][2]) & ~near
            assert not bad.any(), (key, lim, np.nonzero(bad))
            for rule, (idx, crit, mask) in want.items():
                got = int(getattr(study.points, rule).index[b, i])
                checked += 1
                if got == idx:
                    continue
                # excused only when the two candidates involved are within Monte Carlo error
                # of each other: their criteria (both exist), or the feasibility of one of
                # them (within 4 standard errors of a budget boundary)
                pair = [j for j in (got, idx) if j >= 0]
                scale = 4 * math.sqrt(2) * max(se[0][pair].max() / lim[0],
                                               se[1][pair].max() / lim[1],
                                               se[2][pair].max()) + 1e-12
                if rule == "cheapest":
                    scale = 4 * math.sqrt(2) * se[0][pair].max()
                close = got >= 0 and idx >= 0 and abs(crit[got] - crit[idx]) <= scale
                tie = close or bool(near[pair].any())
                ties.append((key, lim, rule, KS[idx] if idx >= 0 else None,
                             KS[got] if got >= 0 else None))
                assert tie, f"{key} {lim} {rule}: got k={ties[-1][4]}, exact k={ties[-1][3]}"
    print(f"\nchecked {checked} selections; {len(ties)} within Monte Carlo error of a tie:")
    for tie in ties:
        print("  tie:", tie)
    assert checked == len(CAT) * len(BUDGETS) * 4
    assert len(ties) < checked // 4


def test_accuracy_optimal_never_rises_when_budget_tightens():
    b = frontier.budget_grid([0.05, 0.1, 0.2, 0.5, 1.0], [60.0], [0.85])
    study = frontier.optimize(CAT, budget=b, ks=KS, key=0, num_trials=2000)
    k = np.asarray(study.points.accuracy.k)[:, 0, 0]  # (C_max, model)
    assert np.all(np.diff(k, axis=0) >= 0)


def test_many_budgets_is_one_call_and_matches_single_budgets():
    b = frontier.budget_grid([0.1, 0.5], [20.0, 60.0], [0.88, 0.95])
    grid = frontier.optimize(CAT, budget=b, ks=KS, key=7, num_trials=1000)
    assert grid.points.cube.k.shape == (2, 2, 2, 9)
    one = frontier.optimize(CAT, budget=(0.5, 20.0, 0.95), ks=KS, key=7, num_trials=1000)
    for name in frontier.Points._fields:
        np.testing.assert_array_equal(np.asarray(getattr(grid.points, name).k[1, 0, 1]),
                                      np.asarray(getattr(one.points, name).k))
        np.testing.assert_array_equal(np.asarray(getattr(grid.cross.points, name).k[1, 0, 1]),
                                      np.asarray(getattr(one.cross.points, name).k))


def test_nothing_feasible_is_an_answer():
    study = frontier.optimize(CAT["gpt5"], budget=(0.5, 5.0, 0.88), k_max=32, key=0,
                              num_trials=500)
    assert not bool(study.feasible.any())
    p = study.points.accuracy
    assert not bool(p.found[0]) and int(p.k[0]) == 0 and np.isnan(float(p.cost.mean[0]))
    msg = study.explain(0)
    assert "no feasible k" in msg and "k=4" in msg and "time" in msg and "cost" not in msg


def test_slo_on_tail_quantiles_and_cheapest():
    study = frontier.optimize(CAT, budget=None, ks=KS, key=1, num_trials=4000,
                              slo="p95 time <= 20 and mean accuracy >= 0.97")
    s = study.summary
    p95 = np.asarray(s.time.quantiles[..., s.quantile_levels.index(0.95)])
    acc = np.asarray(s.accuracy.mean)
    ok = (p95 <= 20) & (acc >= 0.97)
    np.testing.assert_array_equal(np.asarray(study.feasible), ok)
    cost = np.where(ok, np.asarray(s.cost.mean), np.inf)
    flat = int(np.argmin(cost))
    cp = study.cross.points.cheapest
    assert (int(cp.model), int(cp.index)) == divmod(flat, len(KS))


def test_cross_model_front_is_non_dominated_and_complete():
    study = frontier.optimize(CAT, budget=(0.5, 60.0, 0.88), ks=KS, key=3, num_trials=1000)
    s = study.summary
    pts = np.stack([np.asarray(s.cost.mean).ravel(), np.asarray(s.time.mean).ravel(),
                    -np.asarray(s.accuracy.mean).ravel()], 1)
    feas = np.asarray(study.cross.feasible).ravel()
    front = np.asarray(study.cross.pareto).ravel()
    for i in range(len(pts)):
        dom = feas & np.all(pts <= pts[i], 1) & np.any(pts < pts[i], 1)
        assert front[i] == (feas[i] and not dom.any())


def test_knees_need_three_pareto_points_and_paper_rule_is_named():
    study = frontier.optimize(CAT["gpt5"], budget=(0.2, 60.0, 0.88), k_max=128, key=0,
                              num_trials=500)
    n_front = int(study.pareto.sum())
    for name in ("knee_chord", "knee_curvature", "knee_paper"):
        found = bool(getattr(study.points, name).found[0])
        assert found == (n_front >= 3)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"budget": (0.0, 60, 0.9)}, "C_max"),
        ({"budget": (0.5, float("nan"), 0.9)}, "T_max"),
        ({"budget": {"C_max": 1, "Tmax": 2}}, "Tmax"),
        ({"k_max": 2, "parallel": 4}, "empty grid"),
        ({"slo": "p95 latency <= 2"}, "slo"),
        ({"k_max": None}, "k_max"),
    ],
)
def test_bad_arguments(kwargs, word):
    args = {"budget": (0.5, 60.0, 0.88), "k_max": 32, "key": 0, "num_trials": 10, **kwargs}
    with pytest.raises(ValueError, match=word):
        frontier.optimize(CAT["gpt5"], **args)


def test_parse_slo_forms():
    a = frontier.parse_slo("time.p99 <= 3, accuracy.mean >= 0.9")
    assert a == (frontier.Constraint("time", 0.99, "<=", 3.0),
                 frontier.Constraint("accuracy", "mean", ">=", 0.9))
    with pytest.raises(ValueError, match="cannot parse"):
        frontier.parse_slo("time < 3")


def test_knees_normalise_by_the_front_and_match_the_knee_function():
    study = frontier.optimize(CAT, budget=(0.5, 60.0, 0.88), k_max=128, key=42,
                              num_trials=10_000)
    old = frontier.optimize(CAT, budget=(0.5, 60.0, 0.88), k_max=128, key=42,
                            num_trials=10_000, knee_normalise="budget")
    s = study.summary
    long_fronts, informative, second_point_old = 0, 0, 0
    for i, key in enumerate(study.models):
        par = np.asarray(study.pareto[i])
        ks = np.asarray(study.ks)[par]
        if len(ks) < 3:
            assert not bool(study.points.knee_curvature.found[i])
            continue
        pts = np.stack([np.asarray(st.mean[i])[par] for st in (s.cost, s.time, s.accuracy)], 1)
        for rule, method, t in (("knee_curvature", "curvature", ks), ("knee_chord", "chord",
                                                                        None)):
            want = frontier.knee(pts, method=method, maximise=[False, False, True],
                                 normalise="minmax", t=t)
            assert int(getattr(study.points, rule).k[i]) == int(ks[int(want.index)]), (key, rule)
        if len(ks) >= 8:
            long_fronts += 1
            pos = int(np.searchsorted(ks, int(study.points.knee_curvature.k[i])))
            informative += 2 <= pos <= len(ks) - 3  # neither end nor next to one
            second_point_old += int(old.points.knee_curvature.k[i]) == ks[1]
    assert long_fronts >= 4
    assert informative >= long_fronts - 1
    assert second_point_old == long_fronts  # the paper's space: always k = 2P
    with pytest.raises(ValueError, match="knee_normalise"):
        frontier.optimize(CAT["gpt5"], budget=(0.5, 60, 0.9), k_max=16, key=0, num_trials=10,
                          knee_normalise="minmax")
