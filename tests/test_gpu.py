"""The GPU gives what the CPU gives: every method of every dominance and hypervolume kernel,
and sample / summarize for a fixed key.

Every test here carries the ``gpu`` marker (skipped without a CUDA GPU, see conftest) and
runs the same function twice in one process, once with its inputs and default device on the
host CPU and once on the first GPU. Masks and ranks are compared exactly; floats with the
tolerances stated at each test (a few units in the last place of float32: the GPU's
transcendental functions and reduction orders differ from the CPU's, nothing else does).

On a device machine: ``pytest -m gpu tests/test_gpu.py`` (``benchmarks/gpu_check.sh`` runs it).
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import frontier
from frontier.kernels import _primitives as kp
from frontier.kernels import dedup as kdd
from frontier.kernels import dense as kde
from frontier.kernels import filter as kfi
from frontier.kernels import hypervolume as kh
from frontier.kernels import sweep as ksw

pytestmark = pytest.mark.gpu

# float32 results that go through sums, products and transcendental functions
RTOL = 1e-5
ATOL = 1e-6


def _pair():
    return jax.devices("cpu")[0], jax.devices("gpu")[0]


def _on_both(fn, *arrays):
    """``fn(*arrays)`` with inputs and default device on the CPU, then on the GPU."""
    outs = []
    for dev in _pair():
        with jax.default_device(dev):
            args = [jax.device_put(a, dev) for a in arrays]
            out = jax.block_until_ready(fn(*args))
            outs.append(jax.tree.map(np.asarray, out))
    return outs


def _assert_same(cpu, gpu, *, exact: bool) -> None:
    for c, g in zip(jax.tree.leaves(cpu), jax.tree.leaves(gpu), strict=True):
        if exact or not np.issubdtype(c.dtype, np.floating):
            np.testing.assert_array_equal(g, c)
        else:
            np.testing.assert_allclose(g, c, rtol=RTOL, atol=ATOL)


def _points(n: int, m: int, seed: int = 0, *, ties: bool = True) -> np.ndarray:
    """Random points with ties, exact duplicates and one NaN row."""
    rng = np.random.default_rng(seed + 31 * n + m)
    x = rng.random((n, m), dtype=np.float32)
    if ties:
        x = np.round(x * 8).astype(np.float32) / np.float32(8)
        x[n // 2] = x[0]
    x[n // 3] = np.nan
    return x


SHAPES = [(1, 2), (64, 2), (256, 3), (300, 5)]
ND_METHODS = ["auto", "dense", "blocked", "sweep", "filter"]


def _nd_ok(method: str, m: int) -> bool:
    return method != "sweep" or m <= 2


def _rank_ok(method: str, m: int) -> bool:
    return method != "sweep" or m <= 3


# ------------------------------------------------------------------- public dominance
@pytest.mark.parametrize("method", ND_METHODS)
@pytest.mark.parametrize(("n", "m"), SHAPES)
def test_is_nondominated_gpu_equals_cpu(n, m, method):
    """``keep_weakly`` both ways is covered by the kernel tests below."""
    if not _nd_ok(method, m):
        pytest.skip("sweep: m <= 2")
    x = _points(n, m)
    cpu, gpu = _on_both(lambda a: frontier.is_nondominated(a, method=method), x)
    _assert_same(cpu, gpu, exact=True)


@pytest.mark.parametrize("method", ND_METHODS)
@pytest.mark.parametrize(("n", "m"), SHAPES)
def test_filter_dominated_gpu_equals_cpu(n, m, method):
    if not _nd_ok(method, m):
        pytest.skip("sweep: m <= 2")
    x = _points(n, m)
    cpu, gpu = _on_both(lambda a: frontier.filter_dominated(a, method=method), x)
    _assert_same(cpu, gpu, exact=True)


@pytest.mark.parametrize("method", ND_METHODS)
@pytest.mark.parametrize(("n", "m"), SHAPES)
def test_pareto_rank_gpu_equals_cpu(n, m, method):
    if not _rank_ok(method, m):
        pytest.skip("sweep: m <= 3")
    x = _points(n, m)
    cpu, gpu = _on_both(lambda a: frontier.pareto_rank(a, method=method), x)
    _assert_same(cpu, gpu, exact=True)


@pytest.mark.parametrize("method", ND_METHODS)
@pytest.mark.parametrize("m", [2, 3])
def test_batched_dominance_gpu_equals_cpu(m, method):
    x = np.stack([_points(48, m, seed=s) for s in range(5)])  # (5, 48, m)
    if _nd_ok(method, m):
        cpu, gpu = _on_both(lambda a: frontier.is_nondominated_batch(a, method=method), x)
        _assert_same(cpu, gpu, exact=True)
        cpu, gpu = _on_both(lambda a: frontier.pareto_probability(a, method=method), x)
        _assert_same(cpu, gpu, exact=False)
    if _rank_ok(method, m):
        cpu, gpu = _on_both(lambda a: frontier.pareto_rank_batch(a, method=method), x)
        _assert_same(cpu, gpu, exact=True)


@pytest.mark.parametrize("per_front", [False, True])
@pytest.mark.parametrize(("n", "m"), SHAPES)
def test_crowding_distance_gpu_equals_cpu(n, m, per_front):
    x = _points(n, m, ties=False)
    cpu, gpu = _on_both(lambda a: frontier.crowding_distance(a, per_front=per_front), x)
    _assert_same(cpu, gpu, exact=False)


# ------------------------------------------------------------------ dominance kernels
ND_KERNELS = {
    "nondominated_dense": kde.nondominated_dense,
    "nondominated_blocked": kde.nondominated_blocked,
    "nondominated_sweep": ksw.nondominated_sweep,
    "nondominated_filter": kfi.nondominated_filter,
}
RANK_KERNELS = {
    "pareto_rank_dense": kde.pareto_rank_dense,
    "pareto_rank_blocked": kde.pareto_rank_blocked,
    "pareto_rank_sweep": ksw.pareto_rank_sweep,
    "pareto_rank_sweep3": ksw.pareto_rank_sweep3,
    "pareto_rank_filter": kfi.pareto_rank_filter,
    "pareto_rank_dedup": lambda x: kdd.pareto_rank_dedup(x, inner=kfi.pareto_rank_filter),
}


@pytest.mark.parametrize("keep_weakly", [False, True])
@pytest.mark.parametrize("name", sorted(ND_KERNELS))
@pytest.mark.parametrize("m", [2, 3, 4])
def test_nondominated_kernel_gpu_equals_cpu(name, m, keep_weakly):
    x = _points(512, m)
    kern = ND_KERNELS[name]
    cpu, gpu = _on_both(jax.jit(lambda a: kern(a, keep_weakly)), x)
    _assert_same(cpu, gpu, exact=True)


@pytest.mark.parametrize("name", sorted(RANK_KERNELS))
@pytest.mark.parametrize("m", [2, 3, 4])
def test_rank_kernel_gpu_equals_cpu(name, m):
    if name == "pareto_rank_sweep3" and m != 3:
        pytest.skip("pareto_rank_sweep3: m == 3")
    x = _points(512, m)
    x[x.shape[0] // 3] = x[1]  # no NaN row: the kernels see minimised, finite input here
    cpu, gpu = _on_both(jax.jit(RANK_KERNELS[name]), x)
    _assert_same(cpu, gpu, exact=True)


def test_dedup_and_sort_key_kernels_gpu_equal_cpu():
    x = _points(512, 3)
    x[np.isnan(x)] = 0.5
    cpu, gpu = _on_both(jax.jit(kp.sort_key), x)
    _assert_same(cpu, gpu, exact=True)
    cpu, gpu = _on_both(jax.jit(kdd.dedup_rows), x)
    _assert_same(cpu, gpu, exact=True)


# --------------------------------------------------------------------------- hypervolume
@pytest.mark.parametrize("m", [1, 2, 3])
def test_hypervolume_and_contributions_gpu_equal_cpu(m):
    x = _points(200, m, ties=False)
    ref = np.full(m, 1.1, np.float32)
    cpu, gpu = _on_both(lambda a, r: frontier.hypervolume(a, r), x, ref)
    _assert_same(cpu, gpu, exact=False)
    cpu, gpu = _on_both(lambda a, r: frontier.hv_contributions(a, r), x, ref)
    _assert_same(cpu, gpu, exact=False)


@pytest.mark.parametrize("m", [1, 2, 3])
def test_hypervolume_kernels_gpu_equal_cpu(m):
    x = _points(256, m, ties=False)
    x[np.isnan(x)] = 0.9
    ref = np.full(m, 1.1, np.float32)
    for kern in ({1: kh.hv1, 2: kh.hv2, 3: kh.hv3}[m], {1: kh.hvc1, 2: kh.hvc2, 3: kh.hvc3}[m]):
        cpu, gpu = _on_both(jax.jit(kern), x, ref)
        _assert_same(cpu, gpu, exact=False)


@pytest.mark.parametrize("m", [2, 4])
def test_hv_approx_gpu_equals_cpu_for_a_fixed_key(m):
    """The same key draws the same samples on both devices (threefry is backend-independent),
    so the Monte Carlo estimate agrees to float rounding, not just statistically."""
    x = _points(100, m, ties=False)
    ref = np.full(m, 1.1, np.float32)
    cpu, gpu = _on_both(lambda a, r: frontier.hv_approx(a, r, key=3, num_samples=1 << 14), x,
                        ref)
    _assert_same(cpu, gpu, exact=False)
    key = jax.random.key(5)
    cpu, gpu = _on_both(lambda a, r: kh.hv_mc(a, r, key, num_samples=1 << 14), x, ref)
    _assert_same(cpu, gpu, exact=False)


def test_knee_gpu_equals_cpu():
    t = np.linspace(0.0, 1.0, 50, dtype=np.float32)
    front = np.stack([t, (1 - t) ** 2], axis=1)
    for method in ("utopia", "chord", "curvature", "paper"):
        cpu, gpu = _on_both(lambda a, method=method: frontier.knee(a, method=method).index,
                            front)
        _assert_same(cpu, gpu, exact=True)


# ------------------------------------------------------------------- sample / summarize
MODEL = "gpt5-mini"


def test_sample_gpu_equals_cpu_for_a_fixed_key():
    """Per-trial outcomes: rtol 1e-5 (float32; the GPU's log/exp differ by a few ulp)."""
    m = frontier.catalog()[MODEL]

    def run():
        return tuple(frontier.sample(m, [1, 4, 16], key=7, num_trials=4000))

    cpu, gpu = _on_both(run)
    _assert_same(cpu, gpu, exact=False)


@pytest.mark.parametrize("quantile_method", ["exact", "sketch"])
def test_summarize_gpu_equals_cpu_for_a_fixed_key(quantile_method):
    """Means, standard deviations and quantiles: rtol 1e-5, atol 1e-6."""
    m = frontier.catalog()[MODEL]

    def run():
        s = frontier.summarize(m, [1, 4, 16], key=7, num_trials=20_000,
                               quantile_method=quantile_method)
        return [(st.mean, st.std, st.min, st.max, st.quantiles)
                for st in (s.cost, s.time, s.accuracy)]

    cpu, gpu = _on_both(run)
    _assert_same(cpu, gpu, exact=False)


def test_summarize_on_the_gpu_runs_on_the_gpu():
    m = frontier.catalog()[MODEL]
    gpu = _pair()[1]
    with jax.default_device(gpu):
        s = frontier.summarize(m, [4], key=0, num_trials=1000, devices=[gpu])
    assert s.cost.mean.devices() == {gpu}
