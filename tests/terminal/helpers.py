"""Helpers for the terminal tests: beneficiary QR codes, a misbehaving HTTP proxy, a dead port."""

from __future__ import annotations

import email.utils
import socket
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
import requests
from support.central_server import CentralProcess, sqlite_url, start_central

from hdf_common import clock

PASSWORDS = {
    "23166621": "Demo-3116960",
    "23166622": "Demo-3116961",
    "23166623": "Demo-3116962",
    "23166624": "Demo-3116963",
    "23166625": "Demo-3116964",
}


def beneficiary_token(url: str, card: str, password: str | None = None) -> str:
    resp = requests.post(
        url + "/v1/beneficiary/session",
        json={"card_number": card, "password": password or PASSWORDS[card]},
        timeout=10,
    )
    resp.raise_for_status()
    return str(resp.json()["token"])


def card_qr(url: str, card: str, password: str | None = None) -> str:
    """The text of the card's QR code as the beneficiary's app shows it (HDF1:...)."""
    token = beneficiary_token(url, card, password)
    resp = requests.post(
        url + "/v1/beneficiary/qr", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    resp.raise_for_status()
    return str(resp.json()["qr_token"])


def report_card(url: str, card: str, reason: str = "stolen") -> None:
    token = beneficiary_token(url, card)
    resp = requests.post(
        url + "/v1/beneficiary/card/report",
        headers={"Authorization": f"Bearer {token}"},
        json={"reason": reason},
        timeout=10,
    )
    resp.raise_for_status()


def balance(url: str, card: str, wallet: str) -> int:
    token = beneficiary_token(url, card)
    resp = requests.get(
        url + "/v1/beneficiary/card", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    resp.raise_for_status()
    return next(int(w["balance_cents"]) for w in resp.json()["wallets"] if w["code"] == wallet)


def central_transactions(url: str, token: str, **params: Any) -> list[dict[str, Any]]:
    """Every transaction of the terminal's partner (all pages)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 500, **params}
        if cursor:
            query["cursor"] = cursor
        resp = requests.get(
            url + "/v1/transactions",
            headers={"Authorization": f"Bearer {token}"},
            params=query,
            timeout=30,
        )
        resp.raise_for_status()
        page = resp.json()
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def dead_url() -> str:
    """An address where nothing listens: connection refused, nothing ever sent."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _read_http_message(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class Proxy:
    """A one-request-per-connection HTTP proxy in front of the central service.

    mode "forward": passes everything (its `date_shift_s` rewrites the Date header);
    mode "drop": forwards the request, lets the service apply it, then cuts the connection
    without a byte of the answer (an unknown outcome for the terminal).
    """

    def __init__(self, upstream_port: int, tls: Any = None) -> None:
        self.upstream_port = upstream_port
        self.tls = tls  # an ssl.SSLContext: the proxy speaks HTTPS to the terminal
        self.mode = "forward"
        self.date_shift_s = 0.0
        self.dropped = 0
        self.forwarded = 0
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._server.close()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        if self.tls is not None:
            try:
                client = self.tls.wrap_socket(client, server_side=True)
            except OSError:  # the terminal refused our certificate
                client.close()
                return
        with client:
            request = _read_http_message(client)
            if not request:
                return
            with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30) as up:
                up.sendall(request)
                response = _read_http_message(up)
            if self.mode == "drop":
                self.dropped += 1
                return  # the answer is lost
            self.forwarded += 1
            head, _, body = response.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            kept = [lines[0]]
            for line in lines[1:]:
                name = line.partition(b":")[0].strip().lower()
                if name == b"connection":
                    continue
                if name == b"date" and self.date_shift_s:
                    at = clock.timestamp() + self.date_shift_s  # the service's clock, shifted
                    shifted = email.utils.formatdate(at, usegmt=True)
                    line = b"date: " + shifted.encode()
                kept.append(line)
            kept.append(b"connection: close")
            client.sendall(b"\r\n".join(kept) + b"\r\n\r\n" + body)


def create_voucher(url: str, card: str, partner: str, wallet: str, amount_cents: int) -> dict:
    """A prepayment made by the beneficiary online (its `qr_token` is the HDFV1: code)."""
    import uuid

    token = beneficiary_token(url, card)
    resp = requests.post(
        url + "/v1/beneficiary/prepayments",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
        json={"partner_code": partner, "wallet_code": wallet, "amount_cents": amount_cents},
        timeout=10,
    )
    resp.raise_for_status()
    return dict(resp.json())


def cancel_voucher(url: str, card: str, ticket: str) -> None:
    import uuid

    token = beneficiary_token(url, card)
    resp = requests.post(
        url + f"/v1/beneficiary/prepayments/{ticket}/cancel",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
        timeout=10,
    )
    resp.raise_for_status()


def self_signed_tls(folder: Any) -> tuple[Any, str]:
    """A server SSLContext with a fresh self-signed certificate for 127.0.0.1, and the PEM path
    of that certificate (the CA bundle a terminal must be given to trust it)."""
    import datetime
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hdf-central-test")])
    # OpenSSL judges a certificate's validity by the real clock, never by the suite's.
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = folder / "central-cert.pem"
    key_path = folder / "central-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, str(cert_path)


BOTH_DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def central_on(request: Any, data_dir: Path) -> AbstractContextManager[CentralProcess]:
    """A demo central service on the database the test is parametrised with (`BOTH_DATABASES`):
    the terminal stays SQLite, the service runs on each."""
    if request.param == "postgres":
        url = str(request.getfixturevalue("pg_cluster").create_database("terminal"))
    else:
        url = sqlite_url(data_dir / "central.db")
    return start_central(database_url=url, data_dir=data_dir)
