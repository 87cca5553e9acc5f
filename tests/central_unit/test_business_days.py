"""The service's business day is the Paris calendar day, at the hours where naive code is wrong.

Each service here runs with its clock set (`serve --clock`) to one of three instants, and this
process's clock is set to the same anchored instant, so both read the same time:

- 2027-03-28 00:30 Paris (winter time, = 2027-03-27T23:30Z): UTC is still on the 27th. Catches a
  business day taken as the UTC date (`instant.date()`, `datetime.now(UTC).date()`, day bounds
  computed in UTC).
- 2026-10-25 00:30 Paris (summer time, = 2026-10-24T22:30Z): UTC and UTC+1 are still on the 24th.
  Catches the UTC date, and a Paris taken as a fixed UTC+1 ("winter time all year").
- 2026-12-31 23:30 Paris (= 22:30Z): a fixed UTC+2 ("summer time all year") is already in 2027.

Every test runs at each instant on SQLite and PostgreSQL; each says which naive code it catches.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from support.api import Client, Terminal, business_day, payment_body, rfc3339
from support.central_server import CentralProcess, start_central
from support.clock import DST_AUTUMN_NIGHT, DST_SPRING_NIGHT, NEW_YEARS_EVE, anchored, clock_at

from hdf_common import clock, qrtoken

from .conftest import signing_key, sql

JEAN, STEPHANE = "23166621", "23166622"
DEMO_VOUCHER = "898564564632"  # DEMO.md: Jean's, pending, at L212

INSTANTS = {
    "dst-spring-0030": (DST_SPRING_NIGHT, date(2027, 3, 28)),
    "dst-autumn-0030": (DST_AUTUMN_NIGHT, date(2026, 10, 25)),
    "new-years-eve-2330": (NEW_YEARS_EVE, date(2026, 12, 31)),
}


class Service:
    def __init__(self, process: CentralProcess, setting: str, day: date) -> None:
        self.process = process
        self.setting = setting  # anchored: this process's clock reads the same
        self.day = day  # the Paris business day at that instant
        self.api = Client(process.url)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module", params=list(INSTANTS), ids=list(INSTANTS))
def service(
    request: pytest.FixtureRequest, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    instant, day = INSTANTS[request.param]
    data_dir = tmp_path_factory.mktemp(f"central-{backend}-{request.param}")
    url = request.getfixturevalue("new_postgres_database")() if backend == "postgres" else None
    setting = anchored(instant)
    with start_central(
        database_url=url, demo=True, data_dir=data_dir, extra_args=["--clock", setting]
    ) as proc:
        yield Service(proc, setting, day)


@pytest.fixture(autouse=True)
def same_clock(service: Service) -> Iterator[None]:
    """This process reads the service's clock during the test (the session's one after)."""
    with clock_at(service.setting):
        assert clock.today() == service.day, "the test's own business day is wrong"
        yield


def set_validity(service: Service, card: str, wallet: str, first: date, last: date) -> None:
    sql(
        service.process,
        "UPDATE wallets SET valid_from = :first, valid_to = :last "
        "WHERE wallet_code = :wallet "
        "AND card_id = (SELECT id FROM cards WHERE card_number = :card)",
        first=first.isoformat(),  # text: Python 3.12's sqlite3 deprecates its date adapter
        last=last.isoformat(),
        wallet=wallet,
        card=card,
    )


def statement(till: Terminal, day: date) -> dict:
    resp = till.get("/v1/statements/daily", params={"date": day.isoformat()})
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def test_the_service_says_the_set_instant(service: Service) -> None:
    # `serve --clock` beats the session's HDF_CLOCK, and the Date header follows the service's
    # clock (the terminal's skew warning compares it with its own).
    resp = service.api.get("/v1/health")
    served = datetime.fromisoformat(resp.json()["time"].replace("Z", "+00:00"))
    assert abs((served - clock.now()).total_seconds()) < 2
    from email.utils import parsedate_to_datetime

    assert abs((parsedate_to_datetime(resp.headers["Date"]) - clock.now()).total_seconds()) < 2


def test_a_payment_is_on_the_paris_day_in_the_list_and_the_statement(service: Service) -> None:
    # Catches: a wallet judged on a naive day (refused: it is only valid on the Paris day), a
    # listing or statement whose day bounds, or default day, are the UTC date or a fixed offset.
    day = service.day
    till = service.api.enrol("E305", label="Caisse nuit")
    set_validity(service, STEPHANE, "PREMIEREQUIP", day, day)
    before, before_eve = statement(till, day), statement(till, day - timedelta(days=1))

    resp = till.pay(STEPHANE, "PREMIEREQUIP", 700)
    assert resp.status_code == 201, resp.text
    txn = resp.json()
    assert business_day(txn["occurred_at"]) == day

    listed = [t["transaction_id"] for t in till.transactions(**{"from": day, "to": day})]
    assert txn["transaction_id"] in listed
    by_default = [t["transaction_id"] for t in till.transactions()]  # "today" by the service
    assert txn["transaction_id"] in by_default
    after = statement(till, day)
    assert after["date"] == day.isoformat()
    assert after["transaction_count"] == before["transaction_count"] + 1
    assert after["net_amount_cents"] == before["net_amount_cents"] + 700
    assert statement(till, day - timedelta(days=1)) == before_eve
    assert statement(till, day + timedelta(days=1))["transaction_count"] == 0


def test_a_synced_payment_is_judged_and_listed_on_the_paris_day_it_happened(
    service: Service,
) -> None:
    # An offline payment made 14 minutes ago with a QR token that expired 5 minutes ago.
    # Catches: wallet validity judged at occurred_at on a naive day (the wallet is valid on the
    # Paris day only), and the list of that day built on UTC or a fixed offset.
    day = service.day
    till = service.api.enrol("E305", label="Caisse hors ligne")
    set_validity(service, STEPHANE, "PREMIEREQUIP", day, day)
    kid, key = signing_key(service.process)
    issued = int(clock.timestamp()) - 15 * 60
    wallets = [{"code": "PREMIEREQUIP", "balance_cents": 5000, "valid_to": day.isoformat()}]
    claims = {"card": STEPHANE, "iat": issued, "exp": issued + 600, "wallets": wallets}
    token = qrtoken.CARD_PREFIX + qrtoken.sign(claims, key, kid)
    assert till.pay(STEPHANE, "PREMIEREQUIP", 300, qr_token=token).json()["code"] == (
        "token_expired"
    )

    occurred = rfc3339(datetime.fromtimestamp(issued + 60, clock.now().tzinfo))
    body = payment_body(STEPHANE, "PREMIEREQUIP", 300, qr_token=token, entry_mode="qr")
    item = {"idempotency_key": str(uuid.uuid4()), "operation": "payment", "body": body}
    resp = till.post("/v1/sync", json={"items": [{**item, "occurred_at": occurred}]})
    assert resp.status_code == 200, resp.text
    (result,) = resp.json()["results"]
    assert (result["outcome"], result["status"]) == ("applied", 201), result
    assert result["body"]["occurred_at"] == occurred and business_day(occurred) == day
    listed = [t["transaction_id"] for t in till.transactions(**{"from": day, "to": day})]
    assert result["body"]["transaction_id"] in listed


def test_a_voucher_expires_the_day_after_its_wallet_ends_not_before(service: Service) -> None:
    # Jean's wallet ended yesterday (Paris): his voucher expires and the money goes back.
    # Stéphane's ends today: his voucher is still good until midnight, Paris time.
    # Catches: "today" as the UTC date or UTC+1 (Jean's voucher stays pending on the DST nights)
    # and as UTC+2 (Stéphane's expires on New Year's Eve at 23:30).
    day = service.day
    l212 = service.api.enrol("L212", label="Caisse bons")
    tickets = {}
    for card in (JEAN, STEPHANE):
        resp = service.api.beneficiary(card).prepay("L212", "MANUEQUIP", 1000)
        assert resp.status_code == 201, resp.text
        tickets[card] = resp.json()["ticket_number"]
    jean_before = l212.balance(JEAN, "MANUEQUIP")
    set_validity(service, JEAN, "MANUEQUIP", day - timedelta(days=200), day - timedelta(days=1))
    set_validity(service, STEPHANE, "MANUEQUIP", day - timedelta(days=200), day)

    for ticket in (tickets[JEAN], DEMO_VOUCHER):  # the demo's 120,00 € voucher is Jean's too
        expired = l212.get(f"/v1/vouchers/{ticket}")
        assert expired.status_code == 200 and expired.json()["status"] == "expired", expired.text
    assert l212.balance(JEAN, "MANUEQUIP") == jean_before + 1000 + 12000

    pending = l212.get(f"/v1/vouchers/{tickets[STEPHANE]}")
    assert pending.status_code == 200 and pending.json()["status"] == "pending", pending.text
    redeemed = l212.redeem(tickets[STEPHANE])
    assert redeemed.status_code == 200 and redeemed.json()["status"] == "redeemed", redeemed.text
    assert business_day(redeemed.json()["redemption"]["occurred_at"]) == day
