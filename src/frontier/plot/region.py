"""The paper's 3-D figure: the k-trajectory in (cost, time, accuracy) with the constraint planes."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .._rules import DEFAULT_RULES
from ._artists import finish, k_ends, mark, per_model_label
from ._data import finite_range, padded, per_model
from ._style import AXIS_LABEL, LIMIT_STYLE, OBJ, limit_label, pyplot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .._study import Study

__all__ = ["feasible_region_3d"]


def _side_azimuth(c: np.ndarray, t: np.ndarray, ranges: Mapping[str, tuple]) -> float:
    """Azimuth (degrees) looking across the (cost, time) direction of the trajectory."""
    ok = np.flatnonzero(np.isfinite(c) & np.isfinite(t))
    if ok.size < 2:
        return -60.0
    dx = (c[ok[-1]] - c[ok[0]]) / max(ranges["cost"][1] - ranges["cost"][0], 1e-300)
    dy = (t[ok[-1]] - t[ok[0]]) / max(ranges["time"][1] - ranges["time"][0], 1e-300)
    if dx == 0 and dy == 0:
        return -60.0
    return float(np.degrees(np.arctan2(dy, dx))) - 110.0  # 20 degrees off the normal


def feasible_region_3d(study: Study, model: int | str = 0, *, budget_index: tuple = (),
                       rules: Sequence[str] = DEFAULT_RULES,
                       names: Mapping[str, str] | None = None,
                       figsize: tuple[float, float] = (11.0, 7.5),
                       elev: float = 20.0, azim: float | None = None) -> Figure:
    """The paper's 3-D figure: the k-trajectory of means, constraint planes, selections.

    Parameters
    ----------
    study
        A :class:`frontier.Study` from :func:`frontier.optimize`.
    model, budget_index, rules, names
        See :mod:`frontier.plot`.
    figsize, elev, azim
        Figure size in inches and the 3-D view angles in degrees; ``azim=None`` looks at the
        trajectory from the side, so that the accuracy curve is seen in full.

    Returns
    -------
    matplotlib.figure.Figure
        One 3-D axes (cost $/query, time s/query, accuracy), the mean of every candidate k
        joined in k order and coloured by k (colour bar), feasible k drawn larger with a black
        edge, the finite constraint planes ``C = C_max``, ``T = T_max``, ``A = acc_min`` as
        translucent surfaces and the found operating points as hollow markers. When no k is
        feasible the title says so and a caption gives :meth:`frontier.Study.explain`.

    Examples
    --------
    >>> import frontier, frontier.plot
    >>> study = frontier.optimize(frontier.catalog(), budget=(0.5, 60.0, 0.88), k_max=128,
    ...                           key=42, num_trials=300)  # doctest: +SKIP
    >>> fig = frontier.plot.feasible_region_3d(study, "gpt5-mini")  # doctest: +SKIP
    >>> fig.savefig("region.png")  # doctest: +SKIP
    """
    plt = pyplot()
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    view = per_model(study, model, budget_index, rules)
    d, lim = view.d, view.lim
    c, t, a = d.mean["cost"], d.mean["time"], d.mean["accuracy"]

    fig = plt.figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot(projection="3d")
    cmap = plt.get_cmap("viridis")
    norm = Normalize(float(d.ks.min()), float(d.ks.max()) if d.ks.max() > d.ks.min()
                     else float(d.ks.min()) + 1.0)

    # axis ranges: the data and the finite limits
    ranges = {}
    for obj, vals in (("cost", c), ("time", t), ("accuracy", a)):
        extra = [lim[obj]] if math.isfinite(lim[obj]) else []
        ranges[obj] = padded(finite_range(vals, extra))
    ranges["accuracy"] = (ranges["accuracy"][0], min(ranges["accuracy"][1], 1.0))
    if ranges["accuracy"][1] <= ranges["accuracy"][0]:
        ranges["accuracy"] = padded(finite_range(a, [lim["accuracy"]]))

    if azim is None:
        azim = _side_azimuth(c, t, ranges)
    ax.view_init(elev=elev, azim=azim)

    # constraint planes
    handles = []
    grid = np.linspace(0.0, 1.0, 2)
    u, v = np.meshgrid(grid, grid)

    def span(obj, w):
        lo, hi = ranges[obj]
        return lo + w * (hi - lo)

    planes = {
        "cost": lambda: (np.full_like(u, lim["cost"]), span("time", u), span("accuracy", v)),
        "time": lambda: (span("cost", u), np.full_like(u, lim["time"]), span("accuracy", v)),
        "accuracy": lambda: (span("cost", u), span("time", v), np.full_like(u, lim["accuracy"])),
    }
    for obj in OBJ:
        if not math.isfinite(lim[obj]):
            continue
        st = LIMIT_STYLE[obj]
        ax.plot_surface(*planes[obj](), color=st["color"], alpha=0.13, shade=False,
                        linewidth=0, antialiased=False, zorder=0)
        handles.append(Patch(color=st["color"], alpha=0.35,
                             label=limit_label(obj, lim[obj]) + " (plane)"))

    # trajectory
    ax.plot(c, t, a, color="0.55", lw=1.0, zorder=3)
    inf, feas = ~d.feasible, d.feasible
    ax.scatter(c[inf], t[inf], a[inf], c=d.ks[inf], cmap=cmap, norm=norm, s=16, alpha=0.45,
               depthshade=False, zorder=3)
    ax.scatter(c[feas], t[feas], a[feas], c=d.ks[feas], cmap=cmap, norm=norm, s=48,
               edgecolors="k", linewidths=0.9, depthshade=False, zorder=4)
    if feas.any():
        handles.append(Line2D([], [], ls="none", marker="o", ms=7, mfc="0.6", mec="k",
                              label="feasible k"))
    if inf.any():
        handles.append(Line2D([], [], ls="none", marker="o", ms=4.5, mfc="0.6", mec="none",
                              alpha=0.5, label="infeasible k"))
    k_ends(ax, d, "cost", "time", "accuracy")
    handles += mark(ax, view.sels, "cost", "time", z="accuracy", label=per_model_label,
                    rules=view.rules, zorder=6)

    ax.set_xlim(*ranges["cost"])
    ax.set_ylim(*ranges["time"])
    ax.set_zlim(*ranges["accuracy"])
    ax.set_xlabel(AXIS_LABEL["cost"], labelpad=8)
    ax.set_ylabel(AXIS_LABEL["time"], labelpad=8)
    ax.set_zlabel(AXIS_LABEL["accuracy"], labelpad=10)
    ax.tick_params(labelsize=8)
    ax.set_box_aspect(None, zoom=0.95)
    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.5, pad=0.0,
                 location="bottom", aspect=40, label=AXIS_LABEL["k"])

    return finish(fig, study, view, "mean cost, time and accuracy over k", names, ax, handles,
                  width=120, legend_x=1.0)
