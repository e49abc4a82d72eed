"""Service-marked tests: skip only when their service was not requested, never silently in CI.

A test marked ``postgres`` needs ``CLUSTERSIM_TEST_PG_URL``; one marked ``dask`` needs
``CLUSTERSIM_TEST_DASK``. When the variable is unset the test is skipped, unless
``CLUSTERSIM_REQUIRE_SERVICES=1`` (set by ``.ci/run``): then it fails. A variable that is set but
names an unreachable service always fails (see ``tests/integration/conftest.py``).

``make test`` runs the suite on two pytest-xdist workers with ``--dist loadgroup``. Every test
gets an ``xdist_group``: its file (so a module-scoped fixture is built once), except that all
tests needing PostgreSQL or Dask share one group, ``services``: they use one database and one
Dask cluster, and some of them stop and restart Dask workers, so they run one at a time.
"""

from __future__ import annotations

import os

import pytest

SERVICE_ENV = {"postgres": "CLUSTERSIM_TEST_PG_URL", "dask": "CLUSTERSIM_TEST_DASK"}
REQUIRE_ENV = "CLUSTERSIM_REQUIRE_SERVICES"


def services_required() -> bool:
    """Whether a missing service must fail the tests (CI) instead of skipping them."""
    return os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        services = any(item.get_closest_marker(m) for m in SERVICE_ENV)
        group = "services" if services or "integration" in item.path.parts else str(item.path)
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, env in SERVICE_ENV.items():
        if item.get_closest_marker(marker) is None or os.environ.get(env, "").strip():
            continue
        if services_required():
            pytest.fail(f"{env} is not set but {REQUIRE_ENV}=1: the {marker} service is required")
        pytest.skip(f"{env} not set (no {marker} service requested)")
