"""Calibration of the unobserved constants at initialisation (docs/model.md 5.2).

The de-facto cluster starts in equilibrium:

* the competitors' unit cost (price index 1 = the cluster's initial average cost divided by
  the scenario's competitor price index);
* the rivals' free-capacity weight, so that the cluster's expected share of orders equals its
  initial output divided by the market's orders (and the mean order size, when the scenario
  sets it relative to the yards' quarterly output);
* the outside suppliers' attraction per trade, so that local suppliers hold the scenario's
  initial local share;
* each firm group's membership constant, so that the initial participants choose to stay;
* a warm-up sourcing round at quarter 0 (the de-facto supply contracts that exist at the start);
  suppliers' other-market demand is what their initial output does not sell locally;
* quarter-0 EBITDA, which sets the first quarter's borrowing limit.
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import ClusterOrganization, Government
from sim.model.mechanisms.financing import ebitda
from sim.model.mechanisms.membership import net_benefit, peer_share
from sim.model.mechanisms.sourcing import source
from sim.model.state import ROLE_COMPONENT, ROLE_FINAL, State

__all__ = ["calibrate"]


def calibrate(state: State, gov: Government, org: ClusterOrganization) -> None:
    """Fix the unobserved constants so that the de-facto cluster starts in equilibrium."""
    s, f = state.spec, state.firms
    n = f.n
    state.agglo_base = float(f.employment[:n].sum())
    state.update_costs()
    fin = f.role[:n] == ROLE_FINAL
    w = f.output[:n][fin]
    cost_ref = float(np.average(f.unit_cost[:n][fin], weights=w))
    state.cost_comp = cost_ref / s.market.competitor_price_index
    sup = f.role[:n] == ROLE_COMPONENT
    state.supplier_cost0 = f.unit_cost[:n].copy()
    state.supplier_cost0[~sup] = 1.0
    f.price[:n] = np.where(fin, f.unit_cost[:n] / state.cost_comp, 1.0)
    cluster_q = float(w.sum())
    mk = s.market
    if mk.order_size_per_yard_quarter is not None:
        state.order_size = mk.order_size_per_yard_quarter * float(w.mean())
    share = min(0.95, cluster_q / state.demand_level)
    price, deliv = f.price[:n][fin], state.delivery()[fin]
    free = np.maximum(state.free_capacity()[fin], 1e-12)
    u_in = np.log(free) - mk.price_sensitivity * np.log(price)
    u_in -= mk.delivery_sensitivity * deliv
    inside = np.exp(u_in).sum()
    u_out0 = -mk.delivery_sensitivity * mk.competitor_delivery_quarters
    state.outside_capacity = inside * (1 - share) / share / np.exp(u_out0)
    state.market_share_hist = [share] * 4
    state.rival_share0 = 1.0 - share
    state.rival_cost = state.cost_comp
    # The rivals' cost has the cluster's structure: the labour part is what their productivity
    # trend lowers.
    eff = state.effective_productivity()[fin]
    ic = s.taxes.insurance_contributions.value
    labour = s.labour.wage_mln_rub_per_worker_year * (1 + ic) / eff
    state.rival_labour_share = float(np.average(labour / f.unit_cost[:n][fin], weights=w))
    # Outside suppliers' attraction per trade, at de-facto prices (no subsidies).
    state.outside_attraction = np.ones(len(state.trades))
    demand = state.localisable_demand().sum()
    # The capacity each qualified supplier of a trade offers the cluster (0 for the others).
    free, qualified_supplier = state.supplier_free_capacity_all()
    trade = f.trade[:n]
    for k, spec_k in enumerate(s.sourcing.trades):
        cap = np.where(qualified_supplier & (trade == k), free, 0.0).sum()
        d = demand * spec_k.purchase_share
        if d <= 0 or cap <= 0:
            continue
        prem = 1 + spec_k.local_price_premium
        price_g = prem * (1 + s.sourcing.unmatched_search_cost)
        target = s.sourcing.initial_local_share
        x = cap / d * price_g ** (-s.sourcing.price_sensitivity)
        state.outside_attraction[k] = x * (1 - target) / target
    state.group_constant = np.zeros(len(s.firm_groups))
    benefit = net_benefit(state, gov, org, prospect=0.0)
    peer = peer_share(state)
    for gi in range(len(s.firm_groups)):
        m = f.group[:n] == gi
        z = benefit[m] / s.membership.benefit_scale_mln_rub
        z = z + s.membership.peer_weight * (peer[m] - 0.5) + f.taste[:n][m]
        part = f.participant[:n][m]
        if part.all():
            state.group_constant[gi] = -z.min() + 0.5
        elif not part.any():
            state.group_constant[gi] = -z.max() - 0.5
        else:
            state.group_constant[gi] = -(z[part].min() + z[~part].max()) / 2.0
    state.local_sales0 = None
    f.price[:n] = np.where(fin, f.price[:n], state.supplier_price())
    # Warm-up sourcing at quarter 0: the de-facto supply contracts that exist at the start.
    # Suppliers' other-market demand is what their initial output does not sell locally.
    state.ledger.start_quarter()
    source(state, gov)
    # The suppliers qualified at the start are established: their deliveries are not starter
    # batches (whether or not the warm-up round bought from them).
    qualified = sup & (f.qualification[:n] >= s.sourcing.qualification_threshold)
    f.first_sale_quarter[:n][qualified | (f.sales_cluster[:n] > 0)] = -100
    sup = f.role[:n] == ROLE_COMPONENT
    base = f.output[:n].copy()
    local_volume = f.sales_cluster[:n] / np.maximum(f.price[:n], 1e-9)
    f.other_demand[:n] = np.where(sup, np.maximum(base - local_volume, 0.2 * base), 0.0)
    # Quarter-0 earnings, the first quarter's borrowing limit (7.11).
    f.ebitda[:n] = ebitda(state)
