"""Objectives against k: accuracy, and cost and time, with their 95% bands and limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .._rules import DEFAULT_RULES
from ._artists import finish, limit_line, mark, per_model_label, shade_feasible
from ._data import View, per_model
from ._style import AXIS_LABEL, pyplot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .._study import Study

__all__ = ["accuracy_vs_k", "cost_vs_k"]


def _k_panel(ax: Axes, v: View, obj: str, color: str, prefix: str) -> tuple:
    """One objective against k: feasible k shaded, mean, 95% band, limit, rule markers.

    Returns ``(shade, curves, marks)``: the legend handle of the shading, those of the mean,
    band and limit line, and the markers' proxies.
    """
    d = v.d
    shade = shade_feasible(ax, d.ks, d.feasible, "feasible k (all constraints)")
    curves = [*ax.plot(d.ks, d.mean[obj], "o-", color=color, ms=3, lw=1.3,
                       label=f"{prefix}mean"),
              ax.fill_between(d.ks, d.lo[obj], d.hi[obj], color=color, alpha=0.22, lw=0,
                              label=f"{prefix}95% interval over trials"),
              limit_line(ax, obj, v.lim[obj], "h")]
    marks = mark(ax, v.sels, "k", obj, label=per_model_label, rules=v.rules)
    ax.set_ylabel(AXIS_LABEL[obj])
    ax.grid(alpha=0.3)
    return shade, curves, marks


def accuracy_vs_k(study: Study, model: int | str = 0, *, budget_index: tuple = (),
                  rules: Sequence[str] = DEFAULT_RULES, names: Mapping[str, str] | None = None,
                  figsize: tuple[float, float] = (9.0, 5.0)) -> Figure:
    """Mean best-of-k accuracy against k, with its 95% band, ``acc_min`` and the feasible k.

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
        One axes: the mean accuracy per k (line and markers), the band between the 2.5 and
        97.5 percentiles over trials, the ``acc_min`` line, the feasible k shaded and the found
        operating points as hollow markers (their k in the legend).

    Examples
    --------
    >>> fig = frontier.plot.accuracy_vs_k(study, "gpt5-mini")  # doctest: +SKIP
    """
    v = per_model(study, model, budget_index, rules)
    fig, ax = pyplot().subplots(figsize=figsize, layout="constrained")
    shade, curves, marks = _k_panel(ax, v, "accuracy", "C0", prefix="")
    ax.set_xlabel(AXIS_LABEL["k"])
    return finish(fig, study, v, "accuracy vs k", names, ax, [shade, *curves, *marks],
                  width=100)


def cost_vs_k(study: Study, model: int | str = 0, *, budget_index: tuple = (),
              rules: Sequence[str] = DEFAULT_RULES, names: Mapping[str, str] | None = None,
              figsize: tuple[float, float] = (9.0, 7.0)) -> Figure:
    """Total cost and time per query against k (two panels), with 95% bands and the limits.

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
        Two axes sharing k: cost ($/query) with ``C_max`` on top, time (s/query) with
        ``T_max`` below; each with the mean, the 2.5-97.5 percentile band, the feasible k
        shaded and the found operating points as hollow markers.

    Examples
    --------
    >>> fig = frontier.plot.cost_vs_k(study, "gpt5-mini")  # doctest: +SKIP
    """
    v = per_model(study, model, budget_index, rules)
    fig, axes = pyplot().subplots(2, 1, sharex=True, figsize=figsize, layout="constrained")
    handles: list = []
    for n, (ax, obj, color) in enumerate(zip(axes, ("cost", "time"), ("C1", "C0"), strict=True)):
        shade, curves, marks = _k_panel(ax, v, obj, color, prefix=f"{obj}: ")
        handles += [shade, *curves] if n == 0 else curves
    axes[-1].set_xlabel(AXIS_LABEL["k"])
    return finish(fig, study, v, "cost and time vs k", names, axes[0], handles + marks,
                  width=100)
