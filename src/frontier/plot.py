"""Figures of a :class:`frontier.Study`: the paper's 3-D feasible region, k-curves, fronts.

Every function returns a :class:`matplotlib.figure.Figure` created through ``pyplot`` (so
``plt.show()`` and notebooks display it; close it with ``plt.close(fig)``). matplotlib is
imported inside the functions, never when :mod:`frontier` is imported.

Common keyword arguments
------------------------
model
    Per-model figures: the model's index in ``study.models`` or its key.
budget_index
    With a grid of budgets, the index of the budget to draw into its leading axes, e.g.
    ``(0, 2, 0)`` for a :func:`frontier.budget_grid` of shape ``(nC, nT, nA)``; ``()`` for a
    single budget.
rules
    Which operating points of :class:`frontier.Points` to mark (points not found for this
    budget are skipped). The reference code's ``"knee_paper"`` is left out by default.
names
    Display names by model key, e.g. ``{k: m.name for k, m in frontier.catalog().items()}``;
    keys are used where missing.
"""

from __future__ import annotations

import math
import operator
import os
import re
import tempfile
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ._study import POINT_NAMES, Study

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "DEFAULT_RULES",
    "accuracy_vs_k",
    "cost_vs_k",
    "cross_model_front",
    "feasible_region_3d",
    "front_projections",
    "save_all",
    "save_tornado",
    "tornado",
]

#: Operating points marked by default (``knee_paper`` selects Monte Carlo noise; pass it in
#: ``rules`` to compare).
DEFAULT_RULES: tuple[str, ...] = ("accuracy", "cube", "utopia", "cheapest", "knee_chord",
                                  "knee_curvature")


class _RuleStyle(NamedTuple):
    label: str
    marker: str
    color: str
    size: float  # scatter area, points^2


# Hollow markers of decreasing size, so that rules selecting the same k stay visible.
_RULE_STYLE = {
    "accuracy": _RuleStyle("accuracy-optimal", "*", "#d62728", 330.0),
    "cube": _RuleStyle("cube-optimal", "s", "#1f77b4", 190.0),
    "utopia": _RuleStyle("utopia-closest", "D", "#2ca02c", 120.0),
    "cheapest": _RuleStyle("cheapest", "o", "#9467bd", 60.0),
    "knee_chord": _RuleStyle("knee (chord)", "^", "#ff7f0e", 240.0),
    "knee_curvature": _RuleStyle("knee (curvature)", "v", "#8c564b", 150.0),
    "knee_paper": _RuleStyle("knee (paper, C-T)", "X", "#7f7f7f", 90.0),
}

_OBJ = ("cost", "time", "accuracy")
_AXIS_LABEL = {
    "cost": "cost ($/query)",
    "time": "time (s/query)",
    "accuracy": "accuracy (best of k)",
    "k": "k (inferences per query)",
}
_LIMIT_STYLE = {  # constraint lines / planes
    "cost": dict(color="#d62728", name="C_max"),
    "time": dict(color="#1f77b4", name="T_max"),
    "accuracy": dict(color="#2ca02c", name="acc_min"),
}


def _limit_label(obj: str, value: float) -> str:
    name = _LIMIT_STYLE[obj]["name"]
    if obj == "cost":
        return f"cost ≤ {name} = ${_fmt(value)}"
    if obj == "time":
        return f"time ≤ {name} = {_fmt(value)} s"
    return f"accuracy ≥ {name} = {_fmt(value)}"
_FEASIBLE_SHADE = "#2ca02c"


# --------------------------------------------------------------------------- helpers


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def _model_index(study: Study, model: int | str) -> int:
    m = len(study.models)
    if isinstance(model, str):
        try:
            return study.models.index(model)
        except ValueError:
            raise ValueError(f"`model`: unknown key {model!r}; the study has "
                             f"{list(study.models)}") from None
    try:
        i = operator.index(model)
    except TypeError:
        raise TypeError(f"`model` must be an int index or a key, got {model!r}") from None
    if not -m <= i < m:
        raise IndexError(f"`model` index {i} out of range for {m} models")
    return i % m


def _budget_index(study: Study, budget_index: Any) -> tuple[int, ...]:
    shape = np.shape(study.budget.C_max)
    try:
        bi = tuple(operator.index(j) for j in tuple(budget_index))
    except TypeError:
        raise TypeError(f"`budget_index` must be a tuple of ints, got {budget_index!r}") from None
    if len(bi) != len(shape):
        raise ValueError(f"`budget_index` {bi} does not match the study's budget grid of shape "
                         f"{shape}; pass one index per budget axis"
                         + (", e.g. budget_index=" + str((0,) * len(shape)) if shape else ""))
    for j, n in zip(bi, shape, strict=True):
        if not -n <= j < n:
            raise IndexError(f"`budget_index` {bi} out of range for budget grid {shape}")
    return bi


def _limits(study: Study, bi: tuple[int, ...]) -> dict[str, float]:
    b = study.budget
    return {"cost": float(np.asarray(b.C_max)[bi]), "time": float(np.asarray(b.T_max)[bi]),
            "accuracy": float(np.asarray(b.acc_min)[bi])}


def _check_rules(rules: Sequence[str]) -> tuple[str, ...]:
    rules = (rules,) if isinstance(rules, str) else tuple(rules)
    for r in rules:
        if r not in POINT_NAMES:
            raise ValueError(f"`rules`: unknown rule {r!r} (choose from {list(POINT_NAMES)})")
    return rules


def _name(study: Study, i: int, names: Mapping[str, str] | None) -> str:
    key = study.models[i]
    return str(names.get(key, key)) if names else key


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _budget_text(study: Study, lim: Mapping[str, float]) -> str:
    parts = []
    if math.isfinite(lim["cost"]):
        parts.append(f"cost ≤ ${_fmt(lim['cost'])}")
    if math.isfinite(lim["time"]):
        parts.append(f"time ≤ {_fmt(lim['time'])} s")
    if math.isfinite(lim["accuracy"]):
        parts.append(f"accuracy ≥ {_fmt(lim['accuracy'])}")
    text = "budget: " + (", ".join(parts) if parts else "none")
    for c in study.slo:
        stat = c.stat if c.stat == "mean" else f"p{100 * float(c.stat):g}"
        text += f"; SLO {stat} {c.objective} {c.op} {_fmt(c.value)}"
    return text + f"  ({study.summary.num_trials} trials)"


class _Data(NamedTuple):
    ks: np.ndarray  # (K,)
    mean: dict[str, np.ndarray]  # objective -> (K,)
    lo: dict[str, np.ndarray]
    hi: dict[str, np.ndarray]
    feasible: np.ndarray  # (K,) bool
    pareto: np.ndarray  # (K,) bool


def _level_index(levels: Sequence[float], q: float) -> int | None:
    for j, v in enumerate(levels):
        if abs(float(v) - q) < 1e-9:
            return j
    return None


def _data(study: Study, i: int, bi: tuple[int, ...]) -> _Data:
    s = study.summary
    jlo = _level_index(s.quantile_levels, 0.025)
    jhi = _level_index(s.quantile_levels, 0.975)
    mean, lo, hi = {}, {}, {}
    for obj in _OBJ:
        st = getattr(s, obj)
        mean[obj] = np.asarray(st.mean, float)[i]
        q = np.asarray(st.quantiles, float)[i]
        nan = np.full_like(mean[obj], np.nan)
        lo[obj] = q[:, jlo] if jlo is not None else nan
        hi[obj] = q[:, jhi] if jhi is not None else nan
    return _Data(np.asarray(study.ks), mean, lo, hi,
                 np.asarray(study.feasible)[(*bi, i)].astype(bool),
                 np.asarray(study.pareto)[(*bi, i)].astype(bool))


class _Sel(NamedTuple):
    rule: str
    model: int
    index: int
    k: int
    mean: dict[str, float]


def _selections(points: Any, sel: tuple[int, ...], rules: Sequence[str]) -> list[_Sel]:
    out = []
    for rule in rules:
        p = getattr(points, rule)
        if not bool(np.asarray(p.found)[sel]):
            continue
        mean = {obj: float(np.asarray(getattr(p, obj).mean)[sel]) for obj in _OBJ}
        out.append(_Sel(rule, int(np.asarray(p.model)[sel]), int(np.asarray(p.index)[sel]),
                        int(np.asarray(p.k)[sel]), mean))
    return out


def _mark(ax: Axes, sels: Sequence[_Sel], x: str, y: str, *, label: Callable[[_Sel], str],
          rules: Sequence[str] = (), color: str | None = None, z: str | None = None,
          zorder: float = 5) -> list:
    """Hollow rule markers at the selected points; returns legend proxies for them."""
    from matplotlib.lines import Line2D

    found = {s.rule for s in sels}
    missing = [r for r in rules if r not in found]
    handles = []
    for s in sels:
        st = _RULE_STYLE[s.rule]
        coords = [[s.mean[x] if x != "k" else s.k], [s.mean[y]]]
        kw = {}
        if z is not None:
            coords.append([s.mean[z]])
            kw["depthshade"] = False
        ax.scatter(*coords, marker=st.marker, s=st.size, facecolors="none",
                   edgecolors=color or st.color, linewidths=1.8, zorder=zorder, **kw)
        handles.append(Line2D([], [], ls="none", marker=st.marker, ms=0.6 * math.sqrt(st.size),
                              mfc="none", mec=color or st.color, mew=1.5, label=label(s)))
    if missing:
        text = ("no operating point (nothing feasible)" if not found else "not found: "
                + ", ".join(_RULE_STYLE[r].label for r in missing))
        handles.append(Line2D([], [], ls="none", label=textwrap.fill(text, 40)))
    return handles


def _per_model_label(s: _Sel) -> str:
    return f"{_RULE_STYLE[s.rule].label} (k={s.k})"


def _edges(ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Left/right edges of the cell of each k (half-way to the neighbours)."""
    k = ks.astype(float)
    if k.size == 1:
        return k - 0.5, k + 0.5
    mid = (k[1:] + k[:-1]) / 2
    left = np.concatenate([[k[0] - (mid[0] - k[0])], mid])
    right = np.concatenate([mid, [k[-1] + (k[-1] - mid[-1])]])
    return left, right


def _shade_feasible(ax: Axes, ks: np.ndarray, feasible: np.ndarray, label: str | None):
    left, right = _edges(ks)
    handle = None
    j = 0
    while j < len(ks):
        if not feasible[j]:
            j += 1
            continue
        e = j
        while e + 1 < len(ks) and feasible[e + 1]:
            e += 1
        h = ax.axvspan(left[j], right[e], color=_FEASIBLE_SHADE, alpha=0.12, lw=0,
                       label=label if handle is None else None, zorder=0)
        handle = handle or h
        j = e + 1
    return handle


def _limit_line(ax: Axes, obj: str, value: float, orient: str):
    if not math.isfinite(value):
        return None
    st = _LIMIT_STYLE[obj]
    line = ax.axhline if orient == "h" else ax.axvline
    return line(value, color=st["color"], ls="--", lw=1.2, zorder=2,
                label=_limit_label(obj, value))


def _notes(feasible: Any, *means: Any) -> str:
    notes = [] if np.asarray(feasible).any() else ["no feasible k"]
    if any(np.isnan(np.asarray(m, float)).any() for m in means):
        notes.append("NaN estimates not drawn")
    return "; ".join(notes)


def _title(fig: Figure, what: str, study: Study, lim: Mapping[str, float], note: str = ""):
    head = what + (f" — {note}" if note else "")
    fig.suptitle(f"{head}\n{_budget_text(study, lim)}", fontsize=11)


def _caption(fig: Figure, study: Study, i: int, bi: tuple[int, ...], width: int = 110):
    text = study.explain(i, bi)
    text = text.removeprefix(f"{study.models[i]}: ").removeprefix("no feasible k; ")
    fig.supxlabel(textwrap.fill("No feasible k: " + text, width), fontsize=9, color="#b22222")


def _has_data(h: Any) -> bool:
    if hasattr(h, "get_offsets"):  # scatter
        return len(h.get_offsets()) > 0
    if hasattr(h, "get_xdata") and h.axes is not None:  # plotted line (not a proxy)
        return np.isfinite(np.asarray(h.get_xdata(), float)).any()
    return True


def _legend(ax: Axes, handles: Sequence, x: float = 1.02):
    """One legend right of ``ax`` (top-aligned with it, so below the figure title);
    constrained layout makes room for it."""
    handles = [h for h in handles if h is not None and _has_data(h)]
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(x, 1.0), borderaxespad=0,
                  fontsize=8, frameon=False)


def _finite_range(*arrays: Any) -> tuple[float, float] | None:
    vals = np.concatenate([np.ravel(np.asarray(a, float)) for a in arrays]) if arrays else []
    vals = vals[np.isfinite(vals)] if len(vals) else vals
    if len(vals) == 0:
        return None
    return float(vals.min()), float(vals.max())


def _padded(r: tuple[float, float] | None, frac: float = 0.05) -> tuple[float, float]:
    if r is None:
        return 0.0, 1.0
    lo, hi = r
    span = hi - lo
    if span <= 0:  # a single value: centre it
        half = abs(lo) * 0.1 or 0.5
        return lo - half, hi + half
    return lo - frac * span, hi + frac * span


def _k_ends(ax: Axes, d: _Data, x: str, y: str, z: str | None = None):
    """Label the first and last finite k of the trajectory."""
    ok = np.isfinite(d.mean[x]) & np.isfinite(d.mean[y])
    if z is not None:
        ok &= np.isfinite(d.mean[z])
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return
    for j in sorted({int(idx[0]), int(idx[-1])}):
        pos = [d.mean[x][j], d.mean[y][j]] + ([d.mean[z][j]] if z is not None else [])
        first = j == idx[0]
        if z is None:
            ax.annotate(f"k={d.ks[j]}", pos, xytext=(10, -5) if first else (5, -6),
                        textcoords="offset points", fontsize=7, color="0.3", va="top")
        else:
            ax.text(*pos, f"k={d.ks[j]}    " if first else f"  k={d.ks[j]}", fontsize=7,
                    color="0.3", ha="right" if first else "left", va="center")


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


# --------------------------------------------------------------------------- figures


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
        See the module docstring.
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
    plt = _pyplot()
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    i = _model_index(study, model)
    bi = _budget_index(study, budget_index)
    rules = _check_rules(rules)
    d, lim = _data(study, i, bi), _limits(study, bi)
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
        ranges[obj] = _padded(_finite_range(vals, extra))
    ranges["accuracy"] = (ranges["accuracy"][0], min(ranges["accuracy"][1], 1.0))
    if ranges["accuracy"][1] <= ranges["accuracy"][0]:
        ranges["accuracy"] = _padded(_finite_range(a, [lim["accuracy"]]))

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
    for obj in _OBJ:
        if not math.isfinite(lim[obj]):
            continue
        st = _LIMIT_STYLE[obj]
        ax.plot_surface(*planes[obj](), color=st["color"], alpha=0.13, shade=False,
                        linewidth=0, antialiased=False, zorder=0)
        handles.append(Patch(color=st["color"], alpha=0.35,
                             label=_limit_label(obj, lim[obj]) + " (plane)"))

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
    _k_ends(ax, d, "cost", "time", "accuracy")
    sels = _selections(study.points, (*bi, i), rules)
    handles += _mark(ax, sels, "cost", "time", z="accuracy", label=_per_model_label, rules=rules,
                     zorder=6)

    ax.set_xlim(*ranges["cost"])
    ax.set_ylim(*ranges["time"])
    ax.set_zlim(*ranges["accuracy"])
    ax.set_xlabel(_AXIS_LABEL["cost"], labelpad=8)
    ax.set_ylabel(_AXIS_LABEL["time"], labelpad=8)
    ax.set_zlabel(_AXIS_LABEL["accuracy"], labelpad=10)
    ax.tick_params(labelsize=8)
    ax.set_box_aspect(None, zoom=0.95)
    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.5, pad=0.0,
                 location="bottom", aspect=40, label=_AXIS_LABEL["k"])

    name = _name(study, i, names)
    note = _notes(d.feasible, *d.mean.values())
    _title(fig, f"{name}: mean cost, time and accuracy over k", study, lim, note)
    if not d.feasible.any():
        _caption(fig, study, i, bi, width=120)
    _legend(ax, handles, x=1.0)
    return fig


def accuracy_vs_k(study: Study, model: int | str = 0, *, budget_index: tuple = (),
                  rules: Sequence[str] = DEFAULT_RULES, names: Mapping[str, str] | None = None,
                  figsize: tuple[float, float] = (9.0, 5.0)) -> Figure:
    """Mean best-of-k accuracy against k, with its 95% band, ``acc_min`` and the feasible k.

    Parameters
    ----------
    study
        A :class:`frontier.Study`.
    model, budget_index, rules, names
        See the module docstring.
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
    plt = _pyplot()
    i = _model_index(study, model)
    bi = _budget_index(study, budget_index)
    rules = _check_rules(rules)
    d, lim = _data(study, i, bi), _limits(study, bi)

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    handles = [_shade_feasible(ax, d.ks, d.feasible, "feasible k (all constraints)")]
    handles.append(ax.fill_between(d.ks, d.lo["accuracy"], d.hi["accuracy"], color="C0",
                                   alpha=0.22, lw=0, label="95% interval over trials"))
    handles += ax.plot(d.ks, d.mean["accuracy"], "o-", color="C0", ms=3, lw=1.3, label="mean")
    handles.append(_limit_line(ax, "accuracy", lim["accuracy"], "h"))
    sels = _selections(study.points, (*bi, i), rules)
    handles += _mark(ax, sels, "k", "accuracy", label=_per_model_label, rules=rules)
    ax.set_xlabel(_AXIS_LABEL["k"])
    ax.set_ylabel(_AXIS_LABEL["accuracy"])
    ax.grid(alpha=0.3)
    note = _notes(d.feasible, *d.mean.values())
    _title(fig, f"{_name(study, i, names)}: accuracy vs k", study, lim, note)
    if not d.feasible.any():
        _caption(fig, study, i, bi, width=100)
    _legend(ax, handles)
    return fig


def cost_vs_k(study: Study, model: int | str = 0, *, budget_index: tuple = (),
              rules: Sequence[str] = DEFAULT_RULES, names: Mapping[str, str] | None = None,
              figsize: tuple[float, float] = (9.0, 7.0)) -> Figure:
    """Total cost and time per query against k (two panels), with 95% bands and the limits.

    Parameters
    ----------
    study
        A :class:`frontier.Study`.
    model, budget_index, rules, names
        See the module docstring.
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
    plt = _pyplot()
    i = _model_index(study, model)
    bi = _budget_index(study, budget_index)
    rules = _check_rules(rules)
    d, lim = _data(study, i, bi), _limits(study, bi)
    sels = _selections(study.points, (*bi, i), rules)

    fig, axes = plt.subplots(2, 1, sharex=True, figsize=figsize, layout="constrained")
    handles: list = []
    marks: list = []
    for n, (ax, obj, color) in enumerate(zip(axes, ("cost", "time"), ("C1", "C0"), strict=True)):
        shade = _shade_feasible(ax, d.ks, d.feasible, "feasible k (all constraints)")
        if n == 0:
            handles.append(shade)
        handles += ax.plot(d.ks, d.mean[obj], "o-", color=color, ms=3, lw=1.3,
                           label=f"{obj}: mean")
        handles.append(ax.fill_between(d.ks, d.lo[obj], d.hi[obj], color=color, alpha=0.25,
                                       lw=0, label=f"{obj}: 95% interval over trials"))
        handles.append(_limit_line(ax, obj, lim[obj], "h"))
        marks = _mark(ax, sels, "k", obj, label=_per_model_label, rules=rules)
        ax.set_ylabel(_AXIS_LABEL[obj])
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel(_AXIS_LABEL["k"])
    note = _notes(d.feasible, *d.mean.values())
    _title(fig, f"{_name(study, i, names)}: cost and time vs k", study, lim, note)
    if not d.feasible.any():
        _caption(fig, study, i, bi, width=100)
    _legend(axes[0], handles + marks)
    return fig


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
        See the module docstring.
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
    plt = _pyplot()
    i = _model_index(study, model)
    bi = _budget_index(study, budget_index)
    rules = _check_rules(rules)
    d, lim = _data(study, i, bi), _limits(study, bi)
    sels = _selections(study.points, (*bi, i), rules)
    par = d.pareto & d.feasible
    feas_only = d.feasible & ~par

    fig, axes = plt.subplots(1, 3, figsize=figsize, layout="constrained")
    handles: list = []
    limits: dict[str, Any] = {}
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
        limits[x] = _limit_line(ax, x, lim[x], "v")
        limits[y] = _limit_line(ax, y, lim[y], "h")
        marks = _mark(ax, sels, x, y, label=_per_model_label, rules=rules)
        _k_ends(ax, d, x, y)
        ax.set_xlabel(_AXIS_LABEL[x])
        ax.set_ylabel(_AXIS_LABEL[y])
        ax.grid(alpha=0.3)
    note = _notes(d.feasible, *d.mean.values())
    _title(fig, f"{_name(study, i, names)}: projections of the candidates and the front", study,
           lim, note)
    if not d.feasible.any():
        _caption(fig, study, i, bi, width=150)
    _legend(axes[-1], handles + [limits[obj] for obj in _OBJ] + marks)
    return fig


def _front_2d(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points non-dominated for (min x, max y), sorted by x (NaN dropped)."""
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    order = np.lexsort((-y, x))
    keep, best = [], -np.inf
    for j in order:
        if y[j] > best:
            keep.append(j)
            best = y[j]
    keep = np.asarray(keep, int)
    return x[keep], y[keep]


def _model_colors(m: int) -> list:
    plt = _pyplot()
    if m <= 10:
        return [plt.get_cmap("tab10")(j) for j in range(m)]
    if m <= 20:
        return [plt.get_cmap("tab20")(j) for j in range(m)]
    return [plt.get_cmap("turbo")(j / max(m - 1, 1)) for j in range(m)]


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
        See the module docstring.
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
    plt = _pyplot()
    from matplotlib.lines import Line2D

    bi = _budget_index(study, budget_index)
    rules = _check_rules(rules)
    lim = _limits(study, bi)
    s = study.summary
    mean = {obj: np.asarray(getattr(s, obj).mean, float) for obj in _OBJ}  # (M, K)
    feas = np.asarray(study.cross.feasible)[bi].astype(bool)
    par = np.asarray(study.cross.pareto)[bi].astype(bool) & feas
    m = len(study.models)
    colors = _model_colors(m)
    sels = _selections(study.cross.points, bi, rules)

    def label(sel: _Sel) -> str:
        return f"{_RULE_STYLE[sel.rule].label}: {_name(study, sel.model, names)}, k={sel.k}"

    fig, axes = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    model_handles = [
        Line2D([], [], ls="none", marker="o", ms=5, color=colors[j],
               label=f"{_name(study, j, names)} ({int(feas[j].sum())} feasible k)")
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
        fx, fy = _front_2d(mean[x][feas], mean[y][feas])
        ax.plot(fx, fy, "-", color="k", lw=1.0, drawstyle="steps-post", zorder=4)
        limit_handles.setdefault(y, _limit_line(ax, y, lim[y], "h"))
        limit_handles[x] = _limit_line(ax, x, lim[x], "v")
        marks = _mark(ax, sels, x, y, label=label, rules=rules, color="k", zorder=6)
        vals = mean[x][np.isfinite(mean[x])]
        if log and vals.size and (vals > 0).all():
            ax.set_xscale("log")
        ax.set_xlabel(_AXIS_LABEL[x])
        ax.set_ylabel(_AXIS_LABEL[y])
        ax.grid(alpha=0.3, which="both" if log else "major", lw=0.5)
    note = _notes(feas, *mean.values()).replace("no feasible k", "no feasible (model, k)")
    _title(fig, "All models: candidates and the cross-model Pareto front", study, lim, note)
    limits = [limit_handles.get(obj) for obj in _OBJ]
    _legend(axes[-1], model_handles + other + [h for h in limits if h is not None] + marks)
    return fig


# --------------------------------------------------------------------------- saving

_PER_MODEL = {
    "feasible_region_3d": feasible_region_3d,
    "accuracy_vs_k": accuracy_vs_k,
    "cost_vs_k": cost_vs_k,
    "front_projections": front_projections,
}


def _safe_keys(keys: Sequence[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for j, key in enumerate(keys):
        s = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(key)).strip("._-")[:80] or f"model{j}"
        base, n = s, 1
        while s.lower() in seen:  # case-insensitive file systems
            n += 1
            s = f"{base}_{n}"
        seen.add(s.lower())
        out.append(s)
    return out


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _save_atomic(fig: Figure, path: str, fmt: str, dpi: float) -> None:
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fig.savefig(fh, format=fmt, dpi=dpi)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def save_all(study: Study, outdir: str | os.PathLike, *,
             formats: Sequence[str] = ("png", "pdf"), budget_index: tuple = (),
             rules: Sequence[str] = DEFAULT_RULES, names: Mapping[str, str] | None = None,
             dpi: float = 150) -> list[str]:
    """Write every figure of one budget to ``outdir``, each file atomically.

    Parameters
    ----------
    study
        A :class:`frontier.Study`.
    outdir
        Directory, created if missing.
    formats
        File formats matplotlib can write (``"png"``, ``"pdf"``, ``"svg"``, ...).
    budget_index, rules, names
        See the module docstring.
    dpi
        Resolution of raster formats.

    Returns
    -------
    list[str]
        The paths written: ``<figure>-<model key>.<fmt>`` for ``feasible_region_3d``,
        ``accuracy_vs_k``, ``cost_vs_k`` and ``front_projections`` of every model (keys made
        file-system safe: characters other than letters, digits, ``.``, ``_`` and ``-``
        become ``_``; clashes get a suffix), then ``cross_model_front.<fmt>``.

    Raises
    ------
    ValueError
        For an unknown format, a bad ``budget_index`` or rule.

    Notes
    -----
    Each file is written to a temporary file in ``outdir`` and moved into place with
    :func:`os.replace`, so a reader never sees a partial file. Figures are closed after
    saving. The file names do not include the budget: use one directory per budget.

    Examples
    --------
    >>> paths = frontier.plot.save_all(study, "figures")  # doctest: +SKIP
    """
    plt = _pyplot()
    from matplotlib.backend_bases import FigureCanvasBase

    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    supported = FigureCanvasBase.get_supported_filetypes()
    for fmt in formats:
        if fmt not in supported:
            raise ValueError(f"`formats`: unknown format {fmt!r} (choose from "
                             f"{sorted(supported)})")
    bi = _budget_index(study, budget_index)
    rules = _check_rules(rules)
    outdir = os.fspath(outdir)
    os.makedirs(outdir, exist_ok=True)
    keys = _safe_keys(study.models)
    jobs: list[tuple[str, Callable[[], Figure]]] = []
    for stem, fn in _PER_MODEL.items():
        for j, key in enumerate(keys):
            jobs.append((f"{stem}-{key}",
                         lambda fn=fn, j=j: fn(study, j, budget_index=bi, rules=rules,
                                               names=names)))
    jobs.append(("cross_model_front",
                 lambda: cross_model_front(study, budget_index=bi, rules=rules, names=names)))
    paths = []
    for stem, make in jobs:
        fig = make()
        try:
            for fmt in formats:
                path = os.path.join(outdir, f"{stem}.{fmt}")
                _save_atomic(fig, path, fmt, dpi)
                paths.append(path)
        finally:
            plt.close(fig)
    return paths


def tornado(sens: Any, output: str = "k", *, model: int = 0, top: int = 10) -> Figure:
    """Tornado plot of a :class:`frontier.Sensitivity`: elasticities of one output, ranked.

    Bars are ``d log(output) / d log(input)`` (the % change of the selected point's
    ``output`` per 1% change of each input) with ``+-2`` standard-error whiskers; the
    ``top`` largest in absolute value are shown, largest at the top.

    Examples
    --------
    >>> fig = frontier.plot.tornado(frontier.sensitivity(...), "cost")  # doctest: +SKIP
    """
    plt = _pyplot()
    if output not in sens.outputs:
        raise ValueError(f"`output` must be one of {sens.outputs}, got {output!r}")
    rows = sens.ranked(output, model=model)[:top][::-1]
    names = [r[0] for r in rows]
    vals = np.asarray([r[1] for r in rows])
    errs = np.asarray([2 * r[2] for r in rows])
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(rows) + 1.6), layout="constrained")
    colors = ["#c0392b" if v < 0 else "#2471a3" for v in vals]
    ax.barh(names, vals, xerr=errs, color=colors, ecolor="0.3", capsize=3)
    ax.axvline(0.0, color="0.2", lw=0.8)
    ax.set_xlabel(f"elasticity of {output}: % change per 1% change of the input")
    label = sens.models[model] if len(sens.models) > model else ""
    vals_now = np.asarray(sens.value)
    vals_now = vals_now[model] if vals_now.ndim == 2 else vals_now
    point = ", ".join(f"{o}={float(v):.4g}" for o, v in zip(sens.outputs, vals_now, strict=True))
    fig.suptitle(f"Sensitivity of the {sens.rule} point: {label}\n{point} "
                 f"(temperature {sens.temperature:g}; whiskers +-2 s.e.)", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return fig


def save_tornado(sens: Any, outdir: str | os.PathLike, *, output: str = "k",
                 formats: Sequence[str] = ("png", "pdf"), model: int = 0,
                 dpi: float = 150) -> list[str]:
    """Write :func:`tornado` of ``output`` as ``tornado-<output>.<fmt>``, atomically."""
    plt = _pyplot()
    outdir = os.fspath(outdir)
    os.makedirs(outdir, exist_ok=True)
    fig = tornado(sens, output, model=model)
    paths = []
    try:
        for fmt in formats:
            path = os.path.join(outdir, f"tornado-{output}.{fmt}")
            _save_atomic(fig, path, fmt, dpi)
            paths.append(path)
    finally:
        plt.close(fig)
    return paths
