"""NSGA-II crowding distance of each row within its group (e.g. its Pareto front)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ._primitives import I32, canon_zero, valid_rows

__all__ = ["crowding_distance"]


@jax.jit
def crowding_distance(x, group):
    """NSGA-II crowding distance of each row within its ``group`` (e.g. its Pareto front).

    For each objective, rows of a group are sorted (ties in input order); the first and last
    get ``+inf`` and the others the gap between their neighbours divided by the group's range
    of that objective. An objective whose range in the group is zero adds 0 to every row of the
    group (no ``0/0``); a gap that is not a finite number (``inf - inf``, ``x/inf``) adds 0.
    Contributions are summed over objectives. NaN rows are ignored and get 0.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> x = jnp.array([[0.0, 4.0], [1.0, 2.0], [2.0, 1.0], [4.0, 0.0]])
    >>> crowding_distance(x, jnp.zeros(4, jnp.int32)).tolist()
    [inf, 1.25, 1.25, inf]
    """
    n, m = x.shape
    valid = valid_rows(x)
    big = jnp.asarray(np.iinfo(np.int32).max, I32)
    key = jnp.where(valid, group.astype(I32), big)
    pos = lax.iota(I32, n)
    zero = jnp.zeros((), x.dtype)
    total = jnp.zeros((n,), x.dtype)
    for j in range(m):
        v = jnp.where(valid, canon_zero(x[:, j]), zero)
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
