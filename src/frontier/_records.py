"""Results as records: a study or a sensitivity as a JSON-ready dict, and a study as CSV texts.

Encoding
--------
The JSON is strict (RFC 8259): it never contains ``NaN``, ``Infinity`` or ``-Infinity``, which
``jq``, JavaScript's ``JSON.parse`` and many other readers reject. Every number that is not
finite is written as ``null``, and ``null`` means:

- in a budget (``C_max``, ``T_max``, ``acc_min``): no limit (``C_max``/``T_max`` of ``inf``,
  ``acc_min`` of ``-inf``); scenarios accept no other non-finite budget value;
- in an estimate (a mean, std, quantile or interval end) or a value: missing, i.e. not
  estimable (a NaN estimate);
- for an operating point of a rule: the rule found no point for that budget.

In ``selections.csv`` and ``candidates.csv`` a missing estimate is an empty cell and a budget
without a limit is ``inf`` (``-inf`` for ``acc_min``), which CSV readers parse as numbers.

``study.json`` holds ``rules``, the label of every rule name (the ``rule`` column of
``selections.csv`` is the name, ``rule_label`` the label), in display order.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._rules import RULE_NAMES, RULES, rule_info

if TYPE_CHECKING:  # pragma: no cover
    from ._scenario import Scenario
    from ._sensitivity import Sensitivity
    from ._study import Study

__all__ = ["dumps", "json_ready", "sensitivity_record", "study_csvs", "study_records"]

_OBJ = ("cost", "time", "accuracy")
_EST = ("mean", "lo", "hi")
_BUDGET = ("C_max", "T_max", "acc_min")
_NO_LIMIT = {"C_max": math.inf, "T_max": math.inf, "acc_min": -math.inf}


def json_ready(x: Any) -> Any:
    """``x`` with arrays and tuples as lists, NumPy scalars as Python ones, non-finite as None.

    Examples
    --------
    >>> import numpy as np
    >>> from frontier._records import json_ready
    >>> json_ready({"a": np.array([1.0, np.nan, np.inf]), "b": (np.int32(3), -np.inf)})
    {'a': [1.0, None, None], 'b': [3, None]}
    """
    if isinstance(x, Mapping):
        return {str(k): json_ready(v) for k, v in x.items()}
    if isinstance(x, np.ndarray | np.generic):
        x = x.tolist()
    if isinstance(x, list | tuple):
        return [json_ready(v) for v in x]
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    return x


def dumps(record: Mapping[str, Any]) -> str:
    """The record as strict JSON text (``null`` for non-finite numbers; see the module notes).

    Examples
    --------
    >>> from frontier._records import dumps
    >>> dumps({"C_max": float("inf"), "k": 4})
    '{\\n "C_max": null,\\n "k": 4\\n}'
    """
    return json.dumps(json_ready(record), indent=1, allow_nan=False)


def _at(x: Any, j: Any) -> Any:
    return np.asarray(x)[j].tolist()


def _point(p: Any, j: tuple[int, ...]) -> dict[str, Any] | None:
    if not bool(np.asarray(p.found)[j]):
        return None
    return {"k": int(np.asarray(p.k)[j]),
            **{o: {f: _at(getattr(getattr(p, o), f), j) for f in _EST} for o in _OBJ}}


def study_records(study: Study, scenario: Scenario | None = None) -> dict[str, Any]:
    """JSON-ready results of a study: scenario, rules, candidates, per-budget selections.

    Parameters
    ----------
    study
        A :class:`frontier.Study`.
    scenario
        The :class:`frontier._scenario.Scenario` it came from (recorded, and its model keys and
        names used), or None.

    Returns
    -------
    dict
        ``scenario`` (None without one; ``parallel`` is the P of every model, or None where
        they differ, and ``parallel_by_model`` the P of each), ``rules`` (name -> label),
        ``quantile_levels``, ``num_trials`` (the trials the statistics are over),
        ``candidates`` (per model key: ``k`` and per objective ``mean``,
        ``std``, ``quantiles``), ``budgets`` (per budget of the grid, in C order: the limits,
        per model the feasible and Pareto k, the points of every rule and an explanation, and
        ``cross``, the cross-model front and points). Encoded as the module docstring says.

    Examples
    --------
    >>> import frontier
    >>> from frontier._records import dumps, study_records
    >>> study = frontier.optimize(frontier.catalog()["gpt5-nano"], budget=(float("inf"),
    ...                           60.0, 0.9), k_max=8, key=0, num_trials=64)
    >>> rec = study_records(study)
    >>> rec["budgets"][0]["C_max"] is None, rec["rules"]["cheapest"]
    (True, 'cheapest feasible')
    >>> "Infinity" in dumps(rec)
    False
    """
    s = study.summary
    keys = list(scenario.models) if scenario is not None else list(study.models)
    out: dict[str, Any] = {"scenario": None}
    if scenario is not None:
        par = scenario.parallel_by_model()
        out["scenario"] = {
            "name": scenario.name, "models": keys, "ks": list(study.ks),
            "parallel": next(iter(par.values())) if len(set(par.values())) == 1 else None,
            "parallel_by_model": par, "trials": scenario.trials, "seed": scenario.seed,
            "slo": scenario.slo, "scheme": scenario.scheme, "time_model": scenario.time_model,
            "knee_normalise": scenario.knee_normalise,
        }
    out["rules"] = {r.name: r.label for r in RULES}
    out["quantile_levels"] = list(s.quantile_levels)
    out["num_trials"] = int(s.num_trials)
    out["candidates"] = {}
    for i, key in enumerate(keys):
        rec: dict[str, Any] = {
            "name": study.models[i] if scenario is None else scenario.models[key].name,
            "k": list(study.ks)}
        for obj in _OBJ:
            st = getattr(s, obj)
            rec[obj] = {f: _at(getattr(st, f), i) for f in ("mean", "std", "quantiles")}
        out["candidates"][key] = rec
    out["budgets"] = []
    for bidx in np.ndindex(*np.shape(study.budget.C_max)):
        entry: dict[str, Any] = {n: _at(v, bidx) for n, v in zip(_BUDGET, study.budget,
                                                                  strict=True)}
        entry["models"] = {}
        for i, key in enumerate(keys):
            j = (*bidx, i)
            entry["models"][key] = {
                "feasible_k": [k for k, f in zip(study.ks, np.asarray(study.feasible[j]),
                                                 strict=True) if f],
                "pareto_k": [k for k, f in zip(study.ks, np.asarray(study.pareto[j]),
                                               strict=True) if f],
                "points": {r: _point(getattr(study.points, r), j) for r in RULE_NAMES},
                "explain": study.explain(i, bidx),
            }
        front = np.nonzero(np.asarray(study.cross.pareto[bidx]))
        cross: dict[str, Any] = {"pareto": [[keys[i], study.ks[j]]
                                            for i, j in zip(*front, strict=True)]}
        for r in RULE_NAMES:
            p = getattr(study.cross.points, r)
            pt = _point(p, bidx)
            cross[r] = None if pt is None else {"model": keys[int(np.asarray(p.model)[bidx])],
                                                **pt}
        entry["cross"] = cross
        out["budgets"].append(entry)
    return json_ready(out)


def _limit_cells(b: Mapping[str, Any]) -> list[float]:
    return [_NO_LIMIT[n] if b[n] is None else b[n] for n in _BUDGET]


def study_csvs(rec: Mapping[str, Any]) -> dict[str, str]:
    """``selections.csv`` and ``candidates.csv`` of a :func:`study_records` record.

    Returns
    -------
    dict[str, str]
        File name -> CSV text. ``selections.csv``: one row per budget, scope (``model`` or
        ``cross``), model and found rule, with the k and the mean and 95% interval of each
        objective, then the rule's label. ``candidates.csv``: one row per budget, model and k,
        with the feasible, Pareto and cross-model Pareto flags and the mean, std and quantiles
        of each objective. Encoded as the module docstring says.

    Examples
    --------
    >>> from frontier._records import study_csvs
    >>> sorted(study_csvs({"quantile_levels": [], "candidates": {}, "budgets": []}))
    ['candidates.csv', 'selections.csv']
    """
    sel = io.StringIO()
    w = csv.writer(sel)
    cols = [f"{o}_{f}" for o in _OBJ for f in _EST]
    w.writerow(["C_max", "T_max", "acc_min", "scope", "model", "rule", "k", *cols, "rule_label"])

    def row(lim, scope, model, rule, p):
        w.writerow([*lim, scope, model, rule, p["k"], *[p[o][f] for o in _OBJ for f in _EST],
                    rule_info(rule).label])

    for b in rec["budgets"]:
        lim = _limit_cells(b)
        for key, mrec in b["models"].items():
            for rule, p in mrec["points"].items():
                if p is not None:
                    row(lim, "model", key, rule, p)
        for rule in RULE_NAMES:
            p = b["cross"].get(rule)
            if p is not None:
                row(lim, "cross", p["model"], rule, p)
    cand = io.StringIO()
    w = csv.writer(cand)
    lv = rec["quantile_levels"]
    qcols = [f"{o}_p{100 * q:g}" for o in _OBJ for q in lv]
    w.writerow(["C_max", "T_max", "acc_min", "model", "k", "feasible", "pareto", "cross_pareto",
                "cost_mean", "cost_std", "time_mean", "time_std", "accuracy_mean",
                "accuracy_std", *qcols])
    for b in rec["budgets"]:
        lim = _limit_cells(b)
        cross = {(m, k) for m, k in b["cross"]["pareto"]}
        for key, c in rec["candidates"].items():
            mrec = b["models"][key]
            for j, k in enumerate(c["k"]):
                qs = [c[o]["quantiles"][j][q] for o in _OBJ for q in range(len(lv))]
                w.writerow([*lim, key, k, int(k in mrec["feasible_k"]),
                            int(k in mrec["pareto_k"]), int((key, k) in cross),
                            *[c[o][f][j] for o in _OBJ for f in ("mean", "std")], *qs])
    return {"selections.csv": sel.getvalue(), "candidates.csv": cand.getvalue()}


def sensitivity_record(sens: Sensitivity, *, model: str, name: str, budget: Sequence[float],
                       parallel: int, trials: int, batches: int) -> dict[str, Any]:
    """JSON-ready record of a one-model :class:`frontier.Sensitivity` (``sensitivity.json``).

    ``rule`` is the sensitivity's rule name and ``rule_label`` its label; ``budget`` holds
    ``C_max``, ``T_max``, ``acc_min``; ``parallel`` is the P the model ran at; ``elasticity``
    maps each output to ``{input: [elasticity, standard error]}`` ranked by size. Encoded as
    the module docstring says.
    """
    return json_ready({
        "model": model, "name": name, "rule": sens.rule,
        "rule_label": rule_info(sens.rule).label, "knee_normalise": sens.knee_normalise,
        "parallel": parallel,
        "temperature": sens.temperature, "trials": trials, "batches": batches,
        "budget": dict(zip(_BUDGET, (float(v) for v in budget), strict=True)),
        "hard_k": int(sens.hard_k),
        "value": dict(zip(sens.outputs, np.asarray(sens.value).tolist(), strict=True)),
        "value_se": dict(zip(sens.outputs, np.asarray(sens.value_se).tolist(), strict=True)),
        "elasticity": {o: {n: [e, s] for n, e, s in sens.ranked(o)} for o in sens.outputs},
        "gradient": {o: dict(zip(sens.inputs, np.asarray(sens.grad[i]).tolist(), strict=True))
                     for i, o in enumerate(sens.outputs)},
    })
