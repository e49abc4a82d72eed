"""Joint projects: proposed by the specialised organisation, subsidised after registration.

Each quarter ``N ~ Poisson(projects_per_year / 4)`` proposals arrive with capex ``C`` and annual
return ``r`` (lognormal). The subsidy share is ``s = min(rate, cap / C)`` for a roster member of a
registered cluster when the year's budget allows, else 0. The lead enterprise goes ahead when
the return on its own funds beats its financing rate: ``r / (1 - s) >= r_f``. A project adds
``C / kappa`` to the lead's capacity, raises its productivity, and qualifies and matches up to
three participant SMEs as partners. The subsidy is paid in equal quarterly instalments over the
payout period; the annual budget limits the commitments made in a year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents import _Grant
from sim.economy.finance_ops import finance_investment, financing_rate
from sim.economy.firms import KIND_LARGE, KIND_SME
from sim.economy.market import lognormal

if TYPE_CHECKING:
    from sim.model import ClusterModel

__all__ = ["run_joint_projects"]


def run_joint_projects(model: ClusterModel, rng: np.random.Generator) -> None:
    """Pay running grants, then decide this quarter's project proposals."""
    s, f, n, q, gov = model.spec, model.firms, model.firms.n, model.quarter, model.government
    cash, fed, reg = gov.pay_grants()
    f.cash[:n] += cash[:n]
    model.ledger.book_cost("joint_project", "federal", fed)
    model.ledger.book_cost("joint_project", "regional", reg)
    model.ledger.paid_to_firms += fed + reg

    o = s.organisation
    # Draw every proposal whatever the arm, so that arms share their random numbers.
    n_prop = int(rng.poisson(o.joint_projects_per_year / 4.0))
    capex = np.atleast_1d(
        lognormal(rng, o.project_capex_mln_rub.mean, o.project_capex_mln_rub.cv, n_prop)
    )
    ret = np.atleast_1d(
        lognormal(rng, o.project_return_per_year.mean, o.project_return_per_year.cv, n_prop)
    )
    lead_u = rng.random(n_prop)
    partner_u = rng.random((n_prop, 3))
    if not o.exists or n_prop == 0:
        return
    alive, part = f.alive[:n], f.participant[:n]
    leads = np.flatnonzero(alive & part & (f.kind[:n] == KIND_LARGE))
    if leads.size == 0:
        return
    cum = np.cumsum(f.capacity[leads])
    partners = np.flatnonzero(alive & part & (f.kind[:n] == KIND_SME))
    regime = gov.regime
    jp = regime.joint_project_subsidy if regime is not None else None
    eligible = model._eligible_for_preferences()
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
        share = sub / c
        if ret[p] / max(1.0 - share, 1e-9) < financing_rate(model, lead, eligible):
            continue
        model.ledger.joint_projects += 1
        model.ledger.investment += c
        k_old = f.capacity[lead]
        f.capacity[lead] += c / kappa
        f.productivity[lead] *= 1 + s.finance.productivity_gain_per_investment * c / max(
            k_old * kappa, 1e-9
        )
        # The lead pays the whole capex; the subsidy reimburses part of it in instalments.
        finance_investment(model, lead, c, eligible)
        if sub > 0:
            quarters = 4 * jp.payout_years.value
            gov.grants.append(_Grant(lead, sub / quarters, quarters, jp.budget_level))
            gov.book("joint_project", sub / jp.payout_years.value, q)
        if partners.size:
            chosen = np.unique(
                partners[np.minimum((partner_u[p] * partners.size).astype(int), partners.size - 1)]
            )
            step = 2 * s.production.sme_qualification_step
            f.qualification[chosen] = np.minimum(1.0, f.qualification[chosen] + step)
            f.matched[chosen] = True
