"""Frontier shifts between two systems: hypervolume gained in one common normalisation, rows
newly dominated, and the best value of a target metric at a matched SLO, before and after.

Both sides go through the one engine (:func:`frontier.choose`) for their fronts and their
best feasible rows; the hypervolume is :func:`frontier.hypervolume` and the dominance test
:func:`frontier.is_nondominated_batch`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from ._engine import Constraint, choose, parse_slo
from ._table import Objective, Table, stat_name

__all__ = ["Comparison", "Shift", "compare"]

#: Reference point of the hypervolume in the common normalised space (see :func:`compare`).
REF = 1.1


class Shift(NamedTuple):
    """The best value of ``target`` under the matched SLO ``slo``, in A and in B.

    ``a_row``/``b_row`` index the compared tables (None when no row meets the SLO, and the
    value is then NaN); ``delta = b - a``; ``ratio = b / a``; ``a_explain``/``b_explain``
    say how many rows meet the SLO or, when none does, which term binds.
    """

    target: str
    sense: str
    unit: str
    slo: str
    a_value: float
    b_value: float
    a_row: int | None
    b_row: int | None
    delta: float
    ratio: float
    a_explain: str
    b_explain: str


class Comparison(NamedTuple):
    """Result of :func:`compare`.

    Attributes
    ----------
    objectives
        The compared objectives (:class:`frontier.Objective`).
    hv_a, hv_b
        Hypervolume of each front in the common normalisation.
    gain, gain_rel
        ``hv_b - hv_a`` and ``(hv_b - hv_a) / hv_a`` (NaN when ``hv_a`` is 0).
    ideal, nadir
        ``(m,)``, in the objectives' units: the best and the worst value of each objective
        over the two fronts together (the normalisation maps them to 0 and 1).
    ref
        ``(m,)``: the reference point in the objectives' units: ``nadir`` moved 10% of the
        ideal-nadir range further from the ideal (1.1 in the normalised space).
    a_front, b_front
        Bool masks over the rows of ``a`` and ``b``: the front of each (under ``slo``).
    a_dominated_by_b, b_dominated_by_a
        Bool masks: the rows of A that some front row of B dominates (at least as good on
        every objective, better on one), and the converse. Rows lacking an objective value
        are never marked.
    shift
        The matched-SLO :class:`Shift`, or None when there is no target.
    a, b
        The compared tables.
    labels
        Names of the two sides, e.g. ``("before", "after")``.
    """

    objectives: tuple[Objective, ...]
    hv_a: float
    hv_b: float
    gain: float
    gain_rel: float
    ideal: np.ndarray
    nadir: np.ndarray
    ref: np.ndarray
    a_front: np.ndarray
    b_front: np.ndarray
    a_dominated_by_b: np.ndarray
    b_dominated_by_a: np.ndarray
    shift: Shift | None
    a: Table
    b: Table
    labels: tuple[str, str]


def _sides(a: Any, b: Any, objectives: Any, slo: Any, at: Any, target: Any, by: str):
    """Both sides as tables, with objective names, front constraints, shift constraints and
    the shift's target resolved."""
    from ._sweeps import Sweep

    if isinstance(a, Sweep) != isinstance(b, Sweep):
        raise TypeError("`a` and `b` must both be Sweeps or both be Tables")
    if isinstance(a, Sweep):
        from ._sweeps._table import default_target, resolve_objectives, resolve_slo, to_table

        terms_a = resolve_objectives(a, objectives, "objectives")
        resolve_objectives(b, [t.column for t in terms_a], "objectives")  # B has them too
        if objectives is None:
            names_b = [t.name for t in resolve_objectives(b, None)]
            if names_b != [t.name for t in terms_a]:
                raise ValueError(f"`objectives`: A and B default to different fronts "
                                 f"({[t.name for t in terms_a]} vs {names_b}); name them")
        names = [t.name for t in terms_a]
        if target is None:
            target = default_target(a)
            if target is not None and default_target(b) != target:
                target = next((c for c in ("output_throughput", "request_throughput")
                               if c in a.metrics and c in b.metrics), None)
        tgt = None
        if target is not None:
            tgt = _sweep_target(a, b, target)
        extra = [t for t in terms_a if t.name == t.column]
        if tgt is not None and tgt.name == tgt.column and tgt.name not in names:
            extra.append(tgt)
        ta = to_table(a, [t.column for t in extra] or None, by=by)
        tb = to_table(b, [t.column for t in extra] or None, by=by)
        cons = resolve_slo(a, slo), resolve_slo(b, slo)
        at_cons = (cons if at is None else (resolve_slo(a, at), resolve_slo(b, at)))
        return ta, tb, names, cons, at_cons, (tgt.name if tgt is not None else None)
    if not isinstance(a, Table) or not isinstance(b, Table):
        raise TypeError(f"`a` and `b` must be frontier.Sweep or frontier.Table, got "
                        f"{type(a).__name__} and {type(b).__name__}")
    if objectives is None:
        names = list(a.names)
    elif isinstance(objectives, str):
        raise TypeError("`objectives` must be a mapping name -> 'min'/'max' or a sequence of "
                        "names")
    elif isinstance(objectives, Mapping):
        names = list(objectives)
        for n, sense in objectives.items():
            for side, t in (("A", a), ("B", b)):
                o = t.objective(n)
                if sense != o.sense:
                    raise ValueError(f"`objectives`: {n!r} is {o.sense!r} in {side}'s table, "
                                     f"not {sense!r}")
    else:
        names = list(objectives)
    for n in names:
        oa, ob = a.objective(n), b.objective(n)
        if oa.sense != ob.sense:
            raise ValueError(f"`objectives`: {n!r} is {oa.sense!r} in A but {ob.sense!r} in B")
    if target is None:
        target = next((n for n in names if a.objective(n).sense == "max"), names[0])
    else:
        word, target = _split_target(target)
        sense = a.objective(target).sense
        if word is not None and word != sense:
            raise ValueError(f"`target`: {word} {target} contradicts its sense {sense!r}")
    a.objective(target)
    b.objective(target)
    cons = parse_slo(slo), parse_slo(slo)
    at_cons = cons if at is None else (parse_slo(at), parse_slo(at))
    return a, b, names, cons, at_cons, target


def _split_target(target: Any) -> tuple[str | None, str]:
    if not isinstance(target, str) or not target.strip():
        raise TypeError(f"`target` must be a metric name such as 'tokens_per_gpu' or "
                        f"'max tokens_per_gpu', got {target!r}")
    parts = target.split()
    if len(parts) == 2 and parts[0] in ("max", "min", "best"):
        return (None if parts[0] == "best" else parts[0]), parts[1]
    if len(parts) == 1:
        return None, parts[0]
    raise ValueError(f"`target`: cannot read {target!r}; write a metric name, optionally "
                     "after 'max' or 'min'")


def _sweep_target(a: Any, b: Any, target: Any):
    from ._sweeps._table import resolve_objective

    word, name = _split_target(target)
    ta = resolve_objective(a, name, "target")
    resolve_objective(b, name, "target")
    if word is not None and word != ta.sense:
        better = "smaller" if ta.sense == "min" else "larger"
        raise ValueError(f"`target`: {word} {name} contradicts the metric: {ta.column} is "
                         f"better when {better}")
    return ta


def _means(t: Table, names: Sequence[str]) -> np.ndarray:
    return np.stack([np.asarray(t.stat(n), float) for n in names], axis=1)


def _dominated(x: np.ndarray, by: np.ndarray, maximise: tuple[bool, ...]) -> np.ndarray:
    """Rows of ``x`` that some row of ``by`` dominates (strictly: ties do not count)."""
    from . import is_nondominated_batch

    out = np.zeros(len(x), bool)
    ok = np.isfinite(x).all(axis=1)
    by = by[np.isfinite(by).all(axis=1)]
    if not by.size or not ok.any():
        return out
    rows = np.flatnonzero(ok)
    step = max(1, 2_000_000 // max(1, (by.shape[0] + 1) * x.shape[1]))
    for s in range(0, rows.size, step):
        r = rows[s:s + step]
        # each set is (the row, then B's rows): the row comes first, so a B row equal to
        # it is a later copy and does not displace it
        sets = np.concatenate([x[r][:, None, :], np.broadcast_to(by, (r.size, *by.shape))],
                              axis=1)
        nd = np.asarray(is_nondominated_batch(sets, maximise=maximise))
        out[r] = ~nd[:, 0]
    return out


def _best(t: Table, target: str, cons, noun: str) -> tuple[float, int | None, str]:
    ch = choose(t, objectives=[target], slo=cons)
    r = ch.pick(f"best:{target}")
    v = float(np.asarray(t.stat(target), float)[r]) if r is not None else math.nan
    return v, r, ch.explain(noun=noun)


def _text(cons: Sequence[Constraint]) -> str:
    return " and ".join(f"{c.stat if isinstance(c.stat, str) else stat_name(c.stat)} "
                        f"{c.objective} {c.op} {c.value:g}" for c in cons)


def compare(a: Any, b: Any, objectives: Any = None, *, slo: Any = None, at: Any = None,
            target: str | None = None, by: str = "config",
            labels: tuple[str, str] = ("A", "B")) -> Comparison:
    """Compare the Pareto fronts of two systems (before and after, engine X and engine Y).

    Parameters
    ----------
    a, b
        Two :class:`frontier.Sweep` (each chosen on per-config means by default, see
        ``by``) or two :class:`frontier.Table` holding the objectives.
    objectives
        The front's objectives, as in :meth:`frontier.Sweep.front` (for tables: names of
        table objectives, or name -> sense, which must agree with the tables). Default: the
        sweeps' latency-throughput frontier; all objectives of a table.
    slo
        Constraints both fronts are taken under (e.g. ``"p99 ttft_ms <= 2000"``).
    at
        The matched SLO of the shift, e.g. ``"p99 ttft_ms <= 500"`` (default: ``slo``).
    target
        The shift's metric, ``"tokens_per_gpu"`` or ``"max tokens_per_gpu"`` (default: the
        sweeps' ``tokens_per_gpu``, else output throughput; a table's first maximised
        objective).
    by
        For sweeps: ``"config"`` (per-config means of the repeats) or ``"run"``.
    labels
        Names of the two sides, for explanations and figures.

    Returns
    -------
    Comparison
        ``hv_a``, ``hv_b``, ``gain``, ``gain_rel``, the normalisation (``ideal``, ``nadir``,
        ``ref``), the front and dominated-row masks, the matched-SLO ``shift`` and the
        tables.

    Raises
    ------
    ValueError
        Objectives or a target one side lacks, senses that disagree, more than three
        objectives (no exact hypervolume).

    Notes
    -----
    Normalisation: every objective is turned to minimisation (maximised ones negated) and
    mapped by ``(x - ideal) / (nadir - ideal)``, with ``ideal``/``nadir`` the best/worst
    value over the union of both fronts, so both fronts lie in ``[0, 1]^m``; an objective
    with zero range there maps to 0. The hypervolume of each front is taken with the
    reference point ``(1.1, ..., 1.1)``: the 10% margin lets the extreme points of the
    fronts add volume. Hypervolumes are therefore comparable between A and B, not across
    different comparisons. Rows lacking an objective value, or not meeting ``slo``, are
    on no front.

    Examples
    --------
    >>> import numpy as np, frontier
    >>> def table(lat, thr):
    ...     return frontier.Table({"c": np.arange(len(lat))},
    ...         [frontier.Objective("lat", "min"), frontier.Objective("thr", "max")],
    ...         {"lat": {"mean": np.array(lat)}, "thr": {"mean": np.array(thr)}})
    >>> cmp = frontier.compare(table([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),
    ...                        table([1.0, 2.0], [2.0, 3.0]), labels=("before", "after"))
    >>> round(float(cmp.hv_a), 4), round(float(cmp.hv_b), 4), round(float(cmp.gain_rel), 4)
    (0.46, 0.96, 1.087)
    >>> cmp.a_dominated_by_b.tolist(), cmp.b_dominated_by_a.tolist()
    ([True, True, True], [False, False])
    >>> cmp.shift.a_value, cmp.shift.b_value   # best thr, no SLO
    (3.0, 3.0)
    """
    if by not in ("config", "run"):
        raise ValueError(f"`by` must be 'config' or 'run', got {by!r}")
    if (not isinstance(labels, Sequence) or isinstance(labels, str) or len(labels) != 2
            or not all(isinstance(x, str) for x in labels)):
        raise TypeError(f"`labels` must be two strings, got {labels!r}")
    ta, tb, names, cons, at_cons, target = _sides(a, b, objectives, slo, at, target, by)
    if len(names) > 3:
        raise ValueError(f"`objectives`: {len(names)} objectives; the exact hypervolume takes "
                         "at most 3")
    if len(set(names)) != len(names):
        raise ValueError(f"`objectives` repeats a name: {names}")
    from . import hypervolume

    objs = tuple(ta.objective(n) for n in names)
    maximise = tuple(o.maximise for o in objs)
    sign = np.where(np.asarray(maximise), -1.0, 1.0)
    fa = np.asarray(choose(ta, objectives=names, slo=cons[0]).front, bool)
    fb = np.asarray(choose(tb, objectives=names, slo=cons[1]).front, bool)
    xa, xb = _means(ta, names), _means(tb, names)
    za, zb = xa * sign, xb * sign  # minimised
    both = np.concatenate([za[fa], zb[fb]])
    if both.size:
        lo, hi = both.min(axis=0), both.max(axis=0)
    else:
        lo = hi = np.full(len(names), np.nan)
    span = hi - lo
    scale = np.where(span > 0, span, 1.0)

    def hv(z, f):
        if not f.any():
            return 0.0
        u = (z[f] - lo) / scale
        u = np.where(span > 0, u, 0.0)
        return float(hypervolume(u, np.full(len(names), REF)))

    hv_a, hv_b = hv(za, fa), hv(zb, fb)
    gain = hv_b - hv_a
    gain_rel = gain / hv_a if hv_a > 0 else math.nan
    ref = (lo + REF * np.where(span > 0, span, 0.0)) * sign
    dom_a = _dominated(xa, xb[fb], maximise)
    dom_b = _dominated(xb, xa[fa], maximise)
    shift = None
    if target is not None:
        noun = "row" if isinstance(a, Table) else ("config" if by == "config" else "run")
        o = ta.objective(target)
        va, ra, ea = _best(ta, target, at_cons[0], noun)
        vb, rb, eb = _best(tb, target, at_cons[1], noun)
        ratio = vb / va if va and np.isfinite(va) and np.isfinite(vb) else math.nan
        shift = Shift(target, o.sense, o.unit, _text(at_cons[0]), va, vb, ra, rb, vb - va,
                      ratio, ea, eb)
    return Comparison(objs, hv_a, hv_b, gain, gain_rel, lo * sign, hi * sign, ref, fa, fb,
                      dom_a, dom_b, shift, ta, tb, (str(labels[0]), str(labels[1])))
