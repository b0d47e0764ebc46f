"""All-pairs dominance: non-dominated masks and Pareto ranks from the ``(n, n)`` comparison,
at once (``*_dense``) or in tiles with fixed trip counts (``*_blocked``, the GPU path).

Shared semantics are in :mod:`frontier.kernels`.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
from jax import lax

from ._primitives import I32, finish_ranks, pad_nan_rows, removes, valid_rows

__all__ = [
    "nondominated_blocked",
    "nondominated_dense",
    "pareto_rank_blocked",
    "pareto_rank_dense",
]


@jax.jit
def nondominated_dense(x, keep_weakly=False):
    """Non-dominated mask from the full ``(n, n)`` comparison matrix. ``O(n^2 m)`` time and
    ``O(n^2)`` memory: the fastest choice for small ``n`` and for ``vmap`` over many small sets.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> nondominated_dense(jnp.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0]])).tolist()
    [True, True, False]
    """
    n = x.shape[0]
    idx = lax.iota(I32, n)
    removed = jnp.any(removes(x, idx, x, idx, keep_weakly), axis=0)
    return valid_rows(x) & ~removed


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
    xp = pad_nan_rows(x, nb * b - n)
    idx = lax.iota(I32, nb * b)
    xb = xp.reshape(nb, b, m)
    ib = idx.reshape(nb, b)

    def one_target_block(args):
        t, ti = args

        def body(i, dead):
            p = lax.dynamic_index_in_dim(xb, i, keepdims=False)
            pi = lax.dynamic_index_in_dim(ib, i, keepdims=False)
            return dead | jnp.any(removes(p, pi, t, ti, keep_weakly), axis=0)

        return lax.fori_loop(0, nb, body, jnp.zeros((b,), bool))

    dead = lax.map(one_target_block, (xb, ib)).reshape(nb * b)[:n]
    return valid_rows(x) & ~dead


@jax.jit
def pareto_rank_dense(x):
    """Pareto ranks by peeling the full ``(n, n)`` dominance matrix (dominator counts).

    ``O(n^2)`` memory and ``O(n^2)`` work per front.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> pareto_rank_dense(jnp.array([[1.0, 2.0], [2.0, 3.0], [jnp.nan, 0.0]])).tolist()
    [0, 1, 2]
    """
    n = x.shape[0]
    valid = valid_rows(x)
    idx = lax.iota(I32, n)
    dom = removes(x, idx, x, idx, True)
    count = jnp.sum(dom, axis=0, dtype=I32)

    def cond(state):
        _, active, _, _ = state
        return jnp.any(active)

    def body(state):
        rank, active, count, k = state
        front = active & (count == 0)
        rank = jnp.where(front, k, rank)
        count = count - jnp.sum(dom & front[:, None], axis=0, dtype=I32)
        return rank, active & ~front, count, k + 1

    rank, _, _, k = lax.while_loop(cond, body, (jnp.zeros((n,), I32), valid, count, jnp.int32(0)))
    return finish_ranks(rank, valid, k)


def _peel(x, nondominated):
    """Ranks by repeatedly removing the non-dominated rows (``keep_weakly=True``)."""
    n = x.shape[0]
    valid = valid_rows(x)
    nan = jnp.asarray(jnp.nan, x.dtype)

    def cond(state):
        _, _, _, left = state
        return left > 0

    def body(state):
        rank, xm, k, left = state
        front = nondominated(xm)
        rank = jnp.where(front, k, rank)
        xm = jnp.where(front[:, None], nan, xm)
        return rank, xm, k + 1, left - jnp.sum(front, dtype=I32)

    rank, _, k, _ = lax.while_loop(
        cond,
        body,
        (jnp.zeros((n,), I32), x, jnp.int32(0), jnp.sum(valid, dtype=I32)),
    )
    return finish_ranks(rank, valid, k)


@partial(jax.jit, static_argnames=("block_size",))
def pareto_rank_blocked(x, *, block_size: int = 512):
    """Pareto ranks by peeling fronts found with :func:`nondominated_blocked`.

    ``O(fronts * n^2 m)`` time, ``O(n * block)`` memory, no data-dependent shapes.
    """
    return _peel(x, partial(nondominated_blocked, keep_weakly=True, block_size=block_size))
