"""Scenario keys and ``frontier run`` options for aggregations, latency and serving."""

import json

import matplotlib
import numpy as np
import pytest

import frontier
from frontier import aggregation as agg
from frontier import cli
from frontier._scenario import ScenarioError, load_scenario

matplotlib.use("Agg")

TINY = ["--only", "gpt5-nano", "--k-max", "8", "--trials", "64", "--no-write"]
SWEEP = ("max_concurrency,mean_tpot_ms,output_throughput\n1,7.1,130\n8,8.2,900\n32,11.9,2500\n"
         "64,16.8,3500\n128,26.5,4500\n")


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_scenario_keys_build_the_objects(tmp_path):
    write(tmp_path, "sweep.csv", SWEEP)
    path = write(tmp_path, "sc.yaml", "aggregation: pass@k\ndifficulty: {a: 0.5, b: 2}\n"
                 "latency: {queue: 0.2}\nserving: {calibrate: sweep.csv, gpu_hour: 2.0, "
                 "batch: [8, 64]}\nobjectives: [usd_per_mtok, e2e, accuracy]\n")
    sc = load_scenario(path)
    assert sc.aggregation == agg.PassAtK(agg.Beta(0.5, 2.0))
    assert sc.latency == frontier.Latency(queue=0.2)
    fit = frontier.calibrate_serving(__import__("pandas").read_csv(tmp_path / "sweep.csv"))
    assert sc.serving.t0 == pytest.approx(fit.t0) and sc.serving.batch == [8, 64]
    assert sc.serving.cov is not None and sc.objectives == ("usd_per_mtok", "e2e", "accuracy")
    # overrides merge into the file's mappings
    sc2 = load_scenario(path, {"serving": {"batch": [16]}, "latency": {"tpot": 0.01},
                               "aggregation": "verifier", "phi": 0.1})
    assert sc2.serving.batch == [16] and sc2.serving.gpu_hour == 2.0
    assert sc2.latency == frontier.Latency(queue=0.2, tpot=0.01)
    assert sc2.aggregation == agg.Verifier(agg.Beta(0.5, 2.0), 0.1)
    mix = load_scenario("reference", {"aggregation": "majority",
                                      "difficulty": {"p": [0.9, 0.35], "weight": [3, 2]}})
    np.testing.assert_allclose(mix.aggregation.difficulty.weight, [0.6, 0.4])


@pytest.mark.parametrize(
    ("raw", "word"),
    [({"aggregation": "pass@k", "difficulty": {"a": 0, "b": 1}}, "difficulty.a"),
     ({"aggregation": "verifier", "difficulty": {"a": 1, "b": 1}, "phi": 2}, "phi"),
     ({"difficulty": {"a": 1, "b": 1}}, "need `aggregation`"),
     ({"aggregation": "plurality"}, "plurality"),
     ({"aggregation": "pass@k", "difficulty": [1, 2]}, "difficulty"),
     ({"latency": "p99"}, "latency"),
     ({"latency": {"queue": -1}}, "latency.queue"),
     ({"latency": {"wait": 1}}, "latency.wait"),
     ({"serving": {"t0": 0.01, "slope": 1e-4}}, "serving.gpu_hour"),
     ({"serving": {"t0": 0.01, "slope": 1e-4, "gpu_hour": 1, "batch": 0}}, "serving.batch"),
     ({"serving": {"t0": 0.01, "slope": 1e-4, "gpu_hour": 1, "gpus": 2}}, "serving.gpus"),
     ({"serving": {"calibrate": "missing.csv", "gpu_hour": 1}}, "missing.csv"),
     ({"objectives": "cost"}, "objectives")],
)
def test_bad_scenario_keys_name_the_key(raw, word):
    with pytest.raises(ScenarioError, match=__import__("re").escape(word)):
        load_scenario("reference", raw)


def test_run_with_aggregation_latency_and_an_slo_on_ttft(capsys):
    code = cli.main(["run", *TINY, "--aggregation", "pass@k", "--difficulty", "0.5", "2",
                     "--queue", "0.2", "--slo", "p99 ttft <= 2", "--acc-min", "0.3", "--json"])
    assert code == 0
    rec = json.loads(capsys.readouterr().out)
    acc = rec["candidates"]["gpt5-nano"]["accuracy"]["mean"]
    want = np.asarray(agg.expected(agg.PassAtK(agg.Beta(0.5, 2.0)), [4, 8]))
    assert np.all(np.abs(np.asarray(acc) - want) < 0.15)  # 64 trials


def test_run_with_serving_batches(tmp_path, capsys):
    write(tmp_path, "sweep.csv", SWEEP)
    path = write(tmp_path, "sc.yaml", "only: [gpt5-nano]\nk_max: 8\ntrials: 64\n"
                 "C_max: 1.0\nT_max: 600\nacc_min: 0.9\n"
                 "serving: {calibrate: sweep.csv, gpu_hour: 2.0, batch: [8, 64]}\n")
    code = cli.main(["run", path, "--no-write", "--json", "--batch", "16", "256",
                     "--gpu-hour", "3"])
    assert code == 0
    rec = json.loads(capsys.readouterr().out)
    assert list(rec["candidates"]) == ["gpt5-nano@b16", "gpt5-nano@b256"]
    assert rec["budgets"][0]["cross"]["cheapest"]["model"] == "gpt5-nano@b256"


def test_run_errors_are_one_line(capsys):
    assert cli.main(["run", *TINY, "--aggregation", "majority"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "difficulty" in err
    assert cli.main(["run", *TINY, "--aggregation", "verifier", "--difficulty", "1", "1",
                     "--phi", "1.5"]) == 2
    assert "phi" in capsys.readouterr().err
    assert cli.main(["run", *TINY, "--gpu-hour", "2"]) == 2
    assert "serving.t0" in capsys.readouterr().err
