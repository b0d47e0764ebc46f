"""The command line: scenarios, outputs, errors."""

import csv
import errno
import io
import json
import math
import os
import signal
import subprocess
import sys
import time

import matplotlib
import pytest

import frontier
from frontier import _io, _records, cli
from frontier._rules import DEFAULT_RULES, RULE_NAMES, RULES, rule_info

matplotlib.use("Agg")

SMALL = ["--only", "gpt5", "gpt5-nano", "--k-max", "24", "--trials", "200", "--no-plots"]
TINY = ["--only", "gpt5-nano", "--k-max", "8", "--trials", "50"]


def _strict_json(text):
    """json.loads that rejects NaN, Infinity and -Infinity (as jq and JavaScript do)."""
    def reject(token):
        raise ValueError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=reject)


def _tree(d):
    """Every file and directory under ``d``, relative to it."""
    out = set()
    for root, dirs, files in os.walk(d):
        for name in dirs + files:
            out.add(os.path.relpath(os.path.join(root, name), d))
    return out


def _snapshot(d):
    return {p: (d / p).read_bytes() for p in _tree(d) if (d / p).is_file()}


@pytest.fixture
def no_simulation(monkeypatch):
    """frontier.optimize and frontier.sensitivity fail the test if called."""
    def boom(*a, **kw):
        raise AssertionError("a simulation ran")

    monkeypatch.setattr(frontier, "optimize", boom)
    monkeypatch.setattr(frontier, "sensitivity", boom)


def test_models_lists_catalog(capsys):
    assert cli.main(["models"]) == 0
    out = capsys.readouterr().out
    assert "gpt5-mini" in out and "Qwen3-30B-A3B" in out


def test_run_prints_table_and_writes_files(tmp_path, capsys):
    out = tmp_path / "res"
    assert cli.main(["run", *SMALL, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "accuracy-optimal" in text and "GPT-5 Nano (gpt5-nano)" in text
    assert "across models" in text
    assert sorted(os.listdir(out)) == ["candidates.csv", "selections.csv", "study.json"]
    rec = json.loads((out / "study.json").read_text())
    assert rec["scenario"]["ks"] == [4, 8, 12, 16, 20, 24]
    b = rec["budgets"][0]
    assert b["C_max"] == 0.5 and set(b["models"]) == {"gpt5", "gpt5-nano"}
    p = b["models"]["gpt5"]["points"]["accuracy"]
    assert p["k"] == max(b["models"]["gpt5"]["feasible_k"])
    lines = (out / "selections.csv").read_text().splitlines()
    assert lines[0].startswith("C_max,T_max,acc_min,scope,model,rule,k,cost_mean")
    assert any(",cross," in line for line in lines)
    # no temporary directory is left behind
    assert os.listdir(tmp_path) == ["res"]


def test_run_json_on_stdout(tmp_path, capsys):
    assert cli.main(["run", *SMALL, "--json", "--no-write"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["scenario"]["models"] == ["gpt5", "gpt5-nano"]


def test_budget_grid_and_infeasible(tmp_path, capsys):
    args = ["run", *SMALL, "--t-max", "5", "60", "--no-write"]
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert "no feasible k; closest is k=4: mean time" in text
    assert text.count("budget: cost") == 2


def test_scenario_file(tmp_path, capsys):
    sc = tmp_path / "sc.toml"
    sc.write_text('only = ["gpt5-mini"]\nC_max = 0.2\nT_max = 40\nacc_min = 0.9\nk_max = 16\n'
                  'parallel = 2\ntrials = 100\nseed = 3\nslo = "p95 time <= 30"\n')
    assert cli.main(["run", str(sc), "--no-write", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["scenario"]["ks"] == list(range(2, 17, 2)) and rec["scenario"]["seed"] == 3
    assert rec["budgets"][0]["C_max"] == 0.2


@pytest.mark.parametrize(
    ("content", "word"),
    [("C_max = -1\n", "C_max"), ("kmax = 3\n", "unknown key `kmax`"),
     ('only = ["nope"]\n', "nope"), ("trials = 0\n", "trials"), ("[[x\n", "malformed TOML"),
     ('models = "missing.yaml"\n', "missing.yaml"), ('slo = "p95 latency <= 2"\n', "slo")],
)
def test_bad_scenario_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, content, word):
    sc = tmp_path / "bad.toml"
    sc.write_text(content)
    out = tmp_path / "res"
    assert cli.main(["run", str(sc), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("frontier: error:") and "\n" not in err and word in err
    assert not out.exists()


def test_unknown_scenario_and_bad_option(capsys):
    assert cli.main(["run", "no-such-scenario"]) == 2
    assert "no such scenario" in capsys.readouterr().err
    for argv in (["run", "--trials", "many"], ["sensitivity"], ["sensitivity", "--model", "gpt5",
                                                                   "--method", "knee"]):
        with pytest.raises(SystemExit) as e:
            cli.main(argv)
        assert e.value.code == 2
        err = capsys.readouterr().err.strip()
        assert "error:" in err and "\n" not in err, err


def test_sensitivity_command(tmp_path, capsys):
    out = tmp_path / "s"
    args = ["sensitivity", "--model", "gpt5-mini", "--k-max", "32", "--trials", "512",
            "--batches", "2", "--out", str(out), "--output", "cost", "--rule", "knee_chord"]
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert "elasticity of cost" in text and "c_out" in text
    assert "sensitivity of the knee (chord) point" in text and "P=4" in text
    assert sorted(os.listdir(out)) == ["sensitivity.json", "tornado-cost.pdf", "tornado-cost.png"]
    rec = _strict_json((out / "sensitivity.json").read_text())
    assert set(rec["elasticity"]) == {"k", "cost", "time", "accuracy"}
    assert (rec["rule"], rec["rule_label"], rec["parallel"]) == ("knee_chord", "knee (chord)", 4)
    assert cli.main(["sensitivity", "--model", "nope", "--no-write"]) == 2
    assert "unknown model" in capsys.readouterr().err


def test_run_writes_the_summary_figures_as_png_by_default(tmp_path):
    out = tmp_path / "f"
    assert cli.main(["run", "--only", "gpt5-mini", "gpt5-nano", "--k-max", "8", "--trials",
                     "50", "--out", str(out)]) == 0
    assert sorted(os.listdir(out / "figures")) == [
        "cross_model_front.png", "front_projections-gpt5-mini.png",
        "front_projections-gpt5-nano.png"]


def test_run_figure_format_is_checked_before_the_simulation(tmp_path, capsys):
    out = tmp_path / "f"
    assert cli.main(["run", *TINY, "--figure-format", "png", "docx", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--figure-format" in err and "'docx'" in err and "\n" not in err.strip()
    assert not out.exists()


def test_run_writes_figures_and_a_rerun_leaves_exactly_the_new_set(tmp_path):
    out = tmp_path / "f"
    args = ["run", "--only", "gpt5-mini", "--k-max", "16", "--trials", "100", "--out", str(out)]
    assert cli.main([*args, "--figures", "all", "--figure-format", "png", "pdf"]) == 0
    figs = sorted(os.listdir(out / "figures"))
    assert len(figs) == 2 * 5
    assert "cross_model_front.png" in figs and "feasible_region_3d-gpt5-mini.pdf" in figs
    assert all((out / "figures" / f).stat().st_size > 1000 for f in figs)
    # the same --out without figures: the earlier figures do not survive beside the new files
    assert cli.main([*args, "--no-plots", "--trials", "50"]) == 0
    assert _tree(out) == {"candidates.csv", "selections.csv", "study.json"}
    assert json.loads((out / "study.json").read_text())["scenario"]["trials"] == 50
    assert os.listdir(tmp_path) == ["f"]


# --------------------------------------------------------------------------- one rules table


def test_rule_table_names_are_the_points_fields_and_lookup_lists_them():
    assert RULE_NAMES == frontier.Points._fields
    assert DEFAULT_RULES == tuple(n for n in RULE_NAMES if n != "knee_paper")
    assert len({r.label for r in RULES}) == len({r.marker for r in RULES}) == len(RULES)
    assert rule_info("cheapest").label == "cheapest feasible"
    with pytest.raises(ValueError, match=r"unknown rule 'best'.*'knee_curvature'"):
        rule_info("best")


def test_rule_labels_identical_in_table_csv_json_and_plot_legends(tmp_path, capsys):
    from frontier import plot

    out = tmp_path / "res"
    assert cli.main(["run", *TINY, "--k-max", "16", "--no-plots", "--out", str(out)]) == 0
    table = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO((out / "selections.csv").read_text())))
    rec = _strict_json((out / "study.json").read_text())
    assert rec["rules"] == {r.name: r.label for r in RULES}
    assert {r["rule"]: r["rule_label"] for r in rows} == {
        n: rule_info(n).label for n in {r["rule"] for r in rows}}
    study = frontier.optimize(frontier.catalog()["gpt5-nano"], budget=(0.5, 60.0, 0.88),
                              k_max=16, key=42, num_trials=50)
    fig = plot.accuracy_vs_k(study)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    for name in DEFAULT_RULES:
        label = rule_info(name).label
        k = rec["budgets"][0]["models"]["gpt5-nano"]["points"][name]["k"]
        assert f"  {label} " in table  # a row of the table
        assert any(r["rule"] == name and r["scope"] == "model" for r in rows)
        assert f"{label} (k={k})" in legend
    assert "cheapest feasible" in table and "cheapest feasible (k=4)" in legend


# --------------------------------------------------------------------------- strict JSON


def test_json_is_strict_with_infinite_budgets(tmp_path, capsys):
    out = tmp_path / "res"
    args = ["run", *TINY, "--no-plots", "--c-max", "inf", "--t-max", "inf", "--acc-min=-inf"]
    assert cli.main([*args, "--json", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Infinity" not in printed and "NaN" not in printed
    for text in (printed, (out / "study.json").read_text()):
        rec = _strict_json(text)
        b = rec["budgets"][0]
        assert (b["C_max"], b["T_max"], b["acc_min"]) == (None, None, None)  # no limit
        assert b["models"]["gpt5-nano"]["feasible_k"] == [4, 8]
    # the CSV keeps the numbers readers parse: inf, -inf
    row = next(csv.DictReader(io.StringIO((out / "selections.csv").read_text())))
    assert (row["C_max"], row["T_max"], row["acc_min"]) == ("inf", "inf", "-inf")


def test_records_write_missing_estimates_as_null():
    rec = {"a": [1.0, math.nan], "b": {"c": -math.inf}, "d": (2, None)}
    assert _strict_json(_records.dumps(rec)) == {"a": [1.0, None], "b": {"c": None},
                                                 "d": [2, None]}


# --------------------------------------------------------------------------- default_parallel


def _model_file(tmp_path):
    fields = ("c_in: 1.0e-7\n    c_out: 2.0e-7\n    t_in: 0.0001\n    t_out: 0.001\n"
              "    mu_Lin: 100\n    sigma_Lin: 10\n    mu_Lout: 200\n    sigma_Lout: 20\n"
              "    acc_mean: 0.8\n    acc_std: 0.1\n")
    path = tmp_path / "models.yaml"
    path.write_text(f"models:\n  gpt5:\n    {fields}    default_parallel: 4\n"
                    f"  small:\n    {fields}    default_parallel: 2\n")
    return str(path)


def test_default_parallel_of_a_model_file_is_honoured(tmp_path, capsys):
    models = _model_file(tmp_path)
    base = ["run", "--models", models, "--k-max", "8", "--trials", "50", "--no-write"]
    assert cli.main([*base, "--only", "small"]) == 0
    text = capsys.readouterr().out
    assert "k = 2..8 step 2" in text and "P=2," in text.splitlines()[0]
    assert cli.main([*base, "--only", "small", "--json"]) == 0
    sc = json.loads(capsys.readouterr().out)["scenario"]
    assert (sc["ks"], sc["parallel"], sc["parallel_by_model"]) == ([2, 4, 6, 8], 2, {"small": 2})
    # --parallel (or the scenario's `parallel`) still sets P for every model
    assert cli.main([*base, "--only", "small", "--parallel", "4", "--json"]) == 0
    sc = json.loads(capsys.readouterr().out)["scenario"]
    assert (sc["ks"], sc["parallel"]) == ([4, 8], 4)
    # models that differ: each runs at its own P, and the header says so
    assert cli.main([*base, "--only", "gpt5", "small"]) == 0
    assert "P per model: gpt5=4, small=2" in capsys.readouterr().out.splitlines()[0]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("seed", [str(2**63), str(-(2**63) - 1), str(2**64)])
@pytest.mark.parametrize("command", ["run", "sensitivity"])
def test_seed_out_of_range_is_one_line_exit_2(tmp_path, capsys, no_simulation, seed, command):
    argv = [command, "--seed", seed, "--out", str(tmp_path / "res")]
    if command == "sensitivity":
        argv += ["--model", "gpt5"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("frontier: error:") and "\n" not in err and "seed" in err, err
    assert os.listdir(tmp_path) == []


def _unusable_out(tmp_path, kind):
    if kind == "below a file":
        (tmp_path / "file").write_text("x")
        return tmp_path / "file" / "res", "is not a directory"
    if kind == "a file":
        (tmp_path / "res").write_text("x")
        return tmp_path / "res", "is not a directory"
    (tmp_path / "res").mkdir()  # a directory frontier did not write: never deleted
    (tmp_path / "res" / "notes.txt").write_text("mine")
    (tmp_path / "res" / "study.json").write_text("{}")
    return tmp_path / "res", "it holds 'notes.txt'"


@pytest.mark.parametrize("kind", ["below a file", "a file", "a foreign directory"])
@pytest.mark.parametrize("command", ["run", "sensitivity"])
def test_unusable_out_fails_before_any_simulation(tmp_path, capsys, no_simulation, kind,
                                                  command):
    out, why = _unusable_out(tmp_path, kind)
    before = _tree(tmp_path)
    argv = [command, "--out", str(out)] + (["--model", "gpt5"] if command == "sensitivity"
                                           else TINY)
    t0 = time.perf_counter()
    assert cli.main(argv) == 2
    assert time.perf_counter() - t0 < 5.0
    err = capsys.readouterr().err.strip()
    assert err.startswith("frontier: error: cannot write the output directory"), err
    assert "\n" not in err and why in err, err
    assert _tree(tmp_path) == before  # nothing written, nothing removed


# --------------------------------------------------------------------------- all-or-nothing


@pytest.mark.parametrize(("error", "code"), [(KeyboardInterrupt(), 130),
                                            (OSError(errno.ENOSPC, "No space left"), 2)])
def test_failure_while_writing_figures_leaves_the_old_directory(tmp_path, capsys, monkeypatch,
                                                                 error, code):
    from frontier import plot

    out = tmp_path / "res"
    assert cli.main(["run", *TINY, "--no-plots", "--out", str(out)]) == 0
    old = _snapshot(out)

    def half_then_fail(study, outdir, **kw):
        os.makedirs(outdir)
        open(os.path.join(outdir, "accuracy_vs_k-gpt5-nano.png"), "wb").close()
        raise error

    monkeypatch.setattr(plot, "save_all", half_then_fail)
    capsys.readouterr()
    assert cli.main(["run", *TINY, "--trials", "60", "--out", str(out)]) == code
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert _snapshot(out) == old and _tree(out) == set(old)
    assert os.listdir(tmp_path) == ["res"]  # no temporary directory behind


def test_write_dir_without_an_atomic_exchange_still_replaces_the_whole_set(tmp_path,
                                                                           monkeypatch):
    monkeypatch.setattr(_io, "_exchange", lambda a, b: False)
    out = tmp_path / "d"

    def fill(names):
        return lambda d: [open(os.path.join(d, n), "w").close() for n in names]

    _io.write_dir(out, fill(["a.txt", "b.txt"]))
    assert _io.write_dir(out, fill(["c.txt"]), replaceable=["*.txt"]) == [str(out / "c.txt")]
    assert os.listdir(out) == ["c.txt"] and os.listdir(tmp_path) == ["d"]


def test_write_dir_removes_the_leftovers_of_a_killed_process(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    out = tmp_path / "d"
    stale = tmp_path / f".frontier-{pid}-{_io._host()}-d-abc123"
    other = tmp_path / f".frontier-{pid}-{_io._host()}-e-abc123"  # another target's
    stale.mkdir()
    other.mkdir()
    (stale / "study.json").write_text("{}")
    _io.write_dir(out, lambda d: open(os.path.join(d, "x"), "w").close())
    assert sorted(os.listdir(tmp_path)) == sorted(["d", other.name])


def _wait_for_stall(marker, proc, timeout=240.0):
    """Wait until the run has saved its first figure and stalls (``marker`` exists): a signal
    sent then lands in the stall's sleep, never inside matplotlib's writing of the file (where
    a library can swallow the KeyboardInterrupt, and the run then slept on)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise AssertionError(f"the run ended first: {proc.communicate()}")
        if os.path.exists(marker):
            return
        time.sleep(0.05)
    raise AssertionError("no figure was saved")


# A shell that starts a job in the background without job control (as CI scripts do) leaves
# SIGINT ignored in it and its children, so Python installs no KeyboardInterrupt handler there;
# the child restores it, as a terminal's Ctrl-C would find it.
_STALL_AFTER_FIRST_FIGURE = """
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
import frontier.plot._save as save
from frontier import cli
real = save.save_figure
def stall(*args, **kwargs):
    real(*args, **kwargs)
    open(os.environ["FRONTIER_TEST_STALLED"], "w").close()
    time.sleep(600)
save.save_figure = stall
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupted_run_leaves_the_old_directory_intact(tmp_path, sig):
    out = tmp_path / "res"
    assert cli.main(["run", *TINY, "--no-plots", "--out", str(out)]) == 0
    old = _snapshot(out)
    marker = tmp_path.parent / f"{tmp_path.name}-stalled"  # outside the checked directory
    env = {**os.environ, "MPLBACKEND": "Agg", "FRONTIER_TEST_STALLED": str(marker)}
    # the run stalls after its first figure, so the signal always lands mid-run (a loaded
    # machine could otherwise finish the run between the poll and the signal)
    proc = subprocess.Popen([sys.executable, "-c", _STALL_AFTER_FIRST_FIGURE, "run", *TINY,
                             "--trials", "60", "--figures", "all", "--out", str(out)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    try:
        _wait_for_stall(marker, proc)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert _snapshot(out) == old and _tree(out) == set(old)
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        assert len(os.listdir(tmp_path)) == 2  # killed outright: its temporary directory stays
        assert cli.main(["run", *TINY, "--no-plots", "--out", str(out)]) == 0  # ... until then
    else:
        assert proc.returncode == 128 + sig, err
        assert err.strip() in ("frontier: interrupted", "frontier: terminated"), err
    assert os.listdir(tmp_path) == ["res"]
