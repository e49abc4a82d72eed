"""Sweep files: a base scenario, arms, replications and a design over dotted keys.

A sweep file is TOML::

    name = "subsidy_dose_response"          # optional; default: the file stem
    base = "../astrakhan_shipbuilding.toml" # the scenario, relative to this file
    replications = 10                       # paired replications per design point
    seed = 20261126                         # optional root seed; default: experiment.seed
    arms = ["de_facto", "decree41_full"]    # de_facto and at least one regime

    [design]
    method = "grid"                         # grid | lhs | sobol | morris | none
    [[design.vary]]
    key = "regimes.decree41_full.joint_project_subsidy.rate"
    values = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]

For ``lhs``, ``sobol`` and ``morris`` each ``[[design.vary]]`` entry has ``low``, ``high`` and
optionally ``integer = true``; ``[design]`` has ``samples`` (N) and optionally ``seed`` and
(morris) ``levels`` (:mod:`sim.run.designs`). Every point's scenario is validated before
anything runs; :func:`load_sweep` returns them with the design.

Limits, all checked before anything is sampled, allocated or stored (a sweep beyond them is
refused with ``FILE:LINE: key: message``, exit code 2):

* the file itself: a regular file of at most 1 MiB (:mod:`sim.scenario.input_file`);
* ``arms``: ``de_facto`` and at least one regime of the base scenario -- every effect is a
  regime minus ``de_facto``;
* ``experiment.*`` keys cannot be varied: the sweep file has its own ``seed`` and
  ``replications``, and comparisons discount with the base scenario's
  ``experiment.discount_rate``;
* a design has at most 10,000 points and 100 varied keys; ``sobol`` needs N >= 4 (a power of
  2), ``morris`` N >= 2 trajectories and an even number of levels (:mod:`sim.run.designs`);
* points x replications x arms is at most :data:`MAX_SWEEP_RUNS` (1,000,000) runs: about 17
  CPU-hours of the shipped 40-quarter scenario and 40 million stored outcome rows.

Replicate ``r`` uses the same seed at every design point and in every arm (common random
numbers), so differences between points and arms are not blurred by different random draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.errors import InputError, Problem
from sim.run.designs import DesignSpec, design_matrix, design_problems, design_size
from sim.run.worlds import uncertainty_vary
from sim.scenario.loader import did_you_mean, problems_from_errors, read_toml, scenario_from_dict
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import ARM_DE_FACTO, Scenario
from sim.scenario.toml_index import TomlIndex, dotted_key, parse_dotted_key

__all__ = ["MAX_SWEEP_RUNS", "LoadedSweep", "SweepFile", "load_sweep"]

MAX_SWEEP_RUNS: Final = 1_000_000
"""Most runs of one sweep: design points x replications x arms."""

_STRICT = ConfigDict(frozen=True, strict=True, extra="forbid")


class SweepFile(BaseModel):
    """A sweep file as written (before the base scenario is loaded)."""

    model_config = _STRICT

    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.\-]+$", max_length=100)
    base: str = Field(min_length=1, max_length=4096)
    replications: int = Field(gt=0)
    seed: int | None = Field(default=None, ge=0)
    arms: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1)
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
    base_text: str = ""  # the base scenario's TOML text, as read and validated (for the store)

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
    """Cross-checks of the design and the sweep's size that pydantic's field types cannot express.

    Nothing is sampled or allocated: sizes come from :func:`~sim.run.designs.design_size`.
    """
    problems = [
        Problem(source, index.line_of(path), dotted_key(path), message)
        for path, message in design_problems(spec.design)
    ]
    for i, v in enumerate(spec.design.vary):
        try:
            first = parse_dotted_key(v.key)[0]
        except ValueError:
            continue  # reported by design_problems
        if first == "experiment":
            path = ("design", "vary", i, "key")
            message = (
                f"'{_short(v.key)}' cannot be varied: a sweep takes its seed and replications "
                "from the sweep file (seed = ..., replications = ...) and comparisons use the "
                "base scenario's experiment.discount_rate; vary world or regime keys instead"
            )
            problems.append(Problem(source, index.line_of(path), dotted_key(path), message))
    if not problems:
        points = design_size(spec.design)
        runs = points * spec.replications * len(spec.arms)
        if runs > MAX_SWEEP_RUNS:
            message = (
                f"the sweep has {points:,} points x {spec.replications:,} replications x "
                f"{len(spec.arms)} arms = {runs:,} runs; at most {MAX_SWEEP_RUNS:,} are allowed "
                "(lower replications, the design's size or the arms)"
            )
            line = index.line_of(("replications",))
            problems.append(Problem(source, line, "replications", message))
    return problems


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shown_value(value: Any) -> str:
    return _short(repr(value), 40)


def _point_problem(
    exc: InputError, entry: int | None, spec: SweepFile, index: TomlIndex, source: str,
    point: dict[str, Any],
) -> list[Problem]:
    """Re-address problems of an overridden scenario to the sweep file's vary entry."""
    path: tuple[str | int, ...] = ("design", "vary", entry) if entry is not None else ("design",)
    line = index.line_of(path)
    shown = ", ".join(f"{_short(k)} = {_shown_value(v)}" for k, v in point.items())
    out = []
    for p in exc.problems:
        what = f"{p.key}: {p.message}" if p.key else p.message
        out.append(Problem(source, line, dotted_key(path), f"{what} (with {shown})"))
    return out


def load_sweep(path: str | Path) -> LoadedSweep:
    """Read and validate a sweep file, its base scenario and every design point's scenario.

    Both files are read through :func:`~sim.scenario.loader.read_toml` (regular files, size
    and time limits); the design's size and the number of runs are checked before anything
    is sampled (see the module's limits).

    Raises:
        InputError: FILE:LINE: key: message for every problem found.
    """
    source = str(path)
    data, text = read_toml(source)
    index = TomlIndex(text)
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = problems_from_errors(errors, source, index, data, root=SweepFile)
        raise InputError(problems) from None
    problems = _design_problems(spec, index, source)
    base_line = index.line_of(("base",))
    try:
        base_path = (Path(source).parent / spec.base).resolve()
        base_exists = base_path.exists()
    except (OSError, ValueError, RuntimeError):  # a NUL character, a symlink loop, ...
        base_path, base_exists = Path(spec.base), False
    if not base_exists:
        missing = f"scenario file not found: {_short(str(base_path), 300)}"
        problems.append(Problem(source, base_line, "base", missing))
    if problems:
        raise InputError(problems)
    try:
        base_data, base_text = read_toml(base_path)  # regular file, size and time limits
        base = scenario_from_dict(base_data, source=str(base_path), text=base_text)
    except InputError as exc:
        raise InputError(
            [Problem(source, base_line, "base", f"the base scenario is invalid: {p}")
             for p in exc.problems]
        ) from None
    arm_line = index.line_of(("arms",))
    if ARM_DE_FACTO not in spec.arms:
        problems.append(Problem(source, arm_line, "arms", f"must include '{ARM_DE_FACTO}'"))
    if all(arm == ARM_DE_FACTO for arm in spec.arms):
        message = (
            f"needs '{ARM_DE_FACTO}' and at least one regime: every effect is a regime minus "
            f"'{ARM_DE_FACTO}' (regimes of {base.scenario.name}: {', '.join(base.regimes)})"
        )
        problems.append(Problem(source, arm_line, "arms", message))
    for arm in dict.fromkeys(spec.arms):
        if arm not in base.arms:
            problems.append(Problem(
                source, arm_line, "arms",
                f"unknown arm '{_short(arm)}' in scenario {base.scenario.name}"
                + did_you_mean(arm, base.arms)))  # fmt: skip
    if len(set(spec.arms)) != len(spec.arms):
        problems.append(Problem(source, arm_line, "arms", "an arm is listed twice"))
    if problems:
        raise InputError(problems)
    if spec.design.uncertainties:  # the base scenario's ranges first, then the file's own
        own = {v.key for v in spec.design.vary}
        ranges = [v for v in uncertainty_vary(base) if v.key not in own]
        spec = spec.model_copy(
            update={"design": spec.design.model_copy(update={"vary": [*ranges, *spec.design.vary]})}
        )
        problems = _design_problems(spec, index, source)
        if problems:
            raise InputError(problems)
    root = base.experiment.seed if spec.seed is None else spec.seed
    # each varied value alone first: errors then point at the right [[design.vary]] entry
    for i, v in enumerate(spec.design.vary):
        if spec.design.method == "grid" or v.values is not None:
            trials = list(v.values or [])
        else:
            trials = [v.low, v.high]
            if v.integer:
                trials = [round(float(x)) for x in trials]  # type: ignore[arg-type]
        for value in {(type(x), x): x for x in trials}.values():  # each distinct value once
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
    return LoadedSweep(
        Path(source), spec, name, base, base_path, root, points, scenarios, raw, base_text
    )
