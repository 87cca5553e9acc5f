"""The money operations: pay, redeem a voucher, cancel.

Pay and redeem build one `Intent` and go one way (`_submit`): the intent is committed `pending`
in the outbox, then sent; an answer is journalled `online`; a refusal drops the row; silence
after sending is an unknown outcome, queued under the same key; a connection failure hands the
intent to the offline rules of `pos.offline`, judged inside one write transaction (two payments
on one card cannot both pass its cap). A cancellation needs the service: it is never queued.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pos import journal, offline
from pos.connection import Connection
from pos.domain import Card, Partner, Voucher, business_day, parse_instant, to_rfc3339, utc_now
from pos.intent import PAYMENT, REDEMPTION, Intent
from pos.lookups import Lookups, card_scan, voucher_scan, wallet_label
from pos.messages import refusal_message, text
from pos.money import MAX_AMOUNT_CENTS, AmountError, parse_amount
from pos.outbox import Outbox
from pos.refunds import original_transaction
from pos.results import OperationResult, Outcome, Receipt, Refusal, Refused
from pos.scan import Scan, ScanKind
from pos.sync.client import ApiClient, ApiError, ClientError, UnknownOutcome

_WALLET_CODE = re.compile(r"[A-Z0-9_]{1,32}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# What the receipt says, by operation and by how it ended.
_STATUS = {
    (PAYMENT, "online"): "paid",
    (REDEMPTION, "online"): "voucher_redeemed",
    (PAYMENT, "offline"): "paid_offline",
    (REDEMPTION, "offline"): "redeemed_offline",
    (PAYMENT, "unknown"): "unknown_outcome",
    (REDEMPTION, "unknown"): "unknown_outcome",
}


def receipt_of(
    event: dict[str, Any],
    partner: Partner,
    *,
    kind: str,
    status: str,
    wallet_label: str,
    entry: journal.Entry | None = None,
) -> Receipt:
    """The receipt of a journalled operation (its event is the record; `entry` its journal
    entry, whose seq and hash the receipt prints)."""
    return Receipt(
        ticket_number=str(event.get("ticket_number") or event["receipt_number"]),
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
        cancels_number=event.get("cancels_number"),
        cancels_occurred_at=parse_instant(event.get("cancels_occurred_at")),
        journal_seq=entry.seq if entry else None,
        journal_hash=entry.hash if entry else None,
    )


def parse_pay_amount(amount: int | str) -> int:
    """Cents from an int or typed text ("12,50"). Raises Refused (invalid_amount)."""
    if isinstance(amount, str):
        try:
            return parse_amount(amount)
        except AmountError as err:
            raise Refused(Refusal("invalid_amount", err.reason)) from err
    cents = int(amount)
    if not 0 < cents <= MAX_AMOUNT_CENTS:
        raise Refused.of("invalid_amount")
    return cents


def choose_wallet(card: Card | None, scan: Scan, partner: Partner) -> str | None:
    """The one wallet the payment can only be for, else None (the cashier chooses)."""
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


class Operations:
    def __init__(
        self,
        connection: Connection,
        outbox: Outbox,
        lookups: Lookups,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.connection = connection
        self.clock = clock  # "now" for the intents and the offline rules
        self.outbox = outbox
        self.lookups = lookups
        self.store = connection.store

    # -- pay --------------------------------------------------------------------------------
    def pay(
        self,
        *,
        scan: str | Scan,
        wallet_code: str | None,
        amount_cents: int | str,
        reference: str | None = None,
    ) -> OperationResult:
        try:
            partner = self.connection.require_partner()
            card_scan_ = card_scan(scan)
            api = self.connection.client()
            amount = parse_pay_amount(amount_cents)
            if wallet_code is not None:
                wallet_code = wallet_code.strip().upper()
                if not _WALLET_CODE.fullmatch(wallet_code):
                    raise Refused.of("unknown_wallet")
            if reference is not None:
                reference = reference.strip()[:64] or None
            intent, online = self._payment(api, card_scan_, partner, wallet_code, amount, reference)
        except Refused as err:
            return OperationResult.refusal_of(err)
        if not online:
            return self._pay_offline(card_scan_, intent, partner)
        return self._submit(api, card_scan_, intent, partner)

    def _payment(
        self,
        api: ApiClient,
        scan: Scan,
        partner: Partner,
        wallet_code: str | None,
        amount: int,
        reference: str | None,
    ) -> tuple[Intent, bool]:
        """The payment's intent (its wallet chosen and checked), and whether the service
        answered for the card (no: straight to the offline rules)."""
        card_number = str(scan.card_number)
        card = self.lookups.cards.get(card_number)
        online = True
        if card is None or wallet_code is None:
            try:
                card = self.lookups.fetch_card(api, card_number)
            except ApiError as err:
                raise Refused.of(err.code, err.detail) from err
            except ClientError:
                online = False
        if wallet_code is None:
            wallet_code = choose_wallet(card if online else None, scan, partner)
            if wallet_code is None:
                raise Refused.of("wallet_required")
        if online and card is not None and card.wallet(wallet_code) is None:
            raise Refused.of("unknown_wallet")
        intent = Intent.new(
            PAYMENT,
            self.clock(),
            card_number=card_number,
            wallet_code=wallet_code,
            amount_cents=amount,
            entry_mode="qr" if scan.kind is ScanKind.CARD_TOKEN else "manual",
            qr_token=scan.qr_token,
            qr_iat=scan.claims.get("iat") if scan.claims else None,
            reference=reference,
            holder_name=card.holder_name if card else "",
            wallet_label=wallet_label(card, wallet_code),
        )
        return intent, online

    # -- redeem -----------------------------------------------------------------------------
    def redeem(self, *, scan: str | Scan) -> OperationResult:
        try:
            partner = self.connection.require_partner()
            scan_ = voucher_scan(scan)
            api = self.connection.client()
        except Refused as err:
            return OperationResult.refusal_of(err)
        claims = scan_.claims or {}
        intent = Intent.new(
            REDEMPTION,
            self.clock(),
            card_number=claims.get("card"),
            wallet_code=claims.get("wallet"),
            amount_cents=int(claims.get("amount_cents") or 0),
            entry_mode="qr" if scan_.qr_token else "manual",
            qr_token=scan_.qr_token,
            qr_iat=claims.get("iat"),
            ticket_number=str(scan_.ticket_number),
            wallet_label=wallet_label(None, str(claims.get("wallet") or "")),
        )
        return self._submit(api, scan_, intent, partner)

    # -- one way for both: online first, else the offline rules -----------------------------
    def _submit(
        self, api: ApiClient, scan: Scan, intent: Intent, partner: Partner
    ) -> OperationResult:
        self.outbox.add_pending(intent)
        try:
            answer = self._send(api, intent)
        except ApiError as err:
            self.outbox.drop_pending(intent.key)
            self.connection.contact(api)
            return OperationResult.refused(err.code, err.detail)
        except UnknownOutcome:
            self.connection.set_online(False)
            return self._queue_unknown(intent, partner)
        except ClientError:
            self.connection.set_online(False)
            offline_rules: Callable[[Scan, Intent, Partner], OperationResult] = (
                self._pay_offline if intent.is_payment else self._redeem_offline
            )
            return offline_rules(scan, intent, partner)
        self.connection.contact(api)
        tx: dict[str, Any] = answer
        if not intent.is_payment:
            voucher = Voucher.from_api(answer)
            tx = answer.get("redemption") or {"transaction_id": answer.get("transaction_id")}
            intent = intent.with_(
                card_number=voucher.card_number,
                holder_name=voucher.holder_name,
                wallet_code=voucher.wallet_code,
                amount_cents=voucher.amount_cents,
                wallet_label=wallet_label(None, voucher.wallet_code),
            )
            self.outbox.set_redemption(intent)
        return self._finish_online(intent, tx, partner)

    @staticmethod
    def _send(api: ApiClient, intent: Intent) -> dict[str, Any]:
        body = intent.request_body()
        if intent.is_payment:
            return api.pay(body, intent.key)
        extra = {k: v for k, v in body.items() if k == "qr_token"}
        return api.redeem(str(intent.ticket_number), extra, intent.key)

    def _journal(
        self, intent: Intent, partner: Partner, mode: str, mark: Callable[[Any], Any], **tx: Any
    ) -> OperationResult:
        """Journal the intent as `mode` in the transaction that `mark`s its outbox row."""
        with self.store.transaction() as conn:
            mark(conn)
            number = self.store.next_receipt_number(conn) if intent.is_payment else None
            event = intent.journal_event(mode, receipt_number=number, **tx)
            entry = journal.append(conn, intent.journal_type, event)
        return self._result(intent, partner, event, entry)

    def _result(
        self, intent: Intent, partner: Partner, event: dict[str, Any], entry: journal.Entry
    ) -> OperationResult:
        status = text(_STATUS[intent.operation, event["mode"]])
        return OperationResult.done(
            receipt_of(
                event,
                partner,
                kind=intent.receipt_kind,
                status=status,
                wallet_label=intent.wallet_label,
                entry=entry,
            )
        )

    def _finish_online(
        self, intent: Intent, tx: dict[str, Any], partner: Partner
    ) -> OperationResult:
        return self._journal(
            intent,
            partner,
            "online",
            lambda conn: self.outbox.mark_online(conn, intent.key),
            transaction_id=tx.get("transaction_id"),
            transaction_number=tx.get("transaction_number"),
            balance_after_cents=tx.get("balance_after_cents"),
            service_occurred_at=tx.get("occurred_at"),
        )

    def _queue_unknown(self, intent: Intent, partner: Partner) -> OperationResult:
        return self._journal(
            intent, partner, "unknown", lambda conn: self.outbox.mark_unknown(conn, intent.key)
        )

    def _pay_offline(self, scan: Scan, intent: Intent, partner: Partner) -> OperationResult:
        now = self.clock()
        card, wallet = str(intent.card_number), str(intent.wallet_code)
        with self.store.transaction() as conn:
            # Judged inside the write transaction: two payments on one card cannot both pass
            # the card cap. Its own `pending` row (tried online first) goes, as for a
            # redemption: it would count twice (the balance after it, the card's total).
            self.outbox.drop_pending(intent.key)
            verdict = offline.judge_payment(
                scan,
                wallet_code=wallet,
                amount_cents=intent.amount_cents,
                partner=partner,
                jwks=self.store.load_keys(),
                denied=self.store.is_denied(card),
                exposure=self.outbox.exposure(
                    card,
                    wallet,
                    dict(scan.claims),
                    window_start=now - timedelta(hours=partner.offline_policy.max_age_hours),
                ),
                last_contact=self.connection.last_contact(),
                now=now,
                today=business_day(now),
            )
            if not verdict.accepted:
                return OperationResult.refused(verdict.refusal or "offline", verdict.detail)
            self.outbox.add(conn, intent, state="queued", origin="offline")
            event = intent.journal_event(
                "offline",
                balance_after_cents=verdict.balance_after_cents,
                receipt_number=self.store.next_receipt_number(conn),
            )
            entry = journal.append(conn, intent.journal_type, event)
        return self._result(intent, partner, event, entry)

    def _redeem_offline(self, scan: Scan, intent: Intent, partner: Partner) -> OperationResult:
        with self.store.transaction() as conn:
            self.outbox.drop_pending(intent.key)  # so that it does not count as already queued
            verdict = self.lookups.judge_redemption(scan, partner)
            if not verdict.accepted:
                return OperationResult.refused(verdict.refusal or "offline", verdict.detail)
            self.outbox.add(conn, intent, state="queued", origin="offline")
            event = intent.journal_event("offline")
            entry = journal.append(conn, intent.journal_type, event)
        return self._result(intent, partner, event, entry)

    # -- cancel -----------------------------------------------------------------------------
    def cancel(self, *, transaction_id: str, reason: str) -> OperationResult:
        try:
            partner = self.connection.require_partner()
            api = self.connection.client()
            transaction_id = transaction_id.strip()
            reason = reason.strip()
            if not _UUID.fullmatch(transaction_id.lower()):
                raise Refused(
                    Refusal("validation_error", refusal_message("invalid_transaction_id"))
                )
            if not reason:
                raise Refused(
                    Refusal("validation_error", refusal_message("cancel_reason_required"))
                )
        except Refused as err:
            return OperationResult.refusal_of(err)
        key = str(uuid.uuid4())
        try:
            tx = api.cancel(transaction_id, reason, key)
        except ApiError as err:
            self.connection.contact(api)
            return OperationResult.refused(err.code, err.detail)
        except ClientError:
            # Not queued: a refund needs the service; the same key is never reused here, and a
            # cancellation applied without our knowing shows in the transactions list.
            self.connection.set_online(False)
            return OperationResult.refused("offline_cancel")
        self.connection.contact(api)
        original = original_transaction(self.store, api, transaction_id, business_day()) or {}
        card = self._card_for_receipt(api, str(tx.get("card_number")))
        event = {
            "idempotency_key": key,
            "mode": "online",
            "card_number": tx.get("card_number"),
            "holder_name": original.get("holder_name") or (card.holder_name if card else ""),
            "wallet_code": tx.get("wallet_code"),
            "amount_cents": tx.get("amount_cents"),
            "occurred_at": tx.get("occurred_at") or to_rfc3339(self.clock()),
            "transaction_id": tx.get("transaction_id"),
            "transaction_number": tx.get("transaction_number"),
            "balance_after_cents": tx.get("balance_after_cents"),
            "cancels": transaction_id,
            "cancels_number": original.get("transaction_number"),
            "cancels_occurred_at": original.get("occurred_at"),
            "reason": reason,
            "reference": None,
        }
        with self.store.transaction() as conn:
            event["receipt_number"] = self.store.next_receipt_number(conn)
            entry = journal.append(conn, "cancellation", event)
        receipt = receipt_of(
            event,
            partner,
            kind="cancellation",
            status=text("cancelled"),
            wallet_label=wallet_label(card, str(tx.get("wallet_code") or "")),
            entry=entry,
        )
        return OperationResult(Outcome.ONLINE, receipt=receipt)

    def _card_for_receipt(self, api: ApiClient, card_number: str) -> Card | None:
        """The card as seen this session, else asked of the service (best effort: the refund
        is done whatever happens here)."""
        card = self.lookups.cards.get(card_number)
        if card is None:
            try:
                card = self.lookups.fetch_card(api, card_number)
            except (ApiError, ClientError):
                return None
        return card
