"""In stage 7, sim.model.mechanisms.loans: preferential rates, financing and amortisation.

Astrakhan values used below: key rate 16 %, market spread 4 pp (market rate 20 %), IDF loans
(``loans_only``) at 0 x key + 3 %, max loan 1000, budget 1500 a year, term 5 years, federal
share 1; cash buffer 0.5 quarters of revenue; market loans over 5 years.
"""

from __future__ import annotations

import numpy as np
import pytest
from tiny import government, scenario, state, supplier, yard

from sim.model.mechanisms import loans

MEMBER = {"participant": True, "last_contract_quarter": 1}  # on the roster in quarter 1


def test_preferential_rate_of_idf_and_kip():
    # IDF: 0 x 16 % + 3 % = 3 %
    assert loans.preferential_rate(0.16, 0.0, 0.03) == pytest.approx(0.03, abs=1e-12)
    # KIP: 0.3 x 16 % + 3 pp = 4.8 % + 3 % = 7.8 %
    assert loans.preferential_rate(0.16, 0.3, 0.03) == pytest.approx(0.078, abs=1e-12)
    # KIP when the key rate has fallen to 8 %: 0.3 x 8 % + 3 % = 5.4 %
    assert loans.preferential_rate(0.08, 0.3, 0.03) == pytest.approx(0.054, abs=1e-12)


def test_financing_rate_registered_with_budget_left_is_the_preferential_rate():
    sc = scenario()
    st = state([yard(**MEMBER), yard()], sc)
    gov = government(sc, "loans_only", registered=True)
    eligible = gov.eligible_for_preferences(st)
    assert eligible.tolist() == [True, False]
    # roster member: min(3 %, 20 %) = 3 %; the non-member borrows at the market rate 16 % + 4 %
    assert loans.financing_rate(st, gov, 0, eligible) == pytest.approx(0.03, abs=1e-12)
    assert loans.financing_rate(st, gov, 1, eligible) == pytest.approx(0.20, abs=1e-12)
    rates = loans.financing_rates(st, gov, np.array([0, 1]), eligible)
    np.testing.assert_allclose(rates, [0.03, 0.20], rtol=0, atol=1e-12)


def test_financing_rate_is_the_market_rate_once_the_years_loan_budget_is_used_up():
    sc = scenario()
    st = state([yard(**MEMBER)], sc)
    gov = government(sc, "loans_only", registered=True)
    eligible = gov.eligible_for_preferences(st)
    gov.book("loans", 1499.0, 1)  # 1 mln left of 1500: still preferential
    assert loans.financing_rate(st, gov, 0, eligible) == pytest.approx(0.03, abs=1e-12)
    gov.book("loans", 1.0, 1)  # 1500 of 1500 lent: market rate 20 %
    assert loans.financing_rate(st, gov, 0, eligible) == pytest.approx(0.20, abs=1e-12)
    np.testing.assert_allclose(
        loans.financing_rates(st, gov, np.array([0]), eligible), [0.20], rtol=0, atol=1e-12
    )
    # next calendar year (quarter 5 is year 1) the budget is fresh again
    st.quarter = 5
    assert loans.financing_rate(st, gov, 0, eligible) == pytest.approx(0.03, abs=1e-12)


def test_financing_rate_is_the_market_rate_when_not_registered_or_no_loan_instrument():
    sc = scenario()
    st = state([yard(**MEMBER)], sc)
    everyone = np.ones(1, dtype=bool)  # even if the firm were deemed eligible
    not_registered = government(sc, "loans_only", registered=False)
    assert loans.financing_rate(st, not_registered, 0, everyone) == pytest.approx(0.20, abs=1e-12)
    no_loans = government(sc, "decree41_full", registered=True)
    assert loans.financing_rate(st, no_loans, 0, everyone) == pytest.approx(0.20, abs=1e-12)
    de_facto = government(sc)
    assert loans.financing_rate(st, de_facto, 0, everyone) == pytest.approx(0.20, abs=1e-12)


def test_financing_rate_never_exceeds_the_market_rate():
    # a KIP-like programme priced at 1 x key + 5 % = 21 % > market 20 %: the firm pays 20 %
    sc = scenario(
        {
            "regimes.loans_only.preferential_loans.key_rate_multiplier": 1.0,
            "regimes.loans_only.preferential_loans.spread": 0.05,
        }
    )
    st = state([yard(**MEMBER)], sc)
    gov = government(sc, "loans_only", registered=True)
    eligible = gov.eligible_for_preferences(st)
    assert loans.financing_rate(st, gov, 0, eligible) == pytest.approx(0.20, abs=1e-12)


def test_finance_investment_uses_cash_above_buffer_then_capped_preferential_then_market():
    sc = scenario()
    st = state([yard(output=40.0, price=1.0, cash=50.0, **MEMBER)], sc)
    gov = government(sc, "loans_only", registered=True)
    eligible = gov.eligible_for_preferences(st)
    loans.finance_investment(st, gov, 0, 1200.0, eligible)
    f = st.firms
    # buffer = 0.5 x 40 x 1.0 = 20 -> own funds 50 - 20 = 30; rest 1200 - 30 = 1170
    assert f.cash[0] == pytest.approx(20.0, abs=1e-9)
    # preferential loan = min(1170, max loan 1000, room 1500) = 1000 at 3 %
    assert f.debt_pref[0] == pytest.approx(1000.0, abs=1e-9)
    assert f.pref_rate[0] == pytest.approx(0.03, abs=1e-12)
    # the rest 1170 - 1000 = 170 at the market rate
    assert f.debt_market[0] == pytest.approx(170.0, abs=1e-9)
    assert gov.spent == {("loans", 0): pytest.approx(1000.0, abs=1e-9)}


def test_finance_investment_preferential_loan_capped_by_the_years_room():
    sc = scenario()
    st = state([yard(output=40.0, price=1.0, cash=0.0, debt_pref=200.0, pref_rate=0.05,
                     **MEMBER)], sc)  # fmt: skip
    gov = government(sc, "loans_only", registered=True)
    gov.book("loans", 1400.0, 1)  # room 1500 - 1400 = 100
    loans.finance_investment(st, gov, 0, 300.0, gov.eligible_for_preferences(st))
    f = st.firms
    # cash 0 < buffer 20: nothing from cash; loan = min(300, 1000, 100) = 100; market 300 - 100
    assert f.cash[0] == pytest.approx(0.0, abs=1e-12)
    assert f.debt_pref[0] == pytest.approx(300.0, abs=1e-9)
    assert f.debt_market[0] == pytest.approx(200.0, abs=1e-9)
    # rate on preferential debt, weighted: (200 x 5 % + 100 x 3 %) / 300 = 13 / 300
    assert f.pref_rate[0] == pytest.approx(13.0 / 300.0, rel=1e-12)
    assert gov.spent[("loans", 0)] == pytest.approx(1500.0, abs=1e-9)


def test_finance_investment_paid_from_cash_alone_borrows_nothing():
    sc = scenario()
    st = state([yard(output=40.0, price=1.5, cash=100.0, **MEMBER)], sc)
    gov = government(sc, "loans_only", registered=True)
    loans.finance_investment(st, gov, 0, 30.0, gov.eligible_for_preferences(st))
    f = st.firms
    # buffer 0.5 x 40 x 1.5 = 30, free cash 70 >= 30: cash 100 - 30 = 70, no debt, no booking
    assert f.cash[0] == pytest.approx(70.0, abs=1e-9)
    assert f.debt_pref[0] == 0.0
    assert f.debt_market[0] == 0.0
    assert gov.spent == {}


def test_finance_investment_of_a_non_member_is_all_market_debt():
    sc = scenario()
    st = state([yard(output=40.0, price=1.0, cash=26.0)], sc)  # not a participant
    gov = government(sc, "loans_only", registered=True)
    loans.finance_investment(st, gov, 0, 50.0, gov.eligible_for_preferences(st))
    f = st.firms
    # own funds 26 - 20 = 6, market debt 50 - 6 = 44
    assert f.cash[0] == pytest.approx(20.0, abs=1e-9)
    assert f.debt_market[0] == pytest.approx(44.0, abs=1e-9)
    assert f.debt_pref[0] == 0.0
    assert gov.spent == {}


def test_amortise_books_the_interest_subsidy_and_repays_a_twentieth():
    sc = scenario({"regimes.loans_only.preferential_loans.federal_share": 0.6})
    st = state([yard(cash=50.0, debt_pref=400.0, pref_rate=0.03, debt_market=100.0),
                yard(cash=0.0, debt_pref=100.0, pref_rate=0.078)], sc)  # fmt: skip
    gov = government(sc, "loans_only", registered=True)
    loans.amortise(st, gov)
    # subsidy = ((20 % - 3 %) x 400 + (20 % - 7.8 %) x 100) / 4 = (68 + 12.2) / 4 = 20.05
    assert st.ledger.instrument_cost("loans") == pytest.approx(20.05, rel=1e-12)
    # federal 0.6 x 20.05 = 12.03, regional 8.02
    assert st.ledger.cost[("loans", "federal")] == pytest.approx(12.03, rel=1e-12)
    assert st.ledger.cost[("loans", "regional")] == pytest.approx(8.02, rel=1e-12)
    f = st.firms
    # principal 1 / (4 x 5) a quarter: pref 400 -> 380, market 100 -> 95, cash 50 - 20 - 5
    assert f.debt_pref[:2].tolist() == pytest.approx([380.0, 95.0], abs=1e-9)
    assert f.debt_market[:2].tolist() == pytest.approx([95.0, 0.0], abs=1e-9)
    assert f.cash[:2].tolist() == pytest.approx([25.0, -5.0], abs=1e-9)


def test_amortise_repays_preferential_debt_over_the_programme_term():
    sc = scenario({"regimes.loans_only.preferential_loans.term_years": 2})
    st = state([yard(debt_pref=400.0, pref_rate=0.03, debt_market=100.0)], sc)
    gov = government(sc, "loans_only", registered=True)
    loans.amortise(st, gov)
    # preferential over 2 years: 400 / 8 = 50; market over the 5-year loan term: 100 / 20 = 5
    assert st.firms.debt_pref[0] == pytest.approx(350.0, abs=1e-9)
    assert st.firms.debt_market[0] == pytest.approx(95.0, abs=1e-9)
    assert st.firms.cash[0] == pytest.approx(-55.0, abs=1e-9)
    # subsidy (20 % - 3 %) / 4 x 400 = 17, all federal
    assert st.ledger.cost[("loans", "federal")] == pytest.approx(17.0, rel=1e-12)
    assert st.ledger.cost[("loans", "regional")] == 0.0


def test_amortise_books_the_subsidy_also_after_registration_lapsed():
    sc = scenario()
    st = state([yard(debt_pref=80.0, pref_rate=0.03)], sc)
    gov = government(sc, "loans_only", registered=False)
    loans.amortise(st, gov)
    # (20 % - 3 %) / 4 x 80 = 3.4 on the outstanding debt; 80 / 20 = 4 repaid
    assert st.ledger.cost[("loans", "federal")] == pytest.approx(3.4, rel=1e-12)
    assert st.firms.debt_pref[0] == pytest.approx(76.0, abs=1e-9)


def test_amortise_in_the_de_facto_arm_books_no_subsidy():
    sc = scenario()
    st = state([yard(debt_market=200.0, cash=10.0)], sc)
    loans.amortise(st, government(sc))
    assert st.ledger.instrument_cost("loans") == 0.0
    # 200 / 20 = 10 repaid from cash
    assert st.firms.debt_market[0] == pytest.approx(190.0, abs=1e-9)
    assert st.firms.cash[0] == pytest.approx(0.0, abs=1e-9)


def test_expected_benefit_of_idf_and_kip_loans_for_large_firms_only():
    sc = scenario()
    st = state([yard(output=40.0, price=1.0), yard(output=2400.0, price=1.0),
                supplier(0, output=40.0, price=1.0)], sc)  # fmt: skip
    pl = sc.regimes["loans_only"].preferential_loans
    value = np.array([1.0, 0.0, 0.5])
    loans.add_expected_benefit(value, st, pl)
    # IDF gap 20 % - 3 % = 17 %; loan min(1000, 40 / 2) = 20 -> 0.17 / 4 x 20 = 0.85 (added to 1)
    # second yard: min(1000, 2400 / 2) = 1000 -> 0.17 / 4 x 1000 = 42.5; the SME gets nothing
    np.testing.assert_allclose(value, [1.85, 42.5, 0.5], rtol=1e-12)

    kip = scenario({"regimes.loans_only.preferential_loans.key_rate_multiplier": 0.3})
    kip_pl = kip.regimes["loans_only"].preferential_loans
    value = np.zeros(3)
    loans.add_expected_benefit(value, st, kip_pl)
    # KIP gap 20 % - (0.3 x 16 % + 3 %) = 12.2 %: 0.122 / 4 x 20 = 0.61; 0.122 / 4 x 1000 = 30.5
    np.testing.assert_allclose(value, [0.61, 30.5, 0.0], rtol=1e-12)
