"""The command line: scenarios, outputs, errors."""

import json
import os

import pytest

from frontier import cli

SMALL = ["--only", "gpt5", "gpt5-nano", "--k-max", "24", "--trials", "200", "--no-plots"]


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
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".frontier-")]


def test_run_json_on_stdout(tmp_path, capsys):
    assert cli.main(["run", *SMALL, "--json", "--no-write"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["scenario"]["models"] == ["gpt5", "gpt5-nano"]


def test_budget_grid_and_infeasible(tmp_path, capsys):
    args = ["run", *SMALL, "--t-max", "5", "60", "--no-write"]
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert "no feasible k; closest is k=4: time" in text
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
    with pytest.raises(SystemExit) as e:
        cli.main(["run", "--trials", "many"])
    assert e.value.code == 2


def test_sensitivity_command(tmp_path, capsys):
    out = tmp_path / "s"
    args = ["sensitivity", "--model", "gpt5-mini", "--k-max", "32", "--trials", "512",
            "--batches", "2", "--out", str(out), "--output", "cost"]
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert "elasticity of cost" in text and "c_out" in text
    assert sorted(os.listdir(out)) == ["sensitivity.json", "tornado-cost.pdf", "tornado-cost.png"]
    rec = json.loads((out / "sensitivity.json").read_text())
    assert set(rec["elasticity"]) == {"k", "cost", "time", "accuracy"}
    assert cli.main(["sensitivity", "--model", "nope", "--no-write"]) == 2
    assert "unknown model" in capsys.readouterr().err


def test_run_writes_figures(tmp_path):
    out = tmp_path / "f"
    args = ["run", "--only", "gpt5-mini", "--k-max", "16", "--trials", "100", "--out", str(out)]
    assert cli.main(args) == 0
    figs = sorted(os.listdir(out / "figures"))
    assert "cross_model_front.png" in figs and "feasible_region_3d-gpt5-mini.pdf" in figs
    assert all((out / "figures" / f).stat().st_size > 1000 for f in figs)
