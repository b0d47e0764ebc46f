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

from . import _devices as _dev
from ._aggregation import validate_aggregation
from ._latency import Latency, latency_params, validate_latency
from ._models import FLOAT_FIELDS, Model, validate_model
from ._serving import Serving, serving_params, validate_serving
from ._table import Objective
from ._usermodel import UserModel, cast_params, check_outputs, validate_user_model
from ._validation import as_key, positive_int
from .kernels import sampling as _k
from .kernels.aggregation import BestOfK

__all__ = ["EXTRA_OBJECTIVES", "QUANTILE_LEVELS", "ExtendedSamples", "Samples", "Stats",
           "Summary", "sample", "summarize"]

#: Default percentile levels reported by :func:`summarize` (as fractions).
QUANTILE_LEVELS: tuple[float, ...] = (0.025, 0.5, 0.95, 0.975, 0.99)

Scheme = Literal["crn", "independent"]
TimeModel = Literal["paper", "waves"]

#: The objectives that ``latency=`` and ``serving=`` add, beyond cost, time and accuracy.
EXTRA_OBJECTIVES: dict[str, Objective] = {
    "ttft": Objective("ttft", "min", "s", (0.0, math.inf)),
    "e2e": Objective("e2e", "min", "s", (0.0, math.inf)),
    "tok_s_gpu": Objective("tok_s_gpu", "max", "tok/s/gpu", (0.0, math.inf)),
    "usd_per_mtok": Objective("usd_per_mtok", "min", "$/Mtok", (0.0, math.inf)),
}


class Samples(NamedTuple):
    """Per-trial outcomes of :func:`sample`: each field ``([M,] K, num_trials)``.

    ``cost`` is $ per query, ``time`` seconds per query and ``accuracy`` the best-of-k score.
    """

    cost: jax.Array
    time: jax.Array
    accuracy: jax.Array


class ExtendedSamples(NamedTuple):
    """Per-trial outcomes of :func:`sample` with ``latency=`` or ``serving=``: the fields of
    :class:`Samples` plus ``extra``, objective name -> array of the same shape (``ttft``,
    ``e2e`` in seconds per query; ``tok_s_gpu``, ``usd_per_mtok``; see
    :data:`EXTRA_OBJECTIVES`).

    Examples
    --------
    >>> import frontier
    >>> x = frontier.sample(frontier.catalog()["gpt5-nano"], [1, 4], key=0, num_trials=100,
    ...                     latency="ttft")
    >>> sorted(x.extra), x.extra["e2e"].shape == x.time.shape
    (['e2e', 'ttft'], True)
    >>> bool((x.extra["ttft"] <= x.extra["e2e"]).all())
    True
    """

    cost: jax.Array
    time: jax.Array
    accuracy: jax.Array
    extra: dict[str, jax.Array]


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
    """Result of :func:`summarize`.

    ``extra`` holds the :class:`Stats` of the objectives that ``latency=`` and ``serving=``
    add (see :data:`EXTRA_OBJECTIVES`); it is empty otherwise.
    """

    cost: Stats
    time: Stats
    accuracy: Stats
    ks: tuple[int, ...]
    num_trials: int
    quantile_levels: tuple[float, ...]
    exact_quantiles: bool
    extra: dict[str, Stats] = {}  # noqa: RUF012 - never mutated

    @property
    def objectives(self) -> tuple[str, ...]:
        """Names of every objective held: ``cost``, ``time``, ``accuracy``, then extras."""
        return ("cost", "time", "accuracy", *self.extra)

    def stats(self, name: str) -> Stats:
        """The :class:`Stats` of objective ``name`` (``ValueError`` listing the known)."""
        if name in ("cost", "time", "accuracy"):
            return getattr(self, name)
        if name in self.extra:
            return self.extra[name]
        raise ValueError(f"unknown objective {name!r}; the summary has {list(self.objectives)}")


# ----------------------------------------------------------------------------- validation


def _validate_one(m: Any, label: str | None = None) -> Any:
    if isinstance(m, UserModel):
        return validate_user_model(m, label)
    return validate_model(m, label)


def _as_models(models: Any) -> tuple[list[Any], bool]:
    """Return (models, batched): ``batched`` when a sequence or mapping was given."""
    if isinstance(models, Model | UserModel):
        return [_validate_one(models)], False
    if isinstance(models, Mapping):
        seq = list(models.values())
    elif isinstance(models, Iterable) and not isinstance(models, str | bytes):
        seq = list(models)
    else:
        raise TypeError(
            "`models` must be a frontier.Model or frontier.UserModel, a sequence of them or a"
            f" mapping key -> model, got {type(models).__name__}"
        )
    if not seq:
        raise ValueError("`models` is empty")
    out = [_validate_one(m, label=f"models[{i}]") for i, m in enumerate(seq)]
    if len({isinstance(m, UserModel) for m in out}) > 1:
        raise TypeError("`models` mixes frontier.Model and frontier.UserModel; simulate them in"
                        " separate calls")
    return out, True


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


def _check_range(models: Sequence[Any], kmax: int, dtype) -> None:
    """Raise when a model's outcomes could overflow ``dtype`` (e.g. float32 prices of 1e30).

    The bound uses the clip limits: ``Lin <= 16 mu_Lin`` and ``Lout <= 16 Lin``, summed over
    ``kmax`` inferences. Tracers (inside ``jit``/``grad``) are skipped.
    """
    big = float(jnp.finfo(dtype).max)
    for i, m in enumerate(models):
        if not isinstance(m, Model):
            continue
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


class _Plan(NamedTuple):
    """A validated simulation: what to run (``dyn``) and how to shape the results."""

    ms: list[Any]
    batched: bool  # a models axis in the outputs
    batch_axis: bool  # a serving batch axis after it
    nb: int  # serving batch values (1 without serving)
    ks: tuple[int, ...]
    order: tuple[int, ...]
    perm: np.ndarray
    num_trials: int
    key: jax.Array
    ext: bool  # the extension path (kernels.sampling.simulate_spec)
    dyn: Any  # (params, parallel) on the paper path, else a kernels.sampling.Spec
    names: tuple[str, ...]
    dtype: Any
    scheme: str
    time_model: str
    batches: tuple[float, ...] = ()


def _needs(agg: Any, user: bool, lat: Any, srv: Any) -> tuple[str, ...]:
    """Outputs a user model must return for ``agg``, ``lat`` and ``srv``; raises for the
    paper model when the aggregation reads a correctness it does not have."""
    a = BestOfK() if agg is None else agg
    needs: list[str] = []
    if a.needs == "score":
        needs.append("score")
    elif getattr(a, "difficulty", None) is None:
        if not user:
            raise ValueError(
                f"`aggregation`: {type(a).__name__} has no difficulty, and the paper model has "
                "no per-inference correctness; pass one, e.g. "
                "frontier.aggregation.PassAtK(frontier.aggregation.Beta(a, b))")
        needs.append("correct")
    if lat is not None or srv is not None:
        needs += ["input_tokens", "output_tokens"]
    return tuple(needs)


def _prepare(models, ks, key, num_trials, parallel, scheme, time_model, dtype,
             aggregation=None, latency=None, serving=None) -> _Plan:
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
    par = _as_parallel(parallel, ms)
    agg = validate_aggregation(aggregation)
    lat = validate_latency(latency)
    srv_v = validate_serving(serving)
    user = isinstance(ms[0], UserModel)
    ext = user or not (agg is None or isinstance(agg, BestOfK)) or lat is not None or (
        srv_v is not None)
    k = as_key(key)
    if not ext:
        return _Plan(ms, batched, False, 1, ks, order, perm, num_trials, k, False,
                     (_stack_params(ms, dt), jnp.asarray(par)), ("cost", "time", "accuracy"),
                     dt, scheme, time_model)
    srv, batches, batch_axis = srv_v if srv_v is not None else (None, (), False)
    needs = _needs(agg, user, lat, srv)
    if user:
        for i, m in enumerate(ms):
            label = f"model {m.name!r}" if m.name else f"models[{i}]"
            check_outputs(m, dt, label, needs=needs)
            if lat is not None and lat.prefill_rate is None and (
                    srv is None or srv.prefill_rate is None):
                raise ValueError(f"{label}: the latency of a user model needs a prefill rate: "
                                 "give Latency(prefill_rate=...) or Serving(prefill_rate=...)")
            if lat is not None and lat.tpot is None and srv is None:
                raise ValueError(f"{label}: the latency of a user model needs a TPOT: give "
                                 "Latency(tpot=...) or a Serving curve")
            if srv is not None and srv.prefill_rate is None:
                raise ValueError(f"{label}: serving a user model needs "
                                 "Serving(prefill_rate=...) (the paper model's t_in is the "
                                 "default only for frontier.Model)")
    nb = max(1, len(batches))
    if user:
        mdyn: Any = tuple(cast_params(m, dt) for m in ms for _ in range(nb))
    else:
        mdyn = _stack_params(ms, dt)
        if nb > 1:
            mdyn = jax.tree.map(lambda a: jnp.repeat(a, nb), mdyn)
    adyn = None if agg is None else jax.tree.map(lambda x: jnp.asarray(x, dt), agg)
    spec = _k.Spec(mdyn, jnp.asarray(np.repeat(par, nb)), adyn,
                   None if lat is None else latency_params(lat, dt),
                   None if srv is None else serving_params(srv, batches, len(ms), dt))
    return _Plan(ms, batched, batch_axis, nb, ks, order, perm, num_trials, k, True, spec,
                 _k.spec_names(spec), dt, scheme, time_model, batches)


def _layout(plan: _Plan) -> tuple:
    """The static facts :func:`_shape` needs (hashable, for ``jit``)."""
    perm = tuple(int(i) for i in plan.perm)
    return (None if perm == tuple(range(len(perm))) else perm, len(plan.ms), plan.nb,
            plan.batch_axis, plan.batched)


def _shape(plan: _Plan | tuple, x: Any, k_axis: int = 2) -> Any:
    """``(J, M', K, ...)`` in sorted-k order -> the caller's k order, ``M'`` split into
    ``([M,] [B,])``."""
    perm, M, nb, batch_axis, batched = _layout(plan) if isinstance(plan, _Plan) else plan
    if perm is not None:
        x = jnp.take(x, jnp.asarray(perm), axis=k_axis)
    x = x.reshape(x.shape[0], M, nb, *x.shape[2:])
    if not batch_axis:
        x = x[:, :, 0]
    if not batched:
        x = x[:, 0]
    return x


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


@partial(jax.jit, static_argnames=("ks", "num_trials", "batch", "scheme", "time_model",
                                   "dtype", "layout"))
def _sample_spec_jit(key, spec, *, ks, num_trials, batch, scheme, time_model, dtype,
                     layout=None):
    """``(J, M', K, num_trials)``; with ``layout``, the tuple of the ``J`` outcomes in the
    caller's shape (the reordering then fuses with the copy out of the batches)."""
    nb = -(-num_trials // batch)
    ids = jnp.arange(nb * batch, dtype=jnp.uint32).reshape(nb, batch)
    sim = partial(_k.simulate_spec, ks=ks, scheme=scheme, time_model=time_model, dtype=dtype)
    out = lax.map(lambda i: sim(key, i, spec), ids)  # (nb, J, M, K, batch)
    out = jnp.moveaxis(out, 0, 3)  # (J, M, K, nb, batch)
    out = out.reshape(*out.shape[:3], nb * batch)[..., :num_trials]
    if layout is None:
        return out
    x = _shape(layout, out)
    return tuple(x[j] for j in range(x.shape[0]))


def _all_outcomes(plan: _Plan, num_trials: int, batch: int | None = None) -> jax.Array:
    """Every outcome ``(J, M', K, num_trials)`` in sorted-k order."""
    if batch is None:
        batch = min(_atom(max(plan.order)), num_trials)
    if not plan.ext:
        params, par = plan.dyn
        return jnp.stack(_sample_jit(plan.key, params, par, ks=plan.order,
                                     num_trials=num_trials, batch=batch, scheme=plan.scheme,
                                     time_model=plan.time_model))
    return _sample_spec_jit(plan.key, plan.dyn, ks=plan.order, num_trials=num_trials,
                            batch=batch, scheme=plan.scheme, time_model=plan.time_model,
                            dtype=plan.dtype)


def _sharded_outcomes(plan: _Plan, num_trials: int, devices: tuple[jax.Device, ...],
                      batch: int | None = None) -> jax.Array:
    """:func:`_all_outcomes` with the batches of trials split over ``devices``: the same
    values, sharded along the trial axis."""
    if batch is None:
        batch = min(_atom(max(plan.order)), num_trials)
    return _dev.sharded_blocks(_atom_outcomes, plan.key, plan.dyn, num_trials=num_trials,
                               batch=batch, devices=devices, ks=plan.order, scheme=plan.scheme,
                               time_model=plan.time_model, ext=plan.ext, dtype=plan.dtype)


def sample(
    models: Model | UserModel | Sequence[Model | UserModel] | Mapping[str, Model | UserModel],
    ks: int | Sequence[int],
    *,
    key: Any,
    num_trials: int,
    parallel: int | Sequence[int] | None = None,
    scheme: Scheme = "crn",
    time_model: TimeModel = "paper",
    aggregation: Any = None,
    latency: Latency | str | None = None,
    serving: Serving | None = None,
    batch_size: int | None = None,
    dtype: Any = None,
    devices: Any = None,
) -> Samples | ExtendedSamples:
    """Simulate ``num_trials`` trials of the paper model for every model and every ``k``.

    One trial of ``k`` inferences draws, for ``i = 1..k``, ``Lin_i = clip(N(mu_Lin,
    sigma_Lin), 1, 16 mu_Lin)``, ``Lout_i = clip(N(mu_Lout, sigma_Lout), 1, 16 Lin_i)``,
    ``A_i = clip(N(acc_mean, acc_std), 0, 1)`` and reports ``cost = sum_i C_i``,
    ``time = sum_i T_i / min(P, k)`` (``time_model="paper"``: the paper's ``(k/P) mean_i
    T_i``, with at most ``min(P, k)`` calls running at once) and ``accuracy = max_i A_i``
    (the paper model of arXiv 2510.18905).

    Beyond the paper: ``aggregation`` replaces the oracle best-of-k (pass@k, majority vote,
    an imperfect verifier: :mod:`frontier.aggregation`), ``latency`` adds time to first
    token and end-to-end time (:class:`frontier.Latency`), ``serving`` a batch-size knob with
    GPU-hour cost and throughput (:class:`frontier.Serving`), and ``models`` may be your own
    (:class:`frontier.UserModel`).

    Parameters
    ----------
    models
        A :class:`Model` or :class:`UserModel`, or a sequence / mapping of them, all of one
        kind (then outputs get a leading models axis, in the given order).
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
    aggregation
        How the ``k`` samples make one answer (:mod:`frontier.aggregation`); default the
        paper's oracle best-of-k on the accuracy score.
    latency
        ``"ttft"`` or a :class:`frontier.Latency`: adds the objectives ``ttft`` and ``e2e``.
    serving
        A :class:`frontier.Serving`: cost and time from a GPU deployment's throughput-latency
        curve at each batch size (a ``batch`` axis after the models axis when
        ``serving.batch`` is a sequence); adds ``tok_s_gpu`` and ``usd_per_mtok``.
    batch_size
        Trials simulated together (memory ``~ 12 * batch_size * max(ks)`` bytes); results do
        not depend on it. Default: about ``2**18 / max(ks)``.
    dtype
        Float dtype of the outputs; default ``float32`` (``float64`` when x64 is enabled).
    devices
        Where the trials run, as in :func:`summarize`: ``None`` (default) for every local
        device (after ``jax.distributed.initialize``, every device of every process), an
        int ``n`` for the first ``n`` of ``jax.local_devices()``, or a sequence of
        :class:`jax.Device`. With several devices the batches of trials are split over them
        and the outputs stay sharded along the trial axis (reductions over it then run on
        the devices); after ``jax.distributed.initialize`` every process gets every outcome
        (gathered onto its first device). The values do not depend on the devices (bit for
        bit for a fixed key and backend). Under a transformation (``jit``, ``grad``) the
        trials run where the transformation places them and ``devices`` is not used.

    Returns
    -------
    Samples or ExtendedSamples
        ``cost``, ``time``, ``accuracy``, each ``([M,] [B,] K, num_trials)``; with
        ``latency`` or ``serving``, an :class:`ExtendedSamples` whose ``extra`` holds the
        added objectives.

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
    gradient where active). The aggregation's, queueing's and serving's own draws come from
    ``fold_in(fold_in(key, t), tag)``, so the paper model's draws are the same with or
    without them.

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
    plan = _prepare(models, ks, key, num_trials, parallel, scheme, time_model, dtype,
                    aggregation, latency, serving)
    num_trials, order = plan.num_trials, plan.order
    if batch_size is None:
        batch = min(_atom(max(order)), num_trials)
    else:
        batch = min(positive_int(batch_size, "batch_size"), num_trials)
    devs = _dev.resolve_devices(devices)
    if len(devs) > 1 and not _dev.traced((plan.key, plan.dyn)):
        x = _sharded_outcomes(plan, num_trials, devs, batch)
        if not x.is_fully_addressable:  # several processes: every process gets everything
            x = _dev.gather(x, _dev._home(devs))
        return _as_samples(plan, _in_layout(x, layout=_layout(plan)))
    if devices is not None and not _dev.traced((plan.key, plan.dyn)):
        with jax.default_device(devs[0]):
            return _sample_one(plan, batch)
    return _sample_one(plan, batch)


def _as_samples(plan: _Plan, x: Sequence[jax.Array]) -> Samples | ExtendedSamples:
    if len(plan.names) == 3:
        return Samples(x[0], x[1], x[2])
    return ExtendedSamples(x[0], x[1], x[2], {n: x[j] for j, n in enumerate(plan.names)
                                              if j >= 3})


@partial(jax.jit, static_argnames=("layout",))
def _in_layout(x, *, layout):
    """``(J, M', K, n)`` in sorted-k order -> the tuple of the ``J`` outcomes in the
    caller's shape."""
    x = _shape(layout, x)
    return tuple(x[j] for j in range(x.shape[0]))


def _sample_one(plan: _Plan, batch: int) -> Samples | ExtendedSamples:
    """:func:`sample` on the default device."""
    num_trials, order, perm = plan.num_trials, plan.order, plan.perm
    scheme, time_model = plan.scheme, plan.time_model
    if plan.ext:
        x = _sample_spec_jit(plan.key, plan.dyn, ks=order, num_trials=num_trials, batch=batch,
                             scheme=scheme, time_model=time_model, dtype=plan.dtype,
                             layout=_layout(plan))
        return _as_samples(plan, x)
    params, par = plan.dyn
    out = _sample_jit(
        plan.key, params, par, ks=order, num_trials=num_trials, batch=batch, scheme=scheme,
        time_model=time_model,
    )
    if not np.array_equal(perm, np.arange(len(order))):
        out = _k.Outcomes(*(a[:, perm] for a in out))
    if not plan.batched:
        out = _k.Outcomes(*(a[0] for a in out))
    return Samples(*out)


# ----------------------------------------------------------------------------- summarize


class _Acc(NamedTuple):
    """Streaming accumulator; every field ``(J, M, K)`` except ``hist`` ``(J, M, K, B + 2)``."""

    s1: jax.Array  # Neumaier sum of (x - shift)
    c1: jax.Array  # its compensation
    s2: jax.Array  # Neumaier sum of (x - shift) ** 2
    c2: jax.Array
    mn: jax.Array
    mx: jax.Array
    hist: jax.Array


_neumaier = _dev.neumaier


def _atom_outcomes(key, ids, dyn, ks, scheme, time_model, ext, dtype):
    if ext:
        return _k.simulate_spec(key, ids, dyn, ks=ks, scheme=scheme, time_model=time_model,
                                dtype=dtype)  # (J, M, K, A)
    params, parallel = dyn
    o = _k.simulate_trials(key, ids, params, parallel, ks=ks, scheme=scheme, time_model=time_model)
    return jnp.stack(o)  # (3, M, K, A)


@partial(
    jax.jit,
    static_argnames=("ks", "scheme", "time_model", "atom", "atoms", "num_trials", "ext",
                     "dtype"),
    donate_argnums=(0,),
)
def _stream_step(acc, key, start, dyn, shift, lo, width, *, ks, scheme, time_model, atom,
                 atoms, num_trials, ext, dtype):
    """Fold ``atoms`` blocks of ``atom`` trials, starting at trial ``start``, into ``acc``."""

    def body(acc, j):
        ids = start + j * atom + jnp.arange(atom, dtype=jnp.uint32)
        sd, sd2, mn, mx, hist = _atom_step(acc.mn, acc.mx, acc.hist, ids, key, dyn, shift, lo,
                                           width, ks=ks, scheme=scheme, time_model=time_model,
                                           num_trials=num_trials, ext=ext, dtype=dtype)
        s1, c1 = _neumaier(acc.s1, acc.c1, sd)
        s2, c2 = _neumaier(acc.s2, acc.c2, sd2)
        return _Acc(s1, c1, s2, c2, mn, mx, hist), None

    return lax.scan(body, acc, jnp.arange(atoms, dtype=jnp.uint32))[0]


def _atom_step(mn, mx, hist, ids, key, dyn, shift, lo, width, *, ks, scheme, time_model,
               num_trials, ext, dtype):
    """One block of trials ``ids``: its sums of ``x - shift`` and ``(x - shift)**2`` (to be
    folded in trial order) and the updated extremes and histogram counts."""
    nbins = hist.shape[-1] - 2
    x = _atom_outcomes(key, ids, dyn, ks, scheme, time_model, ext, dtype)
    valid = ids < jnp.uint32(num_trials)
    d = jnp.where(valid, x - shift[..., None], jnp.zeros((), x.dtype))
    mn = jnp.minimum(mn, jnp.min(jnp.where(valid, x, jnp.inf), axis=-1))
    mx = jnp.maximum(mx, jnp.max(jnp.where(valid, x, -jnp.inf), axis=-1))
    b = jnp.floor((x - lo[..., None]) / width[..., None])
    b = jnp.clip(b, -1, nbins).astype(jnp.int32) + 1  # 0: underflow, nbins+1: overflow
    flat_base = jnp.arange(hist[..., 0].size, dtype=jnp.int32).reshape(hist.shape[:-1])
    flat = jnp.where(valid, flat_base[..., None] * (nbins + 2) + b, hist.size)  # drop pad
    hist = hist.reshape(-1).at[flat.reshape(-1)].add(1, mode="drop").reshape(hist.shape)
    return _k.tree_sum(d), _k.tree_sum(d * d), mn, mx, hist


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
    models: Model | UserModel | Sequence[Model | UserModel] | Mapping[str, Model | UserModel],
    ks: int | Sequence[int],
    *,
    key: Any,
    num_trials: int,
    parallel: int | Sequence[int] | None = None,
    scheme: Scheme = "crn",
    time_model: TimeModel = "paper",
    aggregation: Any = None,
    latency: Latency | str | None = None,
    serving: Serving | None = None,
    quantiles: Sequence[float] = QUANTILE_LEVELS,
    quantile_method: Literal["auto", "exact", "sketch"] = "auto",
    num_bins: int = 4096,
    chunk_size: int | None = None,
    max_exact: int = 1 << 25,
    progress: bool = False,
    dtype: Any = None,
    devices: Any = None,
) -> Summary:
    """Per (model, k) statistics of cost, time and accuracy, streamed over the trials.

    Same model, draws and conventions as :func:`sample` (the same key gives the same
    trials), but the trajectories are never all held: the trials are walked in chunks, so
    memory does not grow with ``num_trials`` (except for exact quantiles, below).

    Parameters
    ----------
    models, ks, key, num_trials, parallel, scheme, time_model, dtype
        As in :func:`sample`.
    aggregation, latency, serving
        As in :func:`sample`; the objectives these add are in ``Summary.extra``.
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
    devices
        Where the trials run: ``None`` (default) for every local device (after
        ``jax.distributed.initialize``, every device of every process: each process
        simulates its share and every process gets the whole result), an int ``n`` for the
        first ``n`` of ``jax.local_devices()``, or a sequence of :class:`jax.Device`.
        The trials are split into contiguous blocks, one per device (``jax.shard_map`` over
        a one-axis mesh); the devices keep their own extremes and histogram counts and
        return per-block sums, which are folded on the first device in trial order, as on
        one device. For a fixed key the result does not depend on the devices used (nor on
        ``chunk_size``); across backends (CPU vs GPU) it agrees to float rounding.

    Returns
    -------
    Summary
        ``cost``, ``time``, ``accuracy`` :class:`Stats`, each ``([M,] [B,] K)`` (quantiles
        ``([M,] [B,] K, Q)``), plus ``ks``, ``num_trials``, ``quantile_levels``,
        ``exact_quantiles`` and ``extra`` (name -> :class:`Stats` of the added objectives).

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
    plan = _prepare(models, ks, key, num_trials, parallel, scheme, time_model, dtype,
                    aggregation, latency, serving)
    ks, order, num_trials = plan.ks, plan.order, plan.num_trials
    levels = tuple(float(q) for q in quantiles)
    if not levels or any(not (0.0 <= q <= 1.0) for q in levels):
        raise ValueError(f"`quantiles` must be non-empty levels in [0, 1], got {quantiles!r}")
    if quantile_method not in ("auto", "exact", "sketch"):
        raise ValueError(
            f"`quantile_method` must be 'auto', 'exact' or 'sketch', got {quantile_method!r}")
    num_bins = positive_int(num_bins, "num_bins")
    n_variants, n_k, n_obj = len(plan.ms) * plan.nb, len(order), len(plan.names)
    exact = quantile_method == "exact" or (
        quantile_method == "auto" and n_obj * n_variants * n_k * num_trials <= max_exact
    )
    dt = plan.dtype
    if chunk_size is not None:
        chunk_size = positive_int(chunk_size, "chunk_size")
    n = num_trials
    devs = _dev.resolve_devices(devices)
    if exact:
        # Everything fits: simulate all trials (batch-size independent) and reduce exactly.
        if len(devs) == 1:
            with jax.default_device(devs[0]):
                x = _all_outcomes(plan, n)
        else:
            # reduce in one place, whatever the devices
            x = _dev.gather(_sharded_outcomes(plan, n, devs), _dev._home(devs))
        mean, std, sem, mn, mx = _exact_moments(x)
        if jax.default_backend() == "cpu":  # NumPy's selection beats XLA's CPU sort ~7x
            q = jnp.asarray(np.moveaxis(np.quantile(np.asarray(x), levels, axis=-1), 0, -1), dt)
        else:
            q = _exact_quantiles(x, jnp.asarray(levels, dt))
        qerr = jnp.zeros_like(q)
    else:
        with jax.default_device(_dev._home(devs)):
            mean, std, sem, mn, mx, q, qerr = _sketch_stats(plan, n, levels, num_bins,
                                                            chunk_size, progress, devs)

    fields = tuple(_shape(plan, f) for f in (mean, std, sem, mn, mx, q, qerr))

    def stats(i):
        return Stats(*(f[i] for f in fields))

    extra = {name: stats(j) for j, name in enumerate(plan.names) if j >= 3}
    return Summary(stats(0), stats(1), stats(2), ks, n, levels, exact, extra)


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


def _sketch_stats(plan, n, levels, num_bins, chunk_size, progress, devs=None):
    """Stream the trials through compensated sums and fixed-width histograms."""
    order, dt = plan.order, plan.dtype
    n_models, n_k = len(plan.ms) * plan.nb, len(order)
    atom = min(_atom(max(order)), 1 << max(0, (n - 1).bit_length()))
    atoms = max(1, min(64, -(-n // atom))) if chunk_size is None else -(-chunk_size // atom)
    total_atoms = -(-n // atom)
    # Pilot: the first trials, independent of the chunking, for the shift and the range.
    n_pilot = min(n, 1 << 15)
    if devs is not None and len(devs) > 1:  # split too, then gathered: the same numbers
        pilot = _dev.gather(_sharded_outcomes(plan, n_pilot, devs), _dev._home(devs))
    else:
        pilot = _all_outcomes(plan, n_pilot)  # (J, M, K, n_pilot)
    shift = jnp.mean(pilot, axis=-1)
    lo = jnp.min(pilot, axis=-1)
    hi = jnp.max(pilot, axis=-1)
    del pilot
    tiny = jnp.maximum(jnp.abs(lo), 1.0) * jnp.finfo(dt).eps
    width = jnp.maximum((hi - lo) / num_bins, tiny)
    shape = (len(plan.names), n_models, n_k)
    acc = _Acc(*(jnp.zeros(shape, dt) for _ in range(4)), jnp.full(shape, jnp.inf, dt),
               jnp.full(shape, -jnp.inf, dt), jnp.zeros((*shape, num_bins + 2), jnp.int32))
    t0 = _time.perf_counter()

    def report(done_atoms):
        if progress:
            done = min(done_atoms * atom, n)
            print(f"frontier: {done}/{n} trials ({100 * done / n:.0f}%),"
                  f" {_time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)

    if devs is not None and len(devs) > 1:
        acc = _dev.sharded_stream(
            _atom_step, acc, plan.key, plan.dyn, shift, lo, width, devices=devs, atom=atom,
            atoms=atoms, total_atoms=total_atoms, on_chunk=report, ks=order,
            scheme=plan.scheme, time_model=plan.time_model, num_trials=n, ext=plan.ext,
            dtype=plan.dtype)
    done_atoms = total_atoms if devs is not None and len(devs) > 1 else 0
    while done_atoms < total_atoms:
        step_atoms = min(atoms, total_atoms - done_atoms)
        acc = _stream_step(
            acc, plan.key, jnp.uint32(done_atoms * atom), plan.dyn, shift, lo, width, ks=order,
            scheme=plan.scheme, time_model=plan.time_model, atom=atom, atoms=step_atoms,
            num_trials=n, ext=plan.ext, dtype=plan.dtype,
        )
        done_atoms += step_atoms
        report(done_atoms)
    m1 = (acc.s1 + acc.c1) / n
    var = jnp.maximum((acc.s2 + acc.c2) / n - m1 * m1, 0.0)
    sem = jnp.sqrt(var * n / (n - 1) / n) if n > 1 else jnp.full_like(var, jnp.nan)
    qn, en = _hist_quantiles(np.asarray(acc.hist), np.asarray(lo), np.asarray(width),
                             np.asarray(acc.mn), np.asarray(acc.mx), n, levels)
    return (shift + m1, jnp.sqrt(var), sem, acc.mn, acc.mx, jnp.asarray(qn, dt),
            jnp.asarray(en, dt))
