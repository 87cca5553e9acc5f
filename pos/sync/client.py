"""The HTTP client of the central service API (API.md): one requests.Session, typed errors.

Three ways a call can fail, and the terminal treats them differently:
- `NotSent`: the request never reached the service (connection refused, DNS, connect timeout,
  TLS failure) - the offline rules may accept the operation;
- `UnknownOutcome`: the request left but no usable answer came back (read timeout, connection cut,
  a 5xx) - the service may have applied it, so it is queued under the SAME idempotency key;
- `ApiError` (and one subclass per problem+json `code`): the service answered no.
"""

from __future__ import annotations

import email.utils
import functools
import http.client
import ipaddress
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
)

from hdf_common import clock

CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 10.0
HEALTH_TIMEOUT_S = 3.0
USER_AGENT = "hdf-pos/0.1"


class ClientError(Exception):
    code = "offline"


class NotSent(ClientError):
    """Nothing reached the service: safe to decide offline."""

    code = "offline"


class TlsError(NotSent):
    code = "tls_error"


class UnknownOutcome(ClientError):
    """The request was sent, the answer was lost: it may have been applied. `dropped`: the
    service closed the connection under it (reset, or closed before a byte of the answer), which
    is also what reusing a kept-alive connection the service is closing looks like."""

    code = "offline"

    def __init__(self, message: str, *, dropped: bool = False) -> None:
        super().__init__(message)
        self.dropped = dropped


class ApiError(ClientError):
    """A problem+json answer; `code` is the API's stable machine code."""

    code = "server_error"

    def __init__(self, status: int, code: str | None, detail: str | None, body: Any) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        if code:
            self.code = code
        self.detail = detail
        self.body = body


class Unauthorized(ApiError):
    code = "unauthorized"


class Forbidden(ApiError):
    code = "forbidden"


class NotFound(ApiError):
    code = "not_found"


class ValidationError(ApiError):
    code = "validation_error"


class Refusal(ApiError):
    """A business refusal (card blocked, insufficient funds, ...)."""


class Conflict(ApiError):
    """A state conflict (409)."""


class RateLimited(ApiError):
    code = "rate_limited"


_ERROR_CLASSES: dict[str, type[ApiError]] = {
    "unauthorized": Unauthorized,
    "forbidden": Forbidden,
    "voucher_other_partner": Forbidden,
    "not_found": NotFound,
    "card_not_found": NotFound,
    "voucher_not_found": NotFound,
    "validation_error": ValidationError,
    "voucher_not_pending": Conflict,
    "already_cancelled": Conflict,
    "not_cancellable": Conflict,
    "idempotency_conflict": Conflict,
    "idempotency_in_progress": Conflict,
    "rate_limited": RateLimited,
}


def error_for(status: int, body: Any) -> ApiError:
    code = body.get("code") if isinstance(body, Mapping) else None
    detail = body.get("detail") if isinstance(body, Mapping) else None
    if not code:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 429: "rate_limited"}.get(
            status, "validation_error" if status in (400, 422) else "server_error"
        )
    cls = _ERROR_CLASSES.get(str(code), Refusal)
    return cls(status, str(code), detail, body)


def unencrypted_remote(url: str) -> bool:
    """True for an http:// address of another machine: the bearer token and the offline trust
    anchor (`/v1/keys`) would cross the network in clear. Loopback (127.0.0.0/8, ::1,
    localhost) is the same machine."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:  # not an address at all: refused if it claims to be plain http
        return url.strip().lower().startswith("http:")
    if parts.scheme.lower() != "http":
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


@dataclass
class ClockSample:
    """The service's clock (Date header) against ours, at the middle of the exchange."""

    drift_seconds: float
    measured_at: float


class ApiClient:
    """Speaks API.md. Not thread-bound: requests.Session is shared, calls are independent."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        ca_bundle: str | None = None,
        verify_tls: bool = True,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        read_timeout: float = READ_TIMEOUT_S,
        stored_token: Callable[[], str | None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        # Where the token is kept: another process of this terminal may have rotated it.
        self.stored_token = stored_token
        self.timeout = (connect_timeout, read_timeout)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept"] = "application/json"
        # Verification stays on; a custom CA bundle replaces the system one when set.
        self.session.verify = ca_bundle if (ca_bundle and verify_tls) else verify_tls
        self.session.trust_env = False  # no proxy from the environment between us and the service
        self.clock: ClockSample | None = None

    def close(self) -> None:
        self.session.close()

    # -- transport --------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        auth: bool = True,
        timeout: tuple[float, float] | None = None,
        raw: bool = False,
    ) -> Any:
        headers: dict[str, str] = {}
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        send = functools.partial(
            self._send, method, path, json, params, headers, timeout or self.timeout
        )
        try:
            started, resp = send()
        except UnknownOutcome as first:
            # A kept-alive connection the service closed as we reused it (uvicorn closes one
            # idle for 5 s, our probe period): an idempotent request goes once more, on a new
            # connection. A failure of that try that sent nothing leaves the first's verdict.
            if not first.dropped or not (method == "GET" or idempotency_key):
                raise
            try:
                started, resp = send()
            except NotSent:
                raise first from None
        if resp.status_code == 401 and auth and self._token_renewed():
            # Refused before anything was done (authentication comes first): safe to resend.
            headers["Authorization"] = f"Bearer {self.token}"
            started, resp = send()
        self._sample_clock(resp, started, clock.timestamp())
        if resp.status_code >= 500:
            raise UnknownOutcome(f"HTTP {resp.status_code}")
        if resp.status_code >= 400:
            try:
                body = resp.json()
            except ValueError:
                body = None
            raise error_for(resp.status_code, body)
        if raw:
            return resp
        if resp.status_code == 204 or not resp.content:
            return None
        try:
            return resp.json()
        except ValueError as exc:
            raise UnknownOutcome("réponse illisible") from exc

    def _token_renewed(self) -> bool:
        """True when the stored token differs from ours (rotated by another process): ours is
        then replaced by it."""
        if self.stored_token is None:
            return False
        try:
            stored = self.stored_token()
        except Exception:  # the keyring is unavailable: the 401 stands
            return False
        if not stored or stored == self.token:
            return False
        self.token = stored
        return True

    def _send(
        self,
        method: str,
        path: str,
        json: Any,
        params: Mapping[str, Any] | None,
        headers: dict[str, str],
        timeout: tuple[float, float],
    ) -> tuple[float, requests.Response]:
        """One try: (when it started, the answer), or its failure typed."""
        started = clock.timestamp()  # the same clock as the service's Date, when both are set
        try:
            resp = self.session.request(
                method,
                self.base_url + path,
                json=json,
                params=params,
                headers=headers,
                timeout=timeout,
            )
        except requests.exceptions.SSLError as exc:
            raise TlsError(str(exc)) from exc
        except requests.exceptions.ConnectTimeout as exc:
            raise NotSent(str(exc)) from exc
        except requests.exceptions.ConnectionError as exc:
            if _never_sent(exc):
                raise NotSent(str(exc)) from exc
            raise UnknownOutcome(str(exc), dropped=_dropped(exc)) from exc
        except requests.exceptions.Timeout as exc:  # read timeout: the request left
            raise UnknownOutcome(str(exc)) from exc
        except requests.exceptions.RequestException as exc:
            raise UnknownOutcome(str(exc)) from exc
        return started, resp

    def _sample_clock(self, resp: requests.Response, started: float, ended: float) -> None:
        date_header = resp.headers.get("Date")
        if not date_header:
            return
        try:
            server = email.utils.parsedate_to_datetime(date_header).timestamp()
        except (TypeError, ValueError):
            return
        # The header has a one-second resolution and is truncated: +0.5 s centres it.
        self.clock = ClockSample(server + 0.5 - (started + ended) / 2, ended)

    # -- endpoints --------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "GET", "/v1/health", auth=False, timeout=(HEALTH_TIMEOUT_S, HEALTH_TIMEOUT_S)
        )
        return result

    def enroll(self, partner_code: str, password: str, label: str) -> dict[str, Any]:
        body = {"partner_code": partner_code, "password": password, "label": label}
        result: dict[str, Any] = self.request("POST", "/v1/terminals", json=body, auth=False)
        return result

    def unenroll(self) -> None:
        self.request("DELETE", "/v1/terminals/current")

    def rotate_token(self) -> Any:
        """POST /v1/terminals/current/token: the new token (the caller checks and stores it)."""
        body = self.request("POST", "/v1/terminals/current/token")
        return body.get("token") if isinstance(body, dict) else None

    def partner(self) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", "/v1/partner")
        return result

    def keys(self) -> list[dict[str, Any]]:
        body = self.request("GET", "/v1/keys", auth=False)
        return list(body.get("keys") or [])

    def card(self, card_number: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/v1/cards/{card_number}")
        return result

    def photo(self, card_number: str) -> bytes:
        resp = self.request("GET", f"/v1/cards/{card_number}/photo", raw=True)
        return bytes(resp.content)

    def pay(self, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "POST", "/v1/payments", json=body, idempotency_key=idempotency_key
        )
        return result

    def voucher(self, ticket_number: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/v1/vouchers/{ticket_number}")
        return result

    def redeem(self, ticket_number: str, body: dict[str, Any], key: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "POST", f"/v1/vouchers/{ticket_number}/redeem", json=body, idempotency_key=key
        )
        return result

    def cancel(self, transaction_id: str, reason: str, key: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "POST",
            f"/v1/transactions/{transaction_id}/cancel",
            json={"reason": reason},
            idempotency_key=key,
        )
        return result

    def transactions(
        self,
        *,
        day_from: str | None = None,
        day_to: str | None = None,
        kind: str | None = None,
        cursor: str | None = None,
        limit: int = 500,
    ) -> dict[str, Any]:
        params = {"from": day_from, "to": day_to, "kind": kind, "cursor": cursor, "limit": limit}
        result: dict[str, Any] = self.request(
            "GET", "/v1/transactions", params={k: v for k, v in params.items() if v is not None}
        )
        return result

    def sync(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        body = self.request("POST", "/v1/sync", json={"items": items})
        return list(body.get("results") or [])

    def denylist(self, since: Any = None) -> dict[str, Any]:
        params = {"since": since} if since not in (None, "") else None
        result: dict[str, Any] = self.request("GET", "/v1/denylist", params=params)
        return result

    def statement(self, day: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", "/v1/statements/daily", params={"date": day})
        return result


_DROPPED = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
)


def _dropped(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the service closed or reset the connection under the request."""
    return any(isinstance(err, _DROPPED) for err in _causes(exc))


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """True when urllib3 failed before a byte of the request left (refused, DNS, connect)."""
    never = (NewConnectionError, NameResolutionError, ConnectTimeoutError, ConnectionRefusedError)
    return any(isinstance(err, never) for err in _causes(exc))


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and every exception it wraps (urllib3's reasons, arguments, causes, contexts)."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        err = stack.pop()
        if err is None or id(err) in seen:
            continue
        seen.add(id(err))
        yield err
        if isinstance(err, MaxRetryError):
            stack.append(err.reason)
        stack.extend(a for a in err.args if isinstance(a, BaseException))
        stack.append(err.__cause__)
        stack.append(err.__context__)
