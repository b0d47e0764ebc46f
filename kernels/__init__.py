"""Jitted array-to-array kernels of :mod:`frontier`.

Kernels see arrays and static arguments only: no validation, no I/O, no maximise flags
(every objective is minimised). The public wrappers in :mod:`frontier` validate inputs
and call these.

Modules
-------
``_primitives``  sort keys, radix/lexicographic order, prefix counts, compaction, row helpers,
                 NaN-free guards and the shared sizes (imported by the others)
``dense``        all-pairs masks and ranks: ``*_dense``, ``*_blocked``
``sweep``        sort-based masks and ranks: ``*_sweep``, ``pareto_rank_sweep3``
``filter``       elimination rounds plus exact pivot sweep: ``*_filter``, ``FilterConfig``
``dedup``        grouping of identical rows, ``pareto_rank_dedup``
``zorder``       ranks as dominance depth over Z-order blocks, ``pareto_rank_zorder``;
                 ``pareto_rank_pruned`` picks it when a sample shows the boxes prune
``crowding``     NSGA-II crowding distance
``hypervolume``  exact hypervolume (``m <= 3``), contributions, Monte Carlo estimate
``knee``, ``soft``, ``select``, ``sampling``  knees, soft selection, operating points, the
                 paper model's Monte Carlo

Dominance kernels take a **minimised** ``(n, m)`` floating array, optionally ``keep_weakly``
(a bool, traced or not, so both values share one compilation) and static tuning arguments.
All of them run on every backend and give identical results; the ``method`` of the public
API picks between them:

=============  ==========================================  ====================================
kernel         algorithm                                   cost (time, memory)
=============  ==========================================  ====================================
``*_dense``    all pairs at once                           ``O(n^2 m)``, fused (ranks:
                                                           ``O(n^2)`` matrix)
``*_blocked``  all pairs in tiles, fixed trip counts (GPU)  ``O(n^2 m)``, ``O(n * block)``
``*_sweep``    one sort: lexicographic (``m <= 2``), or    ``O(n log n)``, ``O(n)`` (``m <= 2``)
               by sum then pivot sweep (``m >= 3``)
``*_filter``   elimination rounds + exact pivot sweep      ``~O(n)`` typical, ``O(n^2 m)`` worst
``*_sweep3``   ranks, ``m == 3``: lexicographic sort, one  ``O(n log n + n (log(fronts)
               pass in blocks over per-front staircases    log(bins) + n/bins + block))``
``*_dedup``    ranks of the distinct rows, broadcast       ``O(n)`` + two or three int sorts
``*_zorder``   ranks, Morton-ordered blocks, each against  ``O(n log n + pairs m)``, ``O(n)``
               the earlier blocks whose box can dominate   (``O(n^2 m)`` with no pruning)
=============  ==========================================  ====================================

Shared semantics (the wrappers document them to users):

* ``p`` *dominates* ``q`` when ``p <= q`` in every objective and ``p < q`` in at least one.
* Identical rows: with ``keep_weakly=False`` only the first occurrence (in input order) of a
  group of identical non-dominated rows is kept, as in moocore; with ``keep_weakly=True`` all
  copies are kept. Identical rows always share a Pareto rank.
* A row containing NaN is never non-dominated and dominates nothing. Its rank is one more than
  the largest rank of the NaN-free rows. ``+-inf`` are ordinary ordered values.
* Kernels assume ``n >= 1`` and ``m >= 1``; the wrappers handle ``n == 0``.
"""

from . import (
    crowding,
    dedup,
    dense,
    filter,
    hypervolume,
    knee,
    sampling,
    select,
    soft,
    sweep,
    zorder,
)

__all__ = [
    "crowding", "dedup", "dense", "filter", "hypervolume", "knee", "sampling", "select", "soft",
    "sweep", "zorder",
]
