"""Connecting to the results database: URL resolution, SQLite pragmas, masking, migrations.

The URL is the argument of :func:`sim.store.open_store`, else the ``CLUSTERSIM_DB`` environment
variable, else the SQLite file :data:`DEFAULT_SQLITE_PATH` under the current directory. A bare
path (no ``://``) is taken as a SQLite file. SQLite connections get the pragmas measured to work
with one batched writer (WAL, ``synchronous=NORMAL``, foreign keys, a 30 s busy timeout), and
SQLAlchemy, not the ``sqlite3`` module, emits ``BEGIN``: ``BEGIN IMMEDIATE`` for writes, so that
a read-then-write transaction waits for the lock instead of failing.

A store opened for reading (``readonly=True``) never creates or changes anything: a missing
SQLite file is an error, not a new database; the file is opened through a ``mode=ro`` URI
(``immutable`` when no other connection has it open, so a read-only directory works and no
``-wal``/``-shm`` file appears), with no journal-mode pragma; PostgreSQL sessions are read-only;
the schema is checked, never migrated (:func:`check_schema`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from sim.errors import mask_url, mask_urls_in_text, parse_url
from sim.store.errors import StoreUnavailable

__all__ = [
    "DEFAULT_SQLITE_PATH",
    "ENV_VAR",
    "MIGRATIONS_DIR",
    "WRITE_OPTIONS",
    "alembic_config",
    "check_schema",
    "check_unchanged",
    "create_store_engine",
    "error_reason",
    "head_revision",
    "mask_url",
    "resolve_url",
    "upgrade_schema",
]

DEFAULT_SQLITE_PATH = Path("results/clustersim.sqlite")
ENV_VAR = "CLUSTERSIM_DB"
MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")
BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_S = 10
_PG_MIGRATION_LOCK = 0x636C7573  # advisory lock key serialising migrations ("clus")

# Execution option marking a connection whose transactions write (SQLite: BEGIN IMMEDIATE).
_WRITE_OPTION = "clustersim_write"
WRITE_OPTIONS: dict[str, Any] = {_WRITE_OPTION: True}

_SQLITE_PRAGMAS = (
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",  # first: switching to WAL may wait for a lock
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
)
# Reading: no journal mode (it would write the file header), and no writes at all.
_SQLITE_READ_PRAGMAS = (
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys=ON",
    "PRAGMA query_only=ON",
)
_SQLITE_HEADER = b"SQLite format 3\x00"


def resolve_url(url: str | URL | None = None) -> URL:
    """Return the database URL to use, with relative SQLite paths made absolute.

    Args:
        url: A SQLAlchemy URL or a bare SQLite file path; None falls back to ``CLUSTERSIM_DB``,
            then to :data:`DEFAULT_SQLITE_PATH` under the current directory.

    Raises:
        sqlalchemy.exc.ArgumentError: When the URL cannot be parsed.
    """
    if url is None or (isinstance(url, str) and not url.strip()):
        url = os.environ.get(ENV_VAR, "").strip() or None
    if url is None:
        return _sqlite_url(Path.cwd() / DEFAULT_SQLITE_PATH)
    if isinstance(url, str) and "://" not in url:
        return _sqlite_url(Path(url))
    parsed = parse_url(url)
    path = _sqlite_file(parsed)
    if path is not None and not path.is_absolute():
        parsed = parsed.set(database=str(Path.cwd() / path))
    return parsed


def _sqlite_url(path: Path) -> URL:
    path = path.expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    return URL.create("sqlite", database=str(path))


def _sqlite_file(url: URL) -> Path | None:
    """Return the database file of a SQLite URL, or None (not SQLite, in memory or a URI)."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def error_reason(exc: BaseException, url: URL | None = None) -> str:
    """Describe an error in one line without any password.

    The whole URL, as SQLAlchemy writes it, is replaced by its masked form, and every other
    URL or ``password=`` in the text is masked by :func:`sim.errors.mask_urls_in_text`; the
    password itself is never searched for as text (a short one would mask innocent words).

    Args:
        exc: The exception to describe; for driver errors the driver's own message is used.
        url: The URL whose password must not appear in the text.
    """
    inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = " ".join(str(inner).split()) or type(inner).__name__
    if url is not None and url.password is not None:
        text = text.replace(url.render_as_string(hide_password=False), mask_url(url))
    return mask_urls_in_text(text)


def create_store_engine(url: URL, *, create_dirs: bool = True, readonly: bool = False) -> Engine:
    """Create the engine for ``url``; SQLite gets its pragmas and transaction handling.

    Args:
        url: A resolved URL (see :func:`resolve_url`).
        create_dirs: For a SQLite file, create its directory when missing (ignored when
            ``readonly``).
        readonly: Read without creating or changing anything (see the module docstring).

    Raises:
        StoreUnavailable: When the SQLite file's directory is missing and may not be created;
            when reading, a SQLite file that is missing or not a SQLite database.
    """
    if readonly:
        return _readonly_engine(url)
    path = _sqlite_file(url)
    if path is not None:
        if create_dirs:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnavailable(mask_url(url), error_reason(exc, url)) from exc
        elif not path.parent.is_dir():
            raise StoreUnavailable(
                mask_url(url), f"directory {path.parent} does not exist (create_dirs=False)"
            )
    engine = create_engine(url, **_server_kwargs(url))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _server_kwargs(url: URL) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        _quiet_driver_logger()
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
    if url.get_backend_name() != "sqlite":
        kwargs["pool_pre_ping"] = True
    return kwargs


def _readonly_engine(url: URL) -> Engine:
    """An engine that cannot create or change anything (see the module docstring)."""
    path = _sqlite_file(url)
    if path is not None:
        _check_sqlite_file(url, path)
        # A connection per read (NullPool): each one decides anew between immutable and
        # locked reading, as another process may have opened the file meanwhile.
        engine = create_engine(url, creator=_ReadOnlySqlite(path), poolclass=NullPool)
    elif url.get_backend_name() == "sqlite":
        # In memory (an empty database, refused by check_schema) or a "file:" URI.
        if url.query.get("uri") in ("true", "1"):
            url = url.update_query_dict({"mode": "ro"})
        engine = create_engine(url)
    else:
        engine = create_engine(url, **_server_kwargs(url))
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", _pg_read_only_session)
        return engine
    event.listen(engine, "connect", _sqlite_on_connect_readonly)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _check_sqlite_file(url: URL, path: Path) -> None:
    """Refuse, without opening it through SQLite, a file that is missing or not SQLite."""
    masked = mask_url(url)
    if not path.exists():
        raise StoreUnavailable(
            masked,
            f"no database file {path} (reading never creates one; check --db or {ENV_VAR})",
        )
    try:
        with path.open("rb") as file:
            header = file.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise StoreUnavailable(masked, error_reason(exc)) from None
    if header != _SQLITE_HEADER:
        what = "an empty file" if not header else "not a SQLite database"
        raise StoreUnavailable(
            masked, f"{path} is {what}, so not a clustersim results database; left untouched"
        )


class _ReadOnlyConnection(sqlite3.Connection):
    """A ``sqlite3`` connection that remembers how it was opened (see :func:`check_unchanged`).

    Attributes:
        clustersim_path: The database file.
        clustersim_stamp: For an ``immutable`` connection (no locks), the file's identity,
            size and modification time when it was opened; None for a locked one.
    """

    clustersim_path: Path
    clustersim_stamp: tuple[int, int, int] | None


class _ReadOnlySqlite:
    """The ``creator`` of read-only SQLite connections to one file.

    Without a ``-wal`` file no other connection has the database open (in WAL mode every
    connection keeps it, and the last one to close removes it), so the file is opened
    ``immutable``: no locks and no ``-wal``/``-shm`` files, which also works in a read-only
    directory. With a ``-wal`` file a writer may be at work: ``mode=ro`` reads through
    SQLite's locks and shared memory, which then exist already.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self) -> sqlite3.Connection:
        wal = self.path.with_name(self.path.name + "-wal")
        stamp = None if wal.exists() else _file_stamp(self.path)
        query = "mode=ro" if stamp is None else "mode=ro&immutable=1"
        conn = sqlite3.connect(
            f"file:{quote(str(self.path))}?{query}",
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
            factory=_ReadOnlyConnection,
        )
        conn.clustersim_path = self.path
        conn.clustersim_stamp = stamp
        return conn


def _file_stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def check_unchanged(conn: Connection) -> None:
    """After a read on an ``immutable`` SQLite connection, check the file did not change.

    Immutable reads take no locks; a writer that opened the database after the check for a
    ``-wal`` file and checkpointed into it during the read could have torn it. That is refused
    rather than returned. Other connections are not checked.

    Raises:
        StoreUnavailable: When the database file changed while it was read.
    """
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.driver_connection
    stamp = getattr(raw, "clustersim_stamp", None)
    if stamp is not None and _file_stamp(raw.clustersim_path) != stamp:
        raise StoreUnavailable(
            mask_url(conn.engine.url),
            "another process wrote to the database while it was read; run the command again",
        )


def _quiet_driver_logger() -> None:
    """Keep psycopg's "error ignored terminating <Pipeline/Copy>" warnings off stderr.

    When the server goes away mid-write psycopg logs such a warning besides raising; without a
    handler Python's last-resort handler prints it next to our one-line message. A NullHandler
    stops only that fallback: applications that configure logging still receive the records.
    """
    logger = logging.getLogger("psycopg")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


def _run_pragmas(dbapi_connection: Any, pragmas: tuple[str, ...] | list[str]) -> None:
    # SQLAlchemy emits BEGIN itself (see _sqlite_on_begin), so the pragmas below run outside
    # any transaction and SELECTs are transactional too.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in pragmas:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    _run_pragmas(dbapi_connection, _SQLITE_PRAGMAS)


def _sqlite_on_connect_readonly(dbapi_connection: Any, _record: Any) -> None:
    _run_pragmas(dbapi_connection, _SQLITE_READ_PRAGMAS)


def _pg_read_only_session(dbapi_connection: Any, _record: Any) -> None:
    # SET is transactional in PostgreSQL: commit it, or the pool's rollback would undo it.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    finally:
        cursor.close()
    dbapi_connection.commit()


def _sqlite_on_begin(conn: Connection) -> None:
    writes = conn.get_execution_options().get(_WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def alembic_config() -> Config:
    """Build the Alembic configuration in code, pointing at ``sim/store/migrations``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return cfg


def head_revision() -> str | None:
    """Return the head revision of the shipped migrations."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade_schema(engine: Engine) -> None:
    """Bring the database schema to the head revision, doing nothing when it is there already.

    The check runs in a read transaction; only an actual upgrade takes the write lock, in one
    transaction on the caller's connection (``cfg.attributes["connection"]``).

    Raises:
        StoreUnavailable: When the database carries a revision these migrations do not know
            (written by a newer clustersim).
    """
    cfg = alembic_config()
    script = ScriptDirectory.from_config(cfg)
    heads = set(script.get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == heads:
        return
    _refuse_unknown_revision(engine, script, current)
    with engine.execution_options(**WRITE_OPTIONS).begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several sweeps may open a new database at once: one migrates, the others wait
            # for it here and then find the schema at head (SQLite: BEGIN IMMEDIATE does this).
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            if set(MigrationContext.configure(conn).get_current_heads()) == heads:
                return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def _refuse_unknown_revision(engine: Engine, script: ScriptDirectory, current: set[str]) -> None:
    unknown = current - {rev.revision for rev in script.walk_revisions()}
    if unknown:
        raise StoreUnavailable(
            mask_url(engine.url),
            f"schema revision {', '.join(sorted(unknown))} is unknown to this clustersim "
            "(the database was written by a newer version; upgrade clustersim)",
        )


def check_schema(engine: Engine) -> None:
    """Check, without writing anything, that the database has the schema this code reads.

    Raises:
        StoreUnavailable: When the database has no clustersim schema (an empty or unrelated
            database), a revision unknown to this clustersim, or an older one (reading never
            upgrades: the message says how to).
    """
    script = ScriptDirectory.from_config(alembic_config())
    heads = set(script.get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
        tables = [] if current else sorted(inspect(conn).get_table_names())
        check_unchanged(conn)
    if current == heads:
        return
    masked = mask_url(engine.url)
    if not current:
        found = "no tables" if not tables else f"{len(tables)} other tables"
        raise StoreUnavailable(
            masked,
            f"not a clustersim results database ({found}, no clustersim schema revision); "
            "reading never creates or migrates a database, so it was left untouched",
        )
    _refuse_unknown_revision(engine, script, current)
    raise StoreUnavailable(
        masked,
        f"the database is at schema revision {', '.join(sorted(current))}, older than this "
        f"clustersim's {', '.join(sorted(heads))}, and reading never upgrades it: open it once "
        "for writing (sim.store.open_store(URL), or any clustersim run or sweep into it)",
    )
