"""Inside stage 5 (sourcing), sim.model.mechanisms.starter_batches: the starter-batch subsidy.

Astrakhan values used below (``cluster_support_2020s``): 50 % of purchases of starter batches
(from participant suppliers within 4 quarters of their first sale to the cluster), lifetime cap
150 per applicant, budget 200 a year, federal budget.
"""

from __future__ import annotations

import numpy as np
import pytest
from tiny import ROLE_FINAL, government, scenario, state, supplier, yard

from sim.model.mechanisms import starter_batches

MEMBER = {"participant": True, "last_contract_quarter": 1}  # on the roster in quarter 1
ARM = "cluster_support_2020s"


def _fin(st):
    return st.firms.role[: st.firms.n] == ROLE_FINAL


def test_claimants_none_when_not_registered_or_no_instrument():
    sc = scenario()
    st = state([yard(**MEMBER), yard(**MEMBER)], sc)
    for gov in (
        government(sc, ARM, registered=False),
        government(sc, "loans_only", registered=True),  # no starter-batch subsidy offered
        government(sc),  # de-facto arm
    ):
        eligible, rate = starter_batches.claimants(st, gov, _fin(st))
        assert eligible.tolist() == [False, False]
        assert rate == 0.0


def test_claimants_are_registered_members_under_the_cap_at_the_rate():
    sc = scenario()
    st = state([
        yard(**MEMBER),  # claims
        yard(**MEMBER),  # has had its 150 already
        yard(),  # not on the roster
        supplier(0, **MEMBER),  # not a final producer
        yard(**MEMBER),  # 149.9 paid: still under the cap
    ], sc)  # fmt: skip
    gov = government(sc, ARM, registered=True)
    gov.starter_paid = np.array([0.0, 150.0])  # grown to 5 slots by claimants
    eligible, rate = starter_batches.claimants(st, gov, _fin(st))
    assert gov.starter_paid.tolist() == [0.0, 150.0, 0.0, 0.0, 0.0]
    gov.starter_paid[4] = 149.9
    eligible, rate = starter_batches.claimants(st, gov, _fin(st))
    assert eligible.tolist() == [True, False, False, False, True]
    assert rate == pytest.approx(0.5, abs=1e-12)


def test_claimants_rate_is_zero_once_the_years_budget_is_spent():
    sc = scenario()
    st = state([yard(**MEMBER)], sc, quarter=3)
    gov = government(sc, ARM, registered=True)
    gov.book("starter_batch", 199.0, 3)  # 1 of 200 left: still the full rate
    assert starter_batches.claimants(st, gov, _fin(st))[1] == pytest.approx(0.5, abs=1e-12)
    gov.book("starter_batch", 1.0, 3)  # 200 of 200 spent
    eligible, rate = starter_batches.claimants(st, gov, _fin(st))
    assert rate == 0.0
    assert eligible.tolist() == [True]
    # next year (quarter 5 is year 1) the budget is fresh
    st.quarter = 5
    assert starter_batches.claimants(st, gov, _fin(st))[1] == pytest.approx(0.5, abs=1e-12)


def test_pay_caps_each_claim_at_the_applicants_remaining_lifetime_cap():
    sc = scenario()
    st = state([yard(cash=1.0), yard(cash=2.0), yard(cash=3.0)], sc)
    gov = government(sc, ARM, registered=True)
    gov.starter_paid = np.array([140.0, 0.0, 150.0])
    starter_batches.pay(st, gov, np.array([30.0, 40.0, 10.0]))
    # capped at 150 - paid: min(30, 10) = 10, min(40, 150) = 40, min(10, 0) = 0; total 50 <= 200
    assert st.firms.cash[:3].tolist() == pytest.approx([11.0, 42.0, 3.0], rel=1e-12)
    assert gov.starter_paid.tolist() == pytest.approx([150.0, 40.0, 150.0], rel=1e-12)
    assert gov.spent == {("starter_batch", 0): pytest.approx(50.0, rel=1e-12)}
    assert st.ledger.cost[("starter_batch", "federal")] == pytest.approx(50.0, rel=1e-12)
    assert st.ledger.cost[("starter_batch", "regional")] == 0.0
    assert st.ledger.paid_to_firms == pytest.approx(50.0, rel=1e-12)


def test_pay_scales_all_claims_to_the_years_budget():
    sc = scenario({f"regimes.{ARM}.starter_batch_subsidy.budget_level": "regional"})
    st = state([yard(), yard(), yard()], sc, quarter=6)
    gov = government(sc, ARM, registered=True)
    gov.starter_paid = np.array([140.0, 0.0, 0.0])
    gov.book("starter_batch", 170.0, 6)  # year 1: 200 - 170 = 30 left
    gov.book("starter_batch", 200.0, 2)  # year 0 spending does not count
    starter_batches.pay(st, gov, np.array([30.0, 40.0, 0.0]))
    # after the caps 10 + 40 = 50 > 30: scaled by 30 / 50 = 0.6 -> 6 and 24
    assert st.firms.cash[:3].tolist() == pytest.approx([6.0, 24.0, 0.0], rel=1e-12)
    assert gov.starter_paid.tolist() == pytest.approx([146.0, 24.0, 0.0], rel=1e-12)
    assert gov.spent[("starter_batch", 1)] == pytest.approx(200.0, rel=1e-12)
    assert st.ledger.cost[("starter_batch", "regional")] == pytest.approx(30.0, rel=1e-12)
    assert st.ledger.cost[("starter_batch", "federal")] == 0.0
    assert st.ledger.paid_to_firms == pytest.approx(30.0, rel=1e-12)


def test_pay_nothing_without_claims_or_instrument():
    sc = scenario()
    st = state([yard(cash=1.0)], sc)
    gov = government(sc, ARM, registered=True)
    gov.starter_paid = np.zeros(1)
    starter_batches.pay(st, gov, np.zeros(1))
    no_sb = government(sc, "decree41_full", registered=True)
    starter_batches.pay(st, no_sb, np.array([10.0]))
    assert st.firms.cash[0] == 1.0
    assert gov.spent == {} and no_sb.spent == {}
    assert st.ledger.instrument_cost("starter_batch") == 0.0


def test_expected_benefit_of_starter_batches():
    sc = scenario()
    st = state([
        yard(purchases_starter=12.0, purchases_from_participants=20.0, purchases_local=30.0),
        yard(purchases_starter=40.0, purchases_from_participants=40.0),  # 140 of 150 paid
        yard(purchases_starter=12.0, purchases_from_participants=12.0, alive=False),  # closed
        supplier(0, purchases_starter=8.0, purchases_from_participants=8.0,
                 sales_cluster=8.0),  # not a buyer
    ], sc)  # fmt: skip
    sb = sc.regimes[ARM].starter_batch_subsidy
    gov = government(sc, ARM)  # as a roster member: registration is not asked
    gov.starter_paid = np.array([0.0, 140.0])
    value = starter_batches.expected_benefit(st, gov, sb)
    # yard 0: 0.5 x 12 = 6 (starter batches, not all 20 bought from participants nor all
    # local purchases)
    # yard 1: min(0.5 x 40, 150 - 140) = 10; closed firm and supplier: 0
    assert value == pytest.approx([6.0, 10.0, 0.0, 0.0], abs=1e-12)
    gov.book("starter_batch", 199.0, 1)  # 1 of 200 left: still the whole claim
    assert starter_batches.expected_benefit(st, gov, sb) == pytest.approx([6.0, 10.0, 0.0, 0.0])
    gov.book("starter_batch", 1.0, 1)  # the year's budget is spent
    assert starter_batches.expected_benefit(st, gov, sb).tolist() == [0.0] * 4


def _suppliers_by_first_sale(quarter=6):
    # first sale to the cluster: never (-1), 3 and 4 quarters ago, now, 6 quarters ago; a yard
    return state([
        supplier(0, first_sale_quarter=-1),
        supplier(0, first_sale_quarter=quarter - 3),
        supplier(0, first_sale_quarter=quarter - 4),
        supplier(0, first_sale_quarter=quarter),
        supplier(0, first_sale_quarter=quarter - 6),
        yard(),
    ], scenario(), quarter)  # fmt: skip


def test_new_suppliers_are_those_not_yet_selling_or_within_the_starter_window():
    st = _suppliers_by_first_sale(quarter=6)
    new = starter_batches.new_suppliers(st, government(st.spec, ARM))
    # window 4 quarters: never sold (-1) -> new; 6 - 3 = 3 < 4 -> new; 6 - 2 = 4 -> no longer;
    # first sale this quarter (6 - 6 = 0) -> new; 6 - 0 = 6 -> no. The yard has never sold
    # (-1): the rule does not look at roles (sourcing only asks it about suppliers).
    assert new.tolist() == [True, True, False, True, False, True]
    # a one-quarter window: only the quarter of the first sale (and never-sold suppliers)
    sc = scenario({f"regimes.{ARM}.starter_batch_subsidy.first_batches_quarters.value": 1})
    new = starter_batches.new_suppliers(st, government(sc, ARM))
    assert new.tolist() == [True, False, False, True, False, True]


def test_no_new_suppliers_without_the_instrument():
    st = _suppliers_by_first_sale(quarter=6)
    for arm in ("de_facto", "loans_only", "decree41_full"):  # no starter-batch subsidy
        assert starter_batches.new_suppliers(st, government(st.spec, arm)).tolist() == [False] * 6


def test_suppliers_established_at_calibration_are_not_new():
    # calibration marks the suppliers selling (or qualified) at the start with -100: their
    # deliveries are not starter batches, whatever the quarter
    st = state([supplier(0, first_sale_quarter=-100)], scenario(), quarter=1)
    assert starter_batches.new_suppliers(st, government(st.spec, ARM)).tolist() == [False]


def test_expected_benefit_is_its_numpy_code_bit_for_bit():
    from sim.model import ClusterModel
    from sim.scenario.files import default_scenario

    m = ClusterModel(default_scenario(), arm=ARM, rng=4)
    for _ in range(20):
        m.step()
    st, gov = m.state, m.government
    f, n, sb = st.firms, st.firms.n, gov.regime.starter_batch_subsidy
    f.purchases_starter[:n] = np.linspace(0.0, 400.0, n)
    gov.starter_paid = np.linspace(0.0, 160.0, n)
    fin = (f.role[:n] == ROLE_FINAL) & f.alive[:n]
    claims = np.where(fin, sb.rate.value * f.purchases_starter[:n], 0.0)
    room = np.maximum(sb.cap_per_applicant_mln_rub.value - gov.starter_paid, 0.0)
    got = starter_batches.expected_benefit(st, gov, sb)
    assert np.array_equal(got, np.minimum(claims, room)) and (got > 0).any()
