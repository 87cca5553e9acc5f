"""/v1/sync judges card status, wallet validity and QR tokens at the item's occurred_at."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from hdf_common import clock, qrtoken

from .conftest import balance, beneficiary, enrol, signing_key


def _at(delta: timedelta) -> str:
    return (clock.now() + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def _item(body: dict, occurred_at: str, operation: str = "payment", replay: bool = False) -> dict:
    item = {
        "idempotency_key": str(uuid.uuid4()),
        "operation": operation,
        "body": body,
        "occurred_at": occurred_at,
    }
    return {**item, "replay": True} if replay else item


def test_a_token_expired_now_is_accepted_for_an_operation_made_while_it_was_valid(central):
    till = enrol(central.url, "E305")
    kid, key = signing_key(central)
    issued = int(clock.timestamp()) - 2 * 3600
    wallets = [{"code": "PREMIEREQUIP", "balance_cents": 5000, "valid_to": "2099-06-30"}]
    claims = {"card": "23166622", "iat": issued, "exp": issued + 600, "wallets": wallets}
    token = qrtoken.CARD_PREFIX + qrtoken.sign(claims, key, kid)
    body = {
        "card_number": "23166622",
        "wallet_code": "PREMIEREQUIP",
        "amount_cents": 700,
        "entry_mode": "qr",
        "qr_token": token,
    }
    online = till.post("/v1/payments", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert online.status_code == 422 and online.json()["code"] == "token_expired"

    before = balance(till, "23166622", "PREMIEREQUIP")
    occurred = datetime.fromtimestamp(issued + 60, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    late = datetime.fromtimestamp(issued + 700, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    resp = till.post("/v1/sync", json={"items": [_item(body, occurred), _item(body, late)]})
    assert resp.status_code == 200
    applied, expired = resp.json()["results"]
    assert (applied["outcome"], applied["status"]) == ("applied", 201)
    txn = applied["body"]
    assert txn["occurred_at"] == occurred
    assert txn["offline"] is True
    assert txn["recorded_at"] > occurred
    assert (expired["outcome"], expired["status"]) == ("rejected", 422)
    assert expired["body"]["code"] == "token_expired"
    assert balance(till, "23166622", "PREMIEREQUIP") == before - 700

    # The list and the statement put it on the (Paris) business day it happened.
    day = clock.business_day(datetime.fromtimestamp(issued + 60, UTC)).isoformat()
    listed = till.get("/v1/transactions", params={"from": day, "to": day}).json()["items"]
    assert txn["transaction_id"] in [t["transaction_id"] for t in listed]


def test_card_status_is_judged_when_the_payment_happened(central):
    till = enrol(central.url, "L212")
    kid, key = signing_key(central)
    issued = int(clock.timestamp()) - 31 * 60
    wallets = [{"code": "MANUEQUIP", "balance_cents": 5000, "valid_to": "2099-06-30"}]
    claims = {"card": "23166621", "iat": issued, "exp": issued + 3600, "wallets": wallets}
    body = {
        "card_number": "23166621",
        "wallet_code": "MANUEQUIP",
        "amount_cents": 500,
        "entry_mode": "qr",
        "qr_token": qrtoken.CARD_PREFIX + qrtoken.sign(claims, key, kid),
    }
    before_block = _at(timedelta(minutes=-30))
    card_holder = beneficiary(central.url, "3116960")
    assert (
        card_holder.post("/v1/beneficiary/card/report", json={"reason": "lost"}).json()["status"]
        == "blocked"
    )
    after_block = _at(timedelta(seconds=1))
    time.sleep(1.1)
    resp = till.post(
        "/v1/sync", json={"items": [_item(body, before_block), _item(body, after_block)]}
    )
    first, second = resp.json()["results"]
    assert first["outcome"] == "applied", first
    assert second["outcome"] == "rejected" and second["body"]["code"] == "card_blocked"
    # Online, the blocked card is refused at once.
    online = till.post("/v1/payments", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert online.json()["code"] == "card_blocked"
    # It is on the deny-list.
    cards = till.get("/v1/denylist").json()["cards"]
    assert {"23166621", "23166623"} <= {c["card_number"] for c in cards}


def test_too_old_or_future_items_are_rejected_alone_and_a_bad_envelope_is_400(central):
    till = enrol(central.url, "E305")
    body = {
        "card_number": "23166622",
        "wallet_code": "PREMIEREQUIP",
        "amount_cents": 100,
        "entry_mode": "manual",
    }
    old, ok, future = (
        _item(body, _at(timedelta(hours=-73)), replay=True),
        _item(body, _at(timedelta(hours=-1)), replay=True),
        _item(body, _at(timedelta(hours=2)), replay=True),
    )
    bad_body = _item({"card_number": "123"}, _at(timedelta(minutes=-5)))
    # API.md 1.1: an occurred_at that does not parse rejects that item alone.
    unreadable = _item(body, "hier", replay=True)
    batch = {"items": [old, ok, future, bad_body, unreadable]}
    results = till.post("/v1/sync", json=batch).json()["results"]
    assert [r["outcome"] for r in results] == ["rejected", "applied"] + ["rejected"] * 3
    assert [r["status"] for r in results] == [422, 201, 422, 422, 422]
    assert {results[i]["body"]["code"] for i in (0, 2, 4)} == {"validation_error"}
    # Replaying the batch: every item is a duplicate with its first status and body.
    again = till.post("/v1/sync", json=batch).json()["results"]
    assert [r["outcome"] for r in again] == ["duplicate"] * 5
    assert [r["body"] for r in again] == [r["body"] for r in results]

    before = balance(till, "23166622", "PREMIEREQUIP")
    for envelope in (
        {"items": [{**ok, "idempotency_key": str(uuid.uuid4()), "operation": "refund"}]},
        {"items": [{**ok, "idempotency_key": str(uuid.uuid4()), "occurred_at": 20261201}]},
        {"items": [_item(body, _at(timedelta(hours=-1))), {"body": {}}]},
        {"items": [_item(body, _at(timedelta(hours=-1)))] * 501},
        {"elements": []},
    ):
        resp = till.post("/v1/sync", json=envelope)
        assert resp.status_code == 400, envelope
        assert resp.json()["code"] == "validation_error"
    assert balance(till, "23166622", "PREMIEREQUIP") == before
