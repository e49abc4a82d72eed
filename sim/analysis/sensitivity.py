"""Sensitivity indices of a regime's effect over a sobol or morris sweep (SALib).

Y per design point is the mean over replications of (regime - de facto) in the outcome's
horizon value (cumulative for flows, last-year mean for stocks). The design's sample matrix is
the one stored with the sweep's design points, never drawn again. DataFrames in, DataFrames out.
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

__all__ = ["METHODS", "sensitivity"]

METHODS = ("sobol", "morris")


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
        One row per parameter, sorted by ST (sobol) or mu_star (morris), largest first.

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
        key = "ST"
    else:
        from SALib.analyze import morris  # optional dependency (the `analysis` extra)

        res = morris.analyze(problem, raw, y, num_levels=design.levels, seed=seed)
        out = pd.DataFrame({
            "parameter": problem["names"],
            "mu": res["mu"], "mu_star": res["mu_star"],
            "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"],
        })  # fmt: skip
        key = "mu_star"
    out.insert(1, "arm", arm)
    out.insert(2, "outcome", outcome)
    return out.sort_values(key, ascending=False, na_position="last").reset_index(drop=True)
