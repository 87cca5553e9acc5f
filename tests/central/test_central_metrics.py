"""`GET /metrics` and the readiness probe (issue 15, "Watched"): what an operator's Prometheus
reads from a plain `hdf-central serve`, one process or several."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from support.api import Client, Terminal, ago, assert_problem, new_key, payment_body
from support.central_server import CentralProcess, start_central

from hdf_common import clock

JEAN = "23166621"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(base_url: str) -> Samples:
    resp = requests.get(base_url + "/metrics", timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(resp.text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_payments_and_sync_items_are_counted(
    central: CentralProcess, l212: Terminal, sign_card_token
) -> None:
    before = scrape(central.url)
    l212.card(JEAN)
    assert l212.pay(JEAN, "MANUEQUIP", 250).status_code == 201
    assert l212.pay(JEAN, "MANUEQUIP", 9_999_999).status_code == 422  # refused: no money moved
    item = {
        "idempotency_key": new_key(),
        "operation": "payment",
        "body": payment_body(  # an offline payment is proven by the card's QR (API.md 1.1)
            JEAN,
            "MANUEQUIP",
            130,
            qr_token=sign_card_token(
                JEAN,
                iat=clock.timestamp() - 1800,
                wallets=[{"code": "MANUEQUIP", "balance_cents": 5000, "valid_to": "2099-06-30"}],
            ),
        ),
        "occurred_at": ago(minutes=20),
    }
    assert l212.sync([item, item]).status_code == 200  # applied, then its duplicate
    after = scrape(central.url)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    look_up = {"method": "GET", "route": "/v1/cards/{card_number}"}
    assert delta("hdf_http_requests_total", **look_up, status="200") == 1
    assert delta("hdf_http_request_duration_seconds_count", **look_up) == 1
    pay = {"method": "POST", "route": "/v1/payments"}
    assert delta("hdf_http_requests_total", **pay, status="201") == 1
    assert delta("hdf_http_requests_total", **pay, status="422") == 1
    online = {"kind": "counter_payment", "offline": "false"}
    assert delta("hdf_ledger_transactions_total", **online) == 1  # not the refused one
    assert delta("hdf_ledger_amount_cents_total", **online) == 250
    offline = {"kind": "counter_payment", "offline": "true"}
    assert delta("hdf_ledger_transactions_total", **offline) == 1  # not the duplicate
    assert delta("hdf_ledger_amount_cents_total", **offline) == 130
    assert delta("hdf_sync_items_total", outcome="applied") == 1
    assert delta("hdf_sync_items_total", outcome="duplicate") == 1
    assert value(after, "hdf_db_pool_size") >= 1
    assert 0 <= value(after, "hdf_db_pool_in_use") <= value(after, "hdf_db_pool_size") + 8
    # Route templates only: a card number never becomes a label (nor a series per card).
    assert not any(JEAN in v for _, labels in after for _, v in labels)


def test_unknown_paths_share_one_series(central: CentralProcess, api: Client) -> None:
    for n in range(3):
        assert api.get(f"/nowhere/{n}").status_code == 404
    samples = scrape(central.url)
    assert value(samples, "hdf_http_requests_total", method="GET", route="unmatched",
                 status="404") >= 3  # fmt: skip
    assert not any("nowhere" in v for _, labels in samples for _, v in labels)


def test_rate_limit_refusals_are_counted(central: CentralProcess, api: Client) -> None:
    before = scrape(central.url)
    wrong = {"partner_code": "Z999", "password": "Wrong-pass1", "label": "x"}
    statuses = [api.post("/v1/terminals", json=wrong).status_code for _ in range(7)]
    assert 429 in statuses, statuses
    after = scrape(central.url)
    refused = value(after, "hdf_rate_limit_refusals_total", limit="/v1/terminals") - value(
        before, "hdf_rate_limit_refusals_total", limit="/v1/terminals"
    )
    assert refused == statuses.count(429)


def test_ready_when_the_database_answers(api: Client) -> None:
    resp = api.get("/v1/health/ready")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"status": "ready"}


@pytest.mark.postgres
def test_not_ready_503_when_the_database_is_gone(pg_cluster, tmp_path: Path) -> None:
    url = pg_cluster.create_database("ready")
    with start_central(database_url=url, demo=True, data_dir=tmp_path) as central:
        api = Client(central.url)
        assert api.get("/v1/health/ready").status_code == 200
        pg_cluster.drop_database(url)  # the database disappears under the running service
        body = assert_problem(api.get("/v1/health/ready"), 503, "not_ready")
        assert "base de données" in body["detail"]
        assert api.get("/v1/health").status_code == 200  # alive, just not ready


def test_several_workers_answer_with_the_sum_of_all(tmp_path: Path) -> None:
    with start_central(data_dir=tmp_path, extra_args=["--workers", "2"]) as central:
        api = Client(central.url)
        api.session.headers["Connection"] = "close"  # new connections: both workers get some
        for _ in range(30):
            assert api.get("/v1/health").status_code == 200
        seen = set()
        for _ in range(6):
            scrape_session = requests.get(central.url + "/metrics", timeout=30,
                                          headers={"Connection": "close"})  # fmt: skip
            families = text_string_to_metric_families(scrape_session.text)
            total = sum(
                s.value for f in families for s in f.samples
                if s.name == "hdf_http_requests_total" and s.labels.get("route") == "/v1/health"
            )  # fmt: skip
            seen.add(total)
        # Whichever worker answers, it reports every worker's requests (plus readiness polls).
        assert min(seen) >= 30, seen
