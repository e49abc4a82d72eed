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


def test_equal_price_and_delivery_give_shares_proportional_to_free_capacity():
    # u_j = ln F_j - 4 ln 1 - 0.08 * 6: same price and delivery, so P_j = F_j / sum F
    # F = (1, 3) for the yards and 4 for the outside option: 1/8, 3/8, 4/8
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


def _rivals_at_quarter_4():
    """The rivals' utility terms at quarter 4 after update_rivals (shipped market values).

    Labour share 0.5 of their cost falls with 1.035^(-4/4); they held 0.3 of orders on average
    (start 0.25) so they cut their price by (0.7 / 0.75)^0.2; their queue of 10 - 4 = 6
    quarters falls with the trend; their free capacity grows by (1.03 x 1.035)^(4/4).
    """
    trend = 1.035**-1.0
    price = (0.5 * trend + 0.5) * (0.7 / 0.75) ** 0.2
    delivery = 10.0 - 6.0 * (1.0 - trend)
    return price, delivery, 1.03 * 1.035


def test_new_orders_demand_level_allocation_and_share_by_hand():
    sc = scenario()
    # Yard 0: capacity 40, labour capacity 1.6 * 100 / 4 = 40, order book 80:
    #   delivery 4 + 80 / 40 = 6 quarters; free capacity 40 x 12 - 80 = 400.
    # Yard 1: capacity 120, labour capacity 1.6 * 300 / 4 = 120, order book 240:
    #   delivery 4 + 240 / 120 = 6 quarters; free capacity 120 x 12 - 240 = 1200.
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
    assert st.free_capacity()[:2] == pytest.approx([400.0, 1200.0], rel=1e-12)
    st.order_size = 500.0  # the mean order size the state holds (not the scenario's 600)
    st.cost_comp, st.rival_labour_share, st.rival_share0 = 0.9, 0.5, 0.75
    st.market_share_hist = [0.25, 0.35]
    # The rivals' weight = the yards' weight 1600 e^(-0.08 x 6):
    #   F_0 x 1.03 x 1.035 x P^-4 x e^(-0.08 d_R) = 1600 e^(-0.48)
    price, delivery, growth = _rivals_at_quarter_4()
    st.outside_capacity = (
        1600.0 * math.exp(-0.48) / (growth * price**-4.0 * math.exp(-0.08 * delivery))
    )
    # P = (400 / 3200, 1200 / 3200, 1600 / 3200) = (0.125, 0.375, 0.5); cumulative 0.125, 0.5, 1
    draws = _Draws(
        normal=0.5, orders=4, sizes=[100.0, 200.0, 300.0, 400.0], uniforms=[0.1, 0.3, 0.6, 0.9]
    )
    market.new_orders(st, sc.market, draws)
    # D_t = 24000 / 4 * 1.03^(4 / 4) * exp(0.2 * 0.5 - 0.2^2 / 2); N ~ Poisson(D_t / 500)
    assert draws.lam == pytest.approx(6000.0 * 1.03 * math.exp(0.1 - 0.02) / 500.0, rel=1e-12)
    assert draws.lognormal_size == 4
    # the rivals moved before the orders were allocated
    assert st.rival_price == pytest.approx(price, rel=1e-12)
    assert st.rival_delivery == pytest.approx(delivery, rel=1e-12)
    # U = 0.1 -> yard 0 (100), U = 0.3 -> yard 1 (200), U = 0.6 and 0.9 -> rivals (700)
    assert st.firms.order_book[:4].tolist() == pytest.approx(
        [80.0 + 100.0, 240.0 + 200.0, 7.0, 0.0]
    )
    assert st.new_orders == pytest.approx(300.0)
    assert st.market_share_hist == [0.25, 0.35, pytest.approx(300.0 / 1000.0)]


def test_free_capacity_not_installed_capacity_wins_orders():
    # The test ("competitiveness against rivals who move"): a full yard wins nothing.
    sc = scenario({"market.demand_growth_per_year": 0.0,
                   "market.rival_productivity_trend_per_year": 0.0})  # fmt: skip
    # Yard 0: K = 40, order book 480 = K x W (window W = 12 quarters): full, free capacity 0.
    # Yard 1: K = 60 but 100 workers (labour capacity 1.6 x 100 / 4 = 40), order book 480:
    #   free capacity 60 x 12 - 480 = 240. Both deliver in 4 + 480 / 40 = 16 quarters at 1.
    st = state([yard(capacity=40.0, order_book=480.0), yard(capacity=60.0, order_book=480.0)],
               sc)  # fmt: skip
    free, delivery = st.free_capacity(), st.delivery()
    assert free.tolist() == pytest.approx([0.0, 240.0], abs=1e-12)
    assert delivery.tolist() == pytest.approx([16.0, 16.0], rel=1e-12)
    # rivals' weight 160 at the same price and delivery: yard 1 wins F / (F + 160) = 0.6
    probs = market.logit_probabilities(free, np.ones(2), delivery, 160.0, 1.0, 16.0, 4.0, 0.08)
    assert probs[0] == pytest.approx(0.0, abs=1e-12)  # 1e-12 / 400 = 2.5e-15
    assert probs[1:] == pytest.approx([240.0 / 400.0, 160.0 / 400.0], rel=1e-9)
    # (by installed capacity the full yard would have had 40 / (40 + 60 + 160) of the orders)
    # The same through new_orders at quarter 1: no demand or productivity growth, so the rivals
    # sit at price 1 and delivery 10 with weight F_0; F_0 e^(-0.08 x 10) = 160 e^(-0.08 x 16).
    st.outside_capacity = 160.0 * math.exp(0.08 * (10.0 - 16.0))
    draws = _Draws(orders=5, sizes=[100.0, 200.0, 300.0, 400.0, 500.0],
                   uniforms=[1e-9, 0.3, 0.59, 0.61, 0.99])  # fmt: skip
    market.new_orders(st, sc.market, draws)
    # cumulative (2.5e-15, 0.6, 1): the full yard wins nothing even from the lowest draw
    assert st.firms.order_book[:2].tolist() == pytest.approx([480.0, 480.0 + 100 + 200 + 300])
    assert st.new_orders == pytest.approx(600.0)
    assert st.market_share_hist == [pytest.approx(600.0 / 1500.0)]
    # an over-full yard has no free capacity either (not a negative one)
    st.firms.order_book[0] = 600.0
    assert st.free_capacity()[0] == 0.0


def test_equal_free_capacity_wins_equal_orders_whatever_the_installed_capacity():
    sc = scenario()
    # Yard 0: K = 40, 50 workers (labour capacity 20), order book 240: free 480 - 240 = 240,
    #   delivery 4 + 240 / 20 = 16.
    # Yard 1: K = 60, 100 workers (labour capacity 40), order book 480: free 720 - 480 = 240,
    #   delivery 4 + 480 / 40 = 16.
    st = state([yard(capacity=40.0, employment=50.0, order_book=240.0),
                yard(capacity=60.0, employment=100.0, order_book=480.0)], sc)  # fmt: skip
    free, delivery = st.free_capacity(), st.delivery()
    assert free.tolist() == pytest.approx([240.0, 240.0], rel=1e-12)
    assert delivery.tolist() == pytest.approx([16.0, 16.0], rel=1e-12)
    probs = market.logit_probabilities(free, np.ones(2), delivery, 120.0, 1.0, 16.0, 4.0, 0.08)
    # 240 / (240 + 240 + 120) each, not 40 : 60
    assert probs == pytest.approx([0.4, 0.4, 0.2], rel=1e-12)


def test_update_rivals_cost_price_and_delivery_by_hand():
    sc = scenario()  # rivals' trend 3.5 % a year, price response 0.2, delivery 10, build 4
    st = state([yard()], sc, quarter=8)
    st.cost_comp = 0.8
    st.rival_labour_share = 0.4
    st.rival_share0 = 0.7
    # last four quarters: 0.3, (no orders), 0.4, 0.5 -> the cluster's share 0.4, the rivals' 0.6
    st.market_share_hist = [0.9, 0.3, float("nan"), 0.4, 0.5]
    market.update_rivals(st, sc.market)
    trend = 1.035**-2.0  # (1 + 0.035)^(-8 / 4) = 0.933511
    cost = 0.4 * trend + 0.6  # only the labour part falls: 0.973404
    assert trend == pytest.approx(0.933511, rel=1e-6)
    assert st.rival_cost == pytest.approx(0.8 * cost, rel=1e-12)
    # they lost share (0.6 < 0.7): price cut by (0.6 / 0.7)^0.2 = 0.969640 -> 0.943852
    assert st.rival_price == pytest.approx(cost * (0.6 / 0.7) ** 0.2, rel=1e-12)
    assert st.rival_price == pytest.approx(0.943852, rel=1e-6)
    # the queue 10 - 4 = 6 falls with the trend: 4 + 6 x 0.933511 = 9.601
    assert st.rival_delivery == pytest.approx(4.0 + 6.0 * trend, rel=1e-12)
    # no share history: the rivals hold their initial share, the price follows the cost only
    st.market_share_hist = [float("nan")]
    market.update_rivals(st, sc.market)
    assert st.rival_price == pytest.approx(cost, rel=1e-12)
    # quarter 0: everything at the start
    st.quarter = 0
    market.update_rivals(st, sc.market)
    assert (st.rival_cost, st.rival_price, st.rival_delivery) == pytest.approx((0.8, 1.0, 10.0))
    # a minimum build time above the rivals' delivery leaves no queue to shorten
    sc = scenario({"market.build_quarters_min": 12.0})
    st = state([yard()], sc, quarter=8)
    market.update_rivals(st, sc.market)
    assert st.rival_delivery == 10.0


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


@pytest.mark.parametrize(
    "hist", [[0.1], [0.7, 0.2], [0.13, float("nan"), 0.29, 0.37], [1 / 3, 0.1, 0.7, 2 / 7]]
)
def test_rivals_mean_share_is_numpys_mean_bit_for_bit(hist):
    sc = scenario()
    st = state([yard()], sc, quarter=8)
    st.rival_share0 = 0.7
    st.market_share_hist = [0.9, *hist]
    market.update_rivals(st, sc.market)
    recent = [x for x in st.market_share_hist[-4:] if not np.isnan(x)]
    trend = (1 + sc.market.rival_productivity_trend_per_year) ** (-8 / 4.0)
    cost = st.rival_labour_share * trend + (1.0 - st.rival_labour_share)
    response = (max(1.0 - float(np.mean(recent)), 1e-6) / 0.7) ** sc.market.rival_price_response
    assert st.rival_price == cost * response
