"""Boundary checks shared by the public wrappers (never used inside kernels).

Each check exists once: points, reference points and other real arrays, dtypes, concreteness,
``maximise`` and the one flip that turns maximised objectives into minimised ones, the work
dtype of half-precision inputs, flags, choices, keys and seeds, positive integers.

Precision: with ``jax_enable_x64`` off, JAX rounds float64 input to float32. For such input
(a concrete NumPy array or list, :func:`as_points_wide` keeps its float64 copy) the wrappers
move the information that matters into float32 on the host first: an order-preserving image
for masks and ranks (:func:`order_image`, exact), a translation for hypervolumes and knees, an
affine map per objective for crowding distances (:func:`rounds_apart` tells whether the
float32 cast keeps distinct values apart).
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "as_flag",
    "as_key",
    "as_points",
    "as_points_wide",
    "as_real",
    "as_ref",
    "concrete",
    "maximise_mask",
    "minimised",
    "one_of",
    "order_image",
    "positive_int",
    "precision_warning",
    "rounds_apart",
    "work_dtype",
]


#: Range of int seeds (``jax.random.key`` takes a signed 64-bit seed).
SEED_MIN, SEED_MAX = -(1 << 63), 1 << 63


def as_key(key: Any, name: str = "key") -> jax.Array:
    """Return a typed PRNG key from a typed key, a legacy ``uint32[2]`` key or an int seed."""
    if key is None:
        raise TypeError(f"`{name}` is required: pass jax.random.key(seed) or an int seed")
    if isinstance(key, bool):
        raise TypeError(f"`{name}` must be a JAX key or an int seed, got a bool")
    if isinstance(key, int | np.integer):
        seed = int(key)
        if not SEED_MIN <= seed < SEED_MAX:
            raise ValueError(
                f"`{name}` as an int seed must be in [-2**63, 2**63), got {seed}; reduce it"
                " first (e.g. seed % 2**63) or pass jax.random.key(...)"
            )
        return jax.random.key(seed)
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


def positive_int(value: Any, name: str, *, minimum: int = 1, below: int | None = None) -> int:
    """Return ``value`` as a Python int ``>= minimum`` (and ``< below``, if given) or raise
    naming ``name``. ``below=frontier.kernels._primitives.COUNT_LIMIT`` bounds a count the
    kernels keep in ``int32``."""
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
    if below is not None and out >= below:
        limit = f"2**{below.bit_length() - 1}" if below & (below - 1) == 0 else str(below)
        raise ValueError(f"`{name}` must be < {limit}, got {out}")
    return out


def as_flag(value: Any, name: str) -> bool:
    """Return ``value`` as a Python bool; anything but a bool raises ``TypeError``."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"`{name}` must be a bool, got {value!r}")
    return bool(value)


def one_of(value: Any, name: str, choices: Sequence[Any], *, what: str | None = None) -> Any:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError`` naming ``name``
    (``what`` words the start of the message, default ``name``)."""
    if value not in choices:
        raise ValueError(
            f"unknown {what or name} {value!r}: `{name}` must be one of {tuple(choices)}"
        )
    return value


def concrete(x: Any) -> np.ndarray | None:
    """``x`` as a NumPy array, or ``None`` when it is traced (inside ``jit`` or ``vmap``)."""
    try:
        return np.asarray(x)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        return None


def _array(x: Any, name: str = "array") -> jax.Array | np.ndarray:
    if isinstance(x, jax.Array):
        return x
    try:
        return np.asarray(x)
    except ValueError as e:  # ragged nested sequences
        raise ValueError(
            f"`{name}` must be a rectangular array (every row the same length): {e}"
        ) from None


def _is_real(dtype: Any) -> bool:
    return dtype.kind != "O" and (
        jnp.issubdtype(dtype, jnp.floating) or jnp.issubdtype(dtype, jnp.integer)
    )


def as_points(points: Any, name: str = "points", *, batched: bool = False) -> jax.Array:
    """Validate an ``(n, m)`` (or ``(..., n, m)`` when ``batched``) float array of objectives.

    Integer and boolean inputs are rejected with ``TypeError`` (convert explicitly, e.g.
    ``points.astype(float)``, to make the precision choice visible).
    """
    return as_points_wide(points, name, batched=batched)[0]


def as_points_wide(
    points: Any, name: str = "points", *, batched: bool = False
) -> tuple[jax.Array, np.ndarray | None]:
    """:func:`as_points`, plus the input as a float64 NumPy array when JAX rounds it (a
    concrete float64 input with ``jax_enable_x64`` off), else ``None``."""
    arr = _array(points, name)
    if not (_is_real(arr.dtype) or arr.dtype == bool):
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
    if isinstance(arr, jax.Array):  # as it is (a jnp.asarray round trip costs ~0.1 ms)
        return arr, None
    out = jnp.asarray(arr)
    wide = None
    if out.dtype.itemsize < arr.dtype.itemsize:
        wide = np.asarray(arr, np.float64)
    return out, wide


def as_real(
    x: Any, name: str, *, shape: tuple[int, ...] | None = None, like: jax.Array | None = None
) -> jax.Array:
    """Validate a real (floating or integer) array, of ``shape`` if given; ``like`` is the
    points array the shape must match, named in the error. The dtype is left as it is."""
    arr = _array(x, name)
    if not _is_real(arr.dtype):
        raise TypeError(
            f"`{name}` must be a real (floating or integer) array, got dtype {arr.dtype}"
        )
    if shape is not None and arr.shape != shape:
        against = "" if like is None else f" to match points of shape {like.shape}"
        raise ValueError(f"`{name}` must have shape {shape}{against}, got shape {arr.shape}")
    return jnp.asarray(arr)


def as_ref(ref: Any, points: jax.Array, name: str = "ref") -> jax.Array:
    """Validate a reference point ``(m,)`` for ``points`` ``(n, m)``: real, and free of NaN
    when concrete. The dtype is left as it is (the wrapper casts it with the points)."""
    r = as_real(ref, name, shape=(points.shape[-1],), like=points)
    c = concrete(r)
    if c is not None and bool(np.any(np.isnan(c.astype(float)))):
        raise ValueError(f"`{name}` must not contain NaN, got {c.tolist()}")
    return r


def maximise_mask(maximise: bool | Sequence[bool] | Any, m: int) -> tuple[bool, ...]:
    """Resolve ``maximise`` (a bool or one bool per objective) to ``m`` static flags (a tuple,
    so it can be a static argument of ``jit``)."""
    if isinstance(maximise, bool | np.bool_):
        return (bool(maximise),) * m
    mask = np.asarray(maximise)
    if mask.dtype != bool:
        raise TypeError(f"`maximise` must be a bool or a sequence of bools, got {maximise!r}")
    if mask.shape != (m,):
        raise ValueError(
            f"`maximise` has shape {mask.shape} but points have m={m} objectives; pass one"
            " bool per objective"
        )
    return tuple(bool(b) for b in mask)


def minimised(x: jax.Array, mask: Sequence[bool] | np.ndarray) -> jax.Array:
    """Negate the maximised columns of ``x`` ``(..., m)`` so every objective is minimised
    (rank-promotion safe; the dtype is kept)."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return x
    sign = jnp.asarray(np.where(mask, -1.0, 1.0), dtype=x.dtype)
    return x * sign.reshape((1,) * (x.ndim - 1) + (-1,))


def work_dtype(dtype: Any) -> jnp.dtype:
    """The dtype computations run in: ``float32`` for half-precision floats (``float16``,
    ``bfloat16``), else ``dtype``; results are cast back to the input dtype."""
    dtype = jnp.dtype(dtype)
    return dtype if dtype.itemsize >= 4 else jnp.dtype(jnp.float32)


# --------------------------------------------------------------------------------------------
# float64 input with x64 off
# --------------------------------------------------------------------------------------------
def rounds_apart(wide: np.ndarray, narrow: np.ndarray) -> bool:
    """Whether rounding keeps distinct values apart: in every column (last axis), no two
    distinct non-NaN values of ``wide`` become equal in ``narrow`` (its rounded copy, same
    shape; ``-0.0`` equals ``0.0``). Rounding is monotone, so the order is then kept too."""
    if np.array_equal(narrow.astype(wide.dtype), wide, equal_nan=True):
        return True  # nothing was rounded (e.g. float32 values stored as float64): O(n)
    w = wide.reshape(-1, wide.shape[-1])
    v = narrow.reshape(w.shape)
    for j in range(w.shape[1]):  # one host sort per column
        order = np.argsort(w[:, j], kind="stable")
        a, b = w[order, j], v[order, j]
        differ = a[1:] != a[:-1]  # NaN sorts last and differs from everything
        if np.any(differ & (b[1:] == b[:-1])):
            return False
    return True


def order_image(wide: np.ndarray) -> np.ndarray:
    """A float32 array with the same order in every column (last axis) as ``wide``: equal
    values stay equal, distinct ones distinct, NaN stays NaN. Masks and ranks depend on that
    order only, so they come out exactly as in float64.

    The plain float32 cast when it keeps distinct values apart (:func:`rounds_apart`), else
    each column's dense ranks written as increasing float32 values (``r`` maps to the float
    whose bits are ``2**23 + r``: positive, normal and exact for up to ``2**30`` distinct
    values).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 2.0], [1 + 1e-9, 2 - 1e-9], [np.nan, 2.0]])
    >>> img = order_image(x)
    >>> img.dtype, bool(img[0, 0] < img[1, 0]), bool(img[0, 1] > img[1, 1])
    (dtype('float32'), True, True)
    >>> bool(np.isnan(img[2, 0]))
    True
    """
    narrow = wide.astype(np.float32)
    if rounds_apart(wide, narrow):
        return narrow
    flat = wide.reshape(-1, wide.shape[-1])
    out = np.empty(flat.shape, np.float32)
    for j in range(flat.shape[1]):
        col = flat[:, j]
        order = np.argsort(col, kind="stable")
        s = col[order]
        new = np.concatenate([[True], s[1:] != s[:-1]])
        bits = (np.cumsum(new) - 1 + (1 << 23)).astype(np.int32)
        img = bits.view(np.float32)
        img[np.isnan(s)] = np.nan
        out[order, j] = img
    return out.reshape(wide.shape)


def precision_warning(what: str, detail: str, stacklevel: int = 3) -> None:
    """Warn that float64 input rounded to float32 (x64 off) changed ``what``."""
    warnings.warn(
        f"{what}: float64 input is computed in float32 because jax_enable_x64 is off, and"
        f" {detail}; enable it (jax.config.update('jax_enable_x64', True)) for a float64"
        " result",
        UserWarning,
        stacklevel=stacklevel,
    )
