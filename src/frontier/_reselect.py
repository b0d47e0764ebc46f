"""A study under a new budget without a new simulation: :func:`reselect`.

:func:`frontier.optimize` simulates, builds the candidate table and runs the engine. A new
budget (or SLO, or knee space) changes only the last step, so :func:`reselect` reruns the
engine on the study's table: the same call :func:`frontier.optimize` makes, with the same
candidates, so the result is the study :func:`frontier.optimize` would return for that budget.
The interactive explorer (:func:`frontier.explore`) answers its budget sliders this way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np

from ._engine import Constraint, choose, parse_slo
from ._study import _RULE_OF, Budget, CrossModel, Points, Study, _as_budget, _points
from ._table import stat_name

__all__ = ["reselect"]

#: The budget terms of a study, in the order of :class:`frontier.Budget`.
_BUDGET_TERMS = (Constraint("cost", "mean", "<=", math.inf),
                 Constraint("time", "mean", "<=", math.inf),
                 Constraint("accuracy", "mean", ">=", -math.inf))


def reselect(
    study: Study,
    *,
    budget: Budget | Mapping[str, Any] | Sequence[Any] | None,
    slo: str | Sequence[Constraint] | None = None,
    knee_normalise: str | None = None,
) -> Study:
    """The study under another budget, from its simulated statistics (no new simulation).

    Parameters
    ----------
    study
        A :class:`frontier.Study` from :func:`frontier.optimize`.
    budget
        As in :func:`frontier.optimize`: a :class:`frontier.Budget`, a mapping or a
        3-sequence ``(C_max, T_max, acc_min)``, fields possibly arrays (a grid); ``None``
        for no budget.
    slo
        Extra constraints as in :func:`frontier.optimize`; ``None`` (default) keeps the
        study's, ``()`` drops them. A quantile the study did not estimate is an error.
    knee_normalise
        ``"front"`` or ``"budget"``; ``None`` (default) keeps the study's.

    Returns
    -------
    Study
        The same ``models``, ``ks``, ``summary`` and ``table``, with the feasible sets,
        fronts, violations, operating points, cross-model view and ``choice`` of the new
        budget: what :func:`frontier.optimize` returns for it with the same key and trials.

    Raises
    ------
    ValueError, TypeError
        For a bad budget or SLO (as :func:`frontier.optimize`), or a study without a table.

    Notes
    -----
    The engine is compiled for the shape of the budget grid and the number of constraint
    terms, so moving a budget within one shape does not compile again.

    Examples
    --------
    >>> import frontier
    >>> study = frontier.optimize(frontier.catalog()["gpt5"], budget=(0.5, 60.0, 0.88),
    ...                           k_max=32, key=42, num_trials=200)
    >>> study.points.accuracy.k.tolist()
    [20]
    >>> frontier.reselect(study, budget=(0.25, 60.0, 0.88)).points.accuracy.k.tolist()
    [8]
    """
    if not isinstance(study, Study):
        raise TypeError(f"`study` must be a frontier.Study, got {type(study).__name__}")
    if study.table is None:
        raise ValueError("`study` has no candidate table: make it with frontier.optimize")
    b = _as_budget(budget)
    terms = study.slo if slo is None else parse_slo(slo)
    for c in terms:
        if c.objective not in ("cost", "time", "accuracy"):
            raise ValueError(f"`slo`: unknown objective {c.objective!r} (cost, time or "
                             "accuracy)")
    kn = study.knee_normalise if knee_normalise is None else knee_normalise
    if kn not in ("front", "budget"):
        raise ValueError(f"`knee_normalise` must be 'front' or 'budget', got {kn!r}")
    table = study.table
    choice = choose(table, slo=_BUDGET_TERMS + tuple(terms), limits=dict(enumerate(b)),
                    group_by="model", order_by="k", normalise="budget", knee_normalise=kn)
    M, K = len(study.models), len(study.ks)
    bshape = b.C_max.shape

    def grid(a):  # (*B, n, ...) -> (*B, M, K, ...)
        return a.reshape(*bshape, M, K, *a.shape[len(bshape) + 1:])

    lo, hi = stat_name(0.025), stat_name(0.975)
    est = jnp.asarray(np.stack([np.stack([table.stat(o, s) for s in ("mean", lo, hi)])
                                for o in ("cost", "time", "accuracy")]))
    ks_arr = jnp.asarray(study.ks, jnp.int32)

    def rows(picks):
        return jnp.stack([picks[_RULE_OF[n]] for n in Points._fields])

    pts = _points(rows(choice.picks), est, ks_arr, K=K, per_model=True)
    cpts = _points(rows(choice.cross_picks), est, ks_arr, K=K, per_model=False)
    viol = grid(choice.violation)
    slo_ok = jnp.all(viol[(0,) * len(bshape)][..., 3:] == 0, axis=-1) if terms else (
        jnp.ones((M, K), bool))
    return study._replace(
        budget=b, slo=tuple(terms), feasible=grid(choice.feasible), pareto=grid(choice.front),
        violation=viol[..., :3], slo_ok=slo_ok, points=pts,
        cross=CrossModel(grid(choice.feasible), grid(choice.cross_front), cpts),
        choice=choice, knee_normalise=kn,
    )
