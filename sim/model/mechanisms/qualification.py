"""Stage 7b (docs/model.md 7.13): SMEs invest to qualify for a large enterprise's chain.

An SME below the threshold pays a step cost (lower when matched by the organisation) to raise
its qualification when the expected margin from entering the chain over two years exceeds the
remaining cost (:meth:`sim.model.agents.SME.qualification_decision`). The expected margin is a
15 % margin on the trade's cluster sales shared among the qualified suppliers and the newcomer.
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import SME, Government
from sim.model.mechanisms import starter_batches
from sim.model.state import KIND_SME, ROLE_COMPONENT, State

__all__ = ["qualify"]

_SUPPLIER_MARGIN = 0.15
_GAIN_HORIZON_QUARTERS = 8


def qualify(state: State, gov: Government, rng: np.random.Generator) -> None:
    """SMEs below the qualification threshold decide whether to invest in a step.

    Where a registered cluster's regime reimburses starter batches, a participant SME that
    qualifies expects its first deliveries to be bought (the claimants prefer them): it adds
    the margin on its free capacity over the first-batch window
    (:func:`sim.model.mechanisms.starter_batches.first_batch_sales`) to its expected gain.
    """
    s, f, n = state.spec, state.firms, state.firms.n
    p = s.production
    noise = rng.uniform(0.5, 1.5, n)
    sme = f.alive[:n] & (f.kind[:n] == KIND_SME) & (f.role[:n] == ROLE_COMPONENT)
    if not sme.any():
        return
    thr = s.sourcing.qualification_threshold
    qualified = sme & (f.qualification[:n] >= thr)
    trades = f.trade[:n]
    k_count = len(state.trades)
    sales = np.bincount(trades[sme], weights=f.sales_cluster[:n][sme], minlength=k_count)
    nq = np.bincount(trades[qualified], minlength=k_count)
    per_new = sales / (nq + 1.0)
    gain = _SUPPLIER_MARGIN * _GAIN_HORIZON_QUARTERS * per_new[np.maximum(trades, 0)]
    gain = gain + _SUPPLIER_MARGIN * starter_batches.first_batch_sales(state, gov)
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
    state.ledger.investment += float(cost[go].sum())
