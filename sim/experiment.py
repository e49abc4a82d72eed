"""Experiments: arms, paired seeds, run tasks, executors and the resumable execution loop.

A *run* is one arm x one seed x one design point. Replication seeds come from
``numpy.random.SeedSequence(root).spawn(n)``; replicate ``r`` uses the same seed in every arm
and at every design point (common random numbers), so a regime run and its de-facto run form a
*pair*. Workers return compact :class:`~sim.results.RunResult` objects; only the parent writes
to the database, in batches, through the ``on_results`` callback.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np

from sim.results import RunKey, RunResult
from sim.scenario.schema import Scenario

__all__ = [
    "InProcessExecutor",
    "RunTask",
    "execute_chunk",
    "execute_task",
    "make_executor",
    "replicate_seeds",
    "run_tasks",
]


def replicate_seeds(root: int, n: int) -> list[int]:
    """Seeds of ``n`` replications spawned from the root seed (distinct, < 2**63)."""
    children = np.random.SeedSequence(root).spawn(n)
    seeds = [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
    if len(set(seeds)) != len(seeds):  # pragma: no cover - 2**-63 collision chance
        raise RuntimeError("replication seeds collided; choose another root seed")
    return seeds


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
    from sim import __version__
    from sim.model import ClusterModel

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


class InProcessExecutor(Executor):
    """An executor that runs each call immediately in this process (tests, debugging)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        """Run ``fn`` now and return a finished future."""
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            fut.set_exception(exc)
        return fut


def _process_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool started through a fork server on Linux (spawn elsewhere).

    Forking this process directly is unsafe once it has threads (numpy's BLAS pool, a Dask
    client, a GUI): the child can deadlock. The fork server is a fresh single-threaded process
    that preloads the model, so workers still start in milliseconds. As with any
    multiprocessing code, a script that starts a sweep must guard it with
    ``if __name__ == "__main__":``; notebooks and ``python -c`` need nothing.
    """
    method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["sim.experiment", "sim.model"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


def make_executor(kind: str = "processes", workers: int | None = None) -> tuple[Executor, Callable]:
    """Create an executor and a function that closes it.

    Args:
        kind: ``local`` (in this process), ``processes`` (a process pool) or
            ``dask://HOST:PORT`` (a Dask distributed scheduler; needs the ``dask`` extra).
        workers: Process-pool size (default: the CPU count).

    Returns:
        ``(executor, close)``.
    """
    if kind == "local":
        ex = InProcessExecutor()
        return ex, ex.shutdown
    if kind == "processes":
        ex = _process_pool(workers or os.cpu_count() or 1)
        return ex, ex.shutdown
    if kind.startswith(("dask://", "tcp://")):
        from distributed import Client

        address = "tcp://" + kind.split("://", 1)[1]
        client = Client(address, timeout="10s")
        ex = client.get_executor(pure=False)

        def close() -> None:
            client.close()

        return ex, close
    raise ValueError(f"unknown executor '{kind}': use local, processes or dask://HOST:PORT")


def run_tasks(
    tasks: Iterable[RunTask],
    *,
    executor: str = "processes",
    workers: int | None = None,
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

    Args:
        tasks: Runs to execute.
        executor: ``local``, ``processes`` or ``dask://HOST:PORT`` (see :func:`make_executor`).
        workers: Process-pool size.
        chunk_size: Runs per worker call (the arms of a pair travel together).
        on_results: Called in the parent with each batch of results (the only writer).
        batch_size: Results per ``on_results`` call.
        progress: Called with the number of runs finished.
        chunk_fn: The worker function (a module-level callable; default :func:`execute_chunk`).

    Returns:
        Counts ``{"completed": ..., "failed": ...}``.
    """
    tasks = list(tasks)
    chunks = [tasks[i : i + chunk_size] for i in range(0, len(tasks), chunk_size)]
    ex, close = make_executor(executor, workers)
    n_workers = workers or os.cpu_count() or 1
    window = max(2, 3 * n_workers)
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
    try:
        while queue or pending or suspects:
            if suspects:
                if not pending:
                    cid, chunk = suspects.pop()
                    pending[ex.submit(chunk_fn, chunk)] = (cid, chunk)
            else:
                while queue and len(pending) < window:
                    cid, chunk = queue.pop()
                    pending[ex.submit(chunk_fn, chunk)] = (cid, chunk)
            alone = len(pending) == 1
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
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
                close()
                ex, close = make_executor(executor, workers)
            if len(buffer) >= batch_size:
                flush()
        flush()
    finally:
        try:
            flush()  # keep what finished when interrupted; a failing store must not skip close()
        finally:
            close()
    return counts


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
