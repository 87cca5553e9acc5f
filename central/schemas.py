"""Request and response shapes of API.md as pydantic models: requests are validated with them,
responses are documented with them (handlers build plain dicts, cheaper than re-validating)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

CardNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$")]
TicketNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
DossierNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,16}$")]
TransactionNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{7}$")]
WalletCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]
PartnerCode = Annotated[str, StringConstraints(min_length=1, max_length=16)]
# 1 cent to 100 000,00 €: the upper bound only keeps absurd integers out of the database.
AmountCents = Annotated[int, Field(gt=0, le=10_000_000)]
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

Kind = Literal["counter_payment", "voucher_redemption", "online_payment", "cancellation"]


class _Request(BaseModel):
    # Strict: "100" is not an amount and 10.5 cents is not either; unknown fields are ignored so
    # a newer terminal can send more.
    model_config = ConfigDict(strict=True, extra="ignore")


class _Response(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details; `code` is the stable machine code."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    code: str


# ---- requests ---------------------------------------------------------------------------------


class EnrolmentRequest(_Request):
    partner_code: PartnerCode
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    label: Annotated[str, StringConstraints(min_length=1, max_length=120)]


class PaymentRequest(_Request):
    card_number: CardNumber
    wallet_code: WalletCode
    amount_cents: AmountCents
    entry_mode: Literal["qr", "manual"]
    qr_token: Annotated[str, StringConstraints(min_length=1, max_length=8192)] | None = None
    reference: Annotated[str, StringConstraints(max_length=200)] | None = None


class RedeemRequest(_Request):
    qr_token: Annotated[str, StringConstraints(min_length=1, max_length=8192)] | None = None


class SyncRedeemBody(_Request):
    ticket_number: TicketNumber
    qr_token: Annotated[str, StringConstraints(min_length=1, max_length=8192)] | None = None


class CancelRequest(_Request):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class SyncItem(BaseModel):
    """An item of /v1/sync (documented here; `central.routes.sync.parse_batch` reads it: an
    occurred_at that does not parse, or a `replay` that is not a boolean, rejects that item)."""

    idempotency_key: Annotated[str, StringConstraints(pattern=UUID_PATTERN)]
    operation: Literal["payment", "voucher_redeem"]
    body: dict[str, Any]
    occurred_at: str = Field(
        json_schema_extra={"format": "date-time"},
        description="RFC 3339 with an offset; within max_age_hours before arrival, at most 5 "
        "minutes after it.",
    )
    replay: bool = Field(
        default=False,
        description="An online call whose answer was lost (judged as that call, without the "
        "offline caps); false or absent: an offline operation (a payment must carry a card QR).",
    )


class SyncRequest(BaseModel):
    items: Annotated[list[SyncItem], Field(max_length=500)]


class BeneficiarySessionRequest(_Request):
    dossier_number: DossierNumber | None = None
    card_number: CardNumber | None = None
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class BeneficiaryOrderRequest(_Request):
    partner_code: PartnerCode
    wallet_code: WalletCode
    amount_cents: AmountCents


class CardReportRequest(_Request):
    reason: Literal["lost", "stolen", "damaged"]


# ---- responses --------------------------------------------------------------------------------


class Health(_Response):
    status: Literal["ok"]
    version: str
    time: datetime = Field(description="The service's clock, to measure a terminal's drift.")


class Jwk(_Response):
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    alg: Literal["EdDSA"]
    kid: str
    x: str


class KeySet(_Response):
    keys: list[Jwk]


class OfflinePolicy(_Response):
    max_payment_cents: int
    max_card_total_cents: int
    max_age_hours: int


class PartnerProfile(_Response):
    code: str
    name: str
    city: str
    postal_code: str
    accepts_prepayment: bool
    accepts_online_payment: bool
    wallet_codes: list[str]
    offline_policy: OfflinePolicy


class Enrolment(_Response):
    terminal_id: str
    token: str
    partner: PartnerProfile


class TokenRotationRequest(_Request):
    """No fields: the caller's bearer token says which terminal; a body, if any, is ignored."""


class TokenRotation(_Response):
    token: str = Field(
        description="The terminal's new bearer token. The token that asked keeps working until "
        "this one is first used or for 10 minutes, whichever comes first."
    )


class Holder(_Response):
    first_name: str
    last_name: str


class Wallet(_Response):
    code: str
    label: str
    balance_cents: int
    valid_from: date
    valid_to: date
    usable: bool
    reason: (
        Literal["card_not_active", "not_yet_valid", "validity_ended", "not_accepted", "empty"]
        | None
    ) = Field(description="Why the wallet is not usable (null when usable).")


class Card(_Response):
    card_number: CardNumber
    status: Literal["active", "blocked", "replaced", "expired"]
    holder: Holder
    photo_url: str
    wallets: list[Wallet]


class Transaction(_Response):
    transaction_id: str
    transaction_number: TransactionNumber
    kind: Kind
    status: Literal["completed", "cancelled"]
    card_number: CardNumber
    wallet_code: str
    amount_cents: int
    balance_after_cents: int
    occurred_at: datetime
    recorded_at: datetime
    partner_code: str
    terminal_id: str | None
    channel: Literal["counter", "extranet"]
    cancels: str | None
    offline: bool
    reference: str | None
    reason: str | None = Field(description="The reason given for a cancellation (else null).")


class TransactionPage(_Response):
    items: list[Transaction]
    next_cursor: str | None


class Voucher(_Response):
    ticket_number: TicketNumber
    transaction_number: TransactionNumber
    status: Literal["pending", "redeemed", "cancelled", "expired"]
    partner_code: str
    card_number: CardNumber
    holder: Holder
    wallet_code: str
    amount_cents: int
    created_at: datetime
    redeemed_at: datetime | None
    transaction_id: str | None = Field(
        description="The redemption transaction's id once redeemed (else null)."
    )
    redemption: Transaction | None = Field(
        description="The voucher_redemption transaction once redeemed (else null)."
    )


class BeneficiaryVoucher(Voucher):
    qr_token: str = Field(description="The voucher QR code text (HDFV1:...).")
    partner_name: str


class SyncResult(_Response):
    idempotency_key: str
    outcome: Literal["applied", "duplicate", "rejected"]
    status: int
    body: dict[str, Any]


class SyncResponse(_Response):
    results: list[SyncResult]


class DenylistEntry(_Response):
    card_number: CardNumber
    status: Literal["blocked", "replaced"]
    since: datetime


class Denylist(_Response):
    cards: list[DenylistEntry]
    cursor: str


class WalletTotal(_Response):
    wallet_code: str
    count: int
    amount_cents: int


class KindTotal(_Response):
    kind: Kind
    count: int
    amount_cents: int


class TerminalTotal(_Response):
    terminal_id: str | None
    label: str
    count: int
    amount_cents: int


class DailyStatement(_Response):
    date: date
    partner_code: str
    transaction_count: int
    net_amount_cents: int
    by_wallet: list[WalletTotal]
    by_kind: list[KindTotal]
    by_terminal: list[TerminalTotal]


class BeneficiarySession(_Response):
    token: str
    expires_at: datetime


class BeneficiaryCard(Card):
    dossier_number: str
    vouchers: list[Voucher]


class CardQr(_Response):
    qr_token: str = Field(description="The card QR code text (HDF1:...).")
    expires_at: datetime


class CardReport(_Response):
    card_number: CardNumber
    status: Literal["active", "blocked", "replaced", "expired"]
    reason: Literal["lost", "stolen", "damaged"]
    reported_at: datetime


REQUEST_MODELS: list[type[BaseModel]] = [
    EnrolmentRequest,
    PaymentRequest,
    RedeemRequest,
    SyncRedeemBody,
    CancelRequest,
    SyncRequest,
    BeneficiarySessionRequest,
    BeneficiaryOrderRequest,
    CardReportRequest,
    TokenRotationRequest,
]
