"""The release layout: every package on disk ships, and kernels/ is frontier.kernels."""

import os
import tomllib

import frontier
import frontier.kernels

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_every_package_directory_is_listed_in_pyproject():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        cfg = tomllib.load(fh)["tool"]["setuptools"]
    listed = set(cfg["packages"])
    on_disk = {"frontier.kernels"}
    src = os.path.join(ROOT, "src")
    for dirpath, _, files in os.walk(os.path.join(src, "frontier")):
        if "__init__.py" in files:
            on_disk.add(os.path.relpath(dirpath, src).replace(os.sep, "."))
    assert on_disk == listed, f"pyproject packages {sorted(listed)} != on disk {sorted(on_disk)}"
    assert cfg["package-dir"] == {"frontier": "src/frontier", "frontier.kernels": "kernels"}


def test_kernels_import_from_the_checkout_in_an_editable_install():
    here = os.path.dirname(os.path.abspath(frontier.__file__))
    if os.path.samefile(here, os.path.join(ROOT, "src", "frontier")):  # editable / in-tree
        kdir = os.path.dirname(os.path.abspath(frontier.kernels.__file__))
        assert os.path.samefile(kdir, os.path.join(ROOT, "kernels"))
    assert not os.path.islink(os.path.join(ROOT, "src", "frontier", "kernels"))
