"""In stage 7, sim.model.mechanisms.financing: financing plans, hurdles, loan programmes.

Astrakhan values used below (quarter 1): key rate 16 %, market spread 4 pp (market rate 20 %);
world programmes IDF (3 %, loans 100-1000, projects >= 125, <= 80 % of the project, 5 years,
budget 1500) and KIP (0.3 x key + 3 pp = 7.8 %, loans >= 1000, projects >= 1250); the regime
``loans_only`` adds a regional programme for cluster participants (5 %, loans 20-200, projects
>= 25, <= 80 %, budget 300, regional money). Cash buffer 0.5 quarters of revenue; borrowing
limit 3.5 x annual EBITDA.
"""

from __future__ import annotations

import numpy as np
import pytest
from tiny import government, scenario, state, supplier, yard

from sim.model.mechanisms import financing, prices
from sim.model.state import Loan, LoanBook

MEMBER = {"participant": True, "last_contract_quarter": 1}  # on the roster in quarter 1
# A yard with 80 of own funds (cash 100 - buffer 0.5 x 40) and room 3.5 x 4 x 30 = 420.
RICH = {"cash": 100.0, "output": 40.0, "price": 1.0, "ebitda": 30.0}


def _plan(st, gov, i, outlay, receivable=0.0):
    return financing.plan(st, gov, i, outlay, gov.eligible_for_preferences(st), receivable)


def test_programme_rates_of_idf_kip_and_the_regional_fund():
    sc = scenario()
    idf, kip = sc.loan_programmes
    assert financing.programme_rate(idf, 0.16) == pytest.approx(0.03, abs=1e-12)
    # KIP: 0.3 x 16 % + 3 pp = 7.8 %; at an 8 % key rate 5.4 %
    assert financing.programme_rate(kip, 0.16) == pytest.approx(0.078, abs=1e-12)
    assert financing.programme_rate(kip, 0.08) == pytest.approx(0.054, abs=1e-12)
    regional = sc.regimes["loans_only"].preferential_loans
    assert financing.programme_rate(regional, 0.16) == pytest.approx(0.05, abs=1e-12)


def test_hurdle_is_the_blended_cost_of_an_idf_plan_in_the_de_facto_arm():
    sc = scenario()
    st = state([yard(**RICH)], sc)
    gov = government(sc)  # de facto: IDF is open to every firm, registered or not
    p = _plan(st, gov, 0, 200.0)
    # IDF: min(0.8 x 200, 1000, 1500, room 420, 200) = 160 at 3 %; own funds min(80, 40) = 40
    (prog, world, amount, rate), = p.loans
    assert prog.programme.startswith("IDF") and world
    assert (amount, rate) == (pytest.approx(160.0), pytest.approx(0.03))
    assert p.own == pytest.approx(40.0) and p.market == pytest.approx(0.0)
    # hurdle (160 x 3 % + 40 x 20 %) / 200 = 6.4 %
    assert p.rate == pytest.approx((160 * 0.03 + 40 * 0.20) / 200, abs=1e-12)
    assert p.financed == pytest.approx(200.0)


def test_regional_cluster_loans_only_for_roster_members_of_a_registered_cluster():
    sc = scenario()
    st = state([yard(**RICH, **MEMBER), yard(**RICH)], sc)
    gov = government(sc, "loans_only", registered=True)
    member = _plan(st, gov, 0, 50.0)
    # 50 < 125: no IDF; regional 5 %: min(0.8 x 50, 200, 300, 420, 50) = 40; own 10
    assert [(a, r) for _, _, a, r in member.loans] == [(pytest.approx(40.0), pytest.approx(0.05))]
    assert member.rate == pytest.approx((40 * 0.05 + 10 * 0.20) / 50, abs=1e-12)
    outsider = _plan(st, gov, 1, 50.0)
    assert outsider.loans == [] and outsider.own == pytest.approx(50.0)
    assert outsider.rate == pytest.approx(0.20, abs=1e-12)  # own funds at the market rate
    unregistered = _plan(st, government(sc, "loans_only"), 0, 50.0)
    assert unregistered.loans == []


def test_own_funds_do_not_change_the_hurdle_of_a_firm_that_is_not_constrained():
    sc = scenario()
    poor = state([yard(**{**RICH, "cash": 20.0})], sc)  # no own funds above the buffer
    rich = state([yard(**RICH)], sc)
    gov = government(sc)
    # outlay 50: no programme; all own funds (rich) or all market debt (poor): both at 20 %
    assert _plan(rich, gov, 0, 50.0).rate == pytest.approx(_plan(poor, gov, 0, 50.0).rate)
    assert _plan(poor, gov, 0, 50.0).market == pytest.approx(50.0)


def test_minimum_project_and_loan_sizes():
    sc = scenario()
    st = state([yard(**{**RICH, "ebitda": 100.0})], sc)
    gov = government(sc)
    # 125 x 0.8 = 100: exactly the IDF minimum loan
    assert [a for _, _, a, _ in _plan(st, gov, 0, 125.0).loans] == [pytest.approx(100.0)]
    assert _plan(st, gov, 0, 124.0).loans == []  # project below 125
    # borrowing room below the minimum loan: room = 3.5 x 4 x 100 - 1330 debt = 70 < 100
    st.firms.debt_market[0] = 1330.0
    assert _plan(st, gov, 0, 200.0).loans == []


def test_the_borrowing_limit_cuts_the_plan_and_a_grant_due_relaxes_it():
    sc = scenario()
    # cash 20 = the buffer: no own funds; room 3.5 x 4 x 5 - 60 debt = 10
    st = state([yard(cash=20.0, output=40.0, ebitda=5.0, debt_market=60.0)], sc)
    gov = government(sc)
    p = _plan(st, gov, 0, 50.0)
    assert p.own == 0.0 and p.market == pytest.approx(10.0) and p.financed == pytest.approx(10.0)
    # 40 of grant instalments due raise the room to 50: the whole outlay is financed
    assert _plan(st, gov, 0, 50.0, receivable=40.0).financed == pytest.approx(50.0)


def test_a_programme_dearer_than_the_market_is_not_used_and_its_budget_runs_out():
    sc = scenario({"regimes.loans_only.preferential_loans.spread": 0.25})
    st = state([yard(**RICH, **MEMBER)], sc)
    gov = government(sc, "loans_only", registered=True)
    assert _plan(st, gov, 0, 50.0).loans == []  # 25 % > 20 % market
    sc = scenario()
    gov = government(sc)
    gov.book("IDF Development projects", 1450.0, 1)  # 50 left of 1500: below the 100 minimum
    st = state([yard(**RICH)], sc)
    assert _plan(st, gov, 0, 200.0).loans == []


def test_grant_equivalent_equals_the_discounted_interest_saved():
    # closed form: 100 x (20 % - 3 %) / 4 / (5 % + 1 / 20) = 42.5
    ge = financing.grant_equivalent(100.0, 0.03, 0.20, 20)
    assert ge == pytest.approx(42.5, abs=1e-12)
    # the same by summing the payments of the declining-balance loan at the market rate
    t = np.arange(1, 4001)
    balance = 100.0 * (1 - 1 / 20) ** (t - 1)
    pv = (balance * (0.03 / 4 + 1 / 20) / (1 + 0.20 / 4) ** t).sum()
    assert ge == pytest.approx(100.0 - pv, rel=1e-9)


def test_execute_takes_the_loans_books_budget_and_grant_equivalent():
    sc = scenario()
    st = state([yard(**RICH)], sc)
    gov = government(sc)
    financing.execute(st, gov, _plan(st, gov, 0, 200.0))
    f = st.firms
    assert f.cash[0] == pytest.approx(100.0 - 40.0)
    assert f.debt_pref[0] == pytest.approx(160.0) and f.pref_rate[0] == pytest.approx(0.03)
    assert gov.spent[("IDF Development projects", 0)] == pytest.approx(160.0)
    assert st.ledger.grant_equivalent == pytest.approx(160 * 0.17 / 4 / (0.05 + 0.05))
    (loan,) = st.loans
    assert (loan.firm, loan.term_quarters, loan.world) == (0, 20, True)


def test_amortise_books_world_programmes_apart_from_the_regime():
    sc = scenario()
    st = state([yard(**RICH, **MEMBER)], sc)
    gov = government(sc, "loans_only", registered=True)
    financing.execute(st, gov, _plan(st, gov, 0, 200.0))  # IDF 160 (world)
    financing.execute(st, gov, _plan(st, gov, 0, 50.0))  # regional 40 (the regime's)
    cash = st.firms.cash[0]
    financing.amortise(st, gov)
    # interest subsidy: IDF (20 % - 3 %) / 4 x 160 = 6.8, federal; regional 15 % / 4 x 40 = 1.5
    assert st.ledger.programme_cost == {"federal": pytest.approx(6.8), "regional": 0.0}
    assert st.ledger.cost[("loans", "regional")] == pytest.approx(1.5)
    assert st.ledger.cost[("loans", "federal")] == 0.0
    # principal 160 / 20 + 40 / 20 = 10 repaid from cash
    assert st.firms.cash[0] == pytest.approx(cash - 10.0)
    assert st.firms.debt_pref[0] == pytest.approx(190.0)
    assert st.firms.pref_rate[0] == pytest.approx((152 * 0.03 + 38 * 0.05) / 190)


def test_expected_loan_value_is_the_programmes_part_of_the_members_plan():
    sc = scenario()
    st = state([yard(**RICH), supplier(trade=0)], sc)
    gov = government(sc, "loans_only")  # not registered: judged as a member all the same
    prog = sc.regimes["loans_only"].preferential_loans
    value = financing.expected_loan_value(st, gov, prog, np.array([50.0, 50.0]))
    # yard: 50 < 125, no IDF; regional min(40, 200, 300, 420, 50) = 40 at 5 %
    assert value[0] == pytest.approx(40 * 0.15 / 4 / (0.05 + 0.05), abs=1e-12)
    assert value[1] == 0.0  # SMEs are not borrowers of this programme
    # outlay 250: IDF (3 %) lends 0.8 x 250 = 200 first; the co-financing rule leaves nothing
    # for the regional fund
    assert financing.expected_loan_value(st, gov, prog, np.array([250.0, 0.0]))[0] == 0.0
    acc = np.zeros(2)
    outlays = [(np.array([0.5, 0.5]), np.array([50.0, 50.0]), np.zeros(2))]
    financing.add_expected_benefit(acc, st, gov, prog, outlays)
    assert acc[0] == pytest.approx(0.5 * value[0]) and acc[1] == 0.0


def _booked_in_future_quarters(st, gov, discount_rate, quarters=3000):
    """Brute force: step the key rate and amortise the loan book quarter by quarter, summing the
    regime's interest subsidy the model books, discounted to the end of the current quarter."""
    fs = st.spec.finance
    v = (1 + discount_rate) ** -0.25
    total = {"federal": 0.0, "regional": 0.0}
    for k in range(1, quarters + 1):
        st.key_rate = prices.next_key_rate(
            st.key_rate, fs.key_rate_long_run, fs.key_rate_adjustment_per_quarter
        )
        st.market_rate = st.key_rate + fs.market_loan_spread
        st.ledger.start_quarter()
        financing.amortise(st, gov)
        for level in total:
            total[level] += v**k * st.ledger.cost[("loans", level)]
    return total


@pytest.mark.parametrize(
    ("key_rate", "loan_rate", "federal_share"),
    [
        (0.16, 0.05, 0.0),  # the regional fund's 5 % loan: the gap stays positive (7-15 pp)
        (0.16, 0.13, 0.3),  # the gap closes as the key rate falls (market 12 % in the long run)
        (0.02, 0.10, 1.0),  # the key rate rises toward 8 %: no gap at first, then 2 pp
        (0.16, 0.25, 0.5),  # dearer than the market throughout: nothing committed
    ],
)
def test_committed_interest_subsidy_closed_form_equals_the_future_quarters_booked(
    key_rate, loan_rate, federal_share
):
    sc = scenario()
    st = state([yard(**RICH)], sc)
    st.key_rate = key_rate
    st.market_rate = key_rate + 0.04
    gov = government(sc, "loans_only", registered=True)
    st.loans.append(Loan(0, "regional", 40.0, loan_rate, 20, federal_share, False))
    st.loans.append(Loan(0, "IDF", 160.0, 0.03, 20, 1.0, True))  # a world programme: left out
    committed = financing.committed_interest_subsidy(st, 0.08)
    brute = _booked_in_future_quarters(st, gov, 0.08)
    assert committed["federal"] == pytest.approx(brute["federal"], rel=1e-9, abs=1e-12)
    assert committed["regional"] == pytest.approx(brute["regional"], rel=1e-9, abs=1e-12)
    if loan_rate == 0.25:
        assert committed == {"federal": 0.0, "regional": 0.0}
    else:
        assert committed["federal"] + committed["regional"] > 0.0


def test_committed_interest_subsidy_by_hand():
    # 40 at 5 % for 20 quarters, key rate 16 % -> 8 % (10 % of the gap a quarter), spread 4 pp:
    # PV = B v / 4 [c / (1 - x v) + d mu / (1 - x v mu)] with c = 8 + 4 - 5 = 7 pp,
    # d = 16 - 8 = 8 pp, mu = 0.9, x = 0.95, v = 1.08 ** -0.25
    sc = scenario()
    st = state([yard(**RICH)], sc)
    st.loans.append(Loan(0, "regional", 40.0, 0.05, 20, 0.0, False))
    v = 1.08**-0.25
    pv = 40.0 * v / 4 * (0.07 / (1 - 0.95 * v) + 0.08 * 0.9 / (1 - 0.95 * v * 0.9))
    committed = financing.committed_interest_subsidy(st, 0.08)
    assert committed == {"federal": 0.0, "regional": pytest.approx(pv, rel=1e-12)}
    assert pv == pytest.approx(14.4615, abs=1e-4)


def test_no_committed_subsidy_without_regime_loans():
    sc = scenario()
    st = state([yard(**RICH)], sc)
    gov = government(sc)  # de facto: IDF lends, but it is a world programme
    financing.execute(st, gov, _plan(st, gov, 0, 200.0))
    assert st.loans and all(loan.world for loan in st.loans)
    assert financing.committed_interest_subsidy(st, 0.08) == {"federal": 0.0, "regional": 0.0}


def test_geometric_sum():
    assert financing.geometric_sum(0.5, 0, 2) == pytest.approx(1.75)
    assert financing.geometric_sum(0.5, 1, np.inf) == pytest.approx(1.0)
    assert financing.geometric_sum(1.0, 0, 4) == pytest.approx(5.0)
    assert financing.geometric_sum(0.0, 0, np.inf) == pytest.approx(1.0)
    assert financing.geometric_sum(0.9, 3, 2) == 0.0
    np.testing.assert_allclose(
        financing.geometric_sum(np.array([0.5, 0.9]), np.array([0.0, 1.0]), np.array([1.0, 3.0])),
        [1.5, 0.9 + 0.81 + 0.729],
    )


def test_the_loan_book_keeps_book_order_through_growth_and_repayment():
    loans = [
        Loan(k % 3, f"p{k}", 10.0 + k, 0.01 * k, 20 + k, 0.1 * k, k % 2 == 0) for k in range(11)
    ]
    book = LoanBook(loans[:5])
    for loan in loans[5:]:  # past the first columns' room
        book.append(loan)
    assert list(book) == loans and len(book) == 11 and book[-1] == loans[-1]
    assert book.balance.tolist() == [loan.balance for loan in loans]
    assert book.world.tolist() == [loan.world for loan in loans]
    book.balance[:] *= 0.5  # repaid in place, as amortise does
    kept = np.array([loan.firm != 1 for loan in loans])
    book.keep(kept)
    assert [vars(loan) for loan in book] == [
        {**vars(loan), "balance": loan.balance * 0.5} for loan in loans if loan.firm != 1
    ]
    with pytest.raises(IndexError):
        book[len(book)]
