"""The study's own uncertainty: ``frontier.optimize(..., replicates=R)``.

Replicate ``r`` is documented to be ``optimize(..., key=fold_in(key, r))``; the oracle here
runs those studies one by one and counts fronts and choices in NumPy.
"""

import dataclasses
import json
import re

import jax
import matplotlib
import numpy as np
import pytest

import frontier
from frontier import cli
from frontier._records import study_records

KS = (4, 8, 16, 32)
R = 4
TRIALS = 100
# a budget grid: the paper's example and one no candidate can meet (nothing found)
BUDGET = frontier.Budget(C_max=np.asarray([0.5, 0.5]), T_max=60.0,
                         acc_min=np.asarray([0.88, 0.9999]))


def _models():
    cat = frontier.catalog()
    return {"gpt5-mini": cat["gpt5-mini"], "gpt5": cat["gpt5"]}


def _run(key, replicates=None, budget=BUDGET, models=None):
    return frontier.optimize(models or _models(), budget=budget, ks=KS, key=key,
                             num_trials=TRIALS, replicates=replicates)


@pytest.fixture(scope="module")
def study():
    return _run(7, replicates=R)


@pytest.fixture(scope="module")
def singles():
    base = jax.random.key(7)
    return [_run(jax.random.fold_in(base, r)) for r in range(R)]


def _one_hot(points, M, K):
    found = np.asarray(points.found)
    index = np.asarray(points.index)
    return found[..., None] & (index[..., None] == np.arange(K))


def _cross_one_hot(points, M, K):
    found = np.asarray(points.found)[..., None, None]
    m = np.asarray(points.model)[..., None, None] == np.arange(M)[:, None]
    k = np.asarray(points.index)[..., None, None] == np.arange(K)
    return found & m & k


def test_probabilities_are_the_frequencies_over_the_fold_in_studies(study, singles):
    rep = study.replicates
    M, K = len(study.models), len(KS)
    assert rep.num_replicates == R
    np.testing.assert_array_equal(
        np.asarray(rep.pareto_probability),
        np.mean([np.asarray(s.pareto) for s in singles], 0))
    np.testing.assert_array_equal(
        np.asarray(rep.cross_probability),
        np.mean([np.asarray(s.cross.pareto) for s in singles], 0))
    np.testing.assert_array_equal(
        np.asarray(rep.feasible_probability),
        np.mean([np.asarray(s.feasible) for s in singles], 0))
    assert set(rep.rule_probability) == set(frontier.Points._fields)
    for rule in frontier.Points._fields:
        want = np.mean([_one_hot(getattr(s.points, rule), M, K) for s in singles], 0)
        np.testing.assert_array_equal(np.asarray(rep.rule_probability[rule]), want)
        cwant = np.mean([_cross_one_hot(getattr(s.cross.points, rule), M, K)
                         for s in singles], 0)
        np.testing.assert_array_equal(np.asarray(rep.cross_rule_probability[rule]), cwant)


def test_main_study_is_replicate_zero(study, singles):
    first = singles[0]
    np.testing.assert_array_equal(np.asarray(study.pareto), np.asarray(first.pareto))
    np.testing.assert_array_equal(np.asarray(study.summary.accuracy.mean),
                                  np.asarray(first.summary.accuracy.mean))
    for rule in frontier.Points._fields:
        np.testing.assert_array_equal(np.asarray(getattr(study.points, rule).k),
                                      np.asarray(getattr(first.points, rule).k))
    assert first.replicates is None


def test_probabilities_lie_in_unit_interval_with_binomial_standard_errors(study):
    rep = study.replicates
    pairs = [(rep.pareto_probability, rep.pareto_se), (rep.cross_probability, rep.cross_se)]
    pairs += [(rep.rule_probability[r], rep.rule_se[r]) for r in rep.rule_probability]
    pairs += [(rep.cross_rule_probability[r], rep.cross_rule_se[r])
              for r in rep.cross_rule_probability]
    for p, se in pairs:
        p, se = np.asarray(p), np.asarray(se)
        assert p.shape == (2, 2, len(KS))
        assert ((p >= 0) & (p <= 1)).all()
        np.testing.assert_allclose(se, np.sqrt(p * (1 - p) / R), rtol=1e-6)
    # an estimated frequency strictly inside (0, 1) has a positive error
    knee = np.asarray(rep.rule_probability["knee_chord"])
    inner = (knee > 0) & (knee < 1)
    assert (np.asarray(rep.rule_se["knee_chord"])[inner] > 0).all()


def test_rule_probability_sums_to_the_fraction_of_replicates_that_found_a_point(
        study, singles):
    rep = study.replicates
    for rule in frontier.Points._fields:
        found = np.mean([np.asarray(getattr(s.points, rule).found) for s in singles], 0)
        np.testing.assert_allclose(np.asarray(rep.rule_probability[rule]).sum(-1), found,
                                   rtol=1e-6)
        cfound = np.mean([np.asarray(getattr(s.cross.points, rule).found) for s in singles],
                         0)
        np.testing.assert_allclose(np.asarray(rep.cross_rule_probability[rule]).sum((-2, -1)),
                                   cfound, rtol=1e-6)
    # the impossible budget (acc_min 0.9999): nothing feasible, nothing found, in any replicate
    assert not np.asarray(rep.feasible_probability)[1].any()
    assert not np.asarray(rep.rule_probability["accuracy"])[1].any()
    # the paper's budget: the most accurate feasible k is found in every replicate
    np.testing.assert_array_equal(np.asarray(rep.rule_probability["accuracy"])[0].sum(-1),
                                  np.ones(2))


def test_a_dominated_copy_has_probability_zero_and_the_cheapest_k_probability_one():
    base = frontier.catalog()["gpt5-mini"]
    # the same model at twice the price: the same draws (common random numbers across
    # models), so the same time and accuracy at a higher cost in every trial
    pricey = dataclasses.replace(base, name="pricey", c_in=2 * base.c_in,
                                 c_out=2 * base.c_out)
    s = frontier.optimize({"base": base, "pricey": pricey}, budget=None, ks=KS, key=3,
                          num_trials=TRIALS, replicates=3)
    rep = s.replicates
    cross = np.asarray(rep.cross_probability)
    np.testing.assert_array_equal(cross[1], np.zeros(len(KS)))
    np.testing.assert_array_equal(np.asarray(rep.cross_se)[1], np.zeros(len(KS)))
    # per model, the smallest k is always the cheapest and always on the front
    np.testing.assert_array_equal(np.asarray(rep.rule_probability["cheapest"]),
                                  np.asarray([[1.0, 0, 0, 0], [1.0, 0, 0, 0]]))
    np.testing.assert_array_equal(np.asarray(rep.pareto_probability)[:, 0], np.ones(2))
    np.testing.assert_array_equal(np.asarray(rep.pareto_se)[:, 0], np.zeros(2))


def test_replicates_none_leaves_the_study_unchanged():
    a = _run(11)
    b = _run(11, replicates=None)
    assert a.replicates is None and b.replicates is None
    for x, y in zip(jax.tree.leaves((a.pareto, a.feasible, a.violation, a.points, a.cross,
                                     a.summary)),
                    jax.tree.leaves((b.pareto, b.feasible, b.violation, b.points, b.cross,
                                     b.summary)), strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_replicates_are_deterministic_for_a_fixed_key(study):
    again = _run(jax.random.key(7), replicates=R)
    fields = ("feasible_probability", "pareto_probability", "cross_probability",
              "rule_probability", "cross_rule_probability")
    for f in fields:
        for x, y in zip(jax.tree.leaves(getattr(study.replicates, f)),
                        jax.tree.leaves(getattr(again.replicates, f)), strict=True):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_reselect_recomputes_the_replicates_for_the_new_budget(study):
    budget = (0.25, 60.0, 0.88)
    moved = frontier.reselect(study, budget=budget)
    fresh = _run(7, replicates=R, budget=budget)
    np.testing.assert_array_equal(np.asarray(moved.replicates.pareto_probability),
                                  np.asarray(fresh.replicates.pareto_probability))
    for rule in frontier.Points._fields:
        np.testing.assert_array_equal(np.asarray(moved.replicates.rule_probability[rule]),
                                      np.asarray(fresh.replicates.rule_probability[rule]))


@pytest.mark.parametrize("bad, exc", [(1, ValueError), (0, ValueError), (-3, ValueError),
                                      (2.5, TypeError), (True, TypeError), ("3", TypeError)])
def test_bad_replicates_are_rejected_naming_the_argument(bad, exc):
    with pytest.raises(exc, match="`replicates`"):
        _run(1, replicates=bad)


def _strict(text):
    def reject(token):
        raise ValueError(f"non-strict JSON token {token}")

    return json.loads(text, parse_constant=reject)


def test_cli_run_replicates_adds_probability_columns_and_strict_json(capsys):
    argv = ["run", "--only", "gpt5-mini", "gpt5", "--k-max", "16", "--trials", "64",
            "--replicates", "3", "--no-write"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "3 replicates" in out
    assert "P(front)" in out and "P(rule)" in out
    head = next(line for line in out.splitlines() if "P(front)" in line)
    end = head.index("P(front)") + len("P(front)")
    rows = [line for line in out.splitlines()
            if line.startswith("  ") and "[" in line and "P(front)" not in line]
    assert rows and all(re.fullmatch(r"[01]\.\d\d", r[end - 4:end]) for r in rows)  # aligned
    assert cli.main([*argv, "--json"]) == 0
    rec = _strict(capsys.readouterr().out)
    assert rec["replicates"] == 3
    study = frontier.optimize({"gpt5-mini": frontier.catalog()["gpt5-mini"],
                               "gpt5": frontier.catalog()["gpt5"]},
                              budget=(0.5, 60.0, 0.88), k_max=16, key=42, num_trials=64,
                              replicates=3)
    got = rec["budgets"][0]["models"]["gpt5"]["replicates"]
    np.testing.assert_allclose(got["pareto"], np.asarray(study.replicates.pareto_probability)[1])
    np.testing.assert_allclose(got["rules"]["knee_chord"],
                               np.asarray(study.replicates.rule_probability["knee_chord"])[1])
    cross = rec["budgets"][0]["cross"]["replicates"]["pareto"]
    assert len(cross) == int((np.asarray(study.replicates.cross_probability) > 0).sum())


def test_cli_run_rejects_one_replicate(capsys):
    assert cli.main(["run", "--only", "gpt5", "--k-max", "8", "--trials", "32",
                     "--replicates", "1", "--no-write"]) == 2
    assert "`replicates`" in capsys.readouterr().err


def test_json_without_replicates_has_no_replicate_fields():
    s = _run(5)
    rec = study_records(s)
    assert "replicates" not in rec
    assert "replicates" not in rec["budgets"][0]["models"]["gpt5"]
    assert "replicates" not in rec["budgets"][0]["cross"]


def test_front_probability_colours_the_candidates_ever_on_the_front(study):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from frontier import plot

    fig = plot.front_probability(study, budget_index=(0,))
    assert len(fig.axes) == 3  # two panels and the colour bar
    seen = np.asarray(study.replicates.cross_probability)[0] > 0
    coloured = [c for c in fig.axes[0].collections if c.get_array() is not None]
    assert len(coloured) == 1
    np.testing.assert_allclose(np.asarray(coloured[0].get_array()),
                               np.asarray(study.replicates.cross_probability)[0][seen])
    # one staircase per replicate
    assert len(fig.axes[0].lines) >= R
    plt.close(fig)
    with pytest.raises(ValueError, match="no replicates"):
        plot.front_probability(_run(5))


def _at(rec, path):
    for p in path:
        rec = rec[p]
    return rec


def test_csvs_carry_each_chosen_points_probabilities(study):
    import io

    import pandas as pd

    from frontier._records import study_csvs

    rec = study_records(study)
    csvs = study_csvs(rec)
    rep = study.replicates
    keys = list(study.models)
    sel = pd.read_csv(io.StringIO(csvs["selections.csv"]))
    assert {"p_front", "p_front_se", "p_rule", "p_rule_se"} <= set(sel.columns)
    acc_min = np.asarray(BUDGET.acc_min)
    checked = {"model": 0, "cross": 0}
    for row in sel.itertuples():
        b = int(np.flatnonzero(acc_min == row.acc_min)[0])
        i, j = keys.index(row.model), KS.index(row.k)
        if row.scope == "model":
            front, rule = rep.pareto_probability, rep.rule_probability[row.rule]
            front_se, rule_se = rep.pareto_se, rep.rule_se[row.rule]
        else:
            front, rule = rep.cross_probability, rep.cross_rule_probability[row.rule]
            front_se, rule_se = rep.cross_se, rep.cross_rule_se[row.rule]
        assert row.p_front == pytest.approx(float(np.asarray(front)[b, i, j]))
        assert row.p_front_se == pytest.approx(float(np.asarray(front_se)[b, i, j]))
        assert row.p_rule == pytest.approx(float(np.asarray(rule)[b, i, j]))
        assert row.p_rule_se == pytest.approx(float(np.asarray(rule_se)[b, i, j]))
        assert 0 < row.p_rule <= 1  # the rule picked it in replicate 0 at least
        checked[row.scope] += 1
    assert checked["model"] and checked["cross"]
    cand = pd.read_csv(io.StringIO(csvs["candidates.csv"]))
    assert len(cand) == 2 * len(keys) * len(KS)
    for row in cand.itertuples():
        b = int(np.flatnonzero(acc_min == row.acc_min)[0])
        i, j = keys.index(row.model), KS.index(row.k)
        assert row.p_pareto == pytest.approx(float(np.asarray(rep.pareto_probability)[b, i, j]))
        assert row.p_cross_pareto == pytest.approx(
            float(np.asarray(rep.cross_probability)[b, i, j]))
        assert row.p_knee_chord == pytest.approx(
            float(np.asarray(rep.rule_probability["knee_chord"])[b, i, j]))
        assert row.p_cheapest_se == pytest.approx(
            float(np.asarray(rep.rule_se["cheapest"])[b, i, j]))
    plain = study_csvs(study_records(_run(5)))
    assert "p_front" not in plain["selections.csv"].splitlines()[0]
    assert "p_pareto" not in plain["candidates.csv"].splitlines()[0]


def test_report_tables_show_the_probabilities_tied_to_the_record(study):
    from frontier._report import report_html

    rec = study_records(study)
    page = report_html(rec, figures="none")
    assert "P(front)" in page and "P(rule)" in page and f"{R} replicates" in page
    spans = re.findall(r'data-v="([^"]*)" data-j="([^"]*)"', page)
    paths = [(v, json.loads(j.replace("&quot;", '"'))) for v, j in spans]
    reps = [(v, p) for v, p in paths if "replicates" in p]
    assert any("cross" in p for _, p in reps) and any("models" in p for _, p in reps)
    for v, p in reps:
        assert float(v) == pytest.approx(_at(rec, p))
    plain = report_html(study_records(_run(5)), figures="none")
    assert "P(front)" not in plain


def test_save_all_adds_the_probability_figure_for_a_replicated_study(study, tmp_path):
    matplotlib.use("Agg")
    from frontier import plot

    paths = plot.save_all(study, tmp_path / "rep", formats=("png",), budget_index=(0,),
                          figures="summary")
    assert any(p.endswith("front_probability.png") for p in paths)
    paths = plot.save_all(_run(5), tmp_path / "plain", formats=("png",), budget_index=(0,),
                          figures="summary")
    assert not any("front_probability" in p for p in paths)
