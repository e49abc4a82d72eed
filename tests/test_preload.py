"""Pool workers start with the model's compiled kernels loaded (sim.model.preload), frozen for
the collector, and run nicer than the sweep's process (sim.run.executors.WORKER_NICE_STEP)."""

from __future__ import annotations

import os
import subprocess
import sys

from sim.run.executors import WORKER_NICE_STEP

# In a fresh interpreter: a test process may already run a fork server started with another
# preload (the page's), and multiprocessing has one fork server per process.
_SCRIPT = """
import gc, os
from sim.model import compiled
from sim.run.executors import make_executor

if __name__ == "__main__":
    import sim.model.model  # the model imported, never run: no kernel loaded here
    pool = make_executor("processes", 1)
    try:
        in_worker = pool.submit(compiled.loaded_kernels).result(timeout=120)
        frozen = pool.submit(gc.get_freeze_count).result(timeout=120)
        nice = pool.submit(os.getpriority, os.PRIO_PROCESS, 0).result(timeout=120)
    finally:
        pool.close()
    here = compiled.loaded_kernels()
    from sim.model.warm import warm
    warm()  # what the fork server's preload ran before forking
    print(here, in_worker, compiled.loaded_kernels(), frozen,
          nice - os.getpriority(os.PRIO_PROCESS, 0))
"""


def test_pool_workers_start_warm_and_nicer() -> None:
    out = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True,
                         timeout=300, check=True)  # fmt: skip
    here, in_worker, warmed, frozen, nicer = (int(x) for x in out.stdout.split())
    assert here == 0  # importing the model loads nothing: the worker's kernels come from preload
    # The worker has every kernel the warm-up loads (lone runs and a block of every arm).
    assert in_worker == warmed > 0, (in_worker, warmed)
    # The fork server's objects were frozen before forking (no collector pass copies them).
    assert frozen > 0
    # The sweep's process (the one writer and dispatcher) goes first.
    assert nicer == min(WORKER_NICE_STEP, 19 - os.getpriority(os.PRIO_PROCESS, 0))


_PRESTART = """
import multiprocessing.forkserver as fs, os
from sim.run.executors import make_executor, prestart

if __name__ == "__main__":
    prestart("local")  # no pool of processes: nothing to start
    prestart("dask://127.0.0.1:1")
    none = fs._forkserver._forkserver_pid
    prestart("processes")
    server = fs._forkserver._forkserver_pid
    prestart("processes")  # again: the same server
    again = fs._forkserver._forkserver_pid
    pool = make_executor("processes", 1)  # finds it running: its workers are its children
    try:
        parent = pool.submit(os.getppid).result(timeout=120)
    finally:
        pool.close()
    print(none, server, again, parent, fs._forkserver._forkserver_pid)
"""


def test_prestart_starts_the_pools_fork_server_once() -> None:
    out = subprocess.run([sys.executable, "-c", _PRESTART], capture_output=True, text=True,
                         timeout=300, check=True)  # fmt: skip
    none, server, again, parent, after = out.stdout.split()
    assert none == "None"  # local and Dask executors start no fork server
    assert server.isdigit() and server == again == parent == after, out.stdout
