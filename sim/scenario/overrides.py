"""Overrides by dotted key: a new, validated scenario with some values replaced.

Keys follow :func:`~sim.scenario.toml_index.dotted_key`; array items may also be addressed by
their ``name`` (``firm_groups.shipyards.count``), and a scalar given for a Param table
(``{value, unit, source}``) sets its ``value``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from sim.errors import InputError, Problem
from sim.scenario.loader import did_you_mean, is_schema_model, scenario_from_dict, schema_type_at
from sim.scenario.schema import Param, Scenario
from sim.scenario.toml_index import PathT, dotted_key, parse_dotted_key

__all__ = ["apply_overrides"]


class _OverrideError(Exception):
    pass


def _plain(value: Any) -> Any:
    """Convert numpy scalars to Python, tuples to lists (strict validation accepts only those)."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        try:
            return _plain(value.item())
        except (TypeError, ValueError):
            return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _list_index(items: list[Any], part: str | int, path: PathT) -> int:
    if isinstance(part, int) or part.isdigit():
        i = int(part)
        if not 0 <= i < len(items):
            raise _OverrideError(
                f"index {i} out of range: '{dotted_key(path)}' has {len(items)} items"
            )
        return i
    names = [item.get("name") for item in items if isinstance(item, Mapping)]
    for i, item in enumerate(items):
        if isinstance(item, Mapping) and item.get("name") == part:
            return i
    names = [n for n in names if isinstance(n, str)]
    raise _OverrideError(
        f"no item named '{part}' in '{dotted_key(path)}'" + did_you_mean(part, names)
    )


def _set_override(data: dict[str, Any], key: str, value: Any) -> None:
    try:
        parts = parse_dotted_key(key)
    except ValueError as exc:
        raise _OverrideError(str(exc)) from None
    node: Any = data
    path: PathT = ()
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        if isinstance(node, list):
            i = _list_index(node, part, path)
            if last:
                node[i] = value
                return
            path = (*path, i)
            child = node[i]
        elif isinstance(node, dict):
            if isinstance(part, int):
                raise _OverrideError(f"'{dotted_key(path)}' is a table, not an array")
            tp = schema_type_at(path)
            if is_schema_model(tp):
                allowed = list(tp.model_fields)
                if part not in allowed:
                    raise _OverrideError(
                        f"unknown key '{part}' in '{dotted_key(path) or '<top level>'}'"
                        + did_you_mean(part, allowed)
                    )
            elif part not in node:
                raise _OverrideError(
                    f"no '{part}' in '{dotted_key(path)}'" + did_you_mean(part, sorted(node))
                )
            target_type = schema_type_at((*path, part))
            if last:
                if (
                    is_schema_model(target_type)
                    and issubclass(target_type, Param)
                    and not isinstance(value, Mapping)
                ):
                    current = node.get(part)
                    if not isinstance(current, Mapping):
                        raise _OverrideError(
                            f"'{dotted_key((*path, part))}' is not set in this scenario; "
                            "give the whole table {value, unit, source}"
                        )
                    node[part] = {**current, "value": value}
                else:
                    node[part] = value
                return
            child = node.get(part)
            if child is None:
                if part in node:  # an optional table left out (an instrument not offered)
                    raise _OverrideError(
                        f"'{dotted_key((*path, part))}' is not set in this scenario, so keys "
                        "inside it cannot be overridden; define the whole table instead"
                    )
                child = node[part] = {}
            path = (*path, part)
        else:
            raise _OverrideError(f"'{dotted_key(path)}' is a value, not a table")
        node = child


def apply_overrides(
    scenario_or_dict: Scenario | Mapping[str, Any],
    overrides: Mapping[str, Any],
    *,
    source: str = "<overrides>",
) -> Scenario:
    """Return a new scenario with values set by dotted key, validated again.

    Keys follow :func:`dotted_key`; array items may also be addressed by their ``name``
    (``firm_groups.shipyards.count``). A scalar given for a Param table sets its ``value``
    (``regimes.decree41_full.joint_project_subsidy.rate`` = 0.3). numpy scalars are accepted.

    Args:
        scenario_or_dict: A scenario, or a raw scenario dict (validated first).
        overrides: Dotted key -> new value.
        source: Name used as the FILE of problems (e.g. the sweep file).

    Returns:
        The new, validated scenario.

    Raises:
        InputError: Unknown keys (with a suggestion), values of the wrong type or out of range,
            or a scenario that no longer passes its cross-checks.
    """
    if isinstance(scenario_or_dict, Scenario):
        data = scenario_or_dict.model_dump(mode="json")
    elif isinstance(scenario_or_dict, Mapping):
        data = scenario_from_dict(copy.deepcopy(dict(scenario_or_dict)), source=source).model_dump(
            mode="json"
        )
    else:
        raise TypeError(f"expected a Scenario or a dict, not {type(scenario_or_dict).__name__}")
    problems: list[Problem] = []
    for key, value in overrides.items():
        try:
            _set_override(data, str(key), _plain(value))
        except _OverrideError as exc:
            problems.append(Problem(file=source, line=None, key=str(key), message=str(exc)))
    if problems:
        raise InputError(problems)
    # which parameters are assumptions, and their [[uncertainties]] entries, are what the
    # coverage check reads: values set on a checked scenario leave both as they were
    keeps_coverage = isinstance(scenario_or_dict, Scenario) and not any(
        str(k).startswith("uncertainties") or str(k).endswith((".source", "source"))
        for k in overrides
    )
    return scenario_from_dict(data, source=source, check_coverage=not keeps_coverage)
