"""The starter-batch subsidy (docs/model.md 7.9), applied inside sourcing.

Both halves of the instrument live here: what a firm expects from it
(:func:`add_expected_benefit`, read by membership), who may claim it and at what rate this
quarter (:func:`claimants`), and what is paid (:func:`pay`): the subsidy reimburses a share of
purchases from other participants, up to a lifetime cap per applicant and the year's budget.
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import Government
from sim.model.state import ROLE_FINAL, State
from sim.scenario.schema import StarterBatchSubsidy

__all__ = ["add_expected_benefit", "claimants", "pay"]


def add_expected_benefit(value: np.ndarray, state: State, sb: StarterBatchSubsidy) -> None:
    """Add the reimbursement a firm expects per quarter to ``value`` (membership).

    A final producer expects the rate times its local purchases; a supplier a quarter of the
    rate times its cluster sales (buyers pass part of the subsidy on).
    """
    f, n = state.firms, state.firms.n
    fin = f.role[:n] == ROLE_FINAL
    value += np.where(fin, sb.rate.value * f.purchases_local[:n], 0.0)
    value += np.where(~fin, 0.25 * sb.rate.value * f.sales_cluster[:n], 0.0)


def claimants(state: State, gov: Government, fin: np.ndarray) -> tuple[np.ndarray, float]:
    """Final producers that may claim the subsidy this quarter, and its rate (0 when none).

    Claimants are those the government lets have preferences, still under the per-applicant
    cap; the rate is 0 once the year's budget is spent.
    """
    n, q = state.firms.n, state.quarter
    regime = gov.regime
    sb = regime.starter_batch_subsidy if regime is not None else None
    eligible = gov.eligible_for_preferences(state) & fin
    rate = 0.0
    if sb is not None and gov.registered:
        if gov.starter_paid.size < n:
            gov.starter_paid = np.pad(gov.starter_paid, (0, n - gov.starter_paid.size))
        under_cap = gov.starter_paid[:n] < sb.cap_per_applicant_mln_rub.value
        eligible &= under_cap
        if gov.remaining("starter_batch", sb.annual_budget_mln_rub.value, q) > 0:
            rate = sb.rate.value
    else:
        eligible[:] = False
    return eligible, rate


def pay(state: State, gov: Government, claims: np.ndarray) -> None:
    """Pay the claims within each applicant's cap and the year's budget; book the cost."""
    regime = gov.regime
    sb = regime.starter_batch_subsidy if regime is not None else None
    if sb is None or claims.sum() <= 0:
        return
    f, n, q = state.firms, state.firms.n, state.quarter
    room = gov.starter_paid[:n]
    claims = np.minimum(claims, np.maximum(sb.cap_per_applicant_mln_rub.value - room, 0.0))
    budget = gov.remaining("starter_batch", sb.annual_budget_mln_rub.value, q)
    if claims.sum() > budget:
        claims *= budget / claims.sum()
    gov.starter_paid[:n] += claims
    f.cash[:n] += claims
    total = float(claims.sum())
    gov.book("starter_batch", total, q)
    state.ledger.book_cost("starter_batch", sb.budget_level, total)
    state.ledger.paid_to_firms += total
