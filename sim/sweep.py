"""Sweep files: a base scenario, a design over dotted keys, and the resumable sweep loop.

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
(morris) ``levels``. Sobol designs have N * (D + 2) points (N a power of 2), Morris designs
N * (D + 1). Every point's scenario is validated before anything runs.

Replicate ``r`` uses the same seed at every design point and in every arm (common random
numbers), so differences between points and arms are not blurred by different random draws.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.errors import InputError, Problem
from sim.scenario.loader import (
    TomlIndex,
    _did_you_mean,
    _problem_from_error,
    apply_overrides,
    canonical_json,
    dotted_key,
    load_scenario,
    parse_dotted_key,
    read_toml,
    scenario_hash,
)
from sim.scenario.schema import ARM_DE_FACTO, Scenario

__all__ = [
    "DesignSpec",
    "LoadedSweep",
    "SweepFile",
    "VaryEntry",
    "design_matrix",
    "load_sweep",
    "run_sweep",
]

Method = Literal["grid", "lhs", "sobol", "morris", "none"]
_STRICT = ConfigDict(frozen=True, strict=True, extra="forbid")


class VaryEntry(BaseModel):
    """One varied parameter: ``values`` (grid) or ``low``/``high`` (lhs, sobol, morris)."""

    model_config = _STRICT

    key: str = Field(min_length=1)
    values: list[float | int | bool | str] | None = Field(default=None, min_length=1)
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)
    integer: bool = False


class DesignSpec(BaseModel):
    """The ``[design]`` table."""

    model_config = _STRICT

    method: Method = "none"
    vary: list[VaryEntry] = Field(default_factory=list)
    samples: int | None = Field(default=None, gt=0)
    seed: int | None = Field(default=None, ge=0)
    levels: int = Field(default=4, ge=2)


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


def problem_dict(design: DesignSpec) -> dict[str, Any]:
    """The SALib ``problem`` of a range design."""
    return {
        "num_vars": len(design.vary),
        "names": [v.key for v in design.vary],
        "bounds": [[float(v.low), float(v.high)] for v in design.vary],  # type: ignore[arg-type]
    }


def design_matrix(design: DesignSpec, default_seed: int) -> tuple[list[dict[str, Any]], Any]:
    """The design points of a design (deterministic for a given seed).

    Returns:
        ``(points, raw)``: one ``{dotted key: value}`` dict per point (integer keys rounded),
        and the unrounded sample matrix (None for ``grid`` and ``none``).
    """
    seed = default_seed if design.seed is None else design.seed
    if design.method == "none" or not design.vary:
        return [{}], None
    keys = [v.key for v in design.vary]
    if design.method == "grid":
        combos = itertools.product(*[v.values or [] for v in design.vary])
        return [dict(zip(keys, c, strict=True)) for c in combos], None
    n = int(design.samples or 0)
    if design.method == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(keys), seed=seed).random(n)
        prob = problem_dict(design)
        lows = [b[0] for b in prob["bounds"]]
        highs = [b[1] for b in prob["bounds"]]
        raw = qmc.scale(unit, lows, highs)
    elif design.method == "sobol":
        from SALib.sample import sobol

        raw = sobol.sample(problem_dict(design), n, calc_second_order=False, seed=seed)
    else:  # morris
        from SALib.sample import morris

        raw = morris.sample(problem_dict(design), n, num_levels=design.levels, seed=seed)
    points = []
    for row in raw:
        point = {}
        for v, x in zip(design.vary, row, strict=True):
            point[v.key] = round(float(x)) if v.integer else float(x)
        points.append(point)
    return points, np.asarray(raw)


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
            _problem_from_error(e, source, index, data) for e in exc.errors(include_url=False)
        ]
        # unknown-key suggestions must come from the sweep schema, not the scenario schema
        fixed = []
        for e, p in zip(exc.errors(include_url=False), problems, strict=True):
            if e.get("type") == "extra_forbidden":
                loc = tuple(x for x in e["loc"] if x != "[key]")
                allowed = _sweep_keys(loc[:-1])
                p = Problem(p.file, p.line, p.key, "unknown key"
                            + _did_you_mean(str(loc[-1]), allowed))
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
                + _did_you_mean(arm, base.arms)))  # fmt: skip
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


def validate_sweep(path: str) -> LoadedSweep:
    """The ``clustersim validate`` hook for sweep files."""
    return load_sweep(path)


def execute_pending(
    store: Any,
    sweep_id: int,
    scenarios: list[Scenario],
    reps: int,
    arms: list[str],
    seeds: list[int],
    *,
    executor: str = "processes",
    workers: int | None = None,
    progress: bool = True,
) -> dict[str, int]:
    """Run every (point, replicate, arm) not yet stored as completed, writing in the parent.

    Point ``p`` uses ``scenarios[p]``; replicate ``r`` uses ``seeds[r]`` in every arm and at
    every point (common random numbers). The arms of one (point, replicate) travel in the same
    worker chunk. Used by :func:`run_sweep` and by ``clustersim run`` (a one-point sweep).

    Returns:
        Counts ``{"completed", "failed", "skipped"}``.
    """
    from sim.api import _Progress, _store_batch
    from sim.experiment import RunTask, run_tasks
    from sim.results import RunKey

    done = store.stored_keys(sweep_id, status="completed")
    whole, partial = [], []
    for p, sc in enumerate(scenarios):
        for r in range(reps):
            group = [RunTask(sc, RunKey(p, r, a), seeds[r]) for a in arms
                     if RunKey(p, r, a) not in done]
            (whole if len(group) == len(arms) else partial).extend(group)
    tasks = whole + partial  # whole groups first: each chunk holds whole (point, replicate)s
    per_chunk = len(arms) * max(1, 8 // len(arms))
    counts = {"completed": 0, "failed": 0}
    if tasks:
        counts = run_tasks(
            tasks,
            executor=executor,
            workers=workers,
            chunk_size=per_chunk,
            on_results=lambda batch: _store_batch(store, sweep_id, batch),
            progress=_Progress(len(tasks), progress),
        )
    return {**counts, "skipped": len(done)}


def run_sweep(
    path: str | Path,
    *,
    db: str | None = None,
    workers: int | None = None,
    executor: str = "processes",
    progress: bool = True,
) -> dict[str, Any]:
    """Run (or resume) a sweep file and store every run.

    Every design point x replicate x arm not yet stored as completed is run; the arms of one
    (point, replicate) travel in one chunk and share one seed (common random numbers). Only
    this process writes to the database.

    Args:
        path: The sweep TOML file.
        db: SQLAlchemy URL of the results database (default ``CLUSTERSIM_DB`` or
            ``results/clustersim.sqlite``).
        workers: Worker processes (default: CPU count).
        executor: ``processes``, ``local`` or ``dask://HOST:PORT``.
        progress: Show a progress bar on a terminal.

    Returns:
        ``{sweep, total, completed, skipped, failed, database, elapsed_seconds}``.
    """
    from sim.experiment import replicate_seeds
    from sim.store import open_store

    t0 = time.perf_counter()
    sw = load_sweep(path)
    reps = sw.spec.replications
    arms = list(sw.spec.arms)
    seeds = replicate_seeds(sw.root_seed, reps)
    base_hash = scenario_hash(sw.base)
    design_rows = [
        (i, point, base_hash if not point else scenario_hash(sc))
        for i, (point, sc) in enumerate(zip(sw.points, sw.scenarios, strict=True))
    ]
    total = len(sw.points) * reps * len(arms)
    with open_store(db) as store:
        store.put_scenario(base_hash, sw.base.scenario.name, sw.base.scenario.title,
                           sw.base_path.read_text("utf-8"), canonical_json(sw.base))
        sweep_id = store.create_sweep(sw.name, base_hash, sw.store_spec(), sw.root_seed, reps,
                                      arms, "sweep", design_rows)
        counts = execute_pending(store, sweep_id, sw.scenarios, reps, arms, seeds,
                                 executor=executor, workers=workers, progress=progress)
        return {
            "sweep": sw.name,
            "total": total,
            "completed": counts["completed"],
            "skipped": counts["skipped"],
            "failed": counts["failed"],
            "database": store.url_masked,
            "elapsed_seconds": round(time.perf_counter() - t0, 3),
        }
