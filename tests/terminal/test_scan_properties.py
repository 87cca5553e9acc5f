"""parse_scan under what real scanners and keyboards produce (hypothesis): never a crash, the same
number whatever the noise, and every refusal with a reason."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pos.scan import ScanKind, parse_scan

AZERTY = dict(zip("1234567890", "&é\"'(-è_çà", strict=True))
digits = st.text(alphabet="0123456789", min_size=1, max_size=14)
noise = st.sampled_from(["", " ", "\t", "\r\n", "\n", "  "])
prefixes = st.sampled_from(["", "]Q1", "]C0", "]E0", "]d2"])


@given(digits, noise, noise, prefixes, st.booleans())
def test_numbers_survive_scanner_noise(number, before, after, prefix, azerty):
    typed = "".join(AZERTY[c] for c in number) if azerty else number
    scan = parse_scan(f"{before}{prefix}{typed}{after}")
    if len(number) == 8:
        assert scan.kind is ScanKind.CARD_NUMBER and scan.card_number == number
    elif len(number) == 12:
        assert scan.kind is ScanKind.TICKET_NUMBER and scan.ticket_number == number
    else:
        assert scan.kind is ScanKind.INVALID and f"{len(number)} chiffres" in scan.reason


@given(st.text(max_size=200))
def test_any_text_gives_a_scan_or_a_reason(text):
    scan = parse_scan(text)
    assert scan.is_valid or (scan.reason and scan.reason.strip())
    if scan.kind is ScanKind.CARD_NUMBER:
        assert len(scan.card_number) == 8 and scan.card_number.isdigit()


@given(st.sampled_from(["HDF1:", "HDFV1:", "hdf1:"]), st.text(max_size=300))
def test_broken_tokens_are_refused_with_a_reason(prefix, rest):
    scan = parse_scan(prefix + rest)
    assert scan.is_valid or scan.reason
