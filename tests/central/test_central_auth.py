"""Authentication: enrolment, bearer tokens, un-enrolment, the enrolment rate limit, sessions."""

from __future__ import annotations

import pytest
from support.api import Client, Terminal, assert_problem, new_key

TERMINAL_CALLS = [
    ("DELETE", "/v1/terminals/current"),
    ("GET", "/v1/partner"),
    ("GET", "/v1/cards/23166621"),
    ("GET", "/v1/cards/23166621/photo"),
    ("POST", "/v1/payments"),
    ("GET", "/v1/vouchers/898564564632"),
    ("POST", "/v1/vouchers/898564564632/redeem"),
    ("GET", "/v1/transactions"),
    ("POST", "/v1/transactions/0b6f0f36-58a4-4c8e-9a3e-6a1f1f0c2f11/cancel"),
    ("POST", "/v1/sync"),
    ("GET", "/v1/denylist"),
    ("GET", "/v1/statements/daily?date=2026-01-05"),
]
BENEFICIARY_CALLS = [
    ("GET", "/v1/beneficiary/card"),
    ("POST", "/v1/beneficiary/qr"),
    ("POST", "/v1/beneficiary/prepayments"),
    ("GET", "/v1/beneficiary/prepayments/898564564632/voucher.pdf"),
    ("POST", "/v1/beneficiary/prepayments/898564564632/cancel"),
    ("POST", "/v1/beneficiary/online-payments"),
    ("POST", "/v1/beneficiary/card/report"),
]


@pytest.mark.parametrize(("method", "path"), TERMINAL_CALLS + BENEFICIARY_CALLS)
def test_no_or_bad_bearer_token_is_401(api: Client, method: str, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"}):
        resp = api.request(method, path, json={}, key=new_key(), headers=headers, token="")
        assert_problem(resp, 401, "unauthorized")


def test_tokens_do_not_cross_sides(api: Client, l212: Terminal) -> None:
    beneficiary = api.beneficiary("23166621")
    assert_problem(api.get("/v1/partner", token=beneficiary.token), 401, "unauthorized")
    assert_problem(api.get("/v1/beneficiary/card", token=l212.token), 401, "unauthorized")


def test_enrolment_with_a_wrong_password_is_401(api: Client) -> None:
    resp = api.post(
        "/v1/terminals", json={"partner_code": "E305", "password": "Wrong-1234", "label": "x"}
    )
    assert_problem(resp, 401, "unauthorized")


def test_unenrol_revokes_only_this_terminal(api: Client) -> None:
    first = api.enrol("E305", label="Caisse A")
    second = api.enrol("E305", label="Caisse B")
    assert first.terminal_id != second.terminal_id and first.token != second.token
    resp = first.delete("/v1/terminals/current")
    assert resp.status_code == 204
    assert_problem(first.get("/v1/partner"), 401, "unauthorized")
    assert second.get("/v1/partner").status_code == 200


def test_beneficiary_session_refuses_a_wrong_password(api: Client) -> None:
    resp = api.post(
        "/v1/beneficiary/session", json={"card_number": "23166622", "password": "Wrong-1234"}
    )
    assert_problem(resp, 401, "unauthorized")
    ok = api.post(
        "/v1/beneficiary/session", json={"card_number": "23166622", "password": "Demo-3116961"}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["token"] and ok.json()["expires_at"].endswith("Z")


def test_five_failed_enrolments_a_minute_then_429_even_with_the_right_password(
    api: Client,
) -> None:
    bad = {"partner_code": "L404", "password": "Wrong-0000", "label": "x"}
    for _ in range(5):
        assert_problem(api.post("/v1/terminals", json=bad), 401, "unauthorized")
    assert_problem(api.post("/v1/terminals", json=bad), 429, "rate_limited")
    good = {"partner_code": "L404", "password": "Demo-L404", "label": "x"}
    assert_problem(api.post("/v1/terminals", json=good), 429, "rate_limited")
    # The limit is per partner code: another partner still enrols.
    assert api.enrol("L212", label="Caisse voisine").partner_code == "L212"
