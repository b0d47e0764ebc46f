"""Pareto ranks as dominance depth over Z-order blocks: rows sorted along a Morton curve (a
linear extension of dominance that keeps nearby rows together), ranked block after block
against the earlier blocks whose bounding boxes can hold a dominator.

Shared semantics are in :mod:`frontier.kernels`.
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
    finish_ranks,
    radix_order,
    resort_runs,
    sort_key,
    valid_rows,
)

__all__ = [
    "ZLayout",
    "max_pair_fraction",
    "pareto_rank_pruned",
    "pareto_rank_zorder",
    "sampled_pairs",
    "zorder_layout",
    "zorder_pairs",
]

#: Pivot rows compared with the target block per unrolled group: XLA on CPU keeps a
#: ``(32, block)`` comparison and its masked maximum in registers; the whole ``(128, 128)``
#: tile at once took about 15x the time per pair, groups of 8 or 64 5-20x, 16 1.2-1.8x
#: (5-D, one process).
_GROUP = 32


class ZLayout(NamedTuple):
    """The rows of ``x`` in Z-order, in blocks.

    Attributes
    ----------
    perm
        ``(n,)`` input index of each sorted row (NaN rows last).
    cols
        ``(m, size)`` the sorted rows as columns (``size`` a multiple of the block; padding
        and NaN rows are NaN). Subnormal values are flushed to zero, ``-0.0`` is ``0.0``.
    lo, hi
        ``(num_blocks, m)`` bounding box of the NaN-free rows of each pivot block (an empty
        block has ``lo = +inf``, ``hi = -inf``).
    count
        Number of NaN-free rows (they come first).
    """

    perm: jax.Array
    cols: jax.Array
    lo: jax.Array
    hi: jax.Array
    count: jax.Array


def _flush(x):
    """Subnormals and ``-0.0`` as ``0.0``: the comparisons and the order then agree on every
    backend (XLA's CPU compares subnormals as zero)."""
    return jnp.where(jnp.abs(x) < jnp.finfo(x.dtype).tiny, jnp.zeros((), x.dtype), x)


def _grid(v, lo, hi, levels: int):
    """Monotone map of ``v`` onto ``0..levels-1`` (equal-width cells on the finite range
    ``[lo, hi]``; ``+-inf`` go to the end cells)."""
    dt = jnp.promote_types(v.dtype, jnp.float32)
    v, lo, hi = v.astype(dt), lo.astype(dt), hi.astype(dt)
    width = hi - lo
    ok = jnp.isfinite(width) & (width > 0)
    scale = jnp.where(ok, levels / jnp.where(ok, width, 1), 0)
    t = (v - jnp.where(jnp.isfinite(lo), lo, 0)) * scale
    t = jnp.where(jnp.isnan(t), 0, t)  # inf * 0 (no finite range)
    # clip as integers: levels - 1 may not be a float32 (2**30 - 1 rounds up)
    return jnp.minimum(jnp.clip(jnp.floor(t), 0, levels).astype(I32), levels - 1)


def morton_keys(x, valid):
    """Two ``int32`` keys ``(hi, lo)`` of each row's 60-bit Morton code: ``60 // m`` bits (at
    most 30) of an equal-width grid per objective (the first 60 objectives), interleaved
    from the most significant level, the first 30 bits in ``hi``; NaN rows get
    ``hi = 2**30``, above all.

    Monotone: a row no larger than another in every objective has a code no larger (the
    grid is monotone, and at the first interleaved bit where two such codes differ the
    smaller row has the 0), so sorting by ``(hi, lo)`` orders dominators first up to ties.
    """
    n, m = x.shape
    md = min(m, 60)
    bits = min(30, 60 // md)  # int32 cells
    fin = jnp.isfinite(x) & valid[:, None]
    lo = jnp.min(jnp.where(fin, x, jnp.inf), axis=0)
    hi = jnp.max(jnp.where(fin, x, -jnp.inf), axis=0)
    cells = [_grid(x[:, j], lo[j], hi[j], 1 << bits) for j in range(md)]
    seq = [(j, level) for level in range(bits - 1, -1, -1) for j in range(md)]
    keys = []
    for part in (seq[:30], seq[30:]):
        code = jnp.zeros((n,), I32)
        for j, level in part:
            code = (code << 1) | ((cells[j] >> level) & 1)
        keys.append(code)
    return jnp.where(valid, keys[0], jnp.int32(1 << 30)), jnp.where(valid, keys[1], 0)


def _mixed_ties(s_hi, s_lo, rows_equal):
    """``(n,)`` bool: the sorted positions whose run of equal ``(hi, lo)`` holds rows that
    are not all identical (``rows_equal[i]``: sorted rows ``i`` and ``i + 1`` are
    identical)."""
    n = s_hi.shape[0]
    same = (s_hi[1:] == s_hi[:-1]) & (s_lo[1:] == s_lo[:-1]) & (s_hi[1:] != (1 << 30))
    gid = jnp.concatenate([jnp.zeros((1,), I32), jnp.cumsum((~same).astype(I32))])
    differs = same & ~rows_equal
    mixed = jnp.zeros((n,), bool).at[gid[1:]].max(differs)
    return mixed[gid]


def zorder_layout(x, block: int, pivot_block: int, exact: bool = True) -> ZLayout:
    """Sort the rows by (60-bit Morton code, then lexicographically), pad them to whole
    target blocks of ``block`` rows, with the bounding boxes of the pivot blocks of
    ``pivot_block`` rows.

    The order is a linear extension of dominance: a row that dominates another has a code
    no larger, and on equal codes it comes first lexicographically (identical rows dominate
    neither way). The code is sorted by an LSD radix sort of single arrays
    (:func:`~frontier.kernels._primitives.radix_order`); the runs of equal codes that hold
    different rows (few: each is one cell of a grid of ``2**(60 // m)`` cells per objective)
    are re-sorted lexicographically in one small multi-key sort of at most
    :func:`~frontier.kernels._primitives.slot_size` rows, past that everything is sorted by
    one multi-key sort. ``exact=False`` skips that re-sort (for estimates: the order is then
    a linear extension only up to rows of equal code).
    """
    n, m = x.shape
    valid = valid_rows(x)
    xf = _flush(x)
    c_hi, c_lo = morton_keys(xf, valid)
    zero = jnp.zeros((), x.dtype)
    keys = [sort_key(jnp.where(valid, xf[:, j], zero)) for j in range(m)]
    lane = lax.iota(I32, n)

    def full(_=None):  # one multi-key sort by the code, then every column
        return lax.sort((c_hi, c_lo, *keys, lane), num_keys=m + 2, is_stable=True)[-1]

    if exact and (keys[0].dtype != jnp.int32 or n < 32):
        perm = full()
    else:
        perm = radix_order(c_hi, radix_order(c_lo, bits=30), bits=31)
        if exact:  # re-sort the runs of equal code that hold different rows
            s_hi, s_lo = c_hi[perm], c_lo[perm]
            sk = [k[perm] for k in keys]
            eq = jnp.ones((n - 1,), bool)
            for k in sk:
                eq = eq & (k[1:] == k[:-1])
            tied = _mixed_ties(s_hi, s_lo, eq)
            perm = resort_runs(perm, tied, [c_hi, c_lo, *keys], full)
    size = -(-n // block) * block
    nb = size // pivot_block
    cols = jnp.full((m, size), jnp.nan, x.dtype).at[:, :n].set(xf[perm].T)
    ok = ~jnp.any(jnp.isnan(cols), axis=0).reshape(nb, pivot_block)
    blk = cols.reshape(m, nb, pivot_block)
    lo = jnp.min(jnp.where(ok[None], blk, jnp.inf), axis=2).T
    hi = jnp.max(jnp.where(ok[None], blk, -jnp.inf), axis=2).T
    return ZLayout(perm, cols, lo, hi, jnp.sum(valid, dtype=I32))


def _candidates(lay: ZLayout, j, block: int, pivot_block: int):
    """``(num_pivot_blocks,)`` bool: the pivot blocks wholly before target block ``j``
    whose box can hold a dominator of a row of the target block (``lo <= hi`` of the
    target's box in every objective)."""
    r = block // pivot_block
    nbp = lay.lo.shape[0]
    thi = jnp.max(lax.dynamic_slice_in_dim(lay.hi, j * r, r), axis=0)
    return (lax.iota(I32, nbp) < j * r) & jnp.all(lay.lo <= thi[None, :], axis=1)


def zorder_pairs(
    x, *, block: int = 128, pivot_block: int = 128, stride: int = 8, exact: bool = True
):
    """Estimated row pairs :func:`pareto_rank_zorder` compares, as a fraction of
    ``c (c - 1) / 2`` for the ``c`` NaN-free rows: the candidate pivot blocks of every
    ``stride``-th target block. ``(layout, fraction)``; the layout is the one
    :func:`pareto_rank_zorder` builds (``exact=False``: without the re-sort of rows of equal
    code, see :func:`zorder_layout`)."""
    lay = zorder_layout(x, block, pivot_block, exact)
    n = x.shape[0]
    nbt = -(-n // block)
    js = jnp.arange(0, nbt, stride, dtype=I32)
    cnt = jax.vmap(lambda j: jnp.sum(_candidates(lay, j, block, pivot_block), dtype=I32))(js)
    pairs = jnp.sum(cnt.astype(jnp.float32)) * stride * block * pivot_block
    c = lay.count.astype(jnp.float32)
    return lay, pairs / jnp.maximum(1.0, c * (c - 1) / 2)


def sampled_pairs(x, *, block: int = 128, pivot_block: int = 128, sample: int = 8):
    """:func:`zorder_pairs` of every ``sample``-th row with blocks ``sample`` times smaller:
    the same estimate at about ``1 / sample`` of the cost.

    A block of ``block / sample`` sampled rows covers about the region of a block of
    ``block`` rows. On the 4-D and 5-D benchmark data (curves with noise 0.02-0.2, uniform)
    at 1e5 rows it read 0.91-1.0x the exact fraction of the full layout, at 1e4 rows
    0.84-0.98x (every 8th target block of the full layout: 0.75-1.0x there). At most 256
    target blocks are sampled; the rows of equal Morton code are not re-sorted (it changes
    the estimate little and halves the compile time).
    """
    p = max(1, pivot_block // sample)
    b = p * (block // pivot_block)
    xs = x[::sample]
    nbt = -(-xs.shape[0] // b)
    stride = max(1, -(-nbt // 256))
    return zorder_pairs(xs, block=b, pivot_block=p, stride=stride, exact=False)[1]


def _dominates(pc, tc):
    """``(g, b)`` bool: pivot ``pc[:, a]`` dominates target ``tc[:, c]`` (columns)."""
    le = lt = None
    for j in range(pc.shape[0]):
        p, t = pc[j][:, None], tc[j][None, :]
        le = (p <= t) if le is None else le & (p <= t)
        lt = (p < t) if lt is None else lt | (p < t)
    return le & lt


def _deepest(pc, pr, tc):
    """``(b,)``: the largest ``pr[a] + 1`` over the pivots that dominate each target, else 0
    (groups of :data:`_GROUP` pivots, unrolled)."""
    best = None
    for s in range(0, pc.shape[1], _GROUP):
        d = _dominates(pc[:, s:s + _GROUP], tc)
        v = jnp.max(jnp.where(d, pr[s:s + _GROUP, None] + 1, 0), axis=0)
        best = v if best is None else jnp.maximum(best, v)
    return best


def ranks_from_layout(lay: ZLayout, block: int, pivot_block: int):
    """Ranks of the rows of a :class:`ZLayout` (sorted order, ``(size,)``) and the number of
    fronts."""
    size = lay.cols.shape[1]
    nbp = size // pivot_block
    lane = lax.iota(I32, nbp)

    def target(state):
        j, ranks = state
        tc = lax.dynamic_slice_in_dim(lay.cols, j * block, block, axis=1)
        cand = _candidates(lay, j, block, pivot_block)
        cnt = jnp.sum(cand, dtype=I32)
        pos = jnp.cumsum(cand.astype(I32)) - 1
        todo = jnp.zeros((nbp,), I32).at[jnp.where(cand, pos, nbp)].set(lane, mode="drop")

        def pivots(st):
            t, r = st
            i = todo[t] * pivot_block
            pc = lax.dynamic_slice_in_dim(lay.cols, i, pivot_block, axis=1)
            pr = lax.dynamic_slice_in_dim(ranks, i, pivot_block)
            return t + 1, jnp.maximum(r, _deepest(pc, pr, tc))

        _, r = lax.while_loop(lambda st: st[0] < cnt, pivots,
                              (jnp.int32(0), jnp.zeros((block,), I32)))

        # dominators inside the block: relax until nothing changes (one more link of the
        # longest in-block chain per sweep)
        def relax(st):
            r, _ = st
            new = jnp.maximum(r, _deepest(tc, r, tc))
            return new, jnp.any(new != r)

        r, _ = lax.while_loop(lambda st: st[1], relax, (r, jnp.array(True)))
        return j + 1, lax.dynamic_update_slice_in_dim(ranks, r, j * block, axis=0)

    nbt = (lay.count + block - 1) // block
    _, ranks = lax.while_loop(lambda s: s[0] < nbt, target,
                              (jnp.int32(0), jnp.zeros((size,), I32)))
    live = lax.iota(I32, size) < lay.count
    return ranks, jnp.max(jnp.where(live, ranks + 1, 0))


def finish_layout(lay: ZLayout, ranks, num_fronts, valid):
    """Ranks in input order (NaN rows get ``num_fronts``)."""
    n = lay.perm.shape[0]
    out = jnp.zeros((n,), I32).at[lay.perm].set(ranks[:n], unique_indices=True)
    return finish_ranks(out, valid, num_fronts)


@partial(jax.jit, static_argnames=("block", "pivot_block"))
def pareto_rank_zorder(x, *, block: int = 128, pivot_block: int = 128):
    """Pareto ranks as dominance depth, ``rank(q) = 1 + max rank of the rows that dominate
    q``, over rows in Z-order.

    Rows are sorted by the Morton code of an equal-width grid (``60 // m`` bits per
    objective), then lexicographically: a linear extension of dominance in which nearby
    rows stay together. Target blocks of ``block`` rows are ranked in order: each is
    compared with the earlier pivot blocks (``pivot_block`` rows) whose bounding box can
    hold a dominator of a row of the target block (a pivot block's minimum no larger than
    the target block's maximum in every objective), then its own dominance chains are
    relaxed. On data near a low-dimensional curve (noisy trade-offs) most block pairs are
    pruned: on 1e5 5-D ``mc`` rows about 9% of all pairs are compared, against 34%
    for i.i.d. uniform rows. ``O(n log n + pairs * m)`` time, ``O(n)`` memory; the worst case
    (no pruning) is ``O(n^2 m)``. ``block`` must be a multiple of ``pivot_block``.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> x = jnp.array([[1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 5.0], [0.0, 9.0, 9.0, 9.0]])
    >>> pareto_rank_zorder(x).tolist()
    [0, 1, 0]
    """
    if block % pivot_block:
        raise ValueError(f"block ({block}) must be a multiple of pivot_block ({pivot_block})")
    lay = zorder_layout(x, block, pivot_block)
    ranks, nf = ranks_from_layout(lay, block, pivot_block)
    return finish_layout(lay, ranks, nf, valid_rows(x))


def max_pair_fraction(n: int) -> float:
    """Largest estimated pair fraction (:func:`sampled_pairs`) at which
    :func:`pareto_rank_pruned` ranks ``n`` rows by Z-order blocks: 0.4 up to 1e4 rows, 0.15
    from 1e5 on, linear in ``log n`` between.

    Calibrated against the sum-sorted peel on a noisy 5-D curve (noise 0.02-0.5, one
    process, this CPU; the fraction read by :func:`zorder_pairs`, 0.8-1.15x the sampled
    estimate there): the two took the same time at a fraction of about 0.42 at 1e4 rows
    (Z-order at most 1.05x the peel's time at any fraction there), 0.37 at 3e4, 0.17 at 1e5
    (0.23 for 4-D) and 0.15 at 3e5; Z-order took 0.3-0.5x the peel's time at fractions below
    0.1.

    Examples
    --------
    >>> [round(max_pair_fraction(n), 3) for n in (1000, 31623, 10**6)]
    [0.4, 0.275, 0.15]
    """
    t = min(1.0, max(0.0, math.log10(1e5 / max(n, 1))))
    return 0.15 + 0.25 * t


@partial(jax.jit, static_argnames=("fallback", "max_fraction", "block", "pivot_block"))
def pareto_rank_pruned(
    x, *, fallback, max_fraction: float | None = None, block: int = 128, pivot_block: int = 128
):
    """Pareto ranks by :func:`pareto_rank_zorder` when its bounding boxes prune the pairs,
    else by ``fallback``.

    If :func:`sampled_pairs` (the Z-order blocks of every 8th row) estimates that at most
    ``max_fraction`` of all row pairs would be compared (default
    :func:`max_pair_fraction` of ``n``; data near a low-dimensional curve, noisy
    trade-offs), the ranks come from the Z-order layout, else from ``fallback(x)``
    (e.g. :func:`frontier.kernels.sweep.pareto_rank_sweep`, whose cost depends little on
    the data). Same result either way; the test costs about an eighth of the layout.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from frontier.kernels.dense import pareto_rank_dense
    >>> x = jnp.array([[1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 5.0], [0.0, 9.0, 9.0, 9.0]])
    >>> pareto_rank_pruned(x, fallback=pareto_rank_dense).tolist()
    [0, 1, 0]
    """
    if block % pivot_block:
        raise ValueError(f"block ({block}) must be a multiple of pivot_block ({pivot_block})")
    if max_fraction is None:
        max_fraction = max_pair_fraction(x.shape[0])
    frac = sampled_pairs(x, block=block, pivot_block=pivot_block)

    def pruned(x):
        lay = zorder_layout(x, block, pivot_block)
        ranks, nf = ranks_from_layout(lay, block, pivot_block)
        return finish_layout(lay, ranks, nf, valid_rows(x))

    return lax.cond(frac <= max_fraction, pruned, fallback, x)
