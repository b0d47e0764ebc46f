"""Pareto fronts in 2-D: one model's projections, and the front across all models."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._rules import DEFAULT_RULES, check_rules
from ._artists import (
    finish,
    k_ends,
    legend,
    limit_line,
    mark,
    notes,
    objective_axes,
    per_model_label,
    title,
)
from ._data import Sel, check_budget_index, display_name, front_2d, limits, per_model, selections
from ._style import AXIS_LABEL, OBJ, RULE_STYLE, model_colors, pyplot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .._study import Study

__all__ = ["cross_model_front", "front_projections"]

_PANELS = (("cost", "accuracy"), ("time", "accuracy"), ("cost", "time"))


def front_projections(study: Study, model: int | str = 0, *, budget_index: tuple = (),
                      rules: Sequence[str] = DEFAULT_RULES,
                      names: Mapping[str, str] | None = None,
                      figsize: tuple[float, float] = (15.0, 5.0)) -> Figure:
    """2-D projections of the candidates and the Pareto front: C-A, T-A and C-T panels.

    Parameters
    ----------
    study
        A :class:`frontier.Study`.
    model, budget_index, rules, names
        See :mod:`frontier.plot`.
    figsize
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Three axes (cost-accuracy, time-accuracy, cost-time) with the infeasible candidates in
        grey, the feasible ones in colour, the Pareto front of the feasible set (3-D, so it
        need not be a 2-D front in every projection) joined in k order, the constraint lines
        and the found operating points.

    Examples
    --------
    >>> fig = frontier.plot.front_projections(study, "gpt5-mini")  # doctest: +SKIP
    """
    plt = pyplot()
    v = per_model(study, model, budget_index, rules)
    d, lim = v.d, v.lim
    par = d.pareto & d.feasible
    feas_only = d.feasible & ~par

    fig, axes = plt.subplots(1, 3, figsize=figsize, layout="constrained")
    handles: list = []
    limit_h: dict[str, Any] = {}
    marks: list = []
    for n, (ax, (x, y)) in enumerate(zip(axes, _PANELS, strict=True)):
        h = [ax.scatter(d.mean[x][~d.feasible], d.mean[y][~d.feasible], s=14, c="0.7",
                        label="infeasible k", zorder=2),
             ax.scatter(d.mean[x][feas_only], d.mean[y][feas_only], s=22, c="C0",
                        label="feasible k, dominated", zorder=3)]
        h += ax.plot(d.mean[x][par], d.mean[y][par], "o-", color="C1", ms=5, lw=1.3,
                     label="Pareto front of the feasible k (in k order)", zorder=4)
        if n == 0:
            handles += h
        limit_h[x] = limit_line(ax, x, lim[x], "v")
        limit_h[y] = limit_line(ax, y, lim[y], "h")
        marks = mark(ax, v.sels, x, y, label=per_model_label, rules=v.rules)
        k_ends(ax, d, x, y)
        ax.set_xlabel(AXIS_LABEL[x])
        ax.set_ylabel(AXIS_LABEL[y])
        ax.grid(alpha=0.3)
    return finish(fig, study, v, "projections of the candidates and the front", names,
                  axes[-1], handles + [limit_h[obj] for obj in OBJ] + marks, width=150)


def cross_model_front(study: Study, *, budget_index: tuple = (),
                      rules: Sequence[str] = DEFAULT_RULES,
                      names: Mapping[str, str] | None = None,
                      figsize: tuple[float, float] = (14.0, 5.5), log: bool = True) -> Figure:
    """All (model, k) candidates by model, the cross-model Pareto front and its selections.

    Parameters
    ----------
    study
        A :class:`frontier.Study`.
    budget_index, rules, names
        See :mod:`frontier.plot`.
    figsize
        Figure size in inches.
    log
        Logarithmic cost and time axes (the models' costs span orders of magnitude); ignored
        for an axis with non-positive values.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes, cost-accuracy and time-accuracy: every candidate's mean, coloured by model
        (faded and small when infeasible), the cross-model Pareto front of the feasible
        candidates (black rings; a 3-D front, so not every ring lies on the 2-D front of a
        panel, which is drawn as a black staircase), the constraint lines and the cross-model
        operating points as black hollow markers (the legend names their model and k).

    Examples
    --------
    >>> fig = frontier.plot.cross_model_front(study)  # doctest: +SKIP
    """
    plt = pyplot()
    from matplotlib.lines import Line2D

    bi = check_budget_index(study, budget_index)
    rules = check_rules(rules)
    lim = limits(study, bi)
    s = study.summary
    mean = {obj: np.asarray(getattr(s, obj).mean, float) for obj in OBJ}  # (M, K)
    feas = np.asarray(study.cross.feasible)[bi].astype(bool)
    par = np.asarray(study.cross.pareto)[bi].astype(bool) & feas
    m = len(study.models)
    colors = model_colors(m)
    sels = selections(study.cross.points, bi, rules)

    def label(sel: Sel) -> str:
        name = display_name(study, sel.model, names)
        return f"{RULE_STYLE[sel.rule].label}: {name}, k={sel.k}"

    fig, axes = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    model_handles = [
        Line2D([], [], ls="none", marker="o", ms=5, color=colors[j],
               label=f"{display_name(study, j, names)} ({int(feas[j].sum())} feasible k)")
        for j in range(m)]
    other = [Line2D([], [], ls="none", marker="o", mfc="none", mec="k", ms=7,
                    label="cross-model Pareto front (3-D)"),
             Line2D([], [], color="k", lw=1.0, label="2-D front of the panel"),
             Line2D([], [], ls="none", marker="o", ms=3, color="k", alpha=0.3,
                    label="infeasible k (faded)")]
    limit_handles: dict[str, Any] = {}
    marks: list = []
    for ax, x in zip(axes, ("cost", "time"), strict=True):
        y = "accuracy"
        for j in range(m):
            f = feas[j]
            ax.scatter(mean[x][j][~f], mean[y][j][~f], s=9, color=colors[j], alpha=0.3, lw=0,
                       zorder=2)
            ax.scatter(mean[x][j][f], mean[y][j][f], s=22, color=colors[j], zorder=3)
        ax.scatter(mean[x][par], mean[y][par], s=48, facecolors="none", edgecolors="k",
                   linewidths=1.0, zorder=4)
        fx, fy = front_2d(mean[x][feas], mean[y][feas])
        ax.plot(fx, fy, "-", color="k", lw=1.0, drawstyle="steps-post", zorder=4)
        limit_handles.setdefault(y, limit_line(ax, y, lim[y], "h"))
        limit_handles[x] = limit_line(ax, x, lim[x], "v")
        marks = mark(ax, sels, x, y, label=label, rules=rules, color="k", zorder=6)
        objective_axes(ax, x, y, mean[x], log)
    note = notes(feas, *mean.values()).replace("no feasible k", "no feasible (model, k)")
    title(fig, "All models: candidates and the cross-model Pareto front", study, lim, note)
    lims = [limit_handles.get(obj) for obj in OBJ]
    legend(axes[-1], model_handles + other + [h for h in lims if h is not None] + marks)
    return fig
