"""The report's tables: the regime table and the budget table, as CSV and Excel; the accounts.

The public-finance accounts are shown the same way everywhere (terminal, brief, page) by
:func:`accounts_view` and :func:`additionality_view`, from the columns of
:func:`sim.analysis.budget.budget`; :func:`accounts_text` lays them out for the terminal.

The regime and budget tables (:func:`regime_table`, :func:`budget_table`) say the unit and the
time basis in every header, give absolute effects beside % effects and the net balance of each
budget first, and are rounded to sensible precision, so CSV and Excel show the same figures.
Russian CSV files use ``;`` and a decimal comma (what Excel expects in a Russian locale),
English ones ``,`` and a point; both are UTF-8 with a byte-order mark. Excel workbooks have
formatted headers, a frozen first row, number formats and a notes sheet (what was run, the seed
as text, when, and the definition of every column). Text cells that a spreadsheet would read as
a formula are escaped in both (:mod:`sim.report.cells`). :func:`compare_view` lays out the
effects of ``clustersim compare`` with unique headers.
"""

from __future__ import annotations

import math
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.analysis.budget import ACCOUNT_LEVELS, BUDGET_COLUMNS, LEVEL_MEASURES, level_column
from sim.analysis.regional_io import IO_COLUMNS
from sim.errors import InputError
from sim.model.outcomes import outcome
from sim.report.cells import escape_cell, escape_frame
from sim.report.charts import basis
from sim.report.data import ReportData
from sim.report.figures import is_numeric
from sim.report.i18n import (
    MINUS,
    NNBSP,
    arm_label,
    budget_label,
    budget_unit,
    count,
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
    "EXCEL_EXACT",
    "accounts_notes",
    "accounts_text",
    "accounts_view",
    "additionality_view",
    "budget_table",
    "compare_view",
    "io_view",
    "number_format",
    "param_headers",
    "quarter_label",
    "rate_text",
    "regime_table",
    "sheet_notes",
    "sig_decimals",
    "text_lines",
    "write_csv",
    "write_xlsx",
    "years_text",
]

#: Integers from this size on lose digits in Excel (doubles, 15 significant digits): text.
EXCEL_EXACT = 10**15
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_BUDGET_DECIMALS = {"mln RUB": 1, "ratio": 2, "RUB per RUB": 2, "persons": 1}


def quarter_label(q: float, start_year: int, lang: str) -> str:
    """Model quarter ``q`` (1 = the first quarter of ``start_year``) as ``2027 I кв.``/``2027 Q1``.

    Year first, so the labels sort in time order as text; NaN gives ``""``.
    """
    if q is None or not np.isfinite(float(q)):
        return ""
    qi = round(float(q)) - 1
    year, quarter = start_year + qi // 4, qi % 4 + 1
    return t("tx_quarter", lang, year=year, q=quarter, roman=_ROMAN[quarter])


def years_text(quarters: int, lang: str) -> str:
    """A horizon of ``quarters`` in years with the right word form: ``3 года``, ``2,5 года``."""
    if quarters % 4 == 0:
        return count(quarters // 4, "n_years", lang)
    forms = t("n_years", lang).split("|")  # a fraction takes the genitive singular: 2,5 года
    return f"{fmt(quarters / 4, lang, 2)} {forms[1] if lang == 'ru' else forms[-1]}"


def rate_text(rate: float, lang: str) -> str:
    """A rate per year as words: ``8 % годовых``, ``8% a year``."""
    pct = fmt(100 * rate, lang, 2).rstrip("0").rstrip(",.")
    return t("tx_rate_year", lang, rate=pct + (NNBSP + "%" if lang == "ru" else "%"))


def sig_decimals(values: Any, sig: int = 3, most: int = 4) -> int:
    """Decimals that keep ``sig`` significant digits of the largest finite value (0 to ``most``)."""
    v = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
    v = np.abs(v[np.isfinite(v)])
    if v.size == 0 or v.max() == 0:
        return 1
    return int(min(most, max(0, sig - 1 - math.floor(math.log10(v.max())))))


def number_format(decimals: int) -> str:
    """The Excel number format of ``decimals`` places with thousands grouping."""
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


class _Columns:
    """A table under construction: columns, Excel number formats and column definitions."""

    def __init__(self) -> None:
        self.cols: dict[str, Any] = {}
        self.kinds: list[str] = []
        self.defs: list[tuple[str, str]] = []

    def add(self, head: str, values: Any, kind: str | int, definition: str) -> None:
        """Add a column; ``kind`` is ``"text"`` or decimals (values are rounded to them)."""
        if head in self.cols:  # two items, one label: never two columns with one header
            head = f"{head} ({len(self.cols)})"
        if isinstance(kind, int):
            values = pd.to_numeric(pd.Series(values), errors="coerce").round(kind).to_numpy()
            if values.dtype.kind == "f":
                values = values + 0.0  # -0.0 (a small negative rounded) is written as 0
            self.kinds.append(number_format(kind))
        else:
            self.kinds.append(kind)
        self.cols[head] = list(values) if not isinstance(values, np.ndarray) else values
        self.defs.append((head, definition))

    def frame(self, notes: list[tuple[str, str]], lang: str) -> pd.DataFrame:
        """The DataFrame; ``attrs`` carries the notes sheet of :func:`write_xlsx`."""
        out = pd.DataFrame(self.cols)
        out.attrs["notes"] = [*notes, ("", ""), (t("tx_n_columns", lang), ""), *self.defs]
        out.attrs["lang"] = lang
        return out


def _effect_ci(c: _Columns, head: str, tab: pd.DataFrame, col: str, dec: int, what: str,
               lang: str) -> None:  # fmt: skip
    """An effect column and its two 95 % CI bounds (if the table has them)."""
    c.add(head, tab[col], dec, what)
    for side in ("low", "high"):
        if f"{col}_ci_{side}" in tab.columns:
            c.add(t(f"tx_ci_{side}", lang, head=head), tab[f"{col}_ci_{side}"], dec,
                  t("tx_d_ci", lang))  # fmt: skip


def sheet_notes(d: ReportData, lang: str, table: str) -> list[tuple[str, str]]:
    """The head of a notes sheet: what was run (scenario, hash, sweep, seed as text) and when.

    Args:
        d: The report's data.
        lang: ``ru`` or ``en``.
        table: The table's title (first line of the sheet).
    """
    sc, q = d.scenario, int(d.info.horizon_quarters or 0)
    start = int(d.info.start_year or sc.scenario.start_year)
    horizon = t("tx_n_horizon_value", lang, start=quarter_label(1, start, lang),
                end=quarter_label(q, start, lang), quarters=q)  # fmt: skip
    return [
        (t("tx_notes_title", lang, table=table), ""),
        (t("tx_n_scenario", lang), str(d.scenario_row.get("title") or d.scenario_row["name"])
         + f" ({d.scenario_row['name']})"),
        (t("tx_n_hash", lang), str(d.scenario_row["hash"])),
        (t("tx_n_sweep", lang), str(d.sweep["name"])),
        (t("tx_n_seed", lang), str(d.sweep["root_seed"])),
        (t("tx_n_replications", lang), str(d.info.replications)),
        (t("tx_n_horizon", lang), horizon),
        (t("tx_n_discount", lang), rate_text(sc.experiment.discount_rate.value, lang)),
        (t("tx_n_written", lang), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        (t("tx_n_version", lang), __version__),
        (t("tx_n_basis", lang), t("tx_n_basis_text", lang)),
        (t("tx_n_rounding", lang), t("tx_n_rounding_text", lang)),
    ]  # fmt: skip


def _head_columns(d: ReportData, lang: str, c: _Columns) -> None:
    """Design point, the varied parameters (4 significant digits), regime and pairs."""
    tab = d.table
    c.add(t("tx_point", lang), tab["point"].astype(int), 0, t("tx_d_point", lang))
    for p in d.params:
        label = param_label(p, lang)
        if label in c.cols:
            label = f"{label} ({p})"
        if is_numeric(tab[p]):
            dec = sig_decimals(tab[p], sig=4, most=6)
            c.add(label, tab[p], dec, t("tx_d_param", lang, param=p))
        else:
            c.add(label, tab[p].astype(str), "text", t("tx_d_param", lang, param=p))
    c.add(t("col_arm", lang), [arm_label(a, lang, d.info.titles) for a in tab["arm"]], "text",
          t("tx_d_arm", lang))  # fmt: skip
    c.add(t("tx_n", lang), tab["n"].astype(int), 0, t("tx_d_n", lang))


def regime_table(d: ReportData, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """Localised regime table and the Excel number format of each column (or ``"text"``).

    Per outcome: the absolute effect with its unit and 95 % CI, the effect in % with its CI and,
    for shares, the change in percentage points; every header says its time basis (cumulative
    over the horizon, mean of the last year, at the horizon's end:
    :func:`sim.report.charts.basis`). Values are rounded (% to 0.1, percentage points to 0.01,
    absolute effects to three significant digits but at least to 0.1, parameters to four), so
    CSV and Excel show the same figures. Then the share of runs registered and the median
    calendar quarter of registration. ``frame.attrs["notes"]`` holds the notes sheet
    (:func:`write_xlsx`): what was run and the definition of every column.
    """
    tab, c = d.table, _Columns()
    _head_columns(d, lang, c)
    for o in d.outcomes:
        lab, b = outcome_label(o, lang), basis(o, lang, d.info)
        oc = outcome(o)
        share = oc.unit.startswith("share")
        if share and f"{o}_pp" in tab.columns:
            _effect_ci(c, t("tx_effect_pp", lang, outcome=lab, basis=b), tab, f"{o}_pp", 2,
                       t("tx_d_pp", lang), lang)  # fmt: skip
        elif f"{o}_abs" in tab.columns:
            cols = [f"{o}_abs", f"{o}_abs_ci_low", f"{o}_abs_ci_high"]
            present = tab[[x for x in cols if x in tab.columns]].to_numpy().ravel()
            dec = max(1, sig_decimals(present))  # three significant digits, at least 0.1
            u = unit(oc.unit, lang, horizon=oc.horizon == "sum")
            _effect_ci(c, t("tx_effect_abs", lang, outcome=lab, unit=u, basis=b), tab,
                       f"{o}_abs", dec, t("tx_d_abs", lang), lang)  # fmt: skip
        _effect_ci(c, t("tx_effect_pct", lang, outcome=lab, basis=b), tab, f"{o}_pct", 1,
                   t("tx_d_pct", lang), lang)  # fmt: skip
    if "registered_share" in tab.columns:
        c.add(t("tx_registered", lang), 100 * tab["registered_share"], 1,
              t("tx_d_registered", lang))  # fmt: skip
        start = int(d.info.start_year or d.scenario.scenario.start_year)
        c.add(t("tx_registered_q", lang),
              [quarter_label(q, start, lang) for q in tab["registration_quarter"]], "text",
              t("tx_d_registered_q", lang))  # fmt: skip
    frame = c.frame(sheet_notes(d, lang, t("h_regimes", lang)), lang)
    return frame, c.kinds


def _budget_basis(col: str, lang: str, years: str, rate: str) -> str:
    """What one budget figure covers: nominal or discounted sum, after the horizon, last year."""
    measure = col
    for lv in ACCOUNT_LEVELS:  # the measure of a level column (net_federal_ci_low -> net_ci_low)
        for m in LEVEL_MEASURES:
            if level_column(m, lv) == col:
                measure = m
    if measure == "committed":
        return t("tx_basis_committed", lang, rate=rate)
    if measure.endswith("_employment"):
        return t("basis_last_year", lang)
    if measure in ("federal_tax_intensity", "output_per_rouble") or measure.startswith("be") or (
        measure.endswith("_share")
    ):
        return t("tx_over", lang, years=years)
    pv = ("_pv", "net", "displaced_taxes", "federal_net")
    if measure.endswith("_pv") or measure.startswith(pv):
        return t("tx_basis_pv", lang, years=years, rate=rate)
    return t("tx_basis_nominal", lang, years=years)


def budget_table(d: ReportData, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """Localised budget table (every column of :func:`sim.analysis.budget.budget`) and formats.

    The net balance of each budget level (with its 95 % interval) comes first, after the design
    point, the varied parameters, the regime and the pairs; then every column of
    :data:`sim.analysis.budget.BUDGET_COLUMNS` and the input-output columns. Headers are
    :func:`~sim.report.i18n.budget_label`, the unit and the time basis (sum over the horizon,
    undiscounted or as a present value at the scenario's discount rate; after the horizon;
    last year). Money is rounded to 0.1 mln RUB, shares are written in % (0.1), ratios to 0.01.
    The flags ``no_cost_*`` are the words "no cost to this budget" (or empty), so a cell never
    reads "n/a" where a budget simply pays nothing. ``frame.attrs["notes"]`` holds the notes
    sheet, with the definitions of the accounts.
    """
    tab, c = d.table, _Columns()
    _head_columns(d, lang, c)
    rate_value = d.scenario.experiment.discount_rate.value
    quarters = int(d.info.horizon_quarters or 0)
    years, rate = years_text(quarters, lang), rate_text(rate_value, lang)
    first = [level_column(m, lv) for lv in ACCOUNT_LEVELS for m in ("net", "net_ci_low",
                                                                    "net_ci_high")]  # fmt: skip
    rest = [x for x in [*BUDGET_COLUMNS[3:], *(x for x in IO_COLUMNS if x in tab.columns)]
            if x not in first]  # fmt: skip
    for col in [*first, *rest]:
        u, label = budget_unit(col), budget_label(col, lang)
        if u == "flag":
            c.add(label, [t("no_cost", lang) if is_flag(v) else "" for v in tab[col]], "text",
                  t("tx_d_budget", lang))  # fmt: skip
            continue
        values, dec, shown = tab[col], _BUDGET_DECIMALS.get(u, 3), unit(u, lang)
        if u == "share":
            values, dec, shown = 100 * pd.to_numeric(tab[col], errors="coerce"), 1, "%"
        head = f"{label}, {shown}, {_budget_basis(col, lang, years, rate)}"
        c.add(head, values, dec, t("tx_d_budget", lang))
    note, add_note = accounts_notes(lang, discount_rate=rate_value, quarters=quarters)
    notes = [*sheet_notes(d, lang, t("h_budget", lang)), ("", t("tx_d_net_first", lang)),
             (t("h_accounts", lang), note), (t("h_additionality", lang), add_note)]  # fmt: skip
    if set(IO_COLUMNS) <= set(tab.columns):
        notes.append((t("h_io", lang), t("io_note", lang)))
    return c.frame(notes, lang), c.kinds


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


def param_headers(params: list[str], lang: str = "en") -> dict[str, str]:
    """Column headers of varied parameters: the label, or the full key where that is unclear.

    A parameter without a catalogue label (:func:`~sim.report.i18n.param_label` falls back to
    its last key part, such as ``rate``), or whose label another parameter shares, is headed
    by its full dotted key, so no two columns have the same header.
    """
    labels = {}
    for p in params:
        label = param_label(p, lang)
        labels[p] = p if label == p.rsplit(".", 1)[-1].replace("_", " ") else label
    return {p: lab if list(labels.values()).count(lab) == 1 else p for p, lab in labels.items()}


def _ci_text(m: Any, lo: Any, hi: Any) -> str:
    """``+1.23 [-0.40, +2.86]`` (ASCII, two decimals); ``n/a`` without an estimate."""
    if m is None or not np.isfinite(float(m)):
        return "n/a"
    if any(v is None or not np.isfinite(float(v)) for v in (lo, hi)):
        return f"{float(m):+.2f}"
    return f"{float(m):+.2f} [{float(lo):+.2f}, {float(hi):+.2f}]"


def compare_view(table: pd.DataFrame, outcomes: list[str], params: list[str]) -> pd.DataFrame:
    """The effects of ``clustersim compare`` as text cells, one row per design point and regime.

    Design point, regime (as stored), one column per varied parameter (:func:`param_headers`),
    each outcome's effect in % with its 95 % CI, shares also in percentage points, and the
    share of runs registered with the median quarter. Every header is unique.
    """
    heads = param_headers(params)
    shares = [o for o in outcomes if f"{o}_pp" in table.columns]
    cols: dict[str, list[str]] = {t("col_point", "en"): [], t("col_arm", "en"): []}
    for p in params:
        cols[heads[p]] = []
    for o in outcomes:
        cols[f"{o}, %"] = []
    for o in shares:
        cols[f"{o}, pp"] = []
    reg = "registered_share" in table.columns
    if reg:
        cols["registered"] = []
    for _, r in table.iterrows():
        row = [str(int(r["point"])), str(r["arm"])]
        row += [f"{r[p]:.4g}" if isinstance(r[p], float) else str(r[p]) for p in params]
        row += [_ci_text(r[f"{o}_pct"], r[f"{o}_pct_ci_low"], r[f"{o}_pct_ci_high"])
                for o in outcomes]  # fmt: skip
        row += [_ci_text(r[f"{o}_pp"], r[f"{o}_pp_ci_low"], r[f"{o}_pp_ci_high"]) for o in shares]
        if reg:
            q, share = r["registration_quarter"], r["registered_share"]
            text = "n/a" if not np.isfinite(share) else f"{100 * share:.0f} %"
            row.append(text + ("" if not np.isfinite(q) else f" q{q:g}"))
        for key, cell in zip(cols, row, strict=True):
            cols[key].append(cell)
    return pd.DataFrame(cols)


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


def _xlsx_value(v: Any) -> Any:
    """A cell value for Excel: NaN empty, numpy scalars as Python ones, formulas escaped.

    Integers beyond Excel's 15 significant digits (19-digit seeds) are written as text: Excel
    keeps numbers as doubles and would round them.
    """
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= EXCEL_EXACT:
        return str(v)
    return escape_cell(v)


def write_xlsx(
    frames: dict[str, tuple[pd.DataFrame, list[str]]],
    path: Path,
    *,
    notes: list[tuple[str, str]] | None = None,
    lang: str | None = None,
) -> Path:
    """An Excel workbook, one sheet per frame: bold wrapped headers, frozen first row; notes.

    Every text cell (headers included) that would start a formula is escaped
    (:func:`sim.report.cells.escape_cell`), so it is stored as text; integers too long for
    Excel's doubles (seeds) are stored as text. Every workbook ends with a notes sheet
    ("Пояснения" / "Notes"): ``notes`` or, when not given, the ``attrs["notes"]`` of the frames
    (:func:`regime_table`, :func:`budget_table`: scenario and hash, sweep, seed as text, date
    written, clustersim version, the time basis and the definition of every column). Every
    cell of the notes sheet is text.

    Args:
        frames: Sheet name -> (frame, number format of each column or ``"text"``).
        path: The workbook.
        notes: Rows (item, value or definition) of the notes sheet.
        lang: Language of the notes sheet's name and headers (default: the frames'
            ``attrs["lang"]``, else English).

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
            ws.append([_xlsx_value(v) for v in rec])
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
    first = next(iter(frames.values()))[0] if frames else pd.DataFrame()
    lang = lang or first.attrs.get("lang") or "en"
    rows = notes if notes is not None else first.attrs.get("notes", [])
    rows = rows or [
        (t("tx_n_written", lang), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        (t("tx_n_version", lang), __version__),
    ]
    ws = wb.create_sheet(t("tx_notes_sheet", lang))
    ws.append([t("tx_notes_item", lang), t("tx_notes_text", lang)])
    for item, text in rows:
        ws.append([escape_cell(str(item)), escape_cell(str(text))])
        for cell in ws[ws.max_row]:
            cell.data_type = "s"  # text, even a seed of digits
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in ws[1]:
        cell.font = head_font
        cell.fill = head_fill
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 90
    ws.freeze_panes = "A2"
    wb.save(path)
    return path
