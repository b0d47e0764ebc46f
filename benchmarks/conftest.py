"""Shared benchmark plumbing: device facts and a same-process ratio table.

Each benchmark calls ``record(group, name, benchmark)`` after ``benchmark.pedantic``; at the
end of the session the medians and their ratios to the named baseline of each group are
printed and written to ``benchmarks/results/<backend>-<suite>.json``, one file per suite
(``bench_sampling``, ...), so running suites separately never overwrites another's results;
``FRONTIER_BENCH_TAG=x`` writes ``<backend>-<suite>-x.json`` instead (a partial or extra run),
and ``FRONTIER_BENCH_RESULTS=dir`` writes into ``dir`` instead of ``benchmarks/results``.

Sizes: every suite reads its own ``FRONTIER_BENCH_*`` variables (see each file). The preset
``FRONTIER_BENCH_SIZE=gpu`` (or ``tiny``, for a quick check of the plumbing) fills in those
not set explicitly, before the suites are imported; without it (``cpu``) the suites keep
their own CPU defaults. ``benchmarks/gpu_check.sh`` runs the suites with ``gpu``.
"""

from __future__ import annotations

import datetime
import json
import os
import platform

import jax
import pytest

# Preset sizes, applied with os.environ.setdefault (an explicit variable always wins).
PRESETS: dict[str, dict[str, str]] = {
    "cpu": {},
    "gpu": {
        "FRONTIER_BENCH_MAX_N": "1e7",
        "FRONTIER_BENCH_RANK_MAX_N": "1e6",
        "FRONTIER_BENCH_HV_MAX": "1e5",
        "FRONTIER_BENCH_TRIALS": "1e7",
        "FRONTIER_BENCH_STUDY_TRIALS": "1e7",
        "FRONTIER_BENCH_GPU_TRIALS": "1e7",
        "FRONTIER_BENCH_GPU_ND": "1e7,1e8",
        "FRONTIER_BENCH_GPU_SETS": "1e5",
        "FRONTIER_BENCH_GPU_STUDY": "1e6,1e8",
        "FRONTIER_BENCH_GPU_CPU_PEER_MAX": "1e8",
    },
    "tiny": {
        "FRONTIER_BENCH_MAX_N": "1e4",
        "FRONTIER_BENCH_RANK_MAX_N": "1e4",
        "FRONTIER_BENCH_HV_MAX": "1e3",
        "FRONTIER_BENCH_TRIALS": "2e4",
        "FRONTIER_BENCH_REF_TRIALS": "2e3",
        "FRONTIER_BENCH_STUDY_TRIALS": "1e4",
        "FRONTIER_BENCH_GPU_TRIALS": "2e4",
        "FRONTIER_BENCH_GPU_ND": "1e4",
        "FRONTIER_BENCH_GPU_SETS": "100",
        "FRONTIER_BENCH_GPU_STUDY": "1e4",
        "FRONTIER_BENCH_GPU_CPU_PEER_MAX": "1e4",
    },
}
_SIZE = os.environ.get("FRONTIER_BENCH_SIZE", "cpu")
if _SIZE not in PRESETS:
    raise ValueError(f"FRONTIER_BENCH_SIZE must be one of {sorted(PRESETS)}, got {_SIZE!r}")
for _name, _value in PRESETS[_SIZE].items():
    os.environ.setdefault(_name, _value)

_MEDIANS: dict[str, dict[str, float]] = {}
_EXTRA: dict[str, dict[str, dict]] = {}
_SUITE: dict[str, str] = {}  # group -> suite (module) name


def _cpu_model() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo; else what ``platform`` knows): ratios
    against the peers differ between CPU models, not only between runs."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def device_info() -> dict:
    d = jax.devices()[0]
    return {
        "backend": jax.default_backend(),
        "device_kind": d.device_kind,
        "jax": jax.__version__,
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "cpu_model": _cpu_model(),
        "size_preset": _SIZE,
    }


def record(group: str, name: str, benchmark, **extra) -> None:
    """Store the median of a finished benchmark under ``group``/``name``."""
    stats = benchmark.stats.stats
    _MEDIANS.setdefault(group, {})[name] = float(stats.median)
    _SUITE[group] = os.path.splitext(os.path.basename(benchmark.fullname.split("::")[0]))[0]
    benchmark.extra_info.update(device_info())
    benchmark.extra_info.update(extra)
    _EXTRA.setdefault(group, {})[name] = dict(extra)


@pytest.fixture
def recorder():
    return record


def pytest_terminal_summary(terminalreporter):
    if not _MEDIANS:
        return
    tr = terminalreporter
    tr.section("frontier: medians and same-process ratios")
    for group, meds in _MEDIANS.items():
        tr.write_line(f"[{group}]")
        base = min(meds.values())
        for name, med in meds.items():
            info = _EXTRA[group][name]
            rate = info.get("items")
            extra = f"  {rate / med:.3g} {info.get('unit', 'items')}/s" if rate else ""
            tr.write_line(f"  {name:<48s} {med * 1e3:10.2f} ms  x{med / base:6.2f}{extra}")
    for suite in sorted(set(_SUITE.values())):
        groups = [g for g in _MEDIANS if _SUITE[g] == suite]
        out = {
            "date": datetime.date.today().isoformat(),
            **device_info(),
            "medians_s": {g: _MEDIANS[g] for g in groups},
            "extra": {g: _EXTRA[g] for g in groups},
        }
        tag = os.environ.get("FRONTIER_BENCH_TAG", "")
        name = f"{jax.default_backend()}-{suite}{'-' + tag if tag else ''}.json"
        results = os.environ.get("FRONTIER_BENCH_RESULTS") or os.path.join(
            os.path.dirname(__file__), "results")
        path = os.path.join(results, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            json.dump(out, fh, indent=1, sort_keys=True)
        tr.write_line(f"written: {path}")
