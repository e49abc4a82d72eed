"""Finance that works the way the programmes do (issue 14): paired runs, enough replications.

Each instrument raises its own target and lowers neither participation, SME output nor local
content as its level rises; cash moves investment only where the borrowing limit binds; loan
programmes that need no registration lend in every arm; the decomposition runs for every
shipped regime.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.analysis import effects, horizon_values, t_interval
from sim.model import ClusterModel
from sim.model.outcomes import OUTCOME_INDEX
from sim.scenario import apply_overrides, load_scenario
from sim.scenario.files import default_scenario

ROOT = Path(__file__).resolve().parents[1]
CLUSTERSIM = str(Path(sys.executable).parent / "clustersim")
REPS = 12
# "Local content" is guarded as the yards' local purchases (mln RUB). Its share of purchases
# may dilute by a little when an instrument grows the yards faster than local suppliers can
# follow (at most SHARE_DILUTION, checked below; docs/model.md 7.8).
GUARDED = ["participants", "sme_output", "local_purchases"]
SHARE_DILUTION = 0.015
# Registration early in every regime arm, so that level differences have time to act.
EARLY = {"registry.functional_dependence_default": 0.05}


def _levels(arm: str, key: str, low: float, high: float, outcomes: list[str]) -> pd.DataFrame:
    """Paired per-replicate horizon values of ``arm`` at two levels of ``key`` (high - low)."""
    frames = []
    for value in (low, high):
        sc = apply_overrides(default_scenario(), {**EARLY, key: value})
        res = api.run_pairs(sc, replications=REPS, arms=[arm], executor="processes", workers=2)
        frames.append(horizon_values(api.results_frame(res), outcomes).droplevel("arm"))
    return frames[1] - frames[0]


def _not_lower(diff: pd.DataFrame) -> None:
    for o in GUARDED:
        m, lo, hi = t_interval(diff[o].to_numpy())
        assert hi >= 0.0, (o, m, lo, hi)  # not significantly lower
    m, lo, hi = t_interval(diff["local_content_share"].to_numpy())
    assert m > -SHARE_DILUTION and hi > -SHARE_DILUTION / 2, (m, lo, hi)


def test_joint_project_subsidy_raises_projects_and_partner_smes():
    diff = _levels(
        "decree41_full",
        "regimes.decree41_full.joint_project_subsidy.rate",
        0.0,
        0.5,
        ["joint_projects", "smes_in_chains", "local_content_share", *GUARDED],
    )
    m, lo, _ = t_interval(diff["joint_projects"].to_numpy())
    assert lo > 0.0, (m, lo)
    m, lo, hi = t_interval(diff["smes_in_chains"].to_numpy())
    assert m > 0.0 and hi > 0.0, (m, lo, hi)
    _not_lower(diff)


def test_regional_cluster_loans_raise_investment_of_eligible_firms():
    diff = _levels(
        "loans_only",
        "regimes.loans_only.preferential_loans.annual_budget_mln_rub",
        0.0,
        300.0,
        ["investment", "loan_grant_equivalent", "local_content_share", *GUARDED],
    )
    assert t_interval(diff["loan_grant_equivalent"].to_numpy())[1] > 0.0
    m, lo, _ = t_interval(diff["investment"].to_numpy())
    assert lo > 0.0, (m, lo)
    _not_lower(diff)


def _tax_relief_effect(world: dict[str, float]) -> pd.DataFrame:
    """Tax relief (the whole regional profit tax and property tax) vs the placebo regime."""
    relief = {
        "regimes.tax_relief_only.tax_relief.regional_profit_tax_cut": 0.17,
        "regimes.tax_relief_only.tax_relief.property_tax_cut": 0.018,
        "regimes.tax_relief_only.tax_relief.years": 10,
    }
    sc = apply_overrides(default_scenario(), {**EARLY, **relief, **world})
    res = api.run_pairs(sc, replications=REPS, arms=["placebo", "tax_relief_only"],
                        executor="processes", workers=2)  # fmt: skip
    df = api.results_frame(res).replace({"arm": {"placebo": "de_facto"}})
    return effects(df, ["investment", "credit_constrained", *GUARDED]).set_index("outcome")


# A market growing 8 % a year: the yards want to expand, so a tight borrowing limit binds.
GROWING = {"market.demand_growth_per_year": 0.08}


def test_tax_relief_moves_investment_only_where_the_borrowing_limit_binds():
    tight = _tax_relief_effect(
        {**GROWING, "finance.max_debt_to_ebitda": 1.0,
         "firm_groups.shipyards.cash_quarters_of_revenue": 0.2}
    )  # fmt: skip
    assert tight.loc["investment", "ci_low"] > 0.0, tight
    assert tight.loc["credit_constrained", "effect"] < 0.0, tight
    loose = _tax_relief_effect(
        {**GROWING, "finance.max_debt_to_ebitda": 20.0,
         "firm_groups.shipyards.cash_quarters_of_revenue": 4.0}
    )  # fmt: skip
    inv = loose.loc["investment"]
    assert inv["ci_low"] <= 0.0 <= inv["ci_high"], loose  # no effect without the constraint
    assert abs(inv["effect_pct"]) < 0.25 * tight.loc["investment", "effect_pct"]
    for o in GUARDED:
        assert tight.loc[o, "ci_high"] >= 0.0 and loose.loc[o, "ci_high"] >= 0.0, o


def test_idf_and_kip_lend_in_the_de_facto_arm_and_cost_no_preference():
    m = ClusterModel(default_scenario(), "de_facto", rng=3)
    out = m.run()
    assert out[:, OUTCOME_INDEX["loan_grant_equivalent"]].sum() > 0
    assert out[:, OUTCOME_INDEX["cost_programme_loans"]].sum() > 0
    assert out[:, OUTCOME_INDEX["preference_cost"]].sum() == 0
    assert {loan.programme for loan in m.state.loans} <= {
        p.programme for p in m.spec.loan_programmes
    }


def test_placebo_is_exactly_the_de_facto_arm():
    res = api.run_pairs(default_scenario(), replications=3, arms=["de_facto", "placebo"])
    by = {(r.key.replicate, r.key.arm): r.outcomes for r in res}
    for rep in range(3):
        a, b = by[(rep, "de_facto")], by[(rep, "placebo")]
        skip = [OUTCOME_INDEX["registered"]]  # the placebo registers; nothing else differs
        keep = [j for j in range(a.shape[1]) if j not in skip]
        np.testing.assert_array_equal(a[:, keep], b[:, keep])


@pytest.mark.parametrize("regime", ["decree41_full", "cluster_support_2020s", "loans_only",
                                    "tax_relief_only"])  # fmt: skip
def test_decomposition_of_every_shipped_regime(regime):
    sc = apply_overrides(load_scenario(ROOT / "scenarios" / "astrakhan_shipbuilding.toml"),
                         {"scenario.horizon_quarters": 8})  # fmt: skip
    table = api.decompose(sc, regime, replications=2, executor="local")
    n_inst = sum(
        getattr(sc.regimes[regime], f) is not None
        for f in ("joint_project_subsidy", "starter_batch_subsidy", "preferential_loans",
                  "tax_relief")
    )  # fmt: skip
    assert table["kind"].iloc[0] == "full"
    assert len(table) == (1 + 2 * n_inst if n_inst > 1 else 2)
    assert table["n"].eq(2).all() and np.isfinite(table["output_pct"]).all()


def test_decompose_cli_prints_the_table_and_json():
    args = [CLUSTERSIM, "decompose", str(ROOT / "scenarios" / "astrakhan_shipbuilding.toml"),
            "--regime", "cluster_support_2020s", "--replications", "2", "--workers", "2", "-q"]
    text = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert text.returncode == 0, text.stderr
    assert "only starter_batches" in text.stdout and "without loans" in text.stdout
    js = subprocess.run([*args, "--json"], capture_output=True, text=True, timeout=300,
                        check=False)  # fmt: skip
    rows = json.loads(js.stdout)
    assert [r["kind"] for r in rows][:3] == ["full", "without", "only"]
    bad = subprocess.run([*args[:3], "--regime", "nosuch"], capture_output=True, text=True,
                         timeout=60, check=False)  # fmt: skip
    assert bad.returncode == 2 and "--regime: unknown regime 'nosuch'" in bad.stderr
