"""The README's screenshots: the report of the default study and the explorer's state.

Renders both pages in the OS's headless Chromium (Debian's package, driven by Playwright; no
browser download) and writes ``benchmarks/results/figures/report.png`` (the top of the
report) and ``explorer.png`` (:meth:`frontier.Explorer.to_html`: a static page of the
explorer's controls, figure and table)::

    python benchmarks/screenshots.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

import matplotlib

import frontier
from frontier._records import dumps, study_records
from frontier._report import report_html
from frontier._scenario import load_scenario

matplotlib.use("Agg")

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "figures")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def shoot(page_html: str, out: str, *, width: int, height: int) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "page.html")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(page_html)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=os.environ.get("FRONTIER_CHROMIUM", "/usr/bin/chromium"),
                args=ARGS)
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto("file://" + path, wait_until="load")
            page.screenshot(path=out)
            browser.close()
    print("wrote", out)


def main() -> int:
    sc = load_scenario("reference")
    study = frontier.optimize(sc.models, budget=(sc.C_max, sc.T_max, sc.acc_min),
                              key=sc.seed, num_trials=sc.trials, k_max=sc.k_max)
    rec = json.loads(dumps(study_records(study, sc)))
    shoot(report_html(rec), os.path.join(HERE, "report.png"), width=1280, height=1320)
    ex = frontier.Explorer(sc.models, model="gpt5-mini", rule="knee_chord", k_max=sc.k_max,
                           trials=sc.trials, seed=sc.seed)
    ex.update(C_max=0.25, T_max=40.0)  # a budget move: the selection only
    shoot(ex.to_html(), os.path.join(HERE, "explorer.png"), width=1640, height=860)
    return 0


if __name__ == "__main__":
    sys.exit(main())
