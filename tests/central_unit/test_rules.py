"""Rules of the service that the end-to-end suite cannot easily reach: keys in progress, the login
limiter, voucher expiry, the request log, the schema's migrations and the printable voucher."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import numpy as np
import pytest
import zxingcpp

from central import idempotency
from central.voucher_pdf import code128_png, qr_png

from .conftest import balance, beneficiary, enrol, sql


def test_a_key_still_being_processed_is_409_in_progress(central):
    if not central.database_url.startswith("postgresql"):
        pytest.skip("on SQLite writes are serialised: a repeat waits, then is replayed")
    import psycopg

    till = enrol(central.url, "L212")
    [(partner_id,)] = sql(central, "SELECT id FROM partners WHERE code = 'L212'")
    key = str(uuid.uuid4())
    body = {
        "card_number": "23166622",
        "wallet_code": "MANUEQUIP",
        "amount_cents": 100,
        "entry_mode": "manual",
    }
    with psycopg.connect(central.database_url) as other:
        # Another request holding this key (its transaction is open).
        other.execute(
            "SELECT pg_advisory_xact_lock(%s)", (idempotency._lock_id(f"p:{partner_id}", key),)
        )
        busy = till.post("/v1/payments", json=body, headers={"Idempotency-Key": key})
        assert busy.status_code == 409 and busy.json()["code"] == "idempotency_in_progress"
        other.rollback()
    done = till.post("/v1/payments", json=body, headers={"Idempotency-Key": key})
    assert done.status_code == 201


def test_five_failed_enrolments_a_minute_lock_the_partner_code(central):
    def enrol_with(password: str) -> httpx.Response:
        return httpx.post(
            central.url + "/v1/terminals",
            json={"partner_code": "L404", "password": password, "label": "x"},
        )

    assert [enrol_with("Wrong-pass1").status_code for _ in range(5)] == [401] * 5
    locked = enrol_with("Demo-L404")
    assert locked.status_code == 429
    assert locked.json()["code"] == "rate_limited"
    assert int(locked.headers["Retry-After"]) > 0
    # Another partner is not affected.
    assert (
        enrol_with.__name__
        and httpx.post(
            central.url + "/v1/terminals",
            json={"partner_code": "E305", "password": "Demo-E305", "label": "x"},
        ).status_code
        == 201
    )
    # Passwords are stored as slow hashes, never in clear.
    [(stored,)] = sql(central, "SELECT password_hash FROM partners WHERE code = 'L404'")
    assert stored.startswith("$argon2id$") and "Demo-L404" not in stored


def test_the_enrolment_lock_lifts_once_the_minute_has_passed(central):
    """The failures age out: a minute after them the right password enrols again, and a wrong
    one is 401 again (not 429). The clock is moved by ageing the recorded failures."""
    from sqlalchemy import create_engine, update
    from sqlalchemy.pool import NullPool

    from central.clock import now
    from central.db import normalize_url
    from central.models import rate_limits

    def enrol_with(password: str) -> int:
        return httpx.post(
            central.url + "/v1/terminals",
            json={"partner_code": "E305", "password": password, "label": "x"},
        ).status_code

    def age(seconds: float) -> None:
        with engine.begin() as conn:
            conn.execute(
                update(rate_limits)
                .where(rate_limits.c.subject == "login:p:E305")
                .values(since=now().timestamp() - seconds)
            )

    assert [enrol_with("Wrong-pass1") for _ in range(5)] == [401] * 5
    assert enrol_with("Demo-E305") == 429
    engine = create_engine(normalize_url(central.database_url), poolclass=NullPool)
    try:
        age(50)
        assert enrol_with("Demo-E305") == 429  # 50 s later: still within the minute
        age(61)
    finally:
        engine.dispose()
    assert enrol_with("Demo-E305") == 201
    assert enrol_with("Wrong-pass1") == 401


def test_a_revoked_terminal_token_is_401(central):
    till = enrol(central.url, "E305")
    assert till.delete("/v1/terminals/current").status_code == 204
    resp = till.get("/v1/partner")
    assert resp.status_code == 401 and resp.json()["code"] == "unauthorized"
    # Tokens are stored hashed.
    token = till.headers["Authorization"].split()[1]
    assert not sql(central, "SELECT 1 FROM terminals WHERE token_hash = :t", t=token)


def test_a_pending_voucher_expires_with_its_wallet_and_the_money_goes_back(central):
    till = enrol(central.url, "L212")
    holder = beneficiary(central.url, "3116964")  # Emma: her wallet is empty, fill it first
    sql(
        central,
        "UPDATE wallets SET balance_cents = 5000 WHERE card_id = "
        "(SELECT id FROM cards WHERE card_number = '23166625')",
    )
    made = holder.post(
        "/v1/beneficiary/prepayments",
        json={"partner_code": "L212", "wallet_code": "MANUEQUIP", "amount_cents": 2000},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert made.status_code == 201, made.text
    ticket = made.json()["ticket_number"]
    assert balance(till, "23166625", "MANUEQUIP") == 3000
    # The wallet's validity ended yesterday.
    emma = "(SELECT id FROM cards WHERE card_number = '23166625')"
    sql(central, f"UPDATE wallets SET valid_to = :d WHERE card_id = {emma}", d="2020-01-01")
    voucher = till.get(f"/v1/vouchers/{ticket}")
    assert voucher.status_code == 200 and voucher.json()["status"] == "expired"
    assert balance(till, "23166625", "MANUEQUIP") == 5000
    redeem = till.post(
        f"/v1/vouchers/{ticket}/redeem", headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert redeem.status_code == 409
    assert redeem.json()["code"] == "voucher_not_pending"
    assert redeem.json()["voucher_status"] == "expired"


def test_each_request_logs_one_line_with_its_id_and_no_holder_name(central):
    till = enrol(central.url, "L212")
    resp = till.get("/v1/cards/23166622", headers={"X-Request-ID": "test-req-42"})
    assert resp.json()["holder"]["last_name"] == "MARTIN"
    assert resp.headers["X-Request-ID"] == "test-req-42"
    # The line is written once the response is sent: give the service a moment to write it.
    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(x) for x in central.log_tail(200_000).splitlines() if x.startswith("{")]
        mine = [x for x in lines if x.get("request_id") == "test-req-42"]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(mine) == 1
    assert mine[0]["path"] == "/v1/cards/23166622" and mine[0]["status"] == 200
    assert mine[0]["partner"] == "L212"
    log = central.log_tail(200_000)
    for name in ("MARTIN", "Stéphane", "DUBOIS", "Inès", "Demo-L212"):
        assert name not in log


def test_the_openapi_document_is_complete(central):
    doc = httpx.get(central.url + "/v1/openapi.json").json()
    schemas = doc["components"]["schemas"]
    text = json.dumps(doc)
    refs = {r.split('"')[0] for r in text.split('"$ref": "#/components/schemas/')[1:]}
    assert refs <= set(schemas), refs - set(schemas)
    assert "HTTPValidationError" not in schemas
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for status in ("400", "401", "404", "422"):
                content = op["responses"][status]["content"]
                assert "application/problem+json" in content, (method, path, status)
            success = [s for s in op["responses"] if s.startswith("2")]
            assert success, (method, path)
            if method == "post" and path not in ("/v1/sync",) and "cancel" not in path:
                assert "requestBody" in op or "report" in path or "qr" in path, (method, path)


def test_voucher_codes_decode_back(central):
    ticket = "898564564632"
    image = np.frombuffer(code128_png(ticket), dtype=np.uint8)
    import cv2

    decoded = zxingcpp.read_barcodes(cv2.imdecode(image, cv2.IMREAD_GRAYSCALE))
    assert [(str(b.format), b.text) for b in decoded] == [("Code128", ticket)] or [
        b.text for b in decoded
    ] == [ticket]
    qr = cv2.imdecode(
        np.frombuffer(qr_png("HDFV1:abc.def.ghi"), dtype=np.uint8), cv2.IMREAD_GRAYSCALE
    )
    assert [b.text for b in zxingcpp.read_barcodes(qr)] == ["HDFV1:abc.def.ghi"]

    holder = beneficiary(central.url, "3116961")
    made = holder.post(
        "/v1/beneficiary/prepayments",
        json={"partner_code": "L212", "wallet_code": "MANUEQUIP", "amount_cents": 100},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    ).json()
    pdf = holder.get(f"/v1/beneficiary/prepayments/{made['ticket_number']}/voucher.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # Another beneficiary cannot fetch it.
    other = beneficiary(central.url, "3116962")
    assert (
        other.get(f"/v1/beneficiary/prepayments/{made['ticket_number']}/voucher.pdf").status_code
        == 404
    )


def test_keys_rotate_adds_a_signing_key_and_old_tokens_still_verify(central):
    from support.central_server import run_central_cli

    holder = beneficiary(central.url, "3116961")
    old_qr = holder.post("/v1/beneficiary/qr").json()["qr_token"]
    old_kids = [k["kid"] for k in httpx.get(central.url + "/v1/keys").json()["keys"]]
    # In the service's data folder: on PostgreSQL its sealing key file is there (central.sealing).
    done = run_central_cli(
        ["keys", "rotate", "--database", central.database_url], data_dir=central.data_dir
    )
    assert done.returncode == 0, done.stderr
    keys = httpx.get(central.url + "/v1/keys").json()["keys"]
    assert len(keys) == len(old_kids) + 1
    new_kid = next(k["kid"] for k in keys if k["kid"] not in old_kids)
    assert all(k["kty"] == "OKP" and k["crv"] == "Ed25519" and k["alg"] == "EdDSA" for k in keys)
    # Old QR codes verify with the published keys, and new ones are signed with the new key.
    from hdf_common import clock, qrtoken

    old_token = old_qr.removeprefix("HDF1:")
    assert qrtoken.verify(old_token, keys, at=clock.timestamp())["card"] == "23166622"
    deadline = time.monotonic() + 10
    while True:
        new_qr = holder.post("/v1/beneficiary/qr").json()["qr_token"].removeprefix("HDF1:")
        header = json.loads(qrtoken.b64url_decode(new_qr.split(".")[0]))
        if header["kid"] == new_kid or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert header["kid"] == new_kid
    till = enrol(central.url, "E305")
    paid = till.post(
        "/v1/payments",
        json={
            "card_number": "23166622",
            "wallet_code": "PREMIEREQUIP",
            "amount_cents": 1,
            "entry_mode": "qr",
            "qr_token": old_qr,
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert paid.status_code == 201, paid.text
