"""Every docstring example runs (doctest), in every module and sub-package."""

import doctest
import importlib
import pkgutil

import pytest

import frontier
import frontier.kernels


def _modules():
    names = [frontier.__name__]
    for pkg in (frontier, frontier.kernels):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if pkg is frontier and info.name.startswith("frontier.kernels"):
                continue  # walked as frontier.kernels
            names.append(info.name)
    return sorted(set(names))


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
