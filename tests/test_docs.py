"""Every public docstring example runs (doctest)."""

import doctest
import importlib
import pkgutil

import pytest

import frontier
import frontier.kernels


def _modules():
    names = [frontier.__name__]
    for pkg in (frontier, frontier.kernels):
        for info in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
            names.append(info.name)
    return sorted(set(names))


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
