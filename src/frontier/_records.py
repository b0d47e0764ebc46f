"""Results as records: a study, a sensitivity, a sweep's selection or a comparison as a
JSON-ready dict, and a study, a sweep or a comparison as CSV texts.

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
``selections.csv`` is the name, ``rule_label`` the label), in display order. A study run with
``replicates=R`` adds ``replicates`` (``R``) at the top and, per budget and model,
``replicates`` with ``pareto`` and ``pareto_se`` (per ``k``: the fraction of replicates in
which it is on the model's front, and its standard error) and ``rules`` / ``rules_se`` (rule
-> per ``k``: the fraction in which the rule selects it); ``cross`` gets ``replicates`` with
``pareto``, a list of ``[model, k, probability, standard error]`` for every pair on the
cross-model front in at least one replicate, and ``rules`` (rule -> the same kind of list, for
every pair the rule, applied across models, selects in at least one replicate). The CSVs of
such a study add the same numbers as columns: ``selections.csv`` ``p_front``, ``p_front_se``
(the chosen point is on its front: the model's, or the cross-model one for ``cross`` rows),
``p_rule`` and ``p_rule_se`` (the rule selects it); ``candidates.csv`` ``p_pareto``,
``p_pareto_se``, ``p_cross_pareto``, ``p_cross_pareto_se`` and ``p_<rule>`` / ``p_<rule>_se``
for every rule (applied per model).

In ``sweep.json`` and ``compare.json`` a ``null`` metric value is a value the run did not
report (or, for a knob such as ``max_concurrency``, an unset limit); ``sweep.csv`` and
``compare.csv`` write it as an empty cell and the flags ``feasible``, ``front``, ``selected``
and ``dominated`` as 0/1.
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
    import pandas as pd

    from ._compare import Comparison
    from ._scenario import Scenario
    from ._sensitivity import Sensitivity
    from ._study import Study
    from ._sweeps import Selection, Sweep

__all__ = ["compare_csv", "compare_record", "dumps", "json_ready", "point_probabilities",
           "sensitivity_record", "study_csvs", "study_records", "sweep_csv", "sweep_record"]

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


def _listed(p: Any, se: Any, keys: Sequence[str], ks: Sequence[int]) -> list[list[Any]]:
    """``[model, k, p, se]`` for every (model, k) with ``p > 0`` of ``(M, K)`` arrays."""
    p, se = np.asarray(p), np.asarray(se)
    return [[keys[i], ks[j], float(p[i, j]), float(se[i, j])]
            for i, j in zip(*np.nonzero(p > 0), strict=True)]


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
    rep = study.replicates
    if rep is not None:
        out["replicates"] = int(rep.num_replicates)
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
            if rep is not None:
                entry["models"][key]["replicates"] = {
                    "pareto": _at(rep.pareto_probability, j),
                    "pareto_se": _at(rep.pareto_se, j),
                    "rules": {r: _at(rep.rule_probability[r], j) for r in RULE_NAMES},
                    "rules_se": {r: _at(rep.rule_se[r], j) for r in RULE_NAMES},
                }
        front = np.nonzero(np.asarray(study.cross.pareto[bidx]))
        cross: dict[str, Any] = {"pareto": [[keys[i], study.ks[j]]
                                            for i, j in zip(*front, strict=True)]}
        for r in RULE_NAMES:
            p = getattr(study.cross.points, r)
            pt = _point(p, bidx)
            cross[r] = None if pt is None else {"model": keys[int(np.asarray(p.model)[bidx])],
                                                **pt}
        if rep is not None:
            cross["replicates"] = {
                "pareto": _listed(rep.cross_probability[bidx], rep.cross_se[bidx], keys,
                                  study.ks),
                "rules": {r: _listed(rep.cross_rule_probability[r][bidx],
                                     rep.cross_rule_se[r][bidx], keys, study.ks)
                          for r in RULE_NAMES}}
        entry["cross"] = cross
        out["budgets"].append(entry)
    return json_ready(out)


def point_probabilities(rec: Mapping[str, Any], b: Mapping[str, Any], model: str | None,
                        rule: str, point: Mapping[str, Any]) -> tuple[float, ...] | None:
    """``(P(front), its standard error, P(rule), its standard error)`` of the point ``rule``
    chose, from a :func:`study_records` record with replicates (``None`` without).

    ``b`` is one of ``rec["budgets"]``; ``model`` the model's key for a per-model choice
    (its own front and the rule applied to it) or ``None`` for the cross-model choice
    ``b["cross"][rule]`` (the cross-model front and the rule applied across models).

    Examples
    --------
    >>> from frontier._records import point_probabilities
    >>> rec = {"candidates": {"m": {"k": [2, 4]}}}
    >>> b = {"models": {"m": {"replicates": {"pareto": [1.0, 0.5], "pareto_se": [0.0, 0.25],
    ...      "rules": {"cube": [0.0, 0.5]}, "rules_se": {"cube": [0.0, 0.25]}}}}}
    >>> point_probabilities(rec, b, "m", "cube", {"k": 4})
    (0.5, 0.25, 0.5, 0.25)
    """
    if model is None:
        rep = b["cross"].get("replicates")
        if rep is None:
            return None

        def find(rows):
            hit = [r for r in rows if r[0] == point["model"] and r[1] == point["k"]]
            return (hit[0][2], hit[0][3]) if hit else (0.0, 0.0)

        return (*find(rep["pareto"]), *find(rep["rules"][rule]))
    rep = b["models"][model].get("replicates")
    if rep is None:
        return None
    j = list(rec["candidates"][model]["k"]).index(point["k"])
    return (rep["pareto"][j], rep["pareto_se"][j], rep["rules"][rule][j],
            rep["rules_se"][rule][j])


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
        of each objective. A study with replicates adds the probability columns the module
        docstring lists. Encoded as the module docstring says.

    Examples
    --------
    >>> from frontier._records import study_csvs
    >>> sorted(study_csvs({"quantile_levels": [], "candidates": {}, "budgets": []}))
    ['candidates.csv', 'selections.csv']
    """
    sel = io.StringIO()
    w = csv.writer(sel)
    reps = bool(rec.get("replicates"))
    cols = [f"{o}_{f}" for o in _OBJ for f in _EST]
    pcols = ["p_front", "p_front_se", "p_rule", "p_rule_se"] if reps else []
    w.writerow(["C_max", "T_max", "acc_min", "scope", "model", "rule", "k", *cols, "rule_label",
                *pcols])

    def row(lim, b, scope, model, rule, p):
        probs = point_probabilities(rec, b, model if scope == "model" else None, rule, p)
        w.writerow([*lim, scope, model, rule, p["k"], *[p[o][f] for o in _OBJ for f in _EST],
                    rule_info(rule).label, *(probs if reps else ())])

    for b in rec["budgets"]:
        lim = _limit_cells(b)
        for key, mrec in b["models"].items():
            for rule, p in mrec["points"].items():
                if p is not None:
                    row(lim, b, "model", key, rule, p)
        for rule in RULE_NAMES:
            p = b["cross"].get(rule)
            if p is not None:
                row(lim, b, "cross", p["model"], rule, p)
    cand = io.StringIO()
    w = csv.writer(cand)
    lv = rec["quantile_levels"]
    qcols = [f"{o}_p{100 * q:g}" for o in _OBJ for q in lv]
    pcols = (["p_pareto", "p_pareto_se", "p_cross_pareto", "p_cross_pareto_se",
              *(f"p_{r}{e}" for r in RULE_NAMES for e in ("", "_se"))] if reps else [])
    w.writerow(["C_max", "T_max", "acc_min", "model", "k", "feasible", "pareto", "cross_pareto",
                "cost_mean", "cost_std", "time_mean", "time_std", "accuracy_mean",
                "accuracy_std", *qcols, *pcols])
    for b in rec["budgets"]:
        lim = _limit_cells(b)
        cross = {(m, k) for m, k in b["cross"]["pareto"]}
        cross_p = {(r[0], r[1]): r[2:] for r in b["cross"].get("replicates", {}).get("pareto",
                                                                                     [])}
        for key, c in rec["candidates"].items():
            mrec = b["models"][key]
            for j, k in enumerate(c["k"]):
                qs = [c[o]["quantiles"][j][q] for o in _OBJ for q in range(len(lv))]
                probs = []
                if reps:
                    rp = mrec["replicates"]
                    probs = [rp["pareto"][j], rp["pareto_se"][j],
                             *cross_p.get((key, k), (0.0, 0.0)),
                             *(v for r in RULE_NAMES
                               for v in (rp["rules"][r][j], rp["rules_se"][r][j]))]
                w.writerow([*lim, key, k, int(k in mrec["feasible_k"]),
                            int(k in mrec["pareto_k"]), int((key, k) in cross),
                            *[c[o][f][j] for o in _OBJ for f in ("mean", "std")], *qs, *probs])
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


# ----------------------------------------------------------------------------- sweeps

def _rows(df: pd.DataFrame, cols: Sequence[str]) -> list[dict[str, Any]]:
    cols = [c for c in dict.fromkeys(cols) if c in df.columns]
    return [{c: _scalar(v) for c, v in zip(cols, row, strict=True)}
            for row in df[cols].itertuples(index=False, name=None)]


def _scalar(v: Any) -> Any:
    if v is None or (not isinstance(v, str) and bool(np.ndim(v) == 0) and _missing(v)):
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _missing(v: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def sweep_columns(sweep: Sweep, sel: Selection) -> list[str]:
    """The columns a sweep's records show per row: ``config``, ``label``, the knobs,
    ``n_runs`` (or ``repeat``), the objectives' and the SLO terms' columns."""
    from ._sweeps._table import constraint_column

    head = ["config", "label", *sweep.knobs, "n_runs", "source", "source_row", "repeat"]
    return head + [t.column for t in sel.objectives] + [constraint_column(c) for c in
                                                        sel.choice.constraints]


def sweep_record(sweep: Sweep, sel: Selection, *, inputs: Mapping[str, Any] | None = None
                 ) -> dict[str, Any]:
    """JSON-ready record of a sweep and its selection (``sweep.json``).

    Parameters
    ----------
    sweep
        The :class:`frontier.Sweep`.
    sel
        Its :meth:`frontier.Sweep.select` result.
    inputs
        What was read, as the caller states it (paths, ``num_gpus``, ...); recorded as given.

    Returns
    -------
    dict
        ``inputs``; ``runs``, ``configs``, ``repeats`` (whether any config ran more than
        once), ``formats``, ``knobs``, ``shown_knobs`` (those that tell the rows apart),
        ``metrics`` (name -> unit, sense); ``objectives``
        (name, column, sense, unit), ``slo``, ``rule`` (the engine's name) and ``rule_text``
        (``"max tokens_per_gpu"``), ``by``, ``group_by``;
        ``explanation`` (one line); ``selection`` and ``cross`` (the chosen rows);
        ``front`` (the rows on the front, with ``feasible`` and ``selected``);
        ``dropped`` (every row or file left out, with its reason). Encoded as the module
        docstring says.
    """
    from ._sweeps import METRICS
    from ._sweeps._table import display_knobs

    cols = sweep_columns(sweep, sel)
    cand = sel.candidates
    front = cand[cand["front"].to_numpy(bool)]
    sizes = sweep.table.groupby("config").size()
    return json_ready({
        "inputs": dict(inputs or {}),
        "runs": len(sweep.table), "configs": int(sizes.size),
        "repeats": bool(int(sizes.max()) > 1) if sizes.size else False,
        "formats": sorted(set(sweep.table["format"])),
        "knobs": list(sweep.knobs),
        "shown_knobs": [k for k in display_knobs(cand, sweep) if k != "config"],
        "metrics": {m: {"unit": METRICS[m].unit, "sense": METRICS[m].sense}
                    for m in sweep.metrics},
        "objectives": [{"name": t.name, "column": t.column, "sense": t.sense, "unit": t.unit}
                       for t in sel.objectives],
        "slo": sel.slo or None, "rule": sel.rule, "rule_text": sel.rule_text, "by": sel.by,
        "group_by": sel.group_by,
        "explanation": sel.explanation,
        "selection": _rows(sel.rows, (["group"] if sel.group_by else []) + cols),
        "cross": None if sel.cross is None else _rows(sel.cross, cols),
        "front": _rows(front, [*cols, "feasible", "selected"]),
        "dropped": _rows(sweep.dropped, ["source", "source_row", "field", "reason"]),
    })


def sweep_csv(sel: Selection) -> str:
    """``sweep.csv``: the rows chosen on (per config or per run) with every metric and the
    ``feasible``, ``front`` and ``selected`` flags as 0/1."""
    df = sel.candidates.copy()
    for c in ("feasible", "front", "selected"):
        df[c] = df[c].astype(np.int64)
    return df.to_csv(index=False, na_rep="", lineterminator="\n")


def compare_record(cmp: Comparison, *, inputs: Mapping[str, Any] | None = None,
                   knobs: Sequence[str] = ()) -> dict[str, Any]:
    """JSON-ready record of a :class:`frontier.Comparison` (``compare.json``).

    Returns
    -------
    dict
        ``inputs``, ``labels``, ``objectives`` (name, the sweep ``column`` it is, sense,
        unit), ``hv_a``, ``hv_b``,
        ``gain``, ``gain_rel``, ``normalisation`` (``ideal``, ``nadir`` and ``ref`` per
        objective, in its units, and ``ref_normalised``: 1.1), ``a``/``b`` (rows, front
        size, the ``knobs`` of the front rows and of the rows the other side dominates) and
        ``shift`` (the matched-SLO best values, or null). Encoded as the module docstring
        says.
    """
    from ._compare import REF

    names = [o.name for o in cmp.objectives]

    def side(t, front, dom):
        kn = [k for k in knobs if k in t.knobs]

        def rows(mask):
            idx = np.flatnonzero(mask)
            return [{**{k: _scalar(np.asarray(t.knobs[k])[i]) for k in kn},
                     **{n: _scalar(np.asarray(t.stat(n))[i]) for n in names}} for i in idx]

        return {"rows": len(t), "front_size": int(front.sum()), "front": rows(front),
                "dominated": int(dom.sum()), "dominated_rows": rows(dom)}

    sh = cmp.shift
    shift = None
    if sh is not None:
        shift = sh._asdict()
        for key, t, r in (("a_knobs", cmp.a, sh.a_row), ("b_knobs", cmp.b, sh.b_row)):
            shift[key] = None if r is None else {
                k: _scalar(np.asarray(t.knobs[k])[r]) for k in knobs if k in t.knobs}
    return json_ready({
        "inputs": dict(inputs or {}), "labels": list(cmp.labels),
        "objectives": [{"name": o.name, "column": _column_of(o.name), "sense": o.sense,
                        "unit": o.unit} for o in cmp.objectives],
        "hv_a": cmp.hv_a, "hv_b": cmp.hv_b, "gain": cmp.gain, "gain_rel": cmp.gain_rel,
        "normalisation": {"ideal": dict(zip(names, cmp.ideal.tolist(), strict=True)),
                          "nadir": dict(zip(names, cmp.nadir.tolist(), strict=True)),
                          "ref": dict(zip(names, cmp.ref.tolist(), strict=True)),
                          "ref_normalised": REF},
        "a": side(cmp.a, cmp.a_front, cmp.a_dominated_by_b),
        "b": side(cmp.b, cmp.b_front, cmp.b_dominated_by_a),
        "shift": shift,
    })


def _column_of(name: str) -> str:
    """The sweep column of a table objective: a latency family is its mean (``ttft_ms`` ->
    ``mean_ttft_ms``); any other name is its own."""
    from ._sweeps._canonical import LATENCIES

    return f"mean_{name}" if name.endswith("_ms") and name[:-3] in LATENCIES else name


def compare_csv(cmp: Comparison) -> str:
    """``compare.csv``: the rows of both sides (``side`` is the label), their knobs and
    objectives, and the ``front`` and ``dominated`` (by the other side) flags as 0/1."""
    import pandas as pd

    parts = []
    for lab, t, front, dom in ((cmp.labels[0], cmp.a, cmp.a_front, cmp.a_dominated_by_b),
                               (cmp.labels[1], cmp.b, cmp.b_front, cmp.b_dominated_by_a)):
        d = {"side": [lab] * len(t), **{k: np.asarray(v) for k, v in t.knobs.items()}}
        for o in cmp.objectives:
            d[o.name] = np.asarray(t.stat(o.name), float)
        d["front"] = np.asarray(front, np.int64)
        d["dominated"] = np.asarray(dom, np.int64)
        parts.append(pd.DataFrame(d))
    return pd.concat(parts, ignore_index=True).to_csv(index=False, na_rep="",
                                                      lineterminator="\n")
