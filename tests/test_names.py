"""Public names: every module says what it exports, and every exported name is documented.

``frontier.__all__`` and ``frontier.kernels.__all__`` are the public API. Each public callable
has a NumPy-style docstring with a runnable example (tests/test_docs.py runs them); result
containers and constants are documented where they are defined.
"""

import importlib
import inspect
import os
import pkgutil

import pytest

import frontier
import frontier.kernels

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _modules(pkg):
    yield pkg.__name__
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        if info.name.startswith("frontier.kernels") and pkg is frontier:
            continue
        yield info.name


MODULES = sorted(set(_modules(frontier)) | set(_modules(frontier.kernels)))


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_all_and_its_names_exist(name):
    mod = importlib.import_module(name)
    assert hasattr(mod, "__all__"), f"{name} has no __all__"
    names = list(mod.__all__)
    assert len(names) == len(set(names)), f"{name}.__all__ lists a name twice"
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"


@pytest.mark.parametrize("pkg", [frontier, frontier.kernels], ids=lambda p: p.__name__)
def test_exported_callables_have_an_example(pkg):
    lacking = []
    for n in pkg.__all__:
        obj = getattr(pkg, n)
        if inspect.isfunction(obj) or (inspect.isclass(obj) and not issubclass(obj, tuple)
                                       and not issubclass(obj, Exception)):
            if ">>>" not in (inspect.getdoc(obj) or ""):
                lacking.append(n)
        elif inspect.isclass(obj) and not (inspect.getdoc(obj) or "").strip():
            lacking.append(n)
    assert not lacking, f"{pkg.__name__}: give these a docstring with an example: {lacking}"


def test_package_exports_every_public_function_and_class_it_defines():
    for pkg in (frontier, frontier.kernels):
        public = {n for n, o in vars(pkg).items()
                  if not n.startswith("_") and (inspect.isfunction(o) or inspect.isclass(o))
                  and getattr(o, "__module__", "").startswith(pkg.__name__)}
        assert public <= set(pkg.__all__), (
            f"{pkg.__name__}: public but not in __all__: {sorted(public - set(pkg.__all__))}")
