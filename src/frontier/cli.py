"""The ``frontier`` command line: ``frontier models`` and ``frontier run``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

import numpy as np

__all__ = ["main"]


class _UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="frontier",
        description="Monte Carlo simulation of inference scaling (cost, time, accuracy) on JAX.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    m = sub.add_parser("models", help="list the built-in catalog (or the models of a file)")
    m.add_argument("--models", metavar="FILE", help="a YAML/TOML model file instead of the catalog")
    r = sub.add_parser(
        "run",
        help="simulate every model over a grid of k and print per-k statistics",
        description=(
            "Simulate the paper model for every model and every k in P, 2P, ... <= k-max and"
            " print mean, std and 95%% interval of cost, time and accuracy per k. Defaults are"
            " the reference code's scenario: the nine catalog models, k-max 128, P 4,"
            " 300 trials, seed 42."
        ),
    )
    r.add_argument("--models", metavar="FILE", help="YAML/TOML model file (default: catalog)")
    r.add_argument("--only", metavar="KEY", nargs="+", help="restrict to these model keys")
    r.add_argument("--k-max", type=int, default=128, help="largest k (default 128)")
    r.add_argument("--parallel", "-P", type=int, default=4, help="parallelism P (default 4)")
    r.add_argument("--trials", type=int, default=300, help="trials per (model, k) (default 300)")
    r.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    r.add_argument("--scheme", choices=("crn", "independent"), default="crn",
                   help="common random numbers across k (default) or the reference's streams")
    r.add_argument("--time-model", choices=("paper", "waves"), default="paper",
                   help="the paper's time rule (default) or waves of P calls")
    r.add_argument("--show-k", type=int, nargs="+", metavar="K",
                   help="k values to print (default: 5 spread over the grid)")
    r.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return p


def _load(path: str | None, only: Sequence[str] | None):
    import frontier

    models = frontier.load_models(path) if path else frontier.catalog()
    if only:
        missing = [k for k in only if k not in models]
        if missing:
            raise _UsageError(f"unknown model key {missing[0]!r} (known: {', '.join(models)})")
        models = {k: models[k] for k in only}
    return models


def _cmd_models(args) -> int:
    models = _load(args.models, None)
    print(f"{'key':<28s} {'name':<34s} {'c_in':>9s} {'c_out':>9s} {'t_in':>8s} {'t_out':>8s}"
          f" {'acc':>6s} {'std':>5s} {'P':>3s}")
    for key, m in models.items():
        print(f"{key:<28s} {m.name:<34s} {m.c_in:9.3g} {m.c_out:9.3g} {m.t_in:8.2g}"
              f" {m.t_out:8.2g} {m.acc_mean:6.3f} {m.acc_std:5.3f} {m.default_parallel:3d}")
    return 0


def _cmd_run(args) -> int:
    import frontier

    for name in ("k_max", "parallel", "trials"):
        if getattr(args, name) < 1:
            raise _UsageError(f"--{name.replace('_', '-')} must be >= 1")
    models = _load(args.models, args.only)
    P = args.parallel
    ks = list(range(P, args.k_max + 1, P))
    if not ks:
        raise _UsageError(f"no k in P, 2P, ... <= k-max: P={P} > k-max={args.k_max}")
    t0 = time.perf_counter()
    summ = frontier.summarize(
        models, ks, key=args.seed, num_trials=args.trials, parallel=P, scheme=args.scheme,
        time_model=args.time_model,
    )
    elapsed = time.perf_counter() - t0
    lv = list(summ.quantile_levels)
    lo_i, hi_i = lv.index(0.025), lv.index(0.975)
    obj = {"cost": summ.cost, "time": summ.time, "accuracy": summ.accuracy}
    if args.json:
        out = {
            "ks": ks, "num_trials": args.trials, "parallel": P, "seed": args.seed,
            "scheme": args.scheme, "time_model": args.time_model, "models": {},
        }
        for i, key in enumerate(models):
            out["models"][key] = {
                name: {
                    "mean": np.asarray(st.mean[i]).tolist(),
                    "std": np.asarray(st.std[i]).tolist(),
                    "ci95": [np.asarray(st.quantiles[i, :, lo_i]).tolist(),
                             np.asarray(st.quantiles[i, :, hi_i]).tolist()],
                }
                for name, st in obj.items()
            }
        json.dump(out, sys.stdout)
        print()
        return 0
    show = args.show_k or sorted({ks[0], ks[len(ks) // 4], ks[len(ks) // 2],
                                  ks[(3 * len(ks)) // 4], ks[-1]})
    bad = [k for k in show if k not in ks]
    if bad:
        raise _UsageError(f"--show-k {bad[0]} is not on the grid P, 2P, ... <= k-max")
    cols = [ks.index(k) for k in show]
    print(f"frontier: {len(models)} models x {len(ks)} values of k x {args.trials} trials"
          f" (P={P}, seed {args.seed}, scheme {args.scheme}, time model {args.time_model})"
          f" in {elapsed:.2f} s")
    print("mean [95% interval] per query")
    print(f"{'model':<34s} {'k':>4s}  {'cost $':>26s}  {'time s':>26s}  {'accuracy':>23s}")
    for i, key in enumerate(models):
        name = models[key].name
        for c in cols:
            cells = []
            for nm, st in obj.items():
                fmt = ".4f" if nm != "time" else ".2f"
                mean = float(st.mean[i, c])
                lo = float(st.quantiles[i, c, lo_i])
                hi = float(st.quantiles[i, c, hi_i])
                cells.append(f"{mean:{fmt}} [{lo:{fmt}}, {hi:{fmt}}]")
            print(f"{name:<34s} {ks[c]:4d}  {cells[0]:>26s}  {cells[1]:>26s}  {cells[2]:>23s}")
            name = ""
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``frontier`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "models":
            return _cmd_models(args)
        return _cmd_run(args)
    except _UsageError as e:
        print(f"frontier: error: {e}", file=sys.stderr)
        return 2
    except ValueError as e:  # includes ModelFileError: one clear line
        print(f"frontier: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
