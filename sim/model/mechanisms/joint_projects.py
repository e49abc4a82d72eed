"""Stage 4 (docs/model.md 7.6): joint projects and their subsidy (Decree 41, later 1119).

Projects are proposed by the organisation and subsidised after registration.

Both halves of the instrument live here: what a firm expects from it
(:func:`add_expected_benefit`, read by membership) and what is decided and paid (:func:`run`).

Each quarter ``N ~ Poisson(projects_per_year / 4)`` proposals arrive with capex ``C`` and annual
return ``r`` (lognormal). The subsidy share is ``s = min(rate, cap / C)`` for a firm the
government lets have preferences when the year's budget allows, else 0. The lead enterprise
goes ahead when the return on its own funds beats its financing rate
(:meth:`sim.model.agents.LargeEnterprise.undertakes_project`). A project adds ``C / kappa`` to
the lead's capacity, raises its productivity, and qualifies and matches up to three participant
SMEs as partners. The subsidy is paid in equal quarterly instalments over the payout period; the
annual budget limits the commitments made in a year.
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import Government, Grant, LargeEnterprise
from sim.model.distributions import lognormal
from sim.model.mechanisms.loans import finance_investment, financing_rate
from sim.model.state import KIND_LARGE, KIND_SME, State
from sim.scenario.schema import JointProjectSubsidy, Organisation

__all__ = ["add_expected_benefit", "run"]


def add_expected_benefit(
    value: np.ndarray, state: State, jp: JointProjectSubsidy, org: Organisation
) -> None:
    """Add the subsidy a firm expects per quarter from joint projects to ``value`` (membership).

    A large enterprise expects its share of the organisation's proposals times the subsidy of
    an average project; an SME a tenth of that.
    """
    f, n = state.firms, state.firms.n
    large = f.kind[:n] == KIND_LARGE
    per_large = org.joint_projects_per_year / 4 / max(int(large.sum()), 1)
    sub = min(jp.rate.value * org.project_capex_mln_rub.mean, jp.cap_per_project_mln_rub.value)
    value += np.where(large, per_large * sub, 0.1 * per_large * sub)


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
    partners = np.flatnonzero(alive & part & (f.kind[:n] == KIND_SME))
    regime = gov.regime
    jp = regime.joint_project_subsidy if regime is not None else None
    eligible = gov.eligible_for_preferences(state)
    kappa = s.finance.capital_mln_rub_per_capacity
    for p in range(n_prop):
        lead = int(leads[min(np.searchsorted(cum, lead_u[p] * cum[-1]), leads.size - 1)])
        c = float(capex[p])
        sub = 0.0
        if jp is not None and eligible[lead]:
            want = min(jp.rate.value * c, jp.cap_per_project_mln_rub.value)
            annual = want / jp.payout_years.value
            if gov.remaining("joint_project", jp.annual_budget_mln_rub.value, q) >= annual:
                sub = want
        rate = financing_rate(state, gov, lead, eligible)
        if not LargeEnterprise.undertakes_project(float(ret[p]), sub / c, rate):
            continue
        state.ledger.joint_projects += 1
        state.ledger.investment += c
        k_old = f.capacity[lead]
        f.capacity[lead] += c / kappa
        f.productivity[lead] *= 1 + s.finance.productivity_gain_per_investment * c / max(
            k_old * kappa, 1e-9
        )
        # The lead pays the whole capex; the subsidy reimburses part of it in instalments.
        finance_investment(state, gov, lead, c, eligible)
        if sub > 0:
            quarters = 4 * jp.payout_years.value
            gov.grants.append(Grant(lead, sub / quarters, quarters, jp.budget_level))
            gov.book("joint_project", sub / jp.payout_years.value, q)
        if partners.size:
            chosen = np.unique(
                partners[np.minimum((partner_u[p] * partners.size).astype(int), partners.size - 1)]
            )
            step = 2 * s.production.sme_qualification_step
            f.qualification[chosen] = np.minimum(1.0, f.qualification[chosen] + step)
            f.matched[chosen] = True
