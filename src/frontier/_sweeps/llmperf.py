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
leaderboard's ``framework``/``model_size``. The summary has no duration field;
``duration_s`` is ``results_num_completed_requests / results_num_completed_requests_per_min
* 60``, the file's own numbers.

``*_individual_responses.json`` (written beside each summary) is a list of per-request
objects ``{error_code, error_msg, ttft_s, end_to_end_latency_s, inter_token_latency_s,
number_output_tokens, number_input_tokens, ...}``. Read with a summary from the same
directory it becomes that run's per-request data (for goodput; per-request TPOT is
``(end_to_end_latency - ttft) / (output tokens - 1)``); read alone it is summarised into one
run without a duration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._canonical import convert
from ._common import Parsed, number, parse_json, read_text

__all__ = [
    "FORMAT",
    "is_requests",
    "is_summary",
    "read",
    "read_requests",
    "read_requests_table"
]

FORMAT = "llmperf"

_FAMILIES = {"ttft_s": "ttft", "end_to_end_latency_s": "e2el", "inter_token_latency_s": "ntpot"}
_KEY = re.compile(r"^results_(ttft_s|end_to_end_latency_s|inter_token_latency_s)_"
                  r"(quantiles_p\d+(?:\.\d+)?|mean|min|max|stddev)$")
_KNOBS = ("num_concurrent_requests", "model", "mean_input_tokens", "mean_output_tokens",
          "stddev_input_tokens", "stddev_output_tokens", "framework", "model_size")


_REQ_KEYS = ("ttft_s", "end_to_end_latency_s")


def is_requests(obj: Any) -> bool:
    """Whether a JSON value is an LLMPerf ``*_individual_responses.json`` list."""
    return isinstance(obj, list) and bool(obj) and all(
        isinstance(r, Mapping) and all(k in r for k in _REQ_KEYS) for r in obj)


def read_requests_table(path: Path, text: str) -> pd.DataFrame:
    """Per-request table from ``*_individual_responses.json`` (seconds become ms)."""
    obj = parse_json(text, path)
    if not is_requests(obj):
        raise ValueError(f"{path}: not an LLMPerf individual-responses list (objects with "
                         "'ttft_s' and 'end_to_end_latency_s')")
    df = pd.DataFrame.from_records(obj)
    ok = df["error_code"].isna() if "error_code" in df else pd.Series(True, index=df.index)
    if "error_msg" in df:
        ok &= df["error_msg"].fillna("").astype(str).eq("")
    ttft = pd.to_numeric(df["ttft_s"], errors="coerce").to_numpy(float) * 1e3
    e2el = pd.to_numeric(df["end_to_end_latency_s"], errors="coerce").to_numpy(float) * 1e3
    n = pd.to_numeric(df.get("number_output_tokens"), errors="coerce").to_numpy(float) \
        if "number_output_tokens" in df else np.full(len(df), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        tpot = np.where(n > 1, (e2el - ttft) / (n - 1), np.where(n == 1, 0.0, np.nan))
    inp = pd.to_numeric(df["number_input_tokens"], errors="coerce").to_numpy(float) \
        if "number_input_tokens" in df else np.full(len(df), np.nan)
    return pd.DataFrame({"run": 0, "success": ok.to_numpy(bool), "ttft_ms": ttft,
                         "tpot_ms": tpot, "e2el_ms": e2el, "output_tokens": n,
                         "input_tokens": inp})


def read_requests(path: Path, text: str) -> Parsed:
    """``*_individual_responses.json`` alone: summarised into one run (no duration)."""
    from ._derived import summarize_requests

    req = read_requests_table(path, text)
    row = summarize_requests(req, np.nan)
    row = {k: v for k, v in row.items() if not (isinstance(v, float) and np.isnan(v))}
    table = pd.DataFrame([row])
    table.insert(0, "source_row", 0)
    return Parsed(table=table, knobs=[], format=FORMAT, requests=req)


def is_summary(obj: Any) -> bool:
    """Whether a JSON object is an LLMPerf summary."""
    return isinstance(obj, Mapping) and any(_KEY.match(str(k)) for k in obj) and (
        "num_concurrent_requests" in obj or "results_mean_output_throughput_token_per_s" in obj)


def read(path: Path, text: str, requests_path: Path | None = None) -> Parsed:
    """One ``*_summary.json`` (with its ``*_individual_responses.json``, if given)."""
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
    if row.get("request_throughput", 0) > 0 and "completed" in row:
        row["duration_s"] = row["completed"] / row["request_throughput"]
    table = pd.DataFrame([row])
    table.insert(0, "source_row", 0)
    knobs = [c for c in ("max_concurrency", *_KNOBS[1:]) if c in row]
    requests = None
    if requests_path is not None:
        requests = read_requests_table(requests_path, read_text(requests_path))
    return Parsed(table=table, knobs=knobs, format=FORMAT, requests=requests)
