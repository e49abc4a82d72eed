"""A block of runs stepped together: the batch dimension (issue 17).

The runs of a block are ordinary :class:`~sim.model.model.ClusterModel` s, each with its own
scenario, arm, seed, generators, government and ledger; their firm tables are the rows of one
:class:`~sim.model.state.FirmBlock`, so a stage can be computed for every run of the block by
one compiled call over the 2-D tables instead of one call per run. The block steps
stage-major: each stage of :data:`~sim.model.model.QUARTER` advances every run before the next
stage starts. A lone run is a block of one and takes the same stages, so there is one
implementation of each stage. Runs share nothing but the tables' storage, so each run's
outcomes are exactly those of the same run made alone (``tests/test_block.py``).

Every stage is a block stage: its compiled parts serve the block by one call, while each run's
draws and the book-keeping of its government and ledger stay the run's own. Each stage was
converted alone, checked by that equality and by the golden digests
(``tests/test_golden_outcomes.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.model import QUARTER, ClusterModel, begin_quarters, end_quarters, initial_slots
from sim.model.state import FirmBlock
from sim.scenario.schema import Scenario

__all__ = ["ModelBlock"]


class ModelBlock:
    """Runs stepped together, one per (scenario, arm, seed).

    Args:
        runs: ``(scenario, arm, seed)`` of each run. The scenarios may differ (design points)
            but must share the horizon.

    Attributes:
        models: The runs, in the order given.
        firms: Their firm tables, one row each.

    Raises:
        ValueError: The runs' horizons differ, or there is no run.
    """

    def __init__(self, runs: Sequence[tuple[Scenario, str, int]]) -> None:
        if not runs:
            raise ValueError("a block needs at least one run")
        horizons = {sc.scenario.horizon_quarters for sc, _, _ in runs}
        if len(horizons) > 1:
            raise ValueError(f"the runs of a block share one horizon, not {sorted(horizons)}")
        self.firms = FirmBlock(len(runs), max(initial_slots(sc) for sc, _, _ in runs))
        self.models = [
            ClusterModel(sc, arm, rng=seed, firms=self.firms.table(row))
            for row, (sc, arm, seed) in enumerate(runs)
        ]

    @classmethod
    def of_seeds(cls, scenario: Scenario, arm: str, seeds: Sequence[int]) -> ModelBlock:
        """The runs of one scenario and arm, one per seed."""
        return cls([(scenario, arm, seed) for seed in seeds])

    def step(self) -> None:
        """Advance every run one quarter, stage by stage."""
        models = self.models
        rngs = begin_quarters(models)
        for _, stage in QUARTER:
            stage(models, rngs)
        end_quarters(models)

    def run(self) -> list[np.ndarray]:
        """Run every run to the horizon; return their outcome arrays (quarters x outcomes)."""
        horizon = self.models[0].horizon
        while self.models[0].state.quarter < horizon:
            self.step()
        return [m.outcomes for m in self.models]
