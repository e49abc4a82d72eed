"""What a worker runs: runs of one arm, seed and design point each, returned as compact results.

Workers build the models, run them to the horizon and return
:class:`~sim.run.results.RunResult` s (outcome array, registration quarter, the supply network
of replicate 0), never model objects, so results stay small and picklable whatever executor
carries them. A chunk's runs are stepped together as blocks (:mod:`sim.model.block`, the batch
dimension): each run's outcomes are exactly those of the run made alone.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass

from sim import __version__
from sim.model.block import ModelBlock
from sim.model.model import ClusterModel
from sim.run.results import RunKey, RunResult
from sim.scenario.schema import Scenario

__all__ = ["Made", "RunTask", "execute_chunk", "execute_task", "run_models"]


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run."""

    scenario: Scenario
    key: RunKey
    seed: int


@dataclass(frozen=True)
class Made:
    """One task's model run to the horizon, or the error that stopped it.

    Attributes:
        task: The task.
        model: The model at the horizon (``None`` when the run failed).
        error: ``"Type: message at file:line"`` of a failed run (``None`` when it completed).
        wall_seconds: The run's wall time (a block's runs share its time equally).
        cpu_seconds: The run's CPU time in the worker (likewise).
    """

    task: RunTask
    model: ClusterModel | None
    error: str | None
    wall_seconds: float
    cpu_seconds: float


def run_models(tasks: Sequence[RunTask]) -> list[Made]:
    """Run the tasks to the horizon, as blocks of the runs that share a horizon; in task order.

    A block's runs are independent and deterministic, so when one of them raises, the block's
    runs are made again one at a time: the failing runs are reported failed with their own
    error and the others complete with the outcomes they have in any block.
    """
    made: list[Made | None] = [None] * len(tasks)
    by_horizon: dict[int, list[int]] = {}
    for i, t in enumerate(tasks):
        by_horizon.setdefault(t.scenario.scenario.horizon_quarters, []).append(i)
    for rows in by_horizon.values():
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            block = ModelBlock([(tasks[i].scenario, tasks[i].key.arm, tasks[i].seed) for i in rows])
            block.run()
        except Exception:
            for i in rows:
                made[i] = _alone(tasks[i])
            continue
        wall = (time.perf_counter() - t0) / len(rows)
        cpu = (time.process_time() - c0) / len(rows)
        for i, model in zip(rows, block.models, strict=True):
            made[i] = Made(tasks[i], model, None, wall, cpu)
    return made  # type: ignore[return-value]  # every slot is filled


def _alone(task: RunTask) -> Made:
    """Run one task alone; a model error becomes the run's error text."""
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        model = ClusterModel(task.scenario, arm=task.key.arm, rng=task.seed)
        model.run()
        error = None
    except Exception as exc:
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        tb = traceback.extract_tb(exc.__traceback__)
        model, error = None, text + (f" at {tb[-1].filename}:{tb[-1].lineno}" if tb else "")
    return Made(task, model, error, time.perf_counter() - t0, time.process_time() - c0)


def _result(made: Made) -> RunResult:
    """The compact result of a made run."""
    task, model = made.task, made.model
    common = {
        "key": task.key,
        "seed": task.seed,
        "wall_seconds": made.wall_seconds,
        "code_version": __version__,
        "extra": {"cpu_seconds": made.cpu_seconds},
    }
    if model is None:
        return RunResult(status="failed", error=made.error, **common)
    return RunResult(
        status="completed",
        outcomes=model.outcomes,
        registered_quarter=model.government.registered_quarter,
        network=model.supply_network(2000) if task.key.replicate == 0 else None,
        **common,
    )


def execute_task(task: RunTask) -> RunResult:
    """Build the model, run it to the horizon and return its compact result.

    Never raises for a model error: the run is returned as ``failed`` with the error text.
    """
    return _result(_alone(task))


def execute_chunk(tasks: Sequence[RunTask]) -> list[RunResult]:
    """Run several tasks in one worker call, stepped together as blocks; results in task order."""
    return [_result(m) for m in run_models(tasks)]
