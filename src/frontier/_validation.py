"""Boundary checks shared by the public wrappers (never used inside kernels)."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["as_key", "as_points", "maximise_mask", "minimised", "positive_int"]


def as_key(key: Any, name: str = "key") -> jax.Array:
    """Return a typed PRNG key from a typed key, a legacy ``uint32[2]`` key or an int seed."""
    if key is None:
        raise TypeError(f"`{name}` is required: pass jax.random.key(seed) or an int seed")
    if isinstance(key, bool):
        raise TypeError(f"`{name}` must be a JAX key or an int seed, got a bool")
    if isinstance(key, int | np.integer):
        return jax.random.key(int(key))
    if isinstance(key, jax.Array) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        if key.shape != ():
            raise ValueError(f"`{name}` must be a single key, got key array of shape {key.shape}")
        return key
    arr = np.asarray(key) if not isinstance(key, jax.Array) else key
    if arr.dtype == np.uint32 and arr.shape == (2,):
        return jax.random.wrap_key_data(jnp.asarray(arr))
    raise TypeError(
        f"`{name}` must be a JAX key (jax.random.key) or an int seed, got {type(key).__name__}"
        f" with dtype {getattr(arr, 'dtype', None)} and shape {getattr(arr, 'shape', None)}"
    )


def positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as a Python int ``>= minimum`` or raise naming ``name``."""
    if isinstance(value, bool):
        raise TypeError(f"`{name}` must be an integer, got a bool")
    try:
        out = operator.index(value)
    except TypeError:
        if isinstance(value, float) and value.is_integer():
            out = int(value)
        else:
            raise TypeError(f"`{name}` must be an integer, got {value!r}") from None
    if out < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}, got {out}")
    return out


def as_points(points: Any, name: str = "points", *, batched: bool = False) -> jax.Array:
    """Validate an ``(n, m)`` (or ``(..., n, m)`` when ``batched``) float array of objectives.

    Integer and boolean inputs are rejected with ``TypeError`` (convert explicitly, e.g.
    ``points.astype(float)``, to make the precision choice visible).
    """
    arr = points if isinstance(points, jax.Array) else np.asarray(points)
    if arr.dtype == object or not (
        jnp.issubdtype(arr.dtype, jnp.floating) or jnp.issubdtype(arr.dtype, jnp.integer)
        or arr.dtype == bool
    ):
        raise TypeError(f"`{name}` must be a real floating array, got dtype {arr.dtype}")
    if not jnp.issubdtype(arr.dtype, jnp.floating):
        raise TypeError(
            f"`{name}` must have a floating dtype, got {arr.dtype}; convert explicitly,"
            " e.g. points.astype(float)"
        )
    if batched:
        if arr.ndim < 2:
            raise ValueError(f"`{name}` must have shape (..., n, m), got shape {arr.shape}")
    elif arr.ndim != 2:
        raise ValueError(f"`{name}` must have shape (n, m), got shape {arr.shape}")
    if arr.shape[-1] < 1:
        raise ValueError(f"`{name}` needs at least one objective (m >= 1), got shape {arr.shape}")
    return jnp.asarray(arr)


def maximise_mask(maximise: bool | Sequence[bool] | Any, m: int) -> np.ndarray:
    """Resolve ``maximise`` (a bool or one bool per objective) to a static ``(m,)`` bool mask."""
    if isinstance(maximise, bool | np.bool_):
        return np.full(m, bool(maximise))
    mask = np.asarray(maximise)
    if mask.dtype != bool:
        raise TypeError(f"`maximise` must be a bool or a sequence of bools, got {maximise!r}")
    if mask.shape != (m,):
        raise ValueError(
            f"`maximise` has shape {mask.shape} but points have m={m} objectives; pass one"
            " bool per objective"
        )
    return mask


def minimised(points: jax.Array, mask: np.ndarray) -> jax.Array:
    """Negate the maximised columns so every objective is minimised."""
    if not mask.any():
        return points
    sign = jnp.asarray(np.where(mask, -1.0, 1.0), dtype=points.dtype)
    return points * sign.reshape((1,) * (points.ndim - 1) + (-1,))
