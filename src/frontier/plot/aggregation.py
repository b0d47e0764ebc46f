"""Accuracy against k for several aggregations on one axes (:func:`accuracy_by_aggregation`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ._style import AXIS_LABEL, pyplot

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .._sampling import Summary

__all__ = ["accuracy_by_aggregation"]


def accuracy_by_aggregation(summaries: Mapping[str, Summary], *,
                            expected: Mapping[str, Any] | None = None, model: int = 0,
                            title: str | None = None,
                            figsize: tuple[float, float] = (8.0, 5.0)) -> Figure:
    """Mean accuracy against k, one curve per aggregation, with closed forms where known.

    Parameters
    ----------
    summaries
        Label -> :class:`frontier.Summary` (from :func:`frontier.summarize` with
        ``aggregation=...``), all with the same ``ks``.
    expected
        Label -> ``(K,)`` closed-form accuracy (e.g. :func:`frontier.aggregation.expected`),
        drawn dashed over the Monte Carlo curve of the same label.
    model
        The model's index when the summaries hold several.
    title
        The figure's title (default: ``"accuracy vs k by aggregation"`` and the trials).
    figsize
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: per label, the Monte Carlo mean accuracy (markers and line) with a band of
        ±1.96 standard errors of the mean (not the spread of single trials: a pass@k or
        majority-vote trial is 0 or 1), and its closed form dashed. Majority vote over a mix
        with hard problems (success rate below 1/2) rises, then falls with k; the verifier's
        curve flattens at its cap ``p / (p + q)``.

    Examples
    --------
    >>> import frontier
    >>> from frontier import aggregation as agg
    >>> m, ks = frontier.catalog()["gpt5-nano"], [1, 3, 9]
    >>> aggs = {"pass@k": agg.PassAtK(agg.Beta(0.5, 2.0)),
    ...         "majority": agg.MajorityVote(agg.Mix([0.9, 0.35], [0.6, 0.4]))}
    >>> summ = {k: frontier.summarize(m, ks, key=0, num_trials=500, aggregation=a)
    ...         for k, a in aggs.items()}
    >>> fig = frontier.plot.accuracy_by_aggregation(
    ...     summ, expected={k: agg.expected(a, ks) for k, a in aggs.items()})
    >>> len(fig.axes[0].lines)
    4
    """
    if not summaries:
        raise ValueError("`summaries` is empty")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    ks0 = None
    n = None
    for j, (label, s) in enumerate(summaries.items()):
        ks = np.asarray(s.ks)
        if ks0 is not None and not np.array_equal(ks, ks0):
            raise ValueError(f"`summaries[{label!r}]` has ks {ks.tolist()}, the first has "
                             f"{ks0.tolist()}")
        ks0, n = ks, s.num_trials
        mean = np.asarray(s.accuracy.mean, float)
        sem = np.asarray(s.accuracy.sem, float)
        if mean.ndim == 2:
            mean, sem = mean[model], sem[model]
        elif mean.ndim != 1:
            raise ValueError(f"`summaries[{label!r}]` has accuracy of shape {mean.shape}; pass "
                             "one model (and one batch)")
        color = f"C{j % 10}"
        ax.plot(ks, mean, "o-", ms=3.5, lw=1.4, color=color, label=f"{label} (Monte Carlo)")
        band = np.where(np.isfinite(sem), 1.96 * sem, 0.0)
        ax.fill_between(ks, mean - band, mean + band, color=color, alpha=0.2, lw=0)
        if expected is not None and label in expected:
            e = np.asarray(expected[label], float)
            if e.shape != ks.shape:
                raise ValueError(f"`expected[{label!r}]` has shape {e.shape}, expected "
                                 f"{ks.shape} (one value per k)")
            ax.plot(ks, e, "--", lw=1.2, color=color, label=f"{label} (closed form)")
    ax.set_xlabel(AXIS_LABEL["k"])
    ax.set_ylabel("accuracy")
    if ks0 is not None and ks0.size > 1 and ks0.max() / max(ks0.min(), 1) >= 16:
        from matplotlib.ticker import FuncFormatter, NullFormatter

        ax.set_xscale("log", base=2)
        if ks0.size <= 12:  # a tick at every simulated k, labelled as an integer
            ax.set_xticks(ks0)
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(title if title is not None else
                 f"accuracy vs k by aggregation ({n} trials; band: ±1.96 s.e.)", fontsize=10)
    return fig
