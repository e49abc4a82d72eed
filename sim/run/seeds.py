"""Replication seeds: spawned from a root seed with numpy's SeedSequence.

Replicate ``r`` uses the same seed in every arm and at every design point (common random
numbers), so a regime run and its de-facto run form a *pair*.
"""

from __future__ import annotations

import numpy as np

from sim.errors import InputError

__all__ = ["MAX_REPLICATIONS", "MAX_RUNS", "check_replications", "replicate_seeds"]


def replicate_seeds(root: int, n: int) -> list[int]:
    """Seeds of ``n`` replications spawned from the root seed (distinct, < 2**63)."""
    children = np.random.SeedSequence(root).spawn(n)
    seeds = [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
    if len(set(seeds)) != len(seeds):  # pragma: no cover - 2**-63 collision chance
        raise RuntimeError("replication seeds collided; choose another root seed")
    return seeds


#: At most this many paired replications in one estimate (the scenario schema's own ceiling).
MAX_REPLICATIONS = 10_000
#: At most this many runs (replications x arms) in one estimate, as for a sweep.
MAX_RUNS = 1_000_000


def check_replications(replications: int, arms: int) -> int:
    """The number of paired replications, refused before anything is allocated when too many.

    Args:
        replications: Paired replications asked for.
        arms: Arms run per replication.

    Returns:
        ``replications`` as an ``int``.

    Raises:
        InputError: Fewer than 1, more than :data:`MAX_REPLICATIONS`, or more than
            :data:`MAX_RUNS` runs in all (``replications`` names the argument; the CLI shows
            ``--replications``).
    """
    reps = int(replications)
    if reps < 1 or reps > MAX_REPLICATIONS or reps * max(arms, 1) > MAX_RUNS:
        raise InputError.parameter(
            "replications",
            f"{reps:,} paired replications of {arms} arms asked for; allowed 1 to "
            f"{MAX_REPLICATIONS:,} and at most {MAX_RUNS:,} runs in all",
        )
    return reps

