import os
import shutil
import tempfile

import jax
import pytest

from frontier._cache import _OFF

# the command line's persistent compilation cache stays off in tests (cli.main runs in this
# process, and its subprocesses inherit this); tests/test_compile_cache.py turns it on
os.environ.setdefault("FRONTIER_NO_COMPILE_CACHE", "1")

# One persistent compilation cache for the whole run (JAX's, in a temporary directory): the
# xdist workers, the subprocesses the tests start (which inherit the variable) and every test
# module after the per-module ``jax.clear_caches()`` below load a program another one already
# compiled instead of compiling it again. The cache is keyed by the program, the XLA flags
# and the devices, so it never changes a result. FRONTIER_TEST_NO_JAX_CACHE=1 turns it off.
_CACHE_VAR = "JAX_COMPILATION_CACHE_DIR"
_OWN_CACHE = None
if os.environ.get("FRONTIER_TEST_NO_JAX_CACHE", "").strip().lower() not in _OFF:
    if not os.environ.get(_CACHE_VAR):  # the first process of the run (xdist's controller)
        _OWN_CACHE = tempfile.mkdtemp(prefix="frontier-tests-jax-cache-")
        os.environ[_CACHE_VAR] = _OWN_CACHE
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
    jax.config.update("jax_compilation_cache_dir", os.environ[_CACHE_VAR])
    jax.config.update("jax_persistent_cache_min_compile_time_secs",
                      float(os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"]))
    jax.config.update("jax_persistent_cache_min_entry_size_bytes",
                      int(os.environ["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"]))


def pytest_unconfigure(config):
    if _OWN_CACHE is not None:
        shutil.rmtree(_OWN_CACHE, ignore_errors=True)


jax.config.update("jax_numpy_dtype_promotion", "strict")
jax.config.update("jax_numpy_rank_promotion", "raise")


def _has_gpu() -> bool:
    try:
        return any(d.platform == "gpu" for d in jax.devices())
    except RuntimeError:
        return False


def pytest_collection_modifyitems(config, items):
    if _has_gpu():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


# Every compiled XLA executable keeps a few memory mappings of its JIT code alive; the suite
# compiles thousands of programs, and a process that reaches the kernel's map limit
# (vm.max_map_count, 65530 by default) crashes inside the next compilation. Dropping JAX's
# caches after each test module (and whenever a test leaves many mappings) releases them.
_MAPS_LIMIT = 20_000


def _mappings() -> int:
    try:
        with open("/proc/self/maps", "rb") as fh:
            return sum(1 for _ in fh)
    except OSError:  # not Linux
        return 0


@pytest.fixture(autouse=True, scope="module")
def _release_compiled_programs_per_module():
    yield
    jax.clear_caches()


@pytest.fixture(autouse=True)
def _release_compiled_programs_when_many():
    yield
    if _mappings() > _MAPS_LIMIT:
        jax.clear_caches()
