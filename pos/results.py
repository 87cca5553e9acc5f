"""What the terminal facade returns: plain dataclasses for results, views and reports.

`pos.terminal.Terminal` builds them; the command line and the windows only read them. Refusals
carry a stable `code` and the French sentence of `pos.messages`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from pos.messages import refusal_message
from pos.scan import Scan


class Outcome(Enum):
    """Kept for the callers written before `Verdict`: an unknown outcome is OFFLINE_QUEUED here."""

    ONLINE = "online"
    OFFLINE_QUEUED = "offline_queued"
    REFUSED = "refused"


class Verdict(Enum):
    """What became of an operation, the one value to branch on (`OperationResult.verdict`)."""

    ONLINE = "online"  # the service answered: done
    QUEUED_OFFLINE = "queued_offline"  # accepted by the offline rules, sent at the next sync
    UNKNOWN_OUTCOME = "unknown_outcome"  # sent, no answer: queued under the same key
    REFUSED = "refused"  # not done: `refusal` says why


@dataclass(frozen=True)
class Refusal:
    """Why an operation was refused: a stable `code` and the French sentence to show."""

    code: str
    message: str
    detail: str | None = None

    @classmethod
    def of(cls, code: str, detail: str | None = None) -> Refusal:
        return cls(code=code, message=refusal_message(code), detail=detail)


class Refused(Exception):
    """Raised by look-ups (lookup, voucher, cancel pre-checks) that cannot answer."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal

    @classmethod
    def of(cls, code: str, detail: str | None = None) -> Refused:
        return cls(Refusal.of(code, detail))


@dataclass(frozen=True)
class Receipt:
    """A reçu de transaction (the fields of PRODUCT.md) plus the offline flag."""

    ticket_number: str  # voucher ticket for a redemption, else the terminal's receipt number
    transaction_number: str | None  # None until the central service has it (offline)
    transaction_id: str | None
    status: str  # French, e.g. "Payé", "En attente d'envoi", "Annulé"
    kind: str  # TransactionKind value
    occurred_at: datetime
    card_number: str
    holder_name: str
    partner_name: str
    postal_code: str
    city: str
    wallet_code: str
    wallet_label: str
    amount_cents: int
    balance_after_cents: int | None  # offline: the estimate from the QR snapshot
    offline: bool = False
    unknown_outcome: bool = False  # sent but no answer: queued under the same key
    reference: str | None = None
    idempotency_key: str | None = None
    # A cancellation's receipt names the transaction it refunds (None when not found).
    cancels_number: str | None = None
    cancels_occurred_at: datetime | None = None
    # A split sale (the wallet could pay only part of it): what is left to pay at the till.
    to_pay_at_till_cents: int = 0
    # The proof (issue 14, like NF525 receipts): the journal entry's seq and hash.
    journal_seq: int | None = None
    journal_hash: str | None = None

    @property
    def fingerprint(self) -> str | None:
        """ "Empreinte": the first 8 hex characters of the journal entry's hash."""
        return self.journal_hash[:8] if self.journal_hash else None


@dataclass(frozen=True)
class OperationResult:
    outcome: Outcome
    receipt: Receipt | None = None
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is not Outcome.REFUSED

    @property
    def verdict(self) -> Verdict:
        if self.outcome is Outcome.REFUSED:
            return Verdict.REFUSED
        if self.outcome is Outcome.ONLINE:
            return Verdict.ONLINE
        if self.receipt is not None and self.receipt.unknown_outcome:
            return Verdict.UNKNOWN_OUTCOME
        return Verdict.QUEUED_OFFLINE

    @classmethod
    def refused(cls, code: str, detail: str | None = None) -> OperationResult:
        return cls(Outcome.REFUSED, refusal=Refusal.of(code, detail))

    @classmethod
    def refusal_of(cls, refused: Refused) -> OperationResult:
        return cls(Outcome.REFUSED, refusal=refused.refusal)

    @classmethod
    def done(cls, receipt: Receipt) -> OperationResult:
        """Online when the receipt is, else queued (offline or unknown outcome)."""
        return cls(Outcome.OFFLINE_QUEUED if receipt.offline else Outcome.ONLINE, receipt=receipt)


@dataclass(frozen=True)
class WalletView:
    code: str
    label: str
    balance_cents: int
    valid_from: date | None
    valid_to: date | None
    usable: bool
    reason: str | None = None  # French sentence when not usable


@dataclass(frozen=True)
class CardView:
    card_number: str
    status: str  # CardStatus value
    status_label: str
    first_name: str
    last_name: str
    wallets: tuple[WalletView, ...]
    offline: bool = False  # built from a signed QR's snapshot, not from the central service
    can_pay: bool = True
    reason: str | None = None  # French sentence when the card cannot pay
    scan: Scan | None = None

    @property
    def holder_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class VoucherView:
    ticket_number: str
    transaction_number: str
    status: str  # VoucherStatus value
    status_label: str
    partner_code: str
    card_number: str
    holder_name: str
    wallet_code: str
    amount_cents: int
    created_at: datetime | None
    redeemed_at: datetime | None
    offline: bool = False
    redeemable: bool = False
    reason: str | None = None
    scan: Scan | None = None


@dataclass(frozen=True)
class TransactionView:
    transaction_id: str | None
    transaction_number: str | None
    kind: str
    status: str
    card_number: str
    wallet_code: str
    amount_cents: int
    balance_after_cents: int | None
    occurred_at: datetime
    channel: str = "counter"
    offline: bool = False
    reference: str | None = None
    cancels: str | None = None
    terminal_id: str | None = None
    sync_state: str = "central"  # central | queued | rejected
    holder_name: str | None = None  # only from this terminal's journal (to reprint)
    idempotency_key: str | None = None
    # A cancellation made here of a transaction made elsewhere (an extranet payment): the
    # service's statement charges it to that transaction's row, not to this till's.
    charged_elsewhere: bool = False
    # The proof a reprint carries (issue 14): this terminal's journal entry of the operation,
    # also on a row the service listed (joined by transaction id).
    journal_seq: int | None = None
    journal_hash: str | None = None
    ticket_number: str | None = None  # the receipt's "N° ticket" (this terminal's or the voucher's)


@dataclass(frozen=True)
class TerminalStatus:
    enrolled: bool
    online: bool
    queue: int
    oldest_queued_at: datetime | None
    last_sync_at: datetime | None
    clock_drift_seconds: float | None
    follow_ups: int
    offline_window_remaining_s: float | None
    drift_warning: bool
    partner_code: str | None = None
    partner_name: str | None = None
    server_url: str | None = None
    label: str | None = None
    unencrypted: bool = False  # http:// to another machine, allowed by --insecure

    def to_json(self) -> dict[str, Any]:
        def iso(at: datetime | None) -> str | None:
            return at.isoformat() if at else None

        return {
            "enrolled": self.enrolled,
            "online": self.online,
            "queue": self.queue,
            "oldest_queued_at": iso(self.oldest_queued_at),
            "last_sync_at": iso(self.last_sync_at),
            "clock_drift_seconds": self.clock_drift_seconds,
            "follow_ups": self.follow_ups,
            "offline_window_remaining_s": self.offline_window_remaining_s,
            "drift_warning": self.drift_warning,
            "partner_code": self.partner_code,
            "partner_name": self.partner_name,
            "server_url": self.server_url,
            "label": self.label,
            "unencrypted": self.unencrypted,
        }


@dataclass(frozen=True)
class FollowUp:
    """An offline operation the central service rejected at sync: for the manager to settle."""

    idempotency_key: str
    operation: str  # payment | voucher_redeem
    card_number: str
    wallet_code: str
    amount_cents: int
    occurred_at: datetime
    code: str
    message: str
    synced_at: datetime | None
    ticket_number: str | None = None


@dataclass(frozen=True)
class DayClosing:
    day: date
    closed_at: datetime
    count: int
    by_wallet: dict[str, int]
    by_kind: dict[str, int]
    net_amount_cents: int
    grand_total_cents: int  # perpetual, over every closed day
    last_hash: str
    already_closed: bool = False


@dataclass(frozen=True)
class DayReport:
    day: date
    closed: bool
    transactions: list[TransactionView]
    count: int
    by_wallet: dict[str, int]
    by_kind: dict[str, int]
    net_amount_cents: int
    follow_ups: list[FollowUp] = field(default_factory=list)
    terminal_labels: dict[str, str] = field(default_factory=dict)  # terminal_id -> its label
    closing: DayClosing | None = None  # the Z recorded in the journal, once the day is closed


@dataclass(frozen=True)
class Reconciliation:
    day: date
    local_count: int
    local_amount_cents: int
    central_count: int | None
    central_amount_cents: int | None
    matches: bool
    differences: list[str] = field(default_factory=list)
    # The central service's daily statement for the whole partner (every terminal and the
    # extranet), None when it could not be read.
    statement: dict[str, Any] | None = None


@dataclass(frozen=True)
class JournalCheck:
    ok: bool
    rows: int
    first_bad_row: int | None = None
    reason: str | None = None
    # The service's witness (issue 14): None when not asked (not enrolled, or the chain already
    # failed); False when it did not answer (then the last head it acknowledged, remembered here).
    witness_online: bool | None = None
    witness_heads: int = 0
    witness_last_seq: int | None = None
    witness_last_at: str | None = None
