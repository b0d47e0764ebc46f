"""Monte Carlo kernels for the paper model (arXiv 2510.18905).

Every trial ``t`` owns the key ``fold_in(key, t)``; its three standard-normal streams (input
length, output length, accuracy) come from ``split(fold_in(key, t), 3)``, each drawn as a 1-D
sequence of ``k_max`` values. Threefry is counter-based, so the first ``k`` values of a stream
do not depend on ``k_max``, on how trials are batched, or on which other trials are drawn: for a
given key every result is independent of batch and chunk sizes.

Common random numbers (``scheme="crn"``): a trial draws ``k_max`` inferences once and every
``k`` is read off prefix sums (cost, time) and prefix maxima (accuracy). The reference code's
scheme (``scheme="independent"``) draws fresh inferences for every ``k`` from
``fold_in(trial_key, k)``.

The same standard normals drive every model of a call (common random numbers across models),
which makes model comparisons sharper and costs one draw per inference whatever the number of
models.
"""

from __future__ import annotations

import itertools
import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

__all__ = [
    "ModelParams",
    "Outcomes",
    "arith_progression",
    "draw_normals",
    "inference",
    "outcomes_crn",
    "outcomes_independent",
    "prefix_reduce",
    "simulate_trials",
    "time_rule",
    "tree_sum",
]


class ModelParams(NamedTuple):
    """Float parameters of one model (scalars) or of several (one leading axis each)."""

    c_in: jax.Array
    c_out: jax.Array
    t_in: jax.Array
    t_out: jax.Array
    mu_Lin: jax.Array
    sigma_Lin: jax.Array
    mu_Lout: jax.Array
    sigma_Lout: jax.Array
    acc_mean: jax.Array
    acc_std: jax.Array


class Outcomes(NamedTuple):
    """Per-trial outcomes; each field has the same shape."""

    cost: jax.Array
    time: jax.Array
    accuracy: jax.Array


def draw_normals(key: jax.Array, trial_ids: jax.Array, kmax: int, dtype) -> jax.Array:
    """Standard normals ``(T, 3, kmax)`` for the given trial indices."""

    def one(i):
        streams = jax.random.split(jax.random.fold_in(key, i), 3)
        return jax.vmap(lambda k: jax.random.normal(k, (kmax,), dtype))(streams)

    return jax.vmap(one)(trial_ids)


def arith_progression(ks: tuple[int, ...]) -> tuple[int, int] | None:
    """``(first, step)`` when ``ks`` is an increasing arithmetic progression, else None."""
    if len(ks) == 1:
        return ks[0], 1
    step = ks[1] - ks[0]
    if step > 0 and all(b - a == step for a, b in itertools.pairwise(ks)):
        return ks[0], step
    return None


def tree_sum(x: jax.Array) -> jax.Array:
    """Sum over the last axis by pairwise halving with elementwise adds.

    XLA CPU may vectorise a ``reduce`` differently for different leading shapes, which changes
    the rounding; elementwise adds in a fixed pairing do not, so sums are bit-identical
    whatever the batch size. The axis is zero-padded to a power of two (``x + 0`` is exact).
    """
    n = x.shape[-1]
    if n == 0:
        return jnp.zeros(x.shape[:-1], x.dtype)
    size = 1 << (n - 1).bit_length()
    if size > n:
        x = jnp.concatenate([x, jnp.zeros((*x.shape[:-1], size - n), x.dtype)], axis=-1)
    while size > 1:
        size //= 2
        x = x[..., :size] + x[..., size:]
    return x[..., 0]


def _tree_max(x: jax.Array) -> jax.Array:
    return jnp.max(x, axis=-1)


def _scan_last(x: jax.Array, fn, ident) -> jax.Array:
    """Inclusive Hillis-Steele scan along the last axis (``log2 n`` shifted passes)."""
    n = x.shape[-1]
    d = 1
    while d < n:
        head = jnp.full((*x.shape[:-1], d), ident, x.dtype)
        x = fn(x, jnp.concatenate([head, x[..., : n - d]], axis=-1))
        d *= 2
    return x


def _two_level_prefix(x: jax.Array, fn, ident) -> jax.Array:
    """Inclusive scan of the last axis: scans inside blocks of ~sqrt(n), then across blocks."""
    n = x.shape[-1]
    b = 1 << max(0, math.ceil(math.log2(max(n, 1)) / 2))
    nb = -(-n // b)
    if nb * b > n:
        pad = jnp.full((*x.shape[:-1], nb * b - n), ident, x.dtype)
        x = jnp.concatenate([x, pad], axis=-1)
    blocks = _scan_last(x.reshape(*x.shape[:-1], nb, b), fn, ident)
    if nb > 1:
        totals = _scan_last(blocks[..., -1], fn, ident)
        head = jnp.full((*totals.shape[:-1], 1), ident, x.dtype)
        excl = jnp.concatenate([head, totals[..., :-1]], axis=-1)
        blocks = fn(blocks, excl[..., None])
    return blocks.reshape(*x.shape[:-1], nb * b)[..., :n]


def prefix_reduce(x: jax.Array, ks: tuple[int, ...], op: str) -> jax.Array:
    """``op``-reduction of ``x[:, :k]`` for each static ``k`` in ``ks``: ``(T, kmax) -> (K, T)``.

    ``ks`` must be strictly increasing. The ``kmax`` axis is cut into the segments
    ``[k_{j-1}, k_j)`` and reduced segment by segment (one reshape when ``ks`` is an arithmetic
    progression, static slices when there are few), then the ``K`` segment totals are
    accumulated by a sequential scan over ``k`` that is vectorised across trials. That is
    ``O(kmax + K)`` work per trial; XLA's generic cumulative reductions along the ``kmax`` axis
    cost several times more on CPU. Long irregular grids use a two-level scan over ``kmax``.
    """
    if op == "add":
        ident, fn, red = 0.0, jnp.add, tree_sum
    elif op == "max":
        ident, fn, red = -jnp.inf, jnp.maximum, _tree_max
    else:  # pragma: no cover - static programming error
        raise ValueError(op)
    ap = arith_progression(ks)
    if ap is not None:
        first, step = ap
        head = red(x[..., :first])[..., None]
        if len(ks) == 1:
            return head.T
        body = x[..., first : ks[-1]].reshape(*x.shape[:-1], len(ks) - 1, step)
        seg = jnp.concatenate([head, red(body)], axis=-1)
    elif len(ks) <= 32:
        bounds = (0, *ks)
        seg = jnp.stack([red(x[..., a:b]) for a, b in zip(bounds, ks, strict=False)], -1)
    else:
        return _two_level_prefix(x, fn, ident)[..., np.asarray(ks) - 1].T
    seg = seg.T  # (K, T): the scan below runs over k, vectorised across trials

    def step_fn(carry, row):
        carry = fn(carry, row)
        return carry, carry

    init = jnp.full(seg.shape[1:], ident, seg.dtype)
    return lax.scan(step_fn, init, seg)[1]


def inference(p: ModelParams, z: jax.Array):
    """Per-inference (cost, time, accuracy) from standard normals ``z`` of shape (..., 3, n)."""
    lin = jnp.clip(p.mu_Lin + p.sigma_Lin * z[..., 0, :], 1.0, 16.0 * p.mu_Lin)
    lout = jnp.clip(p.mu_Lout + p.sigma_Lout * z[..., 1, :], 1.0, 16.0 * lin)
    acc = jnp.clip(p.acc_mean + p.acc_std * z[..., 2, :], 0.0, 1.0)
    cost = p.c_in * lin + p.c_out * lout
    time = p.t_in * lin + p.t_out * lout
    return cost, time, acc


def _wave_time(time: jax.Array, parallel: jax.Array, ks: tuple[int, ...]) -> jax.Array:
    """Wall time of ``ceil(k/P)`` waves, each as long as its slowest call: ``(T, n) -> (K, T)``."""
    n = time.shape[-1]
    idx = jnp.arange(n)
    start = (idx % parallel) == 0  # first call of a wave

    def combine(a, b):
        fa, va = a
        fb, vb = b
        return fa | fb, jnp.where(fb, vb, jnp.maximum(va, vb))

    flags = jnp.broadcast_to(start, time.shape)
    _, run = lax.associative_scan(combine, (flags, time), axis=time.ndim - 1)
    ends = ((idx + 1) % parallel == 0) | (idx == n - 1)
    done = jnp.cumsum(jnp.where(ends, run, jnp.zeros((), time.dtype)), axis=-1)
    kk = np.asarray(ks) - 1
    first = kk - kk % parallel  # index of the first call of k's last wave
    before = jnp.where(first > 0, done[..., jnp.maximum(first - 1, 0)], 0.0)
    return (before + run[..., kk]).T


def _wave_time_at(time: jax.Array, parallel: jax.Array, k: jax.Array) -> jax.Array:
    """:func:`_wave_time` of the first ``k`` calls (``k`` traced, ``<= n``): ``(T, n) -> (T,)``."""
    n = time.shape[-1]
    idx = jnp.arange(n)
    start = (idx % parallel) == 0

    def combine(a, b):
        fa, va = a
        fb, vb = b
        return fa | fb, jnp.where(fb, vb, jnp.maximum(va, vb))

    flags = jnp.broadcast_to(start, time.shape)
    _, run = lax.associative_scan(combine, (flags, time), axis=time.ndim - 1)
    ends = ((idx + 1) % parallel == 0) | (idx == k - 1)
    done = jnp.cumsum(jnp.where(ends & (idx < k), run, jnp.zeros((), time.dtype)), axis=-1)
    kk = k - 1
    first = kk - kk % parallel
    before = jnp.where(first > 0, done[..., jnp.maximum(first - 1, 0)], 0.0)
    return before + run[..., kk]


def time_rule(total_time: jax.Array, parallel: jax.Array, ks: tuple[int, ...]) -> jax.Array:
    """The paper's time rule with at most ``min(P, k)`` calls at once: ``(K, T) -> (K, T)``.

    The paper reports ``(k/P) mean_i T_i`` for ``P > 1`` and ``sum_i T_i`` for ``P = 1``;
    both are ``sum_i T_i / P``. With ``P > k`` that would make ``k`` calls faster than one
    call, so the divisor is ``min(P, k)``: ``sum_i T_i / min(P, k)`` (for ``k <= P``, the
    mean time of one call).
    """
    kk = jnp.asarray(ks, parallel.dtype)
    div = jnp.minimum(parallel, kk).astype(total_time.dtype)
    return total_time / div.reshape((-1,) + (1,) * (total_time.ndim - 1))


def outcomes_crn(
    p: ModelParams, parallel: jax.Array, z: jax.Array, ks: tuple[int, ...], time_model: str
) -> Outcomes:
    """Outcomes ``(K, T)`` of one model from shared normals ``z`` ``(T, 3, kmax)``."""
    cost, time, acc = inference(p, z)
    c = prefix_reduce(cost, ks, "add")
    a = prefix_reduce(acc, ks, "max")
    if time_model == "paper":
        t = time_rule(prefix_reduce(time, ks, "add"), parallel, ks)
    else:
        t = _wave_time(time, parallel, ks)
    return Outcomes(c, t, a)


def _pow2_groups(ks: tuple[int, ...]) -> list[tuple[int, ...]]:
    """``ks`` (increasing) cut into runs that share the power of two ``2**ceil(log2 k)``."""
    groups: dict[int, list[int]] = {}
    for k in ks:
        groups.setdefault((k - 1).bit_length(), []).append(k)
    return [tuple(g) for _, g in sorted(groups.items())]


def outcomes_independent(
    p: ModelParams,
    parallel: jax.Array,
    key: jax.Array,
    trial_ids: jax.Array,
    ks: tuple[int, ...],
    time_model: str,
    dtype,
) -> Outcomes:
    """The reference scheme: every ``k`` draws its own ``k`` inferences per trial; ``(K, T)``.

    ``k`` draws from ``fold_in(key, k)``. The ``k`` values sharing a power of two ``S``
    (``S/2 < k <= S``) run as one compiled loop over ``k``: each step draws ``S`` inferences
    (a stream's first ``k`` values do not depend on its length) and masks the rest, so a
    grid compiles at most ``log2(k_max) + 1`` loop bodies instead of one per ``k``. The
    results are those of drawing exactly ``k``: :func:`tree_sum` pairs a zero-padded
    power-of-two axis the same way, the maxima are exact, and the waves' prefix scans read
    only the first ``k`` calls.
    """
    outs = []
    for group in _pow2_groups(ks):
        size = 1 << (group[-1] - 1).bit_length()
        pos = jnp.arange(size)

        def one(k, size=size, pos=pos):
            z = draw_normals(jax.random.fold_in(key, k), trial_ids, size, dtype)
            cost, time, acc = inference(p, z)
            live = pos < k
            zero = jnp.zeros((), dtype)
            c = tree_sum(jnp.where(live, cost, zero))
            a = jnp.max(jnp.where(live, acc, jnp.asarray(-jnp.inf, dtype)), axis=-1)
            if time_model == "paper":
                t = tree_sum(jnp.where(live, time, zero))
                t = t / jnp.minimum(parallel, k.astype(parallel.dtype)).astype(dtype)
            else:
                t = _wave_time_at(time, parallel, k)
            return c, t, a

        outs.append(lax.map(one, jnp.asarray(group, jnp.int32)))
    return Outcomes(*(jnp.concatenate([o[i] for o in outs]) for i in range(3)))


@partial(jax.jit, static_argnames=("ks", "scheme", "time_model"))
def simulate_trials(
    key: jax.Array,
    trial_ids: jax.Array,
    params: ModelParams,
    parallel: jax.Array,
    *,
    ks: tuple[int, ...],
    scheme: str = "crn",
    time_model: str = "paper",
) -> Outcomes:
    """Outcomes of the given trials for ``M`` models: each field ``(M, K, T)``.

    ``params`` leaves and ``parallel`` carry a leading models axis ``(M,)``.
    """
    dtype = params.c_in.dtype
    if scheme == "crn":
        z = draw_normals(key, trial_ids, max(ks), dtype)
        return jax.vmap(lambda p, P: outcomes_crn(p, P, z, ks, time_model))(params, parallel)
    return jax.vmap(
        lambda p, P: outcomes_independent(p, P, key, trial_ids, ks, time_model, dtype)
    )(params, parallel)
