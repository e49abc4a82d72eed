"""The report's tables: the regime table and the budget table, as CSV and Excel.

Russian CSV files use ``;`` and a decimal comma (what Excel expects in a Russian locale),
English ones ``,`` and a point; both are UTF-8 with a byte-order mark. Excel workbooks have
formatted headers with units, a frozen first row and number formats. Text cells that a
spreadsheet would read as a formula are escaped in both (:mod:`sim.report.cells`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.report.cells import escape_cell, escape_frame
from sim.report.data import ReportData
from sim.report.figures import is_numeric
from sim.report.i18n import arm_label, outcome_label, param_label, t

__all__ = ["budget_table", "regime_table", "write_csv", "write_xlsx"]


def regime_table(d: ReportData, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """Localised regime table and the number format of each column ("text", "0", "0.0")."""
    cols: dict[str, Any] = {}
    kinds: list[str] = []
    tab = d.table
    cols[t("col_point", lang)] = tab["point"].astype(int)
    kinds.append("0")
    for p in d.params:
        cols[param_label(p, lang)] = tab[p]
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
    """Localised budget table and the number format of each column."""
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
