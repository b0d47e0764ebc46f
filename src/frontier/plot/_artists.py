"""Drawing pieces shared by the figure families: rule markers, limits, shading, legends, titles."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._data import Curves, Sel, View, display_name
from ._style import AXIS_LABEL, FEASIBLE_SHADE, LIMIT_STYLE, RULE_STYLE, budget_text, limit_label

__all__ = [
    "finish",
    "k_ends",
    "legend",
    "limit_line",
    "mark",
    "notes",
    "objective_axes",
    "per_model_label",
    "shade_feasible",
    "title"
]

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .._study import Study


def mark(ax: Axes, sels: Sequence[Sel], x: str, y: str, *, label: Callable[[Sel], str],
         rules: Sequence[str] = (), color: str | None = None, z: str | None = None,
         zorder: float = 5) -> list:
    """Hollow rule markers at the selected points; returns legend proxies for them."""
    from matplotlib.lines import Line2D

    found = {s.rule for s in sels}
    missing = [r for r in rules if r not in found]
    handles = []
    for s in sels:
        st = RULE_STYLE[s.rule]
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
                + ", ".join(RULE_STYLE[r].label for r in missing))
        handles.append(Line2D([], [], ls="none", label=textwrap.fill(text, 40)))
    return handles


def per_model_label(s: Sel) -> str:
    return f"{RULE_STYLE[s.rule].label} (k={s.k})"


def _edges(ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Left/right edges of the cell of each k (half-way to the neighbours)."""
    k = ks.astype(float)
    if k.size == 1:
        return k - 0.5, k + 0.5
    mid = (k[1:] + k[:-1]) / 2
    left = np.concatenate([[k[0] - (mid[0] - k[0])], mid])
    right = np.concatenate([mid, [k[-1] + (k[-1] - mid[-1])]])
    return left, right


def shade_feasible(ax: Axes, ks: np.ndarray, feasible: np.ndarray, label: str | None):
    """Shade the runs of feasible k; returns the first span (the legend handle) or None."""
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
        h = ax.axvspan(left[j], right[e], color=FEASIBLE_SHADE, alpha=0.12, lw=0,
                       label=label if handle is None else None, zorder=0)
        handle = handle or h
        j = e + 1
    return handle


def limit_line(ax: Axes, obj: str, value: float, orient: str):
    """A dashed constraint line (``orient`` ``"h"`` or ``"v"``); None for an infinite limit."""
    if not math.isfinite(value):
        return None
    st = LIMIT_STYLE[obj]
    line = ax.axhline if orient == "h" else ax.axvline
    return line(value, color=st["color"], ls="--", lw=1.2, zorder=2,
                label=limit_label(obj, value))


def notes(feasible: Any, *means: Any) -> str:
    """``no feasible k`` and ``NaN estimates not drawn``, where they apply."""
    out = [] if np.asarray(feasible).any() else ["no feasible k"]
    if any(np.isnan(np.asarray(m, float)).any() for m in means):
        out.append("NaN estimates not drawn")
    return "; ".join(out)


def title(fig: Figure, what: str, study: Study, lim: Mapping[str, float], note: str = ""):
    head = what + (f" — {note}" if note else "")
    fig.suptitle(f"{head}\n{budget_text(study, lim)}", fontsize=11)


def _caption(fig: Figure, study: Study, i: int, bi: tuple[int, ...], width: int):
    text = study.explain(i, bi)
    text = text.removeprefix(f"{study.models[i]}: ").removeprefix("no feasible k; ")
    fig.supxlabel(textwrap.fill("No feasible k: " + text, width), fontsize=9, color="#b22222")


def _has_data(h: Any) -> bool:
    if hasattr(h, "get_offsets"):  # scatter
        return len(h.get_offsets()) > 0
    if hasattr(h, "get_xdata") and h.axes is not None:  # plotted line (not a proxy)
        return np.isfinite(np.asarray(h.get_xdata(), float)).any()
    return True


def legend(ax: Axes, handles: Sequence, x: float = 1.02):
    """One legend right of ``ax`` (top-aligned with it, so below the figure title);
    constrained layout makes room for it."""
    handles = [h for h in handles if h is not None and _has_data(h)]
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(x, 1.0), borderaxespad=0,
                  fontsize=8, frameon=False)


def finish(fig: Figure, study: Study, v: View, what: str, names: Mapping[str, str] | None,
           legend_ax: Axes, handles: Sequence, *, width: int, legend_x: float = 1.02) -> Figure:
    """Title (``<model>: <what>`` and the budget), the no-feasible caption and the legend of a
    per-model figure."""
    title(fig, f"{display_name(study, v.i, names)}: {what}", study, v.lim,
          notes(v.d.feasible, *v.d.mean.values()))
    if not v.d.feasible.any():
        _caption(fig, study, v.i, v.bi, width)
    legend(legend_ax, handles, x=legend_x)
    return fig


def k_ends(ax: Axes, d: Curves, x: str, y: str, z: str | None = None):
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


def objective_axes(ax: Axes, x: str, y: str, xvals: Any, log: bool) -> None:
    """Labels and grid of an objective-against-objective panel; a logarithmic x axis when
    ``log`` and every finite ``xvals`` is positive."""
    vals = xvals[np.isfinite(xvals)]
    if log and vals.size and (vals > 0).all():
        ax.set_xscale("log")
    ax.set_xlabel(AXIS_LABEL[x])
    ax.set_ylabel(AXIS_LABEL[y])
    ax.grid(alpha=0.3, which="both" if log else "major", lw=0.5)
