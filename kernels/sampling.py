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

Extensions (:func:`simulate_spec`): an aggregation of the k samples
(:mod:`frontier.kernels.aggregation`), a latency model (time to first token, end-to-end), a
serving curve (batch size, GPU-hour cost, parameter draws per trial) and user models (a
function of normals and uniforms per inference). Their own draws come from
``fold_in(fold_in(key, t), tag)`` with one tag per extension, one 1-D stream per quantity, so
they keep every property above and leave the paper model's draws as they are; with none of
them, :func:`simulate_spec` gives the paper model's outcomes draw for draw.
"""

from __future__ import annotations

import itertools
import math
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ._primitives import pick_max, reduce_max

__all__ = [
    "LatencyParams",
    "ModelParams",
    "Outcomes",
    "ServingParams",
    "Spec",
    "arith_progression",
    "draw_normals",
    "draw_uniforms",
    "inference",
    "outcomes_crn",
    "outcomes_independent",
    "paper_record",
    "prefix_reduce",
    "resolve_aggregation",
    "serve",
    "simulate_spec",
    "simulate_trials",
    "spec_names",
    "time_rule",
    "tree_sum",
    "user_record",
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


def draw_normals(key: jax.Array, trial_ids: jax.Array, kmax: int, dtype,
                 num: int = 3) -> jax.Array:
    """Standard normals ``(T, num, kmax)`` for the given trial indices.

    Stream ``j`` of trial ``t`` is ``normal(split(fold_in(key, t), num)[j], (kmax,))``; with
    the partitionable Threefry that JAX uses, ``split(k, n)[j]`` does not depend on ``n``,
    so the first streams are the same whatever ``num``.
    """

    def one(i):
        streams = jax.random.split(jax.random.fold_in(key, i), num)
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
    return reduce_max(x, -1)


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
        ident, fn, red = -jnp.inf, pick_max, _tree_max
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


def _wave_runs(time: jax.Array, parallel: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Call indices and the running maximum of ``time`` within each wave of ``parallel``
    calls (reset at every wave's first call), along the last axis."""
    idx = jnp.arange(time.shape[-1], dtype=parallel.dtype)  # int32 P under x64: no mixing

    def combine(a, b):
        fa, va = a
        fb, vb = b
        return fa | fb, jnp.where(fb, vb, pick_max(va, vb))

    flags = jnp.broadcast_to((idx % parallel) == 0, time.shape)  # first call of a wave
    _, run = lax.associative_scan(combine, (flags, time), axis=time.ndim - 1)
    return idx, run


def _wave_time(time: jax.Array, parallel: jax.Array, ks: tuple[int, ...]) -> jax.Array:
    """Wall time of ``ceil(k/P)`` waves, each as long as its slowest call: ``(T, n) -> (K, T)``."""
    n = time.shape[-1]
    parallel = jnp.asarray(parallel)
    idx, run = _wave_runs(time, parallel)
    ends = ((idx + 1) % parallel == 0) | (idx == n - 1)
    done = jnp.cumsum(jnp.where(ends, run, jnp.zeros((), time.dtype)), axis=-1)
    kk = np.asarray(ks, np.int32) - 1
    first = kk - kk % parallel  # index of the first call of k's last wave
    before = jnp.where(first > 0, done[..., jnp.maximum(first - 1, 0)],
                       jnp.zeros((), time.dtype))
    return (before + run[..., kk]).T


def _wave_time_at(time: jax.Array, parallel: jax.Array, k: jax.Array) -> jax.Array:
    """:func:`_wave_time` of the first ``k`` calls (``k`` traced, ``<= n``): ``(T, n) -> (T,)``."""
    parallel = jnp.asarray(parallel)
    idx, run = _wave_runs(time, parallel)
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
            a = reduce_max(jnp.where(live, acc, jnp.asarray(-jnp.inf, dtype)), -1)
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


# ----------------------------------------------------------------------------- extensions
# Aggregations, latency, serving and user models. The paper model's default path above is
# untouched; this path reproduces it draw for draw when none of the extensions is used.

#: ``fold_in`` tags of the extension streams inside a trial's key.
TAG_LATENCY = 0x4C415459  # "LATY"
TAG_SERVING = 0x53525645  # "SRVE"
TAG_UNIFORM = 0x554E4946  # "UNIF"

#: Objective names of the extensions, in output order.
LATENCY_OBJECTIVES = ("ttft", "e2e")
SERVING_OBJECTIVES = ("tok_s_gpu", "usd_per_mtok")


class LatencyParams(NamedTuple):
    """Per-call latency: ``TTFT = Lin / prefill_rate + Q`` and ``decode = Lout * tpot``.

    ``Q`` is the queueing delay, exponential with mean ``queue`` (seconds; 0 for none).
    ``prefill_rate`` (tokens/s) and ``tpot`` (s/token) default, when None, to the serving
    curve's or to the paper model's ``1 / t_in`` and ``t_out``.
    """

    queue: Any
    prefill_rate: Any = None
    tpot: Any = None


class ServingParams(NamedTuple):
    """The serving curve of one model replica, leaves ``(M,)`` (``chol`` ``(M, 3, 3)``).

    ``TPOT(b) = t0 + slope * b``, decode rate ``efficiency * b / TPOT(b)`` tokens/s;
    ``t_in = 1 / prefill_rate`` (None: the model's own); ``chol``: lower Cholesky factor of
    the covariance of ``(t0, slope, efficiency)``, or None for no parameter uncertainty.
    """

    t0: Any
    slope: Any
    efficiency: Any
    batch: Any
    gpu_hour: Any
    num_gpus: Any
    prefill_rate: Any = None
    chol: Any = None


class Spec(NamedTuple):
    """Everything a simulation with extensions needs (a pytree).

    ``models``: :class:`ModelParams` with ``(M,)`` leaves, or a tuple of user models (objects
    with ``params``, ``fn``, ``num_normals``, ``num_uniforms``); ``parallel`` ``(M,)``;
    ``aggregation`` (None: best-of-k on the score), ``latency``, ``serving`` (leaves
    ``(M,)``) or None.
    """

    models: Any
    parallel: Any
    aggregation: Any = None
    latency: Any = None
    serving: Any = None


def spec_names(spec: Spec) -> tuple[str, ...]:
    """The outcome names of ``spec``, in output order."""
    names = ("cost", "time", "accuracy")
    if spec.latency is not None:
        names += LATENCY_OBJECTIVES
    if spec.serving is not None:
        names += SERVING_OBJECTIVES
    return names


def resolve_aggregation(agg):
    """``agg``, or the paper's :class:`~frontier.kernels.aggregation.BestOfK` for None."""
    from .aggregation import BestOfK

    return BestOfK() if agg is None else agg


def draw_uniforms(keys: jax.Array, num: int, kmax: int, dtype) -> jax.Array:
    """``(T, num, kmax)`` uniforms from ``split(fold_in(key_t, TAG_UNIFORM), num)``."""

    def one(k):
        streams = jax.random.split(jax.random.fold_in(k, TAG_UNIFORM), num)
        return jax.vmap(lambda s: jax.random.uniform(s, (kmax,), dtype))(streams)

    return jax.vmap(one)(keys)


def paper_record(p: ModelParams, z: jax.Array) -> dict[str, jax.Array]:
    """Per-inference record of the paper model from normals ``z`` ``(T, 3, kmax)``: input and
    output lengths (clipped as the reference code clips them), cost, time and, when ``z`` has
    a third row, the accuracy score."""
    lin = jnp.clip(p.mu_Lin + p.sigma_Lin * z[:, 0, :], 1.0, 16.0 * p.mu_Lin)
    lout = jnp.clip(p.mu_Lout + p.sigma_Lout * z[:, 1, :], 1.0, 16.0 * lin)
    rec = {"lin": lin, "lout": lout, "cost": p.c_in * lin + p.c_out * lout,
           "time": p.t_in * lin + p.t_out * lout}
    if z.shape[1] > 2:
        rec["score"] = jnp.clip(p.acc_mean + p.acc_std * z[:, 2, :], 0.0, 1.0)
    return rec


_USER_KEYS = {"input_tokens": "lin", "output_tokens": "lout"}


def user_record(model, z: jax.Array, u: jax.Array, dtype) -> dict[str, jax.Array]:
    """A user model's per-inference outputs ``(T, kmax)`` from normals ``z`` ``(T, nz, kmax)``
    and uniforms ``u`` ``(T, nu, kmax)``: ``model.fn(params, z_i, u_i)`` for one inference,
    vectorised over trials and inferences."""
    z = z[:, : model.num_normals]
    u = u[:, : model.num_uniforms]
    per = jax.vmap(lambda zz, uu: model.fn(model.params, zz, uu), in_axes=(1, 1))  # over i
    out = jax.vmap(per)(z, u)  # over trials
    rec = {}
    for name, v in out.items():
        v = jnp.asarray(v)
        rec[_USER_KEYS.get(name, name)] = v if v.dtype == jnp.bool_ else v.astype(dtype)
    return rec


def serve(rec, srv: ServingParams, t_in, zs, dtype):
    """Cost and time per inference from the serving curve; per-trial throughput and price."""
    t0 = jnp.asarray(srv.t0, dtype)
    slope = jnp.asarray(srv.slope, dtype)
    eff = jnp.asarray(srv.efficiency, dtype)
    if srv.chol is not None:
        d = zs @ jnp.asarray(srv.chol, dtype).T  # (T, 3): parameters drawn per trial
        t0, slope, eff = t0 + d[:, 0], slope + d[:, 1], eff + d[:, 2]
    batch = jnp.asarray(srv.batch, dtype)
    # a parameter draw that would make TPOT or the efficiency vanish is clipped
    tpot = jnp.maximum(t0 + slope * batch, jnp.asarray(1e-9, dtype))
    eff = jnp.maximum(eff, jnp.asarray(1e-6, dtype))
    if srv.prefill_rate is not None:
        t_in = 1.0 / jnp.asarray(srv.prefill_rate, dtype)
    usd_s = jnp.asarray(srv.gpu_hour, dtype) * jnp.asarray(srv.num_gpus, dtype) / 3600.0
    rate = eff * batch / tpot  # output tokens/s of the replica
    tp = tpot[:, None] if tpot.ndim else tpot
    rt = rate[:, None] if rate.ndim else rate
    rec = {**rec, "time": rec["lin"] * t_in + rec["lout"] * tp,
           "cost": usd_s * (rec["lin"] * t_in + rec["lout"] / rt)}
    per_gpu = rate / jnp.asarray(srv.num_gpus, dtype)
    usd_mtok = usd_s / rate * 1e6
    return rec, t_in, tpot, per_gpu, usd_mtok


def _combine_time(x, parallel, ks, time_model):
    if time_model == "paper":
        return time_rule(prefix_reduce(x, ks, "add"), parallel, ks)
    return _wave_time(x, parallel, ks)


def _one_model(rec, parallel, spec: Spec, srv, t_in, t_out, draws, ks, time_model):
    """Outcomes ``(J, K, T)`` of one model from its per-inference record."""
    agg = resolve_aggregation(spec.aggregation)
    out = []
    extra = []
    if srv is not None:
        rec, t_in, tpot, per_gpu, usd_mtok = serve(rec, srv, t_in, draws["serving"],
                                                   rec["cost"].dtype)
        t_out = tpot
    out.append(prefix_reduce(rec["cost"], ks, "add"))
    out.append(_combine_time(rec["time"], parallel, ks, time_model))
    out.append(agg.accuracy(rec, draws["aggregation"], ks))
    lat = spec.latency
    if lat is not None:
        dt = rec["cost"].dtype
        t_pre = t_in if lat.prefill_rate is None else 1.0 / jnp.asarray(lat.prefill_rate, dt)
        tpot = t_out if lat.tpot is None else jnp.asarray(lat.tpot, dt)
        tpot = tpot[:, None] if jnp.ndim(tpot) else tpot
        t_pre = t_pre[:, None] if jnp.ndim(t_pre) else t_pre
        ttft = rec["lin"] * t_pre + jnp.asarray(lat.queue, dt) * draws["latency"]
        e2e = ttft + rec["lout"] * tpot
        # the first wave: min over the first min(k, P) calls = prefix minimum of the calls
        # i < P (a prefix maximum of the negated values: the cheap segment form)
        wave1 = lax.broadcasted_iota(parallel.dtype, ttft.shape, 1) < parallel
        out.append(-prefix_reduce(jnp.where(wave1, -ttft, -jnp.inf), ks, "max"))
        out.append(_combine_time(e2e, parallel, ks, time_model))
    if srv is not None:
        K = len(ks)
        extra = [jnp.broadcast_to(per_gpu, (K, *rec["cost"].shape[:1])),
                 jnp.broadcast_to(usd_mtok, (K, *rec["cost"].shape[:1]))]
    return jnp.stack(out + extra)


def _draws(key, trial_ids, spec: Spec, kmax: int, dtype):
    keys = jax.vmap(lambda i: jax.random.fold_in(key, i))(trial_ids)
    agg = resolve_aggregation(spec.aggregation)
    d = {"aggregation": agg.draw(keys, kmax, dtype)}
    if spec.latency is not None:
        d["latency"] = jax.vmap(lambda k: jax.random.exponential(
            jax.random.fold_in(k, TAG_LATENCY), (kmax,), dtype))(keys)
    if spec.serving is not None and spec.serving.chol is not None:
        d["serving"] = jax.vmap(lambda k: jax.random.normal(
            jax.random.fold_in(k, TAG_SERVING), (3,), dtype))(keys)
    else:
        d["serving"] = None
    return keys, d


def _outcomes_spec_crn(key, trial_ids, spec: Spec, ks, time_model, dtype):
    """``(J, M, K, T)`` with common random numbers across k (and across models)."""
    kmax = ks[-1]
    keys, draws = _draws(key, trial_ids, spec, kmax, dtype)
    agg = resolve_aggregation(spec.aggregation)
    srv_axes = None if spec.serving is None else jax.tree.map(lambda _: 0, spec.serving)
    if isinstance(spec.models, ModelParams):
        num = 3 if agg.needs == "score" else 2
        z = draw_normals(key, trial_ids, kmax, dtype, num=num)

        def one(p, P, srv):
            return _one_model(paper_record(p, z), P, spec, srv, p.t_in, p.t_out, draws, ks,
                              time_model)

        out = jax.vmap(one, in_axes=(0, 0, srv_axes))(spec.models, spec.parallel, spec.serving)
        return jnp.moveaxis(out, 0, 1)
    nz = max(m.num_normals for m in spec.models)
    nu = max(m.num_uniforms for m in spec.models)
    z = draw_normals(key, trial_ids, kmax, dtype, num=nz) if nz else (
        jnp.zeros((trial_ids.shape[0], 0, kmax), dtype))
    u = draw_uniforms(keys, nu, kmax, dtype) if nu else jnp.zeros((trial_ids.shape[0], 0, kmax),
                                                             dtype)
    outs = []
    for i, m in enumerate(spec.models):
        srv = None if spec.serving is None else jax.tree.map(lambda a, i=i: a[i], spec.serving)
        rec = user_record(m, z, u, dtype)
        outs.append(_one_model(rec, spec.parallel[i], spec, srv, None, None, draws, ks,
                               time_model))
    return jnp.stack(outs, axis=1)


@partial(jax.jit, static_argnames=("ks", "scheme", "time_model", "dtype"))
def simulate_spec(
    key: jax.Array,
    trial_ids: jax.Array,
    spec: Spec,
    *,
    ks: tuple[int, ...],
    scheme: str = "crn",
    time_model: str = "paper",
    dtype=jnp.float32,
) -> jax.Array:
    """Outcomes of the given trials with extensions: ``(J, M, K, T)``, ``J`` as
    :func:`spec_names`.

    ``scheme="independent"`` draws every ``k`` afresh from ``fold_in(key, k)``, as the
    reference code does.
    """
    if scheme == "crn":
        return _outcomes_spec_crn(key, trial_ids, spec, ks, time_model, dtype)
    parts = [_outcomes_spec_crn(jax.random.fold_in(key, k), trial_ids, spec, (k,), time_model,
                                dtype) for k in ks]
    return jnp.concatenate(parts, axis=2)
