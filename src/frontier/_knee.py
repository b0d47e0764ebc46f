"""Knee points of an ordered front: :func:`knee` (hard) and :func:`soft_knee` (softmax weights)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from ._validation import as_points, maximise_mask
from .kernels import knee as _k

__all__ = ["Knee", "KneeMethod", "knee", "soft_knee"]

KneeMethod = Literal["utopia", "chord", "curvature", "paper"]
_METHODS = ("utopia", "chord", "curvature", "paper")

_DOC = {
    "points": """points : array_like, shape (n, m)
        The front, float dtype, one row per point, **ordered along the curve** (e.g. by
        increasing ``k``). Minimised unless ``maximise`` says otherwise.""",
    "method": """method : {{"chord", "utopia", "curvature", "paper"}}, default "chord"
        - ``"chord"``: the interior point farthest (Euclidean, all ``m`` objectives) from the
          line through the first and last points.
        - ``"utopia"``: the point closest to ``utopia``; ``score`` is minus the distance.
        - ``"curvature"``: the interior point of maximum curvature of the curve ``p(t)`` in
          ``R^m``, ``sqrt(|p'|^2 |p''|^2 - (p'.p'')^2) / |p'|^3``, with second-order
          differences on the actual parameter values ``t``.
        - ``"paper"``: the reference code's rule, kept for compatibility only: unit-spaced
          central differences, the cross product of the first two objectives over the cube
          of the full norm of ``p'`` (see :func:`frontier.kernels.knee.paper_score`). For the
          paper's model both cost and time are linear in ``k``, so this score is noise.""",
    "maximise": """maximise : bool or sequence of bool, default False
        Whether each objective is maximised (one bool, or one per objective). Maximised
        columns are negated first; every method is invariant to that reflection except
        ``"utopia"``, whose ``utopia`` is given in the original sense.""",
    "t": """t : array_like, shape (n,), optional
        Strictly increasing curve parameter of the rows (e.g. ``k``), used by
        ``"curvature"`` only (default ``0, 1, ..., n - 1``). Passing it with another method
        raises.""",
    "normalise": """normalise : "minmax", None or array_like of shape (m,), default "minmax"
        The space the scores are computed in. ``"minmax"``: each objective mapped to
        ``[0, 1]`` by its min and max over the given points (a constant objective maps to
        0). An array of positive scales divides each objective, e.g. ``(C_max, T_max, 1)``
        for the paper's ``(C/C_max, T/T_max, A)``. ``None``: raw values. The knee depends on
        this choice.""",
    "utopia": """utopia : array_like, shape (m,), optional
        Ideal point for ``"utopia"``, in the original units and sense (normalised like the
        points). Default: the per-objective best of the given points. The paper's
        utopia-closest rule is ``normalise=(C_max, T_max, 1), utopia=(0, 0, 1),
        maximise=(False, False, True)``.""",
}


def _doc(func):
    func.__doc__ = func.__doc__.format(**_DOC)
    return func


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


def _flip(x: jax.Array, mask: np.ndarray) -> jax.Array:
    """Negate the maximised columns of ``x`` ``(..., m)`` (rank-promotion safe)."""
    if not mask.any():
        return x
    sign = jnp.asarray(np.where(mask, -1.0, 1.0), dtype=x.dtype)
    return x * sign.reshape((1,) * (x.ndim - 1) + sign.shape)


def _concrete(x: Any) -> np.ndarray | None:
    try:
        return np.asarray(x)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        return None


def _real(x: Any, name: str) -> jax.Array:
    arr = x if isinstance(x, jax.Array) else np.asarray(x)
    if arr.dtype == object or not (
        jnp.issubdtype(arr.dtype, jnp.floating) or jnp.issubdtype(arr.dtype, jnp.integer)
    ):
        raise TypeError(f"`{name}` must be real, got dtype {arr.dtype}")
    return jnp.asarray(arr)


def _resolve(points, method, maximise, t, normalise, utopia):
    """Validate (statically, plus value checks on concrete inputs); no array maths here.

    Returns ``(points, t, scale, utopia, statics)`` where ``statics`` are the keyword
    arguments of :func:`_scores`.
    """
    if method not in _METHODS:
        raise ValueError(f"unknown knee method {method!r}; expected one of {_METHODS}")
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
    mask = tuple(bool(b) for b in maximise_mask(maximise, m))

    if t is not None:
        if method != "curvature":
            raise ValueError(f"`t` is only used by method='curvature', got method={method!r}")
        t = _real(t, "t")
        if t.shape != (n,):
            raise ValueError(f"`t` must have shape ({n},) to match points, got {t.shape}")
        c = _concrete(t)
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
        scale = _real(normalise, "normalise")
        if scale.shape != (m,):
            raise ValueError(
                f"`normalise` scales must have shape ({m},) to match points of shape"
                f" {pts.shape}, got {scale.shape}"
            )
        c = _concrete(scale)
        if c is not None and not np.all(c > 0):
            raise ValueError(f"`normalise` scales must be positive, got {c.tolist()}")
        norm = "scale"

    if utopia is not None:
        if method != "utopia":
            raise ValueError(f"`utopia` is only used by method='utopia', got {method!r}")
        utopia = _real(utopia, "utopia")
        if utopia.shape != (m,):
            raise ValueError(f"`utopia` must have shape ({m},), got {utopia.shape}")
    return pts, t, scale, utopia, {"method": method, "norm": norm, "mask": mask}


@partial(jax.jit, static_argnames=("method", "norm", "mask"))
def _scores(pts, t, scale, utopia, *, method, norm, mask):
    """Minimise, normalise and score; returns the score in the dtype of ``pts``."""
    out = pts.dtype
    dt = out if jnp.dtype(out).itemsize >= 4 else jnp.dtype(jnp.float32)
    flip = np.asarray(mask, bool)
    n, m = pts.shape
    q = _flip(pts.astype(dt), flip)
    u = jnp.zeros(m, dt) if utopia is None else _flip(utopia.astype(dt), flip)
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
    dt = score.dtype if jnp.dtype(score.dtype).itemsize >= 4 else jnp.dtype(jnp.float32)
    return _k.soft_weights(score.astype(dt), temperature.astype(dt)).astype(pts.dtype)


@_doc
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
    {method}
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
    differentiated; use :func:`soft_knee` for gradients. SPEC section 2 defines the knee on
    the Pareto points ordered by ``k``; filter the front first (this function does not).

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


@_doc
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
    temperature : float or jax.Array
        Positive, in the units of the method's score (normalised distance for ``"chord"``
        and ``"utopia"``, curvature for ``"curvature"``/``"paper"``). As it goes to 0 the
        weights converge to the one-hot :func:`knee` choice (ties share the weight).
    {method}
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
    c = _concrete(temperature)
    if c is not None and not (c.shape == () and float(c) > 0):
        raise ValueError(f"`temperature` must be a positive scalar, got {c.tolist()}")
    pts, t, scale, utopia, statics = _resolve(points, method, maximise, t, normalise, utopia)
    return _soft(pts, t, scale, utopia, jnp.asarray(temperature), **statics)
