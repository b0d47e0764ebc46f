"""The study's own Monte Carlo uncertainty: how often each candidate is Pareto-optimal, and how
often each rule selects it, over independent replicates of the simulation
(``frontier.optimize(..., replicates=R)``)."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

__all__ = ["Replicates", "check_replicates", "replicate_keys", "summarize_replicates"]


class Replicates(NamedTuple):
    """Frequencies over ``R`` independent replicates of a study (``Study.replicates``).

    ``*B`` is the budget grid, ``M`` the models and ``K`` the candidate ``k`` of the study.
    Every probability is a fraction of the ``R`` replicates and comes with its binomial
    standard error ``sqrt(p (1 - p) / R)`` (``*_se``). Rule names are the fields of
    :class:`frontier.Points` (``"accuracy"``, ``"cube"``, ``"utopia"``, ``"cheapest"``,
    ``"knee_chord"``, ``"knee_curvature"``, ``"knee_paper"``).

    Attributes
    ----------
    num_replicates
        ``R``.
    feasible_probability
        ``(*B, M, K)``: the candidate meets the budget and the SLO.
    pareto_probability, pareto_se
        ``(*B, M, K)``: the candidate is on its model's front (``Study.pareto``).
    cross_probability, cross_se
        ``(*B, M, K)``: the candidate is on the cross-model front (``Study.cross.pareto``).
    rule_probability, rule_se
        Rule -> ``(*B, M, K)``: the rule, applied per model, selects that candidate. Over
        ``k`` these sum to the fraction of replicates in which the rule found a point.
    cross_rule_probability, cross_rule_se
        Rule -> ``(*B, M, K)``: the rule, applied across models, selects that (model, k);
        over ``(M, K)`` they sum to the fraction of replicates in which it found one.
    cross_fronts
        ``(R, *B, M, K)`` bool: each replicate's cross-model front (what
        :func:`frontier.plot.front_probability` draws the attainment band from).
    tables
        The candidate table of each replicate (what :func:`frontier.reselect` reruns the
        engine on).
    """

    num_replicates: int
    feasible_probability: jax.Array
    pareto_probability: jax.Array
    pareto_se: jax.Array
    cross_probability: jax.Array
    cross_se: jax.Array
    rule_probability: dict[str, jax.Array]
    rule_se: dict[str, jax.Array]
    cross_rule_probability: dict[str, jax.Array]
    cross_rule_se: dict[str, jax.Array]
    cross_fronts: jax.Array | None = None
    tables: tuple[Any, ...] = ()


def check_replicates(replicates: Any) -> int | None:
    """``replicates`` as an int ``>= 2``, or ``None``; ``TypeError``/``ValueError`` otherwise."""
    if replicates is None:
        return None
    if isinstance(replicates, bool):
        raise TypeError("`replicates` must be an int >= 2 (or None), got a bool")
    try:
        r = operator.index(replicates)
    except TypeError:
        raise TypeError(f"`replicates` must be an int >= 2 (or None), got "
                        f"{type(replicates).__name__}") from None
    if r < 2:
        raise ValueError(f"`replicates` must be >= 2 to estimate a probability, got {r}; "
                         "pass None for a single study")
    return r


def replicate_keys(key: jax.Array, replicates: int) -> list[jax.Array]:
    """The key of each replicate: ``jax.random.fold_in(key, r)`` for ``r = 0 .. R-1``."""
    return [jax.random.fold_in(key, r) for r in range(replicates)]


def _se(p: jax.Array, n: int) -> jax.Array:
    return jnp.sqrt(p * (1 - p) / n)


def _one_hot_per_model(found: jax.Array, index: jax.Array, K: int) -> jax.Array:
    """``(*B, M)`` choices -> ``(*B, M, K)`` bool: the chosen k of each model."""
    ks = jnp.arange(K, dtype=index.dtype).reshape((1,) * index.ndim + (K,))
    return found[..., None] & (index[..., None] == ks)


def _one_hot_cross(found: jax.Array, model: jax.Array, index: jax.Array, M: int,
                   K: int) -> jax.Array:
    """``(*B,)`` cross-model choices -> ``(*B, M, K)`` bool."""
    lead = (1,) * model.ndim
    m = model[..., None, None] == jnp.arange(M, dtype=model.dtype).reshape(*lead, M, 1)
    k = index[..., None, None] == jnp.arange(K, dtype=index.dtype).reshape(*lead, 1, K)
    return found[..., None, None] & m & k


def summarize_replicates(selections: Sequence[dict[str, Any]],
                         tables: Sequence[Any] = ()) -> Replicates:
    """:class:`Replicates` from the study fields of each replicate (``select_study``'s dicts:
    ``feasible``, ``pareto``, ``points``, ``cross``) and their candidate tables."""
    R = len(selections)
    M, K = selections[0]["pareto"].shape[-2:]

    def freq(masks):
        return jnp.mean(jnp.stack([jnp.asarray(a) for a in masks]), axis=0,
                        dtype=jnp.result_type(float))

    rules = selections[0]["points"]._fields
    rule_p, cross_p = {}, {}
    for rule in rules:
        per = [getattr(s["points"], rule) for s in selections]
        rule_p[rule] = freq([_one_hot_per_model(p.found, p.index, K) for p in per])
        cper = [getattr(s["cross"].points, rule) for s in selections]
        cross_p[rule] = freq([_one_hot_cross(p.found, p.model, p.index, M, K) for p in cper])
    pareto = freq([s["pareto"] for s in selections])
    cross = freq([s["cross"].pareto for s in selections])
    return Replicates(
        num_replicates=R,
        feasible_probability=freq([s["feasible"] for s in selections]),
        pareto_probability=pareto, pareto_se=_se(pareto, R),
        cross_probability=cross, cross_se=_se(cross, R),
        rule_probability=rule_p, rule_se={r: _se(p, R) for r, p in rule_p.items()},
        cross_rule_probability=cross_p,
        cross_rule_se={r: _se(p, R) for r, p in cross_p.items()},
        cross_fronts=jnp.stack([jnp.asarray(s["cross"].pareto) for s in selections]),
        tables=tuple(tables),
    )
