"""Figures of a :class:`frontier.Study`: the paper's 3-D feasible region, k-curves, fronts.

Every function returns a :class:`matplotlib.figure.Figure` created through ``pyplot`` (so
``plt.show()`` and notebooks display it; close it with ``plt.close(fig)``). matplotlib is
imported inside the functions, never when :mod:`frontier` or :mod:`frontier.plot` is imported.

One module per figure family: :mod:`~frontier.plot.region` (:func:`feasible_region_3d`),
:mod:`~frontier.plot.curves` (:func:`accuracy_vs_k`, :func:`cost_vs_k`),
:mod:`~frontier.plot.fronts` (:func:`front_projections`, :func:`cross_model_front`),
:mod:`~frontier.plot.sensitivity` (:func:`tornado`), :mod:`~frontier.plot.overview`
(:func:`overview`: one small panel per model), :mod:`~frontier.plot.aggregation`
(:func:`accuracy_by_aggregation`, drawn from summaries rather than a study),
:mod:`~frontier.plot.replicates` (:func:`front_probability`: a replicated study's cross-model
front coloured by each candidate's probability of being on it);
:func:`save_all` and :func:`save_tornado` write them to files. Measured sweeps:
:mod:`~frontier.plot.sweeps` (:func:`throughput_latency`, :func:`serving_frontier`,
:func:`compare_fronts`), written by :func:`save_sweep` and :func:`save_compare`. Rule labels,
markers and colours come from the one table of :mod:`frontier._rules`, the same the command
line and the records use.

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

from .._rules import DEFAULT_RULES
from ._save import save_all, save_compare, save_sweep, save_tornado
from .aggregation import accuracy_by_aggregation
from .curves import accuracy_vs_k, cost_vs_k
from .fronts import cross_model_front, front_projections
from .overview import overview
from .region import feasible_region_3d
from .replicates import front_probability
from .sensitivity import tornado
from .sweeps import compare_fronts, serving_frontier, throughput_latency

__all__ = [
    "DEFAULT_RULES",
    "accuracy_by_aggregation",
    "accuracy_vs_k",
    "compare_fronts",
    "cost_vs_k",
    "cross_model_front",
    "feasible_region_3d",
    "front_probability",
    "front_projections",
    "overview",
    "save_all",
    "save_compare",
    "save_sweep",
    "save_tornado",
    "serving_frontier",
    "throughput_latency",
    "tornado",
]
