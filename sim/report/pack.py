"""The figure pack of a stored sweep: figures, tables and a brief, in ru and en.

:func:`write_report` takes a sweep read back from the store (:class:`~sim.store.reading.SweepData`,
never re-running the model) and writes, under ``out``::

    figures/<lang>/<chart>.png  .svg  .pdf     every chart that applies (PNG 300 dpi, PDF with
                                               embedded TrueType fonts)
    tables/<lang>/regimes.csv  regimes.xlsx    the regime table (effects in % with 95 % CIs)
    tables/<lang>/budget.csv   budget.xlsx     costs, extra tax revenue, budget efficiency
    tables/<lang>/sensitivity.csv .xlsx        Sobol or Morris indices with reliability flags,
                                               or one-at-a-time effects (sweeps that have them)
    brief_<lang>.html                          self-contained HTML brief (images embedded,
                                               print stylesheet for A4)
    brief_<lang>.pdf                           A4 PDF brief: the HTML printed by headless
                                               Chromium (Playwright), real text
    brief_<lang>.docx                          Word brief (python-docx), A4
    .clustersim-report                         marks the folder as a clustersim report

The three briefs render one document model (:func:`sim.report.document.build_document`).
The output folder (:func:`check_report_out`) may be new, empty, or a clustersim report folder
(it has the marker file); a report folder is replaced as a whole, so no file of an earlier
report is left beside the new one. Any other non-empty folder, or an existing file, is refused
before anything is read or written. The report is written into a private folder inside the
output folder and moved into place when complete, so a failure leaves the earlier report (or
nothing) behind. Every path goes through :mod:`sim.report.paths`: chart names made from regime
names are safe file names, and nothing is written outside the output folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure

from sim import __version__
from sim.analysis.comparison import DEFAULT_OUTCOMES, check_outcomes
from sim.errors import InputError
from sim.report import charts
from sim.report.brief import check_pdf_tools, write_html, write_pdf
from sim.report.data import ReportData, prepare
from sim.report.document import build_document
from sim.report.figures import figures
from sim.report.i18n import LANGS, check_lang, t
from sim.report.paths import output_folder, safe_component, under
from sim.report.sensitivity_table import write_sensitivity_tables
from sim.report.tables import budget_table, regime_table, write_csv, write_xlsx
from sim.report.word import check_docx_tools, write_docx
from sim.run.progress import Progress
from sim.store.reading import SweepData

__all__ = [
    "BRIEF_FORMATS",
    "FIGURE_FORMATS",
    "REPORT_MARKER",
    "Report",
    "check_report_out",
    "run_pack_dir",
    "save_figure",
    "write_report",
]

FIGURE_FORMATS = ("png", "svg", "pdf")
BRIEF_FORMATS = ("html", "pdf", "docx")
#: The file that marks a folder as a clustersim report (so a re-run may replace it).
REPORT_MARKER = ".clustersim-report"
_WORK_PREFIX = ".clustersim-writing-"


@dataclass
class Report:
    """What :func:`write_report` wrote.

    Attributes:
        out: The output folder.
        files: Every file written, relative to ``out``, sorted.
        charts: Chart names per language (file stems under ``figures/<lang>/``).
        notes: Charts skipped and why.
    """

    out: Path
    files: list[str] = field(default_factory=list)
    charts: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def run_pack_dir(sweep: str, root: str | Path = "results") -> Path:
    """``results/<sweep>/``: where ``clustersim run`` writes the report of its sweep.

    The sweep name is made a safe file name (:func:`sim.report.paths.safe_component`) and the
    folder is confined to ``root``. A re-run of the same sweep replaces the folder as a whole.
    """
    return under(root, safe_component(sweep))


def save_figure(fig: Figure, stem: Path, formats: Sequence[str] = FIGURE_FORMATS) -> list[Path]:
    """Save ``fig`` as ``stem.<fmt>`` for each format in the house style (PNG at 300 dpi)."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with charts.house_style():
        for ext in formats:
            path = stem.with_name(f"{stem.name}.{ext}")  # a name may hold dots (v1.5)
            meta = {"Creator": f"clustersim {__version__}"} if ext in ("pdf", "svg") else {}
            fig.savefig(path, format=ext, dpi=300, metadata=meta or None)
            written.append(path)
    return written


def check_report_out(out: str | Path) -> Path:
    """The report's output folder, if a report may be written there; nothing is created.

    Allowed: a folder that does not exist yet, an empty folder, or a clustersim report folder
    (it holds :data:`REPORT_MARKER`), which the new report replaces.

    Raises:
        InputError: ``out`` is an existing file, or a non-empty folder that is not a clustersim
            report.
    """
    path = output_folder(out)
    if path.is_dir() and not (path / REPORT_MARKER).is_file():
        other = [p.name for p in path.iterdir() if not p.name.startswith(_WORK_PREFIX)]
        if other:
            raise InputError.parameter(
                "out",
                f"'{path}' is a folder with other files in it ({len(other)} "
                f"entr{'ies' if len(other) > 1 else 'y'}, e.g. '{sorted(other)[0]}') and not a "
                "clustersim report folder; choose a new or empty folder",
            )
    return path


def check_report_options(
    langs: Sequence[str], formats: Sequence[str], figure_formats: Sequence[str]
) -> None:
    """Refuse unknown languages and formats before anything is read or written.

    Also checks that the tools of the brief formats asked for are installed (python-docx for
    DOCX; Playwright and Chromium for the PDF), so a missing one is one message up front.
    """
    for lang in langs:
        try:
            check_lang(lang)
        except ValueError as exc:
            raise InputError.parameter("lang", str(exc)) from None
    bad = [f for f in formats if f not in BRIEF_FORMATS]
    bad += [f for f in figure_formats if f not in FIGURE_FORMATS]
    if bad:
        raise InputError.parameter(
            "format",
            f"unknown format {', '.join(bad)}; brief formats: {', '.join(BRIEF_FORMATS)}",
        )
    if "docx" in formats:
        check_docx_tools()
    if "pdf" in formats:
        check_pdf_tools()


def write_report(
    data: SweepData,
    out: str | Path,
    *,
    langs: Sequence[str] = LANGS,
    formats: Sequence[str] = BRIEF_FORMATS,
    figure_formats: Sequence[str] = FIGURE_FORMATS,
    tables: bool = True,
    outcomes: Sequence[str] | None = None,
    progress: bool | Callable[[int, int], None] = False,
) -> Report:
    """Write the figure pack, the tables and the brief of a sweep read back from the store.

    Args:
        data: The sweep (:func:`sim.store.reading.read_sweep`).
        out: Output folder: new, empty or an earlier clustersim report (replaced as a whole;
            see :func:`check_report_out`).
        langs: Languages (``ru``, ``en``).
        formats: Brief formats (``html``, ``pdf``, ``docx``); empty: no brief. The PDF is
            the HTML printed by headless Chromium (Playwright); DOCX needs python-docx.
        figure_formats: Figure formats (``png``, ``svg``, ``pdf``).
        tables: Write the regime and budget tables (CSV and XLSX).
        outcomes: Headline outcomes (default output, employment, productivity, market_share).
        progress: Show a progress bar with ETA on a terminal (stderr): files written of the
            total, counted once the first language's figures are drawn; or a callback
            ``(done, total)`` called with the files written (first with 0 of the total).

    Returns:
        A :class:`Report` listing the files written.

    Raises:
        InputError: Unknown language, format or outcome; a sweep without completed runs;
            ``out`` is a file or a folder of something else (:func:`check_report_out`).
    """
    check_report_options(langs, formats, figure_formats)
    outcomes = list(outcomes or DEFAULT_OUTCOMES)
    check_outcomes(outcomes)
    out = check_report_out(out)
    rep = Report(out=out)
    d = prepare(data, outcomes, rep.notes)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=_WORK_PREFIX, dir=out))
    try:
        written = _write_all(d, work, rep, langs, formats, figure_formats, tables, progress)
        (work / REPORT_MARKER).write_text(
            f"clustersim {__version__} report of sweep {d.sweep['name']!r}; "
            "`clustersim report` replaces this folder as a whole\n",
            encoding="utf-8",
        )
        _install(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    rep.files = sorted(p.relative_to(work).as_posix() for p in written)
    return rep


def _write_all(
    d: ReportData,
    work: Path,
    rep: Report,
    langs: Sequence[str],
    formats: Sequence[str],
    figure_formats: Sequence[str],
    tables: bool,
    progress: bool | Callable[[int, int], None] = False,
) -> list[Path]:
    """Write every file of the report into ``work``; return the paths written."""
    written: list[Path] = []
    bar: Progress | None = None
    has_tables = tables and not d.table.empty
    try:
        for lang in langs:
            notes: list[str] = []
            # chart names carry regime names: made safe file names once, used everywhere below
            figs = {safe_component(k): v for k, v in figures(d, lang, notes).items()}
            if bar is None:
                per_lang = len(figs) * len(figure_formats) + 4 * has_tables + len(formats)
                callback = progress if callable(progress) else None
                bar = Progress(len(langs) * per_lang, bool(progress) and callback is None,
                               unit="files", callback=callback)  # fmt: skip
            if lang == langs[0]:
                rep.notes.extend(notes)
            rep.charts[lang] = list(figs)
            for name, fig in figs.items():
                written += save_figure(fig, under(work, "figures", lang, name), figure_formats)
                bar(len(figure_formats))
            n_before = len(written)
            _write_documents(d, work, lang, figs, formats, figure_formats, has_tables, written)
            bar(len(written) - n_before)
    finally:
        if bar is not None:
            bar.close()
    return written


def _write_documents(
    d: ReportData,
    work: Path,
    lang: str,
    figs: dict[str, Figure],
    formats: Sequence[str],
    figure_formats: Sequence[str],
    tables: bool,
    written: list[Path],
) -> None:
    """Write one language's tables and briefs into ``work``, appending to ``written``."""
    if tables:
        reg, reg_kinds = regime_table(d, lang)
        bud, bud_kinds = budget_table(d, lang)
        tdir = under(work, "tables", lang)
        written.append(write_csv(reg, tdir / "regimes.csv", lang))
        written.append(write_csv(bud, tdir / "budget.csv", lang))
        sheet_r, sheet_b = t("h_regimes", lang), t("h_budget", lang)
        written.append(write_xlsx({sheet_r: (reg, reg_kinds)}, tdir / "regimes.xlsx"))
        written.append(write_xlsx({sheet_b: (bud, bud_kinds)}, tdir / "budget.xlsx"))
        written += write_sensitivity_tables(d, lang, tdir)  # Sobol, Morris or one-at-a-time
    if formats:
        pngs = under(work, "figures", lang) if "png" in figure_formats else None
        doc = build_document(d, lang, figs, pngs)
        html_path = under(work, f"brief_{lang}.html")
        if "html" in formats or "pdf" in formats:
            write_html(doc, html_path)
        if "html" in formats:
            written.append(html_path)
        if "pdf" in formats:
            written.append(write_pdf(html_path, under(work, f"brief_{lang}.pdf")))
            if "html" not in formats:
                html_path.unlink()
        if "docx" in formats:
            written.append(write_docx(doc, under(work, f"brief_{lang}.docx")))


def _install(work: Path, out: Path) -> None:
    """Replace what ``out`` holds (an earlier report, or nothing) by the report in ``work``."""
    for entry in list(out.iterdir()):  # also what an interrupted earlier run left behind
        if entry.name == work.name:  # (mkdtemp gives an absolute path, iterdir maybe not)
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for entry in list(work.iterdir()):
        os.replace(entry, out / entry.name)
    work.rmdir()
