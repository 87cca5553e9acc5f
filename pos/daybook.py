"""The day's books: the transactions list (the service's merged with this terminal's journal),
follow-ups (offline operations the service rejected at sync), the day closing, the day report,
the reconciliation with the service's daily statement, and the journal's verification.

The business-day rule, the same on both sides (issue 12, item 2): an operation belongs to the
Europe/Paris calendar day of its instant (`occurred_at`: the service's for an online operation,
the terminal's for an offline one), exactly as the service's daily statement counts it. A day
closes only once it is over, from CLOSING_GRACE after midnight (Paris) so that an answer still
on its way at midnight lands first: closing the running day is refused, with a sentence saying
why, so no payment can ever come after the closing of its own day and a closed day's figures on
the terminal and on the central statement agree for good.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from pos import journal, settings
from pos.connection import Connection
from pos.domain import PARIS, business_day, parse_instant, to_rfc3339, utc_now
from pos.messages import refusal_message, text
from pos.money import format_amount
from pos.outbox import Outbox
from pos.results import (
    DayClosing,
    DayReport,
    FollowUp,
    JournalCheck,
    Reconciliation,
    Refusal,
    Refused,
    TransactionView,
)
from pos.sync import witness
from pos.sync.client import ApiError, ClientError
from pos.transactions import TransactionList

# How long after midnight (Paris) a day becomes closable: longer than a request's read timeout.
CLOSING_GRACE = timedelta(minutes=5)

Totals = tuple[int, dict[str, int], dict[str, int], int]  # count, by wallet, by kind, net


def closing_from_event(ev: dict[str, Any], *, already_closed: bool = False) -> DayClosing:
    return DayClosing(
        day=date.fromisoformat(ev["closed_day"]),
        closed_at=parse_instant(ev.get("closed_at")) or utc_now(),
        count=int(ev.get("count") or 0),
        by_wallet=dict(ev.get("by_wallet") or {}),
        by_kind=dict(ev.get("by_kind") or {}),
        net_amount_cents=int(ev.get("net_amount_cents") or 0),
        grand_total_cents=int(ev.get("grand_total_cents") or 0),
        last_hash=str(ev.get("last_hash") or ""),
        already_closed=already_closed,
    )


def closable_from(day: date) -> datetime:
    """The instant from which `day` may be closed: the next midnight in Paris plus the grace."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS) + CLOSING_GRACE


def last_closable_day() -> date:
    """The latest day that is over (the default day of a closing)."""
    return business_day(utc_now() - CLOSING_GRACE) - timedelta(days=1)


def totals(views: list[TransactionView]) -> Totals:
    by_wallet: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    net = 0
    count = 0
    for v in views:
        if v.sync_state == "rejected" or v.charged_elsewhere:
            continue
        signed = -v.amount_cents if v.kind == "cancellation" else v.amount_cents
        by_wallet[v.wallet_code] = by_wallet.get(v.wallet_code, 0) + signed
        by_kind[v.kind] = by_kind.get(v.kind, 0) + signed
        net += signed
        count += 1
    return count, by_wallet, by_kind, net


class Daybook:
    def __init__(self, connection: Connection, outbox: Outbox) -> None:
        self.connection = connection
        self.outbox = outbox
        self.store = connection.store
        self.listing = TransactionList(connection, outbox)

    def transactions(
        self, *, day: date | None = None, kind: str | None = None, search: str | None = None
    ) -> list[TransactionView]:
        return self.listing.transactions(day=day, kind=kind, search=search)

    def follow_ups(self) -> list[FollowUp]:
        return [
            FollowUp(
                idempotency_key=r["idempotency_key"],
                operation=r["operation"],
                card_number=str(r["card_number"] or ""),
                wallet_code=str(r["wallet_code"] or ""),
                amount_cents=int(r["amount_cents"] or 0),
                occurred_at=parse_instant(r["occurred_at"]) or utc_now(),
                code=str(r["code"] or "validation_error"),
                message=refusal_message(r["code"]),
                synced_at=parse_instant(r["received_at"]),
                ticket_number=r["ticket_number"],
            )
            for r in self.outbox.rejected()
        ]

    # -- closing and report -----------------------------------------------------------------
    def close_day(self, day: date | None = None) -> DayClosing:
        """Close `day` (by default the last day that is over): refused while it is running."""
        day = day or last_closable_day()
        if day > business_day():
            raise Refused(Refusal("validation_error", refusal_message("closing_in_future")))
        if utc_now() < closable_from(day):
            raise Refused(Refusal("validation_error", refusal_message("closing_running_day")))
        with self.store.transaction() as conn:
            existing = next(
                journal.entries(conn, day=day.isoformat(), types=("day_closing",)), None
            )
            if existing is not None:
                return closing_from_event(existing.event, already_closed=True)
            count, by_wallet, by_kind, net = totals(self.listing.local_views(day))
            previous = journal.latest_event(conn, "day_closing")
            grand = (previous.get("grand_total_cents", 0) if previous else 0) + net
            if journal.period_closed(conn, day.isoformat()):
                raise Refused(Refusal("validation_error", refusal_message("period_closed")))
            entry = journal.append(
                conn,
                "day_closing",
                {
                    "closed_day": day.isoformat(),
                    "closed_at": to_rfc3339(utc_now()),
                    "count": count,
                    "by_wallet": by_wallet,
                    "by_kind": by_kind,
                    "net_amount_cents": net,
                    "grand_total_cents": grand,
                    "last_hash": journal.last_hash(conn),
                },
                day=day.isoformat(),
            )
        self.send_journal_head()
        self.erase_old_names()
        return closing_from_event(entry.event)

    def send_journal_head(self) -> bool:
        """Record the journal's head with the service (the witness); False when not enrolled or
        the service did not take it (the next sync pass sends it again)."""
        try:
            api = self.connection.client()
        except Refused:
            return False
        return witness.send_head(self.store, api)

    def erase_old_names(self) -> int:
        """Erase the holders' names older than the retention (setting, 90 days by default): the
        journal keeps their keyed digest, so its chain still verifies; reprints show the card."""
        days, now = int(settings.NAME_RETENTION_DAYS.get(self.store)), utc_now()
        with self.store.reading() as conn:
            if not journal.names_to_erase(conn, now, days):
                return 0  # no write (and no fsync) at every open
        with self.store.transaction() as conn:
            gone = journal.erase_names(conn, now, days)
        if gone:  # the zeroed pages reach the database file now, not at some later checkpoint
            with self.store.reading() as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return gone

    def is_closed(self, day: date) -> bool:
        with self.store.reading() as conn:
            return day.isoformat() in journal.closed_days(conn)

    def report(self, day: date) -> DayReport:
        views = self.listing.local_views(day)
        count, by_wallet, by_kind, net = totals(views)
        follow_ups = [f for f in self.follow_ups() if business_day(f.occurred_at) == day]
        terminal_id, label = self.connection.terminal_id, settings.TERMINAL_LABEL.get(self.store)
        with self.store.reading() as conn:
            z = next(journal.entries(conn, day=day.isoformat(), types=("day_closing",)), None)
        return DayReport(
            day=day,
            closed=z is not None,
            closing=closing_from_event(z.event) if z else None,
            transactions=views,
            count=count,
            by_wallet=by_wallet,
            by_kind=by_kind,
            net_amount_cents=net,
            follow_ups=follow_ups,
            terminal_labels={terminal_id: label} if terminal_id and label else {},
        )

    # -- reconciliation and journal ---------------------------------------------------------
    def statement(self, day: date) -> dict[str, Any]:
        api = self.connection.client()
        try:
            result = api.statement(day.isoformat())
        except ApiError as err:
            raise Refused.of(err.code, err.detail) from err
        except ClientError as err:
            self.connection.set_online(False)
            raise Refused.of("offline") from err
        self.connection.contact(api)
        return result

    def reconcile(self, day: date) -> Reconciliation:
        report = self.report(day)
        differences: list[str] = []
        queued = [v for v in report.transactions if v.sync_state == "queued"]
        if queued:
            differences.append(text("not_yet_sent", count=len(queued)))
        try:
            statement = self.statement(day)
        except Refused as err:
            return Reconciliation(
                day, report.count, report.net_amount_cents, None, None, False, [err.refusal.message]
            )
        line = next(
            (
                t
                for t in statement.get("by_terminal") or []
                if t.get("terminal_id") == self.connection.terminal_id
            ),
            {"count": 0, "amount_cents": 0},
        )
        central_count = int(line.get("count") or 0)
        central_amount = int(line.get("amount_cents") or 0)
        if central_count != report.count:
            differences.append(text("count_differs", local=report.count, central=central_count))
        if central_amount != report.net_amount_cents:
            differences.append(
                text(
                    "amount_differs",
                    local=format_amount(report.net_amount_cents),
                    central=format_amount(central_amount),
                )
            )
        return Reconciliation(
            day,
            report.count,
            report.net_amount_cents,
            central_count,
            central_amount,
            not differences,
            differences,
            statement,
        )

    def verify_journal(self) -> JournalCheck:
        """The chain itself, then (enrolled) through every head the service witnessed."""
        with self.store.reading() as conn:
            result = journal.verify(conn)
        local = JournalCheck(result.ok, result.rows, result.first_bad_row, result.reason)
        if not result.ok:
            return local
        try:
            api = self.connection.client()
        except Refused:
            return local
        seen = witness.check(self.store, api)
        last = seen.last
        return JournalCheck(
            seen.ok,
            result.rows,
            seen.first_bad_row,
            seen.reason,
            witness_online=seen.online,
            witness_heads=seen.heads,
            witness_last_seq=last.seq if last else None,
            witness_last_at=last.received_at if last else None,
        )
