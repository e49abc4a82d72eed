"""Real services: sweeps on a Dask scheduler with two worker processes into PostgreSQL, faults.

* the shipped regime-comparison sweep on Dask + PostgreSQL compares equal to a local SQLite run;
* a Dask worker process SIGKILLed mid-sweep: every run stored exactly once;
* the sweep process SIGKILLed mid-sweep on PostgreSQL: the same command resumes, no duplicates;
* the database unreachable at start: one clear message, exit 1, nothing written anywhere;
* the database lost mid-sweep: a clean stop (exit 1, one message), a rerun resumes;
* two sweep processes writing into one new database at once: no lost runs, no lock errors.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from _services import (
    ROOT,
    PgDatabases,
    clustersim,
    masked,
    start_clustersim,
    wait_until,
)
from sqlalchemy import create_engine, inspect, text

pytestmark = [pytest.mark.postgres]

SHIPPED = ROOT / "scenarios" / "sweeps" / "regime_comparison_demand.toml"
BASE = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"
ARMS = ('["de_facto", "decree41_full", "cluster_support_2020s", "loans_only", '
        '"tax_relief_only", "placebo"]')  # fmt: skip
GROWTH = "market.demand_growth_per_year"


def dask_url(address: str) -> str:
    """The ``--executor`` value for a scheduler address (``tcp://host:port``)."""
    return "dask://" + address.removeprefix("tcp://")


def write_sweep(tmp: Path, name: str, reps: int, arms: str = ARMS) -> tuple[Path, int]:
    """The shipped regime comparison's design with another name and replication count."""
    path = tmp / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nbase = "{BASE}"\nreplications = {reps}\narms = {arms}\n\n'
        f'[design]\nmethod = "grid"\n[[design.vary]]\nkey = "{GROWTH}"\n'
        "values = [-0.02, 0.03, 0.06]\n",
        encoding="utf-8",
    )
    return path, 3 * reps * len(json.loads(arms))


def stored(url: str, sweep: str | None = None) -> dict[str, int]:
    """Counts of the stored runs (all sweeps, or one): rows, distinct keys, completed, ..."""
    engine = create_engine(url)
    where = "WHERE s.name = :sweep" if sweep else ""
    try:
        with engine.connect() as conn:
            if "run" not in inspect(conn).get_table_names():
                return {"runs": 0, "keys": 0, "completed": 0, "failed": 0, "orphans": 0}
            row = conn.execute(text(
                "SELECT count(*), count(DISTINCT (r.sweep_id, r.point, r.replicate, r.arm)), "
                "count(*) FILTER (WHERE r.status = 'completed'), "
                "count(*) FILTER (WHERE r.status = 'failed') "
                f"FROM run r JOIN sweep s ON s.id = r.sweep_id {where}"
            ), {"sweep": sweep}).one()  # fmt: skip
            orphans = conn.execute(text(
                "SELECT count(*) FROM run_outcome o LEFT JOIN run r ON r.id = o.run_id "
                "WHERE r.id IS NULL"
            )).scalar()  # fmt: skip
    except Exception:
        return {"runs": -1, "keys": -1, "completed": -1, "failed": -1, "orphans": -1}
    finally:
        engine.dispose()
    runs, keys, completed, failed = (int(x) for x in row)
    return {"runs": runs, "keys": keys, "completed": completed, "failed": failed,
            "orphans": int(orphans)}  # fmt: skip


def assert_complete(url: str, sweep: str, total: int) -> None:
    counts = stored(url, sweep)
    assert counts == {"runs": total, "keys": total, "completed": total, "failed": 0,
                      "orphans": 0}, counts  # fmt: skip


def finish(proc, timeout: float = 600) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


# -- Dask + PostgreSQL equals local + SQLite ------------------------------------------------------
@pytest.mark.dask
def test_shipped_sweep_on_dask_into_postgres_compares_equal_to_local_sqlite(
    tmp_path, pg_databases: PgDatabases, dask_address: str
):
    pg = pg_databases.create("compare")
    lite = f"sqlite:///{tmp_path / 'local.sqlite'}"
    name = "regime_comparison_demand"
    remote = clustersim(
        "sweep",
        str(SHIPPED),
        "--db",
        pg,
        "--executor",
        dask_url(dask_address),
        "--json",
        "-q",
    )
    assert remote.returncode == 0, remote.stderr
    local = clustersim("sweep", str(SHIPPED), "--db", lite, "--workers", "2", "--json", "-q")
    assert local.returncode == 0, local.stderr
    r, lo = json.loads(remote.stdout), json.loads(local.stdout)
    assert r["total"] == lo["total"] == r["completed"] == lo["completed"] == 180
    assert r["database"] == masked(pg) and "ci:***@" in r["database"]
    assert_complete(pg, name, 180)
    a = clustersim("compare", "--sweep", name, "--db", pg, "--json")
    b = clustersim("compare", "--sweep", name, "--db", lite, "--json")
    assert a.returncode == b.returncode == 0, a.stderr + b.stderr
    table = json.loads(a.stdout)
    assert table == json.loads(b.stdout)
    assert len(table) == 3 * 5  # 3 demand points x 5 regimes against de_facto


# -- a Dask worker killed --------------------------------------------------------------------------
@pytest.mark.dask
def test_worker_killed_mid_sweep_every_run_stored_exactly_once(
    tmp_path, pg_databases: PgDatabases, dask_address: str
):
    from distributed import Client

    pg = pg_databases.create("workerkill")
    path, total = write_sweep(tmp_path, "workerkill", reps=10)
    with Client(dask_address, timeout="15s") as client:
        client.wait_for_workers(2, timeout=60)
        pids = client.run(os.getpid)  # worker address -> pid of the worker process
        victim_address = sorted(pids)[0]
        proc = start_clustersim(
            "sweep",
            str(path),
            "--db",
            pg,
            "--executor",
            dask_url(dask_address),
            "--json",
            "-q",
        )
        try:
            wait_until(lambda: stored(pg)["runs"] >= 24 or proc.poll() is not None, 180,
                       "the first runs to be stored")  # fmt: skip
            # kill it while it is running a task of this sweep
            wait_until(lambda: bool(client.processing().get(victim_address)), 60,
                       "a task on the worker to kill")  # fmt: skip
            assert proc.poll() is None, "the sweep ended before the worker could be killed"
            n_before = stored(pg)["runs"]
            os.kill(pids[victim_address], signal.SIGKILL)
            rc, out, err = finish(proc)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        assert 0 < n_before < total
        assert rc == 0, err
        result = json.loads(out)
        # every run handed to the store once: no run lost, none delivered twice
        assert result["completed"] == total and result["failed"] == 0, result
        assert_complete(pg, "workerkill", total)
        # the nanny restarts the killed worker: the next tests have two workers again
        client.wait_for_workers(2, timeout=60)
        assert pids[victim_address] not in client.run(os.getpid).values()


@pytest.mark.dask
def test_finished_tasks_do_not_pile_up_on_the_cluster(
    tmp_path, pg_databases: PgDatabases, dask_address: str
):
    from distributed import Client

    pg = pg_databases.create("release")
    path, total = write_sweep(tmp_path, "release", reps=10)  # 30 chunks of 6 runs
    window = max(2, 3 * (os.cpu_count() or 1))  # chunks in flight (sim.run.runner.run_tasks)
    n_chunks = total // 6
    assert n_chunks > window + 8, "the sweep must have more chunks than the window"

    def n_tasks(dask_scheduler) -> int:  # runs on the scheduler
        return len(dask_scheduler.tasks)

    seen = []
    with Client(dask_address, timeout="15s") as client:
        proc = start_clustersim(
            "sweep",
            str(path),
            "--db",
            pg,
            "--executor",
            dask_url(dask_address),
            "--json",
            "-q",
        )
        try:
            while proc.poll() is None:
                seen.append(client.run_on_scheduler(n_tasks))
            rc, _out, err = finish(proc)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    assert rc == 0, err
    assert_complete(pg, "release", total)
    # each finished task is released once read: the scheduler never holds much more than the
    # chunks in flight (it would reach all 30 if finished futures were kept)
    assert max(seen) <= window + 4, (max(seen), window)


# -- the sweep process killed ----------------------------------------------------------------------
@pytest.mark.dask
def test_killed_sweep_process_resumes_on_postgres(
    tmp_path, pg_databases: PgDatabases, dask_address: str
):
    pg = pg_databases.create("sweepkill")
    path, total = write_sweep(tmp_path, "sweepkill", reps=10)
    cmd = ("sweep", str(path), "--db", pg, "--executor",
           dask_url(dask_address), "--json", "-q")  # fmt: skip
    proc = start_clustersim(*cmd)
    try:
        wait_until(lambda: stored(pg)["runs"] >= 24 or proc.poll() is not None, 180,
                   "the first runs to be stored")  # fmt: skip
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    n_before = stored(pg, "sweepkill")["runs"]
    assert 0 < n_before < total
    again = clustersim(*cmd)
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["skipped"] == n_before and result["completed"] == total - n_before, result
    assert_complete(pg, "sweepkill", total)


# -- the database unreachable at start -------------------------------------------------------------
def test_unreachable_server_at_start_one_message_nothing_written(tmp_path):
    path, _ = write_sweep(tmp_path, "nodb", reps=2)
    url = "postgresql+psycopg://ci:s3cret-pw@127.0.0.1:1/ci"  # nothing listens on port 1
    proc = clustersim("sweep", str(path), "--db", url, "--workers", "2", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(
        "clustersim: error: results database "
        "postgresql+psycopg://ci:***@127.0.0.1:1/ci is unavailable: "
    )
    assert "s3cret-pw" not in proc.stderr + proc.stdout and "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nodb.toml"]  # no SQLite fallback


def test_database_refusing_connections_at_start_nothing_half_written(
    tmp_path, pg_databases: PgDatabases
):
    pg = pg_databases.create("refuse")
    name = pg.rsplit("/", 1)[-1]
    path, _ = write_sweep(tmp_path, "refused", reps=2)
    pg_databases.block(name)
    proc = clustersim("sweep", str(path), "--db", pg, "--workers", "2", cwd=tmp_path)
    pg_databases.unblock(name)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"results database {masked(pg)} is unavailable" in lines[0], lines
    assert "Traceback" not in proc.stderr
    engine = create_engine(pg)
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []  # not even the schema
    finally:
        engine.dispose()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["refused.toml"]


# -- the database lost mid-sweep -------------------------------------------------------------------
@pytest.mark.parametrize("executor", [pytest.param("dask", marks=pytest.mark.dask), "processes"])
def test_database_lost_mid_sweep_stops_cleanly_and_rerun_resumes(
    tmp_path, pg_databases: PgDatabases, executor: str, request: pytest.FixtureRequest
):
    if executor == "dask":
        address = request.getfixturevalue("dask_address")
        ex = ["--executor", dask_url(address)]
    else:
        ex = ["--executor", "processes", "--workers", "2"]
    pg = pg_databases.create("lost")
    name = pg.rsplit("/", 1)[-1]
    path, total = write_sweep(tmp_path, "lost", reps=10)
    proc = start_clustersim("sweep", str(path), "--db", pg, *ex, "--json", "-q")
    try:
        wait_until(lambda: stored(pg)["runs"] >= 12 or proc.poll() is not None, 180,
                   "the first runs to be stored")  # fmt: skip
        assert proc.poll() is None, "the sweep ended before the database could be lost"
        pg_databases.block(name)
        rc, out, err = finish(proc, timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        pg_databases.unblock(name)
    assert rc == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"clustersim: error: results database {masked(pg)} is unavailable")
    assert "rerunning the same command resumes" in lines[0]
    assert "Traceback" not in err and out == ""
    before = stored(pg, "lost")
    assert 0 < before["runs"] < total and before["orphans"] == 0
    again = clustersim("sweep", str(path), "--db", pg, *ex, "--json", "-q")
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["skipped"] == before["completed"], result
    assert result["completed"] == total - before["completed"], result
    assert_complete(pg, "lost", total)


# -- several sweeps into one database at once ------------------------------------------------------
def test_two_sweeps_write_into_one_new_database_at_once(tmp_path, pg_databases: PgDatabases):
    pg = pg_databases.create("concurrent")
    a, total_a = write_sweep(tmp_path, "conc_a", reps=6)
    b, total_b = write_sweep(tmp_path, "conc_b", reps=6, arms='["de_facto", "decree41_full"]')
    procs = [start_clustersim("sweep", str(p), "--db", pg, "--executor", "processes",
                              "--workers", "1", "--json", "-q") for p in (a, b)]  # fmt: skip
    try:
        results = [finish(p) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    for rc, _out, err in results:
        assert rc == 0, err
        assert err == ""
    assert json.loads(results[0][1])["completed"] == total_a
    assert json.loads(results[1][1])["completed"] == total_b
    assert_complete(pg, "conc_a", total_a)
    assert_complete(pg, "conc_b", total_b)
