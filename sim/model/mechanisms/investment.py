"""Stage 7 (docs/model.md 7.11): final producers invest in capacity.

Capacity: a final producer wants ``K* = OB / T_cover``; when ``K* > K`` it considers investing
``I = share * (K* - K) * kappa`` and does so when the annual cash return on capital
``4 (p - c + d) / kappa`` (price and unit cost per rouble of output at base prices) beats its
financing rate (:func:`sim.model.mechanisms.loans.financing_rates`;
:meth:`sim.model.agents.LargeEnterprise.invests`). Investment adds ``I / kappa`` to capacity and
raises productivity by ``g * I / (K kappa)``; it is paid by
:func:`sim.model.mechanisms.loans.finance_investment`. Loans are amortised first.
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import Government, LargeEnterprise
from sim.model.mechanisms.loans import amortise, finance_investment, financing_rates
from sim.model.state import ROLE_FINAL, State

__all__ = ["invest"]


def invest(state: State, gov: Government) -> None:
    """Amortise loans, then let final producers invest in capacity."""
    amortise(state, gov)
    s, f, n = state.spec, state.firms, state.firms.n
    fs = s.finance
    fin = np.flatnonzero((f.role[:n] == ROLE_FINAL) & f.alive[:n])
    desired = f.order_book[fin] / s.market.target_cover_quarters
    gap = desired - f.capacity[fin]
    dep = fs.depreciation_rate_per_year * fs.capital_mln_rub_per_capacity / 4.0
    annual_return = 4.0 * (f.price[fin] - f.unit_cost[fin] + dep) / fs.capital_mln_rub_per_capacity
    # Eligibility does not change while firms invest: one pass over all firms, not one per firm.
    eligible = gov.eligible_for_preferences(state)
    rates = financing_rates(state, gov, fin, eligible)
    go = (gap > 0) & LargeEnterprise.invests(annual_return, rates)
    for i, g in zip(fin[go].tolist(), gap[go].tolist(), strict=True):
        amount = fs.investment_share_of_gap * g * fs.capital_mln_rub_per_capacity
        k_old = f.capacity[i]
        f.capacity[i] += amount / fs.capital_mln_rub_per_capacity
        f.productivity[i] *= 1 + fs.productivity_gain_per_investment * amount / max(
            k_old * fs.capital_mln_rub_per_capacity, 1e-9
        )
        finance_investment(state, gov, i, amount, eligible)
        state.ledger.investment += amount
