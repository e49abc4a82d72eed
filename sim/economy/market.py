"""Market submodel: stochastic new orders and their allocation by a logit on price and delivery.

Equations (docs/model.md, "Market"):

* demand level ``D_t = D_0 (1 + g)^(t/4) * exp(sigma * e_t - sigma^2 / 2)``, ``e_t ~ N(0, 1)``
* number of orders ``N_t ~ Poisson(D_t / E[size])``, sizes lognormal with the scenario's mean/cv
* utility of final producer ``j``: ``u_j = ln(cap_j) - beta_p ln(p_j) - beta_d d_j``; outside
  competitors ``u_0 = ln(cap_0) - beta_p ln(p_0) - beta_d d_0``
* each order goes to ``j`` with probability ``exp(u_j) / sum_k exp(u_k)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["allocate_orders", "logit_probabilities", "lognormal"]


def lognormal(rng: np.random.Generator, mean: float, cv: float, size: int | None = None):
    """Draw lognormal values with the given arithmetic mean and coefficient of variation."""
    if cv <= 0:
        return np.full(size, mean) if size is not None else mean
    s2 = np.log1p(cv * cv)
    mu = np.log(mean) - s2 / 2
    return rng.lognormal(mu, np.sqrt(s2), size)


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
