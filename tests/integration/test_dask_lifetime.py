"""A sweep on Dask stopped from outside: Ctrl-C, and the scheduler lost.

* Ctrl-C (SIGINT to the process group) while the client connects and while tasks run: the one
  line ``clustersim: interrupted``, exit 130, no Dask traceback, no run stored as failed;
* the scheduler killed mid-sweep (a scheduler and worker of this test's own, real ``dask``
  processes): one line naming the scheduler, exit 1, no run stored as failed, a rerun resumes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _services import ROOT, clustersim, start_clustersim, wait_until

BASE = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"
RATE = "regimes.decree41_full.joint_project_subsidy.rate"
DASK = str(Path(sys.executable).parent / "dask")


def write_sweep(tmp: Path, name: str, reps: int) -> tuple[Path, int]:
    """Three design points over the real scenario with a 12-quarter horizon, two arms."""
    path = tmp / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nbase = "{BASE}"\nreplications = {reps}\n'
        'arms = ["de_facto", "decree41_full"]\n\n'
        f'[design]\nmethod = "grid"\n[[design.vary]]\nkey = "{RATE}"\nvalues = [0.1, 0.25, 0.4]\n'
        '[[design.vary]]\nkey = "scenario.horizon_quarters"\nvalues = [12]\n',
        encoding="utf-8",
    )
    return path, 3 * reps * 2


def stored(db: Path, table: str = "run") -> dict[str, int]:
    """Runs by status (``table="sweep"``: the number of sweeps, under key ``sweeps``)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            if table == "sweep":
                return {"sweeps": con.execute("SELECT count(*) FROM sweep").fetchone()[0]}
            return dict(con.execute("SELECT status, count(*) FROM run GROUP BY status").fetchall())
    except sqlite3.Error:
        return {}


def stop(proc: subprocess.Popen) -> None:
    """Kill a process's session if it still runs, and reap it."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


# -- Ctrl-C ----------------------------------------------------------------------------------------
@pytest.mark.dask
@pytest.mark.parametrize("moment", ["connecting", "running"])
def test_ctrl_c_of_a_dask_sweep_is_one_line_and_exit_130(tmp_path, dask_address, moment):
    path, _ = write_sweep(tmp_path, f"ctrlc_{moment}", reps=30)
    db = tmp_path / "c.sqlite"
    executor = "dask://" + dask_address.removeprefix("tcp://")
    proc = start_clustersim("sweep", str(path), "--db", f"sqlite:///{db}", "-q",
                            "--executor", executor)  # fmt: skip
    try:
        if moment == "connecting":  # the sweep is registered: the client connects and submits
            wait_until(lambda: stored(db, "sweep").get("sweeps") or proc.poll() is not None,
                       120, "the sweep to be registered")  # fmt: skip
        else:
            wait_until(lambda: stored(db) or proc.poll() is not None, 120, "the first runs")
        assert proc.poll() is None, proc.communicate()
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
        out, err = proc.communicate(timeout=60)
    finally:
        stop(proc)
    assert proc.returncode == 130, err
    assert err == "clustersim: interrupted\n", err
    assert out == ""
    assert stored(db).get("failed", 0) == 0


# -- the scheduler lost ----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_scheduler_lost_mid_sweep_stops_with_one_line_and_a_rerun_resumes(tmp_path):
    distributed = pytest.importorskip("distributed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path / "logs"
    logs.mkdir()

    def service(name: str, *args: str) -> subprocess.Popen:
        with open(logs / f"{name}.log", "w", encoding="utf-8") as log:
            return subprocess.Popen([DASK, *args], cwd=tmp_path, start_new_session=True,
                                    stdout=log, stderr=subprocess.STDOUT)  # fmt: skip

    scheduler = service("scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                        "--dashboard-address", "127.0.0.1:0")  # fmt: skip
    worker = service("worker", "worker", address, "--nworkers", "1", "--nthreads", "1",
                     "--no-dashboard", "--death-timeout", "30",
                     "--local-directory", str(tmp_path / "w"))  # fmt: skip
    path, total = write_sweep(tmp_path, "schedlost", reps=30)  # 180 runs
    db = tmp_path / "s.sqlite"
    sweep = None
    try:
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(1, timeout=120)
        sweep = start_clustersim("sweep", str(path), "--db", f"sqlite:///{db}", "-q",
                                 "--executor", f"dask://127.0.0.1:{port}")  # fmt: skip
        wait_until(lambda: stored(db) or sweep.poll() is not None, 180, "the first stored runs")
        assert sweep.poll() is None, sweep.communicate()
        os.killpg(scheduler.pid, signal.SIGKILL)
        lost = time.monotonic()
        out, err = sweep.communicate(timeout=60)
        took = time.monotonic() - lost
    finally:
        for proc in (sweep, scheduler, worker):
            if proc is not None:
                stop(proc)
    assert sweep.returncode == 1, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"clustersim: error: Dask scheduler {address} lost: "), err
    assert "none stored as failed" in lines[0] and "rerunning the same command resumes" in lines[0]
    assert "Traceback" not in err and "ClosedClientError" not in err and out == ""
    assert took < 20, f"{took:.1f} s to notice the scheduler was lost"
    before = stored(db)
    assert "failed" not in before and 0 < before["completed"] < total, before
    # the runs that never ran are not stored: a rerun (here on a local pool) does exactly them
    again = clustersim("sweep", str(path), "--db", f"sqlite:///{db}", "--workers", "2",
                       "--json", "-q")  # fmt: skip
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["skipped"] == before["completed"], result
    assert result["completed"] == total - before["completed"] and result["failed"] == 0, result
    assert stored(db) == {"completed": total}
