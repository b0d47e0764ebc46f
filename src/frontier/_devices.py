"""Spreading work over devices (and processes) with ``jax.sharding``.

``devices=`` is taken by :func:`frontier.summarize` and :func:`frontier.optimize` (which
calls it), :func:`frontier.sample`, :func:`frontier.sensitivity` and the batched Pareto
wrappers :func:`frontier.is_nondominated_batch` and :func:`frontier.pareto_rank_batch`:
``None`` (default) for every local device (``jax.local_devices()``), an int ``n`` for the
first ``n`` of them, or a sequence of :class:`jax.Device`. After
``jax.distributed.initialize`` the default is every device of every process
(``jax.devices()``): each process computes the share of its own devices and every process
gets the whole result. On CPU hosts the collectives use gloo, which recent JAX selects by
default (for an older JAX whose ``jax_cpu_collectives_implementation`` is ``"none"``, set it
to ``"gloo"`` before ``jax.distributed.initialize``; :func:`initialize_distributed`, which
the command line uses, does that).

Everything runs inside ``jax.shard_map`` over a one-axis :class:`jax.sharding.Mesh` (axis
``"trials"``) and splits one leading axis into contiguous shares, one per device: blocks of
trials (:func:`sharded_stream`, :func:`sharded_blocks`; a trial's draws depend only on the
key and its index, never on the device), key batches or Pareto sets
(:func:`sharded_leading`).

Merging, so that results do not depend on the devices: histogram counts are integers and
minima/maxima are exact; the per-block sums behind means and variances are gathered and
folded in trial order on one device with the same compensated (Neumaier) summation as the
single-device stream, and exact paths gather the outcomes onto one device before reducing
them. The stream gathers its per-block sums once per segment of :data:`SEGMENT_BYTES`
(one segment for most runs), so a summarize makes ``O(1)`` collectives, not one per call.
For a fixed key the statistics are the same bit for bit whatever the number of devices,
processes or the chunk size (the tests check this on the CPU; across different backends
they agree to float rounding).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

__all__ = ["gather", "initialize_distributed", "neumaier", "resolve_devices", "sharded_blocks",
           "sharded_leading", "sharded_stream", "traced", "trial_mesh"]

AXIS = "trials"


def resolve_devices(devices: Any = None) -> tuple[jax.Device, ...]:
    """The devices to use: ``None`` = all local devices (all devices of all processes after
    ``jax.distributed.initialize``), an int = the first ``n`` local ones, or a non-empty
    sequence of distinct :class:`jax.Device`."""
    local = jax.local_devices()
    if devices is None:  # after jax.distributed.initialize: every process's devices
        return tuple(jax.devices()) if jax.process_count() > 1 else tuple(local)
    if isinstance(devices, bool):
        raise TypeError(f"`devices` must be None, an int or a sequence of jax.Device, got "
                        f"{devices!r}")
    if isinstance(devices, int | np.integer):
        n = int(devices)
        if not 1 <= n <= len(local):
            raise ValueError(f"`devices` must be between 1 and the {len(local)} local "
                             f"device(s), got {n}")
        return tuple(local[:n])
    if isinstance(devices, jax.Device):
        return (devices,)
    if not isinstance(devices, Sequence) or isinstance(devices, str):
        raise TypeError(f"`devices` must be None, an int or a sequence of jax.Device, got "
                        f"{type(devices).__name__}")
    devs = tuple(devices)
    if not devs or not all(isinstance(d, jax.Device) for d in devs):
        raise TypeError("`devices` must be a non-empty sequence of jax.Device (e.g. "
                        "jax.local_devices()[:2])")
    if len(set(devs)) != len(devs):
        raise ValueError(f"`devices` lists a device twice: {devs}")
    return devs


def traced(tree: Any) -> bool:
    """Whether a leaf of ``tree`` is a tracer (inside ``jit``, ``grad``, ``vmap``)."""
    return any(isinstance(a, jax.core.Tracer) for a in jax.tree.leaves(tree))


@functools.lru_cache(maxsize=16)
def trial_mesh(devices: tuple[jax.Device, ...]) -> Mesh:
    """A one-axis mesh (axis ``"trials"``) over ``devices``."""
    return Mesh(np.asarray(devices, dtype=object), (AXIS,))


def _put(tree: Any, sharding: NamedSharding) -> Any:
    """``jax.device_put`` that also works for a sharding over several processes (each
    process passes the same values and keeps its own shards)."""
    if sharding.is_fully_addressable:
        return jax.device_put(tree, sharding)

    def one(a):
        if jnp.issubdtype(a.dtype, jax.dtypes.prng_key):
            data = one(jax.random.key_data(a))
            return jax.random.wrap_key_data(data, impl=jax.random.key_impl(a))
        h = np.asarray(a)
        return jax.make_array_from_callback(h.shape, sharding, lambda idx: h[idx])

    return jax.tree.map(one, tree)


def _stacked(x: jax.Array, mesh: Mesh) -> jax.Array:
    """``x`` repeated along a new leading axis, one copy per device, sharded over it."""
    d = mesh.devices.size
    return _put(jnp.broadcast_to(x[None], (d, *x.shape)), NamedSharding(mesh, P(AXIS)))


def neumaier(s, c, x):
    """One step of Neumaier's compensated summation: ``(sum, compensation) + x``."""
    t = s + x
    c = c + jnp.where(jnp.abs(s) >= jnp.abs(x), (s - t) + x, (x - t) + s)
    return t, c


def _home(devices: tuple[jax.Device, ...]) -> jax.Device:
    """The first of ``devices`` that this process owns (where the folds run)."""
    me = jax.process_index()
    return next((d for d in devices if d.process_index == me), jax.local_devices()[0])


def gather(x: Any, device: jax.Device) -> Any:
    """``x`` (a pytree of arrays, possibly sharded, possibly over several processes) copied
    whole onto ``device``, a device of this process."""
    def one(a):
        if isinstance(a, jax.Array) and not a.is_fully_addressable:
            from jax.experimental import multihost_utils

            a = multihost_utils.process_allgather(a, tiled=True)
        return jax.device_put(a, device)

    return jax.tree.map(one, x)


@jax.jit
def _fold(acc, sd, sd2):
    """Fold per-block sums ``sd``, ``sd2`` ``(blocks, ...)`` into ``acc`` in block order,
    with the same operations as the single-device stream (so the same numbers)."""
    def body(a, row):
        s1, c1 = neumaier(a.s1, a.c1, row[0])
        s2, c2 = neumaier(a.s2, a.c2, row[1])
        return a._replace(s1=s1, c1=c1, s2=s2, c2=c2), None

    return lax.scan(body, acc, (sd, sd2))[0]


@jax.jit
def _merge_extremes(mn, mx, hist):
    return jnp.min(mn, axis=0), jnp.max(mx, axis=0), jnp.sum(hist, axis=0, dtype=hist.dtype)


#: Largest size in bytes of the per-block sums a multi-device stream buffers on its devices
#: before they are gathered and folded (a bound on memory whatever ``num_trials``).
SEGMENT_BYTES = 1 << 26


@functools.lru_cache(maxsize=32)
def _stream_fn(atom_step: Callable, mesh: Mesh, per: int, atom: int, static: tuple):
    kwargs = dict(static)

    def local(part, bufs, key, start, span, pos, dyn, shift, lo, width):
        # device i owns the blocks [start + i * span, start + (i + 1) * span) of the segment
        # and walks them ``per`` at a time, from block ``pos`` of its range
        i = lax.axis_index(AXIS).astype(jnp.uint32)
        first = start + (i * span + pos) * jnp.uint32(atom)

        def body(carry, j):
            ids = first + j * atom + jnp.arange(atom, dtype=jnp.uint32)
            sd, sd2, *carry = atom_step(*carry, ids, key, dyn, shift, lo, width, **kwargs)
            return tuple(carry), (sd, sd2)

        carry, sums = lax.scan(body, tuple(a[0] for a in part),
                               jnp.arange(per, dtype=jnp.uint32))
        bufs = tuple(lax.dynamic_update_slice_in_dim(b, s, pos.astype(jnp.int32), axis=0)
                     for b, s in zip(bufs, sums, strict=True))
        return tuple(a[None] for a in carry), bufs

    rep = P()
    fn = jax.shard_map(local, mesh=mesh,
                       in_specs=(P(AXIS), P(AXIS), rep, rep, rep, rep, rep, rep, rep, rep),
                       out_specs=(P(AXIS), P(AXIS)), check_vma=False)
    return jax.jit(fn, donate_argnums=(0, 1))


@functools.lru_cache(maxsize=32)
def _zeros_fn(mesh: Mesh, shape: tuple, dtype: Any):
    return jax.jit(functools.partial(jnp.zeros, shape, dtype),
                   out_shardings=NamedSharding(mesh, P(AXIS)))


def sharded_stream(atom_step: Callable, acc: Any, key: jax.Array, dyn: Any, shift: jax.Array,
                   lo: jax.Array, width: jax.Array, *, devices: tuple[jax.Device, ...],
                   atom: int, atoms: int, total_atoms: int,
                   on_chunk: Callable[[int], None] | None = None, **static: Any) -> Any:
    """Fold ``total_atoms`` blocks of ``atom`` trials into the accumulator ``acc``.

    ``atom_step(mn, mx, hist, ids, key, dyn, shift, lo, width, **static)`` handles one block
    of trial ids: it returns the block's sums of ``x - shift`` and ``(x - shift)**2`` and the
    updated extremes and histogram. The blocks are walked in segments of at most
    :data:`SEGMENT_BYTES` of per-block sums; within a segment every device owns one
    contiguous range of blocks, which it walks ``atoms`` blocks per call, writing the
    blocks' sums into a buffer on the device (no transfer between calls, none between
    processes). At the end of a segment the buffers are gathered once (one collective after
    ``jax.distributed.initialize``); laid end to end they are the segment's blocks in trial
    order, which are folded on the first device of this process exactly as the
    single-device stream folds them. The devices keep their own extremes and counts, merged
    exactly at the end. So the result depends neither on the number of devices or
    processes nor on ``atoms``, and a summarize makes ``O(1)`` collectives (one per segment,
    plus the final merge), not one per call.
    """
    mesh = trial_mesh(devices)
    d = len(devices)
    rep = NamedSharding(mesh, P())
    key, dyn, shift, lo, width = _put((key, dyn, shift, lo, width), rep)
    part = tuple(_stacked(a, mesh) for a in (acc.mn, acc.mx, acc.hist))
    home = _home(devices)
    sums = gather(acc, home)
    frozen = tuple(sorted(static.items()))
    row = tuple(acc.s1.shape)
    # whole segments are a multiple of d blocks: padding only past the last trial, where
    # atom_step counts nothing
    seg_max = d * max(1, SEGMENT_BYTES // (2 * d * max(1, acc.s1.size) * acc.s1.dtype.itemsize))
    done = 0
    while done < total_atoms:
        seg = min(seg_max, total_atoms - done)  # blocks in this segment
        span = -(-seg // d)  # blocks per device (the last devices may get padding)
        bufs = tuple(_zeros_fn(mesh, (d * span, *row), acc.s1.dtype)() for _ in range(2))
        pos = 0
        while pos < span:
            per = min(atoms, span - pos)
            fn = _stream_fn(atom_step, mesh, per, atom, frozen)
            part, bufs = fn(part, bufs, key, jnp.uint32(done * atom), jnp.uint32(span),
                            jnp.uint32(pos), dyn, shift, lo, width)
            pos += per
            if on_chunk is not None:
                on_chunk(done + min(seg, pos * d))
        sd, sd2 = gather(bufs, home)  # (d * span, ...): the segment's blocks in trial order
        sums = _fold(sums, sd[:seg], sd2[:seg])
        done += seg
    mn, mx, hist = gather(_merge_extremes(*part), home)
    return sums._replace(mn=mn, mx=mx, hist=hist)


@functools.lru_cache(maxsize=32)
def _blocks_fn(block: Callable, mesh: Mesh, per: int, batch: int, static: tuple):
    kwargs = dict(static)

    def local(key, dyn):
        i = lax.axis_index(AXIS).astype(jnp.uint32)
        ids = (i * jnp.uint32(per) + jnp.arange(per, dtype=jnp.uint32))[:, None] * jnp.uint32(
            batch) + jnp.arange(batch, dtype=jnp.uint32)[None, :]
        return lax.map(lambda b: block(key, b, dyn, **kwargs), ids)  # (per, ..., batch)

    fn = jax.shard_map(local, mesh=mesh, in_specs=(P(), P()), out_specs=P(AXIS),
                       check_vma=False)
    return jax.jit(fn)


def sharded_blocks(block: Callable, key: jax.Array, dyn: Any, *, num_trials: int, batch: int,
                   devices: tuple[jax.Device, ...], **static: Any) -> jax.Array:
    """Every outcome ``(..., num_trials)`` of ``block(key, ids, dyn, **static)``, which maps
    ``batch`` trial ids to ``(..., batch)`` outcomes, with the batches split over devices.

    The result is sharded over ``devices`` along the trial axis; reductions over it
    (means, extremes) then run on the devices.
    """
    mesh = trial_mesh(devices)
    d = len(devices)
    num_batches = -(-num_trials // batch)
    per = -(-num_batches // d)  # batches per device
    key, dyn = _put((key, dyn), NamedSharding(mesh, P()))
    out = _blocks_fn(block, mesh, per, batch, tuple(sorted(static.items())))(key, dyn)
    return _flatten(out, num_trials=num_trials)


@functools.partial(jax.jit, static_argnames=("num_trials",))
def _flatten(out, *, num_trials):
    out = jnp.moveaxis(out, 0, -2)  # (..., nb, batch)
    return out.reshape(*out.shape[:-2], -1)[..., :num_trials]


@functools.lru_cache(maxsize=32)
def _leading_fn(fn: Callable, mesh: Mesh, nargs: int, static: tuple):
    kwargs = dict(static)

    def local(x, *args):
        return fn(x, *args, **kwargs)

    spec = jax.shard_map(local, mesh=mesh, in_specs=(P(AXIS), *([P()] * nargs)),
                         out_specs=P(AXIS), check_vma=False)
    return jax.jit(spec)


def sharded_leading(fn: Callable, x: jax.Array, *args: Any, devices: tuple[jax.Device, ...],
                    **static: Any) -> Any:
    """``fn(x, *args, **static)`` with the leading axis of ``x`` split over ``devices``.

    ``fn`` maps a stack of items ``(b, ...)`` to outputs whose leading axis is the same
    ``b``, each item on its own (a vmap or a ``lax.map``): every device runs it on its
    contiguous share of ``x`` (``NamedSharding`` over the leading axis, inside
    ``jax.shard_map``), so the outputs are those of one device, item for item. The leading
    axis is padded to a multiple of the number of devices with copies of the last item
    (computed, then dropped). ``args`` are replicated; ``fn`` and the ``static`` keyword
    values must be hashable (one compilation per distinct value). In one process the
    outputs stay sharded over ``devices``; over several processes they are gathered onto
    this process's first device, so every process gets the whole result.
    """
    mesh = trial_mesh(devices)
    d, b = len(devices), x.shape[0]
    pad = -b % d
    if pad:
        x = jnp.concatenate([x, jnp.broadcast_to(x[-1:], (pad, *x.shape[1:]))])
    x, args = _put(x, NamedSharding(mesh, P(AXIS))), _put(args, NamedSharding(mesh, P()))
    out = _leading_fn(fn, mesh, len(args), tuple(sorted(static.items())))(x, *args)
    if not all(a.is_fully_addressable for a in jax.tree.leaves(out)):
        out = gather(out, _home(devices))
    return jax.tree.map(lambda a: a[:b], out) if pad else out


def initialize_distributed(coordinator: str, num_processes: int, process_id: int) -> None:
    """``jax.distributed.initialize`` for ``num_processes`` processes, this one
    ``process_id``, with the coordinator at ``coordinator`` (``HOST:PORT``, served by
    process 0). Must run before any JAX computation of the process.

    On CPU hosts the cross-process collectives need an implementation: recent JAX selects
    gloo by default; where the installed JAX has none (``None`` or ``"none"``, as older
    versions did), gloo is selected here first.
    """
    current = getattr(jax.config, "jax_cpu_collectives_implementation", "gloo")
    if str(current or "none").lower() == "none":
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes,
                               process_id=process_id)
