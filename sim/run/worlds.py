"""Worlds: draws of a scenario's uncertain parameters (its ``[[uncertainties]]`` ranges).

A *world* is one value for every ranged uncertainty of the scenario, drawn by Latin hypercube
(EMA Workbench's default sampler for uncertainties); everything else keeps the value in the file.
:func:`world_design` turns the uncertainty set into the same :class:`~sim.run.designs.DesignSpec`
a sweep file would hold, so the worlds run, resume and are stored exactly like a sweep's design
points (one implementation of the design machinery, not two).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.run.designs import MAX_DESIGN_POINTS, DesignSpec, VaryEntry, design_matrix
from sim.scenario.schema import Scenario
from sim.scenario.uncertainty import ranged, world_parameters

__all__ = [
    "DEFAULT_WORLDS",
    "DEFAULT_WORLD_REPLICATIONS",
    "CalibratedDraws",
    "calibrated_points",
    "read_calibrated",
    "uncertainty_vary",
    "world_design",
]

DEFAULT_WORLDS: Final = 64
"""Worlds drawn by ``clustersim run`` unless ``--worlds`` says otherwise."""
DEFAULT_WORLD_REPLICATIONS: Final = 4
"""Paired replications in each world unless ``--replications`` says otherwise."""


@dataclass(frozen=True)
class CalibratedDraws:
    """Accepted parameter draws of a calibration (``clustersim calibrate --out``).

    Attributes:
        path: The CSV file.
        keys: Its columns that name world parameters of the scenario (dotted keys).
        values: One row per accepted draw, one column per key.
        digest: SHA-256 of the file's bytes (part of the worlds sweep's name, so another
            calibration never resumes this one's runs).
    """

    path: Path
    keys: list[str]
    values: np.ndarray
    digest: str

    def for_worlds(self, worlds: int, seed: int) -> list[dict[str, float]]:
        """One draw per world, in a seeded random order.

        Without replacement when there are at least as many draws as worlds, else with it.
        """
        rng = np.random.default_rng(seed)
        n = len(self.values)
        rows = rng.permutation(n)[:worlds] if worlds <= n else rng.integers(0, n, size=worlds)
        return [dict(zip(self.keys, map(float, self.values[i]), strict=True)) for i in rows]


def read_calibrated(path: str | Path, scenario: Scenario) -> CalibratedDraws:
    """Read accepted calibration draws: the columns that name world parameters of ``scenario``.

    Rows with ``accepted`` false (a CSV of every draw) are left out.

    Raises:
        InputError: An unreadable file, no column naming a world parameter, no accepted row, or
            a value that is not a finite number (naming the file and the column).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        table = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError.single(str(path), f"cannot read the calibrated draws: {exc}") from None
    names = {p.key for p in world_parameters(scenario)} | {
        p.alias for p in world_parameters(scenario)
    }
    keys = [str(c) for c in table.columns if str(c) in names]
    if not keys:
        raise InputError.single(
            str(path), "no column names a world parameter of the scenario (the columns of "
            "`clustersim calibrate --out` are dotted keys such as market.price_sensitivity)"
        )  # fmt: skip
    if "accepted" in table.columns:
        table = table[table["accepted"].astype(str).str.lower().isin(("true", "1"))]
    if table.empty:
        raise InputError.single(str(path), "no accepted draw in the file")
    values = table[keys].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    bad = [k for j, k in enumerate(keys) if not np.isfinite(values[:, j]).all()]
    if bad:
        raise InputError.single(str(path), "not a finite number in every row", key=bad[0])
    return CalibratedDraws(path, keys, values, hashlib.sha256(raw).hexdigest())


def calibrated_points(
    scenario: Scenario, draws: CalibratedDraws, worlds: int, seed: int
) -> tuple[DesignSpec, list[dict[str, Any]], np.ndarray]:
    """Worlds from calibrated draws: the draws' parameters, and LHS over the other ranges.

    Returns:
        The design over the uncertainties the draws do not hold, one point per world (the LHS
        values and the draw's), and the sample matrix (the LHS rows, then the draw's values).
    """
    vary = [v for v in uncertainty_vary(scenario) if v.key not in set(draws.keys)]
    design = DesignSpec(method="lhs", vary=vary, samples=worlds, seed=seed)
    picked = draws.for_worlds(worlds, seed)
    if vary:
        lhs, raw = design_matrix(design, seed)
    else:
        lhs, raw = [{} for _ in range(worlds)], np.zeros((worlds, 0))
    points = [{**p, **d} for p, d in zip(lhs, picked, strict=True)]
    values = np.array([[d[k] for k in draws.keys] for d in picked]).reshape(worlds, -1)
    return design, points, np.hstack([np.asarray(raw, dtype=float), values])


def uncertainty_vary(scenario: Scenario) -> list[VaryEntry]:
    """One ``[[design.vary]]`` entry per ranged uncertainty of the scenario, in file order.

    A range becomes ``low``/``high`` (``integer`` kept), a list of values a categorical entry.
    Sweep files get the same entries with ``[design] uncertainties = true``.
    """
    vary = []
    for u, _param in ranged(scenario):
        if u.values is not None:
            vary.append(VaryEntry(key=u.key, values=list(u.values)))
        else:
            vary.append(VaryEntry(key=u.key, low=u.low, high=u.high, integer=u.integer))
    return vary


def world_design(scenario: Scenario, worlds: int, seed: int) -> DesignSpec:
    """A Latin-hypercube design over the scenario's ranged uncertainties.

    Args:
        scenario: The scenario; its ``[[uncertainties]]`` with ``low``/``high`` or ``values``
            are varied (fixed entries keep the written value).
        worlds: Number of worlds (1 to :data:`~sim.run.designs.MAX_DESIGN_POINTS`).
        seed: Seed of the Latin hypercube.

    Returns:
        The design (method ``lhs``), one ``[[design.vary]]`` entry per ranged uncertainty.

    Raises:
        ValueError: No ranged uncertainty, or a number of worlds out of range.
    """
    if not 1 <= worlds <= MAX_DESIGN_POINTS:
        raise ValueError(f"worlds must be 1 to {MAX_DESIGN_POINTS:,}, got {worlds}")
    vary = uncertainty_vary(scenario)
    if not vary:
        raise ValueError("the scenario has no [[uncertainties]] with a range or values to draw")
    return DesignSpec(method="lhs", vary=vary, samples=worlds, seed=seed)
