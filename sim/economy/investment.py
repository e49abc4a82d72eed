"""Investment: final producers' capacity and SMEs' qualification.

Capacity: a final producer wants ``K* = OB / T_cover``; when ``K* > K`` it considers investing
``I = share * (K* - K) * kappa`` and does so when the annual cash return on capital
``4 (p - c + d) / kappa`` (price and unit cost per rouble of output at base prices) beats its
financing rate (:func:`financing_rate`). Investment adds
``I / kappa`` to capacity and raises productivity by ``g * I / (K kappa)``.

Qualification: an SME below the threshold pays a step cost (lower when matched by the
organisation) to raise its qualification when the expected margin from entering the chain over
two years exceeds the remaining cost (:meth:`sim.agents.SME.qualification_decision`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents import SME, LargeEnterprise
from sim.economy.finance_ops import amortise, finance_investment, financing_rates
from sim.economy.firms import KIND_SME, ROLE_COMPONENT, ROLE_FINAL

if TYPE_CHECKING:
    from sim.model import ClusterModel

__all__ = ["invest", "qualify"]

_SUPPLIER_MARGIN = 0.15
_GAIN_HORIZON_QUARTERS = 8


def invest(model: ClusterModel) -> None:
    """Amortise loans, then let final producers invest in capacity."""
    amortise(model)
    s, f, n = model.spec, model.firms, model.firms.n
    fs = s.finance
    fin = np.flatnonzero((f.role[:n] == ROLE_FINAL) & f.alive[:n])
    desired = f.order_book[fin] / s.market.target_cover_quarters
    gap = desired - f.capacity[fin]
    dep = fs.depreciation_rate_per_year * fs.capital_mln_rub_per_capacity / 4.0
    annual_return = (
        4.0
        * (f.price[fin] - f.unit_cost[fin] + dep)
        / fs.capital_mln_rub_per_capacity
    )
    # Eligibility does not change while firms invest: one pass over all firms, not one per firm.
    eligible = model._eligible_for_preferences()
    rates = financing_rates(model, fin, eligible)
    go = (gap > 0) & LargeEnterprise.invests(annual_return, rates)
    for i, g in zip(fin[go].tolist(), gap[go].tolist(), strict=True):
        amount = fs.investment_share_of_gap * g * fs.capital_mln_rub_per_capacity
        k_old = f.capacity[i]
        f.capacity[i] += amount / fs.capital_mln_rub_per_capacity
        f.productivity[i] *= 1 + fs.productivity_gain_per_investment * amount / max(
            k_old * fs.capital_mln_rub_per_capacity, 1e-9
        )
        finance_investment(model, i, amount, eligible)
        model.ledger.investment += amount


def qualify(model: ClusterModel, rng: np.random.Generator) -> None:
    """SMEs below the qualification threshold decide whether to invest in a step."""
    s, f, n = model.spec, model.firms, model.firms.n
    p = s.production
    noise = rng.uniform(0.5, 1.5, n)
    sme = f.alive[:n] & (f.kind[:n] == KIND_SME) & (f.role[:n] == ROLE_COMPONENT)
    if not sme.any():
        return
    thr = s.sourcing.qualification_threshold
    qualified = sme & (f.qualification[:n] >= thr)
    trades = f.trade[:n]
    k_count = len(model.trades)
    sales = np.bincount(trades[sme], weights=f.sales_cluster[:n][sme], minlength=k_count)
    nq = np.bincount(trades[qualified], minlength=k_count)
    per_new = sales / (nq + 1.0)
    gain = _SUPPLIER_MARGIN * _GAIN_HORIZON_QUARTERS * per_new[np.maximum(trades, 0)]
    cost = p.sme_qualification_cost_mln_rub * np.where(
        f.matched[:n], 1 - s.organisation.qualification_cost_reduction, 1.0
    )
    buffer = s.finance.cash_buffer_quarters * f.output[:n] * f.price[:n]
    go = sme & SME.qualification_decision(
        f.qualification[:n], thr, p.sme_qualification_step, cost, f.cash[:n] - buffer, gain
    )
    f.qualification[:n][go] = np.minimum(
        1.0, f.qualification[:n][go] + p.sme_qualification_step * noise[go]
    )
    f.cash[:n][go] -= cost[go]
    model.ledger.investment += float(cost[go].sum())
