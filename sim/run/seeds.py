"""Replication seeds: spawned from a root seed with numpy's SeedSequence.

Replicate ``r`` uses the same seed in every arm and at every design point (common random
numbers), so a regime run and its de-facto run form a *pair*.
"""

from __future__ import annotations

import numpy as np

__all__ = ["replicate_seeds"]


def replicate_seeds(root: int, n: int) -> list[int]:
    """Seeds of ``n`` replications spawned from the root seed (distinct, < 2**63)."""
    children = np.random.SeedSequence(root).spawn(n)
    seeds = [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
    if len(set(seeds)) != len(seeds):  # pragma: no cover - 2**-63 collision chance
        raise RuntimeError("replication seeds collided; choose another root seed")
    return seeds
