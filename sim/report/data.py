"""What a report shows of a stored sweep: the sweep read back plus the tables computed from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.analysis.comparison import compare_points
from sim.analysis.sensitivity import sensitivity
from sim.errors import InputError
from sim.report import charts
from sim.report.i18n import regime_titles
from sim.run.designs import DesignSpec
from sim.store.reading import SweepData

__all__ = ["ReportData", "prepare"]


@dataclass
class ReportData:
    """A stored sweep and the figures computed from it, as charts, tables and briefs use them."""

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


def prepare(data: SweepData, outcomes: list[str], notes: list[str]) -> ReportData:
    """Compute the regime table (and sensitivity indices of sobol/morris sweeps) of a sweep.

    Args:
        data: The sweep, read back (:func:`sim.store.reading.read_sweep`).
        outcomes: Headline outcomes.
        notes: Collects what could not be computed, in words.

    Raises:
        InputError: The sweep has no completed runs.
    """
    if data.outcomes.empty:
        raise InputError.parameter("sweep", f"sweep '{data.name}' has no completed runs yet")
    notes.extend(data.notes)
    sc = data.scenario
    try:
        table = compare_points(
            data.outcomes,
            data.design,
            data.arms,
            outcomes=outcomes,
            discount_rate=sc.experiment.discount_rate.value,
        )
    except KeyError as exc:  # compare with one replicate: CI columns all NaN
        notes.append(f"regime table unavailable ({exc}); comparison charts and tables skipped")
        table = pd.DataFrame()
    sens: dict[str, pd.DataFrame] = {}
    method = data.method
    if method in ("sobol", "morris") and data.regimes and data.sample is not None:
        design = DesignSpec.model_validate(data.sweep["spec"].get("design", {}), strict=False)
        try:
            sens[method] = sensitivity(
                data.outcomes,
                design,
                data.sample,
                method=method,
                outcome=outcomes[0],
                arm=data.regimes[0],
                seed=int(data.sweep["root_seed"]),
            )
        except (InputError, ImportError) as exc:
            notes.append(f"{method} chart skipped: {exc}")
    row = data.scenario_row
    info = charts.SourceInfo(
        scenario=row["name"],
        scenario_hash=row["hash"],
        replications=int(data.sweep["replications"]),
        titles=regime_titles(sc),
        regimes=tuple(sc.regimes),
        start_year=int(sc.scenario.start_year),
        horizon_quarters=int(data.outcomes["quarter"].max()),
    )
    return ReportData(
        sweep=data.sweep,
        scenario=sc,
        scenario_row=row,
        df=data.outcomes,
        runs=data.runs,
        design=data.design,
        table=table,
        base_point=data.base_point,
        params=data.params,
        networks=data.networks,
        sensitivity=sens,
        info=info,
        outcomes=outcomes,
    )
