"""A block of runs of one scenario and arm, stepped together: the batch dimension (issue 17).

The runs of a block are ordinary :class:`~sim.model.model.ClusterModel` s, each with its own
seed, generators, government and ledger; their firm tables are the rows of one
:class:`~sim.model.state.FirmBlock`, so a stage can be computed for every run of the block by
one compiled call over the 2-D tables instead of one call per run. The block steps
stage-major: each stage of :data:`~sim.model.model.QUARTER` runs for every run before the next
stage starts. Runs share nothing but the tables' storage, so each run's outcomes are exactly
those of the same run made alone (``tests/test_block.py``).

This is the foundation of the batch dimension: every stage still runs run by run, so a block
costs what its runs cost alone. Stages move to block kernels one at a time, each checked by the
same equality.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.model import QUARTER, ClusterModel
from sim.model.state import FirmBlock
from sim.scenario.schema import Scenario

__all__ = ["ModelBlock"]


class ModelBlock:
    """Runs of one scenario and arm, one per seed, stepped together.

    Args:
        scenario: The validated scenario.
        arm: The arm every run of the block runs.
        seeds: One seed per run.

    Attributes:
        models: The runs, in seed order.
        firms: Their firm tables, one row each.
    """

    def __init__(self, scenario: Scenario, arm: str, seeds: Sequence[int]) -> None:
        total = sum(g.count for g in scenario.firm_groups)
        self.firms = FirmBlock(len(seeds), int(total * 1.5) + 16)
        self.models = [
            ClusterModel(scenario, arm, rng=seed, firms=self.firms.table(row))
            for row, seed in enumerate(seeds)
        ]

    def step(self) -> None:
        """Advance every run one quarter, stage by stage."""
        models = self.models
        rngs = [m.begin_quarter() for m in models]
        for _, stage in QUARTER:
            for m, r in zip(models, rngs, strict=True):
                stage(m, r)
        for m in models:
            m.end_quarter()

    def run(self) -> list[np.ndarray]:
        """Run every run to the horizon; return their outcome arrays (quarters x outcomes)."""
        horizon = self.models[0].horizon
        while self.models[0].state.quarter < horizon:
            self.step()
        return [m.outcomes for m in self.models]
