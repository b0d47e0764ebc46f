"""The study's own uncertainty: the cross-model front with each candidate's probability of
being on it over independent replicates, and the replicates' fronts as an attainment band."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from ._artists import legend, limit_line, objective_axes, title
from ._data import check_budget_index, display_name, front_2d, limits
from ._style import OBJ, model_colors, pyplot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .._study import Study

__all__ = ["front_probability"]


def front_probability(study: Study, *, budget_index: tuple = (),
                      names: Mapping[str, str] | None = None,
                      figsize: tuple[float, float] = (14.0, 5.5), log: bool = True) -> Figure:
    """The cross-model front of a replicated study, each candidate coloured by P(front).

    Parameters
    ----------
    study
        A :class:`frontier.Study` from :func:`frontier.optimize` with ``replicates=R``.
    budget_index, names
        See :mod:`frontier.plot`.
    figsize
        Figure size in inches.
    log
        Logarithmic cost and time axes; ignored for an axis with non-positive values.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes, cost-accuracy and time-accuracy. Every (model, k) that is on the
        cross-model front in at least one replicate is drawn at its replicate-0 means,
        coloured by the fraction of replicates in which it is on that front (colour bar),
        with an outline in its model's colour; the others are small grey dots. The 2-D front
        of each replicate's cross-model front is a thin grey staircase: together they are the
        attainment band (where the front lies from one replicate to the next).

    Raises
    ------
    ValueError
        If the study has no replicates, or for a bad ``budget_index``.

    Examples
    --------
    >>> import frontier, frontier.plot
    >>> study = frontier.optimize(frontier.catalog()["gpt5"], budget=(0.5, 60.0, 0.88),
    ...                           ks=[4, 8, 16], key=0, num_trials=64, replicates=3)
    >>> fig = frontier.plot.front_probability(study)
    >>> len(fig.axes)   # two panels and the colour bar
    3
    """
    if study.replicates is None:
        raise ValueError("`study` has no replicates: make it with frontier.optimize(..., "
                         "replicates=R)")
    plt = pyplot()
    from matplotlib.lines import Line2D

    rep = study.replicates
    bi = check_budget_index(study, budget_index)
    lim = limits(study, bi)
    M, K = len(study.models), len(study.ks)
    mean = {obj: np.asarray(getattr(study.summary, obj).mean, float) for obj in OBJ}  # (M, K)
    prob = np.asarray(rep.cross_probability, float)[bi]
    fronts = np.asarray(rep.cross_fronts)[(slice(None), *bi)] if rep.cross_fronts is not None \
        else np.zeros((0, M, K), bool)
    tables = rep.tables
    colors = model_colors(M)
    seen = prob > 0
    fig, axes = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    sc = None
    limit_handles: dict[str, object] = {}
    alpha = min(0.6, 3.0 / max(len(tables), 1))
    for ax, x in zip(axes, ("cost", "time"), strict=True):
        y = "accuracy"
        for t, front in zip(tables, fronts, strict=False):
            tx = np.asarray(t.stat(x), float).reshape(M, K)[front]
            ty = np.asarray(t.stat(y), float).reshape(M, K)[front]
            fx, fy = front_2d(tx, ty)
            ax.plot(fx, fy, "-", color="0.5", lw=0.7, alpha=alpha, drawstyle="steps-post",
                    zorder=2)
        ax.scatter(mean[x][~seen], mean[y][~seen], s=8, color="0.6", lw=0, zorder=3)
        edge = np.asarray([colors[j] for j in range(M) for _ in range(K)]).reshape(M, K, -1)
        sc = ax.scatter(mean[x][seen], mean[y][seen], c=prob[seen], cmap="viridis", vmin=0.0,
                        vmax=1.0, s=46, edgecolors=edge[seen], linewidths=1.2, zorder=4)
        limit_handles.setdefault(y, limit_line(ax, y, lim[y], "h"))
        limit_handles[x] = limit_line(ax, x, lim[x], "v")
        objective_axes(ax, x, y, mean[x], log)
    fig.colorbar(sc, ax=list(axes), label="P(on the cross-model front)", shrink=0.8,
                 location="left")
    handles = [Line2D([], [], ls="none", marker="o", mfc="none", mec=colors[j], mew=1.2, ms=7,
                      label=display_name(study, j, names)) for j in range(M)]
    handles += [Line2D([], [], color="0.5", lw=0.7,
                       label=f"2-D front of each of {rep.num_replicates} replicates"),
                Line2D([], [], ls="none", marker="o", ms=3, color="0.6",
                       label="never on the front")]
    handles += [h for h in (limit_handles.get(o) for o in OBJ) if h is not None]
    title(fig, f"Cross-model front over {rep.num_replicates} replicates", study, lim)
    legend(axes[-1], handles)
    return fig
