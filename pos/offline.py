"""The offline rules of PRODUCT.md: may this terminal accept a payment or a redemption on its own?

Pure functions over what the terminal knows (cached keys, deny-list, offline policy, its own queue),
so every refusal can be tested without a network. Each verdict is an API-style refusal code with a
French sentence in `pos.messages`, or acceptance with what the receipt may show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hdf_common import qrtoken
from pos.domain import OfflinePolicy, Partner, parse_day
from pos.scan import Scan, ScanKind, verify_scan


@dataclass(frozen=True)
class OfflineVerdict:
    refusal: str | None  # None: accepted
    detail: str | None = None
    claims: Mapping[str, Any] | None = None
    qr_balance_cents: int | None = None  # the wallet's balance in the QR snapshot
    balance_after_cents: int | None = None  # the estimate the receipt shows

    @property
    def accepted(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True)
class CardExposure:
    """What this terminal already took offline on one card (from its outbox)."""

    queued_total_cents: int  # on the card, every wallet, not yet received by the service
    taken_since_iat_cents: int  # on this wallet, not received when the QR was issued


def qr_wallet(claims: Mapping[str, Any], wallet_code: str) -> Mapping[str, Any] | None:
    for wallet in claims.get("wallets") or ():
        if isinstance(wallet, Mapping) and wallet.get("code") == wallet_code:
            return wallet
    return None


def window_remaining_s(
    policy: OfflinePolicy, last_contact: datetime | None, now: datetime
) -> float:
    """Seconds left in the offline window (max_age_hours after the last contact)."""
    if last_contact is None or policy.max_age_hours <= 0:
        return 0.0
    return policy.max_age_hours * 3600 - (now - last_contact).total_seconds()


def judge_card_scan(
    scan: Scan,
    *,
    jwks: Iterable[Mapping[str, Any]],
    denied: bool,
    now: datetime,
) -> OfflineVerdict:
    """The checks shared by an offline look-up and an offline payment."""
    if scan.kind is not ScanKind.CARD_TOKEN:
        return OfflineVerdict("offline_manual_entry")
    keys = list(jwks)
    if not keys:
        return OfflineVerdict("offline_no_keys")
    try:
        claims = verify_scan(scan, keys, at=now.timestamp())
    except qrtoken.TokenError as err:
        return OfflineVerdict(err.code, str(err))
    if denied:
        return OfflineVerdict("offline_denylisted", claims=claims)
    return OfflineVerdict(None, claims=claims)


def judge_payment(
    scan: Scan,
    *,
    wallet_code: str,
    amount_cents: int,
    partner: Partner,
    jwks: Iterable[Mapping[str, Any]],
    denied: bool,
    exposure: CardExposure,
    last_contact: datetime | None,
    now: datetime,
    today: date,
) -> OfflineVerdict:
    """Accept or refuse an offline payment, first failing rule first."""
    verdict = judge_card_scan(scan, jwks=jwks, denied=denied, now=now)
    if not verdict.accepted:
        return verdict
    claims = verdict.claims or {}
    policy = partner.offline_policy
    if window_remaining_s(policy, last_contact, now) <= 0:
        return OfflineVerdict("offline_window_over", claims=claims)
    wallet = qr_wallet(claims, wallet_code)
    if wallet is None or not partner.accepts_wallet(wallet_code):
        return OfflineVerdict("wallet_not_usable", claims=claims)
    valid_to = parse_day(wallet.get("valid_to"))
    if valid_to is not None and today > valid_to:
        return OfflineVerdict("wallet_not_usable", "validité dépassée", claims=claims)
    if amount_cents > policy.max_payment_cents:
        return OfflineVerdict("offline_over_payment_limit", claims=claims)
    if exposure.queued_total_cents + amount_cents > policy.max_card_total_cents:
        return OfflineVerdict("offline_over_card_total", claims=claims)
    try:
        qr_balance = int(wallet.get("balance_cents") or 0)
    except (TypeError, ValueError):
        qr_balance = 0
    available = qr_balance - exposure.taken_since_iat_cents
    if amount_cents > available:
        return OfflineVerdict("offline_over_qr_balance", claims=claims, qr_balance_cents=qr_balance)
    return OfflineVerdict(
        None,
        claims=claims,
        qr_balance_cents=qr_balance,
        balance_after_cents=available - amount_cents,
    )


def judge_redemption(
    scan: Scan,
    *,
    partner: Partner,
    jwks: Iterable[Mapping[str, Any]],
    already_queued: bool,
    last_contact: datetime | None,
    now: datetime,
) -> OfflineVerdict:
    """Accept or refuse an offline voucher redemption (signed voucher QR for this partner)."""
    if scan.kind is not ScanKind.VOUCHER_TOKEN:
        return OfflineVerdict("offline_voucher_manual_entry")
    keys = list(jwks)
    if not keys:
        return OfflineVerdict("offline_no_keys")
    try:
        claims = verify_scan(scan, keys, at=now.timestamp())
    except qrtoken.TokenError as err:
        return OfflineVerdict(err.code, str(err))
    if claims.get("partner") != partner.code:
        return OfflineVerdict("voucher_other_partner", claims=claims)
    if not partner.accepts_prepayment:
        return OfflineVerdict("not_accepted", claims=claims)
    if window_remaining_s(partner.offline_policy, last_contact, now) <= 0:
        return OfflineVerdict("offline_window_over", claims=claims)
    if already_queued:
        return OfflineVerdict("offline_voucher_already_queued", claims=claims)
    return OfflineVerdict(None, claims=claims)
