"""Version 1.1 `replay: true`: an operation sent online whose answer was lost is sent in
`/v1/sync` as a replay, judged as the online call it was; one accepted offline is not.

`RecordingProxy` sits between the terminal and the real central service: "swallow" reads a
request and closes the connection without forwarding it (the answer is lost, and this time the
service never applied it: the case where only a replay can save a typed-card payment);
"forward" passes everything and keeps the requests' bodies.
"""

from __future__ import annotations

import json
import socket

from pos.results import Outcome
from pos.sync import credentials
from terminal.helpers import _read_http_message, balance, card_qr, central_transactions, dead_url
from terminal.trust_proxies import ForwardingProxy


class RecordingProxy(ForwardingProxy):
    def __init__(self, upstream_port: int) -> None:
        self.mode = "forward"
        self.swallowed = 0
        self.bodies: dict[str, list[dict]] = {}  # path -> JSON bodies forwarded
        super().__init__(upstream_port)

    def handle(self, client: socket.socket) -> None:
        request = _read_http_message(client)
        if not request:
            return
        if self.mode == "swallow":
            self.swallowed += 1
            return  # closed: the request left, no answer ever comes
        head, _, body = request.partition(b"\r\n\r\n")
        path = head.split(b" ")[1].decode().split("?")[0]
        if body:
            self.bodies.setdefault(path, []).append(json.loads(body))
        head, payload = self.forward(request)
        client.sendall(head + b"\r\nconnection: close\r\n\r\n" + payload)


def _token(t) -> str:
    return str(credentials.load_token(str(t.terminal_id)))


def test_a_typed_card_payment_whose_answer_was_lost_is_replayed_once(central, make_terminal):
    proxy = RecordingProxy(central.port)
    try:
        t = make_terminal(central.url, name="replay")
        t.set_server_url(proxy.url)
        assert t.lookup("23166621").card_number == "23166621"
        before = balance(central.url, "23166621", "MANUEQUIP")

        proxy.mode = "swallow"
        # 60,00 €, typed: above the offline cap (50,00 €), and no QR: never an offline payment.
        result = t.pay(scan="23166621", wallet_code="MANUEQUIP", amount_cents=6000)
        assert proxy.swallowed >= 1
        assert result.outcome is Outcome.OFFLINE_QUEUED and result.receipt.unknown_outcome
        assert balance(central.url, "23166621", "MANUEQUIP") == before  # it never arrived

        proxy.mode = "forward"
        report = t.sync()
        assert (report.sent, report.applied, report.rejected) == (1, 1, 0)
        [item] = proxy.bodies["/v1/sync"][-1]["items"]
        assert item["replay"] is True
        assert item["idempotency_key"] == result.receipt.idempotency_key
        assert item["body"]["entry_mode"] == "manual" and "qr_token" not in item["body"]

        assert balance(central.url, "23166621", "MANUEQUIP") == before - 6000  # once
        payments = central_transactions(central.url, _token(t), kind="counter_payment")
        assert [p["amount_cents"] for p in payments] == [6000]
        assert t.sync().sent == 0
        assert balance(central.url, "23166621", "MANUEQUIP") == before - 6000  # still once
    finally:
        proxy.close()


def test_an_offline_payment_is_not_a_replay(central, make_terminal):
    proxy = RecordingProxy(central.port)
    try:
        t = make_terminal(central.url, name="not-replay")
        qr = card_qr(central.url, "23166622")
        t.set_server_url(dead_url())  # nothing sent: the offline rules accept it
        result = t.pay(scan=qr, wallet_code="MANUEQUIP", amount_cents=1000)
        assert result.outcome is Outcome.OFFLINE_QUEUED and not result.receipt.unknown_outcome

        t.set_server_url(proxy.url)
        assert t.sync().applied == 1
        [item] = proxy.bodies["/v1/sync"][-1]["items"]
        assert "replay" not in item and item["body"]["entry_mode"] == "qr"
    finally:
        proxy.close()


def test_offline_items_the_service_now_rejects_read_as_french_follow_ups():
    from pos.messages import refusal_message

    for code in ("offline_not_allowed", "offline_limit_exceeded"):
        sentence = refusal_message(code)
        assert sentence.startswith("Refusé par le service central") and code not in sentence
