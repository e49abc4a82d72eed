"""Strategy-document outputs of a stored sweep: figure pack, tables and a brief, in ru and en.

:func:`build_report` reads one sweep from the results store (never re-running the model) and
writes, under ``out``::

    figures/<lang>/<chart>.png  .svg  .pdf     every chart that applies (PNG 300 dpi, PDF with
                                               embedded TrueType fonts)
    tables/<lang>/regimes.csv  regimes.xlsx    the regime table (effects in % with 95 % CIs)
    tables/<lang>/budget.csv   budget.xlsx     costs, extra tax revenue, budget efficiency
    brief_<lang>.html                          self-contained HTML brief (images embedded)
    brief_<lang>.pdf                           PDF brief (matplotlib PdfPages, selectable text)

Russian CSV files use ``;`` and a decimal comma (what Excel expects in a Russian locale),
English ones ``,`` and a point; both are UTF-8 with a byte-order mark. Excel workbooks have
formatted headers with units, a frozen first row and number formats.
"""

from __future__ import annotations

import base64
import html
import io
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from sim import __version__, charts
from sim.errors import InputError
from sim.i18n import (
    LANGS,
    arm_label,
    check_lang,
    fmt,
    fmt_ci,
    outcome_label,
    param_label,
    regime_titles,
    t,
    unit,
)
from sim.outcomes import outcome
from sim.scenario.loader import scenario_from_dict
from sim.scenario.schema import ARM_DE_FACTO

__all__ = [
    "BRIEF_FORMATS",
    "FIGURE_FORMATS",
    "Report",
    "build_report",
    "default_pack_dir",
    "key_assumptions",
    "save_figure",
]

FIGURE_FORMATS = ("png", "svg", "pdf")
BRIEF_FORMATS = ("html", "pdf")
DEFAULT_OUTCOMES = ["output", "employment", "productivity", "market_share"]


@dataclass
class Report:
    """What :func:`build_report` wrote.

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


@dataclass
class _Data:
    sweep: dict[str, Any]
    scenario: Any
    scenario_row: dict[str, Any]
    df: pd.DataFrame
    runs: pd.DataFrame
    design: pd.DataFrame
    table: pd.DataFrame
    base_point: int
    params: list[str]
    networks: dict[str, tuple[pd.DataFrame, pd.DataFrame]]
    sensitivity: dict[str, pd.DataFrame]
    info: charts.SourceInfo
    outcomes: list[str]


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


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------
def _load(name: str, db: str | None, outcomes: list[str], notes: list[str]) -> _Data:
    from sim.store import open_store
    from sim.store.network import read_network
    from sim.sweep_analysis import compare_sweep, sensitivity

    with open_store(db) as store:
        sw = store.get_sweep(name)
        if sw is None:
            names = list(store.list_sweeps()["name"])
            raise InputError.single(
                "--sweep",
                f"no sweep named '{name}' in {store.url_masked}; stored sweeps: "
                + (", ".join(names) if names else "(none)"),
            )
        row = store.scenario_for_sweep(name)
        df = store.outcomes(name)
        runs = store.runs(name)
        design = store.design_points(name, include_hash=True)
        if df.empty:
            raise InputError.single("--sweep", f"sweep '{name}' has no completed runs yet")
        sc = scenario_from_dict(tomllib.loads(row["toml_text"]))
        same = design.index[design["scenario_hash"] == sw["scenario_hash"]]
        base_point = int(design.loc[same[0], "point"]) if len(same) else int(design["point"].min())
        regimes = [a for a in sw["arms"] if a != ARM_DE_FACTO]
        networks: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
        for arm in [a for a in (ARM_DE_FACTO, *regimes[:1]) if a in sw["arms"]]:
            try:
                networks[arm] = read_network(store, name, arm, replicate=0, point=base_point)
            except LookupError as exc:
                notes.append(f"network chart skipped for {arm}: {exc}")
    try:
        table = compare_sweep(name, db=db, outcomes=outcomes)
    except KeyError as exc:  # sim.analysis.compare with one replicate: CI columns all NaN
        notes.append(f"regime table unavailable ({exc}); comparison charts and tables skipped")
        table = pd.DataFrame()
    params = [c for c in design.columns if c not in ("point", "scenario_hash")]
    method = (sw["spec"].get("design") or {}).get("method", "none")
    sens: dict[str, pd.DataFrame] = {}
    if method in ("sobol", "morris"):
        try:
            sens[method] = sensitivity(name, method, outcomes[0], db=db)
        except (InputError, ImportError) as exc:
            notes.append(f"{method} chart skipped: {exc}")
    titles = regime_titles(sc)
    info = charts.SourceInfo(
        scenario=row["name"],
        scenario_hash=row["hash"],
        replications=int(sw["replications"]),
        titles=titles,
    )
    return _Data(
        sw, sc, row, df, runs, design, table, base_point, params, networks, sens, info, outcomes
    )


def _oat(
    table: pd.DataFrame, params: list[str], base: pd.Series, arm: str, o: str, df: pd.DataFrame
) -> pd.DataFrame | None:
    """One-at-a-time effects (absolute) at each parameter's lowest and highest value."""
    from sim.analysis import effects

    eff = effects(df[df["arm"].isin([ARM_DE_FACTO, arm])], [o]).set_index("point")["effect"]
    rows = []
    design = table[table["arm"] == arm]
    for p in params:
        others = [q for q in params if q != p]
        sel = design
        for q in others:
            sel = sel[sel[q] == base[q]]
        if sel[p].nunique() < 2:
            continue
        lo_pt = int(sel.loc[sel[p].idxmin(), "point"])
        hi_pt = int(sel.loc[sel[p].idxmax(), "point"])
        rows.append(
            {"parameter": p, "arm": arm, "outcome": o, "low": eff.get(lo_pt, np.nan),
             "high": eff.get(hi_pt, np.nan)}
        )  # fmt: skip
    return pd.DataFrame(rows) if len(rows) >= 2 else None


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------
def _numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _point_label(d: _Data, point: int, lang: str) -> str:
    if not d.params:
        return ""
    row = d.design[d.design["point"] == point].iloc[0]
    parts = []
    for p in d.params:
        v = row[p]
        parts.append(f"{param_label(p, lang)} = {fmt(v, lang, 3) if _numeric(d.design[p]) else v}")
    return "; ".join(parts)


def _point_values(d: _Data, point: int, lang: str) -> str:
    row = d.design[d.design["point"] == point].iloc[0]
    return "; ".join(
        fmt(row[p], lang, 3) if _numeric(d.design[p]) else str(row[p]) for p in d.params
    )


def _figures(d: _Data, lang: str, notes: list[str]) -> dict[str, Figure]:
    figs: dict[str, Figure] = {}
    info = d.info
    arms = list(d.sweep["arms"])
    regimes = [a for a in arms if a != ARM_DE_FACTO]
    bp = d.base_point
    if ARM_DE_FACTO not in arms or not regimes or d.table.empty:
        notes.append("comparison charts skipped: the sweep has no de_facto arm and regime")
    else:
        many = d.design["point"].nunique() > 1
        for p in sorted(d.table["point"].unique()):
            key = f"regime_comparison_p{p}" if many else "regime_comparison"
            figs[key] = charts.regime_comparison(
                d.table, d.outcomes, lang=lang, point=int(p), info=info,
                subtitle=_point_label(d, int(p), lang),
            )  # fmt: skip
            if not many or int(p) == bp:
                figs["budget"] = charts.budget_chart(d.table, lang=lang, point=bp, info=info)
        for arm in regimes:
            figs[f"fan_{d.outcomes[0]}_{arm}"] = charts.fan_chart(
                d.df, d.outcomes[0], arm, lang=lang, runs=d.runs, point=bp, info=info
            )
        numeric = [p for p in d.params if _numeric(d.design[p]) and d.design[p].nunique() > 1]
        method = (d.sweep["spec"].get("design") or {}).get("method", "none")
        if method == "grid" and numeric:
            for o in d.outcomes:
                figs[f"dose_response_{o}"] = charts.dose_response(
                    d.table, numeric[0], o, lang=lang, info=info
                )
            base = d.design[d.design["point"] == bp].iloc[0]
            oat = _oat(d.table, numeric, base, regimes[0], d.outcomes[0], d.df)
            if oat is not None:
                figs["tornado"] = charts.tornado_chart(oat, lang=lang, info=info)
    if "morris" in d.sensitivity:
        figs["tornado"] = charts.tornado_chart(d.sensitivity["morris"], lang=lang, info=info)
    if "sobol" in d.sensitivity:
        figs["sobol"] = charts.sobol_chart(d.sensitivity["sobol"], lang=lang, info=info)
    horizon = int(d.df["quarter"].max())
    for arm, (nodes, edges) in d.networks.items():
        figs[f"network_{arm}"] = charts.network_chart(
            nodes, edges, lang=lang, arm=arm, quarter=horizon, info=info
        )
    reg = d.scenario.registry
    figs["timeline"] = charts.timeline_chart(
        d.df, lang=lang, point=bp, info=info,
        min_industrial_participants=reg.min_industrial_participants.value,
        fd_default=reg.functional_dependence_default.value,
        fd_reduced=reg.functional_dependence_reduced.value,
    )  # fmt: skip
    return figs


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------
def _regime_table(d: _Data, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """Localised regime table and the number format of each column ("text", "0", "0.0")."""
    cols: dict[str, Any] = {}
    kinds: list[str] = []
    tab = d.table
    cols[t("col_point", lang)] = tab["point"].astype(int)
    kinds.append("0")
    for p in d.params:
        cols[param_label(p, lang)] = tab[p]
        kinds.append("0.000" if _numeric(tab[p]) else "text")
    cols[t("col_arm", lang)] = [arm_label(a, lang, d.info.titles) for a in tab["arm"]]
    kinds.append("text")
    cols[t("col_n", lang)] = tab["n"].astype(int)
    kinds.append("0")
    pct = t("pct", lang)
    for o in d.outcomes:
        lab = outcome_label(o, lang)
        cols[f"{lab}, {t('effect_pct_short', lang)}"] = tab[f"{o}_pct"]
        cols[f"{lab}, {t('ci_low', lang)}, {pct}"] = tab[f"{o}_pct_ci_low"]
        cols[f"{lab}, {t('ci_high', lang)}, {pct}"] = tab[f"{o}_pct_ci_high"]
        kinds += ["0.0", "0.0", "0.0"]
    return pd.DataFrame(cols), kinds


def _budget_table(d: _Data, lang: str) -> tuple[pd.DataFrame, list[str]]:
    tab = d.table
    mln = t("mln_rub", lang)
    cols: dict[str, Any] = {
        t("col_point", lang): tab["point"].astype(int),
        t("col_arm", lang): [arm_label(a, lang, d.info.titles) for a in tab["arm"]],
    }
    kinds = ["0", "text"]
    for c in ("cost_total", "cost_federal", "cost_regional", "extra_tax_federal",
              "extra_tax_regional"):  # fmt: skip
        cols[f"{t('col_' + c, lang)}, {mln}"] = tab[c]
        kinds.append("#,##0.0")
    for level in ("federal", "regional", "total"):
        lab = t(f"col_be_{level}", lang)
        cols[f"{lab}, {t('ratio', lang)}"] = tab[f"be_{level}"]
        cols[f"{lab}, {t('ci_low', lang)}"] = tab[f"be_{level}_ci_low"]
        cols[f"{lab}, {t('ci_high', lang)}"] = tab[f"be_{level}_ci_high"]
        kinds += ["0.00", "0.00", "0.00"]
    cols[f"{t('col_output_per_rouble', lang)}, {t('rub_per_rub', lang)}"] = tab["output_per_rouble"]
    kinds.append("0.00")
    return pd.DataFrame(cols), kinds


def write_csv(frame: pd.DataFrame, path: Path, lang: str) -> Path:
    """CSV for a spreadsheet in that language: ``;`` and decimal comma in Russian; UTF-8 BOM."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if lang == "ru":
        frame.to_csv(path, index=False, sep=";", decimal=",", encoding="utf-8-sig")
    else:
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def write_xlsx(frames: dict[str, tuple[pd.DataFrame, list[str]]], path: Path) -> Path:
    """An Excel workbook, one sheet per frame: bold wrapped headers, frozen first row.

    Raises:
        InputError: When openpyxl (the ``excel`` extra) is not installed.
    """
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
        from openpyxl.utils import get_column_letter
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputError.single(
            "--format", "Excel output needs openpyxl: pip install 'clustersim[excel]'"
        ) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="0072B2")
    thin = Side(style="thin", color="999999")
    for sheet, (frame, kinds) in frames.items():
        ws = wb.create_sheet(sheet[:31])
        ws.append(list(frame.columns))
        for rec in frame.itertuples(index=False):
            ws.append(
                [
                    None
                    if isinstance(v, float) and not np.isfinite(v)
                    else (v.item() if isinstance(v, np.generic) else v)
                    for v in rec
                ]
            )
        for j, (col, kind) in enumerate(zip(frame.columns, kinds, strict=True), start=1):
            cell = ws.cell(row=1, column=j)
            cell.font = head_font
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = Border(bottom=thin)
            letter = get_column_letter(j)
            width = max(10, min(34, len(str(col)) // 2 + 4))
            if kind == "text":
                width = max(width, min(40, int(frame[col].astype(str).str.len().max() or 0) + 2))
            ws.column_dimensions[letter].width = width
            if kind != "text":
                for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    row[0].number_format = kind
        ws.row_dimensions[1].height = 48
        ws.freeze_panes = "A2"
    wb.save(path)
    return path


# ---------------------------------------------------------------------------------------------
# Brief
# ---------------------------------------------------------------------------------------------
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


def _regime_rows(d: _Data, lang: str) -> tuple[list[str], list[list[str]]]:
    point_head = "; ".join(param_label(p, lang) for p in d.params) or t("col_point", lang)
    head = [point_head, t("col_arm", lang), t("col_n", lang)]
    head += [f"{outcome_label(o, lang)}, %" for o in d.outcomes]
    head += [
        f"{t('col_cost_total', lang)}, {t('mln_rub', lang)}",
        t("col_be_federal", lang),
        t("col_be_regional", lang),
    ]
    rows = []
    for _, r in d.table.iterrows():
        label = _point_values(d, int(r["point"]), lang) or str(int(r["point"]))
        cells = [label, arm_label(r["arm"], lang, d.info.titles), fmt(r["n"], lang, 0)]
        cells += [
            fmt_ci(r[f"{o}_pct"], r[f"{o}_pct_ci_low"], r[f"{o}_pct_ci_high"], lang)
            for o in d.outcomes
        ]
        cells += [fmt(r["cost_total"], lang, 0), fmt(r["be_federal"], lang, 2),
                  fmt(r["be_regional"], lang, 2)]  # fmt: skip
        rows.append(cells)
    return head, rows


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


def _title(d: _Data, lang: str) -> str:
    sc = d.scenario.scenario
    return t("brief_title", lang, title=(sc.title_ru or sc.title) if lang == "ru" else sc.title)


def _method(d: _Data, lang: str) -> str:
    rate = d.scenario.experiment.discount_rate.value
    return t(
        "method_note",
        lang,
        reps=d.info.replications,
        quarters=int(d.df["quarter"].max()),
        rate=fmt(rate * 100, lang, 1) + ("\u202f%" if lang == "ru" else "%"),
    )


def _assumption_rows(d: _Data, lang: str) -> list[list[str]]:
    rows = []
    for a in key_assumptions(d.scenario_row["toml_text"]):
        v = a["value"]
        value = fmt(v, lang, 3).rstrip("0").rstrip(",.") if isinstance(v, float) else str(v)
        rows.append([a["key"], value, unit(str(a["unit"]), lang), str(a["source"])])
    return rows


def _png_data(fig: Figure, saved: Path | None = None) -> str:
    if saved is not None and saved.exists():
        return base64.b64encode(saved.read_bytes()).decode("ascii")
    buf = io.BytesIO()
    with charts.house_style():
        fig.savefig(buf, format="png", dpi=200)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def write_html(
    d: _Data, lang: str, figs: dict[str, Figure], path: Path, png_dir: Path | None = None
) -> Path:
    """The HTML brief: regime table, charts embedded as PNG data, method note, assumptions.

    ``png_dir`` holds PNGs already saved by the figure pack (reused instead of re-rendering).
    """
    title = _title(d, lang)
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
    import textwrap

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


def write_pdf(d: _Data, lang: str, figs: dict[str, Figure], path: Path) -> Path:
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


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------
def build_report(
    sweep: str,
    out: str | Path,
    *,
    db: str | None = None,
    langs: Sequence[str] = LANGS,
    formats: Sequence[str] = BRIEF_FORMATS,
    figure_formats: Sequence[str] = FIGURE_FORMATS,
    tables: bool = True,
    outcomes: Sequence[str] | None = None,
) -> Report:
    """Write the figure pack, the tables and the brief of a stored sweep.

    Args:
        sweep: The stored sweep name.
        out: Output folder (created).
        db: Results database URL (default ``CLUSTERSIM_DB`` or ``results/clustersim.sqlite``).
        langs: Languages (``ru``, ``en``).
        formats: Brief formats (``html``, ``pdf``); empty: no brief.
        figure_formats: Figure formats (``png``, ``svg``, ``pdf``).
        tables: Write the regime and budget tables (CSV and XLSX).
        outcomes: Headline outcomes (default output, employment, productivity, market_share).

    Returns:
        A :class:`Report` listing the files written.

    Raises:
        InputError: Unknown sweep, language or format; a sweep without completed runs.
    """
    for lang in langs:
        try:
            check_lang(lang)
        except ValueError as exc:
            raise InputError.single("--lang", str(exc)) from None
    bad = [f for f in formats if f not in BRIEF_FORMATS]
    bad += [f for f in figure_formats if f not in FIGURE_FORMATS]
    if bad:
        raise InputError.single(
            "--format", f"unknown format {', '.join(bad)}; brief formats: html, pdf"
        )
    outcomes = list(outcomes or DEFAULT_OUTCOMES)
    for o in outcomes:
        outcome(o)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rep = Report(out=out)
    d = _load(sweep, db, outcomes, rep.notes)
    written: list[Path] = []
    for lang in langs:
        notes: list[str] = []
        figs = _figures(d, lang, notes)
        if lang == langs[0]:
            rep.notes.extend(notes)
        rep.charts[lang] = list(figs)
        for name, fig in figs.items():
            written += save_figure(fig, out / "figures" / lang / name, figure_formats)
        if tables and not d.table.empty:
            reg, reg_kinds = _regime_table(d, lang)
            bud, bud_kinds = _budget_table(d, lang)
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
