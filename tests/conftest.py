"""Service-marked tests: skip only when their service was not requested, never silently in CI.

A test marked ``postgres`` needs ``CLUSTERSIM_TEST_PG_URL``; one marked ``dask`` needs
``CLUSTERSIM_TEST_DASK``. When the variable is unset the test is skipped, unless
``CLUSTERSIM_REQUIRE_SERVICES=1`` (set by ``.ci/run``): then it fails. A variable that is set but
names an unreachable service always fails (see ``tests/integration/conftest.py``).

``make test`` runs the suite on two pytest-xdist workers with ``--dist loadfile``: each test file
runs on one worker, so a module-scoped fixture is built once. The tests marked ``dask`` share
one Dask cluster (and count its tasks, or stop its workers), so they take a lock file and run
one at a time across the workers. The PostgreSQL tests each work in a database or schema of
their own. (``--dist loadgroup`` does not group with pytest 9.2 and pytest-xdist 3.8: xdist
renames ``item._nodeid``, which pytest 9.2 no longer reads.)
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# The page's background prefetch of de-facto runs (sim.app.jobs) is off for the suite: every
# page a browser test opens would start 20 pairs of runs beside the test's own, on 2 cores.
# tests/test_app_jobs_split.py tests the prefetch itself, and the page's call of it.
os.environ.setdefault("CLUSTERSIM_APP_PREFETCH", "0")

SERVICE_ENV = {"postgres": "CLUSTERSIM_TEST_PG_URL", "dask": "CLUSTERSIM_TEST_DASK"}
REQUIRE_ENV = "CLUSTERSIM_REQUIRE_SERVICES"


def services_required() -> bool:
    """Whether a missing service must fail the tests (CI) instead of skipping them."""
    return os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0")


@pytest.fixture(autouse=True)
def _one_dask_test_at_a_time(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests marked ``dask`` hold an exclusive lock on a file while they run."""
    if request.node.get_closest_marker("dask") is None:
        yield
        return
    lock = Path(tempfile.gettempdir()) / "clustersim-tests-dask.lock"
    with lock.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, env in SERVICE_ENV.items():
        if item.get_closest_marker(marker) is None or os.environ.get(env, "").strip():
            continue
        if services_required():
            pytest.fail(f"{env} is not set but {REQUIRE_ENV}=1: the {marker} service is required")
        pytest.skip(f"{env} not set (no {marker} service requested)")


REPO_RESULTS = Path(__file__).resolve().parents[1] / "results"


@pytest.fixture(autouse=True, scope="module")
def _results_folder_untouched() -> Iterator[None]:
    """No test writes into the checkout's ``results/``: tests write under ``tmp_path``.

    (A report written there by a test survives the run, and costs the suite the writing.)
    """
    before = set(REPO_RESULTS.iterdir()) if REPO_RESULTS.is_dir() else set()
    yield
    after = set(REPO_RESULTS.iterdir()) if REPO_RESULTS.is_dir() else set()
    new = sorted(p.name for p in after - before)
    assert not new, f"a test in this module wrote into {REPO_RESULTS}: {new}"
