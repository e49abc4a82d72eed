"""Stage 3b (docs/model.md 7.5): the specialised organisation matches SMEs with large firms.

Each quarter a share ``matching_rate`` of unmatched participant SMEs is matched
(:meth:`sim.model.agents.ClusterOrganization.match_smes`); a matched SME qualifies cheaper and
carries no search cost for buyers.
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import ClusterOrganization
from sim.model.compiled import kernel
from sim.model.state import State

__all__ = ["match"]


@kernel
def _candidates(
    n: int, alive: np.ndarray, participant: np.ndarray, matched: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """Alive participants not yet matched, among the slots ``< n``."""
    cand = np.empty(n, dtype=np.bool_)
    for i in range(n):
        cand[i] = alive[i] and participant[i] and not matched[i]
    return cand


def match(state: State, org: ClusterOrganization, rng: np.random.Generator) -> None:
    """Match participant SMEs (uniform draws for every slot, whatever the arm)."""
    f, n = state.firms, state.firms.n
    u = rng.random(n)
    cand = _candidates(n, f.alive, f.participant, f.matched)
    f.matched[:n] |= org.match_smes(cand, u, state.spec.organisation.matching_rate_per_quarter)
