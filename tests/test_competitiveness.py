"""Competitiveness against rivals who move (issue 15): paired runs, enough replications.

A neutral world does not drift; starter batches raise local content and SME output as their
rate rises; scaling a region four times with its budgets, projects and orders keeps %-effects;
market shares are reported as a ratio of means and in percentage points; registration is an
outcome of every arm.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import api
from sim.analysis import compare, effects, horizon_values, t_interval
from sim.analysis.effects import ratio_interval, registration
from sim.model.outcomes import OUTCOME_INDEX
from sim.scenario import apply_overrides, scale_economy
from sim.scenario.files import default_scenario

EARLY = {"registry.functional_dependence_default": 0.05}


def test_a_neutral_world_does_not_drift():
    """Rivals whose productivity grows as the cluster's does: no drift of the de-facto share."""
    sc = apply_overrides(default_scenario(), {"market.rival_productivity_trend_per_year": 0.04})
    res = api.run_pairs(sc, replications=20, arms=["de_facto"], executor="processes", workers=2)
    out = np.array([r.outcomes for r in res])
    prod = out[:, :, OUTCOME_INDEX["productivity"]].mean(axis=0)
    growth = (prod[-4:].mean() / prod[:4].mean()) ** (1 / 9) - 1
    assert 0.03 < growth < 0.05, growth  # the world is neutral: the cluster grows as rivals do
    orders = out[:, :, OUTCOME_INDEX["new_orders"]].sum(axis=0)  # value won by the cluster
    # the cluster's share of the market's orders, first two years vs last two (ratio of sums)
    demand = sc.market.market_orders_mln_rub_per_year / 4 * (1.03 ** (np.arange(1, 41) / 4))
    early = orders[:8].sum() / (len(res) * demand[:8].sum())
    late = orders[-8:].sum() / (len(res) * demand[-8:].sum())
    assert abs(late / early - 1) < 0.20, (early, late)
    cost = out[:, :, OUTCOME_INDEX["unit_cost_index"]].mean(axis=0)
    assert abs(cost[-4:].mean() - 1) < 0.05, cost[-4:]


def test_starter_batches_raise_local_content_and_sme_output_as_their_rate_rises():
    values = []
    for rate in (0.0, 0.5):
        sc = apply_overrides(
            default_scenario(),
            {**EARLY, "regimes.cluster_support_2020s.starter_batch_subsidy.rate": rate},
        )
        res = api.run_pairs(sc, replications=24, arms=["cluster_support_2020s"],
                            executor="processes", workers=2)  # fmt: skip
        frame = api.results_frame(res)
        values.append(
            horizon_values(frame, ["local_purchases", "sme_output", "smes_in_chains"])
            .droplevel("arm")
        )  # fmt: skip
    diff = values[1] - values[0]
    for o in ("local_purchases", "sme_output", "smes_in_chains"):
        m, lo, hi = t_interval(diff[o].to_numpy())
        assert m > 0.0, (o, m, lo, hi)
    assert t_interval(diff["smes_in_chains"].to_numpy())[1] > 0.0


def test_scaling_a_region_four_times_keeps_the_percentage_effects():
    # Participation is left out on purpose: the registry's minimum of 10 participants is an
    # absolute number, so a larger region reaches it sooner and draws more joiners.
    outcomes = ["investment", "joint_projects"]
    table = {}
    for factor, reps in ((1, 16), (4, 8)):
        sc = scale_economy(default_scenario(), factor)
        res = api.run_pairs(sc, replications=reps, arms=["de_facto", "decree41_full"],
                            executor="processes", workers=2)  # fmt: skip
        table[factor] = effects(api.results_frame(res), outcomes).set_index("outcome")
    for o in outcomes:
        one, four = table[1].loc[o, "effect_pct"], table[4].loc[o, "effect_pct"]
        assert table[1].loc[o, "pct_ci_low"] > 0, (o, table[1].loc[o])  # a real effect
        assert abs(four / one - 1) <= 0.30, (o, one, four)


def test_market_share_as_a_ratio_of_means_and_in_points():
    sc = apply_overrides(default_scenario(), {"scenario.horizon_quarters": 16})
    df = api.simulate(sc, replications=6, arms=["de_facto", "loans_only"])
    eff = effects(df, ["market_share"]).iloc[0]
    last = df[df.quarter > 12].groupby(["replicate", "arm"])["market_share"].mean().unstack()
    diff = (last["loans_only"] - last["de_facto"]).to_numpy()
    base = last["de_facto"].to_numpy()
    assert eff["effect_pct"] == 100 * diff.mean() / base.mean()
    assert (eff["effect_pct"], eff["pct_ci_low"], eff["pct_ci_high"]) == ratio_interval(diff, base)
    assert eff["effect_pp"] == 100 * eff["effect"]
    table = compare(df, outcomes=["output", "market_share"], discount_rate=0.08)
    assert {"market_share_pp", "market_share_pp_ci_low", "registered_share"} <= set(table)
    assert "output_pp" not in table  # percentage points only for shares


def test_registration_is_an_outcome_of_every_arm():
    sc = apply_overrides(default_scenario(), {**EARLY, "scenario.horizon_quarters": 12})
    df = api.simulate(sc, replications=3, arms=["de_facto", "placebo", "decree41_full"])
    reg = registration(df).set_index("arm")
    assert reg.loc["de_facto", "registered_share"] == 0.0
    assert np.isnan(reg.loc["de_facto", "registration_quarter"])
    for arm in ("placebo", "decree41_full"):
        firsts = [
            g.loc[g["registered"] > 0, "quarter"].min()
            for _, g in df[df.arm == arm].groupby("replicate")
        ]
        assert reg.loc[arm, "registered_share"] == np.mean([not pd.isna(x) for x in firsts])
        assert reg.loc[arm, "registration_quarter"] == np.nanmedian(firsts)
