"""Pareto dominance: non-dominated masks and sets, Pareto ranks and crowding distance.

Public wrappers around the dominance kernels (:mod:`frontier.kernels`): they validate
``points`` (:mod:`frontier._validation`), resolve ``method`` (:mod:`frontier._methods`), pad
``n`` to a size bucket (so calls with nearby sizes reuse one compiled kernel), flip the
maximised objectives and call a jitted kernel.

Conventions shared by every function here (the names follow moocore):

* ``points`` is ``(n, m)``, one row per point and one column per objective. Objectives are
  minimised unless ``maximise`` says otherwise (a bool, or one bool per objective).
* ``p`` *dominates* ``q`` when ``p`` is no worse in every objective and strictly better in
  at least one.
* A row containing NaN is never non-dominated and never dominates another row; in
  :func:`pareto_rank` it gets the last rank, one more than the largest rank of the NaN-free
  rows. ``+inf`` and ``-inf`` are ordinary ordered values.
* Identical rows: with ``keep_weakly=False`` (the default) only the first occurrence, in input
  order, of a group of identical non-dominated rows counts as non-dominated, as in
  ``moocore.is_nondominated``; ``keep_weakly=True`` keeps every copy. Identical rows always
  share a Pareto rank.
* Hard selections (masks, ranks) are not differentiable, and nothing here should be
  differentiated.
* Precision: masks and ranks depend only on the order of the values in each objective. A
  float64 NumPy input (or list) with ``jax_enable_x64`` off, which JAX would round to
  float32, is first mapped on the host to a float32 array with the same order per objective
  (:func:`frontier._validation.order_image`), so masks and ranks are exactly those of the
  float64 values. That costs one host sort per objective when some value is not exactly a
  float32 (none when every value is, e.g. float32 data stored as float64); pass float32 (or
  enable x64) to skip it. :func:`crowding_distance` maps each objective affinely to ``[0, 1]`` in
  float64 first (the distance is invariant to that map), so its float32 result is accurate
  relative to each objective's range.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from functools import cache, partial
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

if TYPE_CHECKING:  # shape annotations only; jaxtyping is not a runtime dependency
    from jaxtyping import Array, Bool, Float, Int

from ._devices import resolve_devices, sharded_leading, traced
from ._docs import docstring
from ._methods import (
    BATCH_DENSE_MAX,
    DEDUP_MIN,
    DENSE_MAX_ACCEL,
    DENSE_MAX_CPU,
    RANK_DENSE_MAX_2D,
    RANK_SORTED_MAX,
    RANK_SORTED_MAX_5D,
    ZORDER_MIN,
    DominanceMethod,
    batch_method,
    check_dominance_method,
    nondominated_method,
    padded_size,
    rank_method,
)
from ._validation import as_flag, as_points_wide, concrete, maximise_mask, minimised, order_image
from .kernels import crowding, dedup, dense, select, sweep, zorder
from .kernels import filter as pivot_filter
from .kernels._primitives import DUPLICATE_SAMPLE

__all__ = [
    "crowding_distance",
    "filter_dominated",
    "is_nondominated",
    "is_nondominated_batch",
    "pareto_probability",
    "pareto_rank",
    "pareto_rank_batch",
]

#: Values quoted in the docstrings (filled by :func:`frontier._docs.docstring`).
_QUOTED = dict(
    batch_dense_max=BATCH_DENSE_MAX,
    dedup_min=DEDUP_MIN,
    dense_max_accel=DENSE_MAX_ACCEL,
    dense_max_cpu=DENSE_MAX_CPU,
    duplicate_sample=DUPLICATE_SAMPLE,
    rank_dense_max_2d=RANK_DENSE_MAX_2D,
    rank_sorted_max=RANK_SORTED_MAX,
    rank_sorted_max_5d=RANK_SORTED_MAX_5D,
    zorder_min=ZORDER_MIN,
)

_ND_KERNELS = {
    "dense": dense.nondominated_dense,
    "blocked": dense.nondominated_blocked,
    "sweep": sweep.nondominated_sweep,
    "filter": pivot_filter.nondominated_filter,
    "pivot": select.pivot_mask,  # internal: "auto" on CPU for m <= 3
}
_RANK_KERNELS = {
    "dense": dense.pareto_rank_dense,
    "blocked": dense.pareto_rank_blocked,
    "sweep": sweep.pareto_rank_sweep,
    "sorted": sweep.pareto_rank_sweep,  # internal: the m >= 4 path of the sweep kernel
    "sweep3": sweep.pareto_rank_sweep3,  # internal: "sweep" for m == 3
    "filter": pivot_filter.pareto_rank_filter,
}


# --------------------------------------------------------------------------------------------
# plumbing
# --------------------------------------------------------------------------------------------
@cache
def _rank_kernel(name: str):
    """The rank kernel of a name from :func:`frontier._methods.rank_method` (one object per
    name: the prefixed kernels take it as a static argument)."""
    if name.startswith("dedup:"):
        return partial(dedup.pareto_rank_dedup, inner=_rank_kernel(name.removeprefix("dedup:")))
    if name.startswith("zorder:"):
        inner = _rank_kernel(name.removeprefix("zorder:"))
        return partial(zorder.pareto_rank_pruned, fallback=inner)
    return _RANK_KERNELS[name]


@partial(jax.jit, static_argnames=("size",))
def _pad_rows(x, *, size):
    pad = [(0, 0)] * (x.ndim - 2) + [(0, size - x.shape[-2]), (0, 0)]
    return jnp.pad(x, pad, constant_values=jnp.nan)


@partial(jax.jit, static_argnames=("n",))
def _unpad(out, *, n):
    # jitted: a plain `out[..., :n]` spends more time in Python than a 10^5-row mask kernel
    return out[..., :n]


def _apply_kernel(x, keep_weakly, *, flip, kind, method, batched):
    """Flip the maximised objectives and run a kernel (on every set when ``batched``)."""
    x = minimised(x, flip)
    if kind == "nd":
        fn = partial(_ND_KERNELS[method], keep_weakly=keep_weakly)
    else:
        fn = _rank_kernel(method)
    if not batched:
        return fn(x)
    flat = x.reshape((-1, *x.shape[-2:]))
    if flat.shape[0] == 0:
        out = jnp.zeros(flat.shape[:-1], bool if kind == "nd" else jnp.int32)
    elif method in ("filter", "sweep3", "pivot"):
        # data-dependent loops, and sweep3's fallback is a cond that vmap would turn into
        # running both branches: map sequentially rather than vmap
        out = lax.map(fn, flat)
    else:
        out = jax.vmap(fn)(flat)
    return out.reshape(x.shape[:-1])


#: Static arguments of :func:`_kernel`: one compilation per distinct value.
_KERNEL_STATIC = ("flip", "kind", "method", "batched")
_kernel = jax.jit(_apply_kernel, static_argnames=_KERNEL_STATIC)


def _run(x, keep_weakly, *, flip, kind, method, batched):
    """Pad ``n`` with NaN rows to its size bucket, run the kernel, drop the padding.

    Padding happens outside the kernel's ``jit`` so that every ``n`` of a bucket shares one
    compiled kernel. NaN padding is invisible in every result: NaN rows are never
    non-dominated, dominate nothing, and get the last rank, which leaves other ranks alone.
    """
    n = x.shape[-2]
    size = padded_size(n)
    if size > n:
        x = _pad_rows(x, size=size)
    out = _kernel(x, keep_weakly, flip=flip, kind=kind, method=method, batched=batched)
    return _unpad(out, n=n) if size > n else out


def _prepare(points, maximise, *, batched: bool):
    """Validate; return the points (float64 input with x64 off mapped to its exact float32
    order image, see the module notes), the maximise flags and the float64 copy of such
    input (else ``None``)."""
    x, wide = as_points_wide(points, batched=batched)
    flip = maximise_mask(maximise, x.shape[-1])
    if wide is not None and x.size:
        x = jnp.asarray(order_image(wide))
    return x, flip, wide


def _masks_or_ranks(x, flip, keep_weakly: bool, method: Any, *, kind: str, batched: bool):
    """Masks (``kind="nd"``) or ranks (``"rank"``) of validated points: resolve ``method``,
    handle ``n == 0``, run."""
    n, m = x.shape[-2:]
    method = check_dominance_method(method, m, sweep_max_m=2 if kind == "nd" else 3)
    if batched:
        method = batch_method(method, n, m, rank=kind == "rank")
    elif kind == "nd":
        method = nondominated_method(method, n, m)
    else:
        method = rank_method(method, n, m)
    if n == 0:
        return jnp.zeros(x.shape[:-1], bool if kind == "nd" else jnp.int32)
    return _run(x, keep_weakly, flip=flip, kind=kind, method=method, batched=batched)


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------
@docstring(**_QUOTED)
def is_nondominated(
    points: Float[ArrayLike, "n m"],
    /,
    *,
    maximise: bool | Sequence[bool] = False,
    keep_weakly: bool = False,
    method: DominanceMethod = "auto",
) -> Bool[Array, " n"]:
    """Mask of the points that no other point dominates.

    Parameters
    ----------
    {points}
    {maximise}
    {keep_weakly}
    {method}

    Returns
    -------
    jax.Array, shape (n,), bool
        ``True`` for the non-dominated points. Rows with NaN are ``False``.

    Raises
    ------
    TypeError
        Non-floating ``points``, or a non-bool ``keep_weakly``.
    ValueError
        ``points`` not 2-D, ``maximise`` of the wrong length, an unknown ``method``, or
        ``method="sweep"`` with ``m > 2``.

    Notes
    -----
    The result is the same for every ``method``; see :mod:`frontier.kernels` for the
    algorithms. On CPU, ``"auto"`` uses ``"dense"`` up to {dense_max_cpu} points and
    ``"filter"`` above, except for ``m <= 3``: there one pass finds a pivot (the point of
    least range-scaled sum) and a second drops every point it dominates, and when that leaves
    few points only those go through ``"sweep"`` (``m <= 2``) or ``"filter"``. On
    accelerators ``"auto"`` uses ``"dense"`` up to {dense_max_accel} points, then ``"sweep"``
    (``m <= 2``) or ``"blocked"``. ``n`` is padded internally to one of eight
    sizes per octave, so calls with nearby ``n`` share a compiled kernel. Works inside
    ``jax.jit`` and ``jax.vmap`` (pass options with ``functools.partial``);
    :func:`is_nondominated_batch` is the batched form. ``m == 1`` keeps the minimum (one copy
    unless ``keep_weakly``). Float64 input with ``jax_enable_x64`` off is mapped on the host
    to a float32 array with the same order in every objective, so the mask is exactly that
    of the float64 values (JAX alone would round them to float32 and merge close values).

    Examples
    --------
    >>> import numpy as np, frontier
    >>> pts = np.array([[1.0, 4.0], [2.0, 2.0], [3.0, 3.0], [2.0, 2.0], [4.0, 1.0]])
    >>> frontier.is_nondominated(pts)
    Array([ True,  True, False, False,  True], dtype=bool)
    >>> frontier.is_nondominated(pts, keep_weakly=True)
    Array([ True,  True, False,  True,  True], dtype=bool)
    >>> frontier.is_nondominated(pts, maximise=[False, True])  # maximise the second column
    Array([ True, False, False, False, False], dtype=bool)
    """
    x, flip, _ = _prepare(points, maximise, batched=False)
    kw = as_flag(keep_weakly, "keep_weakly")
    return _masks_or_ranks(x, flip, kw, method, kind="nd", batched=False)


@docstring
def filter_dominated(
    points: Float[ArrayLike, "n m"],
    /,
    *,
    maximise: bool | Sequence[bool] = False,
    keep_weakly: bool = False,
    method: DominanceMethod = "auto",
) -> Float[Array, "k m"]:
    """The non-dominated points themselves (rows of ``points``, in input order).

    Parameters
    ----------
    {points}
    {maximise}
    {keep_weakly}
    {method}

    Returns
    -------
    jax.Array, shape (k, m)
        The rows selected by :func:`is_nondominated`, with their original values and dtype
        (as JAX stores them: float64 input with ``jax_enable_x64`` off comes back rounded to
        float32, though the selection is made on the float64 values).

    Raises
    ------
    TypeError
        As :func:`is_nondominated`; also when called under ``jax.jit`` or ``jax.vmap``: the
        output shape depends on the data, so this function cannot be traced. Inside ``jit``
        use the mask of :func:`is_nondominated` instead.
    ValueError
        As :func:`is_nondominated`.

    Examples
    --------
    >>> import numpy as np, frontier
    >>> pts = np.array([[1.0, 4.0], [2.0, 2.0], [3.0, 3.0], [4.0, 1.0]])
    >>> frontier.filter_dominated(pts)
    Array([[1., 4.],
           [2., 2.],
           [4., 1.]], dtype=float32)
    """
    x, flip, wide = _prepare(points, maximise, batched=False)
    kw = as_flag(keep_weakly, "keep_weakly")
    mask = concrete(_masks_or_ranks(x, flip, kw, method, kind="nd", batched=False))
    if mask is None:
        raise TypeError(
            "filter_dominated returns a data-dependent number of rows and cannot run under"
            " jax.jit/vmap; use the mask from is_nondominated inside traced code"
        )
    rows = np.flatnonzero(mask)
    return x[rows] if wide is None else jnp.asarray(wide[rows])


@docstring(**_QUOTED)
def pareto_rank(
    points: Float[ArrayLike, "n m"],
    /,
    *,
    maximise: bool | Sequence[bool] = False,
    method: DominanceMethod = "auto",
) -> Int[Array, " n"]:
    """Pareto rank (front index, 0 = non-dominated) of every point.

    Rank 0 is the non-dominated set; rank ``k`` is the non-dominated set of what remains after
    removing ranks ``0..k-1`` (non-dominated sorting, as ``moocore.pareto_rank``).

    Parameters
    ----------
    {points}
    {maximise}
    {method}

    Returns
    -------
    jax.Array, shape (n,), int32
        The rank of each point. Identical points share a rank. Rows with NaN get the last
        rank: one more than the largest rank of the NaN-free rows.

    Raises
    ------
    TypeError
        Non-floating ``points``.
    ValueError
        As :func:`is_nondominated`.

    Notes
    -----
    For ``m <= 2``, ``"sweep"`` (the ``"auto"`` choice above {rank_dense_max_2d} points) sorts
    once and resolves all fronts in ``O(n log n + n * 32)``. For ``m == 3``, ``"sweep"``
    (``"auto"`` on CPU above {dense_max_cpu} points) ranks without peeling: after one
    lexicographic sort, rows are ranked in blocks from per-front staircases of the rows before
    them (a binary search over the nested fronts, prefix minima in a Fenwick tree over ``f2``
    bins), in ``O(n log n + n (log(fronts) log(bins) + n / bins + block))`` time and
    ``O(n + fronts * bins)`` memory; the tree holds up to 256-4096 fronts (about ``2^21``
    cells), and data with more fronts fall back to ``"filter"`` (same ranks, slower). For
    ``m >= 4`` every method peels one front at a time: ``"dense"`` keeps the ``(n, n)``
    dominance matrix (``O(n^2)`` memory), ``"blocked"`` recomputes it in tiles,
    ``"filter"`` finds each front with the elimination rounds of :func:`is_nondominated` and
    an exact pivot sweep over the rows not ranked yet; ``"auto"`` on CPU uses ``"dense"`` up
    to {dense_max_cpu} points, then (up to {rank_sorted_max} points for ``m == 4``,
    {rank_sorted_max_5d} for ``m >= 5``) that pivot sweep over rows sorted once by the sum
    of their objectives (a row cannot dominate one of smaller sum, so each block of pivots
    is tested against the rows from the first one of its sum on), and ``"filter"`` above;
    from {zorder_min} points it first estimates, on every 8th row, how many row pairs
    Z-order blocks would compare (rows sorted by a Morton code, each block of 128 tested
    only against earlier blocks whose bounding box can hold a dominator), and ranks by
    dominance depth over those blocks when few are (data near a curve, such as noisy
    trade-offs: about 9% of the pairs of 10^5 5-D ``mc`` rows, 34% of uniform ones).
    On CPU, from
    {dedup_min} points ``"auto"`` first hashes a sample of {duplicate_sample} rows: if rows
    repeat (rounded or discrete Monte Carlo outcomes), the distinct rows are grouped (integer
    radix sorts of a row hash), ranked once, and the ranks copied to every copy. On
    accelerators ``"auto"`` uses ``"dense"`` up to {dense_max_accel} points, then ``"sweep"``
    (``m <= 2``) or ``"blocked"``. Measured numbers against moocore are in the README and
    ``benchmarks/bench_dominance.py``. Not differentiable. Float64 input with
    ``jax_enable_x64`` off is ranked exactly, as in :func:`is_nondominated`.

    Examples
    --------
    >>> import numpy as np, frontier
    >>> pts = np.array([[1.0, 4.0], [2.0, 2.0], [3.0, 3.0], [2.0, 2.0], [4.0, 4.0]])
    >>> frontier.pareto_rank(pts)
    Array([0, 0, 1, 0, 2], dtype=int32)
    >>> frontier.pareto_rank(np.array([[1.0, np.nan], [2.0, 2.0], [3.0, 3.0]]))
    Array([2, 0, 1], dtype=int32)
    """
    x, flip, _ = _prepare(points, maximise, batched=False)
    return _masks_or_ranks(x, flip, False, method, kind="rank", batched=False)


@docstring
def crowding_distance(
    points: Float[ArrayLike, "n m"],
    /,
    *,
    maximise: bool | Sequence[bool] = False,
    per_front: bool = False,
) -> Float[Array, " n"]:
    """NSGA-II crowding distance (Deb et al. 2002), on the given set or per Pareto front.

    For each objective the points are sorted (ties keep input order); the two extreme points
    get ``+inf`` and every other point adds the gap between its two neighbours divided by the
    objective's range. Distances are summed over objectives (pymoo divides the sum by ``m``).

    Parameters
    ----------
    {points}
    {maximise}
    per_front : bool, default False
        ``False``: treat the whole input as one front (the usual call is on a front, e.g. the
        output of :func:`filter_dominated`). ``True``: compute the distance of each point
        within its own Pareto front (:func:`pareto_rank`), as NSGA-II's selection does.

    Returns
    -------
    jax.Array, shape (n,), dtype of ``points``
        Larger means less crowded. An objective whose range is zero adds 0 to every point
        (no ``0/0``), so a set of identical points gets 0 and a single point gets 0; gaps
        involving infinities that are not finite numbers add 0. Rows with NaN are ignored by
        the others and get 0.

    Raises
    ------
    TypeError
        Non-floating ``points``, or a non-bool ``per_front``.
    ValueError
        ``points`` not 2-D, or ``maximise`` of the wrong length.

    Notes
    -----
    ``O(m n log n)``: one stable sort per objective. Not differentiable. Float64 input with
    ``jax_enable_x64`` off is first mapped affinely to ``[0, 1]`` per objective in float64
    on the host (the distance does not change under that map), so the float32 result is
    accurate relative to each objective's range however large the values are.

    References
    ----------
    K. Deb, A. Pratap, S. Agarwal, T. Meyarivan, "A fast and elitist multiobjective genetic
    algorithm: NSGA-II", IEEE Trans. Evol. Comput. 6(2), 2002.

    Examples
    --------
    >>> import numpy as np, frontier
    >>> pts = np.array([[0.0, 4.0], [1.0, 2.0], [2.0, 1.0], [4.0, 0.0]])
    >>> frontier.crowding_distance(pts)
    Array([ inf, 1.25, 1.25,  inf], dtype=float32)
    """
    x, flip, wide = _prepare(points, maximise, batched=False)
    per_front = as_flag(per_front, "per_front")
    n = x.shape[0]
    if n == 0:
        return jnp.zeros((0,), x.dtype)
    if per_front:
        group = _masks_or_ranks(x, flip, False, "auto", kind="rank", batched=False)
    else:
        group = jnp.zeros((n,), jnp.int32)
    if wide is not None:
        x = jnp.asarray(_unit_range(wide))
    size = padded_size(n)
    if size == n:
        return _crowding(x, group, flip=flip)
    # NaN rows are ignored: share one compiled kernel per size bucket
    x = _pad_rows(x, size=size)
    group = jnp.pad(group, (0, size - n))
    return _unpad(_crowding(x, group, flip=flip), n=n)


def _unit_range(wide: np.ndarray) -> np.ndarray:
    """Each column mapped by ``(v - lo) / (hi - lo)`` over its finite values, in float64,
    then cast to float32 (a constant column is only shifted; infinities and NaN stay)."""
    fin = np.where(np.isfinite(wide), wide, np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        lo = np.nan_to_num(np.nanmin(fin, axis=0))
        span = np.nanmax(fin, axis=0) - lo
    span = np.where(np.isfinite(span) & (span > 0), span, 1.0)
    return ((wide - lo) / span).astype(np.float32)


@partial(jax.jit, static_argnames=("flip",))
def _crowding(x, group, *, flip):
    return crowding.crowding_distance(minimised(x, flip), group)


@docstring(**_QUOTED)
def is_nondominated_batch(
    points: Float[ArrayLike, "... n m"],
    /,
    *,
    maximise: bool | Sequence[bool] = False,
    keep_weakly: bool = False,
    method: DominanceMethod = "auto",
    devices: Any = None,
) -> Bool[Array, "... n"]:
    """:func:`is_nondominated` of every set along the leading axes.

    Parameters
    ----------
    {points_batch}
    {maximise}
    {keep_weakly}
    {method}
    {devices_batch}

    Returns
    -------
    jax.Array, shape (..., n), bool
        One mask per set.

    Raises
    ------
    TypeError, ValueError
        As :func:`is_nondominated` (``points`` needs at least 2 dimensions).

    Notes
    -----
    ``"auto"`` vmaps the ``"dense"`` kernel up to ``n = {batch_dense_max}`` and otherwise uses
    the choice of :func:`is_nondominated`; ``"filter"`` runs the sets one after another with
    ``lax.map`` (its loops have data-dependent trip counts), the others are vmapped.

    Examples
    --------
    >>> import numpy as np, frontier
    >>> sets = np.array([[[1.0, 2.0], [2.0, 1.0], [2.0, 2.0]],
    ...                  [[1.0, 1.0], [2.0, 1.0], [0.0, 3.0]]])
    >>> frontier.is_nondominated_batch(sets)
    Array([[ True,  True, False],
           [ True, False,  True]], dtype=bool)
    """
    x, flip, _ = _prepare(points, maximise, batched=True)
    kw = as_flag(keep_weakly, "keep_weakly")
    return _sets_on_devices(x, devices, flip=flip, keep_weakly=kw, method=method, kind="nd")


@docstring
def pareto_rank_batch(
    points: Float[ArrayLike, "... n m"],
    /,
    *,
    maximise: bool | Sequence[bool] = False,
    method: DominanceMethod = "auto",
    devices: Any = None,
) -> Int[Array, "... n"]:
    """:func:`pareto_rank` of every set along the leading axes.

    Parameters
    ----------
    {points_batch}
    {maximise}
    {method}
    {devices_batch}

    Returns
    -------
    jax.Array, shape (..., n), int32
        One rank vector per set.

    Raises
    ------
    TypeError, ValueError
        As :func:`pareto_rank` (``points`` needs at least 2 dimensions).

    Examples
    --------
    >>> import numpy as np, frontier
    >>> sets = np.array([[[1.0, 2.0], [2.0, 3.0], [3.0, 4.0]],
    ...                  [[3.0, 1.0], [2.0, 2.0], [1.0, 3.0]]])
    >>> frontier.pareto_rank_batch(sets)
    Array([[0, 1, 2],
           [0, 0, 0]], dtype=int32)
    """
    x, flip, _ = _prepare(points, maximise, batched=True)
    return _sets_on_devices(x, devices, flip=flip, keep_weakly=False, method=method,
                            kind="rank")


def _sets_local(x, *, flip, keep_weakly, method, kind):
    return _masks_or_ranks(x, flip, keep_weakly, method, kind=kind, batched=True)


def _sets_on_devices(x, devices, *, flip, keep_weakly, method, kind):
    """Batched masks or ranks with the sets split over ``devices`` (see ``devices_batch``)."""
    devs = resolve_devices(devices)
    flat = x.reshape((math.prod(x.shape[:-2]), *x.shape[-2:]))
    if len(devs) == 1 or flat.shape[0] < 2 or 0 in x.shape[-2:] or traced(x):
        if devices is None or traced(x):
            return _sets_local(x, flip=flip, keep_weakly=keep_weakly, method=method, kind=kind)
        with jax.default_device(devs[0]):
            return _sets_local(jax.device_put(x, devs[0]), flip=flip,
                               keep_weakly=keep_weakly, method=method, kind=kind)
    out = sharded_leading(_sets_local, flat, devices=devs, flip=flip, keep_weakly=keep_weakly,
                          method=method, kind=kind)
    return out.reshape(x.shape[:-1])


@docstring
def pareto_probability(
    points: Float[ArrayLike, "... n m"],
    /,
    *,
    maximise: bool | Sequence[bool] = False,
    keep_weakly: bool = True,
    method: DominanceMethod = "auto",
) -> Float[Array, " n"]:
    """Fraction of the sets in which each point is non-dominated.

    With one set of ``n`` configurations per Monte Carlo replicate, this estimates the
    probability that each configuration is Pareto-optimal.

    Parameters
    ----------
    {points_batch}
    {maximise}
    keep_weakly : bool, default True
        Count a configuration as non-dominated when it ties another non-dominated one.
        ``True`` by default, unlike :func:`is_nondominated`: "no other configuration
        dominates it" should not depend on where it sits in the input.
    {method}

    Returns
    -------
    jax.Array, shape (n,), dtype of ``points``
        The mean of :func:`is_nondominated_batch` over all leading axes. Its Monte Carlo
        standard error is ``sqrt(p * (1 - p) / B)`` for ``B`` independent sets.

    Raises
    ------
    TypeError, ValueError
        As :func:`is_nondominated_batch`; ``ValueError`` also when there is no set (a
        leading axis of length 0: the fraction would be 0/0).

    Examples
    --------
    >>> import numpy as np, frontier
    >>> sets = np.array([[[1.0, 2.0], [2.0, 1.0], [2.0, 2.0]],
    ...                  [[1.0, 1.0], [2.0, 1.0], [0.0, 3.0]]])
    >>> frontier.pareto_probability(sets)
    Array([1. , 0.5, 0.5], dtype=float32)
    """
    x, flip, _ = _prepare(points, maximise, batched=True)
    if int(np.prod(x.shape[:-2])) == 0:
        raise ValueError(
            f"pareto_probability needs at least one set: `points` must have shape (..., n, m)"
            f" with nonzero leading axes, got shape {x.shape}"
        )
    kw = as_flag(keep_weakly, "keep_weakly")
    mask = _masks_or_ranks(x, flip, kw, method, kind="nd", batched=True)
    n = mask.shape[-1]
    return jnp.mean(mask.reshape(-1, n).astype(x.dtype), axis=0) if n else jnp.zeros((0,), x.dtype)
