"""Connecting to the results database: URL resolution, SQLite pragmas, masking, migrations.

The URL is the argument of :func:`sim.store.open_store`, else the ``CLUSTERSIM_DB`` environment
variable, else the SQLite file :data:`DEFAULT_SQLITE_PATH` under the current directory. A bare
path (no ``://``) is taken as a SQLite file. SQLite connections get the pragmas measured to work
with one batched writer (WAL, ``synchronous=NORMAL``, foreign keys, a 30 s busy timeout), and
SQLAlchemy, not the ``sqlite3`` module, emits ``BEGIN``: ``BEGIN IMMEDIATE`` for writes, so that
a read-then-write transaction waits for the lock instead of failing.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from sim.store.errors import StoreUnavailable

__all__ = [
    "DEFAULT_SQLITE_PATH",
    "ENV_VAR",
    "MIGRATIONS_DIR",
    "WRITE_OPTIONS",
    "alembic_config",
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
    parsed = make_url(url)
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


def mask_url(url: str | URL) -> str:
    """Render a URL for display with its password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        # Not parseable: hide anything between "user:" and "@" in the raw text.
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", str(url))


def error_reason(exc: BaseException, url: URL | None = None) -> str:
    """Describe an error in one line without the URL's password.

    Args:
        exc: The exception to describe; for driver errors the driver's own message is used.
        url: The URL whose password must not appear in the text.
    """
    inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = " ".join(str(inner).split()) or type(inner).__name__
    password = url.password if url is not None else None
    if password:
        for secret in {str(password), quote_plus(str(password))}:
            text = text.replace(secret, "***")
    return text


def create_store_engine(url: URL, *, create_dirs: bool = True) -> Engine:
    """Create the engine for ``url``; SQLite gets its pragmas and transaction handling.

    Args:
        url: A resolved URL (see :func:`resolve_url`).
        create_dirs: For a SQLite file, create its directory when missing.

    Raises:
        StoreUnavailable: When the SQLite file's directory is missing and may not be created.
    """
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
    kwargs: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        _quiet_driver_logger()
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
    if url.get_backend_name() != "sqlite":
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _quiet_driver_logger() -> None:
    """Keep psycopg's "error ignored terminating <Pipeline/Copy>" warnings off stderr.

    When the server goes away mid-write psycopg logs such a warning besides raising; without a
    handler Python's last-resort handler prints it next to our one-line message. A NullHandler
    stops only that fallback: applications that configure logging still receive the records.
    """
    logger = logging.getLogger("psycopg")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (see _sqlite_on_begin), so the pragmas below run outside
    # any transaction and SELECTs are transactional too.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


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
    unknown = current - {rev.revision for rev in script.walk_revisions()}
    if unknown:
        raise StoreUnavailable(
            mask_url(engine.url),
            f"schema revision {', '.join(sorted(unknown))} is unknown to this clustersim "
            "(the database was written by a newer version; upgrade clustersim)",
        )
    with engine.execution_options(**WRITE_OPTIONS).begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several sweeps may open a new database at once: one migrates, the others wait
            # for it here and then find the schema at head (SQLite: BEGIN IMMEDIATE does this).
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            if set(MigrationContext.configure(conn).get_current_heads()) == heads:
                return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
