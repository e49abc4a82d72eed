"""The brief as a Word document (DOCX, python-docx) from the same document model as the HTML.

A4 pages with 2 cm margins; the summary first; headings as Word headings (so a table of
contents can be inserted); tables with a repeated header row and a caption "Таблица N – …"
above; figures at the text width with the caption "Рисунок N – …" and the source line under
each (Word's Caption style); tables wider than :data:`~sim.report.docmodel.WIDE_COLUMNS`
columns on landscape A4 pages; [R] sources highlighted.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.report.docmodel import Bullets, DocFigure, DocTable, Document, Para
from sim.report.i18n import t

__all__ = ["check_docx_tools", "write_docx"]

A4_CM = (21.0, 29.7)
MARGIN_CM = 2.0


def check_docx_tools() -> None:
    """Raise one clear error when python-docx is not installed."""
    try:
        import docx  # noqa: F401
    except ImportError:
        raise InputError.parameter(
            "format",
            "the DOCX brief needs python-docx: pip install 'clustersim[brief]' (or leave docx "
            "out of --format)",
        ) from None


def _page(section: Any, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    w, h = A4_CM if not landscape else A4_CM[::-1]
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(w), Cm(h)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _shade(cell: Any, colour: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shd)


def _cell_text(cell: Any, text: str, *, size: float, bold: bool = False, right: bool = False,
               white: bool = False) -> None:  # fmt: skip
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    para = cell.paragraphs[0]
    para.paragraph_format.space_after = Pt(0)
    if right:
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = para.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold
    if white:
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)


def _table(doc: Any, tab: DocTable, lang: str) -> None:
    from docx.shared import Pt

    cap = doc.add_paragraph(t("doc_table", lang, n=tab.number, caption=tab.caption),
                            style="Caption")  # fmt: skip
    cap.paragraph_format.keep_with_next = True
    if tab.note:
        note = doc.add_paragraph()
        r = note.add_run(tab.note)
        r.font.size = Pt(7.5)
    size = 7.0 if len(tab.head) > 6 else 8.0
    table = doc.add_table(rows=1, cols=len(tab.head))
    table.style = "Table Grid"
    table.autofit = True
    head = table.rows[0]
    _repeat_header(head)
    for cell, text in zip(head.cells, tab.head, strict=True):
        _cell_text(cell, text, size=size, bold=True, white=True)
        _shade(cell, "0072B2")
    for i, row in enumerate(tab.rows):
        cells = table.add_row().cells
        for j, (cell, text) in enumerate(zip(cells, row, strict=True)):
            _cell_text(cell, str(text), size=size, right=j >= tab.numeric_from)
            if i in tab.flagged:
                _shade(cell, "FFF3CD")


def _figure(doc: Any, fig: DocFigure, width_cm: float) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    pic = doc.add_paragraph()
    pic.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pic.paragraph_format.keep_with_next = True
    pic.add_run().add_picture(io.BytesIO(fig.png), width=Cm(width_cm))
    cap = doc.add_paragraph(fig.caption, style="Caption")
    cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cap.paragraph_format.keep_with_next = True
    src = doc.add_paragraph()
    src.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = src.add_run(fig.source)
    run.font.size = Pt(8)
    run.italic = True


def write_docx(doc_model: Document, path: Path) -> Path:
    """Write the brief as DOCX (A4, summary first, numbered captions, landscape wide tables).

    Raises:
        InputError: python-docx is not installed.
    """
    check_docx_tools()
    import docx
    from docx.enum.section import WD_SECTION
    from docx.shared import Pt

    lang = doc_model.lang
    doc = docx.Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10.5)
    core = doc.core_properties
    core.title = doc_model.title
    core.language = lang
    core.subject = doc_model.subtitle
    core.author = "clustersim"
    _page(doc.sections[0], landscape=False)
    landscape = False
    text_width = A4_CM[0] - 2 * MARGIN_CM

    def orient(wide: bool) -> None:
        nonlocal landscape
        if wide != landscape:
            _page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=wide)
            landscape = wide

    doc.add_heading(doc_model.title, level=0)
    sub = doc.add_paragraph()
    sub.add_run(doc_model.subtitle).font.size = Pt(8)
    for k, sec in enumerate(doc_model.sections):
        orient(False)
        if k == 1:  # the summary is a page of its own
            doc.add_page_break()
        doc.add_heading(sec.title, level=1)
        for b in sec.blocks:
            if isinstance(b, Para):
                para = doc.add_paragraph()
                run = para.add_run(b.text)
                if b.note:
                    run.font.size = Pt(8)
            elif isinstance(b, Bullets):
                for item in b.items:
                    doc.add_paragraph(item, style="List Bullet")
            elif isinstance(b, DocTable):
                orient(b.wide)
                _table(doc, b, lang)
            elif isinstance(b, DocFigure):
                orient(False)
                _figure(doc, b, text_width)
    doc.save(str(path))
    return path
