"""Duplicate rows: group identical rows, and Pareto ranks of the distinct rows only.

Monte Carlo outcomes are often rounded or discrete, so many rows repeat (the benchmark's "mc"
data: 15% distinct rows at n = 1e5, m = 3). Identical rows share a rank, so ranking the
distinct rows and broadcasting is exact. Grouping sorts a row hash with single-array integer
sorts (:func:`frontier.kernels._primitives.radix_order`), so rows with equal hashes end up
adjacent in input order.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ._primitives import (
    DUPLICATE_SAMPLE,
    I32,
    on_prefix,
    prefix_count,
    radix_order,
    row_hash,
    slot_size,
    valid_rows,
)

__all__ = ["dedup_rows", "pareto_rank_dedup", "sample_duplicates"]


def sample_duplicates(h, size: int = DUPLICATE_SAMPLE, valid=None):
    """Number of equal adjacent hashes in a spread sample of ``size`` rows (0 when the sample
    has no repeated row). A cheap test of whether deduplication pays.

    ``h`` is the rows' :func:`frontier.kernels._primitives.row_hash`. The sample takes rows
    ``i * P mod n`` for a prime ``P > n`` (computed at trace time in exact integers): distinct
    rows, spread over the input. ``valid``: the rows that count (e.g. not NaN); the others
    are never repeats, so the NaN rows the wrappers pad with do not look like duplicates.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from frontier.kernels._primitives import row_hash
    >>> int(sample_duplicates(row_hash(jnp.zeros((100, 2)))))
    99
    """
    n = h.shape[0]
    s = min(n, size)
    ids = np.asarray([(i * 2654435761) % n for i in range(s)], np.int32)
    hs = h[ids]
    if valid is not None:  # hashes are >= 0: give each other row its own negative value
        hs = jnp.where(valid[ids], hs, -1 - lax.iota(I32, s))
    hs = jnp.sort(hs)
    return jnp.sum(hs[1:] == hs[:-1], dtype=I32)


def dedup_rows(x, h=None):
    """Group identical rows.

    Returns ``(slot, rows, count)``: the distinct NaN-free rows in input order (of their
    first copy), padded with NaN rows to ``(n, m)``, their number, and for each input row its
    distinct row's index (``n`` for a NaN row). ``h``: the rows'
    :func:`frontier.kernels._primitives.row_hash`, if known. Rows whose hashes collide with
    another row's may stay apart, which only leaves copies ungrouped (still exact for ranks).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> slot, rows, count = dedup_rows(jnp.array([[1.0, 2.0], [0.0, 1.0], [1.0, 2.0]]))
    >>> slot.tolist(), int(count), rows[:2].tolist()
    ([0, 1, 0], 2, [[1.0, 2.0], [0.0, 1.0]])
    """
    n = x.shape[0]
    valid = valid_rows(x)
    h = row_hash(x) if h is None else h
    w = 31 - max(1, (n - 1).bit_length())  # digit width of one radix pass
    order = radix_order(h, bits=min(31, (2 if n <= (1 << 17) else 3) * w))
    xs = x[order]
    same = jnp.all(xs[1:] == xs[:-1], axis=1)  # NaN rows are never equal to anything
    is_new = jnp.concatenate([jnp.ones((1,), bool), ~same])
    run = prefix_count(is_new) - 1
    first = jnp.zeros((n,), I32).at[jnp.where(is_new, run, n)].set(order, mode="drop")
    leader = jnp.zeros((n,), I32).at[order].set(first[run], unique_indices=True)
    lane = lax.iota(I32, n)
    is_leader = valid & (leader == lane)
    pos = prefix_count(is_leader) - 1
    rows = jnp.full_like(x, jnp.nan).at[jnp.where(is_leader, pos, n)].set(x, mode="drop")
    slot = jnp.where(valid, pos[leader], n)
    return slot, rows, jnp.sum(is_leader, dtype=I32)


@partial(jax.jit, static_argnames=("inner", "min_duplicates"))
def pareto_rank_dedup(x, *, inner, min_duplicates: int = 4):
    """Pareto ranks through :func:`dedup_rows` when a sample shows repeated rows.

    ``inner`` is a rank kernel (e.g. :func:`frontier.kernels.filter.pareto_rank_filter`). If a
    spread sample of :data:`frontier.kernels._primitives.DUPLICATE_SAMPLE` rows holds at least
    ``min_duplicates`` repeated hashes among its NaN-free rows (:func:`sample_duplicates`;
    the NaN rows the wrappers pad with are not repeats), the distinct rows are ranked, on
    ``n // 8`` or ``n // 4`` rows when they fit, and the ranks broadcast to every copy;
    otherwise ``inner`` runs on ``x`` directly. Same result as ``inner(x)``; the sample and
    the grouping cost ``O(n)`` plus two or three ``int32`` sorts.
    """
    n = x.shape[0]
    small = slot_size(n, 8)

    def direct(x):
        return inner(x)

    h = row_hash(x)

    def grouped(x):
        slot, rows, count = dedup_rows(x, h)
        ranks = on_prefix(inner, rows, count, (small, slot_size(n, 4)))
        ranks = jnp.where(lax.iota(I32, n) < count, ranks, -1)
        num_fronts = jnp.max(ranks) + 1
        out = ranks.at[slot].get(mode="fill", fill_value=0)
        return jnp.where(slot < n, out, num_fronts).astype(I32)

    if n < 2 * small:
        return inner(x)
    dups = sample_duplicates(h, valid=valid_rows(x))
    return lax.cond(dups >= min_duplicates, grouped, direct, x)
