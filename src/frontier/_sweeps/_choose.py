"""Choosing on a sweep: fronts, SLO selections and explanations, all through
:func:`frontier.choose` (the one engine; nothing here ranks or dominates by itself)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from .._engine import Choice, Constraint, choose
from .._table import stat_name
from ._canonical import METRICS
from ._table import (
    Term,
    constraint_column,
    display_knobs,
    frame,
    knob_names,
    resolve_objectives,
    resolve_rule,
    resolve_slo,
    table_from_frame,
)

if TYPE_CHECKING:  # pragma: no cover
    from . import Sweep

__all__ = ["Selection", "explain", "front", "select", "slo_text"]


class Selection(NamedTuple):
    """Result of :meth:`frontier.Sweep.select`.

    Attributes
    ----------
    rows
        The chosen rows of ``candidates`` (one per group where the rule found one; a
        ``group`` column names the group when ``group_by`` is given); empty when nothing
        qualifies (``explanation`` then says which SLO term binds, and by how much).
    explanation
        One line: the rule, the SLO, the chosen configuration with its values, and how many
        candidates are feasible (or, when none is, the closest one and its shortfall).
    choice
        The engine's :class:`frontier.Choice` (row indices refer to ``candidates``).
    candidates
        What was chosen on: one row per config (per-config means of the repeats, with
        ``n_runs``) or per run, with the flags ``feasible``, ``front`` and ``selected``.
    rule
        The engine's rule name (``"best:tokens_per_gpu"``, ``"knee_chord"``, ...).
    by
        ``"config"`` or ``"run"``.
    objectives
        The front's objectives as resolved against the sweep (name, column, sense, unit),
        the rule's metric included.
    group_by
        The knob grouped by, or None.
    cross
        With ``group_by``: the pick across all groups (a one-row frame, empty when none);
        otherwise None.
    """

    rows: pd.DataFrame
    explanation: str
    choice: Choice
    candidates: pd.DataFrame
    rule: str
    by: str
    objectives: tuple[Term, ...]
    group_by: str | None = None
    cross: pd.DataFrame | None = None

    @property
    def rule_text(self) -> str:
        """The rule as written for people: ``"max tokens_per_gpu"``, ``"knee_chord"``."""
        if self.rule.startswith("best:"):
            t = next(o for o in self.objectives if o.name == self.rule[5:])
            return f"{t.sense} {t.column}"
        return self.rule

    @property
    def slo(self) -> str:
        """The SLO chosen under, as text (``""`` without one)."""
        return slo_text(self.choice.constraints)

    @property
    def found(self) -> bool:
        """Whether the rule chose a configuration (in at least one group)."""
        return len(self.rows) > 0


def slo_text(terms: Sequence[Constraint]) -> str:
    """``"p99 ttft_ms <= 500 and mean tpot_ms <= 20"``."""
    return " and ".join(f"{c.stat if isinstance(c.stat, str) else stat_name(c.stat)} "
                        f"{c.objective} {c.op} {c.value:g}" for c in terms)


def _fmt(v: float, unit: str) -> str:
    if not np.isfinite(v):
        return "nan"
    if unit == "$/Mtok":
        return f"${v:.4g}/Mtok"
    return f"{v:.4g} {unit}" if unit else f"{v:.4g}"


def _prepare(sweep: Sweep, objectives: Any, slo: Any, by: str,
             extra: Sequence[Term] = ()) -> tuple:
    terms = resolve_objectives(sweep, objectives)
    terms = terms + tuple(t for t in extra if t.name not in {o.name for o in terms})
    cons = resolve_slo(sweep, slo)
    df = frame(sweep, by)
    for t in terms:
        if not np.isfinite(df[t.column].to_numpy(dtype=float)).any():
            raise ValueError(f"`objectives`: {t.column} has no value in this sweep (every "
                             "run lacks it); choose another objective")
    table = table_from_frame(df, sweep.metrics, knob_names(sweep, by),
                             [t for t in terms if t.name == t.column],
                             {"source": "sweep", "by": by})
    return terms, cons, df, table


def _group(table, group_by: str | None) -> str | None:
    if group_by is None:
        return None
    if not isinstance(group_by, str):
        raise TypeError(f"`group_by` must be a knob name, got {group_by!r}")
    if group_by not in table.knobs:
        raise ValueError(f"`group_by`: no knob {group_by!r}; the knobs are "
                         f"{[k for k in table.knobs if k not in ('config', 'repeat')]}")
    if pd.isna(pd.Series(table.knobs[group_by])).any():
        raise ValueError(f"`group_by`: knob {group_by!r} is missing for some rows")
    return group_by


def _choose(sweep, objectives, slo, group_by, by, extra=()):
    terms, cons, df, table = _prepare(sweep, objectives, slo, by, extra)
    gb = _group(table, group_by)
    ch = choose(table, objectives=[t.name for t in terms], slo=cons, group_by=gb)
    return terms, cons, df, ch


def front(sweep: Sweep, objectives: Any = None, *, slo: Any = None, group_by: str | None = None,
          by: str = "config") -> np.ndarray:
    """See :meth:`frontier.Sweep.front`."""
    _, _, df, ch = _choose(sweep, objectives, slo, group_by, by)
    mask = np.asarray(ch.front, bool)
    if by == "run":
        return mask
    on = df["config"].to_numpy()[mask]
    return sweep.table["config"].isin(on).to_numpy()


def _noun(by: str) -> str:
    return "config" if by == "config" else "run"


def _repeat_note(sweep: Sweep, by: str) -> str:
    sizes = sweep.table.groupby("config").size()
    if int(sizes.max()) <= 1:
        return ""
    if by == "config" and sizes.size == 1 and "label" not in sweep.table and not sweep.knobs:
        return (f" (no knob tells the runs apart, so all {int(sizes.iloc[0])} are repeats of "
                "one config; by='run' compares them one by one)")
    if by == "run":
        return " (each run on its own; repeats not averaged)"
    lo, hi = int(sizes.min()), int(sizes.max())
    runs = f"{lo}" if lo == hi else f"{lo}-{hi}"
    note = f" (on per-config means over repeats: {runs} runs per config"
    mixed = sweep.mixed_sources()
    if mixed is not None:
        where = "files that each hold a whole sweep" if mixed == "file" else \
            "different directories"
        note += (f"; some repeats come from {where}: if they are different systems, "
                 f"label them, e.g. sweep.label_by_source({mixed!r})")
    return note + ")"


def _missing_note(df: pd.DataFrame, terms, cons, by: str) -> str:
    cols = [t.column for t in terms]
    x = df[cols].to_numpy(dtype=float)
    n = int((~np.isfinite(x)).any(axis=1).sum())
    if not n:
        return ""
    return f"; {n} {_noun(by)}{'s' * (n != 1)} lacking an objective value left out"


def _values(df: pd.DataFrame, row: int, terms, cons, rule_term) -> str:
    parts, seen = [], set()
    ordered = ([rule_term] if rule_term is not None else []) + list(terms)
    for t in ordered:
        if t.column in seen:
            continue
        seen.add(t.column)
        parts.append(f"{t.column} {_fmt(float(df[t.column].iloc[row]), t.unit)}")
    for c in cons:
        col = constraint_column(c)
        if col in seen or col not in df:
            continue
        seen.add(col)
        parts.append(f"{col} {_fmt(float(df[col].iloc[row]), METRICS[col].unit)}")
    return ", ".join(parts)


def _where(df: pd.DataFrame, row: int, knobs: Sequence[str]) -> str:
    parts = []
    for k in knobs:
        v = df[k].iloc[row]
        v = v.item() if hasattr(v, "item") else v
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        parts.append(f"{k}={v}")
    return ", ".join(parts)


def select(sweep: Sweep, slo: Any = None, rule: str | None = None, objectives: Any = None,
           group_by: str | None = None, by: str = "config") -> Selection:
    """See :meth:`frontier.Sweep.select`."""
    r = resolve_rule(sweep, rule)
    extra = (r.term,) if r.term is not None else ()
    terms, cons, df, ch = _choose(sweep, objectives, slo, group_by, by, extra)
    knobs = [k for k in display_knobs(df, sweep) if k != group_by]
    knobs = knobs or ["config"]
    noun = _noun(by)
    feas = np.asarray(ch.feasible, bool)
    head = r.text + (f" subject to {slo_text(cons)}" if cons else "")
    rows, parts, flags = [], [], np.zeros(len(df), bool)
    for gi, g in enumerate(ch.groups):
        pick = ch.pick(r.engine, g)
        in_g = ch.group == gi
        label = "" if group_by is None else f"{g}: "
        nf, n = int(feas[in_g].sum()), int(in_g.sum())
        if pick is not None:
            rows.append(pick)
            flags[pick] = True
            count = (f"{nf} of {n} {noun}s feasible" if group_by is None
                     else f"{nf} of {n} feasible")
            parts.append(f"{label}{_where(df, pick, knobs)} "
                         f"({_values(df, pick, terms, cons, r.term)}); {count}")
        elif nf == 0:
            parts.append(ch.explain(g, noun=noun, knobs=knobs))
        else:
            k = int(np.asarray(ch.front, bool)[in_g].sum())
            parts.append(f"{label}{r.engine} chose nothing: it needs >= 3 {noun}s on the front,"
                         f" which has {k}")
    cross = None
    if group_by is not None:
        c = ch.pick(r.engine, "*")
        cross = df.iloc[[c] if c is not None else []].reset_index(drop=True)
        if c is not None:
            parts.append(f"across all: {df[group_by].iloc[c]}, {_where(df, c, knobs)} "
                         f"({_values(df, c, terms, cons, r.term)})")
    text = (f"{head}: " + "; ".join(parts) + _missing_note(df, terms, cons, by)
            + _repeat_note(sweep, by))
    chosen = df.iloc[rows].copy()
    if group_by is not None:
        chosen.insert(0, "group", [df[group_by].iloc[i] for i in rows])
    cand = df.copy()
    cand["feasible"] = feas
    cand["front"] = np.asarray(ch.front, bool)
    cand["selected"] = flags
    return Selection(chosen.reset_index(drop=True), text, ch, cand, r.engine, by, terms,
                     group_by, cross)


def explain(sweep: Sweep, slo: Any, objectives: Any = None, group_by: str | None = None,
            by: str = "config") -> str:
    """See :meth:`frontier.Sweep.explain`."""
    if slo is None:
        raise TypeError("`slo` is required: the constraints to explain, e.g. "
                        "'p99 ttft_ms <= 500'")
    _, cons, df, ch = _choose(sweep, objectives, slo, group_by, by)
    knobs = [k for k in display_knobs(df, sweep) if k != group_by] or ["config"]
    head = slo_text(cons)
    return f"{head}: " + "; ".join(ch.explain(g, noun=_noun(by), knobs=knobs)
                                    for g in ch.groups)
