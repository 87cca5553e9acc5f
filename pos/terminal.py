"""The terminal facade: the one object the command line and the windows drive (Qt-free).

Pass it in through constructors (no global). Every method may block on the network or the disk:
call it from a worker thread, never from the GUI thread. Results are the dataclasses of
`pos.results` (re-exported here); refusals come back as `OperationResult(outcome=REFUSED,
refusal=...)` for operations and as `Refused` for look-ups.

This module only wires the rooms together and owns the life cycle and the events; the work is
done by one room a responsibility (docs/TERMINAL.md has the map): `pos.connection` (client,
online state, enrolment, status), `pos.lookups` (card, voucher, photo), `pos.operations` (pay,
redeem, cancel), `pos.outbox` (store-and-forward rows), `pos.daybook` (closing, report,
reconciliation, journal check; its `pos.transactions` the lists) and `pos.sync.worker` (sending
the outbox).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pos import archive, settings
from pos.connection import Connection
from pos.daybook import Daybook
from pos.domain import Partner, utc_now
from pos.lookups import Lookups
from pos.operations import Operations
from pos.outbox import Outbox
from pos.periods import PeriodClosing, Periods
from pos.results import (
    CardView,
    DayClosing,
    DayReport,
    FollowUp,
    JournalCheck,
    OperationResult,
    Outcome,
    Receipt,
    Reconciliation,
    Refusal,
    Refused,
    TerminalStatus,
    TransactionView,
    Verdict,
    VoucherView,
    WalletView,
)
from pos.scan import Scan
from pos.store import Store, default_data_dir
from pos.sync.client import ApiClient
from pos.sync.worker import PassResult as SyncReport  # what a sync pass did
from pos.sync.worker import SyncWorker

log = logging.getLogger("pos.terminal")

__all__ = [
    "CardView",
    "DayClosing",
    "DayReport",
    "FollowUp",
    "JournalCheck",
    "OperationResult",
    "Outcome",
    "Partner",
    "Receipt",
    "Reconciliation",
    "Refusal",
    "Refused",
    "SyncReport",
    "Terminal",
    "TerminalStatus",
    "TransactionView",
    "Verdict",
    "VoucherView",
    "WalletView",
]

EventCallback = Callable[[str, dict[str, Any]], None]


class Terminal:
    """The terminal core: enrolment, look-ups, operations, store-and-forward, journal, closing."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.data_dir = store.data_dir
        self._subscribers: list[EventCallback] = []
        self.outbox = Outbox(store)
        self.connection = Connection(store, self.outbox, self._emit)
        self.engine = self.connection.engine
        self.lookups = Lookups(self.connection, self.outbox, self._now)
        self.operations = Operations(self.connection, self.outbox, self.lookups, self._now)
        self.daybook = Daybook(self.connection, self.outbox)
        self.periods = Periods(store, self.daybook.send_journal_head)
        self._worker: SyncWorker | None = None

    @staticmethod
    def _now() -> datetime:
        """The clock of the look-ups and operations: `utc_now` looked up in this module at
        each call, so a test can move it (`monkeypatch.setattr(pos.terminal, "utc_now", …)`)."""
        return utc_now()

    # -- life cycle and events --------------------------------------------------------------
    @classmethod
    def open(cls, data_dir: Path | None = None) -> Terminal:
        """Open (creating/migrating) the local store in `data_dir` (else HDF_POS_HOME, else the
        user data folder) and recover operations a crash left in flight."""
        terminal = cls(Store(default_data_dir(data_dir)))
        terminal.outbox.recover_in_flight()
        terminal.daybook.erase_old_names()  # the holders' names past their retention
        return terminal

    def close(self) -> None:
        """Stop the background sync and close the store."""
        if self._worker is not None:
            self._worker.stop()
            self._worker.join(timeout=5)
            self._worker = None
        self.connection.forget_client()
        self.store.close()

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Call `callback(event_name, payload)` on "status", "sync_progress", "operation" (from
        whatever thread the event happens on); returns a function that unsubscribes."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def _emit(self, name: str, payload: dict[str, Any]) -> None:
        for callback in list(self._subscribers):
            try:
                callback(name, payload)
            except Exception:  # a broken listener must not break a payment
                log.exception("event listener failed")

    def _done(self, result: OperationResult) -> OperationResult:
        """Tell the listeners an operation ended; wake the sync when something was queued."""
        self._emit(
            "operation",
            {
                "outcome": result.outcome.value,
                "code": result.refusal.code if result.refusal else None,
                "queue": self.outbox.queue_size(),
            },
        )
        if result.outcome is Outcome.OFFLINE_QUEUED and self._worker is not None:
            self._worker.wake()
        return result

    # -- connection and enrolment -----------------------------------------------------------
    @property
    def terminal_id(self) -> str | None:
        return self.connection.terminal_id

    def _client(self) -> ApiClient:
        """The enrolled terminal's API client (benchmarks and crash tests use it)."""
        return self.connection.client()

    def set_server_url(self, url: str, *, ca_bundle: str | None = None) -> None:
        """Point the terminal at another address of its service (the token stays the same)."""
        self.connection.set_server_url(url, ca_bundle=ca_bundle)

    def is_enrolled(self) -> bool:
        return self.connection.is_enrolled()

    def enroll(
        self,
        *,
        server_url: str,
        partner_code: str,
        password: str,
        label: str,
        insecure: bool = False,
    ) -> Partner:
        """POST /v1/terminals; token to the OS keyring, profile and keys to the store. An
        http:// address of another machine is refused unless `insecure` (then, for good)."""
        return self.connection.enroll(
            server_url=server_url,
            partner_code=partner_code,
            password=password,
            label=label,
            insecure=insecure,
        )

    def unenroll(self) -> None:
        """Revoke the token (if reachable) and forget it; never discards the queue or journal."""
        self.connection.unenroll()

    @property
    def partner(self) -> Partner | None:
        """The cached partner profile (with its offline_policy), None when not enrolled."""
        return self.connection.partner

    # -- look-ups ---------------------------------------------------------------------------
    def lookup(self, text_or_scan: str | Scan) -> CardView:
        """The card online; offline, the signed QR's snapshot (marked offline). Raises Refused."""
        return self.lookups.lookup(text_or_scan)

    def photo(self, card_number: str) -> bytes | None:
        """The holder's JPEG photo, never written to disk; None offline or when absent."""
        return self.lookups.photo(card_number)

    def voucher(self, text_or_scan: str | Scan) -> VoucherView:
        """The voucher online; offline, from its signed QR. Raises Refused."""
        return self.lookups.voucher(text_or_scan)

    # -- operations -------------------------------------------------------------------------
    def pay(
        self,
        *,
        scan: str | Scan,
        wallet_code: str | None,
        amount_cents: int | str,
        reference: str | None = None,
    ) -> OperationResult:
        """Debit a wallet: online first; offline rules on a connection failure; an unknown outcome
        is queued under the same idempotency key. `amount_cents` may be typed text ("12,50")."""
        return self._done(
            self.operations.pay(
                scan=scan, wallet_code=wallet_code, amount_cents=amount_cents, reference=reference
            )
        )

    def redeem(self, *, scan: str | Scan) -> OperationResult:
        """Redeem a prepayment voucher (online, or offline from its signed QR)."""
        return self._done(self.operations.redeem(scan=scan))

    def cancel(self, *, transaction_id: str, reason: str) -> OperationResult:
        """Cancel (refund) a transaction; needs the central service."""
        return self._done(self.operations.cancel(transaction_id=transaction_id, reason=reason))

    # -- sync and status --------------------------------------------------------------------
    def status(self, probe: bool = True) -> TerminalStatus:
        """Online (probing /v1/health, 3 s at most, when `probe`), queue, drift, follow-ups."""
        return self.connection.status(probe)

    def sync(
        self, *, once: bool = True, progress: Callable[[int, int], None] | None = None
    ) -> SyncReport:
        """Send the outbox in order (batches of ≤ 500) and refresh keys, deny-list and profile.
        `once=False` keeps trying (backoff with jitter) until the queue is empty."""
        self.connection.require_partner()
        attempt = 0
        while True:
            result = self.engine.run_once(progress)
            self.connection.set_online(result.online)
            if once or (result.online and result.error is None and result.remaining == 0):
                break
            if result.error not in (None, "offline", "server_error"):
                break
            attempt += 1
            time.sleep(min(60.0, 2 ** min(attempt, 6)) * random.uniform(0.5, 1.0))
        return result

    def start_background_sync(self, interval_s: float | None = None) -> None:
        """Run the sync worker in a daemon thread (backoff with jitter, health probe)."""
        if self._worker is not None:
            return
        interval = interval_s or float(settings.SYNC_INTERVAL_S.get(self.store))
        self._worker = SyncWorker(
            self.engine, interval_s=interval, on_online=self.connection.set_online
        )
        self._worker.start()

    # -- the day's books --------------------------------------------------------------------
    def transactions(
        self, *, day: date | None = None, kind: str | None = None, search: str | None = None
    ) -> list[TransactionView]:
        """The day's transactions (central when online) merged with local queued/rejected ones."""
        return self.daybook.transactions(day=day, kind=kind, search=search)

    def follow_ups(self) -> list[FollowUp]:
        """Offline operations the service rejected at sync."""
        return self.daybook.follow_ups()

    def close_day(self, day: date | None = None) -> DayClosing:
        """Record the day's totals, the perpetual grand total and the last hash; once a day."""
        return self.daybook.close_day(day)

    def is_closed(self, day: date) -> bool:
        return self.daybook.is_closed(day)

    def close_month(self, month: str) -> PeriodClosing:
        """Close a finished month ("YYYY-MM") whose days with entries are all closed; once."""
        return self.periods.close_month(month)

    def close_year(self, year: str) -> PeriodClosing:
        """Close a finished year ("YYYY") whose months with entries are all closed; once."""
        return self.periods.close_year(year)

    def archive_month(self, month: str) -> dict[str, Any]:
        """The signed archive of `month` ("YYYY-MM"), closed or so far (docs/ARCHIVE.md)."""
        return archive.build(self.connection, month)

    def period_closings(self) -> list[PeriodClosing]:
        """Every month and year closing, newest first."""
        return self.periods.closings()

    def report(self, day: date) -> DayReport:
        return self.daybook.report(day)

    def statement(self, day: date) -> dict[str, Any]:
        """The central service's daily statement for this partner."""
        return self.daybook.statement(day)

    def reconcile(self, day: date) -> Reconciliation:
        """This terminal's journal for `day` against the central statement's line for it."""
        return self.daybook.reconcile(day)

    def verify_journal(self) -> JournalCheck:
        return self.daybook.verify_journal()
