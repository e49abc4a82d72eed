"""How much registration timing and region size move the Astrakhan effects (issue 15 note).

* The registry's functional-dependence threshold at 0.20 (the scenario) and 0.10: when the
  cluster registers, and the package's and the loans' effects on output and investment.
* The scenario as shipped and scaled four times with its budgets, loan limits, projects and
  orders (:func:`sim.scenario.scale_economy`): the %-effects of Decree 41 and the package.

Usage: ``python docs/measurements/registration_and_scale.py`` (about two minutes on 2 cores).
"""

from __future__ import annotations

import pandas as pd

from sim import api
from sim.analysis import effects
from sim.analysis.effects import registration
from sim.scenario import apply_overrides, scale_economy
from sim.scenario.files import default_scenario

COLUMNS = ["effect_pct", "pct_ci_low", "pct_ci_high"]


def _effects(df: pd.DataFrame, outcomes: list[str]) -> str:
    return effects(df, outcomes).set_index(["arm", "outcome"])[COLUMNS].round(2).to_string()


def main() -> None:
    """Print both measurements."""
    for threshold in (0.20, 0.10):
        sc = apply_overrides(
            default_scenario(), {"registry.functional_dependence_default": threshold}
        )
        res = api.run_pairs(sc, replications=20, arms=["de_facto", "cluster_support_2020s",
                            "loans_only"], executor="processes", workers=2)  # fmt: skip
        df = api.results_frame(res)
        print(f"functional-dependence threshold {threshold}")
        print(_effects(df, ["output", "investment"]))
        print(registration(df).to_string(), "\n")
    for factor, reps in ((1, 16), (4, 8)):
        sc = scale_economy(default_scenario(), factor)
        res = api.run_pairs(sc, replications=reps, arms=["de_facto", "decree41_full",
                            "cluster_support_2020s"], executor="processes", workers=2)  # fmt: skip
        print(f"scale x{factor}")
        print(_effects(api.results_frame(res), ["output", "investment", "joint_projects",
                                                "employment"]), "\n")  # fmt: skip


if __name__ == "__main__":
    main()
