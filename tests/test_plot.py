"""Smoke tests of the figures: labels, artists, files, the no-feasible and NaN cases."""

import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

import frontier
from frontier import plot
from frontier._rules import DEFAULT_RULES, rule_info
from frontier.plot._save import safe_keys, save_figure

KEYS = ("gpt5-mini", "gpt5")
PER_MODEL = ("feasible_region_3d", "accuracy_vs_k", "cost_vs_k", "front_projections")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def study():
    cat = frontier.catalog()
    return frontier.optimize({k: cat[k] for k in KEYS}, budget=(0.5, 60.0, 0.88), k_max=32,
                             key=0, num_trials=200)


@pytest.fixture(scope="module")
def infeasible():
    """The same candidates under a budget nothing meets (the summary does not depend on it)."""
    cat = frontier.catalog()
    return frontier.optimize({k: cat[k] for k in KEYS}, budget=(0.5, 1.0, 0.88), k_max=32,
                             key=0, num_trials=200)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _legend_texts(fig):
    legends = [*fig.legends, *(a.get_legend() for a in fig.axes if a.get_legend())]
    return [t.get_text() for leg in legends for t in leg.get_texts()]


def test_importing_frontier_does_not_import_matplotlib():
    code = ("import sys, frontier, frontier.plot, frontier.cli; "
            "import frontier.plot.region, frontier.plot.curves, frontier.plot.fronts, "
            "frontier.plot.sensitivity; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported eagerly'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_names_stay():
    assert plot.DEFAULT_RULES == DEFAULT_RULES
    for name in ("accuracy_vs_k", "cost_vs_k", "cross_model_front", "feasible_region_3d",
                 "front_projections", "save_all", "save_tornado", "tornado"):
        assert callable(getattr(plot, name)) and name in plot.__all__


def test_feasible_region_3d(study):
    fig = plot.feasible_region_3d(study, "gpt5-mini")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.name == "3d"
    assert ax.get_xlabel() == "cost ($/query)"
    assert ax.get_ylabel() == "time (s/query)"
    assert ax.get_zlabel().startswith("accuracy")
    assert len(fig.axes) == 2  # the 3-D axes and the k colour bar
    assert "k (inferences per query)" in fig.axes[1].get_xlabel()
    assert len(ax.collections) >= 3 + 2  # three constraint planes, feasible/infeasible points
    texts = _legend_texts(fig)
    for label in ("C_max", "T_max", "acc_min", "feasible k", "accuracy-optimal", "cube-optimal"):
        assert any(label in t for t in texts), (label, texts)
    assert "gpt5-mini" in fig.get_suptitle() and "$0.5" in fig.get_suptitle()


def test_infinite_limits_draw_no_plane(study):
    unbounded = study._replace(budget=frontier.Budget(
        np.asarray(np.inf), study.budget.T_max, np.asarray(-np.inf)))
    ax = plot.feasible_region_3d(unbounded, 0).axes[0]
    planes = [c for c in ax.collections if type(c).__name__ == "Poly3DCollection"]
    assert len(planes) == 1


def test_accuracy_vs_k(study):
    fig = plot.accuracy_vs_k(study, 1, names={"gpt5": "GPT-5"})
    (ax,) = fig.axes
    assert ax.get_xlabel() == "k (inferences per query)"
    assert ax.get_ylabel() == "accuracy (best of k)"
    mean = ax.get_lines()[0]
    np.testing.assert_array_equal(mean.get_xdata(), study.ks)
    texts = _legend_texts(fig)
    assert any("95%" in t for t in texts) and any("acc_min = 0.88" in t for t in texts)
    assert any(t.startswith("feasible k") for t in texts)
    assert fig.get_suptitle().startswith("GPT-5:")


def test_cost_vs_k(study):
    fig = plot.cost_vs_k(study, "gpt5")
    top, bottom = fig.axes
    assert top.get_ylabel() == "cost ($/query)" and bottom.get_ylabel() == "time (s/query)"
    assert bottom.get_xlabel() == "k (inferences per query)"
    texts = _legend_texts(fig)
    assert any("C_max = $0.5" in t for t in texts) and any("T_max = 60 s" in t for t in texts)
    assert texts.count("feasible k (all constraints)") == 1
    for obj, ax in (("cost", top), ("time", bottom)):
        assert f"{obj}: mean" in texts and f"{obj}: 95% interval over trials" in texts
        np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), study.ks)


@pytest.mark.parametrize("name", ["accuracy_vs_k", "cost_vs_k", "front_projections",
                                  "feasible_region_3d"])
def test_rule_markers_use_the_rule_table(study, name):
    fig = getattr(plot, name)(study, "gpt5")
    texts = _legend_texts(fig)
    pts = study.points
    for rule in DEFAULT_RULES:
        p = getattr(pts, rule)
        if bool(p.found[1]):
            assert f"{rule_info(rule).label} (k={int(p.k[1])})" in texts
    assert not any("paper" in t for t in texts)
    fig = getattr(plot, name)(study, "gpt5", rules=("knee_paper",))
    assert any(t.startswith("knee (paper, C-T)") for t in _legend_texts(fig))


def test_front_projections(study):
    fig = plot.front_projections(study, 0)
    assert [(a.get_xlabel(), a.get_ylabel()) for a in fig.axes] == [
        ("cost ($/query)", "accuracy (best of k)"),
        ("time (s/query)", "accuracy (best of k)"),
        ("cost ($/query)", "time (s/query)"),
    ]
    n_par = int(np.asarray(study.pareto[0]).sum())
    front = [ln for ln in fig.axes[0].get_lines() if "Pareto" in ln.get_label()]
    assert len(front) == 1 and len(front[0].get_xdata()) == n_par


def test_cross_model_front(study):
    fig = plot.cross_model_front(study)
    assert [a.get_xlabel() for a in fig.axes] == ["cost ($/query)", "time (s/query)"]
    assert all(a.get_ylabel() == "accuracy (best of k)" for a in fig.axes)
    assert all(a.get_xscale() == "log" for a in fig.axes)
    texts = _legend_texts(fig)
    for key in KEYS:
        assert any(t.startswith(key) for t in texts)
    acc = study.cross.points.accuracy
    chosen = study.models[int(acc.model)]
    assert any(t.startswith("accuracy-optimal") and chosen in t for t in texts)
    assert not plot.cross_model_front(study, log=False).axes[0].get_xscale() == "log"


def test_no_feasible_k_still_draws(infeasible):
    assert not np.asarray(infeasible.feasible).any()
    for name in PER_MODEL:
        fig = getattr(plot, name)(infeasible, 0)
        assert "no feasible k" in fig.get_suptitle()
        assert "closest is k=" in fig.get_supxlabel()
        assert any("no operating point" in t for t in _legend_texts(fig))
    assert "no feasible (model, k)" in plot.cross_model_front(infeasible).get_suptitle()


def test_nan_estimates(study):
    s = study.summary
    cost = s.cost._replace(mean=s.cost.mean.at[0, 1:3].set(jnp.nan).at[1].set(jnp.nan))
    bad = study._replace(summary=s._replace(cost=cost))
    for name in PER_MODEL:
        for i in (0, 1):
            assert "NaN" in getattr(plot, name)(bad, i).get_suptitle()
    plot.cross_model_front(bad)


def _budget_grid_study():
    """The study of the budget grid ``[(0.5, 60, 0.88), (0.5, 1, 0.88)]``: the budgets of the
    ``study`` and ``infeasible`` fixtures, in one call (same models, key and trials)."""
    cat = frontier.catalog()
    budget = frontier.Budget(np.array([0.5, 0.5]), np.array([60.0, 1.0]), np.array([0.88, 0.88]))
    return frontier.optimize({k: cat[k] for k in KEYS}, budget=budget, k_max=32, key=0,
                             num_trials=200)


def test_budget_grid_index(study, infeasible):
    grid = _budget_grid_study()
    assert grid.feasible.shape == (2, 2, 8)
    for j, single in enumerate((study, infeasible)):
        for name in PER_MODEL:
            fig = getattr(plot, name)(grid, "gpt5-mini", budget_index=(j,))
            ref = getattr(plot, name)(single, "gpt5-mini")
            assert fig.get_suptitle() == ref.get_suptitle()
            assert _legend_texts(fig) == _legend_texts(ref)
        fig = plot.cross_model_front(grid, budget_index=(j - 2,))
        assert _legend_texts(fig) == _legend_texts(plot.cross_model_front(single))
    with pytest.raises(ValueError, match="budget grid of shape"):
        plot.accuracy_vs_k(grid)
    with pytest.raises(IndexError):
        plot.cost_vs_k(grid, budget_index=(2,))


def test_bad_arguments(study):
    with pytest.raises(ValueError, match="unknown key"):
        plot.accuracy_vs_k(study, "nope")
    with pytest.raises(IndexError):
        plot.accuracy_vs_k(study, 5)
    with pytest.raises(ValueError, match="unknown rule"):
        plot.cost_vs_k(study, rules=("accuracy", "best"))
    with pytest.raises(ValueError, match="unknown format"):
        plot.save_all(study, "unused", formats=("png", "docx"))


def _check_files(paths, outdir, keys, formats):
    stems = [f"{f}-{k}" for f in PER_MODEL for k in keys] + ["cross_model_front"]
    expected = {os.path.join(outdir, f"{s}.{fmt}") for s in stems for fmt in formats}
    assert set(paths) == expected and len(paths) == len(expected)
    for p in paths:
        assert os.path.getsize(p) > 1000
        with open(p, "rb") as fh:
            head = fh.read(8)
        assert head == PNG_MAGIC if p.endswith(".png") else head.startswith(b"%PDF")
    assert sorted(os.listdir(outdir)) == sorted(os.path.basename(p) for p in expected)


def test_save_all(study, tmp_path):
    out = tmp_path / "figs"
    paths = plot.save_all(study, out, dpi=50)
    _check_files(paths, str(out), KEYS, ("png", "pdf"))
    assert not plt.get_fignums()  # every figure was closed


def test_save_all_no_feasible(infeasible, tmp_path):
    paths = plot.save_all(infeasible, tmp_path, formats=("png", "pdf"), dpi=40)
    _check_files(paths, str(tmp_path), KEYS, ("png", "pdf"))


def test_safe_file_names():
    keys = safe_keys(["a/b c", "A/B:C", "../..", "ok-key.v2"])
    assert keys == ["a_b_c", "A_B_C_2", "model2", "ok-key.v2"]


def test_saved_files_get_the_usual_mode(tmp_path):
    fig = plt.figure()
    old = os.umask(0o022)
    try:
        save_figure(fig, str(tmp_path / "f.png"), "png", 30)
    finally:
        os.umask(old)
    assert os.listdir(tmp_path) == ["f.png"]  # no temporary file left behind
    assert os.stat(tmp_path / "f.png").st_mode & 0o777 == 0o644


def _sensitivity():
    """A small :class:`frontier.Sensitivity` with made-up numbers (the tornado only draws)."""
    n_in, n_out = len(frontier.INPUTS), len(frontier.OUTPUTS)
    el = np.linspace(-1.0, 1.2, n_out * n_in).reshape(n_out, n_in)
    return frontier.Sensitivity(
        rule="knee_chord", temperature=0.01, models=("gpt5",), inputs=frontier.INPUTS,
        outputs=frontier.OUTPUTS, value=np.asarray([16.0, 0.3, 40.0, 0.97]),
        value_se=np.full(n_out, 0.01), grad=el, grad_se=0.1 * abs(el), elasticity=el,
        elasticity_se=0.1 * abs(el), hard_k=np.asarray(16))


def test_tornado_and_save_tornado(tmp_path):
    sens = _sensitivity()
    fig = plot.tornado(sens, "cost", top=5)
    (ax,) = fig.axes
    assert len(ax.patches) == 5
    assert fig.get_suptitle().startswith("Sensitivity of the knee (chord) point: gpt5")
    top = sens.ranked("cost")[0][0]
    assert ax.get_yticklabels()[-1].get_text() == top  # largest at the top
    with pytest.raises(ValueError, match="`output`"):
        plot.tornado(sens, "latency")
    with pytest.raises(ValueError, match="unknown format"):
        plot.save_tornado(sens, tmp_path, formats=("docx",))
    plt.close("all")
    paths = plot.save_tornado(sens, tmp_path / "t", output="time", formats=("png",), dpi=40)
    assert paths == [str(tmp_path / "t" / "tornado-time.png")]
    assert open(paths[0], "rb").read(8) == PNG_MAGIC and not plt.get_fignums()
