"""The tornado plot of a :class:`frontier.Sensitivity`: elasticities of one output, ranked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._rules import rule_info
from ._style import pyplot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["tornado"]


def tornado(sens: Any, output: str = "k", *, model: int = 0, top: int = 10) -> Figure:
    """Tornado plot of a :class:`frontier.Sensitivity`: elasticities of one output, ranked.

    Bars are ``d log(output) / d log(input)`` (the % change of the selected point's
    ``output`` per 1% change of each input) with ``+-2`` standard-error whiskers; the
    ``top`` largest in absolute value are shown, largest at the top.

    Examples
    --------
    >>> fig = frontier.plot.tornado(frontier.sensitivity(...), "cost")  # doctest: +SKIP
    """
    plt = pyplot()
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
    fig.suptitle(f"Sensitivity of the {rule_info(sens.rule).label} point: {label}\n{point} "
                 f"(temperature {sens.temperature:g}; whiskers +-2 s.e.)", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return fig
