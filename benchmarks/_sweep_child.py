"""Run one sweep into a SQLite database and report timings as JSON (benchmark items 3-6, 8).

Run as a child process (``python -m benchmarks._sweep_child SWEEP DB WORKERS OUT``) so that the
harness can sample its RSS from outside without adding a thread to it (a thread would make the
process pool use forkserver instead of fork).
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    sweep_path, db, workers, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    t0 = time.perf_counter()
    from sim.api import run_sweep
    from sim.store.store import Store

    # Runs and outcomes (Store._write_runs, inside each batch's transaction) and the whole
    # batch with its supply networks (Store.write_batch, what the sweep calls).
    timing = {"write_runs": 0.0, "batches": 0}
    orig = Store._write_runs

    def timed(self, conn, sweep_id, results):
        t = time.perf_counter()
        try:
            return orig(self, conn, sweep_id, results)
        finally:
            timing["write_runs"] += time.perf_counter() - t
            timing["batches"] += 1

    Store._write_runs = timed
    orig_batch = Store.write_batch
    timing["store_batch"] = 0.0
    timing["store_batch_cpu"] = 0.0  # the writing thread's CPU time (sqlite3 included)

    def timed_batch(self, sweep_id, batch):
        t, c = time.perf_counter(), time.thread_time()
        try:
            return orig_batch(self, sweep_id, batch)
        finally:
            timing["store_batch"] += time.perf_counter() - t
            timing["store_batch_cpu"] += time.thread_time() - c

    Store.write_batch = timed_batch
    t_import = time.perf_counter() - t0
    t1 = time.perf_counter()
    summary = run_sweep(sweep_path, db=f"sqlite:///{db}", workers=workers, progress=False)
    wall = time.perf_counter() - t1
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"summary": summary, "wall": wall, "import": t_import, **timing}, fh)


if __name__ == "__main__":
    main()
