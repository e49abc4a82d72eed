"""The sensitivity table of a sweep: Sobol or Morris indices, or one-at-a-time effects.

One view, three uses: the spreadsheet files ``tables/<lang>/sensitivity.csv`` and ``.xlsx``
(:func:`write_sensitivity_tables`, written with :func:`sim.report.tables.write_csv` and
:func:`~sim.report.tables.write_xlsx`), the numbered table of the brief (:func:`doc_rows`) and
the sentence naming the most influential parameters (:func:`influential_sentence`). Parameters
are labelled in words (:func:`sim.report.i18n.param_label`); an unreliable index (negative, or
its 95 % CI wider than the index: :func:`sim.analysis.sensitivity.flag_indices`) is marked
``*`` and explained in words, in the language of the table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.sensitivity import flag_indices, index_columns, ranking
from sim.model.outcomes import outcome
from sim.report.charts import basis
from sim.report.data import ReportData
from sim.report.figures import oat_table
from sim.report.i18n import arm_label, fmt, outcome_label, param_label, t, unit
from sim.report.tables import write_csv, write_xlsx

__all__ = [
    "MARK",
    "caption",
    "doc_rows",
    "frame",
    "influential_sentence",
    "reliability",
    "sensitivity_results",
    "write_sensitivity_tables",
]

MARK = "*"
"""Marks an unreliable index in the brief's table (the note under it explains)."""
_INDEX_NAMES = {"S1": "S1", "ST": "ST", "mu_star": "μ*"}


def sensitivity_results(d: ReportData) -> dict[str, pd.DataFrame]:
    """The sensitivity results of a sweep: ``sobol`` or ``morris`` indices, ``oat`` of a grid.

    The indices carry their reliability flags (:func:`sim.analysis.sensitivity.flag_indices`).
    Empty when the sweep has none (a grid of one parameter, an lhs sweep, a single run).
    """
    out = {k: v if "unreliable" in v.columns else flag_indices(v) for k, v in d.sensitivity.items()}
    oat = oat_table(d)
    if oat is not None:
        out["oat"] = (
            oat.assign(swing=(oat["high"] - oat["low"]).abs())
            .sort_values("swing", ascending=False, na_position="last")
            .reset_index(drop=True)
        )
    return out


def _unit(sens: pd.DataFrame, lang: str) -> str:
    return unit(outcome(str(sens["outcome"].iloc[0])).unit, lang, horizon=True)


def _kind(sens: pd.DataFrame) -> str:
    if "swing" in sens.columns:
        return "oat"
    return "sobol" if "ST" in sens.columns else "morris"


def reliability(row: pd.Series, lang: str) -> str:
    """A row's reliability in words: "no warning" or "unreliable: <why>" for each index."""
    why = []
    for idx in ("S1", "ST", "mu_star"):
        flag = str(row.get(f"{idx}_flag", "") or "")
        for code in filter(None, flag.split(",")):
            why.append(t(f"sens_flag_{code}", lang, index=_INDEX_NAMES[idx]))
    if not why:
        return t("sens_reliable", lang)
    return t("sens_unreliable", lang, why="; ".join(why))


def _index_flag(row: pd.Series, idx: str, lang: str) -> str:
    flag = str(row.get(f"{idx}_flag", "") or "")
    return "; ".join(
        t(f"sens_flag_{code}", lang, index=_INDEX_NAMES[idx])
        for code in filter(None, flag.split(","))
    )


def _columns(sens: pd.DataFrame, lang: str) -> list[tuple[str, str, str]]:
    """``(column of sens, header, number format)`` of the numeric columns, in order."""
    kind = _kind(sens)
    u = _unit(sens, lang)
    if kind == "sobol":
        return [
            ("S1", t("sens_col_S1", lang), "0.000"),
            ("S1_conf", t("sens_col_conf", lang, index="S1"), "0.000"),
            ("ST", t("sens_col_ST", lang), "0.000"),
            ("ST_conf", t("sens_col_conf", lang, index="ST"), "0.000"),
        ]
    if kind == "morris":
        return [
            ("mu_star", t("sens_col_mu_star", lang, unit=u), "#,##0.0"),
            ("mu_star_conf", t("sens_col_conf", lang, index="μ*"), "#,##0.0"),
            ("mu", t("sens_col_mu", lang, unit=u), "#,##0.0"),
            ("sigma", t("sens_col_sigma", lang, unit=u), "#,##0.0"),
        ]
    return [
        ("low_value", t("oat_col_low_value", lang), "0.000"),
        ("high_value", t("oat_col_high_value", lang), "0.000"),
        ("low", t("oat_col_low", lang, unit=u), "#,##0.0"),
        ("high", t("oat_col_high", lang, unit=u), "#,##0.0"),
        ("swing", t("oat_col_swing", lang, unit=u), "#,##0.0"),
    ]


def frame(sens: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """The table for a spreadsheet: numbers as numbers, flags in words; and the number formats.

    Columns: the parameter in words, its key in the scenario file, the indices with their CI
    half-widths (or the one-at-a-time values and effects), a warning per index and the row's
    reliability in words.
    """
    cols: dict[str, Any] = {
        t("sens_col_param", lang): [param_label(p, lang) for p in sens["parameter"]],
        t("sens_col_key", lang): list(sens["parameter"]),
    }
    kinds = ["text", "text"]
    for c, head, kind in _columns(sens, lang):
        decimals = len(kind.partition(".")[2])  # rounded as shown ("0.000": 3), so CSV = XLSX
        cols[head] = np.round(sens[c].astype(float).to_numpy(), decimals) + 0.0  # no -0.0
        kinds.append(kind)
    if _kind(sens) != "oat":
        for idx, _ in index_columns(sens):
            cols[t("sens_col_flag", lang, index=_INDEX_NAMES[idx])] = [
                _index_flag(r, idx, lang) for _, r in sens.iterrows()
            ]
            kinds.append("text")
        cols[t("sens_col_reliability", lang)] = [reliability(r, lang) for _, r in sens.iterrows()]
        kinds.append("text")
    return pd.DataFrame(cols), kinds


def _cell(row: pd.Series, c: str, kind: str, lang: str) -> str:
    decimals = 3 if kind == "0.000" else 1
    v = row[c]
    text = fmt(v, lang, decimals)
    if kind == "0.000" and c.endswith("_value"):
        text = text.rstrip("0").rstrip(",.") if text != "–" else text
    if c in ("low", "high") and np.isfinite(float(v)):
        text = fmt(v, lang, decimals, sign=True)
    if str(row.get(f"{c}_flag", "") or ""):
        text += MARK
    return text


def doc_rows(sens: pd.DataFrame, lang: str) -> tuple[list[str], list[list[str]], list[int]]:
    """The brief's table: header, text cells (unreliable indices marked ``*``), flagged rows."""
    cols = _columns(sens, lang)
    oat = _kind(sens) == "oat"
    head = [t("sens_col_param", lang), *(h for _, h, _ in cols)]
    if not oat:
        head.append(t("sens_col_reliability", lang))
    rows, flagged = [], []
    for i, (_, r) in enumerate(sens.iterrows()):
        cells = [param_label(str(r["parameter"]), lang)]
        cells += [_cell(r, c, kind, lang) for c, _, kind in cols]
        if not oat:
            cells.append(reliability(r, lang))
            if bool(r.get("unreliable", False)):
                flagged.append(i)
        rows.append(cells)
    return head, rows, flagged


def caption(sens: pd.DataFrame, lang: str, d: ReportData) -> str:
    """The table's caption: method, regime, outcome and what one number is."""
    arm, o = str(sens["arm"].iloc[0]), str(sens["outcome"].iloc[0])
    return t(
        f"sens_t_{_kind(sens)}",
        lang,
        arm=arm_label(arm, lang, d.info.titles),
        outcome=outcome_label(o, lang).lower(),
        basis=basis(o, lang, d.info),
    )


def note(sens: pd.DataFrame, lang: str) -> str:
    """The line under the table: what the columns mean, and the warning where one is flagged."""
    text = t(f"sens_note_{_kind(sens)}", lang)
    if "unreliable" in sens.columns and sens["unreliable"].astype(bool).any():
        text += " " + t("sens_warning", lang)
    return text


def influential_sentence(sens: pd.DataFrame, lang: str, d: ReportData, table_number: int) -> str:
    """One sentence naming the (one or two) parameters that move the effect most, in words.

    Ranked by ST (Sobol), mu* (Morris) or the spread between the lowest and highest value (one
    at a time); when an index of the table is unreliable, a second sentence says the order is
    provisional and points to the table's note.
    """
    kind = _kind(sens)
    arm, o = str(sens["arm"].iloc[0]), str(sens["outcome"].iloc[0])
    key, dec = {"sobol": ("ST", 2), "morris": ("mu_star", 1), "oat": ("swing", 1)}[kind]
    ranked = (
        sens.sort_values(key, ascending=False, na_position="last")
        if kind == "oat"
        else (ranking(sens))
    )
    top = ranked[np.isfinite(ranked[key].astype(float)) & (ranked[key].astype(float) > 0)]
    top = top.head(2)
    if top.empty:
        return ""
    name = {"sobol": "ST", "morris": "μ*", "oat": t("oat_swing_short", lang)}
    u = "" if kind == "sobol" else " " + _unit(sens, lang)
    q = ("«", "»") if lang == "ru" else ("", "")
    parts = [
        f"{q[0]}{param_label(str(r['parameter']), lang)}{q[1]} "
        f"({name[kind]} = {fmt(r[key], lang, dec)}{u})"
        for _, r in top.iterrows()
    ]
    params = (" и " if lang == "ru" else " and ").join(parts)
    text = t(
        "sens_most" if len(parts) > 1 else "sens_most_one",
        lang,
        arm=arm_label(arm, lang, d.info.titles),
        outcome=outcome_label(o, lang).lower(),
        how=t(f"sens_by_{kind}", lang),
        params=params,
    )
    if "unreliable" in sens.columns and sens["unreliable"].astype(bool).any():
        text += " " + t("sens_most_unreliable", lang, n=table_number)
    return text


def write_sensitivity_tables(d: ReportData, lang: str, folder: Path) -> list[Path]:
    """``sensitivity.csv`` and ``sensitivity.xlsx`` in ``folder`` (``tables/<lang>/``).

    One sheet per result (Sobol or Morris indices; one-at-a-time effects of a grid); the CSV
    holds the first. Nothing is written when the sweep has no sensitivity results.

    Returns:
        The paths written.
    """
    results = sensitivity_results(d)
    if not results:
        return []
    sheets = {}
    first = None
    for kind, sens in results.items():
        tab, kinds = frame(sens, lang)
        first = tab if first is None else first
        sheets[t("sens_sheet_oat" if kind == "oat" else "h_sensitivity", lang)] = (tab, kinds)
    assert first is not None
    return [
        write_csv(first, folder / "sensitivity.csv", lang),
        write_xlsx(sheets, folder / "sensitivity.xlsx"),
    ]
