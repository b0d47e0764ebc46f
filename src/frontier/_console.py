"""Console tables of the command line, formatted from the records of :mod:`frontier._records`.

Every function returns the text (without a trailing newline); the command prints it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ._models import Model
from ._records import point_probabilities
from ._rules import DEFAULT_RULES, rule_info

__all__ = ["format_budget", "format_compare", "format_models", "format_sensitivity",
           "format_study", "format_sweep"]

_W = 20  # width of the rule column


def format_models(models: Mapping[str, Model]) -> str:
    """The table of ``frontier models``: one row per model with its fields.

    Examples
    --------
    >>> import frontier
    >>> from frontier._console import format_models
    >>> print(format_models({"gpt5": frontier.catalog()["gpt5"]}).splitlines()[0].split())
    ['key', 'name', 'c_in', 'c_out', 't_in', 't_out', 'acc', 'std', 'P']
    """
    lines = [f"{'key':<28s} {'name':<34s} {'c_in':>9s} {'c_out':>9s} {'t_in':>8s}"
             f" {'t_out':>8s} {'acc':>6s} {'std':>5s} {'P':>3s}"]
    for key, m in models.items():
        lines.append(f"{key:<28s} {m.name:<34s} {m.c_in:9.3g} {m.c_out:9.3g} {m.t_in:8.2g}"
                     f" {m.t_out:8.2g} {m.acc_mean:6.3f} {m.acc_std:5.3f}"
                     f" {m.default_parallel:3d}")
    return "\n".join(lines)


def _grid(ks: Sequence[int]) -> str:
    if len(ks) > 1 and all(b - a == ks[1] - ks[0] for a, b in itertools.pairwise(ks)):
        return f"k = {ks[0]}..{ks[-1]} step {ks[1] - ks[0]}"
    return f"k in {list(ks)}"


def _parallel(by_model: Mapping[str, int]) -> str:
    if len(set(by_model.values())) == 1:
        return f"P={next(iter(by_model.values()))}"
    return "P per model: " + ", ".join(f"{k}={p}" for k, p in by_model.items())


def format_budget(b: Mapping[str, Any]) -> str:
    """A budget of the records (``None``: no limit) as ``cost <= $0.5, time <= 60 s, ...``.

    Examples
    --------
    >>> from frontier._console import format_budget
    >>> format_budget({"C_max": 0.5, "T_max": None, "acc_min": 0.88})
    'cost <= $0.5, time: no limit, accuracy >= 0.88'
    """
    def one(what, op, v, pre="", unit=""):
        return f"{what}: no limit" if v is None else f"{what} {op} {pre}{v:g}{unit}"

    return ", ".join((one("cost", "<=", b["C_max"], pre="$"), one("time", "<=", b["T_max"],
                      unit=" s"), one("accuracy", ">=", b["acc_min"])))


def _est(e: Mapping[str, Any], fmt: str) -> str:
    if e["mean"] is None:
        return "-"
    lo, hi = (f"{e[f]:{fmt}}" if e[f] is not None else "-" for f in ("lo", "hi"))
    return f"{e['mean']:{fmt}} [{lo}, {hi}]"


def _row(label: str, p: Mapping[str, Any], prob: str = "") -> str:
    return (f"  {label:<{_W}s} {p['k']:4d}  {_est(p['cost'], '.4f'):>24s}  "
            f"{_est(p['time'], '.2f'):>22s}  {_est(p['accuracy'], '.4f'):>24s}{prob}")


def _probs(rec: Mapping[str, Any], b: Mapping[str, Any], model: str | None, rule: str,
           p: Mapping[str, Any]) -> str:
    """The P(front) and P(rule) cells of a point (empty without replicates)."""
    probs = point_probabilities(rec, b, model, rule, p)
    return "" if probs is None else f"  {probs[0]:>8.2f}  {probs[2]:>7.2f}"


def format_study(rec: Mapping[str, Any], elapsed: float,
                 rules: Sequence[str] = DEFAULT_RULES) -> str:
    """The table of ``frontier run``, from :func:`frontier._records.study_records`.

    A header (scenario, grid, trials, the P each model ran at, seed, time), then per budget:
    per model its feasible and Pareto count and the operating point of each rule (k, and the
    mean and 95% interval of cost, time and accuracy), then the same across models. A study
    with replicates adds two columns to the per-model rows: ``P(front)``, the fraction of
    replicates in which that k is on the model's front, and ``P(rule)``, the fraction in
    which the rule selects that k; on the cross-model rows they are the probabilities of
    that (model, k) on the cross-model front and of the rule, applied across models,
    selecting it.
    """
    sc = rec["scenario"]
    ks = sc["ks"]
    n = len(sc["models"])
    n_rep = rec.get("replicates")
    reps = f", {n_rep} replicates" if n_rep else ""
    lines = [f"frontier: scenario {sc['name']}: {n} model{'s' * (n != 1)}, {_grid(ks)},"
             f" {sc['trials']} trials{reps}, {_parallel(sc['parallel_by_model'])}, seed"
             f" {sc['seed']} ({elapsed:.1f} s)"]
    extra = f"  {'P(front)':>8s}  {'P(rule)':>7s}" if n_rep else ""
    for b in rec["budgets"]:
        slo = f", SLO: {sc['slo']}" if sc["slo"] else ""
        lines += ["", f"budget: {format_budget(b)}{slo}",
                  f"  {'rule':<{_W}s} {'k':>4s}  {'cost $ [95%]':>24s}  {'time s [95%]':>22s}"
                  f"  {'accuracy [95%]':>24s}{extra}"]
        for key, c in rec["candidates"].items():
            m = b["models"][key]
            nf, npar = len(m["feasible_k"]), len(m["pareto_k"])
            head = f"{c['name']} ({key})"
            if not nf:
                lines.append(f"{head}: {m['explain'].split(': ', 1)[1]}")
                continue
            sat = [k for k, a in zip(c["k"], c["accuracy"]["mean"], strict=True)
                   if k in m["feasible_k"] and k not in m["pareto_k"] and a is not None
                   and a >= 1.0]
            note = (f" (from k={sat[0]} every trial reaches accuracy 1.0: those k tie and are"
                    " dominated by the smallest)" if sat else "")
            lines.append(f"{head}: {nf} feasible k, {npar} on the front{note}")
            for rule in rules:
                p, label = m["points"][rule], rule_info(rule).label
                probs = "" if p is None else _probs(rec, b, key, rule, p)
                lines.append(_row(label, p, probs) if p is not None else
                             f"  {label:<{_W}s} {'-':>4s}  (needs >= 3 Pareto points)")
        lines.append(f"across models: {len(b['cross']['pareto'])} (model, k) pairs on the front")
        for rule in rules:
            p, label = b["cross"][rule], rule_info(rule).label
            cp = "" if p is None else _probs(rec, b, None, rule, p)
            lines.append(f"{_row(label, p, cp)}  {p['model']}" if p is not None else
                         f"  {label:<{_W}s} -")
    return "\n".join(lines)


_UNITS = {"k": "", "cost": " $", "time": " s", "accuracy": ""}


def format_sensitivity(rec: Mapping[str, Any], elapsed: float,
                       outputs: Sequence[str] | None = None, top: int = 8) -> str:
    """The printout of ``frontier sensitivity``, from
    :func:`frontier._records.sensitivity_record`: the soft-selected point and, per output,
    the ``top`` elasticities ranked by size with their standard errors."""
    b = rec["budget"]
    lines = [f"frontier: sensitivity of the {rec['rule_label']} point of {rec['name']}"
             f" (budget: {format_budget(b)}; P={rec['parallel']}, {rec['trials']} trials in"
             f" {rec['batches']} batches, temperature {rec['temperature']:g}; {elapsed:.1f} s)"]
    vals = "  ".join(
        f"{o} {_g(v, '.4g')}{_UNITS[o]} (+-{_g(rec['value_se'][o], '.2g')})"
        for o, v in rec["value"].items())
    lines.append(f"soft-selected point: {vals}; hard rule picks k={rec['hard_k']}")
    for o in outputs or list(rec["elasticity"]):
        lines += ["", f"elasticity of {o}: % change per 1% change of the input (ranked)"]
        for name, (e, se) in list(rec["elasticity"][o].items())[:top]:
            lines.append(f"  {name:<12s} {_g(e, '+10.4f')}  +- {_g(se, '.2g')}")
    return "\n".join(lines)


def _g(v: float | None, fmt: str) -> str:
    return "nan" if v is None else f"{v:{fmt}}"


# ----------------------------------------------------------------------------- sweeps

def _cell(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else ""
    if isinstance(v, float):
        return f"{int(v)}" if v.is_integer() and abs(v) < 1e15 else f"{v:.4g}"
    return str(v)


def _table(rows: Sequence[Mapping[str, Any]], cols: Sequence[str], indent: str = "  ") -> list[str]:
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    width = [max([len(c)] + [len(row[j]) for row in cells]) for j, c in enumerate(cols)]
    out = [indent + "  ".join(f"{c:>{w}s}" for c, w in zip(cols, width, strict=True))]
    out += [indent + "  ".join(f"{v:>{w}s}" for v, w in zip(row, width, strict=True))
            for row in cells]
    return out


_MAX_KNOBS = 5  # knob columns of the front table; sweep.csv has them all


def _shown(rows: Sequence[Mapping[str, Any]], rec: Mapping[str, Any]) -> list[str]:
    """Columns of the front table: the knobs that vary (label first), then the objectives'
    and SLO terms' columns."""
    cols = list(rec.get("shown_knobs") or [])
    if rec.get("group_by") and rec["group_by"] not in cols:
        cols.insert(0, rec["group_by"])
    cols = cols[:_MAX_KNOBS] or ["config"]
    if rec["by"] == "run":
        cols.append("repeat")
    metric = [o["column"] for o in rec["objectives"]]
    extra = [c for c in (rows[0] if rows else {}) if c not in cols and c not in metric
             and c not in ("config", "n_runs", "source", "source_row", "repeat", "feasible",
                           "selected", "label", "group", *rec["knobs"])]
    return cols + metric + extra


def format_sweep(rec: Mapping[str, Any], elapsed: float, max_rows: int = 40) -> str:
    """The printout of ``frontier sweep``, from :func:`frontier._records.sweep_record`: what
    was read, the objectives and SLO, the front (at most ``max_rows`` rows) and the
    selection's one-line explanation."""
    inp = rec["inputs"]
    labels = inp.get("labels") or []
    lab = f", {len(labels)} labels ({', '.join(labels)})" if labels else ""
    rep = " (repeats averaged per config)" if rec["repeats"] and rec["by"] == "config" else ""
    lines = [f"frontier: sweep of {rec['runs']} runs, {rec['configs']} configs{rep}{lab}; "
             f"format {', '.join(rec['formats'])}; {len(rec['dropped'])} dropped "
             f"({elapsed:.1f} s)"]
    for d in rec["dropped"][:5]:
        row = "" if d["source_row"] is None else f" row {d['source_row']}"
        lines.append(f"  dropped {d['source']}{row}: {d['reason']}")
    if len(rec["dropped"]) > 5:
        lines.append(f"  ... {len(rec['dropped']) - 5} more (see sweep.json)")
    objs = ", ".join(f"{o['column']} ({o['sense']}, {o['unit']})" for o in rec["objectives"])
    lines.append(f"objectives: {objs}")
    lines.append(f"SLO: {rec['slo'] or 'none'}; rule: {rec['rule_text']}"
                 + (f"; per {rec['group_by']}" if rec["group_by"] else ""))
    front = rec["front"]
    lines += ["", f"front: {len(front)} {'configs' if rec['by'] == 'config' else 'runs'}"
              + (f" (per {rec['group_by']})" if rec["group_by"] else "")]
    if front:
        first = rec["objectives"][0]["column"]
        group = rec.get("group_by")
        front = sorted(front, key=lambda r: (
            _cell(r.get(group)) if group else "",
            math.inf if r.get(first) is None else r[first]))
        cols = _shown(front, rec)
        flags = [{**r, "feasible": r["feasible"], "chosen": "*" if r["selected"] else ""}
                 for r in front[:max_rows]]
        extra = (["feasible"] if rec["slo"] else []) + ["chosen"]
        lines += _table(flags, cols + extra)
        if len(front) > max_rows:
            lines.append(f"  ... {len(front) - max_rows} more (see sweep.csv)")
    lines += ["", f"selection: {rec['explanation']}"]
    return "\n".join(lines)


def _knob_text(rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> str:
    keys = [k for k in rows[0] if k not in names] if rows else []
    vary = [k for k in keys if len({_cell(r[k]) for r in rows}) > 1] or keys[:1]
    if len(vary) == 1:
        return f"{vary[0]} " + ", ".join(_cell(r[vary[0]]) for r in rows)
    return "; ".join(", ".join(f"{k}={_cell(r[k])}" for k in vary) for r in rows)


def format_compare(rec: Mapping[str, Any], elapsed: float) -> str:
    """The printout of ``frontier compare``, from :func:`frontier._records.compare_record`:
    the hypervolumes in their common normalisation and the gain, the rows each side
    dominates, and the matched-SLO shift."""
    la, lb = rec["labels"]
    names = [o["name"] for o in rec["objectives"]]
    a, b = rec["a"], rec["b"]
    lines = [f"frontier: compare {la} ({a['rows']} rows, {a['front_size']} on the front) with "
             f"{lb} ({b['rows']} rows, {b['front_size']} on the front) ({elapsed:.1f} s)"]
    shown = {o["name"]: o["column"] for o in rec["objectives"]}
    lines.append("objectives: " + ", ".join(f"{o['column']} ({o['sense']}, {o['unit']})"
                                            for o in rec["objectives"]))
    norm = rec["normalisation"]
    lines.append("normalisation: ideal " + ", ".join(f"{shown[n]}={_cell(norm['ideal'][n])}"
                                                      for n in names)
                 + "; nadir " + ", ".join(f"{shown[n]}={_cell(norm['nadir'][n])}"
                                          for n in names)
                 + f"; reference {norm['ref_normalised']:g} (normalised)")
    rel = "" if rec["gain_rel"] is None else f" ({100 * rec['gain_rel']:+.1f}%)"
    lines.append(f"hypervolume: {la} {rec['hv_a']:.4f}, {lb} {rec['hv_b']:.4f}, gain "
                 f"{rec['gain']:+.4f}{rel}")
    for (x, y, side) in ((la, lb, a), (lb, la, b)):
        rows = side["dominated_rows"]
        what = f" ({_knob_text(rows, names)})" if rows else ""
        lines.append(f"{x} rows dominated by {y}: {side['dominated']}{what}")
    sh = rec["shift"]
    if sh is not None:
        at = f" at {sh['slo']}" if sh["slo"] else ""

        def val(v, kn, explain):
            if v is None:
                return f"none ({explain})"
            where = ", ".join(f"{k}={_cell(x)}" for k, x in (kn or {}).items())
            return f"{v:.4g} {sh['unit']}" + (f" ({where})" if where else "")

        before = val(sh["a_value"], sh["a_knobs"], sh["a_explain"])
        after = val(sh["b_value"], sh["b_knobs"], sh["b_explain"])
        line = f"best {sh['target']}{at}: {la} {before} -> {lb} {after}"
        if sh["delta"] is not None:
            ratio = "" if sh["ratio"] is None else f" ({100 * (sh['ratio'] - 1):+.1f}%)"
            line += f": {sh['delta']:+.4g} {sh['unit']}{ratio}"
        lines.append(line)
    return "\n".join(lines)
