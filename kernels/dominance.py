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
``*_sweep3``   ranks, ``m == 3``: lexicographic sort, one  ``O(n log n + n (log(fronts)
               pass in blocks over per-front staircases    log(bins) + n/bins + block))``
``*_dedup``    ranks of the distinct rows, broadcast       ``O(n)`` + two or three int sorts
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
    "dedup_rows",
    "nondominated_blocked",
    "nondominated_dense",
    "nondominated_filter",
    "nondominated_sweep",
    "pareto_rank_blocked",
    "pareto_rank_dedup",
    "pareto_rank_dense",
    "pareto_rank_filter",
    "pareto_rank_sweep",
    "pareto_rank_sweep3",
    "sort_key",
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


def _int_type(dtype) -> jnp.dtype:
    return jnp.dtype(jnp.int64) if jnp.dtype(dtype).itemsize == 8 else jnp.dtype(jnp.int32)


def sort_key(x: jax.Array) -> jax.Array:
    """Order-preserving integer image of a float array (``int32`` for ``float32``).

    ``a < b`` iff ``sort_key(a) < sort_key(b)`` for non-NaN floats; ``-0.0`` and ``0.0`` map
    to the same key.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> k = sort_key(jnp.array([-2.0, -0.0, 0.0, 1.5, jnp.inf]))
    >>> bool(jnp.all(k[:-1] <= k[1:])), bool(k[1] == k[2])
    (True, True)
    """
    it = _int_type(x.dtype)
    x = jnp.where(x == 0, jnp.zeros_like(x), x)
    bits = lax.bitcast_convert_type(x, it)
    return jnp.where(bits < 0, bits ^ jnp.array(jnp.iinfo(it).max, it), bits)


def _radix_order(key, order=None, bits: int = 32):
    """Stable argsort of an ``int32`` key (as from :func:`sort_key`) by single-array sorts;
    with ``order``, the rows ``order`` stably re-sorted by their keys (an LSD step).

    LSD radix: each pass sorts one ``int32`` array that packs a digit of the key above the
    current position, so XLA's fast path for one primitive array applies (a sort that
    carries an index is ~5x slower on CPU). ``ceil(bits / (31 - bits(n)))`` passes, where
    ``bits < 32`` sorts by the low ``bits`` bits of the key only.
    """
    n = key.shape[0]
    b = max(1, (n - 1).bit_length())
    w = 31 - b
    u = lax.bitcast_convert_type(key, jnp.uint32) ^ jnp.uint32(0x80000000)
    lane = lax.iota(_I32, n)
    cur = lane if order is None else order
    shift = 0
    while shift < bits:
        digit = ((u[cur] >> shift) & jnp.uint32((1 << w) - 1)).astype(_I32)
        packed = jnp.sort((digit << b) | lane)
        cur = cur[packed & ((1 << b) - 1)]
        shift += w
    return cur


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


def _lex_order(x):
    """Stable lexicographic order of the rows of ``x`` (NaN rows last): ``(perm, bad)``, with
    ``bad`` the sorted NaN-row flags (``int32``).

    XLA's CPU sort of several arrays at once is several times slower than a sort of one
    ``int32`` array, so: an LSD radix sort of the first column's integer keys
    (:func:`_radix_order`, single-array sorts), then the rows that tie in the first column
    (few, unless the data are rounded) are re-sorted by every column in one small
    multi-key sort of at most ``n // 16`` rows; past that, a radix sort by every column.
    """
    n, m = x.shape
    valid = _valid(x)
    zero = jnp.zeros((), x.dtype)
    keys = [sort_key(jnp.where(valid, x[:, j], zero)) for j in range(m)]
    bad = (~valid).astype(_I32)
    lane = lax.iota(_I32, n)

    if keys[0].dtype != jnp.int32 or n < 32:
        perm = lax.sort((bad, *keys, lane), num_keys=m + 1, is_stable=True)[-1]
        return perm, bad[perm]
    top = jnp.asarray(jnp.iinfo(jnp.int32).max, jnp.int32)  # above every real key
    k1 = jnp.where(valid, keys[0], top)

    def full(_):  # LSD radix over every column: last column first
        perm = lane
        for k in [*keys[1:][::-1], k1]:
            perm = _radix_order(k, perm)
        return perm

    perm = _radix_order(k1)
    if m == 1:
        return perm, bad[perm]
    s1 = k1[perm]
    same = (s1[1:] == s1[:-1]) & (s1[1:] != top)
    tied = jnp.concatenate([same, jnp.zeros((1,), bool)])
    tied = tied | jnp.concatenate([jnp.zeros((1,), bool), same])
    count = jnp.sum(tied, dtype=_I32)
    cap = max(16, -(-n // 256) * 16)

    def fix(perm):
        # tied positions form runs of equal first keys; sorting their rows by every key and
        # writing them back in position order reorders each run in place
        pos, _ = _append(jnp.full((cap,), n, _I32), jnp.int32(0), lane, tied)
        rows = perm.at[pos].get(mode="fill", fill_value=0)
        ks = [s1.at[pos].get(mode="fill", fill_value=int(np.iinfo(np.int32).max))]
        ks += [jnp.where(pos < n, k[rows], top) for k in keys[1:]]
        new = lax.sort((*ks, rows), num_keys=m, is_stable=True)[-1]
        return perm.at[pos].set(new, mode="drop")

    perm = lax.cond(
        count == 0,
        lambda p: p,
        lambda p: lax.cond(count <= cap, fix, full, p),
        perm,
    )
    return perm, bad[perm]


def _sort_lex2(x):
    """Stable lexicographic sort of ``(n, 2)`` rows: NaN rows last, then by ``(f1, f2)``.

    Returns the sorted ``invalid`` key, both sorted columns and the permutation.
    """
    perm, s_bad = _lex_order(x)
    ok = s_bad == 0
    zero = jnp.zeros((), x.dtype)
    f1 = jnp.where(ok, _canon_zero(x[perm, 0]), zero)
    f2 = jnp.where(ok, _canon_zero(x[perm, 1]), zero)
    return s_bad, f1, f2, perm


def _runs(s_bad, *cols):
    """``(is_new, leader)`` of runs of identical rows in lexicographically sorted order."""
    n = s_bad.shape[0]
    pos = lax.iota(_I32, n)
    diff = s_bad[1:] != s_bad[:-1]
    for c in cols:
        diff = diff | (c[1:] != c[:-1])
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
        cfg = _filter_config(n, m, 0, 0, 0, 0, 1, 1024, 128)
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


def _strided_rows(x, order, count, size: int):
    """``(ids, rows)`` of up to ``size`` live rows ``order[:count]`` taken at an even stride;
    slots past ``count`` give index ``n`` and an all-NaN row."""
    s = min(x.shape[0], size)
    stride = jnp.maximum(count // s, 1)
    si = lax.iota(_I32, s) * stride
    ids = jnp.where(si < count, order[jnp.minimum(si, order.shape[0] - 1)], x.shape[0])
    return ids, _take_rows(x, ids)


def _choose_pivots(x, order, count, sample_size: int, num_pivots: int):
    """Pivots: up to ``num_pivots`` rows spread over the front of a strided sample of the live
    rows ``order[:count]``; also the sample's finite per-objective range, for the grid.

    Any input row is a valid pivot (dominance is transitive), so the sample only affects
    speed. Missing pivots are NaN rows, which dominate nothing.
    """
    ids, xs = _strided_rows(x, order, count, sample_size)
    s = ids.shape[0]
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


def _round(x, order, count, cfg, contiguous: bool = False):
    """One elimination round over the live rows ``order[:count]``.

    Pivots and the grid are built from a sample of the live rows, so each round eliminates
    more than the one before. Survivors are compacted in place (writes never overtake reads).
    ``O(count)`` work in blocks of ``round_block`` rows. ``contiguous=True`` promises that
    ``order[:count]`` is ``0..count-1`` (the first round): blocks are then slices of ``x``
    rather than gathers.
    """
    n, m = x.shape
    b = min(cfg["round_block"], n)
    g = cfg["grid_size"]
    lane = lax.iota(_I32, b)
    piv, lo, hi = _choose_pivots(x, order, count, cfg["sample_size"], cfg["num_pivots"])
    nblk = (count + b - 1) // b
    xs = _pad_rows(x, -(-n // b) * b - n) if contiguous else x

    def rows(j, buf):
        if contiguous:
            ids = jnp.where(j * b + lane < n, j * b + lane, n)
            y = lax.dynamic_slice_in_dim(xs, j * b, b)
        else:
            ids = lax.dynamic_slice(buf, (j * b,), (b,))
            y = _take_rows(x, ids)
        return ids, y, (j * b + lane < count) & _valid(y)

    if g:
        # cell minima from a strided sample of the live rows (any real rows make a sound
        # test): a scatter over every row cost more than the rest of the round on CPU
        _, y = _strided_rows(x, order, count, cfg["grid_sample"])
        cell, last = _grid_cells(y, _valid(y), lo, hi, g)
        cmin = jnp.full((g ** (m - 1),), jnp.inf, x.dtype).at[cell].min(last)
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


def _rounds(x, order, count, cfg, contiguous: bool = False):
    """Elimination rounds while they remove at least a fifth of the live rows.

    ``contiguous=True``: ``order[:count]`` is ``0..count-1``, so the first round (always run
    when there are rows enough) reads blocks of ``x`` by slicing, outside the loop.
    """
    if contiguous and cfg["max_rounds"]:

        def first(args):
            order, count = args
            return _round(x, order, count, cfg, contiguous=True)

        order2, count2 = lax.cond(
            count > 2 * cfg["sample_size"], first, lambda args: args, (order, count)
        )
        cfg1 = dict(cfg, max_rounds=cfg["max_rounds"] - 1)
        if not cfg1["max_rounds"]:
            return order2, count2
        # continue only while the first round removed at least a fifth
        go = 5 * count2 < 4 * count
        return lax.cond(
            go,
            lambda args: _rounds(x, args[0], args[1], cfg1),
            lambda args: args,
            (order2, count2),
        )

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
    n, m, sample_size, num_pivots, grid_size, max_rounds, round_block, block_size, chunk_size
):
    if m not in (2, 3):
        grid_size = 0
    elif grid_size < 0:
        grid_size = 1024 if m == 2 else 64
    if round_block <= 0:  # measured: larger blocks pay from about 5e5 rows
        round_block = 16384 if n < (1 << 19) else 65536
    return dict(
        sample_size=sample_size,
        num_pivots=num_pivots,
        grid_size=grid_size,
        max_rounds=max_rounds,
        round_block=round_block,
        block_size=block_size,
        chunk_size=chunk_size,
        pad=max(round_block, block_size, chunk_size),
        grid_sample=16 * grid_size ** (m - 1) if grid_size else 0,  # ~16 rows per cell
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
    round_block: int = 0,
    block_size: int = 1024,
    chunk_size: int = 128,
):
    """Non-dominated mask: cheap elimination rounds, then block nested loops on the survivors.

    Each round eliminates rows that are provably dominated, in ``O(rows)``:

    1. *Pivots*: up to ``num_pivots`` rows of the front of a strided sample of
       ``sample_size`` live rows; a row strictly worse than a pivot in every objective goes.
    2. *Grid* (``m`` in {2, 3}): rows are put in monotone bins of ``f1`` (``m == 2``) or of
       ``(f1, f2)`` (``m == 3``); a row whose last objective is not below the minimum over all
       strictly lower cells (a prefix minimum) goes. The cell minima come from a strided
       sample of about 16 live rows per cell (a scatter over every row cost more than the
       rest of the round). ``grid_size=-1`` picks 1024 bins for ``m == 2`` and 64 x 64 cells
       for ``m == 3``; ``0`` disables the grid.

    Rounds repeat (at most ``max_rounds``, while each removes at least a fifth of the rows and
    more than ``2 * sample_size`` remain), each rebuilding pivots and grid from the survivors;
    the first reads ``x`` in slices of ``round_block`` rows (``0``: 16384 below 2^19 rows,
    else 65536), later ones gather the survivors. The survivors are then resolved exactly by
    a blocked pivot sweep (:func:`_exact_pass`).

    Jittable (``while_loop`` for the data-dependent trip counts), ``O(n)`` memory. Typical cost
    ``O(n)`` plus ``O(survivors * front * m)``; the worst case (all rows non-dominated) is
    ``O(n^2 m)``.
    """
    cfg = _filter_config(
        x.shape[0],
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
    order, count = _rounds(x, order, jnp.int32(n), cfg, contiguous=True)
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
    round_block: int = 0,
    block_size: int = 1024,
    chunk_size: int = 128,
):
    """Pareto ranks by peeling fronts found with the machinery of :func:`nondominated_filter`.

    The rows not ranked yet stay compacted, so peeling a front costs
    ``O(remaining + survivors * front * m)`` rather than ``O(n)`` passes over all rows.
    """
    cfg = _filter_config(
        x.shape[0],
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
def pareto_rank_sweep(x, *, block_size: int = 32):
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
        cfg = _filter_config(n, m, 0, 0, 0, 0, 1024, 1024, 128)
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
# m == 3 ranks without peeling: one lexicographic sweep with per-front staircases
# --------------------------------------------------------------------------------------------
def _rank3_config(n: int, block_size: int, num_bins: int, max_fronts: int):
    """Defaults measured on a 2-core CPU (uniform and Monte-Carlo-like data, 1e4 to 1e6 rows):
    blocks of 64 rows below 5e4 rows, else 128; bins of about 32-64 rows (at most 4096
    bins); a Fenwick array of about 2^21 cells."""
    b = block_size if block_size > 0 else (64 if n < 50_000 else 128)
    g = num_bins if num_bins > 0 else int(min(4096, max(64, 1 << max(0, (n // 64).bit_length()))))
    k = max_fronts if max_fronts > 0 else int(min(4096, max(256, (1 << 21) // g)))
    return dict(block=b, bins=g, bin_size=-(-n // g), max_fronts=k)


@partial(jax.jit, static_argnames=("block_size", "num_bins", "max_fronts"))
def pareto_rank_sweep3(x, *, block_size: int = 0, num_bins: int = 0, max_fronts: int = 0):
    """Pareto ranks of ``(n, 3)`` rows by one sweep in lexicographic order, without peeling.

    After a stable sort by ``(f1, f2, f3)`` (identical rows share their first copy's rank), an
    earlier distinct row dominates a later one iff it is no larger in ``f2`` and ``f3``, and
    ``rank(q) = 1 + max rank of the earlier rows that do``. Rows are ranked in blocks:

    * rows of earlier blocks in a strictly lower ``f2`` bin (``num_bins`` equal-count bins):
      the fronts are nested, so the number of fronts that hold such a row with ``f3 <= q.f3``
      is found by a binary search over fronts, each probe a prefix minimum of ``f3`` over the
      bins, kept per front in a Fenwick tree (a ``(max_fronts, num_bins + 1)`` array);
    * rows of earlier blocks in ``q``'s own bin: compared directly (``n / num_bins`` each);
    * rows of the same block: a sequential pass over the block's dominance matrix.

    ``O(n log n + n (log(fronts) log(bins) + n / bins + block))`` time, ``O(n + max_fronts *
    num_bins)`` memory (bins and fronts default to sizes that keep the tree near 2^23 cells).
    If the data have more than ``max_fronts`` fronts, the result comes from
    :func:`pareto_rank_filter` instead (same ranks). NaN rows rank last.
    """
    n, m = x.shape
    assert m == 3, "pareto_rank_sweep3 needs m == 3"
    cfg = _rank3_config(n, block_size, num_bins, max_fronts)
    B, G, S, K = cfg["block"], cfg["bins"], cfg["bin_size"], cfg["max_fronts"]
    zero = jnp.zeros((), x.dtype)
    perm, s_bad = _lex_order(x)
    # Integer images of the values (order-preserving, -0.0 == 0.0): their maximum is above
    # every real value's key, so it marks "empty" even next to +inf.
    k1, s2, s3 = (sort_key(jnp.where(s_bad == 0, x[perm, j], zero)) for j in range(3))
    it = k1.dtype
    inf = jnp.asarray(jnp.iinfo(it).max, it)
    is_new, _ = _runs(s_bad, k1, s2, s3)
    lead = is_new & (s_bad == 0)
    run = _prefix_count(lead) - 1  # leader index of every sorted row (valid rows)
    num = jnp.sum(lead, dtype=_I32)
    nb = -(-n // B)
    size = nb * B
    dest = jnp.where(lead, run, size)
    f2 = jnp.full((size,), inf).at[dest].set(s2, mode="drop")
    f3 = jnp.full((size,), inf).at[dest].set(s3, mode="drop")
    # equal-count bins of f2 over the leaders; members listed by bin
    lane = lax.iota(_I32, size)
    if it == jnp.int32:
        by2 = _radix_order(f2)
    else:
        _, by2 = lax.sort((f2, lane), num_keys=1, is_stable=True)
    pos2 = jnp.zeros((size,), _I32).at[by2].set(lax.iota(_I32, size), unique_indices=True)
    gbin = jnp.minimum(pos2 // S, G - 1)
    msize = G * S
    mem = jnp.concatenate([by2, jnp.full((max(0, msize - size),), size, _I32)])[:msize]
    mem = jnp.where(lax.iota(_I32, msize) < num, mem, size)  # only leaders are members
    big = int(jnp.iinfo(it).max)
    mem_f2 = f2.at[mem].get(mode="fill", fill_value=big)
    mem_f3 = f3.at[mem].get(mode="fill", fill_value=big)
    logg = max(1, G.bit_length())
    lane_b = lax.iota(_I32, B)
    lane_s = lax.iota(_I32, S)
    # Fenwick cells per row: reads for the bins strictly below its own (column 0 stays +inf,
    # so an exhausted walk reads it), writes for its own bin and the nodes above it.
    walk = [gbin]
    for _ in range(logg):
        walk.append(walk[-1] - (walk[-1] & -walk[-1]))
    fen_q = jnp.stack(walk, axis=1)
    walk = [gbin + 1]
    for _ in range(logg):
        walk.append(walk[-1] + (walk[-1] & -walk[-1]))
    fen_u = jnp.stack(walk, axis=1)
    fen_u = jnp.where(fen_u <= G, fen_u, -1)

    def block(state):
        j, ranks, tree, kcur, over = state
        start = j * B
        q2 = lax.dynamic_slice(f2, (start,), (B,))
        q3 = lax.dynamic_slice(f3, (start,), (B,))
        qg = lax.dynamic_slice(gbin, (start,), (B,))
        act = start + lane_b < num
        # (1) earlier blocks, strictly lower bins: binary search over fronts
        fq = lax.dynamic_slice_in_dim(fen_q, start, B)  # (B, L) Fenwick cells to read

        def probe(_, bounds):
            lo, hi = bounds
            mid = jnp.minimum((lo + hi) // 2, K - 1)
            vals = tree[mid[:, None] * (G + 1) + fq]
            hit = (jnp.min(vals, axis=1) <= q3) & (lo < hi)
            return jnp.where(hit, mid + 1, lo), jnp.where(hit | (lo >= hi), hi, mid)

        steps = 32 - lax.clz(kcur)  # bit_length(kcur) probes pick one of kcur + 1 answers
        bounds = (jnp.zeros((B,), _I32), jnp.broadcast_to(kcur, (B,)))
        e2, _ = lax.fori_loop(0, steps, probe, bounds)
        # (2) earlier blocks, same bin
        mids = qg[:, None] * S + lane_s[None, :]
        m2, m3, mi = mem_f2[mids], mem_f3[mids], mem[mids]
        earlier = mi < start
        dom = earlier & (m2 <= q2[:, None]) & (m3 <= q3[:, None])
        mr = ranks.at[mi].get(mode="fill", fill_value=0)
        e1 = jnp.max(jnp.where(dom, mr + 1, 0), axis=1)
        r = jnp.where(act, jnp.maximum(e1, e2), 0)
        # (3) the block itself: relax r_i = max(r_i, r_j + 1 over the block's rows j that
        # dominate row i) until nothing changes; each sweep fixes one more link of the
        # longest in-block chain, which is short (a few links) unless the block is one chain.
        dom_b = (lane_b[None, :] < lane_b[:, None]) & (q2[None, :] <= q2[:, None])
        dom_b = dom_b & (q3[None, :] <= q3[:, None]) & act[None, :]  # [i, j]: j dominates i

        def relax(state):
            r, _ = state
            new = jnp.maximum(r, jnp.max(jnp.where(dom_b, r[None, :] + 1, 0), axis=1))
            return new, jnp.any(new != r)

        r, _ = lax.while_loop(lambda st: st[1], relax, (r, jnp.array(True)))
        over = over | jnp.any(act & (r >= K))
        ranks = lax.dynamic_update_slice(ranks, r, (start,))
        # Fenwick updates: prefix minima of f3 per front, positions qg + 1, ...
        row = jnp.where(act, jnp.minimum(r, K - 1), K)
        fu = lax.dynamic_slice_in_dim(fen_u, start, B)  # (B, L), -1 = none
        cell = jnp.where((fu >= 0) & act[:, None], row[:, None] * (G + 1) + fu, K * (G + 1))
        vals = jnp.broadcast_to(q3[:, None], fu.shape)
        tree = tree.at[cell].min(vals, mode="drop")  # one scatter for the whole block
        kcur = jnp.maximum(kcur, jnp.max(jnp.where(act, r + 1, 0)))
        return j + 1, ranks, tree, kcur, over

    def cond(state):
        j, _, _, _, over = state
        return (j * B < num) & ~over

    tree0 = jnp.full((K * (G + 1),), inf)
    init = (jnp.int32(0), jnp.zeros((size,), _I32), tree0, jnp.int32(0), jnp.array(False))
    _, ranks, _, kcur, over = lax.while_loop(cond, block, init)
    out_sorted = jnp.where(s_bad == 0, ranks[jnp.minimum(run, size - 1)], kcur)
    out = jnp.zeros((n,), _I32).at[perm].set(out_sorted, unique_indices=True)
    return lax.cond(over, lambda x: pareto_rank_filter(x), lambda x: out, x)


# --------------------------------------------------------------------------------------------
# duplicate rows: ranks of the distinct rows only
#
# Monte Carlo outcomes are often rounded or discrete, so many rows repeat (the benchmark's
# "mc" data: 15% distinct rows at n = 1e5, m = 3). Identical rows share a rank, so ranking the
# distinct rows and broadcasting is exact. Grouping sorts a row hash with single-array
# integer sorts (XLA's CPU sort of one int32 array is ~5x faster than a sort carrying an
# index), LSD-radix style, so rows with equal hashes end up adjacent in input order.
# --------------------------------------------------------------------------------------------
def _row_hash(x):
    """``(n,)`` non-negative ``int32`` hash of each row's bits (``-0.0`` hashes as ``0.0``)."""
    n = x.shape[0]
    words = lax.bitcast_convert_type(_canon_zero(x), jnp.uint32).reshape(n, -1)
    h = jnp.full((n,), 0x811C9DC5, jnp.uint32)
    for j in range(words.shape[1]):
        h = (h ^ words[:, j]) * jnp.uint32(0x01000193)
        h = h ^ (h >> 15)
    h = (h ^ (h >> 13)) * jnp.uint32(0x5BD1E995)
    h = h ^ (h >> 16)
    return (h >> 1).astype(_I32)


def _sample_duplicates(h, size: int = 2048):
    """Number of equal adjacent hashes in a spread sample of ``size`` rows (0 when the sample
    has no repeated row). A cheap test of whether deduplication pays."""
    n = h.shape[0]
    s = min(n, size)
    # i * P mod n with a prime P > n: distinct rows, spread over the input (computed at trace
    # time in exact integers)
    ids = np.asarray([(i * 2654435761) % n for i in range(s)], np.int32)
    hs = jnp.sort(h[ids])
    return jnp.sum(hs[1:] == hs[:-1], dtype=_I32)


def dedup_rows(x, h=None):
    """Group identical rows.

    Returns ``(slot, rows, count)``: the distinct NaN-free rows in input order (of their
    first copy), padded with NaN rows to ``(n, m)``, their number, and for each input row its
    distinct row's index (``n`` for a NaN row). ``h``: the rows' :func:`_row_hash`, if
    known. Rows whose hashes collide with another row's may stay apart, which only leaves
    copies ungrouped (still exact for ranks).
    """
    n = x.shape[0]
    valid = _valid(x)
    h = _row_hash(x) if h is None else h
    w = 31 - max(1, (n - 1).bit_length())  # digit width of one radix pass
    order = _radix_order(h, bits=min(31, (2 if n <= (1 << 17) else 3) * w))
    xs = x[order]
    same = jnp.all(xs[1:] == xs[:-1], axis=1)  # NaN rows are never equal to anything
    is_new = jnp.concatenate([jnp.ones((1,), bool), ~same])
    run = _prefix_count(is_new) - 1
    first = jnp.zeros((n,), _I32).at[jnp.where(is_new, run, n)].set(order, mode="drop")
    leader = jnp.zeros((n,), _I32).at[order].set(first[run], unique_indices=True)
    lane = lax.iota(_I32, n)
    is_leader = valid & (leader == lane)
    pos = _prefix_count(is_leader) - 1
    rows = jnp.full_like(x, jnp.nan).at[jnp.where(is_leader, pos, n)].set(x, mode="drop")
    slot = jnp.where(valid, pos[leader], n)
    return slot, rows, jnp.sum(is_leader, dtype=_I32)


@partial(jax.jit, static_argnames=("inner", "min_duplicates"))
def pareto_rank_dedup(x, *, inner, min_duplicates: int = 4):
    """Pareto ranks through :func:`dedup_rows` when a sample shows repeated rows.

    ``inner`` is a rank kernel (e.g. :func:`pareto_rank_filter`). If a spread sample of 2048
    rows holds at least ``min_duplicates`` repeated hashes, the distinct rows are ranked,
    on ``n // 8`` rows when they fit, and the ranks broadcast to every copy; otherwise
    ``inner`` runs on ``x`` directly. Same result as ``inner(x)``; the sample and the grouping
    cost ``O(n)`` plus two or three ``int32`` sorts.
    """
    n = x.shape[0]
    small = max(16, -(-n // 128) * 16)

    def direct(x):
        return inner(x)

    h = _row_hash(x)

    def grouped(x):
        slot, rows, count = dedup_rows(x, h)

        def on_small(r):
            return jnp.concatenate([inner(r[:small]), jnp.zeros((n - small,), _I32)])

        ranks = lax.cond(count <= small, on_small, inner, rows)
        ranks = jnp.where(lax.iota(_I32, n) < count, ranks, -1)
        num_fronts = jnp.max(ranks) + 1
        out = ranks.at[slot].get(mode="fill", fill_value=0)
        return jnp.where(slot < n, out, num_fronts).astype(_I32)

    if n < 2 * small:
        return inner(x)
    return lax.cond(_sample_duplicates(h) >= min_duplicates, grouped, direct, x)


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
