"""The test helpers themselves: a throw-away PostgreSQL cluster gives fresh, isolated databases."""

from __future__ import annotations

import psycopg
import pytest

pytestmark = pytest.mark.postgres


def test_each_new_database_is_empty_and_isolated(new_postgres_database):
    first, second = new_postgres_database(), new_postgres_database()
    assert first != second
    with psycopg.connect(first, autocommit=True) as conn:
        conn.execute("CREATE TABLE marker (id int)")
        conn.execute("INSERT INTO marker VALUES (1)")
    with psycopg.connect(second, autocommit=True) as conn:
        count = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert count == (0,)


def test_postgres_url_answers_on_loopback(postgres_url):
    assert postgres_url.startswith("postgresql://postgres@127.0.0.1:")
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
