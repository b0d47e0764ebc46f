"""Cost of one full gradient (all 13 inputs) relative to one forward evaluation (target < 5x).

    pytest benchmarks/bench_sensitivity.py
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

import frontier
from frontier._sampling import _stack_params

M = frontier.catalog()["gpt5-mini"]
KS = tuple(range(4, 129, 4))
N = 16384
GROUP = f"soft knee, 1 model, k = 4..128 step 4, {N} trials"
PARAMS = jax.tree.map(lambda x: x[0], _stack_params([M], jnp.float32))
LIMITS = jnp.asarray([0.5, 60.0, 0.88], jnp.float32)
KEY = jax.random.key(0)
IDS = jnp.arange(N, dtype=jnp.uint32)


def _f(p, lim):
    return frontier.soft_select(p, jnp.int32(4), lim, KEY, IDS, ks=KS, rule="knee_chord",
                                temperature=0.01)


forward = jax.jit(_f)
grad_k = jax.jit(jax.grad(lambda p, lim: _f(p, lim)[0], argnums=(0, 1)))
jacobian = jax.jit(jax.jacrev(_f, argnums=(0, 1)))


def _run(benchmark, fn):
    jax.block_until_ready(fn(PARAMS, LIMITS))
    benchmark.pedantic(lambda: jax.block_until_ready(fn(PARAMS, LIMITS)), rounds=10,
                       warmup_rounds=1, iterations=1)


def test_forward(benchmark, recorder):
    _run(benchmark, forward)
    recorder(GROUP, "forward (expected k, cost, time, accuracy)", benchmark)


def test_gradient_of_k(benchmark, recorder):
    _run(benchmark, grad_k)
    recorder(GROUP, "jax.grad of expected k w.r.t. all 13 inputs", benchmark)


def test_full_jacobian(benchmark, recorder):
    _run(benchmark, jacobian)
    recorder(GROUP, "jax.jacrev: 4 outputs x 13 inputs", benchmark)
