"""CONTRIBUTING.md's module map agrees with the tree: one line per module, none missing or stale."""

import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAPPED = ("src/frontier/", "kernels/", "benchmarks/", "tests/")


def _map_entries() -> list[str]:
    with open(os.path.join(ROOT, "CONTRIBUTING.md"), encoding="utf-8") as fh:
        text = fh.read()
    section = text.split("## Module map", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^- `([^`]+)` — \S", section, flags=re.M)


def _modules() -> set[str]:
    try:
        out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
        files = out.split()
    except (OSError, subprocess.CalledProcessError):  # not a checkout (e.g. an unpacked sdist)
        files = [os.path.relpath(os.path.join(d, f), ROOT).replace(os.sep, "/")
                 for top in MAPPED for d, _, fs in os.walk(os.path.join(ROOT, top)) for f in fs]
    return {f for f in files
            if f.startswith(MAPPED) and f.endswith((".py", ".sh")) and os.path.exists(
                os.path.join(ROOT, f))}


def test_every_module_has_one_line_in_the_map():
    entries = _map_entries()
    assert len(entries) == len(set(entries)), "a module is listed twice"
    listed, on_disk = set(entries), _modules()
    assert not on_disk - listed, f"add to CONTRIBUTING.md's module map: {sorted(on_disk - listed)}"
    stale = sorted(listed - on_disk)
    assert not stale, f"stale in CONTRIBUTING.md's module map: {stale}"
