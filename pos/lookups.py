"""Look-ups: what a scanned code is, and the card, photo and voucher views the cashier reads,
from the central service when it answers, else from the signed QR code (offline, marked so).

The holder names and wallet labels seen in this session are kept in memory only (never on disk),
so an offline view or a receipt can still name them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pos import offline
from pos.connection import Connection
from pos.domain import Card, Partner, Voucher, Wallet, business_day, parse_day, utc_now
from pos.messages import known_wallet_label, refusal_message, text
from pos.outbox import Outbox
from pos.results import CardView, Refusal, Refused, VoucherView, WalletView
from pos.scan import Scan, ScanKind, parse_scan
from pos.sync.client import ApiClient, ApiError, ClientError

CARD_KINDS = (ScanKind.CARD_TOKEN, ScanKind.CARD_NUMBER)
VOUCHER_KINDS = (ScanKind.VOUCHER_TOKEN, ScanKind.TICKET_NUMBER)


def wallet_label(card: Card | None, code: str) -> str:
    wallet = card.wallet(code) if card else None
    return wallet.label if wallet else known_wallet_label(code)


def valid_scan(text_or_scan: str | Scan) -> Scan:
    scan = text_or_scan if isinstance(text_or_scan, Scan) else parse_scan(text_or_scan)
    if not scan.is_valid:
        raise Refused(Refusal("invalid_scan", scan.reason or refusal_message("invalid_scan")))
    return scan


def card_scan(text_or_scan: str | Scan) -> Scan:
    """A card's scan (its QR code or its number); a voucher's is refused with a hint."""
    scan = valid_scan(text_or_scan)
    if scan.kind not in CARD_KINDS:
        raise Refused(Refusal("invalid_scan", refusal_message("scan_not_a_card")))
    return scan


def voucher_scan(text_or_scan: str | Scan) -> Scan:
    """A voucher's scan (its QR code or its ticket number); a card's is refused."""
    scan = valid_scan(text_or_scan)
    if scan.kind not in VOUCHER_KINDS:
        raise Refused(Refusal("invalid_scan", refusal_message("scan_not_a_voucher")))
    return scan


def _wallet_view(wallet: Wallet, reason: str | None, text_of_reason: str | None) -> WalletView:
    return WalletView(
        code=wallet.code,
        label=wallet.label,
        balance_cents=wallet.balance_cents,
        valid_from=wallet.valid_from,
        valid_to=wallet.valid_to,
        usable=reason is None,
        reason=text_of_reason if reason else None,
    )


class Lookups:
    def __init__(
        self, connection: Connection, outbox: Outbox, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.connection = connection
        self.clock = clock  # "now" for the offline rules
        self.outbox = outbox
        self.store = connection.store
        # Holder names and wallet labels seen in this session only: memory, never disk.
        self.cards: dict[str, Card] = {}

    def fetch_card(self, api: ApiClient, card_number: str) -> Card:
        """The card from the service (remembered for the session). Raises ApiError (after
        noting the contact) or ClientError."""
        try:
            card = Card.from_api(api.card(card_number))
        except ApiError:
            self.connection.contact(api)
            raise
        self.cards[card_number] = card
        self.connection.contact(api)
        return card

    # -- cards ------------------------------------------------------------------------------
    def lookup(self, text_or_scan: str | Scan) -> CardView:
        partner = self.connection.require_partner()
        scan = card_scan(text_or_scan)
        assert scan.card_number is not None
        api = self.connection.client()
        try:
            card = self.fetch_card(api, scan.card_number)
        except ApiError as err:
            raise Refused.of(err.code, err.detail) from err
        except ClientError:
            self.connection.set_online(False)
            return self._offline_card_view(scan, partner)
        return self._card_view(card, partner, scan)

    def _card_view(self, card: Card, partner: Partner, scan: Scan | None) -> CardView:
        today = business_day()
        wallets = []
        for w in card.wallets:
            reason = w.usable_on(today, partner)
            wallets.append(_wallet_view(w, reason, w.reason or refusal_message(reason)))
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
        now = self.clock()
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
        known = self.cards.get(str(scan.card_number))
        today = business_day(now)
        wallets = []
        for raw in claims.get("wallets") or ():
            code = str(raw.get("code"))
            taken = self.outbox.exposure(str(scan.card_number), code, claims)
            wallet = Wallet(
                code=code,
                label=wallet_label(known, code),
                balance_cents=int(raw.get("balance_cents") or 0) - taken.taken_since_iat_cents,
                valid_to=parse_day(raw.get("valid_to")),
            )
            reason = wallet.usable_on(today, partner)
            wallets.append(_wallet_view(wallet, reason, refusal_message(reason)))
        return CardView(
            card_number=str(scan.card_number),
            status="active",
            status_label=text("offline_qr_verified"),
            first_name=known.first_name if known else "",
            last_name=known.last_name if known else "",
            wallets=tuple(wallets),
            offline=True,
            can_pay=True,
            scan=scan,
        )

    def photo(self, card_number: str) -> bytes | None:
        try:
            api = self.connection.client()
            data = api.photo(card_number)
        except (ClientError, Refused):
            return None
        self.connection.contact(api)
        return data

    # -- vouchers ---------------------------------------------------------------------------
    def voucher(self, text_or_scan: str | Scan) -> VoucherView:
        partner = self.connection.require_partner()
        scan = voucher_scan(text_or_scan)
        assert scan.ticket_number is not None
        api = self.connection.client()
        try:
            voucher = Voucher.from_api(api.voucher(scan.ticket_number))
        except ApiError as err:
            self.connection.contact(api)
            raise Refused.of(err.code, err.detail) from err
        except ClientError:
            self.connection.set_online(False)
            return self._offline_voucher_view(scan, partner)
        self.connection.contact(api)
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

    def judge_redemption(self, scan: Scan, partner: Partner) -> offline.OfflineVerdict:
        """The offline rules on a voucher's QR code (and what this terminal already queued)."""
        return offline.judge_redemption(
            scan,
            partner=partner,
            jwks=self.store.load_keys(),
            already_queued=self.outbox.voucher_queued(str(scan.ticket_number)),
            last_contact=self.connection.last_contact(),
            now=self.clock(),
        )

    def _offline_voucher_view(self, scan: Scan, partner: Partner) -> VoucherView:
        verdict = self.judge_redemption(scan, partner)
        if verdict.refusal in ("offline_voucher_manual_entry", "offline_no_keys") or (
            verdict.claims is None
        ):
            raise Refused.of(verdict.refusal or "offline", verdict.detail)
        claims: dict[str, Any] = dict(verdict.claims)
        return VoucherView(
            ticket_number=str(claims.get("ticket")),
            transaction_number=str(claims.get("transaction_number") or ""),
            status="pending",
            status_label=text("offline_qr_verified"),
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
