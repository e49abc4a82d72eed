"""Stage 7, sim.model.mechanisms.investment: final producers invest in capacity.

Astrakhan values used below: target cover 8 quarters, kappa 5 mln RUB of capital per unit of
quarterly capacity, depreciation 5 % a year (d = 0.05 x 5 / 4 = 0.0625 per rouble of output),
investment share of the gap 0.25, productivity gain 0.02, market rate 16 % + 4 pp = 20 %,
IDF loans (``loans_only``) at 3 %, cash buffer 0.5 quarters of revenue.
"""

from __future__ import annotations

import numpy as np
import pytest
from tiny import government, scenario, state, supplier, yard

from sim.model.agents import LargeEnterprise
from sim.model.mechanisms import investment

MEMBER = {"participant": True, "last_contract_quarter": 1}  # on the roster in quarter 1


def test_invests_only_when_the_return_strictly_beats_the_rate():
    got = LargeEnterprise.invests(np.array([0.19, 0.20, 0.21]), np.array([0.20, 0.20, 0.20]))
    assert got.tolist() == [False, False, True]


def test_yard_short_of_capacity_with_a_high_return_invests_share_of_gap_times_kappa():
    sc = scenario()
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
    sc = scenario()
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
    sc = scenario()
    st = state([
        yard(capacity=60.0, order_book=480.0, price=1.2, unit_cost=0.9),  # K* = 60 = K: no gap
        supplier(0, capacity=5.0, order_book=480.0, price=1.2, unit_cost=0.9),  # not final
        yard(capacity=40.0, order_book=480.0, price=1.2, unit_cost=0.9, alive=False),
    ], sc)  # fmt: skip
    investment.invest(st, government(sc))
    assert st.ledger.investment == 0.0
    assert st.firms.capacity[:3].tolist() == [60.0, 5.0, 40.0]


def test_preferential_rate_lets_a_member_invest_where_an_outsider_does_not():
    sc = scenario()
    st = state([
        yard(capacity=40.0, order_book=480.0, price=1.0, unit_cost=0.9, cash=0.0, **MEMBER),
        yard(capacity=40.0, order_book=480.0, price=1.0, unit_cost=0.9, cash=0.0),
    ], sc)  # fmt: skip
    gov = government(sc, "loans_only", registered=True)
    investment.invest(st, gov)
    f = st.firms
    # both return 0.13: the member finances at 3 % (invests), the outsider at 20 % (does not)
    # member: gap 60 - 40 = 20 -> I = 0.25 x 20 x 5 = 25, all a preferential loan at 3 %
    assert st.ledger.investment == pytest.approx(25.0, rel=1e-12)
    assert f.capacity[:2].tolist() == pytest.approx([45.0, 40.0], rel=1e-12)
    assert f.debt_pref[0] == pytest.approx(25.0, rel=1e-12)
    assert f.pref_rate[0] == pytest.approx(0.03, abs=1e-12)
    assert f.debt_market[0] == 0.0
    assert gov.spent == {("loans", 0): pytest.approx(25.0, rel=1e-12)}


def test_loans_are_amortised_before_investing():
    sc = scenario()
    st = state([yard(capacity=40.0, order_book=480.0, price=1.2, unit_cost=0.9, output=40.0,
                     cash=10.0, debt_market=100.0)], sc)  # fmt: skip
    investment.invest(st, government(sc))
    f = st.firms
    # amortise first: 100 / 20 = 5 repaid, cash 10 - 5 = 5, debt 95
    # invest 25 with cash 5 below the buffer 24: market debt 95 + 25 = 120, cash stays 5
    assert f.cash[0] == pytest.approx(5.0, rel=1e-12)
    assert f.debt_market[0] == pytest.approx(120.0, rel=1e-12)
