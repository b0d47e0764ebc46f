"""The self-contained HTML report (``report.html``), written from the records alone.

:func:`report_html` turns a study record (:func:`frontier._records.study_records`, i.e. the
contents of ``study.json``) into one HTML file that opens offline: inline CSS, no script, no
address outside the file, and the figures embedded as base64 PNG images. For every budget it
holds the selection tables (every number from the record: each cell carries the record's exact
value in ``data-v`` and its place in the record in ``data-j``), one plain-language line per
choice and per infeasibility (the engine's explanation), and the figures; with a sensitivity
record, the tornado plots and the ranked elasticities.

The figures are drawn from the record too: :func:`study_from_records` rebuilds a
:class:`frontier.Study` from it (means, spreads and quantiles of every candidate, the feasible
and Pareto sets, the operating points of every rule), which the :mod:`frontier.plot` functions
draw as they draw a fresh study. So ``frontier report study.json`` rebuilds the same file that
``frontier run --html`` wrote, with no simulation.

The building blocks (:func:`document`, :func:`figure_html`, :func:`choice_record` and
:func:`choice_section`) serve any engine result: a measured sweep's report is a
:func:`document` of :func:`choice_section` parts.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._console import _grid, _parallel, format_budget
from ._engine import parse_slo
from ._io import write_file
from ._records import json_ready
from ._rules import DEFAULT_RULES, RULE_NAMES, check_rules, rule_info
from ._sampling import Stats, Summary
from ._sensitivity import Sensitivity
from ._study import Budget, CrossModel, Estimate, OperatingPoint, Points, Study

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ._engine import Choice

__all__ = ["FIGURES", "RecordStudy", "choice_record", "choice_section", "document",
           "figure_html", "model_card", "report_html", "sensitivity_from_record",
           "study_from_records", "sweep_report_html", "write_report"]

#: The figure sets of :func:`report_html`: ``"summary"`` (per budget the cross-model front
#: and one small panel per model), ``"all"`` (plus each model's 3-D feasible region) and
#: ``"none"``.
FIGURES: tuple[str, ...] = ("summary", "all", "none")

#: Budgets of a grid that get figures: all of a grid of at most this many, else the first.
MAX_FIGURE_BUDGETS = 4

_OBJ = ("cost", "time", "accuracy")
_FMT = {"cost": ".4f", "time": ".2f", "accuracy": ".4f", "k": "d"}
_HEAD = {"cost": "cost ($/query)", "time": "time (s/query)", "accuracy": "accuracy"}

_CSS = """
:root { --ink: #1d2330; --muted: #5b6475; --line: #d8dde6; --bg: #ffffff; --band: #f4f6fa;
  --bad: #b22222; --accent: #1f5fbf; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 28px 32px 60px; }
header.top { border-bottom: 3px solid var(--accent); padding-bottom: 14px; margin-bottom: 18px; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 21px; margin: 30px 0 10px; }
section + section > h2, section + h2, h2 + section > h2 { padding-top: 12px;
  border-top: 1px solid var(--line); }
h3 { font-size: 17px; margin: 22px 0 8px; }
h4 { font-size: 15px; margin: 18px 0 6px; }
p.meta, p.note { color: var(--muted); margin: 4px 0; }
nav { font-size: 14px; margin: 8px 0 0; }
nav a { margin-right: 12px; }
a { color: var(--accent); }
table { border-collapse: collapse; margin: 8px 0 10px; font-size: 13.5px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left;
  white-space: nowrap; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td .ci { color: var(--muted); font-size: 12px; }
tr.none td { color: var(--muted); }
tr.sel td { background: #fff4d6; font-weight: 600; }
ul.why { margin: 6px 0 10px; padding-left: 20px; }
ul.why li { margin: 2px 0; }
.bad { color: var(--bad); }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 6px 16px 10px;
  margin: 12px 0; }
.card h4 { margin-top: 8px; }
figure { margin: 14px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.figs { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 8px; }
details { margin: 6px 0; }
.scroll { overflow-x: auto; }
summary { cursor: pointer; color: var(--accent); }
footer { margin-top: 40px; color: var(--muted); font-size: 13px;
  border-top: 1px solid var(--line); padding-top: 10px; }
"""

# one sentence per rule: how it chose (``{n}``: candidates it chose from)
_HOW_MODEL = {
    "accuracy": "the most accurate of the {nf} feasible k",
    "cube": "the feasible k with the largest (1 - C/C_max)(1 - T/T_max) A",
    "utopia": "of the {np} Pareto k the closest to the ideal (cost 0, time 0, accuracy 1) in"
              " the budget's units",
    "cheapest": "the cheapest of the {nf} feasible k",
    "knee_chord": "of the {np} Pareto k the farthest from the chord joining k = {first} and"
                  " k = {last} ({space})",
    "knee_curvature": "where the front of the {np} Pareto k, in order of k, bends most"
                      " ({space})",
    "knee_paper": "the reference code's curvature of the (cost, time) projection only, kept"
                  " for comparison (it follows Monte Carlo noise)",
}
_HOW_CROSS = {
    "accuracy": "the most accurate of the {nf} feasible (model, k) pairs",
    "cube": "the feasible pair with the largest (1 - C/C_max)(1 - T/T_max) A",
    "utopia": "of the {np} pairs on the cross-model front the closest to the ideal (cost 0,"
              " time 0, accuracy 1) in the budget's units",
    "cheapest": "the cheapest of the {nf} feasible pairs",
    "knee_chord": "of the {np} pairs on the cross-model front, ordered by cost, the farthest"
                  " from the chord joining the cheapest and the dearest ({space})",
    "knee_curvature": "where the cross-model front, ordered by cost, bends most ({space})",
    "knee_paper": "the reference code's (cost, time)-only curvature rule, kept for comparison",
}
_SPACE = {"front": "each objective scaled to the front's range",
          "budget": "in (C/C_max, T/T_max, A)"}


# ----------------------------------------------------------------------------- blocks


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def document(title: str, body: Iterable[str], *, subtitle: str = "") -> str:
    """A whole HTML page: the inline style sheet, a header, the ``body`` parts in order.

    Examples
    --------
    >>> from frontier._report import document
    >>> page = document("t", ["<p>x</p>"])
    >>> page.startswith("<!DOCTYPE html>"), "<p>x</p>" in page, "http" in page
    (True, True, False)
    """
    sub = f'<p class="meta">{subtitle}</p>' if subtitle else ""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
            f'<header class="top"><h1>{_e(title)}</h1>{sub}</header>\n'
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


def figure_html(fig: Figure, caption: str = "", *, dpi: float = 100, close: bool = True) -> str:
    """A figure as an ``<img>`` with the PNG embedded (base64), in a ``<figure>``.

    The image's ``width`` and ``height`` attributes are its size at 96 CSS pixels per inch,
    so the page lays out before the images are decoded. ``close`` closes the figure.
    """
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi)
        w, h = (float(v) * dpi for v in fig.get_size_inches())
    finally:
        if close:
            from .plot._style import pyplot

            pyplot().close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    scale = 96.0 / dpi
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    return (f'<figure><img alt="{_e(caption or "figure")}" width="{round(w * scale)}" '
            f'height="{round(h * scale)}" src="data:image/png;base64,{data}">{cap}</figure>')


def _num(value: Any, fmt: str, path: Sequence[Any], cls: str = "") -> str:
    """A number with its exact value (``data-v``) and its place in the record (``data-j``)."""
    text = "–" if value is None else format(value, fmt)
    v = "null" if value is None else repr(value)
    c = f' class="{cls}"' if cls else ""
    return (f'<span{c} data-v="{_e(v)}" data-j="{_e(json.dumps(list(path)))}">'
            f"{_e(text)}</span>")


def _estimate(e: Mapping[str, Any], fmt: str, path: Sequence[Any]) -> str:
    """``mean [lo, hi]`` of a record's estimate."""
    return (_num(e["mean"], fmt, [*path, "mean"]) + ' <span class="ci">['
            + _num(e["lo"], fmt, [*path, "lo"]) + ", " + _num(e["hi"], fmt, [*path, "hi"])
            + "]</span>")


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], num: Sequence[bool],
           row_class: Sequence[str] | None = None) -> str:
    """An HTML table; ``num`` marks the right-aligned columns; cells are HTML already."""
    ths = "".join(f'<th class="num">{h}</th>' if n else f"<th>{h}</th>"
                  for h, n in zip(head, num, strict=True))
    out = [f"<table><thead><tr>{ths}</tr></thead><tbody>"]
    for j, row in enumerate(rows):
        rc = f' class="{row_class[j]}"' if row_class and row_class[j] else ""
        tds = "".join(f'<td class="num">{c}</td>' if n else f"<td>{c}</td>"
                      for c, n in zip(row, num, strict=True))
        out.append(f"<tr{rc}>{tds}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


# ----------------------------------------------------------------------------- rebuilding


def _arr(x: Any, dtype: Any = float) -> np.ndarray:
    """A record's (nested) list as an array; ``None`` (a missing value) becomes NaN."""
    return np.array(x, dtype=dtype)


def _check_study_record(rec: Any) -> None:
    if not isinstance(rec, Mapping):
        raise ValueError(f"not a frontier study record: expected a JSON object, got "
                         f"{type(rec).__name__}")
    for key in ("candidates", "budgets", "quantile_levels"):
        if key not in rec:
            raise ValueError(f"not a frontier study record: no {key!r} (write one with "
                             "`frontier run` or frontier._records.study_records)")
    if not rec["candidates"]:
        raise ValueError("the study record has no candidates")
    if not rec["budgets"]:
        raise ValueError("the study record has no budgets")
    ks = None
    for key, c in rec["candidates"].items():
        if ks is None:
            ks = c["k"]
        elif c["k"] != ks:
            raise ValueError(f"the study record's candidates differ in k (model {key!r})")


def _trials(rec: Mapping[str, Any]) -> int | None:
    n = rec.get("num_trials")
    if n is None and rec.get("scenario"):
        n = rec["scenario"].get("trials")
    return None if n is None else int(n)


class RecordStudy(Study):
    """A :class:`frontier.Study` rebuilt from its records (:func:`study_from_records`).

    The budget axis is flat: one entry per budget of the record, in its order. ``table``
    and ``choice`` are ``None`` (the record holds the choices, not the engine state), the
    ``sem``, ``min``, ``max`` and ``quantile_error`` statistics and ``violation`` are NaN,
    and :meth:`explain` returns the record's explanations.
    """

    def explain(self, model: int | str, budget_index: tuple[int, ...] = ()) -> str:
        """The record's explanation for ``model`` under budget ``budget_index``."""
        i = self.models.index(model) if isinstance(model, str) else int(model)
        (j,) = tuple(budget_index) or (0,)
        return self._explain[j][i]  # type: ignore[attr-defined]


def study_from_records(rec: Mapping[str, Any]) -> RecordStudy:
    """A drawable :class:`frontier.Study` rebuilt from a study record (``study.json``).

    Parameters
    ----------
    rec
        :func:`frontier._records.study_records` output, or ``json.load`` of ``study.json``.

    Returns
    -------
    RecordStudy
        ``models`` are the record's model keys; the budget axis is flat (``budget_index``
        ``(j,)`` is the record's ``budgets[j]``); the summary holds the record's means,
        standard deviations and quantiles; feasible and Pareto sets, operating points and
        the cross-model view are the record's. Rules the record lacks are "not found".

    Raises
    ------
    ValueError
        For a record that is not a study record (no candidates or budgets, unequal k).

    Examples
    --------
    >>> import frontier
    >>> from frontier._records import study_records
    >>> from frontier._report import study_from_records
    >>> study = frontier.optimize(frontier.catalog()["gpt5"], budget=(0.5, 60.0, 0.88),
    ...                           k_max=16, key=0, num_trials=64)
    >>> back = study_from_records(study_records(study))
    >>> back.points.accuracy.k.tolist(), study.points.accuracy.k.tolist()
    ([[16]], [16])
    """
    _check_study_record(rec)
    keys = list(rec["candidates"])
    cands = [rec["candidates"][k] for k in keys]
    ks = tuple(int(k) for k in cands[0]["k"])
    M, K = len(keys), len(ks)
    levels = tuple(float(q) for q in rec["quantile_levels"])
    nan_mk = np.full((M, K), np.nan)

    def stats(obj: str) -> Stats:
        mean = _arr([c[obj]["mean"] for c in cands]).reshape(M, K)
        std = _arr([c[obj]["std"] for c in cands]).reshape(M, K)
        q = _arr([c[obj]["quantiles"] for c in cands]).reshape(M, K, len(levels))
        return Stats(mean, std, nan_mk, nan_mk, nan_mk, q, np.full_like(q, np.nan))

    trials = _trials(rec)
    summary = Summary(stats("cost"), stats("time"), stats("accuracy"), ks,
                      -1 if trials is None else trials, levels, False)
    budgets = rec["budgets"]
    B = len(budgets)
    no_limit = {"C_max": math.inf, "T_max": math.inf, "acc_min": -math.inf}
    budget = Budget(*(np.array([no_limit[n] if b[n] is None else float(b[n]) for b in budgets])
                      for n in Budget._fields))
    pos = {k: j for j, k in enumerate(ks)}
    feasible = np.zeros((B, M, K), bool)
    pareto = np.zeros((B, M, K), bool)
    cross_pareto = np.zeros((B, M, K), bool)
    for j, b in enumerate(budgets):
        for i, key in enumerate(keys):
            m = b["models"][key]
            feasible[j, i, [pos[k] for k in m["feasible_k"]]] = True
            pareto[j, i, [pos[k] for k in m["pareto_k"]]] = True
        for key, k in b["cross"]["pareto"]:
            cross_pareto[j, keys.index(key), pos[k]] = True

    def point(get: Callable[[int], Any], shape: tuple[int, ...], model_of: Callable) -> Any:
        found = np.zeros(shape, bool)
        model = np.full(shape, -1, np.int32)
        index = np.full(shape, -1, np.int32)
        k = np.zeros(shape, np.int32)
        est = {o: [np.full(shape, np.nan) for _ in range(3)] for o in _OBJ}
        for idx in np.ndindex(*shape):
            p = get(*idx)
            model[idx] = model_of(idx, p)
            if p is None:
                continue
            found[idx] = True
            k[idx] = p["k"]
            index[idx] = pos[p["k"]]
            for o in _OBJ:
                for s, f in enumerate(("mean", "lo", "hi")):
                    v = p[o][f]
                    est[o][s][idx] = np.nan if v is None else v
        return OperatingPoint(found, model, index, k, *(Estimate(*est[o]) for o in _OBJ))

    def per_model(rule: str) -> OperatingPoint:
        return point(lambda j, i: budgets[j]["models"][keys[i]]["points"].get(rule), (B, M),
                     lambda idx, p: idx[1])

    def cross(rule: str) -> OperatingPoint:
        return point(lambda j: budgets[j]["cross"].get(rule), (B,),
                     lambda idx, p: -1 if p is None else keys.index(p["model"]))

    sc = rec.get("scenario") or {}
    slo = parse_slo(sc["slo"]) if sc.get("slo") else ()
    study = RecordStudy(
        models=tuple(keys), ks=ks, budget=budget, slo=slo, summary=summary,
        feasible=feasible, pareto=pareto, violation=np.full((B, M, K, 3), np.nan),
        slo_ok=np.ones((M, K), bool), points=Points(*(per_model(r) for r in Points._fields)),
        cross=CrossModel(feasible, cross_pareto, Points(*(cross(r) for r in Points._fields))),
        table=None, choice=None, knee_normalise=sc.get("knee_normalise") or "front",
    )
    study._explain = [[b["models"][key]["explain"] for key in keys]  # type: ignore[attr-defined]
                      for b in budgets]
    return study


def sensitivity_from_record(rec: Mapping[str, Any]) -> Sensitivity:
    """A :class:`frontier.Sensitivity` of one model rebuilt from ``sensitivity.json``, for
    :func:`frontier.plot.tornado` (standard errors of the gradients are NaN: the record
    does not hold them).

    Raises
    ------
    ValueError
        For a record that is not a sensitivity record.
    """
    need = ("rule", "name", "value", "value_se", "elasticity", "gradient", "hard_k",
            "temperature")
    if not isinstance(rec, Mapping) or any(k not in rec for k in need):
        raise ValueError("not a frontier sensitivity record (write one with `frontier "
                         "sensitivity`): it needs " + ", ".join(need))
    outputs = tuple(rec["value"])
    inputs = tuple(next(iter(rec["gradient"].values())))
    el = _arr([[rec["elasticity"][o][n][0] for n in inputs] for o in outputs])
    el_se = _arr([[rec["elasticity"][o][n][1] for n in inputs] for o in outputs])
    grad = _arr([[rec["gradient"][o][n] for n in inputs] for o in outputs])
    return Sensitivity(
        rule=rec["rule"], temperature=float(rec["temperature"]), models=(rec["name"],),
        inputs=inputs, outputs=outputs, value=_arr([rec["value"][o] for o in outputs]),
        value_se=_arr([rec["value_se"][o] for o in outputs]), grad=grad,
        grad_se=np.full_like(grad, np.nan), elasticity=el, elasticity_se=el_se,
        hard_k=np.asarray(rec["hard_k"]), knee_normalise=rec.get("knee_normalise", "front"),
        found=True, notes=("",))


# ----------------------------------------------------------------------------- the study


def _mean(p: Mapping[str, Any], o: str) -> str:
    v = p[o]["mean"]
    if v is None:
        return "not estimable"
    return f"${v:{_FMT[o]}}" if o == "cost" else f"{v:{_FMT[o]}}"


def _cube(p: Mapping[str, Any], b: Mapping[str, Any]) -> str:
    c, t, a = (p[o]["mean"] for o in _OBJ)
    if b["C_max"] is None or b["T_max"] is None or None in (c, t, a):
        return ""
    return f" ({(1 - c / b['C_max']) * (1 - t / b['T_max']) * a:.4f})"


def _why(rule: str, p: Mapping[str, Any] | None, *, nf: int, npar: int, first: Any,
         last: Any, b: Mapping[str, Any], space: str, names: Mapping[str, str] | None,
         same: str | None, slo: bool) -> str:
    """One plain-language line: what ``rule`` chose and why (or why it chose nothing).

    ``names`` maps model keys to display names for a cross-model line (``None``: a
    per-model line).
    """
    label = _e(rule_info(rule).label)
    cross = names is not None
    if p is None:
        if rule.startswith("knee") and nf:
            where = "the cross-model front" if cross else "the front"
            return (f"<b>{label}</b>: not found: a knee needs at least 3 Pareto points and "
                    f"{where} has {npar}.")
        return f"<b>{label}</b>: not found."
    how = (_HOW_CROSS if cross else _HOW_MODEL)[rule].format(
        nf=nf, np=npar, first=first, last=last, space=_SPACE.get(space, space))
    if rule == "accuracy":
        how += f" (mean accuracy {_mean(p, 'accuracy')})"
    elif rule == "cheapest":
        how += f" (mean cost {_mean(p, 'cost')})"
    elif rule == "cube" and not slo:
        how += _cube(p, b)
    who = (f"{names.get(p['model'], p['model'])} at k = {p['k']}" if cross  # type: ignore[union-attr]
           else f"k = {p['k']}")
    tail = f"; the same choice as {same}" if same else ""
    return f"<b>{label}</b>: {_e(who)}, {_e(how)}{_e(tail)}."


def _lines(points: Mapping[str, Any], rules: Sequence[str], **kw: Any) -> str:
    seen: dict[Any, str] = {}
    out = []
    for r in rules:
        p = points.get(r)
        ident = None if p is None else (p.get("model"), p["k"])
        out.append(f"<li>{_why(r, p, same=seen.get(ident), **kw)}</li>")
        if ident is not None:
            seen.setdefault(ident, rule_info(r).label)
    return '<ul class="why">' + "".join(out) + "</ul>"


def _pm(p: Any, se: Any, path: Sequence[Any] | None) -> str:
    """``p ± se``, with both numbers tied to the record at ``path`` (``None``: not listed
    there, i.e. 0 in every replicate)."""
    if path is None:
        return '0.00 <span class="ci">± 0.00</span>'
    return (_num(p, ".2f", path[0]) + ' <span class="ci">± ' + _num(se, ".2f", path[1])
            + "</span>")


def _prob_cells(rec: Mapping[str, Any], j: int, model: str | None, rule: str,
                p: Mapping[str, Any]) -> list[str]:
    """The P(front) and P(rule) cells of the point ``rule`` chose (``[]`` without
    replicates): per model (``model``, its front) or across models (``None``)."""
    b = rec["budgets"][j]
    if model is None:
        rep = b["cross"].get("replicates")
        if rep is None:
            return []
        base: list[Any] = ["budgets", j, "cross", "replicates"]

        def cell(rows: Sequence[Sequence[Any]], path: list[Any]) -> str:
            for n, r in enumerate(rows):
                if r[0] == p["model"] and r[1] == p["k"]:
                    return _pm(r[2], r[3], ([*path, n, 2], [*path, n, 3]))
            return _pm(0.0, 0.0, None)

        return [cell(rep["pareto"], [*base, "pareto"]),
                cell(rep["rules"][rule], [*base, "rules", rule])]
    rep = b["models"][model].get("replicates")
    if rep is None:
        return []
    i = list(rec["candidates"][model]["k"]).index(p["k"])
    base = ["budgets", j, "models", model, "replicates"]
    return [_pm(rep["pareto"][i], rep["pareto_se"][i],
                ([*base, "pareto", i], [*base, "pareto_se", i])),
            _pm(rep["rules"][rule][i], rep["rules_se"][rule][i],
                ([*base, "rules", rule, i], [*base, "rules_se", rule, i]))]


def _point_rows(points: Mapping[str, Any], rules: Sequence[str], path: Sequence[Any],
                names: Mapping[str, str] | None,
                probs: Callable[[str, Mapping[str, Any]], list[str]] | None
                ) -> tuple[list[list[str]], list[str]]:
    cross = names is not None
    rows, classes = [], []
    for r in rules:
        p = points.get(r)
        label = _e(rule_info(r).label)
        if p is None:
            rows.append([label, *([""] if cross else []), "–", "–", "–", "–",
                         *(["–", "–"] if probs else [])])
            classes.append("none")
            continue
        pp = [*path, r]
        model = ([f'<span title="{_e(p["model"])}">{_e(names.get(p["model"], p["model"]))}'
                  "</span>"] if names is not None else [])
        row = [label, *model, _num(p["k"], "d", [*pp, "k"])]
        row += [_estimate(p[o], _FMT[o], [*pp, o]) for o in _OBJ]
        row += probs(r, p) if probs else []
        rows.append(row)
        classes.append("")
    return rows, classes


def _points_table(points: Mapping[str, Any], rules: Sequence[str], path: Sequence[Any],
                  names: Mapping[str, str] | None = None, highlight: str | None = None,
                  probs: Callable[[str, Mapping[str, Any]], list[str]] | None = None) -> str:
    """The table of every rule's choice; ``probs(rule, point)`` adds the P(front) and
    P(rule) cells of a study with replicates."""
    cross = names is not None
    rows, classes = _point_rows(points, rules, path, names, probs)
    classes = [f"{c} sel".strip() if r == highlight else c
               for r, c in zip(rules, classes, strict=True)]
    head = ["rule", *(["model"] if cross else []), "k",
            *(f"{_HEAD[o]}, mean [95%]" for o in _OBJ),
            *(["P(front)", "P(rule)"] if probs else [])]
    return _table(head, rows, [False, *([False] if cross else []), True, True, True, True,
                               *([True, True] if probs else [])], classes)


def _candidates_table(key: str, c: Mapping[str, Any], m: Mapping[str, Any], j: int) -> str:
    feas, par = set(m["feasible_k"]), set(m["pareto_k"])
    rep = m.get("replicates")
    base = ["budgets", j, "models", key, "replicates"]
    rows = []
    for n, k in enumerate(c["k"]):
        state = ("Pareto" if k in par else "feasible") if k in feas else "infeasible"
        row = [_num(k, "d", ["candidates", key, "k", n]), state]
        for o in _OBJ:
            row.append(_num(c[o]["mean"][n], _FMT[o], ["candidates", key, o, "mean", n]))
            row.append(_num(c[o]["std"][n], _FMT[o], ["candidates", key, o, "std", n]))
        if rep is not None:
            row.append(_pm(rep["pareto"][n], rep["pareto_se"][n],
                           ([*base, "pareto", n], [*base, "pareto_se", n])))
        rows.append(row)
    head = ["k", "status", *(f"{_HEAD[o]} {s}" for o in _OBJ for s in ("mean", "std")),
            *(["P(front)"] if rep is not None else [])]
    num = [True, False] + [True] * (6 + (rep is not None))
    return (f"<details><summary>all {len(c['k'])} candidates of {_e(key)} under this budget"
            "</summary>" + _table(head, rows, num) + "</details>")


def _header(rec: Mapping[str, Any]) -> str:
    sc = rec.get("scenario")
    keys = list(rec["candidates"])
    ks = rec["candidates"][keys[0]]["k"]
    trials = _trials(rec)
    n = len(keys)
    parts = [f"{n} model{'s' * (n != 1)}", _grid(ks),
             "trials not recorded" if trials is None else f"{trials} trials"]
    if rec.get("replicates"):
        parts.append(f"{rec['replicates']} replicates (P(front), P(rule): the fraction of"
                     " replicates in which a point is on its front, or the rule selects it)")
    if sc:
        parts += [_parallel(sc["parallel_by_model"]), f"seed {sc['seed']}",
                  f"scheme {sc['scheme']}", f"time model {sc['time_model']}",
                  f"knees: {_SPACE.get(sc['knee_normalise'], sc['knee_normalise'])}"]
        if sc.get("slo"):
            parts.append(f"SLO: {sc['slo']}")
    return " · ".join(_e(p) for p in parts)


def _pretty(text: str) -> str:
    return text.replace("<=", "≤").replace(">=", "≥")


def _names(rec: Mapping[str, Any]) -> dict[str, str]:
    return {k: c.get("name", k) for k, c in rec["candidates"].items()}


def _budget_nav(rec: Mapping[str, Any]) -> str:
    budgets = rec["budgets"]
    if len(budgets) == 1:
        return ""
    links = "".join(f'<a href="#budget-{j + 1}">budget {j + 1}</a>' for j in range(len(budgets)))
    return f"<nav>{links}</nav>"


def _grid_table(rec: Mapping[str, Any], rules: Sequence[str]) -> str:
    """One row per budget: the cross-model choice of every rule."""
    rows = []
    for j, b in enumerate(rec["budgets"]):
        row = [f'<a href="#budget-{j + 1}">{j + 1}</a>', _e(_pretty(format_budget(b)))]
        for r in rules:
            p = b["cross"].get(r)
            row.append("–" if p is None else
                       f"{_e(p['model'])} k={_num(p['k'], 'd', ['budgets', j, 'cross', r, 'k'])}")
        rows.append(row)
    head = ["#", "budget", *(_e(rule_info(r).label) for r in rules)]
    return ("<h2 id=\"grid\">Every budget at a glance</h2><p class=\"note\">The choice of every"
            " rule across models, per budget of the grid.</p>"
            + _table(head, rows, [True, False] + [False] * len(rules)))


def _budget_section(rec: Mapping[str, Any], j: int, rules: Sequence[str],
                    figs: dict[str, str]) -> str:
    b = rec["budgets"][j]
    sc = rec.get("scenario") or {}
    slo = bool(sc.get("slo"))
    space = sc.get("knee_normalise") or "front"
    names = _names(rec)
    nb = len(rec["budgets"])
    head = f"Budget {j + 1} of {nb}: " if nb > 1 else "Budget: "
    out = [f'<section id="budget-{j + 1}"><h2>{_e(head + _pretty(format_budget(b)))}'
           + (f"; SLO: {_e(_pretty(sc['slo']))}" if slo else "") + "</h2>"]
    n_feasible = sum(len(m["feasible_k"]) for m in b["models"].values())
    n_models = sum(bool(m["feasible_k"]) for m in b["models"].values())
    pareto = b["cross"]["pareto"]
    out.append("<h3>Across models</h3>")
    if n_feasible:
        out.append(f"<p>{n_models} of {len(b['models'])} models have a feasible k;"
                   f" {n_feasible} feasible (model, k) pairs, {len(pareto)} on the"
                   " cross-model Pareto front.</p>")
        probs = (functools.partial(_prob_cells, rec, j, None) if rec.get("replicates")
                 else None)
        out.append(_points_table(b["cross"], rules, ["budgets", j, "cross"], names=names,
                                 probs=probs))
        out.append(_lines(b["cross"], rules, nf=n_feasible, npar=len(pareto), first=None,
                          last=None, b=b, space=space, names=names, slo=slo))
    else:
        out.append('<p class="bad">No (model, k) pair meets the budget; the line of each'
                   " model below says which constraint binds, and by how much.</p>")
    out += [figs[name] for name in ("cross", "overview") if name in figs]
    out.append("<h3>Per model</h3>")
    for i, key in enumerate(b["models"]):
        out.append(model_card(rec, j, key, rules=rules, figure=figs.get(f"region-{i}", "")))
    out.append("</section>")
    return "\n".join(out)


def model_card(rec: Mapping[str, Any], j: int, key: str, *,
               rules: Sequence[str] = DEFAULT_RULES, figure: str = "",
               highlight: str | None = None, candidates: bool = True) -> str:
    """One model's part of a budget section: its feasibility line (the engine's explanation
    when nothing is feasible), the table of every rule's choice, a plain-language line per
    choice, ``figure`` (HTML) and, with ``candidates``, a collapsed table of every candidate.
    ``highlight`` marks one rule's row."""
    b = rec["budgets"][j]
    m = b["models"][key]
    c = rec["candidates"][key]
    sc = rec.get("scenario") or {}
    names = _names(rec)
    i = list(b["models"]).index(key)
    title = f"{names[key]} ({key})" if names[key] != key else key
    card = [f'<div class="card" id="budget-{j + 1}-model-{i + 1}"><h4>{_e(title)}</h4>']
    nf, npar = len(m["feasible_k"]), len(m["pareto_k"])
    if nf:
        fk = m["feasible_k"]
        card.append(f"<p>{nf} of {len(c['k'])} k feasible ({fk[0]}..{fk[-1]}), {npar} on"
                    " the Pareto front.</p>")
        probs = (functools.partial(_prob_cells, rec, j, key) if rec.get("replicates")
                 else None)
        card.append(_points_table(m["points"], rules, ["budgets", j, "models", key, "points"],
                                  highlight=highlight, probs=probs))
        card.append(_lines(m["points"], rules, nf=nf, npar=npar,
                           first=m["pareto_k"][0] if npar else None,
                           last=m["pareto_k"][-1] if npar else None, b=b,
                           space=sc.get("knee_normalise") or "front", names=None,
                           slo=bool(sc.get("slo"))))
    else:
        why = m["explain"].removeprefix(f"{key}: ")
        card.append(f'<p class="bad">{_e(why[:1].upper() + why[1:])}.</p>')
    card.append(figure)
    if candidates:
        card.append(_candidates_table(key, c, m, j))
    card.append("</div>")
    return "".join(card)


def _sensitivity_section(srec: Mapping[str, Any], figures: bool, dpi: float) -> str:
    from . import plot

    b = srec.get("budget") or {}
    out = ['<section id="sensitivity"><h2>Sensitivity</h2>',
           f"<p>How the {_e(srec['rule_label'] if 'rule_label' in srec else srec['rule'])}"
           f" point of {_e(srec['name'])} responds to every model field and budget value"
           f" (budget: {_e(format_budget(b)) if b else 'not recorded'}): elasticities"
           " d log(output) / d log(input), the % change of the selected point's output per 1%"
           f" change of the input, from a soft version of the rule (temperature"
           f" {srec['temperature']:g}) differentiated with jax.grad; ± one standard error"
           f" over independent key batches. The hard rule picks k = {srec['hard_k']}.</p>"]
    vals = "; ".join(f"{o} {_num(v, '.4g', ['value', o])} (± "
                     f"{_num(srec['value_se'][o], '.2g', ['value_se', o])})"
                     for o, v in srec["value"].items())
    out.append(f"<p>Soft-selected point: {vals}.</p>")
    sens = sensitivity_from_record(srec) if figures else None
    figs, tables = [], []
    for o in srec["elasticity"]:
        rows = [[_e(n), _num(e, "+.4f", ["elasticity", o, n, 0]),
                 _num(s, ".2g", ["elasticity", o, n, 1])]
                for n, (e, s) in list(srec["elasticity"][o].items())[:8]]
        tables.append(f"<div><h4>elasticity of {_e(o)}</h4>"
                      + _table(["input", "elasticity", "s.e."], rows, [False, True, True])
                      + "</div>")
        if sens is not None:
            figs.append(figure_html(plot.tornado(sens, o), f"tornado: elasticities of {o}",
                                    dpi=dpi))
    out.append('<div class="figs">' + "".join(tables) + "</div>")
    if figs:
        out.append('<div class="figs">' + "".join(figs) + "</div>")
    out.append("</section>")
    return "\n".join(out)


def _study_figures(study: RecordStudy, j: int, which: str, rules: Sequence[str],
                   names: Mapping[str, str], dpi: float) -> dict[str, str]:
    from . import plot

    bi = (j,)
    figs = {
        "cross": figure_html(plot.cross_model_front(study, budget_index=bi, rules=rules,
                                                    names=names),
                             "Every (model, k) candidate, the cross-model front and the"
                             " cross-model choices.", dpi=dpi),
        "overview": figure_html(plot.overview(study, budget_index=bi, rules=rules,
                                              names=names),
                                "Accuracy against k for every model: feasible k shaded,"
                                " the choices of each rule marked.", dpi=dpi),
    }
    if which == "all":
        for i in range(len(study.models)):
            figs[f"region-{i}"] = figure_html(
                plot.feasible_region_3d(study, i, budget_index=bi, rules=rules, names=names),
                "Mean cost, time and accuracy over k with the constraint planes.", dpi=dpi)
    return figs


def report_html(rec: Mapping[str, Any], *, sensitivity: Mapping[str, Any] | None = None,
                figures: str = "summary", rules: Sequence[str] = DEFAULT_RULES,
                dpi: float = 100, title: str | None = None) -> str:
    """The report of a study as one self-contained HTML page.

    Parameters
    ----------
    rec
        A study record: :func:`frontier._records.study_records` output, or ``json.load`` of
        ``study.json``.
    sensitivity
        A sensitivity record (``sensitivity.json``), for a section with its tornado plots
        and ranked elasticities; ``None`` for none.
    figures
        One of :data:`FIGURES`. Figures are drawn for every budget of a grid of at most
        :data:`MAX_FIGURE_BUDGETS` budgets, else for the first one (the tables cover all).
    rules
        The rules shown, in order (default: all but the reference code's ``knee_paper``).
    dpi
        Resolution of the embedded PNG images.
    title
        The page title (default: ``frontier report: <scenario>``).

    Returns
    -------
    str
        The HTML text: no script, no address outside the page; every number of the
        tables is a ``<span data-v=... data-j=...>`` whose ``data-v`` is the record's value
        (``null`` for a missing one) and ``data-j`` its path in the record (a JSON list).

    Raises
    ------
    ValueError
        For a record that is not a study record, an unknown figure set or rule.

    Examples
    --------
    >>> import frontier
    >>> from frontier._records import study_records
    >>> from frontier._report import report_html
    >>> study = frontier.optimize(frontier.catalog()["gpt5"], budget=(0.5, 60.0, 0.88),
    ...                           k_max=16, key=0, num_trials=64)
    >>> page = report_html(study_records(study), figures="none")
    >>> "accuracy-optimal</b>: k = 16" in page
    True
    """
    _check_study_record(rec)
    if figures not in FIGURES:
        raise ValueError(f"`figures` must be one of {FIGURES}, got {figures!r}")
    rules = tuple(r for r in check_rules(rules) if r in RULE_NAMES)
    sc = rec.get("scenario") or {}
    name = sc.get("name")
    title = title or ("frontier report" + (f": scenario {name}" if name else ""))
    budgets = rec["budgets"]
    drawn = range(len(budgets)) if len(budgets) <= MAX_FIGURE_BUDGETS else range(1)
    study = study_from_records(rec) if figures != "none" else None
    names = _names(rec)
    body = [_budget_nav(rec)]
    if figures != "none" and len(budgets) > MAX_FIGURE_BUDGETS:
        body.append(f'<p class="note">Figures are drawn for budget 1 only (the grid has'
                    f" {len(budgets)}); the tables cover every budget.</p>")
    if len(budgets) > 1:
        body.append(_grid_table(rec, rules))
    for j in range(len(budgets)):
        figs = (_study_figures(study, j, figures, rules, names, dpi)
                if study is not None and j in drawn else {})
        body.append(_budget_section(rec, j, rules, figs))
    if sensitivity is not None:
        body.append(_sensitivity_section(sensitivity, figures != "none", dpi))
    body.append("<footer>Written by frontier from the study's records (study.json): every"
                " number above is the record's, rounded for display. Rules: "
                + "; ".join(f"<b>{_e(rule_info(r).label)}</b>: {_e(rule_info(r).description)}"
                            for r in rules)
                + ". Means over the trials; [95%] is the 2.5–97.5 percentile range over"
                " trials.</footer>")
    return document(title, body, subtitle=_header(rec))


def write_report(path: str | os.PathLike, rec: Mapping[str, Any], **kwargs: Any) -> None:
    """Write :func:`report_html` of ``rec`` to ``path`` atomically
    (:func:`frontier._io.write_file`); ``kwargs`` as :func:`report_html`."""
    write_file(path, report_html(rec, **kwargs))


# ----------------------------------------------------------------------------- any choice


def _rule_label(rule: str) -> str:
    if rule in RULE_NAMES:
        return rule_info(rule).label
    if rule == "best:accuracy":
        return rule_info("accuracy").label
    if rule == "best:cost":
        return rule_info("cheapest").label
    return rule.replace("best:", "best ")


def choice_record(choice: Choice, *, knobs: Sequence[str] | None = None,
                  index: tuple[int, ...] = (), noun: str = "candidate") -> dict[str, Any]:
    """A JSON-ready record of an engine :class:`frontier.Choice` at one limit index.

    For a measured sweep (or any table): per group (``"*"``: across groups) the number of
    feasible candidates, the engine's explanation, and per rule the chosen row with its
    knob values and the means of the objectives (``None``: the rule chose nothing).

    Examples
    --------
    >>> import pandas as pd, frontier
    >>> from frontier._report import choice_record
    >>> df = pd.DataFrame({"concurrency": [1, 4, 16], "p99_ttft_ms": [40.0, 60.0, 900.0],
    ...                    "tokens_per_gpu": [100.0, 380.0, 1500.0]})
    >>> t = frontier.Table.from_frame(df, {"ttft_ms": "min", "tokens_per_gpu": "max"})
    >>> ch = frontier.choose(t, objectives=["tokens_per_gpu"], slo="p99 ttft_ms <= 500")
    >>> rec = choice_record(ch, knobs=["concurrency"])
    >>> rec["groups"]["all"]["picks"]["best:tokens_per_gpu"]["knobs"]
    {'concurrency': 4}
    """
    table = choice.table
    knobs = list(table.knobs if knobs is None else knobs)
    objs = [table.objective(n) for n in choice.objectives]
    lim = np.asarray(choice.limits)[tuple(index)]
    out: dict[str, Any] = {
        "objectives": [{"name": o.name, "sense": o.sense, "unit": o.unit} for o in objs],
        "constraints": [{"objective": c.objective, "stat": c.stat, "op": c.op,
                         "value": float(v)} for c, v in zip(choice.constraints, lim,
                                                            strict=True)],
        "knobs": knobs, "groups": {}}

    def pick(rule: str, group: Any) -> dict[str, Any] | None:
        r = choice.pick(rule, group, index)
        if r is None:
            return None
        vals = {k: np.asarray(table.knobs[k])[r] for k in knobs}
        return {"row": r, "knobs": {k: v.item() if isinstance(v, np.generic) else v
                                    for k, v in vals.items()},
                "means": {o.name: float(np.asarray(table.stat(o.name))[r]) for o in objs}}

    groups = [(g, "all" if g is None else str(g)) for g in choice.groups]
    if choice.cross_picks is not None:
        groups.append(("*", "*"))
    feas = np.asarray(choice.feasible)[tuple(index)]
    for g, name in groups:
        rows = (np.arange(len(table)) if g == "*" else
                np.nonzero(choice.group == choice._group_index(g))[0])
        out["groups"][name] = {
            "candidates": len(rows), "feasible": int(feas[rows].sum()),
            "explain": ("" if g == "*" else choice.explain(g, index, noun=noun, knobs=knobs)),
            "picks": {r: pick(r, g) for r in choice.rules}}
    return json_ready(out)


def choice_section(rec: Mapping[str, Any], *, title: str,
                   figures: Sequence[str] = ()) -> str:
    """A report section of a :func:`choice_record`: per group a table of the rules' choices
    (knob values and objective means, each number with ``data-v``/``data-j``), the
    engine's explanation, and the given ``figures`` (:func:`figure_html` output).

    Examples
    --------
    >>> from frontier._report import choice_section, document
    >>> rec = {"objectives": [{"name": "x", "sense": "max", "unit": ""}], "knobs": ["c"],
    ...        "constraints": [], "groups": {"all": {"candidates": 1, "feasible": 1,
    ...        "explain": "1 of 1 candidates feasible",
    ...        "picks": {"best:x": {"row": 0, "knobs": {"c": 4}, "means": {"x": 2.5}}}}}}
    >>> page = document("sweep", [choice_section(rec, title="A sweep")])
    >>> 'data-v="2.5"' in page
    True
    """
    objs = rec["objectives"]
    knobs = rec["knobs"]
    out = [f"<section><h2>{_e(title)}</h2>"]
    if rec["constraints"]:
        terms = [f"{c['stat'] if isinstance(c['stat'], str) else 'p%g' % (100 * c['stat'])}"
                 f" {c['objective']} {c['op']} {c['value']:g}" for c in rec["constraints"]
                 if math.isfinite(c["value"])]
        if terms:
            out.append(f"<p>Constraints: {_e(_pretty(' and '.join(terms)))}.</p>")
    for g, grec in rec["groups"].items():
        head = "Across groups" if g == "*" else ("" if g == "all" else g)
        if head:
            out.append(f"<h3>{_e(head)}</h3>")
        if grec["explain"]:
            cls = "" if grec["feasible"] else ' class="bad"'
            out.append(f"<p{cls}>{_e(grec['explain'])}.</p>")
        rows, classes = [], []
        for rule, p in grec["picks"].items():
            if p is None:
                rows.append([_e(_rule_label(rule)), *(["–"] * (len(knobs) + len(objs)))])
                classes.append("none")
                continue
            path = ["groups", g, "picks", rule]
            row = [_e(_rule_label(rule))]
            row += [_num(p["knobs"][k], "g" if isinstance(p["knobs"][k], float) else "",
                         [*path, "knobs", k]) if isinstance(p["knobs"][k], int | float)
                    else _e(p["knobs"][k]) for k in knobs]
            row += [_num(p["means"][o["name"]], ".4g", [*path, "means", o["name"]])
                    for o in objs]
            rows.append(row)
            classes.append("")
        head_row = ["rule", *map(_e, knobs),
                    *(_e(o["name"] + (f" ({o['unit']})" if o["unit"] else "") + ", mean")
                      for o in objs)]
        out.append(_table(head_row, rows, [False] + [True] * (len(knobs) + len(objs)),
                          classes))
    out += list(figures)
    out.append("</section>")
    return "\n".join(out)


def _frame_table(df: Any, *, highlight: str | None = None) -> str:
    """A pandas DataFrame as an HTML table: numbers right-aligned (4 significant digits,
    ``data-v`` the exact value), booleans as yes/no, rows where ``highlight`` is true marked."""
    cols = list(df.columns)
    import pandas as pd

    num = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
           for c in cols]

    def cell(c: str, v: Any, j: int) -> str:
        if isinstance(v, bool | np.bool_):
            return "yes" if v else ""
        if isinstance(v, int | float | np.integer | np.floating):
            v = v.item() if isinstance(v, np.generic) else v
            return _num(None if isinstance(v, float) and math.isnan(v) else v,
                        "d" if isinstance(v, int) else ".4g", ["rows", j, c])
        return _e(v)

    rows = [[cell(c, df[c].iloc[j], j) for c in cols] for j in range(len(df))]
    classes = (["sel" if bool(x) else "" for x in df[highlight]] if highlight else None)
    return _table([_e(c) for c in cols], rows, num, classes)


def sweep_report_html(sweep: Any, selection: Any, *, figures: bool = True,
                      dpi: float = 100) -> str:
    """The self-contained HTML report of a measured sweep and one selection on it.

    One page that opens offline: what was read, the selection's explanation, per group the
    rules' choices (:func:`choice_section`), the figures embedded as PNG
    (:func:`frontier.plot.throughput_latency` and, with a concurrency,
    :func:`frontier.plot.serving_frontier`) and the table of every config with its feasibility,
    front membership and the chosen ones marked.

    Parameters
    ----------
    sweep
        A :class:`frontier.Sweep`.
    selection
        Its :meth:`frontier.Sweep.select` result.
    figures
        Embed the figures (``False``: tables and text only).
    dpi
        Resolution of the embedded figures.

    Returns
    -------
    str
        The HTML page.

    Examples
    --------
    >>> import tempfile, pathlib, json, frontier
    >>> from frontier._report import sweep_report_html
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "runs.json"
    >>> _ = f.write_text(json.dumps([{"max_concurrency": c, "output_throughput": x,
    ...     "p99_ttft_ms": t} for c, x, t in [(1, 100.0, 40.0), (16, 1300.0, 80.0),
    ...                                       (64, 3000.0, 900.0)]]))
    >>> sw = frontier.read_sweep(f)
    >>> page = sweep_report_html(sw, sw.select("p99 ttft_ms <= 500"), figures=False)
    >>> "max_concurrency=16" in page, "http" in page
    (True, False)
    """
    from . import plot

    table = selection.choice.table
    knobs = [k for k in table.knobs if k != "config"]
    rec = choice_record(selection.choice, knobs=knobs, noun="config")
    figs: list[str] = []
    if figures:
        figs.append(figure_html(plot.throughput_latency(sweep, selection),
                                "throughput against latency, one point per config", dpi=dpi))
        if "tokens_per_user" in sweep.metrics:
            figs.append(figure_html(plot.serving_frontier(sweep, selection),
                                    "the serving frontier: tokens/s per user against per GPU",
                                    dpi=dpi))
    n_runs = len(sweep.table)
    labels = sorted(set(sweep.table["label"])) if "label" in sweep.table else []
    fmt = ", ".join(sorted(set(map(str, sweep.table["format"])))) if "format" in sweep.table \
        else ""
    what = (f"{n_runs} runs, {len(selection.candidates)} configs"
            + (f", labels {', '.join(map(str, labels))}" if labels else "")
            + (f"; format {fmt}" if fmt else ""))
    body = [f'<section><p>{_e(what)}.</p><p>{_e(selection.explanation)}</p>'
            "</section>",
            choice_section(rec, title="Choice", figures=figs),
            '<section><h2>Every config</h2><div class="scroll">'
            + _frame_table(selection.candidates, highlight="selected") + "</div></section>"]
    return document("frontier sweep", body,
                    subtitle=_e(f"rule: {_rule_label(selection.rule)}"))
