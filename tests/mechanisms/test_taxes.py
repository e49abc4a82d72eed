"""Stage 8, sim.model.mechanisms.taxes: taxes by budget level, SEZ regime, cash (docs 7.14-7.15)."""

from __future__ import annotations

import numpy as np
import pytest
from tiny import government, scenario, state, supplier, yard

from sim.model.ledger import TAX_LEVELS
from sim.model.mechanisms import taxes

# Astrakhan: wage 0.5 mln RUB a year (no growth), contributions 30 % (large) / 7.6 % (SME) to
# the Social Fund, capital 5 per unit of quarterly capacity, depreciation 5 % a year, profit tax
# 8 % federal + 17 % regional, property tax 1.8 % a year, NDFL 13 % (regional; progressive part
# 0, federal), VAT 22 % of which the federal budget counts the net share 0; SEZ Lotos 2 % profit
# tax, 0 property tax and 0 VAT for 10 years, then 10 % profit tax. Market loan rate at the
# start: 16 % + 4 % = 20 %.


def _yard(**attrs):
    """100 workers, revenue 40 * 1.5 = 60, purchases 15.2, capacity 50 (capital 250)."""
    return yard(**{"employment": 100.0, "output": 40.0, "price": 1.5, "purchases": 15.2,
                   "capacity": 50.0, "cash": 10.0, **attrs})  # fmt: skip


# wages 0.5 * 100 / 4 = 12.5; labour cost 12.5 * 1.3 = 16.25; depreciation 250 * 0.05 / 4
WAGES = 12.5
DEPRECIATION = 3.125
PROFIT = 60.0 - 16.25 - 15.2 - DEPRECIATION  # 25.425
PROPERTY = 0.018 * 250.0 / 4.0  # 1.125
VAT = 0.22 * (60.0 - 15.2)  # 9.856 on value added 44.8


def test_large_firm_tax_split_by_budget_level():
    st = state([_yard()])
    bill = taxes.compute_taxes(st, government(st.spec))
    f = st.firms
    assert f.profit[0] == pytest.approx(25.425, rel=1e-12)
    profit_fed = 0.08 * PROFIT  # 2.034
    profit_reg = 0.17 * PROFIT  # 4.32225
    ndfl = 0.13 * WAGES  # 1.625, regional
    contributions = 0.30 * WAGES  # 3.75, to the Social Fund
    # federal: the federal profit tax only (no contributions; VAT net share 0; no progressive
    # income tax at this wage)
    assert bill.federal == pytest.approx(profit_fed, rel=1e-12)
    assert bill.federal == pytest.approx(2.034, rel=1e-12)
    assert bill.regional == pytest.approx(profit_reg + PROPERTY + ndfl, rel=1e-12)  # 7.07225
    assert bill.regional == pytest.approx(7.07225, rel=1e-12)
    assert bill.social_fund == pytest.approx(contributions, rel=1e-12)
    assert bill.social_fund == pytest.approx(3.75, rel=1e-12)
    # VAT remitted: 22 % of 60 - 15.2 (informational; the federal budget counts 0 % of it)
    assert bill.vat_collected == pytest.approx(VAT, rel=1e-12)
    assert bill.vat_collected == pytest.approx(9.856, rel=1e-12)
    assert bill.sez_expenditure == 0.0
    assert bill.relief_expenditure == {"federal": 0.0, "regional": 0.0}
    assert bill.per_firm[0] == pytest.approx(profit_fed + profit_reg + PROPERTY + ndfl
                                             + contributions, rel=1e-12)  # fmt: skip
    assert set(bill.by_level) == set(TAX_LEVELS)
    for level in TAX_LEVELS:
        assert bill.by_level[level].sum() == pytest.approx(getattr(bill, level), rel=1e-12)
    # cash: 10 + profit + depreciation - firm taxes (profit taxes and property tax)
    firm_taxes = profit_fed + profit_reg + PROPERTY  # 7.48125
    assert f.cash[0] == pytest.approx(10.0 + PROFIT + DEPRECIATION - firm_taxes, rel=1e-12)
    assert f.cash[0] == pytest.approx(31.06875, rel=1e-12)
    assert f.loss_quarters[0] == 0.0


def test_sme_pays_reduced_contributions_and_interest_lowers_profit():
    sme = supplier(0, employment=10.0, output=4.0, price=1.04, purchases=1.52, capacity=5.0,
                   debt_market=10.0, debt_pref=8.0, pref_rate=0.03, cash=1.0)  # fmt: skip
    st = state([sme])
    bill = taxes.compute_taxes(st, government(st.spec))
    wages = 0.5 * 10.0 / 4.0  # 1.25
    dep = 25.0 * 0.05 / 4.0  # 0.3125
    interest = (10.0 * 0.20 + 8.0 * 0.03) / 4.0  # 0.56
    profit = 4.16 - wages * 1.076 - 1.52 - dep - interest  # 0.4225
    assert st.firms.profit[0] == pytest.approx(profit, rel=1e-12)
    assert profit == pytest.approx(0.4225, rel=1e-12)
    prop = 0.018 * 25.0 / 4.0
    assert bill.federal == pytest.approx(0.08 * profit, rel=1e-12)
    assert bill.regional == pytest.approx(0.17 * profit + prop + 0.13 * wages, rel=1e-12)
    assert bill.social_fund == pytest.approx(0.076 * wages, rel=1e-12)  # 0.095
    # VAT on the SME's value added 4.16 - 1.52
    assert bill.vat_collected == pytest.approx(0.22 * 2.64, rel=1e-12)
    assert st.firms.cash[0] == pytest.approx(1.0 + profit + dep - 0.25 * profit - prop, rel=1e-12)


def test_loss_pays_no_profit_tax_and_counts_a_loss_quarter():
    st = state([_yard(output=0.0, purchases=0.0, cash=10.0, loss_quarters=2.0)])
    bill = taxes.compute_taxes(st, government(st.spec))
    f = st.firms
    # profit = -16.25 - 3.125 = -19.375; only the property tax (and payroll taxes) are due
    assert f.profit[0] == pytest.approx(-19.375, rel=1e-12)
    assert bill.federal == 0.0
    assert bill.social_fund == pytest.approx(0.30 * WAGES, rel=1e-12)
    assert bill.regional == pytest.approx(PROPERTY + 0.13 * WAGES, rel=1e-12)
    assert bill.vat_collected == 0.0  # no sales, no purchases
    # cash = 10 - 19.375 + 3.125 - 1.125 = -7.375 < 0: loss_quarters 2 -> 3
    assert f.cash[0] == pytest.approx(-7.375, rel=1e-12)
    assert f.loss_quarters[0] == 3.0


def test_positive_cash_resets_the_loss_counter():
    st = state([_yard(loss_quarters=3.0)])
    taxes.compute_taxes(st, government(st.spec))
    assert st.firms.loss_quarters[0] == 0.0


def test_sez_resident_pays_sez_rates_and_the_difference_is_sez_expenditure():
    st = state([_yard(sez=True)])
    bill = taxes.compute_taxes(st, government(st.spec))
    # first 10 years: profit tax 2 % (regional), no federal profit tax, no property tax, no VAT
    assert bill.federal == 0.0
    assert bill.social_fund == pytest.approx(0.30 * WAGES, rel=1e-12)
    assert bill.regional == pytest.approx(0.02 * PROFIT + 0.13 * WAGES, rel=1e-12)
    assert bill.vat_collected == 0.0
    # standard (0.25 * 25.425 + 1.125 = 7.48125) - actual (0.5085) = 6.97275
    assert bill.sez_expenditure == pytest.approx(0.23 * PROFIT + PROPERTY, rel=1e-12)
    assert bill.sez_expenditure == pytest.approx(6.97275, rel=1e-12)
    assert st.firms.cash[0] == pytest.approx(10.0 + PROFIT + DEPRECIATION - 0.02 * PROFIT,
                                             rel=1e-12)  # fmt: skip


def test_sez_resident_after_ten_years_pays_the_later_rate_and_property_tax():
    st = state([_yard(sez=True)], quarter=41)  # 41 / 4 = 10.25 years > 10
    bill = taxes.compute_taxes(st, government(st.spec))
    assert bill.regional == pytest.approx(0.10 * PROFIT + PROPERTY + 0.13 * WAGES, rel=1e-12)
    assert bill.federal == 0.0
    assert bill.social_fund == pytest.approx(0.30 * WAGES, rel=1e-12)
    # standard 25 % - 10 % on profit; property at the standard rate
    assert bill.sez_expenditure == pytest.approx(0.15 * PROFIT, rel=1e-12)


def test_wage_growth_raises_wages_by_quarter():
    sc = scenario({"labour.wage_growth_per_year": 0.04})
    st = state([_yard()], sc, quarter=4)
    bill = taxes.compute_taxes(st, government(sc))
    wages = 0.5 * 1.04 * 100.0 / 4.0  # 13.0 after one year
    profit = 60.0 - 13.0 * 1.3 - 15.2 - DEPRECIATION  # 24.775
    assert st.firms.profit[0] == pytest.approx(profit, rel=1e-12)
    assert bill.federal == pytest.approx(0.08 * profit, rel=1e-12)
    assert bill.social_fund == pytest.approx(0.30 * wages, rel=1e-12)


def test_closed_firm_has_no_profit_and_pays_no_property_tax():
    # a firm closed earlier has had its employment zeroed (ClusterModel._close_exited)
    st = state([_yard(), _yard(alive=False, employment=0.0, cash=5.0)])
    bill = taxes.compute_taxes(st, government(st.spec))
    f = st.firms
    assert f.profit[1] == 0.0
    assert f.cash[1] == 5.0
    assert bill.per_firm[1] == 0.0
    assert bill.vat[1] == 0.0
    assert bill.federal == pytest.approx(2.034, rel=1e-12)
    assert bill.vat_collected == pytest.approx(VAT, rel=1e-12)


def test_ledger_books_the_bill():
    st = state([_yard(), _yard(sez=True)])
    bill = taxes.compute_taxes(st, government(st.spec))
    st.ledger.add_taxes(bill)
    assert st.ledger.tax["federal"] == pytest.approx(2.034, rel=1e-12)
    assert st.ledger.tax["regional"] == pytest.approx(7.07225 + 0.02 * PROFIT + 1.625, rel=1e-12)
    assert st.ledger.tax["social_fund"] == pytest.approx(3.75 + 3.75, rel=1e-12)
    assert st.ledger.vat_collected == pytest.approx(VAT, rel=1e-12)  # the SEZ resident: 0
    assert st.ledger.sez_tax_expenditure == pytest.approx(6.97275, rel=1e-12)
    # the ledger identity per level: the firms' taxes by level sum to the ledger
    for level in TAX_LEVELS:
        assert bill.by_level[level].sum() == pytest.approx(st.ledger.tax[level], rel=1e-12)
    assert bill.per_firm.sum() == pytest.approx(sum(st.ledger.tax.values()), rel=1e-12)


def test_net_share_of_vat_counts_in_federal_revenue_and_leaves_cash_alone():
    sc = scenario({"taxes.vat.net_share": 0.25})
    st = state([_yard()], sc)
    bill = taxes.compute_taxes(st, government(sc))
    # federal = 0.08 x 25.425 + 0.25 x 9.856 = 2.034 + 2.464
    assert bill.federal == pytest.approx(0.08 * PROFIT + 0.25 * VAT, rel=1e-12)
    assert bill.federal == pytest.approx(4.498, rel=1e-12)
    assert bill.vat_collected == pytest.approx(9.856, rel=1e-12)  # gross, whatever the share
    # VAT passes through: cash as without it (31.06875)
    assert st.firms.cash[0] == pytest.approx(31.06875, rel=1e-12)


def test_sez_residents_pay_no_vat_and_the_net_vat_forgone_is_sez_expenditure():
    sc = scenario({"taxes.vat.net_share": 0.25})
    st = state([_yard(sez=True), _yard()], sc)
    bill = taxes.compute_taxes(st, government(sc))
    assert bill.vat.tolist() == [0.0, pytest.approx(VAT, rel=1e-12)]
    assert bill.vat_collected == pytest.approx(VAT, rel=1e-12)
    assert bill.by_level["federal"][0] == 0.0  # no federal profit tax, no VAT
    # standard profit and property tax forgone (6.97275) + the net VAT forgone 0.25 x 9.856
    assert bill.sez_expenditure == pytest.approx(6.97275 + 0.25 * VAT, rel=1e-12)


def test_progressive_income_tax_goes_federal_and_the_base_rate_regional():
    sc = scenario({"taxes.personal_income_tax_progressive": 0.004})
    st = state([_yard()], sc)
    bill = taxes.compute_taxes(st, government(sc))
    assert bill.federal == pytest.approx(0.08 * PROFIT + 0.004 * WAGES, rel=1e-12)  # + 0.05
    assert bill.regional == pytest.approx(7.07225, rel=1e-12)  # 13 % of wages stays regional
    assert bill.social_fund == pytest.approx(3.75, rel=1e-12)


def test_negative_value_added_is_a_vat_refund():
    st = state([_yard(output=10.0, price=1.0, purchases=15.2)])
    bill = taxes.compute_taxes(st, government(st.spec))
    assert bill.vat_collected == pytest.approx(0.22 * (10.0 - 15.2), rel=1e-12)
    assert np.all(bill.vat < 0)
