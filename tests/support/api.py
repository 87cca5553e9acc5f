"""A thin HTTP client of the central API (docs/API.md) for tests and benchmarks: real requests.

It only saves typing (base URL, bearer token, a fresh Idempotency-Key); every test still looks at
the raw `requests.Response`, status and body, as a terminal would.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from hdf_common import clock

DEMO_PARTNER_PASSWORDS = {"L212": "Demo-L212", "E305": "Demo-E305", "L404": "Demo-L404"}
# card number -> (dossier number, beneficiary password)
DEMO_CARDS = {
    "23166621": ("3116960", "Demo-3116960"),
    "23166622": ("3116961", "Demo-3116961"),
    "23166623": ("3116962", "Demo-3116962"),
    "23166624": ("3116963", "Demo-3116963"),
    "23166625": ("3116964", "Demo-3116964"),
}
PROBLEM_FIELDS = ("type", "title", "status", "detail", "code")
PARIS = ZoneInfo("Europe/Paris")


def paris_today() -> date:
    """Today's business day (Europe/Paris), by the suite's clock."""
    return clock.today()


def business_day(text: str) -> date:
    """The Paris business day of an RFC 3339 instant."""
    return parse_instant(text).astimezone(PARIS).date()


def ago(**delta: float) -> str:
    """An RFC 3339 UTC instant that long ago (`ago(minutes=5)`)."""
    return rfc3339(clock.now() - timedelta(**delta))


def new_key() -> str:
    return str(uuid.uuid4())


def rfc3339(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert value.tzinfo is not None, f"instant without offset: {text}"
    return value.astimezone(UTC)


def assert_problem(resp: requests.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status (and machine code); returns its body."""
    assert resp.status_code == status, (
        f"expected {status} {code}, got {resp.status_code}: {resp.text}"
    )
    ctype = resp.headers.get("content-type", "")
    assert ctype.startswith("application/problem+json"), f"content-type {ctype!r}: {resp.text}"
    body = resp.json()
    missing = [f for f in PROBLEM_FIELDS if f not in body]
    assert not missing, f"problem without {missing}: {body}"
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, f"expected code {code}, got {body}"
    return body


def payment_body(
    card_number: str,
    wallet_code: str,
    amount_cents: Any,
    *,
    qr_token: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The body of POST /v1/payments (and of a sync `payment` item)."""
    body: dict[str, Any] = {
        "card_number": card_number,
        "wallet_code": wallet_code,
        "amount_cents": amount_cents,
        "entry_mode": "qr" if qr_token else "manual",
    }
    if qr_token:
        body["qr_token"] = qr_token
    return body | extra


class Client:
    """Calls to one central service, optionally with a bearer token."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.session = requests.Session()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        key: str | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        all_headers = dict(headers or {})
        bearer = token if token is not None else self.token
        if bearer:
            all_headers.setdefault("Authorization", f"Bearer {bearer}")
        if key is not None:
            all_headers["Idempotency-Key"] = key
        return self.session.request(
            method,
            self.base_url + path,
            json=json,
            headers=all_headers,
            timeout=self.timeout,
            **kwargs,
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    # --- terminal side -------------------------------------------------------------------------
    def enrol(
        self, partner_code: str, password: str | None = None, label: str = "Caisse test"
    ) -> Terminal:
        """Enrol a terminal of this partner and return a Terminal client (asserts 201)."""
        resp = self.post(
            "/v1/terminals",
            json={
                "partner_code": partner_code,
                "password": password or DEMO_PARTNER_PASSWORDS[partner_code],
                "label": label,
            },
            token="",
        )
        assert resp.status_code == 201, resp.text
        body = resp.json()
        return Terminal(self.base_url, body["token"], body, self.timeout)

    def beneficiary(self, card_number: str, *, by_dossier: bool = False) -> Beneficiary:
        dossier, password = DEMO_CARDS[card_number]
        ident = {"dossier_number": dossier} if by_dossier else {"card_number": card_number}
        resp = self.post("/v1/beneficiary/session", json={**ident, "password": password}, token="")
        assert resp.status_code == 200, resp.text
        return Beneficiary(self.base_url, resp.json()["token"], card_number, self.timeout)


class Terminal(Client):
    """An enrolled terminal: `enrolment` is the 201 body of POST /v1/terminals."""

    def __init__(self, base_url: str, token: str, enrolment: dict[str, Any], timeout: float):
        super().__init__(base_url, token, timeout)
        self.enrolment = enrolment
        self.terminal_id: str = enrolment["terminal_id"]
        self.partner_code: str = enrolment["partner"]["code"]

    def card(self, card_number: str) -> dict[str, Any]:
        resp = self.get(f"/v1/cards/{card_number}")
        assert resp.status_code == 200, resp.text
        return resp.json()

    def balance(self, card_number: str, wallet_code: str) -> int:
        for wallet in self.card(card_number)["wallets"]:
            if wallet["code"] == wallet_code:
                return int(wallet["balance_cents"])
        raise AssertionError(f"no wallet {wallet_code} on card {card_number}")

    def pay(
        self,
        card_number: str,
        wallet_code: str,
        amount_cents: Any,
        *,
        key: str | None = None,
        qr_token: str | None = None,
        **extra: Any,
    ) -> requests.Response:
        body = payment_body(card_number, wallet_code, amount_cents, qr_token=qr_token, **extra)
        return self.post("/v1/payments", json=body, key=key or new_key())

    def redeem(self, ticket_number: str, *, key: str | None = None) -> requests.Response:
        return self.post(f"/v1/vouchers/{ticket_number}/redeem", json={}, key=key or new_key())

    def cancel(
        self, transaction_id: str, reason: str = "Erreur de saisie", *, key: str | None = None
    ) -> requests.Response:
        return self.post(
            f"/v1/transactions/{transaction_id}/cancel",
            json={"reason": reason},
            key=key or new_key(),
        )

    def transactions(self, **params: Any) -> list[dict[str, Any]]:
        """Every item of the transaction list (all pages) for these query parameters."""
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            query = dict(params, limit=params.get("limit", 500))
            if cursor:
                query["cursor"] = cursor
            resp = self.get("/v1/transactions", params=query)
            assert resp.status_code == 200, resp.text
            body = resp.json()
            items += body["items"]
            cursor = body["next_cursor"]
            if not cursor:
                return items

    def sync(self, items: list[dict[str, Any]]) -> requests.Response:
        return self.post("/v1/sync", json={"items": items})


class Beneficiary(Client):
    """A beneficiary session (the extranet or the mobile app) on one card."""

    def __init__(self, base_url: str, token: str, card_number: str, timeout: float):
        super().__init__(base_url, token, timeout)
        self.card_number = card_number

    def qr(self) -> str:
        resp = self.post("/v1/beneficiary/qr", json={})
        assert resp.status_code == 200, resp.text
        return str(resp.json()["qr_token"])

    def prepay(
        self, partner_code: str, wallet_code: str, amount_cents: int, *, key: str | None = None
    ) -> requests.Response:
        return self.post(
            "/v1/beneficiary/prepayments",
            json={
                "partner_code": partner_code,
                "wallet_code": wallet_code,
                "amount_cents": amount_cents,
            },
            key=key or new_key(),
        )

    def pay_online(
        self, partner_code: str, wallet_code: str, amount_cents: int, *, key: str | None = None
    ) -> requests.Response:
        return self.post(
            "/v1/beneficiary/online-payments",
            json={
                "partner_code": partner_code,
                "wallet_code": wallet_code,
                "amount_cents": amount_cents,
            },
            key=key or new_key(),
        )

    def cancel_prepayment(self, ticket_number: str, *, key: str | None = None) -> requests.Response:
        return self.post(
            f"/v1/beneficiary/prepayments/{ticket_number}/cancel", json={}, key=key or new_key()
        )

    def report(self, reason: str) -> requests.Response:
        return self.post("/v1/beneficiary/card/report", json={"reason": reason})
