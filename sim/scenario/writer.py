"""A scenario written back as TOML (what the page stores for a scenario with moved levels)."""

from __future__ import annotations

import json
from typing import Any

from sim.scenario.schema import Scenario

__all__ = ["scenario_toml", "to_toml"]


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def to_toml(data: dict[str, Any], _prefix: str = "") -> str:
    """A TOML document of a JSON-like dict (tables, arrays of tables, scalars, inline lists)."""
    scalars, tables, arrays = [], [], []
    for k, v in data.items():
        if v is None:
            continue
        if isinstance(v, dict):
            tables.append((k, v))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            arrays.append((k, v))
        else:
            scalars.append(f"{json.dumps(k)} = {_toml_value(v)}")
    lines = scalars[:]
    for k, v in tables:
        name = f"{_prefix}{json.dumps(k)}"
        lines.append(f"\n[{name}]")
        lines.append(to_toml(v, name + "."))
    for k, items in arrays:
        name = f"{_prefix}{json.dumps(k)}"
        for item in items:
            lines.append(f"\n[[{name}]]")
            lines.append(to_toml(item, name + "."))
    return "\n".join(x for x in lines if x != "")


def scenario_toml(sc: Scenario, header: str = "") -> str:
    """The TOML text of a validated scenario (loads back to an equal scenario)."""
    head = "".join(f"# {line}\n" for line in header.splitlines())
    return head + to_toml(sc.model_dump(mode="json")) + "\n"
