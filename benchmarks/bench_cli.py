"""The command line in fresh processes: the persistent compile cache and the figure sets.

Every round starts ``frontier run`` in a new process (``subprocess.run``), as a user does, so
these are wall times of whole runs (start-up, compilation or cache loads, the study, the
files), not in-process medians.

- ``frontier run: compile cache``: the first run with an empty cache directory (a new one
  every round) against a second run whose cache the first filled (issue target: the second
  at most half the first).
- ``frontier run: figures``: with a warm cache, the default summary set (PNG) against every
  figure in PNG and PDF (``--figures all --figure-format png pdf``), the old default.

The scenario is the built-in reference one (nine models, k 4..128) at
``FRONTIER_BENCH_CLI_TRIALS`` trials (default 300, the scenario's own); rounds:
``FRONTIER_BENCH_CLI_ROUNDS`` (default 3).

    pytest benchmarks/bench_cli.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

TRIALS = os.environ.get("FRONTIER_BENCH_CLI_TRIALS", "300")
ROUNDS = int(os.environ.get("FRONTIER_BENCH_CLI_ROUNDS", "3"))
CACHE = "frontier run: compile cache (fresh processes)"
FIGS = "frontier run: figures (fresh processes, warm cache)"


def _run(cache: str, *args: str) -> None:
    env = dict(os.environ, FRONTIER_CACHE_DIR=cache, MPLBACKEND="Agg")
    env.pop("FRONTIER_NO_COMPILE_CACHE", None)
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    cmd = [sys.executable, "-c", "import sys; from frontier.cli import main; sys.exit(main())",
           "run", "--trials", TRIALS, *args]
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    cache = str(tmp_path_factory.mktemp("cache"))
    _run(cache, "--no-plots", "--no-write")
    return cache


def test_first_run_with_an_empty_cache(benchmark, recorder, tmp_path):
    def fresh():
        return (tempfile.mkdtemp(dir=tmp_path),), {}

    benchmark.pedantic(lambda c: _run(c, "--no-plots", "--no-write"), setup=fresh,
                       rounds=ROUNDS)
    recorder(CACHE, "first run, empty cache", benchmark, trials=int(TRIALS))


def test_second_run_with_the_cache_filled(benchmark, recorder, warm_cache):
    benchmark.pedantic(lambda: _run(warm_cache, "--no-plots", "--no-write"), rounds=ROUNDS)
    recorder(CACHE, "second run, cache filled", benchmark, trials=int(TRIALS))


@pytest.mark.parametrize("figures", ["summary", "all"])
def test_figure_sets(benchmark, recorder, warm_cache, tmp_path, figures):
    args = (["--figures", "all", "--figure-format", "png", "pdf"] if figures == "all" else [])
    out = tmp_path / "out"
    benchmark.pedantic(lambda: _run(warm_cache, "--out", str(out), *args), rounds=ROUNDS)
    n = sum(len(files) for _, _, files in os.walk(out / "figures"))
    name = ("default: summary set, PNG" if figures == "summary"
            else "every figure, PNG and PDF (the old default)")
    recorder(FIGS, name, benchmark, figure_files=n, trials=int(TRIALS))
