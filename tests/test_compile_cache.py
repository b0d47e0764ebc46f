"""The command line's persistent compilation cache: where it lives, its opt-outs, and that a
cached run gives the same answers as a fresh one."""

import json
import os
import subprocess
import sys

import jax
import pytest

from frontier import _cache

TINY = ["--only", "gpt5-nano", "--k-max", "8", "--trials", "50"]


@pytest.fixture(autouse=True)
def _no_cache_dir_in_this_process():
    """The test run's own compile cache (tests/conftest.py) off while these tests run:
    ``enable_compile_cache`` keeps a directory JAX already has."""
    before = jax.config.jax_compilation_cache_dir
    jax.config.update("jax_compilation_cache_dir", None)
    yield
    jax.config.update("jax_compilation_cache_dir", before)


def test_cache_dir_follows_the_platform_convention(monkeypatch, tmp_path):
    monkeypatch.delenv("FRONTIER_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(_cache.sys, "platform", "linux")
    assert _cache.compile_cache_dir() == os.path.join(str(tmp_path), ".cache", "frontier", "jax")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _cache.compile_cache_dir() == os.path.join(str(tmp_path), "xdg", "frontier", "jax")
    monkeypatch.setattr(_cache.sys, "platform", "darwin")
    assert _cache.compile_cache_dir() == os.path.join(
        str(tmp_path), "Library", "Caches", "frontier", "jax")
    monkeypatch.setattr(_cache.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert _cache.compile_cache_dir() == os.path.join(
        str(tmp_path), "local", "frontier", "Cache", "jax")
    monkeypatch.setenv("FRONTIER_CACHE_DIR", str(tmp_path / "mine"))
    assert _cache.compile_cache_dir() == str(tmp_path / "mine")


@pytest.mark.parametrize("value", ["1", "true", "YES", "on"])
def test_environment_opt_out_leaves_jax_alone(monkeypatch, tmp_path, value):
    monkeypatch.setenv("FRONTIER_NO_COMPILE_CACHE", value)
    monkeypatch.setenv("FRONTIER_CACHE_DIR", str(tmp_path / "c"))
    before = jax.config.jax_compilation_cache_dir
    assert _cache.enable_compile_cache() is None
    assert jax.config.jax_compilation_cache_dir == before
    assert not (tmp_path / "c").exists()


def test_flag_opt_out_wins_over_an_enabled_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FRONTIER_NO_COMPILE_CACHE", "0")
    monkeypatch.setenv("FRONTIER_CACHE_DIR", str(tmp_path / "c"))
    assert _cache.enable_compile_cache(disable=True) is None
    assert not (tmp_path / "c").exists()


def test_unwritable_cache_dir_turns_the_cache_off(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("FRONTIER_NO_COMPILE_CACHE", "0")
    monkeypatch.setenv("FRONTIER_CACHE_DIR", str(blocker / "jax"))
    before = jax.config.jax_compilation_cache_dir
    assert _cache.enable_compile_cache() is None
    assert jax.config.jax_compilation_cache_dir == before


def _run(tmp_path, *extra):
    env = {**os.environ, "MPLBACKEND": "Agg", "FRONTIER_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    env["FRONTIER_NO_COMPILE_CACHE"] = "0"
    proc = subprocess.run([sys.executable, "-m", "frontier.cli", "run", *TINY, "--no-write",
                           "--json", *extra], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _entries(tmp_path):
    d = tmp_path / "cache"
    return sorted(os.listdir(d)) if d.exists() else []


@pytest.mark.slow
def test_run_fills_the_cache_and_a_cached_run_answers_the_same(tmp_path):
    # the flag's wiring (the environment opt-out is checked in process above)
    assert _run(tmp_path, "--no-compile-cache") is not None
    assert _entries(tmp_path) == []
    first = _run(tmp_path)
    filled = _entries(tmp_path)
    assert len(filled) > 0
    second = _run(tmp_path)
    assert second == first
    assert _entries(tmp_path) == filled  # the second run compiled nothing new
