"""Canonical column names, units and senses of a measured sweep table.

Names follow the result JSON of vLLM's ``vllm bench serve``:
``{stat}_{latency}_ms`` for latency statistics, ``request_throughput`` in requests per
second, ``output_throughput`` and ``total_token_throughput`` in tokens per second, and knobs
such as ``max_concurrency`` and ``request_rate``. Every unit is part of the column name or
of its :class:`MetricInfo`; readers convert into these units (seconds to milliseconds,
requests per minute to requests per second) before a value reaches the table.

Latency families (the tools disagree on what "inter-token latency" means; each reader maps
a tool's field to the family that matches its definition, not to the name the tool uses):

``ttft``
    time to first token.
``tpot``
    time per output token after the first, per request: ``(e2el - ttft) / (n_out - 1)``,
    then a statistic over requests (vLLM's TPOT; AIPerf's and GenAI-Perf's
    ``inter_token_latency``; GuideLLM v0.3's ``inter_token_latency_ms``).
``itl``
    the gap between consecutive streamed chunks, pooled over all gaps of all requests
    (vLLM's ITL; AIPerf's ``inter_chunk_latency``; GuideLLM v0.4+'s ``inter_token_latency_ms``,
    which is weighted by the number of gaps).
``e2el``
    end-to-end request latency.
``ntpot``
    end-to-end latency divided by the number of output tokens, first token included
    (LLMPerf's ``inter_token_latency_s``, which is *not* TPOT or ITL).
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

import numpy as np

__all__ = [
    "KNOB_NAMES",
    "LATENCIES",
    "METRICS",
    "PERCENTILES",
    "STATS",
    "MetricInfo",
    "canonical_latency",
    "convert",
    "metric_info",
    "percentile_name",
]

LATENCIES = ("ttft", "tpot", "itl", "e2el", "ntpot")
"""Latency families, each reported as ``{stat}_{family}_ms``."""

PERCENTILES = (1.0, 5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9)
"""Percentile levels that have a canonical column (``p50``, ``p99.9``, ...)."""

STATS = ("mean", "median", "std", "min", "max",
         *(f"p{int(p) if p == int(p) else p}" for p in PERCENTILES))
"""Statistic prefixes of the latency columns, in table order."""

KNOB_NAMES = ("max_concurrency", "request_rate", "num_gpus")
"""Canonical knob names: the configured concurrency limit (``inf``/NaN when unset), the
configured request rate in requests per second (``inf`` when unbounded), and the number of
GPUs serving the run."""

_LATENCY_TEXT = {
    "ttft": "time to first token",
    "tpot": "time per output token after the first, per request",
    "itl": "inter-chunk latency, pooled over all gaps",
    "e2el": "end-to-end request latency",
    "ntpot": "end-to-end latency per output token, first token included",
}


class MetricInfo(NamedTuple):
    """An objective column: its name, unit, natural sense and a one-line definition.

    ``sense`` is ``"min"`` for latencies and cost and ``"max"`` for throughputs and goodput.
    """

    name: str
    unit: str
    sense: Literal["min", "max"]
    description: str


def percentile_name(p: float) -> str:
    """The canonical spelling of a percentile prefix: ``99.0 -> "p99"``, ``99.9 -> "p99.9"``.

    Examples
    --------
    >>> from frontier._sweeps._canonical import percentile_name
    >>> percentile_name(99.0), percentile_name(99.9), percentile_name(1)
    ('p99', 'p99.9', 'p1')
    """
    p = float(p)
    return f"p{int(p)}" if p == int(p) else f"p{p:g}"


def canonical_latency(stat: str, family: str) -> str:
    """The column name of one latency statistic, e.g. ``("p99", "ttft") -> "p99_ttft_ms"``."""
    return f"{stat}_{family}_ms"


def _build() -> dict[str, MetricInfo]:
    out: dict[str, MetricInfo] = {}

    def add(name, unit, sense, text):
        out[name] = MetricInfo(name, unit, sense, text)

    add("request_throughput", "req/s", "max", "completed requests per second")
    add("output_throughput", "tok/s", "max", "output tokens per second, all requests")
    add("total_token_throughput", "tok/s", "max",
        "input plus output tokens per second, all requests")
    add("input_throughput", "tok/s", "max", "input tokens per second, all requests")
    add("request_goodput", "req/s", "max",
        "goodput as reported by the tool under its own SLO option (vLLM --goodput, AIPerf)")
    for fam in LATENCIES:
        for stat in STATS:
            what = {"mean": "mean", "median": "median", "std": "standard deviation of",
                    "min": "minimum", "max": "maximum"}.get(stat, f"{stat[1:]}th percentile of")
            # every latency statistic, the spread included, is better when smaller
            add(canonical_latency(stat, fam), "ms", "min", f"{what} {_LATENCY_TEXT[fam]}")
    add("completed", "requests", "max", "requests that completed successfully")
    add("failed", "requests", "min", "requests that failed")
    add("duration_s", "s", "min", "benchmark duration")
    add("total_input_tokens", "tokens", "max", "input tokens over all completed requests")
    add("total_output_tokens", "tokens", "max", "output tokens over all completed requests")
    add("measured_concurrency", "requests", "max",
        "mean number of requests in flight, as measured by the tool (not the configured limit)")
    # derived metrics (frontier._sweeps._derived defines each one)
    add("tokens_per_user", "tok/s/user", "max",
        "output_throughput / concurrency (the serving frontier's x axis, as vLLM plots it)")
    add("decode_rate_per_user", "tok/s/user", "max",
        "1000 / mean_tpot_ms: one request's decode speed after its first token")
    add("tokens_per_gpu", "tok/s/gpu", "max", "output_throughput / num_gpus")
    add("cost_per_mtok", "$/Mtok", "min",
        "$ per 1M output tokens = gpu_hour_price * num_gpus / (output_throughput * 3600) * 1e6")
    add("goodput", "req/s", "max",
        "requests per second meeting every SLO term, from per-request data")
    return out


METRICS: dict[str, MetricInfo] = _build()
"""Every canonical objective column with its unit and sense, in table order."""


def metric_info(name: str) -> MetricInfo:
    """The :class:`MetricInfo` of a canonical column; ``ValueError`` for an unknown name.

    Examples
    --------
    >>> from frontier._sweeps._canonical import metric_info
    >>> metric_info("p99_ttft_ms")
    MetricInfo(name='p99_ttft_ms', unit='ms', sense='min', description='99th percentile of time to first token')
    >>> metric_info("output_throughput").sense
    'max'
    """  # noqa: E501
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"{name!r} is not a canonical sweep metric; the names are listed in "
                         "frontier._sweeps._canonical.METRICS") from None


# --------------------------------------------------------------------------------- units

_TIME_TO_MS = {"ms": 1.0, "s": 1e3, "sec": 1e3, "secs": 1e3, "second": 1e3, "seconds": 1e3,
               "us": 1e-3, "µs": 1e-3, "usec": 1e-3, "ns": 1e-6, "nsec": 1e-6,
               "msec": 1.0, "millisecond": 1.0, "milliseconds": 1.0, "min": 6e4,
               "minute": 6e4, "minutes": 6e4}
_PER_S = {"s": 1.0, "sec": 1.0, "second": 1.0, "min": 1 / 60, "minute": 1 / 60,
          "m": 1 / 60, "h": 1 / 3600, "hr": 1 / 3600, "hour": 1 / 3600, "ms": 1e3}
_REQ = {"req", "reqs", "request", "requests", "seq", "seqs", "sequence", "sequences", "qps"}
_TOK = {"tok", "toks", "token", "tokens"}

UnitKind = Literal["time", "req_rate", "tok_rate", "count"]


def _norm_unit(unit: str) -> str:
    u = str(unit).strip().lower().replace(" ", "")
    return {"qpm": "req/min", "rps": "req/s", "qps": "req/s", "tps": "tok/s"}.get(u, u)


def unit_factor(unit: str, kind: UnitKind, *, where: str) -> float:
    """Multiplier taking a value in ``unit`` to the canonical unit of ``kind``.

    ``kind`` is ``"time"`` (to ms), ``"req_rate"`` (to req/s), ``"tok_rate"`` (to tok/s) or
    ``"count"`` (no conversion). ``where`` names the file and field for the error message.

    Examples
    --------
    >>> from frontier._sweeps._canonical import unit_factor
    >>> unit_factor("s", "time", where="x"), unit_factor("requests/min", "req_rate", where="x")
    (1000.0, 0.016666666666666666)
    >>> unit_factor("per sec", "tok_rate", where="x")
    1.0
    """
    u = _norm_unit(unit)
    if kind == "time":
        if u in _TIME_TO_MS:
            return _TIME_TO_MS[u]
    elif kind == "count":
        return 1.0
    else:
        if u.startswith("per"):  # GenAI-Perf's CSV writes "(per sec)"
            u = ("req/" if kind == "req_rate" else "tok/") + u[3:].lstrip("/")
        m = re.fullmatch(r"([a-z]+)(?:/|per)([a-z]+)", u)
        if m is not None:
            num, den = m.groups()
            ok = _REQ if kind == "req_rate" else _TOK
            if num in ok and den in _PER_S:
                return _PER_S[den]
    expected = {"time": "a time unit such as 'ms' or 's'",
                "req_rate": "a request rate such as 'req/s' or 'req/min'",
                "tok_rate": "a token rate such as 'tok/s' or 'tokens/sec'"}[kind]
    raise ValueError(f"{where}: unit {unit!r} is not {expected}")


def kind_of(column: str) -> UnitKind:
    """The unit kind of a canonical column (``"count"`` for knobs and counts)."""
    if column.endswith("_ms"):
        return "time"
    if column in ("request_throughput", "request_goodput", "goodput"):
        return "req_rate"
    if column in ("output_throughput", "total_token_throughput", "input_throughput"):
        return "tok_rate"
    if column == "duration_s":
        return "time"
    return "count"


def convert(values, unit: str, column: str, *, where: str):
    """Convert ``values`` given in ``unit`` into the canonical unit of ``column``.

    Examples
    --------
    >>> from frontier._sweeps._canonical import convert
    >>> float(convert(0.25, "s", "mean_ttft_ms", where="f.json: ttft"))
    250.0
    >>> float(convert(2.0, "ms", "duration_s", where="f.json: duration"))
    0.002
    """
    kind = kind_of(column)
    f = unit_factor(unit, kind, where=where)
    if column == "duration_s":
        f = f / 1e3
    arr = np.asarray(values, dtype=float)
    return arr * f if f != 1.0 else arr

