"""A thin Mesa-style wrapper of ClusterModel for ``mesa.batch_run`` (benchmark item 5).

Keyword parameters (``arm``, ``rng``), a DataCollector of *model* reporters (one per outcome,
collected every quarter) so that ``batch_run`` returns the same 40 x 33 outcome values per run
that our sweep stores. (Mesa 3.5.1 returns 0 rows when a collector has only agent reporters.)
Importable by module name, as the spawned batch_run workers need.
"""

from __future__ import annotations

from functools import cache

import mesa

from sim.model import ClusterModel
from sim.model.outcomes import OUTCOME_NAMES


@cache
def _scenario():
    from sim.scenario.files import default_scenario as _default_scenario

    return _default_scenario()


def _reporter(i: int):
    def get(model: BatchClusterModel) -> float:
        return float(model.outcomes[model.quarter - 1, i])

    return get


class BatchClusterModel(ClusterModel):
    """ClusterModel of the Astrakhan scenario with a per-quarter DataCollector."""

    def __init__(self, arm: str = "de_facto", rng: int | None = 42) -> None:
        super().__init__(_scenario(), arm=arm, rng=rng)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(i) for i, name in enumerate(OUTCOME_NAMES)}
        )

    def step(self) -> None:
        super().step()
        self.datacollector.collect(self)
