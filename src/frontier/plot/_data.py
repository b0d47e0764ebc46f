"""What the figures draw, taken out of a :class:`frontier.Study`: indices, curves, selections."""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .._rules import check_rules
from ._style import OBJ

__all__ = [
    "Curves",
    "Sel",
    "View",
    "check_budget_index",
    "curves",
    "display_name",
    "finite_range",
    "front_2d",
    "limits",
    "model_index",
    "padded",
    "per_model",
    "selections"
]

if TYPE_CHECKING:  # pragma: no cover
    from .._study import Study


def model_index(study: Study, model: int | str) -> int:
    """The index of ``model`` (an index, negative ones too, or a key) in ``study.models``."""
    m = len(study.models)
    if isinstance(model, str):
        try:
            return study.models.index(model)
        except ValueError:
            raise ValueError(f"`model`: unknown key {model!r}; the study has "
                             f"{list(study.models)}") from None
    try:
        i = operator.index(model)
    except TypeError:
        raise TypeError(f"`model` must be an int index or a key, got {model!r}") from None
    if not -m <= i < m:
        raise IndexError(f"`model` index {i} out of range for {m} models")
    return i % m


def check_budget_index(study: Study, index: Any) -> tuple[int, ...]:
    """``index`` checked against the study's budget grid, as a tuple of ints."""
    shape = np.shape(study.budget.C_max)
    try:
        bi = tuple(operator.index(j) for j in tuple(index))
    except TypeError:
        raise TypeError(f"`budget_index` must be a tuple of ints, got {index!r}") from None
    if len(bi) != len(shape):
        raise ValueError(f"`budget_index` {bi} does not match the study's budget grid of shape "
                         f"{shape}; pass one index per budget axis"
                         + (", e.g. budget_index=" + str((0,) * len(shape)) if shape else ""))
    for j, n in zip(bi, shape, strict=True):
        if not -n <= j < n:
            raise IndexError(f"`budget_index` {bi} out of range for budget grid {shape}")
    return bi


def limits(study: Study, bi: tuple[int, ...]) -> dict[str, float]:
    """The budget ``bi`` by objective: ``{"cost": C_max, "time": T_max, "accuracy": acc_min}``."""
    b = study.budget
    return {"cost": float(np.asarray(b.C_max)[bi]), "time": float(np.asarray(b.T_max)[bi]),
            "accuracy": float(np.asarray(b.acc_min)[bi])}


def display_name(study: Study, i: int, names: Mapping[str, str] | None) -> str:
    key = study.models[i]
    return str(names.get(key, key)) if names else key


class Curves(NamedTuple):
    """One model's candidates under one budget."""

    ks: np.ndarray  # (K,)
    mean: dict[str, np.ndarray]  # objective -> (K,)
    lo: dict[str, np.ndarray]  # 2.5 percentile (NaN if the study lacks it)
    hi: dict[str, np.ndarray]  # 97.5 percentile
    feasible: np.ndarray  # (K,) bool
    pareto: np.ndarray  # (K,) bool


def _level_index(levels: Sequence[float], q: float) -> int | None:
    for j, v in enumerate(levels):
        if abs(float(v) - q) < 1e-9:
            return j
    return None


def curves(study: Study, i: int, bi: tuple[int, ...]) -> Curves:
    s = study.summary
    jlo = _level_index(s.quantile_levels, 0.025)
    jhi = _level_index(s.quantile_levels, 0.975)
    mean, lo, hi = {}, {}, {}
    for obj in OBJ:
        st = getattr(s, obj)
        mean[obj] = np.asarray(st.mean, float)[i]
        q = np.asarray(st.quantiles, float)[i]
        nan = np.full_like(mean[obj], np.nan)
        lo[obj] = q[:, jlo] if jlo is not None else nan
        hi[obj] = q[:, jhi] if jhi is not None else nan
    return Curves(np.asarray(study.ks), mean, lo, hi,
                  np.asarray(study.feasible)[(*bi, i)].astype(bool),
                  np.asarray(study.pareto)[(*bi, i)].astype(bool))


class Sel(NamedTuple):
    """A found operating point: its rule, model, index into ``ks``, k and means."""

    rule: str
    model: int
    index: int
    k: int
    mean: dict[str, float]


def selections(points: Any, sel: tuple[int, ...], rules: Sequence[str]) -> list[Sel]:
    """The found points of ``rules`` at index ``sel`` of :class:`frontier.Points` fields."""
    out = []
    for rule in rules:
        p = getattr(points, rule)
        if not bool(np.asarray(p.found)[sel]):
            continue
        mean = {obj: float(np.asarray(getattr(p, obj).mean)[sel]) for obj in OBJ}
        out.append(Sel(rule, int(np.asarray(p.model)[sel]), int(np.asarray(p.index)[sel]),
                       int(np.asarray(p.k)[sel]), mean))
    return out


class View(NamedTuple):
    """Everything a per-model figure draws: model and budget index, rules, curves, limits,
    selections."""

    i: int
    bi: tuple[int, ...]
    rules: tuple[str, ...]
    d: Curves
    lim: dict[str, float]
    sels: list[Sel]


def per_model(study: Study, model: int | str, index: Any, rules: Sequence[str]) -> View:
    """The checked arguments and data of a per-model figure."""
    i = model_index(study, model)
    bi = check_budget_index(study, index)
    rules = check_rules(rules)
    return View(i, bi, rules, curves(study, i, bi), limits(study, bi),
                selections(study.points, (*bi, i), rules))


def finite_range(*arrays: Any) -> tuple[float, float] | None:
    vals = np.concatenate([np.ravel(np.asarray(a, float)) for a in arrays]) if arrays else []
    vals = vals[np.isfinite(vals)] if len(vals) else vals
    if len(vals) == 0:
        return None
    return float(vals.min()), float(vals.max())


def padded(r: tuple[float, float] | None, frac: float = 0.05) -> tuple[float, float]:
    if r is None:
        return 0.0, 1.0
    lo, hi = r
    span = hi - lo
    if span <= 0:  # a single value: centre it
        half = abs(lo) * 0.1 or 0.5
        return lo - half, hi + half
    return lo - frac * span, hi + frac * span


def front_2d(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points non-dominated for (min x, max y), sorted by x (NaN dropped)."""
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    order = np.lexsort((-y, x))
    keep, best = [], -np.inf
    for j in order:
        if y[j] > best:
            keep.append(j)
            best = y[j]
    keep = np.asarray(keep, int)
    return x[keep], y[keep]
