"""The outbox: the one owner of every statement on the `outbox` and `sync_outcomes` tables.

A row's states: `pending` (committed before the request leaves) → `online` (the service
answered) | `queued` (origin `offline`: accepted by the offline rules; origin `unknown`: sent but
no answer, or left `pending` by a dead process) → `synced` (its `/v1/sync` outcome is kept in
`sync_outcomes`). A refusal deletes the `pending` row. The offline rules read what this terminal
already took on a card from here (`exposure`, `voucher_queued`).
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime
from typing import Any

from pos import journal
from pos.domain import to_rfc3339, utc_now
from pos.intent import Intent, journal_type
from pos.offline import CardExposure
from pos.store import Store

_IN_FLIGHT = "state IN ('queued', 'pending')"

# What names a person in the service's answers (a voucher's `holder`): never kept outside the
# journal entry of its transaction (PRODUCT.md, Privacy).
_NAME_KEYS = frozenset({"holder", "holder_name", "first_name", "last_name"})


def without_names(value: Any) -> Any:
    """`value` with every key that names a person removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_names(v) for k, v in value.items() if k not in _NAME_KEYS}
    if isinstance(value, list):
        return [without_names(v) for v in value]
    return value


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead for our purpose
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def recovered_event(row: Any) -> dict[str, Any]:
    """The journal event of an operation a dead process left in flight (an unknown outcome)."""
    body = json.loads(row["body"])
    return {
        "mode": "unknown",
        "recovered": True,
        "idempotency_key": row["idempotency_key"],
        "receipt_number": None,
        "card_number": row["card_number"],
        "holder_name": None,
        "wallet_code": row["wallet_code"],
        "amount_cents": row["amount_cents"],
        "ticket_number": row["ticket_number"],
        "occurred_at": row["occurred_at"],
        "transaction_id": None,
        "transaction_number": None,
        "balance_after_cents": None,
        "reference": body.get("reference"),
    }


class Outbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- writing an intent ------------------------------------------------------------------
    def add(self, conn: sqlite3.Connection, intent: Intent, *, state: str, origin: str) -> None:
        conn.execute(
            "INSERT INTO outbox (idempotency_key, operation, body, occurred_at, state, origin, "
            "owner_pid, card_number, wallet_code, amount_cents, qr_iat, ticket_number, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                intent.key,
                intent.operation,
                json.dumps(intent.request_body(), sort_keys=True),
                intent.occurred_at,
                state,
                origin,
                os.getpid(),
                intent.card_number,
                intent.wallet_code,
                intent.amount_cents,
                intent.qr_iat,
                intent.ticket_number,
                to_rfc3339(utc_now()),
            ),
        )

    def add_pending(self, intent: Intent) -> None:
        """Commit the intent before the request leaves: a crash now is an unknown outcome."""
        with self.store.transaction() as conn:
            self.add(conn, intent, state="pending", origin="online")

    def drop_pending(self, key: str) -> None:
        """The service refused (or the offline rules judge afresh): no trace is kept. Inside a
        caller's transaction, joins it."""
        with self.store.transaction() as conn:
            conn.execute(
                "DELETE FROM outbox WHERE idempotency_key = ? AND state = 'pending'", (key,)
            )

    def mark_online(self, conn: sqlite3.Connection, key: str) -> None:
        conn.execute("UPDATE outbox SET state = 'online' WHERE idempotency_key = ?", (key,))

    def mark_unknown(self, conn: sqlite3.Connection, key: str) -> None:
        """Sent without an answer: queued under the SAME key, to be sent again at sync."""
        conn.execute(
            "UPDATE outbox SET state = 'queued', origin = 'unknown' "
            "WHERE idempotency_key = ? AND state = 'pending'",
            (key,),
        )

    def set_redemption(self, intent: Intent) -> None:
        """What the service said the redeemed voucher was (card, wallet, amount)."""
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET card_number = ?, wallet_code = ?, amount_cents = ? "
                "WHERE idempotency_key = ?",
                (intent.card_number, intent.wallet_code, intent.amount_cents, intent.key),
            )

    def recover_in_flight(self) -> int:
        """Operations a dead process left in flight are unknown outcomes: queue them (same key)
        and journal them, so the central ledger and the journal cannot disagree after a crash."""
        rows = self.store.query(
            "SELECT idempotency_key, owner_pid FROM outbox WHERE state = 'pending' ORDER BY seq"
        )
        stale = [r["idempotency_key"] for r in rows if not pid_alive(int(r["owner_pid"] or 0))]
        for key in stale:
            with self.store.transaction() as conn:
                row = conn.execute(
                    "SELECT * FROM outbox WHERE idempotency_key = ? AND state = 'pending'", (key,)
                ).fetchone()
                if row is None:
                    continue
                self.mark_unknown(conn, key)
                journal.append(conn, journal_type(row["operation"]), recovered_event(row))
        return len(stale)

    # -- what the offline rules and the status read -----------------------------------------
    def queue_size(self) -> int:
        return int(self.store.scalar(f"SELECT COUNT(*) FROM outbox WHERE {_IN_FLIGHT}"))

    def oldest_queued(self) -> tuple[int, str | None]:
        """(how many are waiting, the moment of the oldest)."""
        row = self.store.one(
            f"SELECT COUNT(*) AS n, MIN(occurred_at) AS oldest FROM outbox WHERE {_IN_FLIGHT}"
        )
        return (int(row["n"]), row["oldest"]) if row else (0, None)

    def voucher_queued(self, ticket_number: str) -> bool:
        return (
            self.store.one(
                "SELECT 1 FROM outbox WHERE ticket_number = ? AND operation = 'voucher_redeem' "
                f"AND {_IN_FLIGHT}",
                (ticket_number,),
            )
            is not None
        )

    def exposure(
        self,
        card_number: str,
        wallet_code: str,
        claims: Any,
        *,
        window_start: datetime | None = None,
    ) -> CardExposure:
        """What this terminal took on the card. The per-card total is the service's rule (API.md
        1.1): what is on its way, plus the offline payments it applied whose instant lies after
        `window_start` (now − `max_age_hours`), so an honest terminal never makes an offline
        payment the service will refuse `offline_limit_exceeded`."""
        iat = claims.get("iat") if isinstance(claims, dict) else None
        iat_text = to_rfc3339(datetime.fromtimestamp(float(iat or 0), UTC))
        since = to_rfc3339(window_start) if window_start is not None else None
        queued = self.store.scalar(
            "SELECT COALESCE(SUM(o.amount_cents), 0) FROM outbox o "
            "LEFT JOIN sync_outcomes s ON s.idempotency_key = o.idempotency_key "
            "WHERE o.card_number = ? AND o.operation = 'payment' AND ("
            " o.state IN ('queued', 'pending')"
            " OR (? IS NOT NULL AND o.origin = 'offline' AND o.state = 'synced'"
            "     AND s.outcome != 'rejected' AND o.occurred_at >= ?))",
            (card_number, since, since),
        )
        # Conservative: online payments made after the QR was issued are not in its snapshot
        # either, nor offline ones the service received after it.
        taken = self.store.scalar(
            "SELECT COALESCE(SUM(o.amount_cents), 0) FROM outbox o "
            "LEFT JOIN sync_outcomes s ON s.idempotency_key = o.idempotency_key "
            "WHERE o.card_number = ? AND o.wallet_code = ? AND o.operation = 'payment' AND ("
            " o.state IN ('queued', 'pending')"
            " OR (o.state = 'online' AND o.occurred_at >= ?)"
            " OR (o.state = 'synced' AND s.outcome != 'rejected' AND s.received_at >= ?))",
            (card_number, wallet_code, iat_text, iat_text),
        )
        return CardExposure(int(queued), int(taken))

    # -- sync -------------------------------------------------------------------------------
    def queued_count(self) -> int:
        return int(self.store.scalar("SELECT COUNT(*) FROM outbox WHERE state = 'queued'"))

    def next_batch(self, after_seq: int, limit: int) -> list[sqlite3.Row]:
        """The next queued rows to send, oldest first (`origin` 'unknown': sent online, its
        answer lost, so a replay)."""
        return self.store.query(
            "SELECT seq, idempotency_key, operation, body, occurred_at, origin FROM outbox "
            "WHERE state = 'queued' AND seq > ? ORDER BY seq LIMIT ?",
            (after_seq, limit),
        )

    def record_outcome(
        self, conn: sqlite3.Connection, row: Any, outcome: dict[str, Any], received_at: str
    ) -> None:
        """Keep the service's outcome of a sent row; the row is `synced`."""
        conn.execute(
            "INSERT OR REPLACE INTO sync_outcomes (idempotency_key, operation, outcome, "
            "status, code, body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                row["idempotency_key"],
                row["operation"],
                outcome["outcome"],
                outcome["status"],
                outcome["code"],
                json.dumps(without_names(outcome["body"])),
                received_at,
            ),
        )
        conn.execute(
            "UPDATE outbox SET state = 'synced' WHERE idempotency_key = ?",
            (row["idempotency_key"],),
        )

    def outcomes(self, keys: list[str]) -> dict[str, sqlite3.Row]:
        """The kept `/v1/sync` outcomes of these idempotency keys."""
        found: dict[str, sqlite3.Row] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for row in self.store.query(
                "SELECT * FROM sync_outcomes WHERE idempotency_key IN "
                f"({','.join('?' * len(chunk))})",
                tuple(chunk),
            ):
                found[row["idempotency_key"]] = row
        return found

    def rejected(self) -> list[sqlite3.Row]:
        """The rows the service rejected at sync (follow-ups), with what they were."""
        return self.store.query(
            "SELECT s.*, o.card_number, o.wallet_code, o.amount_cents, o.occurred_at, "
            "o.ticket_number FROM sync_outcomes s JOIN outbox o USING (idempotency_key) "
            "WHERE s.outcome = 'rejected' ORDER BY o.seq"
        )

    def open_follow_ups(self) -> int:
        return int(
            self.store.scalar(
                "SELECT COUNT(*) FROM sync_outcomes WHERE outcome = 'rejected' AND acknowledged = 0"
            )
        )
