"""Monte Carlo front-end: :func:`sample` (every trajectory) and :func:`summarize` (streaming)."""

from __future__ import annotations

import math
import sys
import time as _time
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any, Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ._models import FLOAT_FIELDS, Model, validate_model
from ._validation import as_key, positive_int
from .kernels import sampling as _k

__all__ = ["QUANTILE_LEVELS", "Samples", "Stats", "Summary", "sample", "summarize"]

#: Default percentile levels reported by :func:`summarize` (as fractions).
QUANTILE_LEVELS: tuple[float, ...] = (0.025, 0.5, 0.95, 0.975, 0.99)

Scheme = Literal["crn", "independent"]
TimeModel = Literal["paper", "waves"]


class Samples(NamedTuple):
    """Per-trial outcomes of :func:`sample`: each field ``([M,] K, num_trials)``.

    ``cost`` is $ per query, ``time`` seconds per query and ``accuracy`` the best-of-k score.
    """

    cost: jax.Array
    time: jax.Array
    accuracy: jax.Array


class Stats(NamedTuple):
    """Statistics of one objective over the trials, per (model, k).

    Attributes
    ----------
    mean, std, sem, min, max
        ``([M,] K)``. ``std`` uses ``ddof=0`` (the paper's convention); ``sem`` is the standard
        error of the mean, ``sqrt(var_ddof1 / num_trials)`` (NaN for a single trial).
    quantiles
        ``([M,] K, Q)`` at :attr:`Summary.quantile_levels`, NumPy's default (linear)
        definition.
    quantile_error
        ``([M,] K, Q)``: a bound on ``|quantiles - exact sample quantile|``: 0 when exact,
        otherwise the width of the histogram bin(s) holding the order statistics (see
        :func:`summarize`); ``inf`` never occurs for a level inside the pilot's range.
    """

    mean: jax.Array
    std: jax.Array
    sem: jax.Array
    min: jax.Array
    max: jax.Array
    quantiles: jax.Array
    quantile_error: jax.Array


class Summary(NamedTuple):
    """Result of :func:`summarize`."""

    cost: Stats
    time: Stats
    accuracy: Stats
    ks: tuple[int, ...]
    num_trials: int
    quantile_levels: tuple[float, ...]
    exact_quantiles: bool


# ----------------------------------------------------------------------------- validation


def _as_models(models: Any) -> tuple[list[Model], bool]:
    """Return (models, batched): ``batched`` when a sequence or mapping was given."""
    if isinstance(models, Model):
        return [validate_model(models)], False
    if isinstance(models, Mapping):
        seq = list(models.values())
    elif isinstance(models, Iterable) and not isinstance(models, str | bytes):
        seq = list(models)
    else:
        raise TypeError(
            "`models` must be a frontier.Model, a sequence of them or a mapping key -> Model,"
            f" got {type(models).__name__}"
        )
    if not seq:
        raise ValueError("`models` is empty")
    return [validate_model(m, label=f"models[{i}]") for i, m in enumerate(seq)], True


def _as_ks(ks: Any) -> tuple[int, ...]:
    if isinstance(ks, int | np.integer) and not isinstance(ks, bool):
        ks = (int(ks),)
    try:
        arr = list(ks)
    except TypeError:
        raise TypeError(f"`ks` must be an int or a sequence of ints, got {ks!r}") from None
    if not arr:
        raise ValueError("`ks` is empty")
    out = tuple(positive_int(k, f"ks[{i}]") for i, k in enumerate(arr))
    if len(set(out)) != len(out):
        raise ValueError(f"`ks` has duplicates: {out}")
    return out


def _as_parallel(parallel: Any, models: Sequence[Model]) -> np.ndarray:
    if parallel is None:
        return np.asarray([m.default_parallel for m in models], np.int32)
    if isinstance(parallel, int | np.integer) and not isinstance(parallel, bool):
        return np.full(len(models), positive_int(parallel, "parallel"), np.int32)
    try:
        seq = list(parallel)
    except TypeError:
        raise TypeError(
            f"`parallel` must be None, an int or one int per model, got {parallel!r}") from None
    if len(seq) != len(models):
        raise ValueError(f"`parallel` has {len(seq)} entries for {len(models)} models")
    return np.asarray([positive_int(p, f"parallel[{i}]") for i, p in enumerate(seq)], np.int32)


def _float_dtype(dtype: Any) -> jnp.dtype:
    if dtype is None:
        return jnp.dtype(jnp.result_type(float))
    dt = jnp.dtype(dtype)
    if not jnp.issubdtype(dt, jnp.floating):
        raise TypeError(f"`dtype` must be a floating dtype, got {dt}")
    return dt


def _stack_params(models: Sequence[Model], dtype) -> _k.ModelParams:
    leaves = [getattr(m, f) for f in FLOAT_FIELDS for m in models]
    if not any(isinstance(v, jax.core.Tracer) for v in leaves):  # one transfer
        table = jnp.asarray(np.asarray(leaves, np.float64).reshape(len(FLOAT_FIELDS), -1), dtype)
        return _k.ModelParams(*table)
    cols = [
        jnp.stack([jnp.asarray(getattr(m, f), dtype) for m in models]) for f in FLOAT_FIELDS
    ]
    return _k.ModelParams(*cols)


def _check_options(scheme: str, time_model: str) -> None:
    if scheme not in ("crn", "independent"):
        raise ValueError(f"`scheme` must be 'crn' or 'independent', got {scheme!r}")
    if time_model not in ("paper", "waves"):
        raise ValueError(f"`time_model` must be 'paper' or 'waves', got {time_model!r}")


def _check_range(models: Sequence[Model], kmax: int, dtype) -> None:
    """Raise when a model's outcomes could overflow ``dtype`` (e.g. float32 prices of 1e30).

    The bound uses the clip limits: ``Lin <= 16 mu_Lin`` and ``Lout <= 16 Lin``, summed over
    ``kmax`` inferences. Tracers (inside ``jit``/``grad``) are skipped.
    """
    big = float(jnp.finfo(dtype).max)
    for i, m in enumerate(models):
        vals = {f: getattr(m, f) for f in ("c_in", "c_out", "t_in", "t_out", "mu_Lin")}
        if any(isinstance(v, jax.core.Tracer) for v in vals.values()):
            continue
        v = {f: float(x) for f, x in vals.items()}
        lin, lout = 16.0 * v["mu_Lin"], 256.0 * v["mu_Lin"]
        for what, a, b in (("cost", "c_in", "c_out"), ("time", "t_in", "t_out")):
            bound = kmax * (v[a] * lin + v[b] * lout)
            if not bound < big:
                name = m.name or f"models[{i}]"
                raise ValueError(
                    f"model {name!r}: `{a}`/`{b}` are so large that the {what} of {kmax} "
                    f"inferences can overflow {jnp.dtype(dtype).name} (up to {bound:.3g} > "
                    f"{big:.3g}); express them in larger units or use dtype=float64 with x64")


def _prepare(models, ks, key, num_trials, parallel, scheme, time_model, dtype):
    ms, batched = _as_models(models)
    ks = _as_ks(ks)
    num_trials = positive_int(num_trials, "num_trials")
    if num_trials >= 1 << 31:
        raise ValueError(f"`num_trials` must be < 2**31, got {num_trials}")
    _check_options(scheme, time_model)
    dt = _float_dtype(dtype)
    _check_range(ms, max(ks), dt)
    order = tuple(sorted(ks))
    # position of each requested k in the sorted grid, to return the caller's order
    perm = np.asarray([order.index(k) for k in ks])
    return (ms, batched, ks, order, perm, num_trials, as_key(key),
            _stack_params(ms, dt), jnp.asarray(_as_parallel(parallel, ms)))


def _atom(kmax: int) -> int:
    """Trials per inner batch: ~2**18 normals, which keeps a batch in cache on CPU."""
    return 1 << max(4, min(12, int(math.log2(max(1, (1 << 18) // kmax)))))


# ----------------------------------------------------------------------------- sample


@partial(jax.jit, static_argnames=("ks", "num_trials", "batch", "scheme", "time_model"))
def _sample_jit(key, params, parallel, *, ks, num_trials, batch, scheme, time_model):
    nb = -(-num_trials // batch)
    ids = jnp.arange(nb * batch, dtype=jnp.uint32).reshape(nb, batch)
    sim = partial(_k.simulate_trials, ks=ks, scheme=scheme, time_model=time_model)
    out = lax.map(lambda i: sim(key, i, params, parallel), ids)  # fields (nb, M, K, batch)

    def fix(a):
        a = jnp.moveaxis(a, 0, 2)  # (M, K, nb, batch)
        return a.reshape(*a.shape[:2], nb * batch)[..., :num_trials]

    return _k.Outcomes(*(fix(a) for a in out))


def sample(
    models: Model | Sequence[Model] | Mapping[str, Model],
    ks: int | Sequence[int],
    *,
    key: Any,
    num_trials: int,
    parallel: int | Sequence[int] | None = None,
    scheme: Scheme = "crn",
    time_model: TimeModel = "paper",
    batch_size: int | None = None,
    dtype: Any = None,
) -> Samples:
    """Simulate ``num_trials`` trials of the paper model for every model and every ``k``.

    One trial of ``k`` inferences draws, for ``i = 1..k``, ``Lin_i = clip(N(mu_Lin,
    sigma_Lin), 1, 16 mu_Lin)``, ``Lout_i = clip(N(mu_Lout, sigma_Lout), 1, 16 Lin_i)``,
    ``A_i = clip(N(acc_mean, acc_std), 0, 1)`` and reports ``cost = sum_i C_i``,
    ``time = sum_i T_i / min(P, k)`` (``time_model="paper"``: the paper's ``(k/P) mean_i
    T_i``, with at most ``min(P, k)`` calls running at once) and ``accuracy = max_i A_i``
    (the paper model of arXiv 2510.18905).

    Parameters
    ----------
    models
        A :class:`Model`, or a sequence / mapping of them (then outputs get a leading models
        axis, in the given order).
    ks
        Numbers of inferences per query; positive, distinct, any order (outputs follow it).
    key
        A JAX key (``jax.random.key``) or an int seed. Required.
    num_trials
        Trials per (model, k), >= 1.
    parallel
        Parallelism ``P`` (int >= 1): ``None`` uses each model's ``default_parallel``; an int
        applies to every model; a sequence gives one per model.
    scheme
        ``"crn"`` (default): common random numbers, each trial draws ``max(ks)`` inferences
        once and every ``k`` reads prefix sums and maxima (cheaper, smoother curves in ``k``).
        ``"independent"``: the reference code's fresh draws for every ``k``.
    time_model
        ``"paper"`` (default): ``sum_i T_i / min(P, k)``, the paper's ``(k/P) mean_i T_i``
        except that at most ``min(P, k)`` calls run at once (so ``k < P`` calls take one
        call's mean time, not less); or ``"waves"``: ``ceil(k/P)`` waves of ``P`` parallel
        calls, each wave as long as its slowest call (the paper's rule ignores that a wave
        waits for its slowest call).
    batch_size
        Trials simulated together (memory ``~ 12 * batch_size * max(ks)`` bytes); results do
        not depend on it. Default: about ``2**18 / max(ks)``.
    dtype
        Float dtype of the outputs; default ``float32`` (``float64`` when x64 is enabled).

    Returns
    -------
    Samples
        ``cost``, ``time``, ``accuracy``, each ``([M,] K, num_trials)``.

    Raises
    ------
    TypeError, ValueError
        For a non-model, a bad ``k``, ``P`` or ``num_trials``, non-finite or negative model
        parameters, mismatched ``parallel`` length, or an unknown option; the message names
        the argument.

    Notes
    -----
    Trial ``t`` uses the key ``fold_in(key, t)``, so a trial's outcome does not depend on
    ``num_trials``, ``batch_size`` or, with ``scheme="crn"``, on the other ``ks``. The same
    normals drive every model of a call (common random numbers across models). The function
    is differentiable with respect to model fields (reparameterised draws; clips have zero
    gradient where active).

    Examples
    --------
    >>> import frontier
    >>> m = frontier.catalog()["gpt5-mini"]
    >>> s = frontier.sample(m, [1, 4, 16], key=0, num_trials=1000)
    >>> s.cost.shape
    (3, 1000)
    >>> bool((s.accuracy[2] >= s.accuracy[0]).all())  # best-of-k never falls with k (CRN)
    True
    """
    _, batched, ks, order, perm, num_trials, key, params, par = _prepare(
        models, ks, key, num_trials, parallel, scheme, time_model, dtype
    )
    if batch_size is None:
        batch = min(_atom(max(order)), num_trials)
    else:
        batch = min(positive_int(batch_size, "batch_size"), num_trials)
    out = _sample_jit(
        key, params, par, ks=order, num_trials=num_trials, batch=batch, scheme=scheme,
        time_model=time_model,
    )
    if not np.array_equal(perm, np.arange(len(order))):
        out = _k.Outcomes(*(a[:, perm] for a in out))
    if not batched:
        out = _k.Outcomes(*(a[0] for a in out))
    return Samples(*out)


# ----------------------------------------------------------------------------- summarize


class _Acc(NamedTuple):
    """Streaming accumulator; every field ``(3, M, K)`` except ``hist`` ``(3, M, K, B + 2)``."""

    s1: jax.Array  # Neumaier sum of (x - shift)
    c1: jax.Array  # its compensation
    s2: jax.Array  # Neumaier sum of (x - shift) ** 2
    c2: jax.Array
    mn: jax.Array
    mx: jax.Array
    hist: jax.Array


def _neumaier(s, c, x):
    t = s + x
    c = c + jnp.where(jnp.abs(s) >= jnp.abs(x), (s - t) + x, (x - t) + s)
    return t, c


def _atom_outcomes(key, ids, params, parallel, ks, scheme, time_model):
    o = _k.simulate_trials(key, ids, params, parallel, ks=ks, scheme=scheme, time_model=time_model)
    return jnp.stack(o)  # (3, M, K, A)


@partial(
    jax.jit,
    static_argnames=("ks", "scheme", "time_model", "atom", "atoms", "num_trials"),
    donate_argnums=(0,),
)
def _stream_step(acc, key, start, params, parallel, shift, lo, width, *, ks, scheme,
                 time_model, atom, atoms, num_trials):
    """Fold ``atoms`` blocks of ``atom`` trials, starting at trial ``start``, into ``acc``."""
    nbins = acc.hist.shape[-1] - 2

    def body(acc, j):
        first = start + j * atom
        ids = first + jnp.arange(atom, dtype=jnp.uint32)
        x = _atom_outcomes(key, ids, params, parallel, ks, scheme, time_model)
        valid = ids < jnp.uint32(num_trials)
        d = jnp.where(valid, x - shift[..., None], jnp.zeros((), x.dtype))
        s1, c1 = _neumaier(acc.s1, acc.c1, _k.tree_sum(d))
        s2, c2 = _neumaier(acc.s2, acc.c2, _k.tree_sum(d * d))
        mn = jnp.minimum(acc.mn, jnp.min(jnp.where(valid, x, jnp.inf), axis=-1))
        mx = jnp.maximum(acc.mx, jnp.max(jnp.where(valid, x, -jnp.inf), axis=-1))
        hist = acc.hist
        b = jnp.floor((x - lo[..., None]) / width[..., None])
        b = jnp.clip(b, -1, nbins).astype(jnp.int32) + 1  # 0: underflow, nbins+1: overflow
        flat_base = jnp.arange(hist[..., 0].size, dtype=jnp.int32).reshape(hist.shape[:-1])
        flat = jnp.where(valid, flat_base[..., None] * (nbins + 2) + b, hist.size)  # drop pad
        hist = hist.reshape(-1).at[flat.reshape(-1)].add(1, mode="drop").reshape(hist.shape)
        return _Acc(s1, c1, s2, c2, mn, mx, hist), None

    return lax.scan(body, acc, jnp.arange(atoms, dtype=jnp.uint32))[0]


def _hist_quantiles(hist, lo, width, mn, mx, n, levels):
    """Quantiles from histograms ``(..., B + 2)`` and their error bounds (NumPy semantics)."""
    nbins = hist.shape[-1] - 2
    counts = hist.astype(np.float64)
    cum = np.cumsum(counts, axis=-1)
    lo = lo.astype(np.float64)[..., None]
    w = width.astype(np.float64)[..., None]
    mn = mn.astype(np.float64)[..., None]
    mx = mx.astype(np.float64)[..., None]
    idx = np.arange(nbins + 2)
    left = np.where(idx == 0, mn, lo + (idx - 1) * w)
    right = np.where(idx == nbins + 1, mx, lo + idx * w)
    left = np.broadcast_to(left, counts.shape)
    right = np.broadcast_to(np.minimum(right, mx), counts.shape)
    left = np.minimum(np.maximum(left, mn), right)

    def order_stat(r):  # r: integer rank (0-based), same for all entries
        b = np.argmax(cum > r, axis=-1)[..., None]
        before = np.take_along_axis(cum, b, -1) - np.take_along_axis(counts, b, -1)
        cnt = np.take_along_axis(counts, b, -1)
        lft = np.take_along_axis(left, b, -1)
        rgt = np.take_along_axis(right, b, -1)
        frac = (r - before + 0.5) / cnt
        return (lft + (rgt - lft) * frac)[..., 0], (rgt - lft)[..., 0]

    qs, errs = [], []
    for q in levels:
        h = q * (n - 1)
        r0, r1 = math.floor(h), math.ceil(h)
        v0, e0 = order_stat(r0)
        v1, e1 = order_stat(r1)
        qs.append(v0 + (h - r0) * (v1 - v0))
        errs.append(np.maximum(e0, e1))
    return np.stack(qs, -1), np.stack(errs, -1)


def summarize(
    models: Model | Sequence[Model] | Mapping[str, Model],
    ks: int | Sequence[int],
    *,
    key: Any,
    num_trials: int,
    parallel: int | Sequence[int] | None = None,
    scheme: Scheme = "crn",
    time_model: TimeModel = "paper",
    quantiles: Sequence[float] = QUANTILE_LEVELS,
    quantile_method: Literal["auto", "exact", "sketch"] = "auto",
    num_bins: int = 4096,
    chunk_size: int | None = None,
    max_exact: int = 1 << 25,
    progress: bool = False,
    dtype: Any = None,
) -> Summary:
    """Per (model, k) statistics of cost, time and accuracy, streamed over the trials.

    Same model, draws and conventions as :func:`sample` (the same key gives the same
    trials), but the trajectories are never all held: the trials are walked in chunks, so
    memory does not grow with ``num_trials`` (except for exact quantiles, below).

    Parameters
    ----------
    models, ks, key, num_trials, parallel, scheme, time_model, dtype
        As in :func:`sample`.
    quantiles
        Levels in ``[0, 1]``; default ``(0.025, 0.5, 0.95, 0.975, 0.99)``.
    quantile_method
        ``"exact"`` keeps every outcome and sorts (memory ``12 * M * K * num_trials``
        bytes); ``"sketch"`` streams fixed-width histograms; ``"auto"`` (default) is exact
        when ``3 * M * K * num_trials <= max_exact``.
    num_bins
        Histogram bins per (objective, model, k) for the sketch.
    chunk_size
        Trials per device call (rounded up to a whole number of inner batches); it sets the
        progress granularity and nothing else: results do not depend on it.
    max_exact
        Largest number of stored outcomes for ``quantile_method="auto"`` to choose exact.
    progress
        Print progress to stderr.

    Returns
    -------
    Summary
        ``cost``, ``time``, ``accuracy`` :class:`Stats`, each ``([M,] K)`` (quantiles
        ``([M,] K, Q)``), plus ``ks``, ``num_trials``, ``quantile_levels`` and
        ``exact_quantiles``.

    Raises
    ------
    TypeError, ValueError
        As :func:`sample`, plus for levels outside ``[0, 1]`` or ``num_bins < 1``.

    Notes
    -----
    Exact mode simulates every trial (as :func:`sample`, which is batch-size independent) and
    reduces with two-pass formulas. The sketch streams: means and variances are sums of
    ``x - shift`` (``shift`` = the mean of a pilot: the first ``min(num_trials, 32768)``
    trials) accumulated block by block with Neumaier's compensated summation, in trial order,
    so they do not depend on ``chunk_size`` bit for bit; memory is ``O(M K (max(ks) + bins))``
    whatever ``num_trials``.

    The sketch: the pilot's minimum and maximum per (objective, model, k) set ``num_bins``
    equal bins, plus an underflow and an overflow bin; every trial is counted (integer
    counts, so chunking cannot change them). A quantile is read by placing each order
    statistic uniformly inside its bin and interpolating as NumPy does. **Error bound:** the
    exact sample order statistic lies in the same bin, so ``|estimate - exact| <=`` the width
    of the bin(s) involved, reported in ``quantile_error``: ``(pilot_max - pilot_min) /
    num_bins`` inside the pilot's range, and the distance between the pilot's and the overall
    extreme for a level that falls outside it (rare: with 32768 pilot trials, the 99th
    percentile lies above the pilot's maximum with probability below ``1e-140``).

    Examples
    --------
    >>> import frontier
    >>> m = frontier.catalog()["gpt5-nano"]
    >>> s = frontier.summarize(m, [4, 8], key=0, num_trials=5000)
    >>> s.cost.mean.shape, s.cost.quantiles.shape
    ((2,), (2, 5))
    >>> bool(s.exact_quantiles)
    True
    """
    ms, batched, ks, order, perm, num_trials, key, params, par = _prepare(
        models, ks, key, num_trials, parallel, scheme, time_model, dtype
    )
    levels = tuple(float(q) for q in quantiles)
    if not levels or any(not (0.0 <= q <= 1.0) for q in levels):
        raise ValueError(f"`quantiles` must be non-empty levels in [0, 1], got {quantiles!r}")
    if quantile_method not in ("auto", "exact", "sketch"):
        raise ValueError(
            f"`quantile_method` must be 'auto', 'exact' or 'sketch', got {quantile_method!r}")
    num_bins = positive_int(num_bins, "num_bins")
    n_models, n_k = len(ms), len(order)
    exact = quantile_method == "exact" or (
        quantile_method == "auto" and 3 * n_models * n_k * num_trials <= max_exact
    )
    dt = params.c_in.dtype
    if chunk_size is not None:
        chunk_size = positive_int(chunk_size, "chunk_size")
    n = num_trials
    if exact:
        # Everything fits: simulate all trials (batch-size independent) and reduce exactly.
        x = jnp.stack(sample(ms, order, key=key, num_trials=n, parallel=par.tolist(),
                             scheme=scheme, time_model=time_model, dtype=dt))
        mean, std, sem, mn, mx = _exact_moments(x)
        if jax.default_backend() == "cpu":  # NumPy's selection beats XLA's CPU sort ~7x
            q = jnp.asarray(np.moveaxis(np.quantile(np.asarray(x), levels, axis=-1), 0, -1), dt)
        else:
            q = _exact_quantiles(x, jnp.asarray(levels, dt))
        qerr = jnp.zeros_like(q)
    else:
        mean, std, sem, mn, mx, q, qerr = _sketch_stats(
            key, params, par, ms, order, n, scheme, time_model, dt, levels, num_bins,
            chunk_size, progress)

    fields = (mean, std, sem, mn, mx, q, qerr)
    if not np.array_equal(perm, np.arange(len(order))):
        fields = tuple(f[:, :, perm] for f in fields)
    if not batched:
        fields = tuple(f[:, 0] for f in fields)

    def stats(i):
        return Stats(*(f[i] for f in fields))

    return Summary(stats(0), stats(1), stats(2), ks, n, levels, exact)


@jax.jit
def _exact_moments(x):
    """Two-pass statistics over the last (trial) axis of ``x`` ``(3, M, K, n)``."""
    n = x.shape[-1]
    mean = jnp.mean(x, axis=-1)
    d = x - mean[..., None]
    var = jnp.mean(d * d, axis=-1)
    sem = jnp.sqrt(jnp.sum(d * d, axis=-1) / (n - 1) / n) if n > 1 else jnp.full_like(var, jnp.nan)
    return mean, jnp.sqrt(var), sem, jnp.min(x, axis=-1), jnp.max(x, axis=-1)


@jax.jit
def _exact_quantiles(x, levels):
    return jnp.moveaxis(jnp.quantile(x, levels, axis=-1), 0, -1)


def _sketch_stats(key, params, par, ms, order, n, scheme, time_model, dt, levels, num_bins,
                  chunk_size, progress):
    """Stream the trials through compensated sums and fixed-width histograms."""
    n_models, n_k = len(ms), len(order)
    atom = min(_atom(max(order)), 1 << max(0, (n - 1).bit_length()))
    atoms = max(1, min(64, -(-n // atom))) if chunk_size is None else -(-chunk_size // atom)
    total_atoms = -(-n // atom)
    # Pilot: the first trials, independent of the chunking, for the shift and the range.
    pilot = jnp.stack(
        sample(ms, order, key=key, num_trials=min(n, 1 << 15), parallel=par.tolist(),
               scheme=scheme, time_model=time_model, dtype=dt)
    )  # (3, M, K, n_pilot)
    shift = jnp.mean(pilot, axis=-1)
    lo = jnp.min(pilot, axis=-1)
    hi = jnp.max(pilot, axis=-1)
    del pilot
    tiny = jnp.maximum(jnp.abs(lo), 1.0) * jnp.finfo(dt).eps
    width = jnp.maximum((hi - lo) / num_bins, tiny)
    shape = (3, n_models, n_k)
    acc = _Acc(*(jnp.zeros(shape, dt) for _ in range(4)), jnp.full(shape, jnp.inf, dt),
               jnp.full(shape, -jnp.inf, dt), jnp.zeros((*shape, num_bins + 2), jnp.int32))
    t0 = _time.perf_counter()
    done_atoms = 0
    while done_atoms < total_atoms:
        step_atoms = min(atoms, total_atoms - done_atoms)
        acc = _stream_step(
            acc, key, jnp.uint32(done_atoms * atom), params, par, shift, lo, width, ks=order,
            scheme=scheme, time_model=time_model, atom=atom, atoms=step_atoms, num_trials=n,
        )
        done_atoms += step_atoms
        if progress:
            done = min(done_atoms * atom, n)
            print(f"frontier: {done}/{n} trials ({100 * done / n:.0f}%),"
                  f" {_time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    m1 = (acc.s1 + acc.c1) / n
    var = jnp.maximum((acc.s2 + acc.c2) / n - m1 * m1, 0.0)
    sem = jnp.sqrt(var * n / (n - 1) / n) if n > 1 else jnp.full_like(var, jnp.nan)
    qn, en = _hist_quantiles(np.asarray(acc.hist), np.asarray(lo), np.asarray(width),
                             np.asarray(acc.mn), np.asarray(acc.mx), n, levels)
    return (shift + m1, jnp.sqrt(var), sem, acc.mn, acc.mx, jnp.asarray(qn, dt),
            jnp.asarray(en, dt))
