"""Two processes after ``jax.distributed.initialize`` give what one process gives.

Two subprocesses on 127.0.0.1 (one CPU device each, gloo CPU collectives) run the same
``summarize``; by default it spreads the trials over every device of every process, so each
process simulates its half. Both must return, bit for bit, the statistics this (single)
process computes.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import frontier

_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import jax
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    port, pid, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    jax.distributed.initialize(coordinator_address=f"127.0.0.1:{port}", num_processes=2,
                               process_id=pid)
    import numpy as np
    import frontier
    m = frontier.catalog()["gpt5-mini"]
    res = {"devices": len(jax.devices()), "local": len(jax.local_devices())}
    for qm in ("sketch", "exact"):
        s = frontier.summarize(m, [2, 8], key=3, num_trials=20_000, quantile_method=qm)
        res[qm] = [np.asarray(getattr(st, f)).tolist() for st in (s.cost, s.time, s.accuracy)
                   for f in ("mean", "std", "min", "max", "quantiles")]
    json.dump(res, open(out, "w"))
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("procs")
    port = _free_port()
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env.pop("XLA_FLAGS", None)
    outs = [tmp / f"out{i}.json" for i in range(2)]
    procs = [subprocess.Popen([sys.executable, "-c", _SCRIPT, str(port), str(i), str(outs[i])],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for i in range(2)]
    logs = []
    for p in procs:
        try:
            logs.append(p.communicate(timeout=300)[0])
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            raise
    for p, log in zip(procs, logs, strict=True):
        if p.returncode != 0:
            raise AssertionError(log[-4000:])
    return [json.loads(o.read_text()) for o in outs]


def test_two_processes_see_two_devices_one_each(two_processes):
    for res in two_processes:
        assert (res["devices"], res["local"]) == (2, 1)


@pytest.mark.parametrize("quantile_method", ["sketch", "exact"])
def test_two_processes_match_one_process_bit_for_bit(two_processes, quantile_method):
    m = frontier.catalog()["gpt5-mini"]
    s = frontier.summarize(m, [2, 8], key=3, num_trials=20_000, quantile_method=quantile_method)
    ref = [np.asarray(getattr(st, f)) for st in (s.cost, s.time, s.accuracy)
           for f in ("mean", "std", "min", "max", "quantiles")]
    for res in two_processes:
        for got, want in zip(res[quantile_method], ref, strict=True):
            np.testing.assert_array_equal(np.asarray(got, want.dtype), want)
