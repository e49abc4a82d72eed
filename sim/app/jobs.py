"""The page's estimates in worker processes: bounded, cancellable, never in the server process.

One Solara server process serves every browser session, so an estimate run inside it would
hold its CPU (and, unbounded, its memory) while every other session waits. Each estimate runs
in worker processes instead (:func:`start_estimate`):

* N and the horizon are checked on the server before anything starts
  (:func:`sim.app.session.check_estimate`: at most
  :data:`~sim.app.session.MAX_REPLICATIONS` pairs of at most
  :data:`~sim.app.session.MAX_HORIZON` quarters);
* at most :func:`max_concurrent` estimates run at once across all sessions
  (``CLUSTERSIM_APP_MAX_ESTIMATES``, default 2; it counts estimates, not their processes); one
  more is refused with a message (:class:`EstimateBusyError`), and a session runs one estimate
  at a time (a new one ends its previous one);
* an estimate is split across :func:`parts_for` worker processes (``min(2, CPUs)``, one for
  fewer than :data:`SPLIT_MIN_REPLICATIONS` pairs), each running a contiguous block of the
  replicates with the seeds :func:`sim.api.run_pairs` gives them
  (:func:`sim.app.session.estimate_part`); the server merges the parts in run_pairs's order
  (replicate by replicate, de facto then the regime), so the results, the outcome frame and the
  effect cards are exactly :func:`sim.app.session.estimate`'s. Progress is the sum over the
  parts against the estimate's total; an error in any part ends the estimate with that error
  (the other parts are killed). The uncertainty view's estimate (``worlds``) runs in one process;
* the de-facto runs are cached in the server (:data:`de_facto_cache`, the last
  :data:`DE_FACTO_CACHE_SIZE` estimates): they depend on the scenario without its regimes, the
  root seed and N (:func:`sim.app.session.de_facto_key`), not on the levers, so after a lever
  moves the workers run only the regime's arm (N runs, not 2 N: :attr:`EstimateJob.total`)
  and the cached de-facto results are merged in;
* the outcome frame (:func:`sim.api.results_frame`, about 2 ms) and the effect cards
  (:func:`sim.app.session.effect_cards`, about 60 ms of CPU for 20 pairs of 40 quarters) are
  computed in the server after the merge: they need every part's runs, so a worker could not
  start them any earlier, and the estimate would wait for them just as long;
* :meth:`EstimateJob.cancel` ends every worker of the estimate at once (SIGKILL),
  :func:`cancel_owner` every estimate of a session -- the page calls it from its Cancel button
  and when its Solara kernel closes (the tab closed, or the session culled); an estimate that
  runs longer than :data:`TIMEOUT_SECONDS` is ended too;
* workers are forked by a fork server (a fresh single-threaded process that has the model
  imported and its compiled kernels loaded, :mod:`sim.app.warm_kernels`, so a worker starts in
  milliseconds, runs at full speed from its first run and never inherits the server's threads),
  run at a lower CPU priority (nice 10, :data:`WORKER_NICE`; the fork server too, from its
  warm-up on) and get a parent-death signal: when the server dies,
  even by ``kill -9``, the fork server exits and its workers are killed with it.
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

from sim.api import results_frame
from sim.app.defacto_cache import DE_FACTO_CACHE_SIZE, DeFactoCache, de_facto_cache
from sim.app.session import (
    check_estimate,
    de_facto_key,
    effect_cards,
    estimate_part,
    worlds_estimate,
)
from sim.errors import InputError
from sim.run.results import RunKey, RunResult
from sim.scenario.schema import ARM_DE_FACTO, Scenario

__all__ = [
    "DE_FACTO_CACHE_SIZE",
    "MAX_CONCURRENT_ENV",
    "MAX_PARTS",
    "PREFETCH_ENV",
    "PREFETCH_OWNER",
    "SPLIT_MIN_REPLICATIONS",
    "TIMEOUT_SECONDS",
    "WORKER_NAME",
    "WORKER_NICE",
    "DeFactoCache",
    "EstimateBusyError",
    "EstimateCancelledError",
    "EstimateJob",
    "EstimateOutcome",
    "cancel_owner",
    "de_facto_cache",
    "max_concurrent",
    "parts_for",
    "prefetch_de_facto",
    "prefetch_enabled",
    "prefetching",
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
#: The workers' (and the fork server's) CPU priority: below the server's.
WORKER_NICE = 10
#: Most worker processes of one estimate (its replicates split in contiguous blocks).
MAX_PARTS = 2
#: Fewest pairs for which an estimate is split across worker processes.
SPLIT_MIN_REPLICATIONS = 4
_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15

_lock = threading.Lock()
_running: dict[EstimateJob, str] = {}
_prefetches: dict[str, EstimateJob] = {}
#: The owner of the prefetch jobs (:func:`prefetch_de_facto`).
PREFETCH_OWNER = "clustersim-prefetch"
#: Environment variable: ``0`` turns the page's prefetch of de-facto runs off (default on).
PREFETCH_ENV = "CLUSTERSIM_APP_PREFETCH"


def prefetch_enabled() -> bool:
    """Whether the page prefetches de-facto runs (:data:`PREFETCH_ENV` is not ``0``)."""
    return os.environ.get(PREFETCH_ENV, "1").strip() != "0"


def prefetch_de_facto(sc: Scenario, replications: object, seed: int | None = None) -> bool:
    """Start computing an estimate's de-facto runs before anyone asks for the estimate.

    The page calls it when a scenario is opened or its world changes: by the time the user
    has moved the levers and asks for the estimate, the de-facto runs are in
    :data:`de_facto_cache` and the estimate runs only the regime's N runs. The prefetch runs in
    worker processes like an estimate (same parts, seeds and results), at the same low priority;
    it does not count against :func:`max_concurrent` and belongs to no session. An estimate that
    starts while the prefetch of its de-facto runs is still running ends the prefetch and runs
    them itself. A failed or ended prefetch leaves the cache as it was.

    Returns:
        Whether a prefetch was started (not when the runs are cached or being prefetched, or
        N or the horizon is outside the page's bounds).
    """
    try:
        n = check_estimate(sc, replications)
    except InputError:  # the estimate itself will say so
        return False
    job = EstimateJob(PREFETCH_OWNER, sc, None, n, seed)  # no process yet
    key = job._key
    assert key is not None
    with _lock:
        if key in _prefetches or de_facto_cache.get(key) is not None:
            return False
        _prefetches[key] = job
    try:
        job._start()
    except BaseException:
        with _lock:
            _prefetches.pop(key, None)
        raise
    threading.Thread(target=_finish_prefetch, args=(key, job), daemon=True,
                     name="clustersim-prefetch").start()  # fmt: skip
    return True


def _finish_prefetch(key: str, job: EstimateJob) -> None:
    """Wait for a prefetch in a background thread; it fills the cache (EstimateJob._outcome)."""
    try:
        job.wait()
    except Exception:  # ended or failed: the estimate runs de facto itself
        pass
    finally:
        with _lock:
            if _prefetches.get(key) is job:
                del _prefetches[key]


def prefetching() -> int:
    """How many prefetches are running."""
    with _lock:
        return len(_prefetches)


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
    """Start an estimate in worker processes and return it (wait with :meth:`EstimateJob.wait`).

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
    job = EstimateJob(owner, sc, regime, n, seed, worlds)  # no process yet
    if job._key is not None and not job.cached:  # it runs de facto itself: no prefetch of it
        with _lock:
            prefetch = _prefetches.get(job._key)
        if prefetch is not None:
            prefetch.cancel()
    with _lock:
        if len(_running) >= limit:
            raise EstimateBusyError(
                f"{len(_running)} estimate{'s are' if len(_running) > 1 else ' is'} running on "
                f"this server (at most {limit} at once); try again when one has finished"
            )
        _running[job] = owner
    try:
        job._start()
    except BaseException:
        job._forget()
        raise
    return job




def parts_for(replications: int) -> int:
    """Worker processes for an estimate of N pairs: ``min(2, CPUs)``, 1 for few pairs.

    Below :data:`SPLIT_MIN_REPLICATIONS` pairs a second process would not pay for itself.
    """
    if replications < SPLIT_MIN_REPLICATIONS:
        return 1
    return max(1, min(MAX_PARTS, os.cpu_count() or 1))


def _blocks(n: int, parts: int) -> list[range]:
    """``range(n)`` cut into ``parts`` contiguous blocks, sizes differing by at most one."""
    return [range(i * n // parts, (i + 1) * n // parts) for i in range(parts)]


class EstimateJob:
    """One estimate in its worker processes.

    Attributes:
        owner: The session that started it.
        replications: N paired replications.
        total: Runs it makes: 2 N (N when the de-facto runs are cached), times the worlds
            over the uncertainty set.
        cached: Whether the de-facto runs came from :data:`de_facto_cache`.
    """

    def __init__(
        self,
        owner: str,
        sc: Scenario,
        regime: str | None,
        replications: int,
        seed: int | None,
        worlds: int | None = None,
    ) -> None:
        self.owner = owner
        self.replications = replications
        self._sc, self._regime, self._seed = sc, regime, seed
        self._key: str | None = None
        self._cached: list[RunResult] | None = None
        self._parts: list[tuple[Any, ...]]
        if worlds:
            self.total = 2 * replications * worlds
            self._parts = [("worlds", sc, regime, worlds, replications, seed)]
        else:
            self._key = de_facto_key(sc, replications, seed)
            self._cached = None if regime is None else de_facto_cache.get(self._key)
            if regime is None:  # a prefetch: the de-facto runs only (prefetch_de_facto)
                arms = [ARM_DE_FACTO]
            elif self._cached is not None:
                arms = [regime]
            else:
                arms = [ARM_DE_FACTO, regime]
            self.total = len(arms) * replications
            self._parts = [("part", sc, arms, block, replications, seed)
                           for block in _blocks(replications, parts_for(replications))]  # fmt: skip
        self.cached = self._cached is not None
        self._cancelled = threading.Event()
        self._procs: list[Any] = []
        self._conns: list[Connection] = []
        self._deadline = time.monotonic() + TIMEOUT_SECONDS

    @property
    def pid(self) -> int | None:
        """The first worker's process id (None before it started)."""
        return self._procs[0].pid if self._procs else None

    @property
    def pids(self) -> list[int]:
        """Every worker's process id (one per part of the estimate)."""
        return [p.pid for p in self._procs]

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancelled.is_set()

    def _start(self) -> None:
        ctx = _context()
        for args in self._parts:
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_work, args=(send, *args), name="clustersim-estimate",
                               daemon=True)  # fmt: skip
            try:
                proc.start()
            except BaseException:
                recv.close()
                raise
            finally:
                send.close()
            self._procs.append(proc)
            self._conns.append(recv)
            if self._cancelled.is_set():  # cancelled while starting
                break
        if self._cancelled.is_set():
            self._kill()

    def cancel(self) -> None:
        """End the estimate now (every worker is killed); :meth:`wait` raises the cancellation.

        It stops counting against :func:`max_concurrent` at once.
        """
        self._cancelled.set()
        self._kill()
        with _lock:
            _running.pop(self, None)

    def _kill(self) -> None:
        for proc in list(self._procs):
            if proc.exitcode is None:
                with contextlib.suppress(OSError, ValueError, AttributeError):
                    proc.kill()

    def wait(
        self,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        poll_seconds: float = 0.1,
    ) -> EstimateOutcome:
        """Wait for the result, reporting progress; end the workers when asked to stop.

        Args:
            progress: Called with ``(runs done, runs in total)``, summed over the parts.
            should_stop: Polled every ``poll_seconds``; True cancels the estimate.
            poll_seconds: Polling interval.

        Raises:
            EstimateCancelledError: Cancelled, or ``should_stop`` said so.
            TimeoutError: It ran longer than :data:`TIMEOUT_SECONDS`.
            InputError: A worker refused the input.
            RuntimeError: A worker failed or died.
        """
        assert self._conns, "wait() before the job started"
        waiting = {conn: i for i, conn in enumerate(self._conns)}
        done = [0] * len(self._conns)
        answers: list[Any] = [None] * len(self._conns)
        try:
            while waiting:
                if should_stop is not None and should_stop():
                    self.cancel()
                if self._cancelled.is_set():
                    raise EstimateCancelledError("the estimate was cancelled")
                if time.monotonic() > self._deadline:
                    self.cancel()
                    raise TimeoutError(
                        f"the estimate ran longer than {TIMEOUT_SECONDS:.0f} s and was ended"
                    )
                for conn in multiprocessing.connection.wait(list(waiting), poll_seconds):
                    i = waiting[conn]
                    try:
                        msg = conn.recv()
                    except (EOFError, OSError):
                        msg = ("died",)
                    if msg[0] == "progress":
                        done[i] = msg[1]
                        if progress is not None:
                            progress(sum(done), self.total)
                    elif msg[0] == "done":
                        answers[i] = msg[1]
                        del waiting[conn]
                    elif msg[0] == "error":
                        self._kill()  # the other parts too
                        raise msg[1]
                    else:  # the worker is gone without an answer
                        self._kill()
                        if self._cancelled.is_set():
                            raise EstimateCancelledError("the estimate was cancelled")
                        proc = self._procs[i]
                        proc.join(1)
                        raise RuntimeError(
                            "the estimate's worker process ended unexpectedly "
                            f"(exit code {proc.exitcode})"
                        )
            return self._outcome(answers)
        finally:
            self._forget()

    def _outcome(self, answers: list[Any]) -> EstimateOutcome:
        """The parts' answers merged: run_pairs's order, the frame and the cards (this process)."""
        if self._key is None:  # over the uncertainty set: one part, the summary
            return EstimateOutcome(None, None, None, answers[0])
        runs = {r.key: r for part in answers for r in part}
        if self._cached is not None:
            runs.update({r.key: r for r in self._cached})
        regime, n = self._regime, self.replications
        if regime is None:  # a prefetch: keep the de-facto runs for the estimates to come
            results = [runs[RunKey(0, r, ARM_DE_FACTO)] for r in range(n)]
            if all(r.status == "completed" for r in results):
                de_facto_cache.put(self._key, results)
            return EstimateOutcome(None, results, None)
        results = [runs[RunKey(0, r, a)] for r in range(n) for a in (ARM_DE_FACTO, regime)]
        if self._cached is None:
            de_facto = results[0::2]
            if all(r.status == "completed" for r in de_facto):
                de_facto_cache.put(self._key, de_facto)
        df = results_frame(results)
        return EstimateOutcome(df, results, effect_cards(df, self._sc, regime))

    def _forget(self) -> None:
        """Close the pipes, reap the workers (killing them if needed), leave the running list."""
        with _lock:
            _running.pop(self, None)
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.close()
        deadline = time.monotonic() + 0.5
        for proc in self._procs:
            proc.join(max(0.0, deadline - time.monotonic()))
        if any(proc.exitcode is None for proc in self._procs):
            self._kill()
            for proc in self._procs:
                proc.join(5)


# ============================================================================================
# The worker side
# ============================================================================================
def _context() -> Any:
    """A fork server on Linux (preloading this module and the kernels), else spawn."""
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([__name__, "sim.app.warm_kernels"])
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


def _work(conn: Connection, kind: str, *args: Any) -> None:
    """In a worker: one part of an estimate (or the worlds' summary), answered over ``conn``.

    ``kind`` ``part``: :func:`sim.app.session.estimate_part` with ``args``, answered with the
    results; ``worlds``: :func:`sim.app.session.worlds_estimate`, answered with the summary.
    """
    _die_with_server()
    with contextlib.suppress(OSError):  # nice 10 (the fork server may be niced already)
        os.setpriority(os.PRIO_PROCESS, 0, max(WORKER_NICE, os.getpriority(os.PRIO_PROCESS, 0)))

    def report(done: int, total: int) -> None:
        conn.send(("progress", done, total))

    try:
        if kind == "worlds":
            conn.send(("done", worlds_estimate(*args, progress=report)))
        else:
            conn.send(("done", estimate_part(*args, progress=report)))
    except Exception as exc:
        try:
            conn.send(("error", exc))
        except Exception:  # an exception that does not pickle: its text
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()
