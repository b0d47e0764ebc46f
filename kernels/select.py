"""Operating-point selection over a grid of candidates (SPEC section 2), fully vectorised.

Every kernel here works on the candidates of *one* model (or one pooled set) and is meant to be
``vmap``-ed over models and budgets by the caller. Candidates come in increasing ``k``; all
selections are hard ``argmin``/``argmax`` rules and are not differentiated (see
``frontier.sensitivity`` for the soft versions).

Conventions: ``cost``, ``time``, ``acc`` are ``(K,)`` means; ``limits`` is ``(3,)`` =
``(C_max, T_max, acc_min)``; an index of ``-1`` means "no such point".
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from . import knee as _knee
from ._primitives import safe_div as _safe_div
from ._primitives import safe_norm as _safe_norm

__all__ = [
    "Selection",
    "compact",
    "knee_scores",
    "pareto_mask",
    "select",
]


class Selection(NamedTuple):
    """Indices into the candidates (``-1``: none) and the masks they came from."""

    feasible: jax.Array  # (K,) bool
    pareto: jax.Array  # (K,) bool: non-dominated among the feasible candidates
    accuracy: jax.Array  # () int32: highest mean accuracy, smallest k on ties
    cube: jax.Array  # () int32: max (1 - C/C_max)(1 - T/T_max) A
    utopia: jax.Array  # () int32: Pareto point closest to (0, 0, 1) in the normalised space
    cheapest: jax.Array  # () int32: lowest mean cost, smallest k on ties
    knee_chord: jax.Array  # () int32: farthest Pareto point from the first-last chord
    knee_curvature: jax.Array  # () int32: max curvature of the 3-D Pareto curve in k
    knee_paper: jax.Array  # () int32: the reference code's curvature rule ((C, T) cross product)
    violation: jax.Array  # (K, 3): relative shortfall per constraint, 0 where met


def pareto_mask(points: jax.Array, valid: jax.Array) -> jax.Array:
    """Non-dominated rows of ``points`` ``(K, m)`` (minimised) among the ``valid`` rows.

    Dense ``O(K^2 m)``: the candidate grids here are small (tens to a few thousand rows).
    Identical valid rows keep only the first (lowest index, i.e. smallest k).
    """
    le = jnp.all(points[:, None, :] <= points[None, :, :], axis=-1)  # le[i, j]: i <= j
    lt = jnp.any(points[:, None, :] < points[None, :, :], axis=-1)
    idx = jnp.arange(points.shape[0])
    same = le & ~lt
    dominates = (le & lt) | (same & (idx[:, None] < idx[None, :]))  # [i, j]: i removes j
    dominated = jnp.any(dominates & valid[:, None], axis=0)
    return valid & ~dominated


def compact(mask: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(order, n)``: indices of the ``True`` entries first (in order), and their count."""
    order = jnp.argsort(~mask, stable=True)
    return order, jnp.sum(mask).astype(jnp.int32)


def knee_scores(q: jax.Array, t: jax.Array, n: jax.Array) -> dict[str, jax.Array]:
    """Knee scores of the first ``n`` rows of an ordered curve ``q`` ``(K, m)`` at parameters ``t``.

    Rows at or beyond ``n`` are padding. Returns ``{"chord", "curvature", "paper"}`` score
    arrays ``(K,)``, ``-inf`` where a score is undefined (endpoints, padding, ``n < 3``).
    ``chord`` is the distance to the line through rows ``0`` and ``n - 1``; ``curvature`` and
    ``paper`` are :func:`frontier.kernels.knee.curvature_score` (full ``m``-D curve, actual
    spacing ``t``) and :func:`frontier.kernels.knee.paper_score` (the reference rule, noise),
    which only read a row's neighbours, so the padding never enters an interior score.
    """
    K = q.shape[0]
    j = jnp.arange(K)
    interior = (j > 0) & (j < n - 1) & (n >= 3)
    neg = jnp.asarray(-jnp.inf, q.dtype)

    last = q[jnp.maximum(n - 1, 0)]
    d = last - q[0]
    rel = q - q[0][None, :]
    proj = _safe_div(rel @ d, jnp.sum(d * d))
    chord = _safe_norm(rel - proj[:, None] * d[None, :])
    return {
        "chord": jnp.where(interior, chord, neg),
        "curvature": jnp.where(interior, _knee.curvature_score(q, t), neg),
        "paper": jnp.where(interior, _knee.paper_score(q), neg),
    }


def _first_argmax(score: jax.Array, ok: jax.Array) -> jax.Array:
    s = jnp.where(ok, score, -jnp.inf)
    i = jnp.argmax(s).astype(jnp.int32)
    return jnp.where(jnp.any(ok & jnp.isfinite(s)), i, -1)


def select(
    cost: jax.Array,
    time: jax.Array,
    acc: jax.Array,
    t: jax.Array,
    limits: jax.Array,
    extra_ok: jax.Array,
) -> Selection:
    """All operating points of one candidate set (one model, or a pooled set sorted by ``t``).

    ``extra_ok`` ``(K,)`` adds constraints decided elsewhere (tail SLOs); feasibility is
    ``cost <= C_max & time <= T_max & acc >= acc_min & extra_ok`` on the given means.
    """
    c_max, t_max, a_min = limits[0], limits[1], limits[2]
    feasible = (cost <= c_max) & (time <= t_max) & (acc >= a_min) & extra_ok
    viol = jnp.stack(
        [
            jnp.maximum(cost - c_max, 0.0) / c_max,
            jnp.maximum(time - t_max, 0.0) / t_max,
            jnp.maximum(a_min - acc, 0.0) / jnp.maximum(jnp.abs(a_min), 1e-12),
        ],
        axis=-1,
    )
    cn, tn = cost / c_max, time / t_max
    pts = jnp.stack([cn, tn, -acc], axis=-1)
    pareto = pareto_mask(pts, feasible)

    accuracy = _first_argmax(acc, feasible)
    cube = _first_argmax((1.0 - cn) * (1.0 - tn) * acc, feasible)
    cheapest = _first_argmax(-cost, feasible)
    utopia = _first_argmax(-_safe_norm(jnp.stack([cn, tn, 1.0 - acc], -1)), pareto)

    order, n = compact(pareto)
    q = jnp.stack([cn, tn, acc], axis=-1)[order]
    scores = knee_scores(q, t[order], n)

    def knee(name):
        i = _first_argmax(scores[name], jnp.isfinite(scores[name]))
        return jnp.where(i >= 0, order[jnp.maximum(i, 0)], -1).astype(jnp.int32)

    return Selection(feasible, pareto, accuracy, cube, utopia, cheapest, knee("chord"),
                     knee("curvature"), knee("paper"), viol)
