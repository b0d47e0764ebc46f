"""Shared parameter text of the public docstrings, written once, and the decorator that fills it.

A public function writes ``{name}`` on a line of its own where a parameter's description goes
(or inline, for a short value) and is decorated with :func:`docstring`. Each entry of
:data:`DOCS` is a NumPy-style parameter block: the first line ``name : type``, the description
indented by four spaces. A placeholder without an entry raises at import time.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["DOCS", "docstring"]

F = TypeVar("F", bound=Callable[..., Any])

_DOMINANCE_METHOD = """\
method : {"auto", "dense", "blocked", "sweep", "filter"}, default "auto"
    Algorithm; all give identical results. ``"dense"``: all pairs at once, ``O(n^2)``
    memory, best for small ``n``. ``"blocked"``: all pairs in tiles, ``O(n^2 m)`` time,
    ``O(n)`` memory, no data-dependent control flow (GPU). ``"sweep"``: lexicographic sort
    and running minimum, ``O(n log n)``, ``m <= 2`` only (:func:`frontier.pareto_rank`: also
    ``m == 3``, one sweep over per-front staircases). ``"filter"``: cheap ``O(n)``
    elimination rounds (pivot points and a grid of prefix minima), then an exact blocked
    pivot sweep over the survivors; the fastest on CPU for large ``n``. ``"auto"`` picks from
    the backend, ``n`` and ``m`` (outside ``jit``)."""

_KNEE_METHOD = """\
method : {"chord", "utopia", "curvature", "paper"}, default "chord"
    The knee rule.

    - ``"chord"``: the interior point farthest (Euclidean, all ``m`` objectives) from the
      line through the first and last points.
    - ``"utopia"``: the point closest to ``utopia``; ``score`` is minus the distance.
    - ``"curvature"``: the interior point of maximum curvature of the curve ``p(t)`` in
      ``R^m``, ``sqrt(|p'|^2 |p''|^2 - (p'.p'')^2) / |p'|^3``, with second-order
      differences on the actual parameter values ``t``.
    - ``"paper"``: the reference code's rule, kept for compatibility only: unit-spaced
      central differences, the cross product of the first two objectives over the cube of
      the full norm of ``p'`` (see :func:`frontier.kernels.knee.paper_score`). For the
      paper's model both cost and time are linear in ``k``, so this score is noise."""

#: Parameter blocks by placeholder name. One wording per parameter for every public function.
DOCS: dict[str, str] = {
    "points": """\
points : array_like, shape (n, m)
    One row per point, one column per objective, floating dtype (integer input raises
    ``TypeError``: convert explicitly). Minimised unless ``maximise`` says otherwise.""",
    "points_batch": """\
points : array_like, shape (..., n, m)
    Any number of leading batch axes (e.g. one set per Monte Carlo replicate), each holding
    ``n`` points with ``m`` objectives, floating dtype. Minimised unless ``maximise`` says
    otherwise.""",
    "devices_batch": """\
devices : None, int or sequence of jax.Device, default None
    Where the sets are computed: ``None`` for every local device (after
    ``jax.distributed.initialize``, every device of every process), an int ``n`` for the
    first ``n`` of ``jax.local_devices()``, or a sequence of :class:`jax.Device`. The sets
    (all leading axes flattened) are split over the devices in contiguous shares
    (``NamedSharding`` over the batch axis); every set is computed whole on one device, so
    the results equal those of one device exactly. In one process the result stays
    sharded over the devices; after ``jax.distributed.initialize`` every process gets all
    of it. Under ``jit`` or ``vmap`` it is not used.""",
    "maximise": """\
maximise : bool or sequence of bool, default False
    Objectives to maximise: one bool for all, or one per objective. Maximised objectives are
    negated before the computation.""",
    "keep_weakly": """\
keep_weakly : bool, default False
    Keep every copy of identical non-dominated points. By default only the first copy in
    input order is kept, as in ``moocore.is_nondominated``.""",
    "method": _DOMINANCE_METHOD,
    "ref": """\
ref : array_like, shape (m,)
    Reference point, in the same sense as ``points``: worse than the points on every
    objective (larger when minimised, smaller when maximised). Cast to the dtype of
    ``points``; it must not contain NaN. Rows of ``points`` that do not strictly dominate
    ``ref`` (including rows with a NaN) add nothing, as in moocore.""",
    "key": """\
key : jax.Array or int
    A typed PRNG key (``jax.random.key``) or an int seed, converted once at the boundary.
    Required: there is no default key.""",
    "knee_method": _KNEE_METHOD,
    "t": """\
t : array_like, shape (n,), optional
    Strictly increasing, finite curve parameter of the rows (e.g. ``k``), used by
    ``"curvature"`` only (default ``0, 1, ..., n - 1``). Passing it with another method
    raises.""",
    "normalise": """\
normalise : "minmax", None or array_like of shape (m,), default "minmax"
    The space the scores are computed in. ``"minmax"``: each objective mapped to ``[0, 1]``
    by its min and max over the given points (a constant objective maps to 0). An array of
    positive scales divides each objective, e.g. ``(C_max, T_max, 1)`` for the paper's
    ``(C/C_max, T/T_max, A)``. ``None``: raw values. The knee depends on this choice.""",
    "utopia": """\
utopia : array_like, shape (m,), optional
    Ideal point for ``"utopia"``, in the original units and sense (normalised like the
    points). Default: the per-objective best of the given points. The paper's
    utopia-closest rule is ``normalise=(C_max, T_max, 1), utopia=(0, 0, 1),
    maximise=(False, False, True)``.""",
}

_FIELD = re.compile(r"\{\{([A-Za-z_]\w*)\}\}|\{([A-Za-z_]\w*)\}")
_LINE = re.compile(r"^([ \t]*)\{([A-Za-z_]\w*)\}[ \t]*$")


def _fill(doc: str, table: dict[str, Any], owner: str) -> str:
    def lookup(name: str) -> str:
        if name not in table:
            raise KeyError(
                f"{owner}: docstring placeholder {{{name}}} has no entry in frontier._docs.DOCS"
            )
        return str(table[name])

    def inline(match: re.Match) -> str:
        if match.group(1) is not None:  # {{name}}: a literal {name}
            return "{" + match.group(1) + "}"
        return lookup(match.group(2))

    lines = []
    for line in doc.split("\n"):
        block = _LINE.match(line)
        if block:
            indent, name = block.groups()
            lines.append(textwrap.indent(lookup(name), indent))
        else:
            lines.append(_FIELD.sub(inline, line))
    return "\n".join(lines)


def docstring(fn: F | None = None, /, **values: Any) -> F | Callable[[F], F]:
    """Fill the ``{name}`` placeholders of a function's docstring from :data:`DOCS`.

    A placeholder alone on a line becomes the whole parameter block, indented like the
    placeholder; one inside a line becomes the text of the entry. Keyword arguments add
    values for this function only (e.g. a threshold quoted in the Notes). ``{{name}}`` stands
    for a literal ``{name}``. A placeholder without an entry raises ``KeyError`` when the
    decorator runs, i.e. at import time.

    Examples
    --------
    >>> @docstring(limit=256)
    ... def f(points):
    ...     '''Sum.
    ...
    ...     Parameters
    ...     ----------
    ...     {maximise}
    ...
    ...     Up to {limit} rows.
    ...     '''
    >>> print(f.__doc__.splitlines()[4])
        maximise : bool or sequence of bool, default False
    >>> f.__doc__.splitlines()[-2].strip()
    'Up to 256 rows.'
    >>> docstring(lambda: None) is not None  # no docstring: nothing to fill
    True
    >>> def g():
    ...     '''{nonexistent}'''
    >>> docstring(g)
    Traceback (most recent call last):
    ...
    KeyError: 'g: docstring placeholder {nonexistent} has no entry in frontier._docs.DOCS'
    """
    if fn is None:
        return lambda f: docstring(f, **values)
    if fn.__doc__:
        fn.__doc__ = _fill(fn.__doc__, {**DOCS, **values}, fn.__qualname__)
    return fn
