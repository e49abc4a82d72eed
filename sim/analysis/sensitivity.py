"""Sensitivity indices of a regime's effect over a sobol or morris sweep (SALib).

Y per design point is the mean over replications of (regime - de facto) in the outcome's
horizon value (cumulative for flows, last-year mean for stocks). The design's sample matrix is
the one stored with the sweep's design points, never drawn again. DataFrames in, DataFrames out.

Every index comes with a reliability flag (:func:`flag_indices`): an index is unreliable when
its estimate is negative (a Sobol index lies between 0 and 1; a negative one, or one above 1,
is sampling noise) or when its 95 % confidence interval (SALib's ``*_conf``, the half-width) is
wider than the index itself, so the interval reaches past zero. Both mean the sample is too
small for that index: more design points (``samples`` of the design) are needed before quoting
it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis.comparison import check_outcomes
from sim.analysis.effects import effects
from sim.errors import InputError
from sim.run.designs import DesignSpec, problem_dict
from sim.scenario.schema import ARM_DE_FACTO

__all__ = [
    "FLAG_ABOVE_ONE",
    "FLAG_MISSING",
    "FLAG_NEGATIVE",
    "FLAG_WIDE_CI",
    "INDICES",
    "METHODS",
    "flag_indices",
    "index_columns",
    "ranking",
    "sensitivity",
]

METHODS = ("sobol", "morris")
#: The indices of each method and the column of each index's 95 % CI half-width.
INDICES: dict[str, tuple[tuple[str, str], ...]] = {
    "sobol": (("S1", "S1_conf"), ("ST", "ST_conf")),
    "morris": (("mu_star", "mu_star_conf"),),
}
FLAG_NEGATIVE = "negative"
"""The index is below zero (a Sobol index cannot be: sampling noise)."""
FLAG_WIDE_CI = "wide_ci"
"""The 95 % CI half-width exceeds the index: the interval reaches past zero."""
FLAG_ABOVE_ONE = "above_one"
"""A Sobol index above 1 (a share of variance cannot be: sampling noise)."""
FLAG_MISSING = "missing"
"""The index (or its CI) could not be estimated."""
_TOL = 1e-9


def index_columns(table: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    """The ``(index, ci)`` columns of a sensitivity table (Sobol or Morris, by its columns)."""
    for pairs in INDICES.values():
        if all(i in table.columns for i, _ in pairs):
            return pairs
    raise KeyError("not a sensitivity table: no S1/ST or mu_star columns")


def _flag(value: float, conf: float, share: bool) -> str:
    if not np.isfinite(value) or not np.isfinite(conf):
        return FLAG_MISSING
    codes = []
    if value < -_TOL:
        codes.append(FLAG_NEGATIVE)
    if share and value > 1 + _TOL:
        codes.append(FLAG_ABOVE_ONE)
    if conf > abs(value) + _TOL:
        codes.append(FLAG_WIDE_CI)
    return ",".join(codes)


def flag_indices(table: pd.DataFrame) -> pd.DataFrame:
    """The table with a reliability flag per index and an ``unreliable`` column.

    Adds ``<index>_flag`` for each index (``S1``, ``ST`` or ``mu_star``): ``""`` when the
    estimate may be quoted, else the codes :data:`FLAG_NEGATIVE`, :data:`FLAG_ABOVE_ONE` (a
    Sobol index), :data:`FLAG_WIDE_CI` (joined by a comma) or :data:`FLAG_MISSING`; and
    ``unreliable``: any index of the row is flagged.

    Args:
        table: :func:`sensitivity` output (or a table with the same index columns).

    Returns:
        A copy with the flag columns.
    """
    out = table.copy()
    any_flag = np.zeros(len(out), dtype=bool)
    for idx, conf in index_columns(table):
        flags = [
            _flag(float(v), float(c), share=idx in ("S1", "ST"))
            for v, c in zip(out[idx].astype(float), out[conf].astype(float), strict=True)
        ]
        out[f"{idx}_flag"] = flags
        any_flag |= np.array([f != "" for f in flags], dtype=bool)
    out["unreliable"] = any_flag
    return out


def ranking(table: pd.DataFrame) -> pd.DataFrame:
    """Parameters from the most to the least influential: by ST (Sobol) or mu* (Morris).

    Args:
        table: :func:`sensitivity` output.

    Returns:
        The rows sorted, largest index first (missing values last).
    """
    key = "ST" if "ST" in table.columns else "mu_star"
    return table.sort_values(key, ascending=False, na_position="last").reset_index(drop=True)


def sensitivity(
    df: pd.DataFrame,
    design: DesignSpec,
    sample: Sequence[Sequence[float]] | np.ndarray,
    *,
    method: str,
    outcome: str,
    arm: str,
    seed: int = 0,
) -> pd.DataFrame:
    """Sensitivity indices of ``arm``'s effect on ``outcome`` to the varied parameters.

    Args:
        df: Outcome series of the sweep (``point, replicate, arm, quarter`` and the outcome).
        design: The sweep's design (its method must be ``method``).
        sample: The design's unrounded sample matrix, one row per design point.
        method: ``sobol`` (S1, S1_conf, ST, ST_conf) or ``morris`` (mu, mu_star,
            mu_star_conf, sigma).
        outcome: The outcome.
        arm: The regime.
        seed: Seed of SALib's bootstrap confidence intervals.

    Returns:
        One row per parameter, sorted by ST (sobol) or mu_star (morris), largest first, with
        the reliability flags of :func:`flag_indices` (``<index>_flag``, ``unreliable``).

    Raises:
        InputError: Unknown method or outcome; a design of another method; missing effects.
    """
    if method not in METHODS:
        raise InputError.parameter("method", f"unknown method '{method}'; use sobol or morris")
    check_outcomes([outcome])
    if design.method != method:
        raise InputError.parameter(
            "method",
            f"the sweep has a '{design.method}' design; {method} analysis needs a sweep with "
            f'[design] method = "{method}"',
        )
    raw = np.asarray(sample, dtype=float)
    n_points = len(raw)
    df = df[df["arm"].isin([ARM_DE_FACTO, arm])]
    eff = effects(df, [outcome]) if not df.empty else pd.DataFrame(columns=["point", "effect"])
    y = eff.set_index("point")["effect"].reindex(range(n_points)).to_numpy(dtype=float)
    missing = int(np.isnan(y).sum())
    if missing:
        raise InputError.parameter(
            "sweep",
            f"the sweep lacks a finite {arm} effect on {outcome} at {missing} of "
            f"{n_points} design points; run the sweep to completion first",
        )
    problem = problem_dict(design)
    seed = int(seed) % (2**32)
    if method == "sobol":
        from SALib.analyze import sobol  # optional dependency (the `analysis` extra)

        res = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
        out = pd.DataFrame({
            "parameter": problem["names"],
            "S1": res["S1"], "S1_conf": res["S1_conf"],
            "ST": res["ST"], "ST_conf": res["ST_conf"],
        })  # fmt: skip
    else:
        from SALib.analyze import morris  # optional dependency (the `analysis` extra)

        res = morris.analyze(problem, raw, y, num_levels=design.levels, seed=seed)
        out = pd.DataFrame({
            "parameter": problem["names"],
            "mu": res["mu"], "mu_star": res["mu_star"],
            "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"],
        })  # fmt: skip
    out.insert(1, "arm", arm)
    out.insert(2, "outcome", outcome)
    return flag_indices(ranking(out))
