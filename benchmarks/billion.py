"""10^9 trajectories of one model over 32 values of k, in bounded memory.

Each size runs ``frontier.summarize`` (streaming sketch quantiles, the default chunking) of
``gpt5-mini`` over ``k = 1..32`` in its own subprocess, after a small warm-up call that
compiles the same stream programs (the full chunk and the last, shorter one), and reports
the wall time of the run, the trajectories per second (one trajectory is one trial of one
k, so a trial counts 32) and the process's peak resident set size
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``). The peak RSS must not grow with the number
of trials: the accumulators are ``O(K (max(k) + bins))``. Writes
``benchmarks/results/<backend>-billion.json`` (``FRONTIER_BENCH_RESULTS`` to change the folder).

    python benchmarks/billion.py                        # 1e7, 1e8 and 1e9 trials
    FRONTIER_BENCH_BILLION_SIZES=1e6,1e7 python benchmarks/billion.py   # quicker

Not a CI test: 10^9 trials take tens of minutes on a 2-core CPU.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import textwrap

from scale import write_result  # benchmarks/ is on sys.path when run as a script

SIZES = [int(float(s)) for s in
         os.environ.get("FRONTIER_BENCH_BILLION_SIZES", "1e7,1e8,1e9").split(",")]
KS = list(range(1, 33))

_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    import jax
    import frontier
    trials, ks = int(sys.argv[1]), json.loads(sys.argv[2])
    m = frontier.catalog()["gpt5-mini"]

    def run(n):
        s = frontier.summarize(m, ks, key=0, num_trials=n, quantile_method="sketch")
        return jax.block_until_ready(s)

    # compile what the run uses: the full calls (64 blocks of `atom` trials) and the last one
    full = 64 * frontier._sampling._atom(max(ks))
    run(min(trials, full + (trials % full or full)))
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    s = run(trials)
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": dt, "peak_rss_mib": rss / 1024,
                      "peak_rss_after_warmup_mib": rss0 / 1024,
                      "backend": jax.default_backend(),
                      "device_kind": jax.devices()[0].device_kind, "jax": jax.__version__,
                      "devices": len(jax.devices()),
                      "cost_mean_k32": float(s.cost.mean[-1]),
                      "accuracy_p99_k32": float(s.accuracy.quantiles[-1, -1])}))
    """
)


def main() -> None:
    rows, info = {}, None
    for n in SIZES:
        out = subprocess.run([sys.executable, "-c", _CHILD, str(n), json.dumps(KS)],
                             check=True, stdout=subprocess.PIPE, text=True).stdout
        res = json.loads(out.strip().splitlines()[-1])
        info = info or res
        res["trajectories_per_s"] = n * len(KS) / res["seconds"]
        rows[f"{n:.0e}"] = res
        print(f"{n:10.0e} trials  {res['seconds']:9.1f} s  {res['trajectories_per_s']:10.3g}"
              f" trajectories/s  peak RSS {res['peak_rss_mib']:7.1f} MiB", flush=True)
    out = {"date": datetime.date.today().isoformat(), "backend": info["backend"],
           "device_kind": info["device_kind"], "jax": info["jax"], "cpu_count": os.cpu_count(),
           "load_average": os.getloadavg(), "model": "gpt5-mini", "ks": KS,
           "quantile_method": "sketch", "runs": rows}
    write_result(f"{info['backend']}-billion.json", out)


if __name__ == "__main__":
    main()
