"""Stage 7 (docs/model.md 7.11): final producers invest in capacity.

A final producer wants ``K* = OB / T_cover``; when ``K* > K`` it wants to invest
``X* = share * (K* - K) * kappa`` (:func:`wanted_outlay`). It finances ``X*`` by its cheapest
plan (:func:`sim.model.mechanisms.financing.plan`) and invests when the annual cash return on
capital ``4 (p - c + d) / kappa`` beats the plan's blended rate
(:meth:`sim.model.agents.LargeEnterprise.invests`). When the borrowing limit keeps the plan
below ``X*`` the firm is credit-constrained: it invests what it can finance (planned again for
that smaller outlay). Investment adds ``X / kappa`` to capacity and raises productivity by
``g * X / (K kappa)``. Loans are amortised first, and every firm's capacity wears out by
``capacity_retirement_per_year / 4`` a quarter (:func:`retire`) before the yards decide.

Firms decide in turn (firm order). A firm's investment changes only its own cash and debt, and
a programme's budget when it borrows from one, so the plans of the firms still to decide are
computed together (:func:`sim.model.mechanisms.financing.plans`, the same code as one firm's
plan) and computed again after a firm borrows from a programme.
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import Government, LargeEnterprise
from sim.model.compiled import kernel
from sim.model.mechanisms import financing
from sim.model.state import ROLE_FINAL, State

__all__ = ["annual_return", "invest", "retire", "wanted_outlay"]


@kernel
def _wanted_outlay(
    order_book: np.ndarray,
    capacity: np.ndarray,
    role: np.ndarray,
    alive: np.ndarray,
    cover_quarters: float,
    share: float,
    kappa: float,
    n: int,
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`wanted_outlay` on the firm columns."""
    out = np.zeros(n)
    for i in range(n):
        if role[i] == ROLE_FINAL and alive[i]:
            gap = order_book[i] / cover_quarters - capacity[i]
            out[i] = share * max(gap, 0.0) * kappa
    return out


def wanted_outlay(state: State) -> np.ndarray:
    """Each firm's wanted capacity outlay ``share * max(K* - K, 0) * kappa`` (0 if none)."""
    s, f = state.spec, state.firms
    fs = s.finance
    return _wanted_outlay(
        f.order_book, f.capacity, f.role, f.alive, float(s.market.target_cover_quarters),
        fs.investment_share_of_gap, fs.capital_mln_rub_per_capacity, f.n,
    )  # fmt: skip


def annual_return(state: State) -> np.ndarray:
    """Annual cash return on capital ``4 (p - c + d) / kappa`` of each firm."""
    fs, f, n = state.spec.finance, state.firms, state.firms.n
    dep = fs.depreciation_rate_per_year * fs.capital_mln_rub_per_capacity / 4.0
    return 4.0 * (f.price[:n] - f.unit_cost[:n] + dep) / fs.capital_mln_rub_per_capacity


def retire(state: State) -> None:
    """Capacity wears out: ``K <- K (1 - retirement / 4)`` for every firm each quarter."""
    f, n = state.firms, state.firms.n
    f.capacity[:n] *= 1.0 - state.spec.production.capacity_retirement_per_year / 4.0


def invest(state: State, gov: Government) -> None:
    """Amortise loans, retire worn capacity, then let final producers invest in capacity."""
    financing.amortise(state, gov)
    retire(state)
    fs, f, n = state.spec.finance, state.firms, state.firms.n
    kappa = fs.capital_mln_rub_per_capacity
    want = wanted_outlay(state)
    ret = annual_return(state)
    # Eligibility and grants due do not change while firms invest.
    eligible = gov.eligible_for_preferences(state)
    receivable = gov.receivable(n)
    firms = np.flatnonzero(want > 0)
    k = 0  # firms[:k] have decided
    while k < firms.size:
        # The rest's plans, together: a firm's investment changes its own cash and debt only,
        # and the programmes' budgets when it borrows from one; then the rest plan again.
        rest = firms[k:]
        plans = financing.plans(state, gov, rest, want[rest], eligible, receivable[rest])
        for j, i in enumerate(rest.tolist()):
            k += 1
            if not LargeEnterprise.invests(ret[i], plans.rate[j]):
                continue
            plan = plans.plan(j)
            if plan.financed < plan.outlay * (1 - 1e-12):
                state.ledger.credit_constrained += 1
                if plan.financed <= 0:
                    continue
                plan = financing.plan(state, gov, i, plan.financed, eligible, float(receivable[i]))
                if not LargeEnterprise.invests(ret[i], plan.rate):
                    continue
            amount = plan.financed
            k_old = f.capacity[i]
            f.capacity[i] += amount / kappa
            f.productivity[i] *= 1 + fs.productivity_gain_per_investment * amount / max(
                k_old * kappa, 1e-9
            )
            financing.execute(state, gov, plan)
            state.ledger.investment += amount
            if plan.loans:
                break
