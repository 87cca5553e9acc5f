"""Transaction lists (paged, newest first, own partner only), daily statements, problem+json."""

from __future__ import annotations

import pytest
from support.api import Client, Terminal, assert_problem, new_key, paris_today

STEPHANE = "23166622"


def test_list_is_paged_newest_first_and_complete(api: Client, e305: Terminal) -> None:
    made = [e305.pay(STEPHANE, "PREMIEREQUIP", 100 + i).json()["transaction_id"] for i in range(5)]
    seen: list[dict] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        resp = e305.get("/v1/transactions", params=params)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert len(body["items"]) <= 2
        seen += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    ids = [t["transaction_id"] for t in seen]
    assert len(ids) == len(set(ids))
    assert ids[:5] == made[::-1]
    assert pages >= 3
    occurred = [t["occurred_at"] for t in seen]
    assert occurred == sorted(occurred, reverse=True)


def test_kind_filter_and_own_partner_only(api: Client, l212: Terminal, e305: Terminal) -> None:
    mine = l212.pay(STEPHANE, "MANUEQUIP", 100).json()
    assert mine["transaction_id"] not in [t["transaction_id"] for t in e305.transactions()]
    online = l212.transactions(kind="online_payment")
    assert online and {t["kind"] for t in online} == {"online_payment"}
    counter = l212.transactions(kind="counter_payment")
    assert mine["transaction_id"] in [t["transaction_id"] for t in counter]
    # Another partner's transaction: not visible, not cancellable.
    assert_problem(e305.cancel(mine["transaction_id"]), 403, "forbidden")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 501},
        {"limit": "many"},
        {"from": "2026-13-01"},
        {"to": "yesterday"},
        {"kind": "gift"},
        {"cursor": "%%%not-a-cursor"},
        # Days whose Paris bounds a datetime cannot hold: once a 500.
        {"from": "0001-01-01", "to": "0001-01-02"},
        {"to": "0001-01-01"},
        {"from": "9999-12-31", "to": "9999-12-31"},
    ],
    ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()),
)
def test_bad_list_parameters_are_400(e305: Terminal, params: dict) -> None:
    assert_problem(e305.get("/v1/transactions", params=params), 400, "validation_error")


def test_daily_statement_with_a_cancellation(api: Client) -> None:
    # A terminal of its own so the figures are exactly this test's.
    atelier = api.enrol("E305", label="Statement")
    label = atelier.enrolment.get("label", "Statement")
    today = paris_today().isoformat()
    base = atelier.get("/v1/statements/daily", params={"date": today}).json()
    a = atelier.pay(STEPHANE, "PREMIEREQUIP", 1000).json()
    atelier.pay(STEPHANE, "MANUEQUIP", 300)
    assert atelier.cancel(a["transaction_id"]).status_code == 201
    resp = atelier.get("/v1/statements/daily", params={"date": today})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["date"] == today and body["partner_code"] == "E305"
    assert body["transaction_count"] == base["transaction_count"] + 3
    assert body["net_amount_cents"] == base["net_amount_cents"] + 300
    terminal_row = [r for r in body["by_terminal"] if r["terminal_id"] == atelier.terminal_id]
    assert terminal_row == [
        {"terminal_id": atelier.terminal_id, "label": label, "count": 3, "amount_cents": 300}
    ]
    kinds = {r["kind"]: r for r in body["by_kind"]}
    assert kinds["cancellation"]["amount_cents"] <= -1000
    wallet_sum = sum(r["amount_cents"] for r in body["by_wallet"])
    assert wallet_sum == body["net_amount_cents"]


@pytest.mark.parametrize(
    "query", ["", "?date=22-11-2026", "?date=tomorrow", "?date=0001-01-01", "?date=9999-12-31"]
)
def test_bad_statement_date_is_400(e305: Terminal, query: str) -> None:
    assert_problem(e305.get(f"/v1/statements/daily{query}"), 400, "validation_error")


def test_framework_errors_are_problems(api: Client, e305: Terminal) -> None:
    body = assert_problem(api.get("/v1/no-such-thing"), 404)
    assert body["code"] == "not_found"
    assert_problem(api.request("DELETE", "/v1/health"), 405)
    assert_problem(api.request("PUT", "/v1/payments", token=e305.token), 405)
    resp = e305.post(
        "/v1/payments",
        data=b"{not json",
        headers={"Content-Type": "application/json", "Idempotency-Key": new_key()},
    )
    assert_problem(resp, 400, "validation_error")
    resp = e305.post("/v1/payments", json=["a", "list"], key=new_key())
    assert resp.status_code in (400, 422)
    assert_problem(resp, resp.status_code, "validation_error")
    resp = e305.post("/v1/payments", json={"card_number": STEPHANE}, key=new_key())
    assert resp.status_code in (400, 422)
    assert_problem(resp, resp.status_code, "validation_error")
    before = e305.balance(STEPHANE, "PREMIEREQUIP")
    resp = e305.pay(STEPHANE, "PREMIEREQUIP", 100, key="not-a-uuid")
    assert_problem(resp, 400, "validation_error")
    assert e305.balance(STEPHANE, "PREMIEREQUIP") == before


def test_openapi_document_lists_every_endpoint(api: Client) -> None:
    doc = api.get("/v1/openapi.json")
    assert doc.status_code == 200
    paths = doc.json()["paths"]
    expected = {
        "/v1/terminals": {"post"},
        "/v1/terminals/current": {"delete"},
        "/v1/partner": {"get"},
        "/v1/keys": {"get"},
        "/v1/cards/{card_number}": {"get"},
        "/v1/cards/{card_number}/photo": {"get"},
        "/v1/payments": {"post"},
        "/v1/vouchers/{ticket_number}": {"get"},
        "/v1/vouchers/{ticket_number}/redeem": {"post"},
        "/v1/transactions": {"get"},
        "/v1/transactions/{transaction_id}/cancel": {"post"},
        "/v1/sync": {"post"},
        "/v1/denylist": {"get"},
        "/v1/statements/daily": {"get"},
        "/v1/health": {"get"},
        "/v1/beneficiary/session": {"post"},
        "/v1/beneficiary/card": {"get"},
        "/v1/beneficiary/qr": {"post"},
        "/v1/beneficiary/prepayments": {"post"},
        "/v1/beneficiary/prepayments/{ticket_number}/voucher.pdf": {"get"},
        "/v1/beneficiary/prepayments/{ticket_number}/cancel": {"post"},
        "/v1/beneficiary/online-payments": {"post"},
        "/v1/beneficiary/card/report": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, f"{path} missing from the OpenAPI document"
        assert methods <= set(paths[path]), f"{path}: {set(paths[path])}"


@pytest.mark.postgres
def test_a_later_page_is_an_index_range_ending_at_its_cursor(new_postgres_database) -> None:
    """Issue 15: the cursor's `occurred_at < c OR (occurred_at = c AND id < i)` alone is a filter
    on PostgreSQL, so a page deep in a busy partner's history walked every newer row of the
    period; the page's index range must end at the cursor."""
    from datetime import timedelta

    import sqlalchemy as sa

    from central import admin, migrate, queries
    from central.db import single_use_engine
    from central.ledger import Partner
    from central.models import partners

    url = new_postgres_database()
    migrate.upgrade(url)
    engine = single_use_engine(url)
    statements: list[tuple[str, object]] = []
    with engine.connect() as conn:
        with conn.begin():
            admin.seed_demo(conn)
        partner = Partner.from_row(
            conn.execute(sa.select(partners).where(partners.c.code == "L212")).one()
        )
        day = paris_today()
        cursor = queries._encode_cursor(admin.now(), "ffffffff-ffff-4fff-bfff-ffffffffffff")

        def keep(_conn, _cursor, statement, parameters, _context, _many) -> None:
            statements.append((statement, parameters))

        sa.event.listen(engine, "before_cursor_execute", keep)
        queries.list_transactions(
            conn, partner, day_from=day - timedelta(days=3), day_to=day, kind=None,
            cursor=cursor, limit=1,
        )  # fmt: skip
        sa.event.remove(engine, "before_cursor_execute", keep)
        (statement, parameters), *_ = statements
        # An index plan however few the rows: its bounds are what is checked.
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_bitmapscan = off")
        plan = conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all()
        conn.rollback()
    engine.dispose()
    index_conds = [line for line in plan if "Index Cond" in line]
    assert any("occurred_at <=" in line for line in index_conds), "\n".join(plan)
