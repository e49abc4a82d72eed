"""Sweep files: a base scenario, arms, replications and a design over dotted keys.

A sweep file is TOML::

    name = "subsidy_dose_response"          # optional; default: the file stem
    base = "../astrakhan_shipbuilding.toml" # the scenario, relative to this file
    replications = 10                       # paired replications per design point
    seed = 20261126                         # optional root seed; default: experiment.seed
    arms = ["de_facto", "decree41_full"]    # must include de_facto

    [design]
    method = "grid"                         # grid | lhs | sobol | morris | none
    [[design.vary]]
    key = "regimes.decree41_full.joint_project_subsidy.rate"
    values = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]

For ``lhs``, ``sobol`` and ``morris`` each ``[[design.vary]]`` entry has ``low``, ``high`` and
optionally ``integer = true``; ``[design]`` has ``samples`` (N) and optionally ``seed`` and
(morris) ``levels`` (:mod:`sim.run.designs`). Every point's scenario is validated before
anything runs; :func:`load_sweep` returns them with the design.

Replicate ``r`` uses the same seed at every design point and in every arm (common random
numbers), so differences between points and arms are not blurred by different random draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.errors import InputError, Problem
from sim.run.designs import DesignSpec, VaryEntry, design_matrix
from sim.scenario.loader import did_you_mean, load_scenario, problem_from_error, read_toml
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import ARM_DE_FACTO, Scenario
from sim.scenario.toml_index import TomlIndex, dotted_key, parse_dotted_key

__all__ = ["LoadedSweep", "SweepFile", "load_sweep"]

_STRICT = ConfigDict(frozen=True, strict=True, extra="forbid")


class SweepFile(BaseModel):
    """A sweep file as written (before the base scenario is loaded)."""

    model_config = _STRICT

    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.\-]+$")
    base: str = Field(min_length=1)
    replications: int = Field(gt=0)
    seed: int | None = Field(default=None, ge=0)
    arms: list[str] = Field(min_length=1)
    design: DesignSpec = Field(default_factory=DesignSpec)


@dataclass(frozen=True)
class LoadedSweep:
    """A validated sweep: the base scenario, the design points and their scenarios."""

    path: Path
    spec: SweepFile
    name: str
    base: Scenario
    base_path: Path
    root_seed: int
    points: list[dict[str, Any]]
    scenarios: list[Scenario]
    raw: np.ndarray | None  # the unrounded sample matrix (lhs/sobol/morris)

    @property
    def keys(self) -> list[str]:
        """The varied dotted keys, in file order."""
        return [v.key for v in self.spec.design.vary]

    def store_spec(self) -> dict[str, Any]:
        """What identifies the sweep in the store (no paths, so moving files keeps resuming)."""
        return {
            "kind": "sweep",
            "scenario": self.base.scenario.name,
            "design": self.spec.design.model_dump(mode="json"),
        }


def _design_problems(spec: SweepFile, index: TomlIndex, source: str) -> list[Problem]:
    """Cross-checks of the design that pydantic's field types cannot express."""
    d = spec.design
    problems: list[Problem] = []

    def add(path: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(source, index.line_of(path), dotted_key(path), message))

    if d.method == "none" and d.vary:
        add(("design", "method"), "method 'none' takes no [[design.vary]] entries")
    if d.method != "none" and not d.vary:
        add(("design", "vary"), f"method '{d.method}' needs at least one [[design.vary]] entry")
    seen: dict[str, int] = {}
    for i, v in enumerate(d.vary):
        where = ("design", "vary", i)
        try:
            parse_dotted_key(v.key)
        except ValueError as exc:
            add((*where, "key"), str(exc))
        if v.key in seen:
            add((*where, "key"), f"'{v.key}' is varied twice (also design.vary[{seen[v.key]}])")
        seen.setdefault(v.key, i)
        if d.method == "grid":
            if v.values is None:
                add(where, "a grid entry needs values = [...]")
            if v.low is not None or v.high is not None:
                add(where, "a grid entry takes values = [...], not low/high")
            if v.integer:
                add((*where, "integer"), "integer applies to lhs, sobol and morris ranges")
        elif d.method in ("lhs", "sobol", "morris"):
            if v.values is not None:
                add((*where, "values"), f"method '{d.method}' takes low and high, not values")
            if v.low is None or v.high is None:
                add(where, f"method '{d.method}' needs low and high")
            elif not v.low < v.high:
                add((*where, "high"), f"high must be greater than low ({v.low} >= {v.high})")
    if d.method in ("lhs", "sobol", "morris"):
        if d.samples is None:
            add(("design",), f"method '{d.method}' needs samples = N")
        elif d.method == "sobol" and d.samples & (d.samples - 1):
            add(("design", "samples"), f"sobol needs a power of 2, got {d.samples}")
    elif d.samples is not None:
        add(("design", "samples"), f"method '{d.method}' takes no samples")
    return problems


def _point_problem(
    exc: InputError, entry: int | None, spec: SweepFile, index: TomlIndex, source: str,
    point: dict[str, Any],
) -> list[Problem]:
    """Re-address problems of an overridden scenario to the sweep file's vary entry."""
    path: tuple[str | int, ...] = ("design", "vary", entry) if entry is not None else ("design",)
    line = index.line_of(path)
    shown = ", ".join(f"{k} = {v!r}" for k, v in point.items())
    out = []
    for p in exc.problems:
        what = f"{p.key}: {p.message}" if p.key else p.message
        out.append(Problem(source, line, dotted_key(path), f"{what} (with {shown})"))
    return out


def load_sweep(path: str | Path) -> LoadedSweep:
    """Read and validate a sweep file, its base scenario and every design point's scenario.

    Raises:
        InputError: FILE:LINE: key: message for every problem found.
    """
    source = str(path)
    data, text = read_toml(source)
    index = TomlIndex(text)
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as exc:
        problems = [
            problem_from_error(e, source, index, data) for e in exc.errors(include_url=False)
        ]
        # unknown-key suggestions must come from the sweep schema, not the scenario schema
        fixed = []
        for e, p in zip(exc.errors(include_url=False), problems, strict=True):
            if e.get("type") == "extra_forbidden":
                loc = tuple(x for x in e["loc"] if x != "[key]")
                allowed = _sweep_keys(loc[:-1])
                p = Problem(p.file, p.line, p.key, "unknown key"
                            + did_you_mean(str(loc[-1]), allowed))
            fixed.append(p)
        raise InputError(sorted(fixed, key=lambda p: p.line or 0)) from None
    problems = _design_problems(spec, index, source)
    base_path = (Path(source).parent / spec.base).resolve()
    base_line = index.line_of(("base",))
    if not base_path.is_file():
        problems.append(Problem(source, base_line, "base", f"scenario file not found: {base_path}"))
    if problems:
        raise InputError(problems)
    try:
        base = load_scenario(base_path)
    except InputError as exc:
        raise InputError(
            [Problem(source, base_line, "base", f"the base scenario is invalid: {p}")
             for p in exc.problems]
        ) from None
    arm_line = index.line_of(("arms",))
    if ARM_DE_FACTO not in spec.arms:
        problems.append(Problem(source, arm_line, "arms", f"must include '{ARM_DE_FACTO}'"))
    for arm in spec.arms:
        if arm not in base.arms:
            problems.append(Problem(
                source, arm_line, "arms",
                f"unknown arm '{arm}' in scenario {base.scenario.name}"
                + did_you_mean(arm, base.arms)))  # fmt: skip
    if len(set(spec.arms)) != len(spec.arms):
        problems.append(Problem(source, arm_line, "arms", "an arm is listed twice"))
    if problems:
        raise InputError(problems)
    root = base.experiment.seed if spec.seed is None else spec.seed
    # each varied value alone first: errors then point at the right [[design.vary]] entry
    for i, v in enumerate(spec.design.vary):
        if spec.design.method == "grid":
            trials = list(v.values or [])
        else:
            trials = [v.low, v.high]
            if v.integer:
                trials = [round(float(x)) for x in trials]  # type: ignore[arg-type]
        for value in trials:
            try:
                apply_overrides(base, {v.key: value}, source=source)
            except InputError as exc:
                problems.extend(_point_problem(exc, i, spec, index, source, {v.key: value}))
                break
    if problems:
        raise InputError(problems)
    points, raw = design_matrix(spec.design, root)
    scenarios: list[Scenario] = []
    for point in points:
        try:
            scenarios.append(apply_overrides(base, point, source=source) if point else base)
        except InputError as exc:
            problems.extend(_point_problem(exc, None, spec, index, source, point))
            if len(problems) > 20:
                break
    if problems:
        raise InputError(problems)
    name = spec.name or Path(source).stem
    return LoadedSweep(Path(source), spec, name, base, base_path, root, points, scenarios, raw)


def _sweep_keys(path: tuple[Any, ...]) -> list[str]:
    tp: Any = SweepFile
    for part in path:
        if isinstance(part, int):
            continue
        if tp is SweepFile and part == "design":
            tp = DesignSpec
        elif tp is DesignSpec and part == "vary":
            tp = VaryEntry
        else:
            return []
    return list(tp.model_fields)

