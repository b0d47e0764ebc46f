"""GuideLLM ``benchmarks.json`` (``guidellm benchmark --output-path``): one row per
benchmark (one per strategy of the profile).

Layouts read (from neuralmagic/guidellm v0.3 test assets and vllm-project/guidellm v0.4+
schemas): ``benchmarks[]`` each with ``metrics.<name>.successful.{mean, median, std_dev,
min, max, percentiles.{p001, p01, p05, p10, p25, p50, p75, p90, p95, p99, p999}}`` (v0.3
omits ``p50``; its ``median`` is the same statistic). The strategy is in
``benchmarks[].args.strategy`` (v0.3) or ``benchmarks[].config.strategy`` (v0.4+):
``{"type_": "synchronous" | "throughput" | "concurrent" | "constant" | "poisson", "streams":
N, "rate": R, "max_concurrency": M}``.

Mapping (statistics of *successful* requests): ``time_to_first_token_ms`` -> ``ttft``;
``request_latency`` (seconds) -> ``e2el``; ``inter_token_latency_ms`` -> ``tpot`` in v0.3
(one value per request, ``(last - first token time) / (output tokens - 1)``, weighted per
request: vLLM's TPOT) but -> ``itl`` in v0.4+ (the same per-request value weighted by its
number of gaps, which pools the gaps: vLLM's ITL); ``requests_per_second``,
``output_tokens_per_second`` and ``tokens_per_second`` means -> the three throughputs;
``request_concurrency`` mean -> ``measured_concurrency``; request totals -> ``completed`` and
``failed``. ``time_per_output_token_ms`` (GuideLLM divides by *all* output tokens) matches no
canonical family and is not kept. Knobs: ``strategy``, ``max_concurrency`` (``streams``; 1
for synchronous), ``request_rate`` (``rate``; ``inf`` for throughput) and ``model``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ._canonical import percentile_name
from ._common import Parsed, dig, number, parse_json, stat_columns

__all__ = [
    "FORMAT", "is_benchmarks", "read"
]

FORMAT = "guidellm"

_PCT = {"p001": 0.1, "p01": 1.0, "p05": 5.0, "p10": 10.0, "p25": 25.0, "p50": 50.0,
        "p75": 75.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "p999": 99.9}
_STAT_NAMES = {"mean": "mean", "median": "median", "std_dev": "std", "min": "min",
               "max": "max"}


def is_benchmarks(obj: Any) -> bool:
    """Whether a JSON object is a GuideLLM report."""
    b = obj.get("benchmarks") if isinstance(obj, Mapping) else None
    return isinstance(b, list) and bool(b) and all(
        isinstance(x, Mapping) and isinstance(x.get("metrics"), Mapping) for x in b)


def _stats(dist: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: dist[k] for k in _STAT_NAMES if k in dist}
    for k, v in (dist.get("percentiles") or {}).items():
        if k in _PCT and _PCT[k] >= 1.0:
            out[percentile_name(_PCT[k])] = v
    return out


def _successful(metrics: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    m = metrics.get(name)
    s = m.get("successful") if isinstance(m, Mapping) else None
    return s if isinstance(s, Mapping) else None


def _row(b: Mapping[str, Any], i: int, path: Path) -> tuple[dict[str, Any], str]:
    v4 = isinstance(b.get("config"), Mapping) and "strategy" in b["config"]
    strategy = dig(b, "config", "strategy") if v4 else dig(b, "args", "strategy")
    if not isinstance(strategy, Mapping):
        raise ValueError(f"{path}: benchmarks[{i}] has no strategy (expected "
                         "'config.strategy' (v0.4+) or 'args.strategy' (v0.3))")
    kind = strategy.get("type_", strategy.get("type"))
    row: dict[str, Any] = {"strategy": kind}
    streams = strategy.get("streams", strategy.get("max_concurrency"))
    if kind == "synchronous":
        streams = 1
    row["max_concurrency"] = streams
    rate = strategy.get("rate")
    row["request_rate"] = math.inf if kind == "throughput" else rate
    row["model"] = (dig(b, "worker", "backend_model") or dig(b, "config", "backend", "model")
                    or dig(b, "benchmarker", "backend", "model"))
    metrics = b["metrics"]
    where = f"{path}: benchmarks[{i}].metrics"
    stat_names = {**_STAT_NAMES, **{percentile_name(p): percentile_name(p)
                                    for p in _PCT.values() if p >= 1.0}}
    for name, fam, unit in (("time_to_first_token_ms", "ttft", "ms"),
                            ("request_latency", "e2el", "s"),
                            ("inter_token_latency_ms", "itl" if v4 else "tpot", "ms")):
        s = _successful(metrics, name)
        if s is not None:
            row.update(stat_columns(_stats(s), fam, unit, f"{where}.{name}", stat_names))
    for name, col in (("requests_per_second", "request_throughput"),
                      ("output_tokens_per_second", "output_throughput"),
                      ("tokens_per_second", "total_token_throughput"),
                      ("request_concurrency", "measured_concurrency")):
        s = _successful(metrics, name)
        if s is not None and s.get("mean") is not None:
            row[col] = number(s["mean"], f"{where}.{name}.successful.mean")
    totals = metrics.get("request_totals", b.get("request_totals"))
    if isinstance(totals, Mapping):
        if totals.get("successful") is not None:
            row["completed"] = number(totals["successful"], f"{where}.request_totals")
        if totals.get("errored") is not None:
            row["failed"] = number(totals["errored"], f"{where}.request_totals")
    if b.get("duration") is not None:
        row["duration_s"] = number(b["duration"], f"{path}: benchmarks[{i}].duration")
    return row, "v0.4" if v4 else "v0.3"


def read(path: Path, text: str) -> Parsed:
    """A GuideLLM ``benchmarks.json``."""
    obj = parse_json(text, path)
    if not is_benchmarks(obj):
        raise ValueError(f"{path}: not a GuideLLM report (no 'benchmarks' list of objects "
                         "with 'metrics')")
    rows = [_row(b, i, path)[0] for i, b in enumerate(obj["benchmarks"])]
    table = pd.DataFrame(rows)
    table.insert(0, "source_row", range(len(rows)))
    knobs = [k for k in ("strategy", "max_concurrency", "request_rate", "model")
             if k in table and table[k].notna().any()]
    for k in ("max_concurrency", "request_rate"):
        if k in table:
            table[k] = pd.to_numeric(table[k], errors="coerce")
    return Parsed(table=table, knobs=knobs, format=FORMAT)
