"""Knee scores on an ordered front (rows ordered along the curve, e.g. by ``k``).

Each kernel takes ``q`` ``(n, m)``: the front already minimised and normalised by the caller
(see :func:`frontier.knee`), and returns a score ``(n,)`` of the same dtype where **higher
is better**; ``-inf`` marks rows that are not candidates (the two end points for the
chord and curvature rules). Every ``sqrt`` and division that can meet zero uses the
double-``where`` guard, so the scores have finite gradients everywhere (used by
:func:`soft_weights`). The kernels need ``n >= 3`` except :func:`utopia_score`; the public
wrapper checks this. Rows with NaN or inf are not part of the curve: the wrapper moves the
finite rows first (:func:`finite_curve`), normalises over them (``minmax(..., valid)``) and
scores them with the padding count ``n``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ._primitives import reduce_max, reduce_min
from ._primitives import safe_div as _safe_div
from ._primitives import safe_sqrt as _safe_sqrt

__all__ = [
    "chord_score",
    "curvature_score",
    "finite_curve",
    "minmax",
    "paper_score",
    "soft_weights",
    "utopia_score",
]


def _interior(size: int, n: jax.Array | None = None) -> jax.Array:
    """Interior rows of a curve of ``size`` rows, or of its first ``n`` rows (padded)."""
    j = jnp.arange(size, dtype=jnp.int32)
    last = size - 1 if n is None else n.astype(jnp.int32) - 1
    return (j > 0) & (j < last)


@jax.jit
def minmax(
    q: jax.Array, extra: jax.Array, valid: jax.Array | None = None
) -> tuple[jax.Array, jax.Array]:
    """Min-max normalise the columns of ``q`` over its rows (over the ``valid`` rows only,
    when given); apply the same map to ``extra``.

    A constant column maps to 0 (its span is replaced by 1); with no valid row the map is
    the identity.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> qn, u = minmax(jnp.array([[1.0, 5.0], [3.0, 5.0]]), jnp.array([0.0, 5.0]))
    >>> qn.tolist(), u.tolist()
    ([[0.0, 0.0], [1.0, 0.0]], [-0.5, 0.0])
    >>> qn, _ = minmax(jnp.array([[1.0], [jnp.inf], [3.0]]), jnp.zeros(1),
    ...                jnp.array([True, False, True]))
    >>> qn[::2].tolist()
    [[0.0], [1.0]]
    """
    if valid is None:
        lo = reduce_min(q, 0)
        span = reduce_max(q, 0) - lo
    else:
        big = jnp.asarray(jnp.inf, q.dtype)
        lo = reduce_min(jnp.where(valid[:, None], q, big), 0)
        span = reduce_max(jnp.where(valid[:, None], q, -big), 0) - lo
        lo = jnp.where(jnp.isfinite(lo), lo, 0)
    ok = span > 0
    scale = jnp.where(ok & jnp.isfinite(span), span, 1)
    return (q - lo[None, :]) / scale[None, :], (extra - lo) / scale


def finite_curve(q: jax.Array, t: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array,
                                                          jax.Array]:
    """The curve through the rows of ``q`` without NaN or inf, in their order.

    Returns ``(qc, tc, order, count)``: the ``count`` finite rows first (``qc = q[order]``
    with the other rows set to 0, so no NaN reaches a gradient), their parameters ``tc =
    t[order]``, the stable order itself, and ``count``. Score ``qc`` with ``n=count``, then
    scatter back with ``order`` (the chord and curvature kernels treat rows from ``count`` on
    as padding).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> q = jnp.array([[0.0, 1.0], [jnp.nan, 0.5], [0.5, 0.2], [1.0, 0.0]])
    >>> qc, tc, order, count = finite_curve(q, jnp.arange(4.0))
    >>> order.tolist(), int(count), qc[3].tolist()
    ([0, 2, 3, 1], 3, [0.0, 0.0])
    """
    ok = jnp.all(jnp.isfinite(q), axis=1)
    order = jnp.argsort(~ok, stable=True).astype(jnp.int32)
    okc = ok[order]
    qc = jnp.where(okc[:, None], q[order], 0)
    return qc, t[order], order, jnp.sum(ok, dtype=jnp.int32)


@jax.jit
def utopia_score(q: jax.Array, utopia: jax.Array) -> jax.Array:
    """Minus the Euclidean distance of each row to ``utopia`` ``(m,)``.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> utopia_score(jnp.array([[3.0, 4.0], [0.0, 1.0]]), jnp.zeros(2)).tolist()
    [-5.0, -1.0]
    """
    d = q - utopia[None, :]
    return -_safe_sqrt(jnp.sum(d * d, axis=1))


@jax.jit
def chord_score(q: jax.Array, n: jax.Array | None = None) -> jax.Array:
    """Distance of each interior row to the line through the first and last rows (``m``-D).

    If the first and last rows coincide, the distance to that point is used. With ``n``
    (a traced count), only the first ``n`` rows form the curve and the rest are padding
    (score ``-inf``).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> chord_score(jnp.array([[0.0, 1.0], [0.2, 0.2], [1.0, 0.0]])).tolist()[1]
    0.42426...
    """
    last = q[-1] if n is None else q[jnp.maximum(n - 1, 0)]
    d = last - q[0]
    rel = q - q[0][None, :]
    proj = _safe_div(rel @ d, jnp.sum(d * d))
    perp = rel - proj[:, None] * d[None, :]
    dist = _safe_sqrt(jnp.sum(perp * perp, axis=1))
    return jnp.where(_interior(q.shape[0], n), dist, -jnp.inf)


@jax.jit
def curvature_score(q: jax.Array, t: jax.Array, n: jax.Array | None = None) -> jax.Array:
    """Curvature of the parametric curve ``q(t)`` in ``R^m`` at the interior rows.

    ``kappa = sqrt(|q'|^2 |q''|^2 - (q'.q'')^2) / |q'|^3`` with second-order finite
    differences on the non-uniform grid ``t`` ``(n,)`` (strictly increasing): with
    ``h1 = t_i - t_{i-1}`` and ``h2 = t_{i+1} - t_i``,
    ``q' = (h1^2 q_{i+1} - h2^2 q_{i-1} + (h2^2 - h1^2) q_i) / (h1 h2 (h1 + h2))`` and
    ``q'' = 2 (h1 q_{i+1} - (h1 + h2) q_i + h2 q_{i-1}) / (h1 h2 (h1 + h2))`` (the derivatives
    of the parabola through the three points). A row with ``q' = 0`` scores 0. With ``n``,
    rows from ``n`` on are padding (a row's score reads only its neighbours).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> th = jnp.array([0.0, 0.1, 0.2])  # three points on the unit circle
    >>> q = jnp.stack([jnp.cos(th), jnp.sin(th)], axis=1)
    >>> round(float(curvature_score(q, th)[1]), 2)
    1.0
    """
    rows = q.shape[0]
    j = jnp.arange(rows)
    prev = jnp.maximum(j - 1, 0)
    nxt = jnp.minimum(j + 1, rows - 1)
    h1 = (t - t[prev])[:, None]
    h2 = (t[nxt] - t)[:, None]
    den = h1 * h2 * (h1 + h2)
    d1 = _safe_div(h1 * h1 * q[nxt] - h2 * h2 * q[prev] + (h2 * h2 - h1 * h1) * q, den)
    d2 = _safe_div(2 * (h1 * q[nxt] - (h1 + h2) * q + h2 * q[prev]), den)
    s1 = jnp.sum(d1 * d1, axis=1)
    area2 = jnp.maximum(s1 * jnp.sum(d2 * d2, axis=1) - jnp.sum(d1 * d2, axis=1) ** 2, 0)
    kappa = _safe_div(_safe_sqrt(area2), s1 * _safe_sqrt(s1))
    return jnp.where(_interior(rows, n), kappa, -jnp.inf)


@jax.jit
def paper_score(q: jax.Array, n: jax.Array | None = None) -> jax.Array:
    """The reference code's curvature rule, kept for compatibility only.

    At interior rows, ``d = (q_{i+1} - q_{i-1}) / 2`` and ``dd = q_{i+1} - 2 q_i + q_{i-1}``
    (unit spacing, whatever the actual ``k``), score ``|d_0 dd_1 - d_1 dd_0| / |d|^3``: the
    cross product uses the first two columns only, while ``|d|`` is the norm over all
    columns, exactly as in the reference ``find_knee_point_curvature``. Rows with
    ``|d| <= 1e-10`` are skipped there, so they score ``-inf`` here. With cost and time both
    linear in ``k`` (the paper model) the cross product vanishes up to Monte Carlo noise, so
    the score is noise. With ``n``, rows from ``n`` on are padding.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> q = jnp.array([[0.0, 1.0, 0.0], [0.1, 0.3, 0.5], [1.0, 0.0, 0.9]])
    >>> paper_score(q).tolist()[1]
    1.019...
    """
    rows = q.shape[0]
    j = jnp.arange(rows)
    prev = jnp.maximum(j - 1, 0)
    nxt = jnp.minimum(j + 1, rows - 1)
    d = (q[nxt] - q[prev]) / 2
    dd = q[nxt] - 2 * q + q[prev]
    cross = jnp.abs(d[:, 0] * dd[:, 1] - d[:, 1] * dd[:, 0])
    norm = _safe_sqrt(jnp.sum(d * d, axis=1))
    ok = _interior(rows, n) & (norm > 1e-10)
    return jnp.where(ok, _safe_div(cross, norm * norm * norm), -jnp.inf)


@jax.jit
def soft_weights(score: jax.Array, temperature: jax.Array) -> jax.Array:
    """``softmax(score / temperature)`` over the finite scores (``-inf`` rows get weight 0).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> w = soft_weights(jnp.array([-jnp.inf, 1.0, 0.0]), jnp.asarray(1e-3))
    >>> w.tolist()
    [0.0, 1.0, 0.0]
    """
    ok = jnp.isfinite(score)
    logits = jnp.where(ok, score, 0) / temperature
    return jax.nn.softmax(jnp.where(ok, logits, -jnp.inf), where=ok)
