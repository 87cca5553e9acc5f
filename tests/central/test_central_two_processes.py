"""Issue 13: two service processes on one PostgreSQL database (two hosts behind a load balancer)
hold the login limits, the look-up limit and idempotency together, since both live in the
database. Requests are sent to both at once, half to each."""

from __future__ import annotations

import base64
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
import requests
from support.api import Client, assert_problem
from support.central_server import CentralProcess, CentralStartError, start_central

pytestmark = pytest.mark.postgres

T = TypeVar("T")


@pytest.fixture(scope="module")
def pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[CentralProcess, CentralProcess]]:
    url = str(request.getfixturevalue("pg_cluster").create_database("central"))
    # Two hosts share the sealing key through the environment (central.sealing).
    env = {
        "HDF_CENTRAL_SECRET_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "HDF_CENTRAL_LOOKUP_LIMIT": "",  # API.md's 60 a minute in bursts of 20
    }
    proxies = ["--trusted-proxies", "127.0.0.1"]
    with (
        start_central(
            database_url=url, data_dir=tmp_path_factory.mktemp("a"), env=env, extra_args=proxies
        ) as a,
        start_central(
            database_url=url, data_dir=tmp_path_factory.mktemp("b"), env=env, extra_args=proxies
        ) as b,
    ):
        yield a, b


def both_at_once(
    pair: tuple[CentralProcess, CentralProcess], n: int, call: Callable[[str], T]
) -> list[T]:
    """`call(base_url)` n times at the same instant, alternately on each process."""
    start = threading.Barrier(n)

    def one(i: int) -> T:
        start.wait()
        return call(pair[i % 2].url)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_twenty_parallel_wrong_passwords_on_two_processes_give_at_most_five_401(pair) -> None:
    def wrong(base: str) -> int:
        ip = f"198.51.100.{uuid.uuid4().int % 250 + 1}"  # the partner code's limit alone
        return requests.post(
            base + "/v1/terminals",
            json={"partner_code": "L404", "password": "Wrong-pass9", "label": "x"},
            headers={"X-Forwarded-For": ip},
            timeout=60,
        ).status_code

    statuses = both_at_once(pair, 20, wrong)
    assert statuses.count(401) <= 5 and statuses.count(401) + statuses.count(429) == 20, statuses
    assert statuses.count(401) >= 1


def test_the_address_limit_holds_across_the_two_processes(pair) -> None:
    def wrong(base: str) -> int:
        code = f"U{uuid.uuid4().hex[:6]}"  # unknown partners: the address's limit alone
        return requests.post(
            base + "/v1/terminals",
            json={"partner_code": code, "password": "Wrong-pass9", "label": "x"},
            headers={"X-Forwarded-For": "203.0.113.77"},
            timeout=60,
        ).status_code

    statuses = both_at_once(pair, 30, wrong)
    assert statuses.count(401) == 20 and statuses.count(429) == 10, statuses


def test_the_look_up_limit_holds_across_the_two_processes(pair) -> None:
    till = Client(pair[0].url).enrol("L212", label="Sondeur")
    token = till.enrolment["token"]

    def look(base: str) -> int:
        return requests.get(
            base + "/v1/cards/23166622", headers={"Authorization": f"Bearer {token}"}, timeout=60
        ).status_code

    started = time.monotonic()
    statuses = both_at_once(pair, 40, look)
    elapsed = time.monotonic() - started
    assert set(statuses) == {200, 429}
    # A burst of 20, plus what the elapsed seconds refilled (one a second).
    assert 20 <= statuses.count(200) <= 20 + int(elapsed) + 1, (statuses.count(200), elapsed)


def test_one_idempotency_key_sent_to_both_processes_pays_once(pair) -> None:
    tills = [Client(p.url).enrol("L212", label="Caisse") for p in pair]
    # The same terminal token on both hosts (a load balancer spreads one till's retries).
    token = tills[0].enrolment["token"]
    before = tills[0].balance("23166621", "MANUEQUIP")
    for _ in range(5):
        key = str(uuid.uuid4())

        def pay(base: str, key: str = key) -> requests.Response:
            return requests.post(
                base + "/v1/payments",
                json={"card_number": "23166621", "wallet_code": "MANUEQUIP",
                      "amount_cents": 100, "entry_mode": "manual"},
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                timeout=60,
            )  # fmt: skip

        answers = both_at_once(pair, 6, pay)
        paid = [r for r in answers if r.status_code == 201]
        assert paid, [r.text for r in answers]
        for r in answers:
            if r.status_code != 201:
                assert_problem(r, 409, "idempotency_in_progress")
        assert len({r.json()["transaction_id"] for r in paid}) == 1  # one transaction, replayed
    assert tills[1].balance("23166621", "MANUEQUIP") == before - 5 * 100


def test_a_second_host_with_another_sealing_key_does_not_start(pair, tmp_path: Path) -> None:
    other = CentralProcess(
        database_url=pair[0].database_url,
        demo=False,
        data_dir=tmp_path,
        env={"HDF_CENTRAL_SECRET_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()},
    )
    with pytest.raises(CentralStartError, match="impossible à déchiffrer"):
        other.start()
