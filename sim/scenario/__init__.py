"""Scenarios: the schema, loading TOML files with clear errors, hashing, overrides and scaling."""

from sim.errors import InputError, Problem
from sim.scenario.loader import (
    apply_overrides,
    canonical_json,
    dotted_key,
    load_scenario,
    parse_dotted_key,
    read_toml,
    scenario_from_dict,
    scenario_hash,
)
from sim.scenario.scaling import scale_scenario
from sim.scenario.schema import Scenario

__all__ = [
    "InputError",
    "Problem",
    "Scenario",
    "apply_overrides",
    "canonical_json",
    "dotted_key",
    "load_scenario",
    "parse_dotted_key",
    "read_toml",
    "scale_scenario",
    "scenario_from_dict",
    "scenario_hash",
]
