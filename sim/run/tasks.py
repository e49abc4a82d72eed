"""What a worker runs: one run of one arm, seed and design point, returned as a compact result.

Workers build the model, run it to the horizon and return a :class:`~sim.run.results.RunResult`
(outcome array, registration quarter, the supply network of replicate 0), never model objects,
so results stay small and picklable whatever executor carries them.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass

from sim import __version__
from sim.model.model import ClusterModel
from sim.run.results import RunKey, RunResult
from sim.scenario.schema import Scenario

__all__ = ["RunTask", "execute_chunk", "execute_task"]


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run."""

    scenario: Scenario
    key: RunKey
    seed: int


def execute_task(task: RunTask) -> RunResult:
    """Build the model, run it to the horizon and return its compact result.

    Never raises for a model error: the run is returned as ``failed`` with the error text.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        model = ClusterModel(task.scenario, arm=task.key.arm, rng=task.seed)
        outcomes = model.run()
        return RunResult(
            key=task.key,
            seed=task.seed,
            status="completed",
            outcomes=outcomes,
            wall_seconds=time.perf_counter() - t0,
            registered_quarter=model.government.registered_quarter,
            code_version=__version__,
            network=model.supply_network(2000) if task.key.replicate == 0 else None,
            extra={"cpu_seconds": time.process_time() - c0},
        )
    except Exception as exc:
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" at {tb[-1].filename}:{tb[-1].lineno}" if tb else ""
        return RunResult(
            key=task.key,
            seed=task.seed,
            status="failed",
            error=text + where,
            wall_seconds=time.perf_counter() - t0,
            code_version=__version__,
            extra={"cpu_seconds": time.process_time() - c0},
        )


def execute_chunk(tasks: Sequence[RunTask]) -> list[RunResult]:
    """Run several tasks in one worker call (fewer round trips)."""
    return [execute_task(t) for t in tasks]
