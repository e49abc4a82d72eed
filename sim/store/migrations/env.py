"""Alembic environment of the clustersim results database.

``open_store()`` runs the migrations programmatically and hands its own connection over in
``config.attributes["connection"]``; that connection (and its open transaction) is used as is.
From the command line (``alembic -c sim/store/alembic.ini ...``) the URL is resolved like
``open_store()`` does: ``sqlalchemy.url`` if set, else ``CLUSTERSIM_DB``, else the default
SQLite file.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import URL, Connection

from sim.store.engine import WRITE_OPTIONS, create_store_engine, resolve_url
from sim.store.tables import metadata

config = context.config
target_metadata = metadata

if config.config_file_name is not None and config.file_config.has_section("loggers"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def _url() -> URL:
    return resolve_url(config.get_main_option("sqlalchemy.url") or None)


def run_migrations_offline() -> None:
    """Emit the migration SQL as a script (``alembic upgrade head --sql``)."""
    url = _url().render_as_string(hide_password=False)
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the caller's connection, or on a fresh engine from the CLI."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return

    engine = create_store_engine(_url())
    try:
        with engine.execution_options(**WRITE_OPTIONS).connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
