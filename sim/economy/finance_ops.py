"""Financing of investment: own cash above a buffer, then preferential or market loans.

A firm can borrow at the preferential rate when it is a roster member of a registered cluster
whose regime offers preferential loans and the year's loan budget is not used up (one loan up
to the programme's maximum per investment); the rest is borrowed at the market rate
(key rate + spread). Each quarter 1 / (4 x term) of the outstanding debt is repaid
(declining balance); the interest
subsidy ``(r_m - r_p) / 4 * preferential debt`` is booked each quarter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.economy.finance import preferential_rate

if TYPE_CHECKING:
    from sim.model import ClusterModel

__all__ = ["amortise", "finance_investment", "financing_rate", "financing_rates"]


def _pref_rate(model: ClusterModel) -> float | None:
    regime = model.government.regime
    pl = regime.preferential_loans if regime is not None else None
    if pl is None or not model.government.registered:
        return None
    return preferential_rate(model.key_rate, pl.key_rate_multiplier.value, pl.spread.value)


def financing_rate(model: ClusterModel, i: int, eligible: np.ndarray | None = None) -> float:
    """The rate at which firm ``i`` would finance an investment now.

    ``eligible`` is ``model._eligible_for_preferences()`` when the caller already has it (it
    costs a pass over all firms; callers deciding for many firms compute it once).
    """
    pref = _pref_rate(model)
    if pref is not None:
        if eligible is None:
            eligible = model._eligible_for_preferences()
        if eligible[i]:
            pl = model.government.regime.preferential_loans
            budget = pl.annual_budget_mln_rub.value
            if model.government.remaining("loans", budget, model.quarter) > 0:
                return min(pref, model.market_rate)
    return model.market_rate


def financing_rates(model: ClusterModel, idx: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """:func:`financing_rate` of the firms ``idx`` at once (same values, one pass)."""
    rates = np.full(len(idx), model.market_rate)
    pref = _pref_rate(model)
    if pref is not None:
        pl = model.government.regime.preferential_loans
        if model.government.remaining("loans", pl.annual_budget_mln_rub.value, model.quarter) > 0:
            rates[eligible[idx]] = min(pref, model.market_rate)
    return rates


def finance_investment(
    model: ClusterModel, i: int, amount: float, eligible: np.ndarray | None = None
) -> None:
    """Pay ``amount`` from cash above the buffer, then borrow (preferential first).

    ``eligible``: ``model._eligible_for_preferences()`` if the caller has it already.
    """
    f = model.firms
    buffer = model.spec.finance.cash_buffer_quarters * f.output[i] * f.price[i]
    own = min(max(f.cash[i] - buffer, 0.0), amount)
    f.cash[i] -= own
    rest = amount - own
    if rest <= 0:
        return
    pref = _pref_rate(model)
    if pref is not None and eligible is None:
        eligible = model._eligible_for_preferences()
    if pref is not None and eligible[i]:
        pl = model.government.regime.preferential_loans
        room = model.government.remaining("loans", pl.annual_budget_mln_rub.value, model.quarter)
        loan = min(rest, pl.max_loan_mln_rub.value, room)
        if loan > 0:
            old = f.debt_pref[i]
            f.pref_rate[i] = (old * f.pref_rate[i] + loan * pref) / (old + loan)
            f.debt_pref[i] = old + loan
            model.government.book("loans", loan, model.quarter)
            rest -= loan
    f.debt_market[i] += rest


def amortise(model: ClusterModel) -> None:
    """Repay principal, and book the interest subsidy on preferential debt."""
    s, f, n = model.spec, model.firms, model.firms.n
    regime = model.government.regime
    pl = regime.preferential_loans if regime is not None else None
    term_q = 4 * (pl.term_years.value if pl is not None else s.finance.loan_term_years)
    if pl is not None:
        gap = np.maximum(model.market_rate - f.pref_rate[:n], 0.0)
        subsidy = float((gap * f.debt_pref[:n]).sum() / 4.0)
        fed = subsidy * pl.federal_share.value
        model.ledger.book_cost("loans", "federal", fed)
        model.ledger.book_cost("loans", "regional", subsidy - fed)
    repay_m = f.debt_market[:n] / (4 * s.finance.loan_term_years)
    repay_p = f.debt_pref[:n] / term_q
    f.debt_market[:n] -= repay_m
    f.debt_pref[:n] -= repay_p
    f.cash[:n] -= repay_m + repay_p
