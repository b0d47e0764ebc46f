"""Write the synthetic sweep fixtures (``*/synthetic*/``) in every supported layout.

Run from the repository root: ``python tests/data/sweeps/make_synthetic.py``. The output is
deterministic and committed; the tests read the files, not this script.

Every layout holds the same known sweep (output tokens per request: 128):

======  ==========  ============  ===========  ============
conc.   tok/s       mean TTFT ms  p99 TTFT ms  mean TPOT ms
======  ==========  ============  ===========  ============
1       100         20            40           10.0
4       380         25            50           10.5
16      1300        40            80           12.0
64      3000        120           240          20.0
128     2900        400           800          40.0
======  ==========  ============  ===========  ============

so the (p99 TTFT min, output tok/s max) front is concurrency {1, 4, 16, 64}: 128 is
dominated by 64 (more latency, less throughput).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONC = (1, 4, 16, 64, 128)
TOKS = (100.0, 380.0, 1300.0, 3000.0, 2900.0)
TTFT = (20.0, 25.0, 40.0, 120.0, 400.0)
TPOT = (10.0, 10.5, 12.0, 20.0, 40.0)
OUT_LEN = 128
IN_LEN = 512
N_REQ = 200


def truth(i: int) -> dict:
    """The ground-truth run ``i`` in canonical units."""
    out = TOKS[i]
    req = out / OUT_LEN
    ttft, tpot = TTFT[i], TPOT[i]
    e2el = ttft + (OUT_LEN - 1) * tpot
    return {"max_concurrency": CONC[i], "output_throughput": out, "request_throughput": req,
            "total_token_throughput": req * (IN_LEN + OUT_LEN), "input_throughput": req * IN_LEN,
            "duration_s": N_REQ / req, "completed": N_REQ, "ttft": ttft, "tpot": tpot,
            "itl": tpot * 0.98, "e2el": e2el}


def stats(v: float) -> dict:
    """Statistics of one latency with a fixed shape: the p99 is twice the mean."""
    return {"mean": v, "median": 0.9 * v, "std": 0.3 * v, "p50": 0.9 * v, "p90": 1.5 * v,
            "p95": 1.7 * v, "p99": 2.0 * v, "min": 0.5 * v, "max": 2.2 * v}


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# ------------------------------------------------------------------------------- vLLM

def vllm_result(i: int, *, old: bool = False, extra: dict | None = None) -> dict:
    t = truth(i)
    d = {"date": f"20250101-00000{i}", "endpoint_type": "openai", "backend": "vllm",
         "label": None, "model_id": "meta-llama/Llama-3.1-8B-Instruct",
         "tokenizer_id": "meta-llama/Llama-3.1-8B-Instruct", "num_prompts": N_REQ}
    if old:
        d["best_of"] = 1
    d.update({"request_rate": "inf", "burstiness": 1.0, "max_concurrency": t["max_concurrency"],
              "duration": t["duration_s"], "completed": N_REQ})
    if not old:
        d["failed"] = 0
    d.update({"total_input_tokens": N_REQ * IN_LEN, "total_output_tokens": N_REQ * OUT_LEN,
              "request_throughput": t["request_throughput"]})
    d["request_goodput:" if old else "request_goodput"] = None
    d.update({"output_throughput": t["output_throughput"],
              "total_token_throughput": t["total_token_throughput"]})
    if not old:
        d.update({"max_output_tokens_per_s": 1.2 * t["output_throughput"],
                  "max_concurrent_requests": t["max_concurrency"], "rtfx": 0.0})
    for m in ("ttft", "tpot", "itl", "e2el"):
        s = stats(t[m])
        for k in ("mean", "median", "std"):
            d[f"{k}_{m}_ms"] = s[k]
        for k in ("p50", "p90", "p99"):
            d[f"{k}_{m}_ms"] = s[k]
    d.update(extra or {})
    return d


def make_vllm() -> None:
    base = HERE / "vllm"
    for i, c in enumerate(CONC):
        name = f"vllm-inf-concurrency{c}-Llama-3.1-8B-Instruct-20250101-00000{i}.json"
        write(base / "synthetic" / name, json.dumps(vllm_result(i, old=(c == 128))))
    # --append-result: one result per line, in one file
    write(base / "synthetic_append" / "results.json",
          "\n".join(json.dumps(vllm_result(i)) for i in range(len(CONC))))
    # --save-detailed: per-request lists (seconds), hand-checkable goodput
    d = vllm_result(0, extra={})
    d["completed"], d["failed"], d["duration"] = 5, 1, 2.0
    d["input_lens"] = [512, 512, 512, 512, 512, 512]
    d["output_lens"] = [4, 4, 1, 4, 4, 0]
    d["ttfts"] = [0.100, 0.600, 0.200, 0.300, 0.050, 0.0]
    d["itls"] = [[0.010, 0.010, 0.010], [0.010, 0.010, 0.010], [],
                 [0.030, 0.030, 0.030], [0.015, 0.022, 0.020], []]
    d["latencies"] = [0.130, 0.630, 0.200, 0.390, 0.107, 0.0]
    d["errors"] = ["", "", "", "", "", "Connection reset"]
    d["generated_texts"] = ["a b c d", "a b c d", "a", "a b c d", "a b c d", ""]
    write(base / "synthetic_detailed" / "result.json", json.dumps(d))
    # vllm bench sweep tree: two serve settings x two bench settings, two runs each
    exp = base / "sweep_tree" / "exp1"
    all_runs = []
    for seqs in (64, 128):
        for j, i in enumerate((2, 3)):
            comb = exp / f"SERVE--max_num_seqs={seqs}-BENCH--max_concurrency={CONC[i]}"
            runs = []
            for run in range(2):
                r = vllm_result(i)
                scale = (1.0 if seqs == 64 else 1.05) * (1.0 + 0.01 * run)
                r["output_throughput"] *= scale
                r["request_throughput"] *= scale
                r["total_token_throughput"] *= scale
                r.update({"run_number": run, "max_num_seqs": seqs,
                          "max_concurrency": CONC[i]})
                runs.append(r)
                write(comb / f"run={run}.json", json.dumps(r, indent=4))
            warm = dict(runs[0], run_number=-1, num_prompts=10)
            if j == 0:
                write(comb / "warmup.json", json.dumps(warm, indent=4))
            write(comb / "summary.json", json.dumps(runs, indent=4))
            all_runs += runs
    write(exp / "SERVE--max_num_seqs=128-BENCH--max_concurrency=256" / "run=0.failure.json",
          json.dumps({"run_number": 0, "error_type": "TimeoutError", "error": "timed out",
                      "serve_overrides": {"max_num_seqs": 128},
                      "bench_overrides": {"max_concurrency": 256}}, indent=2) + "\n")
    keys = list(dict.fromkeys(k for r in all_runs for k in r))
    with (exp / "summary.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["", *keys])
        for n, r in enumerate(all_runs):
            w.writerow([n, *("" if r.get(k) is None else r.get(k) for k in keys)])


# ------------------------------------------------------------------------------ SGLang

def make_sglang() -> None:
    lines = []
    for i in range(len(CONC)):
        t = truth(i)
        d = {"backend": "sglang", "dataset_name": "random",
             "request_rate": math.inf if i % 2 == 0 else 8.0 * (i + 1),
             "max_concurrency": t["max_concurrency"], "sharegpt_output_len": None,
             "random_input_len": IN_LEN, "random_output_len": OUT_LEN,
             "random_range_ratio": 0.0, "duration": t["duration_s"], "completed": N_REQ,
             "total_input_tokens": N_REQ * IN_LEN, "total_output_tokens": N_REQ * OUT_LEN,
             "total_output_tokens_retokenized": N_REQ * OUT_LEN,
             "request_throughput": t["request_throughput"],
             "input_throughput": t["input_throughput"],
             "output_throughput": t["output_throughput"]}
        for m, key in (("e2el", "e2e_latency"), ("ttft", "ttft"), ("tpot", "tpot"),
                       ("itl", "itl")):
            s = stats(t[m])
            for k in ("mean", "median", "std", "p99"):
                d[f"{k}_{key}_ms"] = s[k]
            if m == "itl":
                d["p95_itl_ms"] = s["p95"]
        d["concurrency"] = 0.9 * t["max_concurrency"]
        d["accept_length"] = None
        lines.append(json.dumps(d))
    write(HERE / "sglang" / "synthetic" / "sglang_0101_200_512_128.jsonl",
          "\n".join(lines) + "\n")


# ------------------------------------------------------------------- AIPerf, GenAI-Perf

def _dist(v: float, unit: str, keys) -> dict:
    s = stats(v)
    s["avg"] = s.pop("mean")
    out = {"unit": unit}
    for k in keys:
        out[k] = s.get(k, s["p50"] if k == "p50" else v)
    return out


def make_aiperf() -> None:
    keys = ("avg", "min", "max", "p50", "p90", "p95", "p99", "std")
    for i, c in enumerate(CONC):
        t = truth(i)
        sec = c == 16  # one file writes its latencies in seconds, as its units say
        f = 1e-3 if sec else 1.0
        unit = "sec" if sec else "ms"
        d = {"schema_version": "1.3", "aiperf_version": "0.4.0",
             "benchmark_id": f"synthetic-{c}",
             "request_throughput": {"unit": "requests/sec", "avg": t["request_throughput"]},
             "request_latency": _dist(t["e2el"] * f, unit, keys),
             "request_count": {"unit": "requests", "avg": float(N_REQ)},
             "time_to_first_token": _dist(t["ttft"] * f, unit, keys),
             "inter_token_latency": _dist(t["tpot"] * f, unit, keys),
             "inter_chunk_latency": _dist(t["itl"] * f, unit, keys),
             "output_token_throughput": {"unit": "tokens/sec", "avg": t["output_throughput"]},
             "output_token_throughput_per_user": {"unit": "tokens/sec/user",
                                                  "avg": 1000.0 / t["tpot"]},
             "benchmark_duration": {"unit": "sec", "avg": t["duration_s"]},
             "input_config": {"endpoint": {"model_names": ["synthetic/model"], "type": "chat",
                                           "streaming": True},
                              "loadgen": {"concurrency": c}},
             "was_cancelled": False, "error_summary": []}
        write(HERE / "aiperf" / "synthetic" / f"c{c}" / "profile_export_aiperf.json",
              json.dumps(d, indent=2))
    gkeys = ("avg", "p25", "p50", "p75", "p90", "p95", "p99", "min", "max", "std")
    for i, c in enumerate(CONC):
        t = truth(i)
        cfg = ({"model_names": ["synthetic/model"], "perf_analyzer": {
            "stimulus": {"concurrency": c}}} if i % 2 == 0 else
            {"model": ["synthetic/model"], "concurrency": c})
        d = {"request_throughput": {"unit": "requests/sec", "avg": t["request_throughput"]},
             "request_latency": _dist(t["e2el"], "ms", gkeys),
             "time_to_first_token": _dist(t["ttft"], "ms", gkeys),
             "time_to_second_token": _dist(t["tpot"], "ms", gkeys),
             "inter_token_latency": _dist(t["tpot"], "ms", gkeys),
             "output_token_throughput": {"unit": "tokens/sec", "avg": t["output_throughput"]},
             "output_sequence_length": _dist(OUT_LEN, "tokens", gkeys),
             "input_sequence_length": _dist(IN_LEN, "tokens", gkeys),
             "input_config": cfg}
        write(HERE / "genai_perf" / "synthetic" / f"concurrency{c}" /
              "profile_export_genai_perf.json", json.dumps(d, indent=4))


# ----------------------------------------------------------------------------- GuideLLM

def _gdist(v: float, *, p50: bool) -> dict:
    s = stats(v)
    pct = {"p001": 0.5 * v, "p01": 0.5 * v, "p05": 0.6 * v, "p10": 0.7 * v, "p25": 0.8 * v,
           "p50": s["p50"], "p75": 1.2 * v, "p90": s["p90"], "p95": s["p95"], "p99": s["p99"],
           "p999": s["max"]}
    if not p50:
        pct.pop("p50")
    succ = {"mean": v, "median": s["median"], "mode": v, "variance": s["std"] ** 2,
            "std_dev": s["std"], "min": s["min"], "max": s["max"], "count": N_REQ,
            "total_sum": v * N_REQ, "percentiles": pct}
    zero = {**{k: 0.0 for k in succ if k != "percentiles"}, "count": 0,
            "percentiles": dict.fromkeys(pct, 0.0)}
    return {"successful": succ, "errored": zero, "incomplete": zero, "total": succ}


def make_guidellm() -> None:
    for version in ("v0.3", "v0.4"):
        v4 = version == "v0.4"
        benches = []
        for i, c in enumerate(CONC):
            t = truth(i)
            strategy = ({"type_": "synchronous"} if c == 1 else
                        {"type_": "concurrent", "streams": c})
            itl_value = t["itl"] if v4 else t["tpot"]
            metrics = {
                "requests_per_second": _gdist(t["request_throughput"], p50=v4),
                "request_concurrency": _gdist(0.95 * c, p50=v4),
                "request_latency": _gdist(t["e2el"] / 1e3, p50=v4),
                "prompt_token_count": _gdist(IN_LEN, p50=v4),
                "output_token_count": _gdist(OUT_LEN, p50=v4),
                "time_to_first_token_ms": _gdist(t["ttft"], p50=v4),
                "time_per_output_token_ms": _gdist(t["tpot"] * 0.99, p50=v4),
                "inter_token_latency_ms": _gdist(itl_value, p50=v4),
                "output_tokens_per_second": _gdist(t["output_throughput"], p50=v4),
                "tokens_per_second": _gdist(t["total_token_throughput"], p50=v4)}
            totals = {"successful": N_REQ, "errored": 0, "incomplete": 0, "total": N_REQ}
            b = {"type_": "generative_benchmark", "id_": f"bench-{i}", "run_id": "run-1"}
            if v4:
                b["config"] = {"id_": f"bench-{i}", "run_id": "run-1", "run_index": i,
                               "strategy": strategy, "constraints": {},
                               "backend": {"model": "synthetic/model"}}
                metrics["request_totals"] = totals
                b["metrics"] = metrics
            else:
                b["args"] = {"strategy_index": i, "strategy": strategy, "max_duration": 30.0}
                b["worker"] = {"type_": "generative_requests_worker",
                               "backend_model": "synthetic/model"}
                b["metrics"] = metrics
                b["request_totals"] = totals
                b["duration"] = t["duration_s"]
            benches.append(b)
        write(HERE / "guidellm" / f"synthetic_{version}" / "benchmarks.json",
              json.dumps({"benchmarks": benches}, indent=2))


# ------------------------------------------------------------------------------ LLMPerf

def make_llmperf() -> None:
    for i, c in enumerate(CONC):
        t = truth(i)
        d = {"version": "2023-08-31", "name": "synthetic-model_512_128_summary",
             "model": "synthetic/model", "mean_input_tokens": IN_LEN, "stddev_input_tokens": 0,
             "mean_output_tokens": OUT_LEN, "stddev_output_tokens": 0,
             "num_concurrent_requests": c}
        ntpot = t["e2el"] / OUT_LEN
        for name, v in (("inter_token_latency_s", ntpot), ("ttft_s", t["ttft"]),
                        ("end_to_end_latency_s", t["e2el"])):
            s = stats(v / 1e3)
            for q in ("p25", "p50", "p75", "p90", "p95", "p99"):
                d[f"results_{name}_quantiles_{q}"] = s.get(q, 0.8 * s["mean"])
            for k, kk in (("mean", "mean"), ("min", "min"), ("max", "max"), ("stddev", "std")):
                d[f"results_{name}_{k}"] = s[kk]
        d["results_request_output_throughput_token_per_s_mean"] = 1000.0 / t["tpot"]
        d.update({"results_num_requests_started": N_REQ, "results_error_rate": 0.0,
                  "results_number_errors": 0, "results_error_code_frequency": "{}",
                  "results_mean_output_throughput_token_per_s": t["output_throughput"],
                  "results_num_completed_requests": N_REQ,
                  "results_num_completed_requests_per_min": 60.0 * t["request_throughput"],
                  "timestamp": 1718200000 + i})
        out = HERE / "llmperf" / "synthetic" / f"result_synthetic_{c}"
        write(out / "synthetic-model_512_128_summary.json", json.dumps(d, indent=4))
        if c == 1:
            # per-request twin: TTFT 20, 21, ..., 29 ms in turn; one error every 50 requests
            reqs = []
            for k in range(N_REQ):
                err = k % 50 == 49
                ttft_s = (20 + k % 10) / 1e3
                e2e_s = ttft_s + (OUT_LEN - 1) * (10 + k % 4) / 1e3
                reqs.append({"error_code": 500 if err else None,
                             "error_msg": "Internal Server Error" if err else "",
                             "inter_token_latency_s": e2e_s / OUT_LEN, "ttft_s": ttft_s,
                             "end_to_end_latency_s": e2e_s,
                             "request_output_throughput_token_per_s": OUT_LEN / e2e_s,
                             "number_total_tokens": IN_LEN + OUT_LEN,
                             "number_output_tokens": OUT_LEN, "number_input_tokens": IN_LEN})
            write(out / "synthetic-model_512_128_individual_responses.json",
                  json.dumps(reqs, indent=4))


# ----------------------------------------------------------------------- AIConfigurator

def make_aiconfigurator() -> None:
    head = ["model", "isl", "osl", "prefix", "concurrency", "request_rate", "bs", "global_bs",
            "ttft", "tpot", "request_latency", "seq/s", "seq/s/gpu", "tokens/s",
            "tokens/s/gpu", "tokens/s/user", "num_total_gpus", "tp", "pp", "dp", "moe_tp",
            "moe_ep", "parallel", "gemm", "kvcache", "fmha", "backend", "version", "system",
            "memory", "power_w"]
    rows = []
    for i, c in enumerate(CONC):
        t = truth(i)
        gpus = 2
        rows.append(["QWEN3_32B", IN_LEN, OUT_LEN, 0, c, round(t["request_throughput"], 3), c,
                     c, t["ttft"], t["tpot"], round(t["e2el"], 3),
                     round(t["request_throughput"], 3),
                     round(t["request_throughput"] / gpus, 3), t["output_throughput"],
                     t["output_throughput"] / gpus, round(1000.0 / t["tpot"], 3), gpus, 2, 1,
                     1, 1, 1, "tp2pp1dp1etp1ep1", "fp8", "fp8", "bfloat16", "trtllm",
                     "1.0.0rc3", "h200_sxm", 61.2, 0.0])
    with _open(HERE / "aiconfigurator" / "synthetic" / "agg" / "pareto.csv") as f:
        w = csv.writer(f)
        w.writerow(["", *head])
        for n, r in enumerate(rows):
            w.writerow([n, *r])
    dhead = ["model", "isl", "osl", "prefix", "concurrency", "request_rate", "(p)bs",
             "(p)global_bs", "(p)workers", "(d)bs", "(d)global_bs", "(d)workers", "ttft",
             "tpot", "request_latency", "seq/s", "seq/s/gpu", "tokens/s", "tokens/s/gpu",
             "tokens/s/user", "(p)seq/s/worker", "(d)seq/s/worker", "(p)tp", "(p)pp",
             "(p)dp", "(p)parallel", "(d)tp", "(d)pp", "(d)dp", "(d)parallel", "backend",
             "version", "system"]
    with _open(HERE / "aiconfigurator" / "synthetic" / "disagg" / "best_config_topn.csv") as f:
        w = csv.writer(f)
        w.writerow(dhead)
        for i, c in enumerate(CONC[2:], start=2):
            t = truth(i)
            gpus = 8
            w.writerow(["QWEN3_32B", IN_LEN, OUT_LEN, 0, c, round(t["request_throughput"], 3),
                        1, 1, 2, c // 2, c, 3, t["ttft"], t["tpot"], round(t["e2el"], 3),
                        round(t["request_throughput"], 3),
                        round(t["request_throughput"] / gpus, 3), t["output_throughput"],
                        t["output_throughput"] / gpus, round(1000.0 / t["tpot"], 3), 1.0, 1.0,
                        1, 1, 1, "tp1pp1dp1", 2, 1, 1, "tp2pp1dp1", "trtllm", "1.0.0rc3",
                        "h200_sxm"])


def _open(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("w", newline="")


# -------------------------------------------------------------------------------- plain

def make_plain() -> None:
    with _open(HERE / "plain" / "synthetic" / "sweep.csv") as f:
        w = csv.writer(f)
        w.writerow(["engine", "users", "TTFT p99 (s)", "TPOT mean (ms)", "tok_s", "qpm"])
        for i, c in enumerate(CONC):
            t = truth(i)
            w.writerow(["vllm", c, stats(t["ttft"])["p99"] / 1e3, t["tpot"],
                        t["output_throughput"], 60.0 * t["request_throughput"]])
    canon = []
    for i, c in enumerate(CONC):
        t = truth(i)
        canon.append({"max_concurrency": c, "output_throughput": t["output_throughput"],
                      "request_throughput": t["request_throughput"],
                      "mean_ttft_ms": t["ttft"], "p99_ttft_ms": stats(t["ttft"])["p99"],
                      "mean_tpot_ms": t["tpot"], "completed": N_REQ})
    write(HERE / "plain" / "synthetic" / "sweep.json", json.dumps(canon, indent=1))
    write(HERE / "plain" / "synthetic" / "sweep.jsonl",
          "".join(json.dumps(r) + "\n" for r in canon))


if __name__ == "__main__":
    make_vllm()
    make_sglang()
    make_aiperf()
    make_guidellm()
    make_llmperf()
    make_aiconfigurator()
    make_plain()
