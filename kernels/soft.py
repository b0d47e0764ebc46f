"""Soft, differentiable versions of the selection pipeline (temperature -> 0 gives the hard rules).

All pieces work on candidates in increasing ``k`` with normalised objectives
``c = C / C_max``, ``t = T / T_max`` and accuracy ``a``. Every division and square root that can
meet zero is guarded with the double-``where`` pattern, so gradients stay finite.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from ._primitives import safe_sqrt as _safe_sqrt
from .sampling import (
    ModelParams,
    arith_progression,
    draw_normals,
    inference,
    prefix_reduce,
    time_rule,
)

__all__ = [
    "member_minmax",
    "soft_feasibility",
    "soft_knee_weights",
    "soft_pareto_membership",
    "soft_prefix_max",
    "soft_rule_weights",
    "soft_spec_means",
    "soft_study_means",
]


def soft_prefix_max(x: jax.Array, ks: tuple[int, ...], temperature) -> jax.Array:
    """``temperature * logsumexp(x[:, :k] / temperature)`` per static ``k``: ``(T, n) -> (K, T)``.

    A sequential, numerically stable ``logaddexp`` scan over the draws; it upper-bounds the
    hard prefix maximum by at most ``temperature * log k`` and equals it as the temperature
    goes to 0.
    """
    xt = (x / temperature).T  # (n, T)

    def step(carry, row):
        carry = jnp.logaddexp(carry, row)
        return carry, carry

    init = jnp.full(xt.shape[1:], -jnp.inf, x.dtype)
    prefix = lax.scan(step, init, xt)[1]  # (n, T)
    ap = arith_progression(ks)
    sel = prefix[ap[0] - 1 : ks[-1] : ap[1]] if ap is not None else prefix[jnp.asarray(ks) - 1]
    return temperature * sel


def soft_study_means(
    p: ModelParams,
    parallel: jax.Array,
    key: jax.Array,
    trial_ids: jax.Array,
    ks: tuple[int, ...],
    acc_temperature,
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Reparameterised Monte Carlo means ``(K,)`` of cost, time and (soft) best-of-k accuracy.

    Common random numbers: the draws depend only on ``key`` and ``trial_ids``, so the means
    are smooth functions of the model parameters for a fixed key (clips are piecewise linear).
    ``acc_temperature=None`` uses the hard maximum.
    """
    z = draw_normals(key, trial_ids, max(ks), p.c_in.dtype)
    cost, time, acc = inference(p, z)
    c = prefix_reduce(cost, ks, "add")
    t = time_rule(prefix_reduce(time, ks, "add"), parallel, ks)
    if acc_temperature is None:
        a = prefix_reduce(acc, ks, "max")
    else:
        a = soft_prefix_max(acc, ks, acc_temperature)
    return jnp.mean(c, -1), jnp.mean(t, -1), jnp.mean(a, -1)


def soft_feasibility(c, t, a, acc_min, temperature):
    """Log of the soft feasibility ``sigma((1-c)/tau) sigma((1-t)/tau) sigma((a-acc_min)/tau)``.

    Soft versions of ``c <= 1``, ``t <= 1``, ``a >= acc_min``; computed in log space, so a
    candidate that misses a constraint by ``m`` gets about ``-m / tau``.
    """
    return (jax.nn.log_sigmoid((1.0 - c) / temperature)
            + jax.nn.log_sigmoid((1.0 - t) / temperature)
            + jax.nn.log_sigmoid((a - acc_min) / temperature))


def soft_pareto_membership(points: jax.Array, weights: jax.Array, temperature) -> jax.Array:
    """Log of a smooth probability that each row of ``points`` ``(K, m)`` is non-dominated.

    ``sum_j log(1 - w_j prod_o sigma((x_i,o - x_j,o) / tau))`` over ``j != i``: ``j``
    dominates ``i`` softly when it is smaller on every objective; ``weights`` (e.g. soft
    feasibility) discount candidates that are themselves out of the running. As
    ``tau -> 0`` this tends to 0 for non-dominated rows and to ``-inf`` for dominated ones.
    """
    diff = (points[:, None, :] - points[None, :, :]) / temperature  # [i, j, o] = x_i - x_j
    dom = jnp.prod(jax.nn.sigmoid(diff), axis=-1)  # [i, j]: j dominates i
    eye = jnp.eye(points.shape[0], dtype=bool)
    dom = jnp.where(eye, 0.0, dom * weights[None, :])
    return jnp.sum(jnp.log1p(-jnp.clip(dom, 0.0, 1.0 - 1e-7)), axis=1)


def _log1m_exp(logp):
    """``log(1 - exp(logp))`` for ``logp <= 0``, clipped away from ``log 0``."""
    p = jnp.clip(jnp.exp(logp), 0.0, 1.0 - 1e-7)
    return jnp.log1p(-p)


def member_minmax(q: jax.Array, log_member: jax.Array) -> jax.Array:
    """Min-max normalise the columns of ``q`` ``(K, m)`` over the (soft) members.

    Members are the rows with membership above about one half (all rows if none is); a
    column with zero range over them maps to 0 and so drops out. As the temperature goes to
    0 the members are the hard Pareto candidates, so this tends to the hard rule's
    ``"front"`` normalisation (ideal and nadir of the front). Piecewise linear in ``q``.
    """
    ok = log_member > -0.7
    ok = jnp.where(jnp.any(ok), ok, jnp.ones_like(ok))
    big = jnp.asarray(jnp.inf, q.dtype)
    lo = jnp.min(jnp.where(ok[:, None], q, big), axis=0)
    hi = jnp.max(jnp.where(ok[:, None], q, -big), axis=0)
    span = hi - lo
    good = span > 0
    return jnp.where(good[None, :], (q - lo[None, :]) / jnp.where(good, span, 1.0)[None, :], 0.0)


def soft_knee_weights(q: jax.Array, log_member: jax.Array, temperature,
                      normalise: str = "front") -> jax.Array:
    """Softmax weights of the chord knee over candidates (in order) with soft membership.

    ``normalise="front"`` first maps ``q`` to ``[0, 1]`` per objective over the members
    (:func:`member_minmax`); ``"budget"`` takes ``q`` as it is.

    The chord joins the soft first and last members: candidate ``j`` is the first member
    with weight ``m_j prod_{i<j} (1 - m_i)`` (the last: ``prod_{i>j}``); the score is the
    distance to the chord in the space ``q`` ``(K, m)``. Logits are ``(log m + dist) / tau``
    with ``log m ~ -margin / tau``, so membership dominates the score as ``tau -> 0`` and the
    weights converge to the hard ``knee_chord`` rule.
    """
    if normalise == "front":
        q = member_minmax(q, log_member)
    l1m = _log1m_exp(log_member)
    before = jnp.cumsum(l1m) - l1m  # sum_{i<j} log(1 - m_i)
    after = jnp.sum(l1m) - jnp.cumsum(l1m)  # sum_{i>j}
    first = jax.nn.softmax(log_member + before) @ q
    last = jax.nn.softmax(log_member + after) @ q
    d = last - first
    dd = jnp.sum(d * d)
    ok = dd > 0
    rel = q - first[None, :]
    proj = jnp.where(ok, (rel @ d) / jnp.where(ok, dd, 1.0), 0.0)
    dist = _safe_sqrt(jnp.sum((rel - proj[:, None] * d[None, :]) ** 2, axis=-1))
    return jax.nn.softmax((log_member + dist / _unit(dist, log_member)) / temperature)


def _unit(score: jax.Array, log_member: jax.Array) -> jax.Array:
    """The spread of ``score`` over the (soft) members: the unit the temperature is read in.

    It is differentiated like everything else, so the soft estimator's gradient is the exact
    derivative of the function evaluated (finite differences agree).
    """
    ok = log_member > -0.7  # membership above about one half
    ok = jnp.where(jnp.any(ok), ok, jnp.ones_like(ok))
    hi = jnp.max(jnp.where(ok, score, -jnp.inf))
    lo = jnp.min(jnp.where(ok, score, jnp.inf))
    spread = hi - lo
    ok = spread > 0
    return jnp.where(ok, jnp.where(ok, spread, 1.0), 1.0)


def soft_rule_weights(rule: str, c, t, a, acc_min, temperature,
                      knee_normalise: str = "front") -> jax.Array:
    """Softmax weights ``(K,)`` over the candidates (in increasing ``k``) for a rule.

    With ``log f`` the soft feasibility and ``log pi`` the soft Pareto membership among the
    softly feasible, logits are ``(log f + score) / tau`` for ``"accuracy"`` (score ``a``)
    and ``"cube"`` (``(1-c)(1-t)a``), and ``(log f + log pi + score) / tau`` for ``"utopia"``
    (``-||(c, t, 1-a)||``) and ``"knee_chord"`` (the chord distance). Since ``log f ~ -margin /
    tau``, infeasible candidates lose to any feasible one as ``tau -> 0``: the weights
    converge to the hard rule's one-hot choice (ties share the weight).

    The temperature is relative: constraint margins are in units of the budget (``c``, ``t``
    are already normalised by it), dominance differences in units of each objective's range
    over the candidates, and scores in units of their spread over the soft members. So
    ``temperature=0.01`` means "1% of the spread", whatever the model's scale. The knee's
    space is ``knee_normalise`` (see :func:`soft_knee_weights`).
    """
    logf = soft_feasibility(c, t, a, acc_min, temperature)
    if rule in ("accuracy", "cube"):
        score = a if rule == "accuracy" else (1.0 - c) * (1.0 - t) * a
        return jax.nn.softmax((logf + score / _unit(score, logf)) / temperature)
    pts = jnp.stack([c, t, -a], axis=-1)
    span = jnp.max(pts, 0) - jnp.min(pts, 0)
    pts = pts / jnp.where(span > 0, jnp.where(span > 0, span, 1.0), 1.0)[None, :]
    logm = logf + soft_pareto_membership(pts, jnp.exp(logf), temperature)
    if rule == "utopia":
        score = -_safe_sqrt(c * c + t * t + (1.0 - a) ** 2)
        return jax.nn.softmax((logm + score / _unit(score, logm)) / temperature)
    if rule == "knee_chord":
        return soft_knee_weights(jnp.stack([c, t, a], -1), logm, temperature, knee_normalise)
    raise ValueError(rule)  # pragma: no cover - static programming error


def soft_spec_means(
    model,
    parallel: jax.Array,
    aggregation,
    serving,
    key: jax.Array,
    trial_ids: jax.Array,
    ks: tuple[int, ...],
    acc_temperature,
    dtype,
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Means ``(K,)`` of cost, time and accuracy of one model with the extensions.

    ``model`` is :class:`~frontier.kernels.sampling.ModelParams` with scalar leaves or a user
    model; ``serving`` a :class:`~frontier.kernels.sampling.ServingParams` with scalar
    leaves (or None). Cost and time are reparameterised Monte Carlo means with the paper's
    time rule, as in :func:`soft_study_means` (and the same draws). The accuracy of an
    aggregation with a difficulty is its closed form (exact, and differentiable in the
    difficulty and ``phi``: the Rao-Blackwellised estimate, free of Monte Carlo noise);
    best-of-k is the (soft) prefix maximum of the scores; an aggregation that reads a user
    model's 0/1 correctness is the hard Monte Carlo mean (no gradient flows through a 0/1
    outcome).
    """
    from .aggregation import BestOfK
    from .sampling import (
        TAG_SERVING,
        draw_uniforms,
        paper_record,
        resolve_aggregation,
        serve,
        user_record,
    )

    kmax = max(ks)
    agg = resolve_aggregation(aggregation)
    keys = jax.vmap(lambda i: jax.random.fold_in(key, i))(trial_ids)
    if isinstance(model, ModelParams):
        z = draw_normals(key, trial_ids, kmax, dtype, num=3 if agg.needs == "score" else 2)
        rec, t_in = paper_record(model, z), model.t_in
    else:
        n = trial_ids.shape[0]
        z = (draw_normals(key, trial_ids, kmax, dtype, num=model.num_normals)
             if model.num_normals else jnp.zeros((n, 0, kmax), dtype))
        u = (draw_uniforms(keys, model.num_uniforms, kmax, dtype) if model.num_uniforms
             else jnp.zeros((n, 0, kmax), dtype))
        rec, t_in = user_record(model, z, u, dtype), None
    if serving is not None:
        zs = None
        if serving.chol is not None:
            zs = jax.vmap(lambda k: jax.random.normal(
                jax.random.fold_in(k, TAG_SERVING), (3,), dtype))(keys)
        rec = serve(rec, serving, t_in, zs, dtype)[0]
    c = jnp.mean(prefix_reduce(rec["cost"], ks, "add"), -1)
    t = jnp.mean(time_rule(prefix_reduce(rec["time"], ks, "add"), parallel, ks), -1)
    if isinstance(agg, BestOfK):
        if acc_temperature is None:
            a = prefix_reduce(rec["score"], ks, "max")
        else:
            a = soft_prefix_max(rec["score"], ks, acc_temperature)
        a = jnp.mean(a, -1)
    elif getattr(agg, "difficulty", None) is not None and hasattr(agg, "expected"):
        a = agg.expected(ks, dtype)
    else:
        a = jnp.mean(agg.accuracy(rec, agg.draw(keys, kmax, dtype), ks), -1)
    return c, t, a
