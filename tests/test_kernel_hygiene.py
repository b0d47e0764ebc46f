"""Structure checks on the source: kernels import only public names of each other and hold no
``assert``; public docstrings are fully filled from the one shared-parameter dict."""

from __future__ import annotations

import ast
import inspect
import pathlib
import re

import pytest

import frontier
from frontier import _docs

KERNELS = pathlib.Path(frontier.kernels.__file__).parent
MODULES = sorted(p.name for p in KERNELS.glob("*.py"))


def _tree(name: str) -> ast.Module:
    return ast.parse((KERNELS / name).read_text(), filename=name)


def _private_imports(tree: ast.Module) -> list[str]:
    """``from .module import _name`` and ``module._name`` uses of sibling kernel modules."""
    found = []
    siblings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            for alias in node.names:
                if node.module is None:  # from . import module [as alias]
                    siblings.add(alias.asname or alias.name)
                elif alias.name.startswith("_"):
                    found.append(f"from .{node.module} import {alias.name}")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in siblings
            and node.attr.startswith("_")
        ):
            found.append(f"{node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("name", MODULES)
def test_kernel_modules_import_only_public_names_of_each_other(name):
    assert _private_imports(_tree(name)) == []


def test_private_import_check_catches_both_forms():
    tree = ast.parse("from .sweep import _sum_order\nfrom . import dense\ny = dense._peel\n")
    assert _private_imports(tree) == ["from .sweep import _sum_order", "dense._peel"]


@pytest.mark.parametrize("name", MODULES)
def test_kernel_modules_contain_no_assert(name):
    asserts = [n.lineno for n in ast.walk(_tree(name)) if isinstance(n, ast.Assert)]
    assert asserts == [], f"assert statements in kernels/{name} at lines {asserts}"


def _parameter_block(doc: str, name: str) -> str:
    """The text of parameter ``name`` in a NumPy-style docstring (dedented)."""
    lines = inspect.cleandoc(doc).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{name} : "))
    end = start + 1
    while end < len(lines) and (lines[end].startswith(" ") or not lines[end]):
        end += 1
    return "\n".join(lines[start:end]).rstrip()


PUBLIC = [
    frontier.is_nondominated,
    frontier.filter_dominated,
    frontier.pareto_rank,
    frontier.crowding_distance,
    frontier.is_nondominated_batch,
    frontier.pareto_rank_batch,
    frontier.pareto_probability,
    frontier.hypervolume,
    frontier.hv_approx,
    frontier.hv_contributions,
    frontier.knee,
    frontier.soft_knee,
]


@pytest.mark.parametrize("fn", PUBLIC, ids=lambda f: f.__name__)
def test_public_docstrings_are_filled_and_word_shared_parameters_once(fn):
    doc = fn.__doc__
    assert re.findall(r"\{\{|\{[A-Za-z_]\w*\}", doc) == []  # no placeholder left
    assert _parameter_block(doc, "maximise") == _docs.DOCS["maximise"]
    points = _parameter_block(doc, "points")
    assert points.startswith((_docs.DOCS["points"], _docs.DOCS["points_batch"]))
    if "method" in inspect.signature(fn).parameters:
        knee = fn in (frontier.knee, frontier.soft_knee)
        want = _docs.DOCS["knee_method" if knee else "method"]
        assert _parameter_block(doc, "method") == want
