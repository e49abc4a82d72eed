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
#: Rows of :func:`_prospects`' table: expected gain, cost of a step, free cash.
_GAIN, _COST, _FREE_CASH = 0, 1, 2


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
    sme, smes = _smes(f.alive, f.kind, f.role, n)
    if smes == 0:
        return
    thr = s.sourcing.qualification_threshold
    prospects = _prospects(
        sme, f.trade, f.qualification, f.sales_cluster, f.matched, f.output, f.price, f.cash,
        starter_batches.first_batch_sales(state, gov), len(state.trades), thr,
        p.sme_qualification_cost_mln_rub, s.organisation.qualification_cost_reduction,
        s.finance.cash_buffer_quarters,
    )  # fmt: skip
    gain, cost, free_cash = prospects[_GAIN], prospects[_COST], prospects[_FREE_CASH]
    decision = SME.qualification_decision(
        f.qualification[:n], thr, p.sme_qualification_step, cost, free_cash, gain
    )
    state.ledger.investment += _invest(
        sme, decision, f.qualification, f.cash, cost, noise, p.sme_qualification_step
    )


@kernel
def _smes(
    alive: np.ndarray, kind: np.ndarray, role: np.ndarray, n: int
) -> tuple[np.ndarray, int]:  # pragma: no cover - compiled
    """The mask of alive SME component makers among the first ``n`` firms, and their number."""
    sme = np.empty(n, dtype=np.bool_)
    count = 0
    for i in range(n):
        sme[i] = alive[i] and kind[i] == KIND_SME and role[i] == ROLE_COMPONENT
        if sme[i]:
            count += 1
    return sme, count


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
) -> np.ndarray:  # pragma: no cover - compiled
    """Each SME's expected gain from a qualification step, its cost and its free cash.

    The gain is the margin over the gain horizon on the cluster sales of its trade shared with
    one more qualified supplier, plus the margin on first batches; matched SMEs pay less. The
    firms are the first ``sme.shape[0]`` of the firm columns; returns the table with the rows
    ``_GAIN``, ``_COST`` and ``_FREE_CASH``, one column per firm.
    """
    n = sme.shape[0]
    sales = np.zeros(trades)
    qualified = np.zeros(trades)
    for i in range(n):
        if sme[i]:
            sales[trade[i]] += sales_cluster[i]
            if qualification[i] >= threshold:
                qualified[trade[i]] += 1.0
    out = np.empty((3, n))
    for i in range(n):
        per_new = sales[max(trade[i], 0)] / (qualified[max(trade[i], 0)] + 1.0)
        out[_GAIN, i] = _SUPPLIER_MARGIN * _GAIN_HORIZON_QUARTERS * per_new + (
            _SUPPLIER_MARGIN * first_batch_sales[i]
        )
        out[_COST, i] = step_cost * (1 - matched_reduction if matched[i] else 1.0)
        out[_FREE_CASH, i] = cash[i] - buffer_quarters * output[i] * price[i]
    return out


@kernel
def _invest(
    sme: np.ndarray,
    decision: np.ndarray,
    qualification: np.ndarray,
    cash: np.ndarray,
    cost: np.ndarray,
    noise: np.ndarray,
    step: float,
) -> float:  # pragma: no cover - compiled
    """Take a qualification step where an SME decided to (in place); returns the outlay.

    The outlay is summed as numpy sums it; the firms are the first ``sme.shape[0]``.
    """
    n = sme.shape[0]
    paid = np.empty(n)
    m = 0
    for i in range(n):
        if sme[i] and decision[i]:
            qualification[i] = min(1.0, qualification[i] + step * noise[i])
            cash[i] -= cost[i]
            paid[m] = cost[i]
            m += 1
    return array_sum(paid[:m])
