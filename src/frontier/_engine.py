"""The study engine: feasibility, fronts, operating points and explanations on any table.

One engine serves every source of candidates: :func:`frontier.optimize` turns a simulation of
the paper model into a :class:`~frontier.Table` and calls :func:`choose`; a measured sweep or
a user's DataFrame goes through the same call. Per group (e.g. per model) and across groups,
it finds the feasible candidates (constraints on any objective and statistic, e.g.
``"p99 ttft_ms <= 500 and mean accuracy >= 0.9"``), the Pareto front over any subset of the
objectives, and the operating points of every rule (see :data:`RULES`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ._methods import batch_method, padded_size
from ._table import Table, stat_name
from .kernels import select as _sel

__all__ = ["RULES", "Choice", "Constraint", "choose", "parse_slo"]

#: The rules of :func:`choose`, besides ``"best:<objective>"`` (the best feasible candidate on
#: one objective: the cheapest for a cost, the most accurate for an accuracy).
RULES: tuple[str, ...] = ("cube", "utopia", "knee_chord", "knee_curvature", "knee_paper")

Normalise = Literal["budget", "front"]


class Constraint(NamedTuple):
    """One constraint term, e.g. ``Constraint("time", 0.95, "<=", 2.0)`` for "p95 time <= 2".

    ``stat`` is ``"mean"``, ``"std"``, ``"sem"``, ``"min"``, ``"max"`` or a quantile level in
    ``[0, 1]``; ``op`` is ``"<="`` or ``">="``.
    """

    objective: str
    stat: Any
    op: str
    value: float


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_STAT = r"mean|median|std|sem|min|max|p\d+(?:\.\d+)?"
_SLO_TERM = re.compile(
    rf"^\s*(?:(?P<stat1>{_STAT})\s+(?P<obj1>{_NAME})|(?P<obj2>{_NAME})\.(?P<stat2>{_STAT})"
    rf"|(?P<obj3>{_NAME}))\s*(?P<op><=|>=)\s*(?P<val>\S+)\s*$"
)


def parse_slo(text: str | Sequence[Constraint] | Constraint | None) -> tuple[Constraint, ...]:
    """Parse ``"p95 time <= 2 and mean accuracy >= 0.9"`` into :class:`Constraint` terms.

    Terms are joined by ``and`` or commas; each is ``STAT NAME OP VALUE``,
    ``NAME.STAT OP VALUE`` or ``NAME OP VALUE`` (the mean), with ``STAT`` one of ``mean``,
    ``median``, ``std``, ``sem``, ``min``, ``max`` or ``pNN`` (a percentile: ``p99``,
    ``p99.9``), ``NAME`` an objective of the table and ``OP`` ``<=`` or ``>=``. Whether
    ``NAME`` exists is checked against the table by :func:`choose`. An infinite value
    switches a term off; NaN is rejected.

    Examples
    --------
    >>> import frontier
    >>> frontier.parse_slo("p95 time <= 2 and mean accuracy >= 0.9")
    (Constraint(objective='time', stat=0.95, op='<=', value=2.0), Constraint(objective='accuracy', stat='mean', op='>=', value=0.9))
    >>> frontier.parse_slo("p99 ttft_ms <= 500")[0].stat
    0.99
    """  # noqa: E501
    if text is None:
        return ()
    if isinstance(text, Constraint):
        return (_check_constraint(text),)
    if not isinstance(text, str):
        return tuple(_check_constraint(Constraint(*c)) for c in text)
    out = []
    for term in re.split(r"\band\b|,", text):
        if not term.strip():
            continue
        m = _SLO_TERM.match(term)
        if m is None:
            raise ValueError(
                f"`slo`: cannot parse {term.strip()!r}; write e.g. 'p95 time <= 2 and mean"
                " accuracy >= 0.9'")
        stat = m["stat1"] or m["stat2"] or "mean"
        obj = m["obj1"] or m["obj2"] or m["obj3"]
        try:
            val = float(m["val"])
        except ValueError:
            raise ValueError(f"`slo`: bad number {m['val']!r} in {term.strip()!r}") from None
        out.append(_check_constraint(Constraint(obj, stat, m["op"], val)))
    if not out:
        raise ValueError(f"`slo` is empty: {text!r}")
    return tuple(out)


def _check_constraint(c: Constraint) -> Constraint:
    if not isinstance(c.objective, str) or not re.fullmatch(_NAME, c.objective):
        raise ValueError(f"`slo`: bad objective name {c.objective!r}")
    if c.op not in ("<=", ">="):
        raise ValueError(f"`slo`: unknown operator {c.op!r} (<= or >=)")
    stat = c.stat
    if isinstance(stat, str):
        if not re.fullmatch(_STAT, stat):
            raise ValueError(f"`slo`: unknown statistic {stat!r} (mean, median, std, sem, min,"
                             " max or pNN)")
        if stat == "median":
            stat = 0.5
        elif stat.startswith("p"):
            stat = round(float(stat[1:]) / 100.0, 10)
    elif isinstance(stat, bool) or not isinstance(stat, int | float):
        raise ValueError(f"`slo`: unknown statistic {stat!r}")
    if not isinstance(stat, str) and not (0.0 <= float(stat) <= 1.0):
        raise ValueError(f"`slo`: quantile level {stat!r} outside [0, 1]")
    try:
        value = float(c.value)
    except (TypeError, ValueError):
        raise ValueError(f"`slo`: the value for {c.objective} must be a number, got "
                         f"{c.value!r}") from None
    if math.isnan(value):
        raise ValueError(f"`slo`: the value for {c.objective} is NaN")
    return Constraint(c.objective, stat, c.op, value)


def _describe(c: Constraint) -> str:
    stat = c.stat if isinstance(c.stat, str) else stat_name(c.stat)
    return f"{stat} {c.objective}"


class Choice(NamedTuple):
    """Result of :func:`choose`. ``*B`` is the shape of the constraint limits (a budget grid).

    Attributes
    ----------
    table
        The candidates.
    objectives
        The objectives of the front, in order.
    constraints
        The constraint terms; ``limits`` ``(*B, c)`` holds their values.
    groups
        Group labels (``(None,)`` without ``group_by``); ``group`` ``(n,)`` gives each row's.
    feasible, front
        ``(*B, n)`` bool: every constraint met; non-dominated among the feasible rows of
        the same group.
    violation
        ``(*B, n, c)``: relative shortfall of each constraint (0 where met).
    picks
        Rule -> ``(*B, G)`` int32 row index of each group's choice (``-1``: none). Rules:
        ``"best:<objective>"`` for every objective of the front, and :data:`RULES`.
    cross_front, cross_picks
        The same over all rows together (``None`` without ``group_by``).
    """

    table: Table
    objectives: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    limits: np.ndarray
    groups: tuple[Any, ...]
    group: np.ndarray
    feasible: jax.Array
    front: jax.Array
    violation: jax.Array
    picks: dict[str, jax.Array]
    cross_front: jax.Array | None
    cross_picks: dict[str, jax.Array] | None

    @property
    def rules(self) -> tuple[str, ...]:
        """The rule names of :attr:`picks`."""
        return tuple(self.picks)

    def _group_index(self, group: Any) -> int:
        if group is None:
            if len(self.groups) != 1:
                raise ValueError(f"pass `group` (one of {list(self.groups)})")
            return 0
        for i, g in enumerate(self.groups):
            if g == group:
                return i
        if isinstance(group, int | np.integer) and not isinstance(group, bool):
            if -len(self.groups) <= group < len(self.groups):
                return int(group) % len(self.groups)
        raise ValueError(f"unknown group {group!r}; the groups are {list(self.groups)}")

    def _index(self, index: tuple[int, ...]) -> tuple[int, ...]:
        shape = self.feasible.shape[:-1]
        idx = tuple(index)
        if len(idx) != len(shape):
            raise ValueError(f"`index` {idx} must have one entry per axis of the limits' "
                             f"shape {shape}")
        return idx

    def pick(self, rule: str, group: Any = None, index: tuple[int, ...] = ()) -> int | None:
        """Row of ``rule``'s choice in ``group`` (``"*"``: across groups), or ``None``."""
        if rule not in self.picks:
            raise ValueError(f"unknown rule {rule!r}; choose from {list(self.picks)}")
        idx = self._index(index)
        if group == "*":
            if self.cross_picks is None:
                raise ValueError("no cross-group view: `choose` was called without group_by")
            r = int(np.asarray(self.cross_picks[rule])[idx])
        else:
            r = int(np.asarray(self.picks[rule])[(*idx, self._group_index(group))])
        return None if r < 0 else r

    def explain(self, group: Any = None, index: tuple[int, ...] = (), *,
                noun: str = "candidate", knobs: Sequence[str] | None = None) -> str:
        """One line: how many candidates are feasible or, when none is, which constraint
        binds at the candidate closest to feasibility, and by how much."""
        idx = self._index(index)
        g = self._group_index(group)
        rows = np.nonzero(self.group == g)[0]
        label = "" if self.groups == (None,) else f"{self.groups[g]}: "
        feas = np.asarray(self.feasible[idx])[rows]
        if feas.any():
            return f"{label}{int(feas.sum())} of {len(rows)} {noun}s feasible"
        if not len(rows):
            return f"{label}no {noun}s"
        viol = np.asarray(self.violation[idx], float)[rows]
        total = np.where(np.isnan(viol), np.inf, viol).sum(-1)
        j = int(np.argmin(total))
        r = int(rows[j])
        lim = np.asarray(self.limits)[idx]
        parts = []
        for c, (term, v) in enumerate(zip(self.constraints, viol[j], strict=True)):
            if not v > 0:
                continue
            got = float(np.asarray(self.table.stat(term.objective, term.stat))[r])
            unit = self.table.objective(term.objective).unit
            u = f" {unit}" if unit and unit not in ("$",) else ""
            pre = "$" if unit == "$" else ""
            what = _describe(term)
            if math.isnan(got):
                parts.append(f"{what} is NaN")
                continue
            parts.append(f"{what} {pre}{got:.4g}{u} misses {term.op} {pre}{lim[c]:.4g}{u} "
                         f"by {pre}{abs(got - lim[c]):.4g}{u} ({100 * v:.1f}%)")
        where = self.table.label(r, knobs)
        return (f"{label}no feasible {noun}; closest is {where}: "
                + "; ".join(parts or ["no constraint met"]))


def _ordering(table: Table, name: str | None, what: str) -> np.ndarray:
    if name is None:
        return np.arange(len(table), dtype=float)
    if name in table.knobs:
        v = np.asarray(table.knobs[name])
        if not np.issubdtype(v.dtype, np.number):
            raise ValueError(f"`{what}`: knob {name!r} is not numeric")
        return v.astype(float)
    if name in table.names:
        return np.asarray(table.stat(name), float)
    raise ValueError(f"`{what}`: {name!r} is neither a knob nor an objective "
                     f"(knobs: {list(table.knobs)}, objectives: {list(table.names)})")


_PAD_FROM = 1024  # tables above this many rows are padded to a size bucket


def _work_dtype(dtype: Any) -> Any:
    """The float dtype the engine computes in: the table's (float64 needs JAX's x64 mode,
    else float32), float32 for integers and half floats."""
    dt = np.dtype(dtype)
    if not np.issubdtype(dt, np.floating) or dt.itemsize < 4:
        return jnp.dtype(jnp.float32)
    return jax.dtypes.canonicalize_dtype(dt)


def _nd_method(k: int, m: int) -> str:
    """The dominance kernel for a front of ``k`` candidates (vmapped over groups and limits)."""
    return batch_method("auto", k, m, rank=False)


def choose(
    table: Table,
    *,
    objectives: Sequence[str] | None = None,
    slo: str | Sequence[Constraint] | Constraint | None = None,
    limits: Mapping[int, Any] | None = None,
    group_by: str | None = None,
    order_by: str | None = None,
    normalise: Normalise = "front",
    knee_normalise: Normalise | None = None,
) -> Choice:
    """Feasible candidates, Pareto fronts and the operating point of every rule on a table.

    Parameters
    ----------
    table
        The candidates (:class:`frontier.Table`).
    objectives
        Names of the objectives the front is taken over (default: all of the table's), in
        their table sense.
    slo
        Constraints on any objective and statistic held by the table, e.g.
        ``"p99 ttft_ms <= 500 and mean tpot_ms <= 20"`` (:func:`frontier.parse_slo`).
    limits
        Constraint position -> an array of values replacing that term's value; the arrays
        broadcast together into a grid ``*B`` evaluated in one vectorised call (how
        :func:`frontier.optimize` evaluates a grid of budgets).
    group_by
        A knob column: the front and the rules per group (e.g. per model), plus the same
        across all rows (``cross_front``, ``cross_picks``).
    order_by
        A numeric knob or an objective ordering the candidates of a group along the curve
        (the knees' order and the curvature's parameter ``t``); default the first objective
        of the front. Across groups the first objective always orders the curve.
    normalise
        The space of the utopia distance and the knees: ``"front"`` (default) maps each
        objective to ``[0, 1]`` by the ideal and nadir of the Pareto candidates it is chosen
        from (an objective with zero range there drops out); ``"budget"`` is the paper's
        space: each minimised objective divided by the tightest upper limit on its mean
        (without a finite limit it drops out), maximised objectives as they are.
    knee_normalise
        The knees' space, if it should differ from ``normalise``.

    Returns
    -------
    Choice
        Masks, violations and per-rule row indices; :meth:`Choice.explain` says which
        constraint binds when nothing is feasible.

    Raises
    ------
    ValueError
        Unknown objective, statistic, knob or normalisation; a constraint on a statistic the
        table does not hold; limits that do not broadcast.

    Notes
    -----
    Rules, on the means: *best:x*: the feasible candidate best on ``x`` (first in curve
    order on ties); *cube*: max ``prod(1 - x/U)`` over minimised objectives (``U`` their
    upper limit; none: factor 1) times ``prod(x)`` over maximised ones (the paper's
    ``(1 - C/C_max)(1 - T/T_max) A``); *utopia*: the Pareto candidate closest to the ideal
    point (in the ``"budget"`` space, each objective's natural bound, e.g. cost 0 and
    accuracy 1); *knee_chord*: the Pareto candidate farthest from the chord between the
    first and last Pareto candidates in curve order; *knee_curvature*: maximum curvature of
    that curve with the real spacing of ``t``; *knee_paper*: the reference code's rule (the
    cross product of the first two objectives only; noise for the paper model). Knees need
    >= 3 Pareto candidates. Feasibility, fronts and rules are hard selections and are not
    differentiable (see :func:`frontier.sensitivity`). A candidate with NaN in an objective
    of the front, or in a constrained statistic, is infeasible.

    Examples
    --------
    >>> import pandas as pd, frontier
    >>> df = pd.DataFrame({"concurrency": [1, 4, 16, 64],
    ...                    "p99_ttft_ms": [40.0, 60.0, 200.0, 900.0],
    ...                    "tokens_per_gpu": [100.0, 380.0, 1200.0, 1500.0]})
    >>> t = frontier.Table.from_frame(df, {"ttft_ms": "min", "tokens_per_gpu": "max"})
    >>> ch = frontier.choose(t, objectives=["tokens_per_gpu"], slo="p99 ttft_ms <= 500")
    >>> int(t.knobs["concurrency"][ch.pick("best:tokens_per_gpu")])
    16
    >>> ch2 = frontier.choose(t, slo="p99 ttft_ms <= 32")
    >>> ch2.explain(knobs=["concurrency"])
    'no feasible candidate; closest is concurrency=1: p99 ttft_ms 40 misses <= 32 by 8 (25.0%)'
    """
    if not isinstance(table, Table):
        raise TypeError(f"`table` must be a frontier.Table, got {type(table).__name__}")
    names = table.names if objectives is None else tuple(objectives)
    if isinstance(objectives, str):
        raise TypeError("`objectives` must be a sequence of names, e.g. ['cost', 'accuracy']")
    if not names:
        raise ValueError("`objectives` is empty")
    objs = [table.objective(n) for n in names]
    if len(set(names)) != len(names):
        raise ValueError(f"`objectives` repeats a name: {list(names)}")
    for what, v in (("normalise", normalise), ("knee_normalise", knee_normalise)):
        if v is not None and v not in _sel.NORMALISATIONS:
            raise ValueError(f"`{what}` must be one of {_sel.NORMALISATIONS}, got {v!r}")
    knee_norm = normalise if knee_normalise is None else knee_normalise
    terms = parse_slo(slo)
    for c in terms:
        if c.objective not in table.names:
            raise ValueError(f"`slo`: unknown objective {c.objective!r} (the table has "
                             f"{', '.join(table.names)})")
        table.stat(c.objective, c.stat)  # raises naming the statistics held

    # constraint limits: (*B, c)
    vals = [np.asarray(c.value, float) for c in terms]
    for pos, v in (limits or {}).items():
        if not 0 <= pos < len(terms):
            raise ValueError(f"`limits`: no constraint at position {pos}")
        v = np.asarray(v, float)
        if np.isnan(v).any():
            raise ValueError(f"`limits`: NaN in the values of {_describe(terms[pos])}")
        vals[pos] = v
    try:
        bshape = np.broadcast_shapes(*(v.shape for v in vals)) if vals else ()
    except ValueError:
        raise ValueError("`limits` do not broadcast: shapes "
                         f"{[v.shape for v in vals]}") from None
    lim = np.stack([np.broadcast_to(v, bshape) for v in vals], -1) if vals else (
        np.zeros((*bshape, 0)))

    # groups and curve order
    n = len(table)
    if n == 0:
        raise ValueError("the table is empty: nothing to choose from")
    if group_by is None:
        codes = np.zeros(n, np.int64)
        labels: tuple[Any, ...] = (None,)
    else:
        if group_by not in table.knobs:
            raise ValueError(f"`group_by`: no knob {group_by!r} (knobs: {list(table.knobs)})")
        import pandas as pd

        codes, uniq = pd.factorize(np.asarray(table.knobs[group_by]), sort=False)
        labels = tuple(u.item() if hasattr(u, "item") else u for u in uniq)
    t = _ordering(table, order_by if order_by is not None else names[0], "order_by")
    perm = np.lexsort((t, codes))
    counts = np.bincount(codes, minlength=len(labels))
    size = int(counts.max()) if n else 0
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(n) - np.repeat(starts, counts)
    # large tables: rows and group slots padded to a size bucket, so that sweeps of nearby
    # sizes share one compiled program (padding rows are NaN: never feasible)
    rows = padded_size(n) if n > _PAD_FROM else n
    slots = padded_size(size) if size > _PAD_FROM else size
    layout = np.full((len(labels), max(slots, 1)), rows, np.int64)
    layout[codes[perm], pos] = perm

    # arrays for the compiled core
    x = np.stack([np.asarray(table.stat(o.name)) for o in objs], -1)
    dt = _work_dtype(x.dtype)
    cx = (np.stack([np.asarray(table.stat(c.objective, c.stat)) for c in terms], -1)
          if terms else np.zeros((n, 0)))
    tt = np.asarray(t, float)
    if rows > n:
        def pad(a):
            return np.concatenate([a, np.full((rows - n, *a.shape[1:]), np.nan)])

        x, cx, tt = pad(x), pad(cx), pad(tt)
    x, cx = jnp.asarray(x, dt), jnp.asarray(cx, dt)
    ideal = jnp.asarray([o.ideal for o in objs], dt)
    statics = dict(
        maximise=tuple(o.maximise for o in objs),
        upper=tuple(c.op == "<=" for c in terms),
        cobj=tuple(names.index(c.objective) if (c.objective in names and c.stat == "mean")
                   else -1 for c in terms),
        utopia_norm=normalise, knee_norm=knee_norm,
    )
    cross = group_by is not None
    flat_lim = jnp.asarray(lim.reshape(math.prod(bshape), len(terms)), dt)
    feas, front, viol, picks, cfront, cpicks = _core(
        x, cx, jnp.asarray(tt, dt), jnp.asarray(layout), flat_lim, ideal,
        nd=_nd_method(slots, len(objs)), nd_cross=_nd_method(rows, len(objs)), cross=cross,
        bshape=tuple(bshape), **statics)
    if rows > n:
        feas, front, viol, cfront = (a[..., :n] if a.ndim == len(bshape) + 1 else a[..., :n, :]
                                     for a in (feas, front, viol, cfront))
    keys = [f"best:{o.name}" for o in objs]

    def named(p):
        best = p.pop("best")
        return {**{k: best[..., j] for j, k in enumerate(keys)}, **p}

    return Choice(table, tuple(names), terms, lim, labels, codes, feas, front, viol,
                  named(picks), cfront if cross else None, named(cpicks) if cross else None)


_PICKS = ("best", "cube", "utopia", "knee_chord", "knee_curvature", "knee_paper")


@partial(jax.jit, static_argnames=("maximise", "upper", "cobj", "utopia_norm", "knee_norm",
                                   "nd", "nd_cross", "cross", "bshape"))
def _core(x, cx, t, layout, lim, ideal, *, maximise, upper, cobj, utopia_norm, knee_norm, nd,
          nd_cross, cross, bshape):
    """Every group under every limit vector, plus the cross-group view, in one call.

    ``x`` ``(n, m)``, ``cx`` ``(n, c)``, ``t`` ``(n,)``; ``layout`` ``(G, S)`` row indices of
    each group in curve order (``n``: padding); ``lim`` ``(B, c)``.
    """
    n = x.shape[0]
    sel = partial(_sel.select, maximise=maximise, upper=upper, cobj=cobj,
                  utopia_norm=utopia_norm, knee_norm=knee_norm)
    valid = layout < n
    safe = jnp.minimum(layout, n - 1)
    gx, gcx, gt = x[safe], cx[safe], t[safe]  # (G, S, ...)
    per_group = jax.vmap(partial(sel, nd=nd), in_axes=(0, 0, None, 0, 0, None))
    res = jax.vmap(per_group, in_axes=(None, None, 0, None, None, None))(
        gx, gcx, lim, gt, valid, ideal)  # fields (B, G, ...)
    B = lim.shape[0]
    flat = layout.reshape(-1)
    keep = flat < n
    target = jnp.where(keep, flat, n)

    def to_rows(a):  # (B, G, S, ...) -> (B, n, ...)
        a = a.reshape(B, a.shape[1] * a.shape[2], *a.shape[3:])
        out = jnp.zeros((B, n + 1, *a.shape[2:]), a.dtype)
        return out.at[:, target].set(a)[:, :n]

    def to_row_index(i):  # (B, G[, m]) positions within the group -> row indices
        gi = jnp.arange(layout.shape[0]).reshape((1, -1) + (1,) * (i.ndim - 2))
        row = layout[gi, jnp.maximum(i, 0)]
        return jnp.where(i >= 0, row, -1).astype(jnp.int32)

    def grid(tree):  # leading (B, ...) -> (*bshape, ...)
        return jax.tree.map(lambda a: a.reshape(*bshape, *a.shape[1:]), tree)

    picks = {k: to_row_index(getattr(res, k)) for k in _PICKS}
    feas, front, viol = to_rows(res.feasible), to_rows(res.pareto), to_rows(res.violation)
    if not cross:
        return grid((feas, front, viol, picks, front, picks))
    order = jnp.argsort(x[:, 0], stable=True)
    cres = jax.vmap(partial(sel, nd=nd_cross), in_axes=(None, None, 0, None, None, None))(
        x[order], cx[order], lim, x[order, 0], jnp.ones((n,), bool), ideal)
    inv = jnp.argsort(order)
    cpicks = {k: jnp.where(getattr(cres, k) >= 0, order[jnp.maximum(getattr(cres, k), 0)],
                           -1).astype(jnp.int32) for k in _PICKS}
    return grid((feas, front, viol, picks, cres.pareto[:, inv], cpicks))
