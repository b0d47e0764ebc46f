"""A study under a new budget without a new simulation: :func:`reselect`.

:func:`frontier.optimize` simulates, builds the candidate table and runs the engine. A new
budget (or SLO, or knee space) changes only the last step, so :func:`reselect` reruns the
engine on the study's table: the same call :func:`frontier.optimize` makes, with the same
candidates, so the result is the study :func:`frontier.optimize` would return for that budget.
The interactive explorer (:func:`frontier.explore`) answers its budget sliders this way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._engine import Constraint
from ._replicates import summarize_replicates
from ._study import (
    OBJECTIVE_NAMES,
    Budget,
    Study,
    _as_budget,
    check_knee_normalise,
    select_study,
    study_terms,
)

__all__ = ["reselect"]

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
        budget (and ``replicates`` recomputed from each replicate's table): what
        :func:`frontier.optimize` returns for it with the same key and trials.

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
    terms = study.slo if slo is None else study_terms(slo, study.table.names)
    kn = check_knee_normalise(study.knee_normalise if knee_normalise is None else knee_normalise)
    objs = study.choice.objectives if study.choice is not None else OBJECTIVE_NAMES
    sel = select_study(study.table, len(study.models), study.ks, b, terms, kn, objs)
    rep = study.replicates
    if rep is not None and rep.tables:
        rep = summarize_replicates(
            [select_study(t, len(study.models), study.ks, b, terms, kn, objs)
             for t in rep.tables], rep.tables)
    return study._replace(**sel, replicates=rep)
