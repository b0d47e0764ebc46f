"""Hypervolume: exact (``m <= 3``), Monte Carlo (any ``m``) and exclusive contributions."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from ._docs import docstring
from ._methods import padded_size
from ._validation import (
    as_key,
    as_points_wide,
    as_ref,
    concrete,
    maximise_mask,
    minimised,
    positive_int,
    precision_warning,
    rounds_apart,
    work_dtype,
)
from .kernels import hypervolume as _k
from .kernels._primitives import COUNT_LIMIT

__all__ = ["HVEstimate", "hv_approx", "hv_contributions", "hypervolume"]


class HVEstimate(NamedTuple):
    """Monte Carlo hypervolume estimate from :func:`hv_approx`.

    Attributes
    ----------
    value
        ``()``: the estimate, in the dtype of ``points``.
    stderr
        ``()``: its standard error, ``V sqrt(p (1 - p) / N)`` for large counts (``V``: box
        volume, ``p``: dominated fraction, ``N``: ``num_samples``), widened for small counts
        so that ``value +- 4 * stderr`` covers the Wilson score interval at ``z = 4``; 0 only
        when the estimate is exact (see :func:`hv_approx`).
    """

    value: jax.Array
    stderr: jax.Array


def _prepare(
    points: Any, ref: Any, maximise: Any, what: str | None = None
) -> tuple[jax.Array, jax.Array, tuple, jnp.dtype]:
    """Validate; return points, ref (as arrays), the static maximise mask and the output
    dtype.

    Float64 input that JAX would round to float32 (x64 off) is translated on the host, in
    float64, so that ``ref`` is the origin (every objective minimised), then rounded: the
    hypervolume is invariant to the translation, and float32 then resolves the distances to
    ``ref`` rather than the raw magnitudes. ``what`` names the function in the warning given
    when that rounding still merges distinct coordinates (or makes a point reach ``ref``);
    ``None``: no warning.
    """
    pts, wide = as_points_wide(points)
    mask = maximise_mask(maximise, pts.shape[1])
    r = as_ref(ref, pts)
    r_host = concrete(ref) if wide is not None else None
    if r_host is None:
        return pts, r, mask, pts.dtype
    sign = np.where(mask, -1.0, 1.0)
    with np.errstate(invalid="ignore"):
        q = (wide - np.asarray(r_host, np.float64)) * sign  # inf - inf: NaN, adds nothing
    q32 = q.astype(np.float32)
    if what is not None and len(q):
        inside = np.all(q < 0, axis=1)
        rows = np.concatenate([q[inside], np.zeros((1, q.shape[1]))])
        lost = np.any(np.isinf(q32[inside]) & np.isfinite(q[inside]))
        if lost or not rounds_apart(rows, rows.astype(np.float32)):
            precision_warning(
                what,
                "rounding the distances to `ref` merges distinct coordinates (or makes a"
                " point reach `ref`)",
            )
    no_flip = (False,) * len(mask)
    return jnp.asarray(q32), jnp.zeros(q.shape[1], jnp.float32), no_flip, pts.dtype


def _check_exact(pts: jax.Array, what: str, hint: str = "") -> None:
    if pts.shape[1] > 3:
        raise ValueError(
            f"{what} is implemented for m <= 3 objectives, got points of shape {pts.shape}{hint}"
        )


@partial(jax.jit, static_argnames=("mask",))
def _minimise_and_pad(pts, ref, *, mask):
    """Flip maximised columns, upcast half floats, pad rows with ``ref`` to
    :func:`frontier._methods.padded_size` (padding rows add nothing; cheap to compile)."""
    work = work_dtype(pts.dtype)
    pts = minimised(pts.astype(work), mask)
    ref = minimised(ref.astype(work), mask)
    n, m = pts.shape
    extra = padded_size(n) - n
    if extra:
        pts = jnp.concatenate([pts, jnp.broadcast_to(ref[None, :], (extra, m))])
    return pts, ref


def _evaluate(pts, ref, key, *, what, num_samples=0, batch_size=None):
    """Call a kernel on padded minimised points."""
    m = pts.shape[1]
    if what == "hv":
        return {1: _k.hv1, 2: _k.hv2, 3: _k.hv3}[m](pts, ref)
    if what == "hvc":
        return {1: _k.hvc1, 2: _k.hvc2, 3: _k.hvc3}[m](pts, ref)
    return _k.hv_mc(pts, ref, key, num_samples=num_samples, batch_size=batch_size)


def _cast_out(value: jax.Array, dtype: Any, what: str) -> jax.Array:
    """Cast a result to the output dtype; warn when a finite result overflows it (a
    half-precision input whose volume exceeds its range, checked when concrete)."""
    cast = value.astype(dtype)
    if value.dtype != cast.dtype:
        v, c = concrete(value), concrete(cast)
        if v is not None and np.any(np.isfinite(v) & ~np.isfinite(c.astype(np.float32))):
            warnings.warn(
                f"{what}: the result overflows {jnp.dtype(dtype).name}, the dtype of"
                f" `points` (computed in {value.dtype.name}: {v.tolist()}); pass float32"
                " points",
                UserWarning,
                stacklevel=3,
            )
    return cast


#: Static arguments of :func:`_run`: compiled once per value, padded size and dtype.
_RUN_STATIC = ("what", "num_samples", "batch_size")
_run = jax.jit(_evaluate, static_argnames=_RUN_STATIC)


@docstring(prefilter_min=_k.PREFILTER_MIN)
def hypervolume(
    points: ArrayLike,
    /,
    ref: ArrayLike,
    *,
    maximise: bool | Sequence[bool] = False,
) -> jax.Array:
    """Exact hypervolume dominated by ``points`` and bounded by ``ref``.

    Parameters
    ----------
    {points}
    {ref}
    {maximise}

    Returns
    -------
    jax.Array
        ``()``, the dtype of ``points``: the Lebesgue measure of the region dominated by the
        points and dominating ``ref``. 0 when no row strictly dominates ``ref`` (or ``n = 0``;
        a row with ``+inf`` never does unless ``ref`` is ``+inf`` there). ``+inf`` when a row
        that strictly dominates ``ref`` has a ``-inf`` coordinate, or when ``ref`` has a
        ``+inf`` coordinate and some row strictly dominates it.

    Raises
    ------
    ValueError
        If ``points`` is not ``(n, m)``, ``ref`` is not ``(m,)`` or contains NaN, or
        ``m >= 4`` (no exact algorithm here: use :func:`hv_approx`).
    TypeError
        If ``points`` is not a float array.

    Notes
    -----
    ``m = 1``: ``ref - min``. ``m = 2``: one sort and a prefix minimum, ``O(n log n)``.
    ``m = 3``: the HV3D dimension sweep in ``O(n log n)`` time and ``O(n)`` memory, written as
    flat XLA while loops over scalars (see :func:`frontier.kernels.hypervolume.hv3`); above
    {prefilter_min} rows, the rows weakly dominated by one of 15 pivot rows (minimisers of
    weighted sums) are dropped first, in ``O(n)`` (on a front nothing can be dropped).
    Measured numbers against moocore are in the README and ``benchmarks/bench_hypervolume.py``.
    The loops are sequential and gain nothing from a GPU: there, move the inputs to the CPU
    first (``jax.device_put(points, jax.devices("cpu")[0])``). Float32 inputs are accumulated
    with Kahan summation (relative error ~1e-7 at ``n = 10^5``). Not
    differentiable. Half-precision inputs are computed in float32 and cast back (a volume
    beyond the range of that dtype warns and is ``inf``). Rows are
    padded with copies of ``ref`` to one of eight sizes per octave, so that fronts of varying
    size reuse a few compiled kernels.

    Precision: a float64 NumPy input (or list) with ``jax_enable_x64`` off, which JAX would
    round to float32, is first translated in float64 on the host so that ``ref`` is the
    origin; the float32 computation then sees the distances to ``ref`` (each with a relative
    rounding error of at most ``2^-24``) rather than the raw magnitudes, so points at ``1e8``
    whose distances to ``ref`` are a few units keep their volume. A ``UserWarning`` says
    when that rounding still merges distinct distances in an objective or makes a point
    reach ``ref``; enable x64 for a float64 result. Under ``jit`` a NaN in ``ref`` is not
    checked: no row strictly dominates it, so the volume is 0.

    References
    ----------
    N. Beume, C. M. Fonseca, M. Lopez-Ibanez, L. Paquete, J. Vahrenhold. On the complexity
    of computing the hypervolume indicator. IEEE TEVC 13(5), 2009.
    A. P. Guerreiro, C. M. Fonseca. Computing and updating hypervolume contributions in up to
    four dimensions. IEEE TEVC 22(3), 2018.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from frontier import hypervolume
    >>> pts = jnp.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]])
    >>> float(hypervolume(pts, ref=[4.0, 4.0]))
    6.0

    Maximised objectives take a ``ref`` below the points:

    >>> float(hypervolume(jnp.array([[0.9, 10.0]]), ref=[0.0, 20.0], maximise=[True, False]))
    9.0
    """
    pts, r, mask, out = _prepare(points, ref, maximise, "hypervolume")
    _check_exact(
        pts, "exact hypervolume", "; use frontier.hv_approx(points, ref, key=...) for m >= 4"
    )
    padded, r = _minimise_and_pad(pts, r, mask=mask)
    return _cast_out(_run(padded, r, None, what="hv"), out, "hypervolume")


@docstring
def hv_approx(
    points: ArrayLike,
    /,
    ref: ArrayLike,
    *,
    key: Any,
    num_samples: int = 2**18,
    maximise: bool | Sequence[bool] = False,
    batch_size: int | None = None,
) -> HVEstimate:
    """Monte Carlo hypervolume for any number of objectives, with its standard error.

    Parameters
    ----------
    {points}
    {ref}
    {key}
    num_samples : int, default 2**18
        Uniform samples drawn in the box ``[ideal, ref]`` (``ideal``: the per-objective best
        of the rows that strictly dominate ``ref``).
    {maximise}
    batch_size : int, optional
        Blocks of :data:`frontier.kernels.hypervolume.MC_BLOCK` samples evaluated together
        (``lax.map``): a memory/speed knob. The result does not depend on it.

    Returns
    -------
    HVEstimate
        ``(value, stderr)``, both ``()`` in the dtype of ``points``. An infinite volume (as
        in :func:`hypervolume`) gives ``(inf, 0)``.

    Raises
    ------
    ValueError
        Bad shapes, NaN in ``ref``, ``num_samples < 1`` or ``>= 2**31``.
    TypeError
        Non-float ``points`` or a missing/invalid ``key``.

    Notes
    -----
    ``value = V * count / N``. ``stderr = V * max(p - lo, hi - p) / 4`` where ``[lo, hi]`` is
    the Wilson score interval of ``p = count / N`` at ``z = 4``: for large counts that is the
    binomial ``V sqrt(p (1 - p) / N)``, and when no sample or every sample is dominated it is
    about ``4 V / N`` rather than 0, so the true volume lies within ``4 * stderr`` of
    ``value`` except with probability of order 1e-4 for any count. ``stderr`` is 0 only in
    the two exact cases: no row strictly dominates ``ref`` (``value = 0``), or one row is the
    per-objective best of all (its box is the whole box: ``value = V``). Cost
    ``O(num_samples * n * m)`` time and ``O(batch_size * MC_BLOCK * n)`` memory. Float64
    input with ``jax_enable_x64`` off is translated to ``ref`` in float64 before the float32
    computation, as in :func:`hypervolume`.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from frontier import hv_approx
    >>> pts = jnp.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]])
    >>> est = hv_approx(pts, ref=[4.0, 4.0], key=0, num_samples=2**14)
    >>> abs(float(est.value) - 6.0) < 4 * float(est.stderr)
    True
    """
    key = as_key(key)
    n_samples = positive_int(num_samples, "num_samples", below=COUNT_LIMIT)
    bs = None if batch_size is None else positive_int(batch_size, "batch_size")
    pts, r, mask, out = _prepare(points, ref, maximise)
    padded, r = _minimise_and_pad(pts, r, mask=mask)
    value, stderr = _run(padded, r, key, what="mc", num_samples=n_samples, batch_size=bs)
    return HVEstimate(_cast_out(value, out, "hv_approx"), stderr.astype(out))


@docstring
def hv_contributions(
    points: ArrayLike,
    /,
    ref: ArrayLike,
    *,
    maximise: bool | Sequence[bool] = False,
) -> jax.Array:
    """Exclusive hypervolume contribution of each point: ``HV(P) - HV(P without row i)``.

    Parameters
    ----------
    {points}
    {ref}
    {maximise}

    Returns
    -------
    jax.Array
        ``(n,)``, the dtype of ``points``. Dominated rows, duplicated rows (each copy),
        rows that do not strictly dominate ``ref`` and NaN rows get 0. Dominated rows do
        count when another row is removed, so this equals
        ``moocore.hv_contributions(..., ignore_dominated=False)`` (moocore's default,
        ``True``, computes the contributions within the non-dominated rows only).

    Raises
    ------
    ValueError
        Bad shapes, NaN in ``ref``, or ``m >= 4``.
    TypeError
        Non-float ``points``.

    Notes
    -----
    ``m = 1, 2``: ``O(n log n)`` (one lexicographic sort and a scan for ``m = 2``).
    ``m = 3``: the HVC3D dimension sweep (Guerreiro and Fonseca 2018) in ``O(n log n)``
    time and ``O(n)`` memory: one sweep over ``z`` keeps, for every point of the ``(x, y)``
    staircase, the region it alone dominates as strips, and adds their volume when they
    shrink (see :func:`frontier.kernels.hypervolume.hvc3`); above 256 rows, rows that two
    pivot rows dominate are dropped first (they change nothing). When no row is dominated
    (a front), the same volumes come from the events of each point's region: its staircase
    neighbours change and it is covered, ``O(n log n)`` with one short loop. The loops are
    sequential and gain nothing from a GPU. Infinite coordinates give ``inf`` where a
    point's exclusive region is unbounded. Float64 input with ``jax_enable_x64`` off is
    translated to ``ref`` first, as in :func:`hypervolume` (with the same warning).

    References
    ----------
    A. P. Guerreiro, C. M. Fonseca. Computing and updating hypervolume contributions in up to
    four dimensions. IEEE TEVC 22(3), 2018.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from frontier import hv_contributions
    >>> pts = jnp.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [3.0, 3.0]])
    >>> hv_contributions(pts, ref=[4.0, 4.0]).tolist()
    [1.0, 1.0, 1.0, 0.0]
    """
    pts, r, mask, out = _prepare(points, ref, maximise, "hv_contributions")
    _check_exact(pts, "hv_contributions")
    padded, r = _minimise_and_pad(pts, r, mask=mask)
    return _cast_out(_run(padded, r, None, what="hvc")[: pts.shape[0]], out, "hv_contributions")
