"""``method="auto"`` resolution and the size thresholds of the public wrappers, written once.

Everything here is plain Python on static values (backend, ``n``, ``m``), evaluated outside
``jit``. The numbers are crossovers measured with ``benchmarks/bench_dominance.py``.
"""

from __future__ import annotations

import math
from typing import Any, Literal, get_args

import jax

from ._validation import one_of

__all__ = [
    "BATCH_DENSE_MAX",
    "DEDUP_MIN",
    "DENSE_MAX_ACCEL",
    "DENSE_MAX_CPU",
    "DOMINANCE_METHODS",
    "RANK_DENSE_MAX_2D",
    "RANK_SORTED_MAX",
    "RANK_SORTED_MAX_5D",
    "ZORDER_MIN",
    "DominanceMethod",
    "batch_method",
    "check_dominance_method",
    "nondominated_method",
    "padded_size",
    "rank_method",
]

DominanceMethod = Literal["auto", "dense", "blocked", "sweep", "filter"]
DOMINANCE_METHODS: tuple[str, ...] = get_args(DominanceMethod)

#: Sizes up to which the ``O(n^2)`` dense kernel beats the others, on CPU and on accelerators.
DENSE_MAX_CPU = 256
DENSE_MAX_ACCEL = 4096
#: Ranks with ``m <= 2``: the dense kernel up to this size, then the sweep.
RANK_DENSE_MAX_2D = 128
#: CPU ranks with ``m == 4``: the sum-sorted peel (``"sorted"``) up to this size, then the
#: filter (at 10^5 uniform points the filter took 0.95 s, the peel 1.13 s).
RANK_SORTED_MAX = 32768
#: The same for ``m >= 5``, where the peel stays ahead longer (uniform 5-D: 1.46 s vs 1.85 s
#: at 10^5 points, 6.8 s vs 10.5 s at 2.5 * 10^5; 8-D at 10^5: 3.5 s vs 5.9 s).
RANK_SORTED_MAX_5D = 262144
#: CPU ranks with ``m >= 4`` from this size on first test whether Z-order blocks prune the
#: pairs (:func:`frontier.kernels.zorder.pareto_rank_pruned`).
ZORDER_MIN = 2048
#: CPU ranks from this size on go through the duplicate test of ``pareto_rank_dedup``.
DEDUP_MIN = 4096
#: Batched calls: per-set size up to which ``"auto"`` vmaps the dense kernel.
BATCH_DENSE_MAX = 1024


def padded_size(n: int) -> int:
    """Row count the kernels are compiled for: the smallest size ``>= n`` on a grid of eight
    sizes per octave (multiples of 16, at least 16).

    The wrappers pad ``n`` with rows that change no result (NaN rows for dominance, copies of
    ``ref`` for hypervolume), so calls with nearby sizes share one compiled kernel, for at
    most about 9% extra rows.

    Examples
    --------
    >>> [padded_size(n) for n in (1, 16, 17, 200, 10_000)]
    [16, 16, 32, 224, 10624]
    """
    if n <= 16:
        return 16
    k = math.ceil(8 * math.log2(n))
    size = 16 * math.ceil(2.0 ** (k / 8) / 16)
    while size < n:  # guard float rounding
        k += 1
        size = 16 * math.ceil(2.0 ** (k / 8) / 16)
    return size


def _accelerator() -> bool:
    return jax.default_backend() != "cpu"


def check_dominance_method(method: Any, m: int, *, sweep_max_m: int = 2) -> str:
    """Validate a dominance ``method`` for ``m`` objectives (``"sweep"`` needs ``m <=
    sweep_max_m``: 2 for masks, 3 for ranks)."""
    one_of(method, "method", DOMINANCE_METHODS)
    if method == "sweep" and m > sweep_max_m:
        raise ValueError(
            f"method='sweep' needs m <= {sweep_max_m} objectives, got points with m={m}"
        )
    return method


def nondominated_method(method: str, n: int, m: int) -> str:
    """Kernel name for a non-dominated mask of ``n`` points with ``m`` objectives: a method
    of the public API, or ``"pivot"`` (CPU, ``m <= 3``: one pivot drops most rows, the
    survivors go to ``"sweep"`` or ``"filter"``, and everything to ``"filter"`` when the
    pivot drops too few)."""
    if method != "auto":
        return method
    if _accelerator():
        if n <= DENSE_MAX_ACCEL:
            return "dense"
        return "sweep" if m <= 2 else "blocked"
    if n <= DENSE_MAX_CPU:
        return "dense"
    return "pivot" if m <= 3 else "filter"


def rank_method(method: str, n: int, m: int) -> str:
    """Kernel name for Pareto ranks: a method of the public API, ``"sweep3"`` (the ``m == 3``
    sweep), ``"sorted"`` (the ``m >= 4`` path of the sweep kernel), ``"zorder:<name>"``
    (CPU, ``m >= 4``: Z-order blocks when their bounding boxes prune most pairs, else
    ``<name>``), each optionally prefixed with ``"dedup:"`` (CPU: rank the distinct rows
    when a sample shows many repeats; inside ``"zorder:"``)."""
    if method == "sweep" and m == 3:
        return "sweep3"
    if method != "auto":
        return method
    if m <= 2:
        name = "dense" if n <= RANK_DENSE_MAX_2D else "sweep"
    elif _accelerator():
        return "dense" if n <= DENSE_MAX_ACCEL else "blocked"
    elif n <= DENSE_MAX_CPU:
        return "dense"
    elif m == 3:
        name = "sweep3"
    else:
        name = "sorted" if n <= (RANK_SORTED_MAX if m == 4 else RANK_SORTED_MAX_5D) else "filter"
        if n >= DEDUP_MIN:
            name = f"dedup:{name}"
        # the Z-order test outside the duplicate test: one Z-order kernel to compile, not
        # one per prefix size of the grouped rows (13.0 s -> about 8 s on a first call at
        # 5000 x 5; the ranking time was 0.95-1.02x)
        return f"zorder:{name}" if n >= ZORDER_MIN else name
    return f"dedup:{name}" if n >= DEDUP_MIN and not _accelerator() else name


def batch_method(method: str, n: int, m: int, *, rank: bool) -> str:
    """Kernel name for a batch of sets of ``n`` points each (no deduplication: ``lax.cond``
    under ``vmap`` runs both branches)."""
    if method != "auto":
        return "sweep3" if rank and method == "sweep" and m == 3 else method
    if n <= BATCH_DENSE_MAX:
        return "dense"
    if rank:
        return rank_method(method, n, m).removeprefix("zorder:").removeprefix("dedup:")
    return nondominated_method(method, n, m)
