"""Hypervolume kernels on minimised ``(n, m)`` float arrays.

Every kernel takes ``points`` ``(n, m)`` (all objectives minimised) and ``ref`` ``(m,)`` of the
same float dtype and returns arrays of that dtype. A row that does not strictly dominate
``ref`` (some coordinate ``>= ref``, or a NaN) adds nothing, as in moocore: it is replaced by
``ref`` itself, whose box is empty. No validation happens here; see
:func:`frontier.hypervolume` for the checked public API.

Exact kernels:

- :func:`hv1`: ``ref - min`` (``O(n)``).
- :func:`hv2`: one integer sort, a scatter-min and a prefix minimum (``O(n log n)``).
- :func:`hv3`: the dimension sweep over ``z`` with an ``(x, y)`` staircase (HV3D, Beume et
  al. 2009; Guerreiro & Fonseca 2018), ``O(n log n)``. See :func:`hv3` for how it maps onto
  XLA loops.
- :func:`hvc1`, :func:`hvc2`, :func:`hvc3`: exclusive contributions ``HV(P) - HV(P \\ {i})``;
  :func:`hvc3` is the HVC3D sweep (Guerreiro & Fonseca 2018), ``O(n log n)``, with an
  event formulation for sets without dominated rows (:func:`_hvc3_front`).

Estimator: :func:`hv_mc`, uniform samples in the box ``[ideal, ref]``.

A note on sorting: XLA's CPU sort of a float array, or of several arrays at once, is several
times slower than a sort of one ``int32``/``int64`` array. The kernels therefore sort
order-preserving integer images of the floats
(:func:`frontier.kernels._primitives.sort_key`) and recover ranks with ``searchsorted`` plus a
tie counter.
"""

from __future__ import annotations

import itertools
from functools import partial, wraps

import jax
import jax.numpy as jnp
from jax import lax

from ._primitives import (
    float_from_key,
    lex_order,
    on_prefix,
    prefix_count,
    radix_order,
    slot_size,
    sort_key,
)

__all__ = [
    "MC_BLOCK",
    "MC_Z",
    "hv1",
    "hv2",
    "hv3",
    "hv_mc",
    "hvc1",
    "hvc2",
    "hvc3",
]

#: Samples drawn per key in :func:`hv_mc`. Block ``b`` uses ``fold_in(key, b)``, so the
#: estimate for a given ``key`` and ``num_samples`` does not depend on ``batch_size``.
MC_BLOCK = 256

#: The ``z`` of the Wilson interval behind :func:`hv_mc`'s standard error (``4 * stderr``
#: covers it: about 6e-5 two-sided for large counts).
MC_Z = 4.0


# ----------------------------------------------------------------------------- helpers


def _get(a: jax.Array, i: jax.Array) -> jax.Array:
    return lax.dynamic_index_in_dim(a, i, keepdims=False)


def _put(a: jax.Array, i: jax.Array, v: jax.Array) -> jax.Array:
    return lax.dynamic_update_index_in_dim(a, v, i, 0)


def _ranks(key: jax.Array, order: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Ranks of ``key`` listed in ``order``: ``(left, unique)``.

    ``left[t]`` is the number of keys strictly below ``key[order[t]]``; ``unique[t]`` breaks
    ties by position in ``order``, so it is a permutation of ``0..n-1``.
    """
    n = key.shape[0]
    left = jnp.searchsorted(jnp.sort(key), key, side="left").astype(jnp.int32)[order]

    def count(cnt, lo):
        # Update first, then read the updated buffer: reading before the update makes XLA
        # copy the whole counter every step (O(n^2)).
        new = _put(cnt, lo, _get(cnt, lo) + 1)
        return new, lo + _get(new, lo) - 1

    _, unique = lax.scan(count, jnp.zeros(n, jnp.int32), left)
    return left, unique


def _clip_to_ref(points: jax.Array, ref: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Replace rows that do not strictly dominate ``ref`` (incl. NaN rows) by ``ref``."""
    valid = jnp.all(points < ref[None, :], axis=1)
    return jnp.where(valid[:, None], points, ref[None, :]), valid


def _unbounded(points: jax.Array, ref: jax.Array, valid: jax.Array) -> jax.Array:
    """True when some row that strictly dominates ``ref`` (``valid``, from
    :func:`_clip_to_ref`) has a ``-inf`` coordinate, or some row does and ``ref`` has a
    ``+inf`` coordinate: the volume is then infinite (the sweeps would give ``inf * 0``)."""
    neg = jnp.any(valid & jnp.any(points == -jnp.inf, axis=1))
    return neg | (jnp.any(valid) & jnp.any(ref == jnp.inf))


def _volume(value: jax.Array, unbounded: jax.Array) -> jax.Array:
    return jnp.where(unbounded, jnp.asarray(jnp.inf, value.dtype), value)


def _empty_gives(shape: tuple[int, ...]):
    """Decorator: an exact kernel called on ``n == 0`` rows returns zeros of ``shape`` (a
    volume of 0, or no contributions) in the dtype of the points."""

    def wrap(kernel):
        @wraps(kernel)
        def run(points: jax.Array, ref: jax.Array) -> jax.Array:
            if points.shape[0] == 0:
                return jnp.zeros(shape, points.dtype)
            return kernel(points, ref)

        return run

    return wrap


# ----------------------------------------------------------------------------- exact HV


@jax.jit
@_empty_gives(())
def hv1(points: jax.Array, ref: jax.Array) -> jax.Array:
    """Exact 1-D hypervolume ``max(0, ref - min(points))`` of ``(n, 1)`` minimised points.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> float(hv1(jnp.array([[0.25], [0.5], [3.0]]), jnp.array([1.0])))
    0.75
    """
    p, valid = _clip_to_ref(points, ref)
    value = jnp.where(jnp.any(valid), ref[0] - jnp.min(p[:, 0]), 0)
    return _volume(value, _unbounded(points, ref, valid))


@jax.jit
@_empty_gives(())
def hv2(points: jax.Array, ref: jax.Array) -> jax.Array:
    """Exact 2-D hypervolume of ``(n, 2)`` minimised points.

    Sort by ``x`` (integer keys), take ``H(x) = min{y_j : x_j <= x}`` by a scatter-min into
    the ranks and a prefix minimum, and sum ``(x_{k+1} - x_k) (ref_y - H_k)``. Ties in ``x``
    share a rank, so no tie-breaking is needed. ``O(n log n)`` time, ``O(n)`` memory.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> pts = jnp.array([[0.0, 0.5], [0.5, 0.0], [0.5, 0.5]])
    >>> float(hv2(pts, jnp.array([1.0, 1.0])))
    0.75
    """
    n = points.shape[0]
    p, valid = _clip_to_ref(points, ref)
    x, y = p[:, 0], p[:, 1]
    kx = sort_key(x)
    sk = jnp.sort(kx)
    left = jnp.searchsorted(sk, kx, side="left")
    best = jnp.full(n, jnp.inf, p.dtype).at[left].min(y)
    height = jnp.minimum(lax.cummin(best), ref[1])
    xs = float_from_key(sk, p.dtype)
    width = jnp.concatenate([xs[1:], ref[:1]]) - xs
    area = width * (ref[1] - height)
    return _volume(jnp.sum(jnp.where(width > 0, area, 0)), _unbounded(points, ref, valid))


def _hv3_prepare(p: jax.Array):
    """Sort by ``z`` and rank ``x`` (ties broken by ``z`` order); arrays listed in z order,
    and the z order itself (``perm[t]``: the row visited ``t``-th)."""
    n = p.shape[0]
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    ar = jnp.arange(n, dtype=jnp.int32)
    _, zr = _ranks(sort_key(z), ar)
    perm = jnp.zeros(n, jnp.int32).at[zr].set(ar)
    xl, xr = _ranks(sort_key(x), perm)
    return xl, xr, x[perm], y[perm], z[perm], perm


def _left_neighbours(xl: jax.Array, xr: jax.Array, ys: jax.Array, head: int) -> jax.Array:
    """For each point ``t`` (z order): the ``x``-slot of its staircase left neighbour.

    That is ``argmin (y_j, slot_j)`` over earlier points ``j < t`` with ``x_j < x_t``
    (``head`` when there is none). A Fenwick tree over ``x``-slots of prefix minima, in a
    single flat ``while_loop``: each iteration does one query node and one update node of the
    current point (the update of ``t`` touches nodes ``> xl_t``, the query nodes ``<= xl_t``,
    so both run together). Every point is inserted, dominated or not: a dominated point
    never beats its dominator because ties in ``y`` go to the smaller slot and slots of equal
    ``x`` follow the z order.
    """
    n = xl.shape[0]
    fen = jnp.full(n + 1, head, jnp.int32)  # node 0 is a write sink and always holds head
    out = jnp.zeros(n, jnp.int32)
    zero = jnp.zeros(1, jnp.int32)
    lpad = jnp.concatenate([xl, zero])
    rpad = jnp.concatenate([xr, zero])

    def body(c):
        t, i, u, b, fen, out = c
        r = _get(xr, t)
        yr = _get(ys, r)
        # update node u (writes first, reads of the new buffer after: no O(n) copies)
        doupd = u <= n
        uc = jnp.minimum(u, n)
        cur = _get(fen, uc)
        ycur = _get(ys, cur)
        win = (yr < ycur) | ((yr == ycur) & (r < cur))
        fen = _put(fen, jnp.where(doupd, uc, 0), jnp.where(doupd, jnp.where(win, r, cur), head))
        u2 = jnp.where(doupd, u + (u & -u), u)
        # query node i
        cand = _get(fen, i)
        yc, yb = _get(ys, cand), _get(ys, b)
        better = (yc < yb) | ((yc == yb) & (cand < b))
        b2 = jnp.where(better, cand, b)
        i2 = i - (i & -i)
        done = (i2 <= 0) & (u2 > n)
        out = _put(out, jnp.where(done, t, n - 1), jnp.where(done, b2, _get(out, n - 1)))
        t2 = jnp.where(done, t + 1, t)
        return (
            t2,
            jnp.where(done, _get(lpad, t2), i2),
            jnp.where(done, _get(rpad, t2) + 1, u2),
            jnp.where(done, head, b2),
            fen,
            out,
        )

    init = (jnp.int32(0), xl[0], xr[0] + 1, jnp.int32(head), fen, out)
    return lax.while_loop(lambda c: c[0] < n, body, init)[5]


#: Row count above which :func:`hv3` runs :func:`_prefilter` before the sweep.
PREFILTER_MIN = 256


def _prefilter(
    p: jax.Array, ref: jax.Array, valid: jax.Array, times: int = 1
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Move the rows that can matter to the front; the others become ``ref``.

    Pivots are the minimisers of 15 weighted sums of the objectives scaled to
    ``[ideal, ref]`` (weights on a simplex grid: each minimiser lies on or next to the
    front). ``times=1`` (the volume): a row weakly dominated by a pivot other than itself, or
    by an identical pivot earlier in the input, adds nothing: its box lies inside the
    pivot's, and the pivot, or a row that removes the pivot, stays (the relation is a strict
    order, so chains end at a kept row). ``times=2`` (contributions): a row that two distinct
    pivots (neither the row itself) weakly dominate changes no contribution, and has none:
    its box lies inside both pivots' boxes, so no point of it is dominated by one row only,
    with or without it. On uniform random points in the unit cube, ~2% of 10^4 rows survive
    ``times=1``; on a front, all do. ``O(n)``; returns the compacted rows (kept rows first,
    in input order, then copies of ``ref``), the number kept and each row's position in the
    compacted rows (``n`` if dropped).
    """
    n, m = p.shape
    idx = jnp.arange(n, dtype=jnp.int32)
    lo = jnp.min(jnp.where(valid[:, None], p, ref[None, :]), axis=0)
    span = jnp.where(ref > lo, ref - lo, 1)
    cols = [jnp.where(valid, (p[:, j] - lo[j]) / span[j], jnp.inf) for j in range(m)]
    g = 4
    hits = jnp.zeros(n, jnp.int32)
    seen = []
    # One flat reduction per weight and per pivot: XLA's CPU argmin, and reductions along an
    # axis of a 2-D array, are several times slower here.
    for w in itertools.product(range(g + 1), repeat=m):
        if sum(w) != g:
            continue
        score = sum(wj * c for wj, c in zip(w, cols, strict=True) if wj)
        score = jnp.where(jnp.isnan(score), jnp.inf, score)
        i = jnp.min(jnp.where(score == jnp.min(score), idx, n - 1))
        pv = p[i]
        le = None
        lt = None
        for j in range(m):
            a, b = pv[j] <= p[:, j], pv[j] < p[:, j]
            le = a if le is None else le & a
            lt = b if lt is None else lt | b
        if times == 1:
            hit = le & (lt | (i < idx))
        else:  # each distinct pivot counts once
            fresh = jnp.all(jnp.stack([i != k for k in seen])) if seen else jnp.array(True)
            hit = le & (i != idx) & fresh
            seen.append(i)
        hits = hits + hit.astype(jnp.int32)
    keep = valid & (hits < times)
    dest = jnp.where(keep, prefix_count(keep) - 1, n)
    out = jnp.broadcast_to(ref, p.shape).at[dest].set(p, mode="drop", unique_indices=True)
    return out, jnp.sum(keep, dtype=jnp.int32), dest


def _hv3_sweep(p: jax.Array, ref: jax.Array) -> jax.Array:
    """The HV3D sweep of :func:`hv3` on rows already clipped to ``ref`` (``n >= 1``)."""
    n = p.shape[0]
    dt = p.dtype
    rx, ry, rz = ref[0], ref[1], ref[2]
    xl, xr, xs, ys, zs, _ = _hv3_prepare(p)
    head, tail = n, n + 1
    xn = jnp.zeros(n + 2, dt).at[xr].set(xs).at[tail].set(rx)
    yn = jnp.zeros(n + 2, dt).at[xr].set(ys).at[head].set(ry).at[tail].set(-jnp.inf)
    left = _left_neighbours(xl, xr, yn, head)
    nxt = jnp.full(n + 2, tail, jnp.int32)
    zero = jnp.zeros((), dt)

    def body(c):
        t, walking, l, s, cx, ch, d, hv, comp, nxt = c
        r, xp, yp, zp = _get(xr, t), _get(xs, t), _get(ys, t), _get(zs, t)
        xs_, ys_ = _get(xn, s), _get(yn, s)
        inc = (xs_ - cx) * (ch - yp)
        # s is dominated by the new point in (x, y): unlink it (the walk ends at tail,
        # whose y = -inf a point with y = -inf would otherwise pass)
        more = (ys_ >= yp) & (s != tail)
        fin = walking & ~more
        nxt = _put(nxt, jnp.where(fin, l, tail), jnp.where(fin, r, tail))
        nxt = _put(nxt, jnp.where(fin, r, tail), jnp.where(fin, s, tail))
        lt = _get(left, t)
        yl = _get(yn, lt)
        s0 = _get(nxt, lt)
        ns = _get(nxt, s)
        dominated = (yl <= yp) | ((_get(xn, s0) == xp) & (_get(yn, s0) <= yp))
        start = ~walking & ~dominated
        # Kahan summation of the volume
        term = jnp.where(fin, (d + inc) * (rz - zp), zero) - comp
        hv2_ = hv + term
        comp = (hv2_ - hv) - term
        return (
            jnp.where(fin | (~walking & dominated), t + 1, t),
            jnp.where(walking, ~fin, start),
            jnp.where(start, lt, l),
            jnp.where(start, s0, jnp.where(walking & more, ns, s)),
            jnp.where(start, xp, jnp.where(walking, xs_, cx)),
            jnp.where(start, yl, jnp.where(walking, ys_, ch)),
            jnp.where(start, zero, jnp.where(walking, d + inc, d)),
            hv2_,
            comp,
            nxt,
        )

    i32 = partial(jnp.asarray, dtype=jnp.int32)
    init = (i32(0), jnp.array(False), i32(head), i32(tail), zero, zero, zero, zero, zero, nxt)
    return lax.while_loop(lambda c: c[0] < n, body, init)[7]


@jax.jit
@_empty_gives(())
def hv3(points: jax.Array, ref: jax.Array) -> jax.Array:
    """Exact 3-D hypervolume of ``(n, 3)`` minimised points, ``O(n log n)``.

    The dimension sweep (HV3D): visit the points by increasing ``z``, keep the ``(x, y)``
    staircase of the points seen so far as a linked list in ``x`` order, and add
    ``(ref_z - z_t) * dA_t`` where ``dA_t`` is the area that point ``t`` adds to the
    staircase. Points it dominates in ``(x, y)`` are unlinked while ``dA_t`` is summed.

    Mapping onto XLA: (0) for ``n > PREFILTER_MIN`` rows, :func:`_prefilter` drops rows
    weakly dominated by a few pivot rows and the sweep runs on the survivors, on
    :func:`~frontier.kernels._primitives.slot_size` (about ``n / 16``) rows when they fit
    (:func:`~frontier.kernels._primitives.on_prefix`: two compiled sizes); (1) two
    integer sorts give the z order and unique ``x`` slots;
    (2) :func:`_left_neighbours` finds every point's staircase left neighbour with a Fenwick
    tree of prefix minima (one flat loop, ``O(n log n)``); (3) one flat ``while_loop`` walks
    the linked list (``O(n)`` iterations in all, each removal happens once) and accumulates
    the volume with Kahan summation. All loop bodies are scalar and update their buffers in
    place (writes before reads, see :func:`_ranks`). Ties in any coordinate and duplicated
    points are exact: a point weakly dominated in ``(x, y)`` by an earlier one adds nothing.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> pts = jnp.array([[0.0, 0.5, 0.5], [0.5, 0.0, 0.5], [0.5, 0.5, 0.0]])
    >>> float(hv3(pts, jnp.array([1.0, 1.0, 1.0])))
    0.5
    """
    n = points.shape[0]
    p, valid = _clip_to_ref(points, ref)
    if n <= PREFILTER_MIN:
        return _volume(_hv3_sweep(p, ref), _unbounded(points, ref, valid))
    p, count, _ = _prefilter(p, ref, valid)
    value = on_prefix(lambda q: _hv3_sweep(q, ref), p, count, slot_size(n))
    return _volume(value, _unbounded(points, ref, valid))


# ----------------------------------------------------------------------------- contributions


@jax.jit
@_empty_gives((0,))
def hvc1(points: jax.Array, ref: jax.Array) -> jax.Array:
    """Exclusive 1-D contributions: only a unique minimum contributes (up to the runner-up).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> hvc1(jnp.array([[0.25], [0.5], [3.0]]), jnp.array([1.0])).tolist()
    [0.25, 0.0, 0.0]
    """
    n = points.shape[0]
    p, _ = _clip_to_ref(points, ref)
    x = p[:, 0]
    i = jnp.argmin(x)
    idx = jnp.arange(n)
    runner_up = jnp.min(jnp.where(idx == i, ref[0], x))
    return jnp.where(idx == i, runner_up - x, jnp.zeros_like(x))


@jax.jit
@_empty_gives((0,))
def hvc2(points: jax.Array, ref: jax.Array) -> jax.Array:
    """Exclusive 2-D contributions, ``O(n log n)``.

    Sort lexicographically by ``(x, y)``. A point is on the staircase when its ``y`` is
    strictly below every earlier ``y`` (so duplicates and weakly dominated points get 0).
    The exclusive region of staircase point ``k`` spans ``x`` from ``x_k`` to the next
    staircase point; over it the region is capped by the previous staircase ``y`` and by the
    running minimum of the ``y`` of the points dominated by ``k`` (they cover it once ``k``
    is removed). One scan accumulates the strips.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> pts = jnp.array([[0.0, 0.5], [0.3, 0.7], [0.6, 0.2]])
    >>> [round(v, 6) for v in hvc2(pts, jnp.array([1.0, 1.0])).tolist()]
    [0.21, 0.0, 0.12]
    """
    n = points.shape[0]
    dt = points.dtype
    p, _ = _clip_to_ref(points, ref)
    idx = jnp.arange(n, dtype=jnp.int32)
    _, _, order = lax.sort((sort_key(p[:, 0]), sort_key(p[:, 1]), idx), num_keys=2)
    xs, ys = p[order, 0], p[order, 1]
    width = jnp.concatenate([xs[1:], ref[:1]]) - xs
    width = jnp.where(xs < ref[0], width, 0)  # rows at ref (and inf - inf) add nothing
    inf = jnp.array(jnp.inf, dt)

    def step(c, item):
        pm, cap, run, yk, seg = c
        y, w = item
        stair = y < pm
        cap = jnp.where(stair, pm, cap)
        yk = jnp.where(stair, y, yk)
        run = jnp.where(stair, inf, jnp.minimum(run, y))
        seg = jnp.where(stair, seg + 1, seg)
        term = jnp.where(seg >= 0, w * (jnp.minimum(cap, run) - yk), jnp.zeros_like(w))
        return (jnp.minimum(pm, y), cap, run, yk, seg), (term, seg, stair)

    init = (ref[1], ref[1], inf, ref[1], jnp.int32(-1))
    _, (term, seg, stair) = lax.scan(step, init, (ys, width))
    per_seg = jax.ops.segment_sum(term, jnp.maximum(seg, 0), num_segments=n)
    contrib = jnp.where(stair, per_seg[jnp.maximum(seg, 0)], jnp.zeros_like(term))
    return jnp.zeros(n, dt).at[order].set(contrib)


def _gap(a: jax.Array, b: jax.Array) -> jax.Array:
    """``a - b`` where ``a > b``, else 0 (no ``inf - inf``)."""
    return jnp.where(a > b, a - b, jnp.zeros((), a.dtype))


_GATHER = lax.GatherDimensionNumbers(
    offset_dims=(), collapsed_slice_dims=(0,), start_index_map=(0,))


def _pack(xs: list) -> jax.Array:
    """``jnp.stack(xs)`` of scalars written as a chain of selects on one vector: XLA's CPU
    fusion then builds it in one kernel (a long ``stack`` becomes one kernel per scalar)."""
    xs = [jnp.asarray(x) for x in xs]
    k = lax.iota(xs[0].dtype, len(xs))
    out = jnp.broadcast_to(xs[0], (len(xs),))
    for j, x in enumerate(xs[1:], 1):
        out = jnp.where(k == j, x, out)
    return out


def _gather(buf: jax.Array, idx: list, scratch: jax.Array):
    """``buf[idx]`` for a list of in-bounds scalar indices, as one gather read through the
    loop-carried ``scratch`` (see :func:`frontier.kernels._primitives.take_through`):
    ``(values, scratch)``."""
    return _gather_vec(buf, _pack(idx), scratch)


def _gather_vec(buf: jax.Array, idx: jax.Array, scratch: jax.Array):
    """:func:`_gather` for a vector of in-bounds indices: ``(buf[idx], scratch)``."""
    vals = lax.gather(buf, idx[:, None], _GATHER, (1,),
                      mode=lax.GatherScatterMode.PROMISE_IN_BOUNDS)
    scratch = lax.dynamic_update_slice(scratch, vals, (0,))
    return scratch[:idx.shape[0]], scratch


_SCATTER = lax.ScatterDimensionNumbers(
    update_window_dims=(), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,))


def _scatter(buf: jax.Array, idx: jax.Array, val: jax.Array) -> jax.Array:
    """``buf.at[idx].set(val)`` as one in-place scatter (indices clamped into the buffer);
    repeated indices must carry the same value (the order of their writes is unspecified)."""
    return lax.scatter(buf, idx[:, None], val, _SCATTER, mode=lax.GatherScatterMode.CLIP)


def _hvc3_sweep(p: jax.Array, ref: jax.Array) -> jax.Array:
    """Exclusive 3-D contributions of rows already clipped to ``ref`` (``n >= 1``), in row
    order: the HVC3D sweep (see :func:`hvc3`).

    Fields are indexed by *slot* (the unique ``x`` rank; ``head``, ``tail`` and a write sink
    ``none`` follow the ``n`` slots). A strip starts at the ``x`` of its slot: ``xhi``,
    ``h``, ``zl`` (right edge, top, height since which it is unchanged), ``next`` and
    ``prev`` (the owner's strips in ``x`` order), ``own`` and ``alive``; ``tail`` is the
    last strip of each owner, ``stnx``/``stpv`` link the staircase, ``fen`` marks strip
    starts for the predecessor search (lazily: stale marks are dropped when found).

    Mapping onto XLA's CPU runtime: a while-loop body whose operations do not form a chain
    is run by a dataflow executor that hands ready operations to other threads, which costs
    microseconds per step; a short or chained body runs inline in nanoseconds. So every
    field, the read-only coordinates and the scalar state live in one integer buffer (floats
    bit-cast to the integer type of their width), each step reads it with three gathers (the
    indices of each depend on the values of the one before) and writes it with one scatter.
    Disabled writes go to a sink slot per field; two writes of one step to the same real
    slot carry the same value. The gathers go through a small loop-carried scratch array
    (:func:`frontier.kernels._primitives.take_through`): a gather from the whole buffer is
    otherwise split over threads once the buffer passes about 512 KiB (``n`` near 4000).
    """
    n = p.shape[0]
    dt = p.dtype
    it = jnp.int64 if dt.itemsize == 8 else jnp.int32
    rx, ry, rz = ref[0], ref[1], ref[2]
    xl, xr, xs, ys, zs, perm = _hv3_prepare(p)
    valid = jnp.all(p < ref[None, :], axis=1)[perm]
    head, tail, none = n, n + 1, n + 2
    size = n + 3
    zero = jnp.zeros((), dt)
    # coordinates by slot; head = (-inf, ref_y), tail = (ref_x, -inf)
    px = jnp.zeros(size, dt).at[xr].set(xs).at[head].set(-jnp.inf).at[tail].set(rx)
    py = jnp.zeros(size, dt).at[xr].set(ys).at[head].set(ry).at[tail].set(-jnp.inf)
    left = _left_neighbours(xl, xr, py, head)  # slot of each point's left staircase point
    top = 1 << max(0, n.bit_length() - 1)  # highest power of two <= n (Fenwick descent)
    CLASSIFY, WALK, CLOSE, CUTR, CUTT, FSUM, FDESC, FUPD, SPLIT, MERGE = range(10)

    def vol(xhi, xlo, h, ylo, z, zl):
        area = _gap(xhi, xlo) * _gap(h, ylo)
        dz = _gap(z, zl)
        return jnp.where((area > 0) & (dz > 0), area * dz, zero)

    def f2i(v):
        return lax.bitcast_convert_type(jnp.asarray(v).astype(dt), it)

    def i2f(v):
        return lax.bitcast_convert_type(v, dt)

    # the buffer: float fields (contrib, h, zl, xhi), integer fields (alive, next, prev,
    # own, tail, stnx, stpv, fen; offsets relative to IOFF), the read-only px, py (by slot)
    # and zs, xr, left, valid (in z order), then the scalar state
    F_CONTRIB, F_H, F_ZL, F_XHI = (k * size for k in range(4))
    I_ALIVE, I_NEXT, I_PREV, I_OWN, I_TAIL, I_STNX, I_STPV, I_FEN = (k * size for k in range(8))
    IOFF, PX, PY = 4 * size, 12 * size, 13 * size
    ZS, XR, LEFT, VALID = (14 * size + k * n for k in range(4))
    ST = 14 * size + 4 * n
    NSTATE = 13

    def body(c):
        # the previous step's writes first: a buffer read before it is written in place
        # is copied whole every step
        buf = _scatter(*c[:3])
        s1, s2, s3, s4 = c[3]  # one scratch per gather: a scratch read after it is
        # written again is copied
        state = lax.slice(buf, (ST,), (ST + NSTATE,))
        t, mode, cur, aux, rr, qlast, fi, fcnt, fpos, fbit, frem, fdel, fret = (
            state[k] for k in range(NSTATE))
        tc = jnp.minimum(t, n - 1)
        cc = jnp.minimum(cur, none)  # the strip under consideration
        rh = jnp.minimum(rr, none)
        fd_np = fpos + fbit
        pred = fpos
        g1, s1 = _gather(buf, [
            XR + tc, ZS + tc, LEFT + tc, VALID + tc,
            IOFF + I_ALIVE + cc, F_XHI + cc, F_H + cc, F_ZL + cc, IOFF + I_NEXT + cc,
            IOFF + I_PREV + cc, PX + cc, PY + jnp.minimum(cur, tail),
            IOFF + I_ALIVE + rh, IOFF + I_TAIL + rh, IOFF + I_FEN + jnp.clip(fi, 0, n),
            IOFF + I_FEN + jnp.minimum(fd_np, n), IOFF + I_ALIVE + jnp.minimum(pred, none),
            PY + jnp.minimum(aux, none), PX + jnp.minimum(aux, none),
            IOFF + I_STNX + jnp.minimum(aux, tail), PX + jnp.minimum(rr, tail)], s1)
        qs, lft, ok = g1[0], g1[2], g1[3] == 1
        qz = i2f(g1[1])
        c_alive = (cur != none) & (g1[4] == 1)
        c_xhi, c_h, c_zl = i2f(g1[5]), i2f(g1[6]), i2f(g1[7])
        c_next, c_prev, c_xlo, py_cur = g1[8], g1[9], i2f(g1[10]), i2f(g1[11])
        alive_r, tail_r, fen_i, fen_d, alive_p = g1[12], g1[13], g1[14], g1[15], g1[16]
        py_aux, px_aux, stnx_aux, px_rr = i2f(g1[17]), i2f(g1[18]), g1[19], i2f(g1[20])
        is_ = [mode == k for k in range(10)]
        owner = jnp.where(is_[CLOSE], aux, jnp.where(is_[CUTR], lft, rr))
        g2, s2 = _gather(buf, [PX + qs, PY + qs, PY + lft, IOFF + I_STNX + lft,
                               IOFF + I_STPV + lft, IOFF + I_TAIL + lft, PY + owner], s2)
        qx, qy, ly = i2f(g2[0]), i2f(g2[1]), i2f(g2[2])
        nxt_l, stpv_l, tail_l, py_own = g2[3], g2[4], g2[5], i2f(g2[6])
        g3, s3 = _gather(buf, [PX + nxt_l, PY + nxt_l, PY + stpv_l], s3)
        px_nl, py_nl, py_pl = i2f(g3[0]), i2f(g3[1]), i2f(g3[2])
        # CLASSIFY. q's dominators on the staircase: L (strictly left in x: the Fenwick
        # pass), or L's successor when it has q's x (earlier in z order). Exactly one makes
        # q a cutter of that point's region; none: q joins the staircase.
        s0_same = px_nl == qx
        dom_l = ly <= qy
        dom_s0 = s0_same & (py_nl <= qy)
        one_l = dom_l & ~s0_same & (lft != head) & (py_pl > qy)
        cutter = ok & (one_l | (~dom_l & dom_s0))
        insert = ok & ~dom_l & ~dom_s0
        go_walk = is_[CLASSIFY] & insert
        go_cut = is_[CLASSIFY] & cutter
        # WALK over the staircase points q dominates; CLOSE each one's strips
        w_dom = (cur != tail) & (py_cur >= qy)
        w_close = is_[WALK] & w_dom
        w_end = is_[WALK] & ~w_dom
        k_close = is_[CLOSE] & c_alive
        k_end = is_[CLOSE] & ~c_alive
        # owner of the strip: CLOSE -> aux, CUTR -> L, CUTT -> R, a corner cut -> rr
        commit_v = vol(c_xhi, c_xlo, c_h, py_own, qz, c_zl)
        # CUTR: L's strips right of qx go, the one across qx is truncated
        r_kill = is_[CUTR] & c_alive & (c_xlo >= qx)
        r_trunc = is_[CUTR] & c_alive & ~r_kill & (c_xhi > qx)
        r_done = is_[CUTR] & ~r_kill
        # CUTT: R's strips above qy are lowered (its first strip) or merged into the first
        rh = jnp.minimum(rr, none)
        t_low = is_[CUTT] & (rr != tail) & c_alive & (c_h > qy)
        t_head = t_low & (cur == rr)
        t_merge = t_low & (cur != rr)
        t_done = is_[CUTT] & ~t_low
        relink = t_done & (rr != tail) & (alive_r == 1) & (cur != rr)
        # Fenwick: prefix count, descent to the last mark <= qs, update
        fs_step = is_[FSUM] & (fi > 0)
        fs_end = is_[FSUM] & (fi <= 0)
        f_val = fen_i
        fd_val = fen_d
        fd_step = is_[FDESC] & (fbit > 0)
        fd_take = fd_step & (fd_np <= n) & (fd_val < frem)
        fd_end = is_[FDESC] & (fbit <= 0)
        own_pred = fd_end & (pred >= rr)
        use_pred = own_pred & (alive_p == 1)
        stale = own_pred & ~use_pred  # a merged or removed strip: unmark it, search again
        fu_step = is_[FUPD] & (fi <= n)
        fu_end = is_[FUPD] & (fi > n)
        # SPLIT at qx (the strip holding qx: walk right from the mark found, marking each
        # insertion strip passed), then MERGE the strips right of qs taller than qy
        s_ok = is_[SPLIT] & c_alive & (c_h > qy)
        s_do = s_ok & (c_xhi > qx)
        s_walk = s_ok & (c_xhi <= qx) & (c_next != none)
        m_do = is_[MERGE] & c_alive & (c_h > qy)
        m_end = is_[MERGE] & ~m_do
        commit = k_close | r_kill | r_trunc | t_low | s_do | m_do
        kill = k_close | r_kill | t_merge | m_do
        make = go_walk | k_end  # q's strips: at qs up to L.y, at each dominated slot
        at = jnp.where(go_walk, qs, aux)
        tail_hit = tail_r == cur

        def w(off, cond, i, v):
            return off + jnp.where(cond, i, none), v

        fw = (
            w(F_CONTRIB, commit, owner, jnp.where(commit, commit_v, zero)),
            w(F_H, t_head | make | s_do, jnp.where(t_head, cc, jnp.where(s_do, qs, at)),
              jnp.where(make, jnp.where(go_walk, ly, py_aux), qy)),
            w(F_ZL, r_trunc | t_head | s_do, cc, qz),
            w(F_ZL, make | s_do, jnp.where(s_do, qs, at), qz),
            w(F_XHI, r_trunc | s_do | t_merge | m_do | k_end | t_done,
              jnp.where(r_trunc | s_do, cc, jnp.where(t_merge, rh,
                                                      jnp.where(m_do, qs, qlast))),
              jnp.where(r_trunc | s_do, qx, jnp.where(t_merge | m_do, c_xhi, jnp.where(
                  k_end, px_aux, px_rr)))),
            w(F_XHI, s_do, qs, c_xhi),
        )
        iw = (
            (I_FEN + jnp.where(fu_step, fi, 0), jnp.where(fu_step, fdel, 0)),
            w(I_ALIVE, kill | make | s_do, jnp.where(kill, cc, jnp.where(s_do, qs, at)),
              jnp.where(kill, 0, 1)),
            w(I_NEXT, (r_done & c_alive) | relink | make | s_do | m_end,
              jnp.where(r_done | s_do, cc, jnp.where(relink, rh, jnp.where(make, at, qs))),
              jnp.where(s_do, qs, jnp.where(relink | m_end, cur, none))),
            w(I_NEXT, k_end, qlast, aux),
            w(I_PREV, (relink & (cur != none)) | make | s_do | (m_end & (cur != none)),
              jnp.where(relink | m_end, cc, jnp.where(make, at, qs)),
              jnp.where(relink, rh, jnp.where(k_end, qlast, jnp.where(
                  go_walk, none, jnp.where(s_do, cc, qs))))),
            w(I_OWN, make | s_do, jnp.where(s_do, qs, at), jnp.where(s_do, rr, qs)),
            w(I_TAIL, (r_done & (lft != head)) | (relink & (cur == none))
              | ((s_do | m_do) & tail_hit),
              jnp.where(r_done, lft, rh),
              jnp.where(r_done, jnp.where(c_alive & ~r_kill, cur, none),
                        jnp.where(relink, rh, qs))),
            w(I_TAIL, t_done, qs, qlast),
            w(I_STNX, t_done, lft, qs),
            w(I_STNX, t_done, qs, rr),
            w(I_STPV, t_done, qs, lft),
            w(I_STPV, t_done, jnp.minimum(rr, tail), qs),
        )

        # next state
        next_point = (is_[CLASSIFY] & ~insert & ~cutter) | t_done
        next_point = next_point | (is_[SPLIT] & ~s_do & ~s_walk) | m_end
        mode2 = jnp.where(go_walk, WALK, jnp.where(go_cut, FSUM, mode))
        cur2 = jnp.where(go_walk, nxt_l, cur)
        rr2 = jnp.where(go_cut, jnp.where(dom_l, lft, nxt_l), rr)
        qlast2 = jnp.where(make, at, qlast)
        mode2 = jnp.where(w_close, CLOSE, jnp.where(w_end, CUTR, mode2))
        aux2 = jnp.where(w_close, cur, aux)
        rr2 = jnp.where(w_end, cur, rr2)
        cur2 = jnp.where(w_end, tail_l, cur2)
        cur2 = jnp.where(k_close, c_next, cur2)
        mode2 = jnp.where(k_end, WALK, mode2)
        cur2 = jnp.where(k_end, stnx_aux, cur2)
        cur2 = jnp.where(r_kill, jnp.where(cur == lft, none, c_prev), cur2)
        mode2 = jnp.where(r_done, CUTT, mode2)
        cur2 = jnp.where(r_done, jnp.where(rr == tail, none, rr), cur2)
        cur2 = jnp.where(t_low, c_next, cur2)
        fcnt2 = jnp.where(fs_step, fcnt + f_val, fcnt)
        fi2 = jnp.where(fs_step, fi - (fi & -fi), fi)
        mode2 = jnp.where(fs_end, jnp.where(fcnt > 0, FDESC, SPLIT), mode2)
        cur2 = jnp.where(fs_end & (fcnt <= 0), rr, cur2)
        fpos2 = jnp.where(fs_end, 0, jnp.where(fd_take, fd_np, fpos))
        frem2 = jnp.where(fs_end, fcnt, jnp.where(fd_take, frem - fd_val, frem))
        fbit2 = jnp.where(fs_end, top, jnp.where(fd_step, fbit >> 1, fbit))
        mode2 = jnp.where(fd_end, jnp.where(stale, FUPD, SPLIT), mode2)
        cur2 = jnp.where(fd_end, jnp.where(use_pred, pred, rr), cur2)
        fi2 = jnp.where(stale, pred + 1, fi2)
        fdel2 = jnp.where(stale, -1, fdel)
        fret2 = jnp.where(stale, FSUM, fret)
        fi2 = jnp.where(fu_step, fi + (fi & -fi), fi2)
        mode2 = jnp.where(fu_end, fret, mode2)
        restart = fu_end & (fret == FSUM)
        fi2 = jnp.where(restart, qs + 1, fi2)
        fcnt2 = jnp.where(restart, 0, fcnt2)
        mark = s_do | s_walk  # mark a strip start (C at qs, or the strip walked onto)
        mode2 = jnp.where(mark, FUPD, mode2)
        fi2 = jnp.where(mark, jnp.where(s_do, qs, c_next) + 1, fi2)
        fdel2 = jnp.where(mark, 1, fdel2)
        fret2 = jnp.where(mark, jnp.where(s_do, MERGE, SPLIT), fret2)
        cur2 = jnp.where(mark | m_do, c_next, cur2)
        t2 = jnp.where(next_point, t + 1, t)
        mode2 = jnp.where(next_point, CLASSIFY, mode2)
        fi2 = jnp.where(go_cut, qs + 1, fi2)
        fcnt2 = jnp.where(go_cut, 0, fcnt2)
        state = (t2, mode2, cur2, aux2, rr2, qlast2, fi2, fcnt2, fpos2, fbit2, frem2, fdel2,
                 fret2)
        # one scatter: the float writes (bit-cast), the integer writes, the new state; the
        # first of each kind adds to the value it overwrites (read by one more gather)
        fidx = [jnp.asarray(i).astype(it) for i, _ in fw]
        iidx = [IOFF + jnp.asarray(i).astype(it) for i, _ in iw]
        old, s4 = _gather(buf, [fidx[0], iidx[0]], s4)
        fval = [f2i(i2f(old[0]) + jnp.asarray(fw[0][1]).astype(dt))]
        fval += [f2i(v) for _, v in fw[1:]]
        ival = [old[1] + jnp.asarray(iw[0][1]).astype(it)]
        ival += [jnp.asarray(v).astype(it) for _, v in iw[1:]]
        sidx = [jnp.asarray(ST + k, it) for k in range(NSTATE)]
        sval = [jnp.asarray(v).astype(it) for v in state]
        return buf, _pack(fidx + iidx + sidx), _pack(fval + ival + sval), (s1, s2, s3, s4)

    ibuf = jnp.full(8 * size, none, it).at[I_ALIVE + jnp.arange(size)].set(0)
    ibuf = ibuf.at[I_STNX + head].set(tail).at[I_STPV + tail].set(head)
    ibuf = ibuf.at[I_FEN + jnp.arange(size)].set(0)
    state0 = jnp.array([0, 0, none, none, tail, none, 0, 0, 0, 0, 0, 0, 0], it)
    buf = jnp.concatenate([
        jnp.zeros(4 * size, it), ibuf, f2i(px), f2i(py), f2i(zs), xr.astype(it),
        left.astype(it), valid.astype(it), state0])
    # the pending writes of a step: 6 float fields, 12 integer fields, then the state (the
    # loop test reads the new step counter there); at the start they only write the state
    nw = 6 + 12 + NSTATE
    widx = jnp.concatenate([jnp.full(nw - NSTATE, ST, it), ST + jnp.arange(NSTATE, dtype=it)])
    wval = jnp.concatenate([jnp.zeros(nw - NSTATE, it), state0])
    pending = lax.while_loop(lambda c: c[2][nw - NSTATE] < n, body,
                             (buf, widx, wval, tuple(jnp.zeros(k + 1, it) for k in (21, 7, 3, 2))))
    buf = _scatter(*pending[:3])
    contrib, sh, szl, sxhi = (i2f(buf[o:o + size]) for o in (F_CONTRIB, F_H, F_ZL, F_XHI))
    salive = buf[IOFF + I_ALIVE:IOFF + I_ALIVE + size]
    sown = buf[IOFF + I_OWN:IOFF + I_OWN + size]
    # strips still open at the end close at ref_z
    own = jnp.minimum(sown, none)
    last = vol(sxhi, px, sh, py[own], rz, szl)
    last = jnp.where((salive == 1) & (jnp.arange(size) < n), last, zero)
    contrib = contrib.at[own].add(last)
    return jnp.zeros(n, dt).at[perm].set(contrib[xr])


#: Steps of :func:`_dominance_minima` per loop iteration.
_DM_BLOCK = 16


def _dominance_minima(X, Y, Z, xorder, zorder, live):
    """Three offline 2-D dominance minima over the ``live`` rows, by ranks (``int32``
    permutations of ``0..n-1``; ``n`` where the set is empty):

    ``a[s] = min {Y_q : X_q < X_s, Z_q < Z_s}``, ``b[s] = min {X_q : Y_q < Y_s, Z_q < Z_s}``
    and ``c[u] = min {Z_q : X_q < X_u, Y_q < Y_u}``.

    Three Fenwick trees of prefix minima: step ``t`` queries and inserts the ``t``-th row in
    ``z`` order in the first two trees (over ``X`` and ``Y``) and the ``t``-th row in ``x``
    order in the third (over ``Y``). One loop iteration takes :data:`_DM_BLOCK` steps: it
    reads the query nodes of all of them (``i`` with its low ``k`` bits cleared) from the
    trees as they were before the block, then writes their update nodes (``i`` and every
    ``(i | (2^k - 1)) + 1 <= n``: a superset of the usual chain, harmless since a node
    ``>= i`` only answers prefixes that hold ``i``) with one scatter-min; the earlier steps
    of the same block are compared directly (a ``16 x 16`` mask, outside the loop). The
    scatter is made to depend on the gather, so it updates the trees in place, and the
    gather goes through a small scratch array (see
    :func:`frontier.kernels._primitives.take_through`). ``O(n log n)``.
    """
    n = X.shape[0]
    i32 = jnp.int32
    k = _DM_BLOCK
    nb = max(1, int(n).bit_length())
    nblk = -(-n // k)
    pad = nblk * k - n
    off = jnp.array([0, n + 1, 2 * (n + 1)], i32)
    sink = 3 * (n + 1)
    s, u = zorder, xorder

    def cols(*vs, fill):
        return jnp.stack([jnp.concatenate([v, jnp.full(pad, fill, v.dtype)]) for v in vs], 1)

    pos = cols(X[s] + 1, Y[s] + 1, Y[u] + 1, fill=1)  # (nblk * k, 3) 1-based tree positions
    on = cols(live[s], live[s], live[u], fill=False)
    val = jnp.where(on, cols(Y[s], X[s], Z[u], fill=n), n)
    # the minima over the earlier steps of the same block
    key = (pos - 1).reshape(nblk, k, 3)
    vb = val.reshape(nblk, k, 3)
    earlier = jnp.tril(jnp.ones((k, k), bool), -1)[None, :, :, None]
    below = earlier & (key[:, None, :, :] < key[:, :, None, :])  # [b, i, j]: j counts for i
    inside = jnp.min(jnp.where(below, vb[:, None, :, :], n), axis=2).reshape(-1, 3)
    steps = jnp.concatenate([pos.reshape(nblk, -1), val.reshape(nblk, -1),
                             on.astype(i32).reshape(nblk, -1)], 1)
    bits = lax.iota(i32, nb + 1)[None, None, :]
    low = jnp.left_shift(1, bits) - 1
    k3 = 3 * k
    nq = k3 * (nb + 1)

    def body(b, c):
        tree, out, scratch = c
        row = lax.dynamic_slice(steps, (b, 0), (1, 3 * k3))[0]
        p, v = row[:k3].reshape(k, 3, 1), row[k3:2 * k3].reshape(k, 3, 1)
        live_ = row[2 * k3:].reshape(k, 3, 1) > 0
        qi = (off[None, :, None] + jnp.left_shift(jnp.right_shift(p - 1, bits), bits))
        got, scratch = _gather_vec(tree, qi.reshape(-1), scratch)
        up = jnp.concatenate([p, (p | low) + 1], 2)
        ui = jnp.where((up <= n) & live_, off[None, :, None] + up, sink).reshape(-1)
        uv = jnp.broadcast_to(v, up.shape).reshape(-1)
        uv = jnp.minimum(uv, jnp.maximum(got[0], n))  # = uv (tree values are <= n)
        tree = lax.scatter_min(tree, ui[:, None], uv, _SCATTER,
                               mode=lax.GatherScatterMode.PROMISE_IN_BOUNDS)
        best = got.reshape(k3, nb + 1).min(axis=1)
        return tree, lax.dynamic_update_slice(out, best, (b * k3,)), scratch

    tree = jnp.full(3 * (n + 1) + 1, n, i32)  # node 0 of each tree stays n
    init = (tree, jnp.zeros(nblk * k3 + 1, i32), jnp.zeros(nq + 1, i32))
    out = lax.fori_loop(0, nblk, body, init)[1]
    out = jnp.minimum(out[:nblk * k3].reshape(-1, 3), inside)[:n]
    a = jnp.zeros(n, i32).at[s].set(out[:, 0])
    b = jnp.zeros(n, i32).at[s].set(out[:, 1])
    c = jnp.zeros(n, i32).at[u].set(out[:, 2])
    return a, b, c


def _scan_max(v: jax.Array) -> jax.Array:
    """Prefix maxima (``lax.cummax`` is a slower reduce-window on XLA's CPU backend)."""
    return lax.associative_scan(jnp.maximum, v)


def _scan_sum(v: jax.Array) -> jax.Array:
    """Inclusive prefix sums of integers, as :func:`_scan_max`."""
    return lax.associative_scan(jnp.add, v)


def _stable_by(key: jax.Array, order: jax.Array, bits: int = 32) -> jax.Array:
    """The rows ``order`` stably re-sorted by their integer ``key`` (given by row; with
    ``bits < 32``, keys in ``[0, 2^bits)``)."""
    if key.dtype == jnp.int32:
        return radix_order(key, order, bits)
    return lax.sort((key[order], order), num_keys=1, is_stable=True)[1]


def _search(arr, lo, hi, query, pred):
    """For each query: the first index ``i`` in ``[lo, hi)`` with ``pred(arr[i], query)``
    (``pred`` false then true along each range), else ``hi``. Bisection over all queries
    at once, as many rounds as the longest range needs."""
    top = arr.shape[0] - 1

    def body(c):
        lo, hi = c
        mid = (lo + hi) // 2
        go = pred(arr[jnp.minimum(mid, top)], query)
        act = lo < hi
        return jnp.where(act & ~go, mid + 1, lo), jnp.where(act & go, mid, hi)

    return lax.while_loop(lambda c: jnp.any(c[0] < c[1]), body, (lo, hi))[0]


def _hvc3_front(p: jax.Array, ref: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Exclusive 3-D contributions of rows already clipped to ``ref`` (``n >= 1``) when no
    row is weakly dominated by a different row: ``(contrib, cuts)``, with ``cuts`` true
    when some row is (the result is then not valid; :func:`hvc3` runs the sweep).

    Break ties lexicographically (each axis, then the other two, then the row), so that the
    ranks put a row before another in every axis exactly when it weakly dominates it (or is
    an earlier copy); copies after the first are left out, and every copy gets 0. Seen from
    a row ``p``, as the sweep over ``z`` passes ``z_p``, ``p`` owns the box ``[x_p, R) x
    [y_p, L)`` of the ``(x, y)`` cross-section, ``R`` and ``L`` the ``x`` of its right and
    the ``y`` of its left staircase neighbour, less the quadrants of the rows ``D_p`` it
    removes from the staircase (a staircase of their own). With no dominated rows, ``D_p``
    never changes; a later row changes ``p``'s region only by becoming its left neighbour
    (``L`` drops to its ``y``) or its right neighbour (``R`` drops to its ``x``), and ends it
    by dominating it in ``(x, y)``. So ``HVC(p)`` is a sum over ``p``'s events (``O(n)`` in
    all) of the height to the next event times the area of the box less ``D_p``, and that
    area is a merged block (the strips of ``D_p`` taller than ``L``), at most one strip cut
    by ``R``, and whole strips, each of which adds its area times the height until ``R`` or
    ``L`` first cuts it.

    Mapping onto XLA: the neighbours at insertion and the dominators are three 2-D
    dominance minima (:func:`_dominance_minima`, the only loop); everything else is sorts by
    owner, prefix maxima and bisections over all events at once. ``O(n log n)``.
    """
    n = p.shape[0]
    dt = p.dtype
    i32 = jnp.int32
    none = i32(n)
    idx = lax.iota(i32, n)
    valid = jnp.all(p < ref[None, :], axis=1)
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    xorder = lex_order(p)[0]
    yorder = _stable_by(sort_key(y), xorder)  # ties: x, then y, z, row
    zorder = _stable_by(sort_key(z), xorder)
    X = jnp.zeros(n, i32).at[xorder].set(idx)
    Y = jnp.zeros(n, i32).at[yorder].set(idx)
    Z = jnp.zeros(n, i32).at[zorder].set(idx)
    ps = p[xorder]
    same = jnp.all(ps[1:] == ps[:-1], axis=1)
    later = jnp.concatenate([jnp.zeros(1, bool), same])[X]  # a copy after the first
    copied = later | jnp.concatenate([same, jnp.zeros(1, bool)])[X]
    live = valid & ~later
    ra, rb, rc = _dominance_minima(X, Y, Z, xorder, zorder, live)
    cuts = jnp.any(live & (rc < Z))

    def ext(v, last):
        return jnp.concatenate([v, jnp.asarray(last, v.dtype)[None]])

    xe, ye, ze = ext(x, ref[0]), ext(y, ref[1]), ext(z, ref[2])
    left = jnp.where(live, ext(yorder, n)[ra], none)  # staircase neighbours of p at z_p
    right = jnp.where(live, ext(xorder, n)[rb], none)
    dom = jnp.where(live, ext(zorder, n)[rc], none)  # the first row to cover (x_p, y_p)
    zend = ze[ext(dom, n)]  # (n + 1,): where each row's region ends

    # events: one start per row, then the left- and right-neighbour changes, by owner in z
    s = zorder
    lr_own = jnp.stack([right[s], left[s]], 1).reshape(-1)  # s is right's left neighbour
    perm = _stable_by(lr_own, lax.iota(i32, 2 * n), int(n).bit_length())
    lr_own = lr_own[perm]
    two = jnp.repeat(s, 2)[perm]
    is_l = (perm % 2) == 0
    cnt = jnp.zeros(n + 1, i32).at[lr_own].add(1)
    start = idx + (_scan_sum(cnt) - cnt)[:n]  # where each owner's events begin
    pos = lax.iota(i32, 2 * n) + jnp.minimum(lr_own + 1, n)
    E = 3 * n
    ints = jnp.zeros((E, 4), i32)
    ints = ints.at[start].set(jnp.stack([idx, ra, rb, jnp.full(n, 3, i32)], 1))
    ints = ints.at[pos].set(jnp.stack([lr_own, Y[two], X[two], jnp.where(is_l, 1, 2)], 1))
    flts = jnp.zeros((E, 3), dt)
    flts = flts.at[start].set(jnp.stack([ye[left], xe[right], z], 1))
    flts = flts.at[pos].set(jnp.stack([y[two], x[two], z[two]], 1))
    own, kind = ints[:, 0], ints[:, 3]
    ei = lax.iota(i32, E)
    at_l = _scan_max(jnp.where((kind & 1) == 1, ei, 0))  # the last start or L change
    at_r = _scan_max(jnp.where((kind & 2) == 2, ei, 0))
    lr, rr = ints[at_l, 1], ints[at_r, 2]
    lv, rv, zv = flts[at_l, 0], flts[at_r, 1], flts[:, 2]
    ow = jnp.minimum(own, n)
    more = jnp.concatenate([own[1:] == own[:-1], jnp.zeros(1, bool)])
    znext = jnp.where(more, jnp.concatenate([zv[1:], zv[:1]]), zend[ow])
    dz = jnp.where((own < n) & ext(live, False)[ow], _gap(znext, zv), 0)

    # D_p: the rows whose first cover is p, in x order, grouped by p
    d_own = jnp.where(live & (rc < n), dom, none)[xorder]
    dperm = _stable_by(d_own, lax.iota(i32, n), int(n).bit_length())
    d_own = d_own[dperm]
    q = xorder[dperm]
    DX, DY, dx, dy = X[q], Y[q], x[q], y[q]
    dcnt = jnp.zeros(n + 1, i32).at[d_own].add(1)
    d0 = _scan_sum(dcnt) - dcnt
    s0 = d0[ow]
    s1 = s0 + jnp.where(own < n, dcnt[ow], 0)  # (events of no row: an empty range)
    first_low = _search(DY, s0, s1, lr, lambda v, w: v < w)  # first strip below L
    first_out = _search(DX, s0, s1, rr, lambda v, w: v >= w)  # first strip right of R
    dxe = ext(dx, jnp.inf)
    dye = ext(dy, 0)
    px_, py_ = xe[ow], ye[ow]
    block = jnp.where(first_low < s1, dxe[jnp.minimum(first_low, n)], jnp.inf)
    area = _gap(jnp.minimum(rv, block), px_) * _gap(lv, py_)
    cut = jnp.clip(first_out - 1, 0, n)
    cut_ok = (first_out - 1 >= first_low) & (first_out > s0)
    area = area + jnp.where(cut_ok, _gap(rv, dxe[cut]) * _gap(dye[cut], py_), 0)
    vol = jnp.where((area > 0) & (dz > 0), area * dz, 0)
    contrib = jnp.zeros(n + 1, dt).at[ow].add(vol)
    # whole strips of D_p: [x_j, x_{j+1}) x [y_p, y_j) until R <= x_{j+1} or L <= y_j
    do = jnp.minimum(d_own, n)
    nxt = jnp.concatenate([d_own[1:] == d_own[:-1], jnp.zeros(1, bool)]) & (d_own < n)
    DXn = jnp.where(nxt, jnp.concatenate([DX[1:], DX[:1]]), n + 1)
    dxn = jnp.concatenate([dx[1:], dx[:1]])
    e0 = start.at[jnp.minimum(do, n - 1)].get()
    e1 = e0 + jnp.where(do < n, 1 + cnt[do], 0)
    hit = jnp.minimum(_search(rr, e0, e1, DXn, lambda v, w: v <= w),
                      _search(lr, e0, e1, DY, lambda v, w: v <= w))
    tz = jnp.where(hit < e1, zv[jnp.minimum(hit, E - 1)], zend[do])
    strip = _gap(dxn, dx) * _gap(dy, ye[do])
    dzs = _gap(tz, ze[do])
    contrib = contrib.at[do].add(jnp.where(nxt & (strip > 0) & (dzs > 0), strip * dzs, 0))
    return jnp.where(live & ~copied, contrib[:n], 0), cuts


def _hvc3_rows(p: jax.Array, ref: jax.Array) -> jax.Array:
    """:func:`_hvc3_front` where no row is weakly dominated by another, else the sweep."""
    contrib, cuts = _hvc3_front(p, ref)
    return lax.cond(cuts, lambda: _hvc3_sweep(p, ref), lambda: contrib)


@jax.jit
@_empty_gives((0,))
def hvc3(points: jax.Array, ref: jax.Array) -> jax.Array:
    """Exclusive 3-D contributions ``HV(P) - HV(P \\ {i})`` of ``(n, 3)`` minimised points,
    ``O(n log n)``: the HVC3D sweep (Guerreiro & Fonseca 2018).

    Visit the points by increasing ``z``. At every height, each point of the ``(x, y)``
    staircase of the points seen so far owns the part of the cross-section that it alone
    dominates, a region bounded by its staircase neighbours; it is kept as vertical strips
    ``[x_lo, x_hi) x [y_p, h)`` (heights non-increasing in ``x``), each with the height
    ``z`` since which it is unchanged. A new point ``q`` removes its quadrant ``[x_q, inf) x
    [y_q, inf)`` from every region: the staircase points it dominates in ``(x, y)`` lose
    everything, its left neighbour the strips right of ``x_q``, its right neighbour the
    part above ``y_q``; a point dominated in ``(x, y)`` by exactly one staircase point (a
    dominated row that counts when that point is removed) cuts a corner from that point's
    region (the strip holding ``x_q`` is found by a predecessor search in a Fenwick tree
    over ``x`` slots). Every strip that shrinks or goes adds its area times the height
    since it last changed to its owner's contribution; at ``z = ref_z`` all close. Each
    strip is created once and merged or removed once, so the work is ``O(n)`` plus ``O(log
    n)`` per corner cut, after the two sorts and the left neighbours of :func:`hv3`'s sweep
    (one Fenwick pass, ``O(n log n)``).

    Mapping onto XLA: one flat ``while_loop`` whose scalar body is a small state machine
    (classify a point, walk the dominated staircase points, close their strips, cut the
    left and right neighbours, insert, or search/split/merge for a corner cut); buffers are
    updated in place. That loop costs about a microsecond a step, so when no row is weakly
    dominated by a different row (a front, the sweep's slowest case: about 9 steps a row),
    :func:`_hvc3_front` computes the same volumes from the events of each point's region
    instead (three Fenwick minima in one short loop, then sorts and bisections over all
    events at once); it also finds whether that holds, and the sweep runs only when not.
    Above ``PREFILTER_MIN`` rows, rows that two distinct pivot rows weakly dominate are
    dropped first (they change no contribution), and when the rest fit in ``slot_size(n,
    8)`` rows the sweep runs on those (there, some row is usually dominated; one compiled
    event path less). Ties and duplicates are exact: identical
    rows, and rows weakly dominated by one other row only, cut their dominator's region.
    Infinite coordinates give ``inf`` where a region is unbounded (never ``inf - inf``).

    References
    ----------
    A. P. Guerreiro, C. M. Fonseca. Computing and updating hypervolume contributions in up to
    four dimensions. IEEE TEVC 22(3), 2018.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> pts = jnp.array([[0.0, 0.5, 0.5], [0.5, 0.0, 0.5], [0.5, 0.5, 0.0]])
    >>> hvc3(pts, jnp.array([1.0, 1.0, 1.0])).tolist()
    [0.125, 0.125, 0.125]
    """
    n = points.shape[0]
    p, valid = _clip_to_ref(points, ref)
    if n <= PREFILTER_MIN:
        return _hvc3_rows(p, ref)
    q, count, dest = _prefilter(p, ref, valid, times=2)

    def run(r):  # few survivors (random sets: some dominated): the sweep; else both
        return _hvc3_sweep(r, ref) if r.shape[0] < n else _hvc3_rows(r, ref)

    out = on_prefix(run, q, count, slot_size(n, 8))
    return out.at[dest].get(mode="fill", fill_value=0)


# ----------------------------------------------------------------------------- Monte Carlo


@partial(jax.jit, static_argnames=("num_samples", "batch_size"))
def hv_mc(
    points: jax.Array,
    ref: jax.Array,
    key: jax.Array,
    *,
    num_samples: int,
    batch_size: int | None = None,
) -> tuple[jax.Array, jax.Array]:
    """Monte Carlo hypervolume ``(value, stderr)`` for any ``m``.

    Draws ``num_samples`` uniform points in the box ``[ideal, ref]`` (``ideal``: the
    per-objective minimum of the rows that strictly dominate ``ref``) and returns the box
    volume ``V`` times the dominated fraction ``p = count / N``. ``stderr`` is honest for
    small counts: ``V * max(p - lo, hi - p) / 4`` with ``[lo, hi]`` the Wilson score interval
    of ``p`` at ``z = 4`` (:data:`MC_Z`), so ``value +- 4 * stderr`` covers that interval; it
    equals the binomial ``V sqrt(p (1 - p) / N)`` for large counts and is about ``4 V / N``
    (not 0) when no sample or every sample is dominated. Two cases are exact and get
    ``stderr = 0``: no row strictly dominates ``ref`` (volume 0), and a row is the ideal
    point itself (its box is the whole box, volume ``V``). Samples come in blocks of
    :data:`MC_BLOCK`, block ``b`` from ``fold_in(key, b)``; ``lax.map(...,
    batch_size=batch_size)`` runs ``batch_size`` blocks at a time, and the integer counts
    make the result exactly independent of it. Memory is ``O(batch_size * MC_BLOCK * n)``;
    time ``O(num_samples * n * m)``.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> v, se = hv_mc(jnp.array([[0.5, 0.5]]), jnp.array([1.0, 1.0]), jax.random.key(0),
    ...               num_samples=1024)
    >>> float(v), float(se)
    (0.25, 0.0)
    >>> pts = jnp.array([[0.25, 0.75], [0.75, 0.25]])  # 3 of 4 samples: se > 0
    >>> v, se = hv_mc(pts, jnp.array([1.0, 1.0]), jax.random.key(0), num_samples=4)
    >>> bool(se > 0)
    True
    """
    n, m = points.shape
    dt = points.dtype
    p, valid = _clip_to_ref(points, ref)
    rows = jnp.concatenate([p, ref[None, :]])
    ideal = jnp.min(rows, axis=0)
    q = jnp.where(valid[:, None], points, jnp.inf)
    span = ref - ideal
    volume = jnp.prod(span)
    num_blocks = -(-num_samples // MC_BLOCK)
    pos = jnp.arange(MC_BLOCK, dtype=jnp.int32)

    def block(b):
        u = jax.random.uniform(jax.random.fold_in(key, b), (MC_BLOCK, m), dt)
        u = ideal[None, :] + span[None, :] * u
        hit = jnp.any(jnp.all(q[None, :, :] <= u[:, None, :], axis=-1), axis=-1)
        keep = b * MC_BLOCK + pos < num_samples
        return jnp.sum(hit & keep, dtype=jnp.int32)

    if n == 0:
        count = jnp.zeros((), jnp.int32)
    else:
        count = jnp.sum(
            lax.map(block, jnp.arange(num_blocks, dtype=jnp.int32), batch_size=batch_size)
        )
    big = jnp.asarray(num_samples, dt)
    frac = count.astype(dt) / big
    z2 = jnp.asarray(MC_Z * MC_Z, dt)
    denom = 1 + z2 / big
    centre = (frac + z2 / (2 * big)) / denom
    half = MC_Z * jnp.sqrt(jnp.maximum(frac * (1 - frac), 0) / big + z2 / (4 * big * big))
    half = half / denom
    dev = jnp.maximum(frac - (centre - half), centre + half - frac)
    exact = ~jnp.any(valid) | jnp.any(valid & jnp.all(p == ideal[None, :], axis=1))
    value = jnp.where(exact & jnp.any(valid), volume, volume * frac)
    stderr = jnp.where(exact, jnp.zeros((), dt), volume * dev / MC_Z)
    inf = _unbounded(points, ref, valid)
    return _volume(value, inf), jnp.where(inf, jnp.zeros((), dt), stderr)
