import jax
import pytest

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
