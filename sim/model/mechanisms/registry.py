"""Stage 3 (docs/model.md 7.4): the registry application, decision, re-confirmation and lapse.

Each quarter the criteria of Decree 779 are checked for the roster the organisation would file
(:meth:`sim.model.agents.Government.check_criteria`): at least ``N_min`` industrial participants
with a contract with another participant in the memory window, functional dependence at least
the threshold (reduced where enough participants sit in special territories), at most
``max_non_producing`` participants still organising production, and a specialised organisation.
A registration lapses at its expiry unless re-confirmed; a pending application is decided after
the processing lag on the criteria as they hold then; the organisation files when it is time
(:meth:`sim.model.agents.ClusterOrganization.should_apply`) and the criteria hold.
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import ClusterOrganization, CriteriaCheck, Government
from sim.model.compiled import kernel
from sim.model.state import State

__all__ = ["apply_and_decide", "criteria"]


def criteria(state: State, gov: Government, org: ClusterOrganization) -> CriteriaCheck:
    """The registry criteria for the roster the organisation would file now."""
    roster = state.roster()
    members, special, non_producing = _counts(
        roster, state.firms.special_territory, state.non_producing()
    )
    return gov.check_criteria(
        n_participants=members,
        functional_dependence=state.functional_dependence(roster),
        special_share=special / members if members > 0 else 0.0,
        n_non_producing=non_producing,
        all_have_contracts=True,
        organisation=org.exists,
    )


def apply_and_decide(state: State, gov: Government, org: ClusterOrganization) -> None:
    """Check the criteria; file, decide, re-confirm or lapse registration."""
    q = state.quarter
    state.last_check = check = criteria(state, gov, org)
    gov.lapse_if_expired(q, check)
    if gov.pending_decision_quarter is not None and q >= gov.pending_decision_quarter:
        gov.decide(q, check)
    kind = org.should_apply(gov, q)
    if kind and check.eligible:
        gov.receive_application(q, kind)
        org.applications.append(q)


@kernel
def _counts(
    roster: np.ndarray, special_territory: np.ndarray, non_producing: np.ndarray
) -> tuple[int, int, int]:  # pragma: no cover - compiled
    """Roster members, those in special territories and those not producing yet.

    The share in special territories is ``special / members`` (the mean of a 0/1 mask: its sum
    is exact in any order).
    """
    members = special = late = 0
    for i in range(roster.shape[0]):
        if roster[i]:
            members += 1
            if special_territory[i]:
                special += 1
            if non_producing[i]:
                late += 1
    return members, special, late
