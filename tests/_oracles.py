"""Test oracles: brute-force NumPy references and random test sets, written once.

Plain functions on NumPy arrays (float64 inside), imported by the tests. moocore-based
references are here too, adapted to frontier's NaN semantics.
"""

from __future__ import annotations

import math

import moocore
import numpy as np

# --------------------------------------------------------------------------------- dominance


def nondominated(x, keep_weakly=False):
    """O(n^2) reference mask: row q is out if some row p dominates it, or (keep_weakly=False)
    an identical row comes first; NaN rows are out and dominate nothing."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    valid = ~np.isnan(x).any(axis=1)
    le = (x[:, None, :] <= x[None, :, :]).all(-1)  # le[p, q]: p <= q everywhere
    lt = (x[:, None, :] < x[None, :, :]).any(-1)
    first = np.arange(n)[:, None] < np.arange(n)[None, :]
    removes = le & (lt if keep_weakly else (lt | first))
    removes &= valid[:, None] & valid[None, :]
    return valid & ~removes.any(axis=0)


def pareto_rank(x):
    """Reference ranks by peeling :func:`nondominated` fronts; NaN rows get one past the last."""
    x = np.asarray(x, dtype=np.float64)
    valid = ~np.isnan(x).any(axis=1)
    rank = np.zeros(len(x), dtype=np.int32)
    live = valid.copy()
    k = 0
    while live.any():
        front = nondominated(np.where(live[:, None], x, np.nan), keep_weakly=True)
        rank[front] = k
        live &= ~front
        k += 1
    rank[~valid] = k
    return rank


def crowding(x):
    """Deb et al. crowding on one set: +inf at both ends of each objective (when its range is
    positive), neighbour gap / range inside, summed; ties in input order; NaN rows get 0."""
    x = np.asarray(x, dtype=np.float64)
    n, m = x.shape
    valid = ~np.isnan(x).any(axis=1)
    out = np.zeros(n)
    ids = np.flatnonzero(valid)
    for j in range(m):
        order = ids[np.argsort(x[ids, j], kind="stable")]
        v = x[order, j]
        if len(v) == 0:
            continue
        span = v[-1] - v[0]
        for i, row in enumerate(order):
            if span > 0 and (i == 0 or i == len(v) - 1):
                out[row] += np.inf
            elif 0 < i < len(v) - 1 and np.isfinite(span) and span > 0:
                gap = (v[i + 1] - v[i - 1]) / span
                out[row] += gap if np.isfinite(gap) else 0.0
    return out


def moocore_nondominated(x, keep_weakly=False):
    """moocore on the NaN-free rows (moocore lets NaN rows dominate); NaN rows are out."""
    out = np.zeros(len(x), bool)
    ok = ~np.isnan(x).any(axis=1)
    if ok.sum() > 0:
        out[ok] = moocore.is_nondominated(x[ok].astype(np.float64), keep_weakly=keep_weakly)
    return out


def moocore_rank(x):
    """moocore ranks of the NaN-free rows; NaN rows get one past the last."""
    out = np.zeros(len(x), np.int32)
    ok = ~np.isnan(x).any(axis=1)
    if ok.sum() > 0:
        out[ok] = moocore.pareto_rank(x[ok].astype(np.float64))
    out[~ok] = out[ok].max() + 1 if ok.any() else 0
    return out


DOMINANCE_KINDS = ("uniform", "ties", "dups", "nan", "inf")


def dominance_set(rng, n, m, kind):
    """A float32 ``(n, m)`` set for dominance tests: ``uniform``, ``ties`` (a small integer
    grid: many ties and duplicates), ``dups`` (copies of a third as many rows), ``nan`` (a
    NaN in a fifth of the rows) or ``inf`` (``+-inf`` entries on an integer grid)."""
    if kind == "uniform":
        x = rng.random((n, m))
    elif kind == "ties":
        x = rng.integers(0, 4, (n, m)).astype(float)
    elif kind == "dups":
        base = rng.random((max(1, n // 3), m))
        x = base[rng.integers(0, len(base), n)]
    elif kind == "nan":
        x = rng.integers(0, 5, (n, m)).astype(float)
        x[rng.random(n) < 0.2, rng.integers(0, m)] = np.nan
    elif kind == "inf":
        x = rng.integers(0, 5, (n, m)).astype(float)
        x[rng.random((n, m)) < 0.15] = np.inf
        x[rng.random((n, m)) < 0.1] = -np.inf
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return x.astype(np.float32)


# ------------------------------------------------------------------------------- hypervolume


def hypervolume(points, ref):
    """Exact HV by the grid of all coordinates: a cell counts if its lower corner is dominated.

    Rows that do not strictly dominate ``ref`` (or hold a NaN) are dropped first.
    ``O((n + 1)^m n)``: small ``n`` only.
    """
    points = np.asarray(points, np.float64).reshape(-1, len(ref))
    ref = np.asarray(ref, np.float64)
    points = points[np.all(points < ref, axis=1)]
    if len(points) == 0:
        return 0.0
    axes = [np.unique(np.concatenate([points[:, j], [ref[j]]])) for j in range(len(ref))]
    lo = np.stack(np.meshgrid(*[a[:-1] for a in axes], indexing="ij"), axis=-1)
    lo = lo.reshape(-1, len(ref))
    vol = np.prod(np.stack(np.meshgrid(*[np.diff(a) for a in axes], indexing="ij"), axis=-1),
                  axis=-1).reshape(-1)
    counted = []
    step = max(1, (1 << 22) // (len(points) * len(ref)))  # cells per chunk: bounded memory
    for k in range(0, len(lo), step):
        dom = np.all(points[None, :, :] <= lo[k:k + step, None, :], axis=2).any(axis=1)
        counted.append(vol[k:k + step][dom])
    return math.fsum(np.concatenate(counted))


def moocore_hypervolume(points, ref, maximise=False):
    """moocore's hypervolume of the NaN-free rows (0 for none)."""
    points = np.asarray(points, np.float64).reshape(-1, len(ref))
    points = points[~np.isnan(points).any(axis=1)]
    if len(points) == 0:
        return 0.0
    return float(moocore.hypervolume(points, ref=ref, maximise=maximise))


def hv_contributions(points, ref, hv=hypervolume):
    """Exclusive contributions ``HV(P) - HV(P without row i)`` by leaving each row out."""
    points = np.asarray(points, np.float64)
    full = hv(points, ref)
    out = np.zeros(len(points))
    for i in range(len(points)):
        if np.all(points[i] < ref):
            out[i] = full - hv(np.delete(points, i, axis=0), ref)
    return out


HV_KINDS = ("uniform", "ties", "duplicates", "outside", "nan", "front")


def hv_set(rng, n, m, kind):
    """A float64 ``(n, m)`` set in ``[0, 1.2)`` for hypervolume tests against ``ref = 1``:
    ``uniform``, ``ties`` (few distinct values), ``duplicates``, ``outside`` (some rows beyond
    ``ref``, one exactly on it), ``nan`` (one NaN) or ``front`` (on the sphere: every point
    non-dominated)."""
    if kind == "uniform":
        return rng.random((n, m))
    if kind == "ties":
        return np.round(rng.random((n, m)) * 4) / 4
    if kind == "duplicates":
        x = rng.random((n, m))
        if n:
            x[rng.integers(0, n, n // 2)] = x[rng.integers(0, n)]
        return x
    if kind == "outside":
        x = rng.random((n, m)) * 1.2
        if n:
            x[rng.integers(0, n), rng.integers(0, m)] = 1.0
        return x
    if kind == "nan":
        x = rng.random((n, m))
        if n:
            x[rng.integers(0, n), rng.integers(0, m)] = np.nan
        return x
    if kind == "front":
        x = np.abs(rng.normal(size=(n, m)))
        return 1 - x / np.linalg.norm(x, axis=1, keepdims=True)
    raise ValueError(f"unknown kind {kind!r}")


def noisy_curve(rng, n, noise=0.02, decimals=2):
    """``(n, 3)`` points on a thin trade-off curve with Gaussian noise, rounded: ties,
    duplicates and many non-dominated rows (Monte-Carlo-like data)."""
    t = rng.random(n)
    x = np.stack([t, 1 - t, (t - 0.5) ** 2], 1) + noise * rng.standard_normal((n, 3))
    return np.round(x, decimals)


# ------------------------------------------------------------------------------------- knees


def minmax(q):
    """Each column mapped to [0, 1] by its min and max (a constant column maps to 0)."""
    lo, hi = q.min(0), q.max(0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return (q - lo) / span


def chord_scores(q):
    """Distance of each interior row to the line through the first and last rows; -inf at the
    ends."""
    a, b = q[0], q[-1]
    v = b - a
    out = np.full(len(q), -np.inf)
    for i in range(1, len(q) - 1):
        w = q[i] - a
        perp = w - (w @ v) / (v @ v) * v if v @ v > 0 else w
        out[i] = np.linalg.norm(perp)
    return out


def curvature_scores(q, t):
    """Curvature from the exact derivatives of the per-coordinate parabola through three
    neighbours; -inf at the ends."""
    out = np.full(len(q), -np.inf)
    for i in range(1, len(q) - 1):
        ts = t[i - 1 : i + 2]
        d1, d2 = [], []
        for j in range(q.shape[1]):
            c = np.polyfit(ts - t[i], q[i - 1 : i + 2, j], 2)
            d1.append(c[1])
            d2.append(2 * c[0])
        d1, d2 = np.array(d1), np.array(d2)
        s1 = d1 @ d1
        area = np.sqrt(max(s1 * (d2 @ d2) - (d1 @ d2) ** 2, 0.0))
        out[i] = area / s1**1.5 if s1 > 0 else 0.0
    return out


def reference_knee_curvature(P):
    """``find_knee_point_curvature`` of the reference code, on the normalised points ``P``."""
    max_curvature, best_idx = -1, 0
    for i in range(1, len(P) - 1):
        p_prev, p_curr, p_next = P[i - 1], P[i], P[i + 1]
        dp = (p_next - p_prev) / 2
        ddp = p_next - 2 * p_curr + p_prev
        cross_magnitude = abs(dp[0] * ddp[1] - dp[1] * ddp[0])
        norm_dp = np.linalg.norm(dp)
        if norm_dp > 1e-10:
            curvature = cross_magnitude / (norm_dp**3)
            if curvature > max_curvature:
                max_curvature, best_idx = curvature, i
    return best_idx


def reference_knee_chord(P):
    """``find_knee_point`` (perpendicular distance) of the reference code."""
    start, end = P[0], P[-1]
    v = end - start
    vn = np.linalg.norm(v)
    if vn == 0:
        return len(P) // 2
    v_unit = v / vn
    max_d, max_i = -1, 0
    for i in range(1, len(P) - 1):
        w = P[i] - start
        d = np.linalg.norm(w - np.dot(w, v_unit) * v_unit)
        if d > max_d:
            max_d, max_i = d, i
    return max_i


def paper_front(rng, n=20, noise=0.0):
    """A ``(C, T, A)`` front along ``k``: C and T linear in ``k``, A concave and saturating.
    Returns ``(points, k)``."""
    k = np.arange(1, n + 1, dtype=np.float64) * 4
    c = 0.003 * k * (1 + noise * rng.normal(size=n))
    t = 0.4 * k * (1 + noise * rng.normal(size=n))
    a = 0.99 - 0.2 * np.exp(-k / 15) + noise * 0.001 * rng.normal(size=n)
    return np.stack([c, t, a], axis=1), k


def random_curve(rng, n, m):
    """A random ordered trade-off curve ``(q, t)``: the first objective improves as the others
    worsen, ``t`` strictly increasing."""
    t = np.cumsum(rng.uniform(0.2, 2.0, n))
    q = np.stack([np.cumsum(rng.uniform(0, 1, n)) for _ in range(m)], 1)
    q[:, 0] = -q[:, 0]
    return q, t


def exact_means(m, k, P):
    """E[cost], E[time], E[accuracy] of the paper model at one k, by quadrature (clipping is
    > 15 sigma away for the catalog models); at most min(P, k) calls run at once."""
    from scipy import integrate, stats

    cost = k * (m.c_in * m.mu_Lin + m.c_out * m.mu_Lout)
    time = (k / min(P, k)) * (m.t_in * m.mu_Lin + m.t_out * m.mu_Lout)

    def tail(x):
        return 1.0 - stats.norm.cdf((x - m.acc_mean) / m.acc_std) ** k

    acc = integrate.quad(tail, 0.0, 1.0, limit=200, epsabs=1e-13)[0]
    return cost, time, acc
