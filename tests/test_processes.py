"""Two processes after ``jax.distributed.initialize`` give what one process gives.

Two subprocesses on 127.0.0.1 (one CPU device each) run the same calls; by default every
call spreads its work over every device of every process, so each process computes its half.
Both must return, bit for bit, what this (single) process computes: ``summarize`` (also with
its per-block sums gathered in several segments), ``sample``, the batched Pareto wrappers,
and ``sensitivity`` to its stated tolerance. The processes do not set
``jax_cpu_collectives_implementation``: the installed JAX selects gloo itself (the script
records what it said), and :func:`frontier._devices.initialize_distributed` sets it only
where a JAX has none (``None``, or ``"none"`` in older versions).

Then the command line: ``frontier run --coordinator ... --num-processes 2 --process-id I``
twice; process 0 writes files equal byte for byte to a one-process run's and process 1
prints and writes nothing. Bad combinations of the three flags are one-line usage errors.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest

import frontier
from frontier import _devices, cli

_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import jax
    port, pid, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    collectives = str(jax.config.jax_cpu_collectives_implementation)
    jax.distributed.initialize(coordinator_address=f"127.0.0.1:{port}", num_processes=2,
                               process_id=pid)
    import numpy as np
    import frontier
    from frontier import _devices
    m = frontier.catalog()["gpt5-mini"]
    res = {"devices": len(jax.devices()), "local": len(jax.local_devices()),
           "collectives": collectives}

    def fields(s):
        return [np.asarray(getattr(st, f)).tolist() for st in (s.cost, s.time, s.accuracy)
                for f in ("mean", "std", "min", "max", "quantiles")]

    for qm in ("sketch", "exact"):
        res[qm] = fields(frontier.summarize(m, [2, 8], key=3, num_trials=20_000,
                                            quantile_method=qm))
    _devices.SEGMENT_BYTES = 1000  # several gathers of the per-block sums
    res["segments"] = fields(frontier.summarize(m, [2, 8], key=3, num_trials=20_000,
                                                quantile_method="sketch", chunk_size=2048))
    x = frontier.sample(m, [2, 8], key=3, num_trials=1001)
    res["sample"] = [np.asarray(a).tolist() for a in x]
    pts = np.asarray(x.cost)[..., :1000].reshape(2, 25, 40)
    pts = np.stack([pts, np.asarray(x.time)[..., :1000].reshape(2, 25, 40)], -1)
    res["nd"] = np.asarray(frontier.is_nondominated_batch(pts)).tolist()
    res["rank"] = np.asarray(frontier.pareto_rank_batch(pts)).tolist()
    s = frontier.sensitivity(m, budget=(0.5, 60.0, 0.88), k_max=16, key=0, num_trials=1024,
                             num_batches=3)
    res["sensitivity"] = [np.asarray(s.value).tolist(), np.asarray(s.grad).tolist()]
    json.dump(res, open(out, "w"))
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    env = dict(os.environ, JAX_PLATFORMS="cpu", FRONTIER_NO_COMPILE_CACHE="1")
    env.pop("XLA_FLAGS", None)
    return env


def _launch_pair(cmds: list[list[str]]) -> list[tuple[int, str, str]]:
    """Run two commands at once; ``(returncode, stdout, stderr)`` of each."""
    procs = [subprocess.Popen(c, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for c in cmds]
    outs = []
    for p in procs:
        try:
            out, err = p.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            raise
        outs.append((p.returncode, out, err))
    return outs


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("procs")
    port = _free_port()
    outs = [tmp / f"out{i}.json" for i in range(2)]
    runs = _launch_pair([[sys.executable, "-c", _SCRIPT, str(port), str(i), str(outs[i])]
                         for i in range(2)])
    for rc, out, err in runs:
        if rc != 0:
            raise AssertionError((out + err)[-4000:])
    return [json.loads(o.read_text()) for o in outs]


def test_two_processes_see_two_devices_one_each(two_processes):
    for res in two_processes:
        assert (res["devices"], res["local"]) == (2, 1)


def test_installed_jax_selects_cpu_collectives_itself(two_processes):
    # the processes never set it: what JAX chose by default
    assert [r["collectives"] for r in two_processes] == ["gloo", "gloo"]


def _summary_fields(s):
    return [np.asarray(getattr(st, f)) for st in (s.cost, s.time, s.accuracy)
            for f in ("mean", "std", "min", "max", "quantiles")]


@pytest.mark.parametrize(("name", "quantile_method"),
                         [("sketch", "sketch"), ("exact", "exact"), ("segments", "sketch")])
def test_two_processes_match_one_process_bit_for_bit(two_processes, name, quantile_method):
    m = frontier.catalog()["gpt5-mini"]
    s = frontier.summarize(m, [2, 8], key=3, num_trials=20_000, quantile_method=quantile_method)
    for res in two_processes:
        for got, want in zip(res[name], _summary_fields(s), strict=True):
            np.testing.assert_array_equal(np.asarray(got, want.dtype), want)


def test_two_processes_sample_and_pareto_batches_match_one_process(two_processes):
    m = frontier.catalog()["gpt5-mini"]
    x = frontier.sample(m, [2, 8], key=3, num_trials=1001)
    pts = np.stack([np.asarray(a)[..., :1000].reshape(2, 25, 40) for a in (x.cost, x.time)],
                   -1)
    nd = np.asarray(frontier.is_nondominated_batch(pts))
    rank = np.asarray(frontier.pareto_rank_batch(pts))
    assert nd.any() and (rank > 0).any()
    for res in two_processes:
        for got, want in zip(res["sample"], x, strict=True):
            np.testing.assert_array_equal(np.asarray(got, np.float32), np.asarray(want))
        np.testing.assert_array_equal(np.asarray(res["nd"]), nd)
        np.testing.assert_array_equal(np.asarray(res["rank"]), rank)


def test_two_processes_sensitivity_matches_one_process_to_rounding(two_processes):
    s = frontier.sensitivity(frontier.catalog()["gpt5-mini"], budget=(0.5, 60.0, 0.88),
                             k_max=16, key=0, num_trials=1024, num_batches=3)
    for res in two_processes:
        for got, want in zip(res["sensitivity"], (s.value, s.grad), strict=True):
            want = np.asarray(want)
            np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6,
                                       atol=1e-6 * np.abs(want).max())


def test_initialize_distributed_sets_gloo_only_where_jax_has_none(monkeypatch):
    calls = []
    monkeypatch.setattr(jax.distributed, "initialize", lambda **kw: calls.append(kw))
    before = jax.config.jax_cpu_collectives_implementation
    try:
        jax.config.update("jax_cpu_collectives_implementation", None)  # older JAX: "none"
        _devices.initialize_distributed("127.0.0.1:1234", 2, 1)
        assert jax.config.jax_cpu_collectives_implementation == "gloo"
        jax.config.update("jax_cpu_collectives_implementation", "mpi")
        _devices.initialize_distributed("127.0.0.1:1234", 2, 0)
        assert jax.config.jax_cpu_collectives_implementation == "mpi"  # the user's choice
    finally:
        jax.config.update("jax_cpu_collectives_implementation", before)
    assert calls == [dict(coordinator_address="127.0.0.1:1234", num_processes=2, process_id=1),
                     dict(coordinator_address="127.0.0.1:1234", num_processes=2, process_id=0)]


# ------------------------------------------------------------------------------ the CLI

_RUN = ["run", "--only", "gpt5-nano", "gpt5-mini", "--k-max", "16", "--trials", "200",
        "--no-plots"]


@pytest.fixture(scope="module")
def cli_pair(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    port = _free_port()
    procs = [[sys.executable, "-m", "frontier.cli", *_RUN, "--out", str(tmp / f"out{i}"),
              "--coordinator", f"127.0.0.1:{port}", "--num-processes", "2",
              "--process-id", str(i)] for i in range(2)]
    return tmp, _launch_pair(procs)


def test_cli_two_processes_write_what_one_process_writes(cli_pair, tmp_path, capsys):
    tmp, runs = cli_pair
    assert [rc for rc, _, _ in runs] == [0, 0], runs
    assert cli.main([*_RUN, "--out", str(tmp_path / "one")]) == 0
    one_out = capsys.readouterr().out
    files = sorted(os.listdir(tmp_path / "one"))
    assert files == ["candidates.csv", "selections.csv", "study.json"]
    assert sorted(os.listdir(tmp / "out0")) == files
    for name in files:
        assert (tmp / "out0" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name
    # the same table on stdout, but for the timing and the directory names
    body = [ln for ln in one_out.splitlines()[1:] if not ln.startswith("wrote")]
    assert [ln for ln in runs[0][1].splitlines()[1:] if not ln.startswith("wrote")] == body
    assert "[Gloo]" not in runs[0][1]  # library chatter goes to stderr


def test_cli_second_process_prints_and_writes_nothing(cli_pair):
    tmp, runs = cli_pair
    rc, out, err = runs[1]
    assert (rc, out, err) == (0, "", "")
    assert not (tmp / "out1").exists()


@pytest.mark.parametrize(
    ("flags", "match"),
    [
        (["--coordinator", "127.0.0.1:1234"], "go together; missing: --num-processes, "
                                               "--process-id"),
        (["--num-processes", "2", "--process-id", "0"], "missing: --coordinator"),
        (["--coordinator", "localhost", "--num-processes", "2", "--process-id", "0"],
         "HOST:PORT"),
        (["--coordinator", "host:70000", "--num-processes", "2", "--process-id", "0"],
         "port from 1 to 65535"),
        (["--coordinator", "host:80", "--num-processes", "0", "--process-id", "0"],
         "--num-processes must be >= 1"),
        (["--coordinator", "host:80", "--num-processes", "2", "--process-id", "2"],
         "--process-id must be from 0 to 1"),
        (["--coordinator", "host:80", "--num-processes", "2", "--process-id", "-1"],
         "--process-id must be from 0 to 1"),
    ],
)
@pytest.mark.parametrize("command", [["run"], ["sensitivity", "--model", "gpt5-nano"]])
def test_cli_bad_process_flags_are_one_line_usage_errors(command, flags, match, capsys,
                                                         monkeypatch):
    def boom(*a, **kw):
        raise AssertionError("initialised")

    monkeypatch.setattr(_devices, "initialize_distributed", boom)
    assert cli.main([*command, "--no-write", *flags]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("frontier: error: ") and err.count("\n") == 1
    assert match in err
