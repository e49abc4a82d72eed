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
def _want(
    order_book: float, capacity: float, cover_quarters: float, share: float, kappa: float
) -> float:  # pragma: no cover - compiled
    """One final producer's wanted outlay ``share * max(K* - K, 0) * kappa``."""
    gap = order_book / cover_quarters - capacity
    return share * max(gap, 0.0) * kappa


@kernel
def _return(price: float, unit_cost: float, dep: float, kappa: float) -> float:  # pragma: no cover
    """One firm's annual cash return on capital ``4 (p - c + d) / kappa``."""
    return 4.0 * (price - unit_cost + dep) / kappa


@kernel
def _retire(capacity: np.ndarray, factor: float, n: int) -> None:  # pragma: no cover - compiled
    """``K <- K * factor`` for the first ``n`` firms."""
    for i in range(n):
        capacity[i] *= factor


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
            out[i] = _want(order_book[i], capacity[i], cover_quarters, share, kappa)
    return out


@kernel
def _annual_return(
    price: np.ndarray, unit_cost: np.ndarray, dep: float, kappa: float, n: int
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`annual_return` on the firm columns."""
    out = np.empty(n)
    for i in range(n):
        out[i] = _return(price[i], unit_cost[i], dep, kappa)
    return out


@kernel
def _retire_and_want(
    order_book: np.ndarray,
    capacity: np.ndarray,
    role: np.ndarray,
    alive: np.ndarray,
    price: np.ndarray,
    unit_cost: np.ndarray,
    factor: float,
    cover_quarters: float,
    share: float,
    kappa: float,
    dep: float,
    n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """:func:`retire`, then who wants to invest, their outlays and annual returns.

    Returns ``(firms, outlay, annual return)``: the firms whose :func:`wanted_outlay` is
    positive, in firm order, with their outlays and their :func:`annual_return`.
    """
    _retire(capacity, factor, n)
    want = _wanted_outlay(order_book, capacity, role, alive, cover_quarters, share, kappa, n)
    firms = np.flatnonzero(want > 0)
    ret = np.empty(firms.shape[0])
    for j in range(firms.shape[0]):
        ret[j] = _return(price[firms[j]], unit_cost[firms[j]], dep, kappa)
    return firms, want[firms], ret


@kernel
def _invest_unborrowed(
    firms: np.ndarray,
    start: int,
    invests: np.ndarray,
    outlay: np.ndarray,
    own: np.ndarray,
    market: np.ndarray,
    amounts: np.ndarray,
    kappa: float,
    gain: float,
    capacity: np.ndarray,
    productivity: np.ndarray,
    cash: np.ndarray,
    debt_market: np.ndarray,
    investment: float,
) -> tuple[int, float]:  # pragma: no cover - compiled
    """Carry out, in firm order from plan ``start``, the plans that borrow from no programme.

    A plan of an investing firm (``invests``) financed in full by own funds and market debt
    adds to capacity and productivity, spends the cash, takes the debt and adds to the
    quarter's ``investment``, exactly as :func:`invest` does for any plan (and
    :func:`~sim.model.mechanisms.financing.execute` for its own funds and market debt). It
    stops at the first investing firm whose plan borrows from a programme or is
    credit-constrained: :func:`invest` handles that one.

    Returns:
        ``(plan to handle next, investment)``: ``invests.shape[0]`` when all are done.
    """
    for j in range(start, invests.shape[0]):
        if not invests[j]:
            continue
        financed = 0.0 + own[j] + market[j]  # Plan.financed: sum(no loans) + own + market
        borrows = False
        for r in range(amounts.shape[0]):
            if amounts[r, j] > 0.0:
                borrows = True
        if borrows or financed < outlay[j] * (1 - 1e-12):
            return j, investment
        i = firms[j]
        k_old = capacity[i]
        capacity[i] += financed / kappa
        productivity[i] *= 1 + gain * financed / max(k_old * kappa, 1e-9)
        cash[i] -= own[j]
        debt_market[i] += market[j]
        investment += financed
    return invests.shape[0], investment


def _terms(state: State) -> tuple[float, float, float, float, float]:
    """``(retirement factor, cover quarters, share of the gap, kappa, depreciation)`` now."""
    s = state.spec
    fs = s.finance
    kappa = fs.capital_mln_rub_per_capacity
    return (
        1.0 - s.production.capacity_retirement_per_year / 4.0,
        float(s.market.target_cover_quarters),
        fs.investment_share_of_gap,
        kappa,
        fs.depreciation_rate_per_year * kappa / 4.0,
    )


def wanted_outlay(state: State) -> np.ndarray:
    """Each firm's wanted capacity outlay ``share * max(K* - K, 0) * kappa`` (0 if none)."""
    f = state.firms
    _, cover, share, kappa, _ = _terms(state)
    return _wanted_outlay(f.order_book, f.capacity, f.role, f.alive, cover, share, kappa, f.n)


def annual_return(state: State) -> np.ndarray:
    """Annual cash return on capital ``4 (p - c + d) / kappa`` of each firm."""
    f = state.firms
    *_, kappa, dep = _terms(state)
    return _annual_return(f.price, f.unit_cost, dep, kappa, f.n)


def retire(state: State) -> None:
    """Capacity wears out: ``K <- K (1 - retirement / 4)`` for every firm each quarter."""
    _retire(state.firms.capacity, _terms(state)[0], state.firms.n)


def invest(state: State, gov: Government) -> None:
    """Amortise loans, retire worn capacity, then let final producers invest in capacity."""
    financing.amortise(state, gov)
    fs, f, n = state.spec.finance, state.firms, state.firms.n
    kappa = fs.capital_mln_rub_per_capacity
    firms, want, ret = _retire_and_want(
        f.order_book, f.capacity, f.role, f.alive, f.price, f.unit_cost, *_terms(state), n
    )
    if firms.size == 0:
        return
    # Eligibility, grants due and the plan terms do not change while firms invest.
    eligible = gov.eligible_for_preferences(state)
    receivable = gov.receivable(n)[firms]
    terms = financing._terms(state, gov, False)
    k = 0  # firms[:k] have decided
    while k < firms.size:
        # The rest's plans, together: a firm's investment changes its own cash and debt only,
        # and the programmes' budgets when it borrows from one; then the rest plan again.
        # Nothing books a programme's budget until a firm borrows from one (then the loop is
        # left), so the rest's plans and a constrained firm's smaller plan share one table.
        start = k
        programmes = financing._programmes(state, gov)
        plans = financing.plans(
            state, gov, firms[k:], want[k:], eligible, receivable[k:],
            programmes=programmes, terms=terms,
        )  # fmt: skip
        k = firms.size
        invests = LargeEnterprise.invests(ret[start:], plans.rate)
        j = 0
        while True:
            # Plans without programme loans, in one compiled pass; then the next one that
            # borrows or is constrained, here.
            j, state.ledger.investment = _invest_unborrowed(
                firms[start:], j, invests, plans.outlay, plans.own, plans.market, plans.amounts,
                kappa, fs.productivity_gain_per_investment, f.capacity, f.productivity, f.cash,
                f.debt_market, float(state.ledger.investment),
            )  # fmt: skip
            if j == invests.size:
                break
            at = start + j
            i = int(firms[at])
            plan = plans.plan(j)
            j += 1
            if plan.financed < plan.outlay * (1 - 1e-12):
                state.ledger.credit_constrained += 1
                if plan.financed <= 0:
                    continue
                plan = financing.plan(
                    state, gov, i, plan.financed, eligible, float(receivable[at]),
                    programmes=programmes, terms=terms,
                )  # fmt: skip
                if not LargeEnterprise.invests(ret[at], plan.rate):
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
                k = at + 1
                break
