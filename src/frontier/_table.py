"""The candidate table: configurations (knob columns) and their objectives' statistics.

Every source of candidates (a simulation of the paper model, a measured benchmark sweep, a
user's own DataFrame) becomes a :class:`Table`, and the one study engine
(:func:`frontier.choose`) finds fronts and operating points on any table.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Objective", "Table", "level_of", "stat_name"]

Sense = Literal["min", "max"]

#: Statistics a table may hold for an objective, besides quantiles ``pNN``.
MOMENTS: tuple[str, ...] = ("mean", "std", "sem", "min", "max")
_STAT = re.compile(r"^(?:mean|std|sem|min|max|median|p\d+(?:\.\d+)?)$")


class Objective(NamedTuple):
    """One objective column of a :class:`Table`.

    Attributes
    ----------
    name
        Column name, e.g. ``"cost"`` or ``"ttft_ms"`` (letters, digits and ``_``).
    sense
        ``"min"`` or ``"max"``: which direction is better.
    unit
        Display unit, e.g. ``"$"``, ``"s"``, ``"ms"``, ``"tok/s"``; ``""`` when unitless.
    bounds
        ``(lower, upper)``: the objective's natural range where one exists (accuracy lies in
        ``[0, 1]``, a cost is ``>= 0``); ``(-inf, inf)`` when unknown. The rules use the bound
        on the better side as the ideal value (the utopia point).

    Examples
    --------
    >>> import frontier
    >>> frontier.Objective("accuracy", "max", bounds=(0.0, 1.0)).ideal
    1.0
    """

    name: str
    sense: Sense
    unit: str = ""
    bounds: tuple[float, float] = (-math.inf, math.inf)

    @property
    def maximise(self) -> bool:
        """Whether larger is better."""
        return self.sense == "max"

    @property
    def ideal(self) -> float:
        """The natural bound on the better side (``nan`` when there is none)."""
        v = self.bounds[1] if self.maximise else self.bounds[0]
        return float(v) if math.isfinite(v) else math.nan


def stat_name(stat: str | float) -> str:
    """The column-name form of a statistic: ``"mean"`` or a quantile level ``0.99 -> "p99"``.

    Examples
    --------
    >>> from frontier._table import stat_name
    >>> stat_name(0.025), stat_name(0.999), stat_name("mean")
    ('p2.5', 'p99.9', 'mean')
    """
    if isinstance(stat, str):
        if stat == "median":
            return "p50"
        if not _STAT.match(stat):
            raise ValueError(f"unknown statistic {stat!r} (mean, std, sem, min, max or pNN)")
        return stat
    pct = round(100.0 * float(stat), 8)
    return f"p{pct:g}"


def level_of(stat: str) -> float | None:
    """The quantile level of ``"pNN"`` (``"p99" -> 0.99``); ``None`` for a moment."""
    s = stat_name(stat)
    return round(float(s[1:]) / 100.0, 10) if s.startswith("p") else None


def _column(values: Any, name: str, n: int | None) -> Any:
    arr = values if hasattr(values, "shape") and hasattr(values, "dtype") else np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"column `{name}` must be 1-D, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"column `{name}` has {arr.shape[0]} rows, expected {n}")
    return arr


@dataclasses.dataclass(frozen=True)
class Table:
    """Candidate configurations: knob columns and, per objective, its statistics.

    Parameters
    ----------
    knobs
        Column name -> ``(n,)`` values (model key, ``k``, concurrency, precision, ...).
    objectives
        The objectives, in order; each needs at least a ``"mean"`` statistic.
    stats
        Objective name -> {statistic -> ``(n,)`` array}. Statistics are ``"mean"``,
        ``"std"``, ``"sem"`` (standard error of the mean), ``"min"``, ``"max"`` and quantiles
        ``"pNN"`` (``"p2.5"``, ``"p50"``, ``"p99.9"``; see :func:`stat_name`). Arrays may be
        NumPy or JAX arrays.
    meta
        Free-form facts about the table (e.g. ``{"predicted": True}`` for modelled rather
        than measured rows).

    Examples
    --------
    >>> import frontier
    >>> t = frontier.Table(
    ...     knobs={"k": [1, 2, 4]},
    ...     objectives=[frontier.Objective("cost", "min", "$"),
    ...                 frontier.Objective("accuracy", "max", bounds=(0.0, 1.0))],
    ...     stats={"cost": {"mean": [1.0, 2.0, 4.0]}, "accuracy": {"mean": [0.5, 0.7, 0.8]}})
    >>> len(t), t.names
    (3, ('cost', 'accuracy'))
    >>> list(t.to_frame().columns)
    ['k', 'mean_cost', 'mean_accuracy']
    """

    knobs: Mapping[str, Any]
    objectives: tuple[Objective, ...]
    stats: Mapping[str, Mapping[str, Any]]
    meta: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        objs = tuple(self.objectives)
        if not objs:
            raise ValueError("a Table needs at least one objective")
        for o in objs:
            if not isinstance(o, Objective):
                raise TypeError(f"`objectives` must hold frontier.Objective, got {o!r}")
            if o.sense not in ("min", "max"):
                raise ValueError(f"objective {o.name!r}: `sense` must be 'min' or 'max', "
                                 f"got {o.sense!r}")
        names = [o.name for o in objs]
        if len(set(names)) != len(names):
            raise ValueError(f"objective names repeat: {names}")
        n = None
        stats: dict[str, dict[str, Any]] = {}
        for o in objs:
            given = self.stats.get(o.name)
            if not given or "mean" not in given:
                raise ValueError(f"objective {o.name!r} needs at least a 'mean' statistic")
            cols = {}
            for s, v in given.items():
                key = stat_name(s)
                arr = _column(v, f"{key}_{o.name}", n)
                n = arr.shape[0]
                cols[key] = arr
            stats[o.name] = cols
        knobs = {}
        for name, v in self.knobs.items():
            if name in stats:
                raise ValueError(f"`{name}` is both a knob and an objective")
            knobs[str(name)] = _column(v, str(name), n)
        object.__setattr__(self, "objectives", objs)
        object.__setattr__(self, "stats", stats)
        object.__setattr__(self, "knobs", knobs)
        object.__setattr__(self, "meta", dict(self.meta))

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return int(next(iter(self.stats.values()))["mean"].shape[0])

    @property
    def names(self) -> tuple[str, ...]:
        """The objective names, in order."""
        return tuple(o.name for o in self.objectives)

    def objective(self, name: str) -> Objective:
        """The :class:`Objective` called ``name`` (``ValueError`` listing the known ones)."""
        for o in self.objectives:
            if o.name == name:
                return o
        raise ValueError(f"unknown objective {name!r}; the table has {list(self.names)}")

    def stat(self, name: str, stat: str | float = "mean") -> Any:
        """The ``(n,)`` values of one statistic of one objective.

        Raises
        ------
        ValueError
            For an unknown objective or a statistic the table does not hold (the message
            lists the ones it holds).
        """
        self.objective(name)
        key = stat_name(stat)
        cols = self.stats[name]
        if key not in cols:
            raise ValueError(f"objective {name!r} has no statistic {key!r}; the table holds "
                             f"{sorted(cols)}")
        return cols[key]

    def levels(self, name: str) -> tuple[float, ...]:
        """The quantile levels held for objective ``name``, increasing."""
        self.objective(name)
        return tuple(sorted(lv for s in self.stats[name] if (lv := level_of(s)) is not None))

    # ------------------------------------------------------------------ pandas
    def to_frame(self) -> pd.DataFrame:
        """A pandas DataFrame: the knob columns, then ``{stat}_{objective}`` columns.

        Column names follow vLLM's result files (``mean_ttft_ms``, ``p99_ttft_ms``); the
        objectives' senses and units are in ``DataFrame.attrs["objectives"]``.
        """
        import pandas as pd

        cols: dict[str, Any] = {k: np.asarray(v) for k, v in self.knobs.items()}
        for o in self.objectives:
            for s, v in self.stats[o.name].items():
                cols[f"{s}_{o.name}"] = np.asarray(v)
        df = pd.DataFrame(cols)
        df.attrs["objectives"] = {o.name: {"sense": o.sense, "unit": o.unit,
                                           "bounds": list(o.bounds)} for o in self.objectives}
        df.attrs.update({k: v for k, v in self.meta.items() if k != "objectives"})
        return df

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        objectives: Mapping[str, Sense] | Sequence[Objective] | None = None,
        *,
        knobs: Iterable[str] | None = None,
        units: Mapping[str, str] | None = None,
    ) -> Table:
        """Build a table from a DataFrame with ``{stat}_{objective}`` (or bare) columns.

        Parameters
        ----------
        frame
            One row per candidate. For an objective ``x``, the columns ``x`` (its value,
            taken as the mean), ``mean_x``, ``median_x``, ``std_x``, ``sem_x``, ``min_x``,
            ``max_x`` and ``pNN_x`` are read.
        objectives
            Name -> ``"min"``/``"max"``, or :class:`Objective` values; default: the
            ``attrs["objectives"]`` that :meth:`to_frame` wrote.
        knobs
            The knob columns; default every column that is not an objective statistic.
        units
            Name -> unit, for objectives given as a mapping.

        Examples
        --------
        >>> import pandas as pd, frontier
        >>> df = pd.DataFrame({"concurrency": [1, 8, 64], "p99_ttft_ms": [40.0, 90.0, 900.0],
        ...                    "output_throughput": [50.0, 300.0, 800.0]})
        >>> t = frontier.Table.from_frame(df, {"ttft_ms": "min", "output_throughput": "max"})
        >>> sorted(t.stats["ttft_ms"]), list(t.knobs)
        (['mean', 'p99'], ['concurrency'])

        With only quantiles given, ``mean`` falls back to the median when present, else it
        is the single quantile given (here ``p99``): give ``mean_x`` to be explicit.
        """
        import pandas as pd

        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"`frame` must be a pandas DataFrame, got {type(frame).__name__}")
        if objectives is None:
            meta = frame.attrs.get("objectives")
            if not meta:
                raise ValueError("pass `objectives` (name -> 'min'/'max'); the frame has no "
                                 "attrs['objectives']")
            objs = [Objective(k, v["sense"], v.get("unit", ""), tuple(v.get("bounds",
                    (-math.inf, math.inf)))) for k, v in meta.items()]
        elif isinstance(objectives, Mapping):
            units = dict(units or {})
            objs = [Objective(str(k), v, units.get(k, "")) for k, v in objectives.items()]
        else:
            objs = list(objectives)
        used: set[str] = set()
        stats: dict[str, dict[str, Any]] = {}
        pattern = {o.name: re.compile(rf"^(mean|median|std|sem|min|max|p\d+(?:\.\d+)?)_"
                                      rf"{re.escape(o.name)}$") for o in objs}
        for o in objs:
            cols: dict[str, Any] = {}
            for c in frame.columns:
                m = pattern[o.name].match(str(c))
                if m:
                    cols[stat_name(m.group(1))] = frame[c].to_numpy()
                    used.add(c)
            if o.name in frame.columns:
                cols.setdefault("mean", frame[o.name].to_numpy())
                used.add(o.name)
            if not cols:
                raise ValueError(f"objective {o.name!r}: no column `{o.name}` or "
                                 f"`<stat>_{o.name}` in the frame (columns: "
                                 f"{list(frame.columns)})")
            if "mean" not in cols:
                qs = sorted((lv, s) for s in cols if (lv := level_of(s)) is not None)
                med = cols.get("p50")
                cols["mean"] = med if med is not None else cols[qs[0][1]]
            stats[o.name] = {k: np.asarray(v, dtype=float) for k, v in cols.items()}
        names = list(knobs) if knobs is not None else [c for c in frame.columns
                                                       if c not in used]
        missing = [k for k in names if k not in frame.columns]
        if missing:
            raise ValueError(f"`knobs`: no column {missing[0]!r} in the frame")
        return cls({str(k): frame[k].to_numpy() for k in names}, tuple(objs), stats,
                   {k: v for k, v in frame.attrs.items() if k != "objectives"})

    # ------------------------------------------------------------------ rows
    def take(self, rows: Any) -> Table:
        """The table restricted to ``rows`` (indices or a boolean mask), in that order."""
        idx = np.asarray(rows)
        if idx.dtype == bool:
            idx = np.nonzero(idx)[0]

        def sub(v):
            return np.asarray(v)[idx]

        return Table({k: sub(v) for k, v in self.knobs.items()}, self.objectives,
                     {o: {s: sub(v) for s, v in c.items()} for o, c in self.stats.items()},
                     self.meta)

    def label(self, row: int, knobs: Sequence[str] | None = None) -> str:
        """``"k=8, model=gpt5"``: the knob values of one row (``knobs`` to choose which)."""
        names = list(self.knobs) if knobs is None else list(knobs)
        parts = []
        for k in names:
            v = np.asarray(self.knobs[k])[row]
            v = v.item() if hasattr(v, "item") else v
            if isinstance(v, float):
                v = f"{v:g}"  # 32.0 -> 32, 0.125 -> 0.125
            parts.append(f"{k}={v}")
        return ", ".join(parts) if parts else f"row {row}"
