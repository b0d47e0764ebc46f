"""Measured serving sweeps: read benchmark results into one canonical table.

``read_sweep`` reads files, globs or directories written by vLLM, SGLang, AIPerf,
GenAI-Perf, GuideLLM, LLMPerf or AIConfigurator (format detected from content), or plain
tables with a column mapping, and returns a :class:`Sweep`: a pandas table with one row
per run, knob columns, canonical metric columns (units converted and named, see
``frontier._sweeps._canonical``), derived metrics (``frontier._sweeps._derived``), a
``config`` id shared by repeats of the same configuration, and a report of dropped rows.

Choosing goes through the one study engine (:func:`frontier.choose`) on
:meth:`Sweep.to_table` (``frontier._sweeps._table`` says how columns map to objectives and
statistics): :meth:`Sweep.front`, :meth:`Sweep.select` (``"max tokens_per_gpu"`` subject to
``"p99 ttft_ms <= 500 and mean tpot_ms <= 20"``, knees), :meth:`Sweep.explain`; repeats give
:meth:`Sweep.summary` (means and Student-t intervals) and :meth:`Sweep.pareto_probability`
(bootstrap over the repeats).
"""

from __future__ import annotations

import glob as _glob
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _derived, aiconfigurator, aiperf, guidellm, llmperf, plain, sglang, vllm
from ._canonical import LATENCIES, METRICS, MetricInfo, metric_info
from ._choose import Selection
from ._common import Parsed, read_text, to_numeric_checked
from ._detect import FORMATS, Detected, detect, layout_of

if TYPE_CHECKING:  # pragma: no cover
    from .._table import Table

__all__ = ["FORMATS", "METRICS", "MetricInfo", "Selection", "Sweep", "read_sweep"]

_DATA_SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv")
_THROUGHPUTS = ("request_throughput", "output_throughput", "total_token_throughput")
_PRIMARY = _THROUGHPUTS + tuple(c for c in METRICS if c.endswith("_ms"))
_FIXED = ("source", "source_row", "format", "predicted", "label")
_DROPPED_COLUMNS = ("source", "source_row", "field", "reason")
_RUN_FILE = re.compile(r"^run=\d+\.json$")


@dataclass(frozen=True, eq=False)
class Sweep:
    """A measured (or predicted) sweep: one row per run, in canonical columns.

    Attributes
    ----------
    table
        ``pandas.DataFrame``, one row per run: ``source`` (the file), ``source_row`` (the
        run's position in that file), ``format``, ``predicted`` (True for AIConfigurator's
        model predictions), ``label`` (when given), the knob columns, the metric columns,
        ``config`` (an int shared by runs with equal label and knob values: repeats) and
        ``repeat`` (0, 1, ... within a config, in reading order).
    knobs
        Names of the knob columns (configuration: ``max_concurrency``, ``request_rate``,
        ``num_gpus``, sweep parameters, metadata).
    metrics
        Names of the metric columns, measured and derived, each described in
        :data:`METRICS` (name, unit, sense).
    dropped
        ``pandas.DataFrame`` with ``source``, ``source_row``, ``field`` and ``reason`` for
        every row or file left out (negative values, no completed request, duplicates,
        warm-up runs, twin files that repeat other files' runs).
    requests
        Per-request rows (``run`` = row position in ``table``, ``success``, ``ttft_ms``,
        ``tpot_ms``, ``e2el_ms``, token counts) where the files hold them, else ``None``.

    Notes
    -----
    :meth:`front`, :meth:`select` and :meth:`explain` choose through :func:`frontier.choose`
    on :meth:`to_table`; by default they compare configs on the means of their repeats.
    :meth:`summary` gives those means with confidence intervals, :meth:`pareto_probability`
    each config's probability of being Pareto-optimal; :func:`frontier.compare` compares
    two sweeps.

    Examples
    --------
    >>> import tempfile, pathlib, json
    >>> from frontier import read_sweep
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> runs = [{"max_concurrency": c, "request_throughput": r, "output_throughput": 128 * r,
    ...          "mean_ttft_ms": t, "p99_ttft_ms": 2 * t, "completed": 100}
    ...         for c, r, t in [(1, 1.0, 50.0), (8, 6.0, 80.0), (8, 6.2, 82.0)]]
    >>> _ = (d / "runs.json").write_text(json.dumps(runs))
    >>> sweep = read_sweep(d / "runs.json", num_gpus=1)
    >>> sweep.knobs
    ('max_concurrency', 'num_gpus')
    >>> sweep.table[["max_concurrency", "config", "repeat"]].to_numpy().tolist()
    [[1, 0, 0], [8, 1, 0], [8, 1, 1]]
    >>> sweep.info("p99_ttft_ms").sense, sweep.info("tokens_per_gpu").unit
    ('min', 'tok/s/gpu')
    """

    table: pd.DataFrame
    knobs: tuple[str, ...]
    metrics: tuple[str, ...]
    dropped: pd.DataFrame
    requests: pd.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        fmts = sorted(set(self.table["format"])) if len(self.table) else []
        return (f"Sweep({len(self.table)} runs, {self.table['config'].nunique()} configs, "
                f"formats={fmts}, knobs={list(self.knobs)}, {len(self.metrics)} metrics, "
                f"{len(self.dropped)} dropped)")

    def info(self, name: str) -> MetricInfo:
        """Name, unit, sense and definition of a metric column."""
        if name not in self.metrics:
            raise ValueError(f"{name!r} is not a metric of this sweep; its metrics are "
                             f"{list(self.metrics)}")
        return metric_info(name)

    def configs(self):
        """The runs grouped by configuration: ``table.groupby("config")``."""
        return self.table.groupby("config", sort=True)

    def goodput(self, slo: Mapping[str, Any]) -> pd.Series:
        """Goodput (req/s) of every run under ``slo`` from the per-request data.

        ``slo`` bounds per-request values in ms, each ``<= value``: ``{"ttft_ms": 500,
        "tpot_ms": 20}``. Runs without per-request data get NaN; a sweep without any
        raises ``ValueError``.
        """
        if self.requests is None:
            raise ValueError("goodput needs per-request data (vLLM --save-detailed, SGLang "
                             "--output-details or AIPerf profile_export.jsonl); this sweep "
                             "has none")
        dur = (self.table["duration_s"].to_numpy(dtype=float) if "duration_s" in self.table
               else np.full(len(self.table), np.nan))
        return pd.Series(_derived.goodput(self.requests, slo, dur), index=self.table.index,
                         name="goodput")

    def with_goodput(self, slo: Mapping[str, Any]) -> Sweep:
        """A copy with a ``goodput`` column computed under ``slo`` (see :meth:`goodput`)."""
        table = self.table.copy()
        table["goodput"] = self.goodput(slo)
        metrics = tuple(m for m in METRICS if m in set(self.metrics) | {"goodput"})
        return Sweep(_order(table, self.knobs, metrics), self.knobs, metrics, self.dropped,
                     self.requests)

    # ------------------------------------------------------------------ choosing
    def to_table(self, objectives: Any = None, *, by: str = "run") -> Table:
        """The sweep as a :class:`frontier.Table` for :func:`frontier.choose`.

        Parameters
        ----------
        objectives
            Objectives to put first (see :meth:`front`); a latency percentile such as
            ``"p99_ttft_ms"`` becomes an objective of its own. Every metric is in the table
            either way.
        by
            ``"run"`` (default): one row per run of :attr:`table`; ``"config"``: one row per
            config, each metric the mean over the config's repeats.

        Returns
        -------
        Table
            Knobs: ``label`` (when read with one), the sweep's knobs, ``config`` (and
            ``repeat`` by run). Objectives: ``{stat}_{family}_ms`` columns are statistics of
            the objective ``{family}_ms`` (``p99_ttft_ms`` is ``p99`` of ``ttft_ms``;
            ``median`` is ``p50``; the mean is NaN where the sweep has no mean); every other
            metric is an objective with one statistic, ``mean``. Senses and units are the
            metrics' (:data:`METRICS`), bounds ``(0, inf)``.

        Examples
        --------
        >>> import tempfile, pathlib, json
        >>> from frontier import read_sweep
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "runs.json"
        >>> _ = f.write_text(json.dumps([{"max_concurrency": c, "output_throughput": x,
        ...     "mean_ttft_ms": t, "p99_ttft_ms": 2 * t} for c, x, t in
        ...     [(1, 100.0, 20.0), (8, 700.0, 50.0)]]))
        >>> t = read_sweep(f).to_table()
        >>> t.names
        ('output_throughput', 'ttft_ms', 'tokens_per_user')
        >>> sorted(t.stats["ttft_ms"]), list(t.knobs)
        (['mean', 'p99'], ['max_concurrency', 'config', 'repeat'])
        >>> t.stat("ttft_ms", "p99").tolist()
        [40.0, 100.0]
        """
        from ._table import to_table

        return to_table(self, objectives, by=by)

    def front(self, objectives: Any = None, *, slo: Any = None, group_by: str | None = None,
              by: str = "config") -> np.ndarray:
        """Boolean mask over the rows of :attr:`table`: the runs on the Pareto front.

        Parameters
        ----------
        objectives
            Name -> ``"min"``/``"max"`` (``{"p99_ttft_ms": "min", "tokens_per_gpu":
            "max"}``), or a sequence of names, each in its metric's sense. A name is a
            metric column or a latency family (``"ttft_ms"``: its mean). A sense that
            contradicts the metric (``"max"`` for a latency) is an error. Default: the
            latency-throughput frontier, the sweep's p99 (else p95, p90, mean, median) TTFT
            (else E2E latency) against ``tokens_per_gpu`` (else output, total-token or
            request throughput).
        slo
            Constraints the front is taken under, e.g. ``"p99 ttft_ms <= 500 and mean
            tpot_ms <= 20"`` (see :meth:`select`).
        group_by
            A knob (e.g. ``"label"``): one front per group.
        by
            ``"config"`` (default): configs are compared on the means of their repeats and
            every run of a front config is marked; ``"run"``: each run on its own. Without
            repeats the two agree.

        Returns
        -------
        numpy.ndarray
            ``(len(table),)`` bool. A run lacking a value of an objective (or of a
            constrained statistic) is never on the front; of identical points only the first
            is marked (the engine's rule).

        Examples
        --------
        >>> import tempfile, pathlib, json
        >>> from frontier import read_sweep
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "runs.json"
        >>> _ = f.write_text(json.dumps([{"max_concurrency": c, "output_throughput": x,
        ...     "p99_ttft_ms": t} for c, x, t in
        ...     [(1, 100.0, 40.0), (16, 1300.0, 80.0), (64, 3000.0, 240.0), (128, 2900.0, 800.0)]]))
        >>> read_sweep(f).front({"p99_ttft_ms": "min", "output_throughput": "max"}).tolist()
        [True, True, True, False]
        """
        from ._choose import front

        return front(self, objectives, slo=slo, group_by=group_by, by=by)

    def select(self, slo: Any = None, rule: str | None = None, *, objectives: Any = None,
               group_by: str | None = None, by: str = "config") -> Selection:
        """The operating point of ``rule`` among the configs that meet ``slo``.

        Parameters
        ----------
        slo
            Constraints, e.g. ``"p99 ttft_ms <= 500 and mean tpot_ms <= 20"``: terms
            ``STAT NAME OP VALUE`` joined by ``and``, ``STAT`` a statistic the sweep holds
            for the family ``NAME`` (``p99 ttft_ms`` reads the column ``p99_ttft_ms``), or
            ``NAME OP VALUE`` for one-value metrics (``tokens_per_user >= 20``). A statistic
            the sweep lacks is an error naming those it has.
        rule
            ``"max NAME"``/``"min NAME"``: the feasible config best on one metric (the sense
            must be the metric's); or an engine rule on the front of ``objectives``:
            ``"knee_chord"``, ``"knee_curvature"``, ``"utopia"``, ``"cube"``,
            ``"knee_paper"``. Default: ``"max tokens_per_gpu"`` (else the first of output,
            total-token and request throughput the sweep has).
        objectives
            The front's objectives, as in :meth:`front`; a ``max``/``min`` rule's metric is
            added when missing.
        group_by
            A knob: one choice per group, plus the choice across all groups (``cross``).
        by
            ``"config"`` (default): repeats are averaged first and the configs compared on
            their means (the explanation says so); ``"run"``: each run on its own.

        Returns
        -------
        Selection
            ``rows`` (the chosen rows; empty when nothing qualifies), ``explanation`` (one
            line; when nothing meets the SLO it names the closest config and the term that
            binds, by how much), ``choice`` (the engine's result), ``candidates`` (what was
            chosen on, with ``feasible``/``front``/``selected`` flags), ``rule``, ``by``,
            ``cross``.

        Raises
        ------
        ValueError
            An unknown objective, statistic or rule; a sense that contradicts the metric.

        Notes
        -----
        Everything goes through :func:`frontier.choose` on :meth:`to_table`: the same
        feasibility, fronts and rules as a simulated study.

        Examples
        --------
        >>> import tempfile, pathlib, json
        >>> from frontier import read_sweep
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "runs.json"
        >>> _ = f.write_text(json.dumps([{"max_concurrency": c, "output_throughput": x,
        ...     "p99_ttft_ms": t, "mean_tpot_ms": p} for c, x, t, p in
        ...     [(1, 100.0, 40.0, 10.0), (16, 1300.0, 80.0, 12.0), (64, 3000.0, 240.0, 20.0),
        ...      (128, 2900.0, 800.0, 40.0)]]))
        >>> s = read_sweep(f, num_gpus=2)
        >>> sel = s.select("p99 ttft_ms <= 500 and mean tpot_ms <= 15", "max tokens_per_gpu")
        >>> sel.rows["max_concurrency"].tolist()
        [16]
        >>> sel.explanation
        'max tokens_per_gpu subject to p99 ttft_ms <= 500 and mean tpot_ms <= 15: max_concurrency=16 (tokens_per_gpu 650 tok/s/gpu, p99_ttft_ms 80 ms, mean_tpot_ms 12 ms); 2 of 4 configs feasible'
        >>> s.select("p99 ttft_ms <= 30").explanation
        'max tokens_per_gpu subject to p99 ttft_ms <= 30: no feasible config; closest is max_concurrency=1: p99 ttft_ms 40 ms misses <= 30 ms by 10 ms (33.3%)'
        """  # noqa: E501
        from ._choose import select

        return select(self, slo, rule, objectives, group_by, by)

    def explain(self, slo: Any, *, objectives: Any = None, group_by: str | None = None,
                by: str = "config") -> str:
        """One line on ``slo``: how many configs meet it or, when none does, the closest
        config and the term that binds, by how much (:meth:`frontier.Choice.explain`).

        Examples
        --------
        >>> import tempfile, pathlib, json
        >>> from frontier import read_sweep
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "runs.json"
        >>> _ = f.write_text(json.dumps([{"max_concurrency": c, "output_throughput": x,
        ...     "p99_ttft_ms": t} for c, x, t in [(1, 100.0, 40.0), (16, 1300.0, 80.0)]]))
        >>> read_sweep(f).explain("p99 ttft_ms <= 50")
        'p99 ttft_ms <= 50: 1 of 2 configs feasible'
        """
        from ._choose import explain

        return explain(self, slo, objectives, group_by, by)

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Per config: the mean of every metric over its repeats and a confidence interval.

        Parameters
        ----------
        confidence
            The interval's coverage (default 0.95).

        Returns
        -------
        pandas.DataFrame
            One row per config (in ``config`` order): ``config``, ``label``, the knobs,
            ``n_runs``; per metric ``m``: ``m`` (the mean over the runs that have it),
            ``m_n`` (how many do), ``m_sem`` (standard error, ``s / sqrt(n)`` with the sample
            standard deviation ``s``), and ``m_lo``/``m_hi``, the Student-t interval
            ``mean +- t(n - 1) * sem``. With a single run the mean is that run's value and
            ``sem``, ``lo`` and ``hi`` are NaN: one run says nothing about the spread.

        Examples
        --------
        >>> import tempfile, pathlib, json
        >>> from frontier import read_sweep
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "runs.json"
        >>> _ = f.write_text(json.dumps([{"max_concurrency": c, "output_throughput": x}
        ...     for c, x in [(8, 100.0), (8, 110.0), (8, 120.0), (16, 200.0)]]))
        >>> s = read_sweep(f).summary()
        >>> s[["max_concurrency", "n_runs", "output_throughput"]].to_numpy().tolist()
        [[8.0, 3.0, 110.0], [16.0, 1.0, 200.0]]
        >>> [round(v, 3) for v in s.loc[0, ["output_throughput_lo", "output_throughput_hi"]]]
        [85.159, 134.841]
        """
        from ._repeats import summary

        return summary(self, confidence)

    def pareto_probability(self, objectives: Any = None, *, key: Any,
                           num_resamples: int = 1000) -> pd.Series:
        """P(Pareto-optimal) of every config, by bootstrap over its repeats.

        Each resample draws, for every config, as many runs as it has with replacement
        from its own runs and takes their mean; :func:`frontier.pareto_probability`
        (batched dominance over all resamples) gives the fraction of resamples in which
        the config is non-dominated (ties with a non-dominated config count as
        non-dominated).

        Parameters
        ----------
        objectives
            As in :meth:`front`.
        key
            A ``jax.random.key`` or an int seed: the result is a function of it.
        num_resamples
            Bootstrap resamples (default 1000); the Monte Carlo standard error of a
            probability ``p`` is ``sqrt(p (1 - p) / num_resamples)``.

        Returns
        -------
        pandas.Series
            Indexed by ``config``. A config measured once enters every resample with its
            one value; runs lacking an objective value are left out, and a config with no
            run left gets NaN.

        Examples
        --------
        >>> import tempfile, pathlib, json
        >>> from frontier import read_sweep
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "runs.json"
        >>> rows = [(1, 100.0, 40.0), (1, 104.0, 42.0), (8, 101.0, 41.0), (8, 99.0, 39.0),
        ...         (64, 50.0, 90.0), (64, 52.0, 95.0)]
        >>> _ = f.write_text(json.dumps([{"max_concurrency": c, "output_throughput": x,
        ...     "p99_ttft_ms": t} for c, x, t in rows]))
        >>> p = read_sweep(f).pareto_probability(key=0, num_resamples=200)
        >>> p.round(2).tolist()[2]  # concurrency 64 is dominated in every resample
        0.0
        """
        from ._repeats import pareto_probability

        return pareto_probability(self, objectives, key=key, num_resamples=num_resamples)

    def label_by_source(self, by: str = "file") -> Sweep:
        """A copy labelled by where each run was read from, ``config`` and ``repeat``
        recomputed: runs of different sources are then never repeats of each other.

        Parameters
        ----------
        by
            ``"file"``: the file's path relative to the files' common directory, without
            the suffix (for files that each hold a whole sweep of one system: a
            ``vllm.csv`` and a ``tgi.csv`` with the same concurrencies); ``"dir"``: the
            first directory under that common directory (for trees such as ``vllm/...``
            and ``tgi/...`` of one-run files; files directly in it get its name). An
            existing label is kept in front, joined with ``/``.

        Examples
        --------
        >>> import tempfile, pathlib, json
        >>> from frontier import read_sweep
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> for name, x in (("a", 100.0), ("b", 150.0)):
        ...     _ = (d / f"{name}.json").write_text(json.dumps(
        ...         [{"max_concurrency": c, "output_throughput": c * x} for c in (1, 8)]))
        >>> s = read_sweep(d)
        >>> s.table["config"].tolist()   # a.json and b.json read as repeats of each other
        [0, 1, 0, 1]
        >>> lab = s.label_by_source()
        >>> lab.table["label"].tolist(), lab.table["config"].tolist()
        (['a', 'a', 'b', 'b'], [0, 1, 2, 3])
        """
        if by not in ("file", "dir"):
            raise ValueError(f"`by` must be 'file' or 'dir', got {by!r}")
        t = self.table.copy()
        src = t["source"].astype(str)
        uniq = list(dict.fromkeys(src))
        absolute = {u: os.path.abspath(u) for u in uniq}
        root = os.path.commonpath([os.path.dirname(a) for a in absolute.values()])
        names = {}
        for u, a in absolute.items():
            rel = os.path.relpath(a, root)
            if by == "file":
                names[u] = os.path.splitext(rel)[0].replace(os.sep, "/")
            else:
                parts = rel.split(os.sep)
                names[u] = parts[0] if len(parts) > 1 else (os.path.basename(root) or root)
        lab = src.map(names)
        t["label"] = (t["label"].astype(str) + "/" + lab) if "label" in t else lab
        t = _with_configs(t.drop(columns=["config", "repeat"]), self.knobs)
        return Sweep(_order(t, self.knobs, self.metrics), self.knobs, self.metrics,
                     self.dropped, self.requests)

    def mixed_sources(self) -> str | None:
        """How repeats mix sources: ``"file"`` when a config's runs come from files that
        each hold several runs (whole sweeps, likely of different systems), ``"dir"`` when
        they come from different directories, None when every config's runs share one
        directory (``run=0.json``, ``run=1.json`` of one ``vllm bench sweep`` combination)
        or configs are not repeated. :meth:`label_by_source` with the answer tells them
        apart."""
        t = self.table
        srcs = t.groupby("config")["source"].nunique()
        multi = srcs.index[srcs.to_numpy() > 1]
        if not len(multi):
            return None
        rows = t[t["config"].isin(multi)]
        per_file = t.groupby("source").size()
        if int(per_file.loc[rows["source"].unique()].min()) > 1:
            return "file"
        dirs = rows.assign(_dir=rows["source"].astype(str).map(os.path.dirname))
        if int(dirs.groupby("config")["_dir"].nunique().max()) > 1:
            return "dir"
        return None

    @classmethod
    def concat(cls, sweeps: Sequence[Sweep]) -> Sweep:
        """One sweep from several (e.g. a ``label="before"`` and a ``label="after"`` read);
        ``config`` and ``repeat`` are recomputed over all rows."""
        sweeps = list(sweeps)
        if not sweeps or not all(isinstance(s, Sweep) for s in sweeps):
            raise TypeError("`sweeps` must be a non-empty sequence of Sweep")
        tables, reqs, offset = [], [], 0
        for s in sweeps:
            tables.append(s.table.drop(columns=["config", "repeat"]))
            if s.requests is not None:
                reqs.append(s.requests.assign(run=s.requests["run"] + offset))
            offset += len(s.table)
        table = pd.concat(tables, ignore_index=True, sort=False)
        knobs = tuple(dict.fromkeys(k for s in sweeps for k in s.knobs))
        metrics = tuple(m for m in METRICS if any(m in s.metrics for s in sweeps))
        table = _with_configs(table, knobs)
        dropped = pd.concat([s.dropped for s in sweeps], ignore_index=True)
        requests = pd.concat(reqs, ignore_index=True) if reqs else None
        return cls(_order(table, knobs, metrics), knobs, metrics, dropped, requests)


# ----------------------------------------------------------------------------- files

def _expand(paths) -> tuple[list[tuple[Path, bool]], list[dict]]:
    """``(path, walked)`` pairs in a stable order; ``walked`` for files found in a
    directory or by a glob (as opposed to named one by one)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if not isinstance(paths, Sequence) or isinstance(paths, bytes) or not paths:
        raise TypeError("`paths` must be a file, glob or directory, or a non-empty sequence "
                        "of them")
    out: list[tuple[Path, bool]] = []
    seen: dict[Path, Path] = {}
    dropped: list[dict] = []

    def add(p: Path, walked: bool):
        key = p.resolve()
        if key in seen:
            dropped.append({"source": str(p), "source_row": np.nan, "field": "",
                            "reason": f"file listed more than once (as {seen[key]}); read once"})
            return
        seen[key] = p
        out.append((p, walked))

    for item in paths:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(f"`paths`: {item!r} is not a path")
        s = os.fspath(item)
        if any(ch in s for ch in "*?[") and not os.path.exists(s):
            hits = sorted(_glob.glob(s, recursive=True))
            files = [Path(h) for h in hits if os.path.isfile(h)]
            if not files:
                raise FileNotFoundError(f"`paths`: the glob {s!r} matches no file")
            for f in files:
                add(f, True)
            continue
        p = Path(s)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file()
                           and f.suffix.lower() in _DATA_SUFFIXES
                           and not any(part.startswith(".") for part in f.relative_to(p).parts))
            if not files:
                raise FileNotFoundError(f"{p}: the directory holds no .json, .jsonl or .csv "
                                        "file")
            for f in files:
                add(f, True)
        elif p.is_file():
            add(p, False)
        else:
            raise FileNotFoundError(f"{p}: no such file or directory")
    return out, dropped


def _parse(path: Path, text: str, det: Detected, *, columns, units, knobs,
           requests_path: Path | None) -> Parsed:
    fmt, layout = det
    if fmt == "vllm":
        return vllm.read_csv(path, text) if layout == "csv" else vllm.read_json(path, text)
    if fmt == "sglang":
        return sglang.read(path, text)
    if fmt in ("aiperf", "genai-perf"):
        if layout == "requests":
            return aiperf.read_requests(path, text)
        if layout == "csv":
            return aiperf.read_csv(path, text)
        return aiperf.read_aggregate(path, text, requests_path)
    if fmt == "guidellm":
        return guidellm.read(path, text)
    if fmt == "llmperf":
        if layout == "requests":
            return llmperf.read_requests(path, text)
        return llmperf.read(path, text, requests_path)
    if fmt == "aiconfigurator":
        return aiconfigurator.read(path, text)
    return plain.read(path, text, layout if layout != "requests" else "jsonl",
                      columns=columns, units=units, knobs=knobs)


def _has_primary(table: pd.DataFrame) -> bool:
    cols = [c for c in _PRIMARY if c in table.columns]
    if not cols:
        return False
    vals = table[cols].apply(pd.to_numeric, errors="coerce")
    return bool(np.isfinite(vals.to_numpy(dtype=float)).any())


def _read_files(files, *, format, columns, units, knobs):
    texts, dets, dropped = {}, {}, []
    for path, walked in files:
        if path.name.endswith(".failure.json"):
            dropped.append({"source": str(path), "source_row": np.nan, "field": "",
                            "reason": "a failed `vllm bench sweep` run: no result"})
            continue
        text = read_text(path)
        if format is None:
            det = detect(path, text)
        else:
            det = Detected(format, layout_of(path, text))
        if (walked and format is None and det.format == "plain" and not columns
                and not plain.looks_canonical(_plain_columns(path, text, det.layout))):
            dropped.append({"source": str(path), "source_row": np.nan, "field": "",
                            "reason": "no known sweep format; skipped while reading a "
                                      "directory or glob (name the file, with columns=, "
                                      "to read it as a plain table)"})
            continue
        texts[path], dets[path] = text, det
    # twins: files that repeat the runs of other files being read
    run_dirs = {p.parent for p, d in dets.items() if d.format == "vllm"
                and _RUN_FILE.match(p.name)}
    aggs: dict[Path, list[Path]] = {}
    for p, d in dets.items():
        if d.format in ("aiperf", "genai-perf") and d.layout == "json":
            aggs.setdefault(p.parent, []).append(p)
    # one aggregate per directory pairs with the directory's per-request file
    agg_dirs = {k: v[0] for k, v in aggs.items() if len(v) == 1}
    req_files: dict[Path, Path] = {}
    skip: dict[Path, str] = {}
    for p, d in dets.items():
        if d.format == "vllm" and p.name == "summary.json" and p.parent in run_dirs:
            skip[p] = "repeats the run=N.json files beside it"
        elif d.format == "vllm" and d.layout == "csv" and any(
                r == p.parent or p.parent in r.parents for r in run_dirs):
            skip[p] = "repeats the run=N.json files under its directory"
        elif d.format == "aiperf" and d.layout == "csv" and p.parent in agg_dirs:
            skip[p] = f"the CSV twin of {agg_dirs[p.parent].name} in the same directory"
        elif d.format == "aiperf" and d.layout == "requests" and p.parent in agg_dirs:
            req_files[agg_dirs[p.parent]] = p
            skip[p] = f"per-request data of {agg_dirs[p.parent].name}, attached to its run"
        elif d.format == "llmperf" and d.layout == "requests" and (
                partner := p.with_name(p.name.replace("_individual_responses.json",
                                                      "_summary.json"))) in dets \
                and partner != p:
            req_files[partner] = p
            skip[p] = f"per-request data of {partner.name}, attached to its run"
    for p, why in skip.items():
        dropped.append({"source": str(p), "source_row": np.nan, "field": "", "reason": why})
    parsed = []
    for p, det in dets.items():
        if p in skip:
            continue
        res = _parse(p, texts[p], det, columns=columns, units=units, knobs=knobs,
                     requests_path=req_files.get(p))
        if res.table.empty:
            if res.dropped:
                for d in res.dropped:
                    dropped.append({"source": d.get("source", str(p)), **d})
                continue
            raise ValueError(f"{p}: holds no run")
        if not _has_primary(res.table):
            raise ValueError(
                f"{p}: no throughput or latency metric (looked for {list(_THROUGHPUTS)} and "
                f"'<stat>_<{'|'.join(LATENCIES)}>_ms'); for a plain table map them with "
                "columns=")
        parsed.append((p, res))
    return parsed, dropped


def _plain_columns(path: Path, text: str, layout: str):
    try:
        return plain.load(path, text, layout if layout != "requests" else "jsonl").columns
    except ValueError:
        return []


# --------------------------------------------------------------------------- merging

def _set_constant(table: pd.DataFrame, name: str, value: Any) -> None:
    """Fill ``name`` with ``value`` where a file lacks it; a file that says otherwise is an
    error naming the file."""
    if name not in table.columns:
        table[name] = value
        return
    col = table[name]
    present = col.notna()
    differ = present & (col.astype(object) != value)
    if bool(differ.any()):
        i = int(np.flatnonzero(differ.to_numpy())[0])
        have = col.iloc[i]
        have = have.item() if isinstance(have, np.generic) else have
        raise ValueError(f"{table['source'].iloc[i]}: field {name!r} is "
                         f"{have!r} in the file but {value!r} was passed; drop the "
                         "argument or read that file separately")
    table.loc[~present, name] = value


def _resolve_gpus(table: pd.DataFrame, num_gpus) -> bool:
    """Set ``table["num_gpus"]``; True when the table has one."""
    if num_gpus is not None:
        if isinstance(num_gpus, str):
            if num_gpus not in table.columns:
                raise ValueError(f"`num_gpus`: no column {num_gpus!r}; the columns are "
                                 f"{list(table.columns)}")
            table["num_gpus"] = to_numeric_checked(table[num_gpus], f"column {num_gpus!r}")
        else:
            if isinstance(num_gpus, bool) or not isinstance(num_gpus, (int, np.integer)) \
                    or num_gpus < 1:
                raise ValueError(f"`num_gpus` must be a positive int or a column name, got "
                                 f"{num_gpus!r}")
            _set_constant(table, "num_gpus", int(num_gpus))
    elif "num_gpus" not in table.columns:
        sizes = []
        for names in (("tensor_parallel_size", "tp"), ("pipeline_parallel_size", "pp"),
                      ("data_parallel_size", "dp")):
            col = next((n for n in names if n in table.columns), None)
            if col is not None:
                sizes.append(pd.to_numeric(table[col], errors="coerce"))
        if not sizes:
            return False
        known = pd.concat(sizes, axis=1).notna().any(axis=1)
        prod = sizes[0].fillna(1.0)
        for size in sizes[1:]:
            prod = prod * size.fillna(1.0)
        # a row that states no parallel size at all has an unknown GPU count, not 1
        table["num_gpus"] = prod.where(known)
    g = pd.to_numeric(table["num_gpus"], errors="coerce")
    bad = g.notna() & ~(g >= 1)
    if bool(bad.any()):
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"{table['source'].iloc[i]}: num_gpus is {g.iloc[i]!r}; it must be "
                         ">= 1")
    table["num_gpus"] = g
    return True


def _drop_rows(table: pd.DataFrame, metric_cols: list[str]) -> tuple[pd.Series, list[dict]]:
    """Rows to keep and the report of those dropped (vectorised over rows)."""
    n = len(table)
    reason = pd.Series([None] * n, index=table.index, dtype=object)
    field = pd.Series([""] * n, index=table.index, dtype=object)

    def mark(mask, fld, text):
        new = mask & reason.isna()
        reason[new] = text[new] if isinstance(text, pd.Series) else text
        field[new] = fld

    for c in metric_cols:
        v = table[c]
        neg = v < 0
        if bool(neg.any()):
            mark(neg, c, "negative value " + v.astype(str) + f" in {c!r}")
        inf = np.isinf(v)
        if bool(inf.any()):
            mark(inf, c, f"infinite value in {c!r}")
    if "completed" in table:
        mark(table["completed"] == 0, "completed",
             "no completed request (completed == 0): its metrics are not measurements")
    prim = [c for c in _PRIMARY if c in table.columns]
    none = ~np.isfinite(table[prim].to_numpy(dtype=float)).any(axis=1) if prim else \
        np.ones(n, bool)
    mark(pd.Series(none, index=table.index), "",
         "no throughput or latency value (all missing)")
    keep = reason.isna()
    report = [{"source": s, "source_row": r, "field": f, "reason": why}
              for s, r, f, why in zip(table["source"][~keep], table["source_row"][~keep],
                                      field[~keep], reason[~keep], strict=True)]
    return keep, report


def _dedup(table: pd.DataFrame, cols: list[str]) -> tuple[pd.Series, list[dict]]:
    dup = table.duplicated(subset=cols, keep="first")
    if not bool(dup.any()):
        return ~dup, []
    first = table.groupby(cols, dropna=False, sort=False)["source"].transform("first")
    first_row = table.groupby(cols, dropna=False, sort=False)["source_row"].transform("first")
    report = [{"source": s, "source_row": r, "field": "",
               "reason": f"identical to run {fr} of {fs} (same knobs and metrics): a repeated "
                         "record, counted once"}
              for s, r, fs, fr in zip(table["source"][dup], table["source_row"][dup],
                                      first[dup], first_row[dup], strict=True)]
    return ~dup, report


def _with_configs(table: pd.DataFrame, knobs: Sequence[str]) -> pd.DataFrame:
    keys = (["label"] if "label" in table.columns else []) + list(knobs)
    table = table.copy()
    if keys:
        g = table.groupby(keys, dropna=False, sort=False)
        table["config"] = g.ngroup().astype(np.int64)
        table["repeat"] = g.cumcount().astype(np.int64)
    else:
        table["config"] = np.int64(0)
        table["repeat"] = np.arange(len(table), dtype=np.int64)
    return table


def _order(table: pd.DataFrame, knobs: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    fixed = [c for c in _FIXED if c in table.columns]
    cols = fixed + list(knobs) + list(metrics) + ["config", "repeat"]
    return table[cols].reset_index(drop=True)


def _fill_median(table: pd.DataFrame) -> None:
    for fam in LATENCIES:
        med, p50 = f"median_{fam}_ms", f"p50_{fam}_ms"
        if med in table or p50 in table:
            a = table[med] if med in table else pd.Series(np.nan, index=table.index)
            b = table[p50] if p50 in table else pd.Series(np.nan, index=table.index)
            table[med] = a.fillna(b)
            table[p50] = b.fillna(a)


def read_sweep(paths, /, *, format: str | None = None, num_gpus: int | str | None = None,
               gpu_hour_price: float | str | None = None, label: str | None = None,
               columns: Mapping[str, str] | None = None,
               units: Mapping[str, str] | None = None, knobs: Sequence[str] | None = None,
               slo: Mapping[str, Any] | None = None, **metadata: Any) -> Sweep:
    """Read measured serving-benchmark runs into one canonical :class:`Sweep`.

    Parameters
    ----------
    paths
        A file, a glob (``"runs/*.json"``, ``"**"`` allowed) or a directory (read
        recursively: its ``.json``, ``.jsonl`` and ``.csv`` files), or a sequence of them.
        Files inside a directory or glob that match no known format are skipped and
        reported in ``dropped``; a file named directly must be readable.
    format
        Force a format instead of detecting it from content: one of ``"vllm"``,
        ``"sglang"``, ``"aiperf"``, ``"genai-perf"``, ``"guidellm"``, ``"llmperf"``,
        ``"aiconfigurator"``, ``"plain"``.
    num_gpus
        GPUs per run: an int, or the name of a column holding it. Default: the files' own
        count (AIConfigurator), else ``tp * pp * dp`` from knob columns named
        ``tensor_parallel_size``/``tp``, ``pipeline_parallel_size``/``pp``,
        ``data_parallel_size``/``dp`` (as vLLM's ``plot_pareto`` does), else unknown.
    gpu_hour_price
        $ per GPU-hour (a number or a column name); adds ``cost_per_mtok``.
    label
        Written to a ``label`` column (e.g. ``"before"``/``"after"``); part of the
        ``config`` key, not a knob.
    columns
        For plain tables: ``{canonical_name: source_column}``; a key that is not a metric
        renames a knob (``{"max_concurrency": "users"}``).
    units
        Units of plain-table columns: ``{"ttft": "s"}``, ``{"request_throughput":
        "req/min"}``, ``{"latency": "s"}``.
    knobs
        For plain tables, the knob columns (default: every column that is not a metric).
    slo
        Adds a ``goodput`` column from per-request data: ``{"ttft_ms": 500, "tpot_ms":
        20}``, each ``<= value``.
    **metadata
        Constant knob columns for values the files lack (``engine="vllm"``,
        ``max_concurrency=64`` for an AIPerf CSV); a file holding another value is an error.

    Returns
    -------
    Sweep
        ``table`` (one row per run), ``knobs``, ``metrics``, ``dropped``, ``requests``.

    Raises
    ------
    FileNotFoundError
        A path, glob or directory that names no file.
    ValueError
        A file in no known format, with no throughput or latency metric, with a value that
        is not a number, with mixed units, or contradicting an argument; the message names
        the file and the field.

    Notes
    -----
    Row policy (each drop is listed in ``Sweep.dropped`` with its reason): a row with a
    negative or infinite metric, with ``completed == 0``, or with no throughput and no
    latency value is dropped; a missing (NaN, empty) metric stays NaN. A file listed twice
    is read once; a row identical to an earlier one in every knob and metric (the same run
    appended twice, or a copied file) is counted once. Runs of the same configuration with
    different measurements are repeats: they share ``config`` and differ in ``repeat``.
    ``median`` and ``p50`` are the same statistic; each fills the other where missing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from frontier import read_sweep
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "sweep.csv"
    >>> _ = f.write_text("users,ttft_s,tok_per_s\\n1,0.05,120\\n16,0.20,1500\\n64,1.10,2400\\n")
    >>> s = read_sweep(f, columns={"max_concurrency": "users", "mean_ttft_ms": "ttft_s",
    ...                            "output_throughput": "tok_per_s"},
    ...                num_gpus=2, gpu_hour_price=2.5, label="before")
    >>> cols = ["max_concurrency", "mean_ttft_ms", "tokens_per_user", "tokens_per_gpu"]
    >>> s.table[cols].to_numpy().tolist()
    [[1.0, 50.0, 120.0, 60.0], [16.0, 200.0, 93.75, 750.0], [64.0, 1100.0, 37.5, 1200.0]]
    >>> round(float(s.table["cost_per_mtok"][2]), 4)   # 2 GPUs * $2.5/h at 2400 tok/s
    0.5787
    """
    if format is not None and format not in FORMATS:
        raise ValueError(f"`format` must be one of {FORMATS}, got {format!r}")
    if label is not None and not isinstance(label, str):
        raise TypeError(f"`label` must be a string, got {type(label).__name__}")
    for name, val in (("columns", columns), ("units", units)):
        if val is not None and not isinstance(val, Mapping):
            raise TypeError(f"`{name}` must be a mapping, got {type(val).__name__}")
    bad_meta = [k for k in metadata if k in _FIXED or k in ("config", "repeat")
                or k in METRICS]
    if bad_meta:
        raise ValueError(f"metadata {bad_meta} would overwrite a reserved or metric column")
    slo_terms = _derived.normalize_slo(slo) if slo is not None else None

    files, dropped = _expand(paths)
    parsed, more = _read_files(files, format=format, columns=columns, units=units,
                               knobs=knobs)
    dropped += more
    if not parsed:
        raise ValueError("no run was read: every file was skipped (see the reasons: "
                         + "; ".join(f"{d['source']}: {d['reason']}" for d in dropped) + ")")

    tables, reqs, knob_names, offset = [], [], [], 0
    for path, res in parsed:
        t = res.table.copy()
        t.insert(0, "source", str(path))
        t.insert(2, "format", res.format)
        t.insert(3, "predicted", bool(res.predicted))
        t["_rid"] = np.arange(offset, offset + len(t))
        tables.append(t)
        if res.requests is not None and len(res.requests):
            reqs.append(res.requests.assign(run=res.requests["run"] + offset))
        for d in res.dropped:
            dropped.append({"source": d.get("source", str(path)), **d})
        knob_names += [k for k in res.knobs if k not in knob_names]
        offset += len(t)
    table = pd.concat(tables, ignore_index=True, sort=False)

    if label is not None:
        table["label"] = label
    for k, v in metadata.items():
        if isinstance(v, (list, dict, set, tuple)):
            raise TypeError(f"metadata {k!r} must be a scalar, got {type(v).__name__}")
        _set_constant(table, k, v)
        if k not in knob_names:
            knob_names.append(k)
    if _resolve_gpus(table, num_gpus) and "num_gpus" not in knob_names:
        knob_names.append("num_gpus")

    metric_cols = [c for c in METRICS if c in table.columns]
    for c in metric_cols:
        if table[c].dtype == object:
            table[c] = _numeric_metric(table, c)
    keep, report = _drop_rows(table, metric_cols)
    dropped += report
    table = table[keep.to_numpy()]
    dedup_cols = (["label"] if "label" in table else []) + knob_names + metric_cols
    keep, report = _dedup(table, dedup_cols)
    dropped += report
    table = table[keep.to_numpy()].reset_index(drop=True)
    if table.empty:
        raise ValueError("no run is left after dropping invalid rows: "
                         + "; ".join(f"{d['source']} row {d['source_row']}: {d['reason']}"
                                     for d in dropped[-5:]))

    _fill_median(table)
    _add_derived(table, gpu_hour_price)

    requests = None
    if reqs:
        pos = pd.Series(np.arange(len(table)), index=table["_rid"].to_numpy())
        r = pd.concat(reqs, ignore_index=True)
        r = r[r["run"].isin(pos.index)]
        requests = r.assign(run=pos.loc[r["run"].to_numpy()].to_numpy()).reset_index(
            drop=True)
    table = table.drop(columns=["_rid"])
    if slo_terms is not None:
        if requests is None:
            raise ValueError("`slo`: goodput needs per-request data (vLLM --save-detailed, "
                             "SGLang --output-details, AIPerf profile_export.jsonl, LLMPerf "
                             "*_individual_responses.json); none of the files hold any")
        dur = (table["duration_s"].to_numpy(dtype=float) if "duration_s" in table
               else np.full(len(table), np.nan))
        table["goodput"] = _derived.goodput(requests, slo_terms, dur)

    metrics = tuple(c for c in METRICS if c in table.columns)
    for k in knob_names:
        if table[k].dtype == object:
            table[k] = table[k].infer_objects()
    table = _with_configs(table, knob_names)
    dropped_df = _dropped_frame(dropped)
    return Sweep(_order(table, knob_names, metrics), tuple(knob_names), metrics, dropped_df,
                 requests)


def _dropped_frame(dropped: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(dropped, columns=list(_DROPPED_COLUMNS))
    df["source_row"] = pd.to_numeric(df["source_row"], errors="coerce").astype("Int64")
    return df


def _numeric_metric(table: pd.DataFrame, c: str) -> pd.Series:
    try:
        return to_numeric_checked(table[c], c)
    except ValueError:
        conv = pd.to_numeric(table[c], errors="coerce")
        bad = conv.isna() & table[c].notna()
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"{table['source'].iloc[i]}: field {c!r} of run "
                         f"{table['source_row'].iloc[i]} is {table[c].iloc[i]!r}, not a "
                         "number") from None


def _add_derived(table: pd.DataFrame, gpu_hour_price) -> None:
    if "output_throughput" in table:
        conc = pd.Series(np.nan, index=table.index)
        if "max_concurrency" in table:
            conc = pd.to_numeric(table["max_concurrency"], errors="coerce")
            conc = conc.where(np.isfinite(conc) & (conc > 0))
        if "measured_concurrency" in table:
            conc = conc.fillna(table["measured_concurrency"])
        if conc.notna().any():
            table["tokens_per_user"] = _derived.tokens_per_user(table["output_throughput"], conc)
    if "mean_tpot_ms" in table:
        table["decode_rate_per_user"] = _derived.decode_rate_per_user(table["mean_tpot_ms"])
    if "num_gpus" in table and "output_throughput" in table:
        table["tokens_per_gpu"] = _derived.tokens_per_gpu(table["output_throughput"],
                                                          table["num_gpus"])
    if gpu_hour_price is not None:
        if isinstance(gpu_hour_price, str):
            if gpu_hour_price not in table:
                raise ValueError(f"`gpu_hour_price`: no column {gpu_hour_price!r}")
            price = to_numeric_checked(table[gpu_hour_price], f"column {gpu_hour_price!r}")
        else:
            if isinstance(gpu_hour_price, bool) or not isinstance(
                    gpu_hour_price, (int, float, np.number)) or not math.isfinite(
                    float(gpu_hour_price)) or gpu_hour_price < 0:
                raise ValueError("`gpu_hour_price` must be a non-negative number of $ per "
                                 f"GPU-hour or a column name, got {gpu_hour_price!r}")
            price = float(gpu_hour_price)
        if "num_gpus" not in table:
            raise ValueError("`gpu_hour_price` needs the GPU count: pass num_gpus=")
        if "output_throughput" not in table:
            raise ValueError("`gpu_hour_price`: cost per token needs output_throughput, which "
                             "no file holds")
        table["cost_per_mtok"] = _derived.cost_per_mtok(table["output_throughput"],
                                                        table["num_gpus"], price)
