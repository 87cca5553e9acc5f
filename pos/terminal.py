"""The terminal facade: the one object the command line and the windows drive (Qt-free).

Pass it in through constructors (no global). Every method may block on the network or the disk:
call it from a worker thread, never from the GUI thread. Results are plain dataclasses; refusals
come back as `OperationResult(outcome=REFUSED, refusal=...)` for operations and as `Refused` for
look-ups.

The results are the dataclasses of `pos.results` (re-exported here). `Terminal`'s sections, in
order: life cycle and events; connection; enrolment; look-ups (card, photo, voucher, online or
from a signed QR offline); helpers for operations (outbox, receipts); operations (`pay`,
`redeem`, `cancel`, online first, then the offline rules of `pos.offline`); lists; sync and
status (the work is `pos.sync.worker.SyncEngine`); journal, closing, report and reconciliation.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pos import journal, offline, settings
from pos.domain import (
    Card,
    Partner,
    Voucher,
    Wallet,
    business_day,
    parse_day,
    parse_instant,
    to_rfc3339,
    utc_now,
)
from pos.messages import refusal_message
from pos.money import MAX_AMOUNT_CENTS, AmountError, format_amount, parse_amount
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
    VoucherView,
    WalletView,
)
from pos.scan import Scan, ScanKind, parse_scan
from pos.store import Store, default_data_dir
from pos.sync import credentials
from pos.sync.client import ApiClient, ApiError, ClientError, TlsError, UnknownOutcome
from pos.sync.worker import DRIFT_WARNING_S, SyncEngine, SyncWorker, recover_in_flight
from pos.sync.worker import PassResult as SyncReport  # what a sync pass did

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
        self._lock = threading.RLock()
        self._api: ApiClient | None = None
        self._online: bool | None = None
        # Holder names and wallet labels seen in this session only: memory, never disk.
        self._cards: dict[str, Card] = {}
        self.engine = SyncEngine(store, self._client, self._emit)
        self._worker: SyncWorker | None = None

    # -- life cycle -------------------------------------------------------------------------
    @classmethod
    def open(cls, data_dir: Path | None = None) -> Terminal:
        """Open (creating/migrating) the local store in `data_dir` (else HDF_POS_HOME, else the
        user data folder) and recover operations a crash left in flight."""
        terminal = cls(Store(default_data_dir(data_dir)))
        recover_in_flight(terminal.store)
        return terminal

    def close(self) -> None:
        """Stop the background sync and close the store."""
        if self._worker is not None:
            self._worker.stop()
            self._worker.join(timeout=5)
            self._worker = None
        if self._api is not None:
            self._api.close()
            self._api = None
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

    # -- connection -------------------------------------------------------------------------
    @property
    def terminal_id(self) -> str | None:
        value = self.store.get_state("terminal_id")
        return str(value) if value else None

    def _client(self) -> ApiClient:
        with self._lock:
            if self._api is None:
                server = settings.SERVER_URL.get(self.store)
                terminal_id = self.terminal_id
                if not server or not terminal_id:
                    raise Refused.of("not_enrolled")
                try:
                    token = credentials.load_token(terminal_id)
                except credentials.KeyringUnavailable as err:
                    raise Refused(Refusal("keyring_insecure", str(err))) from err
                if not token:
                    raise Refused.of("keyring_missing")
                self._api = ApiClient(
                    server,
                    token=token,
                    ca_bundle=settings.CA_BUNDLE.get(self.store),
                    verify_tls=settings.VERIFY_TLS.get(self.store),
                    read_timeout=float(settings.READ_TIMEOUT_S.get(self.store)),
                )
            return self._api

    def set_server_url(self, url: str, *, ca_bundle: str | None = None) -> None:
        """Point the terminal at another address of its service (the token stays the same)."""
        settings.SERVER_URL.set(self.store, url.rstrip("/"))
        if ca_bundle is not None:
            settings.CA_BUNDLE.set(self.store, ca_bundle or None)
        with self._lock:
            if self._api is not None:
                self._api.close()
            self._api = None

    def _set_online(self, online: bool) -> None:
        if online != self._online:
            self._online = online
            self._emit("status", {"online": online, "queue": self.engine.queue_size()})

    def _contact(self, api: ApiClient) -> None:
        self._set_online(True)
        self.engine._record_contact(api)

    # -- enrolment --------------------------------------------------------------------------
    def is_enrolled(self) -> bool:
        return self.terminal_id is not None and self.store.load_partner() is not None

    def enroll(self, *, server_url: str, partner_code: str, password: str, label: str) -> Partner:
        """POST /v1/terminals; token to the OS keyring, profile and keys to the store."""
        try:
            credentials.check_backend()  # before the service creates a token we could not keep
        except credentials.KeyringUnavailable as err:
            raise Refused(Refusal("keyring_insecure", str(err))) from err
        api = ApiClient(
            server_url,
            ca_bundle=settings.CA_BUNDLE.get(self.store),
            verify_tls=settings.VERIFY_TLS.get(self.store),
        )
        try:
            answer = api.enroll(partner_code.strip().upper(), password, label)
        except ApiError as err:
            raise Refused.of(err.code, err.detail) from err
        except TlsError as err:
            raise Refused.of("tls_error", str(err)) from err
        except ClientError as err:
            raise Refused.of("offline", str(err)) from err
        old = self.terminal_id
        if old:
            credentials.delete_token(old)
        terminal_id = str(answer["terminal_id"])
        credentials.save_token(terminal_id, str(answer["token"]))
        settings.SERVER_URL.set(self.store, server_url.rstrip("/"))
        settings.TERMINAL_LABEL.set(self.store, label)
        self.store.set_state("terminal_id", terminal_id)
        self.store.save_partner(dict(answer["partner"]), to_rfc3339(utc_now()))
        with self._lock:
            if self._api is not None:
                self._api.close()
            self._api = None
        self.engine.refresh(self._client())
        self._set_online(True)
        partner = self.partner
        assert partner is not None
        return partner

    def unenroll(self) -> None:
        """Revoke the token (if reachable) and forget it; never discards the queue or journal."""
        terminal_id = self.terminal_id
        if terminal_id is None:
            return
        try:
            self._client().unenroll()
        except (ClientError, Refused):
            log.info("révocation du jeton impossible maintenant; oubli local seulement")
        credentials.delete_token(terminal_id)
        self.store.set_state("terminal_id", None)
        with self._lock:
            if self._api is not None:
                self._api.close()
            self._api = None

    @property
    def partner(self) -> Partner | None:
        """The cached partner profile (with its offline_policy), None when not enrolled."""
        if self.terminal_id is None:
            return None
        profile = self.store.load_partner()
        return None if profile is None else Partner.from_api(profile)

    def _require_partner(self) -> Partner:
        partner = self.partner
        if partner is None:
            raise Refused.of("not_enrolled")
        return partner

    # -- look-ups ---------------------------------------------------------------------------
    @staticmethod
    def _scan(text_or_scan: str | Scan) -> Scan:
        scan = text_or_scan if isinstance(text_or_scan, Scan) else parse_scan(text_or_scan)
        if not scan.is_valid:
            raise Refused(Refusal("invalid_scan", scan.reason or refusal_message("invalid_scan")))
        return scan

    def _card_scan(self, text_or_scan: str | Scan) -> Scan:
        scan = self._scan(text_or_scan)
        if scan.kind not in (ScanKind.CARD_TOKEN, ScanKind.CARD_NUMBER):
            raise Refused(
                Refusal("invalid_scan", "C'est un prépaiement, pas une carte : utilisez Encaisser.")
            )
        return scan

    def lookup(self, text_or_scan: str | Scan) -> CardView:
        """The card online; offline, the signed QR's snapshot (marked offline). Raises Refused."""
        partner = self._require_partner()
        scan = self._card_scan(text_or_scan)
        assert scan.card_number is not None
        api = self._client()
        try:
            card = Card.from_api(api.card(scan.card_number))
        except ApiError as err:
            self._contact(api)
            raise Refused.of(err.code, err.detail) from err
        except ClientError:
            self._set_online(False)
            return self._offline_card_view(scan, partner)
        self._contact(api)
        self._cards[card.card_number] = card
        return self._card_view(card, partner, scan)

    def _card_view(self, card: Card, partner: Partner, scan: Scan | None) -> CardView:
        today = business_day()
        wallets = []
        for w in card.wallets:
            reason = w.usable_on(today, partner)
            wallets.append(
                WalletView(
                    code=w.code,
                    label=w.label,
                    balance_cents=w.balance_cents,
                    valid_from=w.valid_from,
                    valid_to=w.valid_to,
                    usable=reason is None,
                    reason=(w.reason or refusal_message(reason)) if reason else None,
                )
            )
        code = card.status.refusal_code
        return CardView(
            card_number=card.card_number,
            status=card.status.value,
            status_label=card.status.label,
            first_name=card.first_name,
            last_name=card.last_name,
            wallets=tuple(wallets),
            offline=False,
            can_pay=code is None,
            reason=refusal_message(code) if code else None,
            scan=scan,
        )

    def _offline_card_view(self, scan: Scan, partner: Partner) -> CardView:
        now = utc_now()
        verdict = offline.judge_card_scan(
            scan,
            jwks=self.store.load_keys(),
            denied=bool(scan.card_number and self.store.is_denied(scan.card_number)),
            now=now,
        )
        if verdict.refusal == "offline_manual_entry":
            raise Refused.of("offline_lookup")
        if verdict.refusal:
            raise Refused.of(verdict.refusal, verdict.detail)
        claims = verdict.claims or {}
        known = self._cards.get(str(scan.card_number))
        today = business_day(now)
        wallets = []
        for raw in claims.get("wallets") or ():
            code = str(raw.get("code"))
            taken = self._exposure(str(scan.card_number), code, claims).taken_since_iat_cents
            wallet = Wallet(
                code=code,
                label=_wallet_label(known, code),
                balance_cents=int(raw.get("balance_cents") or 0) - taken,
                valid_to=parse_day(raw.get("valid_to")),
            )
            reason = wallet.usable_on(today, partner)
            wallets.append(
                WalletView(
                    code=code,
                    label=wallet.label,
                    balance_cents=wallet.balance_cents,
                    valid_from=None,
                    valid_to=wallet.valid_to,
                    usable=reason is None,
                    reason=refusal_message(reason) if reason else None,
                )
            )
        return CardView(
            card_number=str(scan.card_number),
            status="active",
            status_label="Hors ligne : QR code signé vérifié",
            first_name=known.first_name if known else "",
            last_name=known.last_name if known else "",
            wallets=tuple(wallets),
            offline=True,
            can_pay=True,
            scan=scan,
        )

    def photo(self, card_number: str) -> bytes | None:
        """The holder's JPEG photo, never written to disk; None offline or when absent."""
        try:
            api = self._client()
            data = api.photo(card_number)
        except (ClientError, Refused):
            return None
        self._contact(api)
        return data

    def voucher(self, text_or_scan: str | Scan) -> VoucherView:
        """The voucher online; offline, from its signed QR. Raises Refused."""
        partner = self._require_partner()
        scan = self._scan(text_or_scan)
        if scan.kind not in (ScanKind.VOUCHER_TOKEN, ScanKind.TICKET_NUMBER):
            raise Refused(Refusal("invalid_scan", "Ce code est une carte, pas un prépaiement."))
        assert scan.ticket_number is not None
        api = self._client()
        try:
            voucher = Voucher.from_api(api.voucher(scan.ticket_number))
        except ApiError as err:
            self._contact(api)
            raise Refused.of(err.code, err.detail) from err
        except ClientError:
            self._set_online(False)
            return self._offline_voucher_view(scan, partner)
        self._contact(api)
        reason = voucher.redeemable_by(partner.code)
        return VoucherView(
            ticket_number=voucher.ticket_number,
            transaction_number=voucher.transaction_number,
            status=voucher.status.value,
            status_label=voucher.status.label,
            partner_code=voucher.partner_code,
            card_number=voucher.card_number,
            holder_name=voucher.holder_name,
            wallet_code=voucher.wallet_code,
            amount_cents=voucher.amount_cents,
            created_at=voucher.created_at,
            redeemed_at=voucher.redeemed_at,
            redeemable=reason is None,
            reason=refusal_message(reason) if reason else None,
            scan=scan,
        )

    def _offline_voucher_view(self, scan: Scan, partner: Partner) -> VoucherView:
        verdict = offline.judge_redemption(
            scan,
            partner=partner,
            jwks=self.store.load_keys(),
            already_queued=self._voucher_queued(str(scan.ticket_number)),
            last_contact=parse_instant(self.store.get_state("last_contact_at")),
            now=utc_now(),
        )
        if verdict.refusal in ("offline_voucher_manual_entry", "offline_no_keys") or (
            verdict.claims is None
        ):
            raise Refused.of(verdict.refusal or "offline", verdict.detail)
        claims = verdict.claims
        return VoucherView(
            ticket_number=str(claims.get("ticket")),
            transaction_number=str(claims.get("transaction_number") or ""),
            status="pending",
            status_label="Hors ligne : QR code signé vérifié",
            partner_code=str(claims.get("partner") or ""),
            card_number=str(claims.get("card") or ""),
            holder_name="",
            wallet_code=str(claims.get("wallet") or ""),
            amount_cents=int(claims.get("amount_cents") or 0),
            created_at=None,
            redeemed_at=None,
            offline=True,
            redeemable=verdict.accepted,
            reason=refusal_message(verdict.refusal) if verdict.refusal else None,
            scan=scan,
        )

    # -- helpers for operations -------------------------------------------------------------
    def _voucher_queued(self, ticket_number: str) -> bool:
        return (
            self.store.one(
                "SELECT 1 FROM outbox WHERE ticket_number = ? AND operation = 'voucher_redeem' "
                "AND state IN ('queued', 'pending')",
                (ticket_number,),
            )
            is not None
        )

    def _exposure(
        self, card_number: str, wallet_code: str, claims: dict[str, Any] | Any
    ) -> offline.CardExposure:
        iat = claims.get("iat") if isinstance(claims, dict) else None
        iat_text = to_rfc3339(datetime.fromtimestamp(float(iat or 0), UTC))
        queued = self.store.scalar(
            "SELECT COALESCE(SUM(amount_cents), 0) FROM outbox WHERE card_number = ? "
            "AND operation = 'payment' AND state IN ('queued', 'pending')",
            (card_number,),
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
        return offline.CardExposure(int(queued), int(taken))

    def _next_receipt_number(self, conn: sqlite3.Connection) -> str:
        row = conn.execute("SELECT value FROM state WHERE key = 'receipt_counter'").fetchone()
        number = (int(json.loads(row[0])) if row else 0) + 1
        conn.execute(
            "INSERT INTO state (key, value) VALUES ('receipt_counter', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (json.dumps(number),),
        )
        return f"{number:06d}"

    def _insert_outbox(
        self,
        conn: sqlite3.Connection,
        *,
        key: str,
        operation: str,
        body: dict[str, Any],
        occurred_at: str,
        state: str,
        origin: str,
        card_number: str | None,
        wallet_code: str | None,
        amount_cents: int,
        qr_iat: int | None = None,
        ticket_number: str | None = None,
    ) -> None:
        conn.execute(
            "INSERT INTO outbox (idempotency_key, operation, body, occurred_at, state, origin, "
            "owner_pid, card_number, wallet_code, amount_cents, qr_iat, ticket_number, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                operation,
                json.dumps(body, sort_keys=True),
                occurred_at,
                state,
                origin,
                os.getpid(),
                card_number,
                wallet_code,
                amount_cents,
                qr_iat,
                ticket_number,
                to_rfc3339(utc_now()),
            ),
        )

    def _pending(self, **fields: Any) -> None:
        """Commit the intent before the request leaves: a crash now is an unknown outcome."""
        with self.store.transaction() as conn:
            self._insert_outbox(conn, state="pending", origin="online", **fields)

    def _drop_pending(self, key: str) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "DELETE FROM outbox WHERE idempotency_key = ? AND state = 'pending'", (key,)
            )

    def _receipt(
        self,
        *,
        event: dict[str, Any],
        partner: Partner,
        kind: str,
        status: str,
        wallet_label: str,
        ticket_number: str,
    ) -> Receipt:
        return Receipt(
            ticket_number=ticket_number,
            transaction_number=event.get("transaction_number"),
            transaction_id=event.get("transaction_id"),
            status=status,
            kind=kind,
            occurred_at=parse_instant(event.get("occurred_at")) or utc_now(),
            card_number=str(event.get("card_number") or ""),
            holder_name=str(event.get("holder_name") or ""),
            partner_name=partner.name,
            postal_code=partner.postal_code,
            city=partner.city,
            wallet_code=str(event.get("wallet_code") or ""),
            wallet_label=wallet_label,
            amount_cents=int(event.get("amount_cents") or 0),
            balance_after_cents=event.get("balance_after_cents"),
            offline=event.get("mode") != "online",
            unknown_outcome=event.get("mode") == "unknown",
            reference=event.get("reference"),
            idempotency_key=event.get("idempotency_key"),
        )

    def _done(self, result: OperationResult) -> OperationResult:
        self._emit(
            "operation",
            {
                "outcome": result.outcome.value,
                "code": result.refusal.code if result.refusal else None,
                "queue": self.engine.queue_size(),
            },
        )
        if result.outcome is Outcome.OFFLINE_QUEUED and self._worker is not None:
            self._worker.wake()
        return result

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
        try:
            partner = self._require_partner()
            card_scan = self._card_scan(scan)
            api = self._client()
        except Refused as err:
            return self._done(OperationResult(Outcome.REFUSED, refusal=err.refusal))
        if isinstance(amount_cents, str):
            try:
                amount = parse_amount(amount_cents)
            except AmountError as err:
                return self._done(
                    OperationResult(Outcome.REFUSED, refusal=Refusal("invalid_amount", err.reason))
                )
        else:
            amount = int(amount_cents)
            if not 0 < amount <= MAX_AMOUNT_CENTS:
                return self._done(OperationResult.refused("invalid_amount"))
        if wallet_code is not None:
            wallet_code = wallet_code.strip().upper()
            if not _WALLET_CODE.fullmatch(wallet_code):
                return self._done(OperationResult.refused("unknown_wallet"))
        if reference is not None:
            reference = reference.strip()[:64] or None
        card_number = str(card_scan.card_number)
        card = self._cards.get(card_number)
        online = True
        if card is None or wallet_code is None:
            try:
                card = Card.from_api(api.card(card_number))
                self._cards[card_number] = card
                self._contact(api)
            except ApiError as err:
                self._contact(api)
                return self._done(OperationResult.refused(err.code, err.detail))
            except ClientError:
                online = False
        if wallet_code is None:
            wallet_code = self._choose_wallet(card if online else None, card_scan, partner)
            if wallet_code is None:
                return self._done(OperationResult.refused("wallet_required"))
        if online and card is not None and card.wallet(wallet_code) is None:
            return self._done(OperationResult.refused("unknown_wallet"))
        body: dict[str, Any] = {
            "card_number": card_number,
            "wallet_code": wallet_code,
            "amount_cents": amount,
            "entry_mode": "qr" if card_scan.kind is ScanKind.CARD_TOKEN else "manual",
        }
        if card_scan.qr_token:
            body["qr_token"] = card_scan.qr_token
        if reference:
            body["reference"] = reference
        key = str(uuid.uuid4())
        occurred_at = to_rfc3339(utc_now())
        holder = card.holder_name if card else ""
        label = _wallet_label(card, wallet_code)
        fields: dict[str, Any] = {
            "key": key,
            "operation": "payment",
            "body": body,
            "occurred_at": occurred_at,
            "card_number": card_number,
            "wallet_code": wallet_code,
            "amount_cents": amount,
            "qr_iat": card_scan.claims.get("iat") if card_scan.claims else None,
        }
        event: dict[str, Any] = {
            "idempotency_key": key,
            "card_number": card_number,
            "holder_name": holder,
            "wallet_code": wallet_code,
            "amount_cents": amount,
            "occurred_at": occurred_at,
            "reference": reference,
            "entry_mode": body["entry_mode"],
            "ticket_number": None,
        }
        if online:
            self._pending(**fields)
            try:
                tx = api.pay(body, key)
            except ApiError as err:
                self._drop_pending(key)
                self._contact(api)
                return self._done(OperationResult.refused(err.code, err.detail))
            except UnknownOutcome:
                self._set_online(False)
                return self._done(
                    self._queue_unknown(key, "payment", event, partner, label, "counter_payment")
                )
            except ClientError:
                self._set_online(False)
                online = False
            else:
                self._contact(api)
                return self._done(self._finish_online(key, "payment", event, tx, partner, label))
        return self._done(self._pay_offline(card_scan, fields, event, partner, label))

    def _choose_wallet(self, card: Card | None, scan: Scan, partner: Partner) -> str | None:
        if card is not None:
            codes = [w.code for w in card.wallets if w.usable_on(business_day(), partner) is None]
        else:
            codes = [
                str(w.get("code"))
                for w in (scan.claims.get("wallets") or ())
                if isinstance(w, dict) and partner.accepts_wallet(str(w.get("code")))
            ]
        if len(codes) == 1:
            return codes[0]
        if not codes and len(partner.wallet_codes) == 1:
            return partner.wallet_codes[0]
        return None

    def _finish_online(
        self,
        key: str,
        operation: str,
        event: dict[str, Any],
        tx: dict[str, Any],
        partner: Partner,
        label: str,
    ) -> OperationResult:
        event = {
            **event,
            "mode": "online",
            "transaction_id": tx.get("transaction_id"),
            "transaction_number": tx.get("transaction_number"),
            "balance_after_cents": tx.get("balance_after_cents"),
        }
        with self.store.transaction() as conn:
            conn.execute("UPDATE outbox SET state = 'online' WHERE idempotency_key = ?", (key,))
            if operation == "payment":
                event["receipt_number"] = self._next_receipt_number(conn)
            journal.append(conn, _JOURNAL_TYPE[operation], event)
        kind = "voucher_redemption" if operation == "voucher_redeem" else "counter_payment"
        status = "Prépaiement encaissé" if operation == "voucher_redeem" else "Payé"
        return OperationResult(
            Outcome.ONLINE,
            receipt=self._receipt(
                event=event,
                partner=partner,
                kind=kind,
                status=status,
                wallet_label=label,
                ticket_number=event.get("ticket_number") or event["receipt_number"],
            ),
        )

    def _queue_unknown(
        self,
        key: str,
        operation: str,
        event: dict[str, Any],
        partner: Partner,
        label: str,
        kind: str,
    ) -> OperationResult:
        event = {
            **event,
            "mode": "unknown",
            "transaction_id": None,
            "transaction_number": None,
            "balance_after_cents": None,
        }
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET state = 'queued', origin = 'unknown' "
                "WHERE idempotency_key = ? AND state = 'pending'",
                (key,),
            )
            if operation == "payment":
                event["receipt_number"] = self._next_receipt_number(conn)
            journal.append(conn, _JOURNAL_TYPE[operation], event)
        return OperationResult(
            Outcome.OFFLINE_QUEUED,
            receipt=self._receipt(
                event=event,
                partner=partner,
                kind=kind,
                status="Réponse non reçue : en attente de confirmation",
                wallet_label=label,
                ticket_number=event.get("ticket_number") or event["receipt_number"],
            ),
        )

    def _pay_offline(
        self,
        scan: Scan,
        fields: dict[str, Any],
        event: dict[str, Any],
        partner: Partner,
        label: str,
    ) -> OperationResult:
        key = fields["key"]
        now = utc_now()
        with self.store.transaction() as conn:
            # Judged inside the write transaction: two payments on one card cannot both pass
            # the card cap.
            verdict = offline.judge_payment(
                scan,
                wallet_code=fields["wallet_code"],
                amount_cents=fields["amount_cents"],
                partner=partner,
                jwks=self.store.load_keys(),
                denied=self.store.is_denied(fields["card_number"]),
                exposure=self._exposure(
                    fields["card_number"], fields["wallet_code"], dict(scan.claims)
                ),
                last_contact=parse_instant(self.store.get_state("last_contact_at")),
                now=now,
                today=business_day(now),
            )
            if not verdict.accepted:
                conn.execute(
                    "DELETE FROM outbox WHERE idempotency_key = ? AND state = 'pending'", (key,)
                )
                refusal = verdict.refusal or "offline"
                return OperationResult.refused(refusal, verdict.detail)
            updated = conn.execute(
                "UPDATE outbox SET state = 'queued', origin = 'offline' "
                "WHERE idempotency_key = ? AND state = 'pending'",
                (key,),
            ).rowcount
            if not updated:
                self._insert_outbox(conn, state="queued", origin="offline", **fields)
            event = {
                **event,
                "mode": "offline",
                "transaction_id": None,
                "transaction_number": None,
                "balance_after_cents": verdict.balance_after_cents,
                "receipt_number": self._next_receipt_number(conn),
            }
            journal.append(conn, "payment", event)
        return OperationResult(
            Outcome.OFFLINE_QUEUED,
            receipt=self._receipt(
                event=event,
                partner=partner,
                kind="counter_payment",
                status="Accepté hors ligne : en attente d'envoi",
                wallet_label=label,
                ticket_number=event["receipt_number"],
            ),
        )

    def redeem(self, *, scan: str | Scan) -> OperationResult:
        """Redeem a prepayment voucher (online, or offline from its signed QR)."""
        try:
            partner = self._require_partner()
            voucher_scan = self._scan(scan)
            if voucher_scan.kind not in (ScanKind.VOUCHER_TOKEN, ScanKind.TICKET_NUMBER):
                raise Refused(Refusal("invalid_scan", "Ce code est une carte, pas un prépaiement."))
            api = self._client()
        except Refused as err:
            return self._done(OperationResult(Outcome.REFUSED, refusal=err.refusal))
        ticket = str(voucher_scan.ticket_number)
        body: dict[str, Any] = {"ticket_number": ticket}
        if voucher_scan.qr_token:
            body["qr_token"] = voucher_scan.qr_token
        key = str(uuid.uuid4())
        occurred_at = to_rfc3339(utc_now())
        claims = voucher_scan.claims or {}
        fields: dict[str, Any] = {
            "key": key,
            "operation": "voucher_redeem",
            "body": body,
            "occurred_at": occurred_at,
            "card_number": claims.get("card"),
            "wallet_code": claims.get("wallet"),
            "amount_cents": int(claims.get("amount_cents") or 0),
            "qr_iat": claims.get("iat"),
            "ticket_number": ticket,
        }
        event: dict[str, Any] = {
            "idempotency_key": key,
            "ticket_number": ticket,
            "card_number": claims.get("card"),
            "holder_name": "",
            "wallet_code": claims.get("wallet"),
            "amount_cents": int(claims.get("amount_cents") or 0),
            "occurred_at": occurred_at,
            "reference": None,
            "entry_mode": "qr" if voucher_scan.qr_token else "manual",
        }
        self._pending(**fields)
        try:
            answer = api.redeem(ticket, {k: v for k, v in body.items() if k == "qr_token"}, key)
        except ApiError as err:
            self._drop_pending(key)
            self._contact(api)
            return self._done(OperationResult.refused(err.code, err.detail))
        except UnknownOutcome:
            self._set_online(False)
            return self._done(
                self._queue_unknown(
                    key, "voucher_redeem", event, partner, event["wallet_code"] or "", _REDEMPTION
                )
            )
        except ClientError:
            self._set_online(False)
            return self._done(self._redeem_offline(voucher_scan, fields, event, partner))
        self._contact(api)
        voucher = Voucher.from_api(answer)
        tx = answer.get("redemption") or {"transaction_id": answer.get("transaction_id")}
        event.update(
            card_number=voucher.card_number,
            holder_name=voucher.holder_name,
            wallet_code=voucher.wallet_code,
            amount_cents=voucher.amount_cents,
        )
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET card_number = ?, wallet_code = ?, amount_cents = ? "
                "WHERE idempotency_key = ?",
                (voucher.card_number, voucher.wallet_code, voucher.amount_cents, key),
            )
        return self._done(
            self._finish_online(key, "voucher_redeem", event, tx, partner, voucher.wallet_code)
        )

    def _redeem_offline(
        self, scan: Scan, fields: dict[str, Any], event: dict[str, Any], partner: Partner
    ) -> OperationResult:
        key = fields["key"]
        with self.store.transaction() as conn:
            conn.execute(
                "DELETE FROM outbox WHERE idempotency_key = ? AND state = 'pending'", (key,)
            )
            verdict = offline.judge_redemption(
                scan,
                partner=partner,
                jwks=self.store.load_keys(),
                already_queued=self._voucher_queued(str(scan.ticket_number)),
                last_contact=parse_instant(self.store.get_state("last_contact_at")),
                now=utc_now(),
            )
            if not verdict.accepted:
                return OperationResult.refused(verdict.refusal or "offline", verdict.detail)
            self._insert_outbox(conn, state="queued", origin="offline", **fields)
            event = {
                **event,
                "mode": "offline",
                "transaction_id": None,
                "transaction_number": None,
                "balance_after_cents": None,
            }
            journal.append(conn, "redemption", event)
        return OperationResult(
            Outcome.OFFLINE_QUEUED,
            receipt=self._receipt(
                event=event,
                partner=partner,
                kind=_REDEMPTION,
                status="Encaissé hors ligne : en attente d'envoi",
                wallet_label=str(event.get("wallet_code") or ""),
                ticket_number=str(event["ticket_number"]),
            ),
        )

    def cancel(self, *, transaction_id: str, reason: str) -> OperationResult:
        """Cancel (refund) a transaction; needs the central service."""
        try:
            partner = self._require_partner()
            api = self._client()
        except Refused as err:
            return self._done(OperationResult(Outcome.REFUSED, refusal=err.refusal))
        transaction_id = transaction_id.strip()
        reason = reason.strip()
        if not _UUID.fullmatch(transaction_id.lower()):
            return self._done(
                OperationResult(
                    Outcome.REFUSED,
                    refusal=Refusal("validation_error", "Identifiant de transaction non valable."),
                )
            )
        if not reason:
            return self._done(
                OperationResult(
                    Outcome.REFUSED,
                    refusal=Refusal("validation_error", "Indiquez le motif de l'annulation."),
                )
            )
        key = str(uuid.uuid4())
        try:
            tx = api.cancel(transaction_id, reason, key)
        except ApiError as err:
            self._contact(api)
            return self._done(OperationResult.refused(err.code, err.detail))
        except ClientError:
            # Not queued: a refund needs the service; the same key is never reused here, and a
            # cancellation applied without our knowing shows in the transactions list.
            self._set_online(False)
            return self._done(OperationResult.refused("offline_cancel"))
        self._contact(api)
        card = self._cards.get(str(tx.get("card_number")))
        event = {
            "idempotency_key": key,
            "mode": "online",
            "card_number": tx.get("card_number"),
            "holder_name": card.holder_name if card else "",
            "wallet_code": tx.get("wallet_code"),
            "amount_cents": tx.get("amount_cents"),
            "occurred_at": tx.get("occurred_at") or to_rfc3339(utc_now()),
            "transaction_id": tx.get("transaction_id"),
            "transaction_number": tx.get("transaction_number"),
            "balance_after_cents": tx.get("balance_after_cents"),
            "cancels": transaction_id,
            "reason": reason,
            "reference": None,
        }
        with self.store.transaction() as conn:
            event["receipt_number"] = self._next_receipt_number(conn)
            journal.append(conn, "cancellation", event)
        return self._done(
            OperationResult(
                Outcome.ONLINE,
                receipt=self._receipt(
                    event=event,
                    partner=partner,
                    kind="cancellation",
                    status="Annulation : porte-monnaie recrédité",
                    wallet_label=str(tx.get("wallet_code") or ""),
                    ticket_number=str(event["receipt_number"]),
                ),
            )
        )

    # -- lists ------------------------------------------------------------------------------
    def transactions(
        self, *, day: date | None = None, kind: str | None = None, search: str | None = None
    ) -> list[TransactionView]:
        """The day's transactions (central when online) merged with local queued/rejected ones."""
        self._require_partner()
        day = day or business_day()
        views: list[TransactionView] = []
        central_ok = False
        try:
            api = self._client()
            cursor: str | None = None
            while True:
                page = api.transactions(
                    day_from=day.isoformat(), day_to=day.isoformat(), kind=kind, cursor=cursor
                )
                views.extend(_view_from_api(t) for t in page.get("items") or [])
                cursor = page.get("next_cursor")
                if not cursor:
                    break
            central_ok = True
            self._contact(api)
        except ApiError as err:
            raise Refused.of(err.code, err.detail) from err
        except ClientError:
            self._set_online(False)
        local = self._local_views(day)
        if central_ok:
            local = [v for v in local if v.sync_state in ("queued", "rejected")]
        else:
            local = [v for v in local if v.sync_state != "central" or v.transaction_id]
        if kind:
            local = [v for v in local if v.kind == kind]
        merged = local + views
        if search:
            needle = search.strip().lower()
            merged = [
                v
                for v in merged
                if needle
                in " ".join(
                    str(x or "")
                    for x in (v.card_number, v.transaction_number, v.reference, v.wallet_code)
                ).lower()
            ]
        merged.sort(key=lambda v: v.occurred_at, reverse=True)
        return merged

    def _outcomes(self, keys: list[str]) -> dict[str, sqlite3.Row]:
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

    def _local_views(self, day: date) -> list[TransactionView]:
        """This terminal's own operations that happened on `day`, from the journal."""
        with self.store.lock:
            rows = list(
                journal.entries(
                    self.store.conn,
                    day=day.isoformat(),
                    types=("payment", "redemption", "cancellation"),
                )
            )
        outcomes = self._outcomes([str(e.event.get("idempotency_key")) for e in rows])
        views = []
        for entry in rows:
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
                    tx = body.get("redemption") if entry.type == "redemption" else body
                    tx = tx or {}
                    tx_id = tx.get("transaction_id")
                    tx_number = tx.get("transaction_number")
                    balance = tx.get("balance_after_cents")
            views.append(
                TransactionView(
                    transaction_id=tx_id,
                    transaction_number=tx_number,
                    kind=_KIND_OF_ENTRY[entry.type],
                    status="completed" if sync_state != "rejected" else "rejected",
                    card_number=str(ev.get("card_number") or ""),
                    wallet_code=str(ev.get("wallet_code") or ""),
                    amount_cents=int(ev.get("amount_cents") or 0),
                    balance_after_cents=balance,
                    occurred_at=parse_instant(ev.get("occurred_at")) or utc_now(),
                    offline=ev.get("mode") != "online",
                    reference=ev.get("reference"),
                    cancels=ev.get("cancels"),
                    terminal_id=self.terminal_id,
                    sync_state=sync_state,
                    holder_name=ev.get("holder_name") or None,
                    idempotency_key=ev.get("idempotency_key"),
                )
            )
        return views

    # -- sync and status --------------------------------------------------------------------
    def status(self, probe: bool = True) -> TerminalStatus:
        """Online (probing /v1/health, 3 s at most, when `probe`), queue, drift, follow-ups."""
        partner = self.partner
        online = bool(self._online)
        if probe and partner is not None:
            online = self.engine.probe()
            self._set_online(online)
        queued = self.store.one(
            "SELECT COUNT(*) AS n, MIN(occurred_at) AS oldest FROM outbox "
            "WHERE state IN ('queued', 'pending')"
        )
        drift = self.store.get_state("clock_drift_seconds")
        last_contact = parse_instant(self.store.get_state("last_contact_at"))
        remaining = None
        if partner is not None:
            remaining = offline.window_remaining_s(partner.offline_policy, last_contact, utc_now())
        return TerminalStatus(
            enrolled=partner is not None,
            online=online,
            queue=int(queued["n"]) if queued else 0,
            oldest_queued_at=parse_instant(queued["oldest"]) if queued else None,
            last_sync_at=parse_instant(self.store.get_state("last_sync_at")),
            clock_drift_seconds=drift,
            follow_ups=int(
                self.store.scalar(
                    "SELECT COUNT(*) FROM sync_outcomes WHERE outcome = 'rejected' "
                    "AND acknowledged = 0"
                )
            ),
            offline_window_remaining_s=remaining,
            drift_warning=drift is not None and abs(float(drift)) > DRIFT_WARNING_S,
            partner_code=partner.code if partner else None,
            partner_name=partner.name if partner else None,
            server_url=settings.SERVER_URL.get(self.store),
            label=settings.TERMINAL_LABEL.get(self.store),
        )

    def sync(
        self, *, once: bool = True, progress: Callable[[int, int], None] | None = None
    ) -> SyncReport:
        """Send the outbox in order (batches of ≤ 500) and refresh keys, deny-list and profile.
        `once=False` keeps trying (backoff with jitter) until the queue is empty."""
        self._require_partner()
        attempt = 0
        while True:
            result = self.engine.run_once(progress)
            self._set_online(result.online)
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
        self._worker = SyncWorker(self.engine, interval_s=interval, on_online=self._set_online)
        self._worker.start()

    def follow_ups(self) -> list[FollowUp]:
        rows = self.store.query(
            "SELECT s.*, o.card_number, o.wallet_code, o.amount_cents, o.occurred_at, "
            "o.ticket_number FROM sync_outcomes s JOIN outbox o USING (idempotency_key) "
            "WHERE s.outcome = 'rejected' ORDER BY o.seq"
        )
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
            for r in rows
        ]

    # -- journal and closing ----------------------------------------------------------------
    def _totals(
        self, views: list[TransactionView]
    ) -> tuple[int, dict[str, int], dict[str, int], int]:
        by_wallet: dict[str, int] = {}
        by_kind: dict[str, int] = {}
        net = 0
        count = 0
        for v in views:
            if v.sync_state == "rejected":
                continue
            signed = -v.amount_cents if v.kind == "cancellation" else v.amount_cents
            by_wallet[v.wallet_code] = by_wallet.get(v.wallet_code, 0) + signed
            by_kind[v.kind] = by_kind.get(v.kind, 0) + signed
            net += signed
            count += 1
        return count, by_wallet, by_kind, net

    def close_day(self, day: date | None = None) -> DayClosing:
        """Record the day's totals, the perpetual grand total and the last hash; once a day."""
        day = day or business_day()
        if day > business_day():
            raise Refused(Refusal("validation_error", "On ne clôture pas une journée à venir."))
        with self.store.transaction() as conn:
            existing = next(
                journal.entries(conn, day=day.isoformat(), types=("day_closing",)), None
            )
            if existing is not None:
                return _closing_from_event(existing.event, already_closed=True)
            count, by_wallet, by_kind, net = self._totals(self._local_views(day))
            previous = conn.execute(
                "SELECT event FROM journal WHERE type = 'day_closing' ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            grand = (json.loads(previous[0]).get("grand_total_cents", 0) if previous else 0) + net
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
        return _closing_from_event(entry.event)

    def is_closed(self, day: date) -> bool:
        with self.store.lock:
            return day.isoformat() in journal.closed_days(self.store.conn)

    def report(self, day: date) -> DayReport:
        views = self._local_views(day)
        count, by_wallet, by_kind, net = self._totals(views)
        follow_ups = [f for f in self.follow_ups() if business_day(f.occurred_at) == day]
        return DayReport(
            day=day,
            closed=self.is_closed(day),
            transactions=views,
            count=count,
            by_wallet=by_wallet,
            by_kind=by_kind,
            net_amount_cents=net,
            follow_ups=follow_ups,
            terminal_labels=self._terminal_labels(),
        )

    def _terminal_labels(self) -> dict[str, str]:
        terminal_id, label = self.terminal_id, settings.TERMINAL_LABEL.get(self.store)
        return {terminal_id: label} if terminal_id and label else {}

    def statement(self, day: date) -> dict[str, Any]:
        """The central service's daily statement for this partner."""
        api = self._client()
        try:
            result = api.statement(day.isoformat())
        except ApiError as err:
            raise Refused.of(err.code, err.detail) from err
        except ClientError as err:
            self._set_online(False)
            raise Refused.of("offline") from err
        self._contact(api)
        return result

    def reconcile(self, day: date) -> Reconciliation:
        """This terminal's journal for `day` against the central statement's line for it."""
        report = self.report(day)
        differences: list[str] = []
        queued = [v for v in report.transactions if v.sync_state == "queued"]
        if queued:
            differences.append(f"{len(queued)} opération(s) pas encore envoyée(s)")
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
                if t.get("terminal_id") == self.terminal_id
            ),
            {"count": 0, "amount_cents": 0},
        )
        central_count, central_amount = (
            int(line.get("count") or 0),
            int(line.get("amount_cents") or 0),
        )
        if central_count != report.count:
            differences.append(f"nombre : terminal {report.count}, service central {central_count}")
        if central_amount != report.net_amount_cents:
            differences.append(
                f"montant : terminal {format_amount(report.net_amount_cents)}, "
                f"service central {format_amount(central_amount)}"
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
        with self.store.lock:
            result = journal.verify(self.store.conn)
        return JournalCheck(result.ok, result.rows, result.first_bad_row, result.reason)


_REDEMPTION = "voucher_redemption"
_JOURNAL_TYPE = {"payment": "payment", "voucher_redeem": "redemption"}
_KIND_OF_ENTRY = {
    "payment": "counter_payment",
    "redemption": "voucher_redemption",
    "cancellation": "cancellation",
}
_WALLET_CODE = re.compile(r"[A-Z0-9_]{1,32}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _wallet_label(card: Card | None, code: str) -> str:
    wallet = card.wallet(code) if card else None
    return wallet.label if wallet else code


def _view_from_api(t: dict[str, Any]) -> TransactionView:
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


def _closing_from_event(ev: dict[str, Any], *, already_closed: bool = False) -> DayClosing:
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
