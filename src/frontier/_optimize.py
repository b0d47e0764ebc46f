"""Operating points: the paper's study end to end, for many models and many budgets at once."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ._models import Model
from ._sampling import QUANTILE_LEVELS, Summary, summarize
from ._validation import positive_int
from .kernels import select as _sel

__all__ = [
    "Budget",
    "Constraint",
    "CrossModel",
    "Estimate",
    "OperatingPoint",
    "Points",
    "Study",
    "budget_grid",
    "optimize",
    "parse_slo",
]

POINT_NAMES = ("accuracy", "cube", "utopia", "cheapest", "knee_chord", "knee_curvature",
               "knee_paper")
_OBJECTIVES = ("cost", "time", "accuracy")


class Budget(NamedTuple):
    """Constraints on the means: ``cost <= C_max``, ``time <= T_max``, ``accuracy >= acc_min``.

    Fields may be arrays; they broadcast together and their shape becomes the leading
    "budget" axes of every result of :func:`optimize`. ``inf``/``-inf`` switch a constraint
    off.
    """

    C_max: Any = math.inf
    T_max: Any = math.inf
    acc_min: Any = -math.inf


def budget_grid(C_max: Any, T_max: Any, acc_min: Any) -> Budget:
    """The outer product of per-constraint values: a ``(nC, nT, nA)`` grid of budgets.

    Examples
    --------
    >>> import frontier
    >>> b = frontier.budget_grid([0.25, 0.5], [30, 60, 90], [0.88])
    >>> b.C_max.shape
    (2, 3, 1)
    """
    c, t, a = np.meshgrid(np.atleast_1d(np.asarray(C_max, float)),
                          np.atleast_1d(np.asarray(T_max, float)),
                          np.atleast_1d(np.asarray(acc_min, float)), indexing="ij")
    return Budget(c, t, a)


class Constraint(NamedTuple):
    """One SLO term, e.g. ``Constraint("time", 0.95, "<=", 2.0)`` for "p95 time <= 2 s".

    ``stat`` is ``"mean"`` or a quantile level in ``[0, 1]``.
    """

    objective: str
    stat: Any
    op: str
    value: float


_SLO_TERM = re.compile(
    r"^\s*(?:(?P<stat1>mean|p\d+(?:\.\d+)?)\s+(?P<obj1>cost|time|accuracy)"
    r"|(?P<obj2>cost|time|accuracy)\.(?P<stat2>mean|p\d+(?:\.\d+)?))"
    r"\s*(?P<op><=|>=)\s*(?P<val>[-+0-9.eE]+)\s*$"
)


def parse_slo(text: str | Sequence[Constraint] | Constraint | None) -> tuple[Constraint, ...]:
    """Parse ``"p95 time <= 2 and mean accuracy >= 0.9"`` into :class:`Constraint` terms.

    Terms are joined by ``and`` or commas; each is ``STAT OBJECTIVE OP VALUE`` or
    ``OBJECTIVE.STAT OP VALUE`` with ``STAT`` ``mean`` or ``pNN`` (a percentile) and ``OP``
    ``<=`` or ``>=``.

    Examples
    --------
    >>> import frontier
    >>> frontier.parse_slo("p95 time <= 2 and mean accuracy >= 0.9")
    (Constraint(objective='time', stat=0.95, op='<=', value=2.0), Constraint(objective='accuracy', stat='mean', op='>=', value=0.9))
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
        stat = m["stat1"] or m["stat2"]
        obj = m["obj1"] or m["obj2"]
        try:
            val = float(m["val"])
        except ValueError:
            raise ValueError(f"`slo`: bad number {m['val']!r} in {term.strip()!r}") from None
        out.append(_check_constraint(Constraint(obj, stat, m["op"], val)))
    if not out:
        raise ValueError(f"`slo` is empty: {text!r}")
    return tuple(out)


def _check_constraint(c: Constraint) -> Constraint:
    if c.objective not in _OBJECTIVES:
        raise ValueError(f"`slo`: unknown objective {c.objective!r} (cost, time or accuracy)")
    if c.op not in ("<=", ">="):
        raise ValueError(f"`slo`: unknown operator {c.op!r} (<= or >=)")
    stat = c.stat
    if isinstance(stat, str) and stat != "mean":
        if not re.fullmatch(r"p\d+(\.\d+)?", stat):
            raise ValueError(f"`slo`: unknown statistic {stat!r} (mean or pNN)")
        stat = round(float(stat[1:]) / 100.0, 10)
    if stat != "mean" and not (0.0 <= float(stat) <= 1.0):
        raise ValueError(f"`slo`: quantile level {stat!r} outside [0, 1]")
    if not math.isfinite(float(c.value)):
        raise ValueError(f"`slo`: the value for {c.objective} must be finite, got {c.value}")
    return Constraint(c.objective, stat, c.op, float(c.value))


class Estimate(NamedTuple):
    """Mean and 95% interval (2.5 and 97.5 percentiles over trials) of one objective."""

    mean: jax.Array
    lo: jax.Array
    hi: jax.Array


class OperatingPoint(NamedTuple):
    """A selected configuration, per budget (and per model, except for the cross-model view).

    ``index`` is into ``Study.ks`` (``-1`` and ``found == False`` when no candidate
    qualifies; then ``k`` is 0 and the estimates are NaN). ``model`` is the model index (the
    model's own for per-model points).
    """

    found: jax.Array
    model: jax.Array
    index: jax.Array
    k: jax.Array
    cost: Estimate
    time: Estimate
    accuracy: Estimate


class Points(NamedTuple):
    """The operating points of SPEC section 2, plus the cheapest feasible configuration.

    ``knee_paper`` is the reference code's (C, T)-only curvature rule, kept only for
    comparison: it selects Monte Carlo noise (SPEC section 3, item 1).
    """

    accuracy: OperatingPoint
    cube: OperatingPoint
    utopia: OperatingPoint
    cheapest: OperatingPoint
    knee_chord: OperatingPoint
    knee_curvature: OperatingPoint
    knee_paper: OperatingPoint


class CrossModel(NamedTuple):
    """The frontier over all (model, k) pairs together, per budget."""

    feasible: jax.Array  # (*B, M, K)
    pareto: jax.Array  # (*B, M, K)
    points: Points  # fields (*B,), with .model the chosen model


class Study(NamedTuple):
    """Result of :func:`optimize`. ``*B`` is the broadcast shape of the budget fields."""

    models: tuple[str, ...]
    ks: tuple[int, ...]
    budget: Budget
    slo: tuple[Constraint, ...]
    summary: Summary
    feasible: jax.Array  # (*B, M, K) bool
    pareto: jax.Array  # (*B, M, K) bool
    violation: jax.Array  # (*B, M, K, 3) relative shortfall of (cost, time, accuracy)
    slo_ok: jax.Array  # (M, K) bool: the SLO terms alone
    points: Points  # fields (*B, M)
    cross: CrossModel

    def explain(self, model: int | str, budget_index: tuple[int, ...] = ()) -> str:
        """A one-line account of why a model has (or lacks) feasible configurations."""
        i = self.models.index(model) if isinstance(model, str) else int(model)
        feas = np.asarray(self.feasible[(*budget_index, i)])
        name = self.models[i]
        if feas.any():
            ks = [k for k, f in zip(self.ks, feas, strict=True) if f]
            return f"{name}: {len(ks)} feasible k ({ks[0]}..{ks[-1]})"
        return infeasibility(self, i, budget_index)


def infeasibility(study: Study, i: int, budget_index: tuple[int, ...] = ()) -> str:
    """Which constraint binds, and by how much, at the candidate closest to feasibility."""
    viol = np.asarray(study.violation[(*budget_index, i)])  # (K, 3)
    slo_ok = np.asarray(study.slo_ok[i])
    total = viol.sum(-1) + (~slo_ok) * 1e-9
    j = int(np.argmin(total))
    b = [float(np.asarray(f)[budget_index]) for f in study.budget]
    s = study.summary
    means = [float(np.asarray(st.mean)[i, j]) for st in (s.cost, s.time, s.accuracy)]
    parts = []
    labels = (("cost", "<=", b[0], "$"), ("time", "<=", b[1], "s"), ("accuracy", ">=", b[2], ""))
    for (lab, op, lim, unit), v, r in zip(labels, means, viol[j], strict=True):
        if r > 0:
            parts.append(f"{lab} {v:.4g}{unit} misses {op} {lim:.4g}{unit} by "
                         f"{abs(v - lim):.4g}{unit} ({100 * r:.1f}%)")
    if not slo_ok[j]:
        parts.append("the SLO fails")
    return (f"{study.models[i]}: no feasible k; closest is k={study.ks[j]}: "
            + "; ".join(parts or ["no constraint met"]))


def _as_budget(budget: Any) -> Budget:
    if budget is None:
        budget = Budget()
    elif isinstance(budget, Mapping):
        unknown = set(budget) - set(Budget._fields)
        if unknown:
            raise ValueError(f"`budget`: unknown field {sorted(unknown)[0]!r} "
                             f"(use {', '.join(Budget._fields)})")
        budget = Budget(**budget)
    elif not isinstance(budget, Budget):
        budget = Budget(*budget)
    arrs = []
    for name, v in zip(Budget._fields, budget, strict=True):
        a = np.asarray(v, dtype=float)
        if np.isnan(a).any():
            raise ValueError(f"`budget.{name}` contains NaN")
        if name != "acc_min" and (a <= 0).any():
            raise ValueError(f"`budget.{name}` must be > 0, got {a.min()}")
        arrs.append(a)
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrs))
    except ValueError:
        raise ValueError("`budget` fields do not broadcast: shapes "
                         f"{[a.shape for a in arrs]}") from None
    return Budget(*(np.broadcast_to(a, shape) for a in arrs))


def _slo_mask(summary: Summary, slo: Sequence[Constraint]) -> jax.Array:
    stats = {"cost": summary.cost, "time": summary.time, "accuracy": summary.accuracy}
    ok = jnp.ones(summary.cost.mean.shape, bool)
    for c in slo:
        st = stats[c.objective]
        if c.stat == "mean":
            v = st.mean
        else:
            v = st.quantiles[..., summary.quantile_levels.index(c.stat)]
        ok = ok & ((v <= c.value) if c.op == "<=" else (v >= c.value))
    return ok


def _point(idx, model_idx, ks_arr, est):
    found = idx >= 0
    safe = jnp.maximum(idx, 0)

    def pick(a):  # a: (M, K) -> gather at (model_idx, safe)
        v = a[model_idx, safe]
        return jnp.where(found, v, jnp.nan)

    ests = [Estimate(*(pick(a) for a in e)) for e in est]
    k = jnp.where(found, ks_arr[safe], 0)
    return OperatingPoint(found, model_idx, idx, k, *ests)


@partial(jax.jit, static_argnames=("bshape",))
def _study_core(means, los, his, ks_arr, limits, slo_ok, *, bshape):
    """Selections, operating points and the cross-model view in one compiled call.

    ``means``/``los``/``his``: (3, M, K) for (cost, time, accuracy); ``limits``: (B, 3).
    """
    cost, time, acc = means
    M, K = cost.shape
    ks_f = ks_arr.astype(cost.dtype)
    est = [(means[i], los[i], his[i]) for i in range(3)]
    per_model = jax.vmap(_sel.select, in_axes=(0, 0, 0, None, None, 0))
    sel = jax.vmap(per_model, in_axes=(None, None, None, None, 0, None))(
        cost, time, acc, ks_f, limits, slo_ok)  # fields (B, M, ...)

    # cross-model: pool (model, k) pairs, ordered by mean cost for the knee curves
    flat = [a.reshape(-1) for a in (cost, time, acc)]
    order = jnp.argsort(flat[0], stable=True)
    pooled = [a[order] for a in flat]
    cross = jax.vmap(_sel.select, in_axes=(None, None, None, None, 0, None))(
        *pooled, pooled[0], limits, slo_ok.reshape(-1)[order])
    inv = jnp.argsort(order)

    def unpool(mask):  # (B, M*K) in pooled order -> (B, M, K)
        return mask[:, inv].reshape(-1, M, K)

    midx = jnp.broadcast_to(jnp.arange(M, dtype=jnp.int32), (limits.shape[0], M))
    pts = Points(*(_point(getattr(sel, n), midx, ks_arr, est) for n in POINT_NAMES))

    def cross_point(i):  # pooled index (or -1) -> an OperatingPoint with its model
        flat_idx = jnp.where(i >= 0, order[jnp.maximum(i, 0)], -1)
        found = flat_idx >= 0
        mi = jnp.where(found, flat_idx // K, -1).astype(jnp.int32)
        ki = jnp.where(found, flat_idx % K, -1).astype(jnp.int32)
        return _point(ki, jnp.maximum(mi, 0), ks_arr, est)._replace(model=mi)

    cpts = Points(*(cross_point(getattr(cross, n)) for n in POINT_NAMES))

    def reshape(a):
        return a.reshape(*bshape, *a.shape[1:])

    out = (sel.feasible, sel.pareto, sel.violation, pts, unpool(cross.feasible),
           unpool(cross.pareto), cpts)
    return jax.tree.map(reshape, out)


def optimize(
    models: Model | Sequence[Model] | Mapping[str, Model],
    *,
    budget: Budget | Mapping[str, Any] | Sequence[Any] | None,
    key: Any,
    num_trials: int,
    k_max: int | None = None,
    ks: Sequence[int] | None = None,
    parallel: int | Sequence[int] | None = None,
    slo: str | Sequence[Constraint] | None = None,
    scheme: str = "crn",
    time_model: str = "paper",
    **summarize_kwargs: Any,
) -> Study:
    """Evaluate every candidate k of every model and select the operating points.

    Parameters
    ----------
    models
        A :class:`Model`, a sequence, or a mapping key -> Model (keys name the rows).
    budget
        A :class:`Budget` (or a mapping / 3-sequence ``(C_max, T_max, acc_min)``); fields may
        be arrays, which broadcast into a grid of budgets evaluated in one vectorised call
        (see :func:`budget_grid`). ``None``: no budget (use with ``slo``).
    key, num_trials, parallel, scheme, time_model
        As in :func:`frontier.sample`; ``parallel`` here must be one int for all models when
        the grid is the paper's (it sets the grid), or ``None`` for ``default_parallel``.
    k_max, ks
        The candidates: ``ks`` explicitly, or the paper's grid ``P, 2P, ..., <= k_max`` (``P``
        from ``parallel``, or the first model's ``default_parallel``).
    slo
        Extra constraints on means or tail quantiles, e.g. ``"p95 time <= 2 and mean
        accuracy >= 0.9"`` (:func:`parse_slo`); a candidate must meet the budget and the SLO.
    **summarize_kwargs
        Passed to :func:`frontier.summarize` (e.g. ``chunk_size``, ``progress``).

    Returns
    -------
    Study
        Per budget and model: the feasible set, the Pareto front among the feasible
        candidates, relative violations and :class:`Points` (accuracy-optimal, cube-optimal,
        utopia-closest, cheapest, knees); the same over all (model, k) pairs in ``cross``.
        ``Study.explain(model)`` says which constraint binds when nothing is feasible.

    Raises
    ------
    ValueError, TypeError
        For bad budgets (NaN, non-positive C_max/T_max, shapes that do not broadcast), an
        empty grid (``P > k_max``), a malformed SLO, and everything :func:`frontier.sample`
        rejects.

    Notes
    -----
    Rules (SPEC section 2), on the candidates' means: *feasible* when ``C <= C_max``,
    ``T <= T_max``, ``A >= acc_min`` (and the SLO); *accuracy*: highest mean accuracy,
    smallest k on ties; *cube*: max ``(1 - C/C_max)(1 - T/T_max) A``; *utopia*: the Pareto
    point minimising ``||(C/C_max, T/T_max, 1 - A)||``; *cheapest*: lowest mean cost;
    *knee_chord*: the Pareto point (ordered by k) farthest from the chord joining the first
    and last Pareto points in ``(C/C_max, T/T_max, A)``; *knee_curvature*: maximum curvature
    of that 3-D curve with the actual spacing of k; *knee_paper*: the reference rule (2-D,
    noise). Knees need >= 3 Pareto points. In the cross-model view the curve is ordered by
    cost. Selections are hard arg-max rules and are not differentiable (see
    :func:`frontier.sensitivity`).

    Examples
    --------
    >>> import frontier
    >>> cat = frontier.catalog()
    >>> study = frontier.optimize({"gpt5-mini": cat["gpt5-mini"], "gpt5": cat["gpt5"]},
    ...                           budget=(0.5, 60.0, 0.88), k_max=128, key=42, num_trials=300)
    >>> study.points.accuracy.k.tolist()   # per model
    [52, 20]
    >>> study.models[int(study.cross.points.accuracy.model)]
    'gpt5-mini'
    """
    if isinstance(models, Model):
        names: tuple[str, ...] = (models.name or "model",)
        seq = [models]
    elif isinstance(models, Mapping):
        names, seq = tuple(str(k) for k in models), list(models.values())
    else:
        seq = list(models)
        names = tuple(m.name or f"model{i}" for i, m in enumerate(seq))
    if ks is None:
        if k_max is None:
            raise ValueError("pass `k_max` (the paper's grid P, 2P, ... <= k_max) or `ks`")
        k_max = positive_int(k_max, "k_max")
        if parallel is None or not isinstance(parallel, int | np.integer):
            step = seq[0].default_parallel if seq and isinstance(seq[0], Model) else 1
            if parallel is not None:
                raise ValueError("with `k_max`, `parallel` must be one int (it sets the grid)")
        else:
            step = positive_int(parallel, "parallel")
        ks = tuple(range(step, k_max + 1, step))
        if not ks:
            raise ValueError(f"empty grid: P={step} > k_max={k_max}; lower P or raise k_max")
    else:
        ks = tuple(sorted(positive_int(k, f"ks[{i}]") for i, k in enumerate(ks)))
    b = _as_budget(budget)
    terms = parse_slo(slo)
    levels = tuple(sorted(set(QUANTILE_LEVELS) | {c.stat for c in terms if c.stat != "mean"}))
    summ = summarize(seq, ks, key=key, num_trials=num_trials, parallel=parallel,
                     scheme=scheme, time_model=time_model, quantiles=levels, **summarize_kwargs)
    dt = summ.cost.mean.dtype
    slo_ok = _slo_mask(summ, terms)
    bshape = b.C_max.shape
    limits = jnp.asarray(np.stack([a.reshape(-1) for a in b], -1), dt)
    lo_i, hi_i = levels.index(0.025), levels.index(0.975)
    stats = (summ.cost, summ.time, summ.accuracy)
    feas, par, viol, pts, cfeas, cpar, cpts = _study_core(
        jnp.stack([st.mean for st in stats]),
        jnp.stack([st.quantiles[..., lo_i] for st in stats]),
        jnp.stack([st.quantiles[..., hi_i] for st in stats]),
        jnp.asarray(ks, jnp.int32), limits, slo_ok, bshape=bshape)
    return Study(
        models=names, ks=ks, budget=b, slo=terms, summary=summ,
        feasible=feas, pareto=par, violation=viol, slo_ok=slo_ok, points=pts,
        cross=CrossModel(cfeas, cpar, cpts),
    )
