"""Sensitivity of a selected operating point to prices, latencies, budgets: ``jax.grad``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import _devices as _dev
from ._aggregation import validate_aggregation
from ._models import FLOAT_FIELDS, Model
from ._rules import SOFT_RULES
from ._sampling import _as_models, _as_parallel, _float_dtype, _prepare, _stack_params
from ._serving import validate_serving
from ._study import Budget, _as_budget, candidate_ks
from ._usermodel import UserModel, param_names
from ._validation import as_key, positive_int
from .kernels import sampling as _k
from .kernels import select as _sel
from .kernels import soft as _soft
from .kernels.aggregation import BestOfK

__all__ = ["INPUTS", "OUTPUTS", "Sensitivity", "sensitivity", "soft_select"]

OUTPUTS: tuple[str, ...] = ("k", "cost", "time", "accuracy")
INPUTS: tuple[str, ...] = (*FLOAT_FIELDS, "C_max", "T_max", "acc_min")
Rule = Literal["knee_chord", "utopia", "accuracy", "cube"]


class Sensitivity(NamedTuple):
    """Result of :func:`sensitivity`; ``[M]`` is present when several models were given.

    Attributes
    ----------
    value, value_se
        ``([M,] 4)``: the soft-selected point's expected ``k``, cost ($), time (s) and
        accuracy, and their Monte Carlo standard errors.
    grad, grad_se
        ``([M,] 4, n)``: d output / d input for :data:`OUTPUTS` x ``inputs``: for the paper
        model :data:`INPUTS` (the ten model fields, then ``C_max``, ``T_max``,
        ``acc_min``); with a user model, an aggregation or serving, the model's parameters
        (``param_names``), the aggregation's (``difficulty.a``, ``phi``, ...), the serving
        curve's (``serving.t0``, ...), then the three budget values.
    elasticity, elasticity_se
        ``([M,] 4, n)``: d log output / d log input = grad * input / output (0 where the
        input is 0).
    hard_k
        ``([M,])``: the hard rule's k on the same Monte Carlo means, for reference (0 when
        the rule selects nothing).
    found, notes
        ``([M,])`` bool, and one line per model: when the hard rule selects nothing (no
        feasible k, or fewer than 3 Pareto points for a knee) there is no selected point to
        differentiate, so that model's values, gradients and elasticities are NaN and its
        note says why (which constraint binds, and by how much).
    """

    rule: str
    temperature: float
    models: tuple[str, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    value: jax.Array
    value_se: jax.Array
    grad: jax.Array
    grad_se: jax.Array
    elasticity: jax.Array
    elasticity_se: jax.Array
    hard_k: jax.Array
    knee_normalise: str = "front"
    found: Any = True
    notes: tuple[str, ...] = ()

    def ranked(self, output: str = "k", model: int = 0) -> list[tuple[str, float, float]]:
        """``(input, elasticity, se)`` for one output, largest ``|elasticity|`` first.

        Raises
        ------
        ValueError
            If the rule selects nothing for ``model`` (the message says why).
        """
        if not bool(np.asarray(self.found).reshape(-1)[model]):
            raise ValueError(f"no selected point to rank: {self.notes[model]}")
        o = self.outputs.index(output)
        el = np.asarray(self.elasticity)
        se = np.asarray(self.elasticity_se)
        if el.ndim == 3:
            el, se = el[model], se[model]
        rows = [(name, float(el[o, j]), float(se[o, j])) for j, name in enumerate(self.inputs)]
        return sorted(rows, key=lambda r: -abs(r[1]))


def soft_select(
    params: _k.ModelParams,
    parallel: jax.Array,
    limits: jax.Array,
    key: jax.Array,
    trial_ids: jax.Array,
    *,
    ks: tuple[int, ...],
    rule: str,
    temperature,
    acc_temperature=None,
    knee_normalise: str = "front",
) -> jax.Array:
    """Expected ``(k, cost, time, accuracy)`` at the softly selected point of one model.

    The building block of :func:`sensitivity`: a pure, jit-able function to differentiate
    or vectorise yourself.

    Parameters
    ----------
    params
        The model's float fields as a :class:`frontier.kernels.sampling.ModelParams`.
    parallel
        The parallelism P, an int32 scalar array.
    limits
        ``(C_max, T_max, acc_min)``, a float array of shape ``(3,)``.
    key
        A ``jax.random.key``; trial ``t`` draws from ``fold_in(key, t)``.
    trial_ids
        The trials to average over, a uint32 array (e.g. ``jnp.arange(n, dtype=jnp.uint32)``).
    ks
        The candidate k, a static tuple of ints.
    rule
        ``"accuracy"``, ``"cube"``, ``"utopia"`` or ``"knee_chord"``.
    temperature
        Softness of the rule in normalised units; as it goes to 0 the weights concentrate on
        the hard rule's candidate.
    acc_temperature
        Softness of the best-of-k maximum (default: hard maximum).
    knee_normalise
        ``"front"`` or ``"budget"``: the knee's space, as in :func:`frontier.optimize`.

    Returns
    -------
    jax.Array
        Shape ``(4,)``: the softly selected ``k``, cost, time and accuracy. Differentiable in
        ``params`` and ``limits`` for a fixed key (reparameterised common random numbers).

    Examples
    --------
    >>> import jax, jax.numpy as jnp, frontier
    >>> from frontier.kernels.sampling import ModelParams
    >>> m = frontier.catalog()["gpt5-mini"]
    >>> p = ModelParams(*(jnp.float32(getattr(m, f)) for f in ModelParams._fields))
    >>> def cost_at_knee(c_out):
    ...     return frontier.soft_select(p._replace(c_out=c_out), jnp.int32(4),
    ...                                 jnp.array([0.5, 60.0, 0.88]), jax.random.key(0),
    ...                                 jnp.arange(2048, dtype=jnp.uint32), ks=(4, 8, 16, 32),
    ...                                 rule="knee_chord", temperature=0.01)[1]
    >>> g = jax.grad(cost_at_knee)(p.c_out)
    >>> bool(g > 0)   # a dearer output token makes the knee point dearer
    True
    """
    c, t, a = _soft.soft_study_means(params, parallel, key, trial_ids, ks, acc_temperature)
    return _soft_point(c, t, a, limits, ks, rule, temperature, knee_normalise)


def _soft_point(c, t, a, limits, ks, rule, temperature, knee_normalise):
    """The rule's softmax weights over the candidates, applied to ``(k, cost, time, accuracy)``."""
    cn, tn = c / limits[0], t / limits[1]
    w = _soft.soft_rule_weights(rule, cn, tn, a, limits[2], temperature, knee_normalise)
    kf = jnp.asarray(ks, c.dtype)
    return jnp.stack([w @ kf, w @ c, w @ t, w @ a])


def _batch_stats(vals, grads, inputs):
    """Means over the key batches (axis 1) and their standard errors, of the values
    ``(M, B, 4)``, the gradients ``(M, B, 4, n)`` and the elasticities
    ``d log(value) / d log(input)`` (0 where a value is 0), for inputs ``(M, n)``."""
    nz = vals != 0
    scale = inputs[:, None, None, :] / jnp.where(nz, vals, 1.0)[..., None]
    elas = jnp.where(nz[..., None], grads * scale, 0.0)
    b = vals.shape[1]

    def mean_se(x):
        return jnp.mean(x, 1), jnp.std(x, 1, ddof=1) / np.sqrt(b)

    return (*mean_se(vals), *mean_se(grads), *mean_se(elas))


def _on_batches(fn: Any, num_batches: int, args: tuple, devices: Any, **static: Any) -> Any:
    """``fn(batches, *args, **static)`` over the key batches ``0 .. num_batches - 1``, whose
    outputs have the batch axis first: the batches split over the devices (``devices`` as
    in :func:`frontier.summarize`), each batch computed whole on one device, and the
    outputs gathered onto the first device of this process."""
    devs = _dev.resolve_devices(devices)
    batches = jnp.arange(num_batches)
    if len(devs) == 1 or _dev.traced(args):
        if devices is None or _dev.traced(args):
            return fn(batches, *args, **static)
        with jax.default_device(devs[0]):
            return fn(batches, *args, **static)
    out = _dev.sharded_leading(fn, batches, *args, devices=devs, **static)
    return _dev.gather(out, _dev._home(devs))


@partial(jax.jit, static_argnames=("ks", "rule", "batch_trials", "acc_temp", "knee_normalise"))
def _model_jacobians(batches, params, parallel, limits, key, temperature, *, ks, rule,
                     batch_trials, acc_temp, knee_normalise):
    """Values ``(B, M, 4)`` and gradients ``(B, M, 4, 13)`` of every model on the key
    batches ``batches``."""
    return jax.vmap(
        lambda p, P: _batched_jacobians(p, P, limits, key, temperature, batches, ks=ks,
                                        rule=rule, batch_trials=batch_trials,
                                        acc_temp=acc_temp, knee_normalise=knee_normalise),
        out_axes=1)(params, parallel)


@partial(jax.jit, static_argnames=("ks", "rule", "batch_trials", "acc_temp", "knee_normalise"))
def _batched_jacobians(params, parallel, limits, key, temperature, batches, *, ks, rule,
                       batch_trials, acc_temp, knee_normalise):
    def one(b):
        ids = (b * batch_trials + jnp.arange(batch_trials)).astype(jnp.uint32)

        def f(p, lim):
            return soft_select(p, parallel, lim, key, ids, ks=ks, rule=rule,
                               temperature=temperature, acc_temperature=acc_temp,
                               knee_normalise=knee_normalise)

        val = f(params, limits)
        jp, jl = jax.jacrev(f, argnums=(0, 1))(params, limits)
        grad = jnp.concatenate([jnp.stack(list(jp), axis=-1), jl], axis=-1)  # (4, 13)
        return val, grad

    return jax.lax.map(one, batches)


def sensitivity(
    models: Model | Sequence[Model] | Mapping[str, Model],
    *,
    budget: Budget | Mapping[str, Any] | Sequence[Any],
    key: Any,
    num_trials: int = 16384,
    k_max: int | None = None,
    ks: Sequence[int] | None = None,
    parallel: int | Sequence[int] | None = None,
    rule: Rule = "knee_chord",
    knee_normalise: str = "front",
    temperature: float = 0.01,
    acc_temperature: float | None = None,
    num_batches: int = 8,
    dtype: Any = None,
    aggregation: Any = None,
    serving: Any = None,
    devices: Any = None,
) -> Sensitivity:
    """Gradients and elasticities of the selected operating point, with standard errors.

    The hard selection (argmax over candidates) has no useful gradient, so the pipeline is
    made soft: soft feasibility (sigmoid margins on the normalised constraints), soft Pareto
    membership, and softmax weights over the candidates for the rule (``rule``); the
    outputs are the weighted, i.e. *expected*, ``k``, cost, time and accuracy at the
    selected point. ``jax.jacrev`` differentiates them with respect to the ten model fields and
    the three budget values.

    Parameters
    ----------
    models
        One or several models (gradients are per model).
    budget
        ``(C_max, T_max, acc_min)`` (scalars) as in :func:`frontier.optimize`.
    key, num_trials, parallel, k_max, ks
        As in :func:`frontier.optimize`; the trials are split into ``num_batches``
        independent batches.
    rule
        The selection rule (as named in :class:`frontier.Points`): ``"knee_chord"``,
        ``"utopia"``, ``"accuracy"`` or ``"cube"``.
    knee_normalise
        The knee's space, as in :func:`frontier.optimize`: ``"front"`` (default; each
        objective scaled by the range of the Pareto candidates) or ``"budget"`` (the
        paper's ``(C/C_max, T/T_max, A)``).
    temperature
        Softness in normalised units (cost / C_max, time / T_max, accuracy); smaller is closer
        to the hard rule but makes gradients noisier. Must be > 0.
    acc_temperature
        If given, best-of-k accuracy uses a log-sum-exp soft maximum with this temperature.
    num_batches
        Independent key batches (>= 2) for the standard errors: the reported values are the
        batch means and ``se = std / sqrt(num_batches)``.
    aggregation, serving
        As in :func:`frontier.sample`. The accuracy of pass@k, majority vote and the
        verifier with a difficulty is their closed form (exact and differentiable in the
        difficulty and ``phi``); with several ``serving.batch`` values every (model, batch)
        pair is one entry of ``models`` (``"<model>@b<batch>"``). ``models`` may be
        :class:`frontier.UserModel` (gradients with respect to its parameters, through its
        ``fn``).
    devices
        Where the key batches run, as in :func:`frontier.summarize`: ``None`` (default) for
        every local device (after ``jax.distributed.initialize``, every device of every
        process), an int ``n`` for the first ``n`` of ``jax.local_devices()``, or a sequence
        of :class:`jax.Device`. The batches are split over the devices (``jax.shard_map``),
        each batch's values and Jacobians computed whole on one device; they are then
        gathered onto one device, where the means and standard errors are reduced in batch
        order. Values and gradients equal those of one device to float rounding: within
        ``1e-6`` times the largest magnitude of each array (float32; the tests check this).
        They are not always identical bit for bit, because each device's program is
        compiled for its own number of batches, which can change XLA's fusion of a batch.

    Returns
    -------
    Sensitivity
        ``value``, ``grad``, ``elasticity`` and their standard errors, plus ``hard_k``.

    Notes
    -----
    A selected point's cost can fall when a price rises: the selection moves to a smaller k.
    Elasticities are ``grad * input / output``; an input of 0 (e.g. ``acc_min = 0``) has
    elasticity 0. Every square root and division that can meet 0 is guarded, so gradients
    are finite. Cost: one reverse pass for all 13 inputs per output, i.e. 4 backward passes.

    Examples
    --------
    >>> import frontier
    >>> s = frontier.sensitivity(frontier.catalog()["gpt5-mini"], budget=(0.5, 60.0, 0.88),
    ...                          k_max=64, key=0, num_trials=2048, num_batches=4)
    >>> s.grad.shape, s.inputs[1], s.outputs[0]
    ((4, 13), 'c_out', 'k')
    """
    ms, batched = _as_models(models)
    names = (tuple(models) if isinstance(models, Mapping)
             else tuple(m.name or f"model{i}" for i, m in enumerate(ms)))
    agg = validate_aggregation(aggregation)
    srv = validate_serving(serving)
    ext = isinstance(ms[0], UserModel) or not (agg is None or isinstance(agg, BestOfK)) or (
        srv is not None)
    ks = candidate_ks(ms, k_max=k_max, ks=ks, parallel=parallel)
    if knee_normalise not in ("front", "budget"):
        raise ValueError(f"`knee_normalise` must be 'front' or 'budget', got {knee_normalise!r}")
    if rule not in SOFT_RULES:
        raise ValueError(f"`rule` must be one of {SOFT_RULES}, got {rule!r}")
    if not (isinstance(temperature, int | float) and temperature > 0):
        raise ValueError(f"`temperature` must be a number > 0, got {temperature!r}")
    if acc_temperature is not None and not acc_temperature > 0:
        raise ValueError(f"`acc_temperature` must be > 0 or None, got {acc_temperature!r}")
    num_batches = positive_int(num_batches, "num_batches", minimum=2)
    num_trials = positive_int(num_trials, "num_trials")
    batch_trials = max(1, num_trials // num_batches)
    b = _as_budget(budget)
    if b.C_max.shape != ():
        raise ValueError("`sensitivity` takes one budget (scalars), got a grid of shape "
                         f"{b.C_max.shape}")
    dt = _float_dtype(dtype)
    limits = jnp.asarray([float(v) for v in b], dt)
    if not np.isfinite(np.asarray(limits[:2])).all():
        raise ValueError("`sensitivity` needs finite C_max and T_max (they normalise the space)")
    if ext:
        return _sensitivity_ext(
            models, ms, names, batched, b, limits, ks, key, num_batches, batch_trials, parallel,
            rule, temperature, acc_temperature, knee_normalise, dt, agg, serving, srv, devices)
    params = _stack_params(ms, dt)
    par = jnp.asarray(_as_parallel(parallel, ms))
    k = as_key(key)
    vals, grads = _on_batches(
        _model_jacobians, num_batches, (params, par, limits, k, jnp.asarray(temperature, dt)),
        devices, ks=ks, rule=rule, batch_trials=batch_trials, acc_temp=acc_temperature,
        knee_normalise=knee_normalise)
    # (M, B, 4), (M, B, 4, 13)
    vals, grads = jnp.moveaxis(vals, 0, 1), jnp.moveaxis(grads, 0, 1)
    inputs = jnp.concatenate([jnp.stack(list(params), -1), jnp.broadcast_to(limits, (len(ms), 3))],
                             -1)  # (M, 13)
    value, value_se, grad, grad_se, el, el_se = _batch_stats(vals, grads, inputs)
    hard, feasible, means = _hard_k(params, par, limits, k, ks, rule,
                                    num_batches * batch_trials, knee_normalise)
    found = hard > 0
    notes = tuple(_note(names[i], bool(feasible[i]), means, i, ks, b) if not found[i] else ""
                  for i in range(len(ms)))

    def blank(a):  # NaN where the rule selects nothing
        return jnp.where(found.reshape((-1,) + (1,) * (a.ndim - 1)), a, jnp.nan)

    out = [*(blank(a) for a in (value, value_se, grad, grad_se, el, el_se)), hard]
    fnd = found
    if not batched:
        out, fnd = [a[0] for a in out], found[0]
    return Sensitivity(rule, float(temperature), names, INPUTS, OUTPUTS, *out,
                       knee_normalise=knee_normalise, found=fnd, notes=notes)


def _flat_names(tree: Any, prefix: str) -> list[str]:
    return [f"{prefix}{n}" for n in param_names(tree)] if jax.tree.leaves(tree) else []


def soft_select_ext(theta, chol, parallel, limits, key, trial_ids, *, ks, rule, temperature,
                    acc_temperature=None, knee_normalise="front", dtype=jnp.float32):
    """:func:`soft_select` with the extensions: ``theta = (model, aggregation, serving)``
    (serving without its Cholesky factor ``chol``, which is held fixed)."""
    model, agg, srv = theta
    if srv is not None:
        srv = srv._replace(chol=chol)
    c, t, a = _soft.soft_spec_means(model, parallel, agg, srv, key, trial_ids, ks,
                                    acc_temperature, dtype)
    return _soft_point(c, t, a, limits, ks, rule, temperature, knee_normalise)


@partial(jax.jit, static_argnames=("ks", "rule", "batch_trials", "acc_temp",
                                   "knee_normalise", "dtype"))
def _batched_jacobians_ext(batches, theta, chol, parallel, limits, key, temperature, *, ks,
                           rule, batch_trials, acc_temp, knee_normalise, dtype):
    def one(b):
        ids = (b * batch_trials + jnp.arange(batch_trials)).astype(jnp.uint32)

        def f(th, lim):
            return soft_select_ext(th, chol, parallel, lim, key, ids, ks=ks, rule=rule,
                                   temperature=temperature, acc_temperature=acc_temp,
                                   knee_normalise=knee_normalise, dtype=dtype)

        val = f(theta, limits)
        jt, jl = jax.jacrev(f, argnums=(0, 1))(theta, limits)
        flat = [x.reshape(4, -1) for x in jax.tree.leaves(jt)]
        return val, jnp.concatenate([*flat, jl], axis=-1)

    return jax.lax.map(one, batches)


@partial(jax.jit, static_argnames=("ks", "dtype"))
def _ext_means(theta, chol, parallel, key, ids, *, ks, dtype):
    """Hard means ``(3, K)`` of cost, time and accuracy (best-of-k: the hard maximum)."""
    model, agg, srv = theta
    srv = None if srv is None else srv._replace(chol=chol)
    return jnp.stack(_soft.soft_spec_means(model, parallel, agg, srv, key, ids, ks, None, dtype))


def _sensitivity_ext(models, ms, names, batched, b, limits, ks, key, num_batches, batch_trials,
                     parallel, rule, temperature, acc_temperature, knee_normalise, dt, agg,
                     serving, srv, devices):
    """:func:`sensitivity` for user models, aggregations and serving."""
    plan = _prepare(models, ks, key, num_batches * batch_trials, parallel, "crn", "paper", dt,
                    agg, None, serving)
    spec = plan.dyn
    batches, batch_axis = (srv[1], srv[2]) if srv is not None else ((), False)
    if batch_axis:
        names = tuple(f"{n}@b{bv:g}" for n in names for bv in batches)
    n_var = len(names) if batch_axis else len(ms)
    agg_leaves = spec.aggregation
    vals, grads, thetas, chols = [], [], [], []
    user = isinstance(ms[0], UserModel)
    for i in range(n_var):
        model = spec.models[i] if user else jax.tree.map(lambda a, i=i: a[i], spec.models)
        sv = None if spec.serving is None else jax.tree.map(lambda a, i=i: a[i], spec.serving)
        chol = None if sv is None else sv.chol
        theta = (model, agg_leaves, None if sv is None else sv._replace(chol=None))
        v, g = _on_batches(
            _batched_jacobians_ext, num_batches,
            (theta, chol, spec.parallel[i], limits, plan.key, jnp.asarray(temperature, dt)),
            devices, ks=ks, rule=rule, batch_trials=batch_trials, acc_temp=acc_temperature,
            knee_normalise=knee_normalise, dtype=dt)
        vals.append(v)
        grads.append(g)
        thetas.append(theta)
        chols.append(chol)
    def input_names(theta):
        model = list(FLOAT_FIELDS) if not user else param_names(theta[0].params)
        return tuple(model + _flat_names(theta[1], "") + _flat_names(theta[2], "serving.")
                     + ["C_max", "T_max", "acc_min"])

    inputs = input_names(thetas[0])
    if any(input_names(t) != inputs for t in thetas[1:]):
        raise ValueError("`sensitivity` of several user models needs the same parameter "
                         "structure; analyse them one at a time")
    vals_a, grads_a = jnp.stack(vals), jnp.stack(grads)  # (M, B, 4), (M, B, 4, n)

    def leaves_of(theta):
        model = theta[0].params if user else theta[0]
        parts = [jnp.ravel(x) for x in jax.tree.leaves((model, theta[1], theta[2]))]
        return jnp.concatenate([*parts, limits])

    inp = jnp.stack([leaves_of(t) for t in thetas])  # (M, n)
    value, value_se, grad, grad_se, el, el_se = _batch_stats(vals_a, grads_a, inp)
    n = num_batches * batch_trials
    ids = jnp.arange(n, dtype=jnp.uint32)
    means = [jnp.stack([_ext_means(t, ch, spec.parallel[i], plan.key, ids, ks=ks, dtype=dt)[j]
                        for i, (t, ch) in enumerate(zip(thetas, chols, strict=True))])
             for j in range(3)]
    hard, feasible = _hard_from_means(means, limits, ks, rule, knee_normalise)
    found = hard > 0
    notes = tuple(_note(names[i], bool(feasible[i]), means, i, ks, b) if not found[i] else ""
                  for i in range(n_var))

    def blank(a):
        return jnp.where(found.reshape((-1,) + (1,) * (a.ndim - 1)), a, jnp.nan)

    out = [*(blank(a) for a in (value, value_se, grad, grad_se, el, el_se)), hard]
    fnd = found
    if not (batched or batch_axis):
        out, fnd = [a[0] for a in out], found[0]
    return Sensitivity(rule, float(temperature), names, inputs, OUTPUTS, *out,
                       knee_normalise=knee_normalise, found=fnd, notes=notes)


def _hard_from_means(means, limits, ks, rule, knee_normalise):
    """The hard rule's k ``(M,)`` and whether anything is feasible, from means ``(M, K)``."""
    kf = jnp.asarray(ks, means[0].dtype)
    res = jax.vmap(partial(_sel.select_paper, knee_norm=knee_normalise),
                   in_axes=(0, 0, 0, None, None))(*means, kf, limits)
    idx = {"knee_chord": res.knee_chord, "utopia": res.utopia, "accuracy": res.best[:, 2],
           "cube": res.cube}[rule]
    hard = jnp.where(idx >= 0, jnp.asarray(ks)[jnp.maximum(idx, 0)], 0)
    return np.asarray(hard), np.asarray(jnp.any(res.feasible, axis=-1))


def _note(name, feasible, means, i, ks, budget) -> str:
    """Why the hard rule selects nothing for model ``i``: the engine's explanation."""
    if feasible:
        return f"{name}: fewer than 3 Pareto points, so there is no knee"
    from ._engine import choose
    from ._study import OBJECTIVES
    from ._table import Table

    c, t, a = (np.asarray(x[i]) for x in means)
    table = Table({"k": np.asarray(ks)}, OBJECTIVES,
                  {"cost": {"mean": c}, "time": {"mean": t}, "accuracy": {"mean": a}})
    terms = (f"mean cost <= {float(budget.C_max)}", f"mean time <= {float(budget.T_max)}",
             f"mean accuracy >= {float(budget.acc_min)}")
    ch = choose(table, slo=" and ".join(terms))
    return f"{name}: " + ch.explain(noun="k", knobs=["k"])


def _hard_k(params, par, limits, key, ks, rule, n, knee_normalise):
    """The hard rule's k on the same means, through the engine's selection kernel."""
    ids = jnp.arange(n, dtype=jnp.uint32)
    means = jax.vmap(lambda p, P: _soft.soft_study_means(p, P, key, ids, ks, None))(params, par)
    return (*_hard_from_means(means, limits, ks, rule, knee_normalise), means)
