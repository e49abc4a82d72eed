"""The report's tables: the regime table and the budget table, as CSV and Excel; the accounts.

The public-finance accounts are shown the same way everywhere (terminal, brief, page) by
:func:`accounts_view` and :func:`additionality_view`, from the columns of
:func:`sim.analysis.budget.budget`; :func:`accounts_text` lays them out for the terminal.

Russian CSV files use ``;`` and a decimal comma (what Excel expects in a Russian locale),
English ones ``,`` and a point; both are UTF-8 with a byte-order mark. Excel workbooks have
formatted headers with units, a frozen first row and number formats. Text cells that a
spreadsheet would read as a formula are escaped in both (:mod:`sim.report.cells`).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.budget import ACCOUNT_LEVELS, BUDGET_COLUMNS
from sim.analysis.regional_io import IO_COLUMNS
from sim.errors import InputError
from sim.report.cells import escape_cell, escape_frame
from sim.report.data import ReportData
from sim.report.figures import is_numeric
from sim.report.i18n import (
    MINUS,
    NNBSP,
    arm_label,
    budget_label,
    budget_unit,
    fmt,
    fmt_ci,
    fmt_pct,
    is_flag,
    outcome_label,
    param_label,
    t,
    unit,
)

__all__ = [
    "accounts_notes",
    "accounts_text",
    "accounts_view",
    "additionality_view",
    "budget_table",
    "io_view",
    "regime_table",
    "text_lines",
    "write_csv",
    "write_xlsx",
]


def regime_table(d: ReportData, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """Localised regime table and the number format of each column ("text", "0", "0.0")."""
    cols: dict[str, Any] = {}
    kinds: list[str] = []
    tab = d.table
    cols[t("col_point", lang)] = tab["point"].astype(int)
    kinds.append("0")
    for p in d.params:
        label = param_label(p, lang)
        cols[label if label not in cols else f"{label} ({p})"] = tab[p]  # two items, one label
        kinds.append("0.000" if is_numeric(tab[p]) else "text")
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


def budget_table(d: ReportData, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """Localised budget table (every column of :func:`sim.analysis.budget.budget`) and formats.

    Headers are :func:`~sim.report.i18n.budget_label` with the unit; the flags ``no_cost_*``
    are written as the words "no cost to this budget" (or empty), so a cell never reads "n/a"
    where a budget simply pays nothing.
    """
    tab = d.table
    cols: dict[str, Any] = {
        t("col_point", lang): tab["point"].astype(int),
        t("col_arm", lang): [arm_label(a, lang, d.info.titles) for a in tab["arm"]],
        t("col_n", lang): tab["n"].astype(int),
    }
    kinds = ["0", "text", "0"]
    for c in [*BUDGET_COLUMNS[3:], *(c for c in IO_COLUMNS if c in tab.columns)]:
        u = budget_unit(c)
        if u == "flag":
            cols[budget_label(c, lang)] = [t("no_cost", lang) if is_flag(v) else "" for v in tab[c]]
            kinds.append("text")
            continue
        cols[f"{budget_label(c, lang)}, {unit(u, lang)}"] = tab[c]
        kinds.append(
            {"mln RUB": "#,##0.0", "share": "0.00", "ratio": "0.00", "persons": "#,##0.0"}.get(
                u, "0.000"
            )
        )
    return pd.DataFrame(cols), kinds


def accounts_notes(lang: str, *, discount_rate: float, quarters: int) -> tuple[str, str]:
    """The legend lines of the accounts and of additionality: units, discounting, horizon."""
    pct = NNBSP + "%" if lang == "ru" else " %"
    rate = fmt(100 * discount_rate, lang, 1).removesuffix(".0").removesuffix(",0") + pct
    years = fmt(quarters / 4, lang, 1).removesuffix(".0").removesuffix(",0")
    years += " г." if lang == "ru" else (" year" if quarters == 4 else " years")
    note = t("accounts_note", lang, years=years, rate=rate, quarters=quarters)
    return note, t("additionality_note", lang)


def _money(x: Any, lang: str) -> str:
    return fmt(x, lang, 1, sign=True)


def _net_cell(r: pd.Series, col: str, lang: str) -> str:
    """A present value with its 95 % interval: ``+1,053.2 [+900.1, +1,200.4]``."""
    return fmt_ci(r[col], r[f"{col}_ci_low"], r[f"{col}_ci_high"], lang, 1)


def _be_cell(r: pd.Series, level: str, lang: str) -> str:
    """Budget efficiency with its interval, or "no cost to this budget" (never "n/a")."""
    if is_flag(r[f"no_cost_{level}"]):
        return t("no_cost", lang)
    be, lo, hi = (fmt(r[f"be_{level}{s}"], lang, 2) for s in ("", "_ci_low", "_ci_high"))
    if "–" in (lo, hi):
        return be
    return f"{be} [{lo}{'; ' if lang == 'ru' else ', '}{hi}]"


def _row_head(r: pd.Series, lang: str, arm_names: bool, titles: Any, points: Any) -> list[str]:
    head = [str(points.get(int(r["point"]), int(r["point"])))] if points is not None else []
    return [*head, str(r["arm"]) if arm_names else arm_label(r["arm"], lang, titles)]


def accounts_view(
    table: pd.DataFrame,
    lang: str,
    *,
    arm_names: bool = False,
    titles: dict[str, dict[str, str]] | None = None,
    points: dict[int, str] | None = None,
) -> pd.DataFrame:
    """The public-finance accounts as shown (terminal, brief, page): one row per regime and level.

    Present values (mln RUB) of extra revenue, tax expenditure and cash cost, the net balance
    with its 95 % interval (= extra revenue - cash cost), the committed cost due after the
    horizon, the net balance including it, budget efficiency or "no cost to this budget", and
    the cash cost undiscounted. Every cell is text formatted for ``lang``.

    Args:
        table: The regime table (:func:`sim.analysis.comparison.compare`) or
            :func:`sim.analysis.budget.budget` itself.
        lang: ``ru`` or ``en``.
        arm_names: Show regime names as stored (``loans_only``) instead of their labels.
        titles: Regime titles of the scenario (:func:`sim.report.i18n.regime_titles`).
        points: Labels of design points; given, the first column is the point.
    """
    head = ([t("col_point", lang)] if points is not None else []) + [
        t("col_arm", lang),
        t("col_level", lang),
        t("acc_extra_revenue", lang),
        t("acc_tax_expenditure", lang),
        t("acc_cash_cost", lang),
        t("acc_net", lang),
        t("acc_committed", lang),
        t("acc_net_committed", lang),
        t("acc_be", lang),
        t("acc_cash_nominal", lang),
    ]
    rows = []
    for _, r in table.iterrows():
        first = _row_head(r, lang, arm_names, titles, points)
        for level in ACCOUNT_LEVELS:
            rows.append(
                [
                    *first,
                    t(level, lang),
                    _money(r[f"extra_revenue_{level}_pv"], lang),
                    fmt(r[f"tax_expenditure_{level}_pv"], lang, 1),
                    fmt(r[f"cash_cost_{level}_pv"], lang, 1),
                    _net_cell(r, f"net_{level}", lang),
                    fmt(r[f"committed_{level}"], lang, 1),
                    _money(r[f"net_{level}_with_committed"], lang),
                    _be_cell(r, level, lang),
                    fmt(r[f"cash_cost_{level}"], lang, 1),
                ]
            )
    return pd.DataFrame(rows, columns=head)


def additionality_view(
    table: pd.DataFrame,
    lang: str,
    *,
    arm_names: bool = False,
    titles: dict[str, dict[str, str]] | None = None,
    points: dict[int, str] | None = None,
) -> pd.DataFrame:
    """Additionality as shown (terminal, brief, page): one row per regime.

    Extra output gross and net of intra-cluster supplies (mln RUB over the horizon), the
    deadweight share (in %), the extra purchases outside the region and from local firms
    (mln RUB over the horizon) and the leakage share, the displacement share and the orders
    displaced (mln RUB), the federal and Social-Fund taxes displaced and the federal net view
    with its 95 % interval (present values, mln RUB). Arguments as :func:`accounts_view`.
    """
    head = ([t("col_point", lang)] if points is not None else []) + [
        t("col_arm", lang),
        t("add_output", lang),
        t("add_deadweight", lang),
        t("add_purchases_outside", lang),
        t("add_purchases_local", lang),
        t("add_leakage", lang),
        t("add_displacement", lang),
        t("add_displaced_orders", lang),
        t("add_displaced_taxes", lang),
        t("add_federal_net", lang),
    ]
    rows = []
    for _, r in table.iterrows():
        rows.append(
            [
                *_row_head(r, lang, arm_names, titles, points),
                f"{_money(r['extra_output'], lang)} / {_money(r['extra_net_output'], lang)}",
                fmt_pct(100 * r["deadweight_share"], lang, 0),
                _money(r["extra_purchases_outside"], lang),
                _money(r["extra_local_purchases"], lang),
                fmt_pct(100 * r["leakage_share"], lang, 0),
                fmt_pct(100 * r["displacement_share"], lang, 0),
                _money(r["displaced_orders"], lang),
                _money(r["displaced_taxes"], lang),
                _net_cell(r, "federal_net", lang),
            ]
        )
    return pd.DataFrame(rows, columns=head)


def io_view(
    table: pd.DataFrame,
    lang: str,
    *,
    arm_names: bool = False,
    titles: dict[str, dict[str, str]] | None = None,
    points: dict[int, str] | None = None,
) -> pd.DataFrame | None:
    """Indirect and induced effects (regional input-output) as shown: one row per regime.

    First-round, indirect and induced output and value added of all rounds (mln RUB over the
    horizon, undiscounted), jobs of the three rounds in the last year. None when the table has
    no input-output columns (:data:`sim.analysis.regional_io.IO_COLUMNS`). Arguments as
    :func:`accounts_view`.
    """
    if not set(IO_COLUMNS) <= set(table.columns):
        return None
    head = ([t("col_point", lang)] if points is not None else []) + [
        t("col_arm", lang),
        t("io_first_round", lang),
        t("io_indirect_output", lang),
        t("io_induced_output", lang),
        t("io_value_added", lang),
        t("io_jobs", lang),
    ]
    rows = []
    for _, r in table.iterrows():
        va = sum(
            r[c]
            for c in ("io_first_round_value_added", "io_indirect_value_added",
                      "io_induced_value_added")
        )  # fmt: skip
        jobs = " / ".join(
            fmt(r[c], lang, 1)
            for c in ("io_first_round_employment", "io_indirect_employment",
                      "io_induced_employment")
        )  # fmt: skip
        rows.append(
            [
                *_row_head(r, lang, arm_names, titles, points),
                _money(r["io_first_round"], lang),
                _money(r["io_indirect_output"], lang),
                _money(r["io_induced_output"], lang),
                _money(va, lang),
                jobs,
            ]
        )
    return pd.DataFrame(rows, columns=head)


def _ascii(text: str) -> str:
    """Terminal text: ``-`` for the minus sign, ``/`` for ``÷``, a space for U+202F."""
    return text.replace(MINUS, "-").replace("÷", "/").replace(NNBSP, " ")


def text_lines(view: pd.DataFrame, *, ascii_only: bool = True) -> list[str]:
    """A view as fixed-width terminal lines: label columns left-aligned, numbers right-aligned.

    ``ascii_only`` writes the minus sign as ``-`` and the narrow no-break space as a space.
    """
    cells = [list(map(str, view.columns)), *[list(map(str, r)) for r in view.to_numpy()]]
    if ascii_only:
        cells = [[_ascii(c) for c in row] for row in cells]
    widths = [max(len(row[j]) for row in cells) for j in range(len(cells[0]))]
    labels = {t(k, lang) for k in ("col_point", "col_arm", "col_level") for lang in ("en", "ru")}
    left = sum(1 for c in view.columns if c in labels)
    out = []
    for row in cells:
        parts = [
            c.ljust(w) if j < left else c.rjust(w)
            for j, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(parts).rstrip())
    return out


def accounts_text(
    table: pd.DataFrame, *, discount_rate: float, quarters: int, points: bool = False
) -> list[str]:
    """The accounts and additionality of a regime table as terminal lines (English, ASCII).

    The same figures as the brief and the page (:func:`accounts_view`,
    :func:`additionality_view`), regime names as stored; ``points`` adds the design point.
    """
    pts = {int(p): str(int(p)) for p in table["point"]} if points else None
    note, add_note = accounts_notes("en", discount_rate=discount_rate, quarters=quarters)
    io = io_view(table, "en", arm_names=True, points=pts)
    io_lines = (
        []
        if io is None
        else ["", t("h_io", "en"), *textwrap.wrap(_ascii(t("io_note", "en")), 100),
              *text_lines(io)]
    )  # fmt: skip
    return [
        f"{t('h_accounts', 'en')}",
        *textwrap.wrap(_ascii(note), 100),
        *text_lines(accounts_view(table, "en", arm_names=True, points=pts)),
        "",
        f"{t('h_additionality', 'en')}",
        *textwrap.wrap(_ascii(add_note), 100),
        *text_lines(additionality_view(table, "en", arm_names=True, points=pts)),
        *io_lines,
    ]


def write_csv(frame: pd.DataFrame, path: Path, lang: str) -> Path:
    """CSV for a spreadsheet in that language: ``;`` and decimal comma in Russian; UTF-8 BOM.

    Text cells that would start a formula are escaped (:func:`sim.report.cells.escape_frame`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = escape_frame(frame)
    if lang == "ru":
        frame.to_csv(path, index=False, sep=";", decimal=",", encoding="utf-8-sig")
    else:
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def write_xlsx(frames: dict[str, tuple[pd.DataFrame, list[str]]], path: Path) -> Path:
    """An Excel workbook, one sheet per frame: bold wrapped headers, frozen first row.

    Every text cell (headers included) that would start a formula is escaped
    (:func:`sim.report.cells.escape_cell`), so it is stored as text.

    Raises:
        InputError: When openpyxl (the ``excel`` extra) is not installed.
    """
    try:  # optional dependency (the `excel` extra)
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
        from openpyxl.utils import get_column_letter
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputError.parameter(
            "format", "Excel output needs openpyxl: pip install 'clustersim[excel]'"
        ) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="0072B2")
    thin = Side(style="thin", color="999999")
    for sheet, (frame, kinds) in frames.items():
        ws = wb.create_sheet(sheet[:31])
        ws.append([escape_cell(str(c)) for c in frame.columns])
        for rec in frame.itertuples(index=False):
            ws.append(
                [
                    None
                    if isinstance(v, float) and not np.isfinite(v)
                    else escape_cell(v.item() if isinstance(v, np.generic) else v)
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
