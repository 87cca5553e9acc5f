"""The terminal's local store: one SQLite file (WAL, synchronous=FULL) with a versioned schema.

It holds the settings, the cached partner profile, the signing keys, the deny-list, the outbox of
operations waiting for the central service, every sync outcome, and the hash-chained journal. No
photo and no card cache: a holder's name is written only inside the journal entry of its
transaction (PRODUCT.md, Privacy).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
import sqlite_utils

DB_NAME = "terminal.db"

# The transaction an entry or a kept sync outcome is about: SQLite matches an expression index
# only to the same expression, so the queries (pos.transactions, pos.refunds) use these very
# strings. Migration 5 is built from them: never change them (a new expression is a new one).
JOURNAL_TRANSACTION = "CASE WHEN json_valid(event) THEN json_extract(event, '$.transaction_id') END"
OUTCOME_TRANSACTION = (
    "CASE WHEN json_valid(body) THEN coalesce(json_extract(body, '$.transaction_id'), "
    "json_extract(body, '$.redemption.transaction_id')) END"
)
# The journal entry of the payment or redemption that made a transaction (the index's own WHERE).
JOURNAL_ENTRY_OF_TRANSACTION = (
    "SELECT event FROM journal WHERE type IN ('payment', 'redemption') "
    f"AND {JOURNAL_TRANSACTION} = ?"
)

# Each entry upgrades the schema by one version; never edit a released one, append a new one.
MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE partner (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        profile TEXT NOT NULL,
        fetched_at TEXT NOT NULL
    );
    CREATE TABLE keys (kid TEXT PRIMARY KEY, jwk TEXT NOT NULL, fetched_at TEXT NOT NULL);
    CREATE TABLE denylist (card_number TEXT PRIMARY KEY, status TEXT NOT NULL, since TEXT);
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        idempotency_key TEXT NOT NULL UNIQUE,
        operation TEXT NOT NULL,
        body TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        state TEXT NOT NULL,
        origin TEXT NOT NULL,
        owner_pid INTEGER,
        card_number TEXT,
        wallet_code TEXT,
        amount_cents INTEGER NOT NULL DEFAULT 0,
        qr_iat INTEGER,
        ticket_number TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX outbox_state ON outbox (state, seq);
    CREATE INDEX outbox_card ON outbox (card_number, state);
    CREATE TABLE sync_outcomes (
        idempotency_key TEXT PRIMARY KEY,
        operation TEXT NOT NULL,
        outcome TEXT NOT NULL,
        status INTEGER,
        code TEXT,
        body TEXT,
        received_at TEXT NOT NULL,
        acknowledged INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX sync_outcomes_outcome ON sync_outcomes (outcome, acknowledged);
    CREATE TABLE journal (
        seq INTEGER PRIMARY KEY,
        recorded_at TEXT NOT NULL,
        day TEXT NOT NULL,
        type TEXT NOT NULL,
        event TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX journal_day ON journal (day, type);
    CREATE INDEX journal_type ON journal (type);
    """,
    # 2: the offline exposure of a card (what it took offline and the service had not received)
    # is summed at every offline payment; a covering index keeps that sum off the table rows.
    """
    CREATE INDEX outbox_exposure ON outbox
        (card_number, operation, state, wallet_code, occurred_at, amount_cents, idempotency_key);
    DROP INDEX outbox_card;
    """,
    # 3: a voucher's holder was kept in the outcome of its offline redemption; the name belongs
    # to the journal entry alone (PRODUCT.md, Privacy).
    """
    UPDATE sync_outcomes
       SET body = json_remove(body, '$.holder', '$.holder_name', '$.redemption.holder')
     WHERE json_valid(body);
    """,
    # 4: privacy inside inalterability (issue 14): the chain covers a keyed digest of the holder's
    # name; the name itself, needed to reprint, lives here until it is erased (pos.journal). The
    # closed days are read at every append and report: (type, day) answers from the index alone.
    """
    CREATE TABLE journal_names (
        seq INTEGER PRIMARY KEY REFERENCES journal (seq),
        holder_name TEXT NOT NULL,
        month TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX journal_names_recorded ON journal_names (recorded_at);
    CREATE TABLE journal_name_keys (month TEXT PRIMARY KEY, key BLOB NOT NULL);
    CREATE INDEX journal_type_day ON journal (type, day);
    """,
    # 5: "did this terminal make that transaction?" (a cancellation's row in the day's books, a
    # refund receipt's original) was a scan of the whole journal per question: 1.0 s each at a
    # million entries, 242 of them in a month's report (bench/journal.py's journal). Indexed by
    # the transaction id, where it is written, read only from valid JSON: a row edited into
    # anything else is still stored (and `journal verify` names it) instead of the edit failing
    # inside the index.
    f"""
    CREATE INDEX journal_transaction ON journal ({JOURNAL_TRANSACTION})
        WHERE type IN ('payment', 'redemption');
    CREATE INDEX sync_outcomes_transaction ON sync_outcomes ({OUTCOME_TRANSACTION});
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(RuntimeError):
    pass


def _private_file(path: Path, *, create: bool = True) -> None:
    """The file readable and writable by the user alone (0600): it holds the journal with the
    holders' names. Created so before SQLite opens it (SQLite gives the -wal and -shm files the
    database file's mode), and narrowed if an older version left it wider."""
    if create:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    try:
        if os.name == "posix" and path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
    except FileNotFoundError:
        pass


def default_data_dir(explicit: Path | str | None = None) -> Path:
    """--data-dir, else HDF_POS_HOME, else the user data folder."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("HDF_POS_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("hdf-pos", "Generation-HDF"))


class Store:
    """One connection shared by the threads of a process (a lock serialises them); other
    processes on the same file are serialised by SQLite (WAL, busy timeout, BEGIN IMMEDIATE)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = self.data_dir / DB_NAME
        _private_file(self.path)
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a queued operation survives a power cut once its COMMIT returned.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        for side in ("-wal", "-shm"):  # SQLite copies the file's mode; an older file may differ
            _private_file(self.path.with_name(DB_NAME + side), create=False)
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.lock = threading.RLock()
        self._depth = 0
        self.migrate()

    # -- schema -----------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        with self.lock:
            current = self.schema_version
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"Base locale en version {current}, plus récente que ce logiciel "
                    f"({SCHEMA_VERSION}) : mettez le terminal à jour."
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                with self.transaction() as conn:
                    for statement in MIGRATIONS[version - 1].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version={version}")

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    # -- transactions -----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE); nested uses join the outer one."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self._depth = 0
                self.conn.execute("ROLLBACK")
                raise
            self._depth = 0
            self.conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for a read that spans several statements (the journal's readers):
        the threads of this process wait meanwhile."""
        with self.lock:
            yield self.conn

    def next_receipt_number(self, conn: sqlite3.Connection) -> str:
        """The terminal's next receipt number (000001, 000002…), inside the caller's write
        transaction so that the number and the operation it prints commit together."""
        row = conn.execute("SELECT value FROM state WHERE key = 'receipt_counter'").fetchone()
        number = (int(json.loads(row[0])) if row else 0) + 1
        conn.execute(
            "INSERT INTO state (key, value) VALUES ('receipt_counter', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (json.dumps(number),),
        )
        return f"{number:06d}"

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self.lock:
            return list(self.conn.execute(sql, params))

    def one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        with self.lock:
            row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
            return row

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    # -- key/value tables -------------------------------------------------------------------
    def _get(self, table: str, key: str, default: Any = None) -> Any:
        row = self.one(f"SELECT value FROM {table} WHERE key = ?", (key,))
        return default if row is None else json.loads(row["value"])

    def _set(self, table: str, key: str, value: Any) -> None:
        with self.transaction() as conn:
            if value is None:
                conn.execute(f"DELETE FROM {table} WHERE key = ?", (key,))
            else:
                conn.execute(
                    f"INSERT INTO {table} (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, json.dumps(value)),
                )

    def get_setting(self, key: str, default: Any = None) -> Any:
        return self._get("settings", key, default)

    def set_setting(self, key: str, value: Any) -> None:
        self._set("settings", key, value)

    def get_state(self, key: str, default: Any = None) -> Any:
        return self._get("state", key, default)

    def set_state(self, key: str, value: Any) -> None:
        self._set("state", key, value)

    # -- partner, keys, deny-list -----------------------------------------------------------
    def save_partner(self, profile: dict[str, Any], fetched_at: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO partner (id, profile, fetched_at) VALUES (1, ?, ?) ON CONFLICT (id) "
                "DO UPDATE SET profile = excluded.profile, fetched_at = excluded.fetched_at",
                (json.dumps(profile), fetched_at),
            )

    def load_partner(self) -> dict[str, Any] | None:
        row = self.one("SELECT profile FROM partner WHERE id = 1")
        return None if row is None else dict(json.loads(row["profile"]))

    def forget_partner(self) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM partner")

    def save_keys(self, jwks: list[dict[str, Any]], fetched_at: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM keys")
            for jwk in jwks:
                conn.execute(
                    "INSERT OR REPLACE INTO keys (kid, jwk, fetched_at) VALUES (?, ?, ?)",
                    (str(jwk.get("kid")), json.dumps(jwk), fetched_at),
                )

    def load_keys(self) -> list[dict[str, Any]]:
        return [json.loads(r["jwk"]) for r in self.query("SELECT jwk FROM keys ORDER BY kid")]

    def add_denied(self, cards: list[dict[str, Any]], cursor: Any) -> None:
        with self.transaction() as conn:
            for card in cards:
                conn.execute(
                    "INSERT OR REPLACE INTO denylist (card_number, status, since) VALUES (?, ?, ?)",
                    (str(card.get("card_number")), str(card.get("status")), card.get("since")),
                )
            conn.execute(
                "INSERT INTO state (key, value) VALUES ('denylist_cursor', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (json.dumps(cursor),),
            )

    def is_denied(self, card_number: str) -> bool:
        return self.one("SELECT 1 FROM denylist WHERE card_number = ?", (card_number,)) is not None
