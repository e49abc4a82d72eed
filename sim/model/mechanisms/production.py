"""Stages 6a and 6b (docs/model.md 7.7, 7.10): output, employment, learning, spillovers.

Final producers (each quarter):

* labour capacity ``A_eff L / 4`` with ``A_eff = A (E / E_0)^(gamma_i)`` (agglomeration:
  ``gamma_i = gamma`` for participants, ``gamma * outsider_factor`` for others, ``E`` the
  cluster's employment)
* output ``Y = min(A_eff L / 4, K, OB / T_min)``; the order book falls by ``Y``
* desired output ``Y* = min(K, OB / T_cover)``; employment ``L += h (4 Y* / A_eff - L)``
* learning-by-doing ``A <- A (Q_cum,t / Q_cum,t-1)^lambda (1 + trend)^(1/4)``.

Suppliers sell to the cluster what sourcing bought from them and the rest of their free
capacity to other markets (up to their other-market demand); SMEs adjust employment to sales.
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import LargeEnterprise
from sim.model.state import ROLE_COMPONENT, ROLE_FINAL, State

__all__ = ["learn", "produce_final", "produce_suppliers"]


def produce_final(state: State) -> None:
    """Final producers produce from their order books and adjust employment."""
    s, f, n = state.spec, state.firms, state.firms.n
    fin = (f.role[:n] == ROLE_FINAL) & f.alive[:n]
    a_eff = state.effective_productivity()
    lab_cap = a_eff * f.employment[:n] / 4.0
    y = np.minimum(
        np.minimum(lab_cap, f.capacity[:n]), f.order_book[:n] / s.market.build_quarters_min
    )
    y = np.where(fin, np.maximum(y, 0.0), 0.0)
    f.output[:n][fin] = y[fin]
    f.order_book[:n][fin] -= y[fin]
    desired = np.minimum(f.capacity[:n], f.order_book[:n] / s.market.target_cover_quarters)
    target = LargeEnterprise.employment_target(desired, a_eff)
    h = s.labour.hiring_rate_per_quarter
    f.employment[:n][fin] += h * (target[fin] - f.employment[:n][fin])
    f.employment[:n][fin] = np.maximum(f.employment[:n][fin], 1.0)


def produce_suppliers(state: State) -> None:
    """Suppliers produce cluster sales plus other-market sales; then everyone learns."""
    s, f, n = state.spec, state.firms, state.firms.n
    sup = (f.role[:n] == ROLE_COMPONENT) & f.alive[:n]
    a_eff = state.effective_productivity()
    cap = np.minimum(a_eff * f.employment[:n] / 4.0, f.capacity[:n])
    producing = sup & ~state.non_producing()
    growth = (1 + s.market.demand_growth_per_year) ** 0.25
    f.other_demand[:n][sup] *= growth
    other = np.where(
        producing, np.minimum(f.other_demand[:n], np.maximum(cap - f.sales_cluster[:n], 0)), 0
    )
    f.sales_other[:n] = np.where(sup, other * f.price[:n], 0.0)
    volume = np.where(sup, f.sales_cluster[:n] / np.maximum(f.price[:n], 1e-9) + other, 0.0)
    f.output[:n][sup] = volume[sup]
    f.purchases[:n][sup] = s.sourcing.purchases_share_of_output * volume[sup]
    # Suppliers keep ~15 % spare capacity over what they sold; capacity follows employment.
    target = 4.0 * 1.15 * volume / np.maximum(a_eff, 1e-9)
    target = np.maximum(target, 4.0 * f.other_demand[:n] / np.maximum(a_eff, 1e-9))
    g = s.production.sme_capacity_growth_per_quarter
    h = s.labour.hiring_rate_per_quarter
    step = np.clip(target - f.employment[:n], -h * f.employment[:n], g * f.employment[:n])
    f.employment[:n][producing] = np.maximum(f.employment[:n][producing] + step[producing], 1.0)
    f.capacity[:n][sup] = np.maximum(f.capacity[:n][sup], a_eff[sup] * f.employment[:n][sup] / 4)
    learn(state)


def learn(state: State) -> None:
    """Learning-by-doing on cumulative output and the exogenous productivity trend."""
    p, f, n = state.spec.production, state.firms, state.firms.n
    alive = f.alive[:n]
    new_cum = f.cum_output[:n] + f.output[:n]
    ratio = np.where(f.cum_output[:n] > 0, new_cum / np.maximum(f.cum_output[:n], 1e-9), 1.0)
    trend = (1 + p.productivity_trend_per_year) ** 0.25
    f.productivity[:n] = np.where(
        alive, f.productivity[:n] * ratio**p.learning_elasticity * trend, f.productivity[:n]
    )
    f.cum_output[:n] = new_cum
