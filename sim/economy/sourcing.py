"""Sourcing submodel: local or outside suppliers, by a logit on effective price.

Large enterprises split localisable purchases between local suppliers and outside (imported or
other-region) suppliers by a logit on effective price, rationed by the local suppliers' free
capacity.

For each trade ``k`` and buyer group ``b`` (participant / non-participant final producers), the
options are local participant suppliers (P), local non-participant suppliers (N) and outside
suppliers (O):

* ``V_g = ln(cap_g / D_k) - beta ln(pe_{b,g})`` for ``g`` in {P, N};  ``V_O = ln(a_O)``
* ``pe_{b,g} = (1 + premium_k) * cost_g * (1 + search * unmatched_g) * (1 - s_{b,g})`` where
  ``s`` is the starter-batch subsidy rate (participant buyers, participant sellers, registered)
* demand of the group ``D_{b,k} * share_{b,g}`` is rationed to the group's free capacity; the
  excess is bought outside.
"""

from __future__ import annotations

import numpy as np

__all__ = ["group_shares", "group_shares_rows"]


def group_shares(
    demand: float,
    capacity: np.ndarray,
    eff_price: np.ndarray,
    beta: float,
    outside_attraction: float,
) -> np.ndarray:
    """Shares of ``demand`` bought from each local group (the rest goes outside).

    Args:
        demand: Localisable demand of the buyer group in this trade (mln RUB).
        capacity: Free capacity of each local supplier group (mln RUB).
        eff_price: Effective price index of each local group for this buyer group.
        beta: Price sensitivity.
        outside_attraction: Attraction ``a_O`` of outside suppliers (price index 1).

    Returns:
        Array of shares, one per local group; their sum is at most 1.
    """
    if demand <= 0:
        return np.zeros(len(capacity))
    ratio = np.maximum(capacity, 0.0) / demand
    # eff_price is floored at 1e-9, so the power never divides by zero (no errstate needed).
    w = np.where(ratio > 0, ratio * np.power(np.maximum(eff_price, 1e-9), -beta), 0.0)
    return w / (w.sum() + outside_attraction)


def group_shares_rows(
    demand: np.ndarray,
    capacity: np.ndarray,
    eff_price: np.ndarray,
    beta: float,
    outside_attraction: float,
) -> np.ndarray:
    """:func:`group_shares` for several buyer groups at once (one row per buyer group).

    Row ``b`` equals ``group_shares(demand[b], capacity, eff_price[b], ...)``: zeros where
    ``demand[b] <= 0``.
    """
    has = demand > 0
    d = np.where(has, demand, 1.0)[:, None]
    ratio = np.maximum(capacity, 0.0) / d
    w = np.where(ratio > 0, ratio * np.power(np.maximum(eff_price, 1e-9), -beta), 0.0)
    shares = w / (w.sum(axis=1, keepdims=True) + outside_attraction)
    shares[~has] = 0.0
    return shares
