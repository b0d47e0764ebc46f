"""Choosing on measured sweeps: fronts, SLO selections, explanations, repeats, frontier
shifts (compare), figures and the ``sweep``/``compare`` commands, against NumPy brute force
and hand computation."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jax
import matplotlib
import numpy as np
import pandas as pd
import pytest

import frontier
import frontier.plot
from frontier import Sweep, cli, read_sweep
from frontier._sweeps._repeats import t_quantile

matplotlib.use("Agg")

DATA = Path(__file__).parent / "data" / "sweeps"
EXAMPLES = Path(str(resources.files("frontier._sweeps") / "examples" / "llmperf_a10g"))
CONC = [1, 4, 16, 64, 128]
TOKS = [100.0, 380.0, 1300.0, 3000.0, 2900.0]
TTFT = [20.0, 25.0, 40.0, 120.0, 400.0]
TPOT = [10.0, 10.5, 12.0, 20.0, 40.0]
FRONT = {1, 4, 16, 64}


# ----------------------------------------------------------------------------- oracles

def brute_front(x: np.ndarray, sense: list[str]) -> np.ndarray:
    """Non-dominated rows (strict dominance; rows with NaN never on the front)."""
    z = x * np.where(np.asarray(sense) == "max", -1.0, 1.0)
    ok = np.isfinite(z).all(axis=1)
    out = np.zeros(len(z), bool)
    for i in np.flatnonzero(ok):
        le = (z[ok] <= z[i]).all(axis=1)
        lt = (z[ok] < z[i]).any(axis=1)
        out[i] = not (le & lt).any()
    return out


def write_runs(path: Path, rows: list[dict]) -> Path:
    path.write_text(json.dumps(rows))
    return path


def random_sweep(tmp_path: Path, seed: int, n: int = 60, repeats: int = 1) -> Sweep:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n):
        base_thr = rng.uniform(50, 5000)
        base_lat = rng.uniform(10, 2000)
        tpot = rng.uniform(5, 60)
        for r in range(repeats):
            rows.append({"max_concurrency": c + 1, "tp": int(rng.choice([1, 2, 4])),
                         "output_throughput": base_thr * rng.uniform(0.9, 1.1),
                         "p99_ttft_ms": base_lat * rng.uniform(0.9, 1.1),
                         "mean_ttft_ms": base_lat / 2, "mean_tpot_ms": tpot + 0.01 * r})
            rows[-1]["tp"] = rows[-1 - r]["tp"] if r else rows[-1]["tp"]
    return read_sweep(write_runs(tmp_path / f"r{seed}.json", rows))


# ------------------------------------------------------------- fronts on known fixtures

SYNTHETIC = ["vllm/synthetic", "vllm/synthetic_append/results.json", "sglang/synthetic",
             "aiperf/synthetic", "genai_perf/synthetic", "guidellm/synthetic_v0.3",
             "guidellm/synthetic_v0.4", "llmperf/synthetic",
             "aiconfigurator/synthetic/agg/pareto.csv", "plain/synthetic/sweep.json",
             "plain/synthetic/sweep.jsonl"]


@pytest.mark.parametrize("rel", SYNTHETIC)
def test_front_of_every_synthetic_format_is_the_known_front(rel):
    s = read_sweep(DATA / rel)
    lat = "mean_ttft_ms" if "aiconfigurator" in rel else "p99_ttft_ms"
    mask = s.front({lat: "min", "output_throughput": "max"})
    assert mask.dtype == bool and mask.shape == (len(s),)
    conc = s.table["max_concurrency"].astype(int).to_numpy()
    assert set(conc[mask]) == FRONT
    x = s.table[[lat, "output_throughput"]].to_numpy(float)
    np.testing.assert_array_equal(mask, brute_front(x, ["min", "max"]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_front_matches_brute_force_in_two_and_three_objectives(tmp_path, seed):
    s = random_sweep(tmp_path, seed)
    for objs in ({"p99_ttft_ms": "min", "output_throughput": "max"},
                 {"p99_ttft_ms": "min", "output_throughput": "max", "mean_tpot_ms": "min"}):
        x = s.table[list(objs)].to_numpy(float)
        np.testing.assert_array_equal(s.front(objs), brute_front(x, list(objs.values())))
    # under an SLO: the front of the feasible runs only
    ok = (s.table["mean_tpot_ms"] <= 30).to_numpy()
    x = s.table[["p99_ttft_ms", "output_throughput"]].to_numpy(float)
    want = np.zeros(len(s), bool)
    want[ok] = brute_front(x[ok], ["min", "max"])
    got = s.front(["p99_ttft_ms", "output_throughput"], slo="mean tpot_ms <= 30")
    np.testing.assert_array_equal(got, want)


def test_front_names_default_senses_and_family_means():
    s = read_sweep(DATA / "vllm" / "synthetic", num_gpus=2)
    # a family name is its mean; a sequence of names takes the metrics' senses
    a = s.front(["ttft_ms", "output_throughput"])
    b = s.front({"mean_ttft_ms": "min", "output_throughput": "max"})
    np.testing.assert_array_equal(a, b)
    # the default front is p99 TTFT against tokens per GPU
    conc = s.table["max_concurrency"].to_numpy()
    assert set(conc[s.front()]) == FRONT


def test_front_per_group_and_nan_rows_are_never_on_it(tmp_path):
    rows = [{"engine": e, "max_concurrency": c, "output_throughput": x, "p99_ttft_ms": t}
            for e, c, x, t in [("a", 1, 100.0, 10.0), ("a", 2, 200.0, 30.0),
                               ("a", 4, 150.0, 50.0), ("b", 1, 50.0, 5.0),
                               ("b", 2, 80.0, 40.0), ("b", 4, float("nan"), 1.0)]]
    s = read_sweep(write_runs(tmp_path / "g.json", rows))
    objs = {"p99_ttft_ms": "min", "output_throughput": "max"}
    per = s.front(objs, group_by="engine")
    assert per.tolist() == [True, True, False, True, True, False]
    pooled = s.front(objs)
    assert pooled.tolist() == [True, True, False, True, False, False]


# ----------------------------------------------------------------------- selections

def test_max_tokens_per_gpu_subject_to_the_issue_slo():
    s = read_sweep(DATA / "vllm" / "synthetic", num_gpus=2)
    sel = s.select("p99 ttft_ms <= 500 and mean tpot_ms <= 20", "max tokens_per_gpu")
    assert sel.found and sel.rule == "best:tokens_per_gpu" and sel.by == "config"
    assert sel.rows["max_concurrency"].tolist() == [64]
    assert sel.rows["tokens_per_gpu"].tolist() == [1500.0]
    assert sel.explanation == (
        "max tokens_per_gpu subject to p99 ttft_ms <= 500 and mean tpot_ms <= 20: "
        "max_concurrency=64 (tokens_per_gpu 1500 tok/s/gpu, p99_ttft_ms 240 ms, mean_tpot_ms "
        "20 ms); 4 of 5 configs feasible")
    cand = sel.candidates.set_index("max_concurrency")
    assert cand["feasible"].to_dict() == {1: True, 4: True, 16: True, 64: True, 128: False}
    assert cand["selected"].sum() == 1 and bool(cand.loc[64, "selected"])
    # a tighter TPOT bound moves the choice to concurrency 16
    tight = s.select("p99 ttft_ms <= 500 and mean tpot_ms <= 15", "max tokens_per_gpu")
    assert tight.rows["max_concurrency"].tolist() == [16]


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_select_matches_brute_force(tmp_path, seed):
    s = random_sweep(tmp_path, seed)
    t = s.table
    lat_b = float(np.quantile(t["p99_ttft_ms"], 0.6))
    tpot_b = float(np.quantile(t["mean_tpot_ms"], 0.7))
    slo = f"p99 ttft_ms <= {lat_b!r} and mean tpot_ms <= {tpot_b!r}"
    ok = (t["p99_ttft_ms"] <= lat_b) & (t["mean_tpot_ms"] <= tpot_b)
    sel = s.select(slo, "max output_throughput")
    want = t["output_throughput"].where(ok).idxmax()
    assert sel.rows["max_concurrency"].tolist() == [t.loc[want, "max_concurrency"]]
    sel = s.select(f"output_throughput >= {float(np.median(t['output_throughput']))!r}",
                   "min p99_ttft_ms")
    ok = t["output_throughput"] >= np.median(t["output_throughput"])
    want = t["p99_ttft_ms"].where(ok).idxmin()
    assert sel.rows["max_concurrency"].tolist() == [t.loc[want, "max_concurrency"]]
    np.testing.assert_array_equal(sel.candidates["feasible"].to_numpy(), ok.to_numpy())


def test_knee_rules_go_through_the_engine_on_the_sweep_table():
    s = read_sweep(DATA / "sglang" / "synthetic")
    objs = {"p99_ttft_ms": "min", "output_throughput": "max"}
    table = s.to_table(objs, by="config")
    for rule in ("knee_chord", "knee_curvature", "utopia", "cube"):
        sel = s.select(rule=rule, objectives=objs)
        ch = frontier.choose(table, objectives=["p99_ttft_ms", "output_throughput"])
        assert sel.rows["config"].tolist() == [int(table.knobs["config"][ch.pick(rule)])]
        assert bool(sel.candidates["front"][sel.candidates["selected"]].all())


def test_a_knee_with_too_few_front_points_says_so():
    s = read_sweep(DATA / "vllm" / "synthetic")
    sel = s.select("p99 ttft_ms <= 60", "knee_chord")
    assert not sel.found
    assert "knee_chord chose nothing: it needs >= 3 configs on the front, which has 2" in \
        sel.explanation


def test_nothing_meets_the_slo_explains_the_binding_term():
    s = read_sweep(DATA / "vllm" / "synthetic", num_gpus=2)
    sel = s.select("p99 ttft_ms <= 30 and mean tpot_ms <= 20")
    assert not sel.found and sel.rows.empty
    assert sel.explanation == (
        "max tokens_per_gpu subject to p99 ttft_ms <= 30 and mean tpot_ms <= 20: no feasible "
        "config; closest is max_concurrency=1: p99 ttft_ms 40 ms misses <= 30 ms by 10 ms "
        "(33.3%)")
    assert s.explain("p99 ttft_ms <= 30 and mean tpot_ms <= 20") == (
        "p99 ttft_ms <= 30 and mean tpot_ms <= 20: no feasible config; closest is "
        "max_concurrency=1: p99 ttft_ms 40 ms misses <= 30 ms by 10 ms (33.3%)")
    assert s.explain("p99 ttft_ms <= 100") == "p99 ttft_ms <= 100: 3 of 5 configs feasible"


def test_slo_spellings_are_the_same_term():
    s = read_sweep(DATA / "vllm" / "synthetic")
    want = s.select("p99 ttft_ms <= 100").rows["config"].tolist()
    for text in ("ttft_ms.p99 <= 100", "p99_ttft_ms <= 100"):
        assert s.select(text).rows["config"].tolist() == want
    # the median is the p50 statistic
    a = s.select("median ttft_ms <= 40", "max output_throughput").rows["config"].tolist()
    b = s.select("p50 ttft_ms <= 40", "max output_throughput").rows["config"].tolist()
    assert a == b


def test_group_by_label_chooses_per_group_and_across():
    s = read_sweep(EXAMPLES, num_gpus=1).label_by_source()
    sel = s.select("mean ttft_ms <= 500", group_by="label")
    got = dict(zip(sel.rows["group"], sel.rows["max_concurrency"], strict=True))
    assert got == {"nim": 32, "tgi": 16, "vllm": 32}
    assert sel.cross["label"].tolist() == ["nim"]
    assert "across all: nim, max_concurrency=32" in sel.explanation


def test_by_config_averages_repeats_and_by_run_does_not(tmp_path):
    rows = [{"max_concurrency": c, "output_throughput": x, "p99_ttft_ms": 10.0}
            for c, x in [(8, 100.0), (8, 300.0), (16, 250.0), (16, 250.5)]]
    s = read_sweep(write_runs(tmp_path / "rep.json", rows))
    sel = s.select(rule="max output_throughput")
    assert sel.rows["max_concurrency"].tolist() == [16]
    assert sel.rows["n_runs"].tolist() == [2]
    assert sel.explanation.endswith("(on per-config means over repeats: 2 runs per config)")
    run = s.select(rule="max output_throughput", by="run")
    assert run.rows["output_throughput"].tolist() == [300.0]
    assert run.explanation.endswith("(each run on its own; repeats not averaged)")
    # by config, every run of a front config is marked
    assert s.front({"output_throughput": "max"}).tolist() == [False, False, True, True]
    assert s.front({"output_throughput": "max"}, by="run").tolist() == [False, True, False,
                                                                         False]


def test_to_table_maps_columns_to_objectives_and_statistics():
    s = read_sweep(DATA / "vllm" / "synthetic", num_gpus=2)
    t = s.to_table()
    assert isinstance(t, frontier.Table)
    assert sorted(t.stats["ttft_ms"]) == ["mean", "p50", "p90", "p99", "std"]
    np.testing.assert_array_equal(t.stat("ttft_ms", 0.99), s.table["p99_ttft_ms"])
    np.testing.assert_array_equal(t.stat("ttft_ms", "mean"), s.table["mean_ttft_ms"])
    o = t.objective("tokens_per_gpu")
    assert (o.sense, o.unit, o.bounds) == ("max", "tok/s/gpu", (0.0, math.inf))
    assert t.objective("ttft_ms").sense == "min"
    assert list(t.knobs)[-2:] == ["config", "repeat"]
    # a percentile named as an objective becomes one, its mean the percentile column
    t2 = s.to_table({"p99_ttft_ms": "min"})
    assert t2.names[0] == "p99_ttft_ms"
    np.testing.assert_array_equal(t2.stat("p99_ttft_ms"), s.table["p99_ttft_ms"])
    # a family without a mean keeps NaN as its mean: never a quantile standing in for it
    p = read_sweep(DATA / "plain" / "synthetic" / "sweep.csv",
                   columns={"max_concurrency": "users", "p99_ttft_ms": "TTFT p99 (s)",
                            "output_throughput": "tok_s"})
    assert np.isnan(p.to_table().stat("ttft_ms")).all()
    # by config: the means of the repeats
    rep = Sweep.concat([read_sweep(DATA / "sglang" / "synthetic"),
                        read_sweep(DATA / "sglang" / "synthetic")])
    assert len(rep.to_table(by="config")) == 5 and len(rep.to_table()) == 10


# ------------------------------------------------------------------------- bad inputs

@pytest.mark.parametrize(("kwargs", "words"), [
    ({"objectives": ["ttft_p99"]}, ["unknown metric 'ttft_p99'", "did you mean"]),
    ({"objectives": {"output_throughput": "min"}},
     ["min output_throughput contradicts the metric", "better when larger"]),
    ({"objectives": {"p99_ttft_ms": "max"}}, ["max p99_ttft_ms contradicts", "smaller"]),
    ({"objectives": {"p99_ttft_ms": "low"}}, ["must be 'min' or 'max'"]),
    ({"objectives": ["p99_ttft_ms", "p99_ttft_ms"]}, ["twice"]),
    ({"objectives": "p99_ttft_ms"}, ["mapping name"]),
    ({"rule": "max p99_ttft_ms"}, ["contradicts the metric", "write 'min p99_ttft_ms'"]),
    ({"rule": "fastest"}, ["unknown rule 'fastest'"]),
    ({"slo": "p95 ttft_ms <= 500"},
     ["p95 ttft_ms needs the column p95_ttft_ms", "['mean', 'p50', 'p90', 'p99', 'std']"]),
    ({"slo": "p99 output_throughput >= 5"}, ["one value per run, so no p99"]),
    ({"slo": "p99 ttft <= 500"}, ["write ttft_ms (milliseconds)"]),
    ({"slo": "p99 goodput >= 1"}, ["no column 'goodput'"]),
    ({"slo": "p99 ttft_ms < 500"}, ["cannot parse"]),
    ({"group_by": "engine"}, ["no knob 'engine'"]),
    ({"by": "file"}, ["`by` must be 'config'"]),
])
def test_bad_inputs_are_clear_errors(kwargs, words):
    s = read_sweep(DATA / "vllm" / "synthetic")
    with pytest.raises((ValueError, TypeError)) as e:
        s.select(**kwargs)
    for w in words:
        assert w in str(e.value)


def test_an_objective_no_run_measures_is_an_error(tmp_path):
    rows = [{"max_concurrency": 1, "output_throughput": 10.0, "p99_ttft_ms": None},
            {"max_concurrency": 2, "output_throughput": 20.0, "p99_ttft_ms": None}]
    s = read_sweep(write_runs(tmp_path / "x.json", rows))
    with pytest.raises(ValueError, match="p99_ttft_ms has no value in this sweep"):
        s.front({"p99_ttft_ms": "min", "output_throughput": "max"})
    with pytest.raises(ValueError, match="no mean of ttft_ms"):
        read_sweep(DATA / "plain" / "synthetic" / "sweep.csv",
                   columns={"max_concurrency": "users", "p99_ttft_ms": "TTFT p99 (s)",
                            "output_throughput": "tok_s"}).front(["ttft_ms"])


def test_rows_lacking_an_objective_are_left_out_and_said(tmp_path):
    rows = [{"max_concurrency": c, "output_throughput": x, "p99_ttft_ms": t}
            for c, x, t in [(1, 10.0, 5.0), (2, 20.0, float("nan")), (4, 30.0, 9.0)]]
    s = read_sweep(write_runs(tmp_path / "x.json", rows))
    sel = s.select(rule="max output_throughput", objectives=["p99_ttft_ms"])
    assert sel.rows["max_concurrency"].tolist() == [4]
    assert "1 config lacking an objective value left out" in sel.explanation


# -------------------------------------------------------------------------- repeats

def test_summary_mean_and_student_t_interval_by_hand(tmp_path):
    vals = {8: [100.0, 110.0, 120.0, 130.0], 16: [200.0, 220.0], 32: [300.0]}
    rows = [{"max_concurrency": c, "output_throughput": x, "p99_ttft_ms": x / 10}
            for c, xs in vals.items() for x in xs]
    s = read_sweep(write_runs(tmp_path / "rep.json", rows))
    out = s.summary().set_index("max_concurrency")
    assert out["n_runs"].tolist() == [4, 2, 1]
    # concurrency 8: mean 115, s = sqrt(500/3), t(0.975, 3) = 3.182446305284263
    s8 = math.sqrt(((100 - 115) ** 2 + 5**2 + 5**2 + 15**2) / 3)
    half = 3.182446305284263 * s8 / 2
    assert out.loc[8, "output_throughput"] == 115.0
    assert out.loc[8, "output_throughput_sem"] == pytest.approx(s8 / 2, rel=1e-12)
    assert out.loc[8, "output_throughput_lo"] == pytest.approx(115 - half, rel=1e-10)
    assert out.loc[8, "output_throughput_hi"] == pytest.approx(115 + half, rel=1e-10)
    # concurrency 16: two runs, t(0.975, 1) = 12.706204736174698, s = 10 * sqrt(2)
    half16 = 12.706204736174698 * 10 * math.sqrt(2) / math.sqrt(2)
    assert out.loc[16, "output_throughput_hi"] == pytest.approx(210 + half16, rel=1e-10)
    # one run: its value, and no interval (NaN), n = 1
    assert out.loc[32, "output_throughput"] == 300.0
    assert out.loc[32, "output_throughput_n"] == 1
    assert np.isnan(out.loc[32, ["output_throughput_sem", "output_throughput_lo",
                                 "output_throughput_hi"]].to_numpy(float)).all()
    # 90% interval is narrower
    n90 = s.summary(0.9).set_index("max_concurrency")
    assert n90.loc[8, "output_throughput_hi"] < out.loc[8, "output_throughput_hi"]
    with pytest.raises(ValueError, match="confidence"):
        s.summary(95)


def test_t_quantile_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    for conf in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999):
        for df in (1, 2, 3, 4, 5, 7, 10, 29, 30, 61, 200):
            want = stats.t.ppf(0.5 + conf / 2, df)
            assert t_quantile(conf, df) == pytest.approx(want, rel=1e-9, abs=1e-9)


def _rep_rows(spec):
    return [{"max_concurrency": c, "output_throughput": x, "p99_ttft_ms": t}
            for c, runs in spec.items() for x, t in runs]


def test_pareto_probability_dominated_zero_lone_front_one_and_determinism(tmp_path):
    spec = {1: [(100.0, 40.0), (104.0, 42.0), (98.0, 41.0)],
            8: [(500.0, 60.0), (520.0, 62.0)],          # alone on the front: 1
            64: [(50.0, 90.0), (52.0, 95.0), (49.0, 99.0)],  # dominated by 8 always: 0
            128: [(400.0, 200.0)]}                      # one run, dominated: 0
    s = read_sweep(write_runs(tmp_path / "p.json", _rep_rows(spec)))
    objs = {"output_throughput": "max", "p99_ttft_ms": "min"}
    p = s.pareto_probability(objs, key=7, num_resamples=300)
    cfg = s.summary().set_index("max_concurrency")["config"]
    assert p.index.name == "config" and p.loc[cfg[8]] == 1.0
    assert p.loc[cfg[64]] == 0.0 and p.loc[cfg[128]] == 0.0
    assert p.loc[cfg[1]] == 1.0  # always the lowest latency
    np.testing.assert_array_equal(p, s.pareto_probability(objs, key=7, num_resamples=300))
    np.testing.assert_array_equal(
        p, s.pareto_probability(objs, key=jax.random.key(7), num_resamples=300))


def test_pareto_probability_of_overlapping_configs_by_hand(tmp_path):
    # X: throughput 1 or 3 (mean of 2 draws: 1, 2, 3 with prob 1/4, 1/2, 1/4), Y: always 2,
    # same latency. X dominates Y w.p. 1/4, Y dominates X w.p. 1/4, they tie w.p. 1/2 (a tie
    # with a non-dominated point counts as non-dominated): P(X) = P(Y) = 3/4.
    spec = {1: [(1.0, 5.0), (3.0, 5.0)], 2: [(2.0, 5.0)]}
    s = read_sweep(write_runs(tmp_path / "xy.json", _rep_rows(spec)))
    n = 4000
    p = s.pareto_probability({"output_throughput": "max", "p99_ttft_ms": "min"}, key=3,
                             num_resamples=n)
    tol = 4 * math.sqrt(0.75 * 0.25 / n)
    np.testing.assert_allclose(p.to_numpy(), [0.75, 0.75], atol=tol)
    other = s.pareto_probability({"output_throughput": "max", "p99_ttft_ms": "min"}, key=4,
                                 num_resamples=n)
    assert not np.array_equal(p.to_numpy(), other.to_numpy())


def test_pareto_probability_bad_arguments(tmp_path):
    s = read_sweep(DATA / "vllm" / "synthetic")
    with pytest.raises(TypeError, match="key"):
        s.pareto_probability(key=None)
    with pytest.raises(ValueError, match="num_resamples"):
        s.pareto_probability(key=0, num_resamples=0)


def test_label_by_source_separates_files_with_equal_knobs():
    s = read_sweep(EXAMPLES)
    assert s.table["config"].nunique() == 7  # read as one sweep: engines are "repeats"
    lab = s.label_by_source()
    assert sorted(set(lab.table["label"])) == ["nim", "tgi", "vllm"]
    assert lab.table["config"].nunique() == 21 and (lab.table["repeat"] == 0).all()


def test_repeats_from_different_directories_are_flagged_and_labelled_by_directory():
    s = read_sweep(DATA / "llmperf" / "yi_1.5_34b_4xa10g")  # tgi/ and vllm/, one run a file
    assert s.mixed_sources() == "dir" and s.table["config"].nunique() == 3
    note = s.select().explanation
    assert "some repeats come from different directories" in note
    assert "sweep.label_by_source('dir')" in note
    lab = s.label_by_source("dir")
    assert sorted(set(lab.table["label"])) == ["tgi", "vllm"]
    assert lab.table["config"].nunique() == 6 and lab.mixed_sources() is None
    # the runs of one vllm bench sweep combination sit in one directory: true repeats
    tree = read_sweep(DATA / "vllm" / "sweep_tree")
    assert tree.mixed_sources() is None and set(tree.table["repeat"]) == {0, 1}
    assert read_sweep(EXAMPLES).mixed_sources() == "file"
    with pytest.raises(ValueError, match="'file' or 'dir'"):
        s.label_by_source("path")


def test_llmperf_result_tables_read_without_a_mapping():
    s = read_sweep(EXAMPLES / "vllm.csv")
    assert s.knobs == ("max_concurrency",)
    assert {"mean_ttft_ms", "output_throughput", "mean_ntpot_ms",
            "request_throughput"} <= set(s.metrics)
    v = s.table.set_index("max_concurrency")
    assert v.loc[1, "mean_ttft_ms"] == 137.2919660700245
    assert v.loc[32, "request_throughput"] == pytest.approx(123.17320599883152 / 60)


# -------------------------------------------------------------------------- compare

def _table(lat, thr, k=None):
    return frontier.Table({"c": np.arange(len(lat)) if k is None else np.asarray(k)},
                          [frontier.Objective("lat", "min", "ms"),
                           frontier.Objective("thr", "max", "tok/s")],
                          {"lat": {"mean": np.asarray(lat, float)},
                           "thr": {"mean": np.asarray(thr, float)}})


def test_compare_known_hypervolumes_and_dominated_rows():
    # A's front (1,1) (2,2) (3,3), B's (1,2) (2,3) plus a dominated B row (3, 1.5):
    # the union of both fronts spans lat [1, 3] and thr [1, 3]; normalised (minimised):
    # A = (0,1) (.5,.5) (1,0): HV with ref 1.1 = .5*.1 + .5*.6 + .1*1.1 = 0.46
    # B = (0,.5) (.5,0): HV = .5*.6 + .6*1.1 = 0.96
    a = _table([1.0, 2.0, 3.0, 2.5], [1.0, 2.0, 3.0, 1.0])
    b = _table([1.0, 2.0, 3.0], [2.0, 3.0, 1.5])
    cmp = frontier.compare(a, b, {"lat": "min", "thr": "max"}, labels=("before", "after"))
    assert cmp.hv_a == pytest.approx(0.46, rel=1e-6)
    assert cmp.hv_b == pytest.approx(0.96, rel=1e-6)
    assert cmp.gain == pytest.approx(0.5, rel=1e-5)
    assert cmp.gain_rel == pytest.approx(0.5 / 0.46, rel=1e-5)
    np.testing.assert_allclose(cmp.ideal, [1.0, 3.0])
    np.testing.assert_allclose(cmp.nadir, [3.0, 1.0])
    np.testing.assert_allclose(cmp.ref, [3.2, 0.8])
    assert cmp.a_front.tolist() == [True, True, True, False]
    assert cmp.b_front.tolist() == [True, True, False]
    assert cmp.a_dominated_by_b.tolist() == [True, True, True, True]
    # B's (3, 1.5) is dominated by A's (3, 3) and (2, 2): the converse direction
    assert cmp.b_dominated_by_a.tolist() == [False, False, True]
    assert cmp.labels == ("before", "after")
    assert cmp.shift.target == "thr" and (cmp.shift.a_value, cmp.shift.b_value) == (3.0, 3.0)
    # swapped: the gain changes sign and the masks swap
    rev = frontier.compare(b, a)
    assert rev.gain == pytest.approx(-0.5, rel=1e-5)
    assert rev.b_dominated_by_a.tolist() == cmp.a_dominated_by_b.tolist()


def test_compare_ties_are_not_domination_and_identical_sides_gain_nothing():
    a = _table([1.0, 2.0], [1.0, 2.0])
    cmp = frontier.compare(a, _table([1.0, 2.0], [1.0, 2.0]))
    assert cmp.gain == 0.0 and cmp.gain_rel == 0.0
    assert not cmp.a_dominated_by_b.any() and not cmp.b_dominated_by_a.any()


def test_compare_shift_at_a_matched_slo_and_an_empty_side():
    a = _table([10.0, 20.0, 60.0], [100.0, 200.0, 300.0])
    b = _table([10.0, 30.0, 45.0], [150.0, 260.0, 400.0])
    cmp = frontier.compare(a, b, at="lat <= 50", target="max thr")
    sh = cmp.shift
    assert (sh.a_value, sh.b_value, sh.a_row, sh.b_row) == (200.0, 400.0, 1, 2)
    assert sh.delta == 200.0 and sh.ratio == 2.0 and sh.slo == "mean lat <= 50"
    none = frontier.compare(a, b, at="lat <= 5")
    assert none.shift.a_row is None and math.isnan(none.shift.a_value)
    assert "no feasible row" in none.shift.a_explain
    # an SLO on the fronts that A cannot meet: A's front is empty, its volume 0
    empty = frontier.compare(a, b, slo="lat <= 12")
    assert not empty.a_front[1:].any() and empty.hv_b > 0


def test_compare_on_the_real_llmperf_set_matched_slo_shift():
    raw = {e: pd.read_csv(EXAMPLES / f"{e}.csv") for e in ("vllm", "tgi", "nim")}

    def best(e):  # the best throughput with mean TTFT <= 500 ms, straight from the CSV
        d = raw[e]
        d = d[d["first-time-to-token_mean_in_ms_(ttft)"] <= 500]
        return float(d["throughput_token_per_s_(token/sec)"].max())

    s = {e: read_sweep(EXAMPLES / f"{e}.csv", num_gpus=1) for e in raw}
    for before, after in (("vllm", "tgi"), ("vllm", "nim"), ("tgi", "nim")):
        cmp = frontier.compare(s[before], s[after], at="mean ttft_ms <= 500",
                               labels=(before, after))
        sh = cmp.shift
        assert sh.target == "tokens_per_gpu" and sh.slo == "mean ttft_ms <= 500"
        assert sh.a_value == best(before) and sh.b_value == best(after)
        assert sh.delta == pytest.approx(best(after) - best(before))
    # the known answer: NIM's best under 500 ms is 374.5 tok/s at concurrency 32, TGI's
    # 277.9 at 16 (its 32 takes 707 ms to the first token)
    cmp = frontier.compare(s["tgi"], s["nim"], at="mean ttft_ms <= 500")
    assert int(cmp.a.knobs["max_concurrency"][cmp.shift.a_row]) == 16
    assert int(cmp.b.knobs["max_concurrency"][cmp.shift.b_row]) == 32
    assert cmp.shift.b_value == pytest.approx(374.52053182, rel=1e-9)
    # the fronts and dominated rows agree with brute force on the means
    x_a = cmp.a.stat("ttft_ms"), cmp.a.stat("tokens_per_gpu")
    x_b = cmp.b.stat("ttft_ms"), cmp.b.stat("tokens_per_gpu")
    fa = brute_front(np.stack(x_a, 1), ["min", "max"])
    np.testing.assert_array_equal(cmp.a_front, fa)
    za = np.stack([x_a[0], -np.asarray(x_a[1])], 1)
    zb = np.stack([x_b[0], -np.asarray(x_b[1])], 1)
    dom = [bool(((zb <= r).all(1) & (zb < r).any(1)).any()) for r in za]
    assert cmp.a_dominated_by_b.tolist() == dom


def test_compare_bad_inputs():
    a = _table([1.0], [1.0])
    s = read_sweep(DATA / "vllm" / "synthetic")
    with pytest.raises(TypeError, match="both be Sweeps or both be Tables"):
        frontier.compare(s, a)
    with pytest.raises(ValueError, match="is 'max' in A's table, not 'min'"):
        frontier.compare(a, a, {"thr": "min"})
    with pytest.raises(ValueError, match="unknown objective 'x'"):
        frontier.compare(a, a, ["x"])
    with pytest.raises(ValueError, match="contradicts"):
        frontier.compare(a, a, target="min thr")
    with pytest.raises(ValueError, match="this sweep has no column 'tokens_per_gpu'"):
        frontier.compare(s, s, target="tokens_per_gpu")
    with pytest.raises(TypeError, match="labels"):
        frontier.compare(a, a, labels="ab")


# -------------------------------------------------------------------------- figures

def test_figures_draw_the_slo_the_front_and_the_choice(tmp_path):
    import matplotlib.pyplot as plt

    s = read_sweep(DATA / "vllm" / "synthetic", num_gpus=2)
    sel = s.select("p99 ttft_ms <= 500 and mean tpot_ms <= 15")
    fig = frontier.plot.throughput_latency(s, sel)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "tokens_per_gpu (tok/s/gpu)"
    assert ax.get_ylabel() == "p99_ttft_ms (ms)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("p99 ttft_ms <= 500" in t for t in labels)
    assert any("chosen: max tokens_per_gpu" in t for t in labels)
    assert sorted(t.get_text() for t in ax.texts if t.get_text().isdigit()) == sorted(
        str(c) for c in CONC)
    plt.close(fig)
    fig = frontier.plot.serving_frontier(s, sel)
    assert fig.axes[0].get_xlabel() == "tokens_per_user (tok/s/user)"
    plt.close(fig)
    cmp = frontier.compare(read_sweep(EXAMPLES / "vllm.csv", num_gpus=1),
                           read_sweep(EXAMPLES / "nim.csv", num_gpus=1),
                           at="mean ttft_ms <= 500", labels=("vLLM", "NIM"))
    fig = frontier.plot.compare_fronts(cmp)
    assert "vLLM vs NIM: hypervolume" in fig._suptitle.get_text()
    plt.close(fig)
    paths = frontier.plot.save_sweep(s, tmp_path / "f", sel, formats=("png",))
    assert sorted(Path(p).name for p in paths) == ["serving_frontier.png",
                                                  "throughput_latency.png"]


# ------------------------------------------------------------------------------ CLI

def _strict_json(text):
    def reject(token):
        raise ValueError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=reject)


def test_cli_sweep_on_the_shipped_example(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["sweep", str(EXAMPLES), "--num-gpus", "1", "--slo",
                     "mean ttft_ms <= 500", "--out", str(out), "--no-plots"]) == 0
    text = capsys.readouterr().out
    assert "frontier: sweep of 21 runs, 21 configs, 3 labels (nim, tgi, vllm)" in text
    assert "rule: max tokens_per_gpu; per label" in text
    assert "across all: nim, max_concurrency=32" in text
    assert sorted(p.name for p in out.iterdir()) == ["sweep.csv", "sweep.json"]
    rec = _strict_json((out / "sweep.json").read_text())
    assert rec["slo"] == "mean ttft_ms <= 500" and rec["group_by"] == "label"
    assert {r["group"]: r["max_concurrency"] for r in rec["selection"]} == {
        "nim": 32, "tgi": 16, "vllm": 32}
    csv = pd.read_csv(out / "sweep.csv")
    assert len(csv) == 21 and int(csv["selected"].sum()) == 3
    assert set(csv.columns) >= {"label", "max_concurrency", "feasible", "front", "selected"}


def test_cli_sweep_defaults_json_and_figures(tmp_path, capsys):
    out = tmp_path / "o"
    assert cli.main(["sweep", str(DATA / "vllm" / "synthetic"), "--json", "--out",
                     str(out)]) == 0
    rec = _strict_json(capsys.readouterr().out)
    assert [o["column"] for o in rec["objectives"]] == ["p99_ttft_ms", "output_throughput"]
    assert rec["rule_text"] == "max output_throughput"
    assert [r["max_concurrency"] for r in rec["selection"]] == [64]
    assert sorted(p.name for p in (out / "figures").iterdir()) == [
        "serving_frontier.pdf", "serving_frontier.png", "throughput_latency.pdf",
        "throughput_latency.png"]


def test_cli_sweep_labels_engine_directories_and_writes_strict_json(capsys):
    assert cli.main(["sweep", str(DATA / "llmperf" / "yi_1.5_34b_4xa10g"), "--no-write"]) == 0
    out = capsys.readouterr().out
    assert "6 configs, 2 labels (tgi, vllm)" in out and "per label" in out
    # dropped rows with no row number are null, not a crash
    assert cli.main(["sweep", str(DATA / "aiperf" / "run1"), "--json", "--no-write"]) == 0
    rec = _strict_json(capsys.readouterr().out)
    assert rec["dropped"][0]["source_row"] is None and rec["runs"] == 1


def test_cli_sweep_nothing_feasible_explains_and_exits_0(capsys):
    assert cli.main(["sweep", str(DATA / "vllm" / "synthetic"), "--slo",
                     "p99 ttft_ms <= 30", "--no-write"]) == 0
    out = capsys.readouterr().out
    assert "no feasible config; closest is max_concurrency=1: p99 ttft_ms 40 ms misses" in out


@pytest.mark.parametrize(("argv", "words"), [
    (["--objectives", "output_throughput:min"], "contradicts the metric"),
    (["--objectives", "ttft_ms:fast"], "must be min or max"),
    (["--objectives", "nope"], "unknown metric 'nope'"),
    (["--slo", "p95 ttft_ms <= 5"], "needs the column p95_ttft_ms"),
    (["--rule", "max p99_ttft_ms"], "write 'min p99_ttft_ms'"),
    (["--num-gpus", "0"], "num_gpus"),
    (["--group-by", "engine"], "no knob 'engine'"),
])
def test_cli_sweep_bad_input_is_one_line_exit_2(tmp_path, capsys, argv, words):
    out = tmp_path / "o"
    code = cli.main(["sweep", str(DATA / "vllm" / "synthetic"), "--out", str(out), *argv])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("frontier: error: ")
    assert words in err and not out.exists()


def test_cli_compare_on_the_shipped_example(tmp_path, capsys):
    out = tmp_path / "c"
    assert cli.main(["compare", str(EXAMPLES / "tgi.csv"), str(EXAMPLES / "nim.csv"),
                     "--num-gpus", "1", "--at", "mean ttft_ms <= 500", "--out", str(out),
                     "--no-plots"]) == 0
    text = capsys.readouterr().out
    assert "frontier: compare tgi (7 rows" in text
    assert ("best tokens_per_gpu at mean ttft_ms <= 500: tgi 277.9 tok/s/gpu "
            "(max_concurrency=16, num_gpus=1) -> nim 374.5 tok/s/gpu (max_concurrency=32, "
            "num_gpus=1)") in text
    rec = _strict_json((out / "compare.json").read_text())
    assert rec["labels"] == ["tgi", "nim"] and rec["normalisation"]["ref_normalised"] == 1.1
    assert rec["gain"] == pytest.approx(rec["hv_b"] - rec["hv_a"])
    csv = pd.read_csv(out / "compare.csv")
    assert csv["side"].tolist() == ["tgi"] * 7 + ["nim"] * 7
    assert rec["a"]["dominated"] == int(csv[csv["side"] == "tgi"]["dominated"].sum())


def test_cli_compare_figure_and_bad_target(tmp_path, capsys):
    out = tmp_path / "c"
    assert cli.main(["compare", str(EXAMPLES / "vllm.csv"), str(EXAMPLES / "nim.csv"),
                     "--out", str(out), "--labels", "before", "after"]) == 0
    assert sorted(p.name for p in (out / "figures").iterdir()) == ["compare_fronts.pdf",
                                                                   "compare_fronts.png"]
    capsys.readouterr()
    assert cli.main(["compare", str(EXAMPLES / "vllm.csv"), str(EXAMPLES / "nim.csv"),
                     "--target", "tokens_per_gpu", "--no-write"]) == 2
    assert "no column 'tokens_per_gpu'" in capsys.readouterr().err


def test_matplotlib_is_not_imported_by_frontier():
    code = "import frontier, sys; print('matplotlib' in sys.modules)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert res.stdout.strip() == "False"
