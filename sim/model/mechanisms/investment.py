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
computed together (:func:`sim.model.mechanisms.financing.plans`' kernel, the same code as one
firm's plan) and computed again after a firm borrows from a programme.

**A block stage** (issue 17, :mod:`sim.model.block`): :func:`invest_block` serves every run of
a block by three compiled calls over the block's firm tables: the loans of every run amortised
(:func:`sim.model.mechanisms.financing.amortise_block`, each run's loan book gathered into
columns), worn capacity retired and the wanting firms found (:func:`_retire_and_want_rows`),
and, for the runs where a firm wants to invest, the firms deciding in turn
(:func:`_invest_rows`, :func:`_invest_run`). Python gathers each run's terms, grants due,
programme table and budgets spent before, and puts the new loans on the run's book and books
them with its government after, in the order they were taken. :func:`invest` is the block of
one run: one implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

import numpy as np

from sim.model.agents import Government, LargeEnterprise
from sim.model.compiled import kernel
from sim.model.mechanisms import financing
from sim.model.state import ROLE_FINAL, State, firm_tables, kept_for_block, roster_rows
from sim.scenario.schema import Scenario

__all__ = ["annual_return", "invest", "invest_block", "retire", "wanted_outlay"]


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
def _add_capacity(
    i: int,
    amount: float,
    kappa: float,
    gain: float,
    capacity: np.ndarray,
    productivity: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Firm ``i`` invests ``X``: ``K += X / kappa``, productivity ``*= 1 + g X / (K kappa)``."""
    k_old = capacity[i]
    capacity[i] += amount / kappa
    productivity[i] *= 1 + gain * amount / max(k_old * kappa, 1e-9)


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
        _add_capacity(i, financed, kappa, gain, capacity, productivity)
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


#: :func:`_constants` by scenario, a few at a time (a block may mix design points).
_BY_SCENARIO: dict[int, tuple[Scenario, tuple[float, ...]]] = {}
_KEPT = 16


def _constants(state: State) -> tuple[float, ...]:
    """:func:`_terms` and the productivity gain per investment: the scenario's, built once."""
    s = state.spec
    got = _BY_SCENARIO.get(id(s))
    if got is None or got[0] is not s:
        if len(_BY_SCENARIO) >= _KEPT:
            _BY_SCENARIO.clear()
        row = (*_terms(state), s.finance.productivity_gain_per_investment)
        _BY_SCENARIO[id(s)] = got = (s, row)
    return got[1]


#: A block's :func:`_constants` rows by its runs' scenarios (their ids, in order; the entry
#: holds the scenarios, so their ids stay theirs): a sweep's block steps the same runs each
#: quarter.
_BY_BLOCK: dict[tuple[int, ...], tuple[tuple[Scenario, ...], np.ndarray]] = {}


def _block_params(states: Sequence[State]) -> np.ndarray:
    """:func:`invest_block`'s per-run parameters, a row per run.

    The block's kept :func:`_constants` rows (a copy), with each run's firm slots in use.
    """
    rows = kept_for_block(
        _BY_BLOCK, states, lambda sts: np.array([(*_constants(st), 0.0) for st in sts], dtype=float)
    )
    params = rows.copy()
    params[:, _SLOTS] = [st.firms.n for st in states]
    return params


def invest(state: State, gov: Government) -> None:
    """One run's stage 7: :func:`invest_block` for a block of one run."""
    invest_block([state], [gov])


#: Columns of :func:`invest_block`'s per-run parameters: :func:`_terms`, then the productivity
#: gain per investment (:func:`_constants`) and the firm slots in use.
_FACTOR, _COVER, _SHARE, _KAPPA, _DEP, _GAIN, _SLOTS = range(7)
_PARAMS = 7
#: Columns of the per-run ledger values :func:`_invest_rows` goes on from and returns.
_INVESTMENT, _GRANT_EQ, _CONSTRAINED = range(3)

#: :meth:`LargeEnterprise.invests` compiled, for :func:`_invest_rows` (the same function).
_invests = kernel(LargeEnterprise.invests)


def invest_block(states: Sequence[State], govs: Sequence[Government]) -> None:
    """Amortise loans, retire worn capacity, then let final producers invest; every run.

    The runs' firm tables are rows of one block (:mod:`sim.model.block`). One compiled call
    amortises every run's loans (:func:`sim.model.mechanisms.financing.amortise_block`), one
    retires capacity and finds who wants to invest, and one plans and invests for the runs
    where someone does (:func:`_invest_rows`, the firms in turn as :func:`_invest_run` says);
    then each run's new loans go on its book and are booked with its government.
    """
    debt, interest = financing.amortise_block(states, govs)
    t, rows = firm_tables([st.firms for st in states])
    params = _block_params(states)
    starts, firms, want, ret = _retire_and_want_rows(
        rows, params, t["order_book"], t["capacity"], t["role"], t["alive"], t["price"],
        t["unit_cost"],
    )  # fmt: skip
    at = starts.tolist()
    wanting = [k for k in range(len(states)) if at[k + 1] > at[k]]
    if not wanting:
        return
    # The wanting runs' eligibility, grants due, plan terms, programme tables and budgets
    # spent: none changes while firms invest, but the budgets (booked in the kernel).
    m = len(wanting)
    width = t["alive"].shape[1]
    receivable = np.zeros((m, width))
    terms, books, entries, spent, registered = [], [], [], [], []
    at_registered: list[int] = []  # where the registered runs are among the wanting
    spent_at = [0]
    for j, k in enumerate(wanting):
        st, gov = states[k], govs[k]
        led = st.ledger
        terms.append(financing._term_values(st, gov, False))
        books.append((led.investment, led.grant_equivalent, led.credit_constrained))
        if gov.grants:
            n = st.firms.n
            receivable[j, :n] = gov.receivable(n)
        if gov.registered:
            registered.append((int(rows[k]), st.firms.n, st.roster_since()))
            at_registered.append(j)
        # (world programmes, regime's programme, tried, budgets, table, budget rows, keys)
        entry = financing._programme_rules(st, gov)
        entries.append(entry)
        year, spent_now = (st.quarter - 1) // 4, gov.spent.get
        spent.extend([spent_now((key, year), 0.0) for key in entry[6]])
        spent_at.append(len(spent))
    tried = [e[2] for e in entries]
    tables = [e[4] for e in entries]
    table_at = [0, *accumulate([table.shape[0] for table in tables])]
    eligible = np.zeros((m, width), dtype=np.bool_)
    if registered:  # eligibility is read only in a registered cluster's runs
        roster = roster_rows(
            np.array(registered, dtype=np.int64), t["alive"], t["participant"],
            t["last_contract_quarter"],
        )  # fmt: skip
        if len(registered) == m:  # all of them, in order
            eligible[:, : roster.shape[1]] = roster
        else:
            eligible[at_registered, : roster.shape[1]] = roster
    ledger = np.array(books, dtype=float)
    made, made_amount, counts = _invest_rows(
        np.array(wanting, dtype=np.int64), rows, params, starts, firms, want, ret,
        np.array(terms, dtype=float), np.concatenate(tables), np.array(table_at, dtype=np.int64),
        np.concatenate([e[5] for e in entries]), np.array(spent, dtype=float),
        np.array(spent_at, dtype=np.int64), eligible, receivable, ledger, debt, interest,
        t["ebitda"], t["debt_market"], t["debt_pref"], t["kind"], t["cash"], t["output"],
        t["price"], t["capacity"], t["productivity"], t["pref_rate"],
    )  # fmt: skip
    q = 0
    for j, (k, (investment, grant_eq, constrained), c) in enumerate(
        zip(wanting, ledger.tolist(), counts.tolist(), strict=True)
    ):
        st, gov = states[k], govs[k]
        led = st.ledger
        led.investment, led.grant_equivalent = investment, grant_eq
        led.credit_constrained = int(constrained)
        if not c:
            continue
        financing.book_loans(
            st, gov, tried[j], made[q : q + c].tolist(), made_amount[q : q + c].tolist()
        )
        q += c


@kernel
def _retire_and_want_rows(
    rows: np.ndarray,
    params: np.ndarray,
    order_book: np.ndarray,
    capacity: np.ndarray,
    role: np.ndarray,
    alive: np.ndarray,
    price: np.ndarray,
    unit_cost: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """:func:`_retire_and_want` for run ``k`` of a block (firm table row ``rows[k]``), every run.

    Returns:
        ``(starts, firms, outlay, annual return)``: run ``k``'s firms wanting to invest are
        ``starts[k]:starts[k + 1]`` of the others, in firm order.
    """
    runs = rows.shape[0]
    total = 0
    for k in range(runs):
        total += int(params[k, _SLOTS])
    starts = np.zeros(runs + 1, dtype=np.int64)
    firms = np.empty(total, dtype=np.int64)
    want, ret = np.empty(total), np.empty(total)
    for k in range(runs):
        r, p = rows[k], params[k]
        f, w, a = _retire_and_want(
            order_book[r], capacity[r], role[r], alive[r], price[r], unit_cost[r], p[_FACTOR],
            p[_COVER], p[_SHARE], p[_KAPPA], p[_DEP], int(p[_SLOTS]),
        )  # fmt: skip
        lo = starts[k]
        starts[k + 1] = lo + f.shape[0]
        firms[lo : starts[k + 1]] = f
        want[lo : starts[k + 1]] = w
        ret[lo : starts[k + 1]] = a
    return starts, firms[: starts[runs]], want[: starts[runs]], ret[: starts[runs]]


@kernel
def _invest_rows(
    wanting: np.ndarray,
    rows: np.ndarray,
    params: np.ndarray,
    starts: np.ndarray,
    firms: np.ndarray,
    want: np.ndarray,
    ret: np.ndarray,
    terms: np.ndarray,
    tables: np.ndarray,
    table_at: np.ndarray,
    budget_rows: np.ndarray,
    spent: np.ndarray,
    spent_at: np.ndarray,
    eligible: np.ndarray,
    receivable: np.ndarray,
    ledger: np.ndarray,
    debt: np.ndarray,
    interest: np.ndarray,
    ebitda: np.ndarray,
    debt_market: np.ndarray,
    debt_pref: np.ndarray,
    kind: np.ndarray,
    cash: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
    capacity: np.ndarray,
    productivity: np.ndarray,
    pref_rate: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """:func:`_invest_run` for each run ``wanting[j]`` of the block (firm table row ``rows[k]``).

    Run ``k = wanting[j]`` has the wanting firms ``starts[k]:starts[k + 1]`` of ``firms``,
    ``want`` and ``ret`` (:func:`_retire_and_want_rows`), the parameters ``params[k]`` and the
    preferential sums ``debt[k]``, ``interest[k]``; ``terms[j]``, ``eligible[j]``,
    ``receivable[j]`` and ``ledger[j]`` (updated in place) are its own, its programme table
    ``tables[table_at[j]:table_at[j + 1]]`` (with ``budget_rows``) and its budgets spent
    ``spent[spent_at[j]:spent_at[j + 1]]``.

    Returns:
        ``(made, made_amount, counts)``: the loans taken (firm and row of the run's table;
        amount), run after run, ``counts[j]`` of run ``wanting[j]``.
    """
    size = 0
    for j in range(wanting.shape[0]):
        k = wanting[j]
        size += (starts[k + 1] - starts[k]) * (table_at[j + 1] - table_at[j])
    made = np.empty((size, 2), dtype=np.int64)
    made_amount = np.empty(size)
    counts = np.zeros(wanting.shape[0], dtype=np.int64)
    m = 0
    for j in range(wanting.shape[0]):
        k = wanting[j]
        r, lo, hi = rows[k], starts[k], starts[k + 1]
        before = m
        m = _invest_run(
            firms[lo:hi], want[lo:hi], ret[lo:hi], params[k, _KAPPA], params[k, _GAIN],
            terms[j], tables[table_at[j] : table_at[j + 1]],
            budget_rows[table_at[j] : table_at[j + 1]], spent[spent_at[j] : spent_at[j + 1]],
            eligible[j], receivable[j], ledger[j], debt[k], interest[k], ebitda[r],
            debt_market[r], debt_pref[r], kind[r], cash[r], output[r], price[r], capacity[r],
            productivity[r], pref_rate[r], made, made_amount, m,
        )  # fmt: skip
        counts[j] = m - before
    return made, made_amount, counts


@kernel
def _invest_run(
    firms: np.ndarray,
    want: np.ndarray,
    ret: np.ndarray,
    kappa: float,
    gain: float,
    terms: np.ndarray,
    rules: np.ndarray,
    budget_rows: np.ndarray,
    spent: np.ndarray,
    eligible: np.ndarray,
    due: np.ndarray,
    ledger: np.ndarray,
    debt: np.ndarray,
    interest: np.ndarray,
    ebitda: np.ndarray,
    debt_market: np.ndarray,
    debt_pref: np.ndarray,
    kind: np.ndarray,
    cash: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
    capacity: np.ndarray,
    productivity: np.ndarray,
    pref_rate: np.ndarray,
    made: np.ndarray,
    made_amount: np.ndarray,
    m: int,
) -> int:  # pragma: no cover - compiled
    """The firms wanting to invest decide in turn, in firm order (module docstring).

    The plans of the firms still to decide are computed together
    (:func:`sim.model.mechanisms.financing._plans`) on the programme table with this year's
    budgets left (``rules`` and ``spent``: :func:`sim.model.mechanisms.financing._programmes`);
    the firms invest in turn (:func:`_invest_unborrowed` for the plans without programme
    loans) until one borrows from a programme, which books its budget, and the rest plan
    again. A credit-constrained firm plans again for what it can finance, on the same table
    (nothing is booked until a firm borrows from a programme), and invests when that plan's
    rate is beaten. Loans are recorded from ``m`` on (:func:`financing._execute`);
    ``ledger`` (investment, grant-equivalent, credit-constrained) is updated in place.

    Returns:
        The loans recorded so far.
    """
    table = rules.copy()
    receivable = due[firms]
    investment, grant_eq = ledger[_INVESTMENT], ledger[_GRANT_EQ]
    market_rate = terms[2]
    single = np.zeros((table.shape[0], 1))
    total = firms.shape[0]
    k = 0  # firms[:k] have decided
    while k < total:
        start = k
        financing._budgets_left(table, budget_rows, spent)  # this year's, as they are now
        amounts, own, market, _, rate = financing._plans(
            table, firms[start:], want[start:], receivable[start:], eligible, terms, ebitda,
            debt_market, debt_pref, kind, cash, output, price,
        )  # fmt: skip
        k = total
        invests = _invests(ret[start:], rate)
        j = 0
        while True:
            j, investment = _invest_unborrowed(
                firms[start:], j, invests, want[start:], own, market, amounts, kappa, gain,
                capacity, productivity, cash, debt_market, investment,
            )  # fmt: skip
            if j == invests.shape[0]:
                break
            at = start + j
            i = firms[at]
            plan, col, plan_own, plan_market = amounts, j, own[j], market[j]
            financed = financing._financed(amounts, j, plan_own, plan_market)
            j += 1
            if financed < want[at] * (1 - 1e-12):
                ledger[_CONSTRAINED] += 1.0
                if financed <= 0:
                    continue
                plan, col = single, 0
                plan_own, plan_market, _, plan_rate = financing._plan_one(
                    table, single, 0, financed, receivable[at], ebitda[i],
                    debt_market[i] + debt_pref[i], kind[i], eligible[i], cash[i], output[i],
                    price[i], terms,
                )  # fmt: skip
                if not _invests(ret[at], plan_rate):
                    continue
                financed = financing._financed(plan, col, plan_own, plan_market)
            _add_capacity(i, financed, kappa, gain, capacity, productivity)
            before = m
            m, grant_eq = financing._execute(
                i, plan, col, plan_own, plan_market, table, budget_rows, spent, market_rate,
                grant_eq, cash, debt_market, debt, interest, debt_pref, pref_rate, made,
                made_amount, m,
            )  # fmt: skip
            investment += financed
            if m > before:
                k = at + 1
                break
    ledger[_INVESTMENT], ledger[_GRANT_EQ] = investment, grant_eq
    return m
