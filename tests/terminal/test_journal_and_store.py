"""The journal catches any edit, deletion or insertion; the store keeps secrets and names out;
the token lives in the keyring only; un-enrolling keeps the queue."""

from __future__ import annotations

import json
import sqlite3

import pytest

from pos import journal
from pos.store import MIGRATIONS, SCHEMA_VERSION, Store
from pos.sync import credentials
from pos.terminal import Outcome, Refused, Terminal
from pos.transactions import MADE_HERE_OFFLINE, MADE_HERE_ONLINE
from terminal.helpers import card_qr, dead_url


def _journal_with_rows(tmp_path, n=5) -> Store:
    store = Store(tmp_path / "pos")
    for i in range(n):
        with store.transaction() as conn:
            journal.append(conn, "payment", {"amount_cents": 100 + i, "card_number": "23166621"})
    return store


def _bad_row(store) -> tuple[int | None, str | None]:
    check = journal.verify(store.conn)
    return check.first_bad_row, check.reason


def test_intact_journal_verifies(tmp_path):
    store = _journal_with_rows(tmp_path)
    check = journal.verify(store.conn)
    assert check.ok and check.rows == 5
    # hash = sha256(prev_hash + canonical_json(event)), canonical = sorted keys, no spaces, UTF-8
    import hashlib

    first = store.one("SELECT event, hash FROM journal WHERE seq = 1")
    event = json.loads(first["event"])
    assert first["event"] == json.dumps(event, sort_keys=True, separators=(",", ":"))
    assert first["hash"] == hashlib.sha256((journal.GENESIS + first["event"]).encode()).hexdigest()


def test_edited_row_is_named(tmp_path):
    store = _journal_with_rows(tmp_path)
    row = store.one("SELECT event FROM journal WHERE seq = 3")
    event = json.loads(row["event"])
    event["amount_cents"] = 1
    store.conn.execute(
        "UPDATE journal SET event = ? WHERE seq = 3", (journal.canonical_json(event),)
    )
    assert _bad_row(store)[0] == 3


def test_edit_with_recomputed_hash_breaks_the_next_row(tmp_path):
    store = _journal_with_rows(tmp_path)
    row = store.one("SELECT event, prev_hash FROM journal WHERE seq = 2")
    event = json.loads(row["event"])
    event["amount_cents"] = 1
    store.conn.execute(
        "UPDATE journal SET event = ?, hash = ? WHERE seq = 2",
        (journal.canonical_json(event), journal.chain_hash(row["prev_hash"], event)),
    )
    assert _bad_row(store)[0] == 3


def test_deleted_rows_are_named(tmp_path):
    store = _journal_with_rows(tmp_path)
    store.conn.execute("DELETE FROM journal WHERE seq = 2")
    assert _bad_row(store) == (2, "ligne 2 supprimée")
    store = _journal_with_rows(tmp_path / "b")
    store.conn.execute("DELETE FROM journal WHERE seq = 5")
    assert _bad_row(store)[0] == 5


def test_inserted_row_is_named(tmp_path):
    store = _journal_with_rows(tmp_path)
    row = store.one("SELECT hash FROM journal WHERE seq = 5")
    event = {"amount_cents": 999, "seq": 6, "type": "payment", "day": "2026-01-01",
             "recorded_at": "2026-01-01T00:00:00Z"}  # fmt: skip
    store.conn.execute(
        "INSERT INTO journal VALUES (6, '2026-01-01T00:00:00Z', '2026-01-01', 'payment', ?, ?, ?)",
        (journal.canonical_json(event), row["hash"], journal.chain_hash(row["hash"], event)),
    )
    assert _bad_row(store)[0] == 6  # a forged tail is caught by the head kept apart
    store = _journal_with_rows(tmp_path / "b")
    # A row slipped in the middle, the following ones renumbered.
    store.conn.execute("UPDATE journal SET seq = seq + 1000 WHERE seq >= 3")
    store.conn.execute("UPDATE journal SET seq = seq - 999 WHERE seq >= 1000")
    prev = store.one("SELECT hash FROM journal WHERE seq = 2")["hash"]
    forged = {"amount_cents": 5, "seq": 3, "type": "payment", "day": "2026-01-01",
              "recorded_at": "2026-01-01T00:00:00Z"}  # fmt: skip
    store.conn.execute(
        "INSERT INTO journal VALUES (3, '2026-01-01T00:00:00Z', '2026-01-01', 'payment', ?, ?, ?)",
        (journal.canonical_json(forged), prev, journal.chain_hash(prev, forged)),
    )
    assert _bad_row(store)[0] == 4  # the forged row chains, the next one no longer does


def test_cli_journal_verify_exits_non_zero_naming_the_row(central, make_terminal, run_cli):
    t = make_terminal(central.url)
    for amount in (100, 200, 300):
        assert t.pay(scan="23166621", wallet_code="MANUEQUIP", amount_cents=amount).ok
    data = str(t.data_dir)
    t.close()
    code, out, _ = run_cli("--data-dir", data, "journal", "verify")
    assert code == 0 and "3 ligne" in out
    with sqlite3.connect(f"{data}/terminal.db") as db:
        db.execute("UPDATE journal SET event = replace(event, '\"amount_cents\":200', "
                   "'\"amount_cents\":20') WHERE seq = 2")  # fmt: skip
    code, _, err = run_cli("--data-dir", data, "journal", "verify")
    assert code == 1 and "n° 2" in err


def test_schema_is_versioned_and_durable(tmp_path):
    store = Store(tmp_path / "pos")
    assert store.schema_version == SCHEMA_VERSION
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA synchronous") == 2  # FULL
    store.close()
    store = Store(tmp_path / "pos")  # reopening migrates nothing and loses nothing
    assert store.schema_version == SCHEMA_VERSION
    store.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    store.close()
    with pytest.raises(RuntimeError, match="mettez le terminal à jour"):
        Store(tmp_path / "pos")


def test_an_old_store_upgrades_without_losing_its_queue(tmp_path):
    """A terminal updated while operations wait keeps them: each migration runs once, in order."""
    folder = tmp_path / "pos"
    folder.mkdir()
    with sqlite3.connect(folder / "terminal.db") as db:  # a terminal still on schema version 1
        db.executescript(MIGRATIONS[0])
        db.execute(
            "INSERT INTO outbox (idempotency_key, operation, body, occurred_at, state, origin, "
            "card_number, wallet_code, amount_cents, created_at) VALUES ('k1', 'payment', '{}', "
            "'2026-11-30T08:00:00Z', 'queued', 'offline', '23166621', 'MANUEQUIP', 1250, "
            "'2026-11-30T08:00:00Z')"
        )
        db.execute("PRAGMA user_version = 1")
    store = Store(folder)
    assert store.schema_version == SCHEMA_VERSION > 1
    row = store.one("SELECT idempotency_key, state, amount_cents FROM outbox")
    assert tuple(row) == ("k1", "queued", 1250)
    plan = " ".join(
        str(r[-1])
        for r in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT SUM(amount_cents) FROM outbox WHERE card_number = ? "
            "AND operation = 'payment' AND state IN ('queued', 'pending')",
            ("23166621",),
        )
    )
    assert "COVERING INDEX outbox_exposure" in plan


def test_which_transactions_this_terminal_made_is_read_from_an_index(tmp_path):
    """A month's report asks it once per cancellation; at a million journal entries a scan per
    question took minutes (bench/journal.py). The answers, and that an index gives them."""
    store = Store(tmp_path / "pos")
    mine, theirs = "0b7d5c1e-0000-4000-8000-000000000001", "0b7d5c1e-0000-4000-8000-000000000002"
    offline = "0b7d5c1e-0000-4000-8000-000000000003"
    with store.transaction() as conn:
        journal.append(conn, "payment", {"transaction_id": mine, "amount_cents": 100})
        journal.append(conn, "cancellation", {"transaction_id": theirs, "cancels": theirs})
        conn.execute(
            "INSERT INTO sync_outcomes (idempotency_key, operation, outcome, body, received_at) "
            "VALUES ('k', 'payment', 'applied', ?, '2026-11-30T08:00:00Z')",
            (json.dumps({"transaction_id": offline}),),
        )
    with store.reading() as conn:
        for query, tx, made in (
            (MADE_HERE_ONLINE, mine, True),
            (MADE_HERE_ONLINE, theirs, False),  # a cancellation is not a payment made here
            (MADE_HERE_OFFLINE, offline, True),
            (MADE_HERE_OFFLINE, mine, False),
        ):
            assert (conn.execute(query, (tx,)).fetchone() is not None) is made
            plan = " ".join(str(r[-1]) for r in conn.execute(f"EXPLAIN QUERY PLAN {query}", (tx,)))
            assert "USING INDEX journal_transaction" in plan or (
                "USING INDEX sync_outcomes_transaction" in plan
            ), plan


def test_token_only_in_keyring_and_names_only_in_the_journal(central, make_terminal):
    t = make_terminal(central.url)
    token = credentials.load_token(t.terminal_id)
    assert token and len(token) > 16
    qr = card_qr(central.url, "23166621")
    assert t.lookup("23166621").holder_name == "Jean MARTIN"
    assert t.photo("23166621")[:2] == b"\xff\xd8"  # JPEG, in memory
    assert t.pay(scan="23166621", wallet_code="MANUEQUIP", amount_cents=100).ok
    t.set_server_url(dead_url())
    assert t.pay(scan=qr, wallet_code="MANUEQUIP", amount_cents=100).outcome is (
        Outcome.OFFLINE_QUEUED
    )
    data = t.data_dir
    t.close()
    files = [p for p in data.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix.lower() in (".jpg", ".jpeg", ".png")]
    for path in files:
        assert token.encode() not in path.read_bytes(), path
    with sqlite3.connect(data / "terminal.db") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f"SELECT * FROM {table}"):
                text = json.dumps([str(v) for v in row])
                if "MARTIN" in text:  # the name sits beside the chain, which has its digest
                    assert table == "journal_names", (table, text)


def test_plaintext_keyring_is_refused_without_the_explicit_opt_in(central, tmp_path, monkeypatch):
    monkeypatch.delenv("HDF_POS_ALLOW_INSECURE_KEYRING")
    t = Terminal.open(tmp_path / "pos")
    with pytest.raises(Refused) as err:
        t.enroll(server_url=central.url, partner_code="L212", password="Demo-L212", label="x")
    assert err.value.refusal.code == "keyring_insecure"
    assert "HDF_POS_ALLOW_INSECURE_KEYRING" in err.value.refusal.message
    assert not t.is_enrolled()
    t.close()


def test_unenroll_keeps_the_queue_and_a_new_enrolment_sends_it(central, make_terminal):
    t = make_terminal(central.url)
    qr = card_qr(central.url, "23166621")
    t.set_server_url(dead_url())
    assert t.pay(scan=qr, wallet_code="MANUEQUIP", amount_cents=300).ok
    t.set_server_url(central.url)
    old_id = t.terminal_id
    t.unenroll()
    assert not t.is_enrolled() and credentials.load_token(old_id) is None
    assert t.status(probe=False).queue == 1
    assert t.pay(scan=qr, wallet_code="MANUEQUIP", amount_cents=1).refusal.code == "not_enrolled"
    t.enroll(server_url=central.url, partner_code="L212", password="Demo-L212", label="Caisse 1")
    report = t.sync()
    assert (report.applied, report.remaining) == (1, 0)


def test_wrong_password_and_unknown_partner_are_refused_in_french(central, tmp_path, run_cli):
    code, _, err = run_cli(
        "--data-dir", tmp_path / "p", "enroll", "--server", central.url, "--partner", "L212",
        "--label", "x", "--password-stdin", stdin="mauvais\n",
    )  # fmt: skip
    assert (code == 2 and "enrôlez" in err) or "reconnu" in err
    code, _, err = run_cli(
        "--data-dir", tmp_path / "p", "enroll", "--server", dead_url(), "--partner", "L212",
        "--label", "x", "--password-stdin", stdin="Demo-L212\n",
    )  # fmt: skip
    assert code == 2 and "injoignable" in err


def test_tls_is_verified_and_a_custom_ca_bundle_is_honoured(central, tmp_path, run_cli):
    from terminal.helpers import Proxy, self_signed_tls

    context, ca_path = self_signed_tls(tmp_path)
    proxy = Proxy(central.port, tls=context)
    try:
        data = tmp_path / "pos"
        args = ["--data-dir", data, "enroll", "--server", proxy.url, "--partner", "L212",
                "--label", "Caisse TLS", "--password-stdin"]  # fmt: skip
        code, _, err = run_cli(*args, stdin="Demo-L212\n")
        assert code == 2 and "certificat" in err  # an unknown certificate is never accepted
        code, out, err = run_cli(*args, "--ca-bundle", ca_path, stdin="Demo-L212\n")
        assert code == 0, err
        code, out, err = run_cli(
            "--data-dir", data, "pay", "--card", "23166621", "--wallet", "MANUEQUIP",
            "--amount", "1,00",
        )  # fmt: skip
        assert code == 0 and "Solde après : 79,00 €" in out
    finally:
        proxy.close()
