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
whole block; the proposals, whose plans depend on the ones executed before, are decided run by
run through :func:`sim.model.mechanisms.financing.plan` and ``execute``; one compiled call adds
the projects undertaken to capacity, productivity and partners' qualification. Outcomes are
bit-identical to the run-by-run code (``tests/test_block_projects.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sim.model.agents import Government, Grant, LargeEnterprise
from sim.model.compiled import array_sum, kernel
from sim.model.distributions import lognormal
from sim.model.mechanisms import financing
from sim.model.state import KIND_LARGE, KIND_SME, State, firm_tables
from sim.scenario.schema import Distribution, JointProjectSubsidy, Organisation

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
    """The subsidy a project of ``capex`` gets now: ``min(rate * C, cap)``, 0 without budget."""
    want = min(jp.rate.value * capex, jp.cap_per_project_mln_rub.value)
    annual = want / jp.payout_years.value
    if gov.remaining("joint_project", jp.annual_budget_mln_rub.value, quarter) >= annual:
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
    (:func:`_start_rows`); the runs with proposals, an organisation and leads decide them one
    by one (subsidy, financing plan, go-ahead; each plan depends on the ones executed before);
    and a second compiled call (:func:`_apply_rows`) adds the projects undertaken to their
    leads' capacity and productivity and qualifies their partners, in the order undertaken
    (nothing the decisions read: plans read cash, debt, output, price and EBITDA).
    """
    t, rows = firm_tables([st.firms for st in states])
    runs = len(states)
    ns = np.empty(runs, dtype=np.int64)
    paid = np.zeros((runs, t["cash"].shape[1]))  # the instalments paid to each firm
    drawn: list[tuple[int, list[float], list[float], np.ndarray, np.ndarray]] = []
    for k, (st, gov, org, rng) in enumerate(zip(states, govs, orgs, rngs, strict=True)):
        n = ns[k] = st.firms.n
        if gov.grants:
            cash, fed, reg = gov.pay_grants(n)
            paid[k, :n] = cash
        else:
            fed = reg = 0.0  # no grant: pay_grants would pay nothing
        ledger = st.ledger
        ledger.book_cost("joint_project", "federal", fed)
        ledger.book_cost("joint_project", "regional", reg)
        ledger.paid_to_firms += fed + reg
        # Draw every proposal whatever the arm, so that arms share their random numbers (no
        # proposal: the draws of size 0 would draw nothing, and are not made).
        n_prop = int(rng.poisson(org.joint_projects_per_year / 4.0))
        if n_prop == 0:
            continue
        dc, dr = org.project_capex_mln_rub, org.project_return_per_year
        capex = lognormal(rng, dc.mean, dc.cv, n_prop)
        ret = lognormal(rng, dr.mean, dr.cv, n_prop)
        lead_u = rng.random(n_prop)
        partner_u = rng.random((n_prop, 3))
        if org.exists:
            drawn.append((k, capex.tolist(), ret.tolist(), lead_u, partner_u))
    offsets = np.zeros(len(drawn) + 1, dtype=np.int64)
    for j, d in enumerate(drawn):
        offsets[j + 1] = offsets[j] + d[3].shape[0]
    lead_of = _start_rows(
        rows, ns, paid, t["cash"], t["alive"], t["kind"], t["participant"], t["capacity"],
        np.array([d[0] for d in drawn], dtype=np.int64), offsets,
        np.concatenate([d[3] for d in drawn]) if drawn else _NO_DRAWS,
    ).tolist()  # fmt: skip
    # the projects undertaken: their run, lead, capex and partners' draws
    done_k: list[int] = []
    done_lead: list[int] = []
    done_c: list[float] = []
    done_u: list[np.ndarray] = []
    for j, (k, capex, ret, _, partner_u) in enumerate(drawn):
        leads = lead_of[offsets[j] : offsets[j + 1]]
        if leads[0] < 0:
            continue  # no participant large enterprise to lead
        st, gov = states[k], govs[k]
        undertaken = _decide(st, gov, leads, capex, ret)
        for lead, c, p in undertaken:
            done_k.append(k)
            done_lead.append(lead)
            done_c.append(c)
            done_u.append(partner_u[p])
    if done_k:
        params = np.array(
            [
                (
                    st.spec.finance.capital_mln_rub_per_capacity,
                    st.spec.finance.productivity_gain_per_investment,
                    2 * st.spec.production.sme_qualification_step,
                )
                for st in states
            ]
        )
        _apply_rows(
            rows, ns, t["alive"], t["kind"], t["participant"], t["capacity"],
            t["productivity"], t["qualification"], t["matched"], params,
            np.array(done_k, dtype=np.int64), np.array(done_lead, dtype=np.int64),
            np.array(done_c), np.array(done_u),
        )  # fmt: skip


_NO_DRAWS = np.zeros(0)


def _decide(
    state: State, gov: Government, leads: list[int], capex: list[float], ret: list[float]
) -> list[tuple[int, float, int]]:
    """Decide one run's proposals in order; returns the undertaken ``(lead, capex, proposal)``.

    Each proposal's lead finances the capex by its cheapest plan and goes ahead when the plan
    covers it and the return clears the plan's rate; the plan is executed, the ledger booked
    and the subsidy committed as a grant (the budget and the receivable it leaves count for
    the next proposal).
    """
    q, ledger = state.quarter, state.ledger
    regime = gov.regime
    jp = regime.joint_project_subsidy if regime is not None else None
    eligible = gov.eligible_for_preferences(state)
    due = gov.receivable(state.firms.n)  # kept up to date as grants are committed below
    terms = financing._terms(state, gov, False)  # as in financing.plan; constant in the stage
    programmes = None  # the programme table, built when first needed and after loans are booked
    out = []
    for p, lead in enumerate(leads):
        c = capex[p]
        sub = subsidy_for(jp, gov, q, c) if jp is not None and eligible[lead] else 0.0
        receivable = float(due[lead]) + sub
        if programmes is None:
            programmes = financing._programmes(state, gov)
        plan = financing.plan(
            state, gov, lead, c, eligible, receivable, programmes=programmes, terms=terms
        )
        if plan.financed < c * (1 - 1e-12):
            continue  # the lead cannot finance the whole capex
        if not LargeEnterprise.undertakes_project(ret[p], sub / c, plan.rate):
            continue
        ledger.joint_projects += 1
        ledger.investment += c
        # The lead pays the whole capex; the subsidy reimburses part of it in instalments.
        financing.execute(state, gov, plan)
        if plan.loans:  # programme budgets booked: the table is out of date
            programmes = None
        if sub > 0:
            quarters = 4 * jp.payout_years.value
            grant = Grant(lead, sub / quarters, quarters, jp.budget_level)
            gov.grants.append(grant)
            due[lead] += grant.per_quarter * grant.quarters_left  # as gov.receivable adds it
            gov.book("joint_project", sub / jp.payout_years.value, q)
        out.append((lead, c, p))
    return out


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
