"""One money operation the terminal means to do (a payment or a voucher redemption), typed.

An `Intent` is built once, before anything is written, and every record of the operation is
derived from it: the request body the service receives (`request_body()`, the same one the outbox
keeps for `/v1/sync`), the outbox row (`pos.outbox`) and the journal event (`journal_event()`).
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pos.domain import to_rfc3339, utc_now

PAYMENT = "payment"
REDEMPTION = "voucher_redeem"

# The outbox's operation -> the journal entry's type (and the transaction kind of its receipt).
JOURNAL_TYPES = {PAYMENT: "payment", REDEMPTION: "redemption"}
RECEIPT_KINDS = {PAYMENT: "counter_payment", REDEMPTION: "voucher_redemption"}


def journal_type(operation: str) -> str:
    """The journal entry type of an outbox operation."""
    return JOURNAL_TYPES.get(operation, "payment")


@dataclass(frozen=True)
class Intent:
    operation: str  # PAYMENT | REDEMPTION
    key: str  # the idempotency key, kept for every retry
    occurred_at: str  # RFC 3339, UTC
    card_number: str | None
    wallet_code: str | None
    amount_cents: int
    entry_mode: str  # "qr" | "manual"
    qr_token: str | None = None
    qr_iat: int | None = None
    reference: str | None = None
    ticket_number: str | None = None  # the voucher's ticket (redemptions)
    holder_name: str = ""
    wallet_label: str = ""  # for the receipt

    @classmethod
    def new(cls, operation: str, at: datetime | None = None, **fields: Any) -> Intent:
        """A fresh intent: a new idempotency key, `at` (else now) as its moment."""
        key = str(uuid.uuid4())
        return cls(operation, key, to_rfc3339(at or utc_now()), **fields)

    def with_(self, **changes: Any) -> Intent:
        return dataclasses.replace(self, **changes)

    @property
    def is_payment(self) -> bool:
        return self.operation == PAYMENT

    @property
    def journal_type(self) -> str:
        return journal_type(self.operation)

    @property
    def receipt_kind(self) -> str:
        return RECEIPT_KINDS[self.operation]

    def request_body(self) -> dict[str, Any]:
        """The body of the API request (and of the `/v1/sync` item the outbox keeps)."""
        body: dict[str, Any]
        if self.is_payment:
            body = {
                "card_number": self.card_number,
                "wallet_code": self.wallet_code,
                "amount_cents": self.amount_cents,
                "entry_mode": self.entry_mode,
            }
        else:
            body = {"ticket_number": self.ticket_number}
        if self.qr_token:
            body["qr_token"] = self.qr_token
        if self.reference:
            body["reference"] = self.reference
        return body

    def journal_event(
        self,
        mode: str,
        *,
        transaction_id: str | None = None,
        transaction_number: str | None = None,
        balance_after_cents: int | None = None,
        receipt_number: str | None = None,
        service_occurred_at: str | None = None,
    ) -> dict[str, Any]:
        """The journal event: `mode` is online | offline | unknown; a payment carries the
        terminal's receipt number, a redemption prints under its voucher's ticket number; an
        online one also the service's instant (`service_occurred_at`), the one that decides its
        business day on both sides (pos/daybook.py)."""
        event: dict[str, Any] = {
            "idempotency_key": self.key,
            "ticket_number": self.ticket_number,
            "card_number": self.card_number,
            "holder_name": self.holder_name,
            "wallet_code": self.wallet_code,
            "amount_cents": self.amount_cents,
            "occurred_at": self.occurred_at,
            "reference": self.reference,
            "entry_mode": self.entry_mode,
            "mode": mode,
            "transaction_id": transaction_id,
            "transaction_number": transaction_number,
            "balance_after_cents": balance_after_cents,
        }
        if self.is_payment:
            event["receipt_number"] = receipt_number
        if service_occurred_at:
            event["service_occurred_at"] = service_occurred_at
        return event
