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

__all__ = ["amortise", "finance_investment", "financing_rate"]


def _pref_rate(model: ClusterModel) -> float | None:
    regime = model.government.regime
    pl = regime.preferential_loans if regime is not None else None
    if pl is None or not model.government.registered:
        return None
    return preferential_rate(model.key_rate, pl.key_rate_multiplier.value, pl.spread.value)


def financing_rate(model: ClusterModel, i: int) -> float:
    """The rate at which firm ``i`` would finance an investment now."""
    pref = _pref_rate(model)
    if pref is not None and model._eligible_for_preferences()[i]:
        pl = model.government.regime.preferential_loans
        if model.government.remaining("loans", pl.annual_budget_mln_rub.value, model.quarter) > 0:
            return min(pref, model.market_rate)
    return model.market_rate


def finance_investment(model: ClusterModel, i: int, amount: float) -> None:
    """Pay ``amount`` from cash above the buffer, then borrow (preferential first)."""
    f = model.firms
    buffer = model.spec.finance.cash_buffer_quarters * f.output[i] * f.price[i]
    own = min(max(f.cash[i] - buffer, 0.0), amount)
    f.cash[i] -= own
    rest = amount - own
    if rest <= 0:
        return
    pref = _pref_rate(model)
    if pref is not None and model._eligible_for_preferences()[i]:
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
