"""Inference models of the paper (arXiv 2510.18905): parameters, the catalog and file loading."""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from collections.abc import Mapping
from typing import Any

import jax
import numpy as np

__all__ = ["FLOAT_FIELDS", "Model", "ModelFileError", "catalog", "load_models", "validate_model"]

#: The float fields of :class:`Model`, in the order the kernels see them.
FLOAT_FIELDS: tuple[str, ...] = (
    "c_in",
    "c_out",
    "t_in",
    "t_out",
    "mu_Lin",
    "sigma_Lin",
    "mu_Lout",
    "sigma_Lout",
    "acc_mean",
    "acc_std",
)

_AT_LEAST_ONE = ("mu_Lin", "mu_Lout")


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class Model:
    """One inference model of the paper model (arXiv 2510.18905).

    A ``Model`` is a JAX pytree whose leaves are its ten float fields, so ``jax.grad``
    differentiates with respect to any of them; ``name`` and ``default_parallel`` are static
    metadata.

    Parameters
    ----------
    c_in, c_out
        Price per input and per output token, $/token (>= 0).
    t_in, t_out
        Latency per input and per output token, s/token (>= 0).
    mu_Lin, sigma_Lin
        Mean (> 0) and standard deviation (>= 0) of the input length in tokens.
    mu_Lout, sigma_Lout
        Mean (> 0) and standard deviation (>= 0) of the output length in tokens.
    acc_mean, acc_std
        Mean and standard deviation (>= 0) of one inference's accuracy score.
    default_parallel
        Parallelism ``P`` used when ``parallel=None`` (an int >= 1).
    name
        Display name.

    Examples
    --------
    >>> import frontier
    >>> m = frontier.catalog()["gpt5-mini"]
    >>> m.name, m.default_parallel
    ('GPT-5 Mini', 4)
    >>> m.replace(c_out=3e-6).c_out
    3e-06
    """

    c_in: Any
    c_out: Any
    t_in: Any
    t_out: Any
    mu_Lin: Any
    sigma_Lin: Any
    mu_Lout: Any
    sigma_Lout: Any
    acc_mean: Any
    acc_std: Any
    default_parallel: int = dataclasses.field(default=4, metadata={"static": True})
    name: str = dataclasses.field(default="", metadata={"static": True})

    def replace(self, **changes: Any) -> Model:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (floats as Python floats when concrete)."""
        out: dict[str, Any] = {"name": self.name}
        for f in FLOAT_FIELDS:
            v = getattr(self, f)
            try:
                out[f] = float(v)
            except (TypeError, jax.errors.ConcretizationTypeError):
                out[f] = v
        out["default_parallel"] = self.default_parallel
        return out


class ModelFileError(ValueError):
    """A model file is malformed; the message names the file, the model and the field."""


def validate_model(model: Any, label: str | None = None) -> Model:
    """Check a model's values (eagerly; tracers are skipped) and return it.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`Model` or a field is not a real number (a bool is not).
    ValueError
        If a field is non-finite, a price, latency, length or std is negative, a mean
        length is below one token, ``acc_mean`` lies outside ``[0, 1]`` (the accuracy
        score is clipped to it), or ``default_parallel`` is not an int >= 1.
    """
    if not isinstance(model, Model):
        raise TypeError(f"{label or 'model'} must be a frontier.Model, got {type(model).__name__}")
    if label is None:
        label = f"model {model.name!r}" if model.name else "model"
    for f in FLOAT_FIELDS:
        v = getattr(model, f)
        if isinstance(v, jax.core.Tracer):
            continue
        if isinstance(v, bool | np.bool_) or np.dtype(getattr(v, "dtype", float)) == np.bool_:
            raise TypeError(f"{label}: field `{f}` must be a real number, got the bool {v!r}")
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise TypeError(f"{label}: field `{f}` must be a real number, got {v!r}") from None
        if not math.isfinite(x):
            raise ValueError(f"{label}: field `{f}` must be finite, got {x}")
        if f in _AT_LEAST_ONE and x < 1:
            raise ValueError(f"{label}: field `{f}` is a mean length in tokens and must be >= 1"
                             f" (lengths are clipped to [1, 16 mu_Lin]), got {x}")
        if f == "acc_mean" and not 0 <= x <= 1:
            raise ValueError(f"{label}: field `acc_mean` must lie in [0, 1] (one inference's "
                             f"accuracy score is clipped to [0, 1]), got {x}")
        if x < 0:
            raise ValueError(f"{label}: field `{f}` must be >= 0, got {x}")
    p = model.default_parallel
    if isinstance(p, bool) or not isinstance(p, int) or p < 1:
        raise ValueError(f"{label}: field `default_parallel` must be an int >= 1, got {p!r}")
    return model


_COMMON = {"mu_Lin": 1024.0, "sigma_Lin": 64.0, "mu_Lout": 2048.0, "sigma_Lout": 128.0}
# key: (name, c_in, c_out, t_in, t_out, acc_mean, acc_std): the reference code's catalog.
_CATALOG = {
    "gpt5": ("GPT-5", 1.25e-6, 1.0e-5, 5e-4, 5e-3, 0.94, 0.02),
    "gpt5-mini": ("GPT-5 Mini", 2.5e-7, 2.0e-6, 2.5e-4, 2e-3, 0.92, 0.03),
    "gpt5-nano": ("GPT-5 Nano", 5e-8, 4e-7, 1e-4, 1e-3, 0.91, 0.04),
    "nvidia-nemotron-ultra-253b": (
        "Nvidia Llama Nemotron Ultra 253B", 9e-7, 2.8e-6, 1e-3, 1e-2, 0.93, 0.05),
    "nvidia-nemotron-h-47b": ("Nvidia Nemotron H 47B", 4e-7, 1.5e-6, 4e-4, 4e-3, 0.92, 0.06),
    "nvidia-nemotron-nano-9b-v2": (
        "Nvidia Nemotron Nano 9B v2", 2e-7, 1e-6, 1.2e-4, 1.2e-3, 0.91, 0.07),
    "qwen3-max": ("Qwen3-Max", 9e-7, 2.4e-6, 8e-4, 8e-3, 0.90, 0.04),
    "qwen3-next-80b-a3b": ("Qwen3-Next-80B-A3B", 5e-7, 1.25e-6, 4e-4, 4e-3, 0.89, 0.05),
    "qwen3-30b-a3b": ("Qwen3-30B-A3B", 3.5e-7, 9e-7, 2.5e-4, 2e-3, 0.88, 0.06),
}


def catalog() -> dict[str, Model]:
    """The nine models of the reference code, by key.

    Returns
    -------
    dict[str, Model]
        A new dict each call, in the reference code's order.

    Examples
    --------
    >>> import frontier
    >>> list(frontier.catalog())[:3]
    ['gpt5', 'gpt5-mini', 'gpt5-nano']
    """
    out = {}
    for key, (name, c_in, c_out, t_in, t_out, am, asd) in _CATALOG.items():
        out[key] = Model(
            c_in=c_in, c_out=c_out, t_in=t_in, t_out=t_out, acc_mean=am, acc_std=asd,
            default_parallel=4, name=name, **_COMMON,
        )
    return out


def _yaml_loader():
    """A safe YAML loader that reads ``1e-7`` as a float (PyYAML's YAML 1.1 resolver wants a
    dot: ``1.0e-7``) and rejects a key repeated in one mapping (PyYAML keeps the last)."""
    import re

    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
        list("-+0123456789"))

    def mapping(loader, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return loader.construct_mapping(node, deep=deep)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    return Loader


def _read(path: str) -> Any:
    ext = os.path.splitext(path)[1].lower()
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as e:
        raise ModelFileError(f"{path}: cannot read model file: {e.strerror}") from None
    if ext == ".toml":
        try:
            return tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ModelFileError(f"{path}: malformed TOML: {e}") from None
    if ext in (".yaml", ".yml", ""):
        import yaml

        try:
            return yaml.load(raw.decode("utf-8"), Loader=_yaml_loader())
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            msg = str(e).replace("\n", " ")
            raise ModelFileError(f"{path}: malformed YAML: {msg}") from None
    raise ModelFileError(f"{path}: unknown model file type {ext!r} (use .yaml, .yml or .toml)")


def models_from_mapping(data: Any, source: str = "<mapping>") -> dict[str, Model]:
    """Build models from the reference config layout ``{"models": {key: {field: value}}}``."""
    if not isinstance(data, Mapping) or "models" not in data:
        raise ModelFileError(f"{source}: expected a top-level `models:` mapping")
    models = data["models"]
    if not isinstance(models, Mapping) or not models:
        raise ModelFileError(f"{source}: `models` must be a non-empty mapping of key -> fields")
    allowed = {*FLOAT_FIELDS, "name", "default_parallel"}
    out: dict[str, Model] = {}
    for key, fields in models.items():
        where = f"{source}: model {key!r}"
        if not isinstance(fields, Mapping):
            raise ModelFileError(f"{where}: expected a mapping of fields, got {fields!r}")
        unknown = sorted(set(fields) - allowed)
        if unknown:
            raise ModelFileError(
                f"{where}: unknown field `{unknown[0]}` (allowed: {', '.join(sorted(allowed))})")
        kwargs: dict[str, Any] = {}
        for f in FLOAT_FIELDS:
            if f not in fields:
                raise ModelFileError(f"{where}: missing field `{f}`")
            v = fields[f]
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ModelFileError(f"{where}: field `{f}` must be a number, got {v!r}")
            kwargs[f] = float(v)
        if "default_parallel" not in fields:
            raise ModelFileError(f"{where}: missing field `default_parallel`")
        p = fields["default_parallel"]
        if isinstance(p, bool) or not isinstance(p, int):
            raise ModelFileError(f"{where}: field `default_parallel` must be an int, got {p!r}")
        name = fields.get("name", str(key))
        if not isinstance(name, str):
            raise ModelFileError(f"{where}: field `name` must be a string, got {name!r}")
        model = Model(**kwargs, default_parallel=p, name=name)
        try:
            validate_model(model, label=where)
        except (TypeError, ValueError) as e:
            raise ModelFileError(str(e)) from None
        out[str(key)] = model
    return out


def load_models(path: str | os.PathLike[str]) -> dict[str, Model]:
    """Read models from a YAML file in the reference code's format, or its TOML equivalent.

    The layout is ``models: {key: {name, c_in, c_out, t_in, t_out, mu_Lin, sigma_Lin, mu_Lout,
    sigma_Lout, acc_mean, acc_std, default_parallel}}``; every field is required except
    ``name``, which defaults to the key.

    Parameters
    ----------
    path
        A ``.yaml``/``.yml`` or ``.toml`` file.

    Returns
    -------
    dict[str, Model]
        Models by key, in file order.

    Raises
    ------
    ModelFileError
        (a ``ValueError``) for an unreadable or malformed file, a missing or unknown field, a
        non-numeric, non-finite or negative value; the message names the file, the model and
        the field.

    Examples
    --------
    >>> import frontier, tempfile, os
    >>> text = '''
    ... [models.tiny]
    ... c_in = 1e-7
    ... c_out = 2e-7
    ... t_in = 1e-4
    ... t_out = 1e-3
    ... mu_Lin = 100
    ... sigma_Lin = 10
    ... mu_Lout = 200
    ... sigma_Lout = 20
    ... acc_mean = 0.8
    ... acc_std = 0.1
    ... default_parallel = 2
    ... '''
    >>> path = os.path.join(tempfile.mkdtemp(), "models.toml")
    >>> _ = open(path, "w").write(text)
    >>> frontier.load_models(path)["tiny"].default_parallel
    2
    """
    path = os.fspath(path)
    return models_from_mapping(_read(path), source=path)
