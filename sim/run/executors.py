"""Executors: in-process, a process pool (through a fork server) or a Dask scheduler.

All three are ``concurrent.futures.Executor`` s, so a sweep on a laptop and on a Dask cluster is
the same code path (:func:`sim.run.runner.run_tasks`).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor

__all__ = ["InProcessExecutor", "make_executor"]


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
        ctx.set_forkserver_preload(["sim.run.tasks", "sim.model.model"])
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
        from distributed import Client  # optional heavy dependency (the `dask` extra)

        address = "tcp://" + kind.split("://", 1)[1]
        client = Client(address, timeout="10s")
        ex = client.get_executor(pure=False)

        def close() -> None:
            client.close()

        return ex, close
    raise ValueError(f"unknown executor '{kind}': use local, processes or dask://HOST:PORT")
