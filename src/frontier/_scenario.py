"""Scenarios for the command line: built-in ones and YAML/TOML scenario files."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any, NamedTuple

from ._models import Model, ModelFileError, _read, catalog, load_models, models_from_mapping

__all__ = ["BUILTIN", "Scenario", "ScenarioError", "load_scenario"]


class ScenarioError(ValueError):
    """A scenario file or option is invalid; the message names the file and the key."""


class Scenario(NamedTuple):
    """Everything ``frontier run`` needs.

    ``parallel`` is ``None`` unless the scenario or ``--parallel`` sets it: then every model
    runs at its own ``default_parallel`` (see :meth:`parallel_by_model`).
    """

    name: str
    models: dict[str, Model]
    C_max: Any
    T_max: Any
    acc_min: Any
    k_max: int | None
    ks: tuple[int, ...] | None
    parallel: int | None
    trials: int
    seed: int
    slo: str | None
    scheme: str
    time_model: str
    knee_normalise: str = "front"
    aggregation: Any = None
    latency: Any = None
    serving: Any = None
    objectives: tuple[str, ...] | None = None

    def parallel_by_model(self) -> dict[str, int]:
        """The parallelism P each model runs at: ``parallel``, or its ``default_parallel``."""
        return {k: self.parallel or m.default_parallel for k, m in self.models.items()}


#: Seeds are 64-bit signed integers (what :func:`jax.random.key` takes).
SEED_RANGE = (-(2**63), 2**63 - 1)

_DEFAULTS = {
    "models": None, "only": None, "C_max": 0.50, "T_max": 60.0, "acc_min": 0.88, "k_max": 128,
    "ks": None, "parallel": None, "trials": 300, "seed": 42, "slo": None, "scheme": "crn",
    "time_model": "paper", "knee_normalise": "front", "aggregation": None, "difficulty": None,
    "phi": None, "latency": None, "serving": None, "objectives": None,
}

_SERVING_KEYS = {"t0", "slope", "gpu_hour", "batch", "num_gpus", "efficiency", "prefill_rate",
                 "calibrate", "uncertainty", "columns"}
_LATENCY_KEYS = {"queue", "prefill_rate", "tpot"}

#: Built-in scenarios; ``reference`` is the reference code's default study.
BUILTIN: dict[str, dict[str, Any]] = {
    "reference": {},
    "budget-sweep": {"C_max": [0.1, 0.25, 0.5, 1.0], "T_max": [30.0, 60.0, 120.0],
                     "acc_min": [0.9, 0.95]},
    "latency-slo": {"C_max": 1.0, "T_max": 300.0, "acc_min": 0.0, "trials": 2000,
                    "slo": "p95 time <= 30 and mean accuracy >= 0.97"},
}


def _check(name: str, where: str, key: str, value: Any) -> Any:
    def bad(what: str) -> ScenarioError:
        return ScenarioError(f"{where}: `{key}` must be {what}, got {value!r}")

    if key in ("k_max", "parallel", "trials", "seed"):
        if value is None and key in ("k_max", "parallel"):
            return None
        if isinstance(value, bool) or not isinstance(value, int) or (key != "seed" and value < 1):
            raise bad("a positive integer" if key != "seed" else "an integer")
        if key == "seed" and not SEED_RANGE[0] <= value <= SEED_RANGE[1]:
            raise bad("an integer from -2**63 to 2**63 - 1")
        return value
    if key in ("C_max", "T_max", "acc_min"):
        vals = value if isinstance(value, list) else [value]
        if not vals or any(isinstance(v, bool) or not isinstance(v, int | float)
                           or math.isnan(v) for v in vals):
            raise bad("a number or a list of numbers")
        if key != "acc_min" and any(v <= 0 for v in vals):
            raise bad("> 0 (inf for no limit)")
        if key == "acc_min" and any(v == math.inf for v in vals):
            raise bad("< inf (-inf for no limit)")
        return [float(v) for v in vals] if isinstance(value, list) else float(value)
    if key == "ks":
        if value is None:
            return None
        if (not isinstance(value, list) or not value
                or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value)):
            raise bad("a list of positive integers")
        return tuple(value)
    if key in ("slo",):
        if value is not None and not isinstance(value, str):
            raise bad("a string such as 'p95 time <= 2 and mean accuracy >= 0.9'")
        return value
    if key == "scheme":
        if value not in ("crn", "independent"):
            raise bad("'crn' or 'independent'")
        return value
    if key == "time_model":
        if value not in ("paper", "waves"):
            raise bad("'paper' or 'waves'")
        return value
    if key == "knee_normalise":
        if value not in ("front", "budget"):
            raise bad("'front' or 'budget'")
        return value
    if key == "only":
        if value is not None and (not isinstance(value, list)
                                  or not all(isinstance(v, str) for v in value)):
            raise bad("a list of model keys")
        return value
    return value


def _aggregation(where: str, cfg: Mapping[str, Any]) -> Any:
    """``aggregation`` (a name), ``difficulty`` ({a, b} or {p, weight}) and ``phi``."""
    from ._aggregation import make

    name = cfg["aggregation"]
    if name is None:
        if cfg["difficulty"] is not None or cfg["phi"] is not None:
            raise ScenarioError(f"{where}: `difficulty` and `phi` need `aggregation` (pass@k, "
                                "majority or verifier)")
        return None
    if not isinstance(name, str):
        raise ScenarioError(f"{where}: `aggregation` must be a name (best-of-k, pass@k, "
                            f"majority, verifier), got {name!r}")
    d = cfg["difficulty"]
    if d is not None and not isinstance(d, Mapping):
        raise ScenarioError(f"{where}: `difficulty` must be a mapping {{a: ..., b: ...}} (Beta) "
                            f"or {{p: [...], weight: [...]}} (a mix), got {d!r}")
    try:
        return make(name, difficulty=None if d is None else dict(d), phi=cfg["phi"])
    except (TypeError, ValueError) as e:
        raise ScenarioError(f"{where}: {e}") from None


def _latency(where: str, value: Any) -> Any:
    from ._latency import Latency, validate_latency

    if value is None:
        return None
    if value == "ttft":
        return Latency()
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{where}: `latency` must be 'ttft' or a mapping of "
                            f"{', '.join(sorted(_LATENCY_KEYS))}, got {value!r}")
    unknown = sorted(set(value) - _LATENCY_KEYS)
    if unknown:
        raise ScenarioError(f"{where}: unknown key `latency.{unknown[0]}` (known: "
                            f"{', '.join(sorted(_LATENCY_KEYS))})")
    try:
        return validate_latency(Latency(**value))
    except (TypeError, ValueError) as e:
        raise ScenarioError(f"{where}: {e}") from None


def _serving(where: str, value: Any, base_dir: str | None) -> Any:
    """A Serving from ``{t0, slope, gpu_hour, batch, ...}`` or from ``{calibrate: <sweep
    file>, gpu_hour, batch, uncertainty}``."""
    from ._serving import Serving, calibrate_serving, validate_serving

    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{where}: `serving` must be a mapping, got {value!r}")
    unknown = sorted(set(value) - _SERVING_KEYS)
    if unknown:
        raise ScenarioError(f"{where}: unknown key `serving.{unknown[0]}` (known: "
                            f"{', '.join(sorted(_SERVING_KEYS))})")
    v = dict(value)
    try:
        if "calibrate" in v:
            src = v.pop("calibrate")
            if not isinstance(src, str):
                raise ScenarioError(f"{where}: `serving.calibrate` must be a sweep file path")
            path = src if base_dir is None or os.path.isabs(src) else os.path.join(base_dir, src)
            fit = calibrate_serving(_read_table(path), **dict(v.pop("columns", {}) or {}))
            if "gpu_hour" not in v:
                raise ScenarioError(f"{where}: `serving.gpu_hour` ($ per GPU-hour) is required")
            srv = fit.serving(gpu_hour=v.pop("gpu_hour"), batch=v.pop("batch", None),
                              uncertainty=bool(v.pop("uncertainty", True)),
                              prefill_rate=v.pop("prefill_rate", None))
            if v:
                raise ScenarioError(f"{where}: `serving.{sorted(v)[0]}` is set by the "
                                    "calibration; leave it out with `calibrate`")
        else:
            for k in ("uncertainty", "columns"):
                if k in v:
                    raise ScenarioError(f"{where}: `serving.{k}` needs `serving.calibrate`")
            missing = [k for k in ("t0", "slope", "gpu_hour") if k not in v]
            if missing:
                raise ScenarioError(f"{where}: `serving.{missing[0]}` is required (or give "
                                    "`serving.calibrate: <sweep file>`)")
            srv = Serving(**v)
        validate_serving(srv)
    except (TypeError, ValueError, OSError) as e:
        if isinstance(e, ScenarioError):
            raise
        raise ScenarioError(f"{where}: serving: {e}") from None
    return srv


def _read_table(path: str) -> Any:
    """A sweep for calibration: a CSV as a DataFrame, anything else through read_sweep."""
    if path.lower().endswith(".csv"):
        import pandas as pd

        return pd.read_csv(path)
    from ._sweeps import read_sweep

    return read_sweep(path)


def _build(name: str, where: str, raw: Mapping[str, Any], base_dir: str | None) -> Scenario:
    unknown = sorted(set(raw) - set(_DEFAULTS))
    if unknown:
        raise ScenarioError(
            f"{where}: unknown key `{unknown[0]}` (known: {', '.join(sorted(_DEFAULTS))})")
    cfg = {**_DEFAULTS, **raw}
    for k in list(cfg):
        if k not in ("models", "aggregation", "difficulty", "phi", "latency", "serving",
                     "objectives"):
            cfg[k] = _check(name, where, k, cfg[k])
    objectives = cfg["objectives"]
    if objectives is not None and (not isinstance(objectives, list) or not objectives
                                   or not all(isinstance(o, str) for o in objectives)):
        raise ScenarioError(f"{where}: `objectives` must be a list of objective names, got "
                            f"{objectives!r}")
    agg = _aggregation(where, cfg)
    lat = _latency(where, cfg["latency"])
    srv = _serving(where, cfg["serving"], base_dir)
    src = cfg["models"]
    try:
        if src is None:
            models = catalog()
        elif isinstance(src, str):
            path = src if base_dir is None or os.path.isabs(src) else os.path.join(base_dir, src)
            models = load_models(path)
        elif isinstance(src, Mapping):
            models = models_from_mapping({"models": src}, source=where)
        else:
            raise ScenarioError(f"{where}: `models` must be a file path or a mapping of models")
    except ModelFileError as e:
        raise ScenarioError(str(e)) from None
    if cfg["only"]:
        missing = [k for k in cfg["only"] if k not in models]
        if missing:
            raise ScenarioError(
                f"{where}: unknown model key {missing[0]!r} in `only` (known: {', '.join(models)})")
        models = {k: models[k] for k in cfg["only"]}
    return Scenario(name, models, cfg["C_max"], cfg["T_max"], cfg["acc_min"], cfg["k_max"],
                    cfg["ks"], cfg["parallel"], cfg["trials"], cfg["seed"], cfg["slo"],
                    cfg["scheme"], cfg["time_model"], cfg["knee_normalise"], agg, lat, srv,
                    None if objectives is None else tuple(objectives))


def load_scenario(name_or_path: str, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """A built-in scenario by name, or a YAML/TOML scenario file, with optional overrides.

    A file holds the keys of the built-in scenarios (``C_max``, ``T_max``, ``acc_min``: a
    number or a list, which makes a grid; ``k_max`` and ``parallel`` or an explicit ``ks``;
    ``trials``, ``seed``, ``slo``, ``scheme``, ``time_model``, ``knee_normalise``,
    ``only``) and ``models``: a path to a model file (relative to the scenario) or an
    inline mapping in the reference code's format; without it, the catalog. Without
    ``parallel`` every model runs at its own ``default_parallel``.

    Beyond the paper: ``aggregation`` (``best-of-k``, ``pass@k``, ``majority``,
    ``verifier``) with ``difficulty`` (``{a: 0.5, b: 2}`` for a Beta, or ``{p: [0.9, 0.35],
    weight: [0.6, 0.4]}`` for a mix) and ``phi`` (the verifier's false-positive rate);
    ``latency``: ``ttft`` or ``{queue, prefill_rate, tpot}``; ``serving``: ``{t0, slope,
    gpu_hour, batch, num_gpus, efficiency, prefill_rate}`` or ``{calibrate: <sweep file>,
    gpu_hour, batch, uncertainty}`` (a CSV read as a table, anything else through
    :func:`frontier.read_sweep`); ``objectives``: the front's objectives. Overrides of
    ``latency`` and ``serving`` mappings are merged into the file's.

    Examples
    --------
    >>> from frontier._scenario import load_scenario
    >>> sc = load_scenario("reference", {"only": ["gpt5"], "k_max": 16})
    >>> sc.parallel, sc.parallel_by_model()
    (None, {'gpt5': 4})
    """
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    if name_or_path in BUILTIN:
        raw = {**BUILTIN[name_or_path], **overrides}
        return _build(name_or_path, f"scenario {name_or_path!r}", raw, None)
    if not os.path.exists(name_or_path):
        raise ScenarioError(f"no such scenario {name_or_path!r}: neither a built-in one "
                            f"({', '.join(BUILTIN)}) nor a file")
    try:
        data = _read(name_or_path)
    except ModelFileError as e:
        raise ScenarioError(str(e)) from None
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{name_or_path}: expected a mapping of scenario keys")
    raw = {**data, **overrides}
    for k in ("latency", "serving"):  # merge overrides into the file's mapping
        if isinstance(data.get(k), Mapping) and isinstance(overrides.get(k), Mapping):
            raw[k] = {**data[k], **overrides[k]}
        elif data.get(k) == "ttft" and k == "latency" and isinstance(overrides.get(k),
                                                                     Mapping):
            raw[k] = dict(overrides[k])
    return _build(os.path.basename(name_or_path), name_or_path, raw,
                  os.path.dirname(os.path.abspath(name_or_path)))
