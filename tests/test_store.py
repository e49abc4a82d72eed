"""Results store on real SQLite files: schema, migrations, round trips, resume, atomicity."""

from __future__ import annotations

import math
import os
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from sim.model.outcomes import OUTCOME_NAMES
from sim.run.results import RunKey, RunResult
from sim.store import (
    DEFAULT_SQLITE_PATH,
    Store,
    StoreUnavailable,
    SweepConflict,
    SweepNotFound,
    mask_url,
    open_store,
)
from sim.store.engine import (
    MIGRATIONS_DIR,
    WRITE_OPTIONS,
    alembic_config,
    create_store_engine,
    head_revision,
    resolve_url,
)
from sim.store.rows import existing_runs
from sim.store.tables import metadata, run, run_outcome

N_OUT = len(OUTCOME_NAMES)
H = 8
ARMS = ["baseline", "policy"]
TABLES = {"scenario", "sweep", "design_point", "run", "run_outcome", "run_node", "run_network"}

# Set CLUSTERSIM_TEST_PG_URL (e.g. postgresql+psycopg://ci:ci@127.0.0.1/ci) to run the database
# tests on PostgreSQL too, each in a schema of its own that is dropped afterwards.
PG_URL = os.environ.get("CLUSTERSIM_TEST_PG_URL")
BACKENDS = ["sqlite", *([pytest.param("postgres", marks=pytest.mark.postgres)] if PG_URL else [])]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'results.sqlite'}"
        return
    schema = f"test_store_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def store(db_url: str):
    with open_store(db_url) as opened:
        yield opened


def outcomes_array(seed: int, horizon: int = H) -> np.ndarray:
    values = np.random.default_rng(seed).normal(scale=1e3, size=(horizon, N_OUT))
    values[0, 0] = 0.1 + 0.2  # not exactly representable in decimal
    values[1, 1] = 1e-300
    values[2, 2] = -1.7976931348623157e308
    values[3, 3] = math.nan
    return values


def completed(point: int, replicate: int, arm: str, seed: int = 1) -> RunResult:
    return RunResult(
        key=RunKey(point, replicate, arm),
        seed=seed,
        status="completed",
        outcomes=outcomes_array(seed),
        wall_seconds=1.25,
        registered_quarter=3,
        code_version="0.1.0",
    )


def failed(point: int, replicate: int, arm: str, seed: int = 1) -> RunResult:
    return RunResult(
        key=RunKey(point, replicate, arm),
        seed=seed,
        status="failed",
        error="RuntimeError: boom",
        wall_seconds=0.5,
        code_version="0.1.0",
    )


def make_sweep(store: Store, name: str = "s1", **changes) -> int:
    store.put_scenario("hash-a", "astrakhan", "Astrakhan", "name = 'astrakhan'\n", '{"a":1}')
    args = {
        "scenario_hash": "hash-a",
        "spec": {"parameters": {"economy.rate": [0.1, 0.2]}, "method": "grid"},
        "root_seed": 20240917,
        "replications": 2,
        "arms": ARMS,
        "kind": "sweep",
        "points": [(0, {"economy.rate": 0.1}, "hash-p0"), (1, {"economy.rate": 0.2}, "hash-p1")],
    }
    args.update(changes)
    return store.create_sweep(name, **args)


def count(store: Store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


# -- round trips ---------------------------------------------------------------------------


def test_round_trip_scenario_sweep_runs_outcomes(store: Store) -> None:
    sweep_id = make_sweep(store)
    results = [
        completed(p, r, a, seed=100 * p + 10 * r + i)
        for p in (0, 1)
        for r in (0, 1)
        for i, a in enumerate(ARMS)
    ]
    results.append(failed(1, 2, "policy", seed=7))
    store.write_runs(sweep_id, list(reversed(results)))  # order of writing does not matter

    assert store.scenario_text("hash-a") == "name = 'astrakhan'\n"
    assert store.scenario_for_sweep("s1") == {
        "hash": "hash-a",
        "name": "astrakhan",
        "title": "Astrakhan",
        "toml_text": "name = 'astrakhan'\n",
    }
    sweep = store.get_sweep("s1")
    assert sweep is not None
    assert sweep["id"] == sweep_id
    assert sweep["spec"] == {"parameters": {"economy.rate": [0.1, 0.2]}, "method": "grid"}
    assert (sweep["root_seed"], sweep["replications"], sweep["arms"]) == (20240917, 2, ARMS)
    assert sweep["kind"] == "sweep"
    assert sweep["code_version"]

    runs = store.runs("s1")
    assert list(runs.columns) == [
        "sweep", "point", "replicate", "arm", "seed", "status", "error", "wall_seconds",
        "registered_quarter", "code_version",
    ]  # fmt: skip
    assert len(runs) == 9
    assert set(runs["status"]) == {"completed", "failed"}
    bad = runs[runs["status"] == "failed"].iloc[0]
    assert (bad["point"], bad["replicate"], bad["arm"], bad["seed"]) == (1, 2, "policy", 7)
    assert bad["error"] == "RuntimeError: boom"
    assert runs[runs["status"] == "completed"]["registered_quarter"].eq(3).all()
    assert runs["wall_seconds"].iloc[0] == 1.25

    frame = store.outcomes("s1")
    assert list(frame.columns) == ["point", "replicate", "arm", "quarter", *OUTCOME_NAMES]
    assert len(frame) == 8 * H
    keys = list(frame[["point", "replicate", "arm", "quarter"]].itertuples(index=False))
    assert keys == sorted(keys)
    for result in results[:-1]:
        k = result.key
        sub = frame[(frame["point"] == k.point) & (frame["replicate"] == k.replicate)
                    & (frame["arm"] == k.arm)]  # fmt: skip
        assert list(sub["quarter"]) == list(range(1, H + 1))
        np.testing.assert_array_equal(sub[list(OUTCOME_NAMES)].to_numpy(), result.outcomes)

    subset = store.outcomes("s1", ["employment", "output"])
    assert list(subset.columns) == ["point", "replicate", "arm", "quarter", "employment", "output"]
    np.testing.assert_array_equal(subset["output"].to_numpy(), frame["output"].to_numpy())
    assert len(store.outcomes("s1", status=None)) == 8 * H
    assert store.outcomes("s1", status="failed").empty

    points = store.design_points("s1")
    assert list(points.columns) == ["point", "economy.rate"]
    assert points["economy.rate"].tolist() == [0.1, 0.2]
    with_hash = store.design_points("s1", include_hash=True)
    assert with_hash["scenario_hash"].tolist() == ["hash-p0", "hash-p1"]

    listed = store.list_sweeps()
    assert listed["name"].tolist() == ["s1"]
    row = listed.iloc[0]
    assert (row["n_points"], row["n_completed"], row["n_failed"]) == (2, 8, 1)


def test_unknown_names(store: Store) -> None:
    make_sweep(store)
    assert store.get_sweep("nope") is None
    with pytest.raises(SweepNotFound, match="no sweep named 'nope'"):
        store.runs("nope")
    with pytest.raises(SweepNotFound):
        store.outcomes("nope")
    with pytest.raises(KeyError, match="unknown outcome"):
        store.outcomes("s1", ["not_an_outcome"])
    with pytest.raises(KeyError):
        store.scenario_text("missing")
    with pytest.raises(ValueError, match="put_scenario"):
        store.create_sweep("s2", "missing", {}, 1, 1, ARMS, "run", [])
    assert store.outcomes("s1").empty


def test_put_scenario_is_idempotent(store: Store) -> None:
    from sim.store.tables import scenario

    for _ in range(3):
        store.put_scenario("h", "n", "t", "toml", "{}")
    assert count(store, scenario) == 1


def test_large_root_seed_round_trips(store: Store) -> None:
    make_sweep(store, root_seed=2**100 + 1)
    assert store.get_sweep("s1")["root_seed"] == 2**100 + 1
    assert make_sweep(store, root_seed=2**100 + 1) == store.get_sweep("s1")["id"]


# -- resume semantics ----------------------------------------------------------------------


def test_create_sweep_twice_identical_returns_same_id(store: Store) -> None:
    first = make_sweep(store)
    second = make_sweep(store)
    assert first == second
    assert len(store.list_sweeps()) == 1
    assert len(store.design_points("s1")) == 2


def test_resume_with_numpy_and_nan_in_spec(store: Store) -> None:
    spec = {"bounds": np.array([0.0, 1.0]), "n": np.int64(4), "missing": math.nan}
    assert make_sweep(store, spec=spec) == make_sweep(store, spec=dict(spec))


@pytest.mark.parametrize(
    "change",
    [
        {"root_seed": 1},
        {"replications": 3},
        {"arms": ["baseline"]},
        {"spec": {"parameters": {"economy.rate": [0.1, 0.3]}, "method": "grid"}},
        {"scenario_hash": "hash-b"},
    ],
)
def test_create_sweep_with_different_definition_conflicts(store: Store, change: dict) -> None:
    make_sweep(store)
    store.put_scenario("hash-b", "other", "Other", "", "{}")
    with pytest.raises(SweepConflict) as info:
        make_sweep(store, **change)
    message = str(info.value)
    assert "'s1' is already taken by a different sweep" in message
    assert "s1-2" in message  # a suggested free name
    assert next(iter(change)) in message  # says what differs
    assert len(store.list_sweeps()) == 1


# -- write_runs semantics ------------------------------------------------------------------


def test_writing_the_same_completed_run_twice_keeps_one(store: Store) -> None:
    sweep_id = make_sweep(store)
    store.write_runs(sweep_id, [completed(0, 0, "baseline", seed=1)])
    store.write_runs(sweep_id, [completed(0, 0, "baseline", seed=2)])  # different values
    store.write_runs(sweep_id, [completed(0, 0, "baseline", seed=3)] * 2)  # duplicate in batch
    assert count(store, run) == 1
    assert count(store, run_outcome) == H
    np.testing.assert_array_equal(
        store.outcomes("s1")[list(OUTCOME_NAMES)].to_numpy(), outcomes_array(1)
    )
    assert store.stored_keys(sweep_id) == {RunKey(0, 0, "baseline")}


def test_failed_then_completed_replaces(store: Store) -> None:
    sweep_id = make_sweep(store)
    store.write_runs(sweep_id, [failed(0, 1, "policy"), completed(0, 0, "policy")])
    assert store.stored_keys(sweep_id, status="failed") == {RunKey(0, 1, "policy")}
    assert store.stored_keys(sweep_id, status=None) == {RunKey(0, 1, "policy"),
                                                        RunKey(0, 0, "policy")}  # fmt: skip

    store.write_runs(sweep_id, [completed(0, 1, "policy", seed=5)])
    assert store.stored_keys(sweep_id, status="failed") == set()
    assert store.stored_keys(sweep_id) == {RunKey(0, 1, "policy"), RunKey(0, 0, "policy")}
    assert count(store, run) == 2
    assert count(store, run_outcome) == 2 * H
    runs = store.runs("s1")
    retried = runs[runs["replicate"] == 1].iloc[0]
    assert (retried["status"], retried["seed"], retried["error"]) == ("completed", 5, None)

    # a later failure never overwrites a completed run
    store.write_runs(sweep_id, [failed(0, 1, "policy", seed=9)])
    assert store.stored_keys(sweep_id, status="failed") == set()
    assert count(store, run_outcome) == 2 * H


def test_failed_then_completed_within_one_batch(store: Store) -> None:
    sweep_id = make_sweep(store)
    store.write_runs(
        sweep_id,
        [failed(1, 0, "baseline"), completed(1, 0, "baseline", seed=4), failed(1, 0, "baseline")],
    )
    assert store.stored_keys(sweep_id, status=None) == {RunKey(1, 0, "baseline")}
    assert store.runs("s1")["status"].tolist() == ["completed"]
    assert count(store, run_outcome) == H


def test_failed_batch_leaves_database_unchanged(store: Store) -> None:
    sweep_id = make_sweep(store)
    store.write_runs(sweep_id, [completed(0, 0, "baseline"), failed(0, 1, "baseline")])
    before_runs = store.runs("s1")
    before_outcomes = store.outcomes("s1", status=None)

    wrong_shape = completed(1, 1, "policy")
    wrong_shape.outcomes = np.zeros((H, N_OUT - 1))
    batch = [
        completed(0, 1, "baseline", seed=8),  # would replace the failed run (a delete)
        completed(1, 0, "policy", seed=9),  # a new run with outcome rows
        wrong_shape,  # its shape is checked before anything of the batch is sent
    ]
    with pytest.raises(ValueError, match="shape"):
        store.write_runs(sweep_id, batch)

    assert store.runs("s1").equals(before_runs)
    assert store.outcomes("s1", status=None).equals(before_outcomes)
    assert count(store, run) == 2
    assert count(store, run_outcome) == H

    missing = completed(1, 1, "policy")
    missing.outcomes = None
    with pytest.raises(ValueError, match="no outcomes"):
        store.write_runs(sweep_id, [missing])
    assert count(store, run) == 2


def test_a_batch_failing_after_its_rows_were_sent_leaves_database_unchanged(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runs (one replacing a failed run) and their outcome rows are sent, then writing
    the networks fails (a fault injected there): the transaction leaves nothing of the batch."""
    sweep_id = make_sweep(store)
    store.write_runs(sweep_id, [completed(0, 0, "baseline"), failed(0, 1, "baseline")])
    before_runs = store.runs("s1")
    before_outcomes = store.outcomes("s1", status=None)
    sent = []

    def failing(conn, sweep_id, batch):
        sent.append(conn.execute(select(func.count()).select_from(run_outcome)).scalar_one())
        raise RuntimeError("disk full")

    monkeypatch.setattr("sim.store.store.write_networks", failing)
    batch = [completed(0, 1, "baseline", seed=8), completed(1, 0, "policy", seed=9)]
    with pytest.raises(RuntimeError, match="disk full"):
        store.write_batch(sweep_id, batch)
    assert sent == [3 * H]  # the rows were in the transaction when it failed
    assert store.runs("s1").equals(before_runs)
    assert store.outcomes("s1", status=None).equals(before_outcomes)
    assert count(store, run) == 2 and count(store, run_outcome) == H


# -- engine, pragmas, migrations -----------------------------------------------------------


def test_sqlite_pragmas(store: Store) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_migrations_create_every_table_at_head(store: Store) -> None:
    names = set(inspect(store.engine).get_table_names())
    assert names >= TABLES | {"alembic_version"}
    with store.engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version == head_revision() == "0005"
        # the migrated schema matches the table definitions the code uses
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_outcome_catalogue_matches_migrated_columns(store: Store) -> None:
    columns = [c["name"] for c in inspect(store.engine).get_columns("run_outcome")]
    assert columns[:2] == ["run_id", "quarter"]
    assert tuple(columns[2:]) == OUTCOME_NAMES, (
        "the outcome catalogue changed: add an Alembic migration for run_outcome"
    )


# The outcomes migration 0005 adds (issue 16: public-finance accounts).
PUBLIC_FINANCE = (
    "tax_social_fund",
    "vat_collected",
    "tax_expenditure_federal",
    "tax_expenditure_regional",
    "committed_federal",
    "committed_regional",
    "purchases_outside_region",
)


def test_a_0004_database_upgrades_to_the_public_finance_outcomes_and_back(db_url: str) -> None:
    engine = create_store_engine(resolve_url(db_url))
    cfg = alembic_config()
    try:
        with engine.execution_options(**WRITE_OPTIONS).begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0004")
        old = [c["name"] for c in inspect(engine).get_columns("run_outcome")]
        assert not set(PUBLIC_FINANCE) & set(old)
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO run_outcome (run_id, quarter, output, tax_federal) "
                "VALUES (1, 1, 12.5, 3.25)"
            ))  # fmt: skip
    finally:
        engine.dispose()
    # opening to write upgrades the old schema to head; the old row keeps its values
    with open_store(db_url) as store, store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0005"
        columns = [c["name"] for c in inspect(store.engine).get_columns("run_outcome")]
        assert tuple(columns[-len(PUBLIC_FINANCE):]) == PUBLIC_FINANCE
        assert set(PUBLIC_FINANCE) <= {c.name for c in run_outcome.columns}
        row = conn.execute(text("SELECT * FROM run_outcome")).mappings().one()
        assert (row["output"], row["tax_federal"]) == (12.5, 3.25)
        assert all(row[name] is None for name in PUBLIC_FINANCE)  # not measured then
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    # and the downgrade drops exactly those columns
    engine = create_store_engine(resolve_url(db_url))
    try:
        with engine.execution_options(**WRITE_OPTIONS).begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0004")
        assert [c["name"] for c in inspect(engine).get_columns("run_outcome")] == old
    finally:
        engine.dispose()


def test_migrations_do_not_import_the_live_catalogue() -> None:
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "sim.outcomes" not in source and "OUTCOME_NAMES" not in source, path


def test_reopening_keeps_data(db_url: str) -> None:
    with open_store(db_url) as first:
        sweep_id = make_sweep(first)
        first.write_runs(sweep_id, [completed(0, 0, "baseline")])
    for _ in range(2):
        with open_store(db_url) as again:
            assert again.stored_keys(sweep_id) == {RunKey(0, 0, "baseline")}
            assert make_sweep(again) == sweep_id
            assert len(again.outcomes("s1")) == H


def test_unknown_schema_revision_is_refused(db_url: str) -> None:
    with open_store(db_url) as store, store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff-future'"))
    with pytest.raises(StoreUnavailable, match="ffff-future"):
        open_store(db_url)


# -- URLs ----------------------------------------------------------------------------------


def test_url_masking_hides_password() -> None:
    masked = mask_url("postgresql+psycopg://u:secret@host/db")
    assert "secret" not in masked
    assert masked == "postgresql+psycopg://u:***@host/db"


def test_env_variable_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "from-env" / "env.sqlite"
    monkeypatch.setenv("CLUSTERSIM_DB", f"sqlite:///{target}")
    with open_store() as store:
        assert str(target) in store.url_masked
    assert target.exists()


def test_default_path_under_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLUSTERSIM_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    with open_store() as store:
        assert store.url_masked == f"sqlite:///{tmp_path / DEFAULT_SQLITE_PATH}"
    assert (tmp_path / "results" / "clustersim.sqlite").exists()


def test_bare_path_is_a_sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store("sub/x.sqlite") as store:
        assert store.url_masked == f"sqlite:///{tmp_path / 'sub' / 'x.sqlite'}"


def test_missing_sqlite_directory_without_create_dirs() -> None:
    with pytest.raises(StoreUnavailable) as info:
        open_store("sqlite:////nonexistent-dir/x/y.sqlite", create_dirs=False)
    assert info.value.url_masked == "sqlite:////nonexistent-dir/x/y.sqlite"
    assert "does not exist" in info.value.reason


def test_unreachable_postgres_raises_without_password() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreUnavailable) as info:
        open_store("postgresql+psycopg://u:s3cr3t-pw@127.0.0.1:1/db")
    error = info.value
    assert "s3cr3t-pw" not in str(error)
    assert "s3cr3t-pw" not in error.reason
    assert error.url_masked == "postgresql+psycopg://u:***@127.0.0.1:1/db"
    assert error.__cause__ is None


# -- a whole batch, read back --------------------------------------------------------------


def network_of(run_no: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes = pd.DataFrame(
        {"firm": [1, 2], "kind": ["large", "sme"], "role": ["buyer", "supplier"],
         "trade": ["hull", "pipe"], "participant": [True, False],
         "employment": [100.0 + run_no, 10.0], "output": [1e3, 0.1 + 0.2]}
    )  # fmt: skip
    edges = pd.DataFrame({"buyer": [1], "seller": [2], "volume": [5.0 + run_no]})
    return nodes, edges


def test_batches_read_back_exactly_as_written(store: Store) -> None:
    """Run rows, outcome bits (NaN included), failed runs, retries and networks of two batches.

    The stored runs' neighbours in the lookup (same point and replicate in another arm, same
    point in another replicate) must neither be taken for a stored run nor hide one.
    """
    sweep_id = make_sweep(store)
    first = [completed(p, r, a, seed=10 * p + r) for p in (0, 1) for r in range(4) for a in ARMS]
    first[0].network = network_of(0)
    first += [failed(0, 4, "baseline", seed=3), failed(1, 5, "policy", seed=4)]
    store.write_batch(sweep_id, first)
    retried = completed(0, 4, "baseline", seed=40)
    retried.outcomes[5, :] = math.nan  # a quarter of NaN outcomes
    retried.network = network_of(1)
    second = [
        retried,  # replaces the failed run, with its outcome rows
        completed(0, 4, "policy", seed=41),  # new, beside the retried key
        completed(1, 4, "baseline", seed=42),  # new: point 1 and replicate 4 are both stored
        failed(1, 5, "policy", seed=43),  # failed again: replaces the failed run
        completed(0, 0, "baseline", seed=99),  # stored as completed already: skipped
    ]
    store.write_batch(sweep_id, second)

    expected = {r.key: r for r in first if r.status == "completed"}
    expected |= {r.key: r for r in second[:4]}
    with store.engine.connect() as conn:
        rows = conn.execute(select(run)).mappings().all()
    assert len(rows) == len(expected)
    for row in rows:
        want = expected[RunKey(row["point"], row["replicate"], row["arm"])]
        assert {c: row[c] for c in ("sweep_id", "seed", "status", "error", "started_at",
                                    "wall_seconds", "registered_quarter", "code_version")} == {
            "sweep_id": sweep_id, "seed": want.seed, "status": want.status, "error": want.error,
            "started_at": None, "wall_seconds": want.wall_seconds,
            "registered_quarter": want.registered_quarter, "code_version": want.code_version,
        }  # fmt: skip
        assert row["finished_at"] is not None
    outcomes = store.outcomes("s1", status=None)
    done = {k: r for k, r in expected.items() if r.status == "completed"}
    assert len(outcomes) == H * len(done) == count(store, run_outcome)
    for (point, replicate, arm), group in outcomes.groupby(["point", "replicate", "arm"]):
        want = done[RunKey(point, replicate, arm)].outcomes
        got = group.sort_values("quarter")[list(OUTCOME_NAMES)].to_numpy()
        assert group["quarter"].tolist() == list(range(1, H + 1))
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        finite = ~np.isnan(want)
        assert (got[finite].view(np.int64) == want[finite].view(np.int64)).all()  # same bits
    assert store.stored_keys(sweep_id, status="failed") == {RunKey(1, 5, "policy")}
    assert store.runs("s1").query("status == 'failed'")["seed"].tolist() == [43]
    for replicate, run_no in ((0, 0), (4, 1)):
        nodes, edges = store.network("s1", "baseline", replicate=replicate)
        pd.testing.assert_frame_equal(nodes, network_of(run_no)[0], check_dtype=False)
        pd.testing.assert_frame_equal(edges, network_of(run_no)[1], check_dtype=False)


def test_existing_runs_finds_exactly_the_stored_keys_asked_for(store: Store) -> None:
    sweep_id = make_sweep(store)
    store.write_runs(
        sweep_id, [completed(0, 0, "baseline"), completed(1, 1, "baseline"), failed(0, 1, "policy")]
    )
    asked = [RunKey(0, 1, "baseline"), RunKey(1, 0, "baseline"), RunKey(0, 0, "baseline"),
             RunKey(0, 1, "policy"), RunKey(1, 1, "policy")]  # fmt: skip
    with store.reading() as conn:
        found = existing_runs(conn, sweep_id, asked)
        assert {k: s for k, (_, s) in found.items()} == {
            RunKey(0, 0, "baseline"): "completed",
            RunKey(0, 1, "policy"): "failed",
        }
        assert set(existing_runs(conn, sweep_id, asked, status="completed")) == {
            RunKey(0, 0, "baseline")
        }
        assert existing_runs(conn, sweep_id + 1, asked) == {}
        assert existing_runs(conn, sweep_id, []) == {}
