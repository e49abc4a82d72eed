"""Stages 6a/6b, sim.model.mechanisms.production: output, employment, learning (docs 7.7, 7.10)."""

from __future__ import annotations

import numpy as np
import pytest
from tiny import state, supplier, yard

from sim.model.agents import LargeEnterprise
from sim.model.mechanisms import production

# Astrakhan: minimum build time 4 quarters, target cover 8 quarters, hiring rate 4 % a quarter,
# learning elasticity 0.08, productivity trend 2.5 % a year, agglomeration elasticity 0.06
# (half for outsiders), demand growth 3 % a year, SME capacity growth 3 % a quarter.
TREND_Q = 1.025**0.25


def test_output_is_labour_capacity_when_that_binds():
    st = state([yard(employment=100.0, productivity=1.6, capacity=50.0, order_book=240.0)])
    production.produce_final(st)
    f = st.firms
    # Y = min(1.6 * 100 / 4 = 40, K = 50, OB / T_min = 240 / 4 = 60) = 40
    assert f.output[0] == pytest.approx(40.0, rel=1e-12)
    assert f.order_book[0] == pytest.approx(200.0, rel=1e-12)
    # Y* = min(50, 200 / 8 = 25) = 25; target L = 4 * 25 / 1.6 = 62.5; L = 100 + 0.04 (62.5 - 100)
    assert f.employment[0] == pytest.approx(98.5, rel=1e-12)


def test_output_is_capacity_when_that_binds():
    st = state([yard(employment=100.0, productivity=1.6, capacity=30.0, order_book=400.0)])
    production.produce_final(st)
    f = st.firms
    # Y = min(40, 30, 100) = 30; OB = 370; Y* = min(30, 46.25) = 30; target 4 * 30 / 1.6 = 75
    assert f.output[0] == pytest.approx(30.0, rel=1e-12)
    assert f.order_book[0] == pytest.approx(370.0, rel=1e-12)
    assert f.employment[0] == pytest.approx(100.0 + 0.04 * (75.0 - 100.0), rel=1e-12)  # 99


def test_output_is_order_book_over_build_time_when_that_binds():
    st = state([yard(employment=100.0, productivity=1.6, capacity=50.0, order_book=100.0)])
    production.produce_final(st)
    f = st.firms
    # Y = min(40, 50, 100 / 4 = 25) = 25; OB = 75; Y* = 75 / 8 = 9.375; target = 23.4375
    assert f.output[0] == pytest.approx(25.0, rel=1e-12)
    assert f.order_book[0] == pytest.approx(75.0, rel=1e-12)
    assert f.employment[0] == pytest.approx(100.0 + 0.04 * (23.4375 - 100.0), rel=1e-12)  # 96.9375


def test_agglomeration_spillover_raises_labour_capacity():
    # cluster employment 100 + 100 against a base of 100: scale 2
    big = {"employment": 100.0, "productivity": 1.6, "capacity": 100.0, "order_book": 800.0}
    st = state([yard(participant=True, **big), yard(**big)])
    st.agglo_base = 100.0
    production.produce_final(st)
    f = st.firms
    # participant: 40 * 2^0.06 = 41.6986; outsider: 40 * 2^0.03 = 40.8405
    assert f.output[0] == pytest.approx(40.0 * 2.0**0.06, rel=1e-12)
    assert f.output[1] == pytest.approx(40.0 * 2.0**0.03, rel=1e-12)
    assert f.output[0] == pytest.approx(41.69863, rel=1e-6)


def test_employment_floor_and_suppliers_and_dead_yards_untouched():
    firms = [yard(employment=1.0, productivity=1.6, capacity=50.0, order_book=0.0),
             yard(alive=False, employment=100.0, order_book=200.0, output=7.0),
             supplier(0, employment=10.0, output=3.0)]  # fmt: skip
    st = state(firms)
    production.produce_final(st)
    f = st.firms
    # no orders: Y = 0, target 0, L = 1 - 0.04 * 1 = 0.96 -> floored at 1
    assert f.output[0] == 0.0
    assert f.employment[0] == 1.0
    assert (f.output[1], f.order_book[1], f.employment[1]) == (7.0, 200.0, 100.0)
    assert (f.output[2], f.employment[2]) == (3.0, 10.0)


def test_learn_by_cumulative_output_and_trend():
    st = state([yard(productivity=1.6, output=40.0, cum_output=320.0),
                yard(productivity=1.5, output=10.0, cum_output=0.0),
                yard(alive=False, productivity=1.2, output=0.0, cum_output=100.0)])  # fmt: skip
    production.learn(st)
    f = st.firms
    # A = 1.6 * (360 / 320)^0.08 * 1.025^(1/4) = 1.6 * 1.0094672 * 1.0061922 = 1.625149
    assert f.productivity[0] == pytest.approx(1.6 * 1.125**0.08 * TREND_Q, rel=1e-12)
    assert f.productivity[0] == pytest.approx(1.625149, rel=1e-6)
    assert f.cum_output[0] == pytest.approx(360.0, rel=1e-12)
    # no cumulative output yet: ratio 1, only the trend
    assert f.productivity[1] == pytest.approx(1.5 * TREND_Q, rel=1e-12)
    assert f.cum_output[1] == pytest.approx(10.0, rel=1e-12)
    # a closed firm keeps its productivity
    assert f.productivity[2] == 1.2


def test_supplier_sells_cluster_and_other_markets_and_adjusts():
    sup = supplier(0, employment=10.0, productivity=2.0, capacity=4.0, output=3.0,
                   cum_output=24.0, price=1.04, other_demand=1.0, sales_cluster=2.08)  # fmt: skip
    st = state([sup])
    production.produce_suppliers(st)
    f = st.firms
    growth = 1.03**0.25  # other-market demand grows with the market
    other = 1.0 * growth  # min(1.0074, max(min(5, 4) - 2.08, 0) = 1.92)
    volume = 2.08 / 1.04 + other  # 2 + 1.00742 = 3.00742
    assert f.other_demand[0] == pytest.approx(growth, rel=1e-12)
    assert f.sales_other[0] == pytest.approx(1.04 * other, rel=1e-12)
    assert f.output[0] == pytest.approx(volume, rel=1e-12)
    assert f.purchases[0] == pytest.approx(0.38 * volume, rel=1e-12)
    # target L = 4 * 1.15 * 3.00742 / 2 = 6.917 -> step clipped at -0.04 * 10: L = 9.6
    assert f.employment[0] == pytest.approx(9.6, rel=1e-12)
    # capacity follows employment at the pre-learning productivity: max(4, 2 * 9.6 / 4 = 4.8)
    assert f.capacity[0] == pytest.approx(4.8, rel=1e-12)
    # then learning: A = 2 * ((24 + volume) / 24)^0.08 * 1.025^(1/4)
    assert f.productivity[0] == pytest.approx(
        2.0 * ((24.0 + volume) / 24.0) ** 0.08 * TREND_Q, rel=1e-12
    )


def test_new_supplier_does_not_produce_for_other_markets_nor_hire():
    st = state([supplier(0, employment=5.0, productivity=2.0, capacity=4.0, other_demand=1.0,
                         born_quarter=1, cum_output=0.0, price=1.04)], quarter=2)  # fmt: skip
    production.produce_suppliers(st)
    f = st.firms
    # 2 - 1 <= 2 non-producing quarters: no other-market sales, no cluster sales, L unchanged
    assert f.output[0] == 0.0
    assert f.sales_other[0] == 0.0
    assert f.employment[0] == 5.0


def test_employment_target_is_the_numpy_expression_bit_for_bit():
    rng = np.random.default_rng(7)
    desired = rng.lognormal(3.0, 1.0, 200)
    productivity = np.concatenate([rng.lognormal(0.0, 1.0, 197), [0.0, 1e-12, np.nan]])
    got = LargeEnterprise.employment_target(desired, productivity)
    want = 4.0 * desired / np.maximum(productivity, 1e-9)
    assert got.tobytes() == want.tobytes()
