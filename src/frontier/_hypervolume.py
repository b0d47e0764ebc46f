"""Hypervolume: exact (``m <= 3``), Monte Carlo (any ``m``) and exclusive contributions."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from ._docs import docstring
from ._methods import padded_size
from ._validation import (
    as_key,
    as_points,
    as_ref,
    maximise_mask,
    minimised,
    positive_int,
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
        ``()``: its binomial standard error ``V sqrt(p (1 - p) / N)`` (``V``: box volume,
        ``p``: dominated fraction, ``N``: ``num_samples``).
    """

    value: jax.Array
    stderr: jax.Array


def _prepare(points: Any, ref: Any, maximise: Any) -> tuple[jax.Array, jax.Array, tuple]:
    """Validate; return points, ref (as arrays, unconverted) and the static maximise mask."""
    pts = as_points(points)
    mask = maximise_mask(maximise, pts.shape[1])
    return pts, as_ref(ref, pts), mask


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
    differentiable. Half-precision inputs are computed in float32 and cast back. Rows are
    padded with copies of ``ref`` to one of eight sizes per octave, so that fronts of varying
    size reuse a few compiled kernels.

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
    pts, r, mask = _prepare(points, ref, maximise)
    _check_exact(
        pts, "exact hypervolume", "; use frontier.hv_approx(points, ref, key=...) for m >= 4"
    )
    padded, r = _minimise_and_pad(pts, r, mask=mask)
    return _run(padded, r, None, what="hv").astype(pts.dtype)


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
    ``value = V * count / N`` and ``stderr = V sqrt(p (1 - p) / N)``: the true volume lies
    within ``4 * stderr`` of ``value`` except with probability ~6e-5. Cost
    ``O(num_samples * n * m)`` time and ``O(batch_size * MC_BLOCK * n)`` memory.

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
    pts, r, mask = _prepare(points, ref, maximise)
    padded, r = _minimise_and_pad(pts, r, mask=mask)
    value, stderr = _run(padded, r, key, what="mc", num_samples=n_samples, batch_size=bs)
    return HVEstimate(value.astype(pts.dtype), stderr.astype(pts.dtype))


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
    ``m = 3``: only rows on the front (found with the ``"filter"`` kernel of
    :func:`frontier.is_nondominated`) can contribute; for each, one exact 3-D hypervolume of
    the other rows clipped into its box, most of which :func:`hypervolume`'s pre-filter
    drops. ``O(F n)`` time plus ``F`` small sweeps for ``F`` front rows, ``O(n)`` memory;
    ``O(n^2 log n)`` when every row is on the front. Rows or ``ref`` with infinite
    coordinates make the contributions undefined (NaN or inf).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from frontier import hv_contributions
    >>> pts = jnp.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [3.0, 3.0]])
    >>> hv_contributions(pts, ref=[4.0, 4.0]).tolist()
    [1.0, 1.0, 1.0, 0.0]
    """
    pts, r, mask = _prepare(points, ref, maximise)
    _check_exact(pts, "hv_contributions")
    padded, r = _minimise_and_pad(pts, r, mask=mask)
    return _run(padded, r, None, what="hvc")[: pts.shape[0]].astype(pts.dtype)
