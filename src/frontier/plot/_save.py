"""Writing the figures to files, each atomically through :func:`frontier._io.write_file`."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._io import write_file
from .._rules import DEFAULT_RULES, check_rules
from ._data import check_budget_index
from ._style import pyplot
from .curves import accuracy_vs_k, cost_vs_k
from .fronts import cross_model_front, front_projections
from .region import feasible_region_3d
from .replicates import front_probability
from .sensitivity import tornado
from .sweeps import compare_fronts, serving_frontier, throughput_latency

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .._compare import Comparison
    from .._study import Study
    from .._sweeps import Selection, Sweep

__all__ = ["save_all", "save_compare", "save_sweep", "save_tornado"]

_PER_MODEL = {
    "feasible_region_3d": feasible_region_3d,
    "accuracy_vs_k": accuracy_vs_k,
    "cost_vs_k": cost_vs_k,
    "front_projections": front_projections,
}


#: The figure sets of :func:`save_all` (``frontier run --figures``).
FIGURE_SETS = ("all", "summary")


def safe_keys(keys: Sequence[str]) -> list[str]:
    """File-system-safe stems for model keys, unique even on case-insensitive file systems."""
    out: list[str] = []
    seen: set[str] = set()
    for j, key in enumerate(keys):
        s = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(key)).strip("._-")[:80] or f"model{j}"
        base, n = s, 1
        while s.lower() in seen:  # case-insensitive file systems
            n += 1
            s = f"{base}_{n}"
        seen.add(s.lower())
        out.append(s)
    return out


def _check_formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    from matplotlib.backend_bases import FigureCanvasBase

    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    supported = FigureCanvasBase.get_supported_filetypes()
    for fmt in formats:
        if fmt not in supported:
            raise ValueError(f"`formats`: unknown format {fmt!r} (choose from "
                             f"{sorted(supported)})")
    return formats


def save_figure(fig: Figure, path: str, fmt: str, dpi: float) -> None:
    """``fig.savefig`` to ``path`` atomically (a reader never sees a partial file)."""
    write_file(path, lambda fh: fig.savefig(fh, format=fmt, dpi=dpi))


def _save(jobs: Sequence[tuple[str, Callable[[], Figure]]], outdir: str,
          formats: Sequence[str], dpi: float) -> list[str]:
    plt = pyplot()
    os.makedirs(outdir, exist_ok=True)
    paths = []
    for stem, make in jobs:
        fig = make()
        try:
            for fmt in formats:
                path = os.path.join(outdir, f"{stem}.{fmt}")
                save_figure(fig, path, fmt, dpi)
                paths.append(path)
        finally:
            plt.close(fig)
    return paths


def save_all(study: Study, outdir: str | os.PathLike, *,
             formats: Sequence[str] = ("png", "pdf"), budget_index: tuple = (),
             rules: Sequence[str] = DEFAULT_RULES, names: Mapping[str, str] | None = None,
             dpi: float = 150, figures: str = "all") -> list[str]:
    """Write the figures of one budget to ``outdir``, each file atomically.

    Parameters
    ----------
    study
        A :class:`frontier.Study`.
    outdir
        Directory, created if missing.
    formats
        File formats matplotlib can write (``"png"``, ``"pdf"``, ``"svg"``, ...).
    budget_index, rules, names
        See :mod:`frontier.plot`.
    dpi
        Resolution of raster formats.
    figures
        ``"all"`` (default): every figure below; ``"summary"``: ``front_projections`` of every
        model and ``cross_model_front`` only (the figures that show the fronts and the
        selected points; the default of ``frontier run``); both add ``front_probability``
        for a study with replicates.

    Returns
    -------
    list[str]
        The paths written: ``<figure>-<model key>.<fmt>`` for ``feasible_region_3d``,
        ``accuracy_vs_k``, ``cost_vs_k`` and ``front_projections`` of every model (keys made
        file-system safe: characters other than letters, digits, ``.``, ``_`` and ``-``
        become ``_``; clashes get a suffix), then ``cross_model_front.<fmt>`` and, for a
        study with replicates (in both sets), ``front_probability.<fmt>``.

    Raises
    ------
    ValueError
        For an unknown format or ``figures``, a bad ``budget_index`` or rule.

    Notes
    -----
    Each file is written to a temporary file in ``outdir`` and moved into place with
    :func:`os.replace`, so a reader never sees a partial file. Figures are closed after
    saving. The file names do not include the budget: use one directory per budget.

    Examples
    --------
    >>> paths = frontier.plot.save_all(study, "figures")  # doctest: +SKIP
    """
    formats = _check_formats(formats)
    if figures not in FIGURE_SETS:
        raise ValueError(f"`figures` must be one of {list(FIGURE_SETS)}, got {figures!r}")
    bi = check_budget_index(study, budget_index)
    rules = check_rules(rules)
    keys = safe_keys(study.models)
    jobs: list[tuple[str, Callable[[], Figure]]] = []
    per_model = _PER_MODEL if figures == "all" else {"front_projections": front_projections}
    for stem, fn in per_model.items():
        for j, key in enumerate(keys):
            jobs.append((f"{stem}-{key}",
                         lambda fn=fn, j=j: fn(study, j, budget_index=bi, rules=rules,
                                               names=names)))
    jobs.append(("cross_model_front",
                 lambda: cross_model_front(study, budget_index=bi, rules=rules, names=names)))
    if study.replicates is not None:
        jobs.append(("front_probability",
                     lambda: front_probability(study, budget_index=bi, names=names)))
    return _save(jobs, os.fspath(outdir), formats, dpi)


def save_tornado(sens: Any, outdir: str | os.PathLike, *, output: str = "k",
                 formats: Sequence[str] = ("png", "pdf"), model: int = 0,
                 dpi: float = 150) -> list[str]:
    """Write :func:`tornado` of ``output`` as ``tornado-<output>.<fmt>``, atomically.

    Examples
    --------
    >>> paths = frontier.plot.save_tornado(frontier.sensitivity(...), "figures")  # doctest: +SKIP
    """
    formats = _check_formats(formats)
    return _save([(f"tornado-{output}", lambda: tornado(sens, output, model=model))],
                 os.fspath(outdir), formats, dpi)


def save_sweep(sweep: Sweep, outdir: str | os.PathLike, selection: Selection | None = None, *,
               formats: Sequence[str] = ("png", "pdf"), dpi: float = 150) -> list[str]:
    """Write the figures of a sweep to ``outdir``, each atomically.

    ``throughput_latency.<fmt>`` always; ``serving_frontier.<fmt>`` when the sweep has
    ``tokens_per_user`` (a concurrency). ``selection`` (from :meth:`frontier.Sweep.select`)
    adds its SLO and choice to both.

    Examples
    --------
    >>> paths = frontier.plot.save_sweep(sweep, "figures", sweep.select())  # doctest: +SKIP
    """
    formats = _check_formats(formats)
    jobs: list[tuple[str, Callable[[], Figure]]] = [
        ("throughput_latency", lambda: throughput_latency(sweep, selection))]
    if "tokens_per_user" in sweep.metrics:
        jobs.append(("serving_frontier", lambda: serving_frontier(sweep, selection)))
    return _save(jobs, os.fspath(outdir), formats, dpi)


def save_compare(cmp: Comparison, outdir: str | os.PathLike, *,
                 formats: Sequence[str] = ("png", "pdf"), dpi: float = 150) -> list[str]:
    """Write :func:`compare_fronts` as ``compare_fronts.<fmt>``, atomically.

    Examples
    --------
    >>> paths = frontier.plot.save_compare(frontier.compare(a, b), "figures")  # doctest: +SKIP
    """
    formats = _check_formats(formats)
    return _save([("compare_fronts", lambda: compare_fronts(cmp))], os.fspath(outdir), formats,
                 dpi)
