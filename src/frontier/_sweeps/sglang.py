"""SGLang ``python -m sglang.bench_serving`` results (JSON Lines, one object per run).

Layout (from SGLang's ``python/sglang/bench_serving.py``): the vLLM families
``{mean,median,std,p99}_{ttft,tpot,itl}_ms`` (newer versions add ``p90``/``p95``), but the
end-to-end latency is ``{stat}_e2e_latency_ms``; ``request_throughput`` (req/s),
``input_throughput``, ``output_throughput`` and ``total_throughput`` (tok/s);
``concurrency`` is *measured* (sum of request latencies / duration), not the configured
limit, and becomes ``measured_concurrency``; the configured limit is ``max_concurrency``.
``request_rate`` is a float (``Infinity`` when unbounded). ``--output-details`` adds the
per-request lists ``ttfts``, ``itls``, ``output_lens``, ``input_lens``, ``errors`` (read
for goodput). Retokenized counts and ``accept_length`` are not knobs and are not kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._common import Parsed, parse_records
from .vllm import PER_REQUEST_KEYS, frame_from_records

__all__ = [
    "FORMAT", "is_record", "read"
]

FORMAT = "sglang"

_E2E = re.compile(r"^(mean|median|std|min|max|p\d+(?:\.\d+)?)_e2e_latency_ms$")

_IGNORED = {"date", "tokenizer_id", "accept_length", "total_output_tokens_retokenized",
            "output_throughput_retokenized", "total_throughput_retokenized",
            "max_concurrent_requests", *PER_REQUEST_KEYS}

_KNOB_ORDER = ("max_concurrency", "request_rate", "backend", "dataset_name", "model",
               "random_input_len", "random_output_len", "random_range_ratio")


def is_record(obj: Any) -> bool:
    """Whether a JSON object is one SGLang ``bench_serving`` result."""
    return isinstance(obj, Mapping) and any(_E2E.match(str(k)) for k in obj) and (
        "output_throughput" in obj or "request_throughput" in obj)


def _renames(keys) -> dict[str, str]:
    out = {"total_throughput": "total_token_throughput", "concurrency": "measured_concurrency",
           "duration": "duration_s", "model_id": "model"}
    for k in keys:
        m = _E2E.match(str(k))
        if m:
            out[k] = f"{m.group(1)}_e2el_ms"
    return out


def read(path: Path, text: str) -> Parsed:
    """JSON Lines (or one JSON object) of SGLang results."""
    records = parse_records(text, path, is_record, "an SGLang bench_serving result (it has no"
                            " '<stat>_e2e_latency_ms' field)")
    keys = {k for r in records for k in r}
    return frame_from_records(records, path, fmt=FORMAT, renames=_renames(keys),
                              ignored=_IGNORED, knob_order=_KNOB_ORDER)
