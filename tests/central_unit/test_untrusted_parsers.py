"""Issue 13, finding 4: every parser of untrusted input answers a value or a clean refusal, never an
exception that would become a 5xx (API.md 1.1: "No input yields a 5xx").

One hypothesis test per parser, called directly (cursors, instants, JSON bodies and their nesting,
amounts, QR strings, sync envelopes), and the cheap ones again through HTTP on the real service
(SQLite and PostgreSQL).
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central import schemas
from central.clock import parse_instant
from central.errors import ApiError
from central.ledger import item_instant
from central.queries import _decode_cursor
from central.routes.sync import parse_batch
from central.web import MAX_NESTING, parse_json_object, too_deep, validate_body
from hdf_common import qrtoken

from .conftest import enrol

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)
INSTANTISH = st.one_of(
    st.text(max_size=40),
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
    ).map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "9999-12-31T23:59:59-23:59",
            "0001-01-01T00:00:00+01:00",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2026-11-22T09:15:00",
            "2026-11-22",
            "2026-13-40T99:99:99Z",
        ]
    ),
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


def _refused(exc: ApiError, status: int) -> None:
    assert (exc.status, exc.code) == (status, "validation_error")


# ---- instants ---------------------------------------------------------------------------------


@given(INSTANTISH)
def test_an_instant_parses_in_range_or_is_a_value_error(text: str) -> None:
    try:
        value = parse_instant(text)
    except ValueError:
        return
    assert value.tzinfo == UTC
    # In range for everything the service then does with it (a Paris day, an age window).
    assert value - timedelta(days=400) < value + timedelta(days=400)


@given(INSTANTISH)
def test_an_item_instant_is_a_value_or_a_422(text: str) -> None:
    try:
        item_instant(text)
    except ApiError as exc:
        _refused(exc, 422)


@given(st.one_of(st.none(), st.integers(), st.floats(), st.lists(st.integers(), max_size=2)))
def test_an_instant_that_is_not_text_is_a_value_error(value: Any) -> None:
    with pytest.raises(ValueError):
        parse_instant(value)


# ---- cursors ----------------------------------------------------------------------------------


@given(st.one_of(st.text(max_size=300), JSON.map(lambda v: _b64(json.dumps(v).encode()))))
def test_a_cursor_decodes_or_is_a_400(cursor: str) -> None:
    try:
        occurred, txn_id = _decode_cursor(cursor)
    except ApiError as exc:
        _refused(exc, 400)
        return
    assert occurred.tzinfo == UTC and isinstance(txn_id, str)


@pytest.mark.parametrize(
    "value", [[123, "x"], [None, None], ["9999-12-31T23:59:59-23:59", "x"], ["2026-01-01Z"]]
)
def test_the_cursors_of_finding_4_are_400(value: Any) -> None:
    with pytest.raises(ApiError) as caught:
        _decode_cursor(_b64(json.dumps(value).encode()))
    _refused(caught.value, 400)


def test_a_deeply_nested_cursor_is_400() -> None:
    with pytest.raises(ApiError):
        _decode_cursor(_b64(b"[" * 150))


# ---- JSON bodies and nesting ------------------------------------------------------------------


@given(st.one_of(st.binary(max_size=200), JSON.map(lambda v: json.dumps(v).encode())))
def test_a_body_is_an_object_or_a_400(raw: bytes) -> None:
    try:
        obj = parse_json_object(raw)
    except ApiError as exc:
        _refused(exc, 400)
        return
    assert isinstance(obj, dict)


@given(JSON, st.integers(min_value=0, max_value=60))
def test_nesting_is_measured_exactly_without_recursion(value: Any, extra: int) -> None:
    for _ in range(extra):
        value = {"k[": [value, "]]}"]} if extra % 2 else [value]
    raw = json.dumps(value).encode()
    assert too_deep(raw) == (_depth(value) > MAX_NESTING)


@pytest.mark.parametrize("opening", [b"[", b"{", b'{"a":'])
def test_100000_levels_are_a_400_not_a_recursion_error(opening: bytes) -> None:
    with pytest.raises(ApiError) as caught:
        parse_json_object(opening * 100_000)
    _refused(caught.value, 400)


# ---- amounts (and the rest of a payment body) --------------------------------------------------

AMOUNTISH = st.one_of(
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.booleans(),
    st.none(),
    st.decimals(allow_nan=False).map(str),
)


@given(AMOUNTISH, st.sampled_from(["qr", "manual", "", None, 1]), JSON)
def test_a_payment_body_is_accepted_or_a_422(amount: Any, mode: Any, junk: Any) -> None:
    body = {
        "card_number": "23166622",
        "wallet_code": "MANUEQUIP",
        "amount_cents": amount,
        "entry_mode": mode,
        "reference": junk,
    }
    try:
        checked = validate_body(schemas.PaymentRequest, body)
    except ApiError as exc:
        _refused(exc, 422)
        return
    assert isinstance(checked["amount_cents"], int) and not isinstance(amount, bool)
    assert 0 < checked["amount_cents"] <= 10_000_000


# ---- QR strings -------------------------------------------------------------------------------


def _token_parts() -> st.SearchStrategy[str]:
    part = st.one_of(
        st.text(max_size=30), JSON.map(lambda v: _b64(json.dumps(v).encode())), st.just("")
    )
    return st.tuples(part, part, part).map(".".join)


@given(st.one_of(st.text(max_size=200), _token_parts(), st.binary(max_size=64).map(_b64)))
def test_a_qr_string_verifies_or_is_a_token_error(text: str) -> None:
    key = qrtoken.generate_private_key()
    jwks = [qrtoken.public_jwk(key)]
    try:
        qrtoken.verify(text, jwks, at=1_800_000_000)
    except qrtoken.TokenError:
        return
    raise AssertionError("an unsigned string was accepted")


def test_a_deeply_nested_qr_header_is_a_token_error() -> None:
    deep = _b64(b"[" * 6000)  # fits in the 8 192 characters a token may have
    with pytest.raises(qrtoken.TokenInvalid):
        qrtoken.verify(f"{deep}.e30.AA", [], at=0)
    with pytest.raises(qrtoken.TokenInvalid):
        qrtoken.unverified_claims(f"e30.{deep}.AA")


# ---- sync envelopes ---------------------------------------------------------------------------


def _items() -> st.SearchStrategy[Any]:
    good = st.fixed_dictionaries(
        {
            "idempotency_key": st.uuids().map(str),
            "operation": st.sampled_from(["payment", "voucher_redeem"]),
            "body": st.dictionaries(st.text(max_size=8), JSON, max_size=3),
            "occurred_at": INSTANTISH,
        },
        optional={"replay": JSON},
    )
    return st.lists(st.one_of(good, JSON), max_size=4)


@given(st.one_of(JSON, st.fixed_dictionaries({"items": _items()})))
def test_a_sync_envelope_parses_or_is_a_400(envelope: Any) -> None:
    try:
        items = parse_batch(json.dumps(envelope).encode())
    except ApiError as exc:
        _refused(exc, 400)
        return
    assert isinstance(envelope, dict) and len(items) == len(envelope["items"])


# ---- the same, through HTTP --------------------------------------------------------------------

HTTP = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def till(central) -> httpx.Client:
    return enrol(central.url, "E305")


@HTTP
@given(st.one_of(st.text(max_size=120), JSON.map(lambda v: _b64(json.dumps(v).encode()))))
def test_any_cursor_over_http_is_200_or_400(till: httpx.Client, cursor: str) -> None:
    resp = till.get("/v1/transactions", params={"cursor": cursor})
    assert resp.status_code in (200, 400), resp.text


@HTTP
@given(INSTANTISH, st.one_of(st.none(), JSON))
def test_any_occurred_at_over_http_rejects_the_item_alone(
    till: httpx.Client, occurred_at: str, replay: Any
) -> None:
    body = {"card_number": "99999999", "wallet_code": "MANUEQUIP", "amount_cents": 1}
    item = {
        "idempotency_key": str(uuid.uuid4()),
        "operation": "payment",
        "body": {**body, "entry_mode": "manual"},
        "occurred_at": occurred_at,
        "replay": replay,
    }
    resp = till.post("/v1/sync", content=json.dumps({"items": [item]}))
    assert resp.status_code == 200, resp.text
    (result,) = resp.json()["results"]
    assert result["outcome"] == "rejected"
    # 404: the instant parsed and lay in the window (the card is unknown); else a 422.
    assert (result["status"], result["body"]["code"]) in (
        (404, "card_not_found"),
        (422, "validation_error"),
    )


@HTTP
@given(st.one_of(JSON, st.fixed_dictionaries({"items": _items()})))
def test_any_sync_envelope_over_http_is_never_a_5xx(till: httpx.Client, envelope: Any) -> None:
    resp = till.post("/v1/sync", content=json.dumps(envelope))  # Infinity too
    assert resp.status_code in (200, 400), resp.text


@HTTP
@given(st.one_of(st.text(max_size=30), st.dates().map(str)), st.text(max_size=12))
def test_any_day_over_http_is_200_or_400(till: httpx.Client, day: str, limit: str) -> None:
    resp = till.get("/v1/transactions", params={"from": day, "to": day, "limit": limit})
    assert resp.status_code in (200, 400), resp.text
    resp = till.get("/v1/statements/daily", params={"date": day})
    assert resp.status_code in (200, 400), resp.text


@HTTP
@given(AMOUNTISH)
def test_any_amount_over_http_is_refused_cleanly(till: httpx.Client, amount: Any) -> None:
    body = {"card_number": "99999999", "wallet_code": "MANUEQUIP", "entry_mode": "manual"}
    resp = till.post(
        "/v1/payments",
        content=json.dumps({**body, "amount_cents": amount}),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert resp.status_code in (404, 422), resp.text  # an unknown card, or a refused amount


@HTTP
@given(st.one_of(st.text(max_size=300), _token_parts().map(lambda t: "HDF1:" + t)))
def test_any_qr_string_over_http_is_refused_cleanly(till: httpx.Client, token: str) -> None:
    # Emma's wallet is empty: whatever the token, no money can move.
    body = {"card_number": "23166625", "wallet_code": "MANUEQUIP", "amount_cents": 1}
    resp = till.post(
        "/v1/payments",
        content=json.dumps({**body, "entry_mode": "qr", "qr_token": token}),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] in ("token_invalid", "validation_error"), resp.text
