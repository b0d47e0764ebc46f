"""Colours, markers and labels of the figures (rule styles come from :mod:`frontier._rules`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._rules import RULES, RuleInfo

__all__ = [
    "AXIS_LABEL",
    "FEASIBLE_SHADE",
    "LIMIT_STYLE",
    "OBJ",
    "RULE_STYLE",
    "budget_text",
    "fmt",
    "limit_label",
    "model_colors",
    "pyplot"
]

if TYPE_CHECKING:  # pragma: no cover
    from .._study import Study

#: Rule name -> its label, marker, colour and size.
RULE_STYLE: dict[str, RuleInfo] = {r.name: r for r in RULES}

OBJ = ("cost", "time", "accuracy")
AXIS_LABEL = {
    "cost": "cost ($/query)",
    "time": "time (s/query)",
    "accuracy": "accuracy (best of k)",
    "k": "k (inferences per query)",
}
LIMIT_STYLE: dict[str, dict[str, Any]] = {  # constraint lines / planes
    "cost": dict(color="#d62728", name="C_max"),
    "time": dict(color="#1f77b4", name="T_max"),
    "accuracy": dict(color="#2ca02c", name="acc_min"),
}
FEASIBLE_SHADE = "#2ca02c"


def pyplot():
    """``matplotlib.pyplot``, imported on first use (never when :mod:`frontier` is)."""
    import matplotlib.pyplot as plt

    return plt


def fmt(v: float) -> str:
    return f"{v:.4g}"


def limit_label(obj: str, value: float) -> str:
    """``cost ≤ C_max = $0.5`` and the like."""
    name = LIMIT_STYLE[obj]["name"]
    if obj == "cost":
        return f"cost ≤ {name} = ${fmt(value)}"
    if obj == "time":
        return f"time ≤ {name} = {fmt(value)} s"
    return f"accuracy ≥ {name} = {fmt(value)}"


def budget_text(study: Study, lim: Mapping[str, float]) -> str:
    """The budget, SLO terms and trial count of a figure title."""
    parts = []
    if math.isfinite(lim["cost"]):
        parts.append(f"cost ≤ ${fmt(lim['cost'])}")
    if math.isfinite(lim["time"]):
        parts.append(f"time ≤ {fmt(lim['time'])} s")
    if math.isfinite(lim["accuracy"]):
        parts.append(f"accuracy ≥ {fmt(lim['accuracy'])}")
    text = "budget: " + (", ".join(parts) if parts else "none")
    for c in study.slo:
        stat = c.stat if c.stat == "mean" else f"p{100 * float(c.stat):g}"
        text += f"; SLO {stat} {c.objective} {c.op} {fmt(c.value)}"
    return text + f"  ({study.summary.num_trials} trials)"


def model_colors(m: int) -> list:
    """One colour per model: tab10, tab20, then a sampled turbo map."""
    plt = pyplot()
    if m <= 10:
        return [plt.get_cmap("tab10")(j) for j in range(m)]
    if m <= 20:
        return [plt.get_cmap("tab20")(j) for j in range(m)]
    return [plt.get_cmap("turbo")(j / max(m - 1, 1)) for j in range(m)]
