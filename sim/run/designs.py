"""Designs: the points of a sweep over dotted scenario keys (grid, LHS, Sobol, Morris).

Every method has the same verb, :func:`design_matrix`, with the same signature, returning the
points and the unrounded sample matrix. Sobol designs have N * (D + 2) points (N a power of 2,
SALib's sampler with ``calc_second_order=False``), Morris designs N * (D + 1).

Limits (checked by :func:`design_problems` before anything is sampled or allocated):

* at most :data:`MAX_DESIGN_POINTS` (10,000) points: every point's scenario is validated and
  kept in memory before the sweep starts (about 2 ms and 70 kB each), and a Sobol study with
  N = 1024 over 8 parameters has 10,240;
* at most :data:`MAX_VARY` (100) varied keys;
* ``sobol`` needs N >= :data:`MIN_SOBOL_SAMPLES` (4): the indices are estimated from N base
  rows and their confidence intervals by resampling those rows, so N = 1 gives intervals of
  zero width (a false precision) and N = 2 only three distinct resamples;
* ``morris`` needs N >= :data:`MIN_MORRIS_TRAJECTORIES` (2) trajectories (sigma, the spread of
  the elementary effects, is undefined for one) and an even number of ``levels`` (SALib's
  sampler is biased for odd ones).

The sweep as a whole (points x replications x arms) is limited to
:data:`~sim.run.sweepfile.MAX_SWEEP_RUNS` runs by :mod:`sim.run.sweepfile`.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Final, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sim.scenario.toml_index import PathT, parse_dotted_key

__all__ = [
    "MAX_DESIGN_POINTS",
    "MAX_VARY",
    "MIN_MORRIS_TRAJECTORIES",
    "MIN_SOBOL_SAMPLES",
    "DesignSpec",
    "Method",
    "VaryEntry",
    "design_matrix",
    "design_problems",
    "design_size",
    "problem_dict",
]

MAX_DESIGN_POINTS: Final = 10_000
"""Most points of one design."""
MAX_VARY: Final = 100
"""Most ``[[design.vary]]`` entries."""
MIN_SOBOL_SAMPLES: Final = 4
"""Fewest base samples N of a ``sobol`` design."""
MIN_MORRIS_TRAJECTORIES: Final = 2
"""Fewest trajectories N of a ``morris`` design."""
_RANGE_METHODS = ("lhs", "sobol", "morris")

Method = Literal["grid", "lhs", "sobol", "morris", "none"]
_STRICT = ConfigDict(frozen=True, strict=True, extra="forbid")


class VaryEntry(BaseModel):
    """One varied parameter: ``values`` (grid) or ``low``/``high`` (lhs, sobol, morris).

    In lhs, sobol and morris designs an entry with ``values`` instead of ``low``/``high`` is
    categorical: the sample runs over [0, number of values) and picks one value per interval,
    each equally likely (an unconfirmed legal threshold: 0.10 or 0.20).
    """

    model_config = _STRICT

    key: str = Field(min_length=1, max_length=200)
    values: list[float | int | bool | str] | None = Field(default=None, min_length=1)
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)
    integer: bool = False


class DesignSpec(BaseModel):
    """The ``[design]`` table."""

    model_config = _STRICT

    method: Method = "none"
    uncertainties: bool = False
    vary: list[VaryEntry] = Field(default_factory=list)
    samples: int | None = Field(default=None, gt=0)
    seed: int | None = Field(default=None, ge=0)
    levels: int = Field(default=4, ge=2)


def problem_dict(design: DesignSpec) -> dict[str, Any]:
    """The SALib ``problem`` of a range design."""
    return {
        "num_vars": len(design.vary),
        "names": [v.key for v in design.vary],
        "bounds": [_bounds(v) for v in design.vary],
    }


def _bounds(v: VaryEntry) -> list[float]:
    """A range entry's [low, high]; a categorical entry's [0, number of values]."""
    if v.values is not None:
        return [0.0, float(len(v.values))]
    return [float(v.low), float(v.high)]  # type: ignore[arg-type]


def _value(v: VaryEntry, x: float) -> Any:
    """The design value of sample ``x``: rounded (integer), or a categorical entry's value."""
    if v.values is not None:
        return v.values[min(int(x), len(v.values) - 1)]
    return round(float(x)) if v.integer else float(x)


def design_size(design: DesignSpec) -> int:
    """The number of points of a design, computed without sampling anything.

    ``grid``: the product of the lengths of the ``values`` lists; ``lhs``: N; ``sobol``:
    N * (D + 2); ``morris``: N * (D + 1); ``none`` (or no ``vary``): 1.
    """
    if design.method == "none" or not design.vary:
        return 1
    d = len(design.vary)
    if design.method == "grid":
        return math.prod(len(v.values or ()) for v in design.vary)
    n = int(design.samples or 0)
    return {"lhs": n, "sobol": n * (d + 2), "morris": n * (d + 1)}[design.method]


def _size_text(design: DesignSpec) -> str:
    d, n = len(design.vary), design.samples
    if design.method == "grid":
        return " x ".join(str(len(v.values or ())) for v in design.vary) + " values"
    if design.method == "sobol":
        return f"N * (D + 2) = {n} * {d + 2}"
    if design.method == "morris":
        return f"N * (D + 1) = {n} * {d + 1}"
    return f"N = {n}"


def design_problems(design: DesignSpec) -> list[tuple[PathT, str]]:
    """Cross-checks of a design that its field types cannot express, sizes included.

    Nothing is sampled: the number of points is :func:`design_size`.

    Returns:
        ``(path, message)`` per problem; paths are keys of the sweep file
        (``("design", "vary", 0, "key")``), for the caller to give lines.
    """
    d = design
    problems: list[tuple[PathT, str]] = []

    def add(path: PathT, message: str) -> None:
        problems.append((path, message))

    if d.method == "none" and d.vary:
        add(("design", "method"), "method 'none' takes no [[design.vary]] entries")
    if d.uncertainties and d.method not in _RANGE_METHODS:
        add(("design", "uncertainties"),
            f"uncertainties = true draws the base scenario's [[uncertainties]] ranges: it needs "
            f"method lhs, sobol or morris, not '{d.method}'")  # fmt: skip
    if d.method != "none" and not d.vary and not d.uncertainties:
        add(("design", "vary"), f"method '{d.method}' needs at least one [[design.vary]] entry "
            "(or uncertainties = true)")  # fmt: skip
    if len(d.vary) > MAX_VARY:
        add(("design", "vary"), f"{len(d.vary)} varied keys; at most {MAX_VARY} are allowed")
        return problems
    seen: dict[str, int] = {}
    for i, v in enumerate(d.vary):
        where: PathT = ("design", "vary", i)
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
        elif d.method in _RANGE_METHODS:
            if v.values is not None:  # categorical: each value equally likely
                if v.low is not None or v.high is not None:
                    add(where, "give low and high (a range) or values (categorical), not both")
                elif len(v.values) < 2:
                    add((*where, "values"), "a categorical entry needs at least two values")
                if v.integer:
                    add((*where, "integer"), "integer applies to ranges, not to values")
            elif v.low is None or v.high is None:
                add(where, f"method '{d.method}' needs low and high")
            elif not v.low < v.high:
                add((*where, "high"), f"high must be greater than low ({v.low} >= {v.high})")
    samples_ok = True
    if d.method in _RANGE_METHODS:
        n = d.samples
        if n is None:
            add(("design",), f"method '{d.method}' needs samples = N")
            samples_ok = False
        elif d.method == "sobol" and n < MIN_SOBOL_SAMPLES:
            add(
                ("design", "samples"),
                f"sobol needs at least {MIN_SOBOL_SAMPLES} samples (a power of 2), got {n}: the "
                "indices and their bootstrap confidence intervals are estimated from N base "
                "rows, and with fewer than 4 the intervals are degenerate (zero width at N = 1)",
            )
            samples_ok = False
        elif d.method == "sobol" and n & (n - 1):
            add(("design", "samples"), f"sobol needs a power of 2, got {n}")
            samples_ok = False
        elif d.method == "morris" and n < MIN_MORRIS_TRAJECTORIES:
            add(
                ("design", "samples"),
                f"morris needs at least {MIN_MORRIS_TRAJECTORIES} trajectories, got {n}: sigma "
                "(the spread of the elementary effects) is undefined for one",
            )
            samples_ok = False
    elif d.samples is not None:
        add(("design", "samples"), f"method '{d.method}' takes no samples")
    if d.method == "morris" and d.levels % 2:
        add(
            ("design", "levels"),
            f"morris needs an even number of levels, got {d.levels} (SALib's Morris sampler "
            "is biased for odd ones)",
        )
    if samples_ok and d.vary:
        size = design_size(d)
        if size > MAX_DESIGN_POINTS:
            key: PathT = ("design", "vary") if d.method == "grid" else ("design", "samples")
            add(
                key,
                f"the design has {size:,} points ({_size_text(d)}); at most "
                f"{MAX_DESIGN_POINTS:,} are allowed",
            )
    return problems


def design_matrix(design: DesignSpec, default_seed: int) -> tuple[list[dict[str, Any]], Any]:
    """The design points of a design (deterministic for a given seed).

    Returns:
        ``(points, raw)``: one ``{dotted key: value}`` dict per point (integer keys rounded),
        and the unrounded sample matrix (None for ``grid`` and ``none``).

    Raises:
        ValueError: When the design has more than :data:`MAX_DESIGN_POINTS` points (checked
            before anything is allocated; :func:`design_problems` reports it first).
    """
    seed = default_seed if design.seed is None else design.seed
    size = design_size(design)
    if size > MAX_DESIGN_POINTS:  # design_problems reports it with the key; this is a guard
        raise ValueError(f"the design has {size:,} points; at most {MAX_DESIGN_POINTS:,}")
    if design.method == "none" or not design.vary:
        return [{}], None
    keys = [v.key for v in design.vary]
    if design.method == "grid":
        combos = itertools.product(*[v.values or [] for v in design.vary])
        return [dict(zip(keys, c, strict=True)) for c in combos], None
    n = int(design.samples or 0)
    if design.method == "lhs":
        from scipy.stats import qmc  # heavy (SciPy's stats stack): only for LHS designs

        unit = qmc.LatinHypercube(d=len(keys), seed=seed).random(n)
        prob = problem_dict(design)
        lows = [b[0] for b in prob["bounds"]]
        highs = [b[1] for b in prob["bounds"]]
        raw = qmc.scale(unit, lows, highs)
    elif design.method == "sobol":
        from SALib.sample import sobol  # optional dependency (the `analysis` extra)

        raw = sobol.sample(problem_dict(design), n, calc_second_order=False, seed=seed)
    else:  # morris
        from SALib.sample import morris  # optional dependency (the `analysis` extra)

        raw = morris.sample(problem_dict(design), n, num_levels=design.levels, seed=seed)
    points = []
    for row in raw:
        point = {}
        for v, x in zip(design.vary, row, strict=True):
            point[v.key] = _value(v, x)
        points.append(point)
    return points, np.asarray(raw)
