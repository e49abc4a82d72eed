"""The uncertainty set of a scenario: which world parameters need a range, and which have one.

A *world parameter* is a number that describes the region, its firms or its markets rather than
a lever (``regimes``) or the frame of an experiment (``scenario``, ``experiment.seed`` and
``experiment.replications``). It is an **assumption** when nothing in the file sources it:

* a plain number in a world table (``market``, ``sourcing``, ``labour``, ``firm_groups``,
  ``membership``, ``organisation``, ``finance``, ``production``, ``sme_demography``,
  ``registry``; the comment
  beside it is not data), or
* a ``{value, unit, source}`` table outside ``regimes`` whose source starts with
  ``assumption`` or carries the label ``[R]`` (recalled, not verified), such as
  ``registry.functional_dependence_default`` or ``experiment.discount_rate``.

Every assumption must appear in ``[[uncertainties]]`` with a range (or values), or be held
fixed there with a reason (:class:`~sim.scenario.schema.Uncertainty`): :func:`coverage_problems`
lists the ones that do not, and the loader refuses the file. So nothing unidentified reaches a
headline unseen.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sim.scenario.schema import EVIDENCE_RE, Scenario, Uncertainty
from sim.scenario.toml_index import PathT, dotted_key, parse_dotted_key

__all__ = [
    "WORLD_TABLES",
    "WorldParameter",
    "coverage_problems",
    "ranged",
    "world_parameters",
]

WORLD_TABLES = (
    "market",
    "sourcing",
    "labour",
    "firm_groups",
    "membership",
    "organisation",
    "finance",
    "production",
    "sme_demography",
    "registry",
)
"""Tables whose plain numbers are world parameters (and assumptions unless covered)."""
_SOURCED_TABLES = ("experiment", "taxes", "sez", "loan_programmes")
"""Further tables whose ``{value, unit, source}`` entries are world parameters."""
_FRAME = {("experiment", "seed"), ("experiment", "replications")}


@dataclass(frozen=True)
class WorldParameter:
    """One numeric world parameter of a scenario.

    Attributes:
        key: Dotted key with array indices (``firm_groups[0].count``).
        alias: Dotted key with array items by name (``firm_groups.shipyards.count``), or the
            same as ``key`` when the items have no name.
        value: The value in the scenario.
        source: The source of a ``{value, unit, source}`` table, else ``""``.
        assumption: Whether the file leaves it unsourced (a plain number, ``assumption`` or
            ``[R]``).
    """

    key: str
    alias: str
    value: float
    source: str
    assumption: bool

    def matches(self, pattern: str) -> bool:
        """Whether a dotted key of ``[[uncertainties]]`` names this one (``*`` is a wildcard)."""
        pattern = pattern.replace("[", "[[]")  # array indices, not fnmatch's character classes
        return fnmatch.fnmatchcase(self.key, pattern) or fnmatch.fnmatchcase(self.alias, pattern)


def _walk(node: Any, path: PathT, alias: PathT) -> Iterator[tuple[PathT, PathT, Any]]:
    if isinstance(node, dict):
        if {"value", "unit", "source"} <= set(node):
            yield path, alias, node
            return
        for k, v in node.items():
            yield from _walk(v, (*path, k), (*alias, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            name = v.get("name") if isinstance(v, dict) else None
            yield from _walk(v, (*path, i), (*alias, name if isinstance(name, str) else i))
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield path, alias, node


def _unsourced(source: str) -> bool:
    s = source.strip().lower()
    return s.startswith("assumption") or "[R]" in source or not EVIDENCE_RE.search(source)


def world_parameters(scenario: Scenario) -> list[WorldParameter]:
    """Every numeric world parameter of the scenario, in file order.

    Args:
        scenario: A validated scenario.

    Returns:
        One entry per number of the world tables and per sourced table of ``experiment``,
        ``taxes``, ``sez`` and ``loan_programmes`` (not the regimes).
    """
    data = scenario.model_dump(mode="json")
    out = []
    for table in (*_SOURCED_TABLES[:1], *WORLD_TABLES, *_SOURCED_TABLES[1:]):
        for path, alias, node in _walk(data.get(table), (table,), (table,)):
            if path in _FRAME:
                continue
            if isinstance(node, dict):
                source = str(node["source"])
                value, assumption = float(node["value"]), _unsourced(source)
            elif table in WORLD_TABLES:
                source, value, assumption = "", float(node), True
            else:
                continue
            out.append(
                WorldParameter(dotted_key(path), dotted_key(alias), value, source, assumption)
            )
    return out


class _Keys:
    """Dotted keys of ``[[uncertainties]]``: exact ones in a set, ``*`` patterns compiled once."""

    def __init__(self, keys: list[str]) -> None:
        self.exact = {k for k in keys if "*" not in k}
        self.globs = [
            re.compile(fnmatch.translate(k.replace("[", "[[]"))) for k in keys if "*" in k
        ]

    def cover(self, p: WorldParameter) -> bool:
        if p.key in self.exact or p.alias in self.exact:
            return True
        return any(g.match(p.key) or g.match(p.alias) for g in self.globs)


def ranged(scenario: Scenario) -> list[tuple[Uncertainty, WorldParameter]]:
    """The uncertainties with a range or values, each with the parameter it names."""
    params = world_parameters(scenario)
    by_key = {p.key: p for p in params} | {p.alias: p for p in params}
    return [(u, by_key[u.key]) for u in scenario.uncertainties if not u.fixed and u.key in by_key]


def coverage_problems(scenario: Scenario) -> list[tuple[PathT, str]]:
    """What is wrong with the scenario's ``[[uncertainties]]``.

    Returns:
        ``(path, message)`` pairs: an entry that names no world parameter (a lever, a typo, a
        key of the experiment's frame), and each assumption that no entry covers.
    """
    params = world_parameters(scenario)
    names = {p.key for p in params} | {p.alias for p in params}
    problems: list[tuple[PathT, str]] = []
    for i, u in enumerate(scenario.uncertainties):
        if u.key.startswith("regimes"):
            problems.append((("uncertainties", i, "key"),
                             f"'{u.key}' is a lever (a regime's level), not a world parameter: "
                             "vary it in a sweep's [[design.vary]]"))  # fmt: skip
        elif u.key not in names and not any(p.matches(u.key) for p in params):
            near = sorted({p.alias for p in params}, key=lambda a: _distance(a, u.key))[:3]
            problems.append((("uncertainties", i, "key"),
                             f"'{u.key}' names no world parameter of this scenario (did you "
                             f"mean {', '.join(repr(n) for n in near)}?)"))  # fmt: skip
    covered = _Keys([u.key for u in scenario.uncertainties])
    for p in params:
        if p.assumption and not covered.cover(p):
            what = f"source '{p.source}'" if p.source else "a plain number, no source"
            problems.append(
                (tuple(parse_dotted_key(p.key)),
                 f"an assumption ({what}) with no range: add it to [[uncertainties]] with "
                 "low and high (or values) and a source, or with fixed = true and a reason")
            )  # fmt: skip
    return problems


def _distance(a: str, b: str) -> float:
    return -difflib.SequenceMatcher(None, a, b).ratio()
