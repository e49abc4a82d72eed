"""Executors: in-process, a process pool (through a fork server) or a Dask scheduler.

All three are ``concurrent.futures.Executor`` s, so a sweep on a laptop and on a Dask cluster is
the same code path (:func:`sim.run.runner.run_tasks`). :func:`make_executor` wraps each in a
:class:`Pool` that knows its size, how to close it (at the end, or at once when the sweep is
interrupted) and whether it was lost (the Dask scheduler gone).

Process lifetime: no process of a pool outlives the process that started it, ``kill -9``
included. The fork server gets SIGKILL from the kernel when that process dies (Linux
``PR_SET_PDEATHSIG``, :mod:`sim.run.lifeline`, set before its slow imports). Each worker runs
:data:`WORKER_NICE_STEP` nicer than the sweep's process (the one writer goes first), ignores
Ctrl-C (the parent stops the pool), gets SIGKILL when the fork server dies, and watches the
sweep's process itself (a pidfd; polling where there is none). With no worker left,
multiprocessing's resource tracker ends on its own (its pipe closes). Workers start in
milliseconds: the fork server preloads what the parent's ``__main__`` imports from ``sim``
(:mod:`sim.cli` for the ``clustersim`` script) and the model with its compiled kernels loaded
(:mod:`sim.model.preload`), so a worker imports and loads nothing. The fork server's own
start (a fresh interpreter importing all that, seconds) can begin before the pool is made:
:func:`prestart`, which the API's stored runs call first thing, so that it overlaps the
caller's preparation (reading the sweep, validating its design points, opening the store).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import select
import signal
import sys
import threading
import time
import types
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, Executor, Future, ProcessPoolExecutor
from typing import Any

from sim.run.lifeline import PARENT_ENV, SERVER_ENV, set_parent_death_signal

__all__ = [
    "ExecutorLostError",
    "InProcessExecutor",
    "Pool",
    "available_cpus",
    "make_executor",
    "prestart",
    "worker_count",
]

_PARENT_POLL_SECONDS = 0.5  # where pidfd_open is missing
#: Pool workers run this much nicer than the sweep's process, which receives every result,
#: writes it to the store and hands out the next tasks: with as many workers as cores, at the
#: same priority the writer waited for a core behind the workers (its writes took about twice
#: their CPU time in wall time), and the workers for their next tasks.
WORKER_NICE_STEP = 5


class ExecutorLostError(RuntimeError):
    """The executor is gone or out of reach (the Dask scheduler): nothing can run on it."""


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


# ============================================================================================
# How many workers
# ============================================================================================
def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, e.g. under ``taskset`` or a cpuset)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def worker_count(workers: int | None = None, *, oversubscribe: bool = False) -> int:
    """The process-pool size for a requested number of workers.

    Args:
        workers: Requested worker processes (None: one per available CPU).
        oversubscribe: Start more workers than CPUs when asked to.

    Returns:
        ``workers``, capped at :func:`available_cpus` unless ``oversubscribe``.
    """
    cpus = available_cpus()
    if workers is None:
        return cpus
    return workers if oversubscribe else min(workers, cpus)


# ============================================================================================
# Pool workers: end with the sweep's process
# ============================================================================================
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_for_exit(pid: int, pidfd: int | None) -> None:
    """Block until process ``pid`` has exited (its pidfd becomes readable), then end this one."""
    if pidfd is not None:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        poller.poll()
    else:
        while _alive(pid):
            time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)


def _worker_start(sweep_pid: int) -> None:
    """Initialise a pool worker: leave Ctrl-C to the parent; end when the sweep's process does.

    Args:
        sweep_pid: The process that created the pool (the one that runs the sweep).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(OSError):  # the sweep's process (the one writer) goes first
        os.setpriority(os.PRIO_PROCESS, 0, os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICE_STEP)
    os.environ.pop(PARENT_ENV, None)  # named the fork server's parent; not for this one's children
    set_parent_death_signal(signal.SIGKILL)  # the fork server (or the sweep's process) dies
    try:
        pidfd: int | None = os.pidfd_open(sweep_pid)
    except ProcessLookupError:
        os._exit(1)  # the sweep's process died while this worker was starting
    except (AttributeError, OSError):
        pidfd = None
    if pidfd is None and not _alive(sweep_pid):
        os._exit(1)
    watch = threading.Thread(target=_wait_for_exit, args=(sweep_pid, pidfd), daemon=True,
                             name="clustersim-watch-parent")  # fmt: skip
    watch.start()


# ============================================================================================
# Pools
# ============================================================================================
class Pool:
    """An executor with its size, its closing and its health, as the runner needs them.

    Attributes:
        executor: The ``concurrent.futures`` executor.
        size: Workers (the runner keeps about three chunks per worker in flight).
        name: What the executor is, for messages (``Dask scheduler tcp://host:8786``).
    """

    def __init__(self, executor: Executor, size: int, name: str) -> None:
        self.executor, self.size, self.name = executor, size, name

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        """Submit ``fn(*args)``; raise :class:`ExecutorLostError` if the executor is gone."""
        try:
            return self.executor.submit(fn, *args)
        except Exception as exc:
            self.check(exc)
            raise

    def check(self, exc: BaseException | None = None) -> None:
        """Raise :class:`ExecutorLostError` if the executor is gone (``exc``: what a call raised).

        Raises:
            ExecutorLostError: Nothing more can run on this executor.
        """

    def close(self, *, abort: bool = False) -> None:
        """Release the executor.

        Args:
            abort: Stop at once (interrupted, or lost): abandon running calls, end workers.
        """
        self.executor.shutdown(wait=not abort, cancel_futures=abort)


class _ProcessPool(Pool):
    """A process pool whose workers are ended at once when the sweep is interrupted."""

    def close(self, *, abort: bool = False) -> None:
        ex = self.executor
        if not abort:
            ex.shutdown(wait=True)
            return
        # ProcessPoolExecutor has no way to end busy workers before Python 3.14
        # (terminate_workers); its own bookkeeping lists them.
        processes = list((getattr(ex, "_processes", None) or {}).values())
        manager = getattr(ex, "_executor_manager_thread", None)
        ex.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            with contextlib.suppress(Exception):
                p.kill()
        for p in processes:
            with contextlib.suppress(Exception):
                p.join(5)
        if manager is not None:
            manager.join(5)


def _process_pool(workers: int) -> Pool:
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
        _start_fork_server(ctx)
    ex = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_start,
                             initargs=(os.getpid(),))  # fmt: skip
    return _ProcessPool(ex, workers, f"process pool of {workers} workers")


def prestart(kind: str = "processes") -> None:
    """Start the process pool's fork server now, if ``kind`` will need one; else nothing.

    The fork server preloads the model in its own process while this one goes on (reading a
    sweep, validating its design points, opening the store); :func:`make_executor` then finds
    it running, or still preloading, and its first workers wait only for what is left. Call
    it from the main thread (the fork server's lifeline names this process as its parent only
    then). Starting it twice, or for a pool that is never made, is harmless: one server per
    process, and it ends with this process.
    """
    if kind == "processes" and sys.platform.startswith("linux"):
        _start_fork_server(multiprocessing.get_context("forkserver"))


def _main_imports() -> list[str]:
    """The ``sim`` modules this process's ``__main__`` imports at module level.

    A worker runs ``__main__`` again (as ``__mp_main__``) before it starts; for the
    ``clustersim`` script that means importing :mod:`sim.cli` and everything below it, seconds
    on a busy machine, during which the worker could not notice that the sweep had died.
    """
    main = sys.modules.get("__main__")
    if main is None or (getattr(main, "__file__", None) is None and
                        getattr(main, "__spec__", None) is None):  # fmt: skip
        return []  # e.g. a notebook: workers do not run its __main__
    names = set()
    for value in list(vars(main).values()):
        name = value.__name__ if isinstance(value, types.ModuleType) else getattr(
            value, "__module__", None)  # fmt: skip
        if isinstance(name, str) and name.split(".", 1)[0] == "sim":
            names.add(name)
    return sorted(names)


def _start_fork_server(ctx: Any) -> None:
    """Start the fork server (if not running) so that it dies with this process.

    It imports :mod:`sim.run.lifeline` first, then what this process's ``__main__`` imports from
    ``sim`` (:func:`_main_imports`) and the model with its compiled kernels loaded
    (:mod:`sim.model.preload`): a forked worker then imports and loads nothing, not even when it
    runs ``__main__`` again, and starts watching the sweep's process at once.
    """
    preload = ["sim.run.lifeline", *_main_imports(), "sim.run.executors", "sim.run.tasks",
               "sim.model.preload"]  # fmt: skip
    ctx.set_forkserver_preload(list(dict.fromkeys(preload)))
    # Linux counts the thread that starts a process as its parent: only the main thread (alive as
    # long as this process) names itself, other threads leave the server to its pipe
    before = os.environ.pop(PARENT_ENV, None)  # inherited from a pool's worker: not ours
    if threading.current_thread() is threading.main_thread():
        os.environ[PARENT_ENV] = str(os.getpid())
    os.environ[SERVER_ENV] = "1"  # its children are born ignoring Ctrl-C (sim.run.lifeline)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        os.environ.pop(SERVER_ENV, None)
        os.environ.pop(PARENT_ENV, None)
        if before is not None:
            os.environ[PARENT_ENV] = before


# Dask's own loggers and asyncio's report the torn-down connection of an abandoned client with
# tracebacks; after an interrupt or a lost scheduler those say nothing the one line does not.
_DASK_LOGGERS = ("distributed", "tornado", "asyncio")
# The event loop's "exception in callback" loggers: while the client runs, a connection reset
# by a lost scheduler is logged there (with a traceback) before the pool notices the loss.
_CALLBACK_LOGGERS = ("tornado.application", "asyncio")


@contextlib.contextmanager
def _quiet_dask_logs(names: tuple[str, ...] = _DASK_LOGGERS) -> Iterator[None]:
    loggers = [logging.getLogger(n) for n in names]
    loggers += [
        logger
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger) and name.startswith(tuple(f"{n}." for n in names))
    ]
    before = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = True
    try:
        yield
    finally:
        for logger, was in zip(loggers, before, strict=True):
            logger.disabled = was


class _DaskPool(Pool):
    """A Dask client's executor; lost when the client loses its scheduler."""

    def __init__(self, client: Any, address: str, size: int) -> None:
        super().__init__(client.get_executor(pure=False), size, f"Dask scheduler {address}")
        self.client, self.address = client, address
        self.lost = False
        self._quiet = contextlib.ExitStack()  # callback tracebacks, for the pool's lifetime
        self._quiet.enter_context(_quiet_dask_logs(_CALLBACK_LOGGERS))

    def check(self, exc: BaseException | None = None) -> None:
        status = str(getattr(self.client, "status", "running"))
        # a future cancelled by nobody here: the client cancels all when its scheduler goes
        if status != "running" or isinstance(exc, CancelledError) or self.lost:
            self.lost = True
            raise ExecutorLostError(f"{self.name} lost: the connection to it closed") from exc

    def close(self, *, abort: bool = False) -> None:
        try:
            self._close(abort=abort)
        finally:
            self._quiet.close()

    def _close(self, *, abort: bool) -> None:
        if not abort:
            self.client.close()
            return
        with _quiet_dask_logs():
            if not self.lost:
                with contextlib.suppress(Exception):
                    self.executor.shutdown(wait=False)  # cancel what is queued on the cluster
            with contextlib.suppress(Exception):
                self.client.close(timeout=5)
            # forget what the loop thread left behind (e.g. futures of a cancelled reconnect)
            loop = getattr(getattr(self.client, "loop", None), "asyncio_loop", None)
            if loop is not None:
                with contextlib.suppress(Exception):
                    loop.set_exception_handler(lambda _loop, _context: None)


def make_executor(
    kind: str = "processes", workers: int | None = None, *, oversubscribe: bool = False
) -> Pool:
    """Create an executor, wrapped in a :class:`Pool`.

    Args:
        kind: ``local`` (in this process), ``processes`` (a process pool) or
            ``dask://HOST:PORT`` (a Dask distributed scheduler; needs the ``dask`` extra).
        workers: Process-pool size (default: one per available CPU; more than the CPUs are
            capped at their number, with a ``RuntimeWarning``, unless ``oversubscribe``). For
            Dask it only sets how many chunks are kept in flight.
        oversubscribe: Start ``workers`` processes even when there are fewer CPUs.

    Returns:
        The pool; call its ``close()`` when done.

    Raises:
        ExecutorLostError: The Dask scheduler cannot be reached.
    """
    if kind == "local":
        return Pool(InProcessExecutor(), workers or os.cpu_count() or 1, "this process")
    if kind == "processes":
        n = worker_count(workers, oversubscribe=oversubscribe)
        if workers is not None and n < workers:
            warnings.warn(
                f"workers={workers} capped at {n}, the CPUs available to this process "
                "(oversubscribe=True starts them all)",
                RuntimeWarning,
                stacklevel=2,
            )
        return _process_pool(n)
    if kind.startswith(("dask://", "tcp://")):
        from distributed import Client  # optional heavy dependency (the `dask` extra)

        address = "tcp://" + kind.split("://", 1)[1]
        try:
            client = Client(address, timeout="10s")
        except OSError as exc:
            raise ExecutorLostError(f"Dask scheduler {address} unreachable: {exc}") from exc
        return _DaskPool(client, address, workers or os.cpu_count() or 1)
    raise ValueError(f"unknown executor '{kind}': use local, processes or dask://HOST:PORT")
