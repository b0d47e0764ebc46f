"""A sweep as a :class:`frontier.Table`, and the names written against a sweep.

How a metric column becomes an (objective, statistic) of the table
------------------------------------------------------------------
``{stat}_{family}_ms``
    A latency statistic: objective ``{family}_ms`` (``ttft_ms``, ``tpot_ms``, ``itl_ms``,
    ``e2el_ms``, ``ntpot_ms``), statistic ``stat`` (``median`` is ``p50``). So
    ``p99_ttft_ms`` is the statistic ``p99`` of the objective ``ttft_ms`` and an SLO says
    ``"p99 ttft_ms <= 500"``. The objective's ``mean`` is the ``mean_{family}_ms`` column;
    where the sweep has none it is NaN (never a quantile standing in for it).
every other metric ``x``
    Objective ``x`` with one statistic, ``mean``: the run's value (``output_throughput``,
    ``tokens_per_gpu``, ``cost_per_mtok``, ...).

Fronts and rules work on each objective's ``mean``. A front over a latency *percentile*
names the column: ``"p99_ttft_ms"`` as an objective adds an objective of that name whose
mean is the p99 column. Units and senses come from :data:`frontier._sweeps.METRICS`; every
metric is non-negative, so its bounds are ``(0, inf)``.

Objective names
---------------
A canonical column (``"p99_ttft_ms"``, ``"output_throughput"``), a latency family
(``"ttft_ms"``: its mean, the same as ``"mean_ttft_ms"``), or a name of the table. A sense
given with a name must be the metric's own (a latency is minimised, a throughput
maximised): a contradiction is an error, not a silent flip.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from .._engine import RULES, Constraint, parse_slo
from .._table import Objective, Table, stat_name
from ._canonical import LATENCIES, METRICS, STATS

if TYPE_CHECKING:  # pragma: no cover
    from . import Sweep

__all__ = ["Term", "default_objectives", "default_target", "frame", "resolve_objectives",
           "resolve_rule", "resolve_slo", "to_table"]

_LAT = re.compile(rf"^({'|'.join(map(re.escape, STATS))})_({'|'.join(LATENCIES)})_ms$")
_BOUNDS = (0.0, math.inf)
#: Preferred latency and throughput columns of the default front, best first.
_DEFAULT_LATENCY = tuple(f"{s}_{f}_ms" for f in ("ttft", "e2el") for s in
                         ("p99", "p95", "p90", "mean", "median"))
_DEFAULT_THROUGHPUT = ("tokens_per_gpu", "output_throughput", "total_token_throughput",
                       "request_throughput")


class Term(NamedTuple):
    """An objective resolved against a sweep.

    ``name`` is the objective of the table (``"ttft_ms"``, ``"p99_ttft_ms"``,
    ``"output_throughput"``); ``column`` the sweep column holding its mean; ``sense``,
    ``unit`` and ``description`` come from the metric.
    """

    name: str
    column: str
    sense: str
    unit: str
    description: str


def _objective_name(column: str) -> str:
    return column.replace(".", "_")


def _families(metrics: Sequence[str]) -> dict[str, dict[str, str]]:
    """Objective name -> {statistic -> column}, for every metric of the sweep."""
    out: dict[str, dict[str, str]] = {}
    for c in metrics:
        m = _LAT.match(c)
        if m:
            out.setdefault(f"{m.group(2)}_ms", {})[stat_name(m.group(1))] = c
        else:
            out.setdefault(c, {})["mean"] = c
    return out


def _term(column: str, name: str | None = None) -> Term:
    info = METRICS[column]
    return Term(name or _objective_name(column), column, info.sense, info.unit,
                info.description)


def catalog(sweep: Sweep) -> str:
    """The sweep's objectives in one line: ``output_throughput, ttft_ms [mean, p50, p99]``."""
    parts = []
    for name, cols in _families(sweep.metrics).items():
        parts.append(name if list(cols) == ["mean"] or name in cols.values()
                     else f"{name} [{', '.join(sorted(cols))}]")
    return ", ".join(parts)


def _suggest(name: str, sweep: Sweep) -> str:
    known = list(sweep.metrics) + [f for f in _families(sweep.metrics) if f not in
                                   sweep.metrics]
    near = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(near)}?)" if near else ""
    return f"{hint}; this sweep has {catalog(sweep)}"


def resolve_objective(sweep: Sweep, name: str, what: str = "objectives") -> Term:
    """The :class:`Term` of an objective name written against ``sweep``."""
    if not isinstance(name, str):
        raise TypeError(f"`{what}`: an objective name must be a string, got {name!r}")
    fams = _families(sweep.metrics)
    if name in sweep.metrics:
        m = _LAT.match(name)
        if m and m.group(1) == "mean":
            return _term(name, f"{m.group(2)}_ms")
        return _term(name)
    if name in fams:  # a latency family: its mean
        col = fams[name].get("mean")
        if col is None:
            raise ValueError(
                f"`{what}`: this sweep has no mean of {name} (no column mean_{name}); its "
                f"{name} statistics are {sorted(fams[name])}: name one, e.g. "
                f"'{fams[name][sorted(fams[name])[-1]]}'")
        return _term(col, name)
    fam = next((f for f in LATENCIES if name in (f, f"{f}_s", f"{f}_ms")), None)
    if fam is not None and f"{fam}_ms" not in fams:
        raise ValueError(f"`{what}`: this sweep has no {fam} latency (no column "
                         f"'<stat>_{fam}_ms'){_suggest(name, sweep)}")
    if name in METRICS:
        raise ValueError(f"`{what}`: this sweep has no column {name!r}{_suggest(name, sweep)}")
    raise ValueError(f"`{what}`: unknown metric {name!r}{_suggest(name, sweep)}")


def _check_sense(t: Term, sense: Any, what: str) -> None:
    if sense not in ("min", "max"):
        raise ValueError(f"`{what}`: the sense of {t.name!r} must be 'min' or 'max', got "
                         f"{sense!r}")
    if sense != t.sense:
        better = "smaller" if t.sense == "min" else "larger"
        raise ValueError(
            f"`{what}`: {sense} {t.column} contradicts the metric: {t.column} "
            f"({t.description}, {t.unit}) is better when {better}, so its sense is "
            f"{t.sense!r}")


def resolve_objectives(sweep: Sweep, objectives: Any,
                       what: str = "objectives") -> tuple[Term, ...]:
    """Terms of ``objectives``: a mapping name -> ``"min"``/``"max"``, a sequence of names
    (each in its metric's sense), or None (:func:`default_objectives`)."""
    if objectives is None:
        return default_objectives(sweep)
    if isinstance(objectives, str):
        raise TypeError(f"`{what}` must be a mapping name -> 'min'/'max' or a sequence of "
                        f"names, e.g. {{'p99_ttft_ms': 'min', 'output_throughput': 'max'}}; "
                        f"got the string {objectives!r}")
    if isinstance(objectives, Mapping):
        items = list(objectives.items())
    else:
        items = [(n, None) for n in objectives]
    if not items:
        raise ValueError(f"`{what}` is empty")
    out: list[Term] = []
    for name, sense in items:
        t = resolve_objective(sweep, name, what)
        if sense is not None:
            _check_sense(t, sense, what)
        if any(o.name == t.name for o in out):
            raise ValueError(f"`{what}` names {t.name!r} twice")
        out.append(t)
    return tuple(out)


def _usable(sweep: Sweep, column: str) -> bool:
    return column in sweep.table and bool(np.isfinite(
        sweep.table[column].to_numpy(dtype=float)).any())


def default_objectives(sweep: Sweep) -> tuple[Term, ...]:
    """The latency-throughput frontier: the first of p99/p95/p90/mean/median TTFT (then
    E2E latency) the sweep measures, minimised, and :func:`default_target`, maximised."""
    lat = next((c for c in _DEFAULT_LATENCY if _usable(sweep, c)), None)
    thr = default_target(sweep)
    terms = [resolve_objective(sweep, c) for c in (lat, thr) if c is not None]
    if not terms:
        raise ValueError("`objectives`: this sweep has no latency or throughput to default "
                         f"to; name the objectives (its metrics are {list(sweep.metrics)})")
    return tuple(terms)


def default_target(sweep: Sweep) -> str | None:
    """``tokens_per_gpu`` where the GPU count is known, else output, total-token or request
    throughput: the first the sweep measures."""
    return next((c for c in _DEFAULT_THROUGHPUT if _usable(sweep, c)), None)


def _stat_text(stat: Any) -> str:
    return stat if isinstance(stat, str) else stat_name(stat)


def resolve_slo(sweep: Sweep, slo: Any) -> tuple[Constraint, ...]:
    """SLO terms checked against the sweep's columns and spelt as table objectives.

    ``"p99 ttft_ms <= 500"``, ``"ttft_ms.p99 <= 500"`` and ``"p99_ttft_ms <= 500"`` are the
    same term; a statistic the sweep does not hold is an error naming the ones it holds.
    """
    terms = parse_slo(slo)
    fams = _families(sweep.metrics)
    out = []
    for c in terms:
        obj, stat = c.objective, c.stat
        m = _LAT.match(obj)
        if m and stat == "mean":  # "p99_ttft_ms <= 500": the column's name
            obj, stat = f"{m.group(2)}_ms", m.group(1)
            stat = 0.5 if stat == "median" else (
                round(float(stat[1:]) / 100.0, 10) if stat.startswith("p") else stat)
        elif m:
            raise ValueError(f"`slo`: {_stat_text(c.stat)} {obj} names two statistics; write "
                             f"'{_stat_text(c.stat)} {m.group(2)}_ms' or '{obj}'")
        if obj not in fams:
            fam = next((f for f in LATENCIES if obj in (f, f"{f}_s")), None)
            if fam is not None and f"{fam}_ms" in fams:
                raise ValueError(f"`slo`: write {fam}_ms (milliseconds) for {obj!r}")
            resolve_objective(sweep, obj, "slo")  # raises, naming the metrics
            raise ValueError(f"`slo`: {obj!r} is not an objective of this sweep")
        key = stat_name(stat)
        if key not in fams[obj]:
            held = sorted(fams[obj])
            if held == ["mean"] and obj in sweep.metrics:  # a one-value metric
                raise ValueError(f"`slo`: {obj} has one value per run, so no {key}; write "
                                 f"'{obj} {c.op} {c.value:g}'")
            col = (f"{key}_{obj}" if key != "p50" else f"median_{obj}")
            raise ValueError(f"`slo`: {key} {obj} needs the column {col}, which this sweep "
                             f"lacks; its {obj} statistics are {held}")
        out.append(Constraint(obj, stat, c.op, c.value))
    return tuple(out)


def constraint_column(c: Constraint) -> str:
    """The sweep column a resolved SLO term reads: ``p99 ttft_ms`` -> ``p99_ttft_ms``."""
    if c.objective.endswith("_ms") and c.objective[:-3] in LATENCIES:
        stat = _stat_text(c.stat)
        return f"{'median' if stat == 'p50' else stat}_{c.objective}"
    return c.objective


_BEST = re.compile(r"^\s*(max|min|best)\s*[: ]\s*(\S+)\s*$")


class Rule(NamedTuple):
    """A rule resolved for the engine: its name in :attr:`frontier.Choice.picks`, the
    objective it optimises (``best:`` rules) and how to say it."""

    engine: str
    term: Term | None
    text: str


def resolve_rule(sweep: Sweep, rule: str | None) -> Rule:
    """``"max NAME"``/``"min NAME"`` (validated against the metric's sense), ``"best:NAME"``
    (the metric's own sense), an engine rule name, or None (``max`` of
    :func:`default_target`)."""
    if rule is None:
        target = default_target(sweep)
        if target is None:
            raise ValueError("`rule`: this sweep has no throughput to maximise; pass a rule "
                             f"such as 'min p99_ttft_ms' or one of {list(RULES)}")
        rule = f"max {target}"
    if not isinstance(rule, str):
        raise TypeError(f"`rule` must be a string such as 'max tokens_per_gpu' or "
                        f"'knee_chord', got {rule!r}")
    if rule in RULES:
        return Rule(rule, None, rule)
    m = _BEST.match(rule)
    if m is None:
        raise ValueError(f"`rule`: unknown rule {rule!r}; write 'max NAME' or 'min NAME' (the "
                         f"best feasible config on one metric) or one of {list(RULES)}")
    word, name = m.groups()
    t = resolve_objective(sweep, name, "rule")
    if word != "best" and word != t.sense:
        better = "smaller" if t.sense == "min" else "larger"
        raise ValueError(f"`rule`: {word} {name} contradicts the metric: {t.column} is better "
                         f"when {better}; write '{t.sense} {name}'")
    return Rule(f"best:{t.name}", t, f"{t.sense} {t.column}")


# --------------------------------------------------------------------------- the table

def frame(sweep: Sweep, by: str = "run") -> pd.DataFrame:
    """The rows a table is built from: ``sweep.table`` (``by="run"``) or one row per
    config (``by="config"``): its knobs, ``n_runs`` and the mean of every metric over its
    repeats (NaN values skipped), in config order."""
    if by == "run":
        return sweep.table
    if by != "config":
        raise ValueError(f"`by` must be 'config' (per-config means of the repeats) or 'run' "
                         f"(every run on its own), got {by!r}")
    t = sweep.table
    keys = [c for c in ("label",) if c in t] + list(sweep.knobs)
    metrics = list(sweep.metrics)
    cfg = t["config"].to_numpy()
    if len(t) and (np.diff(cfg) == 1).all() and cfg[0] == 0:  # no repeats: rows are configs
        out = t[["config", *keys]].copy()
        out["n_runs"] = np.int64(1)
        return pd.concat([out, t[metrics]], axis=1).reset_index(drop=True)
    g = t.groupby("config", sort=True)
    first = t.drop_duplicates("config").set_index("config").sort_index()
    out = first[keys].copy()
    out["n_runs"] = g.size().astype(np.int64)
    out = pd.concat([out, g[metrics].mean()], axis=1)
    return out.reset_index()


def knob_names(sweep: Sweep, by: str) -> list[str]:
    """The knob columns of the table: ``label``, the sweep's knobs, ``config`` (and
    ``repeat`` for runs)."""
    extra = ["config"] + (["repeat"] if by == "run" else [])
    return [c for c in ("label",) if c in sweep.table] + list(sweep.knobs) + extra


def table_from_frame(df: pd.DataFrame, metrics: Sequence[str], knobs: Sequence[str],
                     extra: Sequence[Term] = (), meta: Mapping[str, Any] | None = None) -> Table:
    """The :class:`frontier.Table` of ``df``: ``extra`` objectives first, then one per
    metric family (see the module notes)."""
    n = len(df)
    fams = _families([c for c in metrics if c in df.columns])
    objs: list[Objective] = []
    stats: dict[str, dict[str, Any]] = {}

    def col(c: str) -> np.ndarray:
        return df[c].to_numpy(dtype=float)

    for t in extra:
        objs.append(Objective(t.name, t.sense, t.unit, _BOUNDS))
        stats[t.name] = {"mean": col(t.column)}
    for name, cols in fams.items():
        if name in stats:
            continue
        first = METRICS[next(iter(cols.values()))]
        objs.append(Objective(name, first.sense, first.unit, _BOUNDS))
        s = {k: col(c) for k, c in cols.items()}
        s.setdefault("mean", np.full(n, np.nan))
        stats[name] = s
    kn = {k: _knob(df[k]) for k in knobs}
    return Table(kn, tuple(objs), stats, dict(meta or {}))


def _knob(col: pd.Series) -> np.ndarray:
    """A knob column; whole-number floats (a CSV's ``16.0``) become int64, so that labels
    read ``max_concurrency=16``."""
    v = col.to_numpy()
    if v.dtype.kind == "f" and v.size and np.isfinite(v).all() and (v == np.round(v)).all() \
            and np.abs(v).max() < 2**53:
        return v.astype(np.int64)
    return v


def to_table(sweep: Sweep, objectives: Any = None, *, by: str = "run") -> Table:
    """See :meth:`frontier.Sweep.to_table`."""
    terms = resolve_objectives(sweep, objectives) if objectives is not None else ()
    df = frame(sweep, by)
    meta = {"source": "sweep", "by": by,
            "predicted": bool(sweep.table["predicted"].any()) if len(sweep.table) else False}
    # statistic-specific objectives (p99_ttft_ms) are added; family means are already there
    extra = [t for t in terms if t.name == t.column]
    return table_from_frame(df, sweep.metrics, knob_names(sweep, by), extra, meta)


def display_knobs(df: pd.DataFrame, sweep: Sweep) -> list[str]:
    """The knobs that tell the rows apart (``label`` and the knobs that vary), for labels
    of chosen rows; all knobs when none varies, ``config`` when there are none."""
    cols = [c for c in ("label",) if c in df] + list(sweep.knobs)
    vary = [c for c in cols if df[c].nunique(dropna=False) > 1]
    full = [c for c in vary if not df[c].isna().any()]  # best_of=nan says nothing
    return full or vary or cols or ["config"]
