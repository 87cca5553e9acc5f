"""Privacy inside inalterability (issue 14): the chain covers a keyed digest of the holder's name,
not the name; the name, kept beside the chain for reprints, is erased after the retention (90 days
by default, a setting) with its month's key, and `journal verify` still passes; the transaction
then shows the card number only. A name swapped while kept is caught by `journal verify`. SQLite
terminals against the service on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.central_server import CentralProcess
from support.clock import clock_at

from pos import journal
from pos import settings as pos_settings
from pos.store import Store
from pos.terminal import Terminal
from terminal.helpers import BOTH_DATABASES, central_on

CARD = "23166621"
PAID_AT = "2026-11-24T10:00:00+01:00"


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def shared_central(request, tmp_path_factory) -> Iterator[CentralProcess]:
    """The service on SQLite and on PostgreSQL (the terminal is SQLite)."""
    with central_on(request, tmp_path_factory.mktemp(f"central-privacy-{request.param}")) as c:
        yield c


def paid_terminal(shared_central, make_terminal) -> Path:
    t = make_terminal(shared_central.url, name="privacy")
    with clock_at(PAID_AT):
        assert t.pay(scan=CARD, wallet_code="MANUEQUIP", amount_cents=120).ok
        t.close()
    return Path(t.data_dir)


def holder_of_the_day(data: Path) -> str | None:
    with Terminal.open(data) as t:
        views = [
            v for v in t.daybook.listing.local_views(date(2026, 11, 24)) if v.card_number == CARD
        ]
    assert len(views) == 1 and views[0].card_number == CARD
    return views[0].holder_name


def test_the_chain_holds_a_digest_and_the_name_goes_after_90_days(
    shared_central, make_terminal, run_cli
) -> None:
    data = paid_terminal(shared_central, make_terminal)
    with sqlite3.connect(data / "terminal.db") as db:
        (text,) = db.execute("SELECT event FROM journal WHERE type = 'payment'").fetchone()
        assert "MARTIN" not in text
        assert len(json.loads(text)[journal.DIGEST_FIELD]) == 64
    with clock_at("2027-02-21T10:00:00+01:00"):  # 89 days later: still kept for reprints
        assert holder_of_the_day(data) == "Jean MARTIN"
    with clock_at("2027-02-23T10:00:00+01:00"):  # 91 days later
        assert not holder_of_the_day(data)  # the transaction shows the card number only
        code, out, err = run_cli("--data-dir", data, "journal", "verify")
        assert code == 0 and "Journal intègre" in out, err
    with sqlite3.connect(data / "terminal.db") as db:
        assert db.execute("SELECT count(*) FROM journal_names").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM journal_name_keys").fetchone()[0] == 0
    for path in data.rglob("*"):
        if path.is_file():
            assert b"MARTIN" not in path.read_bytes(), path


def test_the_retention_is_a_setting(shared_central, make_terminal) -> None:
    data = paid_terminal(shared_central, make_terminal)
    with Terminal.open(data) as t:
        pos_settings.NAME_RETENTION_DAYS.set(t.store, 30)
    with clock_at("2026-12-20T10:00:00+01:00"):
        assert holder_of_the_day(data) == "Jean MARTIN"
    with clock_at("2026-12-25T10:00:00+01:00"):
        assert not holder_of_the_day(data)


def test_a_swapped_name_is_caught_by_journal_verify(shared_central, make_terminal, run_cli) -> None:
    data = paid_terminal(shared_central, make_terminal)
    with sqlite3.connect(data / "terminal.db") as db:
        seq = db.execute("SELECT seq FROM journal_names").fetchone()[0]
        db.execute("UPDATE journal_names SET holder_name = 'Paul DURAND'")
    with clock_at(PAID_AT):
        code, _, err = run_cli("--data-dir", data, "journal", "verify")
    assert code == 1 and f"n° {seq} " in err and "nom du titulaire" in err


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.one_of(st.text(max_size=80), st.binary(max_size=40).map(repr)))
def test_any_stored_event_text_gets_a_verdict_not_a_crash(tmp_path_factory, text: str) -> None:
    # The journal file is untrusted input for `journal verify`: any text in a row is named.
    store = Store(tmp_path_factory.mktemp("verify-any"))
    with store.transaction() as conn:
        for i in range(3):
            journal.append(conn, "payment", {"amount_cents": 100 + i, "holder_name": "Léa DUBOIS"})
    with store.transaction() as conn:
        original = conn.execute("SELECT event FROM journal WHERE seq = 2").fetchone()[0]
        conn.execute("UPDATE journal SET event = ? WHERE seq = 2", (text,))
    check = journal.verify(store.conn)
    store.close()
    assert check.ok is (text == original)
    if not check.ok:
        assert check.first_bad_row == 2 and check.reason
