"""The sourcing stage: final producers buy their localisable purchases by trade.

Buyer groups: roster members of a registered cluster still under their starter-batch cap
(they get the subsidy on purchases from participants), other participants, non-participants.
Seller groups per trade: qualified participant suppliers (P) and qualified other local
suppliers (N); the rest is bought outside. See :mod:`sim.economy.sourcing` for the equations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.economy.firms import ROLE_FINAL
from sim.economy.sourcing import group_shares

if TYPE_CHECKING:
    from sim.model import ClusterModel

__all__ = ["source"]


def source(model: ClusterModel) -> None:
    """Allocate this quarter's purchases; book the starter-batch subsidy; record contracts."""
    s, f, n, q = model.spec, model.firms, model.firms.n, model.quarter
    sc = s.sourcing
    alive = f.alive[:n]
    fin = (f.role[:n] == ROLE_FINAL) & alive
    purchases = np.where(fin, f.output[:n] * f.price[:n] * sc.purchases_share_of_output, 0.0)
    localisable = purchases * sc.localisable_share

    # Starter-batch subsidy: who can claim it and at what rate this quarter.
    gov = model.government
    regime = gov.regime
    sb = regime.starter_batch_subsidy if regime is not None else None
    eligible = model._eligible_for_preferences() & fin
    sb_rate = 0.0
    if sb is not None and gov.registered:
        if gov.starter_paid.size < n:
            gov.starter_paid = np.pad(gov.starter_paid, (0, n - gov.starter_paid.size))
        under_cap = gov.starter_paid[:n] < sb.cap_per_applicant_mln_rub.value
        eligible &= under_cap
        if gov.remaining("starter_batch", sb.annual_budget_mln_rub.value, q) > 0:
            sb_rate = sb.rate.value
    else:
        eligible[:] = False
    part = f.participant[:n] & alive
    buyer_groups = [eligible, fin & part & ~eligible, fin & ~part]

    f.sales_cluster[:n] = 0.0
    f.purchases_local[:n] = 0.0
    f.purchases_from_participants[:n] = 0.0
    claims = np.zeros(n)
    cost0 = model.supplier_cost0[:n]
    for k, trade in enumerate(s.sourcing.trades):
        free = model._supplier_free_capacity(k)
        groups = [free > 0, free > 0]
        groups[0] &= part
        groups[1] &= ~part
        cap_g = np.array([free[g].sum() for g in groups])
        if cap_g.sum() <= 0:
            continue
        base_price = np.ones(2)
        unmatched = np.ones(2)
        for gi, g in enumerate(groups):
            if cap_g[gi] > 0:
                w = free[g]
                base_price[gi] = np.average(f.unit_cost[:n][g] / cost0[g], weights=w)
                unmatched[gi] = np.average(~f.matched[:n][g], weights=w) if gi == 0 else 1.0
        base_price *= 1 + trade.local_price_premium
        demand_b = np.array([localisable[b].sum() for b in buyer_groups]) * trade.purchase_share
        bought = np.zeros((3, 2))
        for bi in range(3):
            if demand_b[bi] <= 0:
                continue
            search = np.where(bi < 2, unmatched, 1.0) * sc.unmatched_search_cost
            eff = base_price * (1 + search)
            if bi == 0:
                eff[0] *= 1 - sb_rate
            shares = group_shares(
                demand_b[bi], cap_g, eff, sc.price_sensitivity, model.outside_attraction[k]
            )
            bought[bi] = demand_b[bi] * shares
        # Ration each seller group to its free capacity.
        tot = bought.sum(axis=0)
        scale = np.where(tot > cap_g, cap_g / np.maximum(tot, 1e-12), 1.0)
        bought *= scale
        for gi, g in enumerate(groups):
            if tot[gi] > 0:
                f.sales_cluster[:n][g] += bought[:, gi].sum() * free[g] / cap_g[gi]
        for bi, b in enumerate(buyer_groups):
            d = demand_b[bi]
            if d <= 0:
                continue
            w = localisable[b] * trade.purchase_share / d
            f.purchases_local[:n][b] += bought[bi].sum() * w
            f.purchases_from_participants[:n][b] += bought[bi, 0] * w
            if bi == 0:
                claims[b] += sb_rate * bought[bi, 0] * w
        # Contracts: participant sellers that sold to participant buyers, and those buyers.
        if bought[:2, 0].sum() > 0:
            f.last_contract_quarter[:n][groups[0]] = q
    buyers_with = fin & part & (f.purchases_from_participants[:n] > 0)
    f.last_contract_quarter[:n][buyers_with] = q
    f.purchases[:n] = np.where(fin, purchases, f.purchases[:n])

    if sb is not None and claims.sum() > 0:
        room = gov.starter_paid[:n]
        claims = np.minimum(claims, np.maximum(sb.cap_per_applicant_mln_rub.value - room, 0.0))
        budget = gov.remaining("starter_batch", sb.annual_budget_mln_rub.value, q)
        if claims.sum() > budget:
            claims *= budget / claims.sum()
        gov.starter_paid[:n] += claims
        f.cash[:n] += claims
        total = float(claims.sum())
        gov.book("starter_batch", total, q)
        model.ledger.book_cost("starter_batch", sb.budget_level, total)
        model.ledger.paid_to_firms += total
