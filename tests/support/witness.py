"""Read what a running central service counted for the administrator: a terminal's journal
conflicts (issue 14), straight from its database."""

from __future__ import annotations

import sqlalchemy as sa

from central.journal import journal_conflicts


def conflict_count(database_url: str, terminal_id: str) -> int:
    url = database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return journal_conflicts(conn, [terminal_id]).get(terminal_id, 0)
    finally:
        engine.dispose()
