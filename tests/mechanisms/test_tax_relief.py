"""Stage 8 (in taxes), sim.model.mechanisms.tax_relief: the regime's regional tax relief (7.16)."""

from __future__ import annotations

import numpy as np
import pytest
from tiny import government, state, yard

from sim.model.mechanisms import record, tax_relief, taxes

# tax_relief_only: regional profit tax cut 4.5 pp, property tax cut 0.9 pp, for 5 years after
# registration; standard rates 17 % regional profit tax, 1.8 % property tax.
ON_ROSTER = {"participant": True, "last_contract_quarter": 1}


def _apply(st, gov, sez=False, base=10.0, capital=250.0):
    """Run ``apply`` for one firm with the standard rates; return (rate_reg, prop_rate, relief)."""
    return tax_relief.apply(st, gov, np.array([sez]), np.array([0.17]), np.array([0.018]),
                            np.array([base]), np.array([capital]))  # fmt: skip


def test_eligible_firm_gets_the_cut_rates_and_relief_is_booked_regionally():
    st = state([yard(**ON_ROSTER)], quarter=2)
    gov = government(st.spec, "tax_relief_only", registered=True, since=1)
    rate_reg, prop_rate, relief = _apply(st, gov)
    assert rate_reg[0] == pytest.approx(0.17 - 0.045, rel=1e-12)  # 0.125
    assert prop_rate[0] == pytest.approx(0.018 - 0.009, rel=1e-12)  # 0.009
    # forgone: 0.045 * 10 + 0.009 * 250 / 4 = 0.45 + 0.5625
    assert relief["regional"] == pytest.approx(1.0125, rel=1e-12)
    assert relief["federal"] == 0.0


def test_regional_rate_is_cut_in_place():
    st = state([yard(**ON_ROSTER)], quarter=2)
    gov = government(st.spec, "tax_relief_only", registered=True, since=1)
    rate_reg = np.array([0.17])
    tax_relief.apply(st, gov, np.array([False]), rate_reg, np.array([0.018]), np.array([10.0]),
                     np.array([250.0]))  # fmt: skip
    assert rate_reg[0] == pytest.approx(0.125, rel=1e-12)


def test_cut_never_exceeds_the_rate():
    st = state([yard(**ON_ROSTER)], quarter=2)
    gov = government(st.spec, "tax_relief_only", registered=True, since=1)
    rate_reg, prop_rate, relief = tax_relief.apply(
        st, gov, np.array([False]), np.array([0.03]), np.array([0.004]), np.array([10.0]),
        np.array([250.0]))  # fmt: skip
    # cuts min(0.045, 0.03) and min(0.009, 0.004): rates 0; forgone 0.03 * 10 + 0.004 * 62.5
    assert rate_reg[0] == 0.0
    assert prop_rate[0] == 0.0
    assert relief["regional"] == pytest.approx(0.3 + 0.25, rel=1e-12)


@pytest.mark.parametrize(
    ("arm", "registered", "quarter", "firm", "sez"),
    [
        ("tax_relief_only", False, 2, ON_ROSTER, False),  # not registered
        # 21 - 1 = 20 quarters = 5 years after the first registration (the window does not
        # restart on re-registration: it counts from registered_quarter)
        ("tax_relief_only", True, 21, ON_ROSTER, False),
        ("tax_relief_only", True, 2, ON_ROSTER, True),  # SEZ resident: own regime
        ("tax_relief_only", True, 2, {"participant": False}, False),  # not on the roster
        ("cluster_support_2020s", True, 2, ON_ROSTER, False),  # regime without tax relief
        ("de_facto", False, 2, ON_ROSTER, False),  # no regime
    ],
)
def test_no_relief(arm, registered, quarter, firm, sez):
    firm = {**firm, "last_contract_quarter": quarter - 1} if firm["participant"] else firm
    st = state([yard(**firm)], quarter=quarter)
    gov = government(st.spec, arm, registered=registered, since=1)
    rate_reg, prop_rate, relief = _apply(st, gov, sez=sez)
    assert rate_reg[0] == 0.17
    assert prop_rate[0] == 0.018
    assert relief == {"federal": 0.0, "regional": 0.0}


def test_last_relief_quarter_is_nineteen_quarters_after_registration():
    st = state([yard(participant=True, last_contract_quarter=19)], quarter=20)
    gov = government(st.spec, "tax_relief_only", registered=True, since=1)
    rate_reg, _, relief = _apply(st, gov)  # 20 - 1 = 19 < 4 * 5
    assert rate_reg[0] == pytest.approx(0.125, rel=1e-12)
    assert relief["regional"] == pytest.approx(1.0125, rel=1e-12)


def test_compute_taxes_charges_the_cut_rates_and_reports_the_relief():
    # profit = 60 - 12.5 * 1.3 - 15.2 - 3.125 = 25.425; capital 250
    st = state([yard(employment=100.0, output=40.0, price=1.5, purchases=15.2, capacity=50.0,
                     **ON_ROSTER)], quarter=2)  # fmt: skip
    gov = government(st.spec, "tax_relief_only", registered=True, since=1)
    bill = taxes.compute_taxes(st, gov)
    profit = 25.425
    # regional: (0.17 - 0.045) * 25.425 + (0.018 - 0.009) * 250 / 4 + NDFL 0.13 * 12.5
    assert bill.regional == pytest.approx(0.125 * profit + 0.5625 + 1.625, rel=1e-12)
    assert bill.federal == pytest.approx(0.08 * profit, rel=1e-12)  # the relief is regional
    assert bill.social_fund == pytest.approx(0.30 * 12.5, rel=1e-12)
    relief = 0.045 * profit + 0.009 * 250 / 4  # 1.144125 + 0.5625
    assert bill.relief_expenditure["regional"] == pytest.approx(relief, rel=1e-12)
    assert bill.relief_expenditure["regional"] == pytest.approx(1.706625, rel=1e-12)
    assert bill.sez_expenditure == 0.0
    st.ledger.add_taxes(bill)
    assert st.ledger.instrument_cost("tax_relief") == pytest.approx(1.706625, rel=1e-12)
    assert st.ledger.cost[("tax_relief", "regional")] == pytest.approx(1.706625, rel=1e-12)


def test_tax_expenditure_is_revenue_forgone_at_standard_rates_and_is_the_relief_cost():
    firm = {"employment": 100.0, "output": 40.0, "price": 1.5, "purchases": 15.2,
            "capacity": 50.0, **ON_ROSTER}  # fmt: skip
    st = state([yard(**firm)], quarter=2)
    gov = government(st.spec, "tax_relief_only", registered=True, since=1)
    st.ledger.add_taxes(taxes.compute_taxes(st, gov))
    row = record.record_outcomes(st, gov)
    # the same firm without the relief (de-facto arm): standard rates
    base_st = state([yard(**firm)], quarter=2)
    base_st.ledger.add_taxes(taxes.compute_taxes(base_st, government(base_st.spec)))
    base_row = record.record_outcomes(base_st, government(base_st.spec))
    # (standard - actual rate) x base: (0.17 - 0.125) x 25.425 + (0.018 - 0.009) x 250 / 4
    forgone = (0.17 - 0.125) * 25.425 + (0.018 - 0.009) * 250.0 / 4.0
    assert row["tax_expenditure_regional"] == pytest.approx(forgone, rel=1e-12)
    assert row["tax_expenditure_regional"] == pytest.approx(1.706625, rel=1e-12)
    assert row["tax_expenditure_regional"] == row["cost_tax_relief"]
    assert row["tax_expenditure_federal"] == 0.0
    assert row["cost_regional"] == pytest.approx(1.706625, rel=1e-12)
    # counted once: revenue at actual rates falls by exactly the tax expenditure
    assert base_row["tax_regional"] - row["tax_regional"] == pytest.approx(forgone, rel=1e-12)
    assert base_row["tax_federal"] == row["tax_federal"]
    assert base_row["tax_expenditure_regional"] == 0.0


def test_quarters_left_of_the_relief():
    st = state([yard(**ON_ROSTER)], quarter=2)
    tr = st.spec.regimes["tax_relief_only"].tax_relief
    gov = government(st.spec, "tax_relief_only", registered=True, since=3)
    # registered in quarter 3 for 5 years: relief in quarters 3..22
    assert tax_relief.quarters_left(gov, tr, 3) == 19
    assert tax_relief.quarters_left(gov, tr, 21) == 1
    assert tax_relief.quarters_left(gov, tr, 22) == 0
    assert tax_relief.quarters_left(gov, tr, 23) == 0
    gov.registered = False  # lapsed: no relief now, none promised
    assert tax_relief.quarters_left(gov, tr, 10) == 0


def test_committed_relief_is_this_quarters_relief_in_every_remaining_quarter_discounted():
    st = state([yard(**ON_ROSTER)], quarter=20)
    gov = government(st.spec, "tax_relief_only", registered=True, since=3)
    relief = {"federal": 0.0, "regional": 2.0}
    out = tax_relief.committed_relief(gov, 20, relief, 0.08)
    v = 1.08**-0.25
    # quarters 21 and 22 remain
    assert out["regional"] == pytest.approx(2.0 * (v + v**2), rel=1e-12)
    assert out["federal"] == 0.0
    assert tax_relief.committed_relief(gov, 22, relief, 0.08) == {"federal": 0.0,
                                                                  "regional": 0.0}  # fmt: skip
    # no discounting: plain count of the remaining quarters (17 after quarter 5)
    assert tax_relief.committed_relief(gov, 5, relief, 0.0)["regional"] == pytest.approx(34.0)
    # a regime without relief, and the de-facto arm, promise nothing
    for arm in ("loans_only", "de_facto"):
        g = government(st.spec, arm, registered=arm != "de_facto", since=3)
        assert tax_relief.committed_relief(g, 20, relief, 0.08) == {"federal": 0.0,
                                                                    "regional": 0.0}  # fmt: skip


def test_loss_making_firm_saves_only_property_tax():
    st = state([yard(**ON_ROSTER)], quarter=2)
    gov = government(st.spec, "tax_relief_only", registered=True, since=1)
    _, _, relief = _apply(st, gov, base=0.0)
    assert relief["regional"] == pytest.approx(0.009 * 250.0 / 4.0, rel=1e-12)  # 0.5625


def test_expected_benefit_by_hand():
    st = state([
        yard(capacity=50.0, profit=20.0),
        yard(capacity=40.0, profit=-5.0),  # loss-making: property tax only
        yard(capacity=50.0, profit=20.0, sez=True),  # SEZ resident: own regime
        yard(capacity=50.0, profit=20.0, alive=False),  # closed
    ])  # fmt: skip
    tr = st.spec.regimes["tax_relief_only"].tax_relief
    gov = government(st.spec, "tax_relief_only")  # not yet registered: the relief as promised
    value = tax_relief.expected_benefit(st, gov, tr)
    # 0.045 * 20 + 0.009 / 4 * 50 * 5 = 0.9 + 0.5625; loss: 0.009 / 4 * 40 * 5 = 0.45
    assert value == pytest.approx([1.4625, 0.45, 0.0, 0.0], abs=1e-12)
    # registered in quarter 1: the relief runs to quarter 20, and is over in quarter 21
    gov = government(st.spec, "tax_relief_only", registered=True, since=1)
    st.quarter = 20
    assert tax_relief.expected_benefit(st, gov, tr) == pytest.approx([1.4625, 0.45, 0.0, 0.0])
    st.quarter = 21
    assert tax_relief.expected_benefit(st, gov, tr).tolist() == [0.0] * 4


def test_expected_benefit_is_its_numpy_code_bit_for_bit():
    from sim.model import ClusterModel
    from sim.scenario.files import default_scenario

    m = ClusterModel(default_scenario(), arm="tax_relief_only", rng=4)
    for _ in range(12):
        m.step()
    st, gov = m.state, m.government
    s, f, n, tr = st.spec, st.firms, st.firms.n, gov.regime.tax_relief
    f.profit[:n:3] *= -1.0  # losses count as no profit
    eligible = f.alive[:n] & ~f.sez[:n]
    cut_reg = np.where(eligible, np.minimum(tr.regional_profit_tax_cut.value,
                                            np.full(n, s.taxes.profit_tax_regional.value)), 0.0)
    cut_prop = np.where(eligible, np.minimum(tr.property_tax_cut.value,
                                             np.full(n, s.taxes.property_tax.value)), 0.0)
    capital = f.capacity[:n] * s.finance.capital_mln_rub_per_capacity
    ref = cut_reg * np.maximum(f.profit[:n], 0.0) + cut_prop * capital / 4.0
    got = tax_relief.expected_benefit(st, gov, tr)
    assert np.array_equal(got, ref) and (got > 0).any()
