"""Scenarios: the schema, loading TOML files with clear errors, hashing, overrides and scaling.

* :mod:`sim.scenario.schema` -- the frozen pydantic v2 schema of a scenario file
* :mod:`sim.scenario.input_file` -- the one reader of input files (regular files, size and time
  limits) and the TOML pre-scan (key parts, nesting)
* :mod:`sim.scenario.toml_index` -- dotted keys and the line of each key in a TOML text
* :mod:`sim.scenario.loader` -- TOML file to a validated scenario, with FILE:LINE: key errors
* :mod:`sim.scenario.overrides` -- a new scenario with values replaced by dotted key
* :mod:`sim.scenario.scaling` -- a scenario scaled to another number of firms
* :mod:`sim.scenario.files` -- the scenario files shipped as package data
"""

from sim.scenario.loader import (
    canonical_json,
    load_scenario,
    read_toml,
    scenario_from_dict,
    scenario_hash,
)
from sim.scenario.overrides import apply_overrides
from sim.scenario.scaling import scale_economy, scale_scenario
from sim.scenario.schema import Scenario
from sim.scenario.toml_index import dotted_key, parse_dotted_key

__all__ = [
    "Scenario",
    "apply_overrides",
    "canonical_json",
    "dotted_key",
    "load_scenario",
    "parse_dotted_key",
    "read_toml",
    "scale_economy",
    "scale_scenario",
    "scenario_from_dict",
    "scenario_hash",
]
