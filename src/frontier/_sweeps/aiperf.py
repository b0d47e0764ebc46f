"""NVIDIA AIPerf and GenAI-Perf exports.

Layouts read (from ai-dynamo/aiperf's exporters and docs, its ``examples/artifacts/run1``,
and triton genai-perf's JSON exporter):

- AIPerf ``profile_export_aiperf.json``: one object per metric,
  ``{unit, avg, min, max, p1, p5, p10, p25, p50, p75, p90, p95, p99, std}``, either nested
  under ``records`` (AIPerf 0.1-0.2, tags such as ``ttft``) or at the top level (later
  versions, ``time_to_first_token``); the run configuration in
  ``input_config.loadgen.{concurrency, request_rate}`` and
  ``input_config.endpoint.model_names``;
- AIPerf ``profile_export_aiperf.csv``: blocks separated by blank lines; a
  ``Metric,avg,min,max,p1,...,std`` block of distributions and a ``Metric,Value`` block of
  scalars, names written as ``"Time to First Token (ms)"``. The CSV holds no run
  configuration: pass knobs such as ``max_concurrency=`` to ``read_sweep``. When the JSON
  twin is read from the same directory, the CSV is skipped;
- AIPerf ``profile_export.jsonl``: one request per line,
  ``{metadata, metrics: {tag: {value, unit}}, error}``. Read with an aggregate export from
  the same directory, it becomes that run's per-request data (for goodput); read alone, it
  is summarised into one run (statistics over the successful requests, duration from the
  first request start to the last response);
- GenAI-Perf ``profile_export_genai_perf.json``: the same ``{unit, avg, p25, ..., std}``
  objects at the top level; concurrency in ``input_config.perf_analyzer.stimulus`` (newer)
  or ``input_config.concurrency`` (older).

Mapping: ``time_to_first_token``/``ttft`` -> ``ttft``; ``inter_token_latency`` ->
``tpot`` (AIPerf and GenAI-Perf define it per request as ``(latency - ttft) /
(output tokens - 1)``, which is vLLM's TPOT, not vLLM's ITL); ``inter_chunk_latency`` ->
``itl``; ``request_latency`` -> ``e2el``; ``request_throughput``,
``output_token_throughput``, ``benchmark_duration``, ``request_count`` (completed),
``error_request_count`` (failed), ``total_isl``/``total_osl`` and AIPerf's own ``goodput``.
``output_token_throughput_per_user`` (a mean of per-request rates) is not kept: the table
derives its own ``decode_rate_per_user`` from the mean TPOT.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._canonical import convert
from ._common import Parsed, dig, number, parse_json, parse_json_lines, read_text, stat_columns

__all__ = [
    "FORMAT",
    "FORMAT_GENAI",
    "LATENCY_TAGS",
    "SCALAR_TAGS",
    "STAT_NAMES",
    "flavour",
    "is_aggregate",
    "is_csv_header",
    "is_request_record",
    "read_aggregate",
    "read_csv",
    "read_requests",
    "read_requests_table"
]

FORMAT = "aiperf"
FORMAT_GENAI = "genai-perf"

LATENCY_TAGS = {"ttft": "ttft", "time_to_first_token": "ttft", "inter_token_latency": "tpot",
                "inter_chunk_latency": "itl", "request_latency": "e2el"}

SCALAR_TAGS = {"request_throughput": "request_throughput",
               "output_token_throughput": "output_throughput",
               "total_token_throughput": "total_token_throughput",
               "benchmark_duration": "duration_s", "request_count": "completed",
               "error_request_count": "failed", "total_isl": "total_input_tokens",
               "total_osl": "total_output_tokens", "goodput": "request_goodput"}

_DEFAULT_UNIT = {"request_throughput": "requests/sec", "output_throughput": "tokens/sec",
                 "total_token_throughput": "tokens/sec", "duration_s": "sec",
                 "request_goodput": "requests/sec"}

STAT_NAMES = {"avg": "mean", "mean": "mean", "median": "median", "std": "std", "min": "min",
              "max": "max", "p1": "p1", "p5": "p5", "p10": "p10", "p25": "p25", "p50": "p50",
              "p75": "p75", "p90": "p90", "p95": "p95", "p99": "p99"}

_CSV_NAMES = {"time to first token": "ttft", "inter token latency": "inter_token_latency",
              "inter chunk latency": "inter_chunk_latency", "request latency": "request_latency",
              "request throughput": "request_throughput",
              "output token throughput": "output_token_throughput",
              "total token throughput": "total_token_throughput",
              "benchmark duration": "benchmark_duration", "request count": "request_count",
              "error request count": "error_request_count",
              "total input sequence length": "total_isl",
              "total output sequence length": "total_osl", "goodput": "goodput"}


def _metric_block(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    recs = obj.get("records")
    return recs if isinstance(recs, Mapping) else obj


def is_aggregate(obj: Any) -> bool:
    """Whether a JSON object is an AIPerf or GenAI-Perf aggregate export."""
    if not isinstance(obj, Mapping):
        return False
    block = _metric_block(obj)
    hits = [t for t in (*LATENCY_TAGS, "request_throughput", "output_token_throughput")
            if isinstance(block.get(t), Mapping)]
    return bool(hits) and any(
        any(k in block[t] for k in ("avg", "p50", "p99", "mean")) for t in hits)


def flavour(obj: Mapping[str, Any], path: Path) -> str:
    """``"aiperf"`` or ``"genai-perf"`` for an aggregate export."""
    cfg = obj.get("input_config") if isinstance(obj.get("input_config"), Mapping) else {}
    if "records" in obj or "aiperf_version" in obj or "loadgen" in cfg:
        return FORMAT
    if "perf_analyzer" in cfg or "genai_perf" in path.name or "concurrency" in cfg:
        return FORMAT_GENAI
    return FORMAT


def is_request_record(obj: Any) -> bool:
    """Whether a JSON Lines record is one AIPerf per-request record."""
    return (isinstance(obj, Mapping) and isinstance(obj.get("metrics"), Mapping)
            and isinstance(obj.get("metadata"), Mapping))


def is_csv_header(first_line: str) -> bool:
    """Whether a CSV starts like AIPerf's ``profile_export_aiperf.csv``."""
    cells = [c.strip().lower() for c in first_line.split(",")]
    return len(cells) >= 2 and cells[0] == "metric" and (cells[1] in ("avg", "value"))


def _knobs(obj: Mapping[str, Any], fmt: str) -> dict[str, Any]:
    cfg = obj.get("input_config") if isinstance(obj.get("input_config"), Mapping) else {}
    out: dict[str, Any] = {}
    conc = (dig(cfg, "loadgen", "concurrency") if fmt == FORMAT else
            dig(cfg, "perf_analyzer", "stimulus", "concurrency", default=cfg.get("concurrency")))
    rate = (dig(cfg, "loadgen", "request_rate") if fmt == FORMAT else
            dig(cfg, "perf_analyzer", "stimulus", "request_rate",
                default=cfg.get("request_rate")))
    out["max_concurrency"] = conc
    out["request_rate"] = rate
    model = (dig(cfg, "endpoint", "model_names") or cfg.get("model_names")
             or dig(cfg, "models", "items") or cfg.get("model"))
    if isinstance(model, list) and model:
        model = model[0].get("name") if isinstance(model[0], Mapping) else model[0]
    out["model"] = model if isinstance(model, str) else None
    out["request_rate_mode"] = dig(cfg, "loadgen", "request_rate_mode")
    out["streaming"] = dig(cfg, "endpoint", "streaming")
    out["input_tokens_mean"] = dig(cfg, "input", "prompt", "input_tokens", "mean")
    out["output_tokens_mean"] = dig(cfg, "input", "prompt", "output_tokens", "mean")
    return {k: v for k, v in out.items() if v is not None and not isinstance(v, (list, dict))}


def _row_from_block(block: Mapping[str, Any], path: Path) -> dict[str, float]:
    row: dict[str, float] = {}
    for tag, fam in LATENCY_TAGS.items():
        stats = block.get(tag)
        if not isinstance(stats, Mapping):
            continue
        unit = stats.get("unit", "ms")
        for col, v in stat_columns(stats, fam, unit, f"{path}: {tag}", STAT_NAMES).items():
            if col in row:
                raise ValueError(f"{path}: '{tag}' repeats a latency already read under "
                                 "another tag")
            row[col] = v
    for tag, col in SCALAR_TAGS.items():
        stats = block.get(tag)
        if stats is None:
            continue
        where = f"{path}: {tag}"
        if isinstance(stats, Mapping):
            v = stats.get("avg", stats.get("value"))
            unit = stats.get("unit") or _DEFAULT_UNIT.get(col, "")
        else:
            v, unit = stats, _DEFAULT_UNIT.get(col, "")
        if v is None:
            continue
        row[col] = float(convert(number(v, where), unit, col, where=where)) if unit else \
            number(v, where)
    return row


def read_aggregate(path: Path, text: str, requests_path: Path | None = None) -> Parsed:
    """``profile_export_aiperf.json`` or ``profile_export_genai_perf.json``."""
    obj = parse_json(text, path)
    if not is_aggregate(obj):
        raise ValueError(f"{path}: not an AIPerf/GenAI-Perf export (no metric object such "
                         "as 'time_to_first_token': {'avg': ...})")
    fmt = flavour(obj, path)
    row = {**_knobs(obj, fmt), **_row_from_block(_metric_block(obj), path)}
    knobs = [k for k in _knobs(obj, fmt)]
    table = pd.DataFrame([row])
    table.insert(0, "source_row", 0)
    requests = None
    dropped: list[dict] = []
    if requests_path is not None:
        req, _, dropped = read_requests_table(requests_path, read_text(requests_path))
        requests = req.assign(run=0)
        for d in dropped:
            d["source"] = str(requests_path)
    return Parsed(table=table, knobs=knobs, format=fmt, requests=requests, dropped=dropped)


def read_csv(path: Path, text: str) -> Parsed:
    """``profile_export_aiperf.csv``: the distribution and scalar blocks."""
    blocks = [b for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
    block: dict[str, Any] = {}
    for b in blocks:
        df = pd.read_csv(io.StringIO(b))
        if df.columns[0].strip().lower() != "metric":
            continue  # GPU telemetry and other blocks
        for rec in df.to_dict("records"):
            m = re.fullmatch(r"\s*(.*?)\s*(?:\(([^)]*)\))?\s*", str(rec[df.columns[0]]))
            name, unit = m.group(1).lower(), m.group(2)
            tag = _CSV_NAMES.get(name)
            if tag is None:
                continue
            stats = {k.strip(): v for k, v in rec.items() if k != df.columns[0]}
            if "Value" in stats:
                stats = {"avg": stats["Value"]}
            if unit:
                stats["unit"] = unit
            block[tag] = stats
    if not block:
        raise ValueError(f"{path}: an AIPerf CSV with no metric this reader knows (such as "
                         "'Time to First Token (ms)')")
    row = _row_from_block(block, path)
    table = pd.DataFrame([row])
    table.insert(0, "source_row", 0)
    return Parsed(table=table, knobs=[], format=FORMAT)


def read_requests_table(path: Path, text: str) -> tuple[pd.DataFrame, float, list[dict]]:
    """Per-request table, the run duration (s) and warm-up drops from ``profile_export.jsonl``."""
    recs = parse_json_lines(text, path)
    bad = [i for i, r in enumerate(recs) if not is_request_record(r)]
    if bad:
        raise ValueError(f"{path}: line {bad[0] + 1} is not an AIPerf per-request record "
                         "({'metadata': ..., 'metrics': ..., 'error': ...})")
    dropped = []
    keep = []
    for i, r in enumerate(recs):
        phase = r["metadata"].get("benchmark_phase", r["metadata"].get("credit_phase"))
        if phase not in (None, "profiling"):
            dropped.append({"source_row": i, "field": "metadata.benchmark_phase",
                            "reason": f"request from the {phase!r} phase, not profiling"})
        else:
            keep.append(r)
    cols: dict[str, np.ndarray] = {}
    for out, tags in (("ttft_ms", ("ttft", "time_to_first_token")),
                      ("tpot_ms", ("inter_token_latency",)), ("e2el_ms", ("request_latency",)),
                      ("output_tokens", ("output_sequence_length",)),
                      ("input_tokens", ("input_sequence_length",))):
        vals = np.full(len(keep), np.nan)
        units: set[str] = set()
        for j, r in enumerate(keep):
            for t in tags:
                m = r["metrics"].get(t)
                if isinstance(m, Mapping) and m.get("value") is not None:
                    vals[j] = number(m["value"], f"{path}: line {j + 1}: {t}")
                    units.add(str(m.get("unit", "")))
                    break
        if len(units) > 1:
            raise ValueError(f"{path}: field {tags[0]!r} mixes units {sorted(units)} across "
                             "records; one file must use one unit per field")
        if out.endswith("_ms") and units:
            vals = convert(vals, units.pop(), out, where=f"{path}: {tags[0]}")
        cols[out] = vals
    success = np.array([r.get("error") is None and not r["metadata"].get("was_cancelled")
                        for r in keep], dtype=bool)

    def ns(r, meta_keys, metric):
        # integer nanoseconds: epoch times near 1.76e18 lose ~100 ns as floats
        for k in meta_keys:
            if r["metadata"].get(k) is not None:
                return int(r["metadata"][k])
        m = r["metrics"].get(metric)
        return int(m["value"]) if isinstance(m, Mapping) and m.get("value") is not None \
            else None

    starts = [t for r in keep
              if (t := ns(r, ("request_start_ns", "timestamp_ns"), "min_request_timestamp"))
              is not None]
    ends = [t for r in keep if (t := ns(r, ("request_end_ns",), "max_response_timestamp"))
            is not None]
    duration = (max(ends) - min(starts)) / 1e9 if starts and ends else np.nan
    req = pd.DataFrame({"run": 0, "success": success, **cols})
    return req, float(duration), dropped


def read_requests(path: Path, text: str) -> Parsed:
    """``profile_export.jsonl`` alone: summarised into one run."""
    from ._derived import summarize_requests

    req, duration, dropped = read_requests_table(path, text)
    row = summarize_requests(req, duration)
    table = pd.DataFrame([row])
    table.insert(0, "source_row", 0)
    return Parsed(table=table, knobs=[], format=FORMAT, requests=req, dropped=dropped)
