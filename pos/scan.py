"""Turn whatever a scanner, a camera or a cashier typed into one `Scan` with a kind and a reason.

Pattern borrowed from Electrum's payment_identifier: every input becomes one state object; the
caller branches on `Scan.kind`, never on the raw text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from hdf_common import qrtoken

# A scanner configured for QWERTY on an AZERTY keyboard types the digit row unshifted.
AZERTY_DIGITS = str.maketrans("&é\"'(-è_çà", "1234567890")
# AIM symbology identifiers some scanners put in front (]Q1 QR, ]C0 Code 128, ]E0 EAN-13 ...).
_AIM_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
# Product codes the terminal never reads (issue 12): a 13-digit EAN (978/979 for a book's ISBN).
# 8 digits always stay a card number and 12 a ticket number (an EAN-8 or a UPC-A cannot be told
# from them by their digits; whatever symbology prefix the scanner sends is ignored).
PRODUCT_CODE_LENGTHS = frozenset({13})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_SCAN_LENGTH = 4096


class ScanKind(Enum):
    CARD_TOKEN = "card_token"
    VOUCHER_TOKEN = "voucher_token"
    CARD_NUMBER = "card_number"
    TICKET_NUMBER = "ticket_number"
    INVALID = "invalid"


@dataclass(frozen=True)
class Scan:
    kind: ScanKind
    text: str
    card_number: str | None = None
    ticket_number: str | None = None
    token: str | None = None  # the JWS without its HDF1:/HDFV1: prefix
    product_code: str | None = None  # an INVALID scan that is a product's EAN/UPC (a book's)
    claims: Mapping[str, Any] = field(default_factory=dict)  # unverified until verify_scan
    reason: str | None = None

    @property
    def is_valid(self) -> bool:
        return self.kind is not ScanKind.INVALID

    @property
    def signed(self) -> bool:
        return self.kind in (ScanKind.CARD_TOKEN, ScanKind.VOUCHER_TOKEN)

    @property
    def qr_token(self) -> str | None:
        """The token as the API wants it (with its prefix)."""
        if self.kind is ScanKind.CARD_TOKEN:
            return qrtoken.CARD_PREFIX + (self.token or "")
        if self.kind is ScanKind.VOUCHER_TOKEN:
            return qrtoken.VOUCHER_PREFIX + (self.token or "")
        return None


def _invalid(text: str, reason: str) -> Scan:
    return Scan(ScanKind.INVALID, text, reason=reason)


def _clean(text: str) -> str:
    text = _CONTROL.sub("", text).strip()
    return _AIM_PREFIX.sub("", text, count=1).strip()


def parse_scan(text: object) -> Scan:
    """Classify a scan; never raises. Signatures are not checked here (see `verify_scan`)."""
    if not isinstance(text, str):
        return _invalid(repr(text)[:80], "Lecture vide ou illisible.")
    if len(text) > _MAX_SCAN_LENGTH:
        return _invalid(text[:80], "Code trop long pour être une carte ou un prépaiement.")
    raw = _clean(text)
    if not raw:
        return _invalid(text, "Lecture vide : rien n'a été scanné ou saisi.")
    upper = raw.upper()
    for prefix, kind in (
        (qrtoken.VOUCHER_PREFIX, ScanKind.VOUCHER_TOKEN),
        (qrtoken.CARD_PREFIX, ScanKind.CARD_TOKEN),
    ):
        if upper.startswith(prefix):
            return _parse_token(raw, raw[len(prefix) :].strip(), kind)
    digits = re.sub(r"[\s.\-]", "", raw.translate(AZERTY_DIGITS))
    if digits.isascii() and digits.isdigit():
        if len(digits) in PRODUCT_CODE_LENGTHS:
            return Scan(
                ScanKind.INVALID,
                raw,
                product_code=digits,
                reason=f"Code produit {digits} ({len(digits)} chiffres) : ce n'est ni une "
                "carte Génération #HDF ni un prépaiement.",
            )
        if len(digits) == 8:
            return Scan(ScanKind.CARD_NUMBER, raw, card_number=digits)
        if len(digits) == 12:
            return Scan(ScanKind.TICKET_NUMBER, raw, ticket_number=digits)
        return _invalid(
            raw,
            f"{len(digits)} chiffres : un n° de carte en a 8, un n° de ticket 12.",
        )
    return _invalid(raw, "Ce code n'est ni une carte Génération #HDF ni un prépaiement.")


def _parse_token(raw: str, token: str, kind: ScanKind) -> Scan:
    try:
        claims = qrtoken.unverified_claims(token)
    except qrtoken.TokenError:
        return _invalid(raw, "QR code illisible ou abîmé : faites-le afficher à nouveau.")
    if kind is ScanKind.CARD_TOKEN:
        card = claims.get("card")
        if not (isinstance(card, str) and len(card) == 8 and card.isdigit()):
            return _invalid(raw, "QR code de carte sans numéro de carte valable.")
        return Scan(kind, raw, card_number=card, token=token, claims=claims)
    ticket = claims.get("ticket")
    if not (isinstance(ticket, str) and len(ticket) == 12 and ticket.isdigit()):
        return _invalid(raw, "QR code de prépaiement sans numéro de ticket valable.")
    card = claims.get("card") if isinstance(claims.get("card"), str) else None
    return Scan(kind, raw, card_number=card, ticket_number=ticket, token=token, claims=claims)


def verify_scan(scan: Scan, jwks: Iterable[Mapping[str, Any]], *, at: float) -> dict[str, Any]:
    """Check the signature (and expiry for a card QR) of a signed scan with the cached keys.

    Raises `qrtoken.TokenInvalid` / `qrtoken.TokenExpired` (their `code` is the API error code).
    """
    if not scan.signed or scan.token is None:
        raise qrtoken.TokenInvalid("pas de QR code signé")
    return qrtoken.verify(scan.token, jwks, at=at, require_exp=scan.kind is ScanKind.CARD_TOKEN)
