"""Sort-based dominance: ``O(n log n)`` masks and ranks for ``m <= 2`` (one lexicographic sort
and a sweep), sum-sorted pivot sweeps for ``m >= 3`` masks and ``m >= 4`` ranks, and the
``m == 3`` rank sweep over per-front staircases (:func:`pareto_rank_sweep3`).

Shared semantics are in :mod:`frontier.kernels`.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
from jax import lax

from ._primitives import (
    I32,
    canon_zero,
    finish_ranks,
    lex_order,
    prefix_count,
    radix_order,
    runs,
    sort_key,
    take_through,
    valid_rows,
)
from .filter import FilterConfig, exact_pass, pareto_rank_filter, peel_sorted

__all__ = ["nondominated_sweep", "pareto_rank_sweep", "pareto_rank_sweep3"]

#: The exact pass of the filter without elimination rounds: the rows come sorted by a monotone
#: key (the sum of the objectives), so dominators are taken as pivots first. Blocks of 4096
#: rows: on the 5-D rank benchmarks at 1e5 rows they took 0.65-0.8x the time of 1024; 256
#: pivots a step took 0.92x the time of 128 there on the mc data, 0.77-0.91x on uniform data
#: and 0.94-1.08x on the 5-D mc masks (two interleaved A/Bs).
_SORTED_PASS = FilterConfig(
    sample_size=0, num_pivots=0, grid_size=0, max_rounds=0, round_block=1024, block_size=4096,
    pivot_block=256,
)


def _sort_lex2(x):
    """Stable lexicographic sort of ``(n, 2)`` rows: NaN rows last, then by ``(f1, f2)``.

    Returns the sorted ``invalid`` key, both sorted columns and the permutation.
    """
    perm, s_bad = lex_order(x)
    ok = s_bad == 0
    zero = jnp.zeros((), x.dtype)
    f1 = jnp.where(ok, canon_zero(x[perm, 0]), zero)
    f2 = jnp.where(ok, canon_zero(x[perm, 1]), zero)
    return s_bad, f1, f2, perm


def _sum_order(x, pad: int):
    """Row indices sorted by a monotone key (sum of objectives clipped to a finite range, so
    ``-inf + inf`` cannot give NaN), NaN rows last, with ``pad`` entries of slack (index
    ``n``); and the key."""
    n, m = x.shape
    big = jnp.finfo(x.dtype).max / (2 * m)
    key = jnp.sum(jnp.clip(x, -big, big), axis=1)
    key = jnp.where(valid_rows(x), key, jnp.asarray(jnp.inf, x.dtype))
    _, order = lax.sort((key, lax.iota(I32, n)), num_keys=1, is_stable=True)
    return jnp.concatenate([order, jnp.full((pad,), n, I32)]), key


@jax.jit
def nondominated_sweep(x, keep_weakly=False):
    """Non-dominated mask by one sort and a sweep.

    ``m <= 2``: ``O(n log n)``. After a stable sort by ``(f1, f2)``, a row is kept iff its
    ``f2`` is strictly below every earlier ``f2``. ``m == 1`` is treated as ``(f1, 0)``.
    ``m >= 3``: sort-filter-skyline: rows are sorted by the sum of their (clipped) objectives,
    a monotone key, so dominators come first, then resolved by the exact pivot sweep of the
    ``"filter"`` method (:func:`frontier.kernels.filter.exact_pass`, no elimination rounds).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> nondominated_sweep(jnp.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0]])).tolist()
    [True, True, False]
    """
    n, m = x.shape
    if m >= 3:
        cfg = _SORTED_PASS.resolve(n, m)
        order, key = _sum_order(x, cfg.pad)
        return exact_pass(x, order, jnp.int32(n), keep_weakly, cfg, key)
    if m == 1:
        x = jnp.concatenate([x, jnp.zeros_like(x)], axis=1)
    s_bad, s1, s2, perm = _sort_lex2(x)
    inf = jnp.full((1,), jnp.inf, x.dtype)
    prev_min = jnp.concatenate([inf, lax.cummin(s2)[:-1]])
    first = lax.iota(I32, n) == 0
    keep = (first | (s2 < prev_min)) & (s_bad == 0)
    _, leader = runs(s_bad, s1, s2)
    keep = jnp.where(keep_weakly, keep[leader], keep)
    return jnp.zeros((n,), bool).at[perm].set(keep, unique_indices=True)


@partial(jax.jit, static_argnames=("block_size",))
def pareto_rank_sweep(x, *, block_size: int = 32):
    """Pareto ranks by one sort and a sweep; ``O(n log n + n * block)`` for ``m <= 2``.

    Rows are sorted by ``(f1, f2)``; identical rows share the rank of their first copy. For
    the distinct rows, the front ``k`` keeps its smallest ``f2`` so far (its *tail*; tails are
    non-decreasing in ``k``) and an earlier row dominates a later one iff its ``f2`` is not
    larger. Blocks of sorted rows get a lower bound from a binary search over the tails, then
    the dependencies inside the block are resolved in a sequential pass of ``block`` steps.
    ``m == 1`` gives dense ranks of the values. ``m >= 3``: rows are sorted once by the sum of
    their objectives and fronts are peeled with the exact pivot sweep of
    :func:`frontier.kernels.filter.peel_sorted` (the order survives the compactions, so pivots
    always come in sum order, and each pivot block is compared only with the rows from the
    first one of its sum on).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> pareto_rank_sweep(jnp.array([[1.0, 2.0], [2.0, 3.0], [3.0, 1.0]])).tolist()
    [0, 1, 0]
    """
    n, m = x.shape
    valid = valid_rows(x)
    if m >= 3:
        cfg = _SORTED_PASS.resolve(n, m)
        order, key = _sum_order(x, cfg.pad)
        return peel_sorted(x, order, jnp.sum(valid, dtype=I32), cfg, key)
    if m == 1:
        x = jnp.concatenate([x, jnp.zeros_like(x)], axis=1)
    s_bad, s1, s2, perm = _sort_lex2(x)
    is_new, leader = runs(s_bad, s1, s2)
    act = is_new & (s_bad == 0)
    if m == 1:
        ranks = jnp.cumsum(act.astype(I32)) - 1
        num_fronts = jnp.sum(act, dtype=I32)
    else:
        b = block_size
        nb = -(-n // b)
        pad = nb * b - n
        inf = jnp.asarray(jnp.inf, x.dtype)
        f2 = jnp.concatenate([s2, jnp.full((pad,), jnp.inf, x.dtype)])
        actp = jnp.concatenate([act, jnp.zeros((pad,), bool)])
        lane = lax.iota(I32, b)

        def block(j, state):
            tails, nf, ranks, scratch = state
            fb = lax.dynamic_slice(f2, (j * b,), (b,))
            ab = lax.dynamic_slice(actp, (j * b,), (b,))
            # the number of tails <= fb (tails are non-decreasing): a branchless binary search
            # whose reads go through `scratch` (see take_through)
            ext = jnp.zeros((b,), I32)
            step = 1 << (n.bit_length() - 1)
            while step:
                probe = ext + step
                t, scratch = take_through(scratch, tails, jnp.minimum(probe, n) - 1)
                ext = jnp.where((probe <= n) & (t <= fb), probe, ext)
                step >>= 1
            ext = jnp.minimum(ext, nf)

            def inner(i, r):
                fi = fb[i]
                dom = ab & (lane < i) & (fb <= fi)
                best = jnp.max(jnp.where(dom, r + 1, 0))
                return r.at[i].set(jnp.maximum(r[i], best))

            r = lax.fori_loop(0, b, inner, jnp.where(ab, ext, 0))
            tails = tails.at[jnp.where(ab, r, n)].min(jnp.where(ab, fb, inf), mode="drop")
            nf = jnp.maximum(nf, jnp.max(jnp.where(ab, r + 1, 0)))
            ranks = lax.dynamic_update_slice(ranks, r, (j * b,))
            return tails, nf, ranks, scratch

        tails0 = jnp.full((n,), jnp.inf, x.dtype)
        _, num_fronts, ranks, _ = lax.fori_loop(
            0, nb, block, (tails0, jnp.int32(0), jnp.zeros((nb * b,), I32),
                           jnp.zeros((b + 1,), x.dtype))
        )
        ranks = ranks[:n]
    ranks = ranks[leader]
    out = jnp.zeros((n,), I32).at[perm].set(ranks, unique_indices=True)
    return finish_ranks(out, valid, num_fronts)


# --------------------------------------------------------------------------------------------
# m == 3 ranks without peeling: one lexicographic sweep with per-front staircases
# --------------------------------------------------------------------------------------------
def _rank3_config(n: int, block_size: int, num_bins: int, max_fronts: int):
    """Defaults chosen by measurement on CPU (uniform and Monte-Carlo-like data, 1e4 to 1e6
    rows): blocks of 64 rows below 5e4 rows, else 128; bins of about 32-64 rows (at most 4096
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
    :func:`frontier.kernels.filter.pareto_rank_filter` instead (same ranks). NaN rows rank
    last.

    Raises
    ------
    ValueError
        If ``x`` does not have 3 columns (at trace time).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> x = jnp.array([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0], [3.0, 1.0, 3.0]])
    >>> pareto_rank_sweep3(x).tolist()
    [0, 1, 0]
    """
    n, m = x.shape
    if m != 3:
        raise ValueError(f"pareto_rank_sweep3 needs x of shape (n, 3), got shape {x.shape}")
    cfg = _rank3_config(n, block_size, num_bins, max_fronts)
    B, G, S, K = cfg["block"], cfg["bins"], cfg["bin_size"], cfg["max_fronts"]
    zero = jnp.zeros((), x.dtype)
    perm, s_bad = lex_order(x)
    # Integer images of the values (order-preserving, -0.0 == 0.0): their maximum is above
    # every real value's key, so it marks "empty" even next to +inf.
    k1, s2, s3 = (sort_key(jnp.where(s_bad == 0, x[perm, j], zero)) for j in range(3))
    it = k1.dtype
    inf = jnp.asarray(jnp.iinfo(it).max, it)
    is_new, _ = runs(s_bad, k1, s2, s3)
    lead = is_new & (s_bad == 0)
    run = prefix_count(lead) - 1  # leader index of every sorted row (valid rows)
    num = jnp.sum(lead, dtype=I32)
    nb = -(-n // B)
    size = nb * B
    dest = jnp.where(lead, run, size)
    f2 = jnp.full((size,), inf).at[dest].set(s2, mode="drop")
    f3 = jnp.full((size,), inf).at[dest].set(s3, mode="drop")
    # equal-count bins of f2 over the leaders; members listed by bin
    lane = lax.iota(I32, size)
    if it == jnp.int32:
        by2 = radix_order(f2)
    else:
        _, by2 = lax.sort((f2, lane), num_keys=1, is_stable=True)
    pos2 = jnp.zeros((size,), I32).at[by2].set(lax.iota(I32, size), unique_indices=True)
    gbin = jnp.minimum(pos2 // S, G - 1)
    msize = G * S
    mem = jnp.concatenate([by2, jnp.full((max(0, msize - size),), size, I32)])[:msize]
    mem = jnp.where(lax.iota(I32, msize) < num, mem, size)  # only leaders are members
    big = int(jnp.iinfo(it).max)
    mem_f2 = f2.at[mem].get(mode="fill", fill_value=big)
    mem_f3 = f3.at[mem].get(mode="fill", fill_value=big)
    logg = max(1, G.bit_length())
    lane_b = lax.iota(I32, B)
    lane_s = lax.iota(I32, S)
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
        bounds = (jnp.zeros((B,), I32), jnp.broadcast_to(kcur, (B,)))
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
    init = (jnp.int32(0), jnp.zeros((size,), I32), tree0, jnp.int32(0), jnp.array(False))
    _, ranks, _, kcur, over = lax.while_loop(cond, block, init)
    out_sorted = jnp.where(s_bad == 0, ranks[jnp.minimum(run, size - 1)], kcur)
    out = jnp.zeros((n,), I32).at[perm].set(out_sorted, unique_indices=True)
    return lax.cond(over, lambda x: pareto_rank_filter(x), lambda x: out, x)
