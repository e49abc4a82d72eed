"""Pinned variants compared, as a document: the page's comparison table and chart as DOCX or PDF.

:func:`comparison_document` lays out the strategy page's pinned variants (the table of
:func:`sim.app.variants.pins_table`, one column per variant and the differences to variant 1,
and its chart) in the brief's document model (:mod:`sim.report.docmodel`); the cells are the
page's own texts, unchanged, so the document shows the numbers the room saw.
:func:`comparison_bytes` renders it with the brief's writers: DOCX by :func:`sim.report.word.
write_docx`, PDF by :func:`sim.report.brief.write_html` and :func:`sim.report.brief.write_pdf`
(headless Chromium), in a private temporary folder.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sim import __version__
from sim.report.brief import write_html, write_pdf
from sim.report.docmodel import DocFigure, DocTable, Document, Section
from sim.report.i18n import t
from sim.report.word import write_docx

__all__ = ["comparison_bytes", "comparison_document"]


def comparison_document(rows: list[dict[str, str]], chart_png: bytes, lang: str, *,
                        scenario: str, note: str, seeds: list[int]) -> Document:  # fmt: skip
    """The pinned variants' table and chart as a one-section document.

    Args:
        rows: The comparison table as the page shows it (one dict per row, column header ->
            cell text; first column the indicator).
        chart_png: The comparison chart as shown on the page (PNG bytes).
        lang: ``"ru"`` or ``"en"``.
        scenario: The scenario's human name in ``lang``.
        note: The table's legend line (units, what the difference columns are).
        seeds: Each variant's root seed (the source line names them).

    Returns:
        The document: a title, one table (numbered caption, legend) and one figure with its
        source line.
    """
    now = datetime.now(UTC)
    date = now.strftime("%Y-%m-%d")
    seed_text = ", ".join(dict.fromkeys(str(s) for s in seeds))
    source = t("pins_doc_source", lang, version=__version__, scenario=scenario, seeds=seed_text)
    head = list(rows[0]) if rows else []
    table = DocTable(1, t("pins_doc_table", lang), head, [[r[h] for h in head] for r in rows],
                     numeric_from=1, note=note, id="pins")  # fmt: skip
    title = t("pins_doc_figure", lang)
    fig = DocFigure(1, "pins_chart", title, t("doc_figure", lang, n=1, title=title), source,
                    chart_png)  # fmt: skip
    sec = Section("comparison", t("pins_doc_heading", lang), [table, fig])
    subtitle = f"{scenario}. clustersim {__version__}. {date}."
    return Document(lang, t("pins_doc_title", lang, scenario=scenario), subtitle, date, [sec])


def comparison_bytes(doc: Document, kind: Literal["docx", "pdf"]) -> bytes:
    """The document as DOCX or PDF bytes, written in a private temporary folder.

    Raises:
        InputError: python-docx (DOCX) or Playwright / Chromium (PDF) is missing.
    """
    with tempfile.TemporaryDirectory(prefix="clustersim-pins-") as tmp:
        folder = Path(tmp)
        if kind == "docx":
            return write_docx(doc, folder / "comparison.docx").read_bytes()
        html = write_html(doc, folder / "comparison.html")
        return write_pdf(html, folder / "comparison.pdf").read_bytes()
