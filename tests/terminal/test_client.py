"""The HTTP client tells apart "nothing was sent" from "sent, answer lost", and maps problem+json
codes to typed errors (no central service needed: raw sockets play the network)."""

from __future__ import annotations

import socket
import threading

import pytest

from pos.sync.client import (
    ApiClient,
    Conflict,
    Forbidden,
    NotFound,
    NotSent,
    Refusal,
    Unauthorized,
    UnknownOutcome,
    ValidationError,
    error_for,
)
from terminal.helpers import dead_url


def _server(behaviour):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)

    def serve():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=behaviour, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_connection_refused_is_not_sent():
    with pytest.raises(NotSent):
        ApiClient(dead_url(), token="t").pay({"amount_cents": 1}, "k")


def test_silence_after_the_request_is_an_unknown_outcome():
    received = []

    def silent(conn):
        received.append(conn.recv(65536))  # reads the request, never answers

    sock, url = _server(silent)
    try:
        with pytest.raises(UnknownOutcome):
            ApiClient(url, token="t", read_timeout=0.3).pay({"amount_cents": 1}, "key-1")
        assert b"Idempotency-Key: key-1" in received[0]
    finally:
        sock.close()


def test_a_5xx_on_a_payment_is_an_unknown_outcome():
    def broken(conn):
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        conn.close()

    sock, url = _server(broken)
    try:
        with pytest.raises(UnknownOutcome):
            ApiClient(url, token="t").pay({"amount_cents": 1}, "k")
    finally:
        sock.close()


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (401, "unauthorized", Unauthorized),
        (403, "voucher_other_partner", Forbidden),
        (404, "card_not_found", NotFound),
        (422, "validation_error", ValidationError),
        (422, "insufficient_funds", Refusal),
        (409, "already_cancelled", Conflict),
        (404, None, NotFound),
    ],
)
def test_problem_codes_become_typed_errors(status, code, cls):
    body = {"type": "about:blank", "title": "x", "status": status, "detail": "d"}
    if code:
        body["code"] = code
    err = error_for(status, body)
    assert isinstance(err, cls)
    assert err.code == (code or "not_found") and err.status == status
