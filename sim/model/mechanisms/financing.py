"""Financing of outlays and preferential loan programmes (docs/model.md 7.11-7.12).

Both halves of the loan instrument live here: what a firm expects from a programme when it
decides on membership (:func:`add_expected_benefit`) and what is lent, repaid and paid
(:func:`plan`, :func:`execute`, :func:`amortise`).

**Programmes.** The scenario's ``loan_programmes`` (IDF, KIP) lend in every arm to every firm
that meets their rules; a regime's ``preferential_loans`` is a programme of that regime. A
programme that ``requires_registration`` lends only to firms the government lets have
preferences (roster members of a registered cluster). Rate ``r_p = m * k_t + s``.

**A financing plan** for an outlay ``X`` of firm ``i`` uses, cheapest first:

1. programme loans: for each programme the firm may use with ``X >= min_project``,
   ``L_p = min(share_p * X - lent, max_loan_p, budget left this year, borrowing room, rest)``
   (``lent``: what cheaper programmes already lend for ``X``, so the co-financing rule holds
   for all programme money), taken only when ``L_p >= min_loan_p`` and ``r_p`` is below the
   market rate;
2. own funds: cash above the buffer (``cash_buffer_quarters`` of revenue);
3. market loans at ``r_m = k_t + spread``, within the borrowing room.

Borrowing room = ``max_debt_to_ebitda * 4 * EBITDA + grant instalments due - debt`` (a bank
covenant; a committed grant counts, as a bank lends against the subsidy agreement). What the
plan cannot cover is not financed: a constrained firm invests less, or not at all.

**The hurdle** of the plan is its blended cost: ``(sum L_p r_p + own * r_own + market * r_m) /
financed``, with own funds at their opportunity rate ``r_own`` (by default the market rate:
spending cash means borrowing more, or repaying less, at the market rate). So cash changes what
a firm *can* finance, not the rate it must beat; only programme loans lower the hurdle, and only
for the share they cover.

**Repayment and cost.** Each quarter ``1 / (4 * term)`` of each loan's balance is repaid
(declining balance). The interest subsidy ``max(r_m - r_p, 0) / 4 * balance`` is the budget's
cost each quarter, split by the programme's ``federal_share``: world programmes are booked apart
from the regime's preferences. At origination a loan's grant-equivalent is
``L * (r_m - r_p) / 4 / (r_m / 4 + 1 / (4 * term))``, the present value at the market rate of the
interest saved over the loan's life.

**Committed interest subsidy** (:func:`committed_interest_subsidy`, docs/model.md 7.14.1): at the
end of a quarter, the present value at the social discount rate of the interest subsidy the
regime's programme loans will still cost over their remaining amortisation, at the market rate
expected on the key rate's deterministic path; world programmes are not the regime's.

**Implementation** (issue 17, :mod:`sim.model.compiled`). A plan is one compiled kernel,
:func:`_plan_one`, for one firm; :func:`plan` runs it for one firm, :func:`plans` and
membership's expectations (:func:`add_expected_benefit`,
:func:`sim.model.mechanisms.joint_projects.expected_projects`) for many, so one firm and many
share one implementation. The programmes a plan tries are a table of their rules
(:func:`_programmes`, budgets left filled in per call). Amortisation and the preferential-debt
refresh are kernels over the loan book's arrays, loan by loan in book order; so are EBITDA and
the committed interest subsidy (its geometric sums, :func:`geometric`, raise to a scalar
exponent as numpy does, by :func:`sim.model.compiled.power`, and to an array of exponents by
``pow``). A caller that plans several times while nothing is booked (membership's expectations,
the proposals of stage 4 between loans) passes the programme table it has. The kernels do the
former numpy code's operations in its order: outcomes are bit-identical.

For a block of runs (:mod:`sim.model.block`), :func:`amortise_block` gathers the runs' loan
books into columns and amortises them all in one compiled call (:func:`amortise` is the block
of one); capacity investment (:mod:`sim.model.mechanisms.investment`) carries its plans out by
:func:`_execute`, :func:`execute`'s arithmetic in a kernel, with the budgets left from the
cached programme rules (:func:`_programme_rules`) and this year's spending.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.model.agents import Government
from sim.model.compiled import array_sum, kernel, power
from sim.model.state import KIND_LARGE, KIND_SME, Loan, State, firm_tables
from sim.scenario.schema import LoanProgramme

__all__ = [
    "Plan",
    "Plans",
    "add_expected_benefit",
    "amortise",
    "amortise_block",
    "committed_interest_subsidy",
    "committed_interest_sums",
    "discount_per_quarter",
    "ebitda",
    "ebitda_columns",
    "execute",
    "expected_loan_value",
    "geometric",
    "geometric_sum",
    "grant_equivalent",
    "offered",
    "plan",
    "plans",
    "programme_rate",
]


def programme_rate(prog: LoanProgramme, key_rate: float) -> float:
    """A programme's rate now: multiplier x key rate + spread."""
    return prog.key_rate_multiplier.value * key_rate + prog.spread.value


def offered(gov: Government, world: list[LoanProgramme]) -> list[tuple[LoanProgramme, bool]]:
    """The programmes lending in this arm, each with ``True`` when it is a world programme."""
    out = [(p, True) for p in world]
    regime = gov.regime
    if regime is not None and regime.preferential_loans is not None:
        out.append((regime.preferential_loans, False))
    return out


def ebitda(state: State) -> np.ndarray:
    """Each firm's EBITDA this quarter: revenue - wages with contributions - purchases."""
    s, f, n = state.spec, state.firms, state.firms.n
    wage = s.labour.wage_mln_rub_per_worker_year * (1 + s.labour.wage_growth_per_year) ** (
        state.quarter / 4
    )
    return ebitda_columns(
        f.kind, f.output, f.price, f.employment, f.purchases, n, wage,
        float(s.taxes.insurance_contributions.value),
        float(s.taxes.insurance_contributions_sme.value),
    )  # fmt: skip


@kernel
def ebitda_columns(
    kind: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
    employment: np.ndarray,
    purchases: np.ndarray,
    n: int,
    wage: float,
    ic_large: float,
    ic_sme: float,
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`ebitda` of firms ``0..n-1`` (insurance contributions ``ic_*`` by kind)."""
    out = np.empty(n)
    for i in range(n):
        ic = ic_large if kind[i] == KIND_LARGE else ic_sme
        revenue = output[i] * price[i]
        out[i] = revenue - wage * employment[i] / 4.0 * (1 + ic) - purchases[i]
    return out


@kernel
def grant_equivalent(
    loan: float, rate: float, market_rate: float, term_quarters: int
) -> float:  # pragma: no cover - compiled
    """Present value at the market rate of the interest a loan saves over its life.

    The loan is repaid on a declining balance (``1 / term_quarters`` of the balance a quarter),
    so the present value of its payments at the quarterly market rate ``d = r_m / 4`` is
    ``L (r_p / 4 + a) / (d + a)`` with ``a = 1 / term_quarters``; the grant-equivalent is the
    loan minus that.
    """
    a = 1.0 / term_quarters
    d = market_rate / 4.0
    if d + a <= 0:
        return loan * 0.0
    return loan * max(market_rate - rate, 0.0) / 4.0 / (d + a)


@dataclass
class Plan:
    """How an outlay would be financed.

    Attributes:
        firm: The firm.
        outlay: The outlay asked for (mln RUB).
        loans: Programme loans ``(programme, world programme?, amount, rate)``.
        own: Own funds used.
        market: Market debt taken.
        rate: The blended cost of the financing (the hurdle), per year.
    """

    firm: int
    outlay: float
    loans: list[tuple[LoanProgramme, bool, float, float]] = field(default_factory=list)
    own: float = 0.0
    market: float = 0.0
    rate: float = 0.0

    @property
    def financed(self) -> float:
        """What the plan covers (at most the outlay)."""
        return sum(a for _, _, a, _ in self.loans) + self.own + self.market


def own_funds_rate(state: State) -> float:
    """The opportunity rate of own funds: key rate + ``own_funds_spread`` (default: market)."""
    fs = state.spec.finance
    spread = fs.market_loan_spread if fs.own_funds_spread is None else fs.own_funds_spread
    return state.key_rate + spread


@dataclass
class Plans:
    """The financing plans of several firms, one outlay each (arrays aligned with ``firms``).

    Attributes:
        firms: The firms.
        outlay: The outlay each firm asks for (mln RUB).
        programmes: The programmes tried, cheapest first: ``(programme, world programme?, rate)``.
        amounts: Per programme of ``programmes`` (a row each), what it lends each firm (0:
            nothing).
        own: Own funds used.
        market: Market debt taken.
        financed: What each plan covers (at most the outlay).
        rate: The blended cost of each plan (the hurdle), per year.
    """

    firms: np.ndarray
    outlay: np.ndarray
    programmes: list[tuple[LoanProgramme, bool, float]]
    amounts: np.ndarray
    own: np.ndarray
    market: np.ndarray
    financed: np.ndarray
    rate: np.ndarray

    def plan(self, j: int) -> Plan:
        """The plan of ``firms[j]`` as a :class:`Plan` (only the loans actually given)."""
        loans = [
            (prog, world, float(a[j]), rate)
            for (prog, world, rate), a in zip(self.programmes, self.amounts, strict=True)
            if a[j] > 0.0
        ]
        return Plan(
            firm=int(self.firms[j]),
            outlay=float(self.outlay[j]),
            loans=loans,
            own=float(self.own[j]),
            market=float(self.market[j]),
            rate=float(self.rate[j]),
        )


#: Columns of a programme table (:func:`_programmes`): one row per programme a plan tries.
_RATE, _BORROWERS, _REGISTRATION, _SHARE, _MAX_LOAN = 0, 1, 2, 3, 4
_BUDGET_LEFT, _MIN_PROJECT, _MIN_LOAN = 5, 6, 7
#: ``_BORROWERS`` codes: any firm, large enterprises only, SMEs only.
_ANY, _LARGE_ONLY, _SME_ONLY = 0.0, 1.0, 2.0


#: Programme tables built so far, by ``(regime's programme, key rate, market rate, world
#: programmes)`` as object identities and rates: ``key -> (world programmes, regime's programme,
#: tried, budgets, table)``. The scenario's programmes are frozen objects, so the same ones at
#: the same rates have the same rules; only the budgets left (``budgets``: each row's
#: ``(programme, annual budget)``) are filled in anew each time (:func:`_programmes`). A block
#: of runs (sim.model.block) steps runs of different arms in turn, so several tables are kept;
#: each entry holds its objects, so their identities are not reused while it is kept. The key
#: rate follows the same path in every run of a scenario, so a process that makes run after run
#: (lone runs, blocks in turn) meets each quarter's tables again: enough are kept for the 40
#: quarters of a few arms (an entry is a few hundred bytes).
_tables: dict[tuple, tuple] = {}
_TABLES_KEPT = 256


def _programmes(
    state: State, gov: Government
) -> tuple[list[tuple[LoanProgramme, bool, float]], np.ndarray]:
    """The programmes a plan tries now, cheapest first, and their rules as a table.

    Only programmes below the market rate are tried. The table has one row per programme tried
    and the columns ``_RATE`` ... ``_MIN_LOAN`` (``_BUDGET_LEFT``: what this year's budget has
    left now).
    """
    _, _, tried, budgets, table, _, _ = _programme_rules(state, gov)
    tried, table = list(tried), table.copy()
    q = state.quarter
    for row, (programme, limit) in enumerate(budgets):
        table[row, _BUDGET_LEFT] = gov.remaining(programme, limit, q)
    return tried, table


#: Columns of a programme table's budget rows (:func:`_programme_rules`): the row's budget (an
#: index into the entry's budget keys), its annual limit and its loans' term in quarters.
_KEY, _LIMIT, _TERM = 0, 1, 2


def _programme_rules(state: State, gov: Government) -> tuple:
    """The entry of :data:`_tables` for the programmes a plan tries now (built when missing).

    Returns:
        ``(world programmes, regime's programme, tried, budgets, table, budget rows, keys)``:
        the table's budgets left are 0; ``keys`` are the programmes' budget keys (each once,
        in the order of the rows) and ``budget rows`` each row's :data:`_KEY` (into ``keys``),
        :data:`_LIMIT` and :data:`_TERM`.
    """
    world = state.spec.loan_programmes
    regime = gov.regime
    own = regime.preferential_loans if regime is not None else None
    key_rate, r_m = state.key_rate, state.market_rate
    key = (id(own), key_rate, r_m, *map(id, world))
    last = _tables.get(key)
    if last is None:
        tried, table = _rules(offered(gov, world), key_rate, r_m)
        budgets = [(prog.programme, prog.annual_budget_mln_rub.value) for prog, _, _ in tried]
        keys = list(dict.fromkeys(programme for programme, _ in budgets))
        rows = np.array(
            [
                (keys.index(prog.programme), limit, 4 * prog.term_years.value)
                for (prog, _, _), (_, limit) in zip(tried, budgets, strict=True)
            ],
            dtype=float,
        ).reshape(len(tried), 3)
        if len(_tables) >= _TABLES_KEPT:
            del _tables[next(iter(_tables))]  # the oldest
        last = _tables[key] = (tuple(world), own, tried, budgets, table, rows, keys)
    return last


def _rules(
    offers: list[tuple[LoanProgramme, bool]], key_rate: float, r_m: float
) -> tuple[list[tuple[LoanProgramme, bool, float]], np.ndarray]:
    """The programmes tried, cheapest first, and their table (budgets left still 0)."""
    rated = [(programme_rate(prog, key_rate), prog, world) for prog, world in offers]
    ranked = sorted(rated, key=lambda rpw: rpw[0])  # stable: ties keep the offers' order
    tried: list[tuple[LoanProgramme, bool, float]] = []
    rows: list[float] = []  # row by row
    for rate, prog, world in ranked:
        if rate >= r_m:
            continue
        who = {"large": _LARGE_ONLY, "sme": _SME_ONLY}.get(prog.borrowers, _ANY)
        rows.extend(
            (
                rate,
                who,
                float(prog.requires_registration),
                prog.max_share_of_project.value,
                prog.max_loan_mln_rub.value,
                0.0,
                prog.min_project_mln_rub.value,
                prog.min_loan_mln_rub.value,
            )
        )
        tried.append((prog, world, rate))
    return tried, np.array(rows, dtype=float).reshape(len(tried), 8)


@kernel
def _plan_one(
    table: np.ndarray,
    amounts: np.ndarray,
    j: int,
    outlay: float,
    receivable: float,
    ebitda: float,
    debt: float,
    kind: int,
    eligible: bool,
    cash: float,
    output: float,
    price: float,
    terms: np.ndarray,
) -> tuple[float, float, float, float]:  # pragma: no cover - compiled
    """The financing plan of one firm (module docstring): the one implementation of a plan.

    Args:
        table: The programmes tried, cheapest first (:func:`_programmes`).
        amounts: What each programme lends, written to column ``j`` (one row per programme).
        j: The plan's column of ``amounts``.
        outlay: The outlay (mln RUB).
        receivable: Grant instalments due (they count toward the borrowing limit).
        ebitda: The firm's EBITDA this quarter.
        debt: Its debt, market + preferential.
        kind: Its kind (``KIND_LARGE`` or ``KIND_SME``).
        eligible: Whether it may have preferences (read only for programmes that require
            registration, when not planning as a member).
        cash: Its cash.
        output: Its output this quarter.
        price: Its price.
        terms: ``[max_debt_to_ebitda, cash_buffer_quarters, market rate, own funds rate,
            registered, as_member]`` (:func:`_terms`).

    Returns:
        ``(own, market, financed, rate)``.
    """
    max_debt_to_ebitda, cash_buffer_quarters, r_m, r_own = terms[0], terms[1], terms[2], terms[3]
    registered, as_member = terms[4] != 0.0, terms[5] != 0.0
    # borrowing_room: L * 4 * EBITDA + grants due - debt, at least 0
    room = max(max_debt_to_ebitda * 4.0 * max(ebitda, 0.0) + receivable - debt, 0.0)
    rest = outlay
    for p in range(table.shape[0]):
        # may_borrow
        may = True
        if table[p, _BORROWERS] == _LARGE_ONLY:
            may = kind == KIND_LARGE
        elif table[p, _BORROWERS] == _SME_ONLY:
            may = kind == KIND_SME
        if table[p, _REGISTRATION] != 0.0 and not as_member:
            may = may and registered and eligible
        # programme_loan (lent: what cheaper programmes already lend for this outlay)
        amount = min(
            min(
                min(
                    min(table[p, _SHARE] * outlay - (outlay - rest), table[p, _MAX_LOAN]),
                    table[p, _BUDGET_LEFT],
                ),
                room,
            ),
            rest,
        )
        given = (
            may
            and outlay >= table[p, _MIN_PROJECT]
            and amount > 0.0
            and amount >= table[p, _MIN_LOAN]
        )
        if given:
            room = room - amount
            rest = rest - amount
        else:
            amount = 0.0
        amounts[p, j] = amount
    # own_funds: cash above the buffer of cash_buffer_quarters of revenue
    own = min(max(cash - cash_buffer_quarters * output * price, 0.0), max(rest, 0.0))
    rest = rest - own
    market = min(max(rest, 0.0), room)
    lent = 0.0
    cost = 0.0
    for p in range(table.shape[0]):
        lent = lent + amounts[p, j]
        cost = cost + amounts[p, j] * table[p, _RATE]
    financed = lent + own + market
    cost = cost + own * r_own + market * r_m
    rate = cost / financed if financed > 0.0 else r_m
    return own, market, financed, rate


@kernel
def _plans(
    table: np.ndarray,
    firms: np.ndarray,
    outlay: np.ndarray,
    receivable: np.ndarray,
    eligible: np.ndarray,
    terms: np.ndarray,
    ebitda: np.ndarray,
    debt_market: np.ndarray,
    debt_pref: np.ndarray,
    kind: np.ndarray,
    cash: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    """:func:`_plan_one` for each firm ``firms[j]`` (outlay and receivable aligned with firms).

    Returns:
        ``(amounts, own, market, financed, rate)``; ``amounts`` has one row per programme.
    """
    m = firms.shape[0]
    amounts = np.zeros((table.shape[0], m))
    own, market = np.empty(m), np.empty(m)
    financed, rate = np.empty(m), np.empty(m)
    for j in range(m):
        i = firms[j]
        own[j], market[j], financed[j], rate[j] = _plan_one(
            table, amounts, j, outlay[j], receivable[j], ebitda[i], debt_market[i] + debt_pref[i],
            kind[i], eligible[i], cash[i], output[i], price[i], terms,
        )  # fmt: skip
    return amounts, own, market, financed, rate


def _terms(state: State, gov: Government, as_member: bool) -> np.ndarray:
    """The scalar inputs of :func:`_plan_one` now (see its ``terms``)."""
    return np.array(_term_values(state, gov, as_member))


def _term_values(
    state: State, gov: Government, as_member: bool
) -> tuple[float, float, float, float, float, float]:
    """:func:`_terms` as a tuple of floats (a row of a block's parameters)."""
    fs = state.spec.finance
    return (
        fs.max_debt_to_ebitda,
        fs.cash_buffer_quarters,
        state.market_rate,
        own_funds_rate(state),
        float(gov.registered),
        float(as_member),
    )


def _columns(state: State) -> tuple[np.ndarray, ...]:
    """The firm columns a plan reads, in :func:`_plans`' order (from ``ebitda`` on)."""
    f = state.firms
    return f.ebitda, f.debt_market, f.debt_pref, f.kind, f.cash, f.output, f.price


def plans(
    state: State,
    gov: Government,
    firms: np.ndarray,
    outlay: np.ndarray,
    eligible: np.ndarray,
    receivable: np.ndarray,
    *,
    as_member: bool = False,
    programmes: tuple[list[tuple[LoanProgramme, bool, float]], np.ndarray] | None = None,
    terms: np.ndarray | None = None,
) -> Plans:
    """The cheapest financing of ``outlay[j]`` for each firm ``firms[j]`` (module docstring).

    The firms' plans are independent (nothing is lent or booked while planning), so they are
    computed together, each by :func:`_plan_one` (the code of :func:`plan`).

    Args:
        state: The model state.
        gov: The government (regime, registration, budgets).
        firms: The firms (indices).
        outlay: Each firm's outlay (mln RUB).
        eligible: Who may have preferences (:meth:`Government.eligible_for_preferences`), per
            firm of the whole table.
        receivable: Grant instalments due to each firm of ``firms`` (they count toward its
            borrowing limit).
        as_member: Plan as roster members of a registered cluster (what membership expects).
        programmes: The programme table now (:func:`_programmes`), when the caller has it
            (it is out of date once a plan with programme loans is executed).
        terms: The plan terms now (:func:`_terms` with ``as_member``), when the caller has them.
    """
    firms = np.asarray(firms, dtype=np.int64)
    outlay = np.asarray(outlay, dtype=float)
    receivable = np.asarray(receivable, dtype=float)
    tried, table = _programmes(state, gov) if programmes is None else programmes
    terms = _terms(state, gov, as_member) if terms is None else terms
    amounts, own, market, financed, rate = _plans(
        table, firms, outlay, receivable, np.asarray(eligible, dtype=np.bool_), terms,
        *_columns(state),
    )  # fmt: skip
    return Plans(firms, outlay, tried, amounts, own, market, financed, rate)


def plan(
    state: State,
    gov: Government,
    i: int,
    outlay: float,
    eligible: np.ndarray,
    receivable: float = 0.0,
    *,
    as_member: bool = False,
    programmes: tuple[list[tuple[LoanProgramme, bool, float]], np.ndarray] | None = None,
    terms: np.ndarray | None = None,
) -> Plan:
    """The cheapest financing of ``outlay`` for firm ``i`` (module docstring).

    Args:
        state: The model state.
        gov: The government (regime, registration, budgets).
        i: The firm.
        outlay: The outlay (mln RUB).
        eligible: Who may have preferences (:meth:`Government.eligible_for_preferences`).
        receivable: Grant instalments due to the firm (they count toward its borrowing limit).
        as_member: Plan as a roster member of a registered cluster (what membership expects).
        programmes: The programme table now (:func:`_programmes`), when the caller has it
            (it is out of date once a plan with programme loans is executed).
        terms: The plan terms now (:func:`_terms` with ``as_member``), when the caller has them.
    """
    tried, table = _programmes(state, gov) if programmes is None else programmes
    terms = _terms(state, gov, as_member) if terms is None else terms
    amounts, own, market, _, rate = _plans(
        table, np.array([i]), np.array([float(outlay)]), np.array([float(receivable)]),
        np.asarray(eligible, dtype=np.bool_), terms, *_columns(state),
    )  # fmt: skip
    loans = [
        (prog, world, amount, r)
        for (prog, world, r), amount in zip(tried, amounts[:, 0].tolist(), strict=True)
        if amount > 0.0
    ]
    return Plan(firm=i, outlay=outlay, loans=loans, own=float(own[0]), market=float(market[0]),
                rate=float(rate[0]))  # fmt: skip


def execute(state: State, gov: Government, p: Plan) -> None:
    """Carry a plan out: spend own funds, take the loans, book budgets and grant-equivalents."""
    f, q, i = state.firms, state.quarter, p.firm
    f.cash[i] -= p.own
    for prog, world, amount, rate in p.loans:
        term = 4 * prog.term_years.value
        state.loans.append(
            Loan(i, prog.programme, amount, rate, term, prog.federal_share.value, world)
        )
        gov.book(prog.programme, amount, q)
        state.ledger.grant_equivalent += grant_equivalent(amount, rate, state.market_rate, term)
    f.debt_market[i] += p.market
    if p.loans:
        _refresh_pref_debt(state, i)


def book_loans(
    state: State, gov: Government, tried: Sequence[tuple], made: Sequence, amounts: Sequence[float]
) -> None:
    """Put loans a compiled plan took (:func:`_execute`) on the run's book and its budgets.

    :func:`execute`'s book-keeping of the loans, for the compiled decisions of stages 4 and 7:
    loan ``(firm, row)`` of ``made`` lent ``amounts[...]`` from the programme ``tried[row]``
    (``(programme, world, rate)``, the programme table's rows) is appended to the book in order
    and booked against the programme's budget this year (:meth:`Government.book`'s arithmetic).
    """
    book, spent, year = state.loans, gov.spent, (state.quarter - 1) // 4
    for (i, row), amount in zip(made, amounts, strict=True):
        prog, world, rate = tried[row]
        programme = prog.programme
        term = 4 * prog.term_years.value
        book.append(Loan(i, programme, amount, rate, term, prog.federal_share.value, world))
        key = (programme, year)  # Government.book
        spent[key] = spent.get(key, 0.0) + amount


@kernel
def _financed(amounts: np.ndarray, j: int, own: float, market: float) -> float:  # pragma: no cover
    """:attr:`Plan.financed` of the plan in column ``j`` of ``amounts`` (the loans given)."""
    lent = 0.0
    for p in range(amounts.shape[0]):
        if amounts[p, j] > 0.0:
            lent += amounts[p, j]
    return lent + own + market


@kernel
def _execute(
    i: int,
    amounts: np.ndarray,
    j: int,
    own: float,
    market: float,
    table: np.ndarray,
    budget_rows: np.ndarray,
    spent: np.ndarray,
    market_rate: float,
    grant_eq: float,
    cash: np.ndarray,
    debt_market: np.ndarray,
    debt: np.ndarray,
    interest: np.ndarray,
    debt_pref: np.ndarray,
    pref_rate: np.ndarray,
    made: np.ndarray,
    made_amount: np.ndarray,
    m: int,
) -> tuple[int, float]:  # pragma: no cover - compiled
    """:func:`execute` of firm ``i``'s plan in column ``j`` of ``amounts``, but the book-keeping.

    Spends own funds and takes market debt; for each programme loan, in table order: books it
    in ``spent`` (the year's spending of the row's budget, ``budget_rows[:, _KEY]``), adds its
    grant-equivalent to ``grant_eq`` and records it as loan ``m`` (``made[m]``: firm and table
    row; ``made_amount[m]``). The firm's preferential debt goes on from its sums ``debt`` and
    ``interest`` (:func:`amortise_block`) with the new loans, as the refresh over the book
    would sum them. The caller appends the loans to the book and books them with the
    government, in the same order.

    Returns:
        ``(loans recorded, grant_eq)``.
    """
    cash[i] -= own
    first = m
    for p in range(table.shape[0]):
        a = amounts[p, j]
        if a > 0.0:
            made[m, 0], made[m, 1], made_amount[m] = i, p, a
            m += 1
            key = int(budget_rows[p, _KEY])
            spent[key] = spent[key] + a
            grant_eq += grant_equivalent(a, table[p, _RATE], market_rate, budget_rows[p, _TERM])
    debt_market[i] += market
    if m > first:
        for q in range(first, m):
            a = made_amount[q]
            debt[i] += a
            interest[i] += a * table[made[q, 1], _RATE]
        _set_pref(debt[i : i + 1], interest[i : i + 1], debt_pref, pref_rate, i)
    return m, grant_eq


@kernel
def _pref_sums(
    firm: np.ndarray, balance: np.ndarray, rate: np.ndarray, keep: np.ndarray, lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Preferential debt and interest (``balance * rate``) of firms ``lo..hi-1``, loans kept.

    The loans are summed in book order; loans of other firms are skipped.
    """
    debt = np.zeros(hi - lo)
    interest = np.zeros(hi - lo)
    for k in range(firm.shape[0]):
        if keep[k] and lo <= firm[k] < hi:
            debt[firm[k] - lo] += balance[k]
            interest[firm[k] - lo] += balance[k] * rate[k]
    return debt, interest


@kernel
def _set_pref(
    debt: np.ndarray, interest: np.ndarray, debt_pref: np.ndarray, pref_rate: np.ndarray, lo: int
) -> None:  # pragma: no cover - compiled
    """Firms ``lo..``'s preferential debt and average rate from their sums (:func:`_pref_sums`)."""
    for i in range(debt.shape[0]):
        debt_pref[lo + i] = debt[i]
        pref_rate[lo + i] = interest[i] / debt[i] if debt[i] > 0 else 0.0


@kernel
def _pref_debt(
    firm: np.ndarray,
    balance: np.ndarray,
    rate: np.ndarray,
    keep: np.ndarray,
    debt_pref: np.ndarray,
    pref_rate: np.ndarray,
    lo: int,
    hi: int,
) -> None:  # pragma: no cover - compiled
    """Preferential debt and its average rate of firms ``lo..hi-1`` from the loans kept.

    The loans are summed in book order; loans of other firms are skipped.
    """
    debt, interest = _pref_sums(firm, balance, rate, keep, lo, hi)
    _set_pref(debt, interest, debt_pref, pref_rate, lo)


def _refresh_pref_debt(state: State, i: int) -> None:
    """Firm ``i``'s preferential debt and its average rate, from its loans on the book."""
    f, book = state.firms, state.loans
    _pref_debt(
        book.firm, book.balance, book.rate, np.ones(len(book), dtype=np.bool_),
        f.debt_pref, f.pref_rate, i, i + 1,
    )  # fmt: skip


@kernel
def _repay(
    firm: np.ndarray,
    balance: np.ndarray,
    rate: np.ndarray,
    term: np.ndarray,
    federal_share: np.ndarray,
    world: np.ndarray,
    cost: np.ndarray,
    market_rate: float,
    market_term_quarters: float,
    debt_market: np.ndarray,
    cash: np.ndarray,
    n: int,
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`_amortise` but the preferential-debt refresh; returns which loans are kept."""
    repay = np.zeros(n)
    keep = np.empty(firm.shape[0], dtype=np.bool_)
    for k in range(firm.shape[0]):
        subsidy = max(market_rate - rate[k], 0.0) * balance[k] / 4.0
        fed = subsidy * federal_share[k]
        at = 0 if world[k] else 2
        cost[at] += fed
        cost[at + 1] += subsidy - fed
        principal = balance[k] / term[k]
        balance[k] -= principal
        repay[firm[k]] += principal
        keep[k] = balance[k] > 1e-9
    for i in range(n):
        repay_m = debt_market[i] / market_term_quarters
        debt_market[i] -= repay_m
        cash[i] -= repay_m + repay[i]
    return keep


@kernel
def _amortise(
    firm: np.ndarray,
    balance: np.ndarray,
    rate: np.ndarray,
    term: np.ndarray,
    federal_share: np.ndarray,
    world: np.ndarray,
    cost: np.ndarray,
    market_rate: float,
    market_term_quarters: float,
    debt_market: np.ndarray,
    cash: np.ndarray,
    debt_pref: np.ndarray,
    pref_rate: np.ndarray,
    n: int,
) -> np.ndarray:  # pragma: no cover - compiled
    """Repay principal and add up the interest subsidy, loan by loan in book order.

    ``balance`` is repaid in place; ``cost`` (``[world federal, world regional, regime federal,
    regime regional]``, the ledger's running totals) is added to. Market debt is repaid by
    ``1 / market_term_quarters``; preferential debt is refreshed from the loans kept.

    Returns:
        Which loans are kept (balance above 1e-9).
    """
    keep = _repay(
        firm, balance, rate, term, federal_share, world, cost, market_rate, market_term_quarters,
        debt_market, cash, n,
    )  # fmt: skip
    _pref_debt(firm, balance, rate, keep, debt_pref, pref_rate, 0, n)
    return keep


#: Columns of :func:`amortise_block`'s per-run parameters: the market rate, the market debt's
#: term in quarters, the firm slots in use.
_MARKET_RATE, _MARKET_TERM, _SLOTS = range(3)


@kernel
def _amortise_rows(
    rows: np.ndarray,
    params: np.ndarray,
    books: np.ndarray,
    firm: np.ndarray,
    balance: np.ndarray,
    rate: np.ndarray,
    term: np.ndarray,
    federal_share: np.ndarray,
    world: np.ndarray,
    cost: np.ndarray,
    debt_market: np.ndarray,
    cash: np.ndarray,
    debt_pref: np.ndarray,
    pref_rate: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """:func:`_amortise` for run ``k`` of a block (firm table row ``rows[k]``), every run.

    Run ``k``'s loans are ``books[k]:books[k + 1]`` of the loan columns (its book, in book
    order); ``cost[k]`` are its ledger's running totals and ``params[k]`` its parameters.

    Returns:
        ``(keep, kept, debt, interest)``: which loans are kept, how many of each run's, and
        each run's preferential debt and interest sums per firm (:func:`_pref_sums`, a row
        per run), from which loans taken later in the quarter go on.
    """
    runs = rows.shape[0]
    width = debt_market.shape[1]
    keep = np.empty(firm.shape[0], dtype=np.bool_)
    kept = np.zeros(runs, dtype=np.int64)
    debt = np.zeros((runs, width))
    interest = np.zeros((runs, width))
    for k in range(runs):
        r, lo, hi, n = rows[k], books[k], books[k + 1], int(params[k, _SLOTS])
        keep[lo:hi] = _repay(
            firm[lo:hi], balance[lo:hi], rate[lo:hi], term[lo:hi], federal_share[lo:hi],
            world[lo:hi], cost[k], params[k, _MARKET_RATE], params[k, _MARKET_TERM],
            debt_market[r], cash[r], n,
        )  # fmt: skip
        d, x = _pref_sums(firm[lo:hi], balance[lo:hi], rate[lo:hi], keep[lo:hi], 0, n)
        _set_pref(d, x, debt_pref[r], pref_rate[r], 0)
        debt[k, :n] = d
        interest[k, :n] = x
        for j in range(lo, hi):
            if keep[j]:
                kept[k] += 1
    return keep, kept, debt, interest


#: The loan book's columns :func:`amortise_block` gathers, in :func:`_amortise_rows`' order.
_LOAN_COLUMNS = ("firm", "balance", "rate", "term_quarters", "federal_share", "world")
_NO_LOANS = (
    np.zeros(0, dtype=np.int64),
    np.zeros(0),
    np.zeros(0),
    np.zeros(0, dtype=np.int64),
    np.zeros(0),
    np.zeros(0, dtype=np.bool_),
)


def amortise(state: State, gov: Government) -> None:
    """Repay principal; book each loan's interest subsidy (world programmes apart)."""
    amortise_block([state], [gov])


def amortise_block(
    states: Sequence[State], govs: Sequence[Government]
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`amortise` for every run of a block (their firm tables rows of one block).

    Each run's loan book is gathered into columns of the block's loans, one compiled call
    repays and refreshes every run, and each book keeps its balances and the loans kept.

    Returns:
        Each run's preferential debt and interest sums per firm (a row per run, in the order
        of ``states``), as :func:`_pref_sums` leaves them: the refresh of a firm's
        preferential debt after a loan taken later in the quarter goes on from them.
    """
    del govs  # the government books nothing here
    t, rows = firm_tables([st.firms for st in states])
    at, params, cost = [0], [], []
    held = []  # the books with loans, in the order of the runs
    for st in states:
        book, led = st.loans, st.ledger
        m = len(book)
        at.append(at[-1] + m)
        if m:
            held.append(book)
        params.append((st.market_rate, float(4 * st.spec.finance.loan_term_years), st.firms.n))
        pc, c = led.programme_cost, led.cost
        cost.append(
            (pc["federal"], pc["regional"], c[("loans", "federal")], c[("loans", "regional")])
        )
    books, cost = np.array(at, dtype=np.int64), np.array(cost, dtype=float)
    if len(held) == 1:  # its own columns (views), repaid in place
        b = held[0]
        loans = (b.firm, b.balance, b.rate, b.term_quarters, b.federal_share, b.world)
    elif held:  # each column of the books in turn (the order of _LOAN_COLUMNS)
        cols = [
            (b.firm, b.balance, b.rate, b.term_quarters, b.federal_share, b.world) for b in held
        ]
        loans = tuple([np.concatenate(col) for col in zip(*cols, strict=True)])
    else:
        loans = _NO_LOANS
    keep, kept, debt, interest = _amortise_rows(
        rows, np.array(params, dtype=float), books, *loans, cost, t["debt_market"], t["cash"],
        t["debt_pref"], t["pref_rate"],
    )  # fmt: skip
    balance = loans[1]
    for st, lo, hi, (fed_w, reg_w, fed, reg), m in zip(
        states, at[:-1], at[1:], cost.tolist(), kept.tolist(), strict=True
    ):
        if lo == hi:
            continue  # nothing booked, nothing repaid
        led, book = st.ledger, st.loans
        led.programme_cost["federal"], led.programme_cost["regional"] = fed_w, reg_w
        led.cost[("loans", "federal")], led.cost[("loans", "regional")] = fed, reg
        if len(held) > 1:
            book.balance[:] = balance[lo:hi]
        if m < hi - lo:
            book.keep(keep[lo:hi])
    return debt, interest


@kernel
def _add_loan_value(
    value: np.ndarray,
    expected: np.ndarray,
    table: np.ndarray,
    target: np.ndarray,
    term: int,
    outlay: np.ndarray,
    receivable: np.ndarray,
    alive: np.ndarray,
    terms: np.ndarray,
    ebitda: np.ndarray,
    debt_market: np.ndarray,
    debt_pref: np.ndarray,
    kind: np.ndarray,
    cash: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """``value += expected * loan value`` per firm (``value`` and ``expected`` of length n).

    A firm's loan value is the grant-equivalent of the ``target`` rows' loans in its plan for
    ``outlay`` (:func:`_plan_one`, ``terms`` as a member, so ``eligible`` is not read) when
    the outlay is positive and the firm alive, else 0.
    """
    amounts = np.zeros((table.shape[0], 1))
    r_m = terms[2]
    for i in range(value.shape[0]):
        loan_value = 0.0
        if outlay[i] > 0 and alive[i]:
            _plan_one(
                table, amounts, 0, outlay[i], receivable[i], ebitda[i],
                debt_market[i] + debt_pref[i], kind[i], True, cash[i], output[i], price[i], terms,
            )  # fmt: skip
            for p in range(table.shape[0]):
                if target[p] and amounts[p, 0] > 0.0:
                    loan_value += grant_equivalent(amounts[p, 0], table[p, _RATE], r_m, term)
        value[i] += expected[i] * loan_value


def expected_loan_value(
    state: State,
    gov: Government,
    prog: LoanProgramme,
    outlay: np.ndarray,
    receivable: np.ndarray | None = None,
) -> np.ndarray:
    """The grant-equivalent of what ``prog`` would lend each firm for an outlay of ``outlay[i]``.

    The firm's own :func:`plan` for the outlay, as a roster member of a registered cluster (so
    cheaper programmes lend first and all programme money stays within the co-financing rule),
    with ``receivable`` (default: grant instalments due) counted toward its borrowing limit;
    the grant-equivalent of the part ``prog`` lends.
    """
    n = state.firms.n
    due = gov.receivable(n) if receivable is None else receivable
    value = np.zeros(n)
    add_expected_benefit(value, state, gov, prog, [(np.ones(n), outlay, due)])
    return value


def add_expected_benefit(
    value: np.ndarray,
    state: State,
    gov: Government,
    prog: LoanProgramme,
    outlays: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    *,
    programmes: tuple[list[tuple[LoanProgramme, bool, float]], np.ndarray] | None = None,
    terms: np.ndarray | None = None,
) -> None:
    """Add the grant-equivalent a firm expects per quarter from ``prog`` to ``value``.

    For each outlay in turn, ``value += expected * loan value`` (:func:`expected_loan_value`).

    Args:
        value: Per-firm expected benefit, added to in place.
        state: The model state.
        gov: The government (budgets).
        prog: The regime's loan programme.
        outlays: ``(expected number, outlay, receivable)`` per-firm arrays: the outlays a firm
            expects to make this quarter, how many it expects, and what counts toward its
            borrowing limit with them (for a joint project: grants due plus its own grant).
        programmes: The programme table now (:func:`_programmes`), when the caller has it.
        terms: A member's plan terms now (:func:`_terms` as a member), when the caller has them.
    """
    f, n = state.firms, state.firms.n
    tried, table = _programmes(state, gov) if programmes is None else programmes
    target, term = _loan_terms(tried, prog)
    target = np.array(target, dtype=bool)
    terms = _terms(state, gov, True) if terms is None else terms
    cols = _columns(state)
    for expected, outlay, receivable in outlays:
        _add_loan_value(
            value, np.asarray(expected, dtype=float)[:n], table, target, term,
            np.asarray(outlay, dtype=float)[:n], np.asarray(receivable, dtype=float)[:n],
            f.alive, terms, *cols,
        )  # fmt: skip


def _loan_terms(
    tried: list[tuple[LoanProgramme, bool, float]], prog: LoanProgramme
) -> tuple[list[bool], int]:
    """Which rows of a programme table lend ``prog``'s money, and its loans' term in quarters.

    The ``target`` (as a list) and ``term`` of :func:`_add_loan_value` (``tried``: the
    table's programmes, :func:`_programmes`).
    """
    target = [lent_by.programme == prog.programme for lent_by, _, _ in tried]
    return target, 4 * prog.term_years.value


def _budget_rules(
    state: State, gov: Government
) -> tuple[list[tuple[LoanProgramme, bool, float]], np.ndarray, np.ndarray, list]:
    """:func:`_programmes` in parts, for a kernel to fill the budgets left (:func:`_budgets_left`).

    Returns:
        ``(tried, table, budget rows, keys)``: the programmes tried and their table (budgets
        left 0; the cached list and array, read only) from :func:`_programme_rules`, its budget rows
        and its budget keys, which :func:`_spent` reads.
    """
    _, _, tried, _, table, rows, keys = _programme_rules(state, gov)
    return tried, table, rows, keys


def _spent(gov: Government, keys: list, quarter: int) -> list[float]:
    """What this year has spent of each budget key (``spent[budget_rows[p, _KEY]]``)."""
    year = (quarter - 1) // 4
    spent = gov.spent
    return [spent.get((key, year), 0.0) for key in keys]


@kernel
def _budgets_left(
    table: np.ndarray, budget_rows: np.ndarray, spent: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Fill a programme table's ``_BUDGET_LEFT`` as :func:`_programmes` does (in place).

    Each row's budget left is :meth:`Government.remaining`'s ``max(0.0, limit - spent)`` (0
    where that is nan or -0.0, as Python's ``max`` keeps its first argument), from the
    :func:`_budget_rules` of the table.
    """
    for p in range(table.shape[0]):
        left = budget_rows[p, _LIMIT] - spent[int(budget_rows[p, _KEY])]
        table[p, _BUDGET_LEFT] = left if left > 0.0 else 0.0


def discount_per_quarter(rate_per_year: float) -> float:
    """The discount factor of one quarter at an annual rate: ``(1 + rate) ** -0.25``."""
    return (1.0 + rate_per_year) ** -0.25


@kernel
def geometric(
    q: float, j0: float, j1: float, scalar0: bool, scalar1: bool
) -> float:  # pragma: no cover - compiled
    """:func:`geometric_sum` of one element (``scalar0``/``scalar1``: ``j0``/``j1`` were scalars).

    numpy raises an array to a *scalar* exponent by its fast exponents (:func:`power`), to an
    array of exponents by ``pow`` element by element; ``scalar0`` and ``scalar1`` say which.
    """
    if not j1 >= j0:
        return 0.0
    if q == 1.0:
        return j1 - j0 + 1.0
    tail = 0.0
    if not np.isinf(j1):
        tail = power(q, j1 + 1.0) if scalar1 else q ** (j1 + 1.0)
    head = power(q, j0) if scalar0 else q**j0
    return (head - tail) / (1.0 - q)


@kernel
def _geometric_sums(
    q: np.ndarray, j0: np.ndarray, j1: np.ndarray, scalar0: bool, scalar1: bool
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`geometric` of each element; an argument of length 1 is broadcast."""
    m = max(q.shape[0], j0.shape[0], j1.shape[0])
    out = np.empty(m)
    for i in range(m):
        out[i] = geometric(
            q[i if q.shape[0] > 1 else 0],
            j0[i if j0.shape[0] > 1 else 0],
            j1[i if j1.shape[0] > 1 else 0],
            scalar0,
            scalar1,
        )
    return out


def geometric_sum(
    ratio: np.ndarray | float, first: np.ndarray | float, last: np.ndarray | float
) -> np.ndarray:
    """``sum(ratio ** j for j in first..last)``, elementwise; 0 where ``last < first``.

    ``last`` may be ``inf`` when ``ratio < 1``; a ratio of exactly 1 needs a finite ``last``.
    Arguments are scalars or one-dimensional arrays of a common length (:func:`geometric`).
    """
    q = np.asarray(ratio, dtype=float)
    j0 = np.asarray(first, dtype=float)
    j1 = np.asarray(last, dtype=float)
    out = _geometric_sums(q.ravel(), j0.ravel(), j1.ravel(), j0.ndim == 0, j1.ndim == 0)
    return out.reshape(()) if q.ndim == j0.ndim == j1.ndim == 0 else out


@kernel
def _positive_gap_quarters(
    c: float, d: float, mu: float
) -> tuple[float, float]:  # pragma: no cover - compiled
    """First and last ``k >= 1`` with ``c + d * mu ** k > 0`` (``last = inf``: no end).

    The gap is monotone in ``k`` (``0 <= mu <= 1``), so the quarters where it is positive are
    one run; an empty run has ``last < first``.
    """
    if mu <= 0.0 or mu >= 1.0:  # the gap is the same every quarter (c, or c + d)
        gap = c + (d if mu >= 1.0 else 0.0)
        return 1.0, (np.inf if gap > 0 else 0.0)
    first = 1.0
    last = np.inf
    if d > 0 and c < 0:  # the gap falls toward c and ends
        k_star = np.log(-c / d) / np.log(mu)  # where c + d mu^k = 0
        last = np.ceil(k_star) - 1.0
    if d < 0 and c > 0:  # the gap rises toward c and starts
        k_star = np.log(-c / d) / np.log(mu)
        start = np.floor(k_star) + 1.0
        first = start if (start >= 1.0 or start != start) else 1.0  # np.maximum (nan wins)
    if (d < 0 and c <= 0) or (d == 0 and c <= 0):  # never positive
        last = 0.0
    return first, last


@kernel
def committed_interest_sums(
    balance: np.ndarray,
    rate: np.ndarray,
    term: np.ndarray,
    federal_share: np.ndarray,
    world: np.ndarray,
    v: float,
    mu: float,
    level_rate: float,
    gap_now: float,
) -> tuple[float, float]:  # pragma: no cover - compiled
    """:func:`committed_interest_subsidy` of the loan book's columns: ``(federal, all)``.

    The regime's loans (``world`` false) are summed, in book order.

    Args:
        balance: Each loan's balance.
        rate: Each loan's rate.
        term: Each loan's term in quarters.
        federal_share: Each loan's federal share of the subsidy.
        world: Each loan's world flag (world loans are left out).
        v: The discount factor of a quarter.
        mu: ``1 - lambda``, the key rate's persistence per quarter.
        level_rate: ``k_LR + spread``, the market rate in the long run.
        gap_now: ``d = k_t - k_LR``.
    """
    m = 0
    for k in range(world.shape[0]):
        if not world[k]:
            m += 1
    pv = np.empty(m)
    pv_fed = np.empty(m)
    j = 0
    for k in range(world.shape[0]):
        if world[k]:
            continue
        c = level_rate - rate[k]
        first, last = _positive_gap_quarters(c, gap_now, mu)
        x = 1.0 - 1.0 / float(term[k])
        level = c * geometric(x * v, first - 1.0, last - 1.0, False, False)
        path = gap_now * mu * geometric(x * v * mu, first - 1.0, last - 1.0, False, False)
        pv[j] = balance[k] * v / 4.0 * (level + path)
        pv_fed[j] = pv[j] * federal_share[k]
        j += 1
    fed = array_sum(pv_fed)
    return fed, array_sum(pv)


def committed_interest_subsidy(state: State, discount_rate: float) -> dict[str, float]:
    """Present value of the interest subsidy still due on the regime's loans, by budget level.

    Loan ``l`` with balance ``B`` at the end of quarter ``t`` keeps ``B (1 - a)^(k-1)`` in quarter
    ``t + k`` (``a = 1 / term_quarters``) and costs ``g_k B (1 - a)^(k-1) / 4`` then, where
    ``g_k = max(r_m,t+k - r_l, 0)`` is the gap to the market rate on the key rate's path,
    ``r_m,t+k = k_LR + spread + (k_t - k_LR)(1 - lambda)^k``. Discounted by ``v^k``,
    ``v = (1 + rho)^(-1/4)``, the sum over the quarters where the gap is positive has the
    closed form ``B v / 4 [c S(x v) + d mu S(x v mu)]`` with ``c = k_LR + spread - r_l``,
    ``d = k_t - k_LR``, ``mu = 1 - lambda``, ``x = 1 - a`` and ``S`` the geometric sums over
    that run of quarters. Split by the loan's ``federal_share``; world programmes (IDF, KIP)
    are left out.

    Args:
        state: The model state at the end of the quarter (loans after this quarter's repayment).
        discount_rate: Annual discount rate ``rho``.

    Returns:
        ``{"federal": ..., "regional": ...}`` in mln RUB at the end of the quarter.
    """
    book = state.loans
    if book.world.all():
        return {"federal": 0.0, "regional": 0.0}
    fs = state.spec.finance
    fed, total = committed_interest_sums(
        book.balance, book.rate, book.term_quarters, book.federal_share, book.world,
        discount_per_quarter(discount_rate),
        1.0 - fs.key_rate_adjustment_per_quarter,
        fs.key_rate_long_run + fs.market_loan_spread,
        state.key_rate - fs.key_rate_long_run,
    )  # fmt: skip
    return {"federal": fed, "regional": total - fed}
