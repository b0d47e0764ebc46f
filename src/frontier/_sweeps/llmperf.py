"""Ray LLMPerf ``token_benchmark_ray.py`` summaries (``*_summary.json``, one run each).

Layout (from ray-project/llmperf's result files and the llmperf-leaderboard raw data): flat
keys in **seconds**, ``results_{ttft_s, inter_token_latency_s, end_to_end_latency_s}_
{quantiles_p25..p99, mean, min, max, stddev}``; ``results_mean_output_throughput_token_per_s``
(tok/s, all requests); ``results_num_completed_requests_per_min`` (requests per *minute*);
``results_num_completed_requests``, ``results_number_errors``; the knob
``num_concurrent_requests`` and the requested ``mean_input_tokens``/``mean_output_tokens``.

Mapping: ``ttft_s`` -> ``ttft``; ``end_to_end_latency_s`` -> ``e2el``;
``inter_token_latency_s`` -> ``ntpot``: LLMPerf sums every gap *including the time to first
token* and divides by the output tokens, i.e. end-to-end latency per output token, which is
neither vLLM's TPOT nor its ITL. Seconds become ms, requests per minute become req/s.
``results_request_output_throughput_token_per_s`` (a per-request rate) is not kept.
Knobs: ``max_concurrency`` (``num_concurrent_requests``), ``model``, ``mean_input_tokens``,
``mean_output_tokens``, ``stddev_input_tokens``, ``stddev_output_tokens`` and the
leaderboard's ``framework``/``model_size``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ._canonical import convert
from ._common import Parsed, number, parse_json

FORMAT = "llmperf"

_FAMILIES = {"ttft_s": "ttft", "end_to_end_latency_s": "e2el", "inter_token_latency_s": "ntpot"}
_KEY = re.compile(r"^results_(ttft_s|end_to_end_latency_s|inter_token_latency_s)_"
                  r"(quantiles_p\d+(?:\.\d+)?|mean|min|max|stddev)$")
_KNOBS = ("num_concurrent_requests", "model", "mean_input_tokens", "mean_output_tokens",
          "stddev_input_tokens", "stddev_output_tokens", "framework", "model_size")


def is_summary(obj: Any) -> bool:
    """Whether a JSON object is an LLMPerf summary."""
    return isinstance(obj, Mapping) and any(_KEY.match(str(k)) for k in obj) and (
        "num_concurrent_requests" in obj or "results_mean_output_throughput_token_per_s" in obj)


def read(path: Path, text: str) -> Parsed:
    """One ``*_summary.json``."""
    obj = parse_json(text, path)
    if not is_summary(obj):
        raise ValueError(f"{path}: not an LLMPerf summary (no 'results_ttft_s_*' fields)")
    row: dict[str, Any] = {}
    for k in _KNOBS:
        if k in obj and not isinstance(obj[k], (list, dict)):
            row["max_concurrency" if k == "num_concurrent_requests" else k] = obj[k]
    for k, v in obj.items():
        m = _KEY.match(str(k))
        if m is None or v is None:
            continue
        fam = _FAMILIES[m.group(1)]
        stat = m.group(2)
        stat = {"stddev": "std"}.get(stat, stat.removeprefix("quantiles_"))
        col = f"{stat}_{fam}_ms"
        row[col] = float(convert(number(v, f"{path}: {k}"), "s", col, where=f"{path}: {k}"))
    for key, col, unit in (
            ("results_mean_output_throughput_token_per_s", "output_throughput", "tok/s"),
            ("results_num_completed_requests_per_min", "request_throughput", "req/min")):
        if obj.get(key) is not None:
            row[col] = float(convert(number(obj[key], f"{path}: {key}"), unit, col,
                                     where=f"{path}: {key}"))
    for key, col in (("results_num_completed_requests", "completed"),
                     ("results_number_errors", "failed")):
        if obj.get(key) is not None:
            row[col] = number(obj[key], f"{path}: {key}")
    table = pd.DataFrame([row])
    table.insert(0, "source_row", 0)
    knobs = [c for c in ("max_concurrency", *_KNOBS[1:]) if c in row]
    return Parsed(table=table, knobs=knobs, format=FORMAT)
