"""Public-finance accounts (:mod:`sim.analysis.budget`): hand-computed answers and a real run.

Synthetic outcome series with known flows check the definitions exactly: a tax relief counted
once, the budget identity per level, "no cost to this budget" instead of a ratio with a zero
denominator, committed cost and discounting. A short real run of the model checks the same
identities on what the model records.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.analysis.budget import (
    ACCOUNT_LEVELS,
    BUDGET_COLUMNS,
    BUDGET_OUTCOMES,
    LEVELS,
    budget,
    level_column,
)
from sim.analysis.comparison import compare
from sim.report.i18n import fmt
from sim.report.tables import accounts_text, accounts_view
from sim.scenario import apply_overrides
from sim.scenario.files import default_scenario

RATE = 0.10
QUARTERS = 4
#: Discount factor of quarter q: (1 + r) ** -((q - 1) / 4), quarter 1 undiscounted.
F = np.array([(1 + RATE) ** -((q - 1) / 4) for q in range(1, QUARTERS + 1)])
#: Measures that add up across levels into ``total``.
ADDITIVE = (
    "extra_revenue",
    "tax_expenditure",
    "cash_cost",
    "cost",
    "extra_revenue_pv",
    "tax_expenditure_pv",
    "cash_cost_pv",
    "cost_pv",
    "net",
    "committed",
    "net_with_committed",
)


def frame(arms: dict[str, dict[str, list[float] | float]], reps: int = 2) -> pd.DataFrame:
    """Outcome series: every budget outcome 0 unless given (per quarter list, or a constant).

    The de-facto arm pays standard-rate taxes of 10 (federal), 10 (regional), 5 (Social Fund)
    a quarter and has output 100 a quarter unless the arm says otherwise.
    """
    base = {"tax_federal": 10.0, "tax_regional": 10.0, "tax_social_fund": 5.0, "output": 100.0}
    rows = []
    for arm, spec in arms.items():
        values = {**base, **spec}
        for rep in range(reps):
            for q in range(1, QUARTERS + 1):
                row = {"point": 0, "replicate": rep, "arm": arm, "quarter": q}
                for o in BUDGET_OUTCOMES:
                    v = values.get(o, 0.0)
                    row[o] = float(v[q - 1] if isinstance(v, list) else v)
                rows.append(row)
    return pd.DataFrame(rows)


def row_of(table: pd.DataFrame, arm: str) -> pd.Series:
    return table.set_index("arm").loc[arm]


# -- (a) a relief's cost is its revenue forgone at standard rates, and appears once -------------
RELIEF = {
    # standard-rate regional revenue would be 11 (10 + 1 from more activity); the relief forgoes
    # 3 at the standard rates, so 8 is paid: extra revenue -2, tax expenditure 3, cash cost 0
    "tax_regional": 8.0,
    "tax_expenditure_regional": 3.0,
    "cost_regional": 3.0,
}


def test_relief_cost_is_the_revenue_forgone_and_is_counted_once():
    b = budget(frame({"de_facto": {}, "relief": RELIEF}), discount_rate=RATE)
    r = row_of(b, "relief")
    pv = F.sum()
    assert r["extra_revenue_regional"] == pytest.approx(-2.0 * QUARTERS)
    assert r["tax_expenditure_regional"] == pytest.approx(3.0 * QUARTERS)
    assert r["cost_regional"] == pytest.approx(3.0 * QUARTERS)  # the cost is the relief
    assert r["cash_cost_regional"] == pytest.approx(0.0, abs=1e-12)
    assert r["extra_revenue_regional_pv"] == pytest.approx(-2.0 * pv)
    assert r["tax_expenditure_regional_pv"] == pytest.approx(3.0 * pv)
    # net = PV(dR) - PV(cash cost) = -2 pv; subtracting the relief again would give -5 pv
    assert r["net_regional"] == pytest.approx(-2.0 * pv)
    twice = r["extra_revenue_regional_pv"] - r["cost_regional_pv"]
    assert twice == pytest.approx(-5.0 * pv) and r["net_regional"] != pytest.approx(twice)
    # budget efficiency: revenue at standard rates (dR + TE = +1) over the relief (3)
    assert r["be_regional"] == pytest.approx(1.0 / 3.0)
    assert not r["no_cost_regional"]
    assert r["net_total"] == pytest.approx(-2.0 * pv)


def test_relief_regime_in_a_real_run_costs_its_tax_expenditure_once(relief_run):
    df, b = relief_run
    reg = df[df["arm"] == "tax_relief_only"]
    # the relief is the regime's only preference: its cost is the tax expenditure, quarter by
    # quarter, and the federal budget and the Social Fund bear none of it
    assert reg["tax_expenditure_regional"].sum() > 0, "the relief never started: longer horizon"
    np.testing.assert_allclose(reg["cost_regional"], reg["tax_expenditure_regional"], atol=1e-9)
    np.testing.assert_allclose(reg["cost_federal"], 0.0, atol=1e-12)
    r = row_of(b, "tax_relief_only")
    assert r["tax_expenditure_regional_pv"] == pytest.approx(r["cost_regional_pv"], rel=1e-12)
    assert r["cash_cost_regional_pv"] == pytest.approx(0.0, abs=1e-9)
    assert r["net_regional"] == pytest.approx(r["extra_revenue_regional_pv"], rel=1e-12)
    be = (r["extra_revenue_regional_pv"] + r["tax_expenditure_regional_pv"]) / r["cost_regional_pv"]
    assert r["be_regional"] == pytest.approx(be, rel=1e-12)
    assert r["no_cost_federal"] and r["no_cost_social_fund"]
    assert r["net_federal"] == pytest.approx(r["extra_revenue_federal_pv"], rel=1e-12)


# -- (b) budget identity per level, every arm; total = sum of levels -----------------------------
def _check_identities(b: pd.DataFrame) -> None:
    assert list(b.columns) == BUDGET_COLUMNS
    for _, r in b.iterrows():
        for lv in ACCOUNT_LEVELS:

            def c(m: str, r: pd.Series = r, lv: str = lv) -> float:
                return r[level_column(m, lv)]

            assert c("net") == pytest.approx(c("extra_revenue_pv") - c("cash_cost_pv"), abs=1e-9)
            assert c("net") == pytest.approx(
                c("extra_revenue_pv") + c("tax_expenditure_pv") - c("cost_pv"), abs=1e-9
            )
            assert c("cash_cost_pv") == pytest.approx(c("cost_pv") - c("tax_expenditure_pv"))
            assert c("net_with_committed") == pytest.approx(c("net") - c("committed"), abs=1e-9)
            assert np.isfinite(c("net")), (r["arm"], lv)
            if np.isfinite(c("net_ci_low")):
                assert c("net_ci_low") <= c("net") + 1e-9 <= c("net_ci_high") + 2e-9
        for m in ADDITIVE:
            parts = sum(r[level_column(m, lv)] for lv in LEVELS)
            assert r[level_column(m, "total")] == pytest.approx(parts, abs=1e-9), (r["arm"], m)


def test_budget_identity_per_level_on_hand_made_series():
    arms = {
        "de_facto": {},
        "relief": RELIEF,
        "subsidy": {
            "tax_federal": [10, 12, 14, 16],
            "tax_social_fund": [5, 6, 6, 7],
            "cost_federal": [4, 4, 0, 0],
            "committed_federal": [9, 7, 5, 2.5],
        },
        "mixed": {
            "tax_regional": 9.0,
            "tax_expenditure_regional": 2.0,
            "cost_regional": [5.0, 2.0, 2.0, 2.0],
            "cost_federal": 1.0,
            "tax_federal": [11, 9, 13, 10],
        },
    }
    b = budget(frame(arms), discount_rate=RATE)
    _check_identities(b)
    s = row_of(b, "subsidy")
    assert s["net_federal"] == pytest.approx((np.array([0, 2, 4, 6]) * F).sum() - 4 * F[:2].sum())
    assert s["net_social_fund"] == pytest.approx((np.array([0, 1, 1, 2]) * F).sum())
    m = row_of(b, "mixed")
    assert m["cash_cost_regional_pv"] == pytest.approx(3.0 * F[0])  # 5 - 2 in quarter 1 only


def test_budget_identity_per_level_in_a_real_run(relief_run):
    _check_identities(relief_run[1])


# -- (c) zero cost to a level: its gain and no_cost, never NaN, "no cost" in the text ------------
def test_a_level_without_cost_reports_its_gain_and_no_cost():
    arms = {"de_facto": {}, "fed_only": {"cost_federal": 2.0, "tax_regional": 12.0}}
    b = budget(frame(arms), discount_rate=RATE)
    r = row_of(b, "fed_only")
    assert r["no_cost_regional"] and r["no_cost_social_fund"] and not r["no_cost_federal"]
    assert r["net_regional"] == pytest.approx(2.0 * F.sum())  # the gain, not NaN
    assert np.isnan(r["be_regional"])  # no ratio with a zero denominator...
    assert np.isfinite(r["be_federal"])
    assert r["net_social_fund"] == pytest.approx(0.0)
    text = "\n".join(accounts_text(b, discount_rate=RATE, quarters=QUARTERS))
    regional = [ln for ln in text.splitlines() if ln.startswith("fed_only") and "regional" in ln]
    assert len(regional) == 1 and "no cost to this budget" in regional[0]
    assert fmt(2.0 * F.sum(), "en", 1, sign=True) in regional[0]  # the gain is shown
    assert not re.search(r"\bn/a\b|\bnan\b", text, flags=re.IGNORECASE)
    # ... and the same words, in both languages, wherever the accounts are shown
    for lang in ("en", "ru"):
        view = accounts_view(b, lang)
        cells = view.to_numpy().ravel().tolist()
        assert any("no cost" in c or "без расходов" in c for c in cells)
        assert not any(c in ("n/a", "nan", "") for c in cells)


def test_relief_regime_costs_the_federal_budget_nothing_and_shows_its_gain(relief_run):
    _, b = relief_run
    r = row_of(b, "tax_relief_only")
    assert r["no_cost_federal"] and np.isfinite(r["net_federal"])
    assert np.isnan(r["be_federal"])


# -- (d) committed cost ---------------------------------------------------------------------
def test_committed_cost_is_the_stock_at_the_horizon_end_discounted_to_the_start():
    arms = {"de_facto": {}, "loans": {"cost_regional": 1.0, "committed_regional": [1, 2, 3, 4]}}
    r = row_of(budget(frame(arms), discount_rate=RATE), "loans")
    # only the last quarter's stock counts, discounted by (1 + r) ** -((T - 1) / 4)
    assert r["committed_regional"] == pytest.approx(4.0 * F[-1])
    assert r["committed_federal"] == 0.0
    assert r["net_regional_with_committed"] == pytest.approx(r["net_regional"] - 4.0 * F[-1])


def test_loans_outstanding_at_the_horizon_end_are_committed_and_de_facto_commits_nothing(
    relief_run,
):
    df, b = relief_run
    base = df[df["arm"] == "de_facto"]
    assert (base[["committed_federal", "committed_regional"]] == 0).all().all()
    loans = row_of(b, "loans_only")
    assert loans["committed_total"] > 0
    last = df[(df["arm"] == "loans_only") & (df["quarter"] == df["quarter"].max())]
    assert (last["committed_federal"] + last["committed_regional"]).mean() > 0


# -- (e) discounting ------------------------------------------------------------------------
@pytest.mark.parametrize("q", [1, 2, 4])
def test_a_flow_in_quarter_q_is_discounted_by_quarter_q_minus_one(q):
    flow = [0.0] * QUARTERS
    flow[q - 1] = 1.0
    extra = [10.0 + f for f in flow]
    r = row_of(budget(frame({"de_facto": {}, "x": {"tax_regional": extra}}), discount_rate=RATE),
               "x")  # fmt: skip
    assert r["extra_revenue_regional"] == pytest.approx(1.0)
    assert r["extra_revenue_regional_pv"] == pytest.approx((1 + RATE) ** -((q - 1) / 4))
    zero = budget(frame({"de_facto": {}, "x": {"tax_regional": extra}}), discount_rate=0.0)
    assert row_of(zero, "x")["extra_revenue_regional_pv"] == pytest.approx(1.0)


# -- additionality, by hand ------------------------------------------------------------------
def test_additionality_shares_and_federal_net_view():
    arms = {
        "de_facto": {"investment": 6.0, "new_orders": 50.0, "displaced_orders": 35.0,
                     "local_purchases": 10.0, "purchases_outside_region": 10.0,
                     "net_output": 80.0},
        "x": {"investment": 8.0, "new_orders": 60.0, "displaced_orders": 42.0,
              "local_purchases": 13.0, "purchases_outside_region": 11.0, "tax_federal": 11.0,
              "cost_federal": 0.5, "output": 103.0, "net_output": 81.0},
    }  # fmt: skip
    r = row_of(budget(frame(arms), discount_rate=RATE), "x")
    # gross +3 a quarter, of which +2 are the cluster firms' sales to each other counted again
    assert r["extra_output"] == pytest.approx(3.0 * QUARTERS)
    assert r["extra_net_output"] == pytest.approx(1.0 * QUARTERS)
    assert r["deadweight_share"] == pytest.approx(6.0 / 8.0)
    assert r["leakage_share"] == pytest.approx(1.0 / (1.0 + 3.0))
    assert r["displacement_share"] == pytest.approx(7.0 / 10.0)
    intensity = 15.0 / 100.0  # de facto: federal 10 + Social Fund 5 per 100 of output
    assert r["federal_tax_intensity"] == pytest.approx(intensity)
    assert r["displaced_taxes"] == pytest.approx(intensity * 7.0 * F.sum())
    net = (1.0 - 0.5) * F.sum()
    assert r["federal_net"] == pytest.approx(net - intensity * 7.0 * F.sum())


# -- the real run: de facto, the relief-only regime and loans-only ----------------------------
@pytest.fixture(scope="module")
def relief_run() -> tuple[pd.DataFrame, pd.DataFrame]:
    sc = apply_overrides(default_scenario(), {"scenario.horizon_quarters": 32})
    df = api.simulate(sc, replications=3, arms=["de_facto", "tax_relief_only", "loans_only"],
                      executor="local")  # fmt: skip
    b = budget(df, discount_rate=sc.experiment.discount_rate.value, n_boot=200)
    table = compare(df, outcomes=["output"], discount_rate=sc.experiment.discount_rate.value)
    assert set(BUDGET_COLUMNS) <= set(table.columns)
    return df, b
