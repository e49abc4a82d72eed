"""Helpers of the integration tests: the clustersim console script, polling, test databases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parents[2]
CLUSTERSIM = str(Path(sys.executable).parent / "clustersim")
PG_ENV = "CLUSTERSIM_TEST_PG_URL"
DASK_ENV = "CLUSTERSIM_TEST_DASK"
REQUIRE_ENV = "CLUSTERSIM_REQUIRE_SERVICES"


def services_required() -> bool:
    """Whether a missing service must fail the tests (as in ``tests/conftest.py``)."""
    return os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0")


def clustersim(*args: str, timeout: float = 600, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run the ``clustersim`` console script and capture its output."""
    return subprocess.run(
        [CLUSTERSIM, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False
    )


def _sigint_default() -> None:
    # As at an interactive terminal: a test run started in the background inherits SIGINT
    # ignored from its shell, and a child that ignores SIGINT rightly stays deaf to Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_clustersim(*args: str, cwd: Path = ROOT) -> subprocess.Popen:
    """Start ``clustersim`` in a session of its own (so its whole group can be killed), with
    SIGINT as at a terminal."""
    return subprocess.Popen(
        [CLUSTERSIM, *args], cwd=cwd, start_new_session=True, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_sigint_default,
    )  # fmt: skip


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` every 50 ms until it holds; fail the test after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class PgDatabases:
    """Creates databases of their own for tests; drops them at teardown."""

    def __init__(self, admin: Engine) -> None:
        self.admin = admin
        self.names: list[str] = []

    def create(self, prefix: str = "t") -> str:
        """Create an empty database and return its URL (with the password, for subprocesses)."""
        name = f"cs_{prefix}_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        return self.url(name)

    def url(self, name: str) -> str:
        return self.admin.url.set(database=name).render_as_string(hide_password=False)

    def block(self, name: str) -> None:
        """Make a database really unavailable: refuse new connections, end the open ones."""
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = :name AND pid <> pg_backend_pid()"),
                {"name": name},
            )  # fmt: skip

    def unblock(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')

    def drop_all(self) -> None:
        for name in self.names:
            self.unblock(name)
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def masked(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
