"""The resumable runner: execute run tasks on an executor, hand results to the one writer.

:func:`run_tasks` executes tasks in chunks and hands results to a callback in batches, in the
parent process (the only writer); it survives crashed workers. :func:`execute_pending` runs
every (point, replicate, arm) of a sweep not yet stored as completed, writing into a
:class:`RunSink` (the results store implements it), so an interrupted sweep resumes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

from sim.run.executors import ExecutorLostError, Pool, make_executor
from sim.run.progress import Progress, ticker
from sim.run.results import RunKey, RunResult
from sim.run.stopping import raise_if_stopped
from sim.run.tasks import RunTask, execute_chunk
from sim.scenario.schema import Scenario

__all__ = ["MemorySink", "RunSink", "execute_pending", "run_tasks"]

#: Runs a worker chunk holds at most: its runs are stepped together as one block (the batch
#: dimension, sim.model.block), which amortises each stage's Python glue over the block.
BLOCK_RUNS = 32
#: Chunks per worker at least, when the sweep is small: the workers stay evenly loaded.
CHUNKS_PER_WORKER = 4
_POLL_SECONDS = 0.25  # how often a waiting sweep checks for a lost signal or a lost executor


class RunSink(Protocol):
    """Where a sweep's results go: the results store (:class:`sim.store.store.Store`)."""

    def stored_keys(self, sweep_id: int, status: str | None = "completed") -> set[RunKey]:
        """Keys of the runs of ``sweep_id`` already stored with ``status``."""
        ...

    def write_batch(self, sweep_id: int, batch: list[RunResult]) -> None:
        """Store a batch of results (runs, outcomes and the networks some carry)."""
        ...


class MemorySink:
    """A :class:`RunSink` that keeps results in memory (estimates that are not stored).

    Attributes:
        results: Every result received, in arrival order.
    """

    def __init__(self) -> None:
        self.results: list[RunResult] = []

    def stored_keys(self, sweep_id: int, status: str | None = "completed") -> set[RunKey]:
        """Keys of the results received so far with ``status`` (None: any)."""
        return {r.key for r in self.results if status is None or r.status == status}

    def write_batch(self, sweep_id: int, batch: list[RunResult]) -> None:
        """Keep a batch of results."""
        self.results.extend(batch)


def run_tasks(
    tasks: Iterable[RunTask],
    *,
    executor: str = "processes",
    workers: int | None = None,
    oversubscribe: bool = False,
    chunk_size: int = 6,
    on_results: Callable[[list[RunResult]], None],
    batch_size: int = 60,
    progress: Callable[[int], None] | None = None,
    chunk_fn: Callable[[Sequence[RunTask]], list[RunResult]] = execute_chunk,
) -> dict[str, int]:
    """Execute tasks, handing results to ``on_results`` in batches; survive crashed workers.

    A chunk whose worker process dies (``BrokenProcessPool``) is resubmitted on a fresh pool;
    the chunks that were in flight then run one at a time, so the chunk that kills a worker on
    its own is identified, retried once, and stored as failed runs if it kills it again.

    Interrupted (Ctrl-C, SIGTERM, any exception in the parent), it ends the workers at once and
    hands over the results it has; the runs not finished are not reported (a rerun does them).
    A lost Dask scheduler is not a failure of the runs: the sweep stops with
    :class:`~sim.run.executors.ExecutorLostError`, storing no run as failed.

    Args:
        tasks: Runs to execute.
        executor: ``local``, ``processes`` or ``dask://HOST:PORT`` (see :func:`make_executor`).
        workers: Process-pool size (capped at the CPUs available unless ``oversubscribe``).
        oversubscribe: Start ``workers`` processes even when there are fewer CPUs.
        chunk_size: Runs per worker call (the arms of a pair travel together).
        on_results: Called in the parent with each batch of results (the only writer).
        batch_size: Results per ``on_results`` call.
        progress: Called with the number of runs finished.
        chunk_fn: The worker function (a module-level callable; default :func:`execute_chunk`).

    Returns:
        Counts ``{"completed": ..., "failed": ...}``.

    Raises:
        ExecutorLostError: The executor went away (the Dask scheduler lost) before the end.
    """
    tasks = list(tasks)
    chunks = [tasks[i : i + chunk_size] for i in range(0, len(tasks), chunk_size)]
    pool = make_executor(executor, workers, oversubscribe=oversubscribe)
    window = max(2, 3 * pool.size)
    pending: dict[Future, tuple[int, list[RunTask]]] = {}
    retries: dict[int, int] = {}
    queue = list(enumerate(chunks))[::-1]
    buffer: list[RunResult] = []
    counts = {"completed": 0, "failed": 0}

    def flush() -> None:
        if buffer:
            on_results(list(buffer))
            buffer.clear()

    # After a worker dies, the chunks that were in flight are "suspects": they run one at a
    # time on the fresh pool, so that the chunk that kills a worker alone is the one charged.
    suspects: list[tuple[int, list[RunTask]]] = []
    finished = False
    try:
        while queue or pending or suspects:
            if suspects:
                if not pending:
                    cid, chunk = suspects.pop()
                    pending[pool.submit(chunk_fn, chunk)] = (cid, chunk)
            else:
                while queue and len(pending) < window:
                    cid, chunk = queue.pop()
                    pending[pool.submit(chunk_fn, chunk)] = (cid, chunk)
            alone = len(pending) == 1
            done = _wait_some(pool, pending)
            broken = False
            for fut in done:
                cid, chunk = pending.pop(fut)
                try:
                    results = fut.result()
                except BrokenProcessPool:
                    broken = True
                    if alone:
                        results = _retry_or_fail(cid, chunk, retries, suspects)
                    else:
                        suspects.append((cid, chunk))
                        results = []
                except Exception as exc:  # e.g. a Dask worker lost twice: Dask isolates tasks
                    pool.check(exc)  # the scheduler lost: stop, the runs did not fail
                    results = _retry_or_fail(cid, chunk, retries, queue, exc)
                for r in results:
                    counts[r.status] += 1
                buffer.extend(results)
                if progress is not None and results:
                    progress(len(results))
                del fut
            done.clear()  # drop finished futures now (Dask: frees their results on workers)
            if broken:
                for fut, (cid, chunk) in list(pending.items()):
                    pending.pop(fut)
                    suspects.append((cid, chunk))
                pool.close()
                pool = make_executor(executor, pool.size, oversubscribe=True)
            if len(buffer) >= batch_size:
                flush()
        flush()
        finished = True
    except ExecutorLostError as lost:
        missing = len(tasks) - counts["completed"] - counts["failed"]
        raise ExecutorLostError(
            f"{lost}; {missing} runs not run (none stored as failed): the finished runs are "
            "stored, rerunning the same command resumes"
        ) from lost.__cause__
    finally:
        try:
            pool.close(abort=not finished)  # interrupted: end the workers before storing
        finally:
            flush()  # keep what finished when interrupted
    return counts


def _wait_some(pool: Pool, pending: dict[Future, tuple[int, list[RunTask]]]) -> set[Future]:
    """Wait until a future is done; meanwhile notice a lost signal or a lost executor."""
    while True:
        done, _ = wait(list(pending), timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
        raise_if_stopped()
        if done:
            return done
        pool.check()


def _retry_or_fail(
    cid: int,
    chunk: list[RunTask],
    retries: dict[int, int],
    queue: list,
    exc: BaseException | None = None,
) -> list[RunResult]:
    """Requeue a chunk whose worker died, once; the second time store its runs as failed."""
    if retries.get(cid, 0) < 1:
        retries[cid] = retries.get(cid, 0) + 1
        queue.append((cid, chunk))
        return []
    reason = (
        f"worker died twice running this run ({type(exc).__name__ if exc else 'BrokenProcessPool'})"
    )
    return [RunResult(key=t.key, seed=t.seed, status="failed", error=reason) for t in chunk]


def chunk_runs(runs: int, arms: int, workers: int | None, *, spread: bool = True) -> int:
    """Runs per worker chunk: whole (point, replicate) groups, up to :data:`BLOCK_RUNS`.

    As large as possible, since a chunk is stepped as one block, but (with ``spread``) small
    enough that every one of ``workers`` (default: the CPUs) gets :data:`CHUNKS_PER_WORKER`
    chunks or more.
    """
    if not spread:
        return arms * max(1, BLOCK_RUNS // arms)
    groups = -(-runs // arms)
    share = groups // (CHUNKS_PER_WORKER * max(1, workers or os.cpu_count() or 1))
    return arms * max(1, min(BLOCK_RUNS // arms, share))


def execute_pending(
    sink: RunSink,
    sweep_id: int,
    scenarios: list[Scenario],
    reps: int,
    arms: list[str],
    seeds: list[int],
    *,
    executor: str = "processes",
    workers: int | None = None,
    oversubscribe: bool = False,
    progress: bool | Callable[[int, int], None] = True,
) -> dict[str, int]:
    """Run every (point, replicate, arm) not yet stored as completed, writing in the parent.

    Point ``p`` uses ``scenarios[p]``; replicate ``r`` uses ``seeds[r]`` in every arm and at
    every point (common random numbers). The arms of one (point, replicate) travel in the same
    worker chunk (:func:`chunk_runs`), stepped as one block. This is the one way runs are executed:
    sweeps, ``clustersim run``, the API's estimates and the page's all come through here.

    Args:
        sink: Where results go (the store, or a :class:`MemorySink`).
        sweep_id: The sweep the runs belong to (passed to the sink).
        scenarios: The scenario of each design point.
        reps: Replications per point.
        arms: Arms to run at every point and replicate.
        seeds: The replication seeds (:func:`sim.run.seeds.replicate_seeds`).
        executor: ``local``, ``processes`` or ``dask://HOST:PORT``.
        workers: Process-pool size (capped at the CPUs available unless ``oversubscribe``).
        oversubscribe: Start ``workers`` processes even when there are fewer CPUs.
        progress: True for a progress bar on a terminal, False for none, or a callback
            ``(done, total)``.

    Returns:
        Counts ``{"completed", "failed", "skipped"}``.

    Raises:
        ExecutorLostError: The executor went away (the Dask scheduler lost); no run is stored as
            failed for it.
    """
    done = sink.stored_keys(sweep_id, status="completed")
    whole, partial = [], []
    for p, sc in enumerate(scenarios):
        for r in range(reps):
            group = [RunTask(sc, RunKey(p, r, a), seeds[r]) for a in arms
                     if RunKey(p, r, a) not in done]
            (whole if len(group) == len(arms) else partial).extend(group)
    tasks = whole + partial  # whole groups first: each chunk holds whole (point, replicate)s
    # In this process (local) the chunks run one after the other: no worker waits for one.
    per_chunk = chunk_runs(len(tasks), len(arms), None if executor == "local" else workers,
                           spread=executor != "local")  # fmt: skip
    counts = {"completed": 0, "failed": 0}
    tick = ticker(len(tasks), progress)
    if tasks:
        try:
            counts = run_tasks(
                tasks,
                executor=executor,
                workers=workers,
                oversubscribe=oversubscribe,
                chunk_size=per_chunk,
                on_results=lambda batch: sink.write_batch(sweep_id, batch),
                progress=tick,
            )
        finally:
            if isinstance(tick, Progress):
                tick.close()  # an interrupted bar ends its line before the message
    return {**counts, "skipped": len(done)}
