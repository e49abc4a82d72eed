"""Stage 7, sim.model.mechanisms.investment: final producers invest in capacity.

Astrakhan values used below: target cover 8 quarters, kappa 5 mln RUB of capital per unit of
quarterly capacity, depreciation 5 % a year (d = 0.05 x 5 / 4 = 0.0625 per rouble of output),
investment share of the gap 0.25, productivity gain 0.02, market rate 16 % + 4 pp = 20 % (own
funds count at the market rate too), cash buffer 0.5 quarters of revenue, borrowing limit
3.5 x 4 x EBITDA (hand-built firms earn an EBITDA of 6: a limit of 84). Outlays of 25 are below
IDF's 125 minimum project; ``loans_only`` adds the regional fund's loans for roster members of a
registered cluster (5 %, loans 20-200, projects >= 25, <= 80 % of the project).
"""

from __future__ import annotations

import numpy as np
import pytest
from tiny import government, scenario, state, supplier, yard

from sim.model.agents import LargeEnterprise
from sim.model.mechanisms import investment

MEMBER = {"participant": True, "last_contract_quarter": 1}  # on the roster in quarter 1
REGIONAL = "Regional fund loans for cluster participants"
# The tests of the investment decision and its financing switch capacity retirement off (the
# shipped 2 % a year would wear K = 40 down to 39.8 before the yard decides): they are about
# what a yard invests, not about wear. Retirement is tested on its own at the end of the file.
NO_RETIREMENT = {"production.capacity_retirement_per_year": 0.0}


def test_invests_only_when_the_return_strictly_beats_the_rate():
    got = LargeEnterprise.invests(np.array([0.19, 0.20, 0.21]), np.array([0.20, 0.20, 0.20]))
    assert got.tolist() == [False, False, True]


def test_yard_short_of_capacity_with_a_high_return_invests_share_of_gap_times_kappa():
    sc = scenario(NO_RETIREMENT)
    st = state([yard(capacity=40.0, order_book=480.0, price=1.2, unit_cost=0.9, output=40.0,
                     cash=30.0, productivity=1.6)], sc)  # fmt: skip
    gov = government(sc)  # de-facto arm: the market rate 20 %
    investment.invest(st, gov)
    f = st.firms
    # K* = 480 / 8 = 60 > K = 40: gap 20
    # return 4 x (1.2 - 0.9 + 0.0625) / 5 = 0.29 > 0.20 -> invests I = 0.25 x 20 x 5 = 25
    assert st.ledger.investment == pytest.approx(25.0, rel=1e-12)
    # capacity 40 + 25 / 5 = 45; productivity 1.6 x (1 + 0.02 x 25 / (40 x 5)) = 1.6 x 1.0025
    assert f.capacity[0] == pytest.approx(45.0, rel=1e-12)
    assert f.productivity[0] == pytest.approx(1.604, rel=1e-12)
    # paid: buffer 0.5 x 40 x 1.2 = 24, own funds 30 - 24 = 6, market debt 25 - 6 = 19
    assert f.cash[0] == pytest.approx(24.0, rel=1e-12)
    assert f.debt_market[0] == pytest.approx(19.0, rel=1e-12)
    assert f.debt_pref[0] == 0.0


def test_yard_whose_return_is_below_the_market_rate_does_not_invest():
    sc = scenario(NO_RETIREMENT)
    st = state([yard(capacity=40.0, order_book=480.0, price=1.0, unit_cost=0.9, cash=30.0)], sc)
    investment.invest(st, government(sc))
    # return 4 x (1.0 - 0.9 + 0.0625) / 5 = 0.13 < 0.20: nothing changes
    f = st.firms
    assert st.ledger.investment == 0.0
    assert f.capacity[0] == 40.0
    assert f.productivity[0] == 1.6
    assert f.cash[0] == 30.0
    assert f.debt_market[0] == 0.0


def test_yard_with_enough_capacity_or_a_supplier_does_not_invest():
    sc = scenario(NO_RETIREMENT)
    st = state([
        yard(capacity=60.0, order_book=480.0, price=1.2, unit_cost=0.9),  # K* = 60 = K: no gap
        supplier(0, capacity=5.0, order_book=480.0, price=1.2, unit_cost=0.9),  # not final
        yard(capacity=40.0, order_book=480.0, price=1.2, unit_cost=0.9, alive=False),
    ], sc)  # fmt: skip
    investment.invest(st, government(sc))
    assert st.ledger.investment == 0.0
    assert st.firms.capacity[:3].tolist() == [60.0, 5.0, 40.0]


def test_preferential_rate_lets_a_member_invest_where_an_outsider_does_not():
    sc = scenario(NO_RETIREMENT)
    firm = {"capacity": 40.0, "order_book": 480.0, "price": 1.0, "unit_cost": 0.9, "cash": 0.0}
    st = state([yard(**firm, **MEMBER), yard(**firm)], sc)
    gov = government(sc, "loans_only", registered=True)
    investment.invest(st, gov)
    f = st.firms
    # both want I = 0.25 x (480 / 8 - 40) x 5 = 25 (below IDF's 125 minimum project) and earn
    # 4 x (1.0 - 0.9 + 0.0625) / 5 = 13 %; no own funds (cash 0 < buffer 20), room 84
    # member: regional loan min(0.8 x 25, 200, 300, 84, 25) = 20 at 5 % (>= the 20 minimum),
    #   market 5 at 20 %: hurdle (20 x 0.05 + 5 x 0.20) / 25 = 8 % < 13 % -> invests 25
    # outsider: all 25 at the market rate, hurdle 20 % > 13 % -> does not invest
    assert st.ledger.investment == pytest.approx(25.0, rel=1e-12)
    assert f.capacity[:2].tolist() == pytest.approx([45.0, 40.0], rel=1e-12)
    assert f.debt_pref[:2].tolist() == pytest.approx([20.0, 0.0], rel=1e-12)
    assert f.pref_rate[0] == pytest.approx(0.05, abs=1e-12)
    assert f.debt_market[:2].tolist() == pytest.approx([5.0, 0.0], rel=1e-12)
    assert gov.spent == {(REGIONAL, 0): pytest.approx(20.0, rel=1e-12)}
    # grant-equivalent 20 x (20 % - 5 %) / 4 / (5 % + 1 / 20) = 7.5
    assert st.ledger.grant_equivalent == pytest.approx(7.5, rel=1e-12)
    assert st.ledger.credit_constrained == 0  # the outsider is held back by the rate, not credit
    # before registration the member is an outsider too: nobody invests
    st = state([yard(**firm, **MEMBER)], sc)
    investment.invest(st, government(sc, "loans_only"))
    assert st.ledger.investment == 0.0
    assert st.firms.capacity[0] == 40.0


def test_loans_are_amortised_before_investing():
    sc = scenario(NO_RETIREMENT)
    st = state([yard(capacity=40.0, order_book=480.0, price=1.2, unit_cost=0.9, output=40.0,
                     cash=10.0, debt_market=100.0, ebitda=8.75)], sc)  # fmt: skip
    investment.invest(st, government(sc))
    f = st.firms
    # amortise first: 100 / 20 = 5 repaid, cash 10 - 5 = 5, debt 95
    # room 3.5 x 4 x 8.75 - 95 = 122.5 - 95 = 27.5 >= 25: invests the whole 25 (before
    # amortising the room would be 22.5 and the firm credit-constrained)
    # cash 5 is below the buffer 0.5 x 48 = 24: all market debt, 95 + 25 = 120, cash stays 5
    assert st.ledger.investment == pytest.approx(25.0, rel=1e-12)
    assert st.ledger.credit_constrained == 0
    assert f.cash[0] == pytest.approx(5.0, rel=1e-12)
    assert f.debt_market[0] == pytest.approx(120.0, rel=1e-12)


# A yard wanting I = 0.25 x (480 / 8 - 40) x 5 = 25 at a return of 4 x (1.2 - 0.9 + 0.0625) / 5
# = 29 % (price 1.2, buffer 0.5 x 40 x 1.2 = 24); with price 1.0 the return is 13 %.
WANTS_25 = {"capacity": 40.0, "order_book": 480.0, "unit_cost": 0.9, "output": 40.0}


@pytest.mark.parametrize(
    ("price", "invested"),
    [(1.2, 25.0), (1.0, 0.0)],  # 29 % > 20 %: invests; 13 % < 20 %: does not
)
def test_a_grant_does_not_change_what_an_unconstrained_firm_invests(price, invested):
    sc = scenario(NO_RETIREMENT)
    results = []
    for cash in (30.0, 30.0 + 50.0):  # without and with a grant of 50
        st = state([yard(**WANTS_25, price=price, cash=cash)], sc)
        investment.invest(st, government(sc))
        results.append((st.ledger.investment, st.firms.capacity[0], st.ledger.credit_constrained))
    # not constrained either way: own funds (30 or 80 - buffer) plus room 84 cover 25; both plans
    # cost 20 % (own funds at the market rate), so the same decision and the same amount:
    # the channel is the constraint, not the cash
    assert results[0] == results[1]
    assert results[0] == (pytest.approx(invested), pytest.approx(40.0 + invested / 5.0), 0)


def test_a_grant_to_a_constrained_firm_is_invested():
    sc = scenario(NO_RETIREMENT)
    # debt 140 and cash 31: amortising repays 140 / 20 = 7, leaving debt 133 = the limit
    # 3.5 x 4 x 9.5 (no room) and cash 24 = the buffer 0.5 x 40 x 1.2 (no own funds)
    firm = {**WANTS_25, "price": 1.2, "ebitda": 9.5, "debt_market": 140.0}
    st = state([yard(**firm, cash=31.0)], sc)
    investment.invest(st, government(sc))
    # wants 25 at 29 % > 20 %, finances nothing: credit-constrained, invests nothing
    assert st.ledger.investment == 0.0
    assert st.ledger.credit_constrained == 1
    assert st.firms.capacity[0] == 40.0
    assert st.firms.cash[0] == pytest.approx(24.0, rel=1e-12)
    assert st.firms.debt_market[0] == pytest.approx(133.0, rel=1e-12)
    # with 20 more cash: own funds 51 - 7 - 24 = 20, still no room; 20 < 25 financed, so it
    # invests the 20 it can (plan again for 20: own funds at 20 % < 29 %), still constrained
    st = state([yard(**firm, cash=31.0 + 20.0)], sc)
    investment.invest(st, government(sc))
    f = st.firms
    assert st.ledger.investment == pytest.approx(20.0, rel=1e-12)
    assert st.ledger.credit_constrained == 1
    # capacity 40 + 20 / 5 = 44; productivity 1.6 x (1 + 0.02 x 20 / 200) = 1.6032
    assert f.capacity[0] == pytest.approx(44.0, rel=1e-12)
    assert f.productivity[0] == pytest.approx(1.6032, rel=1e-12)
    assert f.cash[0] == pytest.approx(24.0, rel=1e-12)
    assert f.debt_market[0] == pytest.approx(133.0, rel=1e-12)


def test_retire_wears_out_every_firms_capacity_by_a_quarter_of_the_yearly_rate():
    sc = scenario()  # shipped: 2 % a year, i.e. 0.5 % a quarter
    st = state([
        yard(capacity=40.0),
        supplier(0, capacity=5.0),
        yard(capacity=40.0, alive=False),  # every firm: the rule does not look at who is alive
    ], sc)  # fmt: skip
    investment.retire(st)
    # K (1 - 0.02 / 4): 40 x 0.995 = 39.8, 5 x 0.995 = 4.975
    assert st.firms.capacity[:3].tolist() == pytest.approx([39.8, 4.975, 39.8], rel=1e-12)
    assert st.firms.productivity[:3].tolist() == [1.6, 1.6, 1.6]  # only capacity wears out
    investment.retire(st)  # a second quarter compounds: 40 x 0.995^2 = 39.601
    assert st.firms.capacity[0] == pytest.approx(39.601, rel=1e-12)
    # 4 % a year: 40 x (1 - 0.01) = 39.6; no retirement: nothing changes
    st = state([yard(capacity=40.0)], scenario({"production.capacity_retirement_per_year": 0.04}))
    investment.retire(st)
    assert st.firms.capacity[0] == pytest.approx(39.6, rel=1e-12)
    st = state([yard(capacity=40.0)], scenario(NO_RETIREMENT))
    investment.retire(st)
    assert st.firms.capacity[0] == 40.0


def test_invest_retires_worn_capacity_before_the_yards_decide():
    sc = scenario()  # shipped: 2 % a year
    st = state([
        yard(capacity=40.0, order_book=480.0, price=1.2, unit_cost=0.9, output=40.0,
             cash=30.0),
        # K* = 480 / 8 = 60 = K: no gap before wear, but 60 x 0.995 = 59.7 leaves one of 0.3
        yard(capacity=60.0, order_book=480.0, price=1.2, unit_cost=0.9, output=40.0,
             cash=30.0),
    ], sc)  # fmt: skip
    investment.invest(st, government(sc))
    f = st.firms
    # yard 0: K = 40 x 0.995 = 39.8 first, gap 60 - 39.8 = 20.2, I = 0.25 x 20.2 x 5 = 25.25
    # yard 1: gap 0.3, I = 0.25 x 0.3 x 5 = 0.375 (29 % > 20 %: it replaces part of the wear)
    assert st.ledger.investment == pytest.approx(25.25 + 0.375, rel=1e-12)
    # capacity 39.8 + 25.25 / 5 = 44.85 and 59.7 + 0.375 / 5 = 59.775
    assert f.capacity[:2].tolist() == pytest.approx([44.85, 59.775], rel=1e-12)
    # productivity 1.6 x (1 + 0.02 x 25.25 / (39.8 x 5)): the worn capacity is the base
    assert f.productivity[0] == pytest.approx(1.6 * (1 + 0.02 * 25.25 / 199.0), rel=1e-12)
    # own funds 30 - buffer 0.5 x 40 x 1.2 = 6, market debt 25.25 - 6 = 19.25
    assert f.cash[0] == pytest.approx(24.0, rel=1e-12)
    assert f.debt_market[0] == pytest.approx(19.25, rel=1e-12)


def test_the_investing_firms_outlays_and_returns_are_those_of_the_public_queries():
    """The kernel the stage runs gives, after retirement, the firms with a positive
    :func:`wanted_outlay`, in firm order, with their outlays and :func:`annual_return`."""
    st = state([
        yard(capacity=40.0, order_book=480.0, price=1.2, unit_cost=0.9),
        supplier(capacity=10.0, order_book=900.0),
        yard(capacity=90.0, order_book=480.0, price=1.1, unit_cost=0.95),
        yard(capacity=30.0, order_book=700.0, price=1.0, unit_cost=1.3),
    ])  # fmt: skip
    f, n = st.firms, st.firms.n
    retired = f.capacity.copy()
    firms, want, ret = investment._retire_and_want(
        f.order_book, retired, f.role, f.alive, f.price, f.unit_cost,
        *investment._terms(st), n,
    )  # fmt: skip
    investment.retire(st)
    assert np.array_equal(retired, f.capacity)
    wanted = investment.wanted_outlay(st)
    assert firms.tolist() == np.flatnonzero(wanted > 0).tolist() == [0, 3]
    assert np.array_equal(want, wanted[firms])
    assert np.array_equal(ret, investment.annual_return(st)[firms])
