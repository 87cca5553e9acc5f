"""Fixtures shared by the whole suite (add yours, never remove others'; keep them cheap)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from hypothesis import settings
from support.clock import install_session_clock
from support.postgres import PostgresCluster, PostgresUnavailable, postgres_cluster

from hdf_common import clock

# A property is judged on its examples, not their speed: the suite runs on busy 2-core machines,
# several tests at once (./test.sh), where a 200 ms deadline fails for the neighbours' reasons.
settings.register_profile("hdf", deadline=None)
settings.load_profile("hdf")


def pytest_configure(config: pytest.Config) -> None:
    """One clock for the whole session, here and in every process the tests start (HDF_CLOCK):
    a fixed instant by default, HDF_TEST_CLOCK to run the suite at another (support/clock.py)."""
    install_session_clock()


def pytest_report_header(config: pytest.Config) -> str:
    setting = clock.setting()
    return f"clock: {setting.partition('@')[0] if setting else 'real'} (HDF_TEST_CLOCK to change)"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """One throw-away PostgreSQL cluster for the session, started only when a test asks for it.

    Missing server binaries skip the test on a developer machine but FAIL it in CI (CI=true): CI
    installs them (scripts/bootstrap.sh), so a skip there would hide that PostgreSQL went untested.
    """
    try:
        with postgres_cluster() as cluster:
            yield cluster
    except PostgresUnavailable as exc:
        if _in_ci():
            pytest.fail(f"CI=true but PostgreSQL is unavailable: {exc}")
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def postgres_url(pg_cluster: PostgresCluster) -> str:
    """URL of a database created for this session in the throw-away cluster."""
    return pg_cluster.create_database("session")


@pytest.fixture(scope="session")
def new_postgres_database(pg_cluster: PostgresCluster) -> Callable[[], str]:
    """Factory: each call creates a new, empty database and returns its URL (a few ms)."""
    return lambda: pg_cluster.create_database("t")
