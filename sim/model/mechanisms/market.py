"""Stage 1 (docs/model.md 7.2): stochastic new orders and their allocation by a logit.

* demand level ``D_t = D_0 (1 + g)^(t/4) * exp(sigma * e_t - sigma^2 / 2)``, ``e_t ~ N(0, 1)``
* number of orders ``N_t ~ Poisson(D_t / E[size])``, sizes lognormal with the scenario's mean/cv
* utility of final producer ``j``: ``u_j = ln(cap_j) - beta_p ln(p_j) - beta_d d_j``; outside
  competitors ``u_0 = ln(cap_0) - beta_p ln(p_0) - beta_d d_0``
* each order goes to ``j`` with probability ``exp(u_j) / sum_k exp(u_k)``.
"""

from __future__ import annotations

import numpy as np

from sim.model.distributions import lognormal
from sim.model.state import ROLE_FINAL, State
from sim.scenario.schema import Market

__all__ = ["allocate_orders", "logit_probabilities", "new_orders"]


def logit_probabilities(
    capacity: np.ndarray,
    price: np.ndarray,
    delivery: np.ndarray,
    outside_capacity: float,
    outside_price: float,
    outside_delivery: float,
    beta_price: float,
    beta_delivery: float,
) -> np.ndarray:
    """Probabilities that an order goes to each producer; the last entry is the outside option."""
    cap = np.append(np.maximum(capacity, 1e-12), max(outside_capacity, 1e-12))
    p = np.append(price, outside_price)
    d = np.append(delivery, outside_delivery)
    u = np.log(cap) - beta_price * np.log(p) - beta_delivery * d
    u -= u.max()
    w = np.exp(u)
    return w / w.sum()


def allocate_orders(
    rng: np.random.Generator, n_orders: int, sizes: np.ndarray, probs: np.ndarray
) -> np.ndarray:
    """Give each order to a producer drawn from ``probs``; returns value won per option."""
    won = np.zeros(len(probs))
    if n_orders == 0:
        return won
    u = rng.random(n_orders)
    who = np.searchsorted(np.cumsum(probs), u * probs.sum(), side="right")
    who = np.minimum(who, len(probs) - 1)
    np.add.at(won, who, sizes)
    return won


def new_orders(state: State, market: Market, rng: np.random.Generator) -> None:
    """New orders arrive and are won by a logit on price and delivery time.

    Writes the final producers' order books, ``state.new_orders`` and the share history.
    """
    f, n = state.firms, state.firms.n
    sigma = market.demand_volatility
    level = state.demand_level * (1 + market.demand_growth_per_year) ** (state.quarter / 4.0)
    level *= np.exp(sigma * rng.standard_normal() - sigma * sigma / 2.0)
    n_orders = int(rng.poisson(level / market.order_size_mln_rub.mean))
    sizes = lognormal(rng, market.order_size_mln_rub.mean, market.order_size_mln_rub.cv, n_orders)
    fin = np.flatnonzero((f.role[:n] == ROLE_FINAL) & f.alive[:n])
    probs = logit_probabilities(
        f.capacity[fin],
        f.price[fin],
        state.delivery()[fin],
        state.outside_capacity,
        1.0,
        market.competitor_delivery_quarters,
        market.price_sensitivity,
        market.delivery_sensitivity,
    )
    won = allocate_orders(rng, n_orders, np.asarray(sizes, dtype=float), probs)
    f.order_book[fin] += won[:-1]
    total = float(won.sum())
    state.new_orders = float(won[:-1].sum())
    state.market_share_hist.append(state.new_orders / total if total > 0 else np.nan)
