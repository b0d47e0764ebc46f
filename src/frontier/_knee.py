"""Knee points of an ordered front: :func:`knee` (hard) and :func:`soft_knee` (softmax weights)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Literal, NamedTuple, get_args

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from ._docs import docstring
from ._validation import (
    as_points,
    as_real,
    concrete,
    maximise_mask,
    minimised,
    one_of,
    work_dtype,
)
from .kernels import knee as _k

__all__ = ["Knee", "KneeMethod", "knee", "soft_knee"]

KneeMethod = Literal["utopia", "chord", "curvature", "paper"]
_KNEE_METHODS = get_args(KneeMethod)


class Knee(NamedTuple):
    """Result of :func:`knee`.

    Attributes
    ----------
    index
        ``()`` int32: row of the knee (the first one on ties).
    score
        ``(n,)``, the dtype of ``points``: the per-point score, higher is better; ``-inf``
        for rows that are not candidates (the end points for ``"chord"``, ``"curvature"``
        and ``"paper"``, and rows the reference code skips for ``"paper"``).
    """

    index: jax.Array
    score: jax.Array


def _resolve(points, method, maximise, t, normalise, utopia):
    """Validate (statically, plus value checks on concrete inputs); no array maths here.

    Returns ``(points, t, scale, utopia, statics)`` where ``statics`` are the keyword
    arguments of :func:`_scores`.
    """
    one_of(method, "method", _KNEE_METHODS, what="knee method")
    pts = as_points(points)
    n, m = pts.shape
    if n < 1:
        raise ValueError(f"knee needs at least one point, got points of shape {pts.shape}")
    if method != "utopia" and n < 3:
        raise ValueError(
            f"method={method!r} needs at least 3 points along the front, got points of shape"
            f" {pts.shape}"
        )
    if method == "paper" and m < 2:
        raise ValueError(f"method='paper' needs m >= 2 objectives, got shape {pts.shape}")
    mask = maximise_mask(maximise, m)

    if t is not None:
        if method != "curvature":
            raise ValueError(f"`t` is only used by method='curvature', got method={method!r}")
        t = as_real(t, "t", shape=(n,), like=pts)
        c = concrete(t)
        if c is not None and not np.all(np.diff(c.astype(float)) > 0):
            raise ValueError(f"`t` must be strictly increasing, got {c.tolist()}")

    scale = None
    if isinstance(normalise, str):
        if normalise != "minmax":
            raise ValueError(f"`normalise` must be 'minmax', None or scales, got {normalise!r}")
        norm = "minmax"
    elif normalise is None:
        norm = "none"
    else:
        scale = as_real(normalise, "normalise", shape=(m,), like=pts)
        c = concrete(scale)
        if c is not None and not np.all(c > 0):
            raise ValueError(f"`normalise` scales must be positive, got {c.tolist()}")
        norm = "scale"

    if utopia is not None:
        if method != "utopia":
            raise ValueError(f"`utopia` is only used by method='utopia', got {method!r}")
        utopia = as_real(utopia, "utopia", shape=(m,), like=pts)
    return pts, t, scale, utopia, {"method": method, "norm": norm, "mask": mask}


@partial(jax.jit, static_argnames=("method", "norm", "mask"))
def _scores(pts, t, scale, utopia, *, method, norm, mask):
    """Minimise, normalise and score; returns the score in the dtype of ``pts``."""
    out = pts.dtype
    dt = work_dtype(out)
    n, m = pts.shape
    q = minimised(pts.astype(dt), mask)
    u = jnp.zeros(m, dt) if utopia is None else minimised(utopia.astype(dt), mask)
    if norm == "minmax":
        q, u = _k.minmax(q, u)
    elif norm == "scale":
        s = scale.astype(dt)
        q, u = q / s[None, :], u / s
    if method == "utopia":
        if utopia is None:
            u = jnp.min(q, axis=0)
        score = _k.utopia_score(q, u)
    elif method == "chord":
        score = _k.chord_score(q)
    elif method == "curvature":
        tt = jnp.arange(n, dtype=dt) if t is None else t.astype(dt)
        score = _k.curvature_score(q, tt)
    else:
        score = _k.paper_score(q)
    return score.astype(out)


@jax.jit
def _argmax(score):
    return jnp.argmax(score).astype(jnp.int32)


@partial(jax.jit, static_argnames=("method", "norm", "mask"))
def _soft(pts, t, scale, utopia, temperature, *, method, norm, mask):
    score = _scores(pts, t, scale, utopia, method=method, norm=norm, mask=mask)
    dt = work_dtype(score.dtype)
    return _k.soft_weights(score.astype(dt), temperature.astype(dt)).astype(pts.dtype)


@docstring
def knee(
    points: ArrayLike,
    /,
    *,
    method: KneeMethod = "chord",
    maximise: bool | Sequence[bool] = False,
    t: ArrayLike | None = None,
    normalise: Literal["minmax"] | ArrayLike | None = "minmax",
    utopia: ArrayLike | None = None,
) -> Knee:
    """The knee of an ordered front, and every point's score.

    Parameters
    ----------
    {points}
        Here the rows are the front **ordered along the curve** (e.g. by increasing ``k``).
    {knee_method}
    {maximise}
    {t}
    {normalise}
    {utopia}

    Returns
    -------
    Knee
        ``(index, score)``: ``index`` ``()`` int32 is the first row with the highest
        ``score`` ``(n,)``.

    Raises
    ------
    ValueError
        Unknown ``method``; ``n < 3`` for ``"chord"``, ``"curvature"``, ``"paper"`` (``n < 1``
        for ``"utopia"``); bad shapes of ``t``, ``normalise`` or ``utopia``; ``t`` not
        strictly increasing or non-positive scales (checked when concrete); ``t`` or
        ``utopia`` given to a method that ignores them.
    TypeError
        Non-float ``points``.

    Notes
    -----
    ``O(n m)`` time and memory. The selection is a hard ``argmax`` and is not meant to be
    differentiated; use :func:`soft_knee` for gradients. The knee is defined on the Pareto
    points ordered by ``k``; filter the front first (this function does not). Maximised
    columns are negated first; every method is invariant to that reflection except
    ``"utopia"``, whose ``utopia`` is given in the original sense.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from frontier import knee
    >>> front = jnp.array([[0.0, 10.0], [1.0, 2.0], [3.0, 1.5], [6.0, 1.2], [10.0, 1.0]])
    >>> int(knee(front).index)
    1
    >>> int(knee(front, method="utopia").index)
    1
    >>> knee(front).score.tolist()[0]
    -inf
    """
    pts, t, scale, utopia, statics = _resolve(points, method, maximise, t, normalise, utopia)
    score = _scores(pts, t, scale, utopia, **statics)
    return Knee(_argmax(score), score)


@docstring
def soft_knee(
    points: ArrayLike,
    /,
    *,
    temperature: ArrayLike,
    method: KneeMethod = "chord",
    maximise: bool | Sequence[bool] = False,
    t: ArrayLike | None = None,
    normalise: Literal["minmax"] | ArrayLike | None = "minmax",
    utopia: ArrayLike | None = None,
) -> jax.Array:
    """Differentiable knee: softmax weights over the points, ``softmax(score / temperature)``.

    Parameters
    ----------
    {points}
        Here the rows are the front **ordered along the curve** (e.g. by increasing ``k``).
    temperature : float or jax.Array
        Positive, in the units of the method's score (normalised distance for ``"chord"``
        and ``"utopia"``, curvature for ``"curvature"``/``"paper"``). As it goes to 0 the
        weights converge to the one-hot :func:`knee` choice (ties share the weight).
    {knee_method}
    {maximise}
    {t}
    {normalise}
    {utopia}

    Returns
    -------
    jax.Array
        ``(n,)`` weights summing to 1, in the dtype of ``points``; 0 on the rows whose
        score is ``-inf`` (non-candidates). ``weights @ points`` is the "expected knee".

    Raises
    ------
    ValueError
        As :func:`knee`, plus a non-positive concrete ``temperature``.

    Notes
    -----
    Every ``sqrt`` and division is guarded, so gradients with respect to ``points``, ``t``,
    ``normalise`` scales and ``temperature`` are finite. The min-max normalisation and the
    order of the points are piecewise: gradients are those of the active piece.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from frontier import soft_knee
    >>> front = jnp.array([[0.0, 10.0], [1.0, 2.0], [3.0, 1.5], [6.0, 1.2], [10.0, 1.0]])
    >>> w = soft_knee(front, temperature=0.01)
    >>> [round(v, 3) for v in w.tolist()]
    [0.0, 1.0, 0.0, 0.0, 0.0]
    >>> g = jax.grad(lambda p: soft_knee(p, temperature=0.1) @ p[:, 0])(front)
    >>> bool(jnp.all(jnp.isfinite(g)))
    True
    """
    c = concrete(temperature)
    if c is not None and not (c.shape == () and float(c) > 0):
        raise ValueError(f"`temperature` must be a positive scalar, got {c.tolist()}")
    pts, t, scale, utopia, statics = _resolve(points, method, maximise, t, normalise, utopia)
    return _soft(pts, t, scale, utopia, jnp.asarray(temperature), **statics)
