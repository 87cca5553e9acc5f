"""French amounts: what a cashier types becomes cents, or a refusal that says why."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos.messages import API_MESSAGES, refusal_message
from pos.money import MAX_AMOUNT_CENTS, AmountError, format_amount, parse_amount


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12,50", 1250),
        ("12,50 €", 1250),
        ("12,50€", 1250),
        ("1 234,00 €", 123400),
        ("1\u00a0234,00\u00a0€", 123400),
        ("12.5", 1250),
        ("12", 1200),
        ("0,01", 1),
        (",5", 50),
        (" 7 ", 700),
    ],
)
def test_accepted_amounts(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("12,345", "2 chiffres"),
        ("0", "supérieur à zéro"),
        ("0,00 €", "supérieur à zéro"),
        ("-5", "négatif"),
        ("abc", "pas un nombre"),
        ("", "absent"),
        ("12,", "incomplet"),
        ("1,2,3", "une seule virgule"),
        ("12 34", "groupes de 3"),
        ("99999999999", "trop élevé"),
        ("20 000,00", "trop élevé"),
    ],
)
def test_refused_amounts_say_why(text, words):
    with pytest.raises(AmountError) as err:
        parse_amount(text)
    assert words in err.value.reason


def test_format_is_french():
    assert format_amount(12000) == "120,00 €"
    assert format_amount(123456) == "1 234,56 €"
    assert format_amount(-350) == "-3,50 €"
    assert format_amount(5, symbol=False) == "0,05"
    assert format_amount(123456, nbsp=True) == "1\u00a0234,56\u00a0€"


@given(st.integers(min_value=1, max_value=MAX_AMOUNT_CENTS))
def test_format_then_parse_round_trips(cents):
    assert parse_amount(format_amount(cents)) == cents
    assert parse_amount(format_amount(cents, nbsp=True)) == cents


@given(st.one_of(st.text(max_size=30), st.none(), st.integers(), st.binary()))
def test_parse_never_crashes_and_refusals_have_reasons(value):
    try:
        cents = parse_amount(value)
    except AmountError as err:
        assert err.reason
    else:
        assert 0 < cents <= MAX_AMOUNT_CENTS


def test_every_api_code_has_a_french_sentence():
    codes = (
        "unauthorized forbidden not_found card_not_found validation_error card_blocked "
        "card_expired wallet_not_usable insufficient_funds voucher_not_found "
        "voucher_other_partner voucher_not_pending not_accepted not_cancellable "
        "already_cancelled idempotency_conflict idempotency_in_progress token_invalid "
        "token_expired rate_limited"
        # Version 1.1
        " offline_not_allowed offline_limit_exceeded payload_too_large"
    ).split()
    assert sorted(codes) == sorted(API_MESSAGES)
    for code in codes:
        assert refusal_message(code) and code not in refusal_message(code)
    assert "mystery" in refusal_message("mystery")
