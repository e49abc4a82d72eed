"""Stage 1, sim.model.mechanisms.market: new orders and their allocation by a logit (7.2)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tiny import scenario, state, supplier, yard

from sim.model.mechanisms import market


class _Draws:
    """A stand-in generator whose draws the test chooses (and which records what it was asked)."""

    def __init__(self, normal=0.0, orders=0, sizes=(), uniforms=()):
        self.normal = normal
        self.orders = orders
        self.sizes = np.asarray(sizes, dtype=float)
        self.uniforms = np.asarray(uniforms, dtype=float)
        self.lam = None
        self.lognormal_size = None

    def standard_normal(self):
        return self.normal

    def poisson(self, lam):
        self.lam = lam
        return self.orders

    def lognormal(self, mean, sigma, size):
        self.lognormal_size = size
        return self.sizes[:size]

    def random(self, size):
        assert size == self.uniforms.size
        return self.uniforms


def test_equal_price_and_delivery_give_shares_proportional_to_capacity():
    # u_j = ln K_j - 4 ln 1 - 0.08 * 6: same price and delivery, so P_j = K_j / sum K
    # K = (1, 3) for the yards and 4 for the outside option: 1/8, 3/8, 4/8
    probs = market.logit_probabilities(
        np.array([1.0, 3.0]), np.array([1.0, 1.0]), np.array([6.0, 6.0]), 4.0, 1.0, 6.0, 4.0, 0.08
    )
    assert probs == pytest.approx([0.125, 0.375, 0.5], rel=1e-12)


def test_logit_price_and_delivery_by_hand():
    # w_j = K_j * p_j^(-beta_p) * exp(-beta_d * d_j), beta_p = 4, beta_d = 0.08
    w1 = 10.0 * 1.0**-4 * math.exp(-0.08 * 6.0)
    w2 = 10.0 * 1.1**-4 * math.exp(-0.08 * 6.0)
    w0 = 20.0 * 1.0**-4 * math.exp(-0.08 * 10.0)  # outside: K_0 = 20, p = 1, d_0 = 10
    total = w1 + w2 + w0
    cap, price, delivery = np.array([10.0, 10.0]), np.array([1.0, 1.1]), np.array([6.0, 6.0])
    probs = market.logit_probabilities(cap, price, delivery, 20.0, 1.0, 10.0, 4.0, 0.08)
    assert probs == pytest.approx([w1 / total, w2 / total, w0 / total], rel=1e-12)
    # the dearer yard: (1 / 1.1)^4 = 0.683 of the cheaper yard's chance
    assert probs[1] / probs[0] == pytest.approx(1.1**-4, rel=1e-12)


def test_zero_capacity_yard_gets_no_orders_but_the_outside_option_always_counts():
    # ln(max(0, 1e-12)) makes the yard's weight 1e-12 / (1e-12 + 5): practically zero
    probs = market.logit_probabilities(
        np.array([0.0, 5.0]), np.ones(2), np.full(2, 4.0), 5.0, 1.0, 4.0, 4.0, 0.08
    )
    assert probs[0] == pytest.approx(0.0, abs=1e-12)
    assert probs[1:] == pytest.approx([0.5, 0.5], rel=1e-9)


def test_all_orders_go_to_the_only_option_with_probability():
    rng = np.random.default_rng(12345)
    won = market.allocate_orders(rng, 3, np.array([100.0, 200.0, 300.0]), np.array([0, 1.0, 0]))
    # every draw falls in the middle option's interval [0, 1): 100 + 200 + 300
    assert won.tolist() == [0.0, 600.0, 0.0]


def test_orders_go_to_the_first_option_whose_cumulative_probability_exceeds_the_draw():
    # cumulative probabilities 0.25, 0.75, 1.0: U = 0.1 -> option 0; U = 0.25 does not exceed
    # 0.25, so it goes to option 1 (as do 0.5); U = 0.75 and 0.99 go to option 2
    draws = _Draws(uniforms=[0.1, 0.25, 0.5, 0.75, 0.99])
    sizes = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    won = market.allocate_orders(draws, 5, sizes, np.array([0.25, 0.5, 0.25]))
    assert won.tolist() == [10.0, 20.0 + 30.0, 40.0 + 50.0]


def test_unnormalised_probabilities_are_scaled_by_their_sum():
    # weights (1, 2, 1) are the probabilities (0.25, 0.5, 0.25): same allocation as above
    draws = _Draws(uniforms=[0.1, 0.25, 0.5, 0.75, 0.99])
    sizes = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    won = market.allocate_orders(draws, 5, sizes, np.array([1.0, 2.0, 1.0]))
    assert won.tolist() == [10.0, 50.0, 90.0]


def test_no_orders_win_nothing():
    won = market.allocate_orders(np.random.default_rng(0), 0, np.zeros(0), np.array([0.5, 0.5]))
    assert won.tolist() == [0.0, 0.0]


def test_new_orders_demand_level_allocation_and_share_by_hand():
    sc = scenario()
    # Yard 0: capacity 40, labour capacity 1.6 * 100 / 4 = 40, order book 80:
    #   delivery 4 + 80 / 40 = 6 quarters.
    # Yard 1: capacity 120, labour capacity 1.6 * 300 / 4 = 120, order book 240:
    #   delivery 4 + 240 / 120 = 6 quarters.
    # The supplier is no final producer and yard 3 is closed: neither takes part.
    st = state(
        [
            yard(capacity=40.0, employment=100.0, order_book=80.0),
            yard(capacity=120.0, employment=300.0, order_book=240.0),
            supplier(0, employment=10.0, output=4.0, capacity=5.0, order_book=7.0),
            yard(alive=False, employment=0.0, capacity=40.0, order_book=0.0),
        ],
        sc,
        quarter=4,
    )
    assert st.delivery()[:2] == pytest.approx([6.0, 6.0], rel=1e-12)
    # Outside weight = the yards' weight: K_0 e^(-0.08 * 10) = 160 e^(-0.08 * 6)
    st.outside_capacity = 160.0 * math.exp(0.08 * 10.0 - 0.08 * 6.0)
    # P = (40 / 320, 120 / 320, 160 / 320) = (0.125, 0.375, 0.5); cumulative 0.125, 0.5, 1
    draws = _Draws(
        normal=0.5, orders=4, sizes=[100.0, 200.0, 300.0, 400.0], uniforms=[0.1, 0.3, 0.6, 0.9]
    )
    market.new_orders(st, sc.market, draws)
    # D_t = 24000 / 4 * 1.03^(4 / 4) * exp(0.2 * 0.5 - 0.2^2 / 2); N ~ Poisson(D_t / 600)
    assert draws.lam == pytest.approx(6000.0 * 1.03 * math.exp(0.1 - 0.02) / 600.0, rel=1e-12)
    assert draws.lognormal_size == 4
    # U = 0.1 -> yard 0 (100), U = 0.3 -> yard 1 (200), U = 0.6 and 0.9 -> outside (700)
    assert st.firms.order_book[:4].tolist() == pytest.approx(
        [80.0 + 100.0, 240.0 + 200.0, 7.0, 0.0]
    )
    assert st.new_orders == pytest.approx(300.0)
    assert st.market_share_hist == [pytest.approx(300.0 / 1000.0)]


def test_a_quarter_without_orders_records_no_share():
    sc = scenario()
    st = state([yard(order_book=80.0)], sc, quarter=1)
    st.market_share_hist = [0.3]
    draws = _Draws(normal=0.0, orders=0)
    market.new_orders(st, sc.market, draws)
    # D_1 = 6000 * 1.03^(1/4) * exp(-0.02); no order arrives, so the share is undefined
    assert draws.lam == pytest.approx(6000.0 * 1.03**0.25 * math.exp(-0.02) / 600.0, rel=1e-12)
    assert st.new_orders == 0.0
    assert st.firms.order_book[0] == 80.0
    assert len(st.market_share_hist) == 2
    assert st.market_share_hist[0] == 0.3
    assert math.isnan(st.market_share_hist[1])
