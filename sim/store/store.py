"""The results store: scenarios, sweeps, design points, runs and their quarterly outcomes.

One process writes (the parent of the workers), in batches: :meth:`Store.write_batch` stores a
whole batch of :class:`~sim.run.results.RunResult` and their supply networks in one transaction
(outcome rows by ``COPY`` on PostgreSQL, by multi-row ``INSERT`` statements on SQLite). Every write
goes through one path, :meth:`Store.writing`, whose transactions take the write lock up front
(SQLite ``BEGIN IMMEDIATE``), so several writer processes wait for each other instead of failing
with "database is locked". Reads return pandas DataFrames built from one query each; a store
opened with ``readonly=True`` refuses every write and creates nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import Any, Self

import pandas as pd
from sqlalchemy import Connection, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)

from sim import __version__
from sim.errors import InputError
from sim.model.outcomes import OUTCOME_NAMES, outcome
from sim.run.results import RunKey, RunResult
from sim.store.engine import (
    WRITE_OPTIONS,
    check_schema,
    check_unchanged,
    create_store_engine,
    error_reason,
    mask_url,
    resolve_url,
    upgrade_schema,
)
from sim.store.errors import StoreError, StoreUnavailable, SweepConflict, SweepNotFound
from sim.store.network import read_network, write_networks
from sim.store.rows import (
    delete_runs,
    dumps,
    existing_runs,
    free_name,
    last_attempts,
    outcome_matrix,
    result_frame,
    run_row,
    scenario_exists,
    sweep_dict,
    write_outcomes,
)
from sim.store.tables import design_point, run, run_outcome, scenario, sweep, utcnow

__all__ = ["MAX_SWEEP_NAME", "SWEEP_KINDS", "Store", "check_sweep_name", "open_store"]

SWEEP_KINDS = ("run", "sweep")
MAX_SWEEP_NAME = 200
"""Longest sweep name: generated names (``app-<scenario>-<regime>-...``, up to 64 characters
each) fit, and ``<sweep>_outcomes.parquet`` stays under the usual 255-byte file-name limit."""

# ASCII letters and digits, "_", "-", "."; the first one a letter, digit or "_": never "." (a
# hidden or relative path), "-" (an option) or a spreadsheet formula ("=", "+", "-", "@").
_SWEEP_NAME_RE = re.compile(rf"[A-Za-z0-9_][A-Za-z0-9_.\-]{{0,{MAX_SWEEP_NAME - 1}}}")


def check_sweep_name(name: object) -> str:
    """Return ``name`` if it is a safe sweep name, which reports and exports use as a file name.

    Raises:
        InputError: About the argument ``sweep``, saying what is allowed.
    """
    if isinstance(name, str) and _SWEEP_NAME_RE.fullmatch(name):
        return name
    raise InputError.parameter(
        "sweep",
        f"sweep name {str(name)[:80]!r} is not allowed: use 1 to {MAX_SWEEP_NAME} ASCII letters, "
        "digits, '_', '-' and '.', starting with a letter, digit or '_' (sweep names become "
        "file names of reports and exports)",
    )


def open_store(
    url: str | None = None, *, create_dirs: bool = True, readonly: bool = False
) -> Store:
    """Open the results database: to write (created or upgraded) or only to read.

    Args:
        url: A SQLAlchemy URL (``sqlite:///path``, ``postgresql+psycopg://...``) or a bare SQLite
            file path; None uses ``CLUSTERSIM_DB``, else ``results/clustersim.sqlite`` under the
            current directory.
        create_dirs: For a SQLite file, create its directory when missing (not when reading).
        readonly: Only read: nothing is created or changed (no file, directory, schema,
            ``-wal``/``-shm`` file or journal mode); a read-only file or directory can be read.
            The database must exist and be at this clustersim's schema revision.

    Returns:
        An open :class:`Store`; close it (or use it as a context manager) when done.

    Raises:
        StoreUnavailable: When the database cannot be reached, created or migrated; when
            reading, also when it does not exist, is not a clustersim database or has an older
            schema. The message shows the URL with its password masked.
    """
    try:
        resolved = resolve_url(url)
    except ArgumentError as exc:
        raise StoreUnavailable(mask_url(str(url)), error_reason(exc)) from None
    masked = mask_url(resolved)
    engine: Engine | None = None
    try:
        engine = create_store_engine(resolved, create_dirs=create_dirs, readonly=readonly)
        if readonly:
            check_schema(engine)
        else:
            upgrade_schema(engine)
    except StoreUnavailable:
        if engine is not None:
            engine.dispose()
        raise
    except (SQLAlchemyError, OSError, ImportError) as exc:
        if engine is not None:
            engine.dispose()
        # "from None": the driver's exception is summarised in the reason, password removed.
        raise StoreUnavailable(masked, error_reason(exc, resolved)) from None
    return Store(engine, masked, readonly=readonly)


class Store:
    """Access to one results database. Create it with :func:`open_store`."""

    def __init__(self, engine: Engine, url_masked: str, *, readonly: bool = False) -> None:
        self._engine = engine
        self._write_engine = engine.execution_options(**WRITE_OPTIONS)
        self._url_masked = url_masked
        self._readonly = readonly

    @property
    def readonly(self) -> bool:
        """Whether the store was opened only to read (every write raises :class:`StoreError`)."""
        return self._readonly

    @property
    def url_masked(self) -> str:
        """The database URL with any password replaced by ``***``."""
        return self._url_masked

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for ad-hoc queries)."""
        return self._engine

    def __repr__(self) -> str:
        return f"Store({self._url_masked!r})"

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def reading(self) -> AbstractContextManager[Connection]:
        """A connection to read with (lost server connections become StoreUnavailable)."""
        return self._read()

    def writing(self, while_doing: str = "") -> AbstractContextManager[Connection]:
        """The one write path: a transaction that holds the write lock from its start.

        On SQLite it begins with ``BEGIN IMMEDIATE``, which waits (busy timeout) for another
        writer instead of failing later with "database is locked"; it commits on success and
        rolls back on any error.

        Args:
            while_doing: What the transaction does, added to a lost-connection message.

        Raises:
            StoreError: When the store was opened read-only.
        """
        return self._write(while_doing)

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._unavailable_on_lost_connection(), self._engine.connect() as conn:
            yield conn
            check_unchanged(conn)

    @contextmanager
    def _write(self, while_doing: str = "") -> Iterator[Connection]:
        if self._readonly:
            raise StoreError(f"{self._url_masked} was opened read-only; it cannot be written")
        with (
            self._unavailable_on_lost_connection(while_doing),
            self._write_engine.begin() as conn,
        ):
            yield conn

    @contextmanager
    def _unavailable_on_lost_connection(self, while_doing: str = "") -> Iterator[None]:
        """Turn a lost or refused server connection into :class:`StoreUnavailable`.

        Only for server databases (PostgreSQL): SQLite's ``OperationalError`` also covers
        programming errors such as a missing table, which are not an outage.
        """
        try:
            yield
        except StoreUnavailable:
            raise
        except Exception as exc:
            if not self._is_connection_error(exc):
                raise
            reason = error_reason(exc, self._engine.url)
            if while_doing:
                reason = f"{reason} (while {while_doing})"
            raise StoreUnavailable(self._url_masked, reason) from None

    def _is_connection_error(self, exc: BaseException) -> bool:
        if self._engine.dialect.name == "sqlite":
            return False
        if isinstance(exc, DBAPIError):
            return exc.connection_invalidated or isinstance(
                exc, (OperationalError, InterfaceError)
            )
        dbapi = self._engine.dialect.loaded_dbapi
        return isinstance(exc, (dbapi.OperationalError, dbapi.InterfaceError))

    # -- scenarios -------------------------------------------------------------------------

    def put_scenario(
        self, hash: str, name: str, title: str, toml_text: str, canonical_json: str
    ) -> None:
        """Store a scenario once per hash; storing the same hash again does nothing."""
        row = {
            "hash": hash,
            "name": name,
            "title": title,
            "toml_text": toml_text,
            "canonical_json": canonical_json,
        }
        try:
            with self._write() as conn:
                if not scenario_exists(conn, hash):
                    conn.execute(insert(scenario), [row])
        except IntegrityError:
            # Another writer stored the same hash meanwhile (PostgreSQL): that is the goal.
            with self._read() as conn:
                if not scenario_exists(conn, hash):
                    raise

    def scenario_text(self, hash: str) -> str:
        """Return the TOML text of a stored scenario.

        Raises:
            KeyError: When no scenario has that hash.
        """
        with self._read() as conn:
            text = conn.execute(select(scenario.c.toml_text).where(scenario.c.hash == hash)).first()
        if text is None:
            raise KeyError(f"no scenario with hash {hash} in {self._url_masked}")
        return text[0]

    def scenario_for_sweep(self, name: str) -> dict[str, Any]:
        """Return the scenario of a sweep as a dict with hash, name, title and toml_text.

        Raises:
            SweepNotFound: When no sweep has that name.
        """
        stmt = (
            select(scenario.c.hash, scenario.c.name, scenario.c.title, scenario.c.toml_text)
            .select_from(sweep.join(scenario, sweep.c.scenario_hash == scenario.c.hash))
            .where(sweep.c.name == name)
        )
        with self._read() as conn:
            row = conn.execute(stmt).mappings().first()
        if row is None:
            raise self._not_found(name)
        return dict(row)

    # -- sweeps ----------------------------------------------------------------------------

    def create_sweep(
        self,
        name: str,
        scenario_hash: str,
        spec: dict[str, Any],
        root_seed: int,
        replications: int,
        arms: list[str],
        kind: str,
        points: list[tuple[int, dict[str, Any], str]]
        | list[tuple[int, dict[str, Any], str, list[float] | None]],
        *,
        code_version: str | None = None,
    ) -> int:
        """Register a sweep and its design points, or find the identical one to resume.

        Args:
            name: Unique sweep name.
            scenario_hash: Hash of the base scenario (stored with :meth:`put_scenario` first).
            spec: The sweep description (JSON-serialisable).
            root_seed: Root seed all run seeds derive from.
            replications: Replicates per design point.
            arms: Arm names.
            kind: ``run`` (a single scenario) or ``sweep``.
            points: Design points as (point number, parameter values, scenario hash) and,
                optionally, the unrounded sample row of the design (lhs, sobol, morris).
            code_version: clustersim version; defaults to the installed one.

        Returns:
            The sweep id: a new one, or the existing one when a sweep of that name has the same
            spec, scenario hash, root seed, replications and arms.

        Raises:
            InputError: When ``name`` is not a safe sweep name (:func:`check_sweep_name`).
            SweepConflict: When the name is taken by a sweep that differs in any of those.
            ValueError: When ``kind`` is unknown or the scenario is not stored.
        """
        check_sweep_name(name)
        if kind not in SWEEP_KINDS:
            raise ValueError(f"sweep kind must be one of {SWEEP_KINDS}, got {kind!r}")
        if code_version is None:
            code_version = __version__
        spec_json = dumps(spec)
        arms_json = dumps(list(arms))
        wanted = {
            "scenario_hash": scenario_hash,
            "spec": json.loads(spec_json),
            "root_seed": int(root_seed),
            "replications": int(replications),
            "arms": json.loads(arms_json),
        }
        sweep_row = {
            "name": name,
            "scenario_hash": scenario_hash,
            "spec_json": spec_json,
            "root_seed": str(int(root_seed)),
            "replications": int(replications),
            "arms_json": arms_json,
            "kind": kind,
            "code_version": code_version,
        }
        for attempt in range(2):
            try:
                with self._write() as conn:
                    existing = conn.execute(select(sweep).where(sweep.c.name == name)).first()
                    if existing is not None:
                        self._check_same_sweep(conn, sweep_dict(existing._mapping), wanted)
                        return int(existing.id)
                    if not scenario_exists(conn, scenario_hash):
                        raise ValueError(
                            f"scenario {scenario_hash} is not stored; call put_scenario() first"
                        )
                    result = conn.execute(insert(sweep), [sweep_row])
                    sweep_id = int(result.inserted_primary_key[0])
                    if points:
                        conn.execute(
                            insert(design_point),
                            [
                                {
                                    "sweep_id": sweep_id,
                                    "point": int(p[0]),
                                    "values_json": dumps(p[1]),
                                    "scenario_hash": p[2],
                                    "raw_json": dumps(list(p[3])) if len(p) > 3 and p[3] else None,
                                }
                                for p in points
                            ],
                        )
                    return sweep_id
            except IntegrityError:
                # A concurrent writer may have created the same name: look again once.
                if attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _check_same_sweep(
        self, conn: Connection, existing: dict[str, Any], wanted: dict[str, Any]
    ) -> None:
        # Compare canonical JSON text: equal for equal values, NaN included.
        differs = [f for f, value in wanted.items() if dumps(existing[f]) != dumps(value)]
        if not differs:
            return
        name = existing["name"]
        raise SweepConflict(
            f"sweep name '{name}' is already taken by a different sweep (differs in: "
            f"{', '.join(differs)}); choose another name, e.g. '{free_name(conn, name)}', "
            "or repeat the original definition to resume it"
        )

    def get_sweep(self, name: str) -> dict[str, Any] | None:
        """Return a sweep as a dict, or None when no sweep has that name.

        The dict has id, name, scenario_hash, spec, root_seed, replications, arms, kind,
        created_at and code_version (spec and arms parsed from JSON).
        """
        with self._read() as conn:
            row = conn.execute(select(sweep).where(sweep.c.name == name)).first()
        return None if row is None else sweep_dict(row._mapping)

    def list_sweeps(self) -> pd.DataFrame:
        """Return one row per sweep with its definition and run counts, oldest first."""
        n_points = (
            select(func.count())
            .select_from(design_point)
            .where(design_point.c.sweep_id == sweep.c.id)
            .scalar_subquery()
        )

        def n_runs(status: str) -> Any:
            return (
                select(func.count())
                .select_from(run)
                .where(run.c.sweep_id == sweep.c.id, run.c.status == status)
                .scalar_subquery()
            )

        stmt = select(
            sweep,
            n_points.label("n_points"),
            n_runs("completed").label("n_completed"),
            n_runs("failed").label("n_failed"),
        ).order_by(sweep.c.id)
        with self._read() as conn:
            rows = conn.execute(stmt).mappings().all()
        columns = [
            "id", "name", "kind", "scenario_hash", "root_seed", "replications", "arms",
            "created_at", "code_version", "n_points", "n_completed", "n_failed",
        ]  # fmt: skip
        records = [
            {**sweep_dict(r), "n_points": r["n_points"], "n_completed": r["n_completed"],
             "n_failed": r["n_failed"]}
            for r in rows
        ]  # fmt: skip
        return pd.DataFrame.from_records(records, columns=columns)

    def design_raw(self, sweep_name: str) -> list[list[float]] | None:
        """The unrounded sample matrix of a sweep's design (one row per point), if stored.

        Returns None for designs without one (grid, a single point) or sweeps stored before
        the matrix was kept.

        Raises:
            SweepNotFound: When no sweep has that name.
        """
        with self._read() as conn:
            sweep_id = self._sweep_id(conn, sweep_name)
            rows = conn.execute(
                select(design_point.c.raw_json)
                .where(design_point.c.sweep_id == sweep_id)
                .order_by(design_point.c.point)
            ).scalars().all()  # fmt: skip
        if not rows or any(r is None for r in rows):
            return None
        return [json.loads(r) for r in rows]

    def design_points(self, sweep_name: str, *, include_hash: bool = False) -> pd.DataFrame:
        """Return the design points of a sweep: ``point`` and one column per parameter value.

        Args:
            sweep_name: The sweep.
            include_hash: Add the ``scenario_hash`` of each point as a last column.

        Raises:
            SweepNotFound: When no sweep has that name.
        """
        with self._read() as conn:
            sweep_id = self._sweep_id(conn, sweep_name)
            rows = conn.execute(
                select(design_point.c.point, design_point.c.values_json,
                       design_point.c.scenario_hash)
                .where(design_point.c.sweep_id == sweep_id)
                .order_by(design_point.c.point)
            ).all()  # fmt: skip
        if not rows:
            return pd.DataFrame(
                {"point": pd.Series(dtype="int64")}
                | ({"scenario_hash": pd.Series(dtype="str")} if include_hash else {})
            )
        frame = pd.json_normalize([{"point": p, **json.loads(v)} for p, v, _ in rows])
        frame["point"] = frame["point"].astype("int64")
        if include_hash:
            frame["scenario_hash"] = [h for _, _, h in rows]
        return frame

    # -- runs ------------------------------------------------------------------------------

    def stored_keys(self, sweep_id: int, status: str | None = "completed") -> set[RunKey]:
        """Return the keys of the runs stored for a sweep.

        Args:
            sweep_id: The sweep.
            status: Only runs with this status (``completed`` or ``failed``); None: all.
        """
        stmt = select(run.c.point, run.c.replicate, run.c.arm).where(run.c.sweep_id == sweep_id)
        if status is not None:
            stmt = stmt.where(run.c.status == status)
        with self._read() as conn:
            return {RunKey(int(p), int(r), a) for p, r, a in conn.execute(stmt)}

    def write_runs(self, sweep_id: int, results: Sequence[RunResult]) -> None:
        """Store a batch of runs and their quarterly outcomes in one transaction.

        A run whose key (point, replicate, arm) is already stored as ``completed`` is skipped;
        one stored as ``failed`` is replaced (with its outcome rows) by the new attempt. Within
        the batch the same rule holds between duplicates. Outcomes of failed runs are not
        stored. ``finished_at`` is the time of the write; ``started_at`` stays empty (results
        carry only ``wall_seconds``). ``RunResult.extra`` is not stored.

        If anything in the batch fails (e.g. an outcomes array of the wrong shape), nothing of
        the batch is written.

        Raises:
            ValueError: When a result has an unknown status, or a completed result has no
                outcomes or an outcomes array not shaped (quarters, len(OUTCOME_NAMES)).
        """
        batch = last_attempts(results)
        if not batch:
            return
        with self._write(_storing(len(batch))) as conn:
            self._write_runs(conn, sweep_id, batch)

    def _write_runs(
        self, conn: Connection, sweep_id: int, batch: dict[RunKey, RunResult]
    ) -> None:
        """Store a de-duplicated batch (:func:`last_attempts`) in the caller's transaction."""
        now = utcnow()
        existing = existing_runs(conn, sweep_id, batch)
        replaced: list[int] = []
        new: list[RunResult] = []
        for key, result in batch.items():
            old = existing.get(key)
            if old is not None:
                old_id, old_status = old
                if old_status == "completed":
                    continue
                replaced.append(old_id)
            new.append(result)
        delete_runs(conn, replaced)
        if not new:
            return
        # Checked before anything is inserted (a wrong shape raises ValueError).
        matrices = [outcome_matrix(r) for r in new if r.status == "completed"]
        run_rows = [run_row(sweep_id, result, now) for result in new]
        # Ids matched by key, not by position. On SQLite, SQLAlchemy then sends the runs in
        # multi-row INSERTs, which SQLite carries out row by row in order (ids ascending in
        # batch order, as before); asked to sort the returned rows it would send one INSERT a
        # run. Elsewhere (PostgreSQL) the rows are still inserted in batch order as before.
        inserted = conn.execute(
            insert(run).returning(
                run.c.id, run.c.point, run.c.replicate, run.c.arm,
                sort_by_parameter_order=conn.dialect.name != "sqlite",
            ),
            run_rows,
        )  # fmt: skip
        ids = {RunKey(int(p), int(r), a): int(i) for i, p, r, a in inserted}
        run_ids = [ids[r.key] for r in new if r.status == "completed"]
        write_outcomes(conn, run_ids, matrices)

    def write_batch(self, sweep_id: int, batch: Sequence[RunResult]) -> None:
        """Store a batch of runs (as :meth:`write_runs`) and the supply networks some carry.

        Runs and networks go into one transaction: all of the batch is stored, or nothing.
        This is what the runner calls (:class:`sim.run.runner.RunSink`).
        """
        runs = last_attempts(batch)
        if not runs:
            return
        with self._write(_storing(len(runs))) as conn:
            self._write_runs(conn, sweep_id, runs)
            write_networks(conn, sweep_id, batch)

    def network(
        self, sweep_name: str, arm: str, *, replicate: int = 0, point: int = 0
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The stored supply network (nodes, edges) of one run (:func:`read_network`).

        Raises:
            LookupError: When that run has no stored network.
        """
        return read_network(self, sweep_name, arm, replicate=replicate, point=point)

    def runs(self, sweep_name: str) -> pd.DataFrame:
        """Return one row per stored run of a sweep, sorted by point, replicate and arm.

        Columns: sweep, point, replicate, arm, seed, status, error, wall_seconds,
        registered_quarter, code_version.

        Raises:
            SweepNotFound: When no sweep has that name.
        """
        stmt = (
            select(
                sweep.c.name.label("sweep"), run.c.point, run.c.replicate, run.c.arm, run.c.seed,
                run.c.status, run.c.error, run.c.wall_seconds, run.c.registered_quarter,
                run.c.code_version,
            )
            .select_from(run.join(sweep, run.c.sweep_id == sweep.c.id))
            .order_by(run.c.point, run.c.replicate, run.c.arm)
        )  # fmt: skip
        with self._read() as conn:
            sweep_id = self._sweep_id(conn, sweep_name)
            result = conn.execute(stmt.where(run.c.sweep_id == sweep_id))
            frame = result_frame(result)
        return frame.astype(
            {"point": "int64", "replicate": "int64", "seed": "int64",
             "wall_seconds": "float64", "registered_quarter": "Int64"}
        )  # fmt: skip

    def outcomes(
        self,
        sweep_name: str,
        outcomes: list[str] | None = None,
        status: str | None = "completed",
    ) -> pd.DataFrame:
        """Return the quarterly outcomes of a sweep's runs, one row per run and quarter.

        Args:
            sweep_name: The sweep.
            outcomes: Outcome columns to return (catalogue names); None: all, in catalogue order.
            status: Only runs with this status; None: all runs (failed runs have no rows).

        Returns:
            Columns ``point, replicate, arm, quarter`` then the outcomes, sorted by point,
            replicate, arm and quarter.

        Raises:
            SweepNotFound: When no sweep has that name.
            KeyError: When an outcome name is not in the catalogue.
        """
        names = list(OUTCOME_NAMES) if outcomes is None else list(outcomes)
        for name in names:
            outcome(name)  # KeyError listing the known outcomes
        keys = [run.c.point, run.c.replicate, run.c.arm, run_outcome.c.quarter]
        stmt = (
            select(*keys, *(run_outcome.c[name] for name in names))
            .select_from(run_outcome.join(run, run.c.id == run_outcome.c.run_id))
            .order_by(*keys)
        )
        if status is not None:
            stmt = stmt.where(run.c.status == status)
        with self._read() as conn:
            sweep_id = self._sweep_id(conn, sweep_name)
            frame = result_frame(conn.execute(stmt.where(run.c.sweep_id == sweep_id)))
        return frame.astype(
            {"point": "int64", "replicate": "int64", "arm": "str", "quarter": "int64"}
            | dict.fromkeys(names, "float64")
        )

    # -- helpers ---------------------------------------------------------------------------

    def _sweep_id(self, conn: Connection, name: str) -> int:
        sweep_id = conn.execute(select(sweep.c.id).where(sweep.c.name == name)).scalar()
        if sweep_id is None:
            raise self._not_found(name)
        return int(sweep_id)

    def _not_found(self, name: str) -> SweepNotFound:
        return SweepNotFound(f"no sweep named '{name}' in {self._url_masked}")


def _storing(n_runs: int) -> str:
    return (
        f"storing a batch of {n_runs} runs; the runs stored before are kept, "
        "so rerunning the same command resumes"
    )
