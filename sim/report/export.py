"""Tidy (long) exports of a stored sweep for analysts: runs and outcome series.

:func:`write_export` writes two tables:

* ``<sweep>_runs``: one row per run -- ``sweep, point, replicate, arm, seed, status, error,
  wall_seconds, registered_quarter, code_version`` and one column per varied parameter;
* ``<sweep>_outcomes``: one row per run, quarter and outcome -- ``sweep, point, replicate,
  arm, quarter, outcome, value, unit`` (long form, ready for ``groupby``/pivot or R's tidyverse).

Formats: ``csv`` (two UTF-8 files), ``parquet`` (two files; needs pyarrow, the ``parquet`` extra)
or ``xlsx`` (one workbook with two sheets; needs openpyxl, the ``excel`` extra; limited to
Excel's 1,048,576 rows per sheet).

File names start with the sweep's name made safe for a file name
(:func:`sim.report.paths.safe_component`; ``../../x`` cannot leave the output folder), and every
path is confined to the output folder (:func:`sim.report.paths.under`). In CSV and Excel, text
cells that a spreadsheet would read as a formula (a sweep named ``=1+2``) are escaped with a
leading ``'`` (:mod:`sim.report.cells`); Parquet keeps the values as they are.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.comparison import check_outcomes
from sim.errors import InputError
from sim.model.outcomes import OUTCOME_NAMES, outcome
from sim.report.cells import escape_frame
from sim.report.paths import output_folder, safe_component, under
from sim.store.reading import SweepData

__all__ = ["EXPORT_FORMATS", "tidy_frames", "write_export"]

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


def write_export(
    data: SweepData,
    out: str | Path = ".",
    fmt: str = "csv",
    *,
    outcomes: list[str] | None = None,
) -> list[Path]:
    """Write the tidy runs and outcome tables of a sweep.

    Args:
        data: The sweep, read back (:func:`sim.store.reading.read_sweep`).
        out: Output folder (created; an existing file there is bad input).
        fmt: ``csv``, ``parquet`` or ``xlsx``.
        outcomes: Outcomes to export (default: all).

    Returns:
        The files written.

    Raises:
        InputError: Unknown sweep, outcome or format; a missing optional dependency; too many
            rows for an Excel sheet; ``out`` is an existing file.
    """
    if fmt not in EXPORT_FORMATS:
        raise InputError.parameter(
            "format", f"unknown format '{fmt}'; use {', '.join(EXPORT_FORMATS)}"
        )
    stem = safe_component(data.name)
    runs, long = tidy_frames(data, outcomes)
    out = output_folder(out)
    runs_path = under(out, f"{stem}_runs.{fmt}")
    long_path = under(out, f"{stem}_outcomes.{fmt}")
    if fmt == "csv":
        out.mkdir(parents=True, exist_ok=True)
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
    try:
        import openpyxl  # noqa: F401  (optional dependency: the `excel` extra)
    except ImportError:
        raise InputError.parameter(
            "format", "xlsx needs openpyxl: pip install 'clustersim[excel]'"
        ) from None
    path = under(out, f"{stem}.xlsx")
    out.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for sheet, frame in (("runs", runs), ("outcomes", long)):
            escape_frame(frame).to_excel(xw, sheet_name=sheet, index=False, freeze_panes=(1, 0))
    return [path]
