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

from sim.model.agents import ClusterOrganization, match_rule
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
    values = []
    draws = []
    for st, org, rng in zip(states, orgs, rngs, strict=True):
        n = st.firms.n
        draws.append(rng.random(n))  # drawn whether or not the organisation exists
        values.append((n, st.spec.organisation.matching_rate_per_quarter, org.exists))
    if len(draws) == 1:
        u = draws[0].reshape(1, -1)
    else:
        u = np.zeros((len(draws), t["alive"].shape[1]))
        for k, d in enumerate(draws):
            u[k, : d.shape[0]] = d
    params = np.array(values, dtype=np.float64)
    _match_rows(rows, t["alive"], t["participant"], t["matched"], u, params)


@kernel
def _match_rows(
    rows: np.ndarray,
    alive: np.ndarray,
    participant: np.ndarray,
    matched: np.ndarray,
    u: np.ndarray,
    params: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Stage 3b for run ``k`` of the block (firm table row ``rows[k]``).

    ``params[k]``: the run's slots, matching rate and whether its organisation exists (1) or
    not (0: nobody is matched). Candidates are the alive participants not yet matched; each is
    matched by :meth:`~sim.model.agents.ClusterOrganization.match_smes`' rule on its draw
    ``u[k, i]`` and the run's rate.
    """
    for k in range(rows.shape[0]):
        r, n, rate = rows[k], int(params[k, 0]), params[k, 1]
        if not params[k, 2] > 0.0:
            continue
        for i in range(n):
            candidate = alive[r, i] and participant[r, i] and not matched[r, i]
            if match_rule(candidate, u[k, i], rate):
                matched[r, i] = True
