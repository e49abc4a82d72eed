"""Store safety on real SQLite files and real processes: one write path, read-only reading,
masked secrets, safe sweep names.

1. Several writer processes into one SQLite file never fail with "database is locked": every
   write transaction (runs, networks, scenarios, sweeps, migrations) begins ``IMMEDIATE``.
2. Reading never creates anything: a missing file is one clear error naming it, an unrelated or
   empty SQLite file and a non-SQLite file are refused untouched, an older schema is refused
   without being upgraded.
3. Reading works where nothing may be written: the bytes, mtime and directory listing of the
   database stay the same (no ``-wal``/``-shm``), and ``clustersim compare`` succeeds on a
   directory mounted read-only (a read-only bind mount in a user + mount namespace, which stops
   root too; chmod alone does not, and CI runs as root).
4. Passwords with ``@`` or of one letter are masked by the parsed URL, never by text search.
5. ``Store.create_sweep`` refuses sweep names that are unsafe as file names.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from alembic import command
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from sim import api
from sim.cli import main
from sim.errors import InputError, mask_url, mask_urls_in_text, parse_url
from sim.model.outcomes import OUTCOME_NAMES
from sim.run.results import RunKey, RunResult
from sim.run.sweepfile import load_sweep
from sim.scenario import apply_overrides
from sim.scenario.files import default_scenario
from sim.scenario.loader import scenario_hash
from sim.store import StoreError, StoreUnavailable, open_store
from sim.store.engine import (
    WRITE_OPTIONS,
    alembic_config,
    create_store_engine,
    error_reason,
    head_revision,
    resolve_url,
)
from sim.store.store import MAX_SWEEP_NAME, check_sweep_name

ROOT = Path(__file__).resolve().parents[1]
ARMS = ["de_facto", "decree41_full"]
PG_URL = os.environ.get("CLUSTERSIM_TEST_PG_URL")
AT_PASSWORD_URL = "postgresql+psycopg://ci:a@bZz9SECRET@127.0.0.1:1/db"
SHORT_PASSWORD_URL = "postgresql+psycopg://ci:e@127.0.0.1:1/db"


def clustersim_cmd() -> list[str]:
    """The installed ``clustersim`` script of this interpreter, else ``python -m sim``."""
    script = Path(sys.executable).with_name("clustersim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of a folder with its bytes and mtime (ns)."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real results database with one small stored sweep ``est`` (2 replications x 2 arms)."""
    folder = tmp_path_factory.mktemp("stored")
    db = folder / "results.sqlite"
    sc = apply_overrides(default_scenario(), {"scenario.horizon_quarters": 8})
    results = api.run_pairs(sc, replications=2, arms=ARMS)
    api.store_runs("est", sc, results, replications=2, seed=sc.experiment.seed, arms=ARMS,
                   db=f"sqlite:///{db}")  # fmt: skip
    assert sorted(p.name for p in folder.iterdir()) == ["results.sqlite"]  # closed cleanly
    return db


def copy_of(db: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy2(db, folder / db.name))


# ============================================================================================
# 1. Concurrent writers
# ============================================================================================
WRITER = r"""
import sys, time
from pathlib import Path
import numpy as np
import pandas as pd
from sim.model.outcomes import OUTCOME_NAMES
from sim.run.results import RunKey, RunResult
from sim.store import open_store

folder, index, n_proc, batches, rounds = Path(sys.argv[1]), *map(int, sys.argv[2:6])
nodes = pd.DataFrame({"firm": [1, 2, 3], "kind": ["large", "sme", "sme"],
                      "role": ["buyer", "supplier", "supplier"], "trade": ["hull", "hull", "pipe"],
                      "participant": [True, False, True], "employment": [100.0, 10.0, 5.0],
                      "output": [1e3, 1e2, 50.0]})
edges = pd.DataFrame({"buyer": [1, 1], "seller": [2, 3], "volume": [5.0, 2.0]})
for round_ in range(rounds):
    # all processes start each round together, on a new file (they also race to create it)
    (folder / f"ready-{round_}-{index}").touch()
    deadline = time.monotonic() + 60
    while len(list(folder.glob(f"ready-{round_}-*"))) < n_proc:
        assert time.monotonic() < deadline, "the other writers did not start"
        time.sleep(0.002)
    with open_store(f"sqlite:///{folder / f'round{round_}.sqlite'}") as store:
        store.put_scenario("hash-x", "x", "X", "x = 1\n", "{}")
        sid = store.create_sweep(f"w{index}", "hash-x", {}, 1, 1, ["a", "b"], "sweep",
                                 [(i, {}, "hash-x") for i in range(batches)])
        for i in range(batches):
            store.write_batch(sid, [
                RunResult(key=RunKey(i, 0, arm), seed=i, status="completed",
                          outcomes=np.full((4, len(OUTCOME_NAMES)), float(i)),
                          network=(nodes, edges))
                for arm in ("a", "b")
            ])
            assert len(store.stored_keys(sid)) == 2 * (i + 1)  # reads between the writes
print("ok")
"""


def test_concurrent_writer_processes_never_hit_database_is_locked(tmp_path: Path) -> None:
    """Five processes write 25 small batches with networks each into one new file, 3 times."""
    n_proc, batches, rounds = 5, 20, 3
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), str(i), str(n_proc), str(batches),
             str(rounds)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for i in range(n_proc)
    ]  # fmt: skip
    outputs = [p.communicate(timeout=180) for p in procs]
    failures = [
        (p.returncode, err[-2000:])
        for p, (_, err) in zip(procs, outputs, strict=True)
        if p.returncode != 0
    ]
    if failures:  # the whole error of each writer (an assertion's repr would cut it short)
        pytest.fail("\n\n".join(f"writer exited {rc}:\n{err}" for rc, err in failures))
    assert [out.strip() for out, _ in outputs] == ["ok"] * n_proc
    for round_ in range(rounds):
        with open_store(str(tmp_path / f"round{round_}.sqlite"), readonly=True) as store:
            sweeps = store.list_sweeps()
            assert sorted(sweeps["name"]) == [f"w{i}" for i in range(n_proc)]
            assert (sweeps["n_completed"] == 2 * batches).all()
            with store.engine.connect() as conn:
                nodes = conn.execute(text("SELECT count(*) FROM run_node")).scalar()
                edges = conn.execute(text("SELECT count(*) FROM run_network")).scalar()
            assert (nodes, edges) == (n_proc * 2 * batches * 3, n_proc * 2 * batches * 2)


def test_every_write_transaction_begins_immediate(tmp_path: Path) -> None:
    """Scenarios, sweeps, runs and networks: one write path, the lock taken at BEGIN."""
    store = open_store(f"sqlite:///{tmp_path / 'w.sqlite'}")
    statements: list[str] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split()[:3]).upper())

    with store:
        store.put_scenario("h", "x", "X", "x = 1\n", "{}")
        sid = store.create_sweep("s1", "h", {}, 1, 1, ["a"], "sweep", [(0, {}, "h")])
        nodes = pd.DataFrame(
            {
                "firm": [1],
                "kind": ["large"],
                "role": ["buyer"],
                "trade": ["t"],
                "participant": [True],
                "employment": [1.0],
                "output": [2.0],
            }
        )
        edges = pd.DataFrame({"buyer": [1], "seller": [1], "volume": [1.0]})
        store.write_batch(sid, [RunResult(RunKey(0, 0, "a"), 1, "completed",
                                          outcomes=np.ones((2, len(OUTCOME_NAMES))),
                                          network=(nodes, edges))])  # fmt: skip
        assert store.network("s1", "a")[0]["firm"].tolist() == [1]
    writes = [i for i, s in enumerate(statements) if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert any(statements[i].startswith("INSERT INTO") for i in writes)
    assert {"INSERT INTO RUN_NODE", "INSERT INTO RUN_NETWORK", "INSERT INTO SWEEP"} <= {
        statements[i].split("(")[0].strip() for i in writes
    }
    for i in writes:  # the transaction around every write began with BEGIN IMMEDIATE
        opened = [s for s in statements[:i] if s.startswith("BEGIN")][-1]
        assert opened == "BEGIN IMMEDIATE", statements


def test_a_read_only_store_refuses_every_write(stored: Path, tmp_path: Path) -> None:
    db = copy_of(stored, tmp_path / "ro")
    before = snapshot(db.parent)
    with open_store(f"sqlite:///{db}", readonly=True) as store:
        assert store.readonly
        with pytest.raises(StoreError, match="read-only"):
            store.put_scenario("h", "x", "X", "", "{}")
        with pytest.raises(StoreError, match="read-only"):
            store.create_sweep("s2", "h", {}, 1, 1, ["a"], "sweep", [])
        failed = [RunResult(RunKey(0, 0, "a"), 1, "failed", error="x")]
        with pytest.raises(StoreError, match="read-only"):
            store.write_runs(1, failed)
        with pytest.raises(StoreError, match="read-only"):
            store.write_batch(1, failed)
        # and below the store, SQLite itself refuses (query_only / mode=ro)
        with (
            pytest.raises(Exception, match=r"readonly|read-only|query_only|attempt to write"),
            store.engine.begin() as conn,
        ):
            conn.execute(text("DELETE FROM run"))
    assert snapshot(db.parent) == before


# ============================================================================================
# 2. Reading never creates anything
# ============================================================================================
READERS = {
    "list_sweeps": lambda db, out: api.list_sweeps(db),
    "read": lambda db, out: api.read("est", db),
    "compare_sweep": lambda db, out: api.compare_sweep("est", db),
    "sensitivity": lambda db, out: api.sensitivity("est", "sobol", "output", db=db),
    "build_report": lambda db, out: api.build_report("est", out, db=db, langs=["en"],
                                                     formats=["html"]),
    "export_sweep": lambda db, out: api.export_sweep("est", out, "csv", db=db),
}  # fmt: skip


@pytest.mark.parametrize("reader", sorted(READERS))
def test_reading_a_missing_database_creates_nothing(reader: str, tmp_path: Path) -> None:
    db = tmp_path / "typo" / "resluts.sqlite"
    with pytest.raises(StoreUnavailable) as info:
        READERS[reader](f"sqlite:///{db}", tmp_path / "out")
    assert f"no database file {db}" in str(info.value)
    assert not db.parent.exists()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_cli_reading_a_missing_database_is_one_line_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLUSTERSIM_DB", raising=False)
    for argv in (["compare", "--sweep", "x", "--db", "typo/x.sqlite"],
                 ["compare", "--sweep", "x"],  # the default results/clustersim.sqlite
                 ["sensitivity", "--sweep", "x", "--method", "sobol", "--outcome", "output",
                  "--db", "typo/x.sqlite"],
                 ["export", "--sweep", "x", "--db", "typo/x.sqlite", "--out", "out"]):  # fmt: skip
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1, err
        assert err.startswith("clustersim: error: results database sqlite:///"), err
        assert "no database file" in err and "reading never creates one" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["unrelated", "empty_sqlite", "empty_file", "text"])
def test_a_file_that_is_not_a_clustersim_database_is_refused_untouched(
    kind: str, tmp_path: Path
) -> None:
    db = tmp_path / "other.db"
    if kind == "unrelated":
        with sqlite3.connect(db) as con:
            con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
            con.execute("INSERT INTO notes (body) VALUES ('keep me')")
        con.close()
    elif kind == "empty_sqlite":
        db.write_bytes(sqlite3_empty_database())
    elif kind == "empty_file":
        db.touch()
    else:
        db.write_text("name,value\na,1\n", encoding="utf-8")
    before = snapshot(tmp_path)
    with pytest.raises(StoreUnavailable, match="not a clustersim results database"):
        api.compare_sweep("est", db=f"sqlite:///{db}")
    with pytest.raises(StoreUnavailable, match="not a clustersim results database"):
        api.list_sweeps(str(db))
    assert snapshot(tmp_path) == before
    if kind == "unrelated":
        with sqlite3.connect(db) as con:
            tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master")]
        con.close()
        assert tables == ["notes"]


def sqlite3_empty_database() -> bytes:
    """The bytes of a valid SQLite database without any table (header page only)."""
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (x)")
    con.execute("DROP TABLE t")
    data = con.serialize()
    con.close()
    return data


def test_an_older_schema_is_refused_for_reading_and_not_upgraded(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    url = resolve_url(f"sqlite:///{db}")
    engine = create_store_engine(url)
    try:
        cfg = alembic_config()
        with engine.execution_options(**WRITE_OPTIONS).begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0002")
    finally:
        engine.dispose()
    before = snapshot(tmp_path)
    with pytest.raises(StoreUnavailable) as info:
        api.compare_sweep("est", db=str(db))
    head = head_revision()
    assert head != "0002"
    assert f"schema revision 0002, older than this clustersim's {head}" in str(info.value)
    assert "reading never upgrades it" in str(info.value)
    assert snapshot(tmp_path) == before
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]
    con.close()


def test_a_newer_schema_is_refused_for_reading(stored: Path, tmp_path: Path) -> None:
    db = copy_of(stored, tmp_path)
    with sqlite3.connect(db) as con:
        con.execute("UPDATE alembic_version SET version_num = 'ffff-future'")
    con.close()
    before = snapshot(tmp_path)
    with pytest.raises(StoreUnavailable, match="ffff-future is unknown"):
        api.list_sweeps(str(db))
    assert snapshot(tmp_path) == before


# ============================================================================================
# 3. Reading where nothing may be written
# ============================================================================================
def test_reading_changes_no_byte_and_leaves_no_wal_or_shm(stored: Path, tmp_path: Path) -> None:
    db = copy_of(stored, tmp_path / "db")
    os.utime(db, ns=(1_000_000_000, 1_000_000_000))  # an old mtime: any write would change it
    before = snapshot(db.parent)
    url = f"sqlite:///{db}"
    table = api.compare_sweep("est", db=url)
    assert list(table["arm"]) == ["decree41_full"]
    assert list(api.list_sweeps(url)["name"]) == ["est"]
    api.export_sweep("est", tmp_path / "export", "csv", db=url)
    with open_store(url, readonly=True) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA query_only").scalar() == 1
    assert db.read_bytes()[18:20] == b"\x02\x02"  # still WAL: no journal-mode pragma was sent
    assert snapshot(db.parent) == before  # same bytes, same mtime, no -wal / -shm


def test_reading_while_a_writer_has_the_database_open(stored: Path, tmp_path: Path) -> None:
    """With a -wal file (a writer at work) reading goes through SQLite's locks and sees commits."""
    db = copy_of(stored, tmp_path)
    url = f"sqlite:///{db}"
    with open_store(url) as writer:
        writer.put_scenario("h2", "y", "Y", "y = 1\n", "{}")
        writer.create_sweep("second", "h2", {}, 1, 1, ["a"], "sweep", [(0, {}, "h2")])
        with writer.engine.connect() as held:  # keeps the -wal file while reading
            held.exec_driver_sql("SELECT 1").all()
            assert (tmp_path / "results.sqlite-wal").exists()
            assert list(api.list_sweeps(url)["name"]) == ["est", "second"]
            assert list(api.compare_sweep("est", db=url)["arm"]) == ["decree41_full"]


def test_a_checkpoint_during_an_unlocked_read_is_refused(stored: Path, tmp_path: Path) -> None:
    db = copy_of(stored, tmp_path)
    url = f"sqlite:///{db}"
    with open_store(url, readonly=True) as reader:
        with (
            pytest.raises(StoreUnavailable, match="wrote to the database while it was read"),
            reader.reading() as conn,
        ):
            conn.exec_driver_sql("SELECT count(*) FROM run").all()
            with open_store(url) as writer:  # writes, then checkpoints into the file
                writer.put_scenario("h3", "z", "Z", "z = 1\n", "{}")
        assert len(reader.list_sweeps()) == 1  # a fresh read is fine again


def _readonly_runner(folder: Path) -> tuple[list[str], str]:
    """A command prefix that runs a command with ``folder`` really read-only, and how.

    A read-only bind mount in a new user + mount namespace stops every writer, root included
    (root ignores chmod, and CI runs as root). Without ``unshare``, a non-root user gets chmod.
    """
    unshare = shutil.which("unshare")
    if unshare:
        probe = subprocess.run([unshare, "--user", "--map-root-user", "--mount", "true"],
                               capture_output=True)  # fmt: skip
        if probe.returncode == 0:
            script = ('mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && '
                      'exec "$@"')  # fmt: skip
            return [unshare, "--user", "--map-root-user", "--mount", "sh", "-c", script,
                    str(folder)], "read-only bind mount"  # fmt: skip
    if os.geteuid() != 0:
        return [], "chmod"
    pytest.skip("running as root without user namespaces: no way to make a folder read-only")


def test_cli_compare_works_on_a_read_only_directory(stored: Path, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    db = copy_of(stored, folder)
    before = snapshot(folder)
    prefix, how = _readonly_runner(folder)
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        # the folder is really read-only for this command: a write is refused
        probe = subprocess.run([*prefix, sys.executable, "-c",
                                f"open({str(folder / 'probe')!r}, 'w')"],
                               capture_output=True, text=True)  # fmt: skip
        assert probe.returncode != 0 and (
            "Read-only" in probe.stderr or "Permission denied" in probe.stderr
        ), (how, probe)
        done = subprocess.run(
            [*prefix, *clustersim_cmd(), "compare", "--sweep", "est", "--db", f"sqlite:///{db}",
             "--json"],
            capture_output=True, text=True, timeout=120, cwd=folder,
        )  # fmt: skip
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)
    assert done.returncode == 0, (how, done.stderr)
    assert "decree41_full" in done.stdout
    assert "readonly database" not in done.stderr
    assert snapshot(folder) == before


# ============================================================================================
# 4. Secrets
# ============================================================================================
def test_a_password_with_at_signs_is_parsed_and_masked_whole() -> None:
    url = parse_url(AT_PASSWORD_URL)
    assert (url.username, url.password, url.host, url.port) == ("ci", "a@bZz9SECRET",
                                                                "127.0.0.1", 1)  # fmt: skip
    assert mask_url(AT_PASSWORD_URL) == "postgresql+psycopg://ci:***@127.0.0.1:1/db"
    assert mask_url(url) == "postgresql+psycopg://ci:***@127.0.0.1:1/db"
    # the connection uses the same parse: the host is not "bZz9SECRET@127.0.0.1"
    assert resolve_url(AT_PASSWORD_URL).host == "127.0.0.1"
    # encoded passwords keep working, and URLs without one are unchanged
    assert parse_url("postgresql://u:p%40ss@h/db").password == "p@ss"
    assert mask_url("postgresql://ci@localhost/ci") == "postgresql://ci@localhost/ci"


@pytest.mark.parametrize("raw", [AT_PASSWORD_URL, SHORT_PASSWORD_URL])
def test_free_text_masks_the_url_as_written_and_nothing_else(raw: str) -> None:
    message = (f'connection error: could not connect to "{raw}": connection refused; '
               "password=e is wrong; the server sent an error")  # fmt: skip
    masked = mask_urls_in_text(message)
    assert "SECRET" not in masked and "bZz9" not in masked
    assert masked == (
        'connection error: could not connect to "postgresql+psycopg://ci:***@127.0.0.1:1/db": '
        "connection refused; password=*** is wrong; the server sent an error"
    )


def test_error_reason_masks_the_url_not_the_letters_of_the_password() -> None:
    url = make_url(SHORT_PASSWORD_URL)
    reason = error_reason(RuntimeError(
        f"connection failed: connection to server at 127.0.0.1 refused ({url!r} "
        f"{url.render_as_string(hide_password=False)})"), url)  # fmt: skip
    assert reason.startswith("connection failed: connection to server at 127.0.0.1 refused")
    assert ":e@" not in reason and "ci:***@127.0.0.1:1/db" in reason


@pytest.mark.parametrize("raw", [AT_PASSWORD_URL, SHORT_PASSWORD_URL])
def test_unreachable_postgres_message_keeps_words_and_hides_password(
    raw: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreUnavailable) as info:
        open_store(raw, readonly=True)
    assert info.value.url_masked == "postgresql+psycopg://ci:***@127.0.0.1:1/db"
    assert main(["compare", "--sweep", "x", "--db", raw]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "SECRET" not in err and "bZz9" not in err and ":e@" not in err
    assert err.startswith(
        "clustersim: error: results database "
        "postgresql+psycopg://ci:***@127.0.0.1:1/db is unavailable: "
    )
    assert "connection" in err.lower() and "***" not in err.split("is unavailable:")[1]


def test_cli_process_does_not_print_a_password_with_at_signs() -> None:
    pytest.importorskip("psycopg")
    done = subprocess.run(
        [*clustersim_cmd(), "compare", "--sweep", "x", "--db", AT_PASSWORD_URL],
        capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if k != "CLUSTERSIM_DB"},
    )  # fmt: skip
    assert done.returncode == 1
    assert "SECRET" not in done.stderr + done.stdout and "bZz9" not in done.stderr + done.stdout
    assert "postgresql+psycopg://ci:***@127.0.0.1:1/db" in done.stderr
    assert "connection" in done.stderr.lower()


# ============================================================================================
# 5. Sweep names
# ============================================================================================
BAD_NAMES = [
    "",
    ".hidden",
    "..",
    "-rf",
    "../escaped",
    "a/b",
    "a\\b",
    "a\x00b",
    "=1+2",
    "+cmd",
    "@sum",
    "with space",
    "naïve",
    "line\n",
    "x" * (MAX_SWEEP_NAME + 1),
    "a;b",
    "a:b",
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_unsafe_sweep_names_are_refused_by_the_store(name: str, tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'n.sqlite'}") as store:
        store.put_scenario("h", "x", "X", "x = 1\n", "{}")
        with pytest.raises(InputError) as info:
            store.create_sweep(name, "h", {}, 1, 1, ["a"], "sweep", [(0, {}, "h")])
        assert store.list_sweeps().empty
    (problem,) = info.value.problems
    assert problem.parameter and problem.key == "sweep"
    assert "ASCII letters, digits, '_', '-' and '.'" in problem.message
    assert "\x00" not in str(info.value) and "\n" not in str(info.value)


def generated_names() -> list[str]:
    """Names clustersim itself makes: runs, shipped sweep files, the page's default."""
    sc = default_scenario()
    h = scenario_hash(sc)
    run = f"run-{sc.scenario.name}-{h[:10]}-r20-s{sc.experiment.seed}"
    app = f"app-{'s' * 64}-{'r' * 64}-{h[:8]}-r200-s{2**64}"  # longest scenario and regime
    sweeps = [load_sweep(p).name for p in sorted((ROOT / "scenarios" / "sweeps").glob("*.toml"))]
    return [run, app, *sweeps, "est", "s1", "session-variant-1", "run-x-2", "v1.2_final"]


def test_generated_and_ordinary_names_pass(tmp_path: Path) -> None:
    names = generated_names()
    assert all(check_sweep_name(n) == n for n in names)
    with open_store(f"sqlite:///{tmp_path / 'n.sqlite'}") as store:
        store.put_scenario("h", "x", "X", "x = 1\n", "{}")
        for name in names:
            store.create_sweep(name, "h", {}, 1, 1, ["a"], "sweep", [(0, {}, "h")])
        assert list(store.list_sweeps()["name"]) == names


def test_a_sweep_file_with_an_unsafe_name_stops_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = tmp_path / "my sweep.toml"  # the name defaults to the file stem
    sweep.write_text(
        f'base = "{ROOT / "scenarios" / "astrakhan_shipbuilding.toml"}"\nreplications = 1\n'
        'arms = ["de_facto", "decree41_full"]\n', encoding="utf-8",
    )  # fmt: skip
    db = tmp_path / "s.sqlite"
    assert main(["sweep", str(sweep), "--db", str(db), "--executor", "local", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "sweep name 'my sweep' is not allowed" in err
    with open_store(str(db), readonly=True) as store:
        assert store.list_sweeps().empty


# ============================================================================================
# PostgreSQL (CI runs these against a real server)
# ============================================================================================
@pytest.mark.postgres
def test_postgres_reading_creates_no_schema_and_sessions_are_read_only() -> None:
    schema = f"test_safety_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    url_text = url.render_as_string(hide_password=False)
    try:
        with pytest.raises(StoreUnavailable, match="not a clustersim results database"):
            open_store(url_text, readonly=True)
        with admin.connect() as conn:
            assert inspect(conn).get_table_names(schema=schema) == []
        with open_store(url_text) as store:
            store.put_scenario("h", "x", "X", "x = 1\n", "{}")
            store.create_sweep("s1", "h", {}, 1, 1, ["a"], "sweep", [(0, {}, "h")])
        with open_store(url_text, readonly=True) as store:
            assert list(store.list_sweeps()["name"]) == ["s1"]
            with (
                pytest.raises(Exception, match="read-only transaction"),
                store.engine.begin() as conn,
            ):
                conn.execute(text("DELETE FROM sweep"))
            assert list(store.list_sweeps()["name"]) == ["s1"]
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
