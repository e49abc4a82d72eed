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
from sim.economy.sourcing import group_shares_rows

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
    # What does not change between trades is computed once (it used to be recomputed per trade).
    free_all, ok_all = model._supplier_free_capacity_all()
    rel_cost = f.unit_cost[:n] / cost0
    unmatched_all = ~f.matched[:n]
    not_part = ~part
    trade_of = f.trade[:n]
    sales_cluster = f.sales_cluster[:n]
    purchases_local = f.purchases_local[:n]
    purchases_from_part = f.purchases_from_participants[:n]
    demand_all = np.array([localisable[b].sum() for b in buyer_groups])
    buyer_weights = [localisable[b] for b in buyer_groups]
    for k, trade in enumerate(s.sourcing.trades):
        in_trade = ok_all & (trade_of == k)
        if not in_trade.any():
            continue
        free = np.where(in_trade, free_all, 0.0)
        pos = free > 0
        groups = [pos & part, pos & not_part]
        frees = [free[g] for g in groups]
        cap_g = np.array([fr.sum() for fr in frees])
        if cap_g.sum() <= 0:
            continue
        base_price = np.ones(2)
        unmatched = np.ones(2)
        for gi, g in enumerate(groups):
            if cap_g[gi] > 0:
                w = frees[gi]
                # np.average(a, weights=w) == (a * w).sum() / w.sum(), bit for bit
                base_price[gi] = np.multiply(rel_cost[g], w).sum() / w.sum()
                if gi == 0:
                    unmatched[gi] = np.multiply(unmatched_all[g], w, dtype=float).sum() / w.sum()
        base_price *= 1 + trade.local_price_premium
        demand_b = demand_all * trade.purchase_share
        # All three buyer groups at once (row bi == group_shares(demand_b[bi], ...), elementwise).
        search = np.array([unmatched, unmatched, (1.0, 1.0)]) * sc.unmatched_search_cost
        eff = base_price * (1 + search)
        eff[0, 0] *= 1 - sb_rate
        bought = demand_b[:, None] * group_shares_rows(
            demand_b, cap_g, eff, sc.price_sensitivity, model.outside_attraction[k]
        )
        # Ration each seller group to its free capacity.
        tot = bought.sum(axis=0)
        scale = np.where(tot > cap_g, cap_g / np.maximum(tot, 1e-12), 1.0)
        bought *= scale
        for gi, g in enumerate(groups):
            if tot[gi] > 0:
                sales_cluster[g] += bought[:, gi].sum() * frees[gi] / cap_g[gi]
        bought_by_buyer = bought.sum(axis=1)
        for bi, b in enumerate(buyer_groups):
            d = demand_b[bi]
            if d <= 0:
                continue
            w = buyer_weights[bi] * trade.purchase_share / d
            purchases_local[b] += bought_by_buyer[bi] * w
            purchases_from_part[b] += bought[bi, 0] * w
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
