"""Operating-point selection on one set of candidates, for any objectives and constraints.

:func:`select` works on the candidates of *one* group (one model, or a pooled set), ordered
along the curve (by ``k``, by concurrency, or by the first objective), and is meant to be
``vmap``-ed over groups and over constraint limits (budgets) by the caller
(:func:`frontier.choose`). All selections are hard ``argmax`` rules and are not
differentiated (``frontier.sensitivity`` has the soft versions). The front is found with the
dominance kernels and the knees with :mod:`frontier.kernels.knee`: nothing is re-implemented
here.

Conventions: ``x`` ``(K, m)`` holds the objectives' means in their own sense (``maximise``
says which are maximised); ``cx`` ``(K, c)`` the constrained statistics and ``lim`` ``(c,)``
their limits (``upper[j]``: ``cx[:, j] <= lim[j]``, else ``>=``); an index of ``-1`` means
"no such point".
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import knee as _knee
from ._primitives import safe_norm as _safe_norm
from .dense import nondominated_blocked, nondominated_dense
from .filter import nondominated_filter, nondominated_pivot
from .sweep import nondominated_sweep

__all__ = ["NORMALISATIONS", "Selection", "compact", "first_argmax", "select", "select_paper"]

#: How :func:`select` normalises the objectives for the utopia distance and the knees.
NORMALISATIONS = ("budget", "front")

def pivot_mask(x, keep_weakly=False):
    """The internal ``"pivot"`` mask (``"auto"`` on CPU for ``m <= 3``, here and in
    ``frontier.is_nondominated``): one pivot drops most rows, the sweep (``m <= 2``) or the
    filter resolves the rest, the filter alone when too many stay."""
    inner = nondominated_sweep if x.shape[1] <= 2 else nondominated_filter
    return nondominated_pivot(x, keep_weakly, inner=inner, fallback=nondominated_filter)


_ND = {"dense": nondominated_dense, "blocked": nondominated_blocked,
       "filter": nondominated_filter, "sweep": nondominated_sweep,
       "pivot": pivot_mask}


class Selection(NamedTuple):
    """Indices into the candidates (``-1``: none) and the masks they came from."""

    feasible: jax.Array  # (K,) bool: every constraint met
    pareto: jax.Array  # (K,) bool: non-dominated among the feasible candidates
    violation: jax.Array  # (K, c): relative shortfall per constraint, 0 where met
    best: jax.Array  # (m,) int32: best feasible candidate on each objective (first on ties)
    cube: jax.Array  # () int32: max prod(1 - x/U) over minimised x prod(x) over maximised
    utopia: jax.Array  # () int32: Pareto candidate closest to the ideal point
    knee_chord: jax.Array  # () int32: farthest Pareto candidate from the first-last chord
    knee_curvature: jax.Array  # () int32: max curvature of the Pareto curve in t
    knee_paper: jax.Array  # () int32: the reference code's (first two columns) curvature


def compact(mask: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(order, n)``: indices of the ``True`` entries first (in order), and their count."""
    order = jnp.argsort(~mask, stable=True)
    return order, jnp.sum(mask).astype(jnp.int32)


def first_argmax(score: jax.Array, ok: jax.Array) -> jax.Array:
    """Index of the largest ``score`` among ``ok`` rows (the first on ties), ``-1`` if none.

    NaN scores never win (``jnp.argmax`` alone would pick a NaN).
    """
    ok = ok & ~jnp.isnan(score)
    s = jnp.where(ok, score, -jnp.inf)
    i = jnp.argmax(s).astype(jnp.int32)
    return jnp.where(jnp.any(ok & (s > -jnp.inf)), i, -1)


def _budget_scale(lim, maximise, upper, cobj, m, dtype):
    """``(m,)``: the tightest upper limit on each minimised objective's mean (``inf``: none);
    1 for maximised objectives (left as they are in the paper's space)."""
    scale = []
    for j in range(m):
        cs = [c for c, (o, u) in enumerate(zip(cobj, upper, strict=True)) if o == j and u]
        if maximise[j] or not cs:
            scale.append(jnp.asarray(1.0 if maximise[j] else jnp.inf, dtype))
        else:
            scale.append(jnp.min(lim[np.asarray(cs)]).astype(dtype))
    return jnp.stack(scale)


def _front_minmax(q: jax.Array, valid: jax.Array) -> jax.Array:
    """Min-max normalise ``q`` over its ``valid`` rows (a zero-range column maps to 0)."""
    big = jnp.asarray(jnp.inf, q.dtype)
    lo = jnp.min(jnp.where(valid[:, None], q, big), axis=0)
    hi = jnp.max(jnp.where(valid[:, None], q, -big), axis=0)
    span = hi - lo
    ok = jnp.isfinite(span) & (span > 0)
    lo = jnp.where(jnp.isfinite(lo), lo, 0)
    return jnp.where(ok[None, :], (q - lo[None, :]) / jnp.where(ok, span, 1)[None, :], 0)


def select(
    x: jax.Array,
    cx: jax.Array,
    lim: jax.Array,
    t: jax.Array,
    valid: jax.Array,
    ideal: jax.Array,
    *,
    maximise: tuple[bool, ...],
    upper: tuple[bool, ...],
    cobj: tuple[int, ...],
    utopia_norm: str = "budget",
    knee_norm: str = "budget",
    nd: str = "dense",
) -> Selection:
    """Feasible set, front and every rule's choice on one ordered set of candidates.

    A candidate is feasible when it meets every constraint and none of its objectives is
    NaN (a NaN statistic fails its constraint).

    Parameters
    ----------
    x : (K, m)
        Objective means, in their own sense; rows in curve order.
    cx, lim : (K, c), (c,)
        Constrained statistics and limits; ``upper`` (static) marks ``<=`` constraints.
    t : (K,)
        Curve parameter (e.g. ``k``) for the curvature knee.
    valid : (K,)
        Rows that exist (padding is ``False``).
    ideal : (m,)
        For ``utopia_norm="budget"``: the ideal value of each objective (its natural bound
        on the better side; NaN when unknown, then the best value among the Pareto
        candidates is used). With ``"front"`` the ideal point of the front is used.
    maximise, upper, cobj
        Static: maximised objectives; ``<=`` constraints; for each constraint the index of
        the objective whose *mean* it limits (``-1``: another statistic or objective).
    utopia_norm, knee_norm
        ``"budget"``: the paper's space, each minimised objective divided by its tightest
        upper limit (no finite limit: the objective drops out), maximised objectives as they
        are. ``"front"``: each objective mapped to ``[0, 1]`` by the ideal and nadir of the
        Pareto candidates (an objective with zero range there drops out).
    nd
        Static: the non-dominated kernel, ``"dense"``, ``"blocked"``, ``"filter"`` or
        ``"sweep"`` (``m <= 2``).
    """
    K, m = x.shape
    dt = x.dtype
    mx = np.asarray(maximise, bool)
    up = np.asarray(upper, bool)
    ok_c = jnp.where(up[None, :], cx <= lim[None, :], cx >= lim[None, :])
    feasible = valid & jnp.all(ok_c, axis=1) & ~jnp.any(jnp.isnan(x), axis=1)
    over = jnp.where(up[None, :], cx - lim[None, :], lim[None, :] - cx)
    tiny = jnp.asarray(1e-12, dt)
    violation = jnp.maximum(over, 0) / jnp.maximum(jnp.abs(lim), tiny)[None, :]

    sign = jnp.asarray(np.where(mx, -1.0, 1.0), dt)
    xm = x * sign[None, :]  # every objective minimised
    nanrow = jnp.full_like(xm, jnp.nan)
    pareto = feasible & _ND[nd](jnp.where(feasible[:, None], xm, nanrow))

    best = jnp.stack([first_argmax(-xm[:, j], feasible) for j in range(m)]) if m else (
        jnp.zeros((0,), jnp.int32))
    scale = _budget_scale(lim, maximise, upper, cobj, m, dt)
    xb = x / scale[None, :]  # the paper's space (C/C_max, T/T_max, A)
    factors = [xb[:, j] if mx[j] else 1.0 - xb[:, j] for j in range(m)]
    cube_score = factors[0]
    for f in factors[1:]:
        cube_score = cube_score * f
    cube = first_argmax(cube_score, feasible)

    # utopia-closest, among the Pareto candidates
    if utopia_norm == "budget":
        big = jnp.asarray(jnp.inf, dt)
        best_val = jnp.min(jnp.where(pareto[:, None], xm, big), axis=0) * sign
        ideal = jnp.where(jnp.isnan(ideal), best_val, ideal.astype(dt))
        dist = _safe_norm(xb - (ideal / scale)[None, :])
    else:  # the front's own ideal point is the origin after min-max normalisation
        dist = _safe_norm(_front_minmax(xm, pareto))
    utopia = first_argmax(-dist, pareto)

    # knees, on the Pareto candidates in curve order
    order, n = compact(pareto)
    inside = jnp.arange(K, dtype=jnp.int32) < n
    if knee_norm == "budget":
        q = xb[order]
    else:
        q = _front_minmax(xm[order], inside)
    q = jnp.where(inside[:, None], q, 0)
    tt = jnp.where(inside, t[order].astype(dt), 0)

    def knee(score):
        i = first_argmax(score, inside)
        return jnp.where(i >= 0, order[jnp.maximum(i, 0)], -1).astype(jnp.int32)

    chord = knee(_knee.chord_score(q, n))
    curv = knee(_knee.curvature_score(q, tt, n))
    paper = knee(_knee.paper_score(q, n)) if m >= 2 else jnp.int32(-1)
    return Selection(feasible, pareto, violation, best, cube, utopia, chord, curv, paper)


def select_paper(
    cost: jax.Array, time: jax.Array, acc: jax.Array, t: jax.Array, limits: jax.Array,
    knee_norm: str = "front",
) -> Selection:
    """:func:`select` for the paper's objectives: ``cost``, ``time`` and ``acc`` ``(K,)``
    means under the budget ``limits`` ``= (C_max, T_max, acc_min)``; the utopia distance in
    the paper's budget-normalised space with ideal point ``(0, 0, 1)``, the knees in the
    ``knee_norm`` space (static).

    ``best`` holds the cheapest, fastest and most accurate feasible candidates.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> c, t, a = jnp.array([1.0, 2.0, 3.0]), jnp.array([1.0, 2.0, 3.0]), jnp.array([0.8, 0.9, 0.95])
    >>> int(select_paper(c, t, a, jnp.array([1.0, 2.0, 3.0]), jnp.array([2.5, 9.0, 0.0])).best[2])
    1
    """  # noqa: E501
    x = jnp.stack([cost, time, acc], -1)
    ideal = jnp.asarray([0.0, 0.0, 1.0], x.dtype)
    return select(x, x, limits.astype(x.dtype), t, jnp.ones(x.shape[0], bool), ideal,
                  maximise=(False, False, True), upper=(True, True, False), cobj=(0, 1, 2),
                  utopia_norm="budget", knee_norm=knee_norm)
