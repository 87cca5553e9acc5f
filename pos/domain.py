"""The shop's vocabulary as plain types, with the rules of PRODUCT.md that the terminal applies.

These are built from the central service's JSON (or a signed QR) and know nothing of HTTP or SQLite.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from hdf_common import clock
from hdf_common.clock import PARIS as PARIS


def business_day(at: datetime | None = None) -> date:
    """The business day (Europe/Paris) an instant belongs to, by default now's."""
    return clock.business_day(at)


def utc_now() -> datetime:
    """Now, by the shared clock (settable: HDF_CLOCK, `hdf-pos --clock`)."""
    return clock.now()


def to_rfc3339(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


@dataclass(frozen=True)
class OfflinePolicy:
    """Limits the central service sets on what a terminal may accept without it."""

    max_payment_cents: int = 0
    max_card_total_cents: int = 0
    max_age_hours: int = 0

    @classmethod
    def from_api(cls, data: Mapping[str, Any] | None) -> OfflinePolicy:
        data = data or {}
        return cls(
            max_payment_cents=int(data.get("max_payment_cents") or 0),
            max_card_total_cents=int(data.get("max_card_total_cents") or 0),
            max_age_hours=int(data.get("max_age_hours") or 0),
        )


@dataclass(frozen=True)
class Partner:
    """The shop this terminal is enrolled for (cached profile of `GET /v1/partner`)."""

    code: str
    name: str
    city: str = ""
    postal_code: str = ""
    accepts_prepayment: bool = False
    accepts_online_payment: bool = False
    wallet_codes: tuple[str, ...] = ()
    offline_policy: OfflinePolicy = field(default_factory=OfflinePolicy)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Partner:
        return cls(
            code=str(data.get("code", "")),
            name=str(data.get("name", "")),
            city=str(data.get("city", "") or ""),
            postal_code=str(data.get("postal_code", "") or ""),
            accepts_prepayment=bool(data.get("accepts_prepayment")),
            accepts_online_payment=bool(data.get("accepts_online_payment")),
            wallet_codes=tuple(str(c) for c in data.get("wallet_codes") or ()),
            offline_policy=OfflinePolicy.from_api(data.get("offline_policy")),
        )

    def to_api(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "city": self.city,
            "postal_code": self.postal_code,
            "accepts_prepayment": self.accepts_prepayment,
            "accepts_online_payment": self.accepts_online_payment,
            "wallet_codes": list(self.wallet_codes),
            "offline_policy": {
                "max_payment_cents": self.offline_policy.max_payment_cents,
                "max_card_total_cents": self.offline_policy.max_card_total_cents,
                "max_age_hours": self.offline_policy.max_age_hours,
            },
        }

    def accepts_wallet(self, wallet_code: str) -> bool:
        return wallet_code in self.wallet_codes


class CardStatus(Enum):
    ACTIVE = "active"
    BLOCKED = "blocked"
    REPLACED = "replaced"
    EXPIRED = "expired"

    @classmethod
    def parse(cls, value: object) -> CardStatus:
        try:
            return cls(str(value))
        except ValueError:
            return cls.BLOCKED  # an unknown status never pays

    @property
    def label(self) -> str:
        return {
            CardStatus.ACTIVE: "Active",
            CardStatus.BLOCKED: "Bloquée (opposition)",
            CardStatus.REPLACED: "Remplacée",
            CardStatus.EXPIRED: "Expirée",
        }[self]

    @property
    def refusal_code(self) -> str | None:
        """The API code a payment with a card in this state gets (None: it may pay)."""
        if self is CardStatus.ACTIVE:
            return None
        return "card_expired" if self is CardStatus.EXPIRED else "card_blocked"


@dataclass(frozen=True)
class Wallet:
    """One porte-monnaie of a card, as the central service (or a signed QR) describes it."""

    code: str
    label: str
    balance_cents: int
    valid_from: date | None = None
    valid_to: date | None = None
    usable: bool | None = None  # the central service's verdict for this partner today
    reason: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Wallet:
        return cls(
            code=str(data.get("code", "")),
            label=str(data.get("label") or data.get("code") or ""),
            balance_cents=int(data.get("balance_cents") or 0),
            valid_from=parse_day(data.get("valid_from")),
            valid_to=parse_day(data.get("valid_to")),
            usable=data.get("usable") if isinstance(data.get("usable"), bool) else None,
            reason=data.get("reason"),
        )

    def usable_on(self, day: date, partner: Partner | None) -> str | None:
        """None when this partner may debit the wallet that day, else the refusal code."""
        if self.usable is False:
            return "wallet_not_usable"
        if self.valid_from and day < self.valid_from:
            return "wallet_not_usable"
        if self.valid_to and day > self.valid_to:
            return "wallet_not_usable"
        if partner is not None and not partner.accepts_wallet(self.code):
            return "wallet_not_usable"
        return None

    def can_pay(self, amount_cents: int, day: date, partner: Partner | None) -> str | None:
        reason = self.usable_on(day, partner)
        if reason:
            return reason
        if amount_cents > self.balance_cents:
            return "insufficient_funds"
        return None


@dataclass(frozen=True)
class Card:
    """A carte Génération #HDF as the central service returns it."""

    card_number: str
    status: CardStatus
    first_name: str = ""
    last_name: str = ""
    wallets: tuple[Wallet, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Card:
        holder = data.get("holder") or {}
        return cls(
            card_number=str(data.get("card_number", "")),
            status=CardStatus.parse(data.get("status")),
            first_name=str(holder.get("first_name", "") or ""),
            last_name=str(holder.get("last_name", "") or ""),
            wallets=tuple(Wallet.from_api(w) for w in data.get("wallets") or ()),
        )

    @property
    def holder_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def wallet(self, code: str) -> Wallet | None:
        return next((w for w in self.wallets if w.code == code), None)


class VoucherStatus(Enum):
    PENDING = "pending"
    REDEEMED = "redeemed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {
            VoucherStatus.PENDING: "Prépaiement en attente",
            VoucherStatus.REDEEMED: "Prépaiement encaissé",
            VoucherStatus.CANCELLED: "Prépaiement annulé",
            VoucherStatus.EXPIRED: "Prépaiement expiré",
        }[self]


@dataclass(frozen=True)
class Voucher:
    """A prepayment the beneficiary made online for one partner."""

    ticket_number: str
    transaction_number: str
    status: VoucherStatus
    partner_code: str
    card_number: str
    wallet_code: str
    amount_cents: int
    first_name: str = ""
    last_name: str = ""
    created_at: datetime | None = None
    redeemed_at: datetime | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Voucher:
        holder = data.get("holder") or {}
        try:
            status = VoucherStatus(str(data.get("status")))
        except ValueError:
            status = VoucherStatus.CANCELLED
        return cls(
            ticket_number=str(data.get("ticket_number", "")),
            transaction_number=str(data.get("transaction_number", "") or ""),
            status=status,
            partner_code=str(data.get("partner_code", "")),
            card_number=str(data.get("card_number", "")),
            wallet_code=str(data.get("wallet_code", "")),
            amount_cents=int(data.get("amount_cents") or 0),
            first_name=str(holder.get("first_name", "") or ""),
            last_name=str(holder.get("last_name", "") or ""),
            created_at=parse_instant(data.get("created_at")),
            redeemed_at=parse_instant(data.get("redeemed_at")),
        )

    @property
    def holder_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def redeemable_by(self, partner_code: str) -> str | None:
        """None when `partner_code` may redeem it now, else the refusal code."""
        if self.partner_code != partner_code:
            return "voucher_other_partner"
        if self.status is not VoucherStatus.PENDING:
            return "voucher_not_pending"
        return None


class TransactionKind(Enum):
    COUNTER_PAYMENT = "counter_payment"
    VOUCHER_REDEMPTION = "voucher_redemption"
    ONLINE_PAYMENT = "online_payment"
    CANCELLATION = "cancellation"

    @property
    def label(self) -> str:
        return {
            TransactionKind.COUNTER_PAYMENT: "Paiement au comptoir",
            TransactionKind.VOUCHER_REDEMPTION: "Encaissement de prépaiement",
            TransactionKind.ONLINE_PAYMENT: "Extranet bénéficiaire",
            TransactionKind.CANCELLATION: "Annulation",
        }[self]

    @property
    def sign(self) -> int:
        """Cancellations count negative in totals."""
        return -1 if self is TransactionKind.CANCELLATION else 1


def kind_label(kind: str) -> str:
    try:
        return TransactionKind(kind).label
    except ValueError:
        return kind
