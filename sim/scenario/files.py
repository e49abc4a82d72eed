"""The scenario files shipped with clustersim (package data: ``sim/data/scenarios``).

In a source checkout ``sim/data/scenarios`` links to the project's ``scenarios/`` folder, so the
files a modeller edits there are the ones :func:`default_scenario` loads; an installed package
carries copies, so ``ClusterModel()`` works from any working directory.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

__all__ = ["DEFAULT_SCENARIO", "SHIPPED_DIR", "default_scenario", "shipped_scenarios"]

SHIPPED_DIR = Path(str(files("sim"))) / "data" / "scenarios"
DEFAULT_SCENARIO = SHIPPED_DIR / "astrakhan_shipbuilding.toml"


def shipped_scenarios() -> list[Path]:
    """The shipped scenario files (``*.toml`` directly in the folder; sweeps are below it)."""
    return sorted(p for p in SHIPPED_DIR.glob("*.toml") if p.is_file())


def default_scenario() -> Scenario:
    """The Astrakhan shipbuilding scenario, validated."""
    return load_scenario(DEFAULT_SCENARIO)
