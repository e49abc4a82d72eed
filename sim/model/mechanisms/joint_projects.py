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
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.agents import Government, Grant, LargeEnterprise
from sim.model.compiled import array_sum, kernel
from sim.model.distributions import lognormal
from sim.model.mechanisms import financing
from sim.model.state import KIND_LARGE, KIND_SME, State
from sim.scenario.schema import Distribution, JointProjectSubsidy, Organisation

__all__ = [
    "committed_grants",
    "expected_benefit",
    "expected_projects",
    "go_probability",
    "projects_led",
    "run",
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
    n, q = state.firms.n, state.quarter
    capex = org.project_capex_mln_rub.mean
    sub = subsidy_for(jp, gov, q, capex) if jp is not None else 0.0
    dist = org.project_return_per_year
    mu, s2 = _lognormal(dist)
    out = _expected_projects(
        projects_led(state, org),
        gov.receivable(n) if due is None else due,
        sub, capex, np.array([dist.mean, dist.cv, mu, s2]),
        financing._programmes(state, gov)[1] if table is None else table,
        financing._terms(state, gov, True) if terms is None else terms,
        *financing._columns(state),
    )  # fmt: skip
    return out, sub


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
    """Pay running grants, then decide this quarter's project proposals."""
    s, f, n, q = state.spec, state.firms, state.firms.n, state.quarter
    cash, fed, reg = gov.pay_grants(n)
    f.cash[:n] += cash[:n]
    state.ledger.book_cost("joint_project", "federal", fed)
    state.ledger.book_cost("joint_project", "regional", reg)
    state.ledger.paid_to_firms += fed + reg

    # Draw every proposal whatever the arm, so that arms share their random numbers.
    n_prop = int(rng.poisson(org.joint_projects_per_year / 4.0))
    capex = np.atleast_1d(
        lognormal(rng, org.project_capex_mln_rub.mean, org.project_capex_mln_rub.cv, n_prop)
    )
    ret = np.atleast_1d(
        lognormal(rng, org.project_return_per_year.mean, org.project_return_per_year.cv, n_prop)
    )
    lead_u = rng.random(n_prop)
    partner_u = rng.random((n_prop, 3))
    if not org.exists or n_prop == 0:
        return
    alive, part = f.alive[:n], f.participant[:n]
    leads = np.flatnonzero(alive & part & (f.kind[:n] == KIND_LARGE))
    if leads.size == 0:
        return
    cum = np.cumsum(f.capacity[leads])
    # each proposal's lead, drawn in proportion to capacity at the start of the stage
    lead_of = leads[np.minimum(np.searchsorted(cum, lead_u * cum[-1]), leads.size - 1)].tolist()
    partners = np.flatnonzero(alive & part & (f.kind[:n] == KIND_SME))
    regime = gov.regime
    jp = regime.joint_project_subsidy if regime is not None else None
    eligible = gov.eligible_for_preferences(state)
    kappa = s.finance.capital_mln_rub_per_capacity
    due = gov.receivable(n)  # kept up to date as grants are committed below
    programmes = None  # the programme table, built when first needed and after loans are booked
    for p in range(n_prop):
        lead = lead_of[p]
        c = float(capex[p])
        sub = subsidy_for(jp, gov, q, c) if jp is not None and eligible[lead] else 0.0
        receivable = float(due[lead]) + sub
        if programmes is None:
            programmes = financing._programmes(state, gov)
        plan = financing.plan(state, gov, lead, c, eligible, receivable, programmes=programmes)
        if plan.financed < c * (1 - 1e-12):
            continue  # the lead cannot finance the whole capex
        if not LargeEnterprise.undertakes_project(float(ret[p]), sub / c, plan.rate):
            continue
        state.ledger.joint_projects += 1
        state.ledger.investment += c
        k_old = f.capacity[lead]
        f.capacity[lead] += c / kappa
        f.productivity[lead] *= 1 + s.finance.productivity_gain_per_investment * c / max(
            k_old * kappa, 1e-9
        )
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
        if partners.size:
            _partner_up(
                partners, partner_u[p], 2 * s.production.sme_qualification_step,
                f.qualification, f.matched,
            )  # fmt: skip


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
    fed, reg = _committed(
        np.array(
            [(g.per_quarter, g.quarters_left, g.level == "federal") for g in gov.grants],
            dtype=float,
        ),
        financing.discount_per_quarter(discount_rate),
    )
    return {"federal": fed, "regional": reg}


@kernel
def _committed(grants: np.ndarray, v: float) -> tuple[float, float]:  # pragma: no cover
    """:func:`committed_grants` of ``[per_quarter, quarters_left, federal?]`` rows, in order."""
    fed = 0.0
    reg = 0.0
    for k in range(grants.shape[0]):
        left = grants[k, 1]
        value = grants[k, 0] * v * financing._geometric(v, 0.0, left - 1.0, True, False)
        if grants[k, 2] != 0.0:
            fed += value
        else:
            reg += value
    return fed, reg
