"""Preferential loans and the financing of investment (docs/model.md 7.11-7.12).

Both halves of the instrument live here: what a firm expects from it (:func:`add_expected_benefit`,
read by membership) and what is lent and paid (:func:`finance_investment`, :func:`amortise`).

* preferential rate ``r_p = m * k_t + s`` (IDF: m = 0, s = 3 %; KIP: m = 0.3, s = 3 pp)
* a firm can borrow at ``r_p`` when the government lets it have preferences (roster member of a
  registered cluster) and the year's loan budget is not used up (one loan up to the programme's
  maximum per investment); the rest is borrowed at the market rate ``r_m = k_t + spread``
* investment is paid from cash above a buffer first, then preferential, then market loans
* each quarter ``1 / (4 x term)`` of the outstanding debt is repaid (declining balance); the
  interest subsidy ``(r_m - r_p) / 4 * preferential debt`` is booked each quarter.
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import Government
from sim.model.state import KIND_LARGE, State
from sim.scenario.schema import PreferentialLoans

__all__ = [
    "add_expected_benefit",
    "amortise",
    "finance_investment",
    "financing_rate",
    "financing_rates",
    "preferential_rate",
]


def preferential_rate(key_rate: float, multiplier: float, spread: float) -> float:
    """Preferential loan rate = multiplier x key rate + spread."""
    return multiplier * key_rate + spread


def _pref_rate(state: State, gov: Government) -> float | None:
    """The regime's preferential rate now, or None when no preferential loan can be had."""
    regime = gov.regime
    pl = regime.preferential_loans if regime is not None else None
    if pl is None or not gov.registered:
        return None
    return preferential_rate(state.key_rate, pl.key_rate_multiplier.value, pl.spread.value)


def add_expected_benefit(value: np.ndarray, state: State, pl: PreferentialLoans) -> None:
    """Add the interest saving a large firm expects per quarter to ``value`` (membership).

    ``max(r_m - r_p, 0) / 4 * min(max_loan, revenue / 2)`` for large enterprises.
    """
    f, n = state.firms, state.firms.n
    revenue = f.output[:n] * f.price[:n]
    gap = state.market_rate - preferential_rate(
        state.key_rate, pl.key_rate_multiplier.value, pl.spread.value
    )
    loan = np.minimum(pl.max_loan_mln_rub.value, 0.5 * revenue)
    value += np.where(f.kind[:n] == KIND_LARGE, max(gap, 0.0) / 4 * loan, 0.0)


def financing_rate(state: State, gov: Government, i: int, eligible: np.ndarray) -> float:
    """The rate at which firm ``i`` would finance an investment now.

    ``eligible`` is :meth:`Government.eligible_for_preferences` (one pass over all firms;
    callers deciding for many firms compute it once).
    """
    pref = _pref_rate(state, gov)
    if pref is not None and eligible[i]:
        pl = gov.regime.preferential_loans
        budget = pl.annual_budget_mln_rub.value
        if gov.remaining("loans", budget, state.quarter) > 0:
            return min(pref, state.market_rate)
    return state.market_rate


def financing_rates(
    state: State, gov: Government, idx: np.ndarray, eligible: np.ndarray
) -> np.ndarray:
    """:func:`financing_rate` of the firms ``idx`` at once (same values, one pass)."""
    rates = np.full(len(idx), state.market_rate)
    pref = _pref_rate(state, gov)
    if pref is not None:
        pl = gov.regime.preferential_loans
        if gov.remaining("loans", pl.annual_budget_mln_rub.value, state.quarter) > 0:
            rates[eligible[idx]] = min(pref, state.market_rate)
    return rates


def finance_investment(
    state: State, gov: Government, i: int, amount: float, eligible: np.ndarray
) -> None:
    """Pay ``amount`` from cash above the buffer, then borrow (preferential first)."""
    f = state.firms
    buffer = state.spec.finance.cash_buffer_quarters * f.output[i] * f.price[i]
    own = min(max(f.cash[i] - buffer, 0.0), amount)
    f.cash[i] -= own
    rest = amount - own
    if rest <= 0:
        return
    pref = _pref_rate(state, gov)
    if pref is not None and eligible[i]:
        pl = gov.regime.preferential_loans
        room = gov.remaining("loans", pl.annual_budget_mln_rub.value, state.quarter)
        loan = min(rest, pl.max_loan_mln_rub.value, room)
        if loan > 0:
            old = f.debt_pref[i]
            f.pref_rate[i] = (old * f.pref_rate[i] + loan * pref) / (old + loan)
            f.debt_pref[i] = old + loan
            gov.book("loans", loan, state.quarter)
            rest -= loan
    f.debt_market[i] += rest


def amortise(state: State, gov: Government) -> None:
    """Repay principal, and book the interest subsidy on preferential debt."""
    s, f, n = state.spec, state.firms, state.firms.n
    regime = gov.regime
    pl = regime.preferential_loans if regime is not None else None
    term_q = 4 * (pl.term_years.value if pl is not None else s.finance.loan_term_years)
    if pl is not None:
        gap = np.maximum(state.market_rate - f.pref_rate[:n], 0.0)
        subsidy = float((gap * f.debt_pref[:n]).sum() / 4.0)
        fed = subsidy * pl.federal_share.value
        state.ledger.book_cost("loans", "federal", fed)
        state.ledger.book_cost("loans", "regional", subsidy - fed)
    repay_m = f.debt_market[:n] / (4 * s.finance.loan_term_years)
    repay_p = f.debt_pref[:n] / term_q
    f.debt_market[:n] -= repay_m
    f.debt_pref[:n] -= repay_p
    f.cash[:n] -= repay_m + repay_p
