"""The deny-list cursor never skips a card: card events become visible in the order of their ids."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from central import queries
from central.cli import _prepare
from central.db import normalize_url
from central.ledger import set_card_status
from central.models import cards


@pytest.mark.postgres
def test_a_block_committed_first_waits_for_an_earlier_one_still_open(new_postgres_database):
    """Two cards reported at the same moment: the second report's transaction waits for the first
    one's commit, so a terminal syncing in between cannot move its cursor past the first card."""
    url = _prepare(new_postgres_database(), demo=True)
    engine = create_engine(normalize_url(url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            ids = dict(conn.execute(select(cards.c.card_number, cards.c.id)).all())
            start = queries.denylist(conn, None)["cursor"]
        first = engine.connect()
        first_tx = first.begin()
        set_card_status(first, ids["23166621"], "blocked", "stolen")  # open, not committed
        second_done = threading.Event()

        def second_report() -> None:
            with engine.begin() as conn:
                set_card_status(conn, ids["23166625"], "blocked", "lost")
            second_done.set()

        worker = threading.Thread(target=second_report)
        worker.start()
        time.sleep(0.5)
        assert not second_done.is_set(), "the second report must wait for the first one"
        with engine.connect() as reader:
            assert queries.denylist(reader, start)["cards"] == []
        first_tx.commit()
        first.close()
        worker.join(10)
        assert second_done.is_set()
        with engine.connect() as reader:
            listed = queries.denylist(reader, start)
        assert [c["card_number"] for c in listed["cards"]] == ["23166621", "23166625"]
        assert all(c["status"] == "blocked" for c in listed["cards"])
    finally:
        engine.dispose()
