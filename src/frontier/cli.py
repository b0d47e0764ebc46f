"""The ``frontier`` command line: argparse and the commands ``models``, ``run``, ``sensitivity``,
``report``, ``sweep`` and ``compare``.

The commands only wire the pieces together: :mod:`frontier._scenario` reads the scenario,
:func:`frontier.optimize` and :func:`frontier.sensitivity` compute, :mod:`frontier._records`
makes the records (strict JSON and CSV), :mod:`frontier._console` the tables, and
:mod:`frontier._io` writes the output directory as a whole. Every error is one line on stderr
with exit status 2, and comes before the simulation where it can be known then (an unusable
``--out`` too).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

import numpy as np

from ._console import (
    format_compare,
    format_models,
    format_sensitivity,
    format_study,
    format_sweep,
)
from ._io import check_out_dir, write_dir
from ._records import (
    compare_csv,
    compare_record,
    dumps,
    sensitivity_record,
    study_csvs,
    study_records,
    sweep_csv,
    sweep_record,
)
from ._rules import SOFT_RULES

__all__ = ["main"]

#: What an existing ``--out`` may hold to be replaced: what the commands write (and a
#: desktop's folder metadata). Anything else makes a command refuse the directory.
_OUTPUTS = ("study.json", "selections.csv", "candidates.csv", "figures", "sensitivity.json",
            "tornado-*.*", "report.html", "sweep.json", "sweep.csv", "compare.json",
            "compare.csv", ".DS_Store")


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
            " figures (a summary set as PNG by default; see --figures, --figure-format) to"
            " --out (and, with --html, report.html: one"
            " self-contained page), replacing the directory as a whole: a reader"
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
    r.add_argument("--replicates", type=int, metavar="R",
                   help="R >= 2 independent replicates of --trials trials (seeds fold_in(seed,"
                   " r)): adds P(front) and P(rule) columns; the table's points are replicate"
                   " 0's")
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
    r.add_argument("--no-plots", action="store_true",
                   help="skip the figure files (the --html report still embeds its figures)")
    r.add_argument("--figures", choices=("summary", "all"), default="summary",
                   help="summary (default): the cross-model front and each model's front"
                   " projections; all: also each model's 3-D feasible region, accuracy vs k"
                   " and cost vs k")
    r.add_argument("--figure-format", nargs="+", default=["png"], metavar="FMT",
                   help="file formats of the figures (default: png; e.g. --figure-format png"
                   " pdf, or svg); every figure in every format: --figures all"
                   " --figure-format png pdf")
    r.add_argument("--json", action="store_true",
                   help="print the results as JSON on stdout instead of the table")
    r.add_argument("--html", action="store_true",
                   help="also write report.html: one self-contained page (tables, a line on"
                   " each choice, figures embedded) that opens offline")
    _cache_flag(r)
    _process_flags(r)

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
    _cache_flag(sn)
    _process_flags(sn)

    sw = sub.add_parser(
        "sweep",
        help="read measured benchmark runs, find the front and choose an operating point",
        description=(
            "Read serving-benchmark results (vLLM, SGLang, AIPerf, GenAI-Perf, GuideLLM,"
            " LLMPerf, AIConfigurator or plain tables; format detected from content), find the"
            " Pareto front of the objectives and choose the operating point of --rule among"
            " the configs meeting --slo (repeats of a config are averaged first). Prints the"
            " front and a one-line explanation (when nothing meets the SLO: the closest config"
            " and the term that binds); writes sweep.json, sweep.csv and the figures to --out,"
            " replacing the directory as a whole. Defaults: the front of p99 (else mean) TTFT"
            " against tokens/s per GPU (else output tokens/s), rule 'max tokens_per_gpu'"
            " (else output throughput); runs of one config from different sources (whole-sweep"
            " files, or directories such as vllm/ and tgi/) labelled by source and chosen on"
            " per label."),
    )
    _sweep_inputs(sw)
    sw.add_argument("paths", nargs="+", metavar="PATH",
                    help="result files, directories (read recursively) or globs")
    sw.add_argument("--rule", metavar="RULE",
                    help="'max NAME' or 'min NAME' (best feasible config on one metric), or"
                    " knee_chord, knee_curvature, utopia, cube (default: max tokens_per_gpu,"
                    " else max output_throughput)")
    sw.add_argument("--label", metavar="L", help="a label for every run read")
    sw.add_argument("--label-by", choices=("auto", "file", "dir", "none"), default="auto",
                    help="label runs by their file, or by the first directory under the"
                    " files' common directory, so that runs of different sources are never"
                    " repeats of each other; auto (default): by file when runs of one config"
                    " come from files that each hold a whole sweep, by directory when they"
                    " come from different directories, else not")
    sw.add_argument("--group-by", metavar="KNOB",
                    help="choose per value of a knob, and across (default: label, when runs"
                    " are labelled; 'none' for one choice)")
    _output_flags(sw, "frontier-sweep")
    sw.add_argument("--html", action="store_true",
                    help="also write report.html: one self-contained page (what was read, the"
                    " choice and its explanation, every config, the figures embedded) that"
                    " opens offline")

    cp = sub.add_parser(
        "compare",
        help="compare the fronts of two systems: hypervolume gain, dominated rows, SLO shift",
        description=(
            "Read two sets of results, A (before) and B (after), find both fronts and print"
            " the hypervolume of each in one common normalisation (the ideal and nadir of the"
            " two fronts map to 0 and 1, reference point 1.1) and the gain, the rows of each"
            " side the other dominates, and the best --target value under the matched SLO"
            " --at, before and after. Writes compare.json, compare.csv and the overlay figure"
            " to --out, replacing the directory as a whole."),
    )
    _sweep_inputs(cp)
    cp.add_argument("a", metavar="A", help="side A: a result file, directory or glob")
    cp.add_argument("b", metavar="B", help="side B: a result file, directory or glob")
    cp.add_argument("--at", metavar="TEXT",
                    help="the matched SLO of the shift, e.g. 'p99 ttft_ms <= 500' (default:"
                    " --slo)")
    cp.add_argument("--target", metavar="NAME",
                    help="the metric of the shift (default: tokens_per_gpu, else"
                    " output_throughput)")
    cp.add_argument("--labels", nargs=2, metavar=("NAME_A", "NAME_B"),
                    help="names of the two sides (default: their file or directory names)")
    _output_flags(cp, "frontier-compare")

    rp = sub.add_parser(
        "report",
        help="rebuild the HTML report of a study from its study.json (no simulation)",
        description=(
            "Write the self-contained HTML report of a study (the file `frontier run --html`"
            " writes) from its study.json alone: the selection tables, a plain-language line on"
            " each choice and each infeasibility, and the figures, drawn from the records."
            " With --sensitivity, a section with the tornado plots of a sensitivity.json."
        ),
    )
    rp.add_argument("study", metavar="STUDY_JSON", help="a study.json written by frontier run")
    rp.add_argument("--out", metavar="FILE",
                    help="the HTML file to write (default: report.html beside STUDY_JSON)")
    rp.add_argument("--sensitivity", metavar="JSON",
                    help="a sensitivity.json written by frontier sensitivity")
    rp.add_argument("--figures", choices=("summary", "all", "none"), default="summary",
                    help="summary (default): per budget the cross-model front and one panel"
                    " per model; all: plus each model's 3-D feasible region; none")
    return p


def _cache_flag(p: argparse.ArgumentParser) -> None:
    from ._cache import compile_cache_dir

    p.add_argument("--no-compile-cache", action="store_true",
                   help="compile afresh: do not use JAX's persistent compilation cache, which"
                   f" by default keeps the compiled programs in {compile_cache_dir()} so that"
                   " the next run starts faster (also FRONTIER_NO_COMPILE_CACHE=1; another"
                   " directory: FRONTIER_CACHE_DIR; deleting it is always safe)")


def _process_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "several processes",
        "run one command per process (e.g. one per host or per GPU) with the same arguments and"
        " its own --process-id; they share the trials (jax.distributed), and process 0 alone"
        " prints and writes the outputs. Give all three or none.")
    g.add_argument("--coordinator", metavar="HOST:PORT",
                   help="address of process 0's coordinator, the same for every process")
    g.add_argument("--num-processes", type=int, metavar="N", help="number of processes, >= 1")
    g.add_argument("--process-id", type=int, metavar="I",
                   help="this process's index, 0 to N-1 (0 writes the outputs)")


_HOST_PORT = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9._-]*):([0-9]{1,5})")


def _distributed(args) -> None:
    """Check ``--coordinator``, ``--num-processes``, ``--process-id`` and, when given, call
    ``jax.distributed.initialize`` (before any JAX work)."""
    flags = {"--coordinator": getattr(args, "coordinator", None),
             "--num-processes": getattr(args, "num_processes", None),
             "--process-id": getattr(args, "process_id", None)}
    missing = [f for f, v in flags.items() if v is None]
    if len(missing) == 3:
        return
    if missing:
        raise _UsageError(f"--coordinator, --num-processes and --process-id go together; "
                          f"missing: {', '.join(missing)}")
    match = _HOST_PORT.fullmatch(args.coordinator)
    if match is None or not 1 <= int(match.group(2)) <= 65535:
        raise _UsageError(f"--coordinator must be HOST:PORT with a port from 1 to 65535, got "
                          f"{args.coordinator!r}")
    if args.num_processes < 1:
        raise _UsageError(f"--num-processes must be >= 1, got {args.num_processes}")
    if not 0 <= args.process_id < args.num_processes:
        raise _UsageError(f"--process-id must be from 0 to {args.num_processes - 1} "
                          f"(--num-processes {args.num_processes}), got {args.process_id}")
    from ._devices import initialize_distributed

    try:
        initialize_distributed(args.coordinator, args.num_processes, args.process_id)
    except RuntimeError as e:  # e.g. the coordinator cannot be reached
        raise _UsageError(f"jax.distributed.initialize failed: {e}") from None


def _writer(args) -> bool:
    """Whether this process prints and writes: the only one, or process 0 of several."""
    return getattr(args, "process_id", None) in (None, 0)


@contextlib.contextmanager
def _process_stdout(writer: bool) -> Any:
    """Standard output of one of several processes: process 0 (``writer``) prints its table
    or JSON as usual, the others print nothing (errors still reach stderr). What libraries
    write straight to file descriptor 1 (gloo's connection lines) goes to stderr on process
    0 and nowhere on the others, so that stdout holds only the results."""
    sys.stdout.flush()
    saved = os.dup(1)
    chatter = os.dup(2) if writer else os.open(os.devnull, os.O_WRONLY)
    os.dup2(chatter, 1)
    os.close(chatter)
    out = open(saved, "w", closefd=False) if writer else open(os.devnull, "w")
    try:
        with contextlib.redirect_stdout(out):
            yield
    finally:
        out.close()  # flushes; the descriptor ``saved`` stays open
        os.dup2(saved, 1)
        os.close(saved)


def _writes(args) -> bool:
    """Whether this process writes ``--out``."""
    return not args.no_write and _writer(args)


def _sweep_inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", metavar="NAME",
                   help="force a format: vllm, sglang, aiperf, genai-perf, guidellm, llmperf,"
                   " aiconfigurator, plain (default: detected from content)")
    p.add_argument("--objectives", nargs="+", metavar="NAME[:SENSE]",
                   help="the front's objectives, e.g. p99_ttft_ms:min tokens_per_gpu:max (a"
                   " sense must be the metric's own; default: p99 TTFT and tokens per GPU)")
    p.add_argument("--slo", metavar="TEXT",
                   help="constraints, e.g. 'p99 ttft_ms <= 500 and mean tpot_ms <= 20'")
    p.add_argument("--num-gpus", metavar="N",
                   help="GPUs per run, or the name of a column holding it (adds tokens_per_gpu)")
    p.add_argument("--gpu-hour-price", metavar="P",
                   help="$ per GPU-hour, or a column name (adds cost_per_mtok)")
    p.add_argument("--by", choices=("config", "run"), default="config",
                   help="compare configs on the means of their repeats (default) or every run"
                   " on its own")


def _output_flags(p: argparse.ArgumentParser, out: str) -> None:
    """``--out`` (default ``out``), ``--no-write``, ``--no-plots`` and ``--json``."""
    p.add_argument("--out", default=out, metavar="DIR",
                   help=f"output directory, replaced as a whole (default: {out})")
    p.add_argument("--no-write", action="store_true", help="write nothing, only print")
    p.add_argument("--no-plots", action="store_true", help="skip the figures")
    p.add_argument("--json", action="store_true",
                   help="print the results as JSON on stdout instead of the table")


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


def _run_figures(directory: str, study, names: Mapping[str, str], figures: str,
                 formats: Sequence[str]) -> None:
    """``figures/`` (one budget) or ``figures/budget-<i>/`` (a grid of at most four budgets;
    larger grids get the figures of the first budget only)."""
    from . import plot

    opts = dict(names=names, figures=figures, formats=tuple(formats))
    grid = list(np.ndindex(*np.shape(study.budget.C_max)))
    if len(grid) == 1:
        plot.save_all(study, os.path.join(directory, "figures"), budget_index=grid[0], **opts)
        return
    for n, bi in enumerate(grid[:1] if len(grid) > 4 else grid):
        plot.save_all(study, os.path.join(directory, "figures", f"budget-{n}"), budget_index=bi,
                      **opts)


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
    if args.html and args.no_write:
        raise _UsageError("--html writes report.html into --out; drop --no-write")
    if not args.no_plots:
        from .plot._save import _check_formats

        try:
            _check_formats(args.figure_format)
        except ValueError as e:
            raise _UsageError(f"--figure-format: {e}".replace("`formats`: ", "")) from None
    if _writes(args):
        check_out_dir(args.out, replaceable=_OUTPUTS)
    t0 = time.perf_counter()
    budget = frontier.budget_grid(sc.C_max, sc.T_max, sc.acc_min)
    if budget.C_max.size == 1:
        budget = frontier.Budget(*(a.reshape(()) for a in budget))
    study = frontier.optimize(
        sc.models, budget=budget, key=sc.seed, num_trials=sc.trials, k_max=sc.k_max, ks=sc.ks,
        parallel=sc.parallel, slo=sc.slo, scheme=sc.scheme, time_model=sc.time_model,
        knee_normalise=sc.knee_normalise, aggregation=sc.aggregation, latency=sc.latency,
        serving=sc.serving, objectives=sc.objectives, replicates=args.replicates,
    )
    elapsed = time.perf_counter() - t0
    if tuple(study.models) != tuple(sc.models):  # (model, batch) variants of serving
        base = {f"{k}@b{b:g}": k for k in sc.models for b in np.atleast_1d(sc.serving.batch)}
        sc = sc._replace(models={n: sc.models[base[n]] for n in study.models})
    rec = study_records(study, sc)
    text = dumps(rec)
    print(text if args.json else format_study(rec, elapsed))
    if _writes(args):
        files = {"study.json": text, **study_csvs(rec)}
        names = {k: m.name for k, m in sc.models.items()}

        def fill(directory: str) -> None:
            _write_texts(directory, files)
            if not args.no_plots:
                _run_figures(directory, study, names, args.figures, args.figure_format)
            if args.html:
                from ._report import write_report

                write_report(os.path.join(directory, "report.html"), json.loads(text))

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
    if _writes(args):
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
    if _writes(args):
        def fill(directory: str) -> None:
            _write_texts(directory, {"sensitivity.json": text})
            if not args.no_plots:
                from . import plot

                plot.save_tornado(sens, directory, output=args.output or "k")

        _write(args, fill)
    return 0


def _objectives(items: Sequence[str] | None) -> dict[str, str | None] | None:
    """``["p99_ttft_ms:min", "tokens_per_gpu"]`` -> ``{"p99_ttft_ms": "min", ...: None}``."""
    if items is None:
        return None
    out: dict[str, str | None] = {}
    for item in items:
        name, _, sense = item.partition(":")
        if sense and sense not in ("min", "max"):
            raise _UsageError(f"--objectives: {item!r}: the sense after ':' must be min or max")
        if not name:
            raise _UsageError(f"--objectives: {item!r} names no metric")
        out[name] = sense or None
    return out


def _number_or_column(text: str | None, what: str, kind: type) -> Any:
    if text is None:
        return None
    try:
        v = kind(text)
    except ValueError:
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_./ -]*", text):
            return text  # a column name
        raise _UsageError(f"{what}: {text!r} is neither a number nor a column name") from None
    return v


def _read(paths: Any, args, label: str | None = None):
    import frontier

    return frontier.read_sweep(
        paths, format=args.format, label=label,
        num_gpus=_number_or_column(args.num_gpus, "--num-gpus", int),
        gpu_hour_price=_number_or_column(args.gpu_hour_price, "--gpu-hour-price", float))


def _cmd_sweep(args) -> int:
    if args.html and args.no_write:
        raise _UsageError("--html writes report.html into --out; drop --no-write")
    if not args.no_write:
        check_out_dir(args.out, replaceable=_OUTPUTS)
    t0 = time.perf_counter()
    sweep = _read(list(args.paths), args, args.label)
    by = sweep.mixed_sources() if args.label_by == "auto" else args.label_by
    if by in ("file", "dir"):
        sweep = sweep.label_by_source(by)
    group = args.group_by
    if group is None:
        group = "label" if "label" in sweep.table and sweep.table["label"].nunique() > 1 \
            else None
    elif group == "none":
        group = None
    sel = sweep.select(args.slo, args.rule, objectives=_objectives(args.objectives),
                       group_by=group, by=args.by)
    elapsed = time.perf_counter() - t0
    labels = sorted(set(sweep.table["label"])) if "label" in sweep.table else []
    rec = sweep_record(sweep, sel, inputs={
        "paths": list(args.paths), "format": args.format, "num_gpus": args.num_gpus,
        "gpu_hour_price": args.gpu_hour_price, "label_by": args.label_by, "labels": labels})
    def html() -> dict[str, str]:
        from ._report import sweep_report_html

        return {"report.html": sweep_report_html(sweep, sel)} if args.html else {}

    return _emit(args, rec, format_sweep(rec, elapsed) if not args.json else "", "sweep",
                 lambda: sweep_csv(sel), lambda plot, d: plot.save_sweep(sweep, d, sel),
                 extra=html)


def _emit(args, rec: dict, table: str, name: str, csv: Callable[[], str],
          figures: Callable[[Any, str], None],
          extra: Callable[[], Mapping[str, str]] | None = None) -> int:
    """Print a record (JSON with ``--json``, else ``table``) and write ``<name>.json``,
    ``<name>.csv``, the ``extra`` files and the figures to ``--out`` as a whole, unless
    ``--no-write``."""
    text = dumps(rec)
    print(text if args.json else table)
    if not args.no_write:
        files = {f"{name}.json": text, f"{name}.csv": csv(), **(extra() if extra else {})}

        def fill(directory: str) -> None:
            _write_texts(directory, files)
            if not args.no_plots:
                from . import plot

                figures(plot, os.path.join(directory, "figures"))

        _write(args, fill)
    return 0


def _usage_errors(cmd: Callable[[Any], int]) -> Callable[[Any], int]:
    """The sweep commands pass the user's text to the library, whose argument errors
    (``TypeError`` as well as ``ValueError``) are then usage errors."""
    def run(args) -> int:
        try:
            return cmd(args)
        except TypeError as e:
            raise _UsageError(str(e)) from None

    return run


def _side_name(path: str) -> str:
    base = os.path.basename(os.path.normpath(path)) or path
    return os.path.splitext(base)[0] if os.path.isfile(path) else base


def _cmd_compare(args) -> int:
    import frontier

    if not args.no_write:
        check_out_dir(args.out, replaceable=_OUTPUTS)
    labels = tuple(args.labels) if args.labels else (_side_name(args.a), _side_name(args.b))
    if labels[0] == labels[1]:
        labels = (f"A ({labels[0]})", f"B ({labels[1]})")
    t0 = time.perf_counter()
    a, b = _read(args.a, args), _read(args.b, args)
    cmp = frontier.compare(a, b, _objectives(args.objectives), slo=args.slo, at=args.at,
                           target=args.target, by=args.by, labels=labels)
    elapsed = time.perf_counter() - t0
    knobs = [k for k in dict.fromkeys(("label", *a.knobs, *b.knobs))
             if k in cmp.a.knobs or k in cmp.b.knobs]
    rec = compare_record(cmp, knobs=knobs, inputs={
        "a": args.a, "b": args.b, "format": args.format, "num_gpus": args.num_gpus,
        "gpu_hour_price": args.gpu_hour_price, "slo": args.slo, "at": args.at,
        "target": args.target, "by": args.by})
    return _emit(args, rec, format_compare(rec, elapsed) if not args.json else "", "compare",
                 lambda: compare_csv(cmp), lambda plot, d: plot.save_compare(cmp, d))


def _read_json(path: str, what: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as e:
        raise _UsageError(f"{path}: not valid JSON ({e.msg} at line {e.lineno}); pass the "
                          f"{what} that frontier wrote") from None


def _cmd_report(args) -> int:
    from ._report import write_report

    rec = _read_json(args.study, "study.json")
    sens = _read_json(args.sensitivity, "sensitivity.json") if args.sensitivity else None
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(args.study)), "report.html")
    if os.path.isdir(out):
        raise _UsageError(f"--out {out!r} is a directory; name the HTML file to write")
    t0 = time.perf_counter()
    try:
        write_report(out, rec, sensitivity=sens, figures=args.figures)
    except (KeyError, IndexError, TypeError) as e:  # a record of another shape
        raise _UsageError(f"{args.study}{' or ' + args.sensitivity if sens else ''}: not a "
                          f"record frontier wrote ({type(e).__name__}: {e})") from None
    print(f"wrote {out} ({time.perf_counter() - t0:.1f} s)")
    return 0


def _terminate(signum, frame) -> NoReturn:
    raise _Terminated(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``frontier`` console script; returns the exit code.

    Errors print one line, ``frontier: error: ...``, on stderr and return 2 (so do a partial
    or bad ``--coordinator`` / ``--num-processes`` / ``--process-id``). With those three,
    ``run`` and ``sensitivity`` call ``jax.distributed.initialize`` first; every process
    simulates its share of the trials and process 0 alone prints and writes. An interrupt
    (Ctrl-C, SIGTERM) before the output directory is swapped in leaves ``--out`` as it was,
    with no temporary directory behind, and returns 130 (143 for SIGTERM).
    """
    args = _parser().parse_args(argv)
    command = {"models": _cmd_models, "run": _cmd_run, "sensitivity": _cmd_sensitivity,
               "report": _cmd_report, "sweep": _usage_errors(_cmd_sweep),
               "compare": _usage_errors(_cmd_compare)}
    if args.command in ("run", "sensitivity"):
        from ._cache import enable_compile_cache

        enable_compile_cache(disable=args.no_compile_cache)
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        _distributed(args)
        if getattr(args, "process_id", None) is None:
            return command[args.command](args)
        with _process_stdout(_writer(args)):
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
