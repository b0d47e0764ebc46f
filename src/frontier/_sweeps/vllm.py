"""vLLM ``vllm bench serve`` / ``benchmark_serving.py`` results and the ``vllm bench sweep``
output tree.

Layouts read (from vLLM's ``vllm/benchmarks/serve.py`` and ``vllm/benchmarks/sweep/serve.py``):

- one JSON object per run (``--save-result``): ``request_throughput`` (req/s),
  ``output_throughput`` and ``total_token_throughput`` (tok/s), ``duration`` (s),
  ``completed``, ``failed``, ``{mean,median,std}_{m}_ms`` and ``p{P}_{m}_ms`` for ``m`` in
  ttft, tpot, itl, e2el; ``max_concurrency`` (null when unset), ``request_rate`` (the string
  ``"inf"`` when unbounded), ``burstiness``, ``--metadata KEY=VALUE`` pairs as top-level keys;
- the same objects one per line (``--append-result``);
- older files with ``best_of`` and the goodput key spelled ``"request_goodput:"``;
- ``--save-detailed`` lists ``ttfts``, ``itls``, ``latencies`` (s), ``output_lens``,
  ``input_lens``, ``errors``: read as per-request data for goodput;
- the sweep tree ``<experiment>/<combination>/run=N.json`` (each run's result plus
  ``run_number`` and the serve/bench parameters of its combination, which become knob
  columns), ``summary.json`` (the combination's runs as a list) and ``summary.csv`` (all
  runs of the experiment, with pandas' index as first column). ``warmup.json`` (run number
  -1) and ``*.failure.json`` are not runs. When ``run=N.json`` files are read,
  ``summary.json`` and ``summary.csv`` next to them repeat the same runs and are skipped.

Knobs are ``max_concurrency``, ``request_rate``, ``burstiness``, ``num_prompts``,
``backend``, ``model`` (``model_id``) and every other scalar field that does not look like a
result (metadata and sweep parameters). The tool's own ``label`` becomes ``bench_label``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ._canonical import METRICS
from ._common import (
    Parsed,
    knob_columns,
    numeric_knob,
    parse_records,
    request_rate,
    requests_from_lists,
)

__all__ = [
    "FORMAT",
    "PER_REQUEST_KEYS",
    "frame_from_records",
    "is_record",
    "is_summary_header",
    "read_csv",
    "read_json"
]

FORMAT = "vllm"

_LAT_KEY = re.compile(r"^(mean|median|std|min|max|p\d+(?:\.\d+)?)_(ttft|tpot|itl|e2el)_ms$")

PER_REQUEST_KEYS = ("input_lens", "output_lens", "ttfts", "itls", "latencies", "start_times",
                    "queue_times", "generated_texts", "errors", "rps_change_events",
                    "infer_input_lens", "input_texts",
                    "spec_decode_per_position_acceptance_rates")

_IGNORED = {"date", "endpoint_type", "tokenizer_id", "run_number", "max_output_tokens_per_s",
            "max_concurrent_requests", "rtfx", *PER_REQUEST_KEYS}

_RENAMES = {"request_goodput:": "request_goodput", "duration": "duration_s",
            "model_id": "model", "label": "bench_label"}

_KNOB_ORDER = ("max_concurrency", "request_rate", "burstiness", "num_prompts", "backend",
               "model")


def is_record(obj: Any) -> bool:
    """Whether a JSON object is one vLLM benchmark result."""
    if not isinstance(obj, Mapping):
        return False
    if any(str(k).endswith("_e2e_latency_ms") for k in obj):
        return False  # SGLang's spelling
    has_lat = any(_LAT_KEY.match(str(k)) for k in obj)
    # every vLLM result has "duration"; a plain table that merely uses the canonical names
    # (which are vLLM's) is not taken for one
    return has_lat and "duration" in obj and ("request_throughput" in obj or "completed" in obj)


def is_summary_header(columns: Sequence[str]) -> bool:
    """Whether a CSV header is a ``vllm bench sweep`` ``summary.csv``."""
    cols = set(map(str, columns))
    return ("request_throughput" in cols and "duration" in cols
            and any(_LAT_KEY.match(c) for c in cols))


def frame_from_records(records: Sequence[Mapping[str, Any]], path: Path, *, fmt: str,
                       renames: Mapping[str, str], ignored: set[str],
                       knob_order: Sequence[str]) -> Parsed:
    """Canonical table from a list of vLLM-style result objects (also used for SGLang)."""
    df = pd.DataFrame.from_records(list(records))
    df = df.drop(columns=[c for c in df.columns if str(c).startswith("Unnamed: ")])
    df = df.rename(columns={k: v for k, v in renames.items() if k in df.columns})
    if df.columns.duplicated().any():
        dup = sorted(set(df.columns[df.columns.duplicated()]))
        raise ValueError(f"{path}: fields {dup} appear under two spellings in one record")
    keep_metrics = [c for c in df.columns if c in METRICS]
    knobs = knob_columns(df.drop(columns=keep_metrics), exclude=ignored)
    knobs = [k for k in knob_order if k in knobs] + [k for k in knobs if k not in knob_order]
    table = df[knobs + keep_metrics].copy()
    if "request_rate" in table:
        table["request_rate"] = request_rate(table["request_rate"])
    for k in knobs:
        if k != "request_rate":
            table[k] = numeric_knob(table[k])
    dropped = []
    if "run_number" in df.columns:
        warm = pd.to_numeric(df["run_number"], errors="coerce") < 0
        for i in df.index[warm]:
            dropped.append({"source_row": int(i), "field": "run_number",
                            "reason": "warm-up run (run_number -1), not a measurement"})
        table = table.loc[~warm.to_numpy()]
    requests = requests_from_lists(records, path)
    if requests is not None and dropped:
        keep = set(table.index)
        requests = requests[requests["run"].isin(keep)]
    table = table.reset_index(names="source_row")
    if requests is not None:
        pos = {int(r): i for i, r in enumerate(table["source_row"])}
        requests = requests.assign(run=requests["run"].map(pos)).reset_index(drop=True)
    return Parsed(table=table, knobs=knobs, format=fmt, requests=requests, dropped=dropped)


def _frame(records, path):
    return frame_from_records(records, path, fmt=FORMAT, renames=_RENAMES, ignored=_IGNORED,
                              knob_order=_KNOB_ORDER)


def read_json(path: Path, text: str) -> Parsed:
    """One result object, a list of them (``summary.json``) or JSON Lines."""
    records = parse_records(text, path, is_record, "a vLLM benchmark result (it has no"
                            " 'request_throughput' and no '<stat>_<ttft|tpot|itl|e2el>_ms' field)")
    return _frame(records, path)


def read_csv(path: Path, text: str) -> Parsed:
    """A ``vllm bench sweep`` ``summary.csv``."""
    df = pd.read_csv(io.StringIO(text))
    return _frame(df.to_dict("records"), path)

