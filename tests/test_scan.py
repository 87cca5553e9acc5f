"""parse_scan: every input becomes one Scan, table-driven (Electrum's payment_identifier style)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hdf_common import clock, qrtoken
from pos.scan import ScanKind, parse_scan, verify_scan

KEY = qrtoken.generate_private_key()
NOW = int(clock.timestamp())
CARD_TOKEN = qrtoken.sign({"card": "23166621", "iat": NOW, "exp": NOW + 600, "wallets": []}, KEY)
VOUCHER_TOKEN = qrtoken.sign(
    {
        "ticket": "898564564632",
        "transaction_number": "8985645",
        "partner": "L212",
        "card": "23166621",
        "wallet": "MANUEQUIP",
        "amount_cents": 12000,
        "iat": NOW,
    },
    KEY,
)


@pytest.mark.parametrize(
    ("text", "kind", "card", "ticket"),
    [
        ("23166621", ScanKind.CARD_NUMBER, "23166621", None),
        ("  23166621\r\n", ScanKind.CARD_NUMBER, "23166621", None),
        ('é"&---é&', ScanKind.CARD_NUMBER, "23166621", None),  # AZERTY digit row
        ("]C023166621", ScanKind.CARD_NUMBER, "23166621", None),  # AIM prefix
        ("898564564632", ScanKind.TICKET_NUMBER, None, "898564564632"),
        ("8985 6456 4632", ScanKind.TICKET_NUMBER, None, "898564564632"),
        ("HDF1:" + CARD_TOKEN, ScanKind.CARD_TOKEN, "23166621", None),
        ("]Q1HDF1:" + CARD_TOKEN + "\n", ScanKind.CARD_TOKEN, "23166621", None),
        ("hdfv1:" + VOUCHER_TOKEN, ScanKind.VOUCHER_TOKEN, "23166621", "898564564632"),
    ],
)
def test_valid_scans(text, kind, card, ticket):
    scan = parse_scan(text)
    assert scan.kind is kind, scan.reason
    assert scan.card_number == card
    assert scan.ticket_number == ticket
    assert scan.reason is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "vide"),
        ("   ", "vide"),
        ("1234567", "7 chiffres"),
        ("123456789", "9 chiffres"),
        ("https://example.org", "ni une carte"),
        ("HDF1:not-a-jws", "illisible"),
        ("HDFV1:" + CARD_TOKEN, "ticket"),
    ],
)
def test_refusals_say_why(text, words):
    scan = parse_scan(text)
    assert scan.kind is ScanKind.INVALID
    assert words in scan.reason


def test_signed_scan_verifies_with_cached_keys():
    scan = parse_scan("HDF1:" + CARD_TOKEN)
    assert verify_scan(scan, [qrtoken.public_jwk(KEY)], at=NOW)["card"] == "23166621"
    with pytest.raises(qrtoken.TokenInvalid):
        verify_scan(scan, [qrtoken.public_jwk(qrtoken.generate_private_key())], at=NOW)
    with pytest.raises(qrtoken.TokenExpired):
        verify_scan(scan, [qrtoken.public_jwk(KEY)], at=NOW + 601)
    with pytest.raises(qrtoken.TokenInvalid):
        verify_scan(parse_scan("23166621"), [qrtoken.public_jwk(KEY)], at=NOW)


@given(st.one_of(st.text(), st.binary(), st.none(), st.integers()))
def test_parse_scan_never_crashes_and_refusals_have_reasons(value):
    scan = parse_scan(value)
    assert scan.is_valid or scan.reason
