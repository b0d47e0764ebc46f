"""Pareto dominance: non-dominated masks and sets, Pareto ranks and crowding distance.

Public wrappers around :mod:`frontier.kernels.dominance`: they validate ``points``, flip the
maximised objectives, pick a ``method``, pad ``n`` to a size bucket (so calls with nearby
sizes reuse one compiled kernel) and call a jitted kernel.

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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

if TYPE_CHECKING:  # shape annotations only; jaxtyping is not a runtime dependency
    from jaxtyping import Array, Bool, Float, Int

from ._validation import as_points, maximise_mask, minimised
from .kernels import dominance as _k

__all__ = [
    "crowding_distance",
    "filter_dominated",
    "is_nondominated",
    "is_nondominated_batch",
    "pareto_probability",
    "pareto_rank",
    "pareto_rank_batch",
]

Method = Literal["auto", "dense", "blocked", "sweep", "filter"]
_METHODS = ("auto", "dense", "blocked", "sweep", "filter")

# Sizes up to which the O(n^2) dense kernel beats the others ("auto"), per backend.
_DENSE_MAX = {"cpu": 256}
_DENSE_MAX_ACCEL = 4096
# CPU, m >= 4: ranks by the sum-sorted peel ("sorted", internal) up to this size, then by the
# filter (measured crossover).
_RANK_SWEEP_MAX = 32768
# CPU ranks from this size on go through the duplicate test of pareto_rank_dedup.
_DEDUP_MIN = 4096
# Batched calls: per-set size up to which "auto" vmaps the dense kernel.
_BATCH_DENSE_MAX = 1024

_DOC = {
    "points": """points : array_like, shape (n, m)
        One row per point, one column per objective, floating dtype (integer input raises
        ``TypeError``; convert explicitly). Minimised unless ``maximise`` says otherwise.""",
    "points_batch": """points : array_like, shape (..., n, m)
        Any number of leading batch axes (e.g. one set per Monte Carlo replicate), each
        holding ``n`` points with ``m`` objectives, floating dtype.""",
    "maximise": """maximise : bool or sequence of bool, default False
        Objectives to maximise: one flag for all, or one per objective.""",
    "keep_weakly": """keep_weakly : bool, default False
        Keep every copy of identical non-dominated points. By default only the first copy
        in input order is kept, as in ``moocore.is_nondominated``.""",
    "method": """method : {"auto", "dense", "blocked", "sweep", "filter"}, default "auto"
        Algorithm; all give identical results. ``"dense"``: all pairs at once, ``O(n^2)``
        memory, best for small ``n``. ``"blocked"``: all pairs in tiles, ``O(n^2 m)`` time,
        ``O(n)`` memory, no data-dependent control flow (GPU). ``"sweep"``: lexicographic
        sort and running minimum, ``O(n log n)``, ``m <= 2`` only (:func:`pareto_rank`:
        also ``m == 3``, one sweep over per-front staircases). ``"filter"``: cheap
        ``O(n)`` elimination rounds (pivot points and a grid of prefix minima), then an exact
        blocked pivot sweep over the survivors; the fastest on CPU for large ``n``.
        ``"auto"`` picks from the backend, ``n`` and ``m`` (outside ``jit``).""",
}


def _doc(fn: Callable) -> Callable:
    fn.__doc__ = fn.__doc__.format(**{k: v.strip() for k, v in _DOC.items()})
    return fn


# --------------------------------------------------------------------------------------------
# plumbing
# --------------------------------------------------------------------------------------------
def _bucket(n: int) -> int:
    """Smallest size ``>= n`` on a grid of eight sizes per octave (multiples of 16)."""
    if n <= 16:
        return 16
    k = math.ceil(8 * math.log2(n))
    size = 16 * math.ceil(2.0 ** (k / 8) / 16)
    while size < n:  # guard float rounding
        k += 1
        size = 16 * math.ceil(2.0 ** (k / 8) / 16)
    return size


def _check_method(method: Any, m: int, *, sweep_max_m: int = 2) -> str:
    if method not in _METHODS:
        raise ValueError(f"`method` must be one of {_METHODS}, got {method!r}")
    if method == "sweep" and m > sweep_max_m:
        raise ValueError(
            f"method='sweep' needs m <= {sweep_max_m} objectives, got points with m={m}"
        )
    return method


def _check_flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"`{name}` must be a bool, got {value!r}")
    return bool(value)


def _accel() -> bool:
    return jax.default_backend() != "cpu"


def _nd_method(method: str, n: int, m: int) -> str:
    if method != "auto":
        return method
    if _accel():
        if n <= _DENSE_MAX_ACCEL:
            return "dense"
        return "sweep" if m <= 2 else "blocked"
    return "dense" if n <= _DENSE_MAX["cpu"] else "filter"


def _rank_method(method: str, n: int, m: int) -> str:
    if method == "sweep" and m == 3:
        return "sweep3"
    if method != "auto":
        return method
    if m <= 2:
        name = "dense" if n <= 128 else "sweep"
    elif _accel():
        return "dense" if n <= _DENSE_MAX_ACCEL else "blocked"
    elif n <= _DENSE_MAX["cpu"]:
        return "dense"
    elif m == 3:
        name = "sweep3"
    else:
        name = "sorted" if n <= _RANK_SWEEP_MAX else "filter"
    # CPU: rank the distinct rows only when a sample shows many repeats (kernel-side test)
    return f"dedup:{name}" if n >= _DEDUP_MIN and not _accel() else name


def _batch_method(method: str, n: int, m: int, rank: bool) -> str:
    if method != "auto":
        return "sweep3" if rank and method == "sweep" and m == 3 else method
    if n <= _BATCH_DENSE_MAX:
        return "dense"
    if rank:  # lax.cond under vmap runs both branches: no deduplication in batches
        return _rank_method(method, n, m).removeprefix("dedup:")
    return _nd_method(method, n, m)


_ND_KERNELS = {
    "dense": _k.nondominated_dense,
    "blocked": _k.nondominated_blocked,
    "sweep": _k.nondominated_sweep,
    "filter": _k.nondominated_filter,
}
_RANK_KERNELS = {
    "dense": _k.pareto_rank_dense,
    "blocked": _k.pareto_rank_blocked,
    "sweep": _k.pareto_rank_sweep,
    "sorted": _k.pareto_rank_sweep,  # internal: the m >= 4 path of the sweep kernel
    "sweep3": _k.pareto_rank_sweep3,  # internal: "sweep" for m == 3
    "filter": _k.pareto_rank_filter,
}


@partial(jax.jit, static_argnames=("size",))
def _pad_rows(x, *, size):
    pad = [(0, 0)] * (x.ndim - 2) + [(0, size - x.shape[-2]), (0, 0)]
    return jnp.pad(x, pad, constant_values=jnp.nan)


@partial(jax.jit, static_argnames=("flip", "kind", "method", "batched"))
def _kernel(x, keep_weakly, *, flip, kind, method, batched):
    """Flip the maximised objectives and run a kernel (on every set when ``batched``)."""
    x = minimised(x, np.asarray(flip, dtype=bool))
    if kind == "nd":
        fn = partial(_ND_KERNELS[method], keep_weakly=keep_weakly)
    elif method.startswith("dedup:"):
        fn = partial(_k.pareto_rank_dedup, inner=_RANK_KERNELS[method.removeprefix("dedup:")])
    else:
        fn = _RANK_KERNELS[method]
    if not batched:
        return fn(x)
    flat = x.reshape((-1, *x.shape[-2:]))
    if flat.shape[0] == 0:
        out = jnp.zeros(flat.shape[:-1], bool if kind == "nd" else jnp.int32)
    elif method in ("filter", "sweep3"):
        # data-dependent loops, and sweep3's fallback is a cond that vmap would turn into
        # running both branches: map sequentially rather than vmap
        out = lax.map(fn, flat)
    else:
        out = jax.vmap(fn)(flat)
    return out.reshape(x.shape[:-1])


def _run(x, keep_weakly, *, flip, kind, method, batched):
    """Pad ``n`` with NaN rows to its size bucket, run the kernel, drop the padding.

    Padding happens outside the kernel's ``jit`` so that every ``n`` of a bucket shares one
    compiled kernel. NaN padding is invisible in every result: NaN rows are never
    non-dominated, dominate nothing, and get the last rank, which leaves other ranks alone.
    """
    n = x.shape[-2]
    size = _bucket(n)
    if size > n:
        x = _pad_rows(x, size=size)
    out = _kernel(x, keep_weakly, flip=flip, kind=kind, method=method, batched=batched)
    return out[..., :n] if size > n else out


def _prepare(points, maximise, *, batched: bool):
    x = as_points(points, batched=batched)
    flip = tuple(bool(v) for v in maximise_mask(maximise, x.shape[-1]))
    return x, flip


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------
@_doc
def is_nondominated(
    points: Float[ArrayLike, "n m"],
    /,
    *,
    maximise: bool | Sequence[bool] = False,
    keep_weakly: bool = False,
    method: Method = "auto",
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
    The result is the same for every ``method``; see :mod:`frontier.kernels.dominance` for the
    algorithms. On CPU, ``"auto"`` uses ``"dense"`` up to 256 points and ``"filter"`` above;
    on accelerators ``"dense"`` up to 4096 points, then ``"sweep"`` (``m <= 2``) or
    ``"blocked"``. ``n`` is padded internally to one of eight sizes per octave, so calls with
    nearby ``n`` share a compiled kernel. Works inside ``jax.jit`` and ``jax.vmap`` (pass
    options with ``functools.partial``); :func:`is_nondominated_batch` is the batched form.
    ``m == 1`` keeps the minimum (one copy unless ``keep_weakly``).

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
    x, flip = _prepare(points, maximise, batched=False)
    kw = _check_flag(keep_weakly, "keep_weakly")
    n, m = x.shape
    method = _nd_method(_check_method(method, m), n, m)
    if n == 0:
        return jnp.zeros((0,), bool)
    return _run(x, kw, flip=flip, kind="nd", method=method, batched=False)


@_doc
def filter_dominated(
    points: Float[ArrayLike, "n m"],
    /,
    *,
    maximise: bool | Sequence[bool] = False,
    keep_weakly: bool = False,
    method: Method = "auto",
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
        The rows selected by :func:`is_nondominated`, with their original values and dtype.

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
    x, _ = _prepare(points, maximise, batched=False)
    mask = is_nondominated(x, maximise=maximise, keep_weakly=keep_weakly, method=method)
    if isinstance(mask, jax.core.Tracer):  # the only way to detect tracing here
        raise TypeError(
            "filter_dominated returns a data-dependent number of rows and cannot run under"
            " jax.jit/vmap; use the mask from is_nondominated inside traced code"
        )
    return x[np.flatnonzero(np.asarray(mask))]


@_doc
def pareto_rank(
    points: Float[ArrayLike, "n m"],
    /,
    *,
    maximise: bool | Sequence[bool] = False,
    method: Method = "auto",
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
    For ``m <= 2``, ``"sweep"`` (the ``"auto"`` choice above 128 points) sorts once and
    resolves all fronts in ``O(n log n + n * 32)``. For ``m == 3``, ``"sweep"`` (``"auto"``
    on CPU above 256 points) ranks without peeling: after one lexicographic sort, rows are
    ranked in blocks from per-front staircases of the rows before them (a binary search over
    the nested fronts, prefix minima in a Fenwick tree over ``f2`` bins), in
    ``O(n log n + n (log(fronts) log(bins) + n / bins + block))`` time and
    ``O(n + fronts * bins)`` memory; the tree holds up to 256-4096 fronts (about ``2^21``
    cells), and data with more fronts fall back to ``"filter"`` (same ranks, slower). For
    ``m >= 4`` every method peels one front at a time: ``"dense"`` keeps the ``(n, n)``
    dominance matrix (``O(n^2)`` memory), ``"blocked"`` recomputes it in tiles,
    ``"filter"`` finds each front with the elimination rounds of :func:`is_nondominated` and
    an exact pivot sweep over the rows not ranked yet; ``"auto"`` on CPU uses ``"dense"`` up
    to 256 points, then (up to 32768 points) that pivot sweep over rows sorted once by the
    sum of their objectives, and ``"filter"`` above. On CPU, from 4096 points ``"auto"``
    first hashes a sample of 2048 rows: if rows repeat (rounded or discrete Monte Carlo
    outcomes), the distinct rows are grouped (integer radix sorts of a row hash), ranked
    once, and the ranks copied to every copy. On accelerators ``"auto"`` uses ``"dense"`` up
    to 4096 points, then ``"sweep"`` (``m <= 2``) or ``"blocked"``. Measured numbers against
    moocore are in the README and ``benchmarks/bench_dominance.py``. Not differentiable.

    Examples
    --------
    >>> import numpy as np, frontier
    >>> pts = np.array([[1.0, 4.0], [2.0, 2.0], [3.0, 3.0], [2.0, 2.0], [4.0, 4.0]])
    >>> frontier.pareto_rank(pts)
    Array([0, 0, 1, 0, 2], dtype=int32)
    >>> frontier.pareto_rank(np.array([[1.0, np.nan], [2.0, 2.0], [3.0, 3.0]]))
    Array([2, 0, 1], dtype=int32)
    """
    x, flip = _prepare(points, maximise, batched=False)
    n, m = x.shape
    method = _rank_method(_check_method(method, m, sweep_max_m=3), n, m)
    if n == 0:
        return jnp.zeros((0,), jnp.int32)
    return _run(x, False, flip=flip, kind="rank", method=method, batched=False)


@_doc
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
    ``O(m n log n)``: one stable sort per objective. Not differentiable.

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
    x, flip = _prepare(points, maximise, batched=False)
    per_front = _check_flag(per_front, "per_front")
    n = x.shape[0]
    if n == 0:
        return jnp.zeros((0,), x.dtype)
    if per_front:
        group = pareto_rank(x, maximise=maximise)
    else:
        group = jnp.zeros((n,), jnp.int32)
    size = _bucket(n)
    if size > n:  # NaN rows are ignored: share one compiled kernel per size bucket
        x = _pad_rows(x, size=size)
        group = jnp.pad(group, (0, size - n))
    return _crowding(x, group, flip=flip)[:n]


@partial(jax.jit, static_argnames=("flip",))
def _crowding(x, group, *, flip):
    return _k.crowding_distance(minimised(x, np.asarray(flip, dtype=bool)), group)


@_doc
def is_nondominated_batch(
    points: Float[ArrayLike, "... n m"],
    /,
    *,
    maximise: bool | Sequence[bool] = False,
    keep_weakly: bool = False,
    method: Method = "auto",
) -> Bool[Array, "... n"]:
    """:func:`is_nondominated` of every set along the leading axes.

    Parameters
    ----------
    {points_batch}
    {maximise}
    {keep_weakly}
    {method}

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
    ``"auto"`` vmaps the ``"dense"`` kernel up to ``n = 1024`` and otherwise uses the choice
    of :func:`is_nondominated`; ``"filter"`` runs the sets one after another with
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
    x, flip = _prepare(points, maximise, batched=True)
    kw = _check_flag(keep_weakly, "keep_weakly")
    n, m = x.shape[-2:]
    method = _batch_method(_check_method(method, m), n, m, rank=False)
    if n == 0:
        return jnp.zeros(x.shape[:-1], bool)
    return _run(x, kw, flip=flip, kind="nd", method=method, batched=True)


@_doc
def pareto_rank_batch(
    points: Float[ArrayLike, "... n m"],
    /,
    *,
    maximise: bool | Sequence[bool] = False,
    method: Method = "auto",
) -> Int[Array, "... n"]:
    """:func:`pareto_rank` of every set along the leading axes.

    Parameters
    ----------
    {points_batch}
    {maximise}
    {method}

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
    x, flip = _prepare(points, maximise, batched=True)
    n, m = x.shape[-2:]
    method = _batch_method(_check_method(method, m, sweep_max_m=3), n, m, rank=True)
    if n == 0:
        return jnp.zeros(x.shape[:-1], jnp.int32)
    return _run(x, False, flip=flip, kind="rank", method=method, batched=True)


@_doc
def pareto_probability(
    points: Float[ArrayLike, "... n m"],
    /,
    *,
    maximise: bool | Sequence[bool] = False,
    keep_weakly: bool = True,
    method: Method = "auto",
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
        As :func:`is_nondominated_batch`.

    Examples
    --------
    >>> import numpy as np, frontier
    >>> sets = np.array([[[1.0, 2.0], [2.0, 1.0], [2.0, 2.0]],
    ...                  [[1.0, 1.0], [2.0, 1.0], [0.0, 3.0]]])
    >>> frontier.pareto_probability(sets)
    Array([1. , 0.5, 0.5], dtype=float32)
    """
    mask = is_nondominated_batch(points, maximise=maximise, keep_weakly=keep_weakly, method=method)
    dtype = as_points(points, batched=True).dtype
    n = mask.shape[-1]
    return jnp.mean(mask.reshape(-1, n).astype(dtype), axis=0)
