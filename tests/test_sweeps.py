"""Measured sweeps: every reader on real and synthetic fixtures, units, derived metrics,
goodput, repeats and bad input."""

from __future__ import annotations

import json
import math
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import frontier
from frontier import Sweep, read_sweep
from frontier._sweeps import METRICS
from frontier._sweeps._derived import goodput, normalize_slo

DATA = Path(__file__).parent / "data" / "sweeps"

# the known sweep of every synthetic fixture (tests/data/sweeps/make_synthetic.py)
CONC = [1, 4, 16, 64, 128]
TOKS = [100.0, 380.0, 1300.0, 3000.0, 2900.0]
TTFT = [20.0, 25.0, 40.0, 120.0, 400.0]
TPOT = [10.0, 10.5, 12.0, 20.0, 40.0]
FRONT = {1, 4, 16, 64}


def front(lat: np.ndarray, thr: np.ndarray) -> np.ndarray:
    """Brute-force non-dominated mask for (lat min, thr max)."""
    n = lat.shape[0]
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        for j in range(n):
            if (lat[j] <= lat[i] and thr[j] >= thr[i]
                    and (lat[j] < lat[i] or thr[j] > thr[i])):
                keep[i] = False
    return keep


def by_conc(s: Sweep) -> pd.DataFrame:
    return s.table.sort_values("max_concurrency").reset_index(drop=True)


# ------------------------------------------------------------------ synthetic, each format

SYNTHETIC = [
    ("vllm/synthetic", {}, "vllm"),
    ("vllm/synthetic_append/results.json", {}, "vllm"),
    ("sglang/synthetic", {}, "sglang"),
    ("aiperf/synthetic", {}, "aiperf"),
    ("genai_perf/synthetic", {}, "genai-perf"),
    ("guidellm/synthetic_v0.3", {}, "guidellm"),
    ("guidellm/synthetic_v0.4", {}, "guidellm"),
    ("llmperf/synthetic", {}, "llmperf"),
    ("aiconfigurator/synthetic/agg/pareto.csv", {}, "aiconfigurator"),
    ("plain/synthetic/sweep.json", {}, "plain"),
    ("plain/synthetic/sweep.jsonl", {}, "plain"),
    ("plain/synthetic/sweep.csv",
     {"columns": {"max_concurrency": "users", "p99_ttft_ms": "TTFT p99 (s)",
                  "mean_tpot_ms": "TPOT mean (ms)", "output_throughput": "tok_s",
                  "request_throughput": "qpm"},
      "units": {"request_throughput": "req/min"}}, "plain"),
]


@pytest.mark.parametrize(("rel", "kw", "fmt"), SYNTHETIC, ids=[r for r, _, _ in SYNTHETIC])
def test_synthetic_fixture_reads_the_known_sweep_and_front(rel, kw, fmt):
    s = read_sweep(DATA / rel, **kw)
    t = by_conc(s)
    assert set(t["format"]) == {fmt}
    assert t["max_concurrency"].astype(int).tolist() == CONC
    np.testing.assert_allclose(t["output_throughput"], TOKS, rtol=1e-12)
    np.testing.assert_allclose(t["request_throughput"], np.array(TOKS) / 128, rtol=1e-3)
    lat_col = "mean_ttft_ms" if fmt == "aiconfigurator" else "p99_ttft_ms"
    lat_truth = np.array(TTFT) * (1.0 if fmt == "aiconfigurator" else 2.0)
    np.testing.assert_allclose(t[lat_col], lat_truth, rtol=1e-12)
    if "mean_tpot_ms" in t:
        np.testing.assert_allclose(t["mean_tpot_ms"], TPOT, rtol=1e-12)
    mask = front(t[lat_col].to_numpy(), t["output_throughput"].to_numpy())
    assert set(t["max_concurrency"][mask].astype(int)) == FRONT
    assert t["config"].nunique() == 5
    assert (t["repeat"] == 0).all()
    assert s.table["predicted"].tolist() == [fmt == "aiconfigurator"] * 5
    assert list(s.table.columns[:4]) == ["source", "source_row", "format", "predicted"]


def test_canonical_names_have_units_and_senses():
    for name, info in METRICS.items():
        assert info.name == name and info.unit and info.sense in ("min", "max")
        if name.endswith("_ms"):
            assert info.unit == "ms" and info.sense == "min"
    for name in ("request_throughput", "output_throughput", "total_token_throughput",
                 "tokens_per_user", "decode_rate_per_user", "tokens_per_gpu", "goodput"):
        assert METRICS[name].sense == "max"
    assert METRICS["cost_per_mtok"].sense == "min"
    assert METRICS["request_throughput"].unit == "req/s"
    assert METRICS["output_throughput"].unit == "tok/s"
    for stat in ("mean", "median", "std", "p50", "p90", "p95", "p99", "p99.9"):
        for fam in ("ttft", "tpot", "itl", "e2el"):
            assert f"{stat}_{fam}_ms" in METRICS
    s = read_sweep(DATA / "vllm" / "synthetic")
    assert all(m in METRICS for m in s.metrics)
    assert s.info("p99_ttft_ms").sense == "min"
    with pytest.raises(ValueError, match="not a metric of this sweep"):
        s.info("cost_per_mtok")


# -------------------------------------------------------------------------------- vLLM

def test_vllm_result_fields_units_and_old_spelling(tmp_path):
    s = read_sweep(DATA / "vllm" / "synthetic")
    t = by_conc(s)
    assert np.isinf(t["request_rate"]).all()  # the string "inf"
    assert t["duration_s"].iloc[0] == pytest.approx(200 / (100 / 128))
    # the older file (best_of, "request_goodput:") is one of the five
    assert t.loc[t["max_concurrency"] == 128, "best_of"].item() == 1
    assert "best_of" in s.knobs and "date" not in s.table and "tokenizer_id" not in s.table
    assert "model" in s.knobs and "max_output_tokens_per_s" not in s.table
    old = json.loads(next((DATA / "vllm" / "synthetic").glob("*concurrency128*")).read_text())
    assert "request_goodput:" in old
    old["request_goodput:"] = 1.25
    (tmp_path / "old.json").write_text(json.dumps(old))
    t2 = read_sweep(tmp_path / "old.json").table
    assert t2["request_goodput"].item() == 1.25
    # median and p50 are one statistic: each fills the other
    assert (t["median_ttft_ms"] == t["p50_ttft_ms"]).all()


def test_vllm_sweep_tree_knobs_repeats_and_twins():
    s = read_sweep(DATA / "vllm" / "sweep_tree")
    assert len(s) == 8
    assert "max_num_seqs" in s.knobs and "run_number" not in s.table
    assert s.table["config"].nunique() == 4
    assert sorted(s.table.groupby("config").size().tolist()) == [2, 2, 2, 2]
    assert sorted(s.table["repeat"].tolist()) == [0, 0, 0, 0, 1, 1, 1, 1]
    g = s.table.groupby(["max_num_seqs", "max_concurrency"])["config"].nunique()
    assert (g == 1).all()
    reasons = s.dropped["reason"].tolist()
    assert sum("repeats the run=N.json files beside it" in r for r in reasons) == 4
    assert sum("under its directory" in r for r in reasons) == 1
    assert sum("warm-up run" in r for r in reasons) == 2
    assert sum("failed `vllm bench sweep` run" in r for r in reasons) == 1
    # summary.csv alone holds the same runs
    csv = read_sweep(DATA / "vllm" / "sweep_tree" / "exp1" / "summary.csv")
    cols = ["max_num_seqs", "max_concurrency", "output_throughput", "p99_e2el_ms"]
    a = s.table[cols].sort_values(cols).to_numpy()
    b = csv.table[cols].sort_values(cols).to_numpy()
    np.testing.assert_allclose(a, b)
    assert csv.table["config"].nunique() == 4
    # the per-combination summary.json alone, too
    one = read_sweep(next((DATA / "vllm" / "sweep_tree").rglob("summary.json")))
    assert len(one) == 2 and one.table["config"].nunique() == 1


def test_vllm_detailed_goodput_matches_a_hand_count():
    # requests (ttft ms, tpot ms): (100, 10) (600, 10) (200, -) (300, 30) (50, 19), 1 failed
    s = read_sweep(DATA / "vllm" / "synthetic_detailed" / "result.json",
                   slo={"ttft_ms": 500, "tpot_ms": 20})
    assert s.requests is not None and len(s.requests) == 6
    np.testing.assert_allclose(s.requests["tpot_ms"], [10, 10, 0, 30, 19, 0], atol=1e-9)
    assert s.requests["success"].tolist() == [True] * 5 + [False]
    # good: #0, #2 (one token: no decode), #4; duration 2 s
    assert s.table["goodput"].item() == pytest.approx(3 / 2.0)
    assert s.goodput({"ttft": 150}).item() == pytest.approx(2 / 2.0)
    assert s.goodput({"e2el_ms": 150}).item() == pytest.approx(2 / 2.0)
    assert s.with_goodput({"tpot_ms": 10.5}).table["goodput"].item() == pytest.approx(3 / 2.0)


# ------------------------------------------------------------------------------ SGLang

def test_sglang_e2e_spelling_measured_concurrency_and_infinity():
    s = read_sweep(DATA / "sglang" / "synthetic")
    t = by_conc(s)
    assert "mean_e2el_ms" in t and not any("e2e_latency" in c for c in t.columns)
    np.testing.assert_allclose(t["mean_e2el_ms"], np.array(TTFT) + 127 * np.array(TPOT))
    np.testing.assert_allclose(t["measured_concurrency"], 0.9 * np.array(CONC))
    assert np.isinf(t["request_rate"].iloc[0]) and t["request_rate"].iloc[1] == 16.0
    assert "accept_length" not in t and "total_output_tokens_retokenized" not in t
    assert "measured_concurrency" not in s.knobs and "max_concurrency" in s.knobs
    assert "p95_itl_ms" in t and "input_throughput" in t


def test_tokens_per_user_falls_back_to_measured_concurrency(tmp_path):
    lines = (DATA / "sglang" / "synthetic").glob("*.jsonl")
    recs = [json.loads(x) for x in next(lines).read_text().splitlines()]
    for r in recs:
        r["max_concurrency"] = None
    (tmp_path / "s.jsonl").write_text("\n".join(json.dumps(r) for r in recs))
    t = by_conc_measured(read_sweep(tmp_path / "s.jsonl"))
    np.testing.assert_allclose(t["tokens_per_user"],
                               np.array(TOKS) / (0.9 * np.array(CONC)), rtol=1e-12)


def by_conc_measured(s):
    return s.table.sort_values("measured_concurrency").reset_index(drop=True)


# ---------------------------------------------------------------------- AIPerf (real)

def test_aiperf_real_export_values_and_mapping():
    s = read_sweep(DATA / "aiperf" / "run1" / "profile_export_aiperf.json")
    t = s.table.iloc[0]
    assert t["format"] == "aiperf"
    assert t["max_concurrency"] == 100 and t["model"] == "openai/gpt-oss-20b"
    assert t["mean_ttft_ms"] == 2343.219436988764
    assert t["p99_ttft_ms"] == 3833.3894000399996 and t["p1_ttft_ms"] == 581.1957117999999
    assert t["std_ttft_ms"] == 1049.8164554204095
    # AIPerf's inter_token_latency is vLLM's TPOT; its inter_chunk_latency is vLLM's ITL
    assert t["mean_tpot_ms"] == 27.763065454471807
    assert t["mean_itl_ms"] == 27.755153106189347
    assert t["mean_e2el_ms"] == 9059.654633033708
    assert t["request_throughput"] == 9.551622221540914
    assert t["output_throughput"] == 2320.7222350404572
    assert t["duration_s"] == 9.317788951
    assert (t["completed"], t["failed"], t["total_output_tokens"]) == (89, 11, 21624)
    assert t["tokens_per_user"] == pytest.approx(2320.7222350404572 / 100)
    assert t["decode_rate_per_user"] == pytest.approx(1000 / 27.763065454471807)


def test_aiperf_csv_twin_and_directory():
    csv = read_sweep(DATA / "aiperf" / "run1" / "profile_export_aiperf.csv",
                     max_concurrency=100).table.iloc[0]
    js = read_sweep(DATA / "aiperf" / "run1" / "profile_export_aiperf.json").table.iloc[0]
    for c in ("mean_ttft_ms", "p99_ttft_ms", "mean_tpot_ms", "mean_itl_ms", "p50_e2el_ms",
              "output_throughput", "request_throughput", "duration_s"):
        assert csv[c] == pytest.approx(js[c], abs=0.006), c
    assert csv["completed"] == 89 and csv["max_concurrency"] == 100
    both = read_sweep(DATA / "aiperf" / "run1")
    assert len(both) == 1 and both.table["source"].item().endswith(".json")
    assert "CSV twin" in both.dropped["reason"].item()


# the six completed requests of aiperf/run1_requests: (ttft ms, inter_token_latency ms)
AIPERF_REQ = [(1680.543782, 32.585544203124996), (3340.543979, 25.383637276041668),
              (1413.032097, 32.81045147142857), (464.66410099999996, 34.8605763625),
              (2914.470172, 26.62784822972973), (597.557863, 33.56575932926829)]
# first request start and last response of the 17 records, in ns
AIPERF_SPAN_S = (1759522428010213454 - 1759522419154608635) / 1e9


def test_aiperf_per_request_records_goodput_by_hand():
    path = DATA / "aiperf" / "run1_requests" / "profile_export.jsonl"
    s = read_sweep(path, slo={"ttft_ms": 1500, "tpot_ms": 35})
    r = s.requests
    assert len(r) == 17 and int(r["success"].sum()) == 6
    ok = r[r["success"]]
    np.testing.assert_allclose(ok["ttft_ms"], [a for a, _ in AIPERF_REQ])
    np.testing.assert_allclose(ok["tpot_ms"], [b for _, b in AIPERF_REQ])
    # AIPerf's per-request inter_token_latency is (latency - ttft) / (osl - 1): TPOT
    np.testing.assert_allclose(ok["tpot_ms"], (ok["e2el_ms"] - ok["ttft_ms"])
                               / (ok["output_tokens"] - 1), rtol=1e-12)
    t = s.table.iloc[0]
    assert (t["completed"], t["failed"]) == (6, 11)
    assert t["duration_s"] == pytest.approx(AIPERF_SPAN_S, rel=1e-12)
    # ttft <= 1500 and tpot <= 35: requests 3, 4 and 6
    assert t["goodput"] == pytest.approx(3 / AIPERF_SPAN_S, rel=1e-12)
    assert s.goodput({"ttft_ms": 1500, "tpot_ms": 33}).item() == pytest.approx(
        1 / AIPERF_SPAN_S, rel=1e-12)
    assert t["mean_ttft_ms"] == pytest.approx(np.mean([a for a, _ in AIPERF_REQ]))


def test_aiperf_requests_beside_the_aggregate_attach_to_its_run(tmp_path):
    shutil.copy(DATA / "aiperf" / "run1" / "profile_export_aiperf.json", tmp_path)
    shutil.copy(DATA / "aiperf" / "run1_requests" / "profile_export.jsonl", tmp_path)
    s = read_sweep(tmp_path, slo={"ttft_ms": 1500, "tpot_ms": 35})
    assert len(s) == 1 and s.table["format"].item() == "aiperf"
    assert s.table["completed"].item() == 89  # the aggregate's, not the subset's
    assert s.table["goodput"].item() == pytest.approx(3 / 9.317788951, rel=1e-12)
    assert "attached to its run" in s.dropped["reason"].item()


def test_aiperf_declared_units_are_converted_and_unknown_units_rejected(tmp_path):
    s = read_sweep(DATA / "aiperf" / "synthetic" / "c16")  # latencies written in "sec"
    assert s.table["mean_ttft_ms"].item() == pytest.approx(40.0)
    assert s.table["p99_e2el_ms"].item() == pytest.approx(2 * (40 + 127 * 12.0))
    d = json.loads((DATA / "aiperf" / "synthetic" / "c1" / "profile_export_aiperf.json")
                   .read_text())
    d["time_to_first_token"]["unit"] = "furlongs"
    (tmp_path / "profile_export_aiperf.json").write_text(json.dumps(d))
    with pytest.raises(ValueError, match=r"profile_export_aiperf\.json: time_to_first_token"
                       r".*'furlongs'"):
        read_sweep(tmp_path / "profile_export_aiperf.json")


def test_genai_perf_concurrency_in_both_config_layouts():
    s = read_sweep(DATA / "genai_perf" / "synthetic")
    assert set(s.table["format"]) == {"genai-perf"}
    assert sorted(s.table["max_concurrency"].astype(int)) == CONC
    assert "p25_ttft_ms" in s.table and "mean_tpot_ms" in s.table
    assert set(s.table["model"]) == {"synthetic/model"}


# ---------------------------------------------------------------------------- GuideLLM

def test_guidellm_real_v03_benchmark():
    s = read_sweep(DATA / "guidellm" / "v0.3_synchronous")
    t = s.table.iloc[0]
    assert (t["strategy"], t["max_concurrency"], t["model"]) == (
        "synchronous", 1, "example_model")
    assert t["mean_ttft_ms"] == 16.792535781860348
    assert t["median_ttft_ms"] == t["p50_ttft_ms"] == 16.38054847717285
    assert t["p1_ttft_ms"] == 15.790939331054688 and t["p99.9_ttft_ms"] == 21.281957626342773
    # v0.3's inter_token_latency_ms is weighted per request: TPOT
    assert t["mean_tpot_ms"] == 4.941609043733832 and "mean_itl_ms" not in s.table
    assert t["mean_e2el_ms"] == pytest.approx(644.4743664368339, rel=1e-15)  # s -> ms
    assert t["request_throughput"] == 1.5481806532737452
    assert t["output_throughput"] == 198.13346751788123
    assert t["total_token_throughput"] == 992.6867036588937
    assert t["measured_concurrency"] == 0.9977627456483604
    assert (t["completed"], t["failed"], t["duration_s"]) == (46, 0, 29.997201442718506)


def test_guidellm_v04_layout_maps_inter_token_latency_to_itl():
    t = by_conc(read_sweep(DATA / "guidellm" / "synthetic_v0.4"))
    assert "mean_itl_ms" in t and "mean_tpot_ms" not in t
    np.testing.assert_allclose(t["mean_itl_ms"], 0.98 * np.array(TPOT))
    assert t["strategy"].tolist() == ["synchronous"] + ["concurrent"] * 4
    assert "request_rate" not in t  # no benchmark sets a rate


# ----------------------------------------------------------------------------- LLMPerf

def _yi():
    base = DATA / "llmperf" / "yi_1.5_34b_4xa10g"
    return Sweep.concat([read_sweep(base / "vllm", label="vllm", num_gpus=4),
                         read_sweep(base / "tgi", label="tgi", num_gpus=4)])


def test_llmperf_real_units_seconds_and_per_minute():
    s = _yi()
    assert len(s) == 6 and s.table["config"].nunique() == 6
    v = s.table[s.table["label"] == "vllm"].set_index("max_concurrency")
    assert v.loc[32, "mean_ttft_ms"] == pytest.approx(9.410386498195265e3, rel=1e-15)
    assert v.loc[32, "p99_e2el_ms"] == pytest.approx(31.06777735556043e3, rel=1e-15)
    assert v.loc[32, "request_throughput"] == pytest.approx(52.57208219530792 / 60, rel=1e-15)
    assert v.loc[32, "output_throughput"] == 140.19221918748778
    # LLMPerf's inter-token latency includes the first token: e2el per output token
    assert "mean_tpot_ms" not in s.table and "mean_itl_ms" not in s.table
    assert v.loc[32, "mean_ntpot_ms"] == pytest.approx(183.77501972261423, rel=1e-15)
    assert v.loc[32, "mean_ntpot_ms"] == pytest.approx(v.loc[32, "mean_e2el_ms"] / 160,
                                                       rel=2e-3)
    # throughput peaks at concurrency 32 and falls at 64
    thr = v["output_throughput"]
    assert thr.idxmax() == 32 and thr[64] < thr[32]
    g = s.table[s.table["label"] == "tgi"].set_index("max_concurrency")
    assert (g.loc[64, "completed"], g.loc[64, "failed"]) == (42, 86)
    assert v.loc[16, "tokens_per_gpu"] == pytest.approx(124.29275563556878 / 4)


def test_llmperf_individual_responses_attach_and_goodput_by_hand():
    base = DATA / "llmperf" / "synthetic"
    # 200 requests k = 0..199: ttft 20 + k % 10 ms, tpot 10 + k % 4 ms, errors at k % 50 == 49
    s = read_sweep(base, slo={"ttft_ms": 24.5, "tpot_ms": 11.5})
    t = s.table.set_index("max_concurrency")
    assert t.loc[1, "duration_s"] == pytest.approx(200 / (100 / 128))  # completed / rate
    # k % 20 in {0, 1, 4, 12, 13}: 50 good requests, none of them an error
    assert t.loc[1, "goodput"] == pytest.approx(50 / 256.0)
    assert t.drop(index=1)["goodput"].isna().all()
    assert "attached to its run" in s.dropped["reason"].item()
    alone = read_sweep(next(base.rglob("*_individual_responses.json"))).table.iloc[0]
    assert (alone["completed"], alone["failed"]) == (196, 4)
    assert alone["mean_ttft_ms"] == pytest.approx((200 * 24.5 - 4 * 29) / 196)
    assert "duration_s" not in alone or math.isnan(alone["duration_s"])


def test_plain_real_a10g_before_after_set():
    base = DATA / "plain" / "llmperf_a10g_llama3_8b"
    cols = {"max_concurrency": "concurrency",
            "mean_ttft_ms": "first-time-to-token_mean_in_ms_(ttft)",
            "output_throughput": "throughput_token_per_s_(token/sec)",
            "mean_ntpot_ms": "latency_ms_per_token_(inter_token_latency)",
            "request_throughput": "requests_per_minute_(qpm)"}
    parts = [read_sweep(base / f"{e}.csv", columns=cols, knobs=["max_concurrency"],
                        label=e, num_gpus=1, gpu_hour_price=1.006)
             for e in ("vllm", "tgi", "nim")]
    s = Sweep.concat(parts)
    assert len(s) == 21 and s.table["config"].nunique() == 21
    v = s.table[s.table["label"] == "vllm"].set_index("max_concurrency")
    # the unit in the column name (qpm) is honoured
    assert v.loc[32, "request_throughput"] == pytest.approx(123.17320599883152 / 60)
    assert v.loc[1, "mean_ttft_ms"] == 137.2919660700245
    for label, part in s.table.groupby("label"):
        thr = part.set_index("max_concurrency")["output_throughput"]
        assert thr.idxmax() == 32 and thr[64] < thr[32], label
    cost = 1.006 / (v.loc[32, "output_throughput"] * 3600) * 1e6
    assert v.loc[32, "cost_per_mtok"] == pytest.approx(cost)


def test_shipped_examples_are_readable():
    ex = resources.files("frontier._sweeps") / "examples" / "llmperf_a10g"
    with resources.as_file(ex) as d:
        s = read_sweep(Path(d) / "nim.csv", columns={"max_concurrency": "concurrency",
                                                     "output_throughput":
                                                     "throughput_token_per_s_(token/sec)"},
                       knobs=["max_concurrency"])
    assert len(s) == 7 and s.table["output_throughput"].idxmax() == 5


# ---------------------------------------------------------------------- AIConfigurator

def test_aiconfigurator_rows_are_predicted_with_gpu_counts():
    s = read_sweep(DATA / "aiconfigurator" / "synthetic")
    t = s.table
    assert t["predicted"].all() and set(t["format"]) == {"aiconfigurator"}
    agg = t[t["source"].str.endswith("pareto.csv")]
    dis = t[t["source"].str.endswith("best_config_topn.csv")]
    assert set(agg["num_gpus"]) == {2} and set(dis["num_gpus"]) == {8}  # tokens/s / per-gpu
    np.testing.assert_allclose(agg["tokens_per_gpu"], agg["output_throughput"] / 2)
    # AIConfigurator's tokens/s/user is the decode rate 1000 / tpot, not tokens_per_user
    raw = pd.read_csv(DATA / "aiconfigurator" / "synthetic" / "agg" / "pareto.csv")
    np.testing.assert_allclose(agg["decode_rate_per_user"], raw["tokens/s/user"], rtol=1e-4)
    assert "(p)workers" in s.knobs and "tokens/s/user" not in t and "memory" not in t


# -------------------------------------------------------------------- derived, metadata

def test_derived_metrics_against_hand_computation(tmp_path):
    f = tmp_path / "runs.csv"
    f.write_text("max_concurrency,output_throughput,mean_tpot_ms,tp,pp\n"
                 "8,1600,25,2,1\n32,4800,40,2,2\n")
    s = read_sweep(f, gpu_hour_price=2.0)
    t = s.table
    assert t["num_gpus"].tolist() == [2.0, 4.0]  # tp * pp
    assert t["tokens_per_user"].tolist() == [200.0, 150.0]
    assert t["decode_rate_per_user"].tolist() == [40.0, 25.0]
    assert t["tokens_per_gpu"].tolist() == [800.0, 1200.0]
    # $2/GPU-h * 2 GPUs = $4/h for 1600 tok/s * 3600 s = 5.76M tokens
    assert t["cost_per_mtok"].tolist() == pytest.approx([4 / 5.76, 8 / 17.28])
    assert "num_gpus" in s.knobs
    g = tmp_path / "mixed.csv"
    g.write_text("max_concurrency,output_throughput,tp\n8,1600,4\n8,1700,\n")
    assert read_sweep(g).table["num_gpus"].tolist()[0] == 4.0
    assert math.isnan(read_sweep(g).table["num_gpus"].tolist()[1])  # unknown, not 1


def test_num_gpus_argument_forms_and_errors(tmp_path):
    f = tmp_path / "runs.csv"
    f.write_text("gpus,output_throughput\n2,100\n4,300\n")
    s = read_sweep(f, num_gpus="gpus")
    assert s.table["tokens_per_gpu"].tolist() == [50.0, 75.0]
    assert read_sweep(f, num_gpus=5).table["tokens_per_gpu"].tolist() == [20.0, 60.0]
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="num_gpus"):
            read_sweep(f, num_gpus=bad)
    with pytest.raises(ValueError, match="no column 'nope'"):
        read_sweep(f, num_gpus="nope")
    g = tmp_path / "g.csv"
    g.write_text("num_gpus,output_throughput\n2,100\n")
    with pytest.raises(ValueError, match=r"g\.csv: field 'num_gpus' is 2"):
        read_sweep(g, num_gpus=4)
    with pytest.raises(ValueError, match="gpu_hour_price"):
        read_sweep(f, num_gpus=2, gpu_hour_price=-1)
    with pytest.raises(ValueError, match="needs the GPU count"):
        read_sweep(tmp_path / "runs.csv", gpu_hour_price=1.0, knobs=[])


def test_metadata_fills_missing_values_and_refuses_contradictions():
    csv = DATA / "aiperf" / "run1" / "profile_export_aiperf.csv"
    s = read_sweep(csv, engine="vllm", max_concurrency=100)
    assert s.table["engine"].item() == "vllm" and "engine" in s.knobs
    with pytest.raises(ValueError, match=r"profile_export_aiperf\.json: field "
                                         r"'max_concurrency' is 100"):
        read_sweep(DATA / "aiperf" / "run1" / "profile_export_aiperf.json", max_concurrency=8)
    with pytest.raises(ValueError, match="reserved or metric"):
        read_sweep(csv, output_throughput=1.0)


def test_goodput_function_and_slo_validation():
    req = pd.DataFrame({"run": [0, 0, 1, 1, 1], "success": [True, True, True, True, False],
                        "ttft_ms": [100.0, np.nan, 50.0, 60.0, 10.0],
                        "tpot_ms": [5.0, 5.0, 50.0, 5.0, 5.0]})
    out = goodput(req, {"ttft_ms": 200, "tpot_ms": 10}, [1.0, 4.0, 2.0])
    # run 0: one good (a missing ttft is not good); run 1: one good of three; run 2: no data
    assert out[:2].tolist() == [1.0, 0.25] and math.isnan(out[2])
    assert normalize_slo({"e2el": 3}) == {"e2el_ms": 3.0}
    for bad, msg in (({"itl_ms": 5}, "unknown term"), ({"ttft_ms": -1}, "positive"),
                     ({"ttft_ms": float("nan")}, "positive"), ({}, "non-empty"),
                     ({"ttft": 1, "ttft_ms": 2}, "given twice")):
        with pytest.raises((ValueError, TypeError), match=msg):
            normalize_slo(bad)
    with pytest.raises(ValueError, match="per-request data"):
        read_sweep(DATA / "vllm" / "synthetic", slo={"ttft_ms": 100})
    with pytest.raises(ValueError, match="per-request data"):
        read_sweep(DATA / "vllm" / "synthetic").goodput({"ttft_ms": 100})


# ------------------------------------------------------------------------ paths, globs

def test_directories_globs_and_lists_read_the_same_runs():
    d = read_sweep(DATA / "llmperf" / "synthetic")
    g = read_sweep(str(DATA / "llmperf" / "synthetic" / "**" / "*_summary.json"))
    files = sorted((DATA / "llmperf" / "synthetic").rglob("*.json"))
    lst = read_sweep(files)
    for s in (g, lst):
        pd.testing.assert_frame_equal(s.table, d.table)
    with pytest.raises(FileNotFoundError, match="matches no file"):
        read_sweep(str(DATA / "llmperf" / "nothing*" / "*.json"))
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_sweep(DATA / "missing.json")
    with pytest.raises(TypeError, match="paths"):
        read_sweep([])


def test_walking_a_directory_skips_unknown_files_and_reports_them(tmp_path):
    shutil.copy(DATA / "aiperf" / "synthetic" / "c4" / "profile_export_aiperf.json", tmp_path)
    (tmp_path / "inputs.json").write_text(json.dumps({"data": [{"session_id": "x"}]}))
    (tmp_path / "README.md").write_text("notes")
    s = read_sweep(tmp_path)
    assert len(s) == 1
    assert s.dropped["source"].str.endswith("inputs.json").tolist() == [True]
    assert "no known sweep format" in s.dropped["reason"].item()
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"empty: the directory holds no \.json"):
        read_sweep(tmp_path / "empty")


# ---------------------------------------------------------------------------- bad input

def _csv(tmp_path, text, name="t.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_a_file_in_no_known_format_is_an_error_naming_it(tmp_path):
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(ValueError, match=r"x\.json: no throughput or latency metric"):
        read_sweep(p)
    q = tmp_path / "y.json"
    q.write_text("{not json")
    with pytest.raises(ValueError, match=r"y\.json: starts like JSON"):
        read_sweep(q)
    r = tmp_path / "notes.txt"
    r.write_text("just some words\nand more\n")
    with pytest.raises(ValueError, match=r"notes\.txt: no throughput or latency metric"):
        read_sweep(r)
    shutil.copy(DATA / "vllm" / "synthetic_detailed" / "result.json", tmp_path / "run.json")
    with pytest.raises(ValueError, match=r"run\.json: not an LLMPerf summary"):
        read_sweep(tmp_path / "run.json", format="llmperf")
    with pytest.raises(ValueError, match="`format` must be one of"):
        read_sweep(p, format="jmeter")


def test_a_file_without_any_metric_is_an_error(tmp_path):
    p = _csv(tmp_path, "users,engine\n1,vllm\n")
    with pytest.raises(ValueError, match=r"t\.csv: no throughput or latency metric.*"
                                         r"request_throughput"):
        read_sweep(p)
    with pytest.raises(ValueError, match=r"t\.csv: `columns` maps 'mean_ttft_ms' to column "
                                         r"'ttft'"):
        read_sweep(p, columns={"mean_ttft_ms": "ttft"})


def test_misspelt_mapping_names_are_errors(tmp_path):
    p = _csv(tmp_path, "c,ttft,tok\n1,20,100\n")
    with pytest.raises(ValueError, match=r"`columns`: 'mean_ttft' is not a canonical metric "
                                         r"name \(did you mean \['mean_ttft_ms'"):
        read_sweep(p, columns={"mean_ttft": "ttft", "output_throughput": "tok"})
    with pytest.raises(ValueError, match="`units`: 'ttfts' is neither"):
        read_sweep(p, columns={"mean_ttft_ms": "ttft", "output_throughput": "tok"},
                   units={"ttfts": "s"})
    ok = read_sweep(p, columns={"mean_ttft_ms": "ttft", "output_throughput": "tok",
                                "users": "c"}, units={"ttft": "s"})
    assert ok.knobs == ("users",) and ok.table["mean_ttft_ms"].item() == 20000.0


def test_empty_files_and_tables_are_errors(tmp_path):
    with pytest.raises(ValueError, match=r"e\.json: the file is empty"):
        read_sweep(_csv(tmp_path, "  \n", "e.json"))
    with pytest.raises(ValueError, match=r"h\.csv: the table has no rows"):
        read_sweep(_csv(tmp_path, "max_concurrency,output_throughput\n", "h.csv"))


def test_mixed_units_are_errors_naming_file_and_field(tmp_path):
    p = _csv(tmp_path, "c,ttft_s,tok\n1,0.1,100\n")
    with pytest.raises(ValueError, match=r"t\.csv: column 'ttft_s'.*name says 's'.*'ms'"):
        read_sweep(p, columns={"mean_ttft_ms": "ttft_s", "output_throughput": "tok"},
                   units={"ttft": "ms"})
    ok = read_sweep(p, columns={"mean_ttft_ms": "ttft_s", "output_throughput": "tok"})
    assert ok.table["mean_ttft_ms"].item() == pytest.approx(100.0)  # unit from the name
    lines = (DATA / "aiperf" / "run1_requests" / "profile_export.jsonl").read_text()
    recs = [json.loads(x) for x in lines.splitlines()]
    recs[-1]["metrics"]["ttft"] = {"value": 0.6, "unit": "sec"}
    (tmp_path / "profile_export.jsonl").write_text("\n".join(json.dumps(r) for r in recs))
    with pytest.raises(ValueError, match=r"profile_export\.jsonl: field 'ttft' mixes units"):
        read_sweep(tmp_path / "profile_export.jsonl")


def test_nan_empty_negative_and_zero_completed_rows(tmp_path):
    p = _csv(tmp_path, "c,mean_ttft_ms,output_throughput,completed\n"
                       "1,20,100,10\n"      # kept
                       "2,,200,10\n"        # missing ttft: kept, NaN
                       "3,,,10\n"           # nothing measured: dropped
                       "4,-5,300,10\n"      # negative: dropped
                       "5,30,400,0\n"       # nothing completed: dropped
                       "6,40,inf,10\n")     # infinite: dropped
    s = read_sweep(p)
    assert s.table["c"].tolist() == [1, 2]
    assert math.isnan(s.table["mean_ttft_ms"][1])
    d = s.dropped.set_index("source_row")
    assert d.loc[2, "reason"].startswith("no throughput or latency value")
    assert d.loc[3, "field"] == "mean_ttft_ms" and "negative value -5.0" in d.loc[3, "reason"]
    assert d.loc[4, "field"] == "completed"
    assert d.loc[5, "field"] == "output_throughput" and "infinite" in d.loc[5, "reason"]
    assert s.dropped["source"].str.endswith("t.csv").all()
    bad = _csv(tmp_path, "c,mean_ttft_ms\n1,20\n2,fast\n", "b.csv")
    with pytest.raises(ValueError, match=r"b\.csv: column 'mean_ttft_ms': row 1 holds 'fast'"):
        read_sweep(bad)
    with pytest.raises(ValueError, match="no run is left"):
        read_sweep(_csv(tmp_path, "c,output_throughput\n1,-1\n", "n.csv"))


def test_nan_tokens_in_a_vllm_result_stay_missing(tmp_path):
    d = json.loads((DATA / "vllm" / "synthetic_append" / "results.json").read_text()
                   .splitlines()[0])
    text = json.dumps(d).replace('"mean_itl_ms": 9.8', '"mean_itl_ms": NaN')
    assert "NaN" in text
    (tmp_path / "r.json").write_text(text)
    t = read_sweep(tmp_path / "r.json").table
    assert math.isnan(t["mean_itl_ms"].item()) and t["mean_ttft_ms"].item() == 20.0


def test_repeated_runs_same_file_twice_identical_rows_and_copies(tmp_path):
    f = DATA / "plain" / "synthetic" / "sweep.json"
    s = read_sweep([f, f, DATA / "plain" / "synthetic"])
    assert len(s) == 5  # sweep.json once; sweep.jsonl repeats its rows; sweep.csv skipped
    reasons = s.dropped["reason"].tolist()
    assert sum("listed more than once" in r for r in reasons) == 2
    assert sum("identical to run" in r for r in reasons) == 5
    p = _csv(tmp_path, "c,output_throughput\n1,10\n1,10\n1,11\n")
    t = read_sweep(p)
    assert t.table["output_throughput"].tolist() == [10, 11]
    assert t.table["config"].tolist() == [0, 0] and t.table["repeat"].tolist() == [0, 1]
    assert t.dropped["source_row"].tolist() == [1]
    shutil.copy(p, tmp_path / "copy.csv")
    c = read_sweep([p, tmp_path / "copy.csv"])
    assert len(c) == 2 and len(c.dropped) == 4  # 1 inside t.csv, 3 from the copy


def test_repeats_share_a_config_and_concat_recomputes_it():
    a = read_sweep(DATA / "vllm" / "synthetic", label="before")
    b = read_sweep(DATA / "vllm" / "synthetic_append" / "results.json", label="after")
    s = Sweep.concat([a, b])
    assert len(s) == 10 and s.table["config"].nunique() == 10
    same = Sweep.concat([read_sweep(DATA / "sglang" / "synthetic"),
                         read_sweep(DATA / "sglang" / "synthetic")])
    assert same.table["config"].nunique() == 5 and set(same.table["repeat"]) == {0, 1}
    assert list(same.configs().size()) == [2] * 5
    assert "Sweep(10 runs, 5 configs" in repr(same)


# ------------------------------------------------ scale (the doctests run in test_docs.py)

@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_a_hundred_thousand_row_plain_table_reads(tmp_path, kind):
    rng = np.random.default_rng(0)
    n = 100_000
    df = pd.DataFrame({"max_concurrency": rng.integers(1, 512, n),
                       "tp": rng.choice([1, 2, 4, 8], n),
                       "output_throughput": rng.uniform(10, 1e4, n),
                       "p99_ttft_ms": rng.uniform(5, 5e3, n),
                       "mean_tpot_ms": rng.uniform(5, 100, n)})
    p = tmp_path / f"big.{kind}"
    if kind == "csv":
        df.to_csv(p, index=False)
    else:
        df.to_json(p, orient="records", lines=True)
    s = read_sweep(p, gpu_hour_price=2.0)
    assert len(s) + len(s.dropped) == n
    assert s.table["num_gpus"].tolist() == s.table["tp"].tolist()


def test_public_names_are_exported():
    assert frontier.read_sweep is read_sweep and frontier.Sweep is Sweep
    assert {"read_sweep", "Sweep"} <= set(frontier.__all__)
