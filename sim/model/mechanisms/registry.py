"""Stage 3 (docs/model.md 7.4): the registry application, decision, re-confirmation and lapse.

Each quarter the criteria of Decree 779 are checked for the roster the organisation would file
(:meth:`sim.model.agents.Government.check_criteria`): at least ``N_min`` industrial participants
with a contract with another participant in the memory window, functional dependence at least
the threshold (reduced where enough participants sit in special territories), at most
``max_non_producing`` participants still organising production, and a specialised organisation.
A registration lapses at its expiry unless re-confirmed; a pending application is decided after
the processing lag on the criteria as they hold then; the organisation files when it is time
(:meth:`sim.model.agents.ClusterOrganization.should_apply`) and the criteria hold.

The stage serves a block of runs (:func:`apply_and_decide_block`): one compiled call counts the
rosters and their functional dependence in every run (the state's block queries), then each
run's government checks the criteria and decides.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.agents import ClusterOrganization, CriteriaCheck, Government
from sim.model.compiled import kernel
from sim.model.state import State, firm_tables, functional_dependence_rows, roster_rows

__all__ = ["apply_and_decide", "apply_and_decide_block", "criteria", "criteria_block"]


def criteria(state: State, gov: Government, org: ClusterOrganization) -> CriteriaCheck:
    """The registry criteria for the roster the organisation would file now."""
    return criteria_block([state], [gov], [org])[0]


#: Columns of :func:`criteria_block`'s per-run integers: the firm table row, the firm slots,
#: the roster's memory window start (:meth:`State.roster_since`), the quarter, and the
#: quarters a new firm is still organising production.
_ROW, _N, _SINCE, _QUARTER, _NON_PRODUCING = range(5)
_INTS = 5


def criteria_block(
    states: Sequence[State], govs: Sequence[Government], orgs: Sequence[ClusterOrganization]
) -> list[CriteriaCheck]:
    """The registry criteria for the roster each run's organisation would file now.

    One compiled call (:func:`_criteria_rows`) gives each run's roster counts and functional
    dependence; each run's government applies the criteria
    (:meth:`sim.model.agents.Government.check_criteria`).
    """
    t, rows = firm_tables([st.firms for st in states])
    runs = np.array(
        [
            (row, st.firms.n, st.roster_since(), st.quarter,
             st.spec.sme_demography.non_producing_quarters)
            for row, st in zip(rows.tolist(), states, strict=True)
        ],
        dtype=np.int64,
    )  # fmt: skip
    counts, fd = _criteria_rows(
        runs, t["alive"], t["participant"], t["last_contract_quarter"], t["special_territory"],
        t["born_quarter"], t["role"], t["purchases"], t["purchases_from_participants"],
    )  # fmt: skip
    checks = []
    for gov, org, (members, special, non_producing), dependence in zip(
        govs, orgs, counts.tolist(), fd.tolist(), strict=True
    ):
        checks.append(
            gov.check_criteria(
                n_participants=members,
                functional_dependence=dependence,
                special_share=special / members if members > 0 else 0.0,
                n_non_producing=non_producing,
                all_have_contracts=True,
                organisation=org.exists,
            )
        )
    return checks


def apply_and_decide(state: State, gov: Government, org: ClusterOrganization) -> None:
    """One run's stage 3: :func:`apply_and_decide_block` for a block of one run."""
    apply_and_decide_block([state], [gov], [org])


def apply_and_decide_block(
    states: Sequence[State], govs: Sequence[Government], orgs: Sequence[ClusterOrganization]
) -> None:
    """Check the criteria; file, decide, re-confirm or lapse registration; every run."""
    checks = criteria_block(states, govs, orgs)
    for state, gov, org, check in zip(states, govs, orgs, checks, strict=True):
        q = state.quarter
        state.last_check = check
        gov.lapse_if_expired(q, check)
        if gov.pending_decision_quarter is not None and q >= gov.pending_decision_quarter:
            gov.decide(q, check)
        kind = org.should_apply(gov, q)
        if kind and check.eligible:
            gov.receive_application(q, kind)
            org.applications.append(q)


@kernel
def _criteria_rows(
    runs: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    last_contract: np.ndarray,
    special_territory: np.ndarray,
    born: np.ndarray,
    role: np.ndarray,
    purchases: np.ndarray,
    from_participants: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Each run's roster counts (:func:`_counts`) and functional dependence.

    Run ``k`` is row ``runs[k, _ROW]`` of the 2-D firm tables; its roster is
    :meth:`State.roster`, its functional dependence :meth:`State.functional_dependence` of
    that roster and its non-producing firms :meth:`State.non_producing` (the state's block
    kernels and rule). Returns the counts (runs x 3: members, in special territories, not
    producing) and the functional dependences.
    """
    roster = roster_rows(runs, alive, participant, last_contract)
    fd = functional_dependence_rows(runs, roster, role, purchases, from_participants)
    counts = np.empty((runs.shape[0], 3), dtype=np.int64)
    for k in range(runs.shape[0]):
        r, n, q, late = runs[k, _ROW], runs[k, _N], runs[k, _QUARTER], runs[k, _NON_PRODUCING]
        non_producing = np.empty(n, dtype=np.bool_)
        for i in range(n):
            non_producing[i] = q - born[r, i] <= late
        members, special, not_yet = _counts(roster[k, :n], special_territory[r], non_producing)
        counts[k, 0], counts[k, 1], counts[k, 2] = members, special, not_yet
    return counts, fd


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
