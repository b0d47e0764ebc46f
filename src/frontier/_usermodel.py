"""Your own inference model: parameters as any pytree of floats, one inference as a function
of standard normals and uniforms that you write."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["OUTPUTS", "UserModel", "check_outputs", "param_names", "validate_user_model"]

#: The outputs a user model's ``fn`` may return for one inference, and what each means.
OUTPUTS: dict[str, str] = {
    "cost": "$ of the inference (required)",
    "time": "seconds of the inference (required)",
    "score": "a quality score; best-of-k takes the largest of the first k",
    "correct": "0/1 (or bool) correctness; pass@k, majority vote and the verifier combine it",
    "input_tokens": "input length in tokens (needed by latency and serving)",
    "output_tokens": "output length in tokens (needed by latency and serving)",
}
_REQUIRED = ("cost", "time")


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class UserModel:
    """An inference model you define: a pytree of float parameters and one inference's
    outcome as a function of standard normals and uniforms.

    ``fn(params, z, u)`` describes **one** inference: ``z`` has shape ``(num_normals,)`` and
    ``u`` ``(num_uniforms,)``; it returns a mapping with ``"cost"`` and ``"time"`` (scalars)
    and, for the aggregation, ``"score"`` (best-of-k) or ``"correct"`` (pass@k, majority
    vote and verifier without a difficulty of their own), plus ``"input_tokens"`` and
    ``"output_tokens"`` for latency and serving (see :data:`OUTPUTS`). Write it with
    ``jax.numpy``: the simulator vectorises it over trials and inferences with ``vmap``, and
    :func:`frontier.sensitivity` differentiates through it (reparameterised draws: make the
    outcome a smooth function of ``params`` for useful gradients).

    A ``UserModel`` is a pytree whose leaves are the leaves of ``params``; ``fn``,
    ``num_normals``, ``num_uniforms``, ``default_parallel`` and ``name`` are static.

    Parameters
    ----------
    params
        Any pytree (dicts, lists, tuples, NamedTuples) of real numbers or float arrays.
    fn
        ``fn(params, z, u) -> Mapping[str, scalar]``, as above.
    num_normals, num_uniforms
        Draws per inference (ints >= 0). Normal stream ``j`` of a trial is the paper model's
        stream ``j`` (so a user model that uses ``z[0:3]`` as the paper does sees the paper
        model's draws: common random numbers across models).
    default_parallel
        Parallelism ``P`` when ``parallel=None`` (an int >= 1).
    name
        Display name.

    Examples
    --------
    >>> import jax.numpy as jnp, frontier
    >>> def one(params, z, u):
    ...     tokens = jnp.maximum(params["tokens"] + params["spread"] * z[0], 1.0)
    ...     return {"cost": params["price"] * tokens, "time": 0.01 * tokens,
    ...             "score": jnp.clip(params["skill"] + 0.1 * z[1], 0.0, 1.0)}
    >>> m = frontier.UserModel({"tokens": 500.0, "spread": 50.0, "price": 2e-6,
    ...                         "skill": 0.7}, one, num_normals=2, name="mine")
    >>> s = frontier.summarize(m, [1, 4], key=0, num_trials=2000)
    >>> [round(float(x), 4) for x in s.cost.mean]
    [0.001, 0.004]
    """

    params: Any
    fn: Callable[..., Mapping[str, Any]] = dataclasses.field(metadata={"static": True})
    num_normals: int = dataclasses.field(default=0, metadata={"static": True})
    num_uniforms: int = dataclasses.field(default=0, metadata={"static": True})
    default_parallel: int = dataclasses.field(default=4, metadata={"static": True})
    name: str = dataclasses.field(default="", metadata={"static": True})

    def replace(self, **changes: Any) -> UserModel:
        """Return a copy with some fields changed (e.g. ``params=...``)."""
        return dataclasses.replace(self, **changes)


def param_names(params: Any) -> list[str]:
    """Flat names of a parameter pytree's scalar entries, in leaf order (``"a.b"``,
    ``"w[0]"``)."""
    out = []
    for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]:
        parts = []
        for p in path:
            if isinstance(p, jax.tree_util.DictKey):
                parts.append(f".{p.key}")
            elif isinstance(p, jax.tree_util.GetAttrKey):
                parts.append(f".{p.name}")
            elif isinstance(p, jax.tree_util.SequenceKey):
                parts.append(f"[{p.idx}]")
            else:  # pragma: no cover - other key kinds
                parts.append(str(p))
        base = "".join(parts).lstrip(".") or "params"
        if np.ndim(leaf) == 0:
            out.append(base)
        else:
            out.extend(f"{base}[{','.join(map(str, ix))}]"
                       for ix in np.ndindex(*np.shape(leaf)))
    return out


def _check_int(v: Any, what: str, label: str, minimum: int) -> None:
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ValueError(f"{label}: `{what}` must be an int >= {minimum}, got {v!r}")


def validate_user_model(model: UserModel, label: str | None = None) -> UserModel:
    """Check a user model's static fields and parameter values (eagerly; tracers skipped).

    Raises
    ------
    TypeError
        If ``fn`` is not callable or a parameter is not a real number (a bool is not).
    ValueError
        If a parameter is non-finite, or ``num_normals``/``num_uniforms`` are not ints >= 0
        or ``default_parallel`` not an int >= 1.
    """
    if label is None:
        label = f"model {model.name!r}" if model.name else "model"
    if not callable(model.fn):
        raise TypeError(f"{label}: `fn` must be callable, got {type(model.fn).__name__}")
    _check_int(model.num_normals, "num_normals", label, 0)
    _check_int(model.num_uniforms, "num_uniforms", label, 0)
    _check_int(model.default_parallel, "default_parallel", label, 1)
    names = param_names(model.params)
    leaves = jax.tree.leaves(model.params)
    if not leaves:
        raise ValueError(f"{label}: `params` has no leaves; give at least one float")
    pos = 0
    for leaf in leaves:
        n = int(np.size(leaf))
        where = names[pos] if n else "params"
        pos += n
        if isinstance(leaf, jax.core.Tracer):
            continue
        arr = np.asarray(leaf)
        if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.floating)
                                         or np.issubdtype(arr.dtype, np.integer)):
            raise TypeError(f"{label}: parameter `{where}` must be a real number or float "
                            f"array, got {leaf!r}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{label}: parameter `{where}` must be finite, got {leaf!r}")
    return model


def cast_params(model: UserModel, dtype: Any) -> UserModel:
    """The model with every parameter leaf as a ``dtype`` array."""
    return model.replace(params=jax.tree.map(lambda x: jnp.asarray(x, dtype), model.params))


def check_outputs(model: UserModel, dtype: Any, label: str, *, needs: tuple[str, ...]) -> tuple:
    """Trace ``fn`` on one inference's draws and check its outputs; returns their names.

    Raises
    ------
    TypeError
        If ``fn`` fails on the draws, does not return a mapping, or an output is not a float
        (``correct`` may also be a bool).
    ValueError
        For an unknown or missing output, an output that is not a scalar, or a missing output
        in ``needs`` (what the aggregation, latency or serving model reads).
    """
    z = jax.ShapeDtypeStruct((model.num_normals,), dtype)
    u = jax.ShapeDtypeStruct((model.num_uniforms,), dtype)
    params = jax.tree.map(lambda x: jax.ShapeDtypeStruct(np.shape(x), dtype), model.params)
    try:
        out = jax.eval_shape(model.fn, params, z, u)
    except Exception as e:  # report any failure of the user code
        raise TypeError(f"{label}: `fn(params, z, u)` failed on one inference's draws (z of "
                        f"shape ({model.num_normals},), u of shape ({model.num_uniforms},)): "
                        f"{type(e).__name__}: {e}") from None
    if not isinstance(out, Mapping):
        raise TypeError(f"{label}: `fn` must return a mapping of outputs "
                        f"({', '.join(OUTPUTS)}), got {type(out).__name__}")
    for name, v in out.items():
        if name not in OUTPUTS:
            raise ValueError(f"{label}: unknown output `{name}` (known: {', '.join(OUTPUTS)})")
        shape = getattr(v, "shape", None)
        if shape != ():
            raise ValueError(f"{label}: output `{name}` has shape {shape}, expected () (`fn` "
                             "describes one inference; the simulator vectorises it)")
        dt = np.dtype(v.dtype)
        ok = np.issubdtype(dt, np.floating) or (name == "correct" and dt == np.bool_)
        if not ok:
            want = "a float or a bool" if name == "correct" else "a float"
            raise TypeError(f"{label}: output `{name}` has dtype {dt}, expected {want}")
    for name in (*_REQUIRED, *needs):
        if name not in out:
            why = OUTPUTS[name]
            raise ValueError(f"{label}: `fn` returns no `{name}` output ({why})")
    return tuple(out)


def is_concrete(x: Any) -> bool:
    """Whether ``x`` holds no tracer."""
    return not any(isinstance(v, jax.core.Tracer) for v in jax.tree.leaves(x))

