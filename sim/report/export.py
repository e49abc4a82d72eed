"""Tidy (long) exports of a stored sweep for analysts: runs and outcome series.

:func:`write_export` writes two tables:

* ``<sweep>_runs``: one row per run -- ``sweep, point, replicate, arm, seed, status, error,
  wall_seconds, registered_quarter, code_version`` and one column per varied parameter;
* ``<sweep>_outcomes``: one row per run, quarter and outcome -- ``sweep, point, replicate,
  arm, quarter, outcome, value, unit`` (long form, ready for ``groupby``/pivot or R's tidyverse).

Formats: ``csv`` (two UTF-8 files), ``parquet`` (two files; needs pyarrow, the ``parquet`` extra)
or ``xlsx`` (one workbook with two sheets and a notes sheet; needs openpyxl, the ``excel`` extra;
limited to Excel's 1,048,576 rows per sheet).

Without ``lang`` the tables are machine-readable: the column names above, outcome names and
units as stored, model quarters 1..N, CSV with ``,`` and a decimal point. With ``lang`` (``ru``
or ``en``) they are for reading in a spreadsheet (:func:`labelled_frames`): column, regime,
outcome and unit labels in that language (:mod:`sim.report.i18n`), a calendar quarter beside
the model quarter (``2027 I кв.`` / ``2027 Q1`` from the scenario's start year), values
rounded to four decimals, and a Russian CSV with ``;`` and a decimal comma. In every workbook
the run seeds (19 digits) are text, never numbers Excel would round, and a notes sheet says
what was run (scenario and hash, sweep, root seed as text, date written, clustersim version)
and what every column means.

File names start with the sweep's name made safe for a file name
(:func:`sim.report.paths.safe_component`; ``../../x`` cannot leave the output folder), and every
path is confined to the output folder (:func:`sim.report.paths.under`). In CSV and Excel, text
cells that a spreadsheet would read as a formula (a sweep named ``=1+2``) are escaped with a
leading ``'`` (:mod:`sim.report.cells`); Parquet keeps the values as they are.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from sim import __version__
from sim.analysis.comparison import check_outcomes
from sim.errors import InputError
from sim.model.outcomes import OUTCOME_NAMES, outcome
from sim.report.cells import escape_frame
from sim.report.i18n import (
    arm_label,
    check_lang,
    outcome_label,
    param_label,
    regime_titles,
    t,
    unit,
)
from sim.report.paths import output_folder, safe_component, under
from sim.report.tables import quarter_label, sig_decimals, write_csv
from sim.store.reading import SweepData

__all__ = ["EXPORT_FORMATS", "export_notes", "labelled_frames", "tidy_frames", "write_export"]

EXPORT_FORMATS = ("csv", "parquet", "xlsx")
_EXCEL_ROWS = 1_048_575


def tidy_frames(
    data: SweepData, outcomes: list[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs table and the long outcome table of a stored sweep.

    Raises:
        InputError: Unknown outcome.
    """
    names = list(outcomes or OUTCOME_NAMES)
    check_outcomes(names)
    runs = data.runs.merge(data.design.drop(columns=["scenario_hash"]), on="point", how="left")
    long = data.outcomes.melt(
        id_vars=["point", "replicate", "arm", "quarter"],
        value_vars=names,
        var_name="outcome",
        value_name="value",
    )
    long["unit"] = long["outcome"].map({o: outcome(o).unit for o in names})
    long.insert(0, "sweep", data.name)
    long = long.sort_values(["point", "replicate", "arm", "outcome", "quarter"], kind="stable")
    return runs, long.reset_index(drop=True)


def _unique_labels(keys: list[str], lang: str) -> dict[str, str]:
    """Labels of the varied parameters; the full key where two labels would be the same."""
    labels = {k: param_label(k, lang) for k in keys}
    return {
        k: lab if list(labels.values()).count(lab) == 1 else f"{lab} ({k})"
        for k, lab in labels.items()
    }


def labelled_frames(
    data: SweepData, runs: pd.DataFrame, long: pd.DataFrame, lang: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tidy tables for reading in ``lang``: labels, calendar quarters, rounded values.

    Runs: sweep, design point, replication, regime, seed (text), status, error, run time,
    quarter of entry into the register (calendar), model version, then the varied parameters
    by their labels (four significant digits). Outcomes: sweep, design point, replication,
    regime, model quarter, calendar quarter (``2027 I кв.``), outcome, value (four decimals),
    unit.

    Raises:
        ValueError: Unsupported language.
    """
    check_lang(lang)
    start = int(data.scenario.scenario.start_year)
    titles = regime_titles(data.scenario)
    params = [c for c in data.design.columns if c not in ("point", "scenario_hash")]
    status = {"completed": t("tx_x_completed", lang), "failed": t("tx_x_failed", lang)}
    out_runs = pd.DataFrame(
        {
            t("tx_x_sweep", lang): runs["sweep"].astype(str),
            t("tx_point", lang): runs["point"].astype(int),
            t("tx_x_replicate", lang): runs["replicate"].astype(int),
            t("col_arm", lang): [arm_label(a, lang, titles) for a in runs["arm"]],
            t("tx_x_seed", lang): [str(v) for v in runs["seed"]],
            t("tx_x_status", lang): [status.get(str(v), str(v)) for v in runs["status"]],
            t("tx_x_error", lang): runs["error"],
            t("tx_x_wall", lang): pd.to_numeric(runs["wall_seconds"], errors="coerce").round(2),
            t("tx_x_registered", lang): [
                "" if pd.isna(q) else quarter_label(float(q), start, lang)
                for q in runs["registered_quarter"]
            ],
            t("tx_x_version", lang): runs["code_version"].astype(str),
        }
    )
    for key, label in _unique_labels(params, lang).items():
        values = runs[key]
        if pd.api.types.is_numeric_dtype(values):
            values = values.round(sig_decimals(values, sig=4, most=6))
        out_runs[label] = values.to_numpy()
    names = {o: outcome_label(o, lang) for o in long["outcome"].unique()}
    units = {o: unit(outcome(o).unit, lang) for o in long["outcome"].unique()}
    quarters = {q: quarter_label(q, start, lang) for q in long["quarter"].unique()}
    value = pd.to_numeric(long["value"], errors="coerce").round(4) + 0.0  # no -0.0
    out_long = pd.DataFrame(
        {
            t("tx_x_sweep", lang): long["sweep"].astype(str),
            t("tx_point", lang): long["point"].astype(int),
            t("tx_x_replicate", lang): long["replicate"].astype(int),
            t("col_arm", lang): long["arm"].map(lambda a: arm_label(a, lang, titles)),
            t("tx_x_quarter_no", lang): long["quarter"].astype(int),
            t("tx_x_quarter", lang): long["quarter"].map(quarters),
            t("tx_x_outcome", lang): long["outcome"].map(names),
            t("tx_x_value", lang): value,
            t("tx_x_unit", lang): long["outcome"].map(units),
        }
    )
    return out_runs, out_long


def export_notes(data: SweepData, lang: str | None) -> list[tuple[str, str]]:
    """The notes sheet of an export: what was run, when, and what every column means.

    The root seed is text. ``lang`` None: English, naming the machine-readable columns.
    """
    lg = lang or "en"
    start = int(data.scenario.scenario.start_year)
    row = data.scenario_row
    col = (lambda key, raw: t(key, lg)) if lang else (lambda key, raw: raw)
    params = [c for c in data.design.columns if c not in ("point", "scenario_hash")]
    labels = _unique_labels(params, lg) if lang else {p: p for p in params}
    return [
        (t("tx_n_scenario", lg), f"{row.get('title') or row['name']} ({row['name']})"),
        (t("tx_n_hash", lg), str(row["hash"])),
        (t("tx_n_sweep", lg), data.name),
        (t("tx_n_seed", lg), str(data.sweep["root_seed"])),
        (t("tx_n_replications", lg), str(data.sweep["replications"])),
        (t("tx_n_written", lg), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        (t("tx_n_version", lg), __version__),
        ("", ""),
        (t("tx_n_columns", lg), ""),
        (col("tx_point", "point"), t("tx_d_point", lg)),
        (col("tx_x_replicate", "replicate"), t("tx_xd_replicate", lg)),
        (col("col_arm", "arm"), t("tx_d_arm", lg)),
        (col("tx_x_seed", "seed"), t("tx_xd_seed", lg)),
        *((labels[p], t("tx_d_param", lg, param=p)) for p in params),
        (col("tx_x_quarter", "quarter"), t("tx_xd_quarter", lg, year=start)),
        (col("tx_x_value", "value"), t("tx_xd_value", lg)),
    ]


def _write_xlsx(path: Path, sheets: dict[str, pd.DataFrame], notes: list[tuple[str, str]],
                lang: str | None) -> None:  # fmt: skip
    """The workbook: data sheets (seeds as text, frozen header) and the notes sheet."""
    try:
        import openpyxl  # noqa: F401  (optional dependency: the `excel` extra)
    except ImportError:
        raise InputError.parameter(
            "format", "xlsx needs openpyxl: pip install 'clustersim[excel]'"
        ) from None
    lg = lang or "en"
    note_frame = pd.DataFrame(notes, columns=[t("tx_notes_item", lg), t("tx_notes_text", lg)])
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for sheet, frame in sheets.items():
            escape_frame(frame).to_excel(xw, sheet_name=sheet[:31], index=False,
                                         freeze_panes=(1, 0))  # fmt: skip
        escape_frame(note_frame).to_excel(xw, sheet_name=t("tx_notes_sheet", lg), index=False)


def write_export(
    data: SweepData,
    out: str | Path = ".",
    fmt: str = "csv",
    *,
    outcomes: list[str] | None = None,
    lang: str | None = None,
) -> list[Path]:
    """Write the tidy runs and outcome tables of a sweep.

    Args:
        data: The sweep, read back (:func:`sim.store.reading.read_sweep`).
        out: Output folder (created; an existing file there is bad input).
        fmt: ``csv``, ``parquet`` or ``xlsx``.
        outcomes: Outcomes to export (default: all).
        lang: None (default): machine-readable column names and values; ``ru`` or ``en``:
            labelled tables with calendar quarters (:func:`labelled_frames`), a Russian CSV
            with ``;`` and a decimal comma.

    Returns:
        The files written.

    Raises:
        InputError: Unknown sweep, outcome, format or language; a missing optional dependency;
            too many rows for an Excel sheet; ``out`` is an existing file.
    """
    if fmt not in EXPORT_FORMATS:
        raise InputError.parameter(
            "format", f"unknown format '{fmt}'; use {', '.join(EXPORT_FORMATS)}"
        )
    if lang is not None and lang not in ("ru", "en"):
        raise InputError.parameter("lang", f"unknown language '{lang}'; use ru or en")
    stem = safe_component(data.name)
    runs, long = tidy_frames(data, outcomes)
    if lang is not None:
        runs, long = labelled_frames(data, runs, long, lang)
    out = output_folder(out)
    runs_path = under(out, f"{stem}_runs.{fmt}")
    long_path = under(out, f"{stem}_outcomes.{fmt}")
    if fmt == "csv":
        out.mkdir(parents=True, exist_ok=True)
        if lang is not None:
            return [write_csv(runs, runs_path, lang), write_csv(long, long_path, lang)]
        escape_frame(runs).to_csv(runs_path, index=False)
        escape_frame(long).to_csv(long_path, index=False)
        return [runs_path, long_path]
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401  (optional dependency: the `parquet` extra)
        except ImportError:
            raise InputError.parameter(
                "format", "parquet needs pyarrow: pip install 'clustersim[parquet]'"
            ) from None
        out.mkdir(parents=True, exist_ok=True)
        runs.to_parquet(runs_path, index=False)
        long.to_parquet(long_path, index=False)
        return [runs_path, long_path]
    if len(long) > _EXCEL_ROWS:
        raise InputError.parameter(
            "format",
            f"{len(long):,} outcome rows exceed an Excel sheet; use format csv or parquet, "
            "or fewer outcomes",
        )
    seed = t("tx_x_seed", lang) if lang else "seed"
    runs[seed] = [str(v) for v in runs[seed]]  # 19 digits: text, never a rounded number
    names = ("tx_sheet_runs", "tx_sheet_outcomes")
    sheets = dict(zip([t(n, lang) for n in names] if lang else ["runs", "outcomes"],
                      (runs, long), strict=True))  # fmt: skip
    path = under(out, f"{stem}.xlsx")
    out.mkdir(parents=True, exist_ok=True)
    _write_xlsx(path, sheets, export_notes(data, lang), lang)
    return [path]
