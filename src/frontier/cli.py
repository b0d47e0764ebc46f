"""The ``frontier`` command line: argparse and the commands ``models``, ``run``, ``sensitivity``.

The commands only wire the pieces together: :mod:`frontier._scenario` reads the scenario,
:func:`frontier.optimize` and :func:`frontier.sensitivity` compute, :mod:`frontier._records`
makes the records (strict JSON and CSV), :mod:`frontier._console` the tables, and
:mod:`frontier._io` writes the output directory as a whole. Every error is one line on stderr
with exit status 2, and comes before the simulation where it can be known then (an unusable
``--out`` too).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

import numpy as np

from ._console import format_models, format_sensitivity, format_study
from ._io import check_out_dir, write_dir
from ._records import dumps, sensitivity_record, study_csvs, study_records
from ._rules import SOFT_RULES

__all__ = ["main"]

#: What an existing ``--out`` may hold to be replaced: what the commands write (and a
#: desktop's folder metadata). Anything else makes a command refuse the directory.
_OUTPUTS = ("study.json", "selections.csv", "candidates.csv", "figures", "sensitivity.json",
            "tornado-*.*", ".DS_Store")


class _UsageError(Exception):
    pass


class _Terminated(BaseException):
    """SIGTERM, raised like KeyboardInterrupt so that partial outputs are removed."""


def _one_line(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line (and the usual exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {_one_line(message)} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    from ._scenario import BUILTIN

    p = _Parser(
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
            " figures (PNG and PDF) to --out, replacing the directory as a whole: a reader"
            " sees the old set of files or the new one, and an existing --out may hold only"
            " what frontier writes. The JSON is strict: null stands for no limit and for a"
            " missing value. Built-in scenarios: " + ", ".join(BUILTIN)
            + " (default: reference = the reference code's study: the nine catalog models,"
            " C_max $0.50, T_max 60 s, acc_min 0.88, k-max 128, each model's default_parallel"
            " as P (4 in the catalog), 300 trials, seed 42)."
        ),
    )
    r.add_argument("scenario", nargs="?", default="reference",
                   help="a built-in scenario name or a YAML/TOML scenario file")
    r.add_argument("--models", metavar="FILE", help="YAML/TOML model file (default: catalog)")
    r.add_argument("--only", metavar="KEY", nargs="+", help="restrict to these model keys")
    r.add_argument("--c-max", type=float, nargs="+", metavar="USD",
                   help="cost budget per query ($, inf for none); several values make a grid")
    r.add_argument("--t-max", type=float, nargs="+", metavar="S",
                   help="time budget per query (s, inf for none); several values make a grid")
    r.add_argument("--acc-min", type=float, nargs="+", metavar="A",
                   help="minimum mean accuracy (--acc-min=-inf for none); several values make a"
                   " grid")
    r.add_argument("--k-max", type=int, help="largest k of the grid P, 2P, ...")
    r.add_argument("--ks", type=int, nargs="+", metavar="K", help="an explicit k grid")
    r.add_argument("--parallel", "-P", type=int,
                   help="parallelism P of every model (sets the grid step; default: each"
                   " model's default_parallel)")
    r.add_argument("--trials", type=int, help="trials per (model, k)")
    r.add_argument("--seed", type=int, help="random seed (-2**63 to 2**63 - 1)")
    r.add_argument("--slo",
                   help="extra constraints, e.g. 'p95 time <= 30 and mean accuracy >= 0.9'")
    r.add_argument("--scheme", choices=("crn", "independent"),
                   help="common random numbers across k (default) or the reference's streams")
    r.add_argument("--time-model", choices=("paper", "waves"),
                   help="the paper's time rule (default) or waves of P calls")
    r.add_argument("--knee-normalise", choices=("front", "budget"),
                   help="the knees' space: each objective scaled by the front's range (default)"
                   " or the paper's (C/C_max, T/T_max, A)")
    r.add_argument("--aggregation", choices=("best-of-k", "pass@k", "majority", "verifier"),
                   help="how k samples make one answer (default: the paper's oracle best-of-k)")
    r.add_argument("--difficulty", type=float, nargs=2, metavar=("A", "B"),
                   help="per-problem success rate p ~ Beta(A, B) for pass@k, majority, verifier")
    r.add_argument("--phi", type=float,
                   help="the verifier's false-positive rate, in [0, 1]")
    r.add_argument("--latency", choices=("ttft",),
                   help="add time to first token and end-to-end time (objectives ttft, e2e)")
    r.add_argument("--queue", type=float, metavar="S",
                   help="mean queueing delay per call in seconds (implies --latency ttft)")
    r.add_argument("--gpu-hour", type=float, metavar="USD",
                   help="$ per GPU-hour of the scenario's serving model")
    r.add_argument("--batch", type=float, nargs="+", metavar="B",
                   help="batch sizes of the scenario's serving model (a knob)")
    r.add_argument("--objectives", nargs="+", metavar="NAME",
                   help="objectives of the fronts (default: cost time accuracy)")
    r.add_argument("--out", default="frontier-out", metavar="DIR",
                   help="output directory, replaced as a whole (default: frontier-out)")
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
            " Writes sensitivity.json and a tornado plot to --out, replacing the directory as"
            " a whole."
        ),
    )
    sn.add_argument("scenario", nargs="?", default="reference",
                    help="a built-in scenario name or a YAML/TOML scenario file")
    sn.add_argument("--model", required=True, metavar="KEY", help="the model to analyse")
    sn.add_argument("--models", metavar="FILE", help="YAML/TOML model file (default: catalog)")
    sn.add_argument("--rule", choices=SOFT_RULES, default="knee_chord",
                    help="the selection rule (default: knee_chord)")
    sn.add_argument("--knee-normalise", choices=("front", "budget"),
                    help="the knee's space: the front's range (default) or the budget's")
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
    sn.add_argument("--parallel", "-P", type=int,
                    help="parallelism P (sets the grid step; default: the model's"
                    " default_parallel)")
    sn.add_argument("--seed", type=int, help="random seed (-2**63 to 2**63 - 1)")
    sn.add_argument("--out", default="frontier-sensitivity", metavar="DIR",
                    help="output directory, replaced as a whole (default: frontier-sensitivity)")
    sn.add_argument("--no-write", action="store_true", help="write nothing, only print")
    sn.add_argument("--no-plots", action="store_true", help="skip the tornado plot")
    sn.add_argument("--json", action="store_true", help="print JSON instead of the table")
    return p


def _write_texts(directory: str, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        with open(os.path.join(directory, name), "w", newline="") as fh:
            fh.write(text)


def _write(args, fill: Callable[[str], Any]) -> None:
    written = write_dir(args.out, fill, replaceable=_OUTPUTS)
    if not args.json:
        print(f"\nwrote {len(written)} files to {args.out}/")


def _cmd_models(args) -> int:
    import frontier

    print(format_models(frontier.load_models(args.models) if args.models else frontier.catalog()))
    return 0


def _run_figures(directory: str, study, names: Mapping[str, str]) -> None:
    """``figures/`` (one budget) or ``figures/budget-<i>/`` (a grid of at most four budgets;
    larger grids get the figures of the first budget only)."""
    from . import plot

    grid = list(np.ndindex(*np.shape(study.budget.C_max)))
    if len(grid) == 1:
        plot.save_all(study, os.path.join(directory, "figures"), budget_index=grid[0],
                      names=names)
        return
    for n, bi in enumerate(grid[:1] if len(grid) > 4 else grid):
        plot.save_all(study, os.path.join(directory, "figures", f"budget-{n}"), budget_index=bi,
                      names=names)


def _cmd_run(args) -> int:
    import frontier

    from ._scenario import load_scenario

    def one(v):
        return None if v is None else (v[0] if len(v) == 1 else v)

    sc = load_scenario(args.scenario, {
        "models": args.models, "only": args.only, "C_max": one(args.c_max),
        "T_max": one(args.t_max), "acc_min": one(args.acc_min), "k_max": args.k_max,
        "ks": None if args.ks is None else list(args.ks), "parallel": args.parallel,
        "trials": args.trials, "seed": args.seed, "slo": args.slo, "scheme": args.scheme,
        "time_model": args.time_model, "knee_normalise": args.knee_normalise,
        **_extension_overrides(args),
    })
    if not args.no_write:
        check_out_dir(args.out, replaceable=_OUTPUTS)
    t0 = time.perf_counter()
    budget = frontier.budget_grid(sc.C_max, sc.T_max, sc.acc_min)
    if budget.C_max.size == 1:
        budget = frontier.Budget(*(a.reshape(()) for a in budget))
    study = frontier.optimize(
        sc.models, budget=budget, key=sc.seed, num_trials=sc.trials, k_max=sc.k_max, ks=sc.ks,
        parallel=sc.parallel, slo=sc.slo, scheme=sc.scheme, time_model=sc.time_model,
        knee_normalise=sc.knee_normalise, aggregation=sc.aggregation, latency=sc.latency,
        serving=sc.serving, objectives=sc.objectives,
    )
    elapsed = time.perf_counter() - t0
    if tuple(study.models) != tuple(sc.models):  # (model, batch) variants of serving
        base = {f"{k}@b{b:g}": k for k in sc.models for b in np.atleast_1d(sc.serving.batch)}
        sc = sc._replace(models={n: sc.models[base[n]] for n in study.models})
    rec = study_records(study, sc)
    text = dumps(rec)
    print(text if args.json else format_study(rec, elapsed))
    if not args.no_write:
        files = {"study.json": text, **study_csvs(rec)}
        names = {k: m.name for k, m in sc.models.items()}

        def fill(directory: str) -> None:
            _write_texts(directory, files)
            if not args.no_plots:
                _run_figures(directory, study, names)

        _write(args, fill)
    return 0


def _extension_overrides(args) -> dict[str, Any]:
    """Scenario overrides of ``frontier run``'s aggregation, latency and serving options."""
    latency: Any = None
    if args.queue is not None:
        latency = {"queue": args.queue}
    elif args.latency:
        latency = args.latency
    serving = {k: v for k, v in (("gpu_hour", args.gpu_hour),
                                 ("batch", None if args.batch is None else list(args.batch)))
               if v is not None}
    return {"aggregation": args.aggregation, "phi": args.phi,
            "difficulty": None if args.difficulty is None else dict(zip("ab", args.difficulty,
                                                                        strict=True)),
            "latency": latency, "serving": serving or None, "objectives": args.objectives}


def _cmd_sensitivity(args) -> int:
    import frontier

    from ._scenario import load_scenario

    sc = load_scenario(args.scenario, {
        "models": args.models, "C_max": args.c_max, "T_max": args.t_max,
        "acc_min": args.acc_min, "k_max": args.k_max, "parallel": args.parallel,
        "seed": args.seed, "knee_normalise": args.knee_normalise,
    })
    if args.model not in sc.models:
        raise _UsageError(f"unknown model {args.model!r} (known: {', '.join(sc.models)})")
    for name in ("C_max", "T_max", "acc_min"):
        if isinstance(getattr(sc, name), list):
            raise _UsageError(f"sensitivity needs one budget, but {name} is a list")
    if not args.temperature > 0:
        raise _UsageError("--temperature must be > 0")
    if sc.serving is not None and np.size(sc.serving.batch) != 1:
        raise _UsageError("sensitivity needs one serving batch size, but the scenario has "
                          f"{np.size(sc.serving.batch)}")
    if not args.no_write:
        check_out_dir(args.out, replaceable=_OUTPUTS)
    t0 = time.perf_counter()
    model = sc.models[args.model]
    budget = (sc.C_max, sc.T_max, sc.acc_min)
    sens = frontier.sensitivity(
        model, budget=budget, key=sc.seed, num_trials=args.trials, k_max=sc.k_max, ks=sc.ks,
        parallel=sc.parallel, rule=args.rule, temperature=args.temperature,
        num_batches=args.batches, knee_normalise=sc.knee_normalise,
        aggregation=sc.aggregation, serving=sc.serving,
    )
    if not bool(sens.found):
        raise _UsageError(f"the {args.rule} rule selects nothing, so there is no point to "
                          f"differentiate: {sens.notes[0]}")
    elapsed = time.perf_counter() - t0
    rec = sensitivity_record(sens, model=args.model, name=model.name, budget=budget,
                             parallel=sc.parallel_by_model()[args.model], trials=args.trials,
                             batches=args.batches)
    text = dumps(rec)
    print(text if args.json else format_sensitivity(
        rec, elapsed, outputs=[args.output] if args.output else None))
    if not args.no_write:
        def fill(directory: str) -> None:
            _write_texts(directory, {"sensitivity.json": text})
            if not args.no_plots:
                from . import plot

                plot.save_tornado(sens, directory, output=args.output or "k")

        _write(args, fill)
    return 0


def _terminate(signum, frame) -> NoReturn:
    raise _Terminated(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``frontier`` console script; returns the exit code.

    Errors print one line, ``frontier: error: ...``, on stderr and return 2. An interrupt
    (Ctrl-C, SIGTERM) before the output directory is swapped in leaves ``--out`` as it was,
    with no temporary directory behind, and returns 130 (143 for SIGTERM).
    """
    args = _parser().parse_args(argv)
    command = {"models": _cmd_models, "run": _cmd_run, "sensitivity": _cmd_sensitivity}
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        return command[args.command](args)
    except (_UsageError, ValueError, OSError, OverflowError) as e:
        print(f"frontier: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("frontier: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print("frontier: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
