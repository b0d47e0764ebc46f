"""Console tables of the command line, formatted from the records of :mod:`frontier._records`.

Every function returns the text (without a trailing newline); the command prints it.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from ._models import Model
from ._rules import DEFAULT_RULES, rule_info

__all__ = ["format_budget", "format_models", "format_sensitivity", "format_study"]

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


def _row(label: str, p: Mapping[str, Any]) -> str:
    return (f"  {label:<{_W}s} {p['k']:4d}  {_est(p['cost'], '.4f'):>24s}  "
            f"{_est(p['time'], '.2f'):>22s}  {_est(p['accuracy'], '.4f'):>24s}")


def format_study(rec: Mapping[str, Any], elapsed: float,
                 rules: Sequence[str] = DEFAULT_RULES) -> str:
    """The table of ``frontier run``, from :func:`frontier._records.study_records`.

    A header (scenario, grid, trials, the P each model ran at, seed, time), then per budget:
    per model its feasible and Pareto count and the operating point of each rule (k, and the
    mean and 95% interval of cost, time and accuracy), then the same across models.
    """
    sc = rec["scenario"]
    ks = sc["ks"]
    n = len(sc["models"])
    lines = [f"frontier: scenario {sc['name']}: {n} model{'s' * (n != 1)}, {_grid(ks)},"
             f" {sc['trials']} trials, {_parallel(sc['parallel_by_model'])}, seed {sc['seed']}"
             f" ({elapsed:.1f} s)"]
    for b in rec["budgets"]:
        slo = f", SLO: {sc['slo']}" if sc["slo"] else ""
        lines += ["", f"budget: {format_budget(b)}{slo}",
                  f"  {'rule':<{_W}s} {'k':>4s}  {'cost $ [95%]':>24s}  {'time s [95%]':>22s}"
                  f"  {'accuracy [95%]':>24s}"]
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
                lines.append(_row(label, p) if p is not None else
                             f"  {label:<{_W}s} {'-':>4s}  (needs >= 3 Pareto points)")
        lines.append(f"across models: {len(b['cross']['pareto'])} (model, k) pairs on the front")
        for rule in rules:
            p, label = b["cross"][rule], rule_info(rule).label
            lines.append(f"{_row(label, p)}  {p['model']}" if p is not None else
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
