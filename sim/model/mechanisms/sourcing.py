"""Stage 5 (docs/model.md 7.8): final producers buy their localisable purchases by trade.

Large enterprises split localisable purchases between local suppliers and outside (imported or
other-region) suppliers by a logit on effective price, rationed by the local suppliers' free
capacity. For each trade ``k`` and buyer group ``b``, the options are local participant
suppliers (P), local non-participant suppliers (N) and outside suppliers (O). Every supplier
is priced on its own (no group average, so a newcomer adds its own attraction and never makes
its group dearer):

* ``pe_{b,i} = (1 + premium_k) * cost_i / cost0_i * (1 + search * u_{b,i}) * (1 - s_{b,g})``,
  ``u_{b,i}`` = 0 for a matched participant supplier selling to a participant buyer, else 1;
  ``s`` is the starter-batch subsidy rate (:mod:`sim.model.mechanisms.starter_batches`)
* group attraction ``A_{b,g} = sum_{i in g} cap_i * pe_{b,i}^(-beta)`` (free capacity ``cap``)
* share of group ``g``: ``(A_{b,g} / D_{b,k}) / (sum_h A_{b,h} / D_{b,k} + a_O)``
* demand of the group ``D_{b,k} * share_{b,g}`` is rationed to the group's free capacity and
  shared among its suppliers in proportion to their free capacity; what a group cannot supply
  spills to the other local groups with room (:func:`spill`) before it is bought outside.

Buyer groups: claimants of the starter-batch subsidy, other participants, non-participants.
Seller groups per trade: new participant suppliers (within their starter-batch window, the
only purchases the subsidy reimburses), other participant suppliers, and non-participant
suppliers, all qualified; the rest is bought outside.
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import Government
from sim.model.mechanisms import starter_batches
from sim.model.state import ROLE_FINAL, State

__all__ = ["attraction", "group_shares", "group_shares_rows", "source", "spill"]


def attraction(free: np.ndarray, eff_price: np.ndarray, beta: float) -> float:
    """A supplier group's attraction ``sum_i free_i * pe_i^(-beta)`` (prices floored at 1e-9)."""
    return float(np.multiply(free, np.power(np.maximum(eff_price, 1e-9), -beta)).sum())


def group_shares(demand: float, attraction: np.ndarray, outside_attraction: float) -> np.ndarray:
    """Shares of ``demand`` bought from each local group (the rest goes outside).

    Args:
        demand: Localisable demand of the buyer group in this trade (mln RUB).
        attraction: Attraction of each local supplier group (:func:`attraction`).
        outside_attraction: Attraction ``a_O`` of outside suppliers (price index 1).

    Returns:
        Array of shares, one per local group; their sum is at most 1.
    """
    if demand <= 0:
        return np.zeros(len(attraction))
    w = np.maximum(attraction, 0.0) / demand
    return w / (w.sum() + outside_attraction)


def group_shares_rows(
    demand: np.ndarray, attraction: np.ndarray, outside_attraction: float
) -> np.ndarray:
    """:func:`group_shares` for several buyer groups at once (one row per buyer group).

    Row ``b`` equals ``group_shares(demand[b], attraction[b], ...)``: zeros where
    ``demand[b] <= 0``.
    """
    has = demand > 0
    d = np.where(has, demand, 1.0)[:, None]
    w = np.maximum(attraction, 0.0) / d
    shares = w / (w.sum(axis=1, keepdims=True) + outside_attraction)
    shares[~has] = 0.0
    return shares


def spill(bought: np.ndarray, wanted: np.ndarray, cap: np.ndarray, attr: np.ndarray) -> None:
    """Send what rationing left unbought to the other local groups with room, before outside.

    ``bought[b, g]`` (already rationed to ``cap``) grows in place: each buyer row's unmet
    demand ``wanted - bought`` goes to the other groups in proportion to their attraction for
    that row, and every group is rationed to its capacity again.
    """
    unmet = np.maximum(wanted - bought, 0.0).sum(axis=1)
    if unmet.sum() <= 0:
        return
    room = np.maximum(cap - bought.sum(axis=0), 0.0)
    # A group rationed to its capacity has no room, whatever rounding leaves of it (a full
    # group must not take a share of the unmet demand that its ~1e-17 of room then caps away).
    open_ = (wanted.sum(axis=0) < cap) & (room > 1e-12 * np.maximum(cap, 1.0))
    if not open_.any():
        return
    w = np.where(open_, np.maximum(attr, 0.0), 0.0)
    norm = w.sum(axis=1, keepdims=True)
    extra = unmet[:, None] * np.divide(w, norm, out=np.zeros_like(w), where=norm > 0)
    tot = extra.sum(axis=0)
    extra *= np.where(tot > room, room / np.maximum(tot, 1e-12), 1.0)
    bought += extra


def source(state: State, gov: Government) -> None:
    """Allocate this quarter's purchases; book the starter-batch subsidy; record contracts."""
    s, f, n, q = state.spec, state.firms, state.firms.n, state.quarter
    sc = s.sourcing
    alive = f.alive[:n]
    fin = (f.role[:n] == ROLE_FINAL) & alive
    purchases = np.where(fin, f.output[:n] * f.price[:n] * sc.purchases_share_of_output, 0.0)
    localisable = purchases * sc.localisable_share

    # Starter-batch subsidy: who can claim it, at what rate, and which suppliers are new.
    eligible, sb_rate = starter_batches.claimants(state, gov, fin)
    new_supplier = starter_batches.new_suppliers(state, gov)
    part = f.participant[:n] & alive
    buyer_groups = [eligible, fin & part & ~eligible, fin & ~part]

    f.sales_cluster[:n] = 0.0
    f.purchases_local[:n] = 0.0
    f.purchases_from_participants[:n] = 0.0
    f.purchases_starter[:n] = 0.0
    claims = np.zeros(n)
    cost0 = state.supplier_cost0[:n]
    free_all, ok_all = state.supplier_free_capacity_all()
    rel_cost = f.unit_cost[:n] / cost0
    unmatched_all = ~f.matched[:n]
    trade_of = f.trade[:n]
    sales_cluster = f.sales_cluster[:n]
    purchases_local = f.purchases_local[:n]
    purchases_from_part = f.purchases_from_participants[:n]
    purchases_starter = f.purchases_starter[:n]
    demand_all = np.array([localisable[b].sum() for b in buyer_groups])
    buyer_weights = [localisable[b] for b in buyer_groups]
    # The buyer groups are disjoint: each buyer's purchases are summed over the trades in its
    # group's own arrays (same additions, same order) and written to the table once.
    buyers = [np.flatnonzero(b) for b in buyer_groups]
    local_b = [np.zeros(len(b)) for b in buyers]
    from_part_b = [np.zeros(len(b)) for b in buyers]
    starter_b = [np.zeros(len(b)) for b in buyers]
    claims_b = np.zeros(len(buyers[0]))
    beta = sc.price_sensitivity
    search = 1 + sc.unmatched_search_cost
    discount = max(1 - sb_rate, 1e-9) ** (-beta)  # the claimants' subsidy on starter batches
    for k, trade in enumerate(sc.trades):
        in_trade = ok_all & (trade_of == k)
        if not in_trade.any():
            continue
        free = np.where(in_trade, free_all, 0.0)
        pos = free > 0
        # Seller groups: new participant suppliers (starter batches), other participants,
        # non-participants.
        groups = [pos & part & new_supplier, pos & part & ~new_supplier, pos & ~part]
        frees = [free[g] for g in groups]
        cap_g = np.array([fr.sum() for fr in frees])
        if cap_g.sum() <= 0:
            continue
        # Each supplier's own effective price; participant buyers pay no search cost to
        # matched participant suppliers.
        base = rel_cost * (1 + trade.local_price_premium)
        a_part = [
            attraction(frees[g], base[groups[g]] * (1 + sc.unmatched_search_cost
                                                    * unmatched_all[groups[g]]), beta)
            for g in (0, 1)
        ]  # fmt: skip
        a_out = [attraction(frees[g], base[groups[g]] * search, beta) for g in (0, 1, 2)]
        attr = np.array(
            [
                [a_part[0] * discount, a_part[1], a_out[2]],  # claimants
                [a_part[0], a_part[1], a_out[2]],  # other participants
                [a_out[0], a_out[1], a_out[2]],  # non-participants
            ]
        )
        demand_b = demand_all * trade.purchase_share
        wanted = demand_b[:, None] * group_shares_rows(demand_b, attr, state.outside_attraction[k])
        # Ration each seller group to its free capacity; what it cannot supply goes to the
        # other local groups with room before it leaves the region.
        tot = wanted.sum(axis=0)
        bought = wanted * np.where(tot > cap_g, cap_g / np.maximum(tot, 1e-12), 1.0)
        spill(bought, wanted, cap_g, attr)
        for gi, g in enumerate(groups):
            if cap_g[gi] > 0:
                sales_cluster[g] += bought[:, gi].sum() * frees[gi] / cap_g[gi]
        bought_by_buyer = bought.sum(axis=1)
        from_part = bought[:, 0] + bought[:, 1]
        for bi in range(len(buyer_groups)):
            d = demand_b[bi]
            if d <= 0:
                continue
            w = buyer_weights[bi] * trade.purchase_share / d
            local_b[bi] += bought_by_buyer[bi] * w
            from_part_b[bi] += from_part[bi] * w
            starter_b[bi] += bought[bi, 0] * w
            if bi == 0:
                claims_b += sb_rate * bought[bi, 0] * w
        # Contracts: participant sellers that sold to participant buyers, and those buyers.
        if from_part[:2].sum() > 0:
            f.last_contract_quarter[:n][groups[0] | groups[1]] = q
    for bi, b in enumerate(buyers):
        purchases_local[b] = local_b[bi]
        purchases_from_part[b] = from_part_b[bi]
        purchases_starter[b] = starter_b[bi]
    claims[buyers[0]] = claims_b
    buyers_with = fin & part & (f.purchases_from_participants[:n] > 0)
    f.last_contract_quarter[:n][buyers_with] = q
    f.purchases[:n] = np.where(fin, purchases, f.purchases[:n])
    first = (f.sales_cluster[:n] > 0) & (f.first_sale_quarter[:n] == -1)  # not sold before
    f.first_sale_quarter[:n][first] = q
    starter_batches.pay(state, gov, claims)
