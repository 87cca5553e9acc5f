"""Counter payments: the transaction returned, idempotency, every refusal and their order."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from support.api import Client, Terminal, assert_problem, business_day, new_key, paris_today

from hdf_common import clock

JEAN, STEPHANE, INES, LUCAS, EMMA = "23166621", "23166622", "23166623", "23166624", "23166625"


def test_manual_payment_returns_the_transaction_and_debits(l212: Terminal) -> None:
    before = l212.balance(JEAN, "MANUEQUIP")
    resp = l212.pay(JEAN, "MANUEQUIP", 123, reference="Facture 42")
    assert resp.status_code == 201, resp.text
    tx = resp.json()
    uuid.UUID(tx["transaction_id"])
    assert re.fullmatch(r"\d{7}", tx["transaction_number"])
    assert tx["kind"] == "counter_payment"
    assert tx["status"] == "completed"
    assert tx["card_number"] == JEAN
    assert tx["wallet_code"] == "MANUEQUIP"
    assert tx["amount_cents"] == 123
    assert tx["balance_after_cents"] == before - 123
    assert tx["partner_code"] == "L212"
    assert tx["terminal_id"] == l212.terminal_id
    assert tx["channel"] == "counter"
    assert tx["cancels"] is None
    assert tx["offline"] is False
    assert tx["reference"] == "Facture 42"
    assert tx["occurred_at"].endswith("Z") and tx["recorded_at"].endswith("Z")
    assert business_day(tx["occurred_at"]) == paris_today()
    assert l212.balance(JEAN, "MANUEQUIP") == before - 123
    listed = {t["transaction_id"]: t for t in l212.transactions()}
    assert listed[tx["transaction_id"]]["amount_cents"] == 123


def test_qr_payment_with_the_beneficiary_token(api: Client, e305: Terminal) -> None:
    token = api.beneficiary(STEPHANE).qr()
    assert token.startswith("HDF1:")
    before = e305.balance(STEPHANE, "PREMIEREQUIP")
    resp = e305.pay(STEPHANE, "PREMIEREQUIP", 250, qr_token=token)
    assert resp.status_code == 201, resp.text
    assert resp.json()["balance_after_cents"] == before - 250
    # Not single-use: the same QR pays again until it expires.
    again = e305.pay(STEPHANE, "PREMIEREQUIP", 250, qr_token=token)
    assert again.status_code == 201, again.text


def test_replay_returns_the_identical_response_and_debits_once(api: Client, l212: Terminal):
    before = l212.balance(JEAN, "MANUEQUIP")
    key = new_key()
    first = l212.pay(JEAN, "MANUEQUIP", 200, key=key)
    assert first.status_code == 201, first.text
    time.sleep(1.1)  # a recomputed response would show another recorded_at
    replay = l212.pay(JEAN, "MANUEQUIP", 200, key=key)
    assert replay.status_code == first.status_code
    assert replay.json() == first.json()
    # Keys belong to the partner: another terminal of LES PAGES gets the same answer.
    other_till = api.enrol("L212", label="Caisse 2")
    assert other_till.pay(JEAN, "MANUEQUIP", 200, key=key).json() == first.json()
    assert l212.balance(JEAN, "MANUEQUIP") == before - 200


def test_same_key_with_another_body_is_a_conflict(l212: Terminal) -> None:
    before = l212.balance(JEAN, "MANUEQUIP")
    key = new_key()
    assert l212.pay(JEAN, "MANUEQUIP", 100, key=key).status_code == 201
    assert_problem(l212.pay(JEAN, "MANUEQUIP", 101, key=key), 409, "idempotency_conflict")
    assert l212.balance(JEAN, "MANUEQUIP") == before - 100


def test_keys_are_scoped_to_the_partner(l212: Terminal, e305: Terminal) -> None:
    key = new_key()
    mine = l212.pay(STEPHANE, "MANUEQUIP", 100, key=key)
    theirs = e305.pay(STEPHANE, "MANUEQUIP", 100, key=key)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["transaction_id"] != theirs.json()["transaction_id"]


def test_missing_idempotency_key_is_400_and_changes_nothing(l212: Terminal) -> None:
    before = l212.balance(JEAN, "MANUEQUIP")
    resp = l212.post(
        "/v1/payments",
        json={
            "card_number": JEAN,
            "wallet_code": "MANUEQUIP",
            "amount_cents": 100,
            "entry_mode": "manual",
        },
    )
    assert_problem(resp, 400, "validation_error")
    assert l212.balance(JEAN, "MANUEQUIP") == before


@pytest.mark.parametrize(
    ("card", "wallet", "amount", "status", "code"),
    [
        pytest.param(JEAN, "MANUEQUIP", 10**7, 422, "insufficient_funds", id="funds"),
        pytest.param(EMMA, "MANUEQUIP", 1, 422, "insufficient_funds", id="empty-wallet"),
        pytest.param(INES, "MANUEQUIP", 100, 422, "card_blocked", id="blocked"),
        pytest.param(LUCAS, "MANUEQUIP", 100, 422, "card_expired", id="expired"),
        pytest.param("99999999", "MANUEQUIP", 100, 404, "card_not_found", id="unknown-card"),
        pytest.param(JEAN, "PREMIEREQUIP", 100, 422, "wallet_not_usable", id="card-lacks-it"),
        pytest.param(STEPHANE, "PREMIEREQUIP", 100, 422, "wallet_not_usable", id="not-accepted"),
        pytest.param(JEAN, "NOSUCHWALLET", 100, 422, "validation_error", id="unknown-code"),
        pytest.param(JEAN, "MANUEQUIP", 0, 422, "validation_error", id="zero"),
        pytest.param(JEAN, "MANUEQUIP", -100, 422, "validation_error", id="negative"),
        pytest.param(JEAN, "MANUEQUIP", 1.5, 422, "validation_error", id="fraction-of-cent"),
        pytest.param(JEAN, "MANUEQUIP", "100", 422, "validation_error", id="string-amount"),
    ],
)
def test_a_refused_payment_changes_nothing(
    l212: Terminal, card: str, wallet: str, amount: object, status: int, code: str
) -> None:
    def state() -> tuple[dict, int]:
        jean_and_stephane = {c: l212.card(c)["wallets"] for c in (JEAN, STEPHANE, EMMA)}
        return jean_and_stephane, len(l212.transactions())

    before = state()
    assert_problem(l212.pay(card, wallet, amount), status, code)
    assert state() == before


def test_qr_token_refusals(api: Client, l212: Terminal, sign_card_token) -> None:
    before = l212.balance(JEAN, "MANUEQUIP")
    now = clock.timestamp()
    expired = sign_card_token(JEAN, iat=now - 1200, exp=now - 600)
    assert_problem(l212.pay(JEAN, "MANUEQUIP", 100, qr_token=expired), 422, "token_expired")
    other_card = api.beneficiary(STEPHANE).qr()
    assert_problem(l212.pay(JEAN, "MANUEQUIP", 100, qr_token=other_card), 422, "token_invalid")
    header, claims, _signature = sign_card_token(JEAN).split(".")
    forged = f"{header}.{claims}.{'A' * 86}"
    assert_problem(l212.pay(JEAN, "MANUEQUIP", 100, qr_token=forged), 422, "token_invalid")
    garbage = "HDF1:not-a-token"
    assert_problem(l212.pay(JEAN, "MANUEQUIP", 100, qr_token=garbage), 422, "token_invalid")
    future = sign_card_token(JEAN, iat=now + 3600)
    assert_problem(l212.pay(JEAN, "MANUEQUIP", 100, qr_token=future), 422, "token_invalid")
    # A token signed by the service's key for this card is accepted.
    assert l212.pay(JEAN, "MANUEQUIP", 100, qr_token=sign_card_token(JEAN)).status_code == 201
    assert l212.balance(JEAN, "MANUEQUIP") == before - 100


def test_qr_entry_without_a_token_is_a_validation_error(l212: Terminal) -> None:
    body = {"card_number": JEAN, "wallet_code": "MANUEQUIP", "amount_cents": 100}
    resp = l212.post("/v1/payments", json={**body, "entry_mode": "qr"}, key=new_key())
    assert_problem(resp, 422, "validation_error")
    resp = l212.post("/v1/payments", json={**body, "entry_mode": "telepathy"}, key=new_key())
    assert_problem(resp, 422, "validation_error")


def test_order_of_refusals(api: Client, l212: Terminal, sign_card_token) -> None:
    now = clock.timestamp()
    expired = sign_card_token(INES, iat=now - 1200, exp=now - 600)
    # 401 before anything else, even a malformed body.
    resp = api.post("/v1/payments", json={"amount_cents": 0}, key=new_key(), token="nope")
    assert_problem(resp, 401, "unauthorized")
    # Malformed before the unknown card.
    assert_problem(l212.pay("99999999", "MANUEQUIP", 0), 422, "validation_error")
    # Unknown card before an unusable wallet.
    assert_problem(l212.pay("99999999", "PREMIEREQUIP", 100), 404, "card_not_found")
    # Card status before the QR token, the wallet and the funds.
    resp = l212.pay(INES, "PREMIEREQUIP", 10**7, qr_token=expired)
    assert_problem(resp, 422, "card_blocked")
    resp = l212.pay(LUCAS, "MANUEQUIP", 10**7, qr_token="HDF1:garbage")
    assert_problem(resp, 422, "card_expired")
    # The QR token before the wallet and the funds.
    expired_jean = sign_card_token(JEAN, iat=now - 1200, exp=now - 600)
    resp = l212.pay(JEAN, "PREMIEREQUIP", 10**7, qr_token=expired_jean)
    assert_problem(resp, 422, "token_expired")
    # The wallet before the funds.
    assert_problem(l212.pay(STEPHANE, "PREMIEREQUIP", 10**7), 422, "wallet_not_usable")


def test_replay_comes_before_every_other_check(api: Client, l212: Terminal) -> None:
    key = new_key()
    balance = l212.balance(JEAN, "MANUEQUIP")
    first = l212.pay(JEAN, "MANUEQUIP", balance, key=key)  # empties the wallet
    assert first.status_code == 201, first.text
    # The wallet is empty now, yet the replay is answered from the stored response.
    replay = l212.pay(JEAN, "MANUEQUIP", balance, key=key)
    assert (replay.status_code, replay.json()) == (201, first.json())
    # Put the money back so the module's other tests keep a funded wallet.
    assert l212.cancel(first.json()["transaction_id"]).status_code == 201
    assert l212.balance(JEAN, "MANUEQUIP") == balance
