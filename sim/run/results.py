"""Compact run results: what a worker returns and what the store writes.

A :class:`RunResult` holds the outcome series of one run as a 2-D float array (quarters x
outcomes, columns in :data:`sim.model.outcomes.OUTCOME_NAMES` order), never model objects, so
results stay small and picklable whatever executor carries them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

__all__ = ["RunKey", "RunResult", "RunStatus", "in_task_order"]

RunStatus = Literal["completed", "failed"]


@dataclass(frozen=True, order=True)
class RunKey:
    """The unique key of a run inside a sweep: design point, replicate and arm."""

    point: int
    replicate: int
    arm: str


@dataclass
class RunResult:
    """The outcome of one run (one arm x one seed x one design point).

    Attributes:
        key: Design point, replicate and arm.
        seed: The integer seed the model was built with.
        status: ``completed`` or ``failed``.
        outcomes: Array of shape (horizon_quarters, len(OUTCOME_NAMES)); None when failed.
        error: Error text when failed.
        wall_seconds: Time the run took in the worker.
        registered_quarter: First quarter the cluster was registered, or None.
        code_version: clustersim version that produced the run.
        network: ``(nodes, edges)`` DataFrames of the supply network at the last quarter
            (:meth:`sim.model.ClusterModel.supply_network`), captured for replicate 0 only;
            stored by :func:`sim.store.network.write_networks`.
        extra: Diagnostics not stored in the database (``cpu_seconds``: the worker's CPU time
            for the run, used by the benchmarks).
    """

    key: RunKey
    seed: int
    status: RunStatus
    outcomes: np.ndarray | None = None
    error: str | None = None
    wall_seconds: float = 0.0
    registered_quarter: int | None = None
    code_version: str = ""
    extra: dict[str, float] = field(default_factory=dict)
    network: tuple | None = None


def in_task_order(results: list[RunResult], arms: Sequence[str]) -> list[RunResult]:
    """``results`` by design point, then replicate, then arm in ``arms`` order.

    Executors hand results back in the order they finish (the local one too: the chunks it has
    finished come as a set, in no fixed order); sorted so, the same runs are in the same order
    from call to call.
    """
    rank = {a: i for i, a in enumerate(arms)}
    return sorted(results, key=lambda r: (r.key.point, r.key.replicate, rank[r.key.arm]))
