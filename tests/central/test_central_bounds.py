"""Issue 13, findings 3 and 4: bodies are bounded while they are read, JSON nesting is bounded, and
the inputs that gave a 500 get a 400/422 `validation_error` (API.md 1.1, "Bodies are bounded").

Everything goes over real HTTP to the real service, on SQLite and PostgreSQL; the size limits
are checked with raw sockets, to show that the 413 comes before the body has been sent whole.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import requests
from support.api import Client, Terminal, ago, assert_problem, new_key, payment_body
from support.central_server import CentralProcess

MIB = 1024 * 1024


def raw_request(
    central: CentralProcess, head: str, body_parts: Iterator[bytes], *, wait: float = 10
) -> tuple[int, dict, float]:
    """Send a request over a socket, body parts one after another (stopping as soon as the
    service has answered), and return (status, problem body, bytes sent / MiB)."""
    url = urlsplit(central.url)
    sock = socket.create_connection((url.hostname, url.port), timeout=wait)
    sent = 0
    try:
        sock.sendall(head.encode("latin-1"))
        sock.setblocking(False)
        answer = b""
        for part in body_parts:
            try:
                answer += sock.recv(65536)
            except BlockingIOError:
                pass
            if b"\r\n\r\n" in answer:
                break
            try:
                sock.setblocking(True)
                sock.sendall(part)
                sent += len(part)
            except (BrokenPipeError, ConnectionResetError):
                break
            finally:
                sock.setblocking(False)
        sock.setblocking(True)
        sock.settimeout(wait)
        while b"\r\n\r\n" not in answer or not _complete(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    finally:
        sock.close()
    head_text, _, payload = answer.partition(b"\r\n\r\n")
    status = int(head_text.split(b" ", 2)[1])
    return status, json.loads(payload or b"{}"), sent / MIB


def _complete(answer: bytes) -> bool:
    head, _, payload = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(payload) >= int(line.split(b":")[1])
    return True


def zeros(total: int, part: int = 64 * 1024) -> Iterator[bytes]:
    while total > 0:
        yield b"0" * min(part, total)
        total -= part


def chunked(total: int, part: int = 64 * 1024) -> Iterator[bytes]:
    for piece in zeros(total, part):
        yield b"%x\r\n%s\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


def post_head(path: str, *, length: int | None = None, token: str | None = None) -> str:
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    if length is None:
        head += "Transfer-Encoding: chunked\r\n"
    else:
        head += f"Content-Length: {length}\r\n"
    return head + "\r\n"


# ---- 413 before authentication, while reading --------------------------------------------------


def test_a_declared_30_mb_body_is_refused_before_it_is_read(central: CentralProcess) -> None:
    # No credentials at all: the size comes first (API.md 1.1), and nothing needs to be sent.
    status, body, sent = raw_request(
        central, post_head("/v1/terminals", length=30 * MIB), zeros(30 * MIB)
    )
    assert (status, body["code"]) == (413, "payload_too_large"), body
    assert body["title"] and "Mio" in body["detail"]
    # The answer came long before the end of the body (socket buffers hold a few MiB, more on a
    # loaded machine): it was not read first.
    assert sent < 20, f"{sent:.1f} MiB sent before the answer"


def test_a_chunked_body_is_cut_off_just_past_the_limit(central: CentralProcess) -> None:
    status, body, sent = raw_request(central, post_head("/v1/terminals"), chunked(30 * MIB))
    assert (status, body["code"]) == (413, "payload_too_large"), body
    assert sent < 20, f"{sent:.1f} MiB sent before the answer"


def test_sync_allows_2_mib_and_refuses_more_before_authentication(
    central: CentralProcess, e305: Terminal
) -> None:
    over = 2 * MIB + 1
    status, body, _ = raw_request(central, post_head("/v1/sync", length=over), zeros(over))
    assert (status, body["code"]) == (413, "payload_too_large")
    status, body, _ = raw_request(central, post_head("/v1/sync"), chunked(over))
    assert (status, body["code"]) == (413, "payload_too_large")
    # 1.5 MiB is fine for a sync batch (over the 1 MiB of every other route): the item is judged.
    item = {
        "idempotency_key": new_key(),
        "operation": "payment",
        "body": payment_body("23166622", "PREMIEREQUIP", 1) | {"reference": "x" * 100},
        "occurred_at": ago(minutes=1),
        "padding": "p" * (MIB + MIB // 2),
    }
    resp = e305.post("/v1/sync", json={"items": [item]})
    assert resp.status_code == 200, resp.text[:300]
    (result,) = resp.json()["results"]
    assert result["body"]["code"] == "offline_not_allowed"
    # The same 1.5 MiB elsewhere is too large; unauthenticated, still 413 and not 401.
    big = json.dumps({"partner_code": "E305", "password": "x", "label": "p" * (MIB + MIB // 2)})
    assert_problem(requests.post(central.url + "/v1/terminals", data=big), 413, "payload_too_large")
    assert_problem(requests.post(central.url + "/v1/sync", data="x" * over), 413)


def test_bodies_within_the_limit_still_work_chunked_too(api: Client, central) -> None:
    def parts() -> Iterator[bytes]:
        text = json.dumps(
            {"partner_code": "L404", "password": "Demo-L404", "label": "Caisse chunked"}
        ).encode()
        yield text[:10]
        yield text[10:]

    resp = requests.post(central.url + "/v1/terminals", data=parts(), timeout=30)
    assert resp.status_code == 201, resp.text
    assert resp.json()["partner"]["code"] == "L404"


def test_ten_concurrent_30_mb_bodies_leave_the_service_memory_flat(
    central: CentralProcess,
) -> None:
    """Finding 3: ten concurrent unauthenticated 30 MB bodies took the service from 188 MB to
    476 MB. Now each is cut off at 1 MiB: its peak resident memory hardly moves."""
    pid = central.pid
    assert pid is not None
    before = _peak_rss_mib(pid)
    statuses: list[int] = []

    def attack(index: int) -> None:
        if index % 2:
            head, parts = post_head("/v1/terminals", length=30 * MIB), zeros(30 * MIB)
        else:
            head, parts = post_head("/v1/terminals"), chunked(30 * MIB)
        statuses.append(raw_request(central, head, parts, wait=60)[0])

    threads = [threading.Thread(target=attack, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    time.sleep(0.2)
    after = _peak_rss_mib(pid)
    assert statuses == [413] * 10
    assert after - before < 40, f"peak RSS {before:.0f} → {after:.0f} MiB"
    assert requests.get(central.url + "/v1/health", timeout=10).status_code == 200


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


# ---- JSON nesting ----------------------------------------------------------------------------


def test_deep_nesting_is_400_not_a_crash(central: CentralProcess, e305: Terminal) -> None:
    # Finding 3/4: 100 000 nested `[` on POST /v1/terminals was a RecursionError (500).
    resp = requests.post(central.url + "/v1/terminals", data="[" * 100_000, timeout=30)
    assert_problem(resp, 400, "validation_error")
    nested_33 = {"partner_code": "E305", "password": "x", "label": "l", "x": _nest(32)}
    assert_problem(requests.post(central.url + "/v1/terminals", json=nested_33), 400)
    # 32 levels are fine (the body object is the first): the password is what is refused here.
    nested_32 = {"partner_code": "E305", "password": "wrong", "label": "l", "x": _nest(31)}
    assert_problem(requests.post(central.url + "/v1/terminals", json=nested_32), 401)
    # Inside a sync item too, and brackets inside strings do not count.
    item = {
        "idempotency_key": new_key(),
        "operation": "payment",
        "body": payment_body("23166622", "PREMIEREQUIP", 1) | {"reference": "[" * 150},
        "occurred_at": ago(minutes=1),
    }
    resp = e305.post("/v1/sync", json={"items": [item]})
    assert resp.status_code == 200, resp.text
    deep = dict(item, idempotency_key=new_key(), body={"x": _nest(40)})
    assert_problem(e305.post("/v1/sync", json={"items": [deep]}), 400, "validation_error")


def _nest(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


# ---- the seven inputs that gave a 500 --------------------------------------------------------


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def test_the_seven_inputs_of_finding_4_are_refused_cleanly(central, e305: Terminal) -> None:
    for bad in ([123, "x"], [None, None], ["9999-12-31T23:59:59-23:59", "x"]):
        resp = e305.get("/v1/transactions", params={"cursor": _cursor(bad)})
        assert_problem(resp, 400, "validation_error")
    before = e305.balance("23166622", "PREMIEREQUIP")
    items = [
        {
            "idempotency_key": new_key(),
            "operation": "payment",
            "body": payment_body("23166622", "PREMIEREQUIP", 100),
            "occurred_at": instant,
            "replay": True,
        }
        for instant in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00")
    ]
    good = dict(items[0], idempotency_key=new_key(), occurred_at=ago(minutes=1))
    resp = e305.sync([items[0], good, items[1]])
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    # Each bad instant rejects its item alone; the batch goes on (it used to fail whole).
    assert [(r["outcome"], r["status"]) for r in results] == [
        ("rejected", 422),
        ("applied", 201),
        ("rejected", 422),
    ]
    assert {results[0]["body"]["code"], results[2]["body"]["code"]} == {"validation_error"}
    assert e305.balance("23166622", "PREMIEREQUIP") == before - 100
    resp = requests.post(central.url + "/v1/terminals", data="[" * 100_000, timeout=30)
    assert_problem(resp, 400, "validation_error")
