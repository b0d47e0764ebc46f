"""Shared pieces of the sweep readers: the parsed-file record, file loading, knob detection
and per-request tables. Readers turn one file into a :class:`Parsed`; ``read_sweep`` merges,
validates and derives."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._canonical import METRICS, convert

__all__ = [
    "REQUEST_COLUMNS",
    "Parsed",
    "dig",
    "knob_columns",
    "metric_like",
    "number",
    "numeric_knob",
    "parse_json",
    "parse_json_lines",
    "parse_records",
    "read_text",
    "request_rate",
    "requests_from_lists",
    "scalar_columns",
    "stat_columns",
    "to_numeric_checked"
]

REQUEST_COLUMNS = ("run", "success", "ttft_ms", "tpot_ms", "e2el_ms", "output_tokens",
                   "input_tokens")
"""Columns of a per-request table: ``run`` is the row position of the run in its file's
table, ``success`` whether the request completed, latencies in ms, token counts."""


@dataclass
class Parsed:
    """One file read into canonical columns (before merging and validation)."""

    table: pd.DataFrame
    knobs: list[str]
    format: str
    predicted: bool = False
    requests: pd.DataFrame | None = None
    dropped: list[dict[str, Any]] = field(default_factory=list)


def read_text(path: Path) -> str:
    """The file's text; ``ValueError`` naming the file when it is empty or not UTF-8."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not a UTF-8 text file ({e.reason})") from None
    if not text.strip():
        raise ValueError(f"{path}: the file is empty")
    return text


def parse_json(text: str, path: Path) -> Any:
    """Parse JSON text (Python's parser: it accepts the ``Infinity``/``NaN`` tokens that
    SGLang and some vLLM versions write)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None


def parse_json_lines(text: str, path: Path) -> list[Any]:
    """Parse JSON Lines; blank lines are skipped; an error names the line.

    The lines are parsed as one JSON array (one parser call, fast for 10^5 lines); only when
    that fails are they parsed one by one to name the bad line.
    """
    lines = [ln for ln in text.splitlines() if ln.strip()]
    try:
        out = json.loads("[" + ",".join(lines) + "]")
        if len(out) == len(lines):
            return out
    except json.JSONDecodeError:
        pass
    out = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: line {i} is not valid JSON ({e.msg})") from None
    return out


_METRIC_LIKE = re.compile(
    r"(_ms$|_s$|throughput|latency|goodput|_per_s|per_second|tokens_per|acceptance|accept_"
    r"|retokenized|^total_|^max_concurrent_requests$|^max_output_tokens_per_s$|^rtfx$"
    r"|^spec_decode|^diffusion_|^probe_|slo_attainment|^duration$|^completed$|^failed$)")


def parse_records(text: str, path: Path, is_record: Callable[[Any], bool],
                  what: str) -> list[Any]:
    """Result objects from one JSON object, a JSON list of them or JSON Lines, each checked.

    ``is_record`` says whether an object is one result; the first that is not raises
    ``ValueError`` naming the file, its position and ``what`` a record should be.
    """
    if text.lstrip().startswith("["):
        obj = parse_json(text, path)
        records = list(obj) if isinstance(obj, list) else [obj]
    else:
        try:
            records = [parse_json(text, path)]
        except ValueError:
            records = parse_json_lines(text, path)
    bad = [i for i, r in enumerate(records) if not is_record(r)]
    if bad:
        raise ValueError(f"{path}: record {bad[0]} is not {what}")
    return records


def metric_like(name: str) -> bool:
    """Whether a column name looks like a measured result rather than a configuration knob."""
    return bool(_METRIC_LIKE.search(str(name)))


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, float, bool, np.generic))


def scalar_columns(df: pd.DataFrame) -> list[str]:
    """Columns whose every value is a scalar (or missing), not a list or dict."""
    out = []
    for c in df.columns:
        col = df[c]
        if col.dtype != object or all(_is_scalar(v) for v in col.to_numpy()):
            out.append(c)
    return out


def knob_columns(df: pd.DataFrame, exclude: Iterable[str]) -> list[str]:
    """Scalar, non-metric columns with at least one value: the knobs of a run."""
    ex = set(exclude)
    out = []
    for c in scalar_columns(df):
        if c in ex or c in METRICS or metric_like(c):
            continue
        if df[c].isna().all():
            continue
        out.append(c)
    return out


def numeric_knob(series: pd.Series) -> pd.Series:
    """A knob column as numbers where every present value is numeric (``"inf"`` included);
    otherwise unchanged (strings such as a model name stay strings)."""
    if series.dtype != object:
        return series
    conv = pd.to_numeric(series.map(lambda v: v.strip() if isinstance(v, str) else v),
                         errors="coerce")
    present = series.notna()
    if bool((conv.notna() | ~present).all()):
        return conv
    return series


def request_rate(series: pd.Series) -> pd.Series:
    """vLLM writes an unbounded request rate as the string ``"inf"``; SGLang as ``Infinity``."""
    return pd.to_numeric(series.replace({"inf": math.inf, "Infinity": math.inf}),
                         errors="coerce")


def requests_from_lists(records: Sequence[Mapping[str, Any]], path: Path) -> pd.DataFrame | None:
    """Per-request rows from vLLM ``--save-detailed`` / SGLang ``--output-details`` lists.

    Uses ``ttfts`` (s), ``itls`` (lists of s), ``output_lens``, ``input_lens``, ``errors``
    (``""`` = success) and ``latencies`` (s) where written; without ``latencies`` the
    end-to-end latency is ``ttft + sum(itl)``. Per-request TPOT is
    ``(e2el - ttft) / (output_len - 1)``; a request with one output token has no decode
    phase and gets TPOT 0 (vLLM's own goodput does the same).
    """
    frames = []
    for run, rec in enumerate(records):
        if not isinstance(rec, Mapping) or not isinstance(rec.get("ttfts"), list):
            continue
        ttft = np.asarray(rec["ttfts"], dtype=float)
        n = ttft.size

        def lst(key, default, rec=rec, n=n, run=run):
            v = rec.get(key)
            if v is None:
                return default
            if not isinstance(v, list) or len(v) != n:
                raise ValueError(f"{path}: run {run}: field {key!r} has "
                                 f"{len(v) if isinstance(v, list) else type(v).__name__} "
                                 f"entries, expected {n} (one per request, like 'ttfts')")
            return v

        out_len = np.asarray(lst("output_lens", [np.nan] * n), dtype=float)
        in_len = np.asarray(lst("input_lens", [np.nan] * n), dtype=float)
        itls = lst("itls", None)
        lat = lst("latencies", None)
        if lat is not None:
            e2el = np.asarray(lat, dtype=float)
        elif itls is not None:
            e2el = ttft + np.asarray([float(np.sum(x)) if x else 0.0 for x in itls])
        else:
            e2el = np.full(n, np.nan)
        errors = lst("errors", None)
        if errors is not None:
            success = np.asarray([not e for e in errors], dtype=bool)
        else:
            success = out_len > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            tpot = np.where(out_len > 1, (e2el - ttft) / (out_len - 1), 0.0)
        frames.append(pd.DataFrame({
            "run": run, "success": success,
            "ttft_ms": ttft * 1e3, "tpot_ms": tpot * 1e3, "e2el_ms": e2el * 1e3,
            "output_tokens": out_len, "input_tokens": in_len}))
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True)


def stat_columns(stats: Mapping[str, Any], family: str, unit: str, where: str,
                 stat_names: Mapping[str, str]) -> dict[str, float]:
    """Canonical latency columns from a ``{stat: value}`` mapping (AIPerf, GuideLLM, ...).

    ``stat_names`` maps the tool's statistic keys to canonical prefixes (``"avg" ->
    "mean"``); keys not in it are skipped. Values are converted from ``unit`` to ms.
    """
    out: dict[str, float] = {}
    for key, canon in stat_names.items():
        if key not in stats:
            continue
        v = stats[key]
        if v is None:
            continue
        col = f"{canon}_{family}_ms"
        out[col] = float(convert(_number(v, f"{where}.{key}"), unit, col,
                                 where=f"{where}.{key}"))
    return out


def _number(v: Any, where: str) -> float:
    if isinstance(v, bool):
        raise ValueError(f"{where}: expected a number, got {v!r}")
    try:
        return float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected a number, got {v!r}") from None


def number(v: Any, where: str) -> float:
    """``float(v)`` or a ``ValueError`` naming the file and field."""
    return _number(v, where)


def dig(obj: Any, *keys: str, default: Any = None) -> Any:
    """``obj[k1][k2]...`` or ``default`` where a level is missing."""
    for k in keys:
        if not isinstance(obj, Mapping) or k not in obj:
            return default
        obj = obj[k]
    return obj


def to_numeric_checked(series: pd.Series, where: str, rows=None) -> pd.Series:
    """``pd.to_numeric`` that raises, naming the field and first bad row, on a value that is
    present but not a number (an empty cell or null stays NaN)."""
    if series.dtype != object and series.dtype.kind in "biuf":
        return series.astype(float)
    s = series.map(lambda v: v.strip() if isinstance(v, str) else v)
    s = s.replace({"": None, "inf": math.inf, "-inf": -math.inf, "Infinity": math.inf,
                   "-Infinity": -math.inf, "nan": math.nan, "NaN": math.nan})
    if s.map(lambda v: isinstance(v, bool)).any():
        s = s.map(lambda v: "bool" if isinstance(v, bool) else v)
    conv = pd.to_numeric(s, errors="coerce")
    bad = conv.isna() & s.notna()
    if bool(bad.any()):
        i = int(np.flatnonzero(bad.to_numpy())[0])
        row = rows[i] if rows is not None else i
        raise ValueError(f"{where}: row {row} holds {series.iloc[i]!r}, which is not a number")
    return conv.astype(float)
