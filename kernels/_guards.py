"""NaN-free guards for the kernels' square roots and divisions.

``jnp.where(ok, f(x), 0)`` alone still differentiates ``f`` at the masked inputs (``sqrt(0)``
has an infinite derivative, ``a / 0`` a NaN one), and ``0 * inf`` poisons ``jax.grad``. Each
guard first replaces the masked inputs by a harmless value, so values and gradients stay finite.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def safe_sqrt(sq: jax.Array) -> jax.Array:
    """``sqrt(sq)`` where ``sq > 0``, else 0 (gradient 0 there)."""
    ok = sq > 0
    return jnp.where(ok, jnp.sqrt(jnp.where(ok, sq, 1)), 0)


def safe_div(a: jax.Array, b: jax.Array) -> jax.Array:
    """``a / b`` where ``b != 0``, else 0 (gradient 0 there)."""
    ok = b != 0
    return jnp.where(ok, a / jnp.where(ok, b, 1), 0)


def safe_norm(v: jax.Array) -> jax.Array:
    """Euclidean norm over the last axis, 0 for a zero vector (gradient 0 there)."""
    return safe_sqrt(jnp.sum(v * v, axis=-1))
