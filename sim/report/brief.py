"""The brief as HTML (screen and print) and as a true A4 PDF printed from it by Chromium.

Both render the :class:`~sim.report.docmodel.Document` of
:func:`~sim.report.document.build_document`: a one-page summary, method, results (numbered
tables and figures with captions and source lines), the Decree 779 criteria, assumptions and
uncertainties, limitations and how to cite. The HTML is self-contained (images embedded) and
has a print stylesheet (``@page { size: A4; margin: 2cm }``; tables wrap, wide tables go on
landscape A4 pages, figures never exceed the column).

The PDF is that HTML printed by headless Chromium through Playwright (:func:`write_pdf`): real
text (Cyrillic extractable), A4 pages only. Chromium is found at ``$CLUSTERSIM_CHROMIUM``, on
the ``PATH`` (``chromium``, ``chromium-browser``, ``google-chrome``) or as Playwright's own
browser; when none is there, one :class:`~sim.errors.InputError` names what to install.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sim.errors import InputError
from sim.report.brief_common import key_assumptions
from sim.report.criteria import evidence_abbr
from sim.report.docmodel import Bullets, DocFigure, DocTable, Document, Para
from sim.report.i18n import t
from sim.scenario.schema import EVIDENCE_RE

__all__ = ["check_pdf_tools", "find_chromium", "key_assumptions", "render_html", "write_html",
           "write_pdf"]  # fmt: skip

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

_CSS = """
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; max-width: 66em;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.4; font-size: 15px; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.8em; margin: 0.3em 0 0.8em; width: 100%;
        table-layout: auto; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.35em; vertical-align: top;
         overflow-wrap: break-word; word-break: normal; hyphens: manual; }
th { background: #0072B2; color: #fff; text-align: left; font-weight: bold; }
td.n { text-align: right; }
section.wide table { font-size: 0.72em; }
tr.flag td { background: #fff3cd; }
.caption { font-weight: bold; font-size: 0.9em; margin: 1em 0 0.2em; }
figure { margin: 1.2em 0; break-inside: avoid; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.9em; font-weight: bold; margin-top: 0.3em; }
.source, .note { font-size: 0.8em; color: #555; }
#summary { border: 1px solid #0072B2; padding: 0 1em 0.5em; }
#summary li { margin-bottom: 0.4em; }
@page { size: A4; margin: 2cm; }
@page wide { size: A4 landscape; margin: 2cm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  table { font-size: 7.5pt; }
  thead { display: table-header-group; }
  tr, figure, img { break-inside: avoid; }
  h2 { break-after: avoid; } .caption { break-after: avoid; }
  #summary { break-after: page; border: none; padding: 0; font-size: 9pt; line-height: 1.3; }
  #summary li { margin-bottom: 0.15em; }  /* the summary fits its one page */
  section.wide { page: wide; }
  table, figure { max-width: 100%; }
}
"""


def _esc(text: object) -> str:
    return html.escape(str(text))


_LONG = re.compile(r"[^\s<>]{19,}")
_BREAK_AFTER = re.compile(r"([._/\[\]=])")


def _cell(text: object) -> str:
    """A cell's text, escaped, with break opportunities inside long keys and addresses."""
    return _LONG.sub(lambda m: _BREAK_AFTER.sub(r"\1<wbr>", m.group(0)), _esc(text))


#: Tables whose cells quote sources: their evidence labels get their meaning on hover.
_SOURCE_TABLES = ("criteria-table", "assumptions-table", "uncertainty")


def _table_html(tab: DocTable, lang: str) -> str:
    out = [f'<section class="table{" wide" if tab.wide else ""}" id="{_esc(tab.id)}">']
    out.append(
        f'<p class="caption">{_esc(t("doc_table", lang, n=tab.number, caption=tab.caption))}</p>'
    )
    if tab.note:
        out.append(f'<p class="note">{_esc(tab.note)}</p>')
    out.append("<table><thead><tr>")
    out += [f"<th>{_esc(h)}</th>" for h in tab.head]
    out.append("</tr></thead><tbody>")
    for i, r in enumerate(tab.rows):
        out.append('<tr class="flag">' if i in tab.flagged else "<tr>")
        for j, c in enumerate(r):
            cls = ' class="n"' if j >= tab.numeric_from else ""
            text = _cell(c)
            if tab.id in _SOURCE_TABLES:
                text = EVIDENCE_RE.sub(lambda m: evidence_abbr(m, lang), text)
            out.append(f"<td{cls}>{text}</td>")
        out.append("</tr>")
    out.append("</tbody></table></section>")
    return "".join(out)


def _figure_html(fig: DocFigure) -> str:
    return (
        f'<figure id="{_esc(fig.name)}"><img alt="{_esc(fig.title)}" src="{fig.data_uri}">'
        f"<figcaption>{_esc(fig.caption)}</figcaption>"
        f'<p class="source">{_esc(fig.source)}</p></figure>'
    )


def render_html(doc: Document) -> str:
    """The brief as one self-contained HTML page."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{doc.lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(doc.title)}</title><style>{_CSS}</style></head><body>",
    ]
    for k, sec in enumerate(doc.sections):
        parts.append(f'<section id="{_esc(sec.id)}">')
        if k == 0:
            parts.append(f"<h1>{_esc(doc.title)}</h1>")
            parts.append(f'<p class="source">{_esc(doc.subtitle)}</p>')
        parts.append(f"<h2>{_esc(sec.title)}</h2>")
        for b in sec.blocks:
            if isinstance(b, Para):
                parts.append(f'<p class="note">{_esc(b.text)}</p>' if b.note else
                             f"<p>{_esc(b.text)}</p>")  # fmt: skip
            elif isinstance(b, Bullets):
                parts.append("<ul>" + "".join(f"<li>{_esc(i)}</li>" for i in b.items) + "</ul>")
            elif isinstance(b, DocTable):
                parts.append(_table_html(b, doc.lang))
            elif isinstance(b, DocFigure):
                parts.append(_figure_html(b))
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(doc: Document, path: Path) -> Path:
    """Write the HTML brief."""
    path.write_text(render_html(doc), encoding="utf-8")
    return path


def find_chromium() -> str | None:
    """A Chromium executable: ``$CLUSTERSIM_CHROMIUM``, else one on the ``PATH``; None if none."""
    env = os.environ.get("CLUSTERSIM_CHROMIUM", "").strip()
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        exe = shutil.which(name)
        if exe:
            return exe
    return None


_INSTALL = (
    "the PDF brief is printed by headless Chromium through Playwright: install the Debian "
    "package chromium (apt-get install chromium) or set CLUSTERSIM_CHROMIUM to a Chromium "
    "executable, and the Python package playwright (pip install 'clustersim[brief]'); or "
    "leave pdf out of --format"
)


def check_pdf_tools() -> str | None:
    """Check that the PDF brief can be printed; the Chromium path (None: Playwright's own).

    Raises:
        InputError: Playwright or a Chromium browser is missing (one message naming both).
    """
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise InputError.parameter("format", _INSTALL) from None
    exe = find_chromium()
    if exe is None and _playwright_browser() is None:
        raise InputError.parameter("format", _INSTALL)
    return exe


def _playwright_browser() -> str | None:
    """Playwright's own Chromium (``playwright install chromium``), if it is there."""
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            own = p.chromium.executable_path
    except Exception:  # pragma: no cover - depends on the machine
        return None
    return own if own and Path(own).exists() else None


def write_pdf(html_path: Path, path: Path) -> Path:
    """Print an HTML brief to an A4 PDF with headless Chromium (the print stylesheet applies).

    Playwright's synchronous API refuses to run in a thread with a running asyncio event loop
    (a Jupyter notebook, a Solara page, a test that holds a Playwright browser); there the
    printing runs in a worker thread of its own.

    Raises:
        InputError: Playwright or Chromium is missing (:func:`check_pdf_tools`).
    """
    exe = check_pdf_tools()
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop in this thread: print here
        return _print_pdf(exe, html_path, path)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="clustersim-pdf") as pool:
        return pool.submit(_print_pdf, exe, html_path, path).result()


def _print_pdf(exe: str | None, html_path: Path, path: Path) -> Path:
    """:func:`write_pdf` in a thread without a running event loop."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(html_path.resolve().as_uri(), wait_until="load")
                page.emulate_media(media="print")
                page.pdf(
                    path=str(path),
                    format="A4",
                    prefer_css_page_size=True,
                    print_background=True,
                    tagged=True,
                    outline=True,
                )
            finally:
                browser.close()
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError.parameter("format", f"Chromium could not print the PDF brief ({first}); "
                                   + _INSTALL) from None  # fmt: skip
    return path
