"""Primitives shared by the kernels: sort keys and orders, prefix counts and compaction, row
helpers, NaN-free guards, and the sizes the kernels agree on.

Everything here works on arrays and static Python values only. Names without a leading
underscore are what the other kernel modules import; they are listed in ``__all__``.

Implementation notes (XLA on CPU): a sort of one ``int32`` array is several times faster than a
sort of a float array or of several arrays at once, so orders are built from integer images of
the floats (:func:`sort_key`) with single-array sorts (:func:`radix_order`). Prefix counts use
small triangular matmuls and ``cumsum`` of small arrays, because ``associative_scan`` costs
about a second of compile time per call site (the kernels avoid it).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp
from jax import lax

__all__ = [
    "COUNT_LIMIT",
    "DUPLICATE_SAMPLE",
    "I32",
    "append_live",
    "argmin_first",
    "canon_zero",
    "finish_ranks",
    "first_true",
    "first_true_of",
    "float_from_key",
    "lex_order",
    "on_prefix",
    "pad_nan_rows",
    "pick_max",
    "prefix_count",
    "radix_order",
    "reduce_max",
    "reduce_min",
    "removes",
    "resort_runs",
    "row_hash",
    "runs",
    "safe_div",
    "safe_norm",
    "safe_sqrt",
    "slot_size",
    "sort_key",
    "strided_rows",
    "take_rows",
    "take_through",
    "true_groups",
    "valid_rows",
]

I32 = jnp.int32

#: Exclusive upper limit of the counts the kernels keep in ``int32`` (sample and trial counts).
COUNT_LIMIT = 1 << 31

#: Rows hashed in the spread sample that tests whether deduplication pays
#: (:func:`frontier.kernels.dedup.sample_duplicates`).
DUPLICATE_SAMPLE = 2048


# --------------------------------------------------------------------------------------------
# sizes
# --------------------------------------------------------------------------------------------
def slot_size(n: int, fraction: int = 16) -> int:
    """``n / fraction`` rounded up to a multiple of 16 (at least 16): the size of the short
    buffer a kernel runs on when the live rows fit, next to the full ``n``.

    Examples
    --------
    >>> slot_size(10_000), slot_size(10_000, 8), slot_size(5)
    (640, 1264, 16)
    """
    return max(16, -(-n // (16 * fraction)) * 16)


def on_prefix(
    fn: Callable[[jax.Array], jax.Array], x: jax.Array, count, size: int | tuple[int, ...]
) -> jax.Array:
    """``fn(x[:size])`` when ``count <= size``, else ``fn(x)`` (``lax.cond`` between two
    compiled sizes); with a tuple of sizes, the smallest that holds ``count`` (one compiled
    size each). The caller has compacted the ``count`` rows that matter to the front of
    ``x``. A per-row result of a short call is padded with zeros to ``x.shape[0]`` rows; a
    scalar result is returned as it is."""
    n = x.shape[0]
    sizes = sorted({min(int(s), n) for s in ((size,) if isinstance(size, int) else size)})

    def short(size):
        def run(x):
            out = fn(x[:size])
            if out.ndim == 0:
                return out
            return jnp.concatenate([out, jnp.zeros((n - size, *out.shape[1:]), out.dtype)])

        return run

    def pick(i, x):
        if i == len(sizes) or sizes[i] >= n:
            return fn(x)
        return lax.cond(count <= sizes[i], short(sizes[i]), partial(pick, i + 1), x)

    return pick(0, x)


# --------------------------------------------------------------------------------------------
# rows
# --------------------------------------------------------------------------------------------
def valid_rows(x: jax.Array) -> jax.Array:
    """``(n,)`` bool: the rows without NaN."""
    return ~jnp.any(jnp.isnan(x), axis=1)


def pad_nan_rows(x: jax.Array, rows: int) -> jax.Array:
    """Append ``rows`` all-NaN rows (padding that never dominates and is never kept)."""
    if rows == 0:
        return x
    return jnp.concatenate([x, jnp.full((rows, x.shape[1]), jnp.nan, x.dtype)], axis=0)


def take_rows(x: jax.Array, ids: jax.Array) -> jax.Array:
    """Rows ``x[ids]``; index ``n`` (padding) gives an all-NaN row."""
    return x.at[ids].get(mode="fill", fill_value=jnp.nan)


def take_through(scratch: jax.Array, x: jax.Array, idx: jax.Array):
    """``x[idx]`` for in-bounds ``(k,)`` indices, read inside a loop through ``scratch``, a
    loop-carried ``(k + 1,)`` array of ``x``'s dtype: returns ``(values, scratch)``.

    XLA's CPU backend splits a fused gather over threads by the bytes of its operands, so a
    few values read from a large array inside a loop body cost a cross-thread hand-off (some
    microseconds) per read. Written into ``scratch`` with ``dynamic_update_slice`` (an in-place
    update, which is never split) they cost nanoseconds. The extra slot keeps XLA from
    replacing the update by its operand.
    """
    k = idx.shape[0]
    scratch = lax.dynamic_update_slice(scratch, x[idx], (0,))
    return scratch[:k], scratch


def strided_rows(x: jax.Array, order: jax.Array, count, size: int):
    """``(ids, rows)`` of up to ``size`` live rows ``order[:count]`` taken at an even stride;
    slots past ``count`` give index ``n`` and an all-NaN row."""
    s = min(x.shape[0], size)
    stride = jnp.maximum(count // s, 1)
    si = lax.iota(I32, s) * stride
    ids = jnp.where(si < count, order[jnp.minimum(si, order.shape[0] - 1)], x.shape[0])
    return ids, take_rows(x, ids)


def canon_zero(v: jax.Array) -> jax.Array:
    """``-0.0`` replaced by ``0.0``: ``lax.sort`` orders ``-0.0`` first, comparisons treat them
    as equal."""
    return jnp.where(v == 0, jnp.zeros((), v.dtype), v)


def removes(p, pi, t, ti, keep_weakly) -> jax.Array:
    """``(k, b)`` bool: row ``p[a]`` (input index ``pi[a]``) removes row ``t[c]``.

    A row *removes* another when it dominates it, or (``keep_weakly=False``) when the two are
    identical and it comes first in the input. ``keep_weakly`` is a Python bool or a traced
    bool scalar. NaN rows on either side never remove and are never removed (every comparison
    with NaN is false).
    """
    return removes_cols(p, pi, t.T, ti, keep_weakly)


def removes_cols(p, pi, tc, ti, keep_weakly) -> jax.Array:
    """:func:`removes` with the rows ``t`` given as their ``(m, b)`` columns ``tc``: each
    comparison then reads one contiguous column (XLA on CPU vectorises it over the ``b``
    rows; a column of ``(b, m)`` rows is a strided read)."""
    le = None
    lt = None
    for j in range(p.shape[1]):
        a = p[:, j : j + 1] <= tc[j][None, :]
        b = p[:, j : j + 1] < tc[j][None, :]
        le = a if le is None else le & a
        lt = b if lt is None else lt | b
    if isinstance(keep_weakly, bool):
        if keep_weakly:
            return le & lt
        return le & (lt | (pi[:, None] < ti[None, :]))
    return le & (lt | (~keep_weakly & (pi[:, None] < ti[None, :])))


def finish_ranks(rank: jax.Array, valid: jax.Array, num_fronts) -> jax.Array:
    """``int32`` ranks; NaN rows get ``num_fronts`` (one past the last front of the NaN-free
    rows)."""
    return jnp.where(valid, rank, num_fronts).astype(I32)


def row_hash(x: jax.Array) -> jax.Array:
    """``(n,)`` non-negative ``int32`` hash of each row's bits (``-0.0`` hashes as ``0.0``)."""
    n = x.shape[0]
    words = lax.bitcast_convert_type(canon_zero(x), jnp.uint32).reshape(n, -1)
    h = jnp.full((n,), 0x811C9DC5, jnp.uint32)
    for j in range(words.shape[1]):
        h = (h ^ words[:, j]) * jnp.uint32(0x01000193)
        h = h ^ (h >> 15)
    h = (h ^ (h >> 13)) * jnp.uint32(0x5BD1E995)
    h = h ^ (h >> 16)
    return (h >> 1).astype(I32)


# --------------------------------------------------------------------------------------------
# prefix counts and compaction
# --------------------------------------------------------------------------------------------
def prefix_count(mask: jax.Array) -> jax.Array:
    """Inclusive prefix counts (``int32``) of a 1-D bool mask.

    A triangular matmul within rows of 16, applied again to the row totals (recursively), so
    the work is ``O(16 n)`` and every pass is a small dense matmul: on CPU this is several
    times faster than a ``cumsum`` of ``n`` values. The sums stay in ``float32`` (exact up to
    ``2^24``); longer masks sum rows of 64 and ``cumsum`` the row totals in ``int32``."""
    size = mask.shape[0]
    v = mask.astype(jnp.float32)
    if size <= (1 << 24):
        return _prefix_sum(v).astype(I32)
    w = 64
    r = -(-size // w)
    a = _tri_matmul(jnp.pad(v, (0, r * w - size)).reshape(r, w)).astype(I32)
    tot = a[:, w - 1]
    a = a + (jnp.cumsum(tot) - tot)[:, None]
    return a.reshape(r * w)[:size]


def _tri_matmul(a: jax.Array) -> jax.Array:
    """Prefix sums along the rows of a ``(r, w)`` float32 array, by one matmul."""
    i = lax.iota(I32, a.shape[1])
    tri = (i[:, None] <= i[None, :]).astype(jnp.float32)
    return jnp.matmul(a, tri, precision=lax.Precision.HIGHEST)


def _prefix_sum(v: jax.Array) -> jax.Array:
    """Inclusive prefix sums of a 1-D float32 array of small integers (total ``<= 2^24``)."""
    size = v.shape[0]
    w = 16
    if size <= w:
        return _tri_matmul(v.reshape(1, size)).reshape(size)
    r = -(-size // w)
    a = _tri_matmul(jnp.pad(v, (0, r * w - size)).reshape(r, w))
    tot = a[:, w - 1]
    a = a + (_prefix_sum(tot) - tot)[:, None]
    return a.reshape(r * w)[:size]


def first_true(mask: jax.Array, cap: int):
    """Indices of the first ``cap`` true entries of a 1-D bool mask, in order, padded with
    ``n``; and the number of true entries (which may exceed ``cap``).

    Compaction without a scatter over the ``n`` entries, for sparse masks: counts per group
    of 16 entries (one matmul), their prefix sums (:func:`prefix_count`'s matmuls), then each
    output slot finds its group by binary search and its entry among the group's 16.
    ``O(n + cap (log n + 16))``. Exact while ``n <= 2^24`` (``float32`` counts); longer
    masks use :func:`append_live`. To try several ``cap``, count once with
    :func:`true_groups` and pick with :func:`first_true_of`.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> ids, count = first_true(jnp.array([False, True, False, True, True]), 2)
    >>> ids.tolist(), int(count)
    ([1, 3], 3)
    """
    groups = true_groups(mask)
    return first_true_of(groups, cap), groups[-1]


def true_groups(mask: jax.Array):
    """The ``O(n)`` half of :func:`first_true`, shared by several ``cap``: ``(mask, groups,
    counts, prefix, count)``, with ``groups`` the mask as ``float32`` rows of 16 (``None`` past
    ``2^24`` entries), their counts and inclusive prefix counts, and the number of true
    entries (``int32``)."""
    n = mask.shape[0]
    if n > (1 << 24):
        return mask, None, None, None, jnp.sum(mask, dtype=I32)
    g = 16
    r = -(-n // g)
    lv = jnp.pad(mask, (0, r * g - n)).reshape(r, g).astype(jnp.float32)
    cnt = jnp.matmul(lv, jnp.ones((g,), jnp.float32), precision=lax.Precision.HIGHEST)
    pc = _prefix_sum(cnt)
    return mask, lv, cnt, pc, pc[r - 1].astype(I32)


def first_true_of(groups, cap: int) -> jax.Array:
    """The ``O(cap (log n + 16))`` half of :func:`first_true`: the first ``cap`` indices, from
    :func:`true_groups`."""
    mask, lv, cnt, pc, count = groups
    n = mask.shape[0]
    if lv is None:
        return append_live(jnp.full((cap,), n, I32), jnp.int32(0), lax.iota(I32, n), mask)[0]
    g = lv.shape[1]
    r = lv.shape[0]
    k = lax.iota(jnp.float32, cap) + 1
    grp = jnp.minimum(jnp.searchsorted(pc, k, side="left").astype(I32), r - 1)
    within = k - (pc[grp] - cnt[grp])  # 1-based position among the group's true entries
    # the first position whose prefix count reaches `within` = how many stay below it (a
    # matmul: XLA on CPU reduces rows of 16 slowly)
    below = (_tri_matmul(lv[grp]) < within[:, None]).astype(jnp.float32)
    pos = jnp.matmul(below, jnp.ones((g,), jnp.float32),
                     precision=lax.Precision.HIGHEST).astype(I32)
    return jnp.where(lax.iota(I32, cap) < count, grp * g + pos, n)


def argmin_first(v: jax.Array) -> jax.Array:
    """``jnp.argmin`` of a 1-D array without NaN (the first index of the least value), in two
    levels: XLA on CPU runs one long variadic (value, index) reduction several times slower
    than a minimum per row of 1024 and two short ``argmin``."""
    n = v.shape[0]
    b = 1024
    if n < 8 * b:
        return jnp.argmin(v).astype(I32)
    q = n // b
    rows = v[: q * b].reshape(q, b)  # no padding: a padded reshape fuses into a slow loop
    i = jnp.argmin(jnp.min(rows, axis=1)).astype(I32)
    j = i * b + jnp.argmin(lax.dynamic_index_in_dim(rows, i, keepdims=False)).astype(I32)
    if q * b == n:
        return j
    t = q * b + jnp.argmin(v[q * b:]).astype(I32)
    return jnp.where(v[t] < v[j], t, j)


def append_live(buf: jax.Array, kept, ids: jax.Array, live: jax.Array):
    """Write ``ids[live]`` to ``buf[kept:]`` (in order); return the buffer and the new count.

    The compaction step of the kernels: with ``buf`` the buffer being read, writes never
    overtake reads, so a pass over ``buf`` in blocks can compact it in place.
    """
    pc = prefix_count(live)
    dest = jnp.where(live, kept + pc - 1, buf.shape[0])
    buf = buf.at[dest].set(ids, mode="drop", unique_indices=True)
    return buf, kept + pc[-1]


# --------------------------------------------------------------------------------------------
# sort keys and orders
# --------------------------------------------------------------------------------------------
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


def float_from_key(k: jax.Array, dtype) -> jax.Array:
    """The float whose :func:`sort_key` is ``k`` (``-0.0`` comes back as ``0.0``).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> v = jnp.array([-2.0, 0.0, 1.5, jnp.inf])
    >>> bool(jnp.all(float_from_key(sort_key(v), v.dtype) == v))
    True
    """
    it = k.dtype
    bits = jnp.where(k < 0, k ^ jnp.array(jnp.iinfo(it).max, it), k)
    return lax.bitcast_convert_type(bits, dtype)


def radix_order(key: jax.Array, order: jax.Array | None = None, bits: int = 32) -> jax.Array:
    """Stable argsort of an ``int32`` key (as from :func:`sort_key`) by single-array sorts;
    with ``order``, the rows ``order`` stably re-sorted by their keys (an LSD step).

    LSD radix: each pass sorts one ``int32`` array that packs a digit of the key above the
    current position, so XLA's fast path for one primitive array applies (a sort that
    carries an index is several times slower on CPU). ``ceil(bits / (31 - bits(n)))`` passes,
    where ``bits < 32`` sorts by the low ``bits`` bits of the key only.
    """
    n = key.shape[0]
    b = max(1, (n - 1).bit_length())
    w = 31 - b
    u = lax.bitcast_convert_type(key, jnp.uint32) ^ jnp.uint32(0x80000000)
    lane = lax.iota(I32, n)
    cur = lane if order is None else order
    shift = 0
    while shift < bits:
        digit = ((u[cur] >> shift) & jnp.uint32((1 << w) - 1)).astype(I32)
        packed = jnp.sort((digit << b) | lane)
        cur = cur[packed & ((1 << b) - 1)]
        shift += w
    return cur


def resort_runs(perm: jax.Array, marked: jax.Array, keys: list[jax.Array], full) -> jax.Array:
    """Re-sort the rows at the ``marked`` positions of the order ``perm`` by ``keys``.

    ``marked`` (``(n,)`` bool, sorted positions) must cover whole runs of rows that
    ``perm`` leaves tied; ``keys`` are ``int32`` keys in input row order. Sorting the marked
    rows by every key (one small multi-key sort of at most :func:`slot_size` rows) and
    writing them back in position order reorders each run in place. More marked rows than
    that: ``full(perm)``, a whole new order; none: ``perm``.
    """
    n = perm.shape[0]
    count = jnp.sum(marked, dtype=I32)
    cap = slot_size(n)
    top = jnp.asarray(jnp.iinfo(jnp.int32).max, jnp.int32)

    def fix(perm):
        pos, _ = append_live(jnp.full((cap,), n, I32), jnp.int32(0), lax.iota(I32, n), marked)
        rows = perm.at[pos].get(mode="fill", fill_value=0)
        ks = [jnp.where(pos < n, k[rows], top) for k in keys]
        new = lax.sort((*ks, rows), num_keys=len(keys), is_stable=True)[-1]
        return perm.at[pos].set(new, mode="drop")

    return lax.cond(
        count == 0,
        lambda p: p,
        lambda p: lax.cond(count <= cap, fix, full, p),
        perm,
    )


def lex_order(x: jax.Array):
    """Stable lexicographic order of the rows of ``x`` (NaN rows last): ``(perm, bad)``, with
    ``bad`` the sorted NaN-row flags (``int32``).

    An LSD radix sort of the first column's integer keys (:func:`radix_order`, single-array
    sorts), then the rows that tie in the first column (few, unless the data are rounded) are
    re-sorted by every column in one small multi-key sort of at most :func:`slot_size` rows;
    past that, a radix sort by every column.
    """
    n, m = x.shape
    valid = valid_rows(x)
    zero = jnp.zeros((), x.dtype)
    keys = [sort_key(jnp.where(valid, x[:, j], zero)) for j in range(m)]
    bad = (~valid).astype(I32)
    lane = lax.iota(I32, n)

    if keys[0].dtype != jnp.int32 or n < 32:
        perm = lax.sort((bad, *keys, lane), num_keys=m + 1, is_stable=True)[-1]
        return perm, bad[perm]
    top = jnp.asarray(jnp.iinfo(jnp.int32).max, jnp.int32)  # above every real key
    k1 = jnp.where(valid, keys[0], top)

    def full(_):  # LSD radix over every column: last column first
        perm = lane
        for k in [*keys[1:][::-1], k1]:
            perm = radix_order(k, perm)
        return perm

    perm = radix_order(k1)
    if m == 1:
        return perm, bad[perm]
    s1 = k1[perm]
    same = (s1[1:] == s1[:-1]) & (s1[1:] != top)
    tied = jnp.concatenate([same, jnp.zeros((1,), bool)])
    tied = tied | jnp.concatenate([jnp.zeros((1,), bool), same])
    perm = resort_runs(perm, tied, [k1, *keys[1:]], full)  # runs of equal first keys
    return perm, bad[perm]


def runs(s_bad: jax.Array, *cols: jax.Array):
    """``(is_new, leader)`` of runs of identical rows in lexicographically sorted order."""
    n = s_bad.shape[0]
    pos = lax.iota(I32, n)
    diff = s_bad[1:] != s_bad[:-1]
    for c in cols:
        diff = diff | (c[1:] != c[:-1])
    is_new = jnp.concatenate([jnp.ones((1,), bool), diff])
    leader = lax.cummax(jnp.where(is_new, pos, 0))
    return is_new, leader


# --------------------------------------------------------------------------------------------
# NaN-free guards for square roots and divisions
#
# ``jnp.where(ok, f(x), 0)`` alone still differentiates ``f`` at the masked inputs (``sqrt(0)``
# has an infinite derivative, ``a / 0`` a NaN one), and ``0 * inf`` poisons ``jax.grad``. Each
# guard first replaces the masked inputs by a harmless value, so values and gradients stay
# finite.
# --------------------------------------------------------------------------------------------
def safe_sqrt(sq: jax.Array) -> jax.Array:
    """``sqrt(sq)`` where ``sq > 0``, else 0 (gradient 0 there)."""
    ok = sq > 0
    return jnp.where(ok, jnp.sqrt(jnp.where(ok, sq, 1)), 0)


def safe_div(a: jax.Array, b: jax.Array) -> jax.Array:
    """``a / b`` where ``b != 0``, else 0 (gradient 0 there)."""
    ok = b != 0
    return jnp.where(ok, a / jnp.where(ok, b, 1), 0)


def safe_norm(v: jax.Array) -> jax.Array:
    """Euclidean norm over the last axis, 0 for a zero vector (gradient 0 there)."""
    return safe_sqrt(jnp.sum(v * v, axis=-1))


# --------------------------------------------------------------------------------------------
# maxima and minima whose derivative does not compare recomputed values
#
# ``jax.grad`` of ``jnp.max`` finds the maximum's position by ``x == max(x)`` and divides by the
# count of matches; of ``jnp.maximum(a, b)``, by ``a == maximum(a, b)``. XLA may compute ``x``
# twice in two fusions (once for the maximum, once for the comparison) and round the copies
# differently (e.g. one contracted into a fused multiply-add), so no element matches: the
# derivative is then ``0 / 0`` (NaN) or silently 0. These give the same values, and take the
# derivative from the position that ``argmax``/``argmin`` (or ``a >= b``) picks from one copy,
# so it is always one element's tangent (the first one among ties).
# --------------------------------------------------------------------------------------------
def _extreme(reduce, arg, doc: str):
    def extreme(x: jax.Array, axis: int = -1) -> jax.Array:
        return reduce(x, axis=axis)

    extreme.__doc__ = doc
    extreme = partial(jax.custom_jvp, nondiff_argnums=(1,))(extreme)

    @extreme.defjvp
    def _jvp(axis, primals, tangents):
        (x,), (t,) = primals, tangents
        i = jnp.expand_dims(arg(x, axis=axis), axis)
        return reduce(x, axis=axis), jnp.squeeze(jnp.take_along_axis(t, i, axis), axis)

    return extreme


reduce_max = _extreme(jnp.max, jnp.argmax, """``jnp.max(x, axis)`` over one int axis, whose
    derivative is the tangent of the first maximum's element.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> jax.grad(lambda x: reduce_max(x, 0))(jnp.array([1.0, 3.0, 3.0])).tolist()
    [0.0, 1.0, 0.0]
    """)

reduce_min = _extreme(jnp.min, jnp.argmin, """``jnp.min(x, axis)`` over one int axis, whose
    derivative is the tangent of the first minimum's element.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> jax.grad(lambda x: reduce_min(x, 0))(jnp.array([2.0, 1.0, 1.0])).tolist()
    [0.0, 1.0, 0.0]
    """)


@jax.custom_jvp
def pick_max(a: jax.Array, b: jax.Array) -> jax.Array:
    """``jnp.maximum(a, b)`` whose derivative is ``a``'s where ``a >= b``, else ``b``'s.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> d = jax.grad(lambda a: pick_max(a, 2.0))
    >>> d(3.0).item(), d(1.0).item(), d(2.0).item()
    (1.0, 0.0, 1.0)
    """
    return jnp.maximum(a, b)


@pick_max.defjvp
def _pick_max_jvp(primals, tangents):
    (a, b), (ta, tb) = primals, tangents
    out = jnp.maximum(a, b)
    return out, jnp.broadcast_to(jnp.where(a >= b, ta, tb), out.shape).astype(out.dtype)
