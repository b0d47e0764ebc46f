"""The paper's study end to end: simulate -> candidate table -> engine, for many models and
budgets at once (:func:`optimize`)."""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ._engine import Choice, Constraint, choose, parse_slo
from ._models import Model
from ._replicates import Replicates, check_replicates, replicate_keys, summarize_replicates
from ._sampling import (
    EXTRA_OBJECTIVES,
    QUANTILE_LEVELS,
    Stats,
    Summary,
    _as_ks,
    _as_models,
    _as_parallel,
    summarize,
)
from ._serving import validate_serving
from ._table import MOMENTS, Objective, Table, stat_name
from ._validation import as_key, positive_int

__all__ = [
    "OBJECTIVES",
    "Budget",
    "CrossModel",
    "Estimate",
    "OperatingPoint",
    "Points",
    "Study",
    "budget_grid",
    "candidate_ks",
    "optimize",
]

#: The paper model's objectives: cost ($/query, minimised), time (s/query, minimised) and
#: best-of-k accuracy (maximised, in [0, 1]).
OBJECTIVES: tuple[Objective, ...] = (
    Objective("cost", "min", "$", (0.0, math.inf)),
    Objective("time", "min", "s", (0.0, math.inf)),
    Objective("accuracy", "max", "", (0.0, 1.0)),
)
OBJECTIVE_NAMES: tuple[str, ...] = tuple(o.name for o in OBJECTIVES)

# Points field -> engine rule
_RULE_OF = {"accuracy": "best:accuracy", "cube": "cube", "utopia": "utopia",
            "cheapest": "best:cost", "knee_chord": "knee_chord",
            "knee_curvature": "knee_curvature", "knee_paper": "knee_paper"}


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


class Estimate(NamedTuple):
    """Mean and 95% interval (2.5 and 97.5 percentiles over trials) of one objective."""

    mean: jax.Array
    lo: jax.Array
    hi: jax.Array


class OperatingPoint(NamedTuple):
    """A selected configuration, per budget (and per model, except for the cross-model view).

    ``index`` is into ``Study.ks`` (``-1`` and ``found == False`` when no candidate
    qualifies; then ``k`` is 0 and the estimates are NaN). ``model`` is the model index (the
    model's own for per-model points; ``-1`` for a cross-model point not found).
    """

    found: jax.Array
    model: jax.Array
    index: jax.Array
    k: jax.Array
    cost: Estimate
    time: Estimate
    accuracy: Estimate


class Points(NamedTuple):
    """The operating points of the paper's rules, plus the cheapest feasible configuration.

    ``knee_paper`` is the reference code's (C, T)-only curvature rule, kept only for
    comparison: for the paper model it selects Monte Carlo noise.
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
    """Result of :func:`optimize`. ``*B`` is the broadcast shape of the budget fields.

    ``table`` holds the candidates (one row per (model, k); :meth:`frontier.Table.to_frame`
    gives a DataFrame) and ``choice`` the engine's full result on it. ``replicates`` holds
    the frequencies over independent replicates (:class:`frontier.Replicates`) when
    :func:`optimize` was given ``replicates=R``, else ``None``.
    """

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
    table: Table | None = None
    choice: Choice | None = None
    knee_normalise: str = "front"
    replicates: Replicates | None = None

    def explain(self, model: int | str, budget_index: tuple[int, ...] = ()) -> str:
        """A one-line account of why a model has (or lacks) feasible configurations.

        Raises
        ------
        ValueError
            For an unknown model key or index, or a ``budget_index`` that does not match the
            budget grid.
        """
        if isinstance(model, str):
            if model not in self.models:
                raise ValueError(f"`model`: unknown key {model!r}; the study has "
                                 f"{list(self.models)}")
            i = self.models.index(model)
        else:
            try:
                i = operator.index(model)
            except TypeError:
                raise TypeError(f"`model` must be a key or an index, got {model!r}") from None
            if not -len(self.models) <= i < len(self.models):
                raise ValueError(f"`model` index {i} out of range for {len(self.models)} "
                                 "models")
            i %= len(self.models)
        bidx = tuple(budget_index)
        shape = np.shape(self.budget.C_max)
        if len(bidx) != len(shape) or any(not -s <= j < s for j, s in zip(bidx, shape,
                                                                            strict=True)):
            raise ValueError(f"`budget_index` {bidx} does not match the budget grid of shape "
                             f"{shape}")
        feas = np.asarray(self.feasible[(*bidx, i)])
        name = self.models[i]
        if feas.any():
            ks = [k for k, f in zip(self.ks, feas, strict=True) if f]
            return f"{name}: {len(ks)} feasible k ({ks[0]}..{ks[-1]})"
        if self.choice is None:
            return f"{name}: no feasible k"
        return self.choice.explain(i, bidx, noun="k", knobs=["k"])


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
        try:
            budget = Budget(*budget)
        except TypeError:
            raise TypeError("`budget` must be a Budget, a mapping or a sequence (C_max, T_max,"
                            f" acc_min), got {budget!r}") from None
    arrs = []
    for name, v in zip(Budget._fields, budget, strict=True):
        try:
            a = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"`budget.{name}` must be a number or an array of numbers, got "
                             f"{v!r}") from None
        if a.size == 0:
            raise ValueError(f"`budget.{name}` is empty")
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


def candidate_ks(
    models: Sequence[Model],
    *,
    k_max: int | None = None,
    ks: Sequence[int] | None = None,
    parallel: int | Sequence[int] | None = None,
) -> tuple[int, ...]:
    """The candidate ``k`` of a study: ``ks`` as given, or the paper's grid from ``k_max``.

    The paper's grid is ``P, 2P, ..., <= k_max`` with ``P`` the parallelism (``parallel``,
    or each model's ``default_parallel``); when the models' ``P`` differ, the grid is the
    union of their grids.

    Raises
    ------
    ValueError
        If both or neither of ``ks`` and ``k_max`` are given, or the grid is empty.

    Examples
    --------
    >>> import frontier
    >>> from frontier._study import candidate_ks
    >>> candidate_ks([frontier.catalog()["gpt5"]], k_max=16)
    (4, 8, 12, 16)
    >>> candidate_ks([frontier.catalog()["gpt5"]], k_max=8, parallel=[3])
    (3, 6)
    """
    if ks is not None and k_max is not None:
        raise ValueError("pass either `ks` (explicit candidates) or `k_max` (the paper's grid"
                         " P, 2P, ... <= k_max), not both")
    if ks is not None:
        return tuple(sorted(_as_ks(ks)))
    if k_max is None:
        raise ValueError("pass `k_max` (the paper's grid P, 2P, ... <= k_max) or `ks`")
    k_max = positive_int(k_max, "k_max")
    steps = sorted(set(_as_parallel(parallel, models).tolist()))
    grid = sorted({k for p in steps for k in range(p, k_max + 1, p)})
    if not grid:
        raise ValueError(f"empty grid: P={steps[0]} > k_max={k_max}; lower P or raise k_max")
    return tuple(grid)


def study_table(summary: Summary, names: Sequence[str], parallel: Sequence[int],
                knobs: dict[str, Any] | None = None) -> Table:
    """The candidate table of a simulated study: one row per (model, k), model-major.

    The objectives are cost, time and accuracy, then those of ``summary.extra`` (e.g.
    ``ttft``, ``e2e``, ``tok_s_gpu``, ``usd_per_mtok``); ``knobs`` adds per-model knob
    columns (e.g. ``batch``).
    """
    M, K = len(names), len(summary.ks)
    cols_k = {"model": np.repeat(np.asarray(names, dtype=object), K),
              "k": np.tile(np.asarray(summary.ks, np.int64), M),
              "P": np.repeat(np.asarray(parallel, np.int64), K)}
    for name, v in (knobs or {}).items():
        cols_k[name] = np.repeat(np.asarray(v), K)
    objs = (*OBJECTIVES, *(EXTRA_OBJECTIVES[n] for n in summary.extra))
    stats = {}
    for obj in objs:
        st = summary.stats(obj.name)
        cols = {s: np.asarray(getattr(st, s)).reshape(-1) for s in MOMENTS}
        q = np.asarray(st.quantiles).reshape(M * K, -1)
        for j, lv in enumerate(summary.quantile_levels):
            cols[stat_name(lv)] = q[:, j]
        stats[obj.name] = cols
    return Table(cols_k, objs, stats, {"num_trials": summary.num_trials})


def _flat_variants(summary: Summary) -> Summary:
    """A summary ``(M, B, K)`` as ``(M * B, K)``: one row per (model, batch) variant."""

    def flat(st: Stats) -> Stats:
        return Stats(*(a.reshape(-1, *a.shape[2:]) for a in st))

    return summary._replace(cost=flat(summary.cost), time=flat(summary.time),
                            accuracy=flat(summary.accuracy),
                            extra={k: flat(v) for k, v in summary.extra.items()})


@partial(jax.jit, static_argnames=("K", "per_model"))
def _points(rows, est, ks, *, K, per_model):
    """:class:`Points` from ``rows`` ``(R, *B[, M])`` row indices (-1: none), one per rule in
    :class:`Points` order; ``est`` ``(3, 3, n)`` = (objective, mean/lo/hi, row)."""
    found = rows >= 0
    safe = jnp.maximum(rows, 0)
    index = jnp.where(found, safe % K, -1).astype(jnp.int32)
    if per_model:
        model = jnp.broadcast_to(jnp.arange(rows.shape[-1], dtype=jnp.int32), rows.shape)
    else:
        model = jnp.where(found, safe // K, -1).astype(jnp.int32)
    k = jnp.where(found, ks[jnp.maximum(index, 0)], 0)
    vals = jnp.where(found[None, None], est[:, :, safe], jnp.nan)  # (3, 3, R, ...)
    return Points(*(
        OperatingPoint(found[r], model[r], index[r], k[r],
                       *(Estimate(*(vals[o, s, r] for s in range(3))) for o in range(3)))
        for r in range(len(Points._fields))))


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
    knee_normalise: str = "front",
    aggregation: Any = None,
    latency: Any = None,
    serving: Any = None,
    objectives: Sequence[str] | None = None,
    replicates: int | None = None,
    **summarize_kwargs: Any,
) -> Study:
    """Evaluate every candidate k of every model and select the operating points.

    The study is three steps: :func:`frontier.summarize` simulates every (model, k), the
    statistics become a :class:`frontier.Table` (``Study.table``), and the engine
    (:func:`frontier.choose`, grouped by model, in the paper's budget-normalised space)
    finds the feasible sets, fronts and operating points (``Study.choice``).

    Parameters
    ----------
    models
        A :class:`Model`, a sequence, or a mapping key -> Model (keys name the rows).
    budget
        A :class:`Budget` (or a mapping / 3-sequence ``(C_max, T_max, acc_min)``); fields may
        be arrays, which broadcast into a grid of budgets evaluated in one vectorised call
        (see :func:`budget_grid`). ``None``: no budget (use with ``slo``).
    key, num_trials, parallel, scheme, time_model
        As in :func:`frontier.sample`.
    k_max, ks
        The candidates: ``ks`` explicitly, or the paper's grid ``P, 2P, ..., <= k_max``
        (see :func:`candidate_ks`); exactly one of the two.
    slo
        Extra constraints on means or tail quantiles, e.g. ``"p95 time <= 2 and mean
        accuracy >= 0.9"`` (:func:`parse_slo`); a candidate must meet the budget and the SLO.
        With ``latency`` or ``serving`` the added objectives can be constrained too, e.g.
        ``"p99 ttft <= 0.5 and mean usd_per_mtok <= 0.2"``.
    knee_normalise
        The space of the knees. ``"front"`` (default): each objective mapped to ``[0, 1]``
        by the ideal and nadir of the Pareto points the knee is chosen from (the
        normalisation of the knee literature: Kneedle; Deb and Gupta). ``"budget"``: the
        paper's ``(C/C_max, T/T_max, A)``, where cost and time span a fraction of their
        budget while accuracy spans a few hundredths, so the curve is nearly flat and its
        curvature peaks where accuracy bends first (usually the second point, ``k = 2P``).
    aggregation, latency, serving
        As in :func:`frontier.sample`: the aggregation of the k samples, and the objectives
        ``ttft``/``e2e`` (latency) and ``tok_s_gpu``/``usd_per_mtok`` (serving), which
        become columns of ``Study.table`` with their quantiles. With several
        ``serving.batch`` values every (model, batch) pair is one row group of the study,
        named ``"<model>@b<batch>"``, with a ``batch`` knob: the cross-model view then
        chooses the batch size too.
    objectives
        The objectives of the Pareto fronts and rules (names of ``Study.table``); default
        ``("cost", "time", "accuracy")``. The budget constrains cost, time and accuracy
        whatever the front is taken over; a front over other objectives is normalised by
        its own range (``"front"``) for the utopia rule. ``Points.accuracy`` and
        ``Points.cheapest`` are
        the best feasible accuracy and cost, so they are found only when ``accuracy`` and
        ``cost`` are among the objectives (``Study.choice.picks`` holds
        ``"best:<objective>"`` for each objective of the front).
    replicates
        ``None`` (default): one study. An int ``R >= 2``: ``R`` independent replicates of
        ``num_trials`` trials each, replicate ``r`` simulated with the key
        ``jax.random.fold_in(key, r)`` (so it is ``optimize(..., key=fold_in(key, r))``),
        each with its own candidate table and engine run; ``Study.replicates``
        (:class:`frontier.Replicates`) holds how often each (model, k) is feasible, on its
        model's front, on the cross-model front and selected by each rule, with binomial
        standard errors. The rest of the study (``summary``, ``table``, fronts, points) is
        replicate 0's: ``optimize(..., key=fold_in(key, 0))``, not the study of ``key``.
        Costs ``R`` simulations.
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
        empty grid (``P > k_max``), both or neither of ``ks`` and ``k_max``, a malformed
        SLO, ``replicates`` that is not an int >= 2, and everything :func:`frontier.sample`
        rejects.

    Notes
    -----
    Rules (the paper's, on the candidates' means): *feasible* when ``C <= C_max``,
    ``T <= T_max``, ``A >= acc_min`` (and the SLO); *accuracy*: highest mean accuracy,
    smallest k on ties; *cube*: max ``(1 - C/C_max)(1 - T/T_max) A``; *utopia*: the Pareto
    point minimising ``||(C/C_max, T/T_max, 1 - A)||``; *cheapest*: lowest mean cost;
    *knee_chord*: the Pareto point (ordered by k) farthest from the chord joining the first
    and last Pareto points; *knee_curvature*: maximum curvature of that 3-D curve with the
    actual spacing of k; *knee_paper*: the reference rule (2-D, noise); the knees are taken
    in the ``knee_normalise`` space. Knees need >= 3 Pareto points (else not found); an
    objective that is constant over the Pareto points drops out of the ``"front"``
    normalisation (it maps to 0). The front is taken on the raw means (a budget that is
    switched off does not flatten its objective). In the cross-model view the curve
    is ordered by cost. Selections are hard arg-max rules and are not differentiable (see
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
    >>> df = study.table.to_frame()   # one row per (model, k)
    >>> df.loc[0, "model"], int(df.loc[0, "k"]), round(float(df.loc[0, "mean_cost"]), 4)
    ('gpt5-mini', 4, 0.0174)
    """
    seq, _ = _as_models(models)
    check_knee_normalise(knee_normalise)
    if isinstance(models, Model):
        names: tuple[str, ...] = (models.name or "model",)
    elif isinstance(models, Mapping):
        names = tuple(str(k) for k in models)
    else:
        names = tuple(m.name or f"model{i}" for i, m in enumerate(seq))
    ks = candidate_ks(seq, k_max=k_max, ks=ks, parallel=parallel)
    par = _as_parallel(parallel, seq)
    b = _as_budget(budget)
    srv = validate_serving(serving)
    known = ["cost", "time", "accuracy"]
    if latency is not None:
        known += ["ttft", "e2e"]
    if srv is not None:
        known += ["tok_s_gpu", "usd_per_mtok"]
    terms = study_terms(slo, known)
    front_objs = front_objectives(objectives, known)
    levels = tuple(sorted(set(QUANTILE_LEVELS) | {c.stat for c in terms if c.stat != "mean"}))
    n_rep = check_replicates(replicates)

    def simulate(k: Any) -> tuple[Summary, tuple[str, ...], Table]:
        summ = summarize(seq, ks, key=k, num_trials=num_trials, parallel=par.tolist(),
                         scheme=scheme, time_model=time_model, quantiles=levels,
                         aggregation=aggregation, latency=latency, serving=serving,
                         **summarize_kwargs)
        row_names, row_par, knobs = names, par, None
        if srv is not None:
            batches, batch_axis = srv[1], srv[2]
            if batch_axis:
                summ = _flat_variants(summ)
                row_names = tuple(f"{n}@b{bv:g}" for n in names for bv in batches)
                row_par = np.repeat(par, len(batches))
            knobs = {"batch": np.tile(np.asarray(batches, float), len(seq))}
        return summ, row_names, study_table(summ, row_names, row_par.tolist(), knobs)

    if n_rep is None:
        summ, names, table = simulate(key)
        return Study(models=names, ks=ks, summary=summ, table=table,
                     **select_study(table, len(names), ks, b, terms, knee_normalise,
                                    front_objs))
    first = None
    tables, sels = [], []
    for r, k in enumerate(replicate_keys(as_key(key), n_rep)):
        summ, row_names, table = simulate(k)
        sel = select_study(table, len(row_names), ks, b, terms, knee_normalise, front_objs)
        if r == 0:
            first = (summ, row_names, table, sel)
        tables.append(table)
        sels.append(sel)
    summ, names, table, sel = first
    return Study(models=names, ks=ks, summary=summ, table=table,
                 replicates=summarize_replicates(sels, tables), **sel)


def check_knee_normalise(value: Any) -> str:
    """``value`` if it names a knee space (``"front"`` or ``"budget"``), else ``ValueError``."""
    if value not in ("front", "budget"):
        raise ValueError(f"`knee_normalise` must be 'front' or 'budget', got {value!r}")
    return value


def study_terms(slo: Any, known: Sequence[str] = OBJECTIVE_NAMES) -> tuple[Constraint, ...]:
    """The SLO terms of a study: on the objectives ``known`` (cost, time, accuracy and those
    latency or serving add), their means or quantiles."""
    terms = parse_slo(slo)
    for c in terms:
        if c.objective not in known:
            raise ValueError(f"`slo`: unknown objective {c.objective!r} ({', '.join(known)})")
        if isinstance(c.stat, str) and c.stat != "mean":
            raise ValueError(f"`slo`: statistic {c.stat!r} is not available here (mean or "
                             "pNN)")
    return terms


def front_objectives(objectives: Sequence[str] | None,
                     known: Sequence[str] = OBJECTIVE_NAMES) -> tuple[str, ...]:
    """The objectives of a study's fronts: ``objectives`` checked against ``known``, default
    cost, time and accuracy."""
    if isinstance(objectives, str):
        raise TypeError("`objectives` must be a sequence of names, e.g. ['cost', 'e2e', "
                        "'accuracy']")
    front_objs = OBJECTIVE_NAMES if objectives is None else tuple(objectives)
    for o in front_objs:
        if o not in known:
            raise ValueError(f"`objectives`: unknown objective {o!r} ({', '.join(known)})")
    return front_objs


def select_study(table: Table, M: int, ks: tuple[int, ...], b: Budget,
                 terms: tuple[Constraint, ...], knee_normalise: str,
                 objectives: tuple[str, ...] = OBJECTIVE_NAMES) -> dict[str, Any]:
    """The engine on a study's candidate table under budget ``b`` and SLO ``terms``: the
    :class:`Study` fields that depend on them (one code path for :func:`optimize` and
    :func:`frontier.reselect`), with fronts over ``objectives``."""
    budget_terms = (Constraint("cost", "mean", "<=", math.inf),
                    Constraint("time", "mean", "<=", math.inf),
                    Constraint("accuracy", "mean", ">=", -math.inf))
    # the paper's budget-normalised space is (C/C_max, T/T_max, A); other objectives have no
    # budget to be divided by, so a front over them is normalised by its own range
    norm = "budget" if tuple(objectives) == OBJECTIVE_NAMES else "front"
    choice = choose(table, objectives=tuple(objectives), slo=budget_terms + tuple(terms),
                    limits=dict(enumerate(b)), group_by="model", order_by="k",
                    normalise=norm, knee_normalise=knee_normalise)
    K = len(ks)
    bshape = b.C_max.shape

    def grid(a):  # (*B, n, ...) -> (*B, M, K, ...)
        return a.reshape(*bshape, M, K, *a.shape[len(bshape) + 1:])

    lo, hi = stat_name(0.025), stat_name(0.975)
    est = jnp.asarray(np.stack([np.stack([table.stat(o, s) for s in ("mean", lo, hi)])
                                for o in ("cost", "time", "accuracy")]))
    ks_arr = jnp.asarray(ks, jnp.int32)

    def rows(picks):  # a rule whose objective is not in the front: not found (-1)
        none = jnp.full_like(picks["cube"], -1)
        return jnp.stack([picks.get(_RULE_OF[n], none) for n in Points._fields])

    pts = _points(rows(choice.picks), est, ks_arr, K=K, per_model=True)
    cpts = _points(rows(choice.cross_picks), est, ks_arr, K=K, per_model=False)
    viol = grid(choice.violation)
    slo_ok = jnp.all(viol[(0,) * len(bshape)][..., 3:] == 0, axis=-1) if terms else (
        jnp.ones((M, K), bool))
    return dict(
        budget=b, slo=tuple(terms), feasible=grid(choice.feasible), pareto=grid(choice.front),
        violation=viol[..., :3], slo_ok=slo_ok, points=pts,
        cross=CrossModel(grid(choice.feasible), grid(choice.cross_front), cpts),
        choice=choice, knee_normalise=knee_normalise,
    )
