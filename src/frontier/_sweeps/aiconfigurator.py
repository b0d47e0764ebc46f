"""NVIDIA AIConfigurator ``pareto.csv`` and ``best_config_topn.csv``.

These rows are **predicted** by AIConfigurator's performance model, not measured: the
table's ``predicted`` column is True for them, and they carry point estimates only (each
latency becomes a ``mean_*`` column).

Columns read (aggregated and disaggregated layouts; disaggregated ones prefix the prefill
and decode parameters with ``(p)`` and ``(d)``): ``ttft``, ``tpot``, ``request_latency``
(ms) -> ``mean_ttft_ms``, ``mean_tpot_ms``, ``mean_e2el_ms``; ``tokens/s`` ->
``output_throughput``; ``seq/s`` (else ``request_rate``, which AIConfigurator reports as the
predicted request throughput) -> ``request_throughput``; ``num_total_gpus`` -> ``num_gpus``
(where absent, ``tokens/s`` / ``tokens/s/gpu``); ``concurrency`` -> ``max_concurrency``.
Per-GPU, per-user and per-worker rates, ``memory`` and ``power_w`` are outputs the table
derives or does not use. Every other column (``bs``, ``tp``, ``pp``, ``dp``, ``moe_ep``,
``parallel``, ``gemm``, ``kvcache``, ``backend``, ``version``, ``system``, ``isl``, ``osl``,
``model``, ...) is a knob.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ._common import Parsed, numeric_knob

__all__ = [
    "FORMAT", "is_header", "read"
]

FORMAT = "aiconfigurator"

_METRIC_COLS = {"ttft": "mean_ttft_ms", "tpot": "mean_tpot_ms",
                "request_latency": "mean_e2el_ms", "tokens/s": "output_throughput"}
_OUTPUTS = {"seq/s", "seq/s/gpu", "tokens/s/gpu", "tokens/s/user", "tokens/s/gpu_cluster",
            "(p)seq/s/worker", "(d)seq/s/worker", "memory", "power_w", "request_rate",
            "num_total_gpus", "index"}


def is_header(columns: Sequence[str]) -> bool:
    """Whether a CSV header is an AIConfigurator table."""
    cols = {str(c).strip() for c in columns}
    return "tokens/s/gpu" in cols and ("tpot" in cols or "tokens/s/user" in cols)


def read(path: Path, text: str) -> Parsed:
    """One ``pareto.csv`` / ``best_config_topn.csv``."""
    df = pd.read_csv(io.StringIO(text))
    df.columns = [str(c).strip() for c in df.columns]
    df = df.drop(columns=[c for c in df.columns if c.startswith("Unnamed: ")])
    if not is_header(df.columns):
        raise ValueError(f"{path}: not an AIConfigurator table (no 'tokens/s/gpu' column)")
    out = pd.DataFrame(index=df.index)
    for src, col in _METRIC_COLS.items():
        if src in df:
            out[col] = pd.to_numeric(df[src], errors="coerce")
    if "seq/s" in df:
        out["request_throughput"] = pd.to_numeric(df["seq/s"], errors="coerce")
    elif "request_rate" in df:
        out["request_throughput"] = pd.to_numeric(df["request_rate"], errors="coerce")
    if "num_total_gpus" in df:
        gpus = pd.to_numeric(df["num_total_gpus"], errors="coerce")
    elif "tokens/s" in df:
        with np.errstate(divide="ignore", invalid="ignore"):
            gpus = (pd.to_numeric(df["tokens/s"], errors="coerce")
                    / pd.to_numeric(df["tokens/s/gpu"], errors="coerce")).round()
    else:
        gpus = None
    knob_src = [c for c in df.columns if c not in _METRIC_COLS and c not in _OUTPUTS]
    knobs = []
    table = pd.DataFrame(index=df.index)
    for c in knob_src:
        name = "max_concurrency" if c == "concurrency" else c
        table[name] = numeric_knob(df[c])
        knobs.append(name)
    if gpus is not None:
        table["num_gpus"] = gpus
        knobs.append("num_gpus")
    order = [k for k in ("max_concurrency",) if k in knobs]
    knobs = order + [k for k in knobs if k not in order]
    table = pd.concat([table[knobs], out], axis=1)
    table.insert(0, "source_row", range(len(table)))
    return Parsed(table=table.reset_index(drop=True), knobs=knobs, format=FORMAT,
                  predicted=True)
