"""The serving model: a batch-size knob, its throughput-latency curve, $ per million tokens,
and its calibration from a measured sweep."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .kernels import sampling as _k

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Serving", "ServingFit", "calibrate_serving", "validate_serving"]

PARAMS: tuple[str, ...] = ("t0", "slope", "efficiency")


class Serving(NamedTuple):
    """A self-hosted deployment: the batch size (concurrency) knob and its cost and speed.

    The throughput-latency model of one replica (``num_gpus`` GPUs) decoding ``b``
    sequences at once:

    - ``TPOT(b) = t0 + slope * b`` seconds per output token: a memory-bandwidth floor
      ``t0`` (reading the weights once per step, whatever ``b``) plus a compute-bound
      slope (each sequence adds its attention and matmul work to the step);
    - decode rate ``efficiency * b / TPOT(b)`` output tokens/s, and tokens/s per GPU that
      divided by ``num_gpus`` (``efficiency``, 1 by default, is the measured fraction of the
      full-batch rate that a sweep achieves: prefill and ramp-up leave the batch part-full);
    - ``$ per 1M output tokens = gpu_hour * num_gpus / (3600 * rate) * 1e6``.

    In a simulation, each inference then takes ``time = Lin / prefill_rate + Lout *
    TPOT(b)`` (``t_in`` of the paper model when ``prefill_rate`` is None) and costs the
    replica's time it occupies: ``gpu_hour * num_gpus / 3600 * (Lin * t_in + Lout /
    rate)`` (prefill holds the replica, decode shares it among the batch). These replace the
    model's own prices and latencies; the objectives ``tok_s_gpu`` and ``usd_per_mtok`` are
    added. With ``cov`` (as :meth:`ServingFit.serving` gives), every trial draws its own
    ``(t0, slope, efficiency)`` from the fitted normal, so the statistics are over the
    predictive distribution: parameter uncertainty included.

    Parameters
    ----------
    t0, slope
        Seconds per output token at batch 0, and added per sequence of the batch (>= 0).
    gpu_hour
        Price of one GPU-hour, $ (>= 0).
    batch
        Batch size (max concurrency), a number >= 1 or a sequence of them: a knob; each
        value is simulated (a ``batch`` axis after the models axis, or ``model@b<value>``
        rows in :func:`frontier.optimize`).
    num_gpus
        GPUs of one replica (> 0).
    efficiency
        Fraction of the full-batch decode rate achieved, in ``(0, inf)``; default 1.
    prefill_rate
        Input tokens per second of prefill (> 0); None: the model's ``1 / t_in``.
    cov
        ``(3, 3)`` covariance of ``(t0, slope, efficiency)`` or None.

    Examples
    --------
    >>> import frontier
    >>> srv = frontier.Serving(t0=0.008, slope=0.0002, gpu_hour=2.5, batch=[8, 64])
    >>> s = frontier.summarize(frontier.catalog()["gpt5-nano"], [1, 4], key=0,
    ...                        num_trials=1000, serving=srv)
    >>> s.extra["tok_s_gpu"].mean.round(0).tolist()   # (batch, k)
    [[833.0, 833.0], [3077.0, 3077.0]]
    """

    t0: Any
    slope: Any
    gpu_hour: Any
    batch: Any = 1
    num_gpus: Any = 1.0
    efficiency: Any = 1.0
    prefill_rate: Any = None
    cov: Any = None

    def tpot(self, batch: Any) -> Any:
        """``TPOT(b) = t0 + slope * b`` in seconds."""
        return self.t0 + self.slope * np.asarray(batch, float)


def _num(v: Any, where: str, *, positive: bool = False, allow_none: bool = False) -> Any:
    if v is None and allow_none:
        return None
    if isinstance(v, jax.core.Tracer):
        return v
    if isinstance(v, bool) or not (isinstance(v, int | float | np.integer | np.floating)
                                   or getattr(v, "shape", None) == ()):
        raise TypeError(f"`{where}` must be a number, got {v!r}")
    x = float(v)
    if not math.isfinite(x):
        raise ValueError(f"`{where}` must be finite, got {x}")
    if positive and not x > 0:
        raise ValueError(f"`{where}` must be > 0, got {x}")
    if x < 0:
        raise ValueError(f"`{where}` must be >= 0, got {x}")
    return v


def validate_serving(srv: Any, label: str = "serving") -> tuple[Serving, tuple[float, ...],
                                                                  bool] | None:
    """Check a :class:`Serving`; returns ``(serving, batches, batch_axis)`` or None.

    Raises
    ------
    TypeError, ValueError
        For negative or non-finite parameters, a batch below 1, or a covariance that is not
        a symmetric positive semi-definite ``(3, 3)`` matrix; the message names the field.
    """
    if srv is None:
        return None
    if not isinstance(srv, Serving):
        raise TypeError(f"`{label}` must be None or a frontier.Serving, got "
                        f"{type(srv).__name__}")
    for f in ("t0", "slope", "gpu_hour"):
        _num(getattr(srv, f), f"{label}.{f}")
    _num(srv.num_gpus, f"{label}.num_gpus", positive=True)
    _num(srv.efficiency, f"{label}.efficiency", positive=True)
    _num(srv.prefill_rate, f"{label}.prefill_rate", positive=True, allow_none=True)
    if isinstance(srv.batch, jax.core.Tracer):
        raise TypeError(f"`{label}.batch` is a knob: it must be concrete (not traced)")
    b = np.asarray(srv.batch, dtype=float) if not isinstance(srv.batch, bool) else None
    if b is None or b.ndim > 1 or b.size == 0:
        raise ValueError(f"`{label}.batch` must be a number >= 1 or a 1-D list of them, got "
                         f"{srv.batch!r}")
    if not np.all(np.isfinite(b)) or (b < 1).any():
        raise ValueError(f"`{label}.batch` values must be finite and >= 1, got {b.tolist()}")
    if b.ndim == 1 and len(set(b.tolist())) != b.size:
        raise ValueError(f"`{label}.batch` has duplicates: {b.tolist()}")
    if not (isinstance(srv.t0, jax.core.Tracer) or isinstance(srv.slope, jax.core.Tracer)):
        if not float(srv.t0) + float(srv.slope) > 0:
            raise ValueError(f"`{label}`: t0 + slope must be > 0 (TPOT(1) is the time of one "
                             "decode step)")
    if srv.cov is not None and not isinstance(srv.cov, jax.core.Tracer):
        c = np.asarray(srv.cov, dtype=float)
        if c.shape != (3, 3) or not np.all(np.isfinite(c)) or not np.allclose(c, c.T):
            raise ValueError(f"`{label}.cov` must be a finite symmetric (3, 3) covariance of "
                             f"(t0, slope, efficiency), got shape {c.shape}")
        if np.linalg.eigvalsh(c).min() < -1e-12 * max(1.0, np.abs(c).max()):
            raise ValueError(f"`{label}.cov` is not positive semi-definite")
    return srv, tuple(float(x) for x in np.atleast_1d(b)), b.ndim == 1


def _chol(cov: np.ndarray) -> np.ndarray:
    """Cholesky factor of a PSD matrix (a zero row/column for a parameter held fixed)."""
    c = np.asarray(cov, float)
    d = np.sqrt(np.clip(np.diag(c), 0, None))
    keep = d > 0
    out = np.zeros_like(c)
    if keep.any():
        sub = c[np.ix_(keep, keep)] + 1e-15 * np.eye(int(keep.sum())) * d[keep].max() ** 2
        out[np.ix_(keep, keep)] = np.linalg.cholesky(sub)
    return out


def serving_params(srv: Serving, batches: Sequence[float], n_models: int,
                   dtype: Any) -> _k.ServingParams:
    """Kernel parameters of the ``n_models * len(batches)`` variants (model-major)."""
    nb = len(batches)
    M = n_models * nb

    def rep(v):
        return None if v is None else jnp.broadcast_to(jnp.asarray(v, dtype), (M,))

    batch = jnp.asarray(np.tile(np.asarray(batches, float), n_models), dtype)
    chol = None
    if srv.cov is not None:
        ch = (_chol(np.asarray(srv.cov)) if not isinstance(srv.cov, jax.core.Tracer)
              else jnp.linalg.cholesky(srv.cov))
        chol = jnp.broadcast_to(jnp.asarray(ch, dtype), (M, 3, 3))
    return _k.ServingParams(rep(srv.t0), rep(srv.slope), rep(srv.efficiency), batch,
                            rep(srv.gpu_hour), rep(srv.num_gpus), rep(srv.prefill_rate), chol)


# ----------------------------------------------------------------------------- calibration

_CONCURRENCY = ("max_concurrency", "concurrency", "batch_size", "batch", "bs")
_TPOT = ("mean_tpot_ms", "tpot_ms", "median_tpot_ms", "p50_tpot_ms", "tpot")
_THROUGHPUT = ("output_throughput", "output_token_throughput", "throughput", "tokens/s")


class ServingFit(NamedTuple):
    """A serving curve fitted to a measured sweep (:func:`calibrate_serving`).

    Attributes
    ----------
    t0, slope, efficiency
        Estimates: TPOT floor (s), TPOT slope (s per sequence), achieved fraction of the
        full-batch decode rate.
    cov
        ``(3, 3)`` covariance of ``(t0, slope, efficiency)``.
    se
        ``(3,)`` standard errors.
    residual_ms
        Root mean square of the TPOT residuals, ms.
    num_rows, num_gpus, weights
        Rows used, GPUs of the replica, the TPOT fit's weights (``"inverse_variance"``,
        ``"relative"`` or ``"equal"``).
    concurrency, tpot_ms, throughput
        The data used (``throughput`` None without a throughput column).

    Examples
    --------
    >>> import pandas as pd, frontier
    >>> df = pd.DataFrame({"max_concurrency": [1, 8, 32, 64],
    ...                    "mean_tpot_ms": [7.0, 8.2, 11.8, 16.6]})
    >>> fit = frontier.calibrate_serving(df)
    >>> fit.num_rows, fit.throughput is None, fit.cov.shape
    (4, True, (3, 3))
    >>> srv = fit.serving(gpu_hour=2.0, batch=[16, 128])
    >>> srv.batch, srv.gpu_hour
    ([16, 128], 2.0)
    """

    t0: float
    slope: float
    efficiency: float
    cov: np.ndarray
    se: np.ndarray
    residual_ms: float
    num_rows: int
    num_gpus: float
    weights: str
    concurrency: np.ndarray
    tpot_ms: np.ndarray
    throughput: np.ndarray | None

    def serving(self, *, gpu_hour: float, batch: Any = None, uncertainty: bool = True,
                prefill_rate: float | None = None) -> Serving:
        """A :class:`Serving` with the fitted curve, to simulate any batch, price, k or SLO.

        ``batch`` defaults to the measured concurrencies; ``uncertainty=True`` carries the
        covariance, so every simulated trial draws its own curve from the fitted normal.
        """
        b = self.concurrency.tolist() if batch is None else batch
        return Serving(self.t0, self.slope, gpu_hour, b, self.num_gpus, self.efficiency,
                       prefill_rate, self.cov if uncertainty else None)

    def predict(self, batch: Any, *, gpu_hour: float | None = None,
                level: float = 0.95) -> pd.DataFrame:
        """Predicted TPOT, tokens/s per GPU and $ per 1M tokens at any batch, with intervals.

        The intervals are ``level`` normal intervals from the parameter covariance (exact
        for TPOT, which is linear in the parameters; delta method for the others). They
        describe the curve, not the scatter of single runs.

        Returns
        -------
        pandas.DataFrame
            ``batch``, ``tpot_ms`` (+ ``_lo``, ``_hi``), ``tok_s_gpu`` (+ ``_lo``, ``_hi``)
            and, with ``gpu_hour``, ``usd_per_mtok`` (+ ``_lo``, ``_hi``).
        """
        import pandas as pd

        if not 0 < level < 1:
            raise ValueError(f"`level` must lie in (0, 1), got {level!r}")
        from statistics import NormalDist

        z = NormalDist().inv_cdf(0.5 + level / 2)
        b = np.atleast_1d(np.asarray(batch, float))
        if (b < 1).any() or not np.all(np.isfinite(b)):
            raise ValueError(f"`batch` values must be finite and >= 1, got {b.tolist()}")
        th = np.asarray([self.t0, self.slope, self.efficiency])
        cols: dict[str, Any] = {"batch": b}

        def add(name, f, grad):
            v = f(th)
            g = grad(th)  # (n, 3)
            se = np.sqrt(np.einsum("ni,ij,nj->n", g, self.cov, g))
            cols[name], cols[f"{name}_lo"], cols[f"{name}_hi"] = v, v - z * se, v + z * se

        ones = np.ones_like(b)
        add("tpot_ms", lambda t: 1e3 * (t[0] + t[1] * b),
            lambda t: 1e3 * np.stack([ones, b, 0 * b], -1))

        def rate(t):
            return t[2] * b / (t[0] + t[1] * b)

        def drate(t):
            tp = t[0] + t[1] * b
            return np.stack([-t[2] * b / tp**2, -t[2] * b * b / tp**2, b / tp], -1)

        add("tok_s_gpu", lambda t: rate(t) / self.num_gpus,
            lambda t: drate(t) / self.num_gpus)
        if gpu_hour is not None:
            usd = gpu_hour * self.num_gpus / 3600.0 * 1e6
            add("usd_per_mtok", lambda t: usd / rate(t),
                lambda t: -usd / rate(t)[:, None] ** 2 * drate(t))
        return pd.DataFrame(cols)


def _column(df, given, names, what, required=True):
    if given is not None:
        if given not in df.columns:
            raise ValueError(f"`{what}`: no column {given!r} in the table (columns: "
                             f"{list(df.columns)})")
        return given
    for n in names:
        if n in df.columns:
            return n
    if required:
        raise ValueError(f"the calibration table needs a {what} column (one of "
                         f"{', '.join(names)}, or pass {what}=...); it has {list(df.columns)}")
    return None


def calibrate_serving(
    data: Any,
    *,
    concurrency: str | None = None,
    tpot: str | None = None,
    throughput: str | None = None,
    num_gpus: float | None = None,
    weights: str = "auto",
) -> ServingFit:
    """Fit the serving curve ``TPOT(b) = t0 + slope * b`` to a measured sweep by least squares.

    Parameters
    ----------
    data
        A :class:`frontier.Sweep` (its ``table``) or any pandas DataFrame with one row per
        run: a concurrency column (``max_concurrency``, ``concurrency``, ...), a mean TPOT in
        milliseconds (``mean_tpot_ms``, ``tpot_ms``, ...) and, optionally, the output
        throughput in tokens/s of the replica (``output_throughput``, ...) and
        ``num_gpus``.
    concurrency, tpot, throughput
        Column names, if not the canonical ones.
    num_gpus
        GPUs of the replica; default the table's ``num_gpus`` column (one value), else 1.
    weights
        The TPOT fit's weights. ``"inverse_variance"``: ``completed / std_tpot_ms^2`` per run
        (the inverse variance of its mean TPOT; needs both columns). ``"relative"``:
        ``1 / TPOT(b)^2`` at the fitted curve (iterated three times from equal weights), for
        noise proportional to the TPOT, as timings usually have. ``"equal"``: ordinary least
        squares. ``"auto"`` (default): inverse variance when the columns are there, else
        relative.

    Returns
    -------
    ServingFit
        ``t0`` and ``slope`` by weighted linear least squares, with covariance
        ``s^2 (X'WX)^-1`` (``s^2`` the weighted residual variance with ``n - 2`` degrees of
        freedom); ``efficiency`` the mean over runs of the measured throughput divided by
        the fitted full-batch rate ``b / TPOT(b)`` (least squares with relative errors),
        with variance ``var / n`` of the ratios plus the curve's contribution through the
        fitted TPOT (delta method; 1 and 0 without a throughput column).

    Raises
    ------
    ValueError
        Without a concurrency or TPOT column, with fewer usable rows (finite, concurrency
        >= 1, TPOT > 0) than parameters plus one (3), or with several ``num_gpus``.

    Examples
    --------
    >>> import pandas as pd, frontier
    >>> df = pd.DataFrame({"max_concurrency": [1, 8, 32, 64, 128],
    ...                    "mean_tpot_ms": [7.1, 8.2, 11.9, 16.8, 26.5],
    ...                    "output_throughput": [130.0, 900.0, 2500.0, 3500.0, 4500.0]})
    >>> fit = frontier.calibrate_serving(df)
    >>> round(fit.t0 * 1e3, 2), round(fit.slope * 1e3, 3), round(fit.efficiency, 2)
    (6.96, 0.153, 0.93)
    >>> fit.predict([256], gpu_hour=2.0)[["tpot_ms", "usd_per_mtok"]].round(2).values.tolist()
    [[46.19, 0.11]]
    """
    import pandas as pd

    df = getattr(data, "table", data)
    if not isinstance(df, pd.DataFrame):
        raise TypeError("`data` must be a frontier.Sweep or a pandas DataFrame, got "
                        f"{type(data).__name__}")
    cc = _column(df, concurrency, _CONCURRENCY, "concurrency")
    tc = _column(df, tpot, _TPOT, "tpot")
    hc = _column(df, throughput, _THROUGHPUT, "throughput", required=False)
    c = pd.to_numeric(df[cc], errors="coerce").to_numpy(float)
    t = pd.to_numeric(df[tc], errors="coerce").to_numpy(float) / 1e3
    h = None if hc is None else pd.to_numeric(df[hc], errors="coerce").to_numpy(float)
    ok = np.isfinite(c) & np.isfinite(t) & (c >= 1) & (t > 0)
    if h is not None:
        ok &= np.isfinite(h) & (h > 0)
    if weights not in ("auto", "inverse_variance", "relative", "equal"):
        raise ValueError("`weights` must be 'auto', 'inverse_variance', 'relative' or 'equal', "
                         f"got {weights!r}")
    w = np.ones_like(c)
    mode = "relative" if weights == "auto" else weights
    if weights in ("auto", "inverse_variance"):
        have = {"std_tpot_ms", "completed"} <= set(df.columns)
        if have:
            sd = pd.to_numeric(df["std_tpot_ms"], errors="coerce").to_numpy(float) / 1e3
            n = pd.to_numeric(df["completed"], errors="coerce").to_numpy(float)
            se2 = sd**2 / n
            have = bool(np.all(np.isfinite(se2[ok]) & (se2[ok] > 0)))
        if have:
            w, mode = 1.0 / np.where(ok, se2, 1.0), "inverse_variance"
        elif weights == "inverse_variance":
            raise ValueError("`weights='inverse_variance'` needs positive `std_tpot_ms` and "
                             "`completed` columns")
    rows = int(ok.sum())
    if rows < 3:
        raise ValueError(f"the calibration table has {rows} usable rows (finite, {cc} >= 1, "
                         f"{tc} > 0{', ' + hc + ' > 0' if hc else ''}) of {len(df)}; the fit "
                         "of t0 and slope needs at least 3 (2 parameters + 1 for the "
                         "uncertainty)")
    if num_gpus is None:
        if "num_gpus" in df.columns:
            g = pd.to_numeric(df["num_gpus"], errors="coerce").to_numpy(float)[ok]
            vals = np.unique(g[np.isfinite(g)])
            if vals.size > 1:
                raise ValueError(f"the table mixes num_gpus {vals.tolist()}; calibrate one "
                                 "deployment at a time (filter the rows) or pass num_gpus")
            num_gpus = float(vals[0]) if vals.size else 1.0
        else:
            num_gpus = 1.0
    num_gpus = float(_num(num_gpus, "num_gpus", positive=True))
    c, t, w = c[ok], t[ok], w[ok]
    X = np.stack([np.ones_like(c), c], -1)
    if np.ptp(c) == 0:
        raise ValueError(f"all usable rows have the same {cc} ({c[0]:g}); the slope needs at "
                         "least two concurrencies")

    def wls(w):
        A = X.T @ (w[:, None] * X)
        return A, np.linalg.solve(A, X.T @ (w * t))

    A, beta = wls(w)
    if mode == "relative":
        for _ in range(3):
            fitted = X @ beta
            if not np.all(fitted > 0):
                break
            A, beta = wls(1.0 / fitted**2)
            w = 1.0 / fitted**2
    r = t - X @ beta
    s2 = float(np.sum(w * r * r) / (rows - 2))
    cov = np.zeros((3, 3))
    cov[:2, :2] = s2 * np.linalg.inv(A)
    eff = 1.0
    if h is not None:
        hh = h[ok]
        ratio = hh * (X @ beta) / c  # measured / fitted full-batch rate
        eff = float(ratio.mean())
        g = np.array([np.mean(hh / c), np.mean(hh)])  # d eff / d (t0, slope)
        cov[2, :2] = cov[:2, 2] = g @ cov[:2, :2]
        cov[2, 2] = float(ratio.var(ddof=1) / rows + g @ cov[:2, :2] @ g)
    return ServingFit(float(beta[0]), float(beta[1]), eff, cov, np.sqrt(np.diag(cov)),
                      float(1e3 * np.sqrt(np.mean(r * r))), rows, num_gpus, mode, c, t * 1e3,
                      None if h is None else h[ok])
