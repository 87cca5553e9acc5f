"""The Alembic migrations build exactly the schema of central.models, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from central import migrate
from central.db import single_use_engine
from central.models import metadata


def _diff(url: str) -> list:
    migrate.upgrade(url)
    migrate.upgrade(url)  # idempotent: a second run changes nothing
    engine = single_use_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(ctx, metadata)
    finally:
        engine.dispose()


def test_migrations_match_the_models_on_sqlite(tmp_path):
    assert _diff(f"sqlite:///{tmp_path / 'm.db'}") == []


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgres(new_postgres_database):
    assert _diff(new_postgres_database()) == []
