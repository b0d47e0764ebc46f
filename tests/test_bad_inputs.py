"""No silent wrong answers: bad or edge inputs across the API and the CLI.

Each case is a clear ``ValueError``/``TypeError`` whose message names the argument (CLI: one
line on stderr, exit 2), or a documented answer; never a silent change of result.
"""

import math
import os
import re

import jax
import numpy as np
import pytest

import frontier
from frontier import cli

CAT = frontier.catalog()
JSON_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "benchmarks", "results", "cpu-bench_study.json")
M = CAT["gpt5-mini"]
B = (0.5, 60.0, 0.88)


def _table():
    objs = [frontier.Objective("cost", "min", "$"), frontier.Objective("acc", "max")]
    return frontier.Table({"k": [1, 2, 4]}, objs, {"cost": {"mean": [1.0, 2.0, 4.0]},
                                                   "acc": {"mean": [0.5, 0.7, 0.8]}})


# (label, thunk, exception, words the message must contain)
API_CASES = [
    # models
    ("acc_mean above 1", lambda: frontier.sample(M.replace(acc_mean=1.5), 4, key=0,
                                                 num_trials=4), ValueError, "acc_mean"),
    ("acc_mean below 0", lambda: frontier.sample(M.replace(acc_mean=-0.1), 4, key=0,
                                                 num_trials=4), ValueError, "acc_mean"),
    ("mu_Lin below one token", lambda: frontier.sample(M.replace(mu_Lin=0.5), 4, key=0,
                                                       num_trials=4), ValueError, "mu_Lin"),
    ("mu_Lout below one token", lambda: frontier.sample(M.replace(mu_Lout=0.2), 4, key=0,
                                                        num_trials=4), ValueError, "mu_Lout"),
    ("a bool as a price", lambda: frontier.sample(M.replace(c_in=True), 4, key=0, num_trials=4),
     TypeError, "c_in"),
    ("a string as a price", lambda: frontier.sample(M.replace(c_out="cheap"), 4, key=0,
                                                    num_trials=4), TypeError, "c_out"),
    ("a price that overflows float32", lambda: frontier.sample(M.replace(c_out=1e36), 64, key=0,
                                                               num_trials=4),
     ValueError, "overflow"),
    ("a latency that overflows float32", lambda: frontier.sample(M.replace(t_in=1e35), 8, key=0,
                                                                 num_trials=4),
     ValueError, "overflow"),
    ("a negative std", lambda: frontier.sample(M.replace(acc_std=-0.1), 4, key=0,
                                               num_trials=4), ValueError, "acc_std"),
    ("an infinite price", lambda: frontier.sample(M.replace(c_in=math.inf), 4, key=0,
                                                  num_trials=4), ValueError, "c_in"),
    ("default_parallel 0", lambda: frontier.sample(M.replace(default_parallel=0), 4, key=0,
                                                   num_trials=4), ValueError, "default_parallel"),
    # sampling
    ("k = 0", lambda: frontier.sample(M, [0, 4], key=0, num_trials=4), ValueError, "ks[0]"),
    ("k a float", lambda: frontier.sample(M, [2.5], key=0, num_trials=4), TypeError, "ks[0]"),
    ("num_trials 0", lambda: frontier.sample(M, 4, key=0, num_trials=0), ValueError,
     "num_trials"),
    ("no key", lambda: frontier.sample(M, 4, key=None, num_trials=4), TypeError, "key"),
    ("a bool key", lambda: frontier.sample(M, 4, key=True, num_trials=4), TypeError, "key"),
    ("a float key", lambda: frontier.sample(M, 4, key=1.5, num_trials=4), TypeError, "key"),
    ("parallel 0", lambda: frontier.sample(M, 4, key=0, num_trials=4, parallel=0), ValueError,
     "parallel"),
    ("parallel a float", lambda: frontier.sample(M, 4, key=0, num_trials=4, parallel=2.5),
     TypeError, "parallel"),
    ("unknown scheme", lambda: frontier.sample(M, 4, key=0, num_trials=4, scheme="iid"),
     ValueError, "scheme"),
    ("unknown time model", lambda: frontier.sample(M, 4, key=0, num_trials=4,
                                                   time_model="mean"), ValueError, "time_model"),
    ("an integer dtype", lambda: frontier.sample(M, 4, key=0, num_trials=4, dtype=np.int32),
     TypeError, "dtype"),
    ("quantile level 1.5", lambda: frontier.summarize(M, 4, key=0, num_trials=4,
                                                      quantiles=[0.5, 1.5]), ValueError,
     "quantiles"),
    ("an empty model list", lambda: frontier.sample([], 4, key=0, num_trials=4), ValueError,
     "models"),
    # optimize
    ("models given as ints", lambda: frontier.optimize([1, 2], budget=B, k_max=8, key=0,
                                                       num_trials=4), TypeError, "models[0]"),
    ("ks and k_max together", lambda: frontier.optimize(M, budget=B, k_max=8, ks=[4], key=0,
                                                        num_trials=4), ValueError, "not both"),
    ("neither ks nor k_max", lambda: frontier.optimize(M, budget=B, key=0, num_trials=4),
     ValueError, "k_max"),
    ("an empty budget grid", lambda: frontier.optimize(
        M, budget=frontier.Budget([], 60.0, 0.9), k_max=8, key=0, num_trials=4),
     ValueError, "budget.C_max"),
    ("a budget 'abc'", lambda: frontier.optimize(M, budget=("abc", 60, 0.9), k_max=8, key=0,
                                                 num_trials=4), ValueError, "budget.C_max"),
    ("a budget of two numbers", lambda: frontier.optimize(M, budget=(0.5,), k_max=8, key=0,
                                                          num_trials=4).points,
     None, None),  # documented: missing fields default to no limit
    ("an SLO on an unknown objective", lambda: frontier.optimize(
        M, budget=B, k_max=8, key=0, num_trials=4, slo="p95 latency <= 2"), ValueError, "slo"),
    ("an SLO with NaN", lambda: frontier.optimize(
        M, budget=B, k_max=8, key=0, num_trials=4, slo="p95 time <= nan"), ValueError, "NaN"),
    ("an SLO with a bad operator", lambda: frontier.parse_slo("time == 3"), ValueError,
     "cannot parse"),
    ("an SLO level above 100%", lambda: frontier.parse_slo("p150 time <= 3"), ValueError,
     "outside [0, 1]"),
    ("knee_normalise unknown", lambda: frontier.optimize(
        M, budget=B, k_max=8, key=0, num_trials=4, knee_normalise="x"), ValueError,
     "knee_normalise"),
    # sensitivity
    ("sensitivity rule 'knee'", lambda: frontier.sensitivity(M, budget=B, k_max=8, key=0,
                                                             rule="knee"), ValueError, "rule"),
    ("sensitivity infinite C_max", lambda: frontier.sensitivity(
        M, budget=(math.inf, 60, 0.9), k_max=8, key=0), ValueError, "C_max"),
    ("sensitivity temperature 0", lambda: frontier.sensitivity(M, budget=B, k_max=8, key=0,
                                                               temperature=0.0), ValueError,
     "temperature"),
    # engine and tables
    ("choose on a DataFrame", lambda: frontier.choose(_table().to_frame()), TypeError, "table"),
    ("an objective without a mean", lambda: frontier.Table(
        {}, [frontier.Objective("x", "min")], {"x": {"p50": [1.0]}}), ValueError, "'mean'"),
    ("an objective sense 'down'", lambda: frontier.Table(
        {}, [frontier.Objective("x", "down")], {"x": {"mean": [1.0]}}), ValueError, "sense"),
    ("a knob that is an objective", lambda: frontier.Table(
        {"cost": [1]}, [frontier.Objective("cost", "min")], {"cost": {"mean": [1.0]}}),
     ValueError, "both a knob and an objective"),
    ("a rule that does not exist", lambda: frontier.choose(_table()).pick("knee"), ValueError,
     "unknown rule"),
    ("a group that does not exist", lambda: frontier.choose(_table(), group_by="k").pick(
        "cube", 7), ValueError, "unknown group"),
    ("an unknown statistic", lambda: _table().stat("cost", "p99"), ValueError, "no statistic"),
    ("order_by a string knob", lambda: frontier.choose(frontier.Table(
        {"m": ["a", "b"]}, [frontier.Objective("x", "min")], {"x": {"mean": [1.0, 2.0]}}),
        order_by="m"), ValueError, "not numeric"),
    # model files
    ("load a missing model file", lambda: frontier.load_models("/no/such/models.yaml"),
     ValueError, "cannot read"),
    ("load a .json model file", lambda: frontier.load_models(JSON_FILE), ValueError,
     "unknown model file type"),
]


@pytest.mark.parametrize(("label", "thunk", "exc", "words"), API_CASES,
                         ids=[c[0] for c in API_CASES])
def test_api_bad_input_raises_naming_the_argument(label, thunk, exc, words):
    if exc is None:
        thunk()  # a documented answer: must not raise
        return
    with pytest.raises(exc) as e:
        thunk()
    assert words in str(e.value), (label, str(e.value))
    assert "\n" not in str(e.value).strip() or "YAML" in str(e.value)


CLI_CASES = [
    (["run", "--trials", "0", "--no-write"], "trials"),
    (["run", "--k-max", "2", "-P", "4", "--no-write"], "empty grid"),
    (["run", "--c-max", "0", "--no-write"], "C_max"),
    (["run", "--seed", str(2**63), "--no-write"], "seed"),
    (["run", "--only", "nope", "--no-write"], "unknown model key"),
    (["run", "--slo", "p95 latency <= 2", "--no-write"], "slo"),
    (["run", "--ks", "0", "--no-write"], "ks"),
    (["run", "--models", "/no/such/file.yaml", "--no-write"], "cannot read"),
    (["sensitivity", "--model", "nope", "--no-write"], "unknown model"),
    (["sensitivity", "--model", "gpt5", "--temperature", "0", "--no-write"], "temperature"),
    (["sensitivity", "--model", "gpt5", "--c-max", "0.001", "--trials", "256", "--batches", "2",
      "--k-max", "8", "--no-write"], "no feasible k; closest is k=4"),
]


@pytest.mark.parametrize(("argv", "word"), CLI_CASES, ids=[" ".join(c[0]) for c in CLI_CASES])
def test_cli_bad_input_is_one_line_and_exit_2(argv, word, capsys):
    assert cli.main(argv) == 2
    cap = capsys.readouterr()
    err = cap.err.strip()
    assert err.startswith("frontier: error:") and "\n" not in err, err
    assert word in err, err


def test_there_are_at_least_forty_cases():
    assert len(API_CASES) + len(CLI_CASES) >= 40


# ----------------------------------------------------------------------------- named cases
def test_time_rule_never_makes_k_calls_faster_than_one():
    m = CAT["gpt5"]
    s = frontier.summarize(m, [1, 2], key=0, num_trials=4000, parallel=16)
    one, two = np.asarray(s.time.mean)
    assert abs(two - one) <= 4 * float(np.hypot(*np.asarray(s.time.sem)))
    exact = m.t_in * m.mu_Lin + m.t_out * m.mu_Lout
    assert abs(two - exact) <= 4 * float(s.time.sem[1])


@pytest.mark.slow
def test_sensitivity_with_nothing_feasible_reports_no_point():
    # every call has two models and k_max = 16: one compilation for the three budgets
    none = frontier.sensitivity({"a": M, "b": M}, budget=(0.001, 60.0, 0.88), k_max=16, key=0,
                                num_trials=512, num_batches=2)
    assert np.asarray(none.found).tolist() == [False, False]
    assert np.asarray(none.hard_k).tolist() == [0, 0]
    assert np.isnan(np.asarray(none.value)).all() and np.isnan(np.asarray(none.grad)).all()
    assert all("no feasible k; closest is k=4: mean cost" in n for n in none.notes)
    for model in (0, 1):
        with pytest.raises(ValueError, match="no selected point"):
            none.ranked("cost", model=model)
    both = frontier.sensitivity({"a": M, "b": CAT["gpt5"]}, budget=(0.05, 60.0, 0.88),
                                k_max=16, key=0, num_trials=512, num_batches=2)
    assert np.asarray(both.found).tolist() == [False, False]  # a: k = 4, 8 only; b: none
    assert "fewer than 3 Pareto points" in both.notes[0]
    assert "no feasible k" in both.notes[1]
    ok = frontier.sensitivity({"a": M, "b": M}, budget=B, k_max=16, key=0, num_trials=512,
                              num_batches=2)
    assert np.asarray(ok.found).tolist() == [True, True] and ok.notes == ("", "")
    assert np.isfinite(np.asarray(ok.grad)).all()
    assert ok.ranked("cost", model=1)


def test_explain_of_an_unknown_model_names_it():
    st = frontier.optimize(M, budget=B, k_max=8, key=0, num_trials=20)
    with pytest.raises(ValueError, match="unknown key 'unknown'"):
        st.explain("unknown")
    with pytest.raises(ValueError, match="budget_index"):
        st.explain(0, (1,))


def test_yaml_model_file_reads_1e_minus_7_and_rejects_duplicate_keys(tmp_path):
    fields = ("c_in: 1e-7, c_out: 2e-6, t_in: 1e-4, t_out: 1E-3, mu_Lin: 100, sigma_Lin: 10,"
              " mu_Lout: 200, sigma_Lout: 20, acc_mean: 0.8, acc_std: 0.1, default_parallel: 2")
    p = tmp_path / "m.yaml"
    p.write_text(f"models:\n  tiny: {{{fields}}}\n")
    m = frontier.load_models(p)["tiny"]
    assert (m.c_in, m.t_out) == (1e-7, 1e-3)
    p.write_text(f"models:\n  tiny: {{{fields}}}\n  tiny: {{{fields}}}\n")
    with pytest.raises(frontier.ModelFileError, match="duplicate key 'tiny'"):
        frontier.load_models(p)
    p.write_text(f"models:\n  tiny: {{{fields}, c_in: 3e-7}}\n")
    with pytest.raises(frontier.ModelFileError, match="duplicate key 'c_in'"):
        frontier.load_models(p)


def test_float64_models_compute_in_float64_under_x64():
    with jax.enable_x64(True):
        s = frontier.summarize(M.replace(c_out=1e30), 4, key=0, num_trials=8,
                               dtype=np.float64)
        assert np.isfinite(np.asarray(s.cost.mean)).all()


def test_messages_are_one_line():
    for _, thunk, exc, _ in API_CASES:
        if exc is None:
            continue
        try:
            thunk()
        except (ValueError, TypeError) as e:
            assert not re.search(r"Traceback", str(e))
