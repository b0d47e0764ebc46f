"""The HTML report: numbers from study.json, figures, offline, and a real headless browser.

The browser test drives the OS's Chromium (Debian's package: ``.ci/run`` installs it when it is
missing) through Playwright, with no browser download. In CI it fails when Chromium or
Playwright is missing; on a developer machine ``FRONTIER_SKIP_BROWSER=1`` skips it instead
(``FRONTIER_CHROMIUM`` names another Chromium binary).
"""

import base64
import html.parser
import json
import os
import re
import struct

import matplotlib
import pandas as pd
import pytest

import frontier
from frontier import _report, cli
from frontier._records import study_records
from frontier._rules import DEFAULT_RULES, RULE_NAMES
from frontier._scenario import load_scenario

matplotlib.use("Agg")

KEYS = ["gpt5", "gpt5-nano", "qwen3-max"]
RUN = ["run", "--only", *KEYS, "--k-max", "24", "--trials", "200", "--html", "--no-plots"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _Page(html.parser.HTMLParser):
    """Every number span (data-v, data-j, text), every <img> and every tag/attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.numbers, self.images, self.attrs, self.tags = [], [], [], []
        self._open = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self.attrs += [(tag, k, v) for k, v in attrs]
        if tag == "img":
            self.images.append(a)
        if "data-j" in a:
            self._open = [a["data-v"], json.loads(a["data-j"]), ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[2] += data

    def handle_endtag(self, tag):
        if tag == "span" and self._open is not None:
            self.numbers.append(tuple(self._open))
            self._open = None


def _parse(text):
    p = _Page()
    p.feed(text)
    return p


def _at(rec, path):
    for p in path:
        rec = rec[p]
    return rec


def _png_size(data):
    assert data[:8] == PNG_MAGIC
    return struct.unpack(">II", data[16:24])


def _check_numbers(page, rec):
    """Every number of the page is the record's value at its data-j, shown rounded."""
    assert page.numbers
    for v, path, text in page.numbers:
        value = _at(rec, path)
        if value is None:
            assert v == "null" and text == "–", (path, v, text)
            continue
        assert float(v) == value, (path, v, value)  # the exact value, not a re-derivation
        if isinstance(value, int) and not isinstance(value, bool) and "." not in text:
            assert int(text) == value, (path, text, value)
            continue
        decimals = len(text.split(".")[1]) if "." in text else 0
        assert abs(float(text) - value) <= 0.5 * 10.0 ** -decimals + 1e-12, (path, text, value)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """``frontier run --html`` of three models (one budget): its output directory."""
    out = tmp_path_factory.mktemp("run") / "res"
    assert cli.main([*RUN, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def rec(run_dir):
    return json.loads((run_dir / "study.json").read_text())


@pytest.fixture(scope="module")
def page(run_dir):
    return (run_dir / "report.html").read_text()


def test_run_html_writes_report_beside_the_other_files(run_dir):
    # --no-plots skips the figure files, not the report's own figures
    assert sorted(os.listdir(run_dir)) == ["candidates.csv", "report.html", "selections.csv",
                                           "study.json"]


def test_every_table_number_is_the_study_json_value(page, rec):
    _check_numbers(_parse(page), rec)


def test_every_choice_and_candidate_of_the_record_is_in_a_table(page, rec):
    shown = {tuple(path) for _, path, _ in _parse(page).numbers}
    want = set()
    for j, b in enumerate(rec["budgets"]):
        for key, m in b["models"].items():
            for r in DEFAULT_RULES:
                p = m["points"][r]
                if p is None:
                    continue
                base = ("budgets", j, "models", key, "points", r)
                want.add((*base, "k"))
                want |= {(*base, o, f) for o in ("cost", "time", "accuracy")
                         for f in ("mean", "lo", "hi")}
        for r in DEFAULT_RULES:
            if b["cross"][r] is not None:
                want.add(("budgets", j, "cross", r, "k"))
    for key, c in rec["candidates"].items():
        for n in range(len(c["k"])):
            want |= {("candidates", key, o, f, n) for o in ("cost", "time", "accuracy")
                     for f in ("mean", "std")}
    assert want <= shown, sorted(want - shown)[:5]


def test_a_plain_language_line_per_choice(page, rec):
    text = re.sub(r"<[^>]+>", "", page)
    b = rec["budgets"][0]
    for key, m in b["models"].items():
        acc = m["points"]["accuracy"]
        nf = len(m["feasible_k"])
        assert (f"accuracy-optimal: k = {acc['k']}, the most accurate of the {nf} feasible k"
                f" (mean accuracy {acc['accuracy']['mean']:.4f})") in text
        cheap = m["points"]["cheapest"]
        assert f"cheapest feasible: k = {cheap['k']}, the cheapest of the {nf} feasible k" in text
    cross = b["cross"]["accuracy"]
    name = rec["candidates"][cross["model"]]["name"]
    assert f"accuracy-optimal: {name} at k = {cross['k']}, the most accurate of" in text
    assert page.count("<li><b>accuracy-optimal</b>: ") == len(b["models"]) + 1


def test_figures_are_embedded_pngs(page):
    imgs = _parse(page).images
    assert len(imgs) == 2  # the cross-model front and one panel per model
    for img in imgs:
        assert img["src"].startswith("data:image/png;base64,")
        w, h = _png_size(base64.b64decode(img["src"].split(",", 1)[1]))
        assert w > 200 and h > 200
        assert int(img["width"]) > 0 and int(img["height"]) > 0


def test_report_is_self_contained(page):
    p = _parse(page)
    assert not {"script", "link", "iframe", "object", "embed"} & set(p.tags)
    for tag, k, v in p.attrs:
        if k == "src":
            assert v.startswith("data:"), (tag, v[:40])
        if k == "href":
            assert v.startswith("#"), (tag, v)
    assert "url(" not in page and "@import" not in page
    assert not re.search(r"https?://", page)


def test_report_from_study_json_is_the_run_report(run_dir, tmp_path, capsys):
    out = tmp_path / "again.html"
    assert cli.main(["report", str(run_dir / "study.json"), "--out", str(out)]) == 0
    assert out.read_bytes() == (run_dir / "report.html").read_bytes()
    assert "wrote" in capsys.readouterr().out


def test_record_study_holds_the_records_choices():
    cat = frontier.catalog()
    models = {k: cat[k] for k in KEYS}
    study = frontier.optimize(models, budget=frontier.budget_grid([0.1, 0.5], [60.0], [0.88]),
                              k_max=24, key=1, num_trials=100)
    back = _report.study_from_records(json.loads(json.dumps(study_records(study))))
    assert back.models == study.models and back.ks == study.ks
    for r in RULE_NAMES:
        a, b = getattr(study.points, r), getattr(back.points, r)
        assert a.k.reshape(2, 3).tolist() == b.k.tolist()
        assert a.found.reshape(2, 3).tolist() == b.found.tolist()
        assert (a.cost.lo.reshape(2, 3)[a.found.reshape(2, 3)].tolist()
                == b.cost.lo[b.found].tolist())
        c, d = getattr(study.cross.points, r), getattr(back.cross.points, r)
        assert c.model.reshape(-1).tolist() == d.model.tolist()
    assert back.feasible.tolist() == study.feasible.reshape(2, 3, -1).tolist()
    assert back.cross.pareto.tolist() == study.cross.pareto.reshape(2, 3, -1).tolist()
    assert back.summary.num_trials == 100
    assert back.explain("gpt5", (0,)) == study.explain("gpt5", (0, 0, 0))


def test_infeasible_models_get_the_engines_explanation(tmp_path):
    sc = load_scenario("reference", {"only": KEYS[:2], "k_max": 16, "T_max": 1.0})
    study = frontier.optimize(sc.models, budget=(sc.C_max, sc.T_max, sc.acc_min), k_max=16,
                              key=0, num_trials=64)
    rec = json.loads(json.dumps(study_records(study, sc)))
    page = _report.report_html(rec, figures="none")
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "No (model, k) pair meets the budget" in text
    for key in KEYS[:2]:
        why = rec["budgets"][0]["models"][key]["explain"].removeprefix(f"{key}: ")
        assert "misses" in why and (why[0].upper() + why[1:]) in text
    assert not _parse(page).images


def test_a_knee_without_three_pareto_points_says_so():
    study = frontier.optimize({"gpt5": frontier.catalog()["gpt5"]}, budget=(0.2, 60.0, 0.88),
                              k_max=24, key=0, num_trials=64)
    rec = json.loads(json.dumps(study_records(study)))
    m = rec["budgets"][0]["models"]["gpt5"]
    assert len(m["pareto_k"]) < 3 and m["points"]["knee_chord"] is None
    text = re.sub(r"<[^>]+>", "", _report.report_html(rec, figures="none"))
    assert (f"knee (chord): not found: a knee needs at least 3 Pareto points and the front has"
            f" {len(m['pareto_k'])}.") in text


def test_a_large_budget_grid_has_figures_for_the_first_budget_and_tables_for_all():
    study = frontier.optimize({"gpt5-nano": frontier.catalog()["gpt5-nano"]},
                              budget=frontier.budget_grid([0.01, 0.05, 0.5], [30.0, 60.0],
                                                          [0.9]),
                              k_max=16, key=0, num_trials=64)
    rec = json.loads(json.dumps(study_records(study)))
    page = _report.report_html(rec)
    p = _parse(page)
    assert len(rec["budgets"]) == 6 > _report.MAX_FIGURE_BUDGETS
    assert len(p.images) == 2
    assert "Figures are drawn for budget 1 only" in page
    assert all(f'id="budget-{j}"' in page for j in range(1, 7))
    _check_numbers(p, rec)


def test_figures_all_adds_each_models_region_and_none_draws_nothing(rec):
    assert len(_parse(_report.report_html(rec, figures="all")).images) == 2 + len(KEYS)
    assert not _parse(_report.report_html(rec, figures="none")).images
    with pytest.raises(ValueError, match="figures"):
        _report.report_html(rec, figures="some")
    for f in _report.FIGURES:  # the command line offers every set
        assert cli._parser().parse_args(["report", "s.json", "--figures", f]).figures == f


@pytest.mark.slow
def test_sensitivity_section_has_tornados_and_the_records_elasticities(run_dir, tmp_path):
    sdir = tmp_path / "sens"
    assert cli.main(["sensitivity", "--model", "gpt5", "--k-max", "24", "--trials", "512",
                     "--batches", "2", "--out", str(sdir), "--no-plots"]) == 0
    srec = json.loads((sdir / "sensitivity.json").read_text())
    out = tmp_path / "r.html"
    assert cli.main(["report", str(run_dir / "study.json"), "--sensitivity",
                     str(sdir / "sensitivity.json"), "--out", str(out)]) == 0
    p = _parse(out.read_text())
    assert len(p.images) == 2 + len(srec["value"])  # a tornado per output
    sens_numbers = [(v, path) for v, path, _ in p.numbers if path[0] in ("elasticity", "value")]
    assert len(sens_numbers) >= 4 * 8
    for v, path in sens_numbers:
        assert float(v) == _at(srec, path)


@pytest.mark.parametrize("content, word", [
    ("not json", "not valid JSON"),
    ('{"a": 1}', "not a frontier study record"),
    ('{"candidates": {"a": {"k": [1]}}, "budgets": [{}], "quantile_levels": []}',
     "not a record frontier wrote"),
])
def test_report_of_a_bad_file_is_one_line_exit_2(tmp_path, capsys, content, word):
    bad = tmp_path / "study.json"
    bad.write_text(content)
    assert cli.main(["report", str(bad)]) == 2
    err = capsys.readouterr().err
    assert word in err and err.count("\n") == 1
    assert not (tmp_path / "report.html").exists()


def test_run_html_with_no_write_is_a_usage_error(capsys):
    assert cli.main(["run", "--only", "gpt5", "--html", "--no-write"]) == 2
    assert "--html" in capsys.readouterr().err


def test_choice_section_of_a_measured_table_holds_its_numbers():
    df = pd.DataFrame({"concurrency": [1, 4, 16, 64], "p99_ttft_ms": [40.0, 60.0, 200.0, 900.0],
                       "tokens_per_gpu": [100.0, 380.0, 1200.0, 1500.0]})
    t = frontier.Table.from_frame(df, {"ttft_ms": "min", "tokens_per_gpu": "max"})
    ch = frontier.choose(t, slo="p99 ttft_ms <= 500")
    rec = json.loads(json.dumps(_report.choice_record(ch, knobs=["concurrency"])))
    best = rec["groups"]["all"]["picks"]["best:tokens_per_gpu"]
    assert best["knobs"] == {"concurrency": 16} and best["means"]["tokens_per_gpu"] == 1200.0
    page = _report.document("sweep", [_report.choice_section(rec, title="A sweep")])
    p = _parse(page)
    _check_numbers(p, rec)
    assert "Constraints: p99 ttft_ms ≤ 500." in html.unescape(page)
    assert "3 of 4 candidates feasible" in page and ">best tokens_per_gpu<" in page


# ----------------------------------------------------------------------------- the browser

_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium():
    """The OS's Chromium and Playwright, or fail (CI) / skip (FRONTIER_SKIP_BROWSER=1)."""
    path = os.environ.get("FRONTIER_CHROMIUM", "/usr/bin/chromium")
    missing = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "the playwright package (pip install -e '.[test]')"
    if missing is None and not os.access(path, os.X_OK):
        missing = f"Chromium at {path} (apt-get install chromium, or set FRONTIER_CHROMIUM)"
    if missing:
        if os.environ.get("FRONTIER_SKIP_BROWSER") and not os.environ.get("CI"):
            pytest.skip(f"FRONTIER_SKIP_BROWSER is set and {missing} is missing")
        pytest.fail(f"the browser test needs {missing}; on a developer machine without it, "
                    "set FRONTIER_SKIP_BROWSER=1 to skip (never in CI)")
    return path


def open_page(path, url, viewport=(1280, 900)):
    """Load ``url`` in headless Chromium; return (browser, page, console, errors, requests),
    every request outside the page (not data:, file: or about:) blocked and recorded."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=path, args=_ARGS, headless=True)
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    console, errors, requests = [], [], []
    page.on("console", lambda m: console.append((m.type, m.text)))
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        if r.request.url.split(":", 1)[0] in ("data", "file", "about"):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(url, wait_until="load")
    return pw, browser, page, console, errors, requests


@pytest.mark.browser
def test_report_in_headless_chromium(run_dir, rec, tmp_path):
    exe = _chromium()
    pw, browser, page, console, errors, requests = open_page(
        exe, (run_dir / "report.html").as_uri())
    try:
        imgs = page.evaluate("""() => [...document.images].map(i => ({
            ok: i.complete && i.naturalWidth > 0, w: i.getBoundingClientRect().width,
            h: i.getBoundingClientRect().height}))""")
        numbers = page.evaluate("""() => [...document.querySelectorAll('[data-j]')].map(e =>
            [e.dataset.v, JSON.parse(e.dataset.j), e.textContent])""")
        page.screenshot(path=str(tmp_path / "report.png"))
    finally:
        browser.close()
        pw.stop()
    assert console == [] and errors == [] and requests == []
    assert len(imgs) == 2
    assert all(i["ok"] and i["w"] > 100 and i["h"] > 100 for i in imgs), imgs
    page_numbers = _Page()
    page_numbers.numbers = [tuple(n) for n in numbers]
    _check_numbers(page_numbers, rec)
    assert len(numbers) == len(_parse((run_dir / "report.html").read_text()).numbers)
    assert (tmp_path / "report.png").read_bytes()[:8] == PNG_MAGIC


def test_overview_draws_one_panel_per_model_with_the_rules_markers(rec):
    import matplotlib.pyplot as plt

    study = _report.study_from_records(rec)
    fig = frontier.plot.overview(study, budget_index=(0,), names={"gpt5": "GPT-5"})
    try:
        shown = [a for a in fig.axes if a.get_visible() and a.axison]
        assert len(shown) == len(KEYS)
        n = len(rec["budgets"][0]["models"]["gpt5"]["feasible_k"])
        assert shown[0].get_title() == f"GPT-5: {n} feasible k"
        labels = [t.get_text() for t in fig.legends[0].get_texts()]
        assert "accuracy-optimal" in labels and "knee (paper, C-T)" not in labels
        from matplotlib.collections import PathCollection

        marks = [sum(isinstance(c, PathCollection) for c in a.collections) for a in shown]
        found = [sum(rec["budgets"][0]["models"][k]["points"][r] is not None
                     for r in DEFAULT_RULES) for k in KEYS]
        assert marks == found
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="objective"):
        frontier.plot.overview(study, budget_index=(0,), objective="tokens")
    with pytest.raises(ValueError, match="ncols"):
        frontier.plot.overview(study, budget_index=(0,), ncols=0)


def _sweep_example():
    return os.path.join(os.path.dirname(frontier.__file__), "_sweeps", "examples",
                        "llmperf_a10g")


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "out"
    assert cli.main(["sweep", _sweep_example(), "--num-gpus", "1", "--gpu-hour-price", "1.2",
                     "--slo", "mean ttft_ms <= 1000", "--html", "--no-plots",
                     "--out", str(out)]) == 0
    return out


def test_sweep_html_holds_the_choices_of_sweep_json_and_every_config(sweep_dir):
    page = (sweep_dir / "report.html").read_text()
    rec = json.loads((sweep_dir / "sweep.json").read_text())
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert rec["explanation"] in " ".join(text.split())
    p = _parse(page)
    chosen = [n for n in p.numbers if n[1][:1] == ["groups"]]
    assert chosen, "no choice table"
    cand = pd.read_csv(sweep_dir / "sweep.csv")
    rows = [n for n in p.numbers if n[1][:1] == ["rows"]]
    # every config's throughput is in the table, at its exact value
    got = {int(j[1]): float(v) for v, j, _ in rows if j[2] == "tokens_per_gpu"}
    want = dict(enumerate(cand["tokens_per_gpu"]))  # by row of the table
    assert got.keys() == want.keys()
    for k, v in want.items():
        assert got[k] == pytest.approx(v, rel=1e-12)
    # the chosen configs are highlighted, one row each
    assert page.count('<tr class="sel">') == int(cand["selected"].sum())
    imgs = p.images
    assert len(imgs) == 2 and all(i["src"].startswith("data:image/png;base64,") for i in imgs)
    assert not re.search(r"https?://", page)
    assert not {"script", "link", "iframe"} & set(p.tags)


def test_sweep_html_with_no_write_is_a_usage_error(capsys):
    assert cli.main(["sweep", _sweep_example(), "--html", "--no-write"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--no-write" in err[0]


@pytest.mark.browser
def test_sweep_report_in_headless_chromium(sweep_dir):
    exe = _chromium()
    pw, browser, page, console, errors, requests = open_page(
        exe, (sweep_dir / "report.html").as_uri())
    try:
        imgs = page.evaluate("""() => [...document.images].map(i => ({
            ok: i.complete && i.naturalWidth > 0, w: i.getBoundingClientRect().width,
            h: i.getBoundingClientRect().height}))""")
    finally:
        browser.close()
        pw.stop()
    assert console == [] and errors == [] and requests == []
    assert len(imgs) == 2 and all(i["ok"] and i["w"] > 100 and i["h"] > 100 for i in imgs)
