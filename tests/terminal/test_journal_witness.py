"""The journal's witness (issue 14): the terminal sends its head after every sync pass and every
closing, and `hdf-pos journal verify` checks the local chain passes through every head the service
recorded. A rewritten and recomputed chain, a truncated tail, an emptied journal: each passes the
local check alone, each is named once a head was witnessed. SQLite terminals, the service on
SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.central_server import CentralProcess, sqlite_url, start_central
from support.witness import conflict_count

from pos import journal
from pos.sync import witness

CARD = "23166621"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def witness_central(request, tmp_path_factory) -> Iterator[CentralProcess]:
    data_dir = tmp_path_factory.mktemp(f"central-witness-{request.param}")
    if request.param == "postgres":
        url = str(request.getfixturevalue("pg_cluster").create_database("witness"))
    else:
        url = sqlite_url(data_dir / "central.db")
    with start_central(database_url=url, data_dir=data_dir) as proc:
        yield proc


def conflicts(central: CentralProcess, terminal_id: str) -> int:
    return conflict_count(central.database_url, terminal_id)


def service_head(terminal: Any) -> dict[str, Any]:
    return dict(terminal.connection.client().request("GET", witness.HEAD_PATH))


def witnessed_terminal(central: CentralProcess, make_terminal: Any, payments: int = 4) -> Any:
    """A terminal with a few payments whose head the service recorded (one sync pass)."""
    t = make_terminal(central.url)
    for i in range(payments):
        assert t.pay(scan=CARD, wallet_code="MANUEQUIP", amount_cents=100 + i).ok
    t.sync()
    return t


def rewrite(db_path: Path, seq: int, edit: Any) -> None:
    """What someone holding the file can do: edit one event, recompute every hash after it and
    the stored head, so the local chain verifies again."""
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT seq, event FROM journal WHERE seq >= ? ORDER BY seq", (seq,))
        rows = rows.fetchall()
        prev = db.execute("SELECT hash FROM journal WHERE seq = ?", (seq - 1,)).fetchone()
        prev_hash = prev[0] if prev else journal.GENESIS
        for row_seq, text in rows:
            event = json.loads(text)
            if row_seq == seq:
                edit(event)
            digest = journal.chain_hash(prev_hash, event)
            db.execute(
                "UPDATE journal SET event = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                (journal.canonical_json(event), prev_hash, digest, row_seq),
            )
            prev_hash = digest
        set_head(db)


def set_head(db: sqlite3.Connection) -> None:
    row = db.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    if row is None:
        db.execute("DELETE FROM state WHERE key = 'journal_head'")
    else:
        db.execute(
            "UPDATE state SET value = ? WHERE key = 'journal_head'",
            (json.dumps({"seq": row[0], "hash": row[1]}),),
        )


def local_only_passes(data: Path) -> None:
    with sqlite3.connect(data / "terminal.db") as db:
        assert journal.verify(db).ok  # the forgery is invisible to the chain alone


def test_every_sync_pass_even_empty_and_every_closing_send_the_head(
    witness_central, make_terminal
) -> None:
    t = make_terminal(witness_central.url)
    t.sync()  # nothing to send: the (empty) head is recorded all the same
    assert service_head(t)["seq"] == 0 and service_head(t)["hash"] == journal.GENESIS
    assert t.pay(scan=CARD, wallet_code="MANUEQUIP", amount_cents=150).ok
    t.sync()
    with t.store.reading() as conn:
        head = witness.local_head(conn)
    assert head.seq >= 1 and (service_head(t)["seq"], service_head(t)["hash"]) == (
        head.seq,
        head.hash,
    )
    closing = t.close_day()
    with t.store.reading() as conn:
        after_closing = witness.local_head(conn)
    assert after_closing.seq > head.seq
    assert service_head(t)["hash"] == after_closing.hash
    assert closing.grand_total_cents is not None


def test_a_rewritten_and_recomputed_chain_is_named(witness_central, make_terminal, run_cli) -> None:
    t = witnessed_terminal(witness_central, make_terminal)
    data = Path(t.data_dir)
    code, out, _ = run_cli("--data-dir", data, "journal", "verify")
    assert code == 0 and "Journal intègre" in out and "tête(s) enregistrée(s)" in out
    t.close()

    def lower_amount(event: dict[str, Any]) -> None:
        event["amount_cents"] = 1

    rewrite(data / "terminal.db", 2, lower_amount)
    local_only_passes(data)
    code, _, err = run_cli("--data-dir", data, "journal", "verify")
    assert code == 1, err
    assert "Journal ALTÉRÉ" in err and "n° 1 " in err and "réécrit" in err


def test_a_truncated_tail_is_named_and_the_service_marks_the_conflict(
    witness_central, make_terminal, run_cli
) -> None:
    t = witnessed_terminal(witness_central, make_terminal)
    data, terminal_id = Path(t.data_dir), t.connection.terminal_id
    with t.store.reading() as conn:
        witnessed = witness.local_head(conn).seq
    t.close()
    with sqlite3.connect(data / "terminal.db") as db:
        db.execute("DELETE FROM journal WHERE seq > ?", (witnessed - 2,))
        set_head(db)
        gone = journal.verify(db)  # the holders' names of the deleted rows give it away
        assert not gone.ok and gone.first_bad_row == witnessed - 1, gone
        db.execute("DELETE FROM journal_names WHERE seq > ?", (witnessed - 2,))  # a careful forger
    local_only_passes(data)
    code, _, err = run_cli("--data-dir", data, "journal", "verify")
    assert code == 1 and f"n° {witnessed - 1} " in err and "tronqué" in err
    # The next sync pass sends the shorter head: the service refuses it and counts it.
    assert conflicts(witness_central, terminal_id) == 0
    code, _, _ = run_cli("--data-dir", data, "sync", "--once")
    assert conflicts(witness_central, terminal_id) == 1


def test_an_emptied_journal_is_named(witness_central, make_terminal, run_cli) -> None:
    t = witnessed_terminal(witness_central, make_terminal, payments=2)
    data = Path(t.data_dir)
    t.close()
    with sqlite3.connect(data / "terminal.db") as db:
        db.execute("DELETE FROM journal_names")
        db.execute("DELETE FROM journal")
        set_head(db)
    local_only_passes(data)
    code, _, err = run_cli("--data-dir", data, "journal", "verify")
    assert code == 1 and "n° 1 " in err and "vidé" in err


def test_offline_verify_says_when_the_service_last_witnessed(
    witness_central, make_terminal, run_cli
) -> None:
    t = witnessed_terminal(witness_central, make_terminal, payments=1)
    data = Path(t.data_dir)
    received = service_head(t)["received_at"]
    t.close()
    with sqlite3.connect(data / "terminal.db") as db:
        db.execute(
            "UPDATE settings SET value = ? WHERE key = 'server_url'", ('"http://127.0.0.1:9"',)
        )
    code, out, _ = run_cli("--data-dir", data, "journal", "verify")
    assert code == 0 and "injoignable" in out and received in out


def test_the_pay_receipt_carries_the_journal_seq_and_fingerprint(
    witness_central, make_terminal, run_cli
) -> None:
    t = make_terminal(witness_central.url)
    data = Path(t.data_dir)
    t.close()
    code, out, err = run_cli(
        "--data-dir", data, "pay", "--card", CARD, "--wallet", "MANUEQUIP", "--amount", "2,10"
    )
    assert code == 0, err
    with sqlite3.connect(data / "terminal.db") as db:
        seq, digest = db.execute(
            "SELECT seq, hash FROM journal WHERE type = 'payment' ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    assert f"Journal n° {seq} — Empreinte : {digest[:8]}" in out
