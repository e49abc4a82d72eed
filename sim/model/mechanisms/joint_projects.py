"""Stage 4 (docs/model.md 7.6): joint projects and their subsidy (Decree 41, later 1119).

Both halves of the instrument live here and share one rule (:func:`subsidy_for`): what is
decided and paid (:func:`run`) and what a firm expects from the subsidy when it decides on
membership (:func:`expected_benefit`).

Each quarter ``N ~ Poisson(projects_per_year / 4)`` proposals arrive with capex ``C`` and annual
return ``r`` (lognormal). Each goes to a participant large enterprise drawn in proportion to
capacity (only large enterprises lead projects). Its subsidy is ``min(rate * C, cap)`` for a
firm the government lets have preferences, when the year's budget can take its annual
instalment, else 0. The lead finances the whole capex by its cheapest plan
(:func:`sim.model.mechanisms.financing.plan`; the committed grant counts toward its borrowing
limit) and goes ahead when the plan covers the capex and the return on its own funds beats the
plan's blended rate (:meth:`sim.model.agents.LargeEnterprise.undertakes_project`). A project
adds ``C / kappa`` to the lead's capacity, raises its productivity, and qualifies and matches
up to three participant SMEs as partners. The subsidy is paid in equal quarterly instalments
over the payout period; the annual budget limits the commitments made in a year. The
instalments still due at the end of a quarter are a committed cost of the regime
(:func:`committed_grants`, docs/model.md 7.14.1).

**Implementation** (issue 17, :mod:`sim.model.block`): the stage runs for a block of runs,
:func:`run_block` (:func:`run` is a block of one). The grants and the draws stay in Python,
run by run in the same order (a quarter without proposals makes no draws of size 0: they would
draw nothing); one compiled call pays the instalments and picks every proposal's lead for the
whole block; one compiled call (:func:`_decide_rows`) decides the proposals of every run, in
order within each run (each plan depends on the ones executed before), with financing's plan
and execution kernels (:func:`sim.model.mechanisms.financing._plan_one`, ``_execute``), and
Python then puts the loans and grants on the runs' books in the order taken; one compiled call
adds the projects undertaken to capacity, productivity and partners' qualification. Outcomes
are bit-identical to the run-by-run code (``tests/test_block_projects.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import accumulate

import numpy as np

from sim.model.agents import Government, Grant, LargeEnterprise
from sim.model.compiled import array_sum, kernel
from sim.model.distributions import lognormal, lognormal_params
from sim.model.mechanisms import financing
from sim.model.state import (
    KIND_LARGE,
    KIND_SME,
    State,
    firm_tables,
    kept_for_block,
    roster_rows,
)
from sim.scenario.schema import Distribution, JointProjectSubsidy, Organisation, Scenario

__all__ = [
    "committed_grant_sums",
    "committed_grants",
    "expected_benefit",
    "expected_projects",
    "go_probability",
    "projects_led",
    "run",
    "run_block",
    "subsidy_for",
]


def subsidy_for(jp: JointProjectSubsidy, gov: Government, quarter: int, capex: float) -> float:
    """The subsidy a project of ``capex`` gets now: ``min(rate * C, cap)``, 0 without budget.

    The rule is :func:`_subsidy`, which stage 4's compiled decisions call too.
    """
    left = gov.remaining("joint_project", jp.annual_budget_mln_rub.value, quarter)
    return _subsidy(
        float(jp.rate.value), float(jp.cap_per_project_mln_rub.value),
        float(jp.payout_years.value), float(left), float(capex),
    )  # fmt: skip


@kernel
def _subsidy(
    rate: float, cap: float, years: float, left: float, capex: float
) -> float:  # pragma: no cover - compiled
    """The subsidy of a project of ``capex``: ``min(rate * C, cap)``, or 0 without budget.

    Python's ``min`` as written; 0 when the budget ``left`` this year does not cover the
    subsidy's annual amount (``/ years``).
    """
    x = rate * capex
    want = cap if cap < x else x
    if left >= want / years:
        return want
    return 0.0


@kernel
def _projects_led(
    per_quarter: float,
    alive: np.ndarray,
    kind: np.ndarray,
    participant: np.ndarray,
    capacity: np.ndarray,
    n: int,
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`projects_led` on the firm columns (``per_quarter``: proposals a quarter)."""
    held = np.empty(n)  # the participant large enterprises' capacities, in firm order
    m = 0
    for i in range(n):
        if alive[i] and kind[i] == KIND_LARGE and participant[i]:
            held[m] = capacity[i]
            m += 1
    part_cap = array_sum(held[:m])
    out = np.empty(n)
    for i in range(n):
        cap = capacity[i] if alive[i] and kind[i] == KIND_LARGE else 0.0
        pool = part_cap + (0.0 if participant[i] else cap)
        out[i] = per_quarter * (cap / pool if pool > 0 else 0.0)
    return out


def projects_led(state: State, org: Organisation) -> np.ndarray:
    """Expected number of this quarter's proposals each firm would lead as a participant.

    Expected proposals ``projects_per_year / 4`` times the firm's share of the participant large
    enterprises' capacity (its own capacity added when it is not a participant yet); SMEs and
    closed firms never lead.
    """
    f = state.firms
    return _projects_led(
        org.joint_projects_per_year / 4.0, f.alive, f.kind, f.participant, f.capacity, f.n
    )


def _lognormal(dist: Distribution) -> tuple[float, float]:
    """``(mu, sigma^2)`` of the log of a lognormal with ``dist``'s mean and cv (nan if none)."""
    if dist.cv <= 0 or dist.mean <= 0:
        return math.nan, math.nan
    s2 = math.log1p(dist.cv**2)
    return math.log(dist.mean) - s2 / 2, s2


@kernel
def _go(
    mean: float, cv: float, mu: float, s2: float, subsidy_share: float, hurdle: float
) -> float:  # pragma: no cover - compiled
    """:func:`go_probability` for a return of ``mean`` and ``cv`` (``mu``, ``s2``: its log's)."""
    threshold = hurdle * max(1.0 - subsidy_share, 1e-9)
    if cv <= 0:
        return 1.0 if mean >= threshold else 0.0
    if threshold <= 0:
        return 1.0
    z = (math.log(threshold) - mu) / math.sqrt(s2)
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def go_probability(annual_return: Distribution, subsidy_share: float, hurdle: float) -> float:
    """Chance that a proposal's return clears the hurdle: ``P(r >= hurdle * (1 - s))``.

    ``r`` is lognormal with the organisation's mean and coefficient of variation, the rule of
    :meth:`sim.model.agents.LargeEnterprise.undertakes_project`.
    """
    mu, s2 = _lognormal(annual_return)
    return _go(annual_return.mean, annual_return.cv, mu, s2, subsidy_share, hurdle)


@kernel
def _expected_projects(
    led: np.ndarray,
    due: np.ndarray,
    sub: float,
    capex: float,
    ret: np.ndarray,
    table: np.ndarray,
    terms: np.ndarray,
    ebitda: np.ndarray,
    debt_market: np.ndarray,
    debt_pref: np.ndarray,
    kind: np.ndarray,
    cash: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`expected_projects` for the firms that lead (``ret``: ``[mean, cv, mu, s2]``)."""
    n = led.shape[0]
    out = np.zeros(n)
    amounts = np.zeros((table.shape[0], 1))
    for i in range(n):
        if not led[i] > 0:
            continue
        # a member's plan (eligible is not read)
        _, _, financed, rate = financing._plan_one(
            table, amounts, 0, capex, due[i] + sub, ebitda[i], debt_market[i] + debt_pref[i],
            kind[i], True, cash[i], output[i], price[i], terms,
        )  # fmt: skip
        if financed >= capex * (1 - 1e-12):
            out[i] = led[i] * _go(ret[0], ret[1], ret[2], ret[3], sub / capex, rate)
    return out


#: Columns of :func:`_expectation_terms`: proposals a quarter, a project's average capex, its
#: return's mean, cv and log's mean and variance (:func:`_lognormal`) — the organisation's
#: :func:`_project_terms` — and the project's subsidy now.
_PER_QUARTER, _CAPEX, _RET, _SUB = 0, 1, 2, 6
_EXPECTATION_TERMS = 7


def _project_terms(org: Organisation) -> tuple[float, float, float, float, float, float]:
    """The organisation's part of :func:`_expectation_terms` (``_PER_QUARTER`` to ``_RET + 3``).

    The same for every run of its scenario, at any time.
    """
    dist = org.project_return_per_year
    mu, s2 = _lognormal(dist)
    return (
        org.joint_projects_per_year / 4.0, org.project_capex_mln_rub.mean, dist.mean, dist.cv,
        mu, s2,
    )  # fmt: skip


def _expectation_terms(
    state: State, gov: Government, org: Organisation, jp: JointProjectSubsidy | None
) -> tuple[float, ...]:
    """What :func:`expected_projects` reads of the run now (the columns ``_PER_QUARTER`` on).

    A project of average capex (:func:`_project_terms`: with the return's lognormal
    parameters, :func:`go_probability`), then its subsidy (:func:`subsidy_for`, budget left
    included; 0 without a subsidy).
    """
    terms = _project_terms(org)
    return (*terms, _subsidy_now(state, gov, jp, terms[_CAPEX]))


def _subsidy_now(
    state: State, gov: Government, jp: JointProjectSubsidy | None, capex: float
) -> float:
    """The ``_SUB`` column of :func:`_expectation_terms`: 0 without a subsidy."""
    return subsidy_for(jp, gov, state.quarter, capex) if jp is not None else 0.0


_EVERY_FIRM = np.zeros(0, dtype=np.bool_)  # no ``only``: every firm's expected projects


@kernel
def _expected_row_of(
    terms: np.ndarray,
    due: np.ndarray,
    table: np.ndarray,
    plan_terms: np.ndarray,
    n: int,
    alive: np.ndarray,
    participant: np.ndarray,
    capacity: np.ndarray,
    ebitda: np.ndarray,
    debt_market: np.ndarray,
    debt_pref: np.ndarray,
    kind: np.ndarray,
    cash: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
    only: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`expected_projects` of firms ``0..n-1``, or of those ``i`` with ``only[i]``.

    ``terms``: :func:`_expectation_terms`. The proposals each firm would lead
    (:func:`_projects_led`, over every firm) times the chance that it can finance and
    undertakes one (:func:`_expected_projects`); with ``only`` not empty the other firms lead
    none here (0: no plan is made for them). A block's stage 2 calls it for each run
    (:mod:`sim.model.mechanisms.membership`).
    """
    led = _projects_led(terms[_PER_QUARTER], alive, kind, participant, capacity, n)
    if only.shape[0] > 0:
        for i in range(n):
            if not only[i]:
                led[i] = 0.0
    return _expected_projects(
        led, due, terms[_SUB], terms[_CAPEX], terms[_RET : _RET + 4], table, plan_terms, ebitda,
        debt_market, debt_pref, kind, cash, output, price,
    )  # fmt: skip


def expected_projects(
    state: State,
    gov: Government,
    org: Organisation,
    jp: JointProjectSubsidy | None,
    *,
    due: np.ndarray | None = None,
    table: np.ndarray | None = None,
    terms: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Projects each firm expects to lead and undertake this quarter as a roster member.

    The rules of :func:`run` for a project of average capex: its subsidy (:func:`subsidy_for`,
    budget left included), its financing plan as a member (the committed grant counting toward
    the borrowing limit; 0 when the plan cannot cover the capex) and the chance that the return
    clears the plan's rate (:func:`go_probability`).

    Args:
        state: The model state.
        gov: The government (regime, budgets, grants).
        org: The organisation's parameters.
        jp: The regime's joint-project subsidy (None: no subsidy).
        due: Grant instalments due to each firm now (``gov.receivable``), when the caller has
            them.
        table: The programme table now (``financing._programmes``), when the caller has it.
        terms: A member's plan terms now (``financing._terms``), when the caller has them.

    Returns:
        Expected projects per firm, and the subsidy of one average project.
    """
    f, n = state.firms, state.firms.n
    values = _expectation_terms(state, gov, org, jp)
    out = _expected_row_of(
        np.array(values), gov.receivable(n) if due is None else due,
        financing._programmes(state, gov)[1] if table is None else table,
        financing._terms(state, gov, True) if terms is None else terms, n, f.alive,
        f.participant, f.capacity, *financing._columns(state), _EVERY_FIRM,
    )  # fmt: skip
    return out, values[_SUB]


def expected_benefit(
    state: State,
    gov: Government,
    jp: JointProjectSubsidy,
    org: Organisation,
    expected: tuple[np.ndarray, float] | None = None,
) -> np.ndarray:
    """The subsidy each firm expects this quarter as a roster member (membership, 7.3).

    Expected projects undertaken times the subsidy of one (:func:`expected_projects`, or
    ``expected`` when the caller has it for this quarter already); SMEs, which never lead,
    expect nothing.
    """
    projects, sub = expected_projects(state, gov, org, jp) if expected is None else expected
    return projects * sub


_FEDERAL, _REGIONAL = ("joint_project", "federal"), ("joint_project", "regional")
#: :func:`_draw_terms` by organisation (frozen, of a scenario), a few at a time.
_DRAWS: dict[int, tuple[Organisation, tuple]] = {}
_KEPT = 16


def _draw_terms(org: Organisation) -> tuple[Organisation, tuple]:
    """The organisation's proposals a quarter and its capex's and return's lognormal terms.

    Each distribution's mean, cv and ``(mu, sigma)``
    (:func:`sim.model.distributions.lognormal_params`; None where its cv is not positive:
    :func:`sim.model.distributions.lognormal` then draws nothing); kept in :data:`_DRAWS`.
    """

    def terms(dist: Distribution) -> tuple[float, float, tuple[float, float] | None]:
        params = None if dist.cv <= 0 else lognormal_params(dist.mean, dist.cv)
        return dist.mean, dist.cv, params

    if len(_DRAWS) >= _KEPT:
        _DRAWS.clear()
    got = (
        org,
        (
            org.joint_projects_per_year / 4.0,
            terms(org.project_capex_mln_rub),
            terms(org.project_return_per_year),
        ),
    )
    _DRAWS[id(org)] = got
    return got


def run(state: State, gov: Government, org: Organisation, rng: np.random.Generator) -> None:
    """One run's stage 4: :func:`run_block` for a block of one run."""
    run_block([state], [gov], [org], [rng])


def run_block(
    states: Sequence[State],
    govs: Sequence[Government],
    orgs: Sequence[Organisation],
    rngs: Sequence[np.random.Generator],
) -> None:
    """Pay running grants, then decide this quarter's project proposals; every run of a block.

    The runs' firm tables are rows of one block (:mod:`sim.model.block`). Run by run, in
    Python: the grants' instalments (:meth:`Government.pay_grants`, skipped when a run has no
    grant: it would pay nothing) and the proposals' draws. Then one compiled call over the
    block pays the instalments into cash and picks each proposal's lead
    (:func:`_start_rows`); the runs with proposals, an organisation and leads decide them in
    one compiled call (:func:`_decide_block`: subsidy, financing plan, go-ahead, execution,
    grant; each plan depends on the ones executed before); and a third compiled call
    (:func:`_apply_rows`) adds the projects undertaken to their leads' capacity and
    productivity and qualifies their partners, in the order undertaken (nothing the decisions
    read: plans read cash, debt, output, price and EBITDA).
    """
    t, rows = firm_tables([st.firms for st in states])
    runs = len(states)
    ns = np.empty(runs, dtype=np.int64)
    paid = np.zeros((runs, t["cash"].shape[1]))  # the instalments paid to each firm
    drawn: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for k, (st, gov, org, rng) in enumerate(zip(states, govs, orgs, rngs, strict=True)):
        n = ns[k] = st.firms.n
        if gov.grants:
            cash, fed, reg = gov.pay_grants(n)
            paid[k, :n] = cash
        else:
            fed = reg = 0.0  # no grant: pay_grants would pay nothing
        ledger = st.ledger
        cost = ledger.cost  # Ledger.book_cost of the instalments, by level
        cost[_FEDERAL] += float(fed)
        cost[_REGIONAL] += float(reg)
        ledger.paid_to_firms += fed + reg
        # Draw every proposal whatever the arm, so that arms share their random numbers (no
        # proposal: the draws of size 0 would draw nothing, and are not made).
        got = _DRAWS.get(id(org))
        if got is None or got[0] is not org:
            got = _draw_terms(org)
        per_quarter, (c_mean, c_cv, c_params), (r_mean, r_cv, r_params) = got[1]
        n_prop = int(rng.poisson(per_quarter))
        if n_prop == 0:
            continue
        c = lognormal(rng, c_mean, c_cv, n_prop, params=c_params)
        r = lognormal(rng, r_mean, r_cv, n_prop, params=r_params)
        lead_u = rng.random(n_prop)
        partner_u = rng.random((n_prop, 3))
        if org.exists:
            drawn.append((k, c, r, lead_u, partner_u))
    offsets = np.zeros(len(drawn) + 1, dtype=np.int64)
    for j, d in enumerate(drawn):
        offsets[j + 1] = offsets[j] + d[3].shape[0]
    lead_of = _start_rows(
        rows, ns, paid, t["cash"], t["alive"], t["kind"], t["participant"], t["capacity"],
        np.array([d[0] for d in drawn], dtype=np.int64), offsets,
        np.concatenate([d[3] for d in drawn]) if drawn else _NO_DRAWS,
    )  # fmt: skip
    done_k, done_lead, done_c, done_u = _decide_block(
        states, govs, t, rows, ns, drawn, lead_of, offsets
    )
    if done_k:
        _apply_rows(
            rows, ns, t["alive"], t["kind"], t["participant"], t["capacity"],
            t["productivity"], t["qualification"], t["matched"], _apply_params(states),
            np.array(done_k, dtype=np.int64), np.array(done_lead, dtype=np.int64),
            np.array(done_c), np.array(done_u),
        )  # fmt: skip


_NO_DRAWS = np.zeros(0)

#: Columns of :func:`_decide_rows`' per-run parameters: whether the regime subsidises joint
#: projects, the subsidy's rate, cap per project, payout years and annual budget, what that
#: budget has committed this year, whether the cluster is registered and the quarter after
#: which a contract counts for the roster (:meth:`State.roster_since`).
_HAS_JP, _JP_RATE, _JP_CAP, _JP_YEARS, _JP_BUDGET, _JP_SPENT, _REGISTERED, _SINCE = range(8)
_DECIDE_PARAMS = 8

#: :meth:`LargeEnterprise.undertakes_project` compiled, for :func:`_decide_run` (the same rule).
_undertakes = kernel(LargeEnterprise.undertakes_project)


#: A block's :func:`_apply_rows` parameters by its runs' scenarios (their ids, in order; the
#: entry holds the scenarios, so their ids stay theirs).
_BY_BLOCK: dict[tuple[int, ...], tuple[tuple[Scenario, ...], np.ndarray]] = {}


def _apply_params(states: Sequence[State]) -> np.ndarray:
    """Each run's ``[kappa, gain, qualification gain]`` (:func:`_apply_rows`), kept per block."""
    return kept_for_block(_BY_BLOCK, states, _apply_rows_of)


def _apply_rows_of(states: Sequence[State]) -> np.ndarray:
    """The runs' ``[kappa, gain, qualification gain]`` rows (:func:`_apply_params`)."""
    return np.array(
        [
            (
                st.spec.finance.capital_mln_rub_per_capacity,
                st.spec.finance.productivity_gain_per_investment,
                2 * st.spec.production.sme_qualification_step,
            )
            for st in states
        ]
    )


def _decide_block(
    states: Sequence[State],
    govs: Sequence[Government],
    t: dict[str, np.ndarray],
    rows: np.ndarray,
    ns: np.ndarray,
    drawn: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    lead_of: np.ndarray,
    offsets: np.ndarray,
) -> tuple[list[int], list[int], list[float], list[np.ndarray]]:
    """Decide the proposals of the runs that have leads for them, in one compiled call.

    Each run's proposals are decided in order by :func:`_decide_run`. Python gathers, for each
    deciding run, its subsidy's terms and the budget it has committed this year, its
    registration, the grants due to its firms, its plan terms, its programme table with the
    budgets spent and its loan book (firm, balance, rate) before the call; after it, in the
    order the projects were undertaken, it puts each project's loans on the run's book and
    books them with the government (:func:`sim.model.mechanisms.financing.execute`'s
    book-keeping), commits its subsidy as a grant and books it, and counts the project; the
    ledger's investment and grant-equivalent come back from the kernel.

    Returns:
        The projects undertaken, in order: their runs, leads, capex and partners' draws.
    """
    done_k: list[int] = []
    done_lead: list[int] = []
    done_c: list[float] = []
    done_u: list[np.ndarray] = []
    first = offsets[:-1].tolist()
    deciding = [j for j in range(len(drawn)) if lead_of[first[j]] >= 0]
    if not deciding:
        return done_k, done_lead, done_c, done_u
    m = len(deciding)
    due = np.zeros((m, t["cash"].shape[1]))
    params = np.zeros((m, _DECIDE_PARAMS))
    terms, entries, spent, ledgers, runs = [], [], [], [], []
    books: list[np.ndarray] = []
    spent_at, book_at = [0], [0]
    for jj, j in enumerate(deciding):
        k = drawn[j][0]
        st, gov = states[k], govs[k]
        n, year = st.firms.n, (st.quarter - 1) // 4
        regime = gov.regime
        jp = regime.joint_project_subsidy if regime is not None else None
        if jp is not None:
            params[jj, :_REGISTERED] = (
                1.0, jp.rate.value, jp.cap_per_project_mln_rub.value, jp.payout_years.value,
                jp.annual_budget_mln_rub.value, gov.spent.get(("joint_project", year), 0.0),
            )  # fmt: skip
        if gov.registered:
            params[jj, _REGISTERED:] = (1.0, st.roster_since())
        if gov.grants:
            due[jj, :n] = gov.receivable(n)
        terms.append(financing._term_values(st, gov, False))
        ledgers.append((st.ledger.investment, st.ledger.grant_equivalent))
        runs.append(k)
        # (world programmes, regime's programme, tried, budgets, table, budget rows, keys)
        entry = financing._programme_rules(st, gov)
        entries.append(entry)
        spent_now = gov.spent.get
        spent.extend([spent_now((key, year), 0.0) for key in entry[6]])
        spent_at.append(len(spent))
        book = st.loans
        books.extend((book.firm, book.balance, book.rate))
        book_at.append(book_at[-1] + len(book))
    ledger = np.array(ledgers, dtype=float)
    tried = [e[2] for e in entries]
    tables = [e[4] for e in entries]
    table_at = [0, *accumulate([table.shape[0] for table in tables])]
    prop_at = [0]
    for j in deciding:
        prop_at.append(prop_at[-1] + drawn[j][1].shape[0])
    lead_parts = [lead_of[offsets[j] : offsets[j + 1]] for j in deciding]
    projects, subs, made, made_amount = _decide_rows(
        np.array(runs, dtype=np.int64), rows, np.array(prop_at, dtype=np.int64),
        np.concatenate(lead_parts), np.concatenate([drawn[j][1] for j in deciding]),
        np.concatenate([drawn[j][2] for j in deciding]), params, np.array(terms, dtype=float),
        due, np.concatenate(tables), np.array(table_at, dtype=np.int64),
        np.concatenate([e[5] for e in entries]), np.array(spent, dtype=float),
        np.array(spent_at, dtype=np.int64), np.concatenate(books[0::3]),
        np.concatenate(books[1::3]), np.concatenate(books[2::3]),
        np.array(book_at, dtype=np.int64), ledger, ns,
        t["alive"], t["participant"], t["last_contract_quarter"], t["ebitda"],
        t["debt_market"], t["debt_pref"], t["kind"], t["cash"], t["output"], t["price"],
        t["pref_rate"],
    )  # fmt: skip
    for jj, (investment, grant_eq) in enumerate(ledger.tolist()):
        led = states[runs[jj]].ledger
        led.investment, led.grant_equivalent = investment, grant_eq
    made_l, amounts = made.tolist(), made_amount.tolist()
    at = 0
    for (jj, p, loans, lead), sub in zip(projects.tolist(), subs.tolist(), strict=True):
        j, k = deciding[jj], runs[jj]
        st, gov = states[k], govs[k]
        financing.book_loans(st, gov, tried[jj], made_l[at : at + loans], amounts[at : at + loans])
        at += loans
        if sub > 0:
            jp = gov.regime.joint_project_subsidy
            quarters = 4 * jp.payout_years.value
            gov.grants.append(Grant(lead, sub / quarters, quarters, jp.budget_level))
            gov.book("joint_project", sub / jp.payout_years.value, st.quarter)
        st.ledger.joint_projects += 1
        _, capex, _, _, partner_u = drawn[j]
        done_k.append(k)
        done_lead.append(lead)
        done_c.append(float(capex[p]))
        done_u.append(partner_u[p])
    return done_k, done_lead, done_c, done_u


@kernel
def _decide_rows(
    runs: np.ndarray,
    rows: np.ndarray,
    prop_at: np.ndarray,
    leads: np.ndarray,
    capex: np.ndarray,
    ret: np.ndarray,
    params: np.ndarray,
    terms: np.ndarray,
    due: np.ndarray,
    tables: np.ndarray,
    table_at: np.ndarray,
    budget_rows: np.ndarray,
    spent: np.ndarray,
    spent_at: np.ndarray,
    book_firm: np.ndarray,
    book_balance: np.ndarray,
    book_rate: np.ndarray,
    book_at: np.ndarray,
    ledger: np.ndarray,
    ns: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    last_contract: np.ndarray,
    ebitda: np.ndarray,
    debt_market: np.ndarray,
    debt_pref: np.ndarray,
    kind: np.ndarray,
    cash: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
    pref_rate: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """:func:`_decide_run` for each deciding run ``j``: run ``k = runs[j]``, firm row ``rows[k]``.

    Run ``j``'s proposals are ``prop_at[j]:prop_at[j + 1]`` of ``leads``, ``capex`` and
    ``ret``; ``params[j]`` (:data:`_DECIDE_PARAMS` columns), ``terms[j]``, ``due[j]`` and
    ``ledger[j]`` (investment, grant-equivalent; updated in place) are its own, its programme
    table ``tables[table_at[j]:table_at[j + 1]]`` (with ``budget_rows``), its budgets spent
    ``spent[spent_at[j]:spent_at[j + 1]]`` and its loan book ``book_at[j]:book_at[j + 1]``.

    Returns:
        ``(projects, subsidies, made, made_amount)``: the projects undertaken, run after run
        (deciding run, proposal of the run, loans taken, lead) with their subsidies; the loans
        taken (firm and row of the run's table; amount), in the same order.
    """
    total = leads.shape[0]
    size = 0
    for j in range(runs.shape[0]):
        size += (prop_at[j + 1] - prop_at[j]) * (table_at[j + 1] - table_at[j])
    projects = np.empty((total, 4), dtype=np.int64)
    subs = np.empty(total)
    made = np.empty((size, 2), dtype=np.int64)
    made_amount = np.empty(size)
    done, m = 0, 0
    for j in range(runs.shape[0]):
        k = runs[j]
        r, lo, hi = rows[k], prop_at[j], prop_at[j + 1]
        eligible = np.zeros(ns[k], dtype=np.bool_)
        if params[j, _REGISTERED] != 0.0:  # Government.eligible_for_preferences: the roster
            spec = np.empty((1, 3), dtype=np.int64)
            spec[0, 0], spec[0, 1], spec[0, 2] = r, ns[k], int(params[j, _SINCE])
            eligible = roster_rows(spec, alive, participant, last_contract)[0]
        b0, b1 = book_at[j], book_at[j + 1]
        done, m = _decide_run(
            j, leads[lo:hi], capex[lo:hi], ret[lo:hi], params[j], terms[j], due[j], eligible,
            tables[table_at[j] : table_at[j + 1]], budget_rows[table_at[j] : table_at[j + 1]],
            spent[spent_at[j] : spent_at[j + 1]], book_firm[b0:b1], book_balance[b0:b1],
            book_rate[b0:b1], ledger[j], ns[k], ebitda[r], debt_market[r], debt_pref[r],
            kind[r], cash[r], output[r], price[r], pref_rate[r], projects, subs, made,
            made_amount, done, m,
        )  # fmt: skip
    return projects[:done], subs[:done], made[:m], made_amount[:m]


@kernel
def _decide_run(
    j: int,
    leads: np.ndarray,
    capex: np.ndarray,
    ret: np.ndarray,
    params: np.ndarray,
    terms: np.ndarray,
    due: np.ndarray,
    eligible: np.ndarray,
    rules: np.ndarray,
    budget_rows: np.ndarray,
    spent: np.ndarray,
    book_firm: np.ndarray,
    book_balance: np.ndarray,
    book_rate: np.ndarray,
    ledger: np.ndarray,
    n: int,
    ebitda: np.ndarray,
    debt_market: np.ndarray,
    debt_pref: np.ndarray,
    kind: np.ndarray,
    cash: np.ndarray,
    output: np.ndarray,
    price: np.ndarray,
    pref_rate: np.ndarray,
    projects: np.ndarray,
    subs: np.ndarray,
    made: np.ndarray,
    made_amount: np.ndarray,
    done: int,
    m: int,
) -> tuple[int, int]:  # pragma: no cover - compiled
    """Decide one run's proposals in order (deciding run ``j`` of :func:`_decide_rows`).

    Proposal ``p`` (capex ``C``, return ``r``) of lead ``leads[p]`` gets the subsidy
    :func:`subsidy_for` gives (the lead eligible, the subsidy's budget committed this year in
    ``params[_JP_SPENT]`` on); the lead plans the capex (:func:`financing._plan_one`, its grants
    due plus the subsidy counting toward its borrowing limit; the programme table's budgets left
    as booked so far) and goes ahead when the plan covers it and
    :meth:`LargeEnterprise.undertakes_project`. The plan is carried out
    (:func:`financing._execute`, the lead's preferential debt summed over its loan book and the
    loans taken since, as the refresh over the book sums it), the subsidy committed (its
    instalments added to what is due to the lead, its annual amount to the budget committed),
    and the project recorded from ``done`` on, its loans from ``m`` on; ``ledger``
    (investment, grant-equivalent) is updated in place.

    Returns:
        ``(projects recorded, loans recorded)`` so far.
    """
    table = rules.copy()
    single = np.zeros((table.shape[0], 1))
    stale = True  # the table's budgets left are to be filled in
    debt = np.zeros(0)
    interest = np.zeros(0)
    summed = False  # the book's preferential sums
    jp_spent = params[_JP_SPENT]
    investment, grant_eq = ledger[0], ledger[1]
    market_rate = terms[2]
    for p in range(leads.shape[0]):
        lead, c = leads[p], capex[p]
        sub = 0.0
        if params[_HAS_JP] != 0.0 and eligible[lead]:  # subsidy_for: Government.remaining
            left = params[_JP_BUDGET] - jp_spent
            left = left if left > 0.0 else 0.0
            sub = _subsidy(params[_JP_RATE], params[_JP_CAP], params[_JP_YEARS], left, c)
        receivable = due[lead] + sub
        if stale:
            financing._budgets_left(table, budget_rows, spent)
            stale = False
        own, market, _, rate = financing._plan_one(
            table, single, 0, c, receivable, ebitda[lead], debt_market[lead] + debt_pref[lead],
            kind[lead], eligible[lead], cash[lead], output[lead], price[lead], terms,
        )  # fmt: skip
        if financing._financed(single, 0, own, market) < c * (1 - 1e-12):
            continue  # the lead cannot finance the whole capex
        if not _undertakes(ret[p], sub / c, rate):
            continue
        investment += c
        if not summed:
            debt, interest = financing._pref_sums(
                book_firm, book_balance, book_rate, np.ones(book_firm.shape[0], np.bool_), 0, n
            )
            summed = True
        before = m
        m, grant_eq = financing._execute(
            lead, single, 0, own, market, table, budget_rows, spent, market_rate, grant_eq,
            cash, debt_market, debt, interest, debt_pref, pref_rate, made, made_amount, m,
        )  # fmt: skip
        if m > before:  # programme budgets booked
            stale = True
        if sub > 0:  # the grant: instalments due, this year's budget committed
            quarters = 4.0 * params[_JP_YEARS]
            due[lead] += sub / quarters * quarters
            jp_spent = jp_spent + sub / params[_JP_YEARS]
        projects[done, 0], projects[done, 1] = j, p
        projects[done, 2], projects[done, 3] = m - before, lead
        subs[done] = sub
        done += 1
    ledger[0], ledger[1] = investment, grant_eq
    return done, m


@kernel
def _start_rows(
    rows: np.ndarray,
    ns: np.ndarray,
    paid: np.ndarray,
    cash: np.ndarray,
    alive: np.ndarray,
    kind: np.ndarray,
    participant: np.ndarray,
    capacity: np.ndarray,
    drawn: np.ndarray,
    offsets: np.ndarray,
    lead_u: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Pay the instalments into cash (every run), then pick each proposal's lead.

    Run ``k`` of the block is firm table row ``rows[k]`` with ``ns[k]`` slots; ``paid`` has
    one row per run. Run ``drawn[j]`` has the proposals ``offsets[j] .. offsets[j + 1] - 1``,
    whose uniforms ``lead_u`` draw their leads among the participant large enterprises in
    proportion to capacity at the start of the stage: ``leads[searchsorted(cum, u * cum[-1])]``
    (``cum``: the leads' cumulative capacity, summed in firm order as ``np.cumsum`` does; the
    index at most the last lead). Returns each proposal's lead, -1 where the run has none.
    Every run's cash gets its row of ``paid``, 0 where nothing is paid, as the one-run code
    added :meth:`Government.pay_grants`' cash (a cash of -0.0 becomes 0.0 either way).
    """
    for k in range(rows.shape[0]):
        r = rows[k]
        for i in range(ns[k]):
            cash[r, i] += paid[k, i]
    out = np.full(lead_u.shape[0], -1, dtype=np.int64)
    for j in range(drawn.shape[0]):
        k = drawn[j]
        r, n = rows[k], ns[k]
        leads = np.empty(n, dtype=np.int64)
        m = 0
        for i in range(n):
            if alive[r, i] and participant[r, i] and kind[r, i] == KIND_LARGE:
                leads[m] = i
                m += 1
        if m == 0:
            continue
        cum = np.empty(m)
        cum[0] = capacity[r, leads[0]]
        for i in range(1, m):
            cum[i] = cum[i - 1] + capacity[r, leads[i]]
        lo, hi = offsets[j], offsets[j + 1]
        keys = lead_u[lo:hi] * cum[m - 1]
        idx = _searchsorted_left(cum, keys)
        for p in range(hi - lo):
            out[lo + p] = leads[min(idx[p], m - 1)]
    return out


@kernel
def _less(a: float, b: float) -> bool:  # pragma: no cover - compiled
    """NumPy's sort order of floats: ``a < b``, nan after every number."""
    return a < b or (b != b and a == a)


@kernel
def _searchsorted_left(a: np.ndarray, keys: np.ndarray) -> np.ndarray:  # pragma: no cover
    """``np.searchsorted(a, keys)`` (side left): the first index where ``a`` is not below a key.

    On a sorted ``a`` (nan last, as NumPy sorts) every binary search gives that index; this is
    NumPy's own (2.x ``searchsorted``: a branchless halving search per key, in its order of
    floats), so it gives NumPy's index even where ``a`` is not sorted.
    """
    n = a.shape[0]
    out = np.zeros(keys.shape[0], dtype=np.int64)
    if n == 0:
        return out
    for j in range(keys.shape[0]):
        key = keys[j]
        base, m = 0, n
        while m > 1:
            half = m >> 1
            if _less(a[base + half], key):
                base += half
            m -= half
        out[j] = base + 1 if _less(a[base], key) else base
    return out


@kernel
def _apply_rows(
    rows: np.ndarray,
    ns: np.ndarray,
    alive: np.ndarray,
    kind: np.ndarray,
    participant: np.ndarray,
    capacity: np.ndarray,
    productivity: np.ndarray,
    qualification: np.ndarray,
    matched: np.ndarray,
    params: np.ndarray,
    runs_of: np.ndarray,
    leads: np.ndarray,
    capex: np.ndarray,
    partner_u: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """The projects undertaken, in order: project ``j`` of run ``runs_of[j]`` (its runs' in turn).

    Its lead ``leads[j]`` gains ``capex[j] / kappa`` of capacity and its productivity rises by
    ``gain * capex / max(K_old * kappa, 1e-9)``; the partners drawn by ``partner_u[j]`` among
    the run's participant SMEs gain a qualification step (:func:`_partner_up`). ``params``:
    each run's ``[kappa, gain, qualification gain]``; run ``k`` is firm table row ``rows[k]``.
    """
    last = -1
    partners = np.empty(0, dtype=np.int64)
    for j in range(runs_of.shape[0]):
        k = runs_of[j]
        r = rows[k]
        if k != last:  # the run's participant SMEs (no project changes who they are)
            n = ns[k]
            partners = np.empty(n, dtype=np.int64)
            m = 0
            for i in range(n):
                if alive[r, i] and participant[r, i] and kind[r, i] == KIND_SME:
                    partners[m] = i
                    m += 1
            partners = partners[:m]
            last = k
        kappa, gain = params[k, 0], params[k, 1]
        lead, c = leads[j], capex[j]
        k_old = capacity[r, lead]
        capacity[r, lead] = k_old + c / kappa
        floor = k_old * kappa
        if floor < 1e-9:  # max(k_old * kappa, 1e-9): nan stays
            floor = 1e-9
        productivity[r, lead] = productivity[r, lead] * (1 + gain * c / floor)
        if partners.shape[0]:
            _partner_up(partners, partner_u[j], params[k, 2], qualification[r], matched[r])


@kernel
def _partner_up(
    partners: np.ndarray,
    u: np.ndarray,
    step: float,
    qualification: np.ndarray,
    matched: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """A project's partners, drawn by ``u``, gain ``step`` of qualification (at most 1), matched.

    Partner ``partners[min(int(u_j * m), m - 1)]`` for each draw ``u_j`` (``m`` partners); a
    partner drawn twice gains once.
    """
    m = partners.shape[0]
    for j in range(u.shape[0]):
        k = min(int(u[j] * m), m - 1)
        again = False
        for jj in range(j):
            if min(int(u[jj] * m), m - 1) == k:
                again = True
        if again:
            continue
        i = partners[k]
        x = qualification[i] + step
        qualification[i] = 1.0 if x >= 1.0 else x  # np.minimum(1.0, x): nan stays
        matched[i] = True


def committed_grants(gov: Government, discount_rate: float) -> dict[str, float]:
    """Present value of the grant instalments still due, by the instrument's budget level.

    At the end of a quarter a grant with ``m`` instalments of ``g`` left pays them in the next
    ``m`` quarters: ``g * sum(v ** k for k in 1..m)``, ``v = (1 + rho) ** -0.25``.

    Args:
        gov: The government (its grants being paid).
        discount_rate: Annual discount rate ``rho``.

    Returns:
        ``{"federal": ..., "regional": ...}`` in mln RUB at the end of the quarter.
    """
    if not gov.grants:
        return {"federal": 0.0, "regional": 0.0}
    fed, reg = committed_grant_sums(
        np.array(
            [(g.per_quarter, g.quarters_left, g.level == "federal") for g in gov.grants],
            dtype=float,
        ),
        financing.discount_per_quarter(discount_rate),
    )
    return {"federal": fed, "regional": reg}


@kernel
def committed_grant_sums(grants: np.ndarray, v: float) -> tuple[float, float]:  # pragma: no cover
    """:func:`committed_grants` of ``[per_quarter, quarters_left, federal?]`` rows, in order."""
    fed = 0.0
    reg = 0.0
    for k in range(grants.shape[0]):
        left = grants[k, 1]
        value = grants[k, 0] * v * financing.geometric(v, 0.0, left - 1.0, True, False)
        if grants[k, 2] != 0.0:
            fed += value
        else:
            reg += value
    return fed, reg
