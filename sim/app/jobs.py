"""The page's estimates in worker processes: bounded, cancellable, never in the server process.

One Solara server process serves every browser session, so an estimate run inside it would
hold its CPU (and, unbounded, its memory) while every other session waits. Each estimate runs
in its own worker process instead (:func:`start_estimate`):

* N and the horizon are checked on the server before anything starts
  (:func:`sim.app.session.check_estimate`: at most
  :data:`~sim.app.session.MAX_REPLICATIONS` pairs of at most
  :data:`~sim.app.session.MAX_HORIZON` quarters);
* at most :func:`max_concurrent` estimates run at once across all sessions
  (``CLUSTERSIM_APP_MAX_ESTIMATES``, default 2); one more is refused with a message
  (:class:`EstimateBusyError`), and a session runs one estimate at a time (a new one ends its
  previous one);
* :meth:`EstimateJob.cancel` ends the worker at once (SIGKILL), :func:`cancel_owner` every
  estimate of a session -- the page calls it from its Cancel button and when its Solara kernel
  closes (the tab closed, or the session culled); an estimate that runs longer than
  :data:`TIMEOUT_SECONDS` is ended too;
* workers are forked by a fork server (a fresh single-threaded process that has the model
  imported, so a worker starts in milliseconds and never inherits the server's threads), run
  at a lower CPU priority (nice 10) and get a parent-death signal: when the server dies, even by
  ``kill -9``, the fork server exits and its workers are killed with it.

The worker runs :func:`sim.app.session.estimate` (the API's :func:`sim.api.run_pairs`) and
:func:`sim.app.session.effect_cards` unchanged, so the page's numbers are exactly the API's.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import pandas as pd

from sim.app.session import check_estimate, effect_cards, estimate, worlds_estimate
from sim.run.results import RunResult
from sim.scenario.schema import Scenario

__all__ = [
    "MAX_CONCURRENT_ENV",
    "TIMEOUT_SECONDS",
    "WORKER_NAME",
    "EstimateBusyError",
    "EstimateCancelledError",
    "EstimateJob",
    "EstimateOutcome",
    "cancel_owner",
    "max_concurrent",
    "running",
    "start_estimate",
    "warm_up",
]

#: Environment variable: most estimates running at once in one server (default 2).
MAX_CONCURRENT_ENV = "CLUSTERSIM_APP_MAX_ESTIMATES"
_DEFAULT_CONCURRENT = 2
#: An estimate still running after this many seconds is ended (200 pairs of 80 quarters take
#: about a minute in one process).
TIMEOUT_SECONDS = 600.0
#: The worker's process name (``/proc/PID/comm``, ``ps -o comm``).
WORKER_NAME = "clustersim-est"
_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15

_lock = threading.Lock()
_running: dict[EstimateJob, str] = {}


class EstimateBusyError(RuntimeError):
    """As many estimates as allowed are running on this server; try again when one finishes."""


class EstimateCancelledError(RuntimeError):
    """The estimate was cancelled (Cancel, a newer estimate, or the session ended)."""


@dataclass
class EstimateOutcome:
    """What an estimate returns: the outcome series, the run results and the effect cards.

    An estimate over the uncertainty set (``worlds``) returns only ``worlds``, the summary of
    :func:`sim.app.session.worlds_estimate`.
    """

    df: pd.DataFrame | None
    results: list[RunResult] | None
    cards: list[dict[str, Any]] | None
    worlds: pd.DataFrame | None = None


def warm_up() -> None:
    """Start the fork server in the background, so the first estimate starts without delay."""
    if not sys.platform.startswith("linux"):
        return
    _context()
    threading.Thread(target=multiprocessing.forkserver.ensure_running, daemon=True,
                     name="clustersim-forkserver").start()  # fmt: skip


def max_concurrent() -> int:
    """Most estimates running at once (``CLUSTERSIM_APP_MAX_ESTIMATES``, default 2, at least 1)."""
    try:
        return max(1, int(os.environ.get(MAX_CONCURRENT_ENV, "") or _DEFAULT_CONCURRENT))
    except ValueError:
        return _DEFAULT_CONCURRENT


def running() -> list[EstimateJob]:
    """The estimates running now, in every session."""
    with _lock:
        return list(_running)


def cancel_owner(owner: str) -> int:
    """End every estimate of ``owner`` (a session); return how many were running."""
    with _lock:
        jobs = [j for j, o in _running.items() if o == owner]
    for job in jobs:
        job.cancel()
    return len(jobs)


def start_estimate(
    owner: str,
    sc: Scenario,
    regime: str,
    replications: object,
    seed: int | None = None,
    worlds: int | None = None,
) -> EstimateJob:
    """Start an estimate in a worker process and return it (wait with :meth:`EstimateJob.wait`).

    Args:
        owner: Who runs it (the page's Solara kernel id); an earlier estimate of the same owner
            is cancelled.
        sc: The scenario with the levels applied.
        regime: The regime (the other arm is de facto).
        replications: N paired replications, checked here.
        seed: Root seed (default: the scenario's).
        worlds: Run over this many worlds of the uncertainty set with N pairs in each
            (:func:`sim.app.session.worlds_estimate`); None: one world, the scenario's.

    Raises:
        InputError: N or the horizon is outside the page's bounds.
        EstimateBusyError: :func:`max_concurrent` estimates are running already.
    """
    n = check_estimate(sc, replications)
    cancel_owner(owner)
    limit = max_concurrent()
    with _lock:
        if len(_running) >= limit:
            raise EstimateBusyError(
                f"{len(_running)} estimate{'s are' if len(_running) > 1 else ' is'} running on "
                f"this server (at most {limit} at once); try again when one has finished"
            )
        job = EstimateJob(owner, sc, regime, n, seed, worlds)
        _running[job] = owner
    try:
        job._start()
    except BaseException:
        job._forget()
        raise
    return job


class EstimateJob:
    """One estimate in its worker process.

    Attributes:
        owner: The session that started it.
        replications: N paired replications.
        total: Runs it makes (2 N, times the worlds over the uncertainty set).
    """

    def __init__(
        self,
        owner: str,
        sc: Scenario,
        regime: str,
        replications: int,
        seed: int | None,
        worlds: int | None = None,
    ) -> None:
        self.owner = owner
        self.replications = replications
        self.total = 2 * replications * (worlds or 1)
        self._args = (sc, regime, replications, seed, worlds)
        self._cancelled = threading.Event()
        self._proc: Any = None
        self._conn: Connection | None = None
        self._deadline = time.monotonic() + TIMEOUT_SECONDS

    @property
    def pid(self) -> int | None:
        """The worker's process id (None before it started)."""
        return None if self._proc is None else self._proc.pid

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancelled.is_set()

    def _start(self) -> None:
        ctx = _context()
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_work, args=(send, *self._args), name="clustersim-estimate",
                           daemon=True)  # fmt: skip
        proc.start()
        send.close()
        self._proc, self._conn = proc, recv
        if self._cancelled.is_set():  # cancelled while starting
            self._kill()

    def cancel(self) -> None:
        """End the estimate now (the worker is killed); :meth:`wait` raises the cancellation.

        It stops counting against :func:`max_concurrent` at once.
        """
        self._cancelled.set()
        self._kill()
        with _lock:
            _running.pop(self, None)

    def _kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.exitcode is None:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                proc.kill()

    def wait(
        self,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        poll_seconds: float = 0.1,
    ) -> EstimateOutcome:
        """Wait for the result, reporting progress; end the worker when asked to stop.

        Args:
            progress: Called with ``(runs done, runs in total)``.
            should_stop: Polled every ``poll_seconds``; True cancels the estimate.
            poll_seconds: Polling interval.

        Raises:
            EstimateCancelledError: Cancelled, or ``should_stop`` said so.
            TimeoutError: It ran longer than :data:`TIMEOUT_SECONDS`.
            InputError: The worker refused the input.
            RuntimeError: The worker failed or died.
        """
        conn = self._conn
        assert conn is not None and self._proc is not None, "wait() before the job started"
        try:
            while True:
                if should_stop is not None and should_stop():
                    self.cancel()
                if self._cancelled.is_set():
                    raise EstimateCancelledError("the estimate was cancelled")
                if time.monotonic() > self._deadline:
                    self.cancel()
                    raise TimeoutError(
                        f"the estimate ran longer than {TIMEOUT_SECONDS:.0f} s and was ended"
                    )
                try:
                    msg = conn.recv() if conn.poll(poll_seconds) else None
                except (EOFError, OSError):
                    msg = ("died",)
                if msg is None:
                    continue
                if msg[0] == "progress":
                    if progress is not None:
                        progress(msg[1], msg[2])
                elif msg[0] == "done":
                    return EstimateOutcome(*msg[1:])
                elif msg[0] == "error":
                    raise msg[1]
                else:  # the worker is gone without an answer
                    if self._cancelled.is_set():
                        raise EstimateCancelledError("the estimate was cancelled")
                    self._proc.join(1)
                    raise RuntimeError(
                        "the estimate's worker process ended unexpectedly "
                        f"(exit code {self._proc.exitcode})"
                    )
        finally:
            self._forget()

    def _forget(self) -> None:
        """Close the pipe, reap the worker (killing it if needed), leave the running list."""
        with _lock:
            _running.pop(self, None)
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
        proc = self._proc
        if proc is not None:
            proc.join(0.5)
            if proc.exitcode is None:
                self._kill()
                proc.join(5)


# ============================================================================================
# The worker side
# ============================================================================================
def _context() -> Any:
    """A fork server on Linux (preloading this module), else spawn."""
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([__name__])
        return ctx
    return multiprocessing.get_context("spawn")


def _die_with_server() -> None:
    """Make sure this worker ends when the server process ends, however it ends.

    * A thread waits on the server's end of the pipe that started this process (the parent
      sentinel) and exits the process when the server is gone (also after ``kill -9``).
    * The fork server's "alive" descriptor, which multiprocessing hands every child, is closed
      here: otherwise this worker would keep the fork server waiting for a server that is gone.
      With it closed, the fork server exits with the server, and the Linux parent-death signal
      set below kills this worker with the fork server.
    * The process is named ``clustersim-est`` (``ps -o comm``).
    """
    parent = multiprocessing.parent_process()
    if parent is not None:

        def watch() -> None:
            multiprocessing.connection.wait([parent.sentinel])
            os._exit(1)

        threading.Thread(target=watch, daemon=True, name="clustersim-watch-server").start()
    if not sys.platform.startswith("linux"):
        return
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    alive = getattr(server, "_forkserver_alive_fd", None)
    if isinstance(alive, int):
        with contextlib.suppress(OSError):
            os.close(alive)
        server._forkserver_alive_fd = None
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        libc.prctl(_PR_SET_NAME, WORKER_NAME.encode("ascii"), 0, 0, 0)
    if os.getppid() == 1:  # the fork server died before the signal was set
        os._exit(1)


def _work(
    conn: Connection, sc: Scenario, regime: str, reps: int, seed: int | None, worlds: int | None
) -> None:
    """In the worker: the estimate and its effect cards (or the worlds' summary) over ``conn``."""
    _die_with_server()
    with contextlib.suppress(OSError):
        os.nice(10)

    def report(done: int, total: int) -> None:
        conn.send(("progress", done, total))

    try:
        if worlds:
            summary = worlds_estimate(sc, regime, worlds, reps, seed, progress=report)
            conn.send(("done", None, None, None, summary))
        else:
            df, results = estimate(sc, regime, reps, seed, progress=report)
            conn.send(("done", df, results, effect_cards(df, sc, regime)))
    except Exception as exc:
        try:
            conn.send(("error", exc))
        except Exception:  # an exception that does not pickle: its text
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()
