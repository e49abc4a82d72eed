"""Worlds: draws of a scenario's uncertain parameters (its ``[[uncertainties]]`` ranges).

A *world* is one value for every ranged uncertainty of the scenario, drawn by Latin hypercube
(EMA Workbench's default sampler for uncertainties); everything else keeps the value in the file.
:func:`world_design` turns the uncertainty set into the same :class:`~sim.run.designs.DesignSpec`
a sweep file would hold, so the worlds run, resume and are stored exactly like a sweep's design
points (one implementation of the design machinery, not two).
"""

from __future__ import annotations

from typing import Final

from sim.run.designs import MAX_DESIGN_POINTS, DesignSpec, VaryEntry
from sim.scenario.schema import Scenario
from sim.scenario.uncertainty import ranged

__all__ = ["DEFAULT_WORLDS", "DEFAULT_WORLD_REPLICATIONS", "uncertainty_vary", "world_design"]

DEFAULT_WORLDS: Final = 64
"""Worlds drawn by ``clustersim run`` unless ``--worlds`` says otherwise."""
DEFAULT_WORLD_REPLICATIONS: Final = 4
"""Paired replications in each world unless ``--replications`` says otherwise."""


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
