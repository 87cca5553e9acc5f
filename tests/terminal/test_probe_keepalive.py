"""Issue 12 item 4: "Hors ligne" flashed while the service ran. A kept-alive connection was reused
just as the service closed it (uvicorn closes one idle for 5 s, the probe period).

`ClosingProxy` makes that race happen on every reuse, deterministically: it forwards the first
request of each connection to the real central service and keeps the connection alive, then
closes it, unanswered and unforwarded, as soon as the next request arrives on it (what the
terminal sees when uvicorn's idle timer fires as its request goes out).
"""

from __future__ import annotations

import socket
import time

from pos.results import Outcome
from pos.sync import credentials
from pos.sync.client import ApiClient
from terminal.helpers import _read_http_message, balance, central_transactions
from terminal.trust_proxies import ForwardingProxy


class ClosingProxy(ForwardingProxy):
    def __init__(self, upstream_port: int) -> None:
        self.forwarded: list[bytes] = []  # request lines
        self.closed_on_reuse = 0
        super().__init__(upstream_port)

    def handle(self, client: socket.socket) -> None:
        request = _read_http_message(client)
        if not request:
            return
        head, body = self.forward(request)
        self.forwarded.append(request.split(b"\r\n", 1)[0])
        client.sendall(head + b"\r\n\r\n" + body)  # kept alive
        if _read_http_message(client):  # reused: closed under the request
            self.closed_on_reuse += 1


def _token(t) -> str:
    return str(credentials.load_token(str(t.terminal_id)))


def test_a_reused_connection_closed_by_the_service_is_retried_for_a_get(shared_central):
    proxy = ClosingProxy(shared_central.port)
    try:
        api = ApiClient(proxy.url)
        for _ in range(5):
            assert api.health()["status"] == "ok"
        assert proxy.closed_on_reuse == 4  # the race happened on every reuse, and was retried
        assert len(proxy.forwarded) == 5  # each probe reached the service once
    finally:
        proxy.close()


def test_the_probe_never_says_offline_while_the_service_runs(shared_central, make_terminal):
    proxy = ClosingProxy(shared_central.port)
    try:
        t = make_terminal(shared_central.url, name="keepalive")
        t.set_server_url(proxy.url)
        seen: list[bool] = []
        t.subscribe(
            lambda name, payload: seen.append(payload["online"]) if "online" in payload else None
        )
        states = [t.status(probe=True).online for _ in range(8)]
        assert states == [True] * 8
        assert False not in seen
        assert proxy.closed_on_reuse >= 7

        # A real outage still goes offline at once.
        proxy.close()
        started = time.monotonic()
        assert t.status(probe=True).online is False
        assert time.monotonic() - started < 1.0
        assert seen[-1] is False
    finally:
        proxy.close()


def test_a_payment_on_a_reused_connection_goes_once_and_online(central, make_terminal):
    proxy = ClosingProxy(central.port)
    try:
        t = make_terminal(central.url, name="keepalive-pay")
        t.set_server_url(proxy.url)
        assert t.lookup("23166622").card_number == "23166622"  # the connection is now kept
        before = balance(central.url, "23166622", "MANUEQUIP")
        result = t.pay(scan="23166622", wallet_code="MANUEQUIP", amount_cents=700)
        assert result.outcome is Outcome.ONLINE  # not an unknown outcome, not offline
        assert proxy.closed_on_reuse >= 1
        assert balance(central.url, "23166622", "MANUEQUIP") == before - 700
        payments = central_transactions(central.url, _token(t), kind="counter_payment")
        assert [p["amount_cents"] for p in payments] == [700]
        assert t.status(probe=False).queue == 0
    finally:
        proxy.close()
