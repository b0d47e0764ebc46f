"""Derived serving metrics, each defined once.

``tokens_per_user``
    ``output_throughput / concurrency`` in tok/s/user: the aggregate output rate shared
    out over the requests in flight (the x axis of vLLM's ``plot_pareto`` serving frontier).
    ``concurrency`` is the configured ``max_concurrency`` where it is set, otherwise the
    tool's ``measured_concurrency`` (SGLang, GuideLLM); NaN when neither exists.
``decode_rate_per_user``
    ``1000 / mean_tpot_ms`` in tok/s/user: how fast one request streams after its first
    token. Tools disagree here: AIPerf's ``output_token_throughput_per_user`` averages
    per-request rates and AIConfigurator's ``tokens/s/user`` is this decode rate, while
    ``tokens_per_user`` above also counts the time to first token and idle slots. The two
    columns are kept apart under their own names.
``tokens_per_gpu``
    ``output_throughput / num_gpus`` in tok/s/gpu.
``cost_per_mtok``
    $ per 1M output tokens: ``gpu_hour_price * num_gpus / (output_throughput * 3600) * 1e6``.
``goodput``
    requests per second meeting every SLO term: the number of successful requests of a
    run whose per-request values are all ``<=`` their bounds, divided by the run's
    ``duration_s`` (vLLM's ``--goodput`` definition). It needs per-request data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._canonical import LATENCIES, PERCENTILES, percentile_name

__all__ = [
    "SLO_TERMS",
    "cost_per_mtok",
    "decode_rate_per_user",
    "goodput",
    "normalize_slo",
    "summarize_requests",
    "tokens_per_gpu",
    "tokens_per_user",
]

SLO_TERMS = ("ttft_ms", "tpot_ms", "e2el_ms")
"""Per-request quantities a goodput SLO may bound (each ``<= value``, in ms)."""


def _ratio(num, den):
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    ok = np.isfinite(den) & (den > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, num / np.where(ok, den, 1.0), np.nan)


def tokens_per_user(output_throughput, concurrency):
    """``output_throughput / concurrency`` (tok/s/user); NaN where concurrency is not a
    positive finite number.

    Examples
    --------
    >>> from frontier._sweeps._derived import tokens_per_user
    >>> tokens_per_user([3200.0, 900.0], [64, float("nan")]).tolist()
    [50.0, nan]
    """
    return _ratio(output_throughput, concurrency)


def decode_rate_per_user(mean_tpot_ms):
    """``1000 / mean_tpot_ms`` (tok/s per request, after the first token).

    Examples
    --------
    >>> from frontier._sweeps._derived import decode_rate_per_user
    >>> decode_rate_per_user([20.0, 0.0]).tolist()
    [50.0, nan]
    """
    return _ratio(1000.0, mean_tpot_ms)


def tokens_per_gpu(output_throughput, num_gpus):
    """``output_throughput / num_gpus`` (tok/s/gpu).

    Examples
    --------
    >>> from frontier._sweeps._derived import tokens_per_gpu
    >>> tokens_per_gpu([3200.0], [4]).tolist()
    [800.0]
    """
    return _ratio(output_throughput, num_gpus)


def cost_per_mtok(output_throughput, num_gpus, gpu_hour_price):
    """$ per 1M output tokens: ``gpu_hour_price * num_gpus / (output_throughput * 3600) * 1e6``.

    Examples
    --------
    >>> from frontier._sweeps._derived import cost_per_mtok
    >>> # 2 GPUs at $3.60/h producing 1000 tok/s: $7.20 per 3.6M tokens = $2 per 1M
    >>> cost_per_mtok([1000.0], [2], 3.6).tolist()
    [2.0]
    """
    price = np.asarray(gpu_hour_price, dtype=float) * np.asarray(num_gpus, dtype=float)
    return _ratio(price * 1e6, np.asarray(output_throughput, dtype=float) * 3600.0)


def normalize_slo(slo: Mapping[str, Any]) -> dict[str, float]:
    """Check a goodput SLO mapping and spell its keys canonically.

    Keys are ``ttft``, ``tpot`` or ``e2el``, with or without the ``_ms`` suffix; values are
    bounds in ms (each term means ``<= value``).

    Examples
    --------
    >>> from frontier._sweeps._derived import normalize_slo
    >>> normalize_slo({"ttft": 500, "tpot_ms": 20})
    {'ttft_ms': 500.0, 'tpot_ms': 20.0}
    """
    if not isinstance(slo, Mapping) or not slo:
        raise TypeError("`slo` must be a non-empty mapping such as {'ttft_ms': 500, "
                        "'tpot_ms': 20} (each term '<= value', in ms)")
    out: dict[str, float] = {}
    for key, value in slo.items():
        k = str(key) if str(key).endswith("_ms") else f"{key}_ms"
        if k not in SLO_TERMS:
            raise ValueError(f"`slo`: unknown term {key!r}; goodput can bound {SLO_TERMS} "
                             "(per-request values, in ms)")
        if k in out:
            raise ValueError(f"`slo`: term {key!r} is given twice")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or \
                not math.isfinite(float(value)) or float(value) <= 0:
            raise ValueError(f"`slo`: the bound for {key!r} must be a positive number of ms, "
                             f"got {value!r}")
        out[k] = float(value)
    return out


def goodput(requests: pd.DataFrame, slo: Mapping[str, Any], duration_s) -> np.ndarray:
    """Requests per second meeting every SLO term, one value per run.

    Parameters
    ----------
    requests
        Per-request rows with ``run`` (the run's row position), ``success`` and the
        per-request ``ttft_ms``/``tpot_ms``/``e2el_ms`` the SLO names.
    slo
        ``{"ttft_ms": 500, "tpot_ms": 20}``: each term ``<= value`` (ms).
    duration_s
        ``(n_runs,)`` run durations in seconds.

    Returns
    -------
    ``(n_runs,)`` float array; NaN for runs without per-request data or a valid duration.
    A request missing a bounded value does not count as good.

    Examples
    --------
    >>> import pandas as pd
    >>> from frontier._sweeps._derived import goodput
    >>> req = pd.DataFrame({"run": [0, 0, 0, 0], "success": [True, True, True, False],
    ...                     "ttft_ms": [100.0, 900.0, 200.0, 50.0],
    ...                     "tpot_ms": [10.0, 10.0, 30.0, 10.0]})
    >>> goodput(req, {"ttft_ms": 500, "tpot_ms": 20}, [2.0]).tolist()   # 1 good request / 2 s
    [0.5]
    """
    terms = normalize_slo(slo)
    dur = np.atleast_1d(np.asarray(duration_s, dtype=float))
    n_runs = dur.shape[0]
    missing = [t for t in terms if t not in requests.columns]
    if missing:
        raise ValueError(f"`slo`: the per-request data hold no {missing}; terms available: "
                         f"{[t for t in SLO_TERMS if t in requests.columns]}")
    good = requests["success"].to_numpy(dtype=bool).copy()
    for term, bound in terms.items():
        v = requests[term].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            good &= v <= bound
    run = requests["run"].to_numpy(dtype=np.int64)
    counts = np.bincount(run[good], minlength=n_runs)[:n_runs].astype(float)
    has = np.bincount(run, minlength=n_runs)[:n_runs] > 0
    ok = has & np.isfinite(dur) & (dur > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, counts / np.where(ok, dur, 1.0), np.nan)


def summarize_requests(requests: pd.DataFrame, duration_s: float) -> dict[str, float]:
    """One run's canonical row from its per-request data.

    Statistics are over successful requests: mean, median, population standard deviation,
    min, max and the canonical percentiles with linear interpolation (NumPy's default, as
    vLLM computes them). Throughputs divide by ``duration_s``.

    Examples
    --------
    >>> import pandas as pd
    >>> from frontier._sweeps._derived import summarize_requests
    >>> req = pd.DataFrame({"run": 0, "success": [True, True, False],
    ...                     "ttft_ms": [100.0, 300.0, float("nan")],
    ...                     "output_tokens": [10.0, 30.0, 0.0]})
    >>> row = summarize_requests(req, 4.0)
    >>> row["completed"], row["failed"], row["mean_ttft_ms"], row["output_throughput"]
    (2, 1, 200.0, 10.0)
    """
    ok = requests["success"].to_numpy(dtype=bool)
    row: dict[str, float] = {"completed": int(ok.sum()), "failed": int((~ok).sum()),
                             "duration_s": float(duration_s)}
    d = float(duration_s) if duration_s and math.isfinite(duration_s) and duration_s > 0 \
        else math.nan
    row["request_throughput"] = row["completed"] / d
    if "output_tokens" in requests:
        out = float(np.nansum(requests["output_tokens"].to_numpy(dtype=float)[ok]))
        row["total_output_tokens"] = out
        row["output_throughput"] = out / d
        if "input_tokens" in requests:
            inp = float(np.nansum(requests["input_tokens"].to_numpy(dtype=float)[ok]))
            row["total_input_tokens"] = inp
            row["total_token_throughput"] = (inp + out) / d
    for fam in LATENCIES:
        col = f"{fam}_ms"
        if col not in requests:
            continue
        v = requests[col].to_numpy(dtype=float)[ok]
        v = v[np.isfinite(v)]
        if v.size == 0:
            continue
        row[f"mean_{fam}_ms"] = float(np.mean(v))
        row[f"median_{fam}_ms"] = float(np.median(v))
        row[f"std_{fam}_ms"] = float(np.std(v))
        row[f"min_{fam}_ms"] = float(np.min(v))
        row[f"max_{fam}_ms"] = float(np.max(v))
        for p, q in zip(PERCENTILES, np.percentile(v, PERCENTILES), strict=True):
            row[f"{percentile_name(p)}_{fam}_ms"] = float(q)
    return row
