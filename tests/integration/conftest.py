"""Fixtures for the integration tests against real services (PostgreSQL, a Dask scheduler).

The services are named by ``CLUSTERSIM_TEST_PG_URL`` (a role that may create databases) and
``CLUSTERSIM_TEST_DASK`` (a scheduler with at least two workers, each its own process under a
nanny); ``.ci/run`` starts both. Unset: the tests skip (fail under
``CLUSTERSIM_REQUIRE_SERVICES=1``, see ``tests/conftest.py``). Set but unreachable: they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from _services import DASK_ENV, PG_ENV, PgDatabases, services_required
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine


def _missing(env: str) -> None:
    """A fixture's service is not set (the test lacks its marker): skip, or fail in CI."""
    if services_required():
        pytest.fail(f"{env} is not set but CLUSTERSIM_REQUIRE_SERVICES=1")
    pytest.skip(f"{env} not set")


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """An autocommit engine on the server of ``CLUSTERSIM_TEST_PG_URL`` (fails if unreachable)."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        _missing(PG_ENV)
    engine = create_engine(url, isolation_level="AUTOCOMMIT",
                           connect_args={"connect_timeout": 10})  # fmt: skip
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        pytest.fail(f"{PG_ENV} is set but PostgreSQL is unreachable: {type(exc).__name__}: "
                    f"{' '.join(str(exc).split())[:300]}")  # fmt: skip
    yield engine
    engine.dispose()


@pytest.fixture
def pg_databases(pg_admin: Engine) -> Iterator[PgDatabases]:
    dbs = PgDatabases(pg_admin)
    try:
        yield dbs
    finally:
        dbs.drop_all()


@pytest.fixture(scope="session")
def dask_address() -> str:
    """The scheduler of ``CLUSTERSIM_TEST_DASK`` with two workers (fails if unreachable)."""
    address = os.environ.get(DASK_ENV, "").strip()
    if not address:
        _missing(DASK_ENV)
    from distributed import Client

    address = "tcp://" + address.split("://", 1)[-1]
    try:
        with Client(address, timeout="15s") as client:
            client.wait_for_workers(2, timeout=60)
    except Exception as exc:
        pytest.fail(f"{DASK_ENV}={address} is set but the Dask scheduler or its two workers are "
                    f"unreachable: {type(exc).__name__}: {exc}")  # fmt: skip
    return address
