"""The brief as a document: HTML, a true A4 PDF (Chromium) and DOCX from one document model.

Runs its own tiny sweeps (a point and eight drawn worlds, 8 quarters) so the file stays fast.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from app_fixtures import CHROMIUM
from app_fixtures import missing as _missing
from report_fixtures import BASE

from sim.api import build_report, run_sweep
from sim.cli import main
from sim.errors import InputError
from sim.report.brief import CHROMIUM_ARGS  # the flags the PDF brief uses

A4 = (595.28, 841.89)
POINT = "doc_point"
WORLDS = "doc_worlds"


def _need_chromium() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("the playwright package is not installed")
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        _missing(f"{CHROMIUM} (Debian chromium) is not installed")


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("docdb")
    text = BASE.read_text("utf-8")
    text = re.sub(r"(?m)^horizon_quarters = \d+", "horizon_quarters = 8", text)
    base = tmp / "short.toml"
    base.write_text(text, "utf-8")
    url = f"sqlite:///{tmp / 'doc.sqlite'}"
    point = tmp / "point.toml"
    point.write_text(
        f'name = "{POINT}"\nbase = "{base.as_posix()}"\nreplications = 2\n'
        'arms = ["de_facto", "decree41_full"]\n',
        "utf-8",
    )
    worlds = tmp / "worlds.toml"
    worlds.write_text(
        f'name = "{WORLDS}"\nbase = "{base.as_posix()}"\nreplications = 2\n'
        'arms = ["de_facto", "decree41_full", "placebo"]\n'
        '[design]\nmethod = "lhs"\nuncertainties = true\nsamples = 8\nseed = 5\n',
        "utf-8",
    )
    for f in (point, worlds):
        res = run_sweep(f, db=url, executor="local", progress=False)
        assert res["failed"] == 0, res
    return url


@pytest.fixture(scope="module")
def report(db, tmp_path_factory):
    _need_chromium()
    out = tmp_path_factory.mktemp("docreport")
    return build_report(POINT, out, db=db, figure_formats=("png",))


def test_report_writes_three_briefs_per_language(report):
    for lang in ("ru", "en"):
        for ext in ("html", "pdf", "docx"):
            f = f"brief_{lang}.{ext}"
            assert f in report.files
            assert (report.out / f).stat().st_size > 0


def test_pdf_pages_are_a4_with_extractable_cyrillic(report):
    from pypdf import PdfReader

    pdf = PdfReader(report.out / "brief_ru.pdf")
    assert len(pdf.pages) >= 3
    for page in pdf.pages:
        w, h = sorted((float(page.mediabox.width), float(page.mediabox.height)))
        assert abs(w - A4[0]) <= 1 and abs(h - A4[1]) <= 1, (w, h)
    first = pdf.pages[0].extract_text()
    assert "Резюме" in first and "Режимы преференций кластера" in first
    # the summary is one page of its own: the method starts the second page
    assert "Метод" not in first and pdf.pages[1].extract_text().lstrip().startswith("Метод")
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in pdf.pages)
    assert "Рисунок 1 –" in text
    assert "Источник: расчёты по модели clustersim" in text
    assert "подтвердить перед цитированием" in text
    assert "Как ссылаться" in text
    en = PdfReader(report.out / "brief_en.pdf")
    for page in en.pages:
        w, h = sorted((float(page.mediabox.width), float(page.mediabox.height)))
        assert abs(w - A4[0]) <= 1 and abs(h - A4[1]) <= 1, (w, h)
    assert "Summary" in en.pages[0].extract_text()


def _docx(path: Path):
    import docx

    return docx.Document(str(path))


def test_docx_summary_first_captions_a4(report):
    doc = _docx(report.out / "brief_ru.docx")
    for section in doc.sections:
        w, h = sorted((section.page_width.pt, section.page_height.pt))
        assert abs(w - A4[0]) <= 1 and abs(h - A4[1]) <= 1, (w, h)
    assert doc.sections[0].page_width.pt < doc.sections[0].page_height.pt  # portrait first
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0].startswith("Режимы преференций кластера")
    assert headings[1] == "Резюме"
    assert headings[2] == "Метод"
    # the summary: absolute and % effects, registration, cost and net balance per budget
    paras = [p.text for p in doc.paragraphs]
    start = paras.index("Резюме")
    summary = " ".join(paras[start : paras.index("Метод")])
    assert "Субсидии по ПП № 41:" in summary and "млн руб." in summary and "%" in summary
    # the method names each regime in full, with the decree's date and number
    method = " ".join(paras[paras.index("Метод") :])
    assert "Субсидии по ПП № 41 — ПП РФ от 28.01.2016 № 41: субсидия 50 % затрат" in method
    assert "федеральный бюджет: стоимость" in summary and "региональный бюджет" in summary
    assert "реестр" in summary
    captions = [p.text for p in doc.paragraphs if p.text.startswith("Рисунок ")]
    numbers = [int(re.match(r"Рисунок (\d+) – \S", c).group(1)) for c in captions]
    assert numbers == list(range(1, len(report.charts["ru"]) + 1))
    for i, p in enumerate(doc.paragraphs):
        if p.text.startswith("Рисунок "):
            assert doc.paragraphs[i + 1].text.startswith("Источник: расчёты по модели clustersim")
    tables = [p.text for p in doc.paragraphs if p.text.startswith("Таблица ")]
    assert [int(re.match(r"Таблица (\d+) –", c).group(1)) for c in tables] == list(
        range(1, len(tables) + 1)
    )
    assert len(doc.inline_shapes) == len(report.charts["ru"])
    en = _docx(report.out / "brief_en.docx")
    assert any(p.text.startswith("Figure 1 – ") for p in en.paragraphs)
    assert next(p.text for p in en.paragraphs if p.style.name.startswith("Heading")) == "Summary"


def test_docx_criteria_table_and_r_flag(report):
    doc = _docx(report.out / "brief_ru.docx")
    crit = next(t for t in doc.tables if t.rows[0].cells[0].text == "Критерий")
    head = [c.text for c in crit.rows[0].cells]
    assert head == ["Критерий", "Пороговое значение", "Правовое основание",
                    "Когда выполнен (в модели)"]  # fmt: skip
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in crit.rows[1:]}
    assert rows["Промышленных участников, не менее"][1] == "10"
    fd = rows["Функциональная зависимость (закупки у других участников), не менее"]
    assert fd[1] == "20\u202f%"
    assert "ПП РФ от 31.07.2015 № 779" in fd[2] and "Decree" not in fd[2]  # the source_ru
    assert "подтвердить перед цитированием" in fd[2]  # [R] source
    assert rows["Пониженный порог функциональной зависимости, не менее"][1] == "10\u202f%"
    # assumptions: every [R] source flagged, none other
    ass = next(t for t in doc.tables if t.rows[0].cells[0].text == "Параметр"
               and len(t.columns) == 4)  # fmt: skip
    for r in ass.rows[1:]:
        src = r.cells[3].text
        assert ("[R]" in src) == ("подтвердить перед цитированием" in src), src
    assert any("[R]" in r.cells[3].text for r in ass.rows[1:])
    text = " ".join(p.text for p in doc.paragraphs)
    for label in ("[V]", "[V-abs]", "[R]", "[D]"):
        assert label in text
    assert "docs/model.md" in text and "Корневое зерно" in text


def test_html_brief_at_1280px_and_printed_without_clipped_tables(report, tmp_path):
    import playwright.sync_api as pw

    exe = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    url = (report.out / "brief_ru.html").resolve().as_uri()
    overflow = """(sel) => [...document.querySelectorAll(sel)].filter(
        t => t.scrollWidth > t.parentElement.clientWidth + 1).map(t => t.parentElement.id)"""
    with pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url, wait_until="load")
            shot = tmp_path / "brief_1280.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            assert page.evaluate(overflow, "table") == []
            assert page.evaluate("document.documentElement.scrollWidth") <= 1280
            page.emulate_media(media="print")
            # the text width of A4 less 2 x 2 cm margins in CSS px: portrait, then landscape
            # (tables of more than 8 columns are printed on landscape pages)
            page.set_viewport_size({"width": 642, "height": 900})
            assert page.evaluate(overflow, "section.table:not(.wide) table") == []
            page.set_viewport_size({"width": 971, "height": 900})
            assert page.evaluate(overflow, "section.wide table") == []
            assert page.evaluate("document.querySelectorAll('section.wide').length") >= 1
            assert page.eval_on_selector("#summary h2", "e => e.textContent") == "Резюме"
        finally:
            browser.close()


def test_summary_across_drawn_worlds(db):
    from sim.report.data import prepare
    from sim.report.docmodel import DocTable
    from sim.report.document import build_document
    from sim.store import open_store
    from sim.store.reading import read_sweep

    with open_store(db, readonly=True) as store:
        data = read_sweep(store, WORLDS)
    d = prepare(data, ["output", "employment", "productivity", "market_share"], [])
    doc = build_document(d, "ru", {})
    summary = doc.sections[0]
    assert summary.id == "summary"
    text = " ".join(getattr(b, "text", " ".join(getattr(b, "items", []))) for b in summary.blocks)
    assert re.search(r"в \d+ из 10 сценариев мира эффект на показатель «валовой выпуск»", text)
    assert "8 сценариев мира" in text
    # the placebo (registration only) has no effect and no budget figure in any world: said so
    placebo = next(i for b in summary.blocks for i in getattr(b, "items", [])
                   if i.startswith("Только включение в реестр"))  # fmt: skip
    assert "эффекта на показатель «валовой выпуск» нет ни в одном сценарии мира" in placebo
    assert "федеральный бюджет: ни расходов, ни сальдо ни в одном сценарии" in placebo
    assert "из 10 сценариев мира эффект" not in placebo
    assert any(isinstance(b, DocTable) and b.id == "worlds" for b in doc.sections[2].blocks)
    # a share's absolute effect is a change in percentage points; the design is named in words
    absolute = next(b for b in doc.sections[2].blocks if getattr(b, "id", "") == "absolute")
    assert "Доля рынка, п. п." in absolute.head
    method = " ".join(getattr(b, "text", "") for b in doc.sections[1].blocks)
    assert "сценарии мира, выбранные латинским гиперкубом, вариантов расчёта: 8" in method
    en = build_document(d, "en", {})
    assert "of 10 scenarios of the world" in " ".join(
        " ".join(b.items) for b in en.sections[0].blocks if hasattr(b, "items")
    )


def test_docx_only_and_unknown_format(db, tmp_path, capsys):
    build_report(POINT, tmp_path / "w", db=db, langs=["en"], formats=["docx"],
                 figure_formats=("png",))  # fmt: skip
    assert (tmp_path / "w" / "brief_en.docx").exists()
    assert not (tmp_path / "w" / "brief_en.html").exists()
    with pytest.raises(InputError, match="html, pdf, docx"):
        build_report(POINT, tmp_path / "x", db=db, formats=["odt"])
    assert main(["report", "--sweep", POINT, "--out", str(tmp_path / "x"), "--format", "odt",
                 "--db", db]) == 2  # fmt: skip
    assert "brief formats: html, pdf, docx" in capsys.readouterr().err


def test_pdf_without_chromium_is_one_clear_error(db, tmp_path, monkeypatch):
    from sim.report import brief

    monkeypatch.setenv("CLUSTERSIM_CHROMIUM", str(tmp_path / "no-such-chromium"))
    monkeypatch.setattr(brief, "_playwright_browser", lambda: None)
    with pytest.raises(InputError, match="apt-get install chromium"):
        build_report(POINT, tmp_path / "y", db=db, formats=["pdf"])
    assert not (tmp_path / "y").exists()
    assert main(["report", "--sweep", POINT, "--out", str(tmp_path / "z"), "--format", "pdf",
                 "--db", db]) == 2  # fmt: skip


def test_pdf_prints_inside_a_running_event_loop(report, tmp_path):
    """As in a notebook, a Solara page or beside a Playwright browser: the sync API would refuse."""
    import asyncio

    from sim.report.brief import write_pdf

    async def inside() -> Path:
        return write_pdf(report.out / "brief_en.html", tmp_path / "inside.pdf")

    out = asyncio.run(inside())
    assert out.read_bytes().startswith(b"%PDF")


def test_html_brief_quotes_russian_sources_with_labels_explained(report):
    """The Russian brief quotes the scenario's source_ru; its labels carry their meaning."""
    ru = (report.out / "brief_ru.html").read_text("utf-8")
    crit = ru.split('id="criteria-table"', 1)[1].split("</section>", 1)[0]
    assert "ПП РФ от 31.07.2015 № 779" in crit and "Decree" not in crit
    assert '<abbr class="evidence" title="по памяти' in crit
    ass = ru.split('id="assumptions-table"', 1)[1].split("</section>", 1)[0]
    assert "ПП РФ от 28.01.2016 № 41" in ass and "Decree" not in ass
    en = (report.out / "brief_en.html").read_text("utf-8")
    assert '<abbr class="evidence" title="verified: ' in en
