"""Stage 2 (docs/model.md 7.3): firms join or leave the cluster.

A share of firms reconsiders each quarter (more outsiders when the organisation recruits); each
decides by :meth:`sim.model.agents.Firm.membership_decision` on its expected net benefit, the
share of its peers already in, its own taste and its group's calibrated constant.

Expected net benefit per quarter (mln RUB)::

    B_i = network_share * revenue_i - (fee + compliance) / 4
          + prospect * sum over the regime's instruments of what firm i expects from it

where each instrument's expectation is computed by the code that pays it, with the firm's real
eligibility (who may lead projects, budget left, caps, SEZ status, loan sizes):
``expected_benefit`` of :mod:`~sim.model.mechanisms.joint_projects`,
:mod:`~sim.model.mechanisms.starter_batches` and :mod:`~sim.model.mechanisms.tax_relief`, and
the grant-equivalent of the regime's loans for the outlays the firm expects
(:func:`sim.model.mechanisms.financing.add_expected_benefit`); ``prospect`` is the chance of
registration as firms see it (:meth:`sim.model.agents.Firm.registration_prospect`).
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import ClusterOrganization, Firm, Government
from sim.model.compiled import kernel
from sim.model.mechanisms import financing, investment, joint_projects, starter_batches, tax_relief
from sim.model.state import KIND_LARGE, KIND_SME, State

__all__ = ["net_benefit", "peer_share", "reconsider"]


def net_benefit(
    state: State, gov: Government, org: ClusterOrganization, prospect: float
) -> np.ndarray:
    """Expected quarterly benefit of participation minus fees and compliance cost (mln RUB)."""
    s, f, n = state.spec, state.firms, state.firms.n
    share = s.membership.network_benefit_share_of_sales
    cost = (s.membership.fee_mln_rub_per_year + s.membership.compliance_cost_mln_rub_per_year) / 4
    regime = gov.regime
    if regime is None or prospect <= 0:
        return _net_benefit(f.output, f.price, n, share, cost, 0.0, np.zeros(0))
    value = np.zeros(n)
    jp, loans = regime.joint_project_subsidy, regime.preferential_loans
    projects_expected = org.exists and (jp is not None or loans is not None)
    if projects_expected or loans is not None:
        # what the plans read (nothing is booked while firms expect): computed once
        due = gov.receivable(n)
        programmes = financing._programmes(state, gov)
        terms = financing._terms(state, gov, True)
    if projects_expected:
        # read by the subsidy's and the loans' expected benefit: computed once
        projects, sub = joint_projects.expected_projects(
            state, gov, s.organisation, jp, due=due, table=programmes[1], terms=terms
        )
    if jp is not None and org.exists:
        value += joint_projects.expected_benefit(
            state, gov, jp, s.organisation, expected=(projects, sub)
        )
    if regime.starter_batch_subsidy is not None:
        value += starter_batches.expected_benefit(state, gov, regime.starter_batch_subsidy)
    if loans is not None:
        outlays = [(np.ones(n), investment.wanted_outlay(state), due)]
        if org.exists:
            capex = np.full(n, s.organisation.project_capex_mln_rub.mean)
            outlays.append((projects, capex, due + sub))
        financing.add_expected_benefit(
            value, state, gov, loans, outlays, programmes=programmes, terms=terms
        )
    if regime.tax_relief is not None:
        value += tax_relief.expected_benefit(state, gov, regime.tax_relief)
    return _net_benefit(f.output, f.price, n, share, cost, prospect, value)


@kernel
def _net_benefit(
    output: np.ndarray,
    price: np.ndarray,
    n: int,
    share: float,
    cost: float,
    prospect: float,
    value: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """``share * revenue - cost (+ prospect * value)`` of firms ``0..n-1`` (value empty: none)."""
    out = np.empty(n)
    for i in range(n):
        net = share * (output[i] * price[i]) - cost
        out[i] = net + prospect * value[i] if value.shape[0] else net
    return out


@kernel
def _peer_share(
    kind: np.ndarray, alive: np.ndarray, participant: np.ndarray, n: int
) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`peer_share` on the firm columns (a mean of 0/1 values is their count / n)."""
    out = np.zeros(n)
    for k in (KIND_LARGE, KIND_SME):
        alive_k = 0
        members = 0
        for i in range(n):
            if kind[i] == k and alive[i]:
                alive_k += 1
                if participant[i]:
                    members += 1
        if alive_k:
            share = members / alive_k
            for i in range(n):
                if kind[i] == k:
                    out[i] = share
    return out


def peer_share(state: State) -> np.ndarray:
    """Share of participants among alive firms of the same kind."""
    f = state.firms
    return _peer_share(f.kind, f.alive, f.participant, f.n)


@kernel
def _reconsidering(
    u: np.ndarray, alive: np.ndarray, participant: np.ndarray, share: float, outsiders: float
) -> np.ndarray:  # pragma: no cover - compiled
    """Who reconsiders: alive with ``u < min(rate, 1)``, rate ``share`` (x ``outsiders`` out)."""
    n = u.shape[0]
    out = np.empty(n, dtype=np.bool_)
    for i in range(n):
        rate = share if participant[i] else share * outsiders
        out[i] = alive[i] and u[i] < min(rate, 1.0)
    return out


@kernel
def _join_or_leave(
    now: np.ndarray,
    want: np.ndarray,
    kind: np.ndarray,
    participant: np.ndarray,
    matched: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Firms reconsidering ``now`` join when they ``want`` (a large one is matched) or leave."""
    for i in range(now.shape[0]):
        if not now[i]:
            continue
        if want[i] and not participant[i]:
            participant[i] = True
            if kind[i] == KIND_LARGE:
                matched[i] = True
        elif not want[i] and participant[i]:
            participant[i] = False
            matched[i] = False


def reconsider(
    state: State, gov: Government, org: ClusterOrganization, rng: np.random.Generator
) -> None:
    """A share of firms reconsider participation (benefits vs fees, peers, taste)."""
    s, f, n = state.spec, state.firms, state.firms.n
    u = rng.random(n)
    # the organisation recruits: outsiders hear of it more often
    outsiders = 1 + s.organisation.recruit_bonus if org.exists else 1.0
    share = s.membership.reconsider_share_per_quarter
    reconsider_now = _reconsidering(u, f.alive[:n], f.participant[:n], share, outsiders)
    if not reconsider_now.any():
        return
    prospect = Firm.registration_prospect(gov.offers_registration, gov.registered, state.last_check)
    want = Firm.membership_decision(
        net_benefit(state, gov, org, prospect),
        peer_share(state),
        f.taste[:n],
        state.group_constant[f.group[:n]],
        benefit_scale=s.membership.benefit_scale_mln_rub,
        peer_weight=s.membership.peer_weight,
    )
    _join_or_leave(reconsider_now, want, f.kind[:n], f.participant[:n], f.matched[:n])
