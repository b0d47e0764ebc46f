"""The latency model: time to first token, decode, end-to-end time (with their tails)."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from .kernels import sampling as _k

__all__ = ["Latency", "validate_latency"]


class Latency(NamedTuple):
    """Per-call latency, for the objectives ``ttft`` and ``e2e`` (seconds per query).

    One call of a query: ``TTFT_i = Lin_i / prefill_rate + Q_i`` (prefill, plus a queueing
    delay ``Q_i``), ``decode_i = Lout_i * tpot``, ``e2e_i = TTFT_i + decode_i``. A query of
    ``k`` calls reports

    - ``ttft``: the first token of the query, the earliest among the calls of its first
      wave (the ``min(k, P)`` calls that start together): ``min_{i <= min(k, P)} TTFT_i``;
    - ``e2e``: the calls' ``e2e_i`` combined by the ``time_model`` (``"paper"``: ``sum_i
      e2e_i / min(P, k)``; ``"waves"``: ``ceil(k/P)`` waves, each as long as its slowest
      call).

    Queueing model: ``Q_i`` is exponential with mean ``queue`` seconds, independent across
    calls (the waiting time of an M/M/1 queue is exponential given that a call waits);
    ``queue=0`` for none.

    Parameters
    ----------
    queue
        Mean queueing delay per call, seconds (>= 0).
    prefill_rate
        Prefill speed, input tokens per second (> 0). None: the serving curve's, else the
        paper model's ``1 / t_in``.
    tpot
        Time per output token, seconds (>= 0). None: the serving curve's ``TPOT(batch)``,
        else the paper model's ``t_out``.

    Examples
    --------
    >>> import frontier
    >>> s = frontier.summarize(frontier.catalog()["gpt5-nano"], [1, 4], key=0,
    ...                        num_trials=4000, latency=frontier.Latency(queue=0.2))
    >>> sorted(s.extra), s.extra["ttft"].quantiles.shape
    (['e2e', 'ttft'], (2, 5))
    """

    queue: Any = 0.0
    prefill_rate: Any = None
    tpot: Any = None


def validate_latency(lat: Any, label: str = "latency") -> Latency | None:
    """``None``, ``"ttft"`` (the paper model's own rates, no queueing) or a :class:`Latency`,
    checked (tracers skipped).

    Raises
    ------
    TypeError, ValueError
        For another value, a negative or non-finite ``queue`` or ``tpot``, or a
        ``prefill_rate`` that is not > 0; the message names the field.
    """
    if lat is None:
        return None
    if isinstance(lat, str):
        if lat != "ttft":
            raise ValueError(f"`{label}` must be 'ttft' or a frontier.Latency, got {lat!r}")
        return Latency()
    if not isinstance(lat, Latency):
        raise TypeError(f"`{label}` must be None, 'ttft' or a frontier.Latency, got "
                        f"{type(lat).__name__}")
    for f in Latency._fields:
        v = getattr(lat, f)
        if v is None or isinstance(v, jax.core.Tracer):
            continue
        if isinstance(v, bool) or not (isinstance(v, int | float)
                                       or getattr(v, "shape", None) == ()):
            raise TypeError(f"`{label}.{f}` must be a number, got {v!r}")
        x = float(v)
        if not math.isfinite(x):
            raise ValueError(f"`{label}.{f}` must be finite, got {x}")
        if f == "prefill_rate" and not x > 0:
            raise ValueError(f"`{label}.prefill_rate` (input tokens/s) must be > 0, got {x}")
        if x < 0:
            raise ValueError(f"`{label}.{f}` must be >= 0, got {x}")
    return lat


def latency_params(lat: Latency, dtype: Any) -> _k.LatencyParams:
    """The kernel's parameters, as ``dtype`` arrays."""

    def arr(v):
        return None if v is None else jnp.asarray(v, dtype)

    return _k.LatencyParams(arr(lat.queue), arr(lat.prefill_rate), arr(lat.tpot))
