"""The brief: a self-contained HTML page and a PDF of a sweep.

Both hold the regime table, the public-finance accounts per budget level and additionality (the
same figures as the terminal and the page: :func:`sim.report.tables.accounts_view`,
:func:`sim.report.tables.additionality_view`), the charts, a method note and the scenario's
assumptions with their sources.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
import tomllib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from sim import __version__
from sim.analysis.robustness import LEVELS, across_worlds
from sim.report import charts
from sim.report.data import ReportData
from sim.report.figures import MIN_WORLDS_FOR_CDF, point_values
from sim.report.i18n import arm_label, fmt, fmt_ci, outcome_label, param_label, t, unit
from sim.report.tables import accounts_notes, accounts_view, additionality_view, io_view
from sim.scenario.schema import ARM_DE_FACTO

__all__ = ["key_assumptions", "write_html", "write_pdf"]


def key_assumptions(toml_text: str) -> list[dict[str, Any]]:
    """Every ``{value, unit, source}`` entry of a scenario TOML, as ``key, value, unit, source``."""
    data = tomllib.loads(toml_text)
    rows: list[dict[str, Any]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "value" in node and "source" in node:
                rows.append(
                    {
                        "key": path,
                        "value": node["value"],
                        "unit": node.get("unit", ""),
                        "source": node["source"],
                    }
                )
                return
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")

    walk(data, "")
    return rows


_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 72em; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.8em; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.4em; vertical-align: top; }
th { background: #0072B2; color: #fff; text-align: left; }
td.n { text-align: right; white-space: nowrap; }
.wrap { overflow-x: auto; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto; }
figcaption, .source { font-size: 0.8em; color: #555; }
"""


def _regime_rows(d: ReportData, lang: str) -> tuple[list[str], list[list[str]]]:
    point_head = "; ".join(param_label(p, lang) for p in d.params) or t("col_point", lang)
    head = [point_head, t("col_arm", lang), t("col_n", lang)]
    head += [f"{outcome_label(o, lang)}, %" for o in d.outcomes]
    rows = []
    for _, r in d.table.iterrows():
        label = point_values(d, int(r["point"]), lang) or str(int(r["point"]))
        cells = [label, arm_label(r["arm"], lang, d.info.titles), fmt(r["n"], lang, 0)]
        cells += [
            fmt_ci(r[f"{o}_pct"], r[f"{o}_pct_ci_low"], r[f"{o}_pct_ci_high"], lang)
            for o in d.outcomes
        ]
        rows.append(cells)
    return head, rows


def _accounts(
    d: ReportData, lang: str
) -> tuple[tuple[str, str], pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Legend lines, the accounts (per regime and budget level), additionality, input-output."""
    many = d.table["point"].nunique() > 1 if "point" in d.table.columns else False
    points = (
        {int(p): point_values(d, int(p), lang) or str(int(p)) for p in d.table["point"]}
        if many
        else None
    )
    notes = accounts_notes(
        lang,
        discount_rate=d.scenario.experiment.discount_rate.value,
        quarters=int(d.df["quarter"].max()),
    )
    kw: dict[str, Any] = {"titles": d.info.titles, "points": points}
    return (
        notes,
        accounts_view(d.table, lang, **kw),
        additionality_view(d.table, lang, **kw),
        io_view(d.table, lang, **kw),
    )


def _html_table(head: list[str], rows: list[list[str]], numeric_from: int = 2) -> str:
    out = ['<div class="wrap"><table><thead><tr>']
    out += [f"<th>{html.escape(h)}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for r in rows:
        out.append("<tr>")
        for j, c in enumerate(r):
            cls = ' class="n"' if j >= numeric_from else ""
            out.append(f"<td{cls}>{html.escape(str(c))}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _title(d: ReportData, lang: str) -> str:
    sc = d.scenario.scenario
    return t("brief_title", lang, title=(sc.title_ru or sc.title) if lang == "ru" else sc.title)


def _method(d: ReportData, lang: str) -> str:
    rate = d.scenario.experiment.discount_rate.value
    return t(
        "method_note",
        lang,
        reps=d.info.replications,
        quarters=int(d.df["quarter"].max()),
        rate=fmt(rate * 100, lang, 1) + ("\u202f%" if lang == "ru" else "%"),
    )


def _assumption_rows(d: ReportData, lang: str) -> list[list[str]]:
    rows = []
    for a in key_assumptions(d.scenario_row["toml_text"]):
        v = a["value"]
        value = fmt(v, lang, 3).rstrip("0").rstrip(",.") if isinstance(v, float) else str(v)
        rows.append([a["key"], value, unit(str(a["unit"]), lang), str(a["source"])])
    return rows


def _drawn(d: ReportData) -> bool:
    """Whether the sweep's points are draws (lhs, sobol, morris), not cases to list one by one."""
    return (d.sweep["spec"].get("design") or {}).get("method") in ("lhs", "sobol", "morris")


def _at_base(d: ReportData) -> ReportData:
    """The report data with the regime table cut to the base point (for drawn designs)."""
    return replace(d, table=d.table[d.table["point"] == d.base_point])


def _uncertainty_rows(d: ReportData, lang: str) -> list[list[str]]:
    """Every ``[[uncertainties]]`` entry: key, range (or values, or fixed), source or reason."""
    rows = []
    for u in d.scenario.uncertainties:
        if u.fixed:
            what, why = t("fixed", lang), u.reason
        elif u.values is not None:
            what, why = " / ".join(fmt(v, lang, 3) for v in u.values), u.source
        else:
            lo, hi = u.bounds
            what, why = f"{fmt(lo, lang, 3)} – {fmt(hi, lang, 3)}", u.source
        rows.append([u.key, what, why])
    return rows


def _worlds_rows(d: ReportData, lang: str) -> tuple[list[str], list[list[str]]]:
    """Each regime across the sweep's worlds (median [band], >0, registration, net, regret)."""
    regimes = [a for a in d.sweep["arms"] if a != ARM_DE_FACTO]
    outs = d.outcomes[:2]
    summary = across_worlds(d.table, regimes, outcomes=outs)
    head = [t("col_arm", lang)]
    head += [f"{outcome_label(o, lang)}, %" for o in outs]
    head += [t("col_registered", lang)]
    mln = ", млн руб." if lang == "ru" else ", mln RUB"
    head += [t("app_net", lang, level=t(lvl, lang)) + mln for lvl in LEVELS]
    head += [t("col_regret", lang)]
    rows = []
    for _, r in summary.iterrows():
        cells = [arm_label(r["arm"], lang, d.info.titles)]
        for o in outs:
            band = fmt_ci(r[f"{o}_median"], r[f"{o}_low"], r[f"{o}_high"], lang)
            cells.append(f"{band}; >0: {fmt(100 * r[f'{o}_positive'], lang, 0)} %")
        q = r["registration_quarter"]
        reg = f"{fmt(100 * r['registered'], lang, 0)} %"
        cells.append(reg + (f", q{q:.0f}" if pd.notna(q) else ""))
        for lvl in LEVELS:
            m, lo, hi = (r[f"net_{lvl}_{q}"] for q in ("median", "low", "high"))
            cells.append(fmt_ci(m, lo, hi, lang, 0))
        cells.append(f"{fmt(r['regret_median'], lang, 2)} / {fmt(r['regret_p90'], lang, 2)}")
        rows.append(cells)
    return head, rows


def _png_data(fig: Figure, saved: Path | None = None) -> str:
    if saved is not None and saved.exists():
        return base64.b64encode(saved.read_bytes()).decode("ascii")
    buf = io.BytesIO()
    with charts.house_style():
        fig.savefig(buf, format="png", dpi=200)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def write_html(
    d: ReportData, lang: str, figs: dict[str, Figure], path: Path, png_dir: Path | None = None
) -> Path:
    """The HTML brief: regime table, charts embedded as PNG data, method note, assumptions.

    ``png_dir`` holds PNGs already saved by the figure pack (reused instead of re-rendering).
    """
    title = _title(d, lang)
    full, d = d, (_at_base(d) if _drawn(d) else d)
    head, rows = _regime_rows(d, lang)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="source">{html.escape(t("sweep", lang))}: {html.escape(d.sweep["name"])}. '
        f"{html.escape(d.info.line(lang))}.</p>",
        f"<h2>{html.escape(t('h_regimes', lang))}</h2>",
        _html_table(head, rows),
    ]
    (note, add_note), acc, add, io = _accounts(d, lang)
    labels = (t("col_point", lang), t("col_arm", lang), t("col_level", lang))
    left = len([c for c in acc.columns if c in labels])
    parts += [
        f"<h2 id=\"accounts\">{html.escape(t('h_accounts', lang))}</h2>",
        f'<p class="source">{html.escape(note)}</p>',
        _html_table(list(acc.columns), acc.to_numpy().tolist(), numeric_from=left),
        f"<h2 id=\"additionality\">{html.escape(t('h_additionality', lang))}</h2>",
        f'<p class="source">{html.escape(add_note)}</p>',
        _html_table(list(add.columns), add.to_numpy().tolist(), numeric_from=left - 1),
    ]
    if io is not None:
        parts += [
            f"<h3 id=\"io\">{html.escape(t('h_io', lang))}</h3>",
            f'<p class="source">{html.escape(t("io_note", lang))}</p>',
            _html_table(list(io.columns), io.to_numpy().tolist(), numeric_from=left - 1),
        ]
    if _drawn(full) and full.table["point"].nunique() >= MIN_WORLDS_FOR_CDF:
        w_head, w_rows = _worlds_rows(full, lang)
        worlds = int(full.table["point"].nunique())
        parts += [
            f"<h2 id=\"worlds\">{html.escape(t('h_worlds', lang))}</h2>",
            f'<p class="source">{html.escape(t("worlds_note", lang, worlds=worlds))}</p>',
            _html_table(w_head, w_rows, numeric_from=1),
        ]
    parts += [
        f"<h2>{html.escape(t('h_charts', lang))}</h2>",
    ]
    for name, fig in figs.items():
        cap = getattr(fig, "_clustersim_title", name).replace("\n", " ")
        parts.append(
            f'<figure id="{html.escape(name)}"><img alt="{html.escape(cap)}" '
            f'src="data:image/png;base64,{_png_data(fig, png_dir and png_dir / f"{name}.png")}">'
            f"<figcaption>{html.escape(cap)}</figcaption></figure>"
        )
    parts += [
        f"<h2>{html.escape(t('h_method', lang))}</h2>",
        f"<p>{html.escape(_method(d, lang))}</p>",
        f"<h2 id=\"uncertainty\">{html.escape(t('h_uncertainty', lang))}</h2>",
        f'<p class="source">{html.escape(t("uncertainty_note", lang))}</p>',
        _html_table(
            [t("col_key", lang), t("col_range", lang), t("col_reason", lang)],
            _uncertainty_rows(d, lang),
            numeric_from=99,
        ),
        f"<h2>{html.escape(t('h_assumptions', lang))}</h2>",
        _html_table(
            [t("col_key", lang), t("col_value", lang), t("col_unit", lang), t("col_source", lang)],
            _assumption_rows(d, lang),
            numeric_from=99,
        ),
        f'<p class="source">{html.escape(t("generated", lang))} clustersim {__version__}, '
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC.</p>",
        "</body></html>",
    ]
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _text_page(pdf: PdfPages, lines: list[tuple[str, float, str]]) -> None:
    """One A4 page of wrapped text lines ``(text, size, weight)``; spills onto more pages."""
    with charts.house_style():
        fig = Figure(figsize=(8.27, 11.69))
        y = 0.95
        for text, size, weight in lines:
            width = int(105 * 8 / size)
            for para in text.split("\n"):
                for ln in textwrap.wrap(para, width) or [""]:
                    if y < 0.05:
                        pdf.savefig(fig)
                        fig = Figure(figsize=(8.27, 11.69))
                        y = 0.95
                    fig.text(
                        0.07,
                        y,
                        ln,
                        fontsize=size,
                        fontweight=weight,
                        va="top",
                        family="DejaVu Sans Mono" if weight == "mono" else None,
                    )
                    y -= size * 1.45 / (11.69 * 72)
            y -= 0.008 if size >= 10 else 0.0
        pdf.savefig(fig)


def _pdf_records(view: pd.DataFrame, keys: int) -> list[tuple[str, float, str]]:
    """A view as PDF text: a bold line of its ``keys`` label cells, then ``column: value``."""
    lines: list[tuple[str, float, str]] = []
    for row in view.to_numpy().tolist():
        lines.append((" — ".join(map(str, row[:keys])), 8, "bold"))
        cells = [f"{h}: {c}" for h, c in zip(view.columns[keys:], row[keys:], strict=True)]
        lines.append(("    " + "; ".join(cells), 7, "normal"))
    return lines


def write_pdf(d: ReportData, lang: str, figs: dict[str, Figure], path: Path) -> Path:
    """The PDF brief: a text section (title, regime table, method, assumptions), then charts."""
    head, rows = _regime_rows(d, lang)
    lines: list[tuple[str, float, str]] = [
        (_title(d, lang), 16, "bold"),
        (f"{t('sweep', lang)}: {d.sweep['name']}. {d.info.line(lang)}.", 8, "normal"),
        (t("h_regimes", lang), 12, "bold"),
    ]
    for r in rows:
        lines.append((f"{r[1]} ({r[0]}):", 8, "bold"))
        for h, c in zip(head[2:], r[2:], strict=True):
            lines.append((f"    {h}: {c}", 8, "normal"))
    (note, add_note), acc, add, io = _accounts(d, lang)
    lines += [(t("h_accounts", lang), 12, "bold"), (note, 7, "normal")]
    lines += _pdf_records(acc, 2 if t("col_point", lang) not in acc.columns else 3)
    lines += [(t("h_additionality", lang), 12, "bold"), (add_note, 7, "normal")]
    lines += _pdf_records(add, 1 if t("col_point", lang) not in add.columns else 2)
    if io is not None:
        lines += [(t("h_io", lang), 10, "bold"), (t("io_note", lang), 7, "normal")]
        lines += _pdf_records(io, 1 if t("col_point", lang) not in io.columns else 2)
    lines += [(t("h_method", lang), 12, "bold"), (_method(d, lang), 8, "normal")]
    lines.append((t("h_assumptions", lang), 12, "bold"))
    for k, v, u, s in _assumption_rows(d, lang):
        lines.append((f"{k} = {v} {u} — {s}", 7, "normal"))
    meta = {"Title": _title(d, lang), "Creator": f"clustersim {__version__}"}
    with charts.house_style(), PdfPages(path, metadata=meta) as pdf:
        _text_page(pdf, lines)
        for fig in figs.values():
            pdf.savefig(fig)
    return path
