"""Stage 0, sim.model.mechanisms.prices: key-rate path, loan rate, unit costs and prices."""

from __future__ import annotations

import pytest
from tiny import scenario, state, supplier, yard

from sim.model.mechanisms import prices


def test_key_rate_moves_a_tenth_of_the_way_to_its_long_run_level():
    assert prices.next_key_rate(0.16, 0.08, 0.10) == pytest.approx(0.152)
    assert prices.next_key_rate(0.08, 0.08, 0.10) == 0.08


def test_update_world_sets_the_market_rate_to_key_rate_plus_spread():
    st = state([yard()])
    prices.update_world(st)
    # Astrakhan: 16 % start, 8 % long run, 10 % adjustment, 4 pp spread
    assert st.key_rate == pytest.approx(0.152)
    assert st.market_rate == pytest.approx(0.192)


def test_unit_cost_of_a_yard_by_hand():
    sc = scenario()
    st = state([yard(employment=100.0, productivity=1.6, output=40.0, capacity=50.0)], sc)
    # labour 0.5 * 1.30 / 1.6 + purchases 0.38 + depreciation 0.05 * 5 / 4 * (50 / 40)
    expected = 0.5 * 1.30 / 1.6 + 0.38 + 0.05 * 5.0 / 4.0 * 1.25
    assert st.unit_costs(slice(0, 1))[0] == pytest.approx(expected)


def test_final_price_is_unit_cost_over_competitors_and_suppliers_carry_their_premium():
    st = state([yard(), supplier(trade=0, employment=10.0, output=4.0, capacity=5.0)])
    st.cost_comp = 0.9
    prices.update_prices(st)
    f = st.firms
    assert f.price[0] == pytest.approx(f.unit_cost[0] / 0.9)
    # metalwork premium 4 %, reference cost 1: price = 1.04 * unit cost
    assert f.price[1] == pytest.approx(1.04 * f.unit_cost[1])
