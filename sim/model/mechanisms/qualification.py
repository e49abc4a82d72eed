"""Stage 7b (docs/model.md 7.13): SMEs invest to qualify for a large enterprise's chain.

An SME below the threshold pays a step cost (lower when matched by the organisation) to raise
its qualification when the expected margin from entering the chain over two years exceeds the
remaining cost (:meth:`sim.model.agents.SME.qualification_decision`). The expected margin is a
15 % margin on the trade's cluster sales shared among the qualified suppliers and the newcomer.
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import SME, Government
from sim.model.compiled import array_sum, kernel
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
    gain, cost, free_cash = _prospects(
        sme, f.trade[:n], f.qualification[:n], f.sales_cluster[:n], f.matched[:n],
        f.output[:n], f.price[:n], f.cash[:n], starter_batches.first_batch_sales(state, gov),
        len(state.trades), thr, p.sme_qualification_cost_mln_rub,
        s.organisation.qualification_cost_reduction, s.finance.cash_buffer_quarters,
    )  # fmt: skip
    go = sme & SME.qualification_decision(
        f.qualification[:n], thr, p.sme_qualification_step, cost, free_cash, gain
    )
    state.ledger.investment += _invest(
        go, f.qualification[:n], f.cash[:n], cost, noise, p.sme_qualification_step
    )


@kernel
def _prospects(
    sme: np.ndarray,
    trade: np.ndarray,
    qualification: np.ndarray,
    sales_cluster: np.ndarray,
    matched: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
    cash: np.ndarray,
    first_batch_sales: np.ndarray,
    trades: int,
    threshold: float,
    step_cost: float,
    matched_reduction: float,
    buffer_quarters: float,
) -> tuple:  # pragma: no cover - compiled
    """Each SME's expected gain from a qualification step, its cost and its free cash.

    The gain is the margin over the gain horizon on the cluster sales of its trade shared with
    one more qualified supplier, plus the margin on first batches; matched SMEs pay less.
    """
    n = sme.shape[0]
    sales = np.zeros(trades)
    qualified = np.zeros(trades)
    for i in range(n):
        if sme[i]:
            sales[trade[i]] += sales_cluster[i]
            if qualification[i] >= threshold:
                qualified[trade[i]] += 1.0
    gain, cost, free_cash = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        per_new = sales[max(trade[i], 0)] / (qualified[max(trade[i], 0)] + 1.0)
        gain[i] = _SUPPLIER_MARGIN * _GAIN_HORIZON_QUARTERS * per_new + (
            _SUPPLIER_MARGIN * first_batch_sales[i]
        )
        cost[i] = step_cost * (1 - matched_reduction if matched[i] else 1.0)
        free_cash[i] = cash[i] - buffer_quarters * output[i] * price[i]
    return gain, cost, free_cash


@kernel
def _invest(
    go: np.ndarray,
    qualification: np.ndarray,
    cash: np.ndarray,
    cost: np.ndarray,
    noise: np.ndarray,
    step: float,
) -> float:  # pragma: no cover - compiled
    """Take a qualification step where ``go`` (in place); returns the outlay (numpy's sum)."""
    paid = np.empty(go.shape[0])
    m = 0
    for i in range(go.shape[0]):
        if go[i]:
            qualification[i] = min(1.0, qualification[i] + step * noise[i])
            cash[i] -= cost[i]
            paid[m] = cost[i]
            m += 1
    return array_sum(paid[:m])
