"""Aggregations of k samples: validation, closed forms, fitting a difficulty from counts, and
the unbiased pass@k estimator."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gammaln

from ._validation import positive_int
from .kernels.aggregation import BestOfK, Beta, MajorityVote, Mix, PassAtK, Verifier

__all__ = [
    "NAMES",
    "BestOfK",
    "Beta",
    "DifficultyFit",
    "MajorityVote",
    "Mix",
    "PassAtK",
    "PassAtKEstimate",
    "Verifier",
    "expected",
    "fit_difficulty",
    "make",
    "pass_at_k",
    "pass_at_k_unbiased",
    "per_problem",
    "validate_aggregation",
]

#: Aggregation names (as in scenario files) -> class.
NAMES: dict[str, type] = {"best-of-k": BestOfK, "pass@k": PassAtK, "majority": MajorityVote,
                          "verifier": Verifier}
_ALIASES = {"best_of_k": "best-of-k", "oracle": "best-of-k", "pass_at_k": "pass@k",
            "coverage": "pass@k", "majority_vote": "majority", "vote": "majority"}


def _concrete(x: Any) -> bool:
    return not any(isinstance(v, jax.core.Tracer) for v in jax.tree.leaves(x))


def _real(v: Any, where: str) -> np.ndarray:
    if isinstance(v, bool | np.bool_):
        raise TypeError(f"`{where}` must be a real number, got the bool {v!r}")
    try:
        arr = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"`{where}` must be a real number, got {v!r}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{where}` must be finite, got {v!r}")
    return arr


def as_difficulty(d: Any, label: str = "difficulty") -> Beta | Mix:
    """A validated :class:`Beta` or :class:`Mix` from one, or from ``{"a", "b"}`` /
    ``{"p", "weight"}`` mappings.

    Raises
    ------
    ValueError
        For ``a`` or ``b`` <= 0, rates outside ``[0, 1]``, negative weights, weights that sum
        to 0, or mismatched lengths; the message names the field.
    """
    if isinstance(d, Mapping):
        keys = set(d)
        if keys == {"a", "b"}:
            d = Beta(d["a"], d["b"])
        elif keys in ({"p", "weight"}, {"p"}):
            p = d["p"]
            d = Mix(p, d.get("weight", np.full(np.shape(p), 1.0)))
        else:
            raise ValueError(f"`{label}` must be {{a, b}} (a Beta difficulty) or {{p, weight}} "
                             f"(a mix of success rates), got keys {sorted(keys)}")
    if isinstance(d, Beta):
        if not _concrete(d):
            return d
        for f in ("a", "b"):
            x = _real(getattr(d, f), f"{label}.{f}")
            if x.shape != ():
                raise ValueError(f"`{label}.{f}` must be a scalar, got shape {x.shape}")
            if not x > 0:
                raise ValueError(f"`{label}.{f}` must be > 0 (a Beta parameter), got "
                                 f"{float(x)}")
        return Beta(float(d.a), float(d.b))
    if isinstance(d, Mix):
        if not _concrete(d):
            return d
        p = _real(d.p, f"{label}.p")
        w = _real(d.weight, f"{label}.weight")
        if p.ndim != 1 or p.size == 0:
            raise ValueError(f"`{label}.p` must be a non-empty 1-D list of rates, got shape "
                             f"{p.shape}")
        if w.shape != p.shape:
            raise ValueError(f"`{label}.weight` has shape {w.shape}, `{label}.p` {p.shape}")
        if ((p < 0) | (p > 1)).any():
            raise ValueError(f"`{label}.p` must lie in [0, 1], got {p.tolist()}")
        if (w < 0).any() or not w.sum() > 0:
            raise ValueError(f"`{label}.weight` must be >= 0 with a positive sum, got "
                             f"{w.tolist()}")
        return Mix(p, w / w.sum())
    raise TypeError(f"`{label}` must be frontier.aggregation.Beta(a, b) or Mix(p, weight), "
                    f"got {type(d).__name__}")


def make(name: str, *, difficulty: Any = None, phi: float | None = None) -> Any:
    """An aggregation by name: ``"best-of-k"``, ``"pass@k"``, ``"majority"``, ``"verifier"``.

    Parameters
    ----------
    name
        The aggregation (aliases: ``"oracle"``, ``"coverage"``, ``"pass_at_k"``, ``"vote"``,
        ``"majority_vote"``, ``"best_of_k"``).
    difficulty
        For pass@k, majority vote and the verifier: a :class:`Beta`, a :class:`Mix`, or a
        mapping ``{a, b}`` / ``{p, weight}``; None to read the correctness of a user model.
    phi
        The verifier's false-positive rate in ``[0, 1]``.

    Examples
    --------
    >>> from frontier import aggregation
    >>> aggregation.make("pass@k", difficulty={"a": 0.5, "b": 2.0})
    PassAtK(difficulty=Beta(a=0.5, b=2.0))
    """
    key = _ALIASES.get(name, name)
    if key not in NAMES:
        raise ValueError(f"unknown aggregation {name!r} (known: {', '.join(NAMES)})")
    if key == "best-of-k":
        if difficulty is not None or phi is not None:
            raise ValueError("best-of-k takes no `difficulty` or `phi`")
        return BestOfK()
    if phi is not None and key != "verifier":
        raise ValueError(f"`phi` is the verifier's false-positive rate; {key} takes none")
    d = None if difficulty is None else as_difficulty(difficulty, "difficulty")
    if key == "verifier":
        return validate_aggregation(Verifier(d, 0.0 if phi is None else phi))
    return NAMES[key](d)


def validate_aggregation(agg: Any, label: str = "aggregation") -> Any:
    """Check an aggregation's parameters (eagerly; tracers skipped) and return it.

    ``None`` and ``"best-of-k"`` are the paper's oracle best-of-k; a name builds the
    aggregation without parameters (see :func:`make`). Any object with ``needs``, ``draw``
    and ``accuracy`` (the protocol of :mod:`frontier.kernels.aggregation`) is accepted as a
    user-defined aggregation.

    Raises
    ------
    TypeError, ValueError
        For an unknown name or object, a bad difficulty (see :func:`as_difficulty`) or
        ``phi`` outside ``[0, 1]``; the message names the field.
    """
    if agg is None:
        return None
    if isinstance(agg, str):
        return validate_aggregation(make(agg), label)
    if isinstance(agg, BestOfK):
        return agg
    if isinstance(agg, PassAtK | MajorityVote | Verifier):
        d = agg.difficulty
        if d is not None:
            agg = agg._replace(difficulty=as_difficulty(d, f"{label}.difficulty"))
        if isinstance(agg, Verifier) and _concrete(agg.phi):
            phi = _real(agg.phi, f"{label}.phi")
            if phi.shape != () or not 0.0 <= float(phi) <= 1.0:
                raise ValueError(f"`{label}.phi` (the false-positive rate) must be a number in "
                                 f"[0, 1], got {agg.phi!r}")
            agg = agg._replace(phi=float(phi))
        return agg
    if all(hasattr(agg, a) for a in ("needs", "draw", "accuracy")):
        return agg
    raise TypeError(f"`{label}` must be None, a name ({', '.join(NAMES)}) or an aggregation "
                    f"of frontier.aggregation, got {type(agg).__name__}")


def _dtype(dtype: Any) -> Any:
    return jnp.dtype(jnp.result_type(float)) if dtype is None else jnp.dtype(dtype)


def _as_ks(ks: Any) -> tuple[int, ...]:
    if isinstance(ks, int | np.integer) and not isinstance(ks, bool):
        ks = (ks,)
    out = tuple(positive_int(k, f"ks[{i}]") for i, k in enumerate(ks))
    if not out:
        raise ValueError("`ks` is empty")
    return out


def expected(agg: Any, ks: int | Sequence[int], *, dtype: Any = None) -> jax.Array:
    """The closed-form expected accuracy of an aggregation for each ``k``: ``(K,)``.

    pass@k: ``1 - E[(1 - p)^k]`` (Beta: ``1 - B(a, b + k) / B(a, b)`` through ``gammaln``);
    majority vote: ``E[I_p(m, m)]``, ``m = ceil(k / 2)`` (Beta: the beta-binomial tail; Mix:
    :func:`jax.scipy.special.betainc`); verifier: ``E[p / (p + q) (1 - (1 - p - q)^k)]``,
    ``q = (1 - p) phi`` (Beta: ``sum_{n<k} (1 - phi)^n B(a + 1, b + n) / B(a, b)``). Each is
    differentiable in the parameters with ``jax.grad``.

    Raises
    ------
    ValueError
        For an aggregation without a difficulty (best-of-k, or one reading a user model's
        correctness), bad parameters or ``ks``.

    Examples
    --------
    >>> from frontier import aggregation as agg
    >>> easy_hard = agg.Mix([0.9, 0.35], [0.6, 0.4])  # 40% hard problems: p < 1/2
    >>> [round(float(x), 3) for x in agg.expected(agg.MajorityVote(easy_hard), [1, 3, 65])]
    [0.68, 0.696, 0.603]
    >>> [round(float(x), 3) for x in agg.expected(agg.PassAtK(agg.Beta(0.5, 2.0)), [1, 10])]
    [0.2, 0.612]
    """
    agg = validate_aggregation(agg)
    if agg is None or getattr(agg, "difficulty", None) is None:
        raise ValueError("`agg` needs a difficulty (pass@k, majority or verifier with Beta or "
                         "Mix) for a closed form")
    return agg.expected(_as_ks(ks), _dtype(dtype))


def per_problem(agg: Any, p: Any, ks: int | Sequence[int]) -> jax.Array:
    """Expected accuracy of one problem with success rate ``p`` for each ``k``:
    ``(K, *p.shape)``.

    Examples
    --------
    >>> from frontier import aggregation as agg
    >>> [round(float(x), 4) for x in agg.per_problem(agg.MajorityVote(), 0.4, [1, 3, 9])[:, 0]]
    [0.4, 0.352, 0.2666]
    """
    agg = validate_aggregation(agg)
    if not hasattr(agg, "conditional"):
        raise ValueError(f"{type(agg).__name__} has no per-problem closed form")
    arr = jnp.atleast_1d(jnp.asarray(p, jnp.result_type(float)))
    return agg.conditional(arr, _as_ks(ks))


# ----------------------------------------------------------------------------- counts


def _counts(n: Any, c: Any) -> tuple[np.ndarray, np.ndarray]:
    na = np.asarray(n)
    ca = np.asarray(c)
    for name, a in (("n", na), ("c", ca)):
        if a.ndim != 1 or a.size == 0:
            raise ValueError(f"`{name}` must be a non-empty 1-D array of counts per problem, "
                             f"got shape {a.shape}")
        if a.dtype == np.bool_ or not (np.issubdtype(a.dtype, np.integer)
                                       or np.issubdtype(a.dtype, np.floating)):
            raise TypeError(f"`{name}` must hold integer counts, got dtype {a.dtype}")
        if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
            bad = int(np.nonzero(~np.isfinite(a) | (a != np.round(a)))[0][0])
            raise ValueError(f"`{name}[{bad}]` must be a whole number, got {a[bad]}")
    if na.shape != ca.shape:
        raise ValueError(f"`n` has {na.size} problems and `c` {ca.size}")
    na, ca = na.astype(np.int64), ca.astype(np.int64)
    if (na < 1).any():
        i = int(np.argmax(na < 1))
        raise ValueError(f"`n[{i}]` (samples of problem {i}) must be >= 1, got {na[i]}")
    if (ca < 0).any():
        i = int(np.argmax(ca < 0))
        raise ValueError(f"`c[{i}]` (correct samples of problem {i}) must be >= 0, got {ca[i]}")
    if (ca > na).any():
        i = int(np.argmax(ca > na))
        raise ValueError(f"`c[{i}]` = {ca[i]} exceeds `n[{i}]` = {na[i]} (more correct than "
                         "drawn samples)")
    return na, ca


def pass_at_k_unbiased(n: Any, c: Any, ks: int | Sequence[int]) -> np.ndarray:
    """The unbiased pass@k estimate of each problem from ``n`` samples with ``c`` correct.

    ``1 - C(n - c, k) / C(n, k)`` in the stable product form ``1 - prod_{i=n-c+1}^{n}
    (1 - k / i)`` (Chen et al. 2021), which avoids the huge binomial coefficients; it is 1
    when ``n - c < k``.

    Parameters
    ----------
    n, c
        ``(P,)`` samples drawn and samples correct per problem (``0 <= c <= n``).
    ks
        The ``k`` to estimate, each ``<= min(n)``.

    Returns
    -------
    numpy.ndarray
        ``(P, K)`` float64.

    Raises
    ------
    ValueError
        For negative counts, ``c > n``, ``n < 1``, or a ``k`` larger than a problem's ``n``;
        the message names the argument and the problem.

    Examples
    --------
    >>> from frontier import aggregation
    >>> aggregation.pass_at_k_unbiased([10, 10], [0, 3], [1, 5]).round(4).tolist()
    [[0.0, 0.0], [0.3, 0.9167]]
    """
    na, ca = _counts(n, c)
    kk = _as_ks(ks)
    if max(kk) > na.min():
        i = int(np.argmin(na))
        raise ValueError(f"`ks`: k = {max(kk)} exceeds the {na[i]} samples of problem {i}; the "
                         "unbiased estimator needs k <= n")
    out = np.ones((na.size, len(kk)))
    for j, k in enumerate(kk):
        prod_rows = (na - ca >= k) & (ca > 0)
        out[ca == 0, j] = 0.0
        rows = np.nonzero(prod_rows)[0]
        if rows.size:
            lens = ca[rows]
            starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
            # i runs over n - c + 1 .. n within each row
            offs = np.arange(lens.sum()) - np.repeat(starts, lens)
            i = np.repeat(na[rows] - ca[rows] + 1, lens) + offs
            logs = np.log1p(-k / i.astype(float))
            out[rows, j] = -np.expm1(np.add.reduceat(logs, starts))
    return out


class DifficultyFit(NamedTuple):
    """Maximum-likelihood Beta difficulty from per-problem counts (beta-binomial).

    Attributes
    ----------
    a, b
        The estimates.
    a_se, b_se
        Standard errors from the observed information (the inverse Hessian of the negative
        log-likelihood in ``(a, b)`` at the estimate); NaN where it is not positive definite.
    cov
        ``(2, 2)`` covariance of ``(a, b)``.
    loglik
        The maximised log-likelihood.
    num_problems, iterations
        Problems fitted and Newton steps taken.
    converged
        Whether the gradient vanished inside the bounds; False when the estimate runs to a
        bound (e.g. every problem equally hard: ``a + b -> inf``, or a U-shaped mix at 0).
    """

    a: float
    b: float
    a_se: float
    b_se: float
    cov: np.ndarray
    loglik: float
    num_problems: int
    iterations: int
    converged: bool

    @property
    def difficulty(self) -> Beta:
        """The fitted :class:`Beta`."""
        return Beta(self.a, self.b)


_BOUND = 12.0  # |log a|, |log b| <= 12


def _nll(theta, n, c, logc):
    a, b = jnp.exp(theta[0]), jnp.exp(theta[1])
    ll = logc + gammaln(c + a) + gammaln(n - c + b) - gammaln(n + a + b) + gammaln(a + b) \
        - gammaln(a) - gammaln(b)
    return -jnp.mean(ll)


@partial(jax.jit, static_argnames=("max_steps",))
def _newton(theta0, n, c, logc, *, max_steps):
    """Damped, bounded Newton on ``(log a, log b)`` with backtracking; gradient steps where
    the Hessian is not positive definite."""
    f = partial(_nll, n=n, c=c, logc=logc)
    grad, hess = jax.grad(f), jax.hessian(f)
    dt = theta0.dtype
    tol = jnp.asarray(1e-9 if dt == jnp.float64 else 1e-5, dt)

    def cond(s):
        _, _, it, done = s
        return (it < max_steps) & ~done

    def body(s):
        th, fx, it, _ = s
        g, h = grad(th), hess(th)
        det = h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0]
        pd = (h[0, 0] > 0) & (det > 0)
        inv = jnp.stack([jnp.stack([h[1, 1], -h[0, 1]]), jnp.stack([-h[1, 0], h[0, 0]])])
        newton = -(inv @ g) / jnp.where(pd, det, 1.0)
        d = jnp.where(pd, newton, -g / jnp.maximum(jnp.max(jnp.abs(g)), 1e-30))
        d = d / jnp.maximum(jnp.max(jnp.abs(d)), 1.0)  # at most 1 in log space per step

        def try_step(t):
            return jnp.clip(th + t * d, -_BOUND, _BOUND)

        def bt_cond(b):
            t, j = b
            return (f(try_step(t)) > fx) & (j < 40)

        t, _ = jax.lax.while_loop(bt_cond, lambda b: (b[0] * 0.5, b[1] + 1),
                                  (jnp.asarray(1.0, dt), 0))
        new = try_step(t)
        fn = f(new)
        small = jnp.max(jnp.abs(new - th)) < tol
        gsmall = jnp.max(jnp.abs(grad(new))) < tol
        return new, jnp.minimum(fn, fx), it + 1, small | gsmall

    th, fx, it, _ = jax.lax.while_loop(cond, body, (theta0, f(theta0), 0, jnp.asarray(False)))
    return th, fx, it, grad(th)


def fit_difficulty(n: Any, c: Any, *, max_steps: int = 500) -> DifficultyFit:
    """Fit ``p ~ Beta(a, b)`` to per-problem counts by maximum likelihood (beta-binomial).

    Problem ``i`` had ``c[i]`` of ``n[i]`` samples correct; marginally ``c_i ~
    BetaBinomial(n_i, a, b)``, with log-likelihood ``log C(n, c) + log B(c + a, n - c + b) -
    log B(a, b)`` (through ``gammaln``). It is maximised over ``(log a, log b)`` by a damped
    Newton method (steps of at most 1 in log space, backtracking, gradient steps where the
    Hessian is not positive definite), started from the method of moments and bounded to
    ``|log a|, |log b| <= 12``. Runs in the default float dtype (float64 with x64).

    Parameters
    ----------
    n, c
        ``(P,)`` samples drawn and correct per problem.
    max_steps
        Newton steps at most.

    Returns
    -------
    DifficultyFit
        Estimates, standard errors from the observed information, log-likelihood, whether
        it converged.

    Raises
    ------
    ValueError
        For negative counts, ``c > n``, ``n < 1`` or mismatched lengths (naming the problem).

    Examples
    --------
    >>> import numpy as np, frontier
    >>> rng = np.random.default_rng(0)
    >>> p = rng.beta(0.6, 1.8, size=4000)
    >>> n = np.full(4000, 20)
    >>> c = rng.binomial(n, p)
    >>> fit = frontier.aggregation.fit_difficulty(n, c)
    >>> bool(fit.converged), round(fit.a, 2), round(fit.b, 2)
    (True, 0.62, 1.86)
    >>> round(fit.a_se, 3), round(fit.b_se, 3)
    (0.016, 0.055)
    """
    na, ca = _counts(n, c)
    max_steps = positive_int(max_steps, "max_steps")
    dt = jnp.result_type(float)
    r = ca / na
    m = float(np.clip(r.mean(), 0.01, 0.99))
    v_between = r.var() - np.mean(m * (1 - m) / na)
    s = m * (1 - m) / v_between - 1.0 if v_between > 0 else 100.0
    s = float(np.clip(s, 0.1, 1e4))
    theta0 = jnp.asarray([math.log(m * s), math.log((1 - m) * s)], dt)
    nj, cj = jnp.asarray(na, dt), jnp.asarray(ca, dt)
    logc = gammaln(nj + 1) - gammaln(cj + 1) - gammaln(nj - cj + 1)
    th, fx, it, g = _newton(theta0, nj, cj, logc, max_steps=max_steps)
    th = np.asarray(th, np.float64)
    at_bound = bool(np.any(np.abs(th) >= _BOUND - 1e-6))
    tol = 1e-6 if dt == jnp.float64 else 1e-3
    converged = (not at_bound) and bool(np.max(np.abs(np.asarray(g))) < tol)
    a, b = float(np.exp(th[0])), float(np.exp(th[1]))

    def total_nll(ab):
        return _nll(jnp.log(ab), nj, cj, logc) * na.size

    info = np.asarray(jax.hessian(total_nll)(jnp.asarray([a, b], dt)), np.float64)
    try:
        ok = np.all(np.linalg.eigvalsh(info) > 0)
        cov = np.linalg.inv(info) if ok else np.full((2, 2), np.nan)
    except np.linalg.LinAlgError:
        cov = np.full((2, 2), np.nan)
    se = np.sqrt(np.diag(cov))
    return DifficultyFit(a, b, float(se[0]), float(se[1]), cov,
                         float(-np.asarray(fx, np.float64) * na.size), int(na.size), int(it),
                         converged)


class PassAtKEstimate(NamedTuple):
    """pass@k from per-problem counts: the unbiased estimate beside the fitted Beta's.

    Attributes
    ----------
    ks
        The ``k``.
    unbiased, unbiased_se
        ``(K,)``: the mean over problems of ``1 - C(n - c, k) / C(n, k)`` and its standard
        error over problems (``std / sqrt(P)``, ddof 1).
    fitted, fitted_se
        ``(K,)``: ``1 - B(a, b + k) / B(a, b)`` at the maximum-likelihood ``(a, b)`` and its
        delta-method standard error from the fit's covariance. Unlike the unbiased estimate,
        it extrapolates to ``k > n``.
    fit
        The :class:`DifficultyFit`.
    """

    ks: tuple[int, ...]
    unbiased: np.ndarray
    unbiased_se: np.ndarray
    fitted: np.ndarray
    fitted_se: np.ndarray
    fit: DifficultyFit


def pass_at_k(n: Any, c: Any, ks: int | Sequence[int]) -> PassAtKEstimate:
    """pass@k of a model on a problem set, from ``n`` samples per problem with ``c`` correct.

    Reports the unbiased estimator (:func:`pass_at_k_unbiased`, for ``k <= min(n)``; NaN
    beyond) beside the closed form under the maximum-likelihood Beta difficulty
    (:func:`fit_difficulty`), which extrapolates to any ``k``.

    Examples
    --------
    >>> import numpy as np, frontier
    >>> rng = np.random.default_rng(1)
    >>> n = np.full(2000, 16)
    >>> c = rng.binomial(n, rng.beta(0.5, 2.0, size=2000))
    >>> est = frontier.aggregation.pass_at_k(n, c, [1, 8, 64])
    >>> np.round(est.unbiased, 2).tolist(), np.round(est.fitted, 2).tolist()
    ([0.2, 0.58, nan], [0.2, 0.58, 0.85])
    """
    na, ca = _counts(n, c)
    kk = _as_ks(ks)
    inside = [k for k in kk if k <= na.min()]
    unb = np.full(len(kk), np.nan)
    unb_se = np.full(len(kk), np.nan)
    if inside:
        per = pass_at_k_unbiased(na, ca, inside)
        idx = [kk.index(k) for k in inside]
        unb[idx] = per.mean(0)
        unb_se[idx] = per.std(0, ddof=1) / math.sqrt(na.size) if na.size > 1 else np.nan
    fit = fit_difficulty(na, ca)
    dt = jnp.result_type(float)

    def closed(ab):
        return PassAtK(Beta(ab[0], ab[1])).expected(kk, dt)

    ab = jnp.asarray([fit.a, fit.b], dt)
    val = np.asarray(closed(ab), np.float64)
    jac = np.asarray(jax.jacfwd(closed)(ab), np.float64)  # (K, 2)
    se = np.sqrt(np.einsum("ki,ij,kj->k", jac, fit.cov, jac))
    return PassAtKEstimate(kk, unb, unb_se, val, se, fit)
