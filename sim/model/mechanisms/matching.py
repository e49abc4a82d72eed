"""Stage 3b (docs/model.md 7.5): the specialised organisation matches SMEs with large firms.

Each quarter a share ``matching_rate`` of unmatched participant SMEs is matched
(:meth:`sim.model.agents.ClusterOrganization.match_smes`); a matched SME qualifies cheaper and
carries no search cost for buyers.

The stage is a block stage (:func:`match_block`): each run draws its uniforms, then one compiled
call matches the SMEs of every run of a block; :func:`match` is that call for one run.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.agents import ClusterOrganization, _matches
from sim.model.compiled import kernel
from sim.model.state import State, firm_tables

__all__ = ["match", "match_block"]


def match(state: State, org: ClusterOrganization, rng: np.random.Generator) -> None:
    """Match participant SMEs (uniform draws for every slot, whatever the arm)."""
    match_block((state,), (org,), (rng,))


def match_block(
    states: Sequence[State],
    orgs: Sequence[ClusterOrganization],
    rngs: Sequence[np.random.Generator],
) -> None:
    """:func:`match` for each run of a block (their firm tables are rows of one block).

    Each run draws one uniform per slot from its own generator (in every arm, for common random
    numbers); then one compiled call matches the candidates of every run whose organisation
    exists.
    """
    t, rows = firm_tables([st.firms for st in states])
    runs = len(states)
    u = np.empty((runs, t["alive"].shape[1]))
    ns = np.empty(runs, dtype=np.int64)
    rates = np.empty(runs)
    exists = np.empty(runs, dtype=np.bool_)
    for k, (st, org, rng) in enumerate(zip(states, orgs, rngs, strict=True)):
        n = ns[k] = st.firms.n
        u[k, :n] = rng.random(n)  # drawn whether or not the organisation exists
        rates[k] = st.spec.organisation.matching_rate_per_quarter
        exists[k] = org.exists
    _match_rows(rows, ns, t["alive"], t["participant"], t["matched"], u, rates, exists)


@kernel
def _match_rows(
    rows: np.ndarray,
    ns: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    matched: np.ndarray,
    u: np.ndarray,
    rates: np.ndarray,
    exists: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Stage 3b for run ``k`` of the block (firm table row ``rows[k]``, ``ns[k]`` slots).

    Candidates are the alive participants not yet matched; each is matched by
    :meth:`~sim.model.agents.ClusterOrganization.match_smes`' rule on its draw ``u[k, i]`` and
    the run's rate ``rates[k]``; nobody is matched in a run without an organisation
    (``exists[k]`` false).
    """
    for k in range(rows.shape[0]):
        r, rate = rows[k], rates[k]
        if not exists[k]:
            continue
        for i in range(ns[k]):
            candidate = alive[r, i] and participant[r, i] and not matched[r, i]
            if _matches(candidate, u[k, i], rate):
                matched[r, i] = True
