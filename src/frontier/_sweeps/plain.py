"""Plain CSV, JSON and JSON Lines tables: one row per run, with a column mapping.

Columns already named canonically (``mean_ttft_ms``, ``output_throughput``,
``max_concurrency``, ...) are used as they are; ``{stat}_{family}_s`` / ``_us`` / ``_ns``
spellings are recognised and converted. Other columns are mapped with
``columns={canonical_name: source_column}``; a key that is not a canonical metric renames
a knob (``columns={"max_concurrency": "users"}``). Units come from ``units=``, keyed by a
latency family (``{"ttft": "s"}``), a canonical column (``{"request_throughput":
"req/min"}``) or ``"latency"`` (all families), else from a unit written in the source
column's name (``ttft_s``, ``"TTFT (ms)"``, ``..._(qpm)``), else the canonical unit. A unit in
the name that contradicts ``units=`` is an error, not a guess. Every other column is a
knob unless ``knobs=`` lists the knobs.

The row names of LLMPerf's published result tables (ray-project/llmperf
``benchmarks/results/<gpu>/*.csv``), in a table with one run per row, are read without a
mapping (see :data:`LLMPERF_TABLE`; a ``columns=`` entry takes precedence); their
``mean_input_token_length``/``mean_output_token_length`` columns describe the workload as
measured, so they are not knobs and are not kept (pass ``knobs=`` to keep them).

JSON may be a list of row objects, an object of equal-length column lists, or one row
object. CSV is parsed by pandas' ``read_csv``; JSON and JSON Lines by Python's ``json``
(exact floats, the ``Infinity``/``NaN`` tokens some tools write) into a pandas table.
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ._canonical import KNOB_NAMES, LATENCIES, METRICS, STATS, convert, kind_of, unit_factor
from ._common import (
    Parsed,
    metric_like,
    numeric_knob,
    parse_json,
    parse_json_lines,
    to_numeric_checked,
)

FORMAT = "plain"

#: Canonical name -> column of LLMPerf's published result tables, one run per row
#: (``concurrency`` is LLMPerf's ``num_concurrent_requests``, a configured limit;
#: ``latency_ms_per_token`` is its end-to-end latency per output token, ``ntpot``; the units
#: are in the names: ms, token/sec and requests per minute).
LLMPERF_TABLE = {
    "max_concurrency": "concurrency",
    "mean_ttft_ms": "first-time-to-token_mean_in_ms_(ttft)",
    "output_throughput": "throughput_token_per_s_(token/sec)",
    "mean_ntpot_ms": "latency_ms_per_token_(inter_token_latency)",
    "request_throughput": "requests_per_minute_(qpm)",
}
_LLMPERF_WORKLOAD = ("mean_input_token_length", "mean_output_token_length")
_LLMPERF_MARKS = ("first-time-to-token_mean_in_ms_(ttft)", "throughput_token_per_s_(token/sec)")


def is_llmperf_table(df_columns: Sequence[str]) -> bool:
    """Whether a plain table has the row names of LLMPerf's published result tables."""
    cols = {str(c).strip() for c in df_columns}
    return all(m in cols for m in _LLMPERF_MARKS)


_SUFFIX = re.compile(rf"^({'|'.join(map(re.escape, STATS))})_({'|'.join(LATENCIES)})_"
                     r"(s|ms|us|ns)$")


def load(path: Path, text: str, kind: str) -> pd.DataFrame:
    """The raw table of a plain file (``kind`` is ``"csv"``, ``"json"`` or ``"jsonl"``)."""
    if kind == "csv":
        try:
            return pd.read_csv(io.StringIO(text))
        except pd.errors.ParserError as e:
            raise ValueError(f"{path}: not a readable CSV table ({e})") from None
    if kind == "jsonl":
        # Python's parser (exact floats, Infinity/NaN tokens), then pandas builds the table
        recs = parse_json_lines(text, path)
        if not all(isinstance(r, Mapping) for r in recs):
            raise ValueError(f"{path}: JSON Lines rows must be objects")
        return pd.DataFrame.from_records(recs)
    obj = parse_json(text, path)
    if isinstance(obj, list):
        if not all(isinstance(r, Mapping) for r in obj):
            raise ValueError(f"{path}: a JSON table must be a list of row objects")
        return pd.DataFrame.from_records(obj)
    if isinstance(obj, Mapping):
        if obj and all(isinstance(v, list) for v in obj.values()):
            lengths = {len(v) for v in obj.values()}
            if len(lengths) != 1:
                raise ValueError(f"{path}: the column lists have different lengths "
                                 f"{sorted(lengths)}")
            return pd.DataFrame(dict(obj))
        return pd.DataFrame([obj])
    raise ValueError(f"{path}: a JSON table must be a list of objects or an object")


def _unit_in_name(name: str, kind: str) -> str | None:
    """A unit written at the end of a column name, if it parses as a unit of ``kind``."""
    cands = re.findall(r"[\(\[]([^\)\]]+)[\)\]]\s*$", name)
    cands += re.findall(r"_([A-Za-z/]+)$", name)
    cands += re.findall(r"_in_([A-Za-z/]+)(?:_|$)", name)
    for c in cands:
        try:
            unit_factor(c, kind, where="")
        except ValueError:
            continue
        return c
    return None


def _declared_unit(units: Mapping[str, str], col: str) -> str | None:
    if col in units:
        return units[col]
    m = re.match(r"^[a-z0-9.]+_([a-z]+)_ms$", col)
    if m and m.group(1) in units:
        return units[m.group(1)]
    if col.endswith("_ms") and "latency" in units:
        return units["latency"]
    return None


def read(path: Path, text: str, kind: str, *, columns: Mapping[str, str] | None = None,
         units: Mapping[str, str] | None = None, knobs: Sequence[str] | None = None) -> Parsed:
    """A plain table mapped onto canonical columns."""
    raw = load(path, text, kind)
    raw.columns = [str(c).strip() for c in raw.columns]
    raw = raw.drop(columns=[c for c in raw.columns if c.startswith("Unnamed: ")])
    if raw.empty:
        raise ValueError(f"{path}: the table has no rows")
    columns = dict(columns or {})
    units = dict(units or {})
    _check_mapping(columns, units)
    if is_llmperf_table(raw.columns):
        taken = set(columns.values())
        for canon, src in LLMPERF_TABLE.items():
            if canon not in columns and src not in taken and src in raw.columns:
                columns[canon] = src
        if knobs is None:
            raw = raw.drop(columns=[c for c in _LLMPERF_WORKLOAD if c in raw.columns
                                    and c not in taken])
    for canon, src in columns.items():
        if src not in raw.columns:
            raise ValueError(f"{path}: `columns` maps {canon!r} to column {src!r}, which is "
                             f"not in the file; its columns are {list(raw.columns)}")
    mapping: dict[str, str] = {}  # canonical -> source
    for canon, src in columns.items():
        mapping[canon] = src
    used = set(mapping.values())
    for c in raw.columns:
        if c in used:
            continue
        if c in METRICS and c not in mapping:
            mapping[c] = c
            used.add(c)
        else:
            m = _SUFFIX.match(c)
            if m and f"{m.group(1)}_{m.group(2)}_ms" not in mapping:
                mapping[f"{m.group(1)}_{m.group(2)}_ms"] = c
                used.add(c)
    table = pd.DataFrame(index=raw.index)
    for canon, src in mapping.items():
        if canon not in METRICS:
            continue
        where = f"{path}: column {src!r}"
        vals = to_numeric_checked(raw[src], where)
        k = kind_of(canon)
        declared = _declared_unit(units, canon)
        named = _unit_in_name(src, k) if k != "count" else None
        if declared and named and unit_factor(declared, k, where=where) != \
                unit_factor(named, k, where=where):
            raise ValueError(f"{where}: its name says {named!r} but `units` says "
                             f"{declared!r} for {canon!r}; the file mixes units, fix one")
        unit = declared or named
        if unit is not None:
            vals = pd.Series(convert(vals.to_numpy(), unit, canon, where=where),
                             index=raw.index)
        table[canon] = vals
    knob_renames = {src: canon for canon, src in mapping.items() if canon not in METRICS}
    if knobs is not None:
        missing = [k for k in knobs if k not in raw.columns and k not in knob_renames.values()]
        if missing:
            raise ValueError(f"{path}: `knobs` names {missing}, not columns of the file")
        src_knobs = [next((s for s, c in knob_renames.items() if c == k), k) for k in knobs]
    else:
        src_knobs = [c for c in raw.columns if c not in used or c in knob_renames]
    knob_names = []
    for s in src_knobs:
        name = knob_renames.get(s, s)
        col = raw[s]
        if name == "request_rate":
            col = to_numeric_checked(col, f"{path}: column {s!r}")
        table[name] = numeric_knob(col)
        knob_names.append(name)
    metric_cols = [c for c in table.columns if c in METRICS]
    table = table[knob_names + metric_cols]
    table.insert(0, "source_row", range(len(table)))
    return Parsed(table=table.reset_index(drop=True), knobs=knob_names, format=FORMAT)


def _check_mapping(columns: Mapping[str, str], units: Mapping[str, str]) -> None:
    """A misspelt metric name must not become a knob, nor a misspelt unit key be ignored."""
    for key in columns:
        if key in METRICS or key in KNOB_NAMES:
            continue
        near = difflib.get_close_matches(key, list(METRICS), n=3, cutoff=0.8)
        if near or metric_like(key) or any(f"_{fam}" in f"_{key}" for fam in LATENCIES):
            raise ValueError(f"`columns`: {key!r} is not a canonical metric name (did you mean "
                             f"{near}?); the names are listed in "
                             "frontier._sweeps._canonical.METRICS")
    for key in units:
        if key not in METRICS and key not in LATENCIES and key != "latency":
            raise ValueError(f"`units`: {key!r} is neither a latency family {LATENCIES}, "
                             "'latency', nor a canonical metric name")


def looks_canonical(df_columns: Sequence[str]) -> bool:
    """Whether a plain table names at least one canonical metric itself."""
    return (any(str(c) in METRICS or _SUFFIX.match(str(c)) for c in df_columns)
            or is_llmperf_table(df_columns))

