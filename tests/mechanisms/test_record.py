"""After stage 9, sim.model.mechanisms.record: the quarter's outcomes (7.18)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tiny import government, scenario, state, supplier, yard

from sim.model.agents import Grant
from sim.model.mechanisms import financing, record
from sim.model.outcomes import OUTCOME_NAMES, outcome
from sim.model.state import Loan, LoanBook

Q = 8


def _quarter_state():
    """Two yards, a supplier in a yard's chain and a supplier closing at the end of quarter 8."""
    sc = scenario()
    st = state(
        [
            # participant yard with a contract this quarter
            yard(output=40.0, purchases=15.2, purchases_local=6.0, purchases_from_participants=5.0,
                 employment=100.0, unit_cost=1.0, order_book=100.0, participant=True,
                 last_contract_quarter=Q, debt_market=10.0, debt_pref=5.0),
            # outsider yard
            yard(output=20.0, purchases=7.6, purchases_local=2.0, purchases_from_participants=0.0,
                 employment=60.0, unit_cost=1.2, order_book=50.0),
            # qualified participant SME that sold to the yards (in a chain)
            supplier(0, output=4.0, purchases=1.52, employment=10.0, qualification=0.7,
                     sales_cluster=3.0, participant=True, last_contract_quarter=Q,
                     debt_market=2.0),
            # SME that closed at the end of the quarter (alive and participant already cleared)
            supplier(1, output=2.0, purchases=0.76, employment=5.0, qualification=0.5,
                     sales_cluster=1.0, alive=False, debt_market=1.0),
        ],
        sc,
        quarter=Q,
    )  # fmt: skip
    st.exited = np.array([3])
    st.cost_comp = 0.8  # the rivals' cost at the start
    st.rival_cost = 0.75  # ... and now
    st.new_orders = 123.0
    st.market_share_hist = [0.1, float("nan"), 0.2, 0.3, 0.4]
    return sc, st


def test_every_catalogued_outcome_is_recorded():
    sc, st = _quarter_state()
    row = record.record_outcomes(st, government(sc))
    assert set(row) == set(OUTCOME_NAMES)


def test_output_value_added_employment_and_productivity_by_hand():
    sc, st = _quarter_state()
    row = record.record_outcomes(st, government(sc))
    # output 40 + 20 + 4 + 2 (the closing SME produced this quarter)
    assert row["output"] == pytest.approx(66.0, rel=1e-12)
    # value added at constant prices = 66 x (1 - 0.38) = 40.92 (the fixed input coefficient;
    # here equal to the purchases booked, 15.2 + 7.6 + 1.52 + 0.76, see the new-outcomes test)
    assert row["value_added"] == pytest.approx(40.92, rel=1e-12)
    # employment: alive firms only, 100 + 60 + 10 (the closing SME's 5 workers have left)
    assert row["employment"] == pytest.approx(170.0, rel=1e-12)
    # productivity = 4 * 66 / 170 mln RUB per worker a year
    assert row["productivity"] == pytest.approx(4.0 * 66.0 / 170.0, rel=1e-12)
    assert row["large_employment"] == pytest.approx(160.0, rel=1e-12)
    assert row["large_output"] == pytest.approx(60.0, rel=1e-12)
    assert row["sme_output"] == pytest.approx(6.0, rel=1e-12)


def test_sourcing_and_chain_outcomes_by_hand():
    sc, st = _quarter_state()
    row = record.record_outcomes(st, government(sc))
    # yards' local purchases / yards' total purchases = (6 + 2) / (15.2 + 7.6)
    assert row["local_content_share"] == pytest.approx(8.0 / 22.8, rel=1e-12)
    # in a chain: SME 2 (qualification 0.7 >= 0.6 and sales to the cluster);
    # SME 3 is below the threshold (0.5)
    assert row["smes_in_chains"] == 1.0
    assert row["smes_alive"] == 2.0  # including the SME closing this quarter
    # output-weighted unit cost of the yards over the rivals' cost NOW (0.75: their
    # productivity trend has taken it below the initial 0.8): (40 * 1.0 + 20 * 1.2) / 60 / 0.75
    assert row["unit_cost_index"] == pytest.approx((40.0 + 24.0) / 60.0 / 0.75, rel=1e-12)
    # mean of the last four quarters' shares, skipping the quarter without orders: (0.2+0.3+0.4)/3
    assert row["market_share"] == pytest.approx(0.3, rel=1e-12)
    assert row["new_orders"] == 123.0
    assert row["order_book"] == pytest.approx(150.0, rel=1e-12)
    # debts of alive firms and of the closing SME: 10 + 5 + 2 + 1
    assert row["loans_outstanding"] == pytest.approx(18.0, rel=1e-12)


def test_registry_outcomes_by_hand():
    sc, st = _quarter_state()
    row = record.record_outcomes(st, government(sc))
    assert row["participants"] == 2.0
    # roster: participants with a contract since quarter 8 - 1 - 4 = 3: the yard and SME 2
    assert row["industrial_participants"] == 2.0
    # FD of the roster: the participant yard's 5 / 15.2 (the outsider yard is not on it)
    assert row["functional_dependence"] == pytest.approx(5.0 / 15.2, rel=1e-12)
    assert row["registered"] == 0.0
    row = record.record_outcomes(st, government(sc, "cluster_support_2020s", registered=True))
    assert row["registered"] == 1.0


def test_budget_outcomes_come_from_the_ledger():
    sc, st = _quarter_state()
    led = st.ledger
    led.book_cost("joint_project", "federal", 3.0)
    led.book_cost("starter_batch", "federal", 2.0)
    led.book_cost("loans", "regional", 0.5)
    led.book_cost("tax_relief", "regional", 1.5)
    led.investment = 12.0
    led.joint_projects = 1
    led.sez_tax_expenditure = 0.7
    led.tax["federal"] = 9.0
    led.tax["regional"] = 4.0
    led.tax["social_fund"] = 6.0
    led.vat_collected = 11.0
    row = record.record_outcomes(st, government(sc))
    assert row["cost_joint_project"] == 3.0
    assert row["cost_starter_batch"] == 2.0
    assert row["cost_loans"] == 0.5
    assert row["cost_tax_relief"] == 1.5
    assert row["cost_federal"] == pytest.approx(3.0 + 2.0, rel=1e-12)
    assert row["cost_regional"] == pytest.approx(0.5 + 1.5, rel=1e-12)
    assert row["preference_cost"] == pytest.approx(7.0, rel=1e-12)
    assert row["investment"] == 12.0
    assert row["joint_projects"] == 1.0
    assert row["sez_tax_expenditure"] == 0.7
    assert (row["tax_federal"], row["tax_regional"]) == (9.0, 4.0)
    assert row["tax_social_fund"] == 6.0
    assert row["vat_collected"] == 11.0
    # the tax expenditure is the relief's cost, by level (counted in the cost, once)
    assert (row["tax_expenditure_federal"], row["tax_expenditure_regional"]) == (0.0, 1.5)
    assert row["tax_expenditure_regional"] == row["cost_tax_relief"]
    # de facto: nothing committed
    assert (row["committed_federal"], row["committed_regional"]) == (0.0, 0.0)


def test_purchases_outside_the_region_by_hand():
    sc, st = _quarter_state()
    row = record.record_outcomes(st, government(sc))
    # yards: (15.2 - 6) + (7.6 - 2); suppliers buy all theirs outside: 1.52 + 0.76 (the SME
    # closing this quarter bought in it)
    assert row["purchases_outside_region"] == pytest.approx(9.2 + 5.6 + 1.52 + 0.76, rel=1e-12)
    assert row["purchases_outside_region"] == pytest.approx(17.08, rel=1e-12)


def test_committed_cost_sums_loans_grants_and_relief_still_due():
    sc, st = _quarter_state()
    gov = government(sc, "cluster_support_2020s", registered=True, since=1)
    st.loans = LoanBook([
        Loan(0, "regional", 40.0, 0.05, 20, 0.25, False),  # the regime's programme
        Loan(0, "IDF", 160.0, 0.03, 20, 1.0, True),  # a world programme: not the regime's
    ])
    gov.grants = [Grant(0, 6.25, 4, "federal"), Grant(1, 2.0, 2, "regional")]
    row = record.record_outcomes(st, gov)
    v = 1.08**-0.25
    loans = financing.committed_interest_subsidy(st, 0.08)
    assert loans["federal"] == pytest.approx(0.25 * 14.46145348992649, rel=1e-12)
    grants_fed = 6.25 * (v + v**2 + v**3 + v**4)
    grants_reg = 2.0 * (v + v**2)
    assert row["committed_federal"] == pytest.approx(loans["federal"] + grants_fed, rel=1e-12)
    assert row["committed_regional"] == pytest.approx(loans["regional"] + grants_reg, rel=1e-12)
    # only world loans left and no grants: nothing is committed
    st.loans.keep(np.array([False, True]))
    gov.grants = []
    row = record.record_outcomes(st, gov)
    assert (row["committed_federal"], row["committed_regional"]) == (0.0, 0.0)


def test_committed_relief_in_the_record_uses_this_quarters_relief():
    sc, st = _quarter_state()  # quarter 8
    gov = government(sc, "tax_relief_only", registered=True, since=2)  # relief to quarter 21
    st.ledger.book_cost("tax_relief", "regional", 1.5)
    row = record.record_outcomes(st, gov)
    v = 1.08**-0.25
    assert row["committed_regional"] == pytest.approx(1.5 * sum(v**k for k in range(1, 14)))
    assert row["committed_federal"] == 0.0


def test_committed_outcomes_are_end_of_horizon_stocks():
    for name in ("committed_federal", "committed_regional"):
        assert outcome(name).horizon == "end"
        assert outcome(name).group == "budget"
    for name in ("tax_social_fund", "vat_collected", "tax_expenditure_federal",
                 "tax_expenditure_regional", "purchases_outside_region"):  # fmt: skip
        assert outcome(name).horizon == "sum"
        assert outcome(name).unit == "mln RUB per quarter"


def test_empty_quarter_gives_undefined_rates_not_errors():
    sc = scenario()
    st = state([yard(output=0.0, employment=0.0, purchases=0.0, alive=False)], sc)
    row = record.record_outcomes(st, government(sc))
    assert row["output"] == 0.0
    assert math.isnan(row["productivity"])  # no workers
    assert math.isnan(row["unit_cost_index"])  # no yard output to weight by
    assert math.isnan(row["market_share"])  # no share history
    assert row["local_content_share"] == 0.0  # no purchases
    assert row["functional_dependence"] == 0.0
    for name in ("price_index", "price_cost_margin", "delivery_quarters", "order_book_cover"):
        assert math.isnan(row[name])  # no yard output or capacity to weight by
    assert row["displaced_orders"] == 0.0
    assert row["net_output"] == 0.0


def test_competitiveness_and_net_output_outcomes_by_hand():
    sc, st = _quarter_state()
    f = st.firms
    f.price[:4] = [1.1, 1.3, 1.2, 0.8]
    f.capacity[:2] = [30.0, 20.0]  # below the labour capacities (about 40 and 24): they bind
    f.purchases[0] = 20.0  # booked at current prices: does not enter value added
    st.rival_price = 0.875
    row = record.record_outcomes(st, government(sc))
    # output-weighted yard price over the rivals' price now: (40 x 1.1 + 20 x 1.3) / 60 / 0.875
    assert row["price_index"] == pytest.approx(70.0 / 60.0 / 0.875, rel=1e-12)
    # margin (revenue - cost) / revenue = (70 - (40 x 1.0 + 20 x 1.2)) / 70 = 6 / 70
    assert row["price_cost_margin"] == pytest.approx(6.0 / 70.0, rel=1e-12)
    # delivery of a new order: 4 + 100 / 30 = 7.333 and 4 + 50 / 20 = 6.5, capacity-weighted:
    # (30 x 7.333 + 20 x 6.5) / 50 = (220 + 130) / 50 = 7
    assert row["delivery_quarters"] == pytest.approx(7.0, rel=1e-12)
    # order-book cover: 150 / (4 x 60) = 0.625 years of the yards' output
    assert row["order_book_cover"] == pytest.approx(0.625, rel=1e-12)
    # displaced orders: the 123 won x 0.7 that other Russian yards would have won
    assert row["displaced_orders"] == pytest.approx(123.0 * 0.7, rel=1e-12)
    # net output: 66 less the suppliers' sales to the yards at constant prices, including the
    # closing SME: 3 / 1.2 + 1 / 0.8 = 2.5 + 1.25 -> 62.25
    assert row["net_output"] == pytest.approx(66.0 - 3.75, rel=1e-12)
    # value added at constant prices stays 66 x (1 - 0.38), whatever the purchases cost
    assert row["value_added"] == pytest.approx(66.0 * 0.62, rel=1e-12)
