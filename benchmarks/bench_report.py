"""The report of the default study (nine models, k = 4..128 step 4, 300 trials), from its
records: what ``frontier run --html`` adds after the study (and ``frontier report study.json``
does alone). Target: within 5 s on the 2-core CPU. The figures dominate; the tables and the
plain-language lines alone are timed too.

    pytest benchmarks/bench_report.py
"""

from __future__ import annotations

import json

import matplotlib

import frontier
from frontier._records import dumps, study_records
from frontier._report import report_html
from frontier._scenario import load_scenario

matplotlib.use("Agg")

GROUP = "report of the default study (9 models, 32 k, 300 trials)"
_REC: dict = {}


def _record():
    if not _REC:
        sc = load_scenario("reference")
        study = frontier.optimize(sc.models, budget=(sc.C_max, sc.T_max, sc.acc_min),
                                  key=sc.seed, num_trials=sc.trials, k_max=sc.k_max)
        _REC["study"] = study
        _REC["scenario"] = sc
        _REC["rec"] = json.loads(dumps(study_records(study, sc)))
    return _REC


def test_records_of_the_default_study(benchmark, recorder):
    r = _record()
    benchmark.pedantic(lambda: dumps(study_records(r["study"], r["scenario"])), rounds=3,
                       warmup_rounds=1)
    recorder(GROUP, "study_records + dumps (study.json)", benchmark)


def test_report_without_figures(benchmark, recorder):
    rec = _record()["rec"]
    page = benchmark.pedantic(lambda: report_html(rec, figures="none"), rounds=3,
                              warmup_rounds=1)
    recorder(GROUP, "report_html, no figures", benchmark, bytes=len(page))


def test_report_with_figures(benchmark, recorder):
    rec = _record()["rec"]
    page = benchmark.pedantic(lambda: report_html(rec), rounds=3, warmup_rounds=1)
    assert page.count("<img ") == 2
    recorder(GROUP, "report_html, summary figures (the default)", benchmark, bytes=len(page))
