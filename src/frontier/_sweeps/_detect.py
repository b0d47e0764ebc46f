"""Content-based format detection: a file's format comes from what it holds, never from its
name (names only tell GenAI-Perf from AIPerf where the content is the same)."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from . import aiconfigurator, aiperf, guidellm, llmperf, sglang, vllm
from ._common import parse_json

__all__ = [
    "FORMATS", "Detected", "detect", "layout_of"
]

FORMATS = ("vllm", "sglang", "aiperf", "genai-perf", "guidellm", "llmperf", "aiconfigurator",
           "plain")
"""Values accepted by ``read_sweep(format=...)``."""


class Detected(NamedTuple):
    """A file's format family (one of :data:`FORMATS`) and the layout within it."""

    format: str
    layout: str  # json | jsonl | csv | requests (AIPerf per-request JSON Lines)


def _first_json_line(text: str):
    for line in text.splitlines():
        if line.strip():
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def _json_format(obj, path: Path) -> str | None:
    if isinstance(obj, Mapping):
        if guidellm.is_benchmarks(obj):
            return "guidellm"
        if aiperf.is_aggregate(obj):
            return aiperf.flavour(obj, path)
        if llmperf.is_summary(obj):
            return "llmperf"
        if sglang.is_record(obj):
            return "sglang"
        if vllm.is_record(obj):
            return "vllm"
        return None
    if isinstance(obj, list) and obj:
        if all(vllm.is_record(r) for r in obj):
            return "vllm"
        if all(sglang.is_record(r) for r in obj):
            return "sglang"
    return None


def detect(path: Path, text: str) -> Detected:
    """The format of one file, from its content; ``plain`` when no tool layout matches."""
    head = text.lstrip()
    if head[:1] in "{[":
        try:
            obj = parse_json(text, path)
            layout = "json"
        except ValueError:
            obj = _first_json_line(text)
            if obj is None:
                raise ValueError(f"{path}: starts like JSON but is neither valid JSON nor "
                                 "JSON Lines") from None
            layout = "jsonl"
            if aiperf.is_request_record(obj):
                return Detected("aiperf", "requests")
        fmt = _json_format(obj, path)
        if layout == "json" and isinstance(obj, Mapping) and aiperf.is_request_record(obj):
            return Detected("aiperf", "requests")
        if layout == "json" and llmperf.is_requests(obj):
            return Detected("llmperf", "requests")
        return Detected(fmt or "plain", layout)
    first = head.splitlines()[0] if head else ""
    if aiperf.is_csv_header(first):
        return Detected("aiperf", "csv")
    try:
        header = pd.read_csv(io.StringIO(text), nrows=0).columns
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        raise ValueError(f"{path}: no known format (not JSON, JSON Lines or a CSV table); "
                         "pass format= for a plain table") from None
    if aiconfigurator.is_header(header):
        return Detected("aiconfigurator", "csv")
    if vllm.is_summary_header(header):
        return Detected("vllm", "csv")
    return Detected("plain", "csv")


def layout_of(path: Path, text: str) -> str:
    """``json``, ``jsonl`` or ``csv`` by content, for a format forced by the caller."""
    head = text.lstrip()
    if head[:1] in "{[":
        try:
            obj = parse_json(text, path)
            return "requests" if llmperf.is_requests(obj) else "json"
        except ValueError:
            obj = _first_json_line(text)
            if aiperf.is_request_record(obj):
                return "requests"
            return "jsonl"
    if aiperf.is_csv_header(head.splitlines()[0] if head else ""):
        return "csv"
    return "csv"
