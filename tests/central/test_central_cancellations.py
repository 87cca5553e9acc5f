"""Online payments of the beneficiary and cancellations (refunds) by the partner, and only by it."""

from __future__ import annotations

from support.api import Client, Terminal, assert_problem

STEPHANE = "23166622"


def test_online_payment_is_an_extranet_transaction(api: Client, e305: Terminal) -> None:
    stephane = api.beneficiary(STEPHANE)
    before = e305.balance(STEPHANE, "PREMIEREQUIP")
    resp = stephane.pay_online("E305", "PREMIEREQUIP", 1500)
    assert resp.status_code == 201, resp.text
    tx = resp.json()
    assert tx["kind"] == "online_payment"
    assert tx["channel"] == "extranet"
    assert tx["terminal_id"] is None
    assert tx["partner_code"] == "E305"
    assert tx["balance_after_cents"] == before - 1500
    assert e305.balance(STEPHANE, "PREMIEREQUIP") == before - 1500


def test_online_payment_refusals(api: Client, e305: Terminal) -> None:
    stephane = api.beneficiary(STEPHANE)
    before = e305.card(STEPHANE)["wallets"]
    assert_problem(stephane.pay_online("L404", "MANUEQUIP", 100), 422, "not_accepted")
    assert_problem(stephane.pay_online("Z999", "MANUEQUIP", 100), 404, "not_found")
    assert_problem(stephane.pay_online("E305", "PREMIEREQUIP", 10**7), 422, "insufficient_funds")
    assert_problem(stephane.pay_online("L212", "PREMIEREQUIP", 100), 422, "wallet_not_usable")
    assert e305.card(STEPHANE)["wallets"] == before


def test_online_payment_is_cancelled_only_by_its_partner(
    api: Client, l212: Terminal, e305: Terminal
) -> None:
    stephane = api.beneficiary(STEPHANE)
    before = e305.balance(STEPHANE, "PREMIEREQUIP")
    payment = stephane.pay_online("E305", "PREMIEREQUIP", 2000).json()
    assert_problem(l212.cancel(payment["transaction_id"]), 403, "forbidden")
    assert e305.balance(STEPHANE, "PREMIEREQUIP") == before - 2000

    resp = e305.cancel(payment["transaction_id"], "Commande annulée")
    assert resp.status_code == 201, resp.text
    cancellation = resp.json()
    assert cancellation["kind"] == "cancellation"
    assert cancellation["cancels"] == payment["transaction_id"]
    assert cancellation["amount_cents"] == 2000
    assert cancellation["balance_after_cents"] == before
    assert cancellation["partner_code"] == "E305"
    assert e305.balance(STEPHANE, "PREMIEREQUIP") == before
    listed = {t["transaction_id"]: t for t in e305.transactions()}
    assert listed[payment["transaction_id"]]["status"] == "cancelled"
    assert listed[cancellation["transaction_id"]]["status"] == "completed"


def test_counter_payment_cancellation_and_its_conflicts(api: Client, e305: Terminal) -> None:
    before = e305.balance(STEPHANE, "MANUEQUIP")
    payment = e305.pay(STEPHANE, "MANUEQUIP", 750).json()
    # Any till of the partner may refund it, once.
    other_till = api.enrol("E305", label="Caisse 2")
    key = "0b6f0f36-58a4-4c8e-9a3e-6a1f1f0c2f12"
    first = other_till.cancel(payment["transaction_id"], key=key)
    assert first.status_code == 201, first.text
    assert first.json()["terminal_id"] == other_till.terminal_id
    assert other_till.cancel(payment["transaction_id"], key=key).json() == first.json()
    assert_problem(e305.cancel(payment["transaction_id"]), 409, "already_cancelled")
    assert_problem(e305.cancel(first.json()["transaction_id"]), 409, "not_cancellable")
    assert e305.balance(STEPHANE, "MANUEQUIP") == before


def test_cancellation_needs_a_key_and_a_known_transaction(e305: Terminal) -> None:
    payment = e305.pay(STEPHANE, "MANUEQUIP", 100).json()
    resp = e305.post(f"/v1/transactions/{payment['transaction_id']}/cancel", json={"reason": "x"})
    assert_problem(resp, 400, "validation_error")
    assert_problem(e305.cancel("0b6f0f36-58a4-4c8e-9a3e-6a1f1f0c2f13"), 404, "not_found")
    assert e305.cancel(payment["transaction_id"]).status_code == 201


def test_demo_online_payment_refunded_by_les_pages(l212: Terminal) -> None:
    (payment,) = [t for t in l212.transactions() if t["kind"] == "online_payment"][:1]
    before = l212.balance(STEPHANE, "MANUEQUIP")
    resp = l212.cancel(payment["transaction_id"], "Rupture de stock")
    assert resp.status_code == 201, resp.text
    assert l212.balance(STEPHANE, "MANUEQUIP") == before + payment["amount_cents"]
