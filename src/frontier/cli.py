"""The ``frontier`` command line: ``frontier models`` and ``frontier run``."""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["main", "study_records"]

RULES = (
    ("accuracy", "accuracy-optimal"),
    ("cube", "cube-optimal"),
    ("utopia", "utopia-closest"),
    ("knee_chord", "knee (chord)"),
    ("knee_curvature", "knee (curvature)"),
    ("cheapest", "cheapest feasible"),
)


class _UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    from ._scenario import BUILTIN

    p = argparse.ArgumentParser(
        prog="frontier",
        description="Monte Carlo simulation of inference scaling (cost, time, accuracy) on JAX,"
        " Pareto fronts and operating points.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    m = sub.add_parser("models", help="list the built-in catalog (or the models of a file)")
    m.add_argument("--models", metavar="FILE", help="a YAML/TOML model file instead of the catalog")
    r = sub.add_parser(
        "run",
        help="run a scenario: simulate, find fronts, select operating points, write results",
        description=(
            "Simulate every model for every k of the grid (P, 2P, ... <= k-max by default),"
            " apply the budget (and SLO), and print the selected operating points per model"
            " and across models. Writes study.json, selections.csv, candidates.csv and the"
            " figures (PNG and PDF) to --out. Built-in scenarios: " + ", ".join(BUILTIN)
            + " (default: reference = the reference code's study: the nine catalog models,"
            " C_max $0.50, T_max 60 s, acc_min 0.88, k-max 128, P 4, 300 trials, seed 42)."
        ),
    )
    r.add_argument("scenario", nargs="?", default="reference",
                   help="a built-in scenario name or a YAML/TOML scenario file")
    r.add_argument("--models", metavar="FILE", help="YAML/TOML model file (default: catalog)")
    r.add_argument("--only", metavar="KEY", nargs="+", help="restrict to these model keys")
    r.add_argument("--c-max", type=float, nargs="+", metavar="USD",
                   help="cost budget per query ($); several values make a grid")
    r.add_argument("--t-max", type=float, nargs="+", metavar="S",
                   help="time budget per query (s); several values make a grid")
    r.add_argument("--acc-min", type=float, nargs="+", metavar="A",
                   help="minimum mean accuracy; several values make a grid")
    r.add_argument("--k-max", type=int, help="largest k of the grid P, 2P, ...")
    r.add_argument("--ks", type=int, nargs="+", metavar="K", help="an explicit k grid")
    r.add_argument("--parallel", "-P", type=int, help="parallelism P (sets the grid step)")
    r.add_argument("--trials", type=int, help="trials per (model, k)")
    r.add_argument("--seed", type=int, help="random seed")
    r.add_argument("--slo",
                   help="extra constraints, e.g. 'p95 time <= 30 and mean accuracy >= 0.9'")
    r.add_argument("--scheme", choices=("crn", "independent"),
                   help="common random numbers across k (default) or the reference's streams")
    r.add_argument("--time-model", choices=("paper", "waves"),
                   help="the paper's time rule (default) or waves of P calls")
    r.add_argument("--out", default="frontier-out", metavar="DIR",
                   help="output directory (default: frontier-out)")
    r.add_argument("--no-write", action="store_true", help="write nothing, only print")
    r.add_argument("--no-plots", action="store_true", help="skip the figures")
    r.add_argument("--json", action="store_true",
                   help="print the results as JSON on stdout instead of the table")

    sn = sub.add_parser(
        "sensitivity",
        help="gradients and elasticities of a selected operating point (jax.grad)",
        description=(
            "Differentiate a soft version of the selection rule with jax.grad and print, for"
            " one model, how the selected point's expected k, cost, time and accuracy respond"
            " to every model field and budget value: elasticities d log(output) / d log(input)"
            " ranked by size, with Monte Carlo standard errors from independent key batches."
            " Writes sensitivity.json and a tornado plot to --out."
        ),
    )
    sn.add_argument("scenario", nargs="?", default="reference",
                    help="a built-in scenario name or a YAML/TOML scenario file")
    sn.add_argument("--model", required=True, metavar="KEY", help="the model to analyse")
    sn.add_argument("--models", metavar="FILE", help="YAML/TOML model file (default: catalog)")
    sn.add_argument("--method", choices=("knee", "utopia", "accuracy", "cube"), default="knee",
                    help="the selection rule (default: knee)")
    sn.add_argument("--output", choices=("k", "cost", "time", "accuracy"), default=None,
                    help="print only this output (default: all four)")
    sn.add_argument("--temperature", type=float, default=0.01,
                    help="softness of the rule in normalised units (default 0.01)")
    sn.add_argument("--trials", type=int, default=16384, help="trials (default 16384)")
    sn.add_argument("--batches", type=int, default=8,
                    help="independent key batches for standard errors (default 8)")
    sn.add_argument("--c-max", type=float, metavar="USD", help="cost budget ($/query)")
    sn.add_argument("--t-max", type=float, metavar="S", help="time budget (s/query)")
    sn.add_argument("--acc-min", type=float, metavar="A", help="minimum mean accuracy")
    sn.add_argument("--k-max", type=int, help="largest k of the grid P, 2P, ...")
    sn.add_argument("--parallel", "-P", type=int, help="parallelism P (sets the grid step)")
    sn.add_argument("--seed", type=int, help="random seed")
    sn.add_argument("--out", default="frontier-out", metavar="DIR",
                    help="output directory (default: frontier-out)")
    sn.add_argument("--no-write", action="store_true", help="write nothing, only print")
    sn.add_argument("--no-plots", action="store_true", help="skip the tornado plot")
    sn.add_argument("--json", action="store_true", help="print JSON instead of the table")
    return p


def _fmt_est(e, i, fmt):
    m, lo, hi = (float(np.asarray(x)[i]) for x in e)
    if math.isnan(m):
        return "-"
    return f"{m:{fmt}} [{lo:{fmt}}, {hi:{fmt}}]"


def _num(x) -> Any:
    v = float(x)
    return None if math.isnan(v) else v


def study_records(study, scenario) -> dict[str, Any]:
    """JSON-ready results of a study: scenario, per-budget selections, fronts and candidates."""
    s = study.summary
    bshape = study.budget.C_max.shape
    keys = list(scenario.models) if scenario is not None else list(study.models)
    lv = list(s.quantile_levels)
    out: dict[str, Any] = {
        "scenario": None if scenario is None else {
            "name": scenario.name, "models": keys, "ks": list(study.ks),
            "parallel": scenario.parallel, "trials": scenario.trials, "seed": scenario.seed,
            "slo": scenario.slo, "scheme": scenario.scheme, "time_model": scenario.time_model,
        },
        "quantile_levels": lv,
        "candidates": {},
        "budgets": [],
    }
    for i, key in enumerate(keys):
        rec = {"name": study.models[i] if scenario is None else scenario.models[key].name,
               "k": list(study.ks)}
        for obj, st in (("cost", s.cost), ("time", s.time), ("accuracy", s.accuracy)):
            rec[obj] = {"mean": np.asarray(st.mean[i]).tolist(),
                        "std": np.asarray(st.std[i]).tolist(),
                        "quantiles": np.asarray(st.quantiles[i]).tolist()}
        out["candidates"][key] = rec
    for bidx in np.ndindex(*bshape):
        b = [float(np.asarray(f)[bidx]) for f in study.budget]
        entry: dict[str, Any] = {
            "C_max": b[0], "T_max": b[1], "acc_min": b[2], "models": {}, "cross": {}}
        for i, key in enumerate(keys):
            feas = np.asarray(study.feasible[(*bidx, i)])
            par = np.asarray(study.pareto[(*bidx, i)])
            pts = {}
            for rule, _ in (*RULES, ("knee_paper", "")):
                p = getattr(study.points, rule)
                j = (*bidx, i)
                found = bool(np.asarray(p.found)[j])
                pts[rule] = None if not found else {
                    "k": int(np.asarray(p.k)[j]),
                    **{obj: {f: _num(np.asarray(getattr(getattr(p, obj), f))[j])
                             for f in ("mean", "lo", "hi")}
                       for obj in ("cost", "time", "accuracy")},
                }
            entry["models"][key] = {
                "feasible_k": [k for k, f in zip(study.ks, feas, strict=True) if f],
                "pareto_k": [k for k, f in zip(study.ks, par, strict=True) if f],
                "points": pts,
                "explain": study.explain(i, bidx),
            }
        cfront = np.asarray(study.cross.pareto[bidx])
        entry["cross"]["pareto"] = [[keys[i], study.ks[j]] for i, j in zip(*np.nonzero(cfront),
                                                                          strict=True)]
        for rule, _ in (*RULES, ("knee_paper", "")):
            p = getattr(study.cross.points, rule)
            found = bool(np.asarray(p.found)[bidx])
            entry["cross"][rule] = None if not found else {
                "model": keys[int(np.asarray(p.model)[bidx])], "k": int(np.asarray(p.k)[bidx]),
                **{obj: {f: _num(np.asarray(getattr(getattr(p, obj), f))[bidx])
                         for f in ("mean", "lo", "hi")} for obj in ("cost", "time", "accuracy")},
            }
        out["budgets"].append(entry)
    return out


def _csvs(rec) -> dict[str, str]:
    sel = io.StringIO()
    w = csv.writer(sel)
    cols = [f"{o}_{f}" for o in ("cost", "time", "accuracy") for f in ("mean", "lo", "hi")]
    w.writerow(["C_max", "T_max", "acc_min", "scope", "model", "rule", "k", *cols])
    for b in rec["budgets"]:
        lim = [b["C_max"], b["T_max"], b["acc_min"]]
        for key, mrec in b["models"].items():
            for rule, p in mrec["points"].items():
                if p is not None:
                    w.writerow([*lim, "model", key, rule, p["k"],
                                *[p[o][f] for o in ("cost", "time", "accuracy")
                                  for f in ("mean", "lo", "hi")]])
        for rule, p in b["cross"].items():
            if rule != "pareto" and p is not None:
                w.writerow([*lim, "cross", p["model"], rule, p["k"],
                            *[p[o][f] for o in ("cost", "time", "accuracy")
                              for f in ("mean", "lo", "hi")]])
    cand = io.StringIO()
    w = csv.writer(cand)
    lv = rec["quantile_levels"]
    qcols = [f"{o}_p{100 * q:g}" for o in ("cost", "time", "accuracy") for q in lv]
    w.writerow(["C_max", "T_max", "acc_min", "model", "k", "feasible", "pareto", "cross_pareto",
                "cost_mean", "cost_std", "time_mean", "time_std", "accuracy_mean",
                "accuracy_std", *qcols])
    for b in rec["budgets"]:
        cross = {(m, k) for m, k in b["cross"]["pareto"]}
        for key, c in rec["candidates"].items():
            mrec = b["models"][key]
            for j, k in enumerate(c["k"]):
                qs = [c[o]["quantiles"][j][q] for o in ("cost", "time", "accuracy")
                      for q in range(len(lv))]
                w.writerow([b["C_max"], b["T_max"], b["acc_min"], key, k,
                            int(k in mrec["feasible_k"]), int(k in mrec["pareto_k"]),
                            int((key, k) in cross), c["cost"]["mean"][j], c["cost"]["std"][j],
                            c["time"]["mean"][j], c["time"]["std"][j],
                            c["accuracy"]["mean"][j], c["accuracy"]["std"][j], *qs])
    return {"selections.csv": sel.getvalue(), "candidates.csv": cand.getvalue()}


def _print_table(study, scenario, rec, elapsed: float) -> None:
    ks = study.ks
    grid = (f"k = {ks[0]}..{ks[-1]} step {ks[1] - ks[0]}" if len(ks) > 1 and
            all(b - a == ks[1] - ks[0] for a, b in itertools.pairwise(ks))
            else f"k in {list(ks)}")
    print(f"frontier: scenario {scenario.name}: {len(scenario.models)} models, {grid},"
          f" {scenario.trials} trials, P={scenario.parallel}, seed {scenario.seed}"
          f" ({elapsed:.1f} s)")
    keys = list(scenario.models)
    for bi, b in enumerate(rec["budgets"]):
        bidx = np.unravel_index(bi, study.budget.C_max.shape) if study.budget.C_max.shape else ()
        slo = f", SLO: {scenario.slo}" if scenario.slo else ""
        print(f"\nbudget: cost <= ${b['C_max']:g}, time <= {b['T_max']:g} s,"
              f" accuracy >= {b['acc_min']:g}{slo}")
        print(f"  {'rule':<20s} {'k':>4s}  {'cost $ [95%]':>24s}  {'time s [95%]':>22s}"
              f"  {'accuracy [95%]':>24s}")
        for i, key in enumerate(keys):
            m = b["models"][key]
            nf, npar = len(m["feasible_k"]), len(m["pareto_k"])
            head = f"{scenario.models[key].name} ({key})"
            if not nf:
                print(f"{head}: {m['explain'].split(': ', 1)[1]}")
                continue
            sat = [k for k, a in zip(ks, np.asarray(study.summary.accuracy.mean[i]), strict=True)
                   if k in m["feasible_k"] and k not in m["pareto_k"] and a >= 1.0]
            note = (f" (from k={sat[0]} every trial reaches accuracy 1.0: those k tie and are"
                    " dominated by the smallest)" if sat else "")
            print(f"{head}: {nf} feasible k, {npar} on the front{note}")
            for rule, label in RULES:
                p = getattr(study.points, rule)
                j = (*bidx, i)
                if not bool(np.asarray(p.found)[j]):
                    print(f"  {label:<20s} {'-':>4s}  (needs >= 3 Pareto points)")
                    continue
                print(f"  {label:<20s} {int(np.asarray(p.k)[j]):4d}  "
                      f"{_fmt_est(p.cost, j, '.4f'):>24s}  {_fmt_est(p.time, j, '.2f'):>22s}  "
                      f"{_fmt_est(p.accuracy, j, '.4f'):>24s}")
        print(f"across models: {len(b['cross']['pareto'])} (model, k) pairs on the front")
        for rule, label in RULES:
            p = getattr(study.cross.points, rule)
            if not bool(np.asarray(p.found)[bidx]):
                print(f"  {label:<20s} -")
                continue
            key = keys[int(np.asarray(p.model)[bidx])]
            print(f"  {label:<20s} {int(np.asarray(p.k)[bidx]):4d}  "
                  f"{_fmt_est(p.cost, bidx, '.4f'):>24s}  {_fmt_est(p.time, bidx, '.2f'):>22s}"
                  f"  {_fmt_est(p.accuracy, bidx, '.4f'):>24s}  {key}")


def _write_outputs(out_dir: str, files: dict[str, str], study, plots: bool,
                   names: dict[str, str] | None = None) -> list[str]:
    """Write everything into a fresh temporary directory, then move it into place.

    Figures go to ``figures/`` (one budget) or ``figures/budget-<i>/`` (a grid of at most
    four budgets; larger grids get the figures of the first budget only).
    """
    parent = os.path.dirname(os.path.abspath(out_dir)) or "."
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".frontier-", dir=parent)
    try:
        for name, text in files.items():
            with open(os.path.join(tmp, name), "w", newline="") as fh:
                fh.write(text)
        if plots:
            from . import plot

            shape = study.budget.C_max.shape
            grid = list(np.ndindex(*shape))
            if len(grid) == 1:
                plot.save_all(study, os.path.join(tmp, "figures"), budget_index=grid[0],
                              names=names)
            else:
                for n, bi in enumerate(grid[:1] if len(grid) > 4 else grid):
                    plot.save_all(study, os.path.join(tmp, "figures", f"budget-{n}"),
                                  budget_index=bi, names=names)
        os.makedirs(out_dir, exist_ok=True)
        written = []
        for root, _, fnames in os.walk(tmp):
            for name in sorted(fnames):
                src = os.path.join(root, name)
                dst = os.path.join(out_dir, os.path.relpath(src, tmp))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                os.replace(src, dst)
                written.append(dst)
        return written
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _cmd_models(args) -> int:
    import frontier

    models = frontier.load_models(args.models) if args.models else frontier.catalog()
    print(f"{'key':<28s} {'name':<34s} {'c_in':>9s} {'c_out':>9s} {'t_in':>8s} {'t_out':>8s}"
          f" {'acc':>6s} {'std':>5s} {'P':>3s}")
    for key, m in models.items():
        print(f"{key:<28s} {m.name:<34s} {m.c_in:9.3g} {m.c_out:9.3g} {m.t_in:8.2g}"
              f" {m.t_out:8.2g} {m.acc_mean:6.3f} {m.acc_std:5.3f} {m.default_parallel:3d}")
    return 0


def _cmd_run(args) -> int:
    import frontier

    from ._scenario import load_scenario

    def one(v):
        return None if v is None else (v[0] if len(v) == 1 else v)

    overrides = {
        "models": args.models, "only": args.only, "C_max": one(args.c_max),
        "T_max": one(args.t_max), "acc_min": one(args.acc_min), "k_max": args.k_max,
        "ks": args.ks, "parallel": args.parallel, "trials": args.trials, "seed": args.seed,
        "slo": args.slo, "scheme": args.scheme, "time_model": args.time_model,
    }
    if args.ks is not None:
        overrides["ks"] = list(args.ks)
    sc = load_scenario(args.scenario, overrides)
    t0 = time.perf_counter()
    budget = frontier.budget_grid(sc.C_max, sc.T_max, sc.acc_min)
    if budget.C_max.size == 1:
        budget = frontier.Budget(*(a.reshape(()) for a in budget))
    study = frontier.optimize(
        sc.models, budget=budget, key=sc.seed, num_trials=sc.trials, k_max=sc.k_max, ks=sc.ks,
        parallel=sc.parallel, slo=sc.slo, scheme=sc.scheme, time_model=sc.time_model,
    )
    elapsed = time.perf_counter() - t0
    rec = study_records(study, sc)
    text = json.dumps(rec, indent=1)
    if args.json:
        print(text)
    else:
        _print_table(study, sc, rec, elapsed)
    if not args.no_write:
        files = {"study.json": text, **_csvs(rec)}
        names = {k: m.name for k, m in sc.models.items()}
        written = _write_outputs(args.out, files, study, plots=not args.no_plots, names=names)
        if not args.json:
            print(f"\nwrote {len(written)} files to {args.out}/")
    return 0


def _cmd_sensitivity(args) -> int:
    import frontier

    from ._scenario import load_scenario

    sc = load_scenario(args.scenario, {
        "models": args.models, "C_max": args.c_max, "T_max": args.t_max,
        "acc_min": args.acc_min, "k_max": args.k_max, "parallel": args.parallel,
        "seed": args.seed,
    })
    if args.model not in sc.models:
        raise _UsageError(f"unknown model {args.model!r} (known: {', '.join(sc.models)})")
    for name in ("C_max", "T_max", "acc_min"):
        if isinstance(getattr(sc, name), list):
            raise _UsageError(f"sensitivity needs one budget, but {name} is a list")
    if not args.temperature > 0:
        raise _UsageError("--temperature must be > 0")
    t0 = time.perf_counter()
    model = sc.models[args.model]
    sens = frontier.sensitivity(
        model, budget=(sc.C_max, sc.T_max, sc.acc_min), key=sc.seed, num_trials=args.trials,
        k_max=sc.k_max, ks=sc.ks, parallel=sc.parallel, rule=args.method,
        temperature=args.temperature, num_batches=args.batches,
    )
    elapsed = time.perf_counter() - t0
    outputs = [args.output] if args.output else list(sens.outputs)
    rec = {
        "model": args.model, "name": model.name, "method": args.method,
        "temperature": args.temperature, "trials": args.trials, "batches": args.batches,
        "budget": {"C_max": sc.C_max, "T_max": sc.T_max, "acc_min": sc.acc_min},
        "hard_k": int(sens.hard_k),
        "value": dict(zip(sens.outputs, np.asarray(sens.value).tolist(), strict=True)),
        "value_se": dict(zip(sens.outputs, np.asarray(sens.value_se).tolist(), strict=True)),
        "elasticity": {o: {n: [e, s] for n, e, s in sens.ranked(o)} for o in sens.outputs},
        "gradient": {o: dict(zip(sens.inputs, np.asarray(sens.grad[i]).tolist(), strict=True))
                     for i, o in enumerate(sens.outputs)},
    }
    text = json.dumps(rec, indent=1)
    if args.json:
        print(text)
    else:
        units = {"k": "", "cost": " $", "time": " s", "accuracy": ""}
        print(f"frontier: sensitivity of the {args.method} point of {model.name} "
              f"(budget ${sc.C_max:g}, {sc.T_max:g} s, acc >= {sc.acc_min:g}; {args.trials}"
              f" trials in {args.batches} batches, temperature {args.temperature:g};"
              f" {elapsed:.1f} s)")
        vals = "  ".join(f"{o} {float(v):.4g}{units[o]} (+-{float(e):.2g})" for o, v, e in
                         zip(sens.outputs, sens.value, sens.value_se, strict=True))
        print(f"soft-selected point: {vals}; hard rule picks k={int(sens.hard_k)}")
        for o in outputs:
            print(f"\nelasticity of {o}: % change per 1% change of the input (ranked)")
            for name, e, se in sens.ranked(o)[:8]:
                print(f"  {name:<12s} {e:+10.4f}  +- {se:.2g}")
    if not args.no_write:
        written = _write_outputs(args.out, {"sensitivity.json": text}, None, plots=False)
        if not args.no_plots:
            from . import plot

            written += plot.save_tornado(sens, args.out, output=args.output or "k")
        if not args.json:
            print(f"\nwrote {len(written)} files to {args.out}/")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``frontier`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "models":
            return _cmd_models(args)
        if args.command == "sensitivity":
            return _cmd_sensitivity(args)
        return _cmd_run(args)
    except (_UsageError, ValueError, OSError) as e:
        msg = re.sub(r"\s+", " ", str(e)).strip()
        print(f"frontier: error: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
