"""Designs: the points of a sweep over dotted scenario keys (grid, LHS, Sobol, Morris).

Every method has the same verb, :func:`design_matrix`, with the same signature, returning the
points and the unrounded sample matrix. Sobol designs have N * (D + 2) points (N a power of 2,
SALib's sampler with ``calc_second_order=False``), Morris designs N * (D + 1).
"""

from __future__ import annotations

import itertools
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DesignSpec", "Method", "VaryEntry", "design_matrix", "problem_dict"]

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
            point[v.key] = round(float(x)) if v.integer else float(x)
        points.append(point)
    return points, np.asarray(raw)
