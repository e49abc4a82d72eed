"""Reading a stored sweep back, in one place: everything analysis and reports need, as frames.

:func:`read_sweep` is the only reader of a whole sweep; analysis (:mod:`sim.analysis`) and
reports (:mod:`sim.report`) take the :class:`SweepData` it returns and never open the store.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.scenario.loader import scenario_from_dict
from sim.scenario.schema import ARM_DE_FACTO, Scenario
from sim.store.store import Store

__all__ = ["SweepData", "read_sweep"]


@dataclass
class SweepData:
    """One stored sweep, read back.

    Attributes:
        sweep: The sweep row (name, kind, spec, root_seed, replications, arms, ...).
        scenario_row: The base scenario's stored row (hash, name, title, toml_text).
        scenario: The base scenario, validated again from its stored TOML text.
        outcomes: Quarterly outcomes of the completed runs (``point, replicate, arm, quarter``).
        runs: One row per stored run (status, seed, error, registered_quarter, ...).
        design: Design points: ``point``, one column per varied parameter, ``scenario_hash``.
        sample: The design's unrounded sample matrix (lhs, sobol, morris), one row per point.
        base_point: The design point that is the base scenario (else the first point).
        networks: Stored supply networks ``{arm: (nodes, edges)}`` of replicate 0 at the base
            point, for de facto and the first regime.
        notes: What could not be read, in words (e.g. a network not stored).
    """

    sweep: dict[str, Any]
    scenario_row: dict[str, Any]
    scenario: Scenario
    outcomes: pd.DataFrame
    runs: pd.DataFrame
    design: pd.DataFrame
    sample: np.ndarray | None
    base_point: int
    networks: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The sweep's name."""
        return str(self.sweep["name"])

    @property
    def arms(self) -> list[str]:
        """The sweep's arms, in order."""
        return list(self.sweep["arms"])

    @property
    def regimes(self) -> list[str]:
        """The sweep's arms other than de facto."""
        return [a for a in self.arms if a != ARM_DE_FACTO]

    @property
    def params(self) -> list[str]:
        """The varied parameters (dotted keys), in design order."""
        return [c for c in self.design.columns if c not in ("point", "scenario_hash")]

    @property
    def method(self) -> str:
        """The design method (``none``, ``grid``, ``lhs``, ``sobol``, ``morris``)."""
        return str((self.sweep["spec"].get("design") or {}).get("method", "none"))


def require_sweep(store: Store, name: str) -> dict[str, Any]:
    """The stored sweep ``name``, or an error listing the stored sweeps."""
    sw = store.get_sweep(name)
    if sw is None:
        names = list(store.list_sweeps()["name"])
        listed = ", ".join(names) if names else "(none)"
        raise InputError.parameter(
            "sweep", f"no sweep named '{name}' in {store.url_masked}; stored sweeps: {listed}"
        )
    return sw


def read_sweep(
    store: Store, name: str, *, outcomes: list[str] | None = None, networks: bool = True
) -> SweepData:
    """Read a stored sweep: its definition, scenario, outcomes, runs, design and networks.

    Args:
        store: An open store.
        name: The sweep.
        outcomes: Outcome columns to read (default: all).
        networks: Also read the stored supply networks of replicate 0 at the base point.

    Raises:
        InputError: No sweep of that name (the message lists the stored ones).
    """
    sw = require_sweep(store, name)
    row = store.scenario_for_sweep(name)
    sc = scenario_from_dict(tomllib.loads(row["toml_text"]), source=f"<stored scenario {name}>")
    df = store.outcomes(name, outcomes)
    runs = store.runs(name)
    design = store.design_points(name, include_hash=True)
    raw = store.design_raw(name)
    same = design.index[design["scenario_hash"] == sw["scenario_hash"]]
    if len(same):
        base_point = int(design.loc[same[0], "point"])
    else:
        base_point = int(design["point"].min()) if len(design) else 0
    data = SweepData(
        sweep=sw,
        scenario_row=row,
        scenario=sc,
        outcomes=df,
        runs=runs,
        design=design,
        sample=None if raw is None else np.asarray(raw, dtype=float),
        base_point=base_point,
    )
    if data.sample is None and data.params and data.method in ("lhs", "sobol", "morris"):
        # Sweeps stored before the sample matrix was kept: the design values are the sample
        # (rounded where a parameter is an integer).
        data.sample = design[data.params].to_numpy(dtype=float)
        data.notes.append("design sample not stored; the stored (rounded) values are used")
    if networks:
        for arm in [a for a in (ARM_DE_FACTO, *data.regimes[:1]) if a in data.arms]:
            try:
                data.networks[arm] = store.network(name, arm, replicate=0, point=base_point)
            except LookupError as exc:
                data.notes.append(f"network chart skipped for {arm}: {exc}")
    return data
