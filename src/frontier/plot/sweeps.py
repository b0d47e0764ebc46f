"""Figures of measured sweeps: the throughput-latency curve, the serving frontier, and the
before/after overlay of :func:`frontier.compare`.

Every figure takes what it draws from the engine's results (:meth:`frontier.Sweep.front`,
:meth:`frontier.Sweep.select`, :func:`frontier.compare`); nothing here decides what is on a
front or what is chosen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._style import model_colors, pyplot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .._compare import Comparison
    from .._sweeps import Selection, Sweep

__all__ = ["compare_fronts", "serving_frontier", "throughput_latency"]

_SLO_SHADE = "#2ca02c"
_MISS = "0.6"
_CHOSEN = dict(marker="*", s=320, facecolors="none", edgecolors="#d62728", linewidths=1.8,
               zorder=7)
_AB = ("#1f77b4", "#ff7f0e")  # before, after


def _label(column: str) -> str:
    from .._sweeps import METRICS

    info = METRICS.get(column)
    return f"{column} ({info.unit})" if info is not None else column


def _pretty(v: Any) -> str:
    v = v.item() if hasattr(v, "item") else v
    if isinstance(v, float):
        return "-" if math.isnan(v) else (f"{int(v)}" if v.is_integer() else f"{v:g}")
    return str(v)


def _candidates(sweep: Sweep, selection: Selection | None) -> tuple[Any, str]:
    from .._sweeps._table import frame

    if selection is not None:
        return selection.candidates, selection.by
    df = frame(sweep, "config").copy()
    df["feasible"] = True
    df["selected"] = False
    return df, "config"


def _config_mask(sweep: Sweep, df, mask_rows: np.ndarray, by: str) -> np.ndarray:
    """A front mask over ``sweep.table`` rows as a mask over the rows of ``df``."""
    if by == "run":
        return mask_rows
    on = set(sweep.table["config"].to_numpy()[mask_rows].tolist())
    return df["config"].isin(on).to_numpy()


def _front(sweep: Sweep, df, by: str, objectives: dict[str, str], group: str | None,
           selection: Selection | None) -> np.ndarray:
    """The front over the rows of ``df``: with a selection, under its SLO and per its groups
    (its own flags when it was chosen on the same objectives, else one engine call);
    without, per ``group``."""
    from .._sweeps._table import resolve_objectives

    terms = resolve_objectives(sweep, objectives)
    if selection is not None:
        if {(t.name, t.sense) for t in terms} == {(t.name, t.sense)
                                                 for t in selection.objectives}:
            return selection.candidates["front"].to_numpy(bool)
        group = selection.group_by
    cons = _slo_terms(selection)
    mask = sweep.front(objectives, slo=cons or None, group_by=group, by=by)
    return _config_mask(sweep, df, mask, by)


def _default_group(sweep: Sweep, group_by: str | bool | None) -> str | None:
    if group_by is False:
        return None
    if group_by is None:
        return "label" if "label" in sweep.table else None
    return group_by


def _default_annotate(sweep: Sweep, annotate: str | bool | None) -> str | None:
    if annotate is False:
        return None
    if annotate is None:
        return next((k for k in ("max_concurrency", "request_rate", "measured_concurrency")
                     if k in sweep.table and sweep.table[k].notna().any()), None)
    return annotate


def _groups(df, group_by: str | None) -> list[tuple[Any, np.ndarray]]:
    if group_by is None:
        return [(None, np.ones(len(df), bool))]
    vals = df[group_by].to_numpy()
    out = []
    for g in dict.fromkeys(vals.tolist()):
        out.append((g, vals == g))
    return out


def _slo_terms(selection: Selection | None):
    return tuple(selection.choice.constraints) if selection is not None else ()


def _term_text(c) -> str:
    from .._sweeps._choose import slo_text

    return slo_text([c])


def _axis_terms(cons, column: str):
    from .._sweeps._table import constraint_column

    return [c for c in cons if constraint_column(c) == column]


def _staircase(x: np.ndarray, y: np.ndarray, sx: str, sy: str) -> tuple[np.ndarray, ...]:
    """The boundary of the region the points dominate, through the points (which must be a
    front): horizontal and vertical segments, in the objectives' senses."""
    fx = -1.0 if sx == "max" else 1.0
    fy = -1.0 if sy == "max" else 1.0
    zx, zy = x * fx, y * fy
    order = np.argsort(zx, kind="stable")
    zx, zy = zx[order], zy[order]
    px, py = [], []
    for i in range(len(zx)):
        if i:
            px.append(zx[i])
            py.append(zy[i - 1])
        px.append(zx[i])
        py.append(zy[i])
    return np.asarray(px) * fx, np.asarray(py) * fy


def _annotate(ax: Axes, df, rows: np.ndarray, x: str, y: str, knob: str | None, color):
    if knob is None or knob not in df:
        return
    for i in np.flatnonzero(rows):
        xv, yv = float(df[x].iloc[i]), float(df[y].iloc[i])
        if not (np.isfinite(xv) and np.isfinite(yv)):
            continue
        ax.annotate(_pretty(df[knob].iloc[i]), (xv, yv), xytext=(4, 4),
                    textcoords="offset points", fontsize=7, color=color)


def _finish(fig, ax, handles, df, x, y, knob, sweep, selection, *, corner: str, title: str):
    """The chosen point, the axes, the title, the caption and the legend of a sweep figure."""
    handles = [*handles, *_chosen(ax, df, x, y, selection, _rule_text(selection))]
    _axes(ax, x, y, knob, corner=corner)
    _title(fig, title, sweep, selection)
    _caption(fig, selection)
    _legend(ax, handles)
    return fig


def _axes(ax, x: str, y: str, knob: str | None, *, corner: str) -> None:
    """Axis labels, limits from 0, the grid and, in a top corner, the knob labelling points."""
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if knob is not None:
        left = corner == "left"
        ax.text(0.01 if left else 0.99, 0.99, f"points labelled by {knob}",
                transform=ax.transAxes, fontsize=8, va="top", ha="left" if left else "right",
                color="0.35")


def _chosen(ax: Axes, df, x: str, y: str, selection: Selection | None, what: str):
    from matplotlib.lines import Line2D

    if selection is None or not selection.found:
        return []
    rows = np.flatnonzero(df["selected"].to_numpy(bool))
    ax.scatter(df[x].to_numpy(float)[rows], df[y].to_numpy(float)[rows], **_CHOSEN)
    return [Line2D([], [], ls="none", marker="*", ms=14, mfc="none", mec="#d62728", mew=1.5,
                   label=f"chosen: {what}")]


def _rule_text(selection: Selection | None) -> str:
    return "" if selection is None else selection.rule_text


def _title(fig: Figure, what: str, sweep: Sweep, selection: Selection | None):
    from .._sweeps._choose import slo_text

    cons = _slo_terms(selection)
    lines = [what]
    sub = []
    if cons:
        sub.append(f"SLO: {slo_text(cons)}")
    if int(sweep.table.groupby("config").size().max()) > 1:
        by = selection.by if selection is not None else "config"
        sub.append("per-config means of the repeats" if by == "config"
                   else "every run on its own")
    if sub:
        lines.append("; ".join(sub))
    fig.suptitle("\n".join(lines), fontsize=11)


def _caption(fig: Figure, selection: Selection | None, width: int = 130):
    import textwrap

    if selection is None:
        return
    text = selection.explanation
    color = "0.25" if selection.found else "#b22222"
    fig.supxlabel(textwrap.fill(text, width), fontsize=8, color=color)


def _legend(ax: Axes, handles: Sequence):
    import textwrap

    handles = [h for h in handles if h is not None]
    for h in handles:
        h.set_label(textwrap.fill(h.get_label(), 42, subsequent_indent="  "))
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0, fontsize=8, frameon=False)


def throughput_latency(sweep: Sweep, selection: Selection | None = None, *,
                       latency: str | None = None, throughput: str | None = None,
                       group_by: str | bool | None = None, annotate: str | bool | None = None,
                       figsize: tuple[float, float] = (10.0, 6.0)) -> Figure:
    """The throughput-latency curve of a sweep, each point annotated by its concurrency.

    Parameters
    ----------
    sweep
        A :class:`frontier.Sweep`.
    selection
        A :meth:`frontier.Sweep.select` result: its SLO is drawn (a bound on the plotted
        latency as a line, with the side that meets it shaded), runs that miss it are drawn
        hollow, and its choice is starred. Its ``by`` decides whether the points are
        per-config means or runs.
    latency, throughput
        The columns on the y and x axes (default: the sweep's default objectives, e.g.
        ``p99_ttft_ms`` and ``tokens_per_gpu``).
    group_by
        A knob drawn as one curve per value (default ``label`` when the sweep has labels;
        ``False`` for one curve).
    annotate
        The knob written beside every point (default ``max_concurrency``, else
        ``request_rate``; ``False`` for none).
    figsize
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: per group, the points joined in ``annotate`` order; the points on the
        (latency min, throughput max) front filled, the dominated ones hollow, those missing
        the SLO hollow and grey. With a selection the front is the selection's (under its
        SLO, per its groups); without, one front per curve.

    Examples
    --------
    >>> fig = frontier.plot.throughput_latency(sweep, sweep.select("p99 ttft_ms <= 500"))  # doctest: +SKIP
    """  # noqa: E501
    from matplotlib.lines import Line2D

    from .._sweeps._table import default_objectives, resolve_objective

    plt = pyplot()
    terms = default_objectives(sweep)
    lat = resolve_objective(sweep, latency, "latency") if latency else next(
        (t for t in terms if t.sense == "min"), None)
    thr = resolve_objective(sweep, throughput, "throughput") if throughput else next(
        (t for t in terms if t.sense == "max"), None)
    if lat is None or thr is None:
        raise ValueError("throughput_latency needs a latency and a throughput; name them with "
                         "`latency=` and `throughput=`")
    df, by = _candidates(sweep, selection)
    group = _default_group(sweep, group_by)
    knob = _default_annotate(sweep, annotate)
    y, x = lat.column, thr.column
    fmask = _front(sweep, df, by, {y: "min", x: "max"}, group, selection)
    feas = df["feasible"].to_numpy(bool)
    cons = _slo_terms(selection)

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    groups = _groups(df, group)
    colors = model_colors(len(groups))
    handles: list = []
    xs, ys = df[x].to_numpy(float), df[y].to_numpy(float)
    for (g, rows), color in zip(groups, colors, strict=True):
        idx = np.flatnonzero(rows & np.isfinite(xs) & np.isfinite(ys))
        if knob is not None:
            idx = idx[np.argsort(df[knob].to_numpy(float)[idx], kind="stable")]
        ax.plot(xs[idx], ys[idx], "-", color=color, lw=1.2, alpha=0.8, zorder=2)
        on, ok = fmask[idx], feas[idx]
        ax.scatter(xs[idx][on & ok], ys[idx][on & ok], s=42, color=color, zorder=4)
        ax.scatter(xs[idx][~on & ok], ys[idx][~on & ok], s=42, facecolors="white",
                   edgecolors=color, linewidths=1.3, zorder=4)
        ax.scatter(xs[idx][~ok], ys[idx][~ok], s=30, facecolors="white", edgecolors=_MISS,
                   linewidths=1.0, zorder=3)
        _annotate(ax, df, np.isin(np.arange(len(df)), idx), x, y, knob, color)
        handles.append(Line2D([], [], color=color, marker="o", ms=6,
                              label=str(g) if g is not None else "runs"))
    handles += [Line2D([], [], ls="none", marker="o", ms=6, color="0.3",
                       label="on the front" + (" (of the points meeting the SLO)"
                                                if cons else "")),
                Line2D([], [], ls="none", marker="o", ms=6, mfc="white", mec="0.3",
                       label="dominated")]
    if cons:
        handles.append(Line2D([], [], ls="none", marker="o", ms=5, mfc="white", mec=_MISS,
                              label="misses the SLO"))
    for c in _axis_terms(cons, y):
        ax.axhline(c.value, color="#d62728", ls="--", lw=1.1, zorder=1)
        lo, hi = (0.0, c.value) if c.op == "<=" else (c.value, ax.get_ylim()[1])
        ax.axhspan(lo, hi, color=_SLO_SHADE, alpha=0.08, lw=0, zorder=0)
        handles.append(Line2D([], [], color="#d62728", ls="--", label=_term_text(c)))
    return _finish(fig, ax, handles, df, x, y, knob, sweep, selection, corner="left",
                   title=f"Throughput-latency curve: {y} against {x}")


def serving_frontier(sweep: Sweep, selection: Selection | None = None, *,
                     x: str = "tokens_per_user", y: str | None = None,
                     group_by: str | bool | None = None, annotate: str | bool | None = None,
                     figsize: tuple[float, float] = (10.0, 6.0)) -> Figure:
    """The serving frontier: tokens/s per user against tokens/s per GPU, both maximised.

    Parameters
    ----------
    sweep
        A :class:`frontier.Sweep` (``tokens_per_gpu`` needs the GPU count: ``num_gpus=``).
    selection
        A :meth:`frontier.Sweep.select` result: configs that miss its SLO are faded, the
        region the SLO-meeting configs attain (everything their front dominates) is shaded,
        bounds on the plotted axes are drawn, and its choice is starred.
    x, y
        The axes (default ``tokens_per_user`` and ``tokens_per_gpu``, else
        ``output_throughput`` when the GPU count is unknown).
    group_by, annotate
        As in :func:`throughput_latency`.
    figsize
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: the points per group, the front of the SLO-meeting configs of each group
        as a staircase, and the attainable region under it.

    Examples
    --------
    >>> fig = frontier.plot.serving_frontier(sweep, sweep.select("p99 ttft_ms <= 500"))  # doctest: +SKIP
    """  # noqa: E501
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from .._sweeps._table import default_target, resolve_objective

    plt = pyplot()
    if y is None:
        y = "tokens_per_gpu" if "tokens_per_gpu" in sweep.metrics else default_target(sweep)
    tx, ty = resolve_objective(sweep, x, "x"), resolve_objective(sweep, y, "y")
    x, y = tx.column, ty.column
    df, by = _candidates(sweep, selection)
    group = _default_group(sweep, group_by)
    knob = _default_annotate(sweep, annotate)
    cons = _slo_terms(selection)
    fmask = _front(sweep, df, by, {x: tx.sense, y: ty.sense}, group, selection)
    feas = df["feasible"].to_numpy(bool)
    xs, ys = df[x].to_numpy(float), df[y].to_numpy(float)

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    groups = _groups(df, group)
    colors = model_colors(len(groups))
    handles: list = []
    for (g, rows), color in zip(groups, colors, strict=True):
        ok = rows & np.isfinite(xs) & np.isfinite(ys)
        ax.scatter(xs[ok & feas], ys[ok & feas], s=40, color=color, zorder=4)
        ax.scatter(xs[ok & ~feas], ys[ok & ~feas], s=26, color=color, alpha=0.3, lw=0,
                   zorder=3)
        f = ok & fmask & feas
        if f.any():
            px, py = _staircase(xs[f], ys[f], tx.sense, ty.sense)
            ax.plot(px, py, "-", color=color, lw=1.5, zorder=3)
            if tx.sense == ty.sense == "max":  # the attainable region: down to the axes
                # px runs from the largest x (lowest y) to the smallest x (highest y)
                ax.fill(np.concatenate([[0.0, px[0]], px, [0.0]]),
                        np.concatenate([[0.0, 0.0], py, [py[-1]]]),
                        color=color, alpha=0.08, lw=0, zorder=1)
        _annotate(ax, df, ok, x, y, knob, color)
        handles.append(Line2D([], [], color=color, marker="o", ms=6,
                              label=str(g) if g is not None else "configs"))
    handles.append(Line2D([], [], color="0.3", lw=1.5, label="front" + (
        " of the configs meeting the SLO" if cons else "")))
    handles.append(Patch(color="0.5", alpha=0.2, label="attainable" + (" under the SLO"
                                                                        if cons else "")))
    if cons:
        handles.append(Line2D([], [], ls="none", marker="o", ms=5, color="0.5", alpha=0.35,
                              label="misses the SLO (faded)"))
    for col, line in ((x, ax.axvline), (y, ax.axhline)):
        for c in _axis_terms(cons, col):
            line(c.value, color="#d62728", ls="--", lw=1.1, zorder=2)
            handles.append(Line2D([], [], color="#d62728", ls="--", label=_term_text(c)))
    return _finish(fig, ax, handles, df, x, y, knob, sweep, selection, corner="right",
                   title=f"Serving frontier: {y} against {x}")


def _axes_of(cmp: Comparison) -> tuple[int, int]:
    objs = cmp.objectives
    if len(objs) < 2:
        raise ValueError("compare_fronts needs at least two objectives")
    i, j = 0, 1
    if objs[0].sense == "min" and objs[1].sense == "max":
        i, j = 1, 0  # throughput on x, latency on y, as in throughput_latency
    return i, j


def compare_fronts(cmp: Comparison, *, annotate: str | bool | None = None,
                   figsize: tuple[float, float] = (10.0, 6.0)) -> Figure:
    """Before/after overlay of :func:`frontier.compare`: both point sets and fronts, the
    rows of A that B dominates, and the matched-SLO shift.

    Parameters
    ----------
    cmp
        A :class:`frontier.Comparison`.
    annotate
        A knob written beside every point (default ``max_concurrency`` when the tables
        have it; ``False`` for none).
    figsize
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One axes on the first two objectives (a throughput on x when the other is a
        latency): each side's points, its front as a staircase, A's rows that B dominates
        crossed out, and an arrow from A's best target value under the matched SLO to B's.
        The title gives the hypervolumes and the gain.

    Examples
    --------
    >>> fig = frontier.plot.compare_fronts(frontier.compare(before, after))  # doctest: +SKIP
    """
    from matplotlib.lines import Line2D

    plt = pyplot()
    i, j = _axes_of(cmp)
    oi, oj = cmp.objectives[i], cmp.objectives[j]
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    handles: list = []
    sides = ((cmp.a, cmp.a_front, cmp.labels[0], _AB[0]),
             (cmp.b, cmp.b_front, cmp.labels[1], _AB[1]))
    knob = annotate
    if knob is None:
        knob = "max_concurrency" if "max_concurrency" in cmp.a.knobs else None
    elif knob is False:
        knob = None
    for t, front, name, color in sides:
        xs = np.asarray(t.stat(oi.name), float)
        ys = np.asarray(t.stat(oj.name), float)
        ax.scatter(xs[~front], ys[~front], s=30, facecolors="white", edgecolors=color,
                   linewidths=1.2, zorder=3)
        ax.scatter(xs[front], ys[front], s=42, color=color, zorder=4)
        if front.any():
            px, py = _staircase(xs[front], ys[front], oi.sense, oj.sense)
            ax.plot(px, py, "-", color=color, lw=1.5, zorder=3)
        if knob is not None and knob in t.knobs:
            kv = np.asarray(t.knobs[knob])
            for r in range(len(xs)):
                if np.isfinite(xs[r]) and np.isfinite(ys[r]):
                    ax.annotate(_pretty(kv[r]), (xs[r], ys[r]), xytext=(4, 4),
                                textcoords="offset points", fontsize=7, color=color)
        handles.append(Line2D([], [], color=color, marker="o", ms=6,
                              label=f"{name}: {int(front.sum())} on the front"))
    dom = cmp.a_dominated_by_b
    if dom.any():
        xa = np.asarray(cmp.a.stat(oi.name), float)
        ya = np.asarray(cmp.a.stat(oj.name), float)
        ax.scatter(xa[dom], ya[dom], marker="x", s=60, color=_AB[0], linewidths=1.4, zorder=5)
        handles.append(Line2D([], [], ls="none", marker="x", ms=7, color=_AB[0], mew=1.4,
                              label=f"{cmp.labels[0]} rows dominated by {cmp.labels[1]}: "
                                    f"{int(dom.sum())}"))
    sh = cmp.shift
    if sh is not None and sh.a_row is not None and sh.b_row is not None:
        pa = (float(np.asarray(cmp.a.stat(oi.name))[sh.a_row]),
              float(np.asarray(cmp.a.stat(oj.name))[sh.a_row]))
        pb = (float(np.asarray(cmp.b.stat(oi.name))[sh.b_row]),
              float(np.asarray(cmp.b.stat(oj.name))[sh.b_row]))
        ax.annotate("", xy=pb, xytext=pa, arrowprops=dict(arrowstyle="->", color="#d62728",
                                                          lw=1.4), zorder=6)
        ax.scatter(*zip(pa, pb, strict=True), **_CHOSEN)
        at = f" at {sh.slo}" if sh.slo else ""
        handles.append(Line2D([], [], color="#d62728", marker="*", ms=12, mfc="none",
                              label=f"best {sh.target}{at}: {sh.a_value:.4g} -> "
                                    f"{sh.b_value:.4g} {sh.unit} ({100 * (sh.ratio - 1):+.1f}%)"))
    ax.set_xlabel(_label_obj(oi))
    ax.set_ylabel(_label_obj(oj))
    ax.grid(alpha=0.3)
    rel = "" if not math.isfinite(cmp.gain_rel) else f" ({100 * cmp.gain_rel:+.1f}%)"
    note = "" if len(cmp.objectives) == 2 else (
        f"; {len(cmp.objectives)}-objective fronts, first two drawn")
    fig.suptitle(f"{cmp.labels[0]} vs {cmp.labels[1]}: hypervolume {cmp.hv_a:.4g} -> "
                 f"{cmp.hv_b:.4g}{rel}\n(common normalisation: ideal and nadir of both "
                 f"fronts, reference 1.1{note})", fontsize=11)
    _legend(ax, handles)
    return fig


def _label_obj(o) -> str:
    from .._sweeps._canonical import LATENCIES

    name = o.name
    if name.endswith("_ms") and name[:-3] in LATENCIES:  # a sweep's latency family: its mean
        name = f"mean {name}"
    return f"{name} ({o.unit})" if o.unit else name
