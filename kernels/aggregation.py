"""Aggregations of k samples: how per-inference draws become one answer's accuracy.

An aggregation is a ``NamedTuple`` of float parameters (a JAX pytree: ``jit``, ``vmap`` and
``grad`` see its fields as leaves; its class is static structure) with four methods, the one
extension point of the simulator:

``draw(trial_keys, kmax, dtype)``
    Its own randomness per trial (a problem's success rate ``p ~ difficulty`` and uniforms),
    one 1-D stream per quantity, so the first ``k`` values do not depend on ``kmax`` and a
    trial's outcome does not depend on which other trials are drawn.
``accuracy(record, draws, ks)``
    Every ``k`` at once from one set of ``kmax`` draws (common random numbers across k):
    ``(T, kmax)`` per-inference record -> ``(K, T)`` per-trial accuracy.
``expected(ks, dtype)``
    The closed-form expectation ``(K,)``: the test oracle, and the exact, differentiable
    accuracy the sensitivity analysis uses (a Rao-Blackwellised estimate: the Monte Carlo
    average of the conditional expectation, taken in closed form).
``needs``
    What it reads from the per-inference record: ``"score"`` (a float score per sample) or
    ``"correct"`` (a 0/1 correctness per sample; generated from ``difficulty`` when there is
    one, else read from a user model's ``correct`` output).

Difficulties: :class:`Beta` (a problem's success rate ``p ~ Beta(a, b)``) and :class:`Mix`
(a finite mix of success rates ``p_j`` with weights ``w_j``). A sample of a problem is
correct when its uniform is below ``p``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax import lax
from jax.scipy.special import betainc, gammaln, xlogy

__all__ = [
    "BestOfK",
    "Beta",
    "MajorityVote",
    "Mix",
    "PassAtK",
    "Verifier",
    "draw_difficulty",
    "first_index",
]

#: ``fold_in`` tag of an aggregation's own streams inside a trial's key ("AGGR").
TAG = 0x41474752


class Beta(NamedTuple):
    """A problem's success rate ``p ~ Beta(a, b)`` (``a, b > 0``)."""

    a: Any
    b: Any


class Mix(NamedTuple):
    """A finite mix of problems: success rate ``p[j]`` with probability ``weight[j]``."""

    p: Any
    weight: Any


def _lbeta(a, b):
    return gammaln(a) + gammaln(b) - gammaln(a + b)


def draw_difficulty(diff: Beta | Mix, keys: jax.Array, dtype) -> jax.Array:
    """One success rate per trial key: ``(T,)``."""
    if isinstance(diff, Beta):
        a = jnp.asarray(diff.a, dtype)
        b = jnp.asarray(diff.b, dtype)
        return jax.vmap(lambda k: jax.random.beta(k, a, b, dtype=dtype))(keys)
    p = jnp.asarray(diff.p, dtype)
    cw = jnp.cumsum(jnp.asarray(diff.weight, dtype))
    u = jax.vmap(lambda k: jax.random.uniform(k, (), dtype))(keys) * cw[-1]
    j = jnp.minimum(jnp.searchsorted(cw, u, side="right"), p.shape[0] - 1)
    return p[j]


def first_index(mask: jax.Array) -> jax.Array:
    """Index of the first True along the last axis (``n`` when there is none): ``(T,)``."""
    n = mask.shape[-1]
    idx = lax.broadcasted_iota(jnp.int32, mask.shape, mask.ndim - 1)
    return jnp.min(jnp.where(mask, idx, jnp.int32(n)), axis=-1)


def _ks(ks: tuple[int, ...], dtype) -> jax.Array:
    return jnp.asarray(ks, dtype)


def _correct_stream(self, record, draws, kmax):
    """0/1 correctness ``(T, kmax)`` bool: from the difficulty's draws, or the record."""
    if self.difficulty is None:
        return record["correct"] > 0.5 if record["correct"].dtype != jnp.bool_ else (
            record["correct"])
    return draws["u"][:, :kmax] < draws["p"][:, None]


def _draw_correct(self, keys, kmax, dtype, extra=0):
    """Per trial: ``p`` from the difficulty and ``1 + extra`` uniform streams of ``kmax``."""
    if self.difficulty is None:
        if extra == 0:
            return {}
        sub = jax.vmap(lambda k: jax.random.fold_in(k, TAG))(keys)
        return {"v": jax.vmap(lambda k: jax.random.uniform(k, (kmax,), dtype))(sub)}
    sub = jax.vmap(lambda k: jax.random.split(jax.random.fold_in(k, TAG), 2 + extra))(keys)
    out = {"p": draw_difficulty(self.difficulty, sub[:, 0], dtype),
           "u": jax.vmap(lambda k: jax.random.uniform(k, (kmax,), dtype))(sub[:, 1])}
    if extra:
        out["v"] = jax.vmap(lambda k: jax.random.uniform(k, (kmax,), dtype))(sub[:, 2])
    return out


class BestOfK(NamedTuple):
    """Oracle best-of-k (the paper's): the accuracy of a trial is the largest score of its
    first ``k`` samples (prefix maxima). No parameters."""

    needs = "score"

    def draw(self, keys, kmax, dtype):
        return {}

    def accuracy(self, record, draws, ks):
        from .sampling import prefix_reduce

        return prefix_reduce(record["score"], ks, "max")

    def expected(self, ks, dtype):  # pragma: no cover - depends on the model's scores
        raise ValueError("best-of-k has no model-free closed form; its expectation is "
                         "integral_0^1 (1 - F(x)^k) dx for the score's distribution F")


class PassAtK(NamedTuple):
    """pass@k (coverage): a trial is a problem with success rate ``p ~ difficulty``; it is
    solved when any of its first ``k`` samples is correct. ``E = 1 - E[(1 - p)^k]``; for
    ``Beta(a, b)``, ``1 - B(a, b + k) / B(a, b)``."""

    difficulty: Any = None
    needs = "correct"

    def draw(self, keys, kmax, dtype):
        return _draw_correct(self, keys, kmax, dtype)

    def accuracy(self, record, draws, ks):
        correct = _correct_stream(self, record, draws, ks[-1])
        first = first_index(correct)  # (T,)
        k = jnp.asarray(ks, jnp.int32)
        dt = draws["p"].dtype if "p" in draws else record["cost"].dtype
        return (first[None, :] < k[:, None]).astype(dt)

    def conditional(self, p, ks):
        """``E[pass@k | p] = 1 - (1 - p)^k``: ``(..., ) -> (K, ...)``."""
        k = _ks(ks, p.dtype).reshape((-1,) + (1,) * p.ndim)
        p = p[None]
        ok = p < 1
        lq = jnp.log1p(-jnp.where(ok, p, 0.0))
        return jnp.where(ok, -jnp.expm1(k * lq), 1.0)

    def expected(self, ks, dtype):
        d = self.difficulty
        if isinstance(d, Beta):
            a, b = jnp.asarray(d.a, dtype), jnp.asarray(d.b, dtype)
            k = _ks(ks, dtype)
            return -jnp.expm1(gammaln(a + b) - gammaln(b) + gammaln(b + k) - gammaln(a + b + k))
        p, w = jnp.asarray(d.p, dtype), jnp.asarray(d.weight, dtype)
        return self.conditional(p, ks) @ (w / jnp.sum(w))


def _majority_m(ks, dtype):
    """``m = ceil(k / 2)``: a tie at even ``k`` is a fair coin, so ``k`` votes are worth
    ``2m - 1``."""
    return jnp.asarray([(k + 1) // 2 for k in ks], dtype)


class MajorityVote(NamedTuple):
    """Majority vote over binary answers: a trial is correct when more than half of its
    first ``k`` samples are. A tie (even ``k``) is broken by a fair coin, and the trial's
    outcome is the coin's expectation, 0.5; so ``k = 2m`` has the same expected accuracy as
    ``k = 2m - 1``. Per problem, ``P(correct | p) = I_p(m, m)`` with ``m = ceil(k / 2)``
    (the regularised incomplete beta function), which falls with ``k`` when ``p < 1/2``."""

    difficulty: Any = None
    needs = "correct"

    def draw(self, keys, kmax, dtype):
        return _draw_correct(self, keys, kmax, dtype)

    def accuracy(self, record, draws, ks):
        from .sampling import prefix_reduce

        correct = _correct_stream(self, record, draws, ks[-1])
        dt = draws["p"].dtype if "p" in draws else record["cost"].dtype
        s = prefix_reduce(correct.astype(dt), ks, "add")  # (K, T) votes for the right answer
        k = _ks(ks, dt)[:, None]
        two_s = s + s
        return jnp.where(two_s > k, 1.0, jnp.where(two_s == k, 0.5, 0.0)).astype(dt)

    def conditional(self, p, ks):
        """``E[majority | p] = I_p(m, m)``, ``m = ceil(k / 2)``: ``(...) -> (K, ...)``."""
        m = _majority_m(ks, p.dtype).reshape((-1,) + (1,) * p.ndim)
        return betainc(m, m, jnp.broadcast_to(p, (m.shape[0], *p.shape)))

    def expected(self, ks, dtype):
        d = self.difficulty
        if isinstance(d, Mix):
            p, w = jnp.asarray(d.p, dtype), jnp.asarray(d.weight, dtype)
            return self.conditional(p, ks) @ (w / jnp.sum(w))
        # Beta-binomial tail: P(Bin(n, p) >= m) averaged over p ~ Beta(a, b), n = 2m - 1
        a, b = jnp.asarray(d.a, dtype), jnp.asarray(d.b, dtype)
        m = _majority_m(ks, dtype)[:, None]
        n = 2.0 * m - 1.0
        j = jnp.arange(max(ks) + 1, dtype=dtype)[None, :]
        ok = (j >= m) & (j <= n)
        jj = jnp.where(ok, j, m)
        logc = gammaln(n + 1) - gammaln(jj + 1) - gammaln(n - jj + 1)
        term = logc + _lbeta(a + jj, b + n - jj) - _lbeta(a, b)
        return jnp.sum(jnp.where(ok, jnp.exp(term), 0.0), axis=-1)


class Verifier(NamedTuple):
    """Best-of-k with an imperfect verifier: samples are checked in order and the first
    accepted one is the answer. A correct sample is always accepted, a wrong one with the
    false-positive rate ``phi``; with no sample accepted in ``k`` the answer is wrong. With
    ``q = (1 - p) phi``: ``P(correct | p) = p / (p + q) (1 - (1 - p - q)^k)``, capped by
    ``p / (p + q)`` however large ``k``."""

    difficulty: Any = None
    phi: Any = 0.0
    needs = "correct"

    def draw(self, keys, kmax, dtype):
        return _draw_correct(self, keys, kmax, dtype, extra=1)

    def accuracy(self, record, draws, ks):
        kmax = ks[-1]
        correct = _correct_stream(self, record, draws, kmax)
        dt = draws["v"].dtype
        phi = jnp.asarray(self.phi, dt)
        accepted = correct | (draws["v"][:, :kmax] < phi)
        first = first_index(accepted)  # (T,)
        good = jnp.take_along_axis(correct, jnp.minimum(first, kmax - 1)[:, None], 1)[:, 0]
        k = jnp.asarray(ks, jnp.int32)
        return ((first[None, :] < k[:, None]) & good[None, :]).astype(dt)

    def conditional(self, p, ks):
        """``E[verifier | p] = p (1 - r^k) / (1 - r)``, ``r = (1 - p)(1 - phi)``."""
        phi = jnp.asarray(self.phi, p.dtype)
        k = _ks(ks, p.dtype).reshape((-1,) + (1,) * p.ndim)
        p = p[None]
        r = (1.0 - p) * (1.0 - phi)
        ok = r < 1
        rs = jnp.where(ok, r, 0.5)
        val = p * -jnp.expm1(k * jnp.log(jnp.where(rs > 0, rs, 1.0))) / (1.0 - rs)
        val = jnp.where(rs > 0, val, p)  # r = 0: the first sample decides
        return jnp.where(ok, val, 0.0)

    def expected(self, ks, dtype):
        d = self.difficulty
        if isinstance(d, Mix):
            p, w = jnp.asarray(d.p, dtype), jnp.asarray(d.weight, dtype)
            return self.conditional(p, ks) @ (w / jnp.sum(w))
        # sum_{n<k} (1 - phi)^n E[p (1 - p)^n],  E[p (1-p)^n] = B(a + 1, b + n) / B(a, b)
        a, b = jnp.asarray(d.a, dtype), jnp.asarray(d.b, dtype)
        phi = jnp.asarray(self.phi, dtype)
        n = jnp.arange(max(ks), dtype=dtype)
        term = jnp.exp(xlogy(n, 1.0 - phi) + jnp.log(a) + gammaln(b + n) + gammaln(a + b)
                       - gammaln(b) - gammaln(a + b + n + 1.0))
        return jnp.cumsum(term)[jnp.asarray(ks) - 1]
