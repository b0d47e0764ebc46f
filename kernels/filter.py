"""The ``"filter"`` method: cheap ``O(n)`` elimination rounds, then an exact pivot sweep over the
survivors; for masks and, by peeling fronts, for ranks.

Every tuning argument lives in one :class:`FilterConfig`. The exact pass
(:func:`exact_pass`) and the peeling loop (:func:`peel_sorted`) also serve the ``m >= 3``
paths of :mod:`frontier.kernels.sweep`, with the rounds switched off.

Implementation notes (XLA on CPU): small intermediates (pivots, grid minima) are computed
outside the loops over row blocks, because XLA otherwise fuses them into the ``O(n)`` passes
and recomputes them for every row.

Notation: ``removes(p, q)`` is true when row ``p`` eliminates row ``q`` from the
non-dominated set (:func:`frontier.kernels._primitives.removes`).
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax

from ._primitives import (
    I32,
    append_live,
    argmin_first,
    finish_ranks,
    first_true_of,
    pad_nan_rows,
    removes,
    removes_cols,
    slot_size,
    strided_rows,
    take_rows,
    true_groups,
    valid_rows,
)

__all__ = [
    "FilterConfig",
    "exact_pass",
    "nondominated_filter",
    "nondominated_pivot",
    "pareto_rank_filter",
    "peel_sorted",
]


class FilterConfig(NamedTuple):
    """Tuning of the ``"filter"`` kernels (static: a new value compiles a new kernel).

    Attributes
    ----------
    sample_size
        Live rows in the strided sample that pivots come from.
    num_pivots
        Pivots per round: rows spread over the front of the sample.
    grid_size
        Bins per binned objective of the grid test (``m`` in {2, 3}): ``-1`` picks 1024 for
        ``m == 2`` and 64 (64 x 64 cells) for ``m == 3``; ``0`` disables the grid.
    max_rounds
        Elimination rounds at most (``0``: straight to the exact pass).
    round_block
        Rows per block of a round; ``0`` picks 16384 below 2^19 rows, else 65536 (larger
        blocks pay from about 5e5 rows).
    block_size
        Live rows per block of the exact pass.
    pivot_block
        Live rows taken as pivots per step of the exact pass.
    """

    sample_size: int = 1024
    num_pivots: int = 32
    grid_size: int = -1
    max_rounds: int = 4
    round_block: int = 0
    block_size: int = 1024
    pivot_block: int = 128

    def resolve(self, n: int, m: int) -> FilterConfig:
        """The configuration with its automatic values (``-1`` and ``0``) fixed for ``(n, m)``."""
        grid_size = self.grid_size
        if m not in (2, 3):
            grid_size = 0
        elif grid_size < 0:
            grid_size = 1024 if m == 2 else 64
        round_block = self.round_block
        if round_block <= 0:
            round_block = 16384 if n < (1 << 19) else 65536
        return self._replace(grid_size=grid_size, round_block=round_block)

    @property
    def pad(self) -> int:
        """Slack entries after the ``n`` of an order buffer (a block never reads past it)."""
        return max(self.round_block, self.block_size, self.pivot_block)

    def grid_sample(self, m: int) -> int:
        """Rows sampled for the grid's cell minima: about 16 per cell."""
        return 16 * self.grid_size ** (m - 1) if self.grid_size else 0


def _removed_by(p, pi, t, ti, keep_weakly, sub: int = 64):
    """``(b,)``: some row of ``p`` removes the row of ``t``. Pivots are reduced in groups of
    ``sub`` inside a loop: XLA on CPU splits long boolean reductions into a materialised
    tree (``reduce-window``), which is several times slower per pair. The rows are compared
    as columns (one transpose of ``t`` before the loop): with groups of 64 pivots the 5-D
    ranks at 1e5 rows took 0.78-0.87x and the 5-D masks 0.88-0.96x the time of rows in
    groups of 32 (columns with 32, or rows with 64, changed nothing)."""
    k = p.shape[0]
    tc = t.T
    if k <= sub or k % sub:
        return jnp.any(removes_cols(p, pi, tc, ti, keep_weakly), axis=0)

    def body(i, dead):
        ps = lax.dynamic_slice_in_dim(p, i * sub, sub)
        ps_i = lax.dynamic_slice_in_dim(pi, i * sub, sub)
        return dead | jnp.any(removes_cols(ps, ps_i, tc, ti, keep_weakly), axis=0)

    return lax.fori_loop(0, k // sub, body, jnp.zeros((t.shape[0],), bool))


def _bins(v, lo, hi, num: int):
    """Monotone non-decreasing map of ``v`` to ``0..num-1`` (equal-width bins on [lo, hi])."""
    dt = jnp.float32 if jnp.finfo(v.dtype).bits < 32 else v.dtype
    v, lo, hi = v.astype(dt), lo.astype(dt), hi.astype(dt)
    width = hi - lo
    ok = jnp.isfinite(width) & (width > 0)
    scale = jnp.where(ok, num / jnp.where(ok, width, 1), 1)
    t = (v - lo) * scale
    t = jnp.where(jnp.isnan(t), 0, t)  # (lo - lo) * inf; keeps the map monotone
    return jnp.clip(jnp.floor(t), 0, num - 1).astype(I32)


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
    ids, xs = strided_rows(x, order, count, sample_size)
    s = ids.shape[0]
    vs = valid_rows(xs)
    front = vs & ~jnp.any(removes(xs, ids, xs, ids, True), axis=0)
    rank = jnp.cumsum(front.astype(I32)) - 1
    slots = (
        jnp.full((s,), s, I32)
        .at[jnp.where(front, rank, s)]
        .set(lax.iota(I32, s), mode="drop", unique_indices=True)
    )
    k = num_pivots
    want = (lax.iota(I32, k) * jnp.maximum(rank[-1] + 1, 1)) // k
    piv = take_rows(xs, slots[want])  # slot s (no front at all) gives NaN pivots
    fin = jnp.isfinite(xs) & vs[:, None]
    lo = jnp.min(jnp.where(fin, xs, jnp.inf), axis=0)
    hi = jnp.max(jnp.where(fin, xs, -jnp.inf), axis=0)
    return piv, lo, hi


def _round(x, order, count, cfg: FilterConfig, contiguous: bool = False):
    """One elimination round over the live rows ``order[:count]``.

    Pivots and the grid are built from a sample of the live rows, so each round eliminates
    more than the one before. Survivors are compacted in place (writes never overtake reads).
    ``O(count)`` work in blocks of ``round_block`` rows. ``contiguous=True`` promises that
    ``order[:count]`` is ``0..count-1`` (the first round): blocks are then slices of ``x``
    rather than gathers.
    """
    n, m = x.shape
    b = min(cfg.round_block, n)
    g = cfg.grid_size
    lane = lax.iota(I32, b)
    piv, lo, hi = _choose_pivots(x, order, count, cfg.sample_size, cfg.num_pivots)
    nblk = (count + b - 1) // b
    xs = pad_nan_rows(x, -(-n // b) * b - n) if contiguous else x

    def rows(j, buf):
        if contiguous:
            ids = jnp.where(j * b + lane < n, j * b + lane, n)
            y = lax.dynamic_slice_in_dim(xs, j * b, b)
        else:
            ids = lax.dynamic_slice(buf, (j * b,), (b,))
            y = take_rows(x, ids)
        return ids, y, (j * b + lane < count) & valid_rows(y)

    if g:
        # cell minima from a strided sample of the live rows (any real rows make a sound
        # test): a scatter over every row cost more than the rest of the round on CPU
        _, y = strided_rows(x, order, count, cfg.grid_sample(m))
        cell, last = _grid_cells(y, valid_rows(y), lo, hi, g)
        cmin = jnp.full((g ** (m - 1),), jnp.inf, x.dtype).at[cell].min(last)
        pre = _grid_prefix(cmin, m, g)

    def test_pass(j, state):
        out, kept = state
        ids, y, v = rows(j, out)  # in place: writes stay below j * b + b
        dead = _pivot_dead(y, piv, not g)
        if g:
            cell, last = _grid_cells(y, v, lo, hi, g)
            dead = dead | _grid_dead(pre, cell, last)
        return append_live(out, kept, ids, v & ~dead)

    return lax.fori_loop(0, nblk, test_pass, (order, jnp.int32(0)))


def _rounds(x, order, count, cfg: FilterConfig, contiguous: bool = False):
    """Elimination rounds while they remove at least a fifth of the live rows.

    ``contiguous=True``: ``order[:count]`` is ``0..count-1``, so the first round (always run
    when there are rows enough) reads blocks of ``x`` by slicing, outside the loop.
    """
    if contiguous and cfg.max_rounds:

        def first(args):
            order, count = args
            return _round(x, order, count, cfg, contiguous=True)

        order2, count2 = lax.cond(
            count > 2 * cfg.sample_size, first, lambda args: args, (order, count)
        )
        cfg1 = cfg._replace(max_rounds=cfg.max_rounds - 1)
        if not cfg1.max_rounds:
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
        return (r < cfg.max_rounds) & (count > 2 * cfg.sample_size) & progress

    def body(state):
        r, order, count, _ = state
        order2, count2 = _round(x, order, count, cfg)
        return r + 1, order2, count2, count

    init = (jnp.int32(0), order, count, count)
    _, order, count, _ = lax.while_loop(cond, body, init)
    return order, count


def exact_pass(x, order, count, keep_weakly, cfg: FilterConfig, key=None):
    """Exact non-dominated subset of the rows ``order[:count]`` by a blocked pivot sweep.

    The live rows are taken ``pivot_block`` at a time, in order, as pivots; each pivot block
    removes every live row it eliminates (one vectorised pass over the live rows, in blocks of
    ``block_size``) and the live rows are compacted in place. A row that survives every pivot
    block, itself included, is non-dominated: any row that eliminates it would survive or be
    eliminated by a survivor (``removes`` is transitive), and every survivor was a pivot while
    it was live. The number of live rows falls quickly, so the cost is about
    ``O(count * front * m / pivot_block + front^2 m)`` and ``O(count^2 m)`` at worst, with
    ``O(n)`` memory. ``order`` needs ``cfg.pad`` entries of slack after ``n``.

    ``key``: an ``(n,)`` monotone key (a row that removes another has a key no larger) by
    which ``order[:count]`` is sorted. A pivot block then leaves alone the live rows whose
    key is below its first pivot's, so each step starts at the block holding the first live
    row of that key (a binary search): the front is compared with the rows after each pivot
    block only, about half the pairs.

    Returns the ``(n,)`` bool mask.
    """
    n = x.shape[0]
    k, b = cfg.pivot_block, cfg.block_size
    lane_k = lax.iota(I32, k)
    lane_b = lax.iota(I32, b)

    def cond(state):
        _, count, ptr = state
        return ptr < count

    def body(state):
        order, count, ptr = state
        pi = lax.dynamic_slice(order, (ptr,), (k,))
        pi = jnp.where(ptr + lane_k < count, pi, n)
        p = take_rows(x, pi)

        def blk(j, st):
            out, kept, done = st
            pos = j * b + lane_b
            # read from the buffer being compacted: writes stay below j * b + b
            ids = lax.dynamic_slice(out, (j * b,), (b,))
            ids = jnp.where(pos < count, ids, n)
            t = take_rows(x, ids)
            live = valid_rows(t) & ~_removed_by(p, pi, t, ids, keep_weakly)
            out, kept = append_live(out, kept, ids, live)
            return out, kept, done + jnp.sum(live & (pos < ptr + k), dtype=I32)

        nblk = (count + b - 1) // b
        if key is None:
            return lax.fori_loop(0, nblk, blk, (order, jnp.int32(0), jnp.int32(0)))
        # the first live position whose key is not below the first pivot's: the rows before
        # it survive this step, so the compaction starts at its block
        k0 = key[pi[0]]

        def search(_, lohi):
            lo, hi = lohi
            mid = (lo + hi) // 2
            below = key[order[mid]] < k0
            return jnp.where(below, mid + 1, lo), jnp.where(below, hi, mid)

        first, _ = lax.fori_loop(0, max(1, n.bit_length()), search, (jnp.int32(0), ptr))
        j0 = first // b
        return lax.fori_loop(j0, nblk, blk, (order, j0 * b, j0 * b))

    order, count, _ = lax.while_loop(cond, body, (order, count, jnp.int32(0)))
    keep = jnp.where(lax.iota(I32, order.shape[0]) < count, order, n)
    return jnp.zeros((n,), bool).at[keep].set(True, mode="drop")


def _live_rows(x, pad):
    """Indices of the NaN-free rows, compacted into an ``(n + pad,)`` buffer; and their count."""
    n = x.shape[0]
    buf = jnp.full((n + pad,), n, I32)
    return append_live(buf, jnp.int32(0), lax.iota(I32, n), valid_rows(x))


@partial(jax.jit, static_argnames=("config",))
def nondominated_filter(
    x, keep_weakly=False, *, config: FilterConfig = FilterConfig()  # noqa: B008 (immutable)
):
    """Non-dominated mask: cheap elimination rounds, then block nested loops on the survivors.

    Each round eliminates rows that are provably dominated, in ``O(rows)``:

    1. *Pivots*: up to ``num_pivots`` rows of the front of a strided sample of
       ``sample_size`` live rows; a row strictly worse than a pivot in every objective goes.
    2. *Grid* (``m`` in {2, 3}): rows are put in monotone bins of ``f1`` (``m == 2``) or of
       ``(f1, f2)`` (``m == 3``); a row whose last objective is not below the minimum over all
       strictly lower cells (a prefix minimum) goes. The cell minima come from a strided
       sample of about 16 live rows per cell (a scatter over every row cost more than the
       rest of the round).

    Rounds repeat (at most ``max_rounds``, while each removes at least a fifth of the rows and
    more than ``2 * sample_size`` remain), each rebuilding pivots and grid from the survivors;
    the first reads ``x`` in slices of ``round_block`` rows, later ones gather the survivors.
    The survivors are then resolved exactly by a blocked pivot sweep (:func:`exact_pass`).
    ``config`` holds every tuning value (:class:`FilterConfig`).

    Jittable (``while_loop`` for the data-dependent trip counts), ``O(n)`` memory. Typical cost
    ``O(n)`` plus ``O(survivors * front * m)``; the worst case (all rows non-dominated) is
    ``O(n^2 m)``.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> x = jnp.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0], [1.0, 2.0]])
    >>> nondominated_filter(x).tolist(), nondominated_filter(x, True).tolist()
    ([True, True, False, False], [True, True, False, True])
    """
    n, m = x.shape
    cfg = config.resolve(n, m)
    order = jnp.concatenate([lax.iota(I32, n), jnp.full((cfg.pad,), n, I32)])
    order, count = _rounds(x, order, jnp.int32(n), cfg, contiguous=True)
    return exact_pass(x, order, count, keep_weakly, cfg)


def peel_sorted(x, rest, left, cfg: FilterConfig, key=None):
    """Ranks by peeling: the live rows ``rest[:left]`` stay compacted (in their order); each
    front is found by the elimination rounds (if ``cfg`` asks for any) and the exact pass.
    Peeling a front costs ``O(remaining + survivors * front * m)``. ``rest`` needs
    ``cfg.pad`` entries of slack after ``n``; ``key`` as in :func:`exact_pass` (without
    elimination rounds, which reorder the rows)."""
    n = x.shape[0]
    valid = valid_rows(x)
    b = min(cfg.round_block, n)
    lane = lax.iota(I32, b)

    def cond(state):
        _, _, left, _ = state
        return left > 0

    def body(state):
        rank, rest, left, k = state
        if cfg.max_rounds:
            order, count = _rounds(x, rest, left, cfg)
        else:
            order, count = rest, left
        front = exact_pass(x, order, count, True, cfg, None if cfg.max_rounds else key)
        rank = jnp.where(front, k, rank)

        def drop(j, st):
            out, kept = st
            ids = lax.dynamic_slice(out, (j * b,), (b,))
            live = (j * b + lane < left) & ~front.at[ids].get(mode="fill", fill_value=True)
            return append_live(out, kept, ids, live)

        rest, left = lax.fori_loop(0, (left + b - 1) // b, drop, (rest, jnp.int32(0)))
        return rank, rest, left, k + 1

    init = (jnp.zeros((n,), I32), rest, left, jnp.int32(0))
    rank, _, _, k = lax.while_loop(cond, body, init)
    return finish_ranks(rank, valid, k)


@partial(jax.jit, static_argnames=("config",))
def pareto_rank_filter(x, *, config: FilterConfig = FilterConfig()):  # noqa: B008 (immutable)
    """Pareto ranks by peeling fronts found with the machinery of :func:`nondominated_filter`.

    The rows not ranked yet stay compacted, so peeling a front costs
    ``O(remaining + survivors * front * m)`` rather than ``O(n)`` passes over all rows.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> pareto_rank_filter(jnp.array([[1.0, 2.0], [2.0, 3.0], [jnp.nan, 0.0]])).tolist()
    [0, 1, 2]
    """
    cfg = config.resolve(*x.shape)
    rest, left = _live_rows(x, cfg.pad)
    return peel_sorted(x, rest, left, cfg)


# --------------------------------------------------------------------------------------------
# one pivot, then the survivors only
# --------------------------------------------------------------------------------------------
def _best_pivot(x):
    """The row with the least sum of its objectives, each scaled by its finite range over a
    strided sample (a non-dominated row, or one tied with a non-dominated row in that sum):
    for uniform-like data it dominates all but about ``O(n^((m-1)/m))`` rows. Any row is a
    sound pivot; the choice only affects speed. Sums with NaN (NaN rows, ``inf - inf``) never
    win, and an all-NaN input gives a NaN pivot, which dominates nothing. Column by column:
    XLA on CPU reduces short rows (``sum(axis=1)``) several times slower."""
    n, m = x.shape
    _, xs = strided_rows(x, lax.iota(I32, n), jnp.int32(n), 1024)
    fin = jnp.isfinite(xs)
    lo = jnp.min(jnp.where(fin, xs, jnp.inf), axis=0)
    hi = jnp.max(jnp.where(fin, xs, -jnp.inf), axis=0)
    width = hi - lo
    ok = jnp.isfinite(width) & (width > 0)
    scale = jnp.where(ok, 1 / jnp.where(ok, width, 1), 1).astype(x.dtype)
    lo = jnp.where(jnp.isfinite(lo), lo, 0).astype(x.dtype)
    score = None
    for j in range(m):
        term = (x[:, j] - lo[j]) * scale[j]
        score = term if score is None else score + term
    score = jnp.where(jnp.isnan(score), jnp.asarray(jnp.inf, x.dtype), score)
    return take_rows(x, argmin_first(score)[None])[0]


def _dominated_by(piv, x):
    """``(n,)`` bool: the row ``piv`` dominates the row (column by column)."""
    le = lt = None
    for j in range(x.shape[1]):
        a, b = piv[j] <= x[:, j], piv[j] < x[:, j]
        le = a if le is None else le & a
        lt = b if lt is None else lt | b
    return le & lt


@partial(jax.jit, static_argnames=("inner", "fallback"))
def nondominated_pivot(x, keep_weakly=False, *, inner, fallback=None):
    """Non-dominated mask: drop the rows one pivot dominates, then run ``inner`` on the
    survivors only.

    The pivot (the row of least range-scaled objective sum, :func:`_best_pivot`) is found in
    one pass. If it dominates at least three quarters of a strided sample of 1024 rows, the
    rows it dominates and the rows with NaN are dropped in a second pass, and the survivors,
    compacted in input order
    (:func:`frontier.kernels._primitives.first_true_of`), are resolved by the mask kernel
    ``inner`` on the smallest buffer that holds them: ``4 sqrt(n)`` rows (when that is at most
    half of the next), ``n / 64`` or ``n / 8``.
    Otherwise (or when even those do not fit) ``fallback`` (default ``inner``) runs on all of
    ``x``. Exact: every row the pivot dominates is dominated, and a survivor dominated by a
    dropped row is also dominated by a non-dominated row, which survives (dominance is
    transitive); identical rows survive or go together, so the first copy in input order is
    the first among the survivors. ``O(n m)``
    plus ``inner`` on the survivors: for uniform-like data with ``m <= 3`` a small fraction of
    the rows.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from frontier.kernels.sweep import nondominated_sweep
    >>> x = jnp.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0], [1.0, 2.0]])
    >>> nondominated_pivot(x, inner=nondominated_sweep).tolist()
    [True, True, False, False]
    """
    n = x.shape[0]
    fallback = inner if fallback is None else fallback
    caps = sorted({min(n, slot_size(n, 64)), min(n, slot_size(n, 8))})
    root = 16 * -(-4 * math.isqrt(n) // 16)  # 2-D uniform-like data keep about 2 sqrt(n) rows
    if 2 * root <= caps[0]:
        caps.insert(0, root)
    piv = _best_pivot(x)
    _, xs = strided_rows(x, lax.iota(I32, n), jnp.int32(n), 1024)
    alive = jnp.sum(valid_rows(xs) & ~_dominated_by(piv, xs), dtype=I32)

    def full(x):
        return fallback(x, keep_weakly)

    def filtered(x):
        live = ~_dominated_by(piv, x)
        for j in range(x.shape[1]):  # drop the NaN rows (the wrappers' padding) column-wise
            live = live & ~jnp.isnan(x[:, j])
        groups = true_groups(live)
        count = groups[-1]

        def on(i):
            def run(x):
                sub = first_true_of(groups, caps[i])
                mask = inner(take_rows(x, sub), keep_weakly)
                return jnp.zeros((n,), bool).at[sub].set(mask, mode="drop")

            return run

        def pick(i, x):  # the smallest buffer that holds every survivor, else the fallback
            if i == len(caps):
                return full(x)
            return lax.cond(count <= caps[i], on(i), partial(pick, i + 1), x)

        return pick(0, x)

    return lax.cond(4 * alive <= xs.shape[0], filtered, full, x)
