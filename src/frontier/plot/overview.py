"""Small multiples: one small panel per model of one objective against k, in one figure."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .._rules import DEFAULT_RULES, check_rules
from ._artists import limit_line, shade_feasible, title
from ._data import check_budget_index, curves, display_name, limits, selections
from ._style import AXIS_LABEL, LIMIT_STYLE, OBJ, RULE_STYLE, limit_label, pyplot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .._study import Study

__all__ = ["overview"]

_COLOR = {"accuracy": "C0", "cost": "C1", "time": "C0"}


def overview(study: Study, *, budget_index: tuple = (), rules: Sequence[str] = DEFAULT_RULES,
             names: Mapping[str, str] | None = None, objective: str = "accuracy",
             ncols: int = 3, panel_size: tuple[float, float] = (3.4, 2.2)) -> Figure:
    """Every model at a glance: one small panel per model of an objective against k.

    Parameters
    ----------
    study
        A :class:`frontier.Study`.
    budget_index, rules, names
        See :mod:`frontier.plot`.
    objective
        ``"accuracy"`` (default), ``"cost"`` or ``"time"``.
    ncols
        Panels per row.
    panel_size
        Width and height of one panel in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per model (in ``study.models`` order, titled with its name and number of
        feasible k): the mean per k, the 2.5-97.5 percentile band, the feasible k shaded,
        the objective's limit as a dashed line and the found operating points as hollow
        markers (one shared legend).

    Raises
    ------
    ValueError
        For an unknown objective, rule or a bad ``budget_index``, or ``ncols < 1``.

    Examples
    --------
    >>> fig = frontier.plot.overview(study)  # doctest: +SKIP
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if objective not in OBJ:
        raise ValueError(f"`objective` must be one of {OBJ}, got {objective!r}")
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"`ncols` must be a positive int, got {ncols!r}")
    bi = check_budget_index(study, budget_index)
    rules = check_rules(rules)
    lim = limits(study, bi)
    m = len(study.models)
    cols = min(ncols, m)
    nrows = math.ceil(m / cols)
    plt = pyplot()
    fig, axes = plt.subplots(nrows, cols, squeeze=False, layout="constrained", sharex=True,
                             sharey=objective == "accuracy",
                             figsize=(panel_size[0] * cols + 2.4, panel_size[1] * nrows + 0.9))
    color = _COLOR[objective]
    found: set[str] = set()
    for i, ax in enumerate(axes.flat):
        if i >= m:
            ax.set_axis_off()
            continue
        d = curves(study, i, bi)
        shade_feasible(ax, d.ks, d.feasible, None)
        ax.fill_between(d.ks, d.lo[objective], d.hi[objective], color=color, alpha=0.2, lw=0)
        ax.plot(d.ks, d.mean[objective], "-", color=color, lw=1.2)
        limit_line(ax, objective, lim[objective], "h")
        for s in selections(study.points, (*bi, i), rules):
            st = RULE_STYLE[s.rule]
            ax.scatter([s.k], [s.mean[objective]], marker=st.marker, s=0.4 * st.size,
                       facecolors="none", edgecolors=st.color, linewidths=1.3, zorder=5)
            found.add(s.rule)
        nf = int(d.feasible.sum())
        ax.set_title(f"{display_name(study, i, names)}: "
                     + (f"{nf} feasible k" if nf else "no feasible k"), fontsize=8,
                     color="black" if nf else "#b22222")
        ax.tick_params(labelsize=7)
        ax.locator_params(axis="x", nbins=5)
        ax.locator_params(axis="y", nbins=4)  # few labels: small panels, and half the cost
        ax.grid(alpha=0.3)
        if i % cols == 0:
            ax.set_ylabel(AXIS_LABEL[objective], fontsize=7)
        if i >= m - cols:
            ax.set_xlabel("k", fontsize=7)
    handles = [Patch(color="#2ca02c", alpha=0.25, label="feasible k"),
               Line2D([], [], color=color, lw=1.2, label="mean"),
               Patch(color=color, alpha=0.25, label="95% interval over trials")]
    if math.isfinite(lim[objective]):
        handles.append(Line2D([], [], color=LIMIT_STYLE[objective]["color"], ls="--", lw=1.2,
                              label=limit_label(objective, lim[objective])))
    for r in rules:
        if r in found:
            st = RULE_STYLE[r]
            handles.append(Line2D([], [], ls="none", marker=st.marker,
                                  ms=0.45 * math.sqrt(st.size), mfc="none", mec=st.color,
                                  mew=1.3, label=st.label))
    fig.legend(handles=handles, loc="outside right upper", fontsize=8, frameon=False)
    title(fig, f"Every model: {objective} vs k", study, lim)
    return fig
