"""The rules of PRODUCT.md as the terminal applies them: card states, wallet validity and
acceptance, balance, voucher ownership and state; the offline verdicts without a network."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hdf_common import qrtoken
from pos import offline
from pos.domain import (
    Card,
    CardStatus,
    OfflinePolicy,
    Partner,
    Voucher,
    VoucherStatus,
    Wallet,
    business_day,
)
from pos.messages import refusal_message
from pos.scan import parse_scan

BOOKSHOP = Partner(
    code="L212",
    name="LES PAGES",
    accepts_prepayment=True,
    wallet_codes=("MANUEQUIP",),
    offline_policy=OfflinePolicy(5000, 10000, 72),
)


@pytest.mark.parametrize(
    ("status", "code"),
    [("active", None), ("blocked", "card_blocked"), ("replaced", "card_blocked"),
     ("expired", "card_expired"), ("???", "card_blocked")],
)  # fmt: skip
def test_only_an_active_card_pays(status, code):
    card = Card.from_api({"card_number": "23166621", "status": status, "holder": {}})
    assert card.status.refusal_code == code


def test_wallet_usable_inside_its_window_at_an_accepting_partner():
    wallet = Wallet("MANUEQUIP", "Manuels", 8000, date(2026, 7, 1), date(2027, 6, 30))
    assert wallet.usable_on(date(2026, 11, 22), BOOKSHOP) is None
    assert wallet.usable_on(date(2026, 6, 30), BOOKSHOP) == "wallet_not_usable"
    assert wallet.usable_on(date(2027, 7, 1), BOOKSHOP) == "wallet_not_usable"
    other = Wallet("PREMIEREQUIP", "Premier équipement", 30000)
    assert other.usable_on(date(2026, 11, 22), BOOKSHOP) == "wallet_not_usable"
    assert wallet.can_pay(8000, date(2026, 11, 22), BOOKSHOP) is None
    assert wallet.can_pay(8001, date(2026, 11, 22), BOOKSHOP) == "insufficient_funds"
    refused_by_service = Wallet.from_api({"code": "MANUEQUIP", "balance_cents": 1, "usable": False})
    assert refused_by_service.usable_on(date(2026, 11, 22), BOOKSHOP) == "wallet_not_usable"


def test_voucher_only_for_its_partner_and_only_while_pending():
    data = {
        "ticket_number": "898564564632",
        "transaction_number": "8985645",
        "status": "pending",
        "partner_code": "L212",
        "card_number": "23166621",
        "wallet_code": "MANUEQUIP",
        "amount_cents": 12000,
        "holder": {"first_name": "Jean", "last_name": "MARTIN"},
    }
    voucher = Voucher.from_api(data)
    assert voucher.redeemable_by("L212") is None
    assert voucher.redeemable_by("E305") == "voucher_other_partner"
    assert Voucher.from_api({**data, "status": "redeemed"}).redeemable_by("L212") == (
        "voucher_not_pending"
    )
    assert voucher.status is VoucherStatus.PENDING and voucher.holder_name == "Jean MARTIN"
    assert CardStatus.BLOCKED.label and refusal_message("voucher_not_pending")


def test_business_day_is_paris_time():
    assert business_day(datetime(2026, 11, 22, 23, 30, tzinfo=UTC)) == date(2026, 11, 23)
    assert business_day(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == date(2026, 7, 1)


KEY = qrtoken.generate_private_key()
JWKS = [qrtoken.public_jwk(KEY)]
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def _card_qr(balance=8000, valid_to="2027-06-30", iat=None):
    iat = iat or int(NOW.timestamp())
    claims = {
        "card": "23166621",
        "iat": iat,
        "exp": iat + 600,
        "wallets": [{"code": "MANUEQUIP", "balance_cents": balance, "valid_to": valid_to}],
    }
    return parse_scan("HDF1:" + qrtoken.sign(claims, KEY))


def _judge(scan, amount, *, queued=0, taken=0, denied=False, contact=NOW, wallet="MANUEQUIP"):
    return offline.judge_payment(
        scan, wallet_code=wallet, amount_cents=amount, partner=BOOKSHOP, jwks=JWKS,
        denied=denied, exposure=offline.CardExposure(queued, taken), last_contact=contact,
        now=NOW, today=NOW.date(),
    )  # fmt: skip


def test_offline_verdicts_in_order():
    qr = _card_qr()
    assert _judge(parse_scan("23166621"), 100).refusal == "offline_manual_entry"
    assert _judge(qr, 100, denied=True).refusal == "offline_denylisted"
    assert _judge(qr, 100, wallet="PREMIEREQUIP").refusal == "wallet_not_usable"
    assert _judge(_card_qr(valid_to="2026-11-21"), 100).refusal == "wallet_not_usable"
    assert _judge(qr, 5001).refusal == "offline_over_payment_limit"
    assert _judge(qr, 5000, queued=5001).refusal == "offline_over_card_total"
    assert _judge(qr, 3001, taken=5000).refusal == "offline_over_qr_balance"
    old = datetime(2026, 11, 19, 9, 0, tzinfo=UTC)
    assert _judge(qr, 100, contact=old).refusal == "offline_window_over"
    ok = _judge(qr, 3000, taken=5000)
    assert ok.accepted and ok.balance_after_cents == 0
    assert offline.judge_card_scan(qr, jwks=[], denied=False, now=NOW).refusal == (
        "offline_no_keys"
    )


def test_offline_voucher_only_for_this_partner_and_once():
    claims = {"ticket": "898564564632", "transaction_number": "8985645", "partner": "L212",
              "card": "23166621", "wallet": "MANUEQUIP", "amount_cents": 12000,
              "iat": int(NOW.timestamp())}  # fmt: skip
    mine = parse_scan("HDFV1:" + qrtoken.sign(claims, KEY))
    theirs = parse_scan("HDFV1:" + qrtoken.sign({**claims, "partner": "E305"}, KEY))

    def judge(scan, queued=False):
        return offline.judge_redemption(
            scan, partner=BOOKSHOP, jwks=JWKS, already_queued=queued, last_contact=NOW, now=NOW
        )

    assert judge(mine).accepted
    assert judge(mine, queued=True).refusal == "offline_voucher_already_queued"
    assert judge(theirs).refusal == "voucher_other_partner"
    assert judge(parse_scan("898564564632")).refusal == "offline_voucher_manual_entry"
