"""Prepayment vouchers: created by the beneficiary, redeemed once by their partner, cancellable."""

from __future__ import annotations

import re
import uuid

from support.api import Beneficiary, Client, Terminal, assert_problem, new_key

JEAN = "23166621"


def create_voucher(jean: Beneficiary, amount: int = 500) -> dict:
    resp = jean.prepay("L212", "MANUEQUIP", amount)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_prepayment_creates_a_pending_voucher_and_debits_the_wallet(
    api: Client, l212: Terminal
) -> None:
    jean = api.beneficiary(JEAN)
    before = l212.balance(JEAN, "MANUEQUIP")
    voucher = create_voucher(jean, 700)
    assert re.fullmatch(r"\d{12}", voucher["ticket_number"])
    assert re.fullmatch(r"\d{7}", voucher["transaction_number"])
    assert voucher["status"] == "pending"
    assert voucher["amount_cents"] == 700
    assert voucher["partner_code"] == "L212"
    assert voucher["qr_token"].startswith("HDFV1:")
    assert l212.balance(JEAN, "MANUEQUIP") == before - 700
    seen = l212.get(f"/v1/vouchers/{voucher['ticket_number']}")
    assert seen.status_code == 200
    assert seen.json()["status"] == "pending"
    assert seen.json()["transaction_number"] == voucher["transaction_number"]
    pdf = jean.get(f"/v1/beneficiary/prepayments/{voucher['ticket_number']}/voucher.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.content.startswith(b"%PDF")


def test_prepayment_refusals(api: Client, l212: Terminal) -> None:
    jean = api.beneficiary(JEAN)
    before = l212.balance(JEAN, "MANUEQUIP")
    assert_problem(jean.prepay("E305", "MANUEQUIP", 100), 422, "not_accepted")
    assert_problem(jean.prepay("Z999", "MANUEQUIP", 100), 404, "not_found")
    assert_problem(jean.prepay("L212", "MANUEQUIP", 10**7), 422, "insufficient_funds")
    assert_problem(jean.prepay("L212", "MANUEQUIP", 0), 422, "validation_error")
    resp = jean.post(
        "/v1/beneficiary/prepayments",
        json={"partner_code": "L212", "wallet_code": "MANUEQUIP", "amount_cents": 100},
    )
    assert_problem(resp, 400, "validation_error")  # no Idempotency-Key
    assert l212.balance(JEAN, "MANUEQUIP") == before


def test_redeem_once_then_409(api: Client, l212: Terminal) -> None:
    jean = api.beneficiary(JEAN)
    voucher = create_voucher(jean)
    ticket = voucher["ticket_number"]
    balance = l212.balance(JEAN, "MANUEQUIP")
    key = new_key()
    resp = l212.redeem(ticket, key=key)
    assert resp.status_code == 200, resp.text
    redeemed = resp.json()
    assert redeemed["status"] == "redeemed"
    assert redeemed["redeemed_at"]
    uuid.UUID(redeemed["transaction_id"])
    # The wallet paid at prepayment: a redemption moves no money.
    assert l212.balance(JEAN, "MANUEQUIP") == balance
    tx = {t["transaction_id"]: t for t in l212.transactions()}[redeemed["transaction_id"]]
    assert tx["kind"] == "voucher_redemption"
    assert tx["amount_cents"] == voucher["amount_cents"]
    assert tx["balance_after_cents"] == balance
    assert tx["transaction_number"] != voucher["transaction_number"]
    # The same key again: the same answer. A new key: the voucher is no longer pending.
    assert l212.redeem(ticket, key=key).json() == redeemed
    problem = assert_problem(l212.redeem(ticket), 409, "voucher_not_pending")
    assert "redeemed" in str(problem).lower() or "utilisé" in str(problem).lower()
    assert l212.get(f"/v1/vouchers/{ticket}").json()["status"] == "redeemed"
    # The beneficiary can no longer cancel it.
    assert_problem(jean.cancel_prepayment(ticket), 409, "voucher_not_pending")
    assert l212.balance(JEAN, "MANUEQUIP") == balance


def test_voucher_of_another_partner_is_403_and_unknown_is_404(
    api: Client, l212: Terminal, e305: Terminal
) -> None:
    ticket = create_voucher(api.beneficiary(JEAN))["ticket_number"]
    assert_problem(e305.get(f"/v1/vouchers/{ticket}"), 403, "voucher_other_partner")
    assert_problem(e305.redeem(ticket), 403, "voucher_other_partner")
    assert l212.get(f"/v1/vouchers/{ticket}").json()["status"] == "pending"
    assert_problem(l212.get("/v1/vouchers/000000000000"), 404, "voucher_not_found")
    assert_problem(l212.redeem("000000000000"), 404, "voucher_not_found")


def test_beneficiary_cancels_a_pending_voucher_then_redemption_is_409(
    api: Client, l212: Terminal
) -> None:
    jean = api.beneficiary(JEAN)
    before = l212.balance(JEAN, "MANUEQUIP")
    voucher = create_voucher(jean, 900)
    assert l212.balance(JEAN, "MANUEQUIP") == before - 900
    resp = jean.cancel_prepayment(voucher["ticket_number"])
    assert resp.status_code == 200, resp.text
    assert l212.balance(JEAN, "MANUEQUIP") == before
    assert l212.get(f"/v1/vouchers/{voucher['ticket_number']}").json()["status"] == "cancelled"
    problem = assert_problem(l212.redeem(voucher["ticket_number"]), 409, "voucher_not_pending")
    assert "cancel" in str(problem).lower() or "annul" in str(problem).lower()
    assert_problem(jean.cancel_prepayment(voucher["ticket_number"]), 409, "voucher_not_pending")
    assert l212.balance(JEAN, "MANUEQUIP") == before


def test_cancelling_a_redemption_credits_the_wallet_and_cancels_the_voucher(
    api: Client, l212: Terminal
) -> None:
    jean = api.beneficiary(JEAN)
    before = l212.balance(JEAN, "MANUEQUIP")
    voucher = create_voucher(jean, 400)
    redemption = l212.redeem(voucher["ticket_number"]).json()
    resp = l212.cancel(redemption["transaction_id"], "Livre rendu")
    assert resp.status_code == 201, resp.text
    cancellation = resp.json()
    assert cancellation["kind"] == "cancellation"
    assert cancellation["cancels"] == redemption["transaction_id"]
    assert cancellation["amount_cents"] == 400
    assert l212.balance(JEAN, "MANUEQUIP") == before
    assert l212.get(f"/v1/vouchers/{voucher['ticket_number']}").json()["status"] == "cancelled"
    assert_problem(l212.cancel(redemption["transaction_id"]), 409, "already_cancelled")


def test_demo_voucher_redeemed_by_its_partner(l212: Terminal, l404: Terminal) -> None:
    assert_problem(l404.redeem("898564564632"), 403, "voucher_other_partner")
    resp = l212.redeem("898564564632")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["ticket_number"], body["status"], body["amount_cents"]) == (
        "898564564632",
        "redeemed",
        12000,
    )
