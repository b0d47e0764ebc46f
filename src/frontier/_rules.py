"""The selection rules: names, labels, display order and markers, in one table.

The command line, the records (``study.json``, ``selections.csv``) and the figures all take
their rule names, labels, order and marker styles from :data:`RULES`, so that a rule reads the
same everywhere. The names are the fields of :class:`frontier.Points`, in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

__all__ = ["DEFAULT_RULES", "RULES", "RULE_NAMES", "SOFT_RULES", "RuleInfo", "check_rules",
           "rule_info"]


class RuleInfo(NamedTuple):
    """How one selection rule is named and drawn.

    Attributes
    ----------
    name
        The field of :class:`frontier.Points` (and the ``rule`` column of the records).
    label
        The human-readable label of tables, records and legends.
    marker, color, size
        The matplotlib marker, its edge colour and its scatter area (points^2). Markers are
        drawn hollow and in decreasing size, so that rules selecting the same point stay
        visible.
    description
        One sentence on what the rule selects.
    """

    name: str
    label: str
    marker: str
    color: str
    size: float
    description: str


#: Every rule, in display order (the field order of :class:`frontier.Points`).
RULES: tuple[RuleInfo, ...] = (
    RuleInfo("accuracy", "accuracy-optimal", "*", "#d62728", 330.0,
             "the feasible point of highest mean accuracy (smallest k on ties)"),
    RuleInfo("cube", "cube-optimal", "s", "#1f77b4", 190.0,
             "the feasible point maximising (1 - C/C_max)(1 - T/T_max) A"),
    RuleInfo("utopia", "utopia-closest", "D", "#2ca02c", 120.0,
             "the Pareto point closest to (0, 0, 1) in the budget-normalised space"),
    RuleInfo("cheapest", "cheapest feasible", "o", "#9467bd", 60.0,
             "the feasible point of lowest mean cost (smallest k on ties)"),
    RuleInfo("knee_chord", "knee (chord)", "^", "#ff7f0e", 240.0,
             "the Pareto point farthest from the chord between the first and last"),
    RuleInfo("knee_curvature", "knee (curvature)", "v", "#8c564b", 150.0,
             "the Pareto point of largest curvature of the 3-D front in k"),
    RuleInfo("knee_paper", "knee (paper, C-T)", "X", "#7f7f7f", 90.0,
             "the reference code's (cost, time)-only curvature rule, kept for comparison"),
)

#: The rule names in display order.
RULE_NAMES: tuple[str, ...] = tuple(r.name for r in RULES)

#: The rules shown by default: all but the reference code's ``knee_paper``, which selects
#: Monte Carlo noise (pass it explicitly to compare).
DEFAULT_RULES: tuple[str, ...] = tuple(n for n in RULE_NAMES if n != "knee_paper")

#: The rules :func:`frontier.sensitivity` has a soft version of.
SOFT_RULES: tuple[str, ...] = ("accuracy", "cube", "utopia", "knee_chord")

_BY_NAME = {r.name: r for r in RULES}


def rule_info(name: str) -> RuleInfo:
    """The :class:`RuleInfo` of a rule (one of :data:`RULE_NAMES`).

    Raises
    ------
    ValueError
        For an unknown name; the message lists the known ones.

    Examples
    --------
    >>> from frontier._rules import rule_info
    >>> rule_info("cheapest").label
    'cheapest feasible'
    >>> rule_info("knee_chord").marker
    '^'
    """
    info = _BY_NAME.get(name) if isinstance(name, str) else None
    if info is None:
        raise ValueError(f"unknown rule {name!r} (choose from {list(RULE_NAMES)})")
    return info


def check_rules(rules: str | Iterable[str], arg: str = "rules") -> tuple[str, ...]:
    """``rules`` as a tuple of known rule names (one name is a tuple of one).

    Raises
    ------
    ValueError
        Naming ``arg`` and listing the known rules, for an unknown name.

    Examples
    --------
    >>> from frontier._rules import check_rules
    >>> check_rules("cube")
    ('cube',)
    >>> check_rules(["accuracy", "best"])
    Traceback (most recent call last):
    ...
    ValueError: `rules`: unknown rule 'best' (choose from ['accuracy', 'cube', ...])
    """
    out = (rules,) if isinstance(rules, str) else tuple(rules)
    for r in out:
        if r not in _BY_NAME:
            raise ValueError(f"`{arg}`: unknown rule {r!r} (choose from {list(RULE_NAMES)})")
    return out
