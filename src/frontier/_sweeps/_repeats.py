"""Repeats: runs of one configuration (equal label and knobs) measured more than once.

:func:`summary` gives per config the mean of every metric and a Student-t confidence
interval over its repeats; :func:`pareto_probability` the probability that a config is
Pareto-optimal, by bootstrap over its repeats through :func:`frontier.pareto_probability`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from .._validation import as_key, positive_int
from ._table import frame, resolve_objectives

if TYPE_CHECKING:  # pragma: no cover
    from . import Sweep

__all__ = ["pareto_probability", "summary", "t_quantile"]


def _t_central(t: float, df: int) -> float:
    """``P(|T| <= t)`` for Student's t with ``df`` (a positive int) degrees of freedom.

    The closed forms for integer degrees of freedom (Abramowitz and Stegun 26.7.3-4):
    with ``theta = atan(t / sqrt(df))``, a finite series in ``cos(theta)``.
    """
    theta = math.atan(t / math.sqrt(df))
    s, c = math.sin(theta), math.cos(theta)
    c2 = c * c
    if df % 2 == 1:
        total, term = 0.0, 1.0
        if df > 1:
            total = 1.0
            for k in range(1, (df - 3) // 2 + 1):
                term *= c2 * (2 * k) / (2 * k + 1)
                total += term
            total *= s * c
        return 2.0 / math.pi * (theta + total)
    total, term = 1.0, 1.0
    for k in range(1, (df - 2) // 2 + 1):
        term *= c2 * (2 * k - 1) / (2 * k)
        total += term
    return s * total


def t_quantile(confidence: float, df: int) -> float:
    """The two-sided Student-t critical value: ``t`` with ``P(|T| <= t) = confidence``.

    Bisection on the exact central probability for integer ``df >= 1`` (to within 1e-12).

    Examples
    --------
    >>> from frontier._sweeps._repeats import t_quantile
    >>> round(t_quantile(0.95, 1), 4), round(t_quantile(0.95, 4), 4), round(t_quantile(0.95, 30), 4)
    (12.7062, 2.7764, 2.0423)
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"`confidence` must lie in (0, 1), got {confidence!r}")
    df = positive_int(df, "df")
    lo, hi = 0.0, 1.0
    while _t_central(hi, df) < confidence:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _t_central(mid, df) < confidence:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


def summary(sweep: Sweep, confidence: float = 0.95) -> pd.DataFrame:
    """See :meth:`frontier.Sweep.summary`."""
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or \
            not 0.0 < float(confidence) < 1.0:
        raise ValueError(f"`confidence` must be a number in (0, 1), got {confidence!r}")
    means = frame(sweep, "config")
    metrics = list(sweep.metrics)
    g = sweep.table.groupby("config", sort=True)[metrics]
    n = g.count()
    std = g.std(ddof=1)
    keys = [c for c in means.columns if c not in metrics]
    out = {c: means[c].to_numpy() for c in keys}
    crit = {k: t_quantile(float(confidence), k - 1) for k in
            sorted({int(v) for v in np.unique(n.to_numpy()) if v >= 2})}
    for m in metrics:
        k = n[m].to_numpy()
        sem = std[m].to_numpy(dtype=float) / np.sqrt(np.where(k > 0, k, 1))
        t = np.array([crit.get(int(v), np.nan) for v in k])
        half = np.where(k >= 2, t * sem, np.nan)
        mean = means[m].to_numpy(dtype=float)
        out[m] = mean
        out[f"{m}_n"] = k.astype(np.int64)
        out[f"{m}_sem"] = np.where(k >= 2, sem, np.nan)
        out[f"{m}_lo"] = mean - half
        out[f"{m}_hi"] = mean + half
    df = pd.DataFrame(out)
    df.attrs["confidence"] = float(confidence)
    return df


def pareto_probability(sweep: Sweep, objectives: Any = None, *, key: Any,
                       num_resamples: int = 1000) -> pd.Series:
    """See :meth:`frontier.Sweep.pareto_probability`."""
    from .. import pareto_probability as _probability

    terms = resolve_objectives(sweep, objectives)
    key = as_key(key)
    num_resamples = positive_int(num_resamples, "num_resamples")
    cols = [t.column for t in terms]
    t = sweep.table
    x = t[cols].to_numpy(dtype=float)
    ok = np.isfinite(x).all(axis=1)
    configs = np.sort(t["config"].unique())
    out = pd.Series(np.nan, index=pd.Index(configs, name="config"), name="pareto_probability")
    cfg = t["config"].to_numpy()[ok]
    x = x[ok]
    present, inverse, counts = np.unique(cfg, return_inverse=True, return_counts=True)
    if present.size == 0:
        return out
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    n_max = int(counts.max())
    dt = jnp.float64 if jax.config.jax_enable_x64 else jnp.float32
    runs = np.full((present.size, n_max, len(cols)), np.nan)
    pos = np.arange(order.size) - np.repeat(starts, counts)
    runs[inverse[order], pos] = x[order]
    runs_j = jnp.asarray(runs, dt)
    counts_j = jnp.asarray(counts, jnp.int32)
    maximise = tuple(tr.sense == "max" for tr in terms)
    # resample b draws its indices from its own key: the result does not depend on the
    # chunking below
    keys = jax.random.split(key, num_resamples)
    chunk = max(1, min(num_resamples, int(4_000_000 // max(1, present.size * n_max))))
    total = jnp.zeros((present.size,), dt)
    for s in range(0, num_resamples, chunk):
        means = _resample_means(keys[s:s + chunk], runs_j, counts_j)
        p = _probability(means, maximise=maximise)
        total = total + p * jnp.asarray(means.shape[0], dt)
    out.loc[present] = np.asarray(total / jnp.asarray(num_resamples, dt), float)
    return out


@jax.jit
def _resample_means(keys, runs, counts):
    """``(B, C, m)``: per resample and config, the mean of ``counts[c]`` runs drawn with
    replacement from the config's ``runs[c, :counts[c]]`` (``runs`` is NaN-padded)."""

    def one(k):
        idx = jax.random.randint(k, runs.shape[:2], 0, counts[:, None])
        picked = jnp.take_along_axis(runs, idx[:, :, None], axis=1)
        used = jnp.arange(runs.shape[1])[None, :] < counts[:, None]
        s = jnp.where(used[:, :, None], picked, jnp.zeros((), runs.dtype)).sum(1)
        return s / counts[:, None].astype(runs.dtype)

    return jax.vmap(one)(keys)
