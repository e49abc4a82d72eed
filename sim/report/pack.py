"""The figure pack of a stored sweep: figures, tables and a brief, in ru and en.

:func:`write_report` takes a sweep read back from the store (:class:`~sim.store.reading.SweepData`,
never re-running the model) and writes, under ``out``::

    figures/<lang>/<chart>.png  .svg  .pdf     every chart that applies (PNG 300 dpi, PDF with
                                               embedded TrueType fonts)
    tables/<lang>/regimes.csv  regimes.xlsx    the regime table (effects in % with 95 % CIs)
    tables/<lang>/budget.csv   budget.xlsx     costs, extra tax revenue, budget efficiency
    brief_<lang>.html                          self-contained HTML brief (images embedded)
    brief_<lang>.pdf                           PDF brief (matplotlib PdfPages, selectable text)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from matplotlib.figure import Figure

from sim import __version__
from sim.analysis.comparison import DEFAULT_OUTCOMES, check_outcomes
from sim.errors import InputError
from sim.report import charts
from sim.report.brief import write_html, write_pdf
from sim.report.data import prepare
from sim.report.figures import figures
from sim.report.i18n import LANGS, check_lang, t
from sim.report.tables import budget_table, regime_table, write_csv, write_xlsx
from sim.store.reading import SweepData

__all__ = [
    "BRIEF_FORMATS",
    "FIGURE_FORMATS",
    "Report",
    "default_pack_dir",
    "save_figure",
    "write_report",
]

FIGURE_FORMATS = ("png", "svg", "pdf")
BRIEF_FORMATS = ("html", "pdf")


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


def default_pack_dir(scenario: str, root: str | Path = "results") -> Path:
    """``results/<scenario>-<UTC timestamp>/`` (a suffix is added if it exists)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = Path(root) / f"{scenario}-{stamp}"
    path, i = base, 1
    while path.exists():
        i += 1
        path = base.with_name(f"{base.name}-{i}")
    return path


def save_figure(fig: Figure, stem: Path, formats: Sequence[str] = FIGURE_FORMATS) -> list[Path]:
    """Save ``fig`` as ``stem.<fmt>`` for each format in the house style (PNG at 300 dpi)."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with charts.house_style():
        for ext in formats:
            path = stem.with_suffix(f".{ext}")
            meta = {"Creator": f"clustersim {__version__}"} if ext in ("pdf", "svg") else {}
            fig.savefig(path, format=ext, dpi=300, metadata=meta or None)
            written.append(path)
    return written


def check_report_options(
    langs: Sequence[str], formats: Sequence[str], figure_formats: Sequence[str]
) -> None:
    """Refuse unknown languages and formats before anything is read or written."""
    for lang in langs:
        try:
            check_lang(lang)
        except ValueError as exc:
            raise InputError.parameter("lang", str(exc)) from None
    bad = [f for f in formats if f not in BRIEF_FORMATS]
    bad += [f for f in figure_formats if f not in FIGURE_FORMATS]
    if bad:
        raise InputError.parameter(
            "format", f"unknown format {', '.join(bad)}; brief formats: html, pdf"
        )


def write_report(
    data: SweepData,
    out: str | Path,
    *,
    langs: Sequence[str] = LANGS,
    formats: Sequence[str] = BRIEF_FORMATS,
    figure_formats: Sequence[str] = FIGURE_FORMATS,
    tables: bool = True,
    outcomes: Sequence[str] | None = None,
) -> Report:
    """Write the figure pack, the tables and the brief of a sweep read back from the store.

    Args:
        data: The sweep (:func:`sim.store.reading.read_sweep`).
        out: Output folder (created).
        langs: Languages (``ru``, ``en``).
        formats: Brief formats (``html``, ``pdf``); empty: no brief.
        figure_formats: Figure formats (``png``, ``svg``, ``pdf``).
        tables: Write the regime and budget tables (CSV and XLSX).
        outcomes: Headline outcomes (default output, employment, productivity, market_share).

    Returns:
        A :class:`Report` listing the files written.

    Raises:
        InputError: Unknown language, format or outcome; a sweep without completed runs.
    """
    check_report_options(langs, formats, figure_formats)
    outcomes = list(outcomes or DEFAULT_OUTCOMES)
    check_outcomes(outcomes)
    out = Path(out)
    rep = Report(out=out)
    d = prepare(data, outcomes, rep.notes)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for lang in langs:
        notes: list[str] = []
        figs = figures(d, lang, notes)
        if lang == langs[0]:
            rep.notes.extend(notes)
        rep.charts[lang] = list(figs)
        for name, fig in figs.items():
            written += save_figure(fig, out / "figures" / lang / name, figure_formats)
        if tables and not d.table.empty:
            reg, reg_kinds = regime_table(d, lang)
            bud, bud_kinds = budget_table(d, lang)
            tdir = out / "tables" / lang
            written.append(write_csv(reg, tdir / "regimes.csv", lang))
            written.append(write_csv(bud, tdir / "budget.csv", lang))
            sheet_r, sheet_b = t("h_regimes", lang), t("h_budget", lang)
            written.append(write_xlsx({sheet_r: (reg, reg_kinds)}, tdir / "regimes.xlsx"))
            written.append(write_xlsx({sheet_b: (bud, bud_kinds)}, tdir / "budget.xlsx"))
        if "html" in formats:
            pngs = out / "figures" / lang if "png" in figure_formats else None
            written.append(write_html(d, lang, figs, out / f"brief_{lang}.html", pngs))
        if "pdf" in formats:
            written.append(write_pdf(d, lang, figs, out / f"brief_{lang}.pdf"))
    rep.files = sorted(str(p.relative_to(out)) for p in written)
    return rep
