"""Pareto dominance kernels: non-dominated masks, front ranks and crowding distance.

Every kernel takes a **minimised** ``(n, m)`` floating array, optionally ``keep_weakly`` (a
bool, traced or not, so both values share one compilation) and static tuning arguments: no
validation, no ``maximise`` flags, no I/O. The public wrappers live in
:mod:`frontier._dominance`. All kernels run on every backend and give identical results; the
``method`` of the public API picks between them:

=============  ==========================================  ====================================
kernel         algorithm                                   cost (time, memory)
=============  ==========================================  ====================================
``*_dense``    all pairs at once                           ``O(n^2 m)``, fused (ranks:
                                                           ``O(n^2)`` matrix)
``*_blocked``  all pairs in tiles, fixed trip counts (GPU)  ``O(n^2 m)``, ``O(n * block)``
``*_sweep``    one sort: lexicographic (``m <= 2``), or    ``O(n log n)``, ``O(n)`` (``m <= 2``)
               by sum then pivot sweep (``m >= 3``)
``*_filter``   elimination rounds + exact pivot sweep      ``~O(n)`` typical, ``O(n^2 m)`` worst
=============  ==========================================  ====================================

Shared semantics (the wrappers document them to users):

* ``p`` *dominates* ``q`` when ``p <= q`` in every objective and ``p < q`` in at least one.
* Identical rows: with ``keep_weakly=False`` only the first occurrence (in input order) of a
  group of identical non-dominated rows is kept, as in moocore; with ``keep_weakly=True`` all
  copies are kept. Identical rows always share a Pareto rank.
* A row containing NaN is never non-dominated and dominates nothing. Its rank is one more than
  the largest rank of the NaN-free rows. ``+-inf`` are ordinary ordered values.
* Kernels assume ``n >= 1`` and ``m >= 1``; the wrappers handle ``n == 0``.

Notation used below: ``removes(p, q)`` is true when row ``p`` eliminates row ``q`` from the
non-dominated set, i.e. ``p`` dominates ``q`` or (``keep_weakly=False``) ``p == q`` and ``p``
comes first in the input.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

__all__ = [
    "crowding_distance",
    "nondominated_blocked",
    "nondominated_dense",
    "nondominated_filter",
    "nondominated_sweep",
    "pareto_rank_blocked",
    "pareto_rank_dense",
    "pareto_rank_filter",
    "pareto_rank_sweep",
]

_I32 = jnp.int32


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------
def _removes(p, pi, t, ti, keep_weakly):
    """``(k, b)`` bool: row ``p[a]`` (input index ``pi[a]``) removes row ``t[c]``.

    ``keep_weakly`` is a Python bool or a traced bool scalar. NaN rows on either side never
    remove and are never removed (every comparison with NaN is false).
    """
    le = None
    lt = None
    for j in range(p.shape[1]):
        a = p[:, j : j + 1] <= t[:, j][None, :]
        b = p[:, j : j + 1] < t[:, j][None, :]
        le = a if le is None else le & a
        lt = b if lt is None else lt | b
    if isinstance(keep_weakly, bool):
        if keep_weakly:
            return le & lt
        return le & (lt | (pi[:, None] < ti[None, :]))
    return le & (lt | (~keep_weakly & (pi[:, None] < ti[None, :])))


def _removed_by(p, pi, t, ti, keep_weakly, sub: int = 32):
    """``(b,)``: some row of ``p`` removes the row of ``t``. Pivots are reduced in groups of
    ``sub`` inside a loop: XLA on CPU splits long boolean reductions into a materialised
    tree (``reduce-window``), which is several times slower per pair."""
    k = p.shape[0]
    if k <= sub or k % sub:
        return jnp.any(_removes(p, pi, t, ti, keep_weakly), axis=0)

    def body(i, dead):
        ps = lax.dynamic_slice_in_dim(p, i * sub, sub)
        ps_i = lax.dynamic_slice_in_dim(pi, i * sub, sub)
        return dead | jnp.any(_removes(ps, ps_i, t, ti, keep_weakly), axis=0)

    return lax.fori_loop(0, k // sub, body, jnp.zeros((t.shape[0],), bool))


def _valid(x):
    return ~jnp.any(jnp.isnan(x), axis=1)


def _pad_rows(x, rows: int):
    """Append ``rows`` all-NaN rows (padding that never dominates and is never kept)."""
    if rows == 0:
        return x
    return jnp.concatenate([x, jnp.full((rows, x.shape[1]), jnp.nan, x.dtype)], axis=0)


def _canon_zero(v):
    # lax.sort orders -0.0 before 0.0; comparisons treat them as equal. Canonicalise for sorts.
    return jnp.where(v == 0, jnp.zeros((), v.dtype), v)


# --------------------------------------------------------------------------------------------
# non-dominated masks
# --------------------------------------------------------------------------------------------
@jax.jit
def nondominated_dense(x, keep_weakly=False):
    """Non-dominated mask from the full ``(n, n)`` comparison matrix. ``O(n^2 m)`` time and
    ``O(n^2)`` memory: the fastest choice for small ``n`` and for ``vmap`` over many small sets.
    """
    n = x.shape[0]
    idx = lax.iota(_I32, n)
    removed = jnp.any(_removes(x, idx, x, idx, keep_weakly), axis=0)
    return _valid(x) & ~removed


@partial(jax.jit, static_argnames=("block_size",))
def nondominated_blocked(x, keep_weakly=False, *, block_size: int = 512):
    """Non-dominated mask by all-pairs comparison in ``(block, block)`` tiles.

    ``O(n^2 m)`` time, ``O(n * block)`` memory; fixed trip counts and no data-dependent control
    flow, which suits GPUs. Target blocks are mapped with ``lax.map``; pivot blocks are
    reduced with ``fori_loop``.
    """
    n, m = x.shape
    b = block_size
    nb = -(-n // b)
    xp = _pad_rows(x, nb * b - n)
    idx = lax.iota(_I32, nb * b)
    xb = xp.reshape(nb, b, m)
    ib = idx.reshape(nb, b)

    def one_target_block(args):
        t, ti = args

        def body(i, dead):
            p = lax.dynamic_index_in_dim(xb, i, keepdims=False)
            pi = lax.dynamic_index_in_dim(ib, i, keepdims=False)
            return dead | jnp.any(_removes(p, pi, t, ti, keep_weakly), axis=0)

        return lax.fori_loop(0, nb, body, jnp.zeros((b,), bool))

    dead = lax.map(one_target_block, (xb, ib)).reshape(nb * b)[:n]
    return _valid(x) & ~dead


def _sort_lex2(x):
    """Stable lexicographic sort of ``(n, 2)`` rows: NaN rows last, then by ``(f1, f2)``.

    Returns the sorted ``invalid`` key, both sorted columns and the permutation.
    """
    n = x.shape[0]
    valid = _valid(x)
    zero = jnp.zeros((), x.dtype)
    f1 = jnp.where(valid, _canon_zero(x[:, 0]), zero)
    f2 = jnp.where(valid, _canon_zero(x[:, 1]), zero)
    bad = (~valid).astype(_I32)
    return lax.sort((bad, f1, f2, lax.iota(_I32, n)), num_keys=3, is_stable=True)


def _runs(s_bad, s1, s2):
    """``(is_new, leader)`` of runs of identical rows in lexicographically sorted order."""
    n = s1.shape[0]
    pos = lax.iota(_I32, n)
    diff = (s1[1:] != s1[:-1]) | (s2[1:] != s2[:-1]) | (s_bad[1:] != s_bad[:-1])
    is_new = jnp.concatenate([jnp.ones((1,), bool), diff])
    leader = lax.cummax(jnp.where(is_new, pos, 0))
    return is_new, leader


def _sum_order(x, pad: int):
    """Row indices sorted by a monotone key (sum of objectives clipped to a finite range, so
    ``-inf + inf`` cannot give NaN), NaN rows last; ``pad`` entries of slack (index ``n``)."""
    n, m = x.shape
    big = jnp.finfo(x.dtype).max / (2 * m)
    key = jnp.sum(jnp.clip(x, -big, big), axis=1)
    key = jnp.where(_valid(x), key, jnp.asarray(jnp.inf, x.dtype))
    _, order = lax.sort((key, lax.iota(_I32, n)), num_keys=1, is_stable=True)
    return jnp.concatenate([order, jnp.full((pad,), n, _I32)])


@jax.jit
def nondominated_sweep(x, keep_weakly=False):
    """Non-dominated mask by one sort and a sweep.

    ``m <= 2``: ``O(n log n)``. After a stable sort by ``(f1, f2)``, a row is kept iff its
    ``f2`` is strictly below every earlier ``f2``. ``m == 1`` is treated as ``(f1, 0)``.
    ``m >= 3``: sort-filter-skyline: rows are sorted by the sum of their (clipped) objectives,
    a monotone key, so dominators come first, then resolved by the exact pivot sweep of the
    ``"filter"`` method (no elimination rounds).
    """
    n, m = x.shape
    if m >= 3:
        cfg = _filter_config(m, 0, 0, 0, 0, 1, 1024, 128)
        order = _sum_order(x, cfg["pad"])
        return _exact_pass(x, order, jnp.int32(n), keep_weakly, cfg)
    if m == 1:
        x = jnp.concatenate([x, jnp.zeros_like(x)], axis=1)
    s_bad, s1, s2, perm = _sort_lex2(x)
    inf = jnp.full((1,), jnp.inf, x.dtype)
    prev_min = jnp.concatenate([inf, lax.cummin(s2)[:-1]])
    first = lax.iota(_I32, n) == 0
    keep = (first | (s2 < prev_min)) & (s_bad == 0)
    _, leader = _runs(s_bad, s1, s2)
    keep = jnp.where(keep_weakly, keep[leader], keep)
    return jnp.zeros((n,), bool).at[perm].set(keep, unique_indices=True)


# --------------------------------------------------------------------------------------------
# the "filter" method: cheap O(n) elimination rounds, then an exact pass over the survivors
#
# Implementation notes (XLA on CPU): small intermediates (pivots, grid minima) are computed
# outside the loops over row blocks, because XLA otherwise fuses them into the O(n) passes and
# recomputes them for every row; prefix counts use small triangular matmuls and ``cumsum`` of
# small arrays, because ``associative_scan`` costs about a second of compile time per call site
# (the whole module avoids it).
# --------------------------------------------------------------------------------------------
def _prefix_count(mask):
    """Inclusive prefix counts (``int32``) of a 1-D bool mask: a triangular matmul within rows
    of 64, then a ``cumsum`` of the row totals."""
    size = mask.shape[0]
    w = min(64, size)
    r = -(-size // w)
    a = jnp.pad(mask.astype(jnp.float32), (0, r * w - size)).reshape(r, w)
    i = lax.iota(_I32, w)
    tri = (i[:, None] <= i[None, :]).astype(jnp.float32)
    a = jnp.matmul(a, tri, precision=lax.Precision.HIGHEST).astype(_I32)
    if r > 1:
        tot = a[:, w - 1]
        a = a + (jnp.cumsum(tot) - tot)[:, None]
    return a.reshape(r * w)[:size]


def _append(buf, kept, ids, live):
    """Write ``ids[live]`` to ``buf[kept:]`` (in order); return the buffer and the new count."""
    pc = _prefix_count(live)
    dest = jnp.where(live, kept + pc - 1, buf.shape[0])
    buf = buf.at[dest].set(ids, mode="drop", unique_indices=True)
    return buf, kept + pc[-1]


def _take_rows(x, ids):
    """Rows ``x[ids]``; index ``n`` (padding) gives an all-NaN row."""
    return x.at[ids].get(mode="fill", fill_value=jnp.nan)


def _bins(v, lo, hi, num: int):
    """Monotone non-decreasing map of ``v`` to ``0..num-1`` (equal-width bins on [lo, hi])."""
    dt = jnp.float32 if jnp.finfo(v.dtype).bits < 32 else v.dtype
    v, lo, hi = v.astype(dt), lo.astype(dt), hi.astype(dt)
    width = hi - lo
    ok = jnp.isfinite(width) & (width > 0)
    scale = jnp.where(ok, num / jnp.where(ok, width, 1), 1)
    t = (v - lo) * scale
    t = jnp.where(jnp.isnan(t), 0, t)  # (lo - lo) * inf; keeps the map monotone
    return jnp.clip(jnp.floor(t), 0, num - 1).astype(_I32)


def _grid_cells(y, valid, lo, hi, g: int):
    """Cell id of each row (monotone bins of ``f1``, and of ``f2`` when ``m == 3``) and the
    value of the last objective (``+inf`` for NaN rows, so they never lower a cell minimum).
    """
    m = y.shape[1]
    last = jnp.where(valid, y[:, m - 1], jnp.asarray(jnp.inf, y.dtype))
    cell = _bins(y[:, 0], lo[0], hi[0], g)
    if m == 3:
        cell = cell * g + _bins(y[:, 1], lo[1], hi[1], g)
    return cell, last


def _grid_prefix(cell_min, m: int, g: int):
    """Minimum over all *strictly lower* cells (every binned objective strictly lower)."""
    if m == 2:
        pre = lax.cummin(cell_min)
        return jnp.concatenate([jnp.full((1,), jnp.inf, cell_min.dtype), pre[:-1]])
    pre = lax.cummin(lax.cummin(cell_min.reshape(g, g), axis=0), axis=1)
    return jnp.pad(pre, ((1, 0), (1, 0)), constant_values=jnp.inf)[:g, :g].reshape(g * g)


def _grid_dead(pre, cell, last):
    """A row is dominated when some strictly lower cell holds a row whose last objective is no
    larger: that row is strictly better in the binned objectives (bins are monotone).
    ``pre == inf`` may mean an empty region, so it proves nothing.
    """
    best = pre[cell]
    return (best <= last) & (best < jnp.asarray(jnp.inf, best.dtype))


def _pivot_dead(y, piv, weak: bool):
    """``(b,)``: some pivot dominates the row. With ``weak=False`` only pivots strictly smaller
    in every objective count (one comparison per objective, enough when a grid does most of
    the work); ``weak=True`` is the full test, which also catches ties (duplicates, rounded
    data). Identical rows are left to the exact pass either way.
    """
    le = None
    lt = None
    for j in range(y.shape[1]):
        pj = piv[:, j : j + 1]
        yj = y[:, j][None, :]
        b = pj < yj
        lt = b if lt is None else (lt | b if weak else lt & b)
        if weak:
            a = pj <= yj
            le = a if le is None else le & a
    return jnp.any(le & lt if weak else lt, axis=0)


def _choose_pivots(x, order, count, sample_size: int, num_pivots: int):
    """Pivots: up to ``num_pivots`` rows spread over the front of a strided sample of the live
    rows ``order[:count]``; also the sample's finite per-objective range, for the grid.

    Any input row is a valid pivot (dominance is transitive), so the sample only affects
    speed. Missing pivots are NaN rows, which dominate nothing.
    """
    s = min(x.shape[0], sample_size)
    stride = jnp.maximum(count // s, 1)
    si = lax.iota(_I32, s) * stride
    ids = order[si]
    ids = jnp.where(si < count, ids, x.shape[0])  # rows past `count` are not live
    xs = _take_rows(x, ids)
    vs = _valid(xs)
    front = vs & ~jnp.any(_removes(xs, ids, xs, ids, True), axis=0)
    rank = jnp.cumsum(front.astype(_I32)) - 1
    slots = (
        jnp.full((s,), s, _I32)
        .at[jnp.where(front, rank, s)]
        .set(lax.iota(_I32, s), mode="drop", unique_indices=True)
    )
    k = num_pivots
    want = (lax.iota(_I32, k) * jnp.maximum(rank[-1] + 1, 1)) // k
    piv = _take_rows(xs, slots[want])  # slot s (no front at all) gives NaN pivots
    fin = jnp.isfinite(xs) & vs[:, None]
    lo = jnp.min(jnp.where(fin, xs, jnp.inf), axis=0)
    hi = jnp.max(jnp.where(fin, xs, -jnp.inf), axis=0)
    return piv, lo, hi


def _round(x, order, count, cfg):
    """One elimination round over the live rows ``order[:count]``.

    Pivots and the grid are built from a sample of the live rows, so each round eliminates
    more than the one before. Survivors are compacted in place (writes never overtake reads).
    ``O(count)`` work in blocks of ``round_block`` rows.
    """
    n, m = x.shape
    b = min(cfg["round_block"], n)
    g = cfg["grid_size"]
    lane = lax.iota(_I32, b)
    piv, lo, hi = _choose_pivots(x, order, count, cfg["sample_size"], cfg["num_pivots"])
    nblk = (count + b - 1) // b

    def rows(j, buf):
        ids = lax.dynamic_slice(buf, (j * b,), (b,))
        y = _take_rows(x, ids)
        return ids, y, (j * b + lane < count) & _valid(y)

    if g:

        def cell_pass(j, cmin):
            _, y, v = rows(j, order)
            cell, last = _grid_cells(y, v, lo, hi, g)
            return cmin.at[cell].min(last)

        cmin = lax.fori_loop(0, nblk, cell_pass, jnp.full((g ** (m - 1),), jnp.inf, x.dtype))
        pre = _grid_prefix(cmin, m, g)

    def test_pass(j, state):
        out, kept = state
        ids, y, v = rows(j, out)  # in place: writes stay below j * b + b
        dead = _pivot_dead(y, piv, not g)
        if g:
            cell, last = _grid_cells(y, v, lo, hi, g)
            dead = dead | _grid_dead(pre, cell, last)
        return _append(out, kept, ids, v & ~dead)

    return lax.fori_loop(0, nblk, test_pass, (order, jnp.int32(0)))


def _rounds(x, order, count, cfg):
    """Elimination rounds while they remove at least a fifth of the live rows."""

    def cond(state):
        r, _, count, prev = state
        progress = (r == 0) | (5 * count < 4 * prev)
        return (r < cfg["max_rounds"]) & (count > 2 * cfg["sample_size"]) & progress

    def body(state):
        r, order, count, _ = state
        order2, count2 = _round(x, order, count, cfg)
        return r + 1, order2, count2, count

    init = (jnp.int32(0), order, count, count)
    _, order, count, _ = lax.while_loop(cond, body, init)
    return order, count


def _exact_pass(x, order, count, keep_weakly, cfg):
    """Exact non-dominated subset of the rows ``order[:count]`` by a blocked pivot sweep.

    The live rows are taken ``num``-at-a-time, in order, as pivots; each pivot block removes
    every live row it eliminates (one vectorised pass over the live rows, in blocks) and the
    live rows are compacted in place. A row that survives every pivot block, itself included,
    is non-dominated: any row that eliminates it would survive or be eliminated by a survivor
    (``removes`` is transitive), and every survivor was a pivot while it was live. The number
    of live rows falls quickly, so the cost is about ``O(count * front * m / num + front^2 m)``
    and ``O(count^2 m)`` at worst, with ``O(n)`` memory.

    Returns the ``(n,)`` bool mask.
    """
    n = x.shape[0]
    k, b = cfg["chunk_size"], cfg["block_size"]
    lane_k = lax.iota(_I32, k)
    lane_b = lax.iota(_I32, b)

    def cond(state):
        _, count, ptr = state
        return ptr < count

    def body(state):
        order, count, ptr = state
        pi = lax.dynamic_slice(order, (ptr,), (k,))
        pi = jnp.where(ptr + lane_k < count, pi, n)
        p = _take_rows(x, pi)

        def blk(j, st):
            out, kept, done = st
            pos = j * b + lane_b
            # read from the buffer being compacted: writes stay below j * b + b
            ids = lax.dynamic_slice(out, (j * b,), (b,))
            ids = jnp.where(pos < count, ids, n)
            t = _take_rows(x, ids)
            live = _valid(t) & ~_removed_by(p, pi, t, ids, keep_weakly)
            out, kept = _append(out, kept, ids, live)
            return out, kept, done + jnp.sum(live & (pos < ptr + k), dtype=_I32)

        nblk = (count + b - 1) // b
        return lax.fori_loop(0, nblk, blk, (order, jnp.int32(0), jnp.int32(0)))

    order, count, _ = lax.while_loop(cond, body, (order, count, jnp.int32(0)))
    keep = jnp.where(lax.iota(_I32, order.shape[0]) < count, order, n)
    return jnp.zeros((n,), bool).at[keep].set(True, mode="drop")


_FILTER_STATIC = (
    "sample_size",
    "num_pivots",
    "grid_size",
    "max_rounds",
    "round_block",
    "block_size",
    "chunk_size",
)


def _filter_config(
    m, sample_size, num_pivots, grid_size, max_rounds, round_block, block_size, chunk_size
):
    if m not in (2, 3):
        grid_size = 0
    elif grid_size < 0:
        grid_size = 1024 if m == 2 else 64
    return dict(
        sample_size=sample_size,
        num_pivots=num_pivots,
        grid_size=grid_size,
        max_rounds=max_rounds,
        round_block=round_block,
        block_size=block_size,
        chunk_size=chunk_size,
        pad=max(round_block, block_size, chunk_size),
    )


def _live_rows(x, pad):
    """Indices of the NaN-free rows, compacted into an ``(n + pad,)`` buffer; and their count."""
    n = x.shape[0]
    buf = jnp.full((n + pad,), n, _I32)
    return _append(buf, jnp.int32(0), lax.iota(_I32, n), _valid(x))


@partial(jax.jit, static_argnames=_FILTER_STATIC)
def nondominated_filter(
    x,
    keep_weakly=False,
    *,
    sample_size: int = 1024,
    num_pivots: int = 32,
    grid_size: int = -1,
    max_rounds: int = 4,
    round_block: int = 16384,
    block_size: int = 1024,
    chunk_size: int = 128,
):
    """Non-dominated mask: cheap elimination rounds, then block nested loops on the survivors.

    Each round eliminates rows that are provably dominated, in ``O(rows)``:

    1. *Pivots*: up to ``num_pivots`` rows of the front of a strided sample of
       ``sample_size`` live rows; a row strictly worse than a pivot in every objective goes.
    2. *Grid* (``m`` in {2, 3}): rows are put in monotone bins of ``f1`` (``m == 2``) or of
       ``(f1, f2)`` (``m == 3``); a row whose last objective is not below the minimum over all
       strictly lower cells (a prefix minimum) goes. ``grid_size=-1`` picks 1024 bins for
       ``m == 2`` and 64 x 64 cells for ``m == 3``; ``0`` disables the grid.

    Rounds repeat (at most ``max_rounds``, while each removes at least a fifth of the rows and
    more than ``2 * sample_size`` remain), each rebuilding pivots and grid from the survivors.
    The survivors are then resolved exactly by a blocked pivot sweep (:func:`_exact_pass`).

    Jittable (``while_loop`` for the data-dependent trip counts), ``O(n)`` memory. Typical cost
    ``O(n)`` plus ``O(survivors * front * m)``; the worst case (all rows non-dominated) is
    ``O(n^2 m)``.
    """
    cfg = _filter_config(
        x.shape[1],
        sample_size,
        num_pivots,
        grid_size,
        max_rounds,
        round_block,
        block_size,
        chunk_size,
    )
    n = x.shape[0]
    order = jnp.concatenate([lax.iota(_I32, n), jnp.full((cfg["pad"],), n, _I32)])
    order, count = _rounds(x, order, jnp.int32(n), cfg)
    return _exact_pass(x, order, count, keep_weakly, cfg)


# --------------------------------------------------------------------------------------------
# Pareto ranks
# --------------------------------------------------------------------------------------------
def _finish_ranks(rank, valid, num_fronts):
    """NaN rows get ``num_fronts`` (one past the last front of the NaN-free rows)."""
    return jnp.where(valid, rank, num_fronts).astype(_I32)


@jax.jit
def pareto_rank_dense(x):
    """Pareto ranks by peeling the full ``(n, n)`` dominance matrix (dominator counts).

    ``O(n^2)`` memory and ``O(n^2)`` work per front.
    """
    n = x.shape[0]
    valid = _valid(x)
    idx = lax.iota(_I32, n)
    dom = _removes(x, idx, x, idx, True)
    count = jnp.sum(dom, axis=0, dtype=_I32)

    def cond(state):
        _, active, _, _ = state
        return jnp.any(active)

    def body(state):
        rank, active, count, k = state
        front = active & (count == 0)
        rank = jnp.where(front, k, rank)
        count = count - jnp.sum(dom & front[:, None], axis=0, dtype=_I32)
        return rank, active & ~front, count, k + 1

    rank, _, _, k = lax.while_loop(cond, body, (jnp.zeros((n,), _I32), valid, count, jnp.int32(0)))
    return _finish_ranks(rank, valid, k)


def _peel(x, nondominated):
    """Ranks by repeatedly removing the non-dominated rows (``keep_weakly=True``)."""
    n = x.shape[0]
    valid = _valid(x)
    nan = jnp.asarray(jnp.nan, x.dtype)

    def cond(state):
        _, _, _, left = state
        return left > 0

    def body(state):
        rank, xm, k, left = state
        front = nondominated(xm)
        rank = jnp.where(front, k, rank)
        xm = jnp.where(front[:, None], nan, xm)
        return rank, xm, k + 1, left - jnp.sum(front, dtype=_I32)

    rank, _, k, _ = lax.while_loop(
        cond,
        body,
        (jnp.zeros((n,), _I32), x, jnp.int32(0), jnp.sum(valid, dtype=_I32)),
    )
    return _finish_ranks(rank, valid, k)


@partial(jax.jit, static_argnames=("block_size",))
def pareto_rank_blocked(x, *, block_size: int = 512):
    """Pareto ranks by peeling fronts found with :func:`nondominated_blocked`.

    ``O(fronts * n^2 m)`` time, ``O(n * block)`` memory, no data-dependent shapes.
    """
    return _peel(x, partial(nondominated_blocked, keep_weakly=True, block_size=block_size))


def _peel_sorted(x, rest, left, cfg):
    """Ranks by peeling: the live rows ``rest[:left]`` stay compacted (in their order); each
    front is found by the elimination rounds (if ``cfg`` asks for any) and the exact pass.
    Peeling a front costs ``O(remaining + survivors * front * m)``."""
    n = x.shape[0]
    valid = _valid(x)
    b = min(cfg["round_block"], n)
    lane = lax.iota(_I32, b)

    def cond(state):
        _, _, left, _ = state
        return left > 0

    def body(state):
        rank, rest, left, k = state
        if cfg["max_rounds"]:
            order, count = _rounds(x, rest, left, cfg)
        else:
            order, count = rest, left
        front = _exact_pass(x, order, count, True, cfg)
        rank = jnp.where(front, k, rank)

        def drop(j, st):
            out, kept = st
            ids = lax.dynamic_slice(out, (j * b,), (b,))
            live = (j * b + lane < left) & ~front.at[ids].get(mode="fill", fill_value=True)
            return _append(out, kept, ids, live)

        rest, left = lax.fori_loop(0, (left + b - 1) // b, drop, (rest, jnp.int32(0)))
        return rank, rest, left, k + 1

    init = (jnp.zeros((n,), _I32), rest, left, jnp.int32(0))
    rank, _, _, k = lax.while_loop(cond, body, init)
    return _finish_ranks(rank, valid, k)


@partial(jax.jit, static_argnames=_FILTER_STATIC)
def pareto_rank_filter(
    x,
    *,
    sample_size: int = 1024,
    num_pivots: int = 32,
    grid_size: int = -1,
    max_rounds: int = 4,
    round_block: int = 16384,
    block_size: int = 1024,
    chunk_size: int = 128,
):
    """Pareto ranks by peeling fronts found with the machinery of :func:`nondominated_filter`.

    The rows not ranked yet stay compacted, so peeling a front costs
    ``O(remaining + survivors * front * m)`` rather than ``O(n)`` passes over all rows.
    """
    cfg = _filter_config(
        x.shape[1],
        sample_size,
        num_pivots,
        grid_size,
        max_rounds,
        round_block,
        block_size,
        chunk_size,
    )
    rest, left = _live_rows(x, cfg["pad"])
    return _peel_sorted(x, rest, left, cfg)


@partial(jax.jit, static_argnames=("block_size",))
def pareto_rank_sweep(x, *, block_size: int = 64):
    """Pareto ranks by one sort and a sweep; ``O(n log n + n * block)`` for ``m <= 2``.

    Rows are sorted by ``(f1, f2)``; identical rows share the rank of their first copy. For
    the distinct rows, the front ``k`` keeps its smallest ``f2`` so far (its *tail*; tails are
    non-decreasing in ``k``) and an earlier row dominates a later one iff its ``f2`` is not
    larger. Blocks of sorted rows get a lower bound from a binary search over the tails, then
    the dependencies inside the block are resolved in a sequential pass of ``block`` steps.
    ``m == 1`` gives dense ranks of the values. ``m >= 3``: rows are sorted once by the sum of
    their objectives and fronts are peeled with the exact pivot sweep of :func:`_exact_pass`
    (the order survives the compactions, so pivots always come in sum order).
    """
    n, m = x.shape
    valid = _valid(x)
    if m >= 3:
        cfg = _filter_config(m, 0, 0, 0, 0, 1024, 1024, 128)
        return _peel_sorted(x, _sum_order(x, cfg["pad"]), jnp.sum(valid, dtype=_I32), cfg)
    if m == 1:
        x = jnp.concatenate([x, jnp.zeros_like(x)], axis=1)
    s_bad, s1, s2, perm = _sort_lex2(x)
    is_new, leader = _runs(s_bad, s1, s2)
    act = is_new & (s_bad == 0)
    if m == 1:
        ranks = jnp.cumsum(act.astype(_I32)) - 1
        num_fronts = jnp.sum(act, dtype=_I32)
    else:
        b = block_size
        nb = -(-n // b)
        pad = nb * b - n
        inf = jnp.asarray(jnp.inf, x.dtype)
        f2 = jnp.concatenate([s2, jnp.full((pad,), jnp.inf, x.dtype)])
        actp = jnp.concatenate([act, jnp.zeros((pad,), bool)])
        lane = lax.iota(_I32, b)

        def block(j, state):
            tails, nf, ranks = state
            fb = lax.dynamic_slice(f2, (j * b,), (b,))
            ab = lax.dynamic_slice(actp, (j * b,), (b,))
            ext = jnp.minimum(jnp.searchsorted(tails, fb, side="right").astype(_I32), nf)

            def inner(i, r):
                fi = fb[i]
                dom = ab & (lane < i) & (fb <= fi)
                best = jnp.max(jnp.where(dom, r + 1, 0))
                return r.at[i].set(jnp.maximum(r[i], best))

            r = lax.fori_loop(0, b, inner, jnp.where(ab, ext, 0))
            tails = tails.at[jnp.where(ab, r, n)].min(jnp.where(ab, fb, inf), mode="drop")
            nf = jnp.maximum(nf, jnp.max(jnp.where(ab, r + 1, 0)))
            ranks = lax.dynamic_update_slice(ranks, r, (j * b,))
            return tails, nf, ranks

        tails0 = jnp.full((n,), jnp.inf, x.dtype)
        _, num_fronts, ranks = lax.fori_loop(
            0, nb, block, (tails0, jnp.int32(0), jnp.zeros((nb * b,), _I32))
        )
        ranks = ranks[:n]
    ranks = ranks[leader]
    out = jnp.zeros((n,), _I32).at[perm].set(ranks, unique_indices=True)
    return _finish_ranks(out, valid, num_fronts)


# --------------------------------------------------------------------------------------------
# crowding distance
# --------------------------------------------------------------------------------------------
@jax.jit
def crowding_distance(x, group):
    """NSGA-II crowding distance of each row within its ``group`` (e.g. its Pareto front).

    For each objective, rows of a group are sorted (ties in input order); the first and last
    get ``+inf`` and the others the gap between their neighbours divided by the group's range
    of that objective. An objective whose range in the group is zero adds 0 to every row of the
    group (no ``0/0``); a gap that is not a finite number (``inf - inf``, ``x/inf``) adds 0.
    Contributions are summed over objectives. NaN rows are ignored and get 0.
    """
    n, m = x.shape
    valid = _valid(x)
    big = jnp.asarray(np.iinfo(np.int32).max, _I32)
    key = jnp.where(valid, group.astype(_I32), big)
    pos = lax.iota(_I32, n)
    zero = jnp.zeros((), x.dtype)
    total = jnp.zeros((n,), x.dtype)
    for j in range(m):
        v = jnp.where(valid, _canon_zero(x[:, j]), zero)
        sk, sv, perm = lax.sort((key, v, pos), num_keys=2, is_stable=True)
        first = jnp.concatenate([jnp.ones((1,), bool), sk[1:] != sk[:-1]])
        last = jnp.concatenate([sk[1:] != sk[:-1], jnp.ones((1,), bool)])
        start = lax.cummax(jnp.where(first, pos, 0))
        end = lax.cummin(jnp.where(last, pos, n - 1), reverse=True)
        span = sv[end] - sv[start]
        prev = jnp.concatenate([sv[:1], sv[:-1]])
        nxt = jnp.concatenate([sv[1:], sv[-1:]])
        ok = jnp.isfinite(span) & (span > 0)
        ratio = (nxt - prev) / jnp.where(ok, span, 1)
        ratio = jnp.where(ok & jnp.isfinite(ratio), ratio, zero)
        boundary = (first | last) & (span > 0)
        contrib = jnp.where(boundary, jnp.asarray(jnp.inf, x.dtype), ratio)
        total = total + jnp.zeros((n,), x.dtype).at[perm].set(contrib, unique_indices=True)
    return jnp.where(valid, total, zero)
