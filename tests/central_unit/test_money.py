"""Money integrity of the central service: concurrent debits, idempotent retries, shared keys."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from .conftest import balance, enrol, key


def test_forty_concurrent_payments_on_300_euros_leave_exactly_zero(central):
    """40 simultaneous 10,00 € payments on a 300,00 € wallet: exactly 30 pass, balance 0,00."""
    client = enrol(central.url, "E305")
    start = balance(client, "23166622", "PREMIEREQUIP")
    assert start == 30000
    headers = dict(client.headers)
    body = {
        "card_number": "23166622",
        "wallet_code": "PREMIEREQUIP",
        "amount_cents": 1000,
        "entry_mode": "manual",
    }

    def one(_: int) -> httpx.Response:
        return httpx.post(
            central.url + "/v1/payments",
            json=body,
            headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
            timeout=60,
        )

    with ThreadPoolExecutor(max_workers=40) as pool:
        responses = list(pool.map(one, range(40)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 30, [r.text for r in responses if r.status_code not in (201, 422)]
    refused = [r.json() for r in responses if r.status_code != 201]
    assert len(refused) == 10
    assert {p["code"] for p in refused} == {"insufficient_funds"}
    assert balance(client, "23166622", "PREMIEREQUIP") == 0
    # Every success reports a distinct balance after: the debits were serialised, none lost.
    afters = sorted(r.json()["balance_after_cents"] for r in responses if r.status_code == 201)
    assert afters == list(range(0, 30000, 1000))


def test_a_replay_returns_the_first_response_and_debits_once(central):
    client = enrol(central.url, "L212")
    before = balance(client, "23166622", "MANUEQUIP")
    k = key()
    body = {
        "card_number": "23166622",
        "wallet_code": "MANUEQUIP",
        "amount_cents": 250,
        "entry_mode": "manual",
        "reference": "ticket 42",
    }
    first = client.post("/v1/payments", json=body, headers=k)
    again = client.post("/v1/payments", json=body, headers=k)
    assert first.status_code == again.status_code == 201
    assert first.content == again.content
    assert balance(client, "23166622", "MANUEQUIP") == before - 250

    other = client.post("/v1/payments", json={**body, "amount_cents": 300}, headers=k)
    assert other.status_code == 409
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["code"] == "idempotency_conflict"
    assert balance(client, "23166622", "MANUEQUIP") == before - 250


def test_a_refusal_is_replayed_too_and_changes_nothing(central):
    client = enrol(central.url, "L212")
    before = balance(client, "23166621", "MANUEQUIP")
    k = key()
    body = {
        "card_number": "23166621",
        "wallet_code": "MANUEQUIP",
        "amount_cents": before + 1,
        "entry_mode": "manual",
    }
    first = client.post("/v1/payments", json=body, headers=k)
    assert first.status_code == 422 and first.json()["code"] == "insufficient_funds"
    assert client.post("/v1/payments", json=body, headers=k).content == first.content
    assert balance(client, "23166621", "MANUEQUIP") == before


def test_keys_are_shared_by_the_terminals_of_a_partner_and_with_sync(central):
    till_1, till_2 = enrol(central.url, "L212"), enrol(central.url, "L212")
    before = balance(till_1, "23166622", "MANUEQUIP")
    k = str(uuid.uuid4())
    body = {
        "card_number": "23166622",
        "wallet_code": "MANUEQUIP",
        "amount_cents": 100,
        "entry_mode": "manual",
    }
    online = till_1.post("/v1/payments", json=body, headers={"Idempotency-Key": k})
    assert online.status_code == 201
    # The other till of the same shop, and a sync batch, under the same key: applied once.
    assert till_2.post("/v1/payments", json=body, headers={"Idempotency-Key": k}).content == (
        online.content
    )
    synced = till_2.post(
        "/v1/sync",
        json={
            "items": [
                {
                    "idempotency_key": k,
                    "operation": "payment",
                    "body": body,
                    "occurred_at": online.json()["occurred_at"],
                }
            ]
        },
    )
    assert synced.status_code == 200
    [result] = synced.json()["results"]
    assert result["outcome"] == "duplicate"
    assert result["status"] == 201
    assert result["body"] == online.json()
    assert balance(till_1, "23166622", "MANUEQUIP") == before - 100

    # Another partner using the same key value is another key altogether.
    e305 = enrol(central.url, "E305")
    other = e305.post("/v1/payments", json=body, headers={"Idempotency-Key": k})
    assert other.status_code == 201
    assert other.json()["transaction_id"] != online.json()["transaction_id"]
