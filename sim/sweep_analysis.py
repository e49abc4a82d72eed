"""Reading sweeps back: the regime table per design point, and SALib sensitivity indices.

* :func:`compare_sweep` -- one row per design point and regime: effects vs the de-facto arm in %
  with 95 % CIs and budget figures (:func:`sim.analysis.compare`), with the point's varied
  values as columns.
* :func:`sensitivity` -- Sobol (first-order and total indices) or Morris (mu*, sigma) indices of
  a regime's EFFECT on one outcome (regime - de facto, horizon value, mean over the paired
  replications of each design point) with respect to the varied parameters.
"""

from __future__ import annotations

import tomllib
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import compare, effects
from sim.errors import InputError
from sim.outcomes import OUTCOME_NAMES
from sim.scenario.loader import scenario_from_dict
from sim.scenario.schema import ARM_DE_FACTO

__all__ = ["DEFAULT_OUTCOMES", "compare_sweep", "sensitivity"]

DEFAULT_OUTCOMES = ["output", "employment", "productivity", "market_share"]


def _check_outcomes(outcomes: list[str]) -> None:
    bad = [o for o in outcomes if o not in OUTCOME_NAMES]
    if bad:
        raise InputError.single(
            "--outcome",
            f"unknown outcome {', '.join(repr(b) for b in bad)}; outcomes: "
            + ", ".join(OUTCOME_NAMES),
        )


def _sweep_or_error(store: Any, name: str) -> dict[str, Any]:
    sw = store.get_sweep(name)
    if sw is None:
        names = list(store.list_sweeps()["name"])
        listed = ", ".join(names) if names else "(none)"
        raise InputError.single(
            "--sweep", f"no sweep named '{name}' in {store.url_masked}; stored sweeps: {listed}"
        )
    return sw


def compare_sweep(
    name: str, db: str | None = None, outcomes: list[str] | None = None
) -> pd.DataFrame:
    """The regime table of a stored sweep, one row per design point and regime.

    Args:
        name: The sweep.
        db: Results database URL (default ``CLUSTERSIM_DB`` or ``results/clustersim.sqlite``).
        outcomes: Outcomes (default output, employment, productivity, market_share).

    Returns:
        Columns ``point, arm``, one column per varied parameter, then the columns of
        :func:`sim.analysis.compare`; sorted by point and the sweep's arm order.

    Raises:
        InputError: Unknown sweep (the message lists the stored ones) or outcome.
    """
    from sim.store import open_store

    outcomes = list(outcomes or DEFAULT_OUTCOMES)
    _check_outcomes(outcomes)
    with open_store(db) as store:
        sw = _sweep_or_error(store, name)
        base = store.scenario_for_sweep(name)
        rate = scenario_from_dict(tomllib.loads(base["toml_text"])).experiment.discount_rate.value
        df = store.outcomes(name)
        design = store.design_points(name)
    if df.empty:
        return pd.DataFrame(columns=["point", "arm", *design.columns.drop("point")])
    table = compare(df, outcomes=outcomes, discount_rate=rate)
    order = {a: i for i, a in enumerate(sw["arms"])}
    table = table.merge(design, on="point", how="left")
    params = [c for c in design.columns if c != "point"]
    rest = [c for c in table.columns if c not in ("point", "arm", *params)]
    table = table[["point", "arm", *params, *rest]]
    table = table.assign(_o=table["arm"].map(order)).sort_values(["point", "_o"])
    return table.drop(columns="_o").reset_index(drop=True)


def sensitivity(
    name: str,
    method: str,
    outcome: str,
    db: str | None = None,
    arm: str | None = None,
) -> pd.DataFrame:
    """Sensitivity indices of a regime's effect on one outcome over a sobol or morris sweep.

    Y per design point is the mean over replications of (regime - de facto) in the outcome's
    horizon value (cumulative for flows, last-year mean for stocks).

    Args:
        name: A sweep whose design method is ``method``.
        method: ``sobol`` (S1, S1_conf, ST, ST_conf) or ``morris`` (mu, mu_star,
            mu_star_conf, sigma).
        outcome: The outcome.
        db: Results database URL.
        arm: The regime (default: the sweep's first arm other than de_facto).

    Returns:
        One row per parameter, sorted by ST (sobol) or mu_star (morris), largest first.

    Raises:
        InputError: Unknown sweep, outcome or arm; a sweep of another design method; a sweep
            with missing runs.
    """
    from sim.store import open_store
    from sim.sweep import DesignSpec, design_matrix, problem_dict

    if method not in ("sobol", "morris"):
        raise InputError.single("--method", f"unknown method '{method}'; use sobol or morris")
    _check_outcomes([outcome])
    with open_store(db) as store:
        sw = _sweep_or_error(store, name)
        design = DesignSpec.model_validate(sw["spec"].get("design", {}), strict=False)
        if design.method != method:
            raise InputError.single(
                "--method",
                f"sweep '{name}' has a '{design.method}' design; {method} analysis needs a "
                f"sweep with [design] method = \"{method}\"",
            )
        regimes = [a for a in sw["arms"] if a != ARM_DE_FACTO]
        arm = arm or (regimes[0] if regimes else None)
        if arm not in regimes:
            raise InputError.single(
                "--arm", f"arm '{arm}' is not a regime of sweep '{name}'; regimes: "
                + ", ".join(regimes)
            )
        df = store.outcomes(name, outcomes=[outcome])
    df = df[df["arm"].isin([ARM_DE_FACTO, arm])]
    _, raw = design_matrix(design, int(sw["root_seed"]))
    n_points = len(raw)
    eff = effects(df, [outcome]) if not df.empty else pd.DataFrame(columns=["point", "effect"])
    y = eff.set_index("point")["effect"].reindex(range(n_points)).to_numpy(dtype=float)
    missing = int(np.isnan(y).sum())
    if missing:
        raise InputError.single(
            "--sweep",
            f"sweep '{name}' lacks a finite {arm} effect on {outcome} at {missing} of "
            f"{n_points} design points; run the sweep to completion first",
        )
    problem = problem_dict(design)
    seed = int(sw["root_seed"]) % (2**32)
    if method == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
        out = pd.DataFrame({
            "parameter": problem["names"],
            "S1": res["S1"], "S1_conf": res["S1_conf"],
            "ST": res["ST"], "ST_conf": res["ST_conf"],
        })  # fmt: skip
        key = "ST"
    else:
        from SALib.analyze import morris

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
