"""The notebook explorer without a browser: its state, callbacks and widget, and reselect."""

import sys

import jax
import matplotlib
import numpy as np
import pytest

import frontier
from frontier._records import study_records
from frontier._rules import RULE_NAMES

matplotlib.use("Agg")

KEYS = ("gpt5", "gpt5-nano")
CFG = dict(k_max=24, trials=200, seed=7)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def models():
    cat = frontier.catalog()
    return {k: cat[k] for k in KEYS}


def _optimize(models, budget, *, k_max=24, trials=200, parallel=None, seed=7):
    return frontier.optimize(models, budget=budget, key=seed, num_trials=trials, k_max=k_max,
                             parallel=parallel)


def _budget_entry(study):
    return study_records(study)["budgets"][0]


def _same_study(a, b):
    strip = dict(summary=None, table=None, choice=None)
    for x, y in zip(jax.tree.leaves(a._replace(**strip)), jax.tree.leaves(b._replace(**strip)),
                    strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


# ----------------------------------------------------------------------------- reselect


def test_reselect_is_optimize_under_every_budget_of_a_grid(models):
    base = _optimize(models, (0.5, 60.0, 0.88))
    grid = frontier.budget_grid([0.02, 0.1, 0.5], [5.0, 60.0], [0.9, 0.99])
    _same_study(frontier.reselect(base, budget=grid), _optimize(models, grid))


def test_reselect_keeps_or_replaces_the_slo_and_the_knee_space(models):
    slo = "p95 time <= 30"
    base = frontier.optimize(models, budget=(0.5, 60.0, 0.88), key=7, num_trials=200,
                             k_max=24, slo=slo)
    again = frontier.optimize(models, budget=(0.3, 40.0, 0.9), key=7, num_trials=200,
                              k_max=24, slo=slo, knee_normalise="budget")
    got = frontier.reselect(base, budget=(0.3, 40.0, 0.9), knee_normalise="budget")
    _same_study(got, again)
    assert got.slo == base.slo and got.knee_normalise == "budget"
    dropped = frontier.reselect(base, budget=(0.3, 40.0, 0.9), slo=())
    _same_study(dropped, _optimize(models, (0.3, 40.0, 0.9)))


def test_reselect_rejects_bad_input(models):
    base = _optimize(models, (0.5, 60.0, 0.88))
    with pytest.raises(ValueError, match="C_max"):
        frontier.reselect(base, budget=(-1.0, 60.0, 0.88))
    with pytest.raises(ValueError, match="knee_normalise"):
        frontier.reselect(base, budget=(0.5, 60.0, 0.88), knee_normalise="kneedle")
    with pytest.raises(ValueError, match="slo"):
        frontier.reselect(base, budget=(0.5, 60.0, 0.88), slo="p95 tokens <= 3")
    with pytest.raises(TypeError, match="Study"):
        frontier.reselect(base.table, budget=(0.5, 60.0, 0.88))
    with pytest.raises(ValueError, match="table"):
        frontier.reselect(base._replace(table=None), budget=(0.5, 60.0, 0.88))


# ----------------------------------------------------------------------------- Explorer


@pytest.fixture
def explorer(models):
    return frontier.Explorer(models, rule="accuracy", **CFG)


@pytest.mark.parametrize("changes", [
    {"C_max": 0.25}, {"T_max": 20.0}, {"acc_min": 0.97}, {"C_max": 0.05, "T_max": 15.0},
    {"T_max": 1.0},  # nothing feasible
])
def test_a_budget_move_selects_exactly_what_optimize_selects(explorer, models, changes):
    assert explorer.update(**changes) == "select"
    s = explorer.state
    want = _budget_entry(_optimize(models, (s.C_max, s.T_max, s.acc_min)))
    got = explorer.records["budgets"][0]
    assert got["models"] == want["models"] and got["cross"] == want["cross"]
    assert explorer.simulations == 1
    for rule in RULE_NAMES:
        explorer.update(rule=rule)
        p = want["models"][s.model]["points"][rule]
        sel = explorer.selection
        assert (sel is None) == (p is None)
        if p is not None:
            assert sel["k"] == p["k"] and sel["cost"] == p["cost"] and sel["rule"] == rule


def test_an_infeasible_budget_is_explained(explorer):
    explorer.update(T_max=1.0)
    assert explorer.selection is None
    assert "no feasible k" in explorer.explain() and "misses" in explorer.explain()
    assert "misses" in explorer.table_html()


@pytest.mark.parametrize("changes, kw", [
    ({"trials": 300}, {"trials": 300}),
    ({"k_max": 16}, {"k_max": 16}),
    ({"parallel": 2}, {"parallel": 2}),
])
def test_trials_k_max_and_p_simulate_again(explorer, models, changes, kw):
    assert explorer.update(**changes) == "simulate"
    assert explorer.simulations == 2
    args = {**dict(k_max=24, trials=200), **kw}
    _same_study(explorer.study, _optimize(models, (0.5, 60.0, 0.88), **args))
    assert explorer.study.summary.num_trials == args["trials"]


def test_a_simulation_reports_progress(explorer):
    steps = []
    explorer.update(trials=250, progress=lambda i, n, what: steps.append((i, n)))
    assert steps == [(0, 3), (2, 3)]
    steps.clear()
    explorer.update(C_max=0.3, progress=lambda i, n, what: steps.append((i, n)))
    assert steps == []  # a budget move is instant: no progress bar


def test_view_controls_recompute_nothing(explorer):
    study = explorer.study
    assert explorer.update(model="gpt5-nano", rule="cheapest", figure="overview") == "view"
    assert explorer.study is study and explorer.simulations == 1
    assert explorer.selection["model"] == "gpt5-nano"
    assert explorer.update(model="gpt5-nano") == "none"


def test_a_rejected_update_leaves_the_state(explorer):
    before = explorer.state
    with pytest.raises(ValueError, match="k_max"):
        explorer.update(k_max=2)  # P = 4 > k_max
    with pytest.raises(ValueError, match="unknown control"):
        explorer.update(budget=1.0)
    with pytest.raises(ValueError, match="rule"):
        explorer.update(rule="best")
    with pytest.raises(ValueError, match="model"):
        explorer.update(model="gpt6")
    assert explorer.state == before and explorer.simulations == 1


def test_the_table_is_the_reports_model_card(explorer):
    page = explorer.table_html()
    k = explorer.selection["k"]
    assert 'class="sel"' in page and f"accuracy-optimal</b>: k = {k}" in page
    assert explorer.png()[:8] == PNG_MAGIC
    snap = explorer.to_html()
    assert "data:image/png;base64," in snap and page in snap and "http" not in snap


# ----------------------------------------------------------------------------- the widget


def test_widget_sliders_drive_the_selection(models):
    pytest.importorskip("ipywidgets")
    box = frontier.explore(models, rule="accuracy", **CFG)
    ex, c, view = box.explorer, box.explorer.controls, box.explorer.view
    image, table = view["image"].value, view["table"].value
    c["C_max"].value = 0.1
    assert ex.state.C_max == pytest.approx(0.1) and ex.simulations == 1
    want = _budget_entry(_optimize(models, (ex.state.C_max, 60.0, 0.88)))
    assert ex.selection["k"] == want["models"]["gpt5"]["points"]["accuracy"]["k"]
    assert view["table"].value == ex.table_html() != table
    assert view["image"].value[:8] == PNG_MAGIC and view["image"].value != image
    c["trials"].value = 250
    assert ex.simulations == 2 and ex.study.summary.num_trials == 250
    bar = view["progress"]
    assert bar.value == bar.max and bar.layout.visibility == "hidden"
    c["model"].value = "gpt5-nano"
    assert ex.selection["model"] == "gpt5-nano" and "gpt5-nano" in view["table"].value


def test_widget_shows_a_rejected_value_and_restores_the_slider(models):
    pytest.importorskip("ipywidgets")
    box = frontier.explore(models, **CFG)
    ex, c = box.explorer, box.explorer.controls
    c["k_max"].value = 2
    assert "k_max" in ex.view["status"].value and "#b22222" in ex.view["status"].value
    assert c["k_max"].value == 24 and ex.state.k_max == 24 and ex.simulations == 1


def test_explore_without_ipywidgets_names_the_notebook_extra(models, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r"frontier-mc\[notebook\]"):
        frontier.explore(models, **CFG)
