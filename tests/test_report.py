"""Report, brief and export of a small stored sweep: files, tables, PDF text, a real browser."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from report_fixtures import GRID, MORRIS, stored_sweeps, strict_rendering

from sim.api import build_report
from sim.cli import main
from sim.errors import InputError
from sim.report.brief import (
    CHROMIUM_ARGS,  # the flags the PDF brief uses
    key_assumptions,
)
from sim.report.i18n import NNBSP, t

CHROMIUM = "/usr/bin/chromium"
EXPECTED_CHARTS = [
    "regime_comparison",
    "robustness",
    "budget",
    "fan_output_decree41_full",
    "fan_output_loans_only",
    "dose_response_output",
    "network_de_facto",
    "network_decree41_full",
    "timeline",
]
RU_TITLE = "Режимы преференций кластера: Астраханский судостроительный кластер"
EN_TITLE = "Cluster preference regimes: Astrakhan shipbuilding cluster"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    with strict_rendering():  # the PDF and DOCX briefs are tested in tests/test_document.py
        rep = build_report(GRID, out, db=stored_sweeps(), formats=("html",))
    return rep


def test_report_writes_figures_tables_and_briefs(report):
    files = set(report.files)
    for lang in ("ru", "en"):
        names = report.charts[lang]
        for kind in EXPECTED_CHARTS:
            assert kind in names, (lang, kind, names)
        for name in names:
            for ext in ("png", "svg", "pdf"):
                assert f"figures/{lang}/{name}.{ext}" in files
        for table in ("regimes", "budget"):
            assert f"tables/{lang}/{table}.csv" in files
            assert f"tables/{lang}/{table}.xlsx" in files
        assert f"brief_{lang}.html" in files
    for f in files:
        assert (report.out / f).stat().st_size > 0, f


def test_png_is_300_dpi(report):
    from PIL import Image

    with Image.open(report.out / "figures/ru/timeline.png") as im:
        dpi = im.info["dpi"]
    assert round(dpi[0]) == 300


def test_pack_pngs_have_two_widths_and_svgs_real_text(report):
    """Issue 19: every figure is set at full or half A4 text width, so fonts match in Word; a
    designer can relabel the SVG (text, not outlines)."""
    from PIL import Image

    from sim.report import charts

    widths = set()
    for f in report.files:
        if f.startswith("figures/") and f.endswith(".png"):
            with Image.open(report.out / f) as im:
                widths.add(im.size[0])
    assert widths == {int(charts.FULL_IN * 300), int(charts.HALF_IN * 300)}, widths
    svg = (report.out / "figures/ru/timeline.svg").read_text(encoding="utf-8")
    assert "<text" in svg and "Год" in svg


def test_csv_per_language(report):
    ru = (report.out / "tables/ru/regimes.csv").read_text("utf-8-sig")
    en = (report.out / "tables/en/regimes.csv").read_text("utf-8-sig")
    pct = "Валовой выпуск: эффект к инерционному варианту, %, накопленно за 3 года"
    assert ru.splitlines()[0].startswith("Вариант расчёта;")
    assert pct in ru.splitlines()[0]
    assert en.splitlines()[0].startswith("Design point,")
    frame = pd.read_csv(report.out / "tables/ru/regimes.csv", sep=";", decimal=",",
                        encoding="utf-8-sig")  # fmt: skip
    assert frame["Парных повторений"].tolist() == [3, 3, 3, 3]
    assert pd.api.types.is_float_dtype(frame[pct])


def test_xlsx_headers_units_and_frozen_row(report):
    from openpyxl import load_workbook

    wb = load_workbook(report.out / "tables/en/budget.xlsx")
    ws = wb.active
    assert ws.freeze_panes == "A2"
    head = [c.value for c in ws[1]]
    pv = "sum over 3 years, present value at 8% a year"
    for level in ("federal budget", "regional budget", "Social Fund", "all budgets"):
        assert f"Net balance (PV), {level}, mln RUB, {pv}" in head
        assert (f"Committed cost due after the horizon (PV), {level}, mln RUB, valued at the "
                "horizon's end, present value at 8% a year") in head  # fmt: skip
        assert f"Budget efficiency, {level}, ratio, over 3 years" in head
        assert f"No cost to this budget, {level}" in head
    assert f"Federal net view: federal budget + Social Fund − displaced (PV), mln RUB, {pv}" in head
    assert all(c.font.bold for c in ws[1])
    pairs = head.index("Paired replications") + 1
    assert ws.cell(row=2, column=pairs).number_format == "#,##0"
    assert ws.cell(row=2, column=pairs + 1).number_format == "#,##0.0"  # net balance, federal
    # a budget that pays nothing says so in words, never "n/a"
    flags = [head.index(f"No cost to this budget, {lv}") + 1 for lv in ("federal budget",
                                                                      "regional budget")]
    words = {ws.cell(row=r, column=c).value for r in range(2, ws.max_row + 1) for c in flags}
    assert words <= {"no cost to this budget", None, ""}
    wb_ru = load_workbook(report.out / "tables/ru/regimes.xlsx")
    assert wb_ru.active.freeze_panes == "A2"
    assert wb_ru.active["A1"].value == "Вариант расчёта"
    assert wb_ru.sheetnames[-1] == "Пояснения"


def test_brief_shows_the_accounts_per_level_as_the_terminal_does(report):
    """The brief's accounts: the same views as the CLI (net per level, no cost, additionality)."""
    import html as html_lib

    from sim.report.tables import accounts_view, additionality_view

    table = pd.read_csv(report.out / "tables/en/budget.csv")
    assert len(table) > 0
    for lang in ("en", "ru"):
        page = html_lib.unescape((report.out / f"brief_{lang}.html").read_text("utf-8"))
        page = re.sub(r"data:image/png;base64,[^\"]+", "", page)  # embedded charts
        assert 'id="accounts"' in page and 'id="additionality"' in page
        for key in ("h_accounts", "h_additionality", "acc_net", "acc_committed", "acc_be",
                    "acc_tax_expenditure", "add_federal_net", "federal", "regional",
                    "social_fund"):  # fmt: skip
            assert t(key, lang) in page, (lang, key)
        assert not re.search(r"\bn/a\b", page)
    # the cells are the shared views of the regime table (same formatting everywhere)
    from sim.api import compare_sweep

    tab = compare_sweep(GRID, db=stored_sweeps())
    page = html_lib.unescape((report.out / "brief_en.html").read_text("utf-8"))
    view = accounts_view(tab, "en", points={int(p): "" for p in tab["point"]})
    for cell in view.iloc[:, 3:].to_numpy().ravel():
        assert f">{cell}<" in page, cell
    for cell in additionality_view(tab, "en").iloc[:, 1:].to_numpy().ravel():
        assert f">{cell}<" in page, cell


def _missing(what: str) -> None:
    """Skip on a developer machine without the tool; fail in CI (CLUSTERSIM_REQUIRE_SERVICES=1)."""
    if os.environ.get("CLUSTERSIM_REQUIRE_SERVICES", "").strip() not in ("", "0"):
        pytest.fail(f"{what}, but CLUSTERSIM_REQUIRE_SERVICES=1 requires it")
    pytest.skip(what)


def _pdftotext(path: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        _missing("pdftotext (Debian poppler-utils) is not installed")
    res = subprocess.run([exe, "-enc", "UTF-8", str(path), "-"], capture_output=True,
                         text=True, check=True)  # fmt: skip
    return " ".join(res.stdout.split())


def test_figure_pdf_has_real_russian_text(report):
    text = _pdftotext(report.out / "figures/ru/timeline.pdf")
    assert "Участники кластера и критерии реестра" in text
    assert "сценарий astrakhan_shipbuilding" in text


def _listen(page, errors: list[str], requests: list[str]) -> None:
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
    page.on("request", lambda r: requests.append(r.url))


def test_html_brief_in_headless_chromium(report):
    try:
        import playwright.sync_api as pw
    except ImportError:
        _missing("the playwright package is not installed")
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} (Debian chromium) is not installed")
    for lang, title in (("ru", RU_TITLE), ("en", EN_TITLE)):
        page_url = (report.out / f"brief_{lang}.html").resolve().as_uri()
        errors: list[str] = []
        requests: list[str] = []
        with pw.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=CHROMIUM_ARGS)  # fmt: skip
            try:
                page = browser.new_page()
                _listen(page, errors, requests)
                page.goto(page_url, wait_until="load")
                assert page.title() == title
                n_img = page.eval_on_selector_all("img", "els => els.length")
                broken = page.eval_on_selector_all(
                    "img", "els => els.filter(i => !(i.complete && i.naturalWidth > 0)).length"
                )
                h1 = page.inner_text("h1")
            finally:
                browser.close()
        assert errors == [], errors
        assert n_img == len(report.charts[lang]) and broken == 0
        assert h1 == title
        outside = [u for u in requests if not u.startswith(("file:", "data:"))]
        assert outside == [], outside


def test_html_brief_is_self_contained(report):
    text = (report.out / "brief_ru.html").read_text("utf-8")
    assert "http://" not in text and "https://" not in text
    assert text.count("data:image/png;base64,") == len(report.charts["ru"])
    assert f"{NNBSP}%" in text or "%" in text


def test_key_assumptions_list_sources():
    from report_fixtures import BASE

    rows = key_assumptions(BASE.read_text("utf-8"))
    keys = {r["key"] for r in rows}
    assert "registry.min_industrial_participants" in keys
    assert all(r["source"] for r in rows)


def test_report_cli_one_language_and_morris_tornado(tmp_path, capsys):
    url = stored_sweeps()
    code = main(["report", "--sweep", MORRIS, "--out", str(tmp_path), "--lang", "en",
                 "--format", "html", "--figure-format", "svg", "--db", url])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "brief_en.html" in out
    assert (tmp_path / "figures/en/tornado.svg").exists()
    assert (tmp_path / "tables/en/sensitivity.csv").exists()  # Morris indices, flagged
    assert (tmp_path / "tables/en/sensitivity.xlsx").exists()
    assert not (tmp_path / "brief_ru.html").exists() and not (tmp_path / "brief_en.pdf").exists()


def test_report_unknown_sweep_and_format(tmp_path, capsys):
    url = stored_sweeps()
    assert main(["report", "--sweep", "nope", "--out", str(tmp_path), "--db", url]) == 2
    assert "stored sweeps:" in capsys.readouterr().err
    with pytest.raises(InputError):
        build_report(GRID, tmp_path, db=url, formats=["odt"])


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_export_tidy(tmp_path, fmt, capsys):
    url = stored_sweeps()
    assert main(["export", "--sweep", GRID, "--format", fmt, "--out", str(tmp_path),
                 "--outcome", "output", "--outcome", "employment", "--db", url]) == 0  # fmt: skip
    if fmt == "xlsx":
        book = pd.read_excel(tmp_path / f"{GRID}.xlsx", sheet_name=None)
        runs, long = book["runs"], book["outcomes"]
    else:
        read = pd.read_csv if fmt == "csv" else pd.read_parquet
        runs = read(tmp_path / f"{GRID}_runs.{fmt}")
        long = read(tmp_path / f"{GRID}_outcomes.{fmt}")
    assert len(runs) == 2 * 3 * 3
    assert "regimes.decree41_full.joint_project_subsidy.rate" in runs.columns
    assert list(long.columns) == ["sweep", "point", "replicate", "arm", "quarter", "outcome",
                                  "value", "unit"]  # fmt: skip
    assert len(long) == 18 * 12 * 2
    assert set(long["outcome"]) == {"output", "employment"}


def test_networks_stored_for_replicate_zero_only():
    from sim.store import open_store
    from sim.store.network import has_networks, read_network

    with open_store(stored_sweeps()) as store:
        assert has_networks(store, GRID)
        nodes, edges = read_network(store, GRID, "de_facto", replicate=0, point=1)
        assert len(nodes) > 10 and (edges["volume"] > 0).all()
        with pytest.raises(LookupError):
            read_network(store, GRID, "de_facto", replicate=1)


# -- progress: files written of the total, with ETA, on a terminal ----------------------------
class _Terminal(io.StringIO):
    """A stderr that says it is a terminal (the bar draws only on one)."""

    def isatty(self) -> bool:
        return True


def test_report_shows_files_written_of_the_total_with_eta(tmp_path, monkeypatch):
    term = _Terminal()
    monkeypatch.setattr("sys.stderr", term)
    rep = build_report(MORRIS, tmp_path / "r", db=stored_sweeps(), langs=["en"], formats=[],
                       figure_formats=["svg"], progress=True)  # fmt: skip
    frames = [f for f in term.getvalue().split("\r") if f.strip()]
    counts = [tuple(map(int, m.groups())) for f in frames
              if (m := re.search(r"(\d+)/(\d+) files", f))]  # fmt: skip
    assert len(counts) >= 3, frames
    done = [c[0] for c in counts]
    assert done == sorted(done) and counts[-1][0] == counts[-1][1] == len(rep.files)
    assert all("ETA" in f for f in frames) and term.getvalue().endswith("\n")


def test_report_progress_callback_counts_files_and_draws_no_bar(tmp_path, monkeypatch):
    """A callback (the page's progress bar) gets (done, total) from 0 to all files; no bar."""
    term = _Terminal()
    monkeypatch.setattr("sys.stderr", term)
    counts: list[tuple[int, int]] = []
    rep = build_report(MORRIS, tmp_path / "r", db=stored_sweeps(), langs=["en"], formats=[],
                       figure_formats=["svg"],
                       progress=lambda d, n: counts.append((d, n)))  # fmt: skip
    assert counts[0] == (0, counts[0][1]) and counts[0][1] > 0
    assert [d for d, _ in counts] == sorted(d for d, _ in counts)
    assert counts[-1] == (len(rep.files), len(rep.files)) and len(counts) >= 3
    assert term.getvalue() == ""


def test_report_without_progress_writes_nothing_to_stderr(tmp_path, monkeypatch):
    term = _Terminal()
    monkeypatch.setattr("sys.stderr", term)
    build_report(MORRIS, tmp_path / "r", db=stored_sweeps(), langs=["en"], formats=[],
                 figure_formats=["svg"])  # fmt: skip
    assert term.getvalue() == ""
