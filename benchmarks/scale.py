"""Scaling of ``summarize``: 1, 2 and 4 devices in one process; 1 and 2 processes.

Each configuration runs in its own subprocess (JAX fixes its device count at start-up):
``XLA_FLAGS=--xla_force_host_platform_device_count=D`` for D devices on the CPU, and
``jax.distributed.initialize`` on 127.0.0.1 (gloo CPU collectives) for 2 processes. Where
``taskset`` is available, the one-process, one-device run is pinned to core 0 and the two
processes to cores 0 and 1 (the issue's comparison: two processes on one core each against
one process doing all of it on one core). Every run does a warm-up call (compilation) and then times
one ``summarize`` (sketch quantiles) of one model over 32 values of k with
``jax.block_until_ready``: its wall time and, per process, its CPU time
(``time.process_time``, which other jobs on a shared machine disturb much less than the wall
time). Prints a table and writes
``benchmarks/results/<backend>-scale.json`` (``FRONTIER_BENCH_RESULTS`` to change the folder).

    python benchmarks/scale.py                                 # 1e7 trials per run
    FRONTIER_BENCH_SCALE_TRIALS=1e6 python benchmarks/scale.py # quicker
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap

TRIALS = int(float(os.environ.get("FRONTIER_BENCH_SCALE_TRIALS", "1e7")))
KS = list(range(4, 129, 4))  # 32 values of k

_CHILD = textwrap.dedent(
    """
    import json, sys, time
    import jax
    nproc, pid, port, trials = (int(a) for a in sys.argv[1:5])
    ks = json.loads(sys.argv[5])
    import frontier
    if nproc > 1:  # (gloo CPU collectives: JAX's default, else set by this helper)
        frontier._devices.initialize_distributed(f"127.0.0.1:{port}", nproc, pid)
    m = frontier.catalog()["gpt5-mini"]

    def run():
        s = frontier.summarize(m, ks, key=0, num_trials=trials, quantile_method="sketch")
        return jax.block_until_ready(s.cost.mean)

    run()  # compile
    t0, c0 = time.perf_counter(), time.process_time()
    mean = run()
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"seconds": dt, "cpu_seconds": cpu, "devices": len(jax.devices()),
                      "backend": jax.default_backend(),
                      "device_kind": jax.devices()[0].device_kind,
                      "jax": jax.__version__, "mean0": float(mean[0])}))
    """
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(nproc: int, devices: int, cores: list[int] | None) -> list[dict]:
    env = dict(os.environ, JAX_PLATFORMS="cpu") if devices > 1 or nproc > 1 else dict(os.environ)
    env.pop("XLA_FLAGS", None)
    if devices > 1:
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    port = _port()
    procs = []
    for pid in range(nproc):
        cmd = [sys.executable, "-c", _CHILD, str(nproc), str(pid), str(port), str(TRIALS),
               json.dumps(KS)]
        if cores is not None and shutil.which("taskset"):
            cmd = ["taskset", "-c", str(cores[pid]), *cmd]
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True))
    outs = [p.communicate()[0] for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit(f"a run failed: {nproc} process(es), {devices} device(s)")
    return [json.loads(o.strip().splitlines()[-1]) for o in outs]


def write_result(name: str, out: dict) -> None:
    """Write ``out`` as ``benchmarks/results/<name>`` (``FRONTIER_BENCH_RESULTS``: another
    folder) and say where."""
    folder = os.environ.get("FRONTIER_BENCH_RESULTS") or os.path.join(
        os.path.dirname(__file__), "results")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
    print("written:", path)


def main() -> None:
    configs = [
        ("1 process, 1 device, 1 core", 1, 1, [0]),
        ("1 process, 1 device", 1, 1, None),
        ("1 process, 2 devices", 1, 2, None),
        ("1 process, 4 devices", 1, 4, None),
        ("2 processes, 1 device each, 1 core each", 2, 1, [0, 1]),
    ]
    rows, info = {}, None
    for name, nproc, devices, cores in configs:
        res = _launch(nproc, devices, cores)
        info = info or res[0]
        secs = max(r["seconds"] for r in res)
        cpu = max(r["cpu_seconds"] for r in res)
        rows[name] = {"seconds": secs, "cpu_seconds_per_process": cpu,
                      "trajectories_per_s": TRIALS * max(KS) / secs,
                      "devices_total": res[0]["devices"], "mean0": res[0]["mean0"],
                      "pinned": cores is not None and shutil.which("taskset") is not None}
        print(f"{name:<44s} {secs:8.2f} s  {TRIALS * max(KS) / secs:10.3g} draws/s"
              f"  CPU {cpu:7.2f} s per process", flush=True)
    means = {r["mean0"] for r in rows.values()}
    print("identical results across configurations:", len(means) == 1)
    out = {"date": datetime.date.today().isoformat(), "backend": info["backend"],
           "device_kind": info["device_kind"], "jax": info["jax"], "cpu_count": os.cpu_count(),
           "num_trials": TRIALS, "ks": KS, "runs": rows, "identical": len(means) == 1}
    write_result(f"{info['backend']}-scale.json", out)


if __name__ == "__main__":
    main()
