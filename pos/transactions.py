"""The transactions list: the service's transactions of a day merged with this terminal's own
journal (what has not reached the service yet, what it rejected), each of the service's rows
joined to this terminal's journal entry of the same transaction (a duplicate carries its proof).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from pos import journal
from pos.connection import Connection
from pos.domain import business_day, parse_instant, utc_now
from pos.outbox import Outbox
from pos.results import Refused, TransactionView
from pos.store import JOURNAL_ENTRY_OF_TRANSACTION, OUTCOME_TRANSACTION
from pos.sync.client import ApiError, ClientError

_KIND_OF_ENTRY = {
    "payment": "counter_payment",
    "redemption": "voucher_redemption",
    "cancellation": "cancellation",
}


def view_from_api(t: dict[str, Any]) -> TransactionView:
    return TransactionView(
        transaction_id=t.get("transaction_id"),
        transaction_number=t.get("transaction_number"),
        kind=str(t.get("kind")),
        status=str(t.get("status")),
        card_number=str(t.get("card_number") or ""),
        wallet_code=str(t.get("wallet_code") or ""),
        amount_cents=int(t.get("amount_cents") or 0),
        balance_after_cents=t.get("balance_after_cents"),
        occurred_at=parse_instant(t.get("occurred_at")) or utc_now(),
        channel=str(t.get("channel") or "counter"),
        offline=bool(t.get("offline")),
        reference=t.get("reference"),
        cancels=t.get("cancels"),
        terminal_id=t.get("terminal_id"),
        sync_state="central",
    )


# Answered by store migration 5's indexes.
MADE_HERE_ONLINE = f"{JOURNAL_ENTRY_OF_TRANSACTION} LIMIT 1"
MADE_HERE_OFFLINE = f"SELECT 1 FROM sync_outcomes WHERE {OUTCOME_TRANSACTION} = ? LIMIT 1"


def _with_journal(
    central: list[TransactionView], local: list[TransactionView]
) -> list[TransactionView]:
    """The service's rows with what only this terminal's journal knows of the same transaction:
    the entry's seq and hash (a duplicate carries the proof), the receipt's ticket number and the
    holder's name while kept."""
    mine = {v.transaction_id: v for v in local if v.transaction_id}
    joined = []
    for v in central:
        own = mine.get(v.transaction_id or "")
        if own is not None:
            v = replace(
                v,
                journal_seq=own.journal_seq,
                journal_hash=own.journal_hash,
                ticket_number=own.ticket_number,
                holder_name=v.holder_name or own.holder_name,
            )
        joined.append(v)
    return joined


def _matches(view: TransactionView, needle: str) -> bool:
    fields = (view.card_number, view.transaction_number, view.reference, view.wallet_code)
    return needle in " ".join(str(x or "") for x in fields).lower()


class TransactionList:
    def __init__(self, connection: Connection, outbox: Outbox) -> None:
        self.connection = connection
        self.outbox = outbox
        self.store = connection.store

    def transactions(
        self, *, day: date | None = None, kind: str | None = None, search: str | None = None
    ) -> list[TransactionView]:
        self.connection.require_partner()
        day = day or business_day()
        views = self._central_views(day, kind)
        local = self.local_views(day)
        if views is not None:
            views = _with_journal(views, local)
            local = [v for v in local if v.sync_state in ("queued", "rejected")]
        else:
            local = [v for v in local if v.sync_state != "central" or v.transaction_id]
        if kind:
            local = [v for v in local if v.kind == kind]
        merged = local + (views or [])
        if search:
            needle = search.strip().lower()
            merged = [v for v in merged if _matches(v, needle)]
        merged.sort(key=lambda v: v.occurred_at, reverse=True)
        return merged

    def _central_views(self, day: date, kind: str | None) -> list[TransactionView] | None:
        """The service's transactions of `day` (every page), None when it cannot be reached."""
        views: list[TransactionView] = []
        try:
            api = self.connection.client()
            cursor: str | None = None
            while True:
                page = api.transactions(
                    day_from=day.isoformat(), day_to=day.isoformat(), kind=kind, cursor=cursor
                )
                views.extend(view_from_api(t) for t in page.get("items") or [])
                cursor = page.get("next_cursor")
                if not cursor:
                    break
            self.connection.contact(api)
        except ApiError as err:
            raise Refused.of(err.code, err.detail) from err
        except ClientError:
            self.connection.set_online(False)
            return None
        return views

    def local_views(self, day: date) -> list[TransactionView]:
        """This terminal's own operations that happened on `day` (the Paris day of their instant,
        as the service counts them), from the journal: an answer that came back just after
        midnight is filed on the next journal day, so the neighbouring days are read too."""
        types = ("payment", "redemption", "cancellation")
        rows: list[journal.Entry] = []
        with self.store.reading() as conn:
            for near in (day - timedelta(days=1), day, day + timedelta(days=1)):
                rows.extend(journal.entries(conn, day=near.isoformat(), types=types))
        outcomes = self.outbox.outcomes([str(e.event.get("idempotency_key")) for e in rows])
        terminal_id = self.connection.terminal_id
        views = [self._local_view(e, outcomes, terminal_id) for e in rows]
        views = [v for v in views if business_day(v.occurred_at) == day]
        return [
            replace(v, charged_elsewhere=True)
            if v.kind == "cancellation" and v.cancels and not self._made_here(str(v.cancels))
            else v
            for v in views
        ]

    def _made_here(self, transaction_id: str) -> bool:
        """Whether this terminal made `transaction_id` (online: in its journal; offline: in a
        kept sync outcome): the statement charges a cancellation to the cancelled one's row.
        Both reads are answered by an index (store migration 5): a month's report asks it once
        per cancellation, and a six-year journal holds a million entries."""
        with self.store.reading() as conn:
            found = (
                conn.execute(MADE_HERE_ONLINE, (transaction_id,)).fetchone()
                or conn.execute(MADE_HERE_OFFLINE, (transaction_id,)).fetchone()
            )
        return found is not None

    @staticmethod
    def _local_view(
        entry: journal.Entry, outcomes: dict[str, Any], terminal_id: str | None
    ) -> TransactionView:
        ev = entry.event
        sync_state = "central"
        tx_id, tx_number, balance = (
            ev.get("transaction_id"),
            ev.get("transaction_number"),
            ev.get("balance_after_cents"),
        )
        if ev.get("mode") != "online":
            outcome = outcomes.get(str(ev.get("idempotency_key")))
            if outcome is None:
                sync_state = "queued"
            elif outcome["outcome"] == "rejected":
                sync_state = "rejected"
            else:
                body = json.loads(outcome["body"] or "{}")
                tx = (body.get("redemption") if entry.type == "redemption" else body) or {}
                tx_id = tx.get("transaction_id")
                tx_number = tx.get("transaction_number")
                balance = tx.get("balance_after_cents")
        return TransactionView(
            transaction_id=tx_id,
            transaction_number=tx_number,
            kind=_KIND_OF_ENTRY[entry.type],
            status="completed" if sync_state != "rejected" else "rejected",
            card_number=str(ev.get("card_number") or ""),
            wallet_code=str(ev.get("wallet_code") or ""),
            amount_cents=int(ev.get("amount_cents") or 0),
            balance_after_cents=balance,
            occurred_at=parse_instant(ev.get("service_occurred_at") or ev.get("occurred_at"))
            or utc_now(),
            offline=ev.get("mode") != "online",
            reference=ev.get("reference"),
            cancels=ev.get("cancels"),
            terminal_id=terminal_id,
            sync_state=sync_state,
            holder_name=ev.get("holder_name") or None,
            idempotency_key=ev.get("idempotency_key"),
            journal_seq=entry.seq,
            journal_hash=entry.hash,
            ticket_number=ev.get("ticket_number") or ev.get("receipt_number"),
        )
