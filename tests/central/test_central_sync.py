"""POST /v1/sync: queued offline operations applied in order, once, judged at their occurred_at."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from support.api import (
    Client,
    Terminal,
    ago,
    assert_problem,
    business_day,
    new_key,
    paris_today,
    parse_instant,
    payment_body,
)

from hdf_common import clock

JEAN, STEPHANE, EMMA = "23166621", "23166622", "23166625"


def payment_item(
    card: str,
    wallet: str,
    amount: int,
    *,
    occurred_at: str | None = None,
    key: str | None = None,
    qr_token: str | None = None,
    replay: bool = False,
) -> dict:
    """A sync payment item: an offline one (API.md 1.1: it needs qr_token), or with `replay` an
    online call whose answer was lost (a typed card number is fine then)."""
    item = {
        "idempotency_key": key or new_key(),
        "operation": "payment",
        "body": payment_body(card, wallet, amount, qr_token=qr_token),
        "occurred_at": occurred_at or ago(minutes=30),
    }
    if replay:
        item["replay"] = True
    return item


def funded(wallet: str, balance: int = 10**6) -> list[dict]:
    """The `wallets` claim of a card QR carrying `balance` for `wallet` (the offline cap)."""
    return [{"code": wallet, "balance_cents": balance, "valid_to": "2099-06-30"}]


def results_of(resp) -> list[dict]:
    assert resp.status_code == 200, resp.text
    return resp.json()["results"]


def test_applied_item_keeps_occurred_at_and_is_offline(e305: Terminal, sign_card_token) -> None:
    before = e305.balance(STEPHANE, "PREMIEREQUIP")
    occurred = ago(hours=2)
    # The QR the beneficiary showed then: issued a minute before, long expired now.
    token = sign_card_token(
        STEPHANE, iat=clock.timestamp() - 7260, wallets=funded("PREMIEREQUIP", before)
    )
    item = payment_item(STEPHANE, "PREMIEREQUIP", 300, occurred_at=occurred, qr_token=token)
    (result,) = results_of(e305.sync([item]))
    assert result["idempotency_key"] == item["idempotency_key"]
    assert (result["outcome"], result["status"]) == ("applied", 201), result
    tx = result["body"]
    assert tx["offline"] is True
    assert parse_instant(tx["occurred_at"]) == parse_instant(occurred)
    assert parse_instant(tx["recorded_at"]) > parse_instant(occurred)
    assert tx["terminal_id"] == e305.terminal_id
    assert tx["balance_after_cents"] == before - 300
    assert e305.balance(STEPHANE, "PREMIEREQUIP") == before - 300
    listed = {t["transaction_id"]: t for t in e305.transactions()}
    assert listed[tx["transaction_id"]]["offline"] is True


def test_replayed_item_is_a_duplicate_with_the_first_outcome(e305: Terminal) -> None:
    before = e305.balance(STEPHANE, "PREMIEREQUIP")
    ok = payment_item(STEPHANE, "PREMIEREQUIP", 100, replay=True)
    refused = payment_item(STEPHANE, "PREMIEREQUIP", 10**7, replay=True)
    first = results_of(e305.sync([ok, refused]))
    assert [r["outcome"] for r in first] == ["applied", "rejected"]
    assert first[1]["status"] == 422 and first[1]["body"]["code"] == "insufficient_funds"
    second = results_of(e305.sync([ok, refused]))
    assert [r["outcome"] for r in second] == ["duplicate", "duplicate"]
    for a, b in zip(first, second, strict=True):
        assert (b["status"], b["body"]) == (a["status"], a["body"])
    assert e305.balance(STEPHANE, "PREMIEREQUIP") == before - 100


def test_key_shared_between_online_call_and_sync(e305: Terminal) -> None:
    before = e305.balance(STEPHANE, "PREMIEREQUIP")
    key = new_key()
    online = e305.pay(STEPHANE, "PREMIEREQUIP", 150, key=key)
    assert online.status_code == 201, online.text
    # The terminal never saw the answer, queued the payment and syncs it later under the same key.
    item = payment_item(STEPHANE, "PREMIEREQUIP", 150, key=key, replay=True)
    item["occurred_at"] = online.json()["occurred_at"]
    (result,) = results_of(e305.sync([item]))
    assert result["outcome"] == "duplicate"
    assert (result["status"], result["body"]) == (201, online.json())
    # And the other way round: synced first, then the same key online is a replay.
    key2 = new_key()
    (synced,) = results_of(
        e305.sync([payment_item(STEPHANE, "PREMIEREQUIP", 120, key=key2, replay=True)])
    )
    assert synced["outcome"] == "applied"
    replay = e305.pay(STEPHANE, "PREMIEREQUIP", 120, key=key2)
    assert (replay.status_code, replay.json()) == (201, synced["body"])
    # Same key with another body inside a batch: that item is rejected as a conflict.
    (conflict,) = results_of(
        e305.sync([payment_item(STEPHANE, "PREMIEREQUIP", 999, key=key, replay=True)])
    )
    assert conflict["outcome"] == "rejected"
    assert (conflict["status"], conflict["body"]["code"]) == (409, "idempotency_conflict")
    assert e305.balance(STEPHANE, "PREMIEREQUIP") == before - 270


def test_items_applied_in_order_funds_checked_at_arrival(e305: Terminal) -> None:
    stephane = e305.balance(STEPHANE, "MANUEQUIP")
    items = [
        payment_item(STEPHANE, "MANUEQUIP", stephane, occurred_at=ago(minutes=50), replay=True),
        payment_item(STEPHANE, "MANUEQUIP", 1, occurred_at=ago(minutes=40), replay=True),
        payment_item(STEPHANE, "NOSUCHWALLET", 1, replay=True),
        payment_item(STEPHANE, "MANUEQUIP", 0, replay=True),
        payment_item("99999999", "MANUEQUIP", 1, replay=True),
    ]
    results = results_of(e305.sync(items))
    assert [r["idempotency_key"] for r in results] == [i["idempotency_key"] for i in items]
    assert [(r["outcome"], r["status"]) for r in results] == [
        ("applied", 201),
        ("rejected", 422),
        ("rejected", 422),
        ("rejected", 422),
        ("rejected", 404),
    ]
    assert [r["body"].get("code") for r in results[1:]] == [
        "insufficient_funds",
        "validation_error",
        "validation_error",
        "card_not_found",
    ]
    assert e305.balance(STEPHANE, "MANUEQUIP") == 0
    # Give the money back for the other tests of this module.
    assert e305.cancel(results[0]["body"]["transaction_id"]).status_code == 201


def test_occurred_at_older_than_max_age_is_rejected(e305: Terminal) -> None:
    before = e305.balance(STEPHANE, "PREMIEREQUIP")
    item = payment_item(STEPHANE, "PREMIEREQUIP", 100, occurred_at=ago(hours=73))
    (result,) = results_of(e305.sync([item]))
    assert (result["outcome"], result["status"]) == ("rejected", 422)
    assert result["body"]["code"] == "validation_error"
    assert e305.balance(STEPHANE, "PREMIEREQUIP") == before


def test_qr_token_judged_at_occurred_at(e305: Terminal, sign_card_token) -> None:
    now = clock.timestamp()
    # Issued 30 minutes ago, expired 20 minutes ago: fine for a payment made 25 minutes ago.
    token = sign_card_token(
        STEPHANE, iat=now - 1800, exp=now - 1200, wallets=funded("PREMIEREQUIP")
    )
    assert_problem(e305.pay(STEPHANE, "PREMIEREQUIP", 100, qr_token=token), 422, "token_expired")
    inside = payment_item(
        STEPHANE, "PREMIEREQUIP", 100, occurred_at=ago(minutes=25), qr_token=token
    )
    after_exp = payment_item(
        STEPHANE, "PREMIEREQUIP", 100, occurred_at=ago(minutes=15), qr_token=token
    )
    # iat − 5 min is still valid (the phone's clock may be ahead), iat − 6 min is not.
    leeway = payment_item(
        STEPHANE, "PREMIEREQUIP", 100, occurred_at=ago(minutes=34), qr_token=token
    )
    before_iat = payment_item(
        STEPHANE, "PREMIEREQUIP", 100, occurred_at=ago(minutes=37), qr_token=token
    )
    results = results_of(e305.sync([inside, after_exp, leeway, before_iat]))
    assert [(r["outcome"], r["status"]) for r in results] == [
        ("applied", 201),
        ("rejected", 422),
        ("applied", 201),
        ("rejected", 422),
    ]
    assert results[1]["body"]["code"] == "token_expired"
    assert results[3]["body"]["code"] == "token_invalid"


def test_card_status_judged_at_occurred_at(api: Client, l212: Terminal, sign_card_token) -> None:
    before = l212.balance(JEAN, "MANUEQUIP")
    token = sign_card_token(JEAN, iat=clock.timestamp() - 660, wallets=funded("MANUEQUIP"))
    made_before_block = payment_item(
        JEAN, "MANUEQUIP", 100, occurred_at=ago(minutes=10), qr_token=token
    )
    assert api.beneficiary(JEAN).report("lost").status_code == 200
    time.sleep(1.1)
    made_after_block = payment_item(
        JEAN, "MANUEQUIP", 100, occurred_at=ago(seconds=0), qr_token=token
    )
    results = results_of(l212.sync([made_before_block, made_after_block]))
    assert [(r["outcome"], r["status"]) for r in results] == [("applied", 201), ("rejected", 422)]
    assert results[1]["body"]["code"] == "card_blocked"
    assert l212.balance(JEAN, "MANUEQUIP") == before - 100


def test_voucher_redeem_items(api: Client, l212: Terminal) -> None:
    stephane = api.beneficiary(STEPHANE)
    kept = stephane.prepay("L212", "MANUEQUIP", 300).json()
    withdrawn = stephane.prepay("L212", "MANUEQUIP", 200).json()
    assert stephane.cancel_prepayment(withdrawn["ticket_number"]).status_code == 200
    items = [
        {
            "idempotency_key": new_key(),
            "operation": "voucher_redeem",
            "body": {"ticket_number": v["ticket_number"], "qr_token": v["qr_token"]},
            "occurred_at": ago(minutes=1),
        }
        for v in (kept, withdrawn)
    ]
    results = results_of(l212.sync(items))
    assert [(r["outcome"], r["status"]) for r in results] == [("applied", 200), ("rejected", 409)]
    assert results[0]["body"]["status"] == "redeemed"
    assert results[1]["body"]["code"] == "voucher_not_pending"
    redemption = {t["transaction_id"]: t for t in l212.transactions()}[
        results[0]["body"]["transaction_id"]
    ]
    assert redemption["kind"] == "voucher_redemption" and redemption["offline"] is True


def test_offline_payment_counts_on_the_day_it_happened(e305: Terminal, sign_card_token) -> None:
    yesterday = paris_today() - timedelta(days=1)
    token = sign_card_token(
        STEPHANE, iat=clock.timestamp() - 30 * 3600 - 60, wallets=funded("PREMIEREQUIP")
    )
    item = payment_item(STEPHANE, "PREMIEREQUIP", 111, occurred_at=ago(hours=30), qr_token=token)
    (result,) = results_of(e305.sync([item]))
    assert result["outcome"] == "applied", result
    day = business_day(result["body"]["occurred_at"])
    assert day in (yesterday, yesterday - timedelta(days=1))
    listed = e305.transactions(**{"from": day.isoformat(), "to": day.isoformat()})
    assert result["body"]["transaction_id"] in [t["transaction_id"] for t in listed]
    today_list = e305.transactions(**{"from": paris_today().isoformat()})
    assert result["body"]["transaction_id"] not in [t["transaction_id"] for t in today_list]
    statement = e305.get("/v1/statements/daily", params={"date": day.isoformat()}).json()
    assert statement["transaction_count"] >= 1 and statement["net_amount_cents"] >= 111


def test_malformed_batch_is_400_and_applies_nothing(e305: Terminal) -> None:
    before = e305.balance(STEPHANE, "PREMIEREQUIP")
    good = payment_item(STEPHANE, "PREMIEREQUIP", 100, replay=True)
    bad_items = [
        {k: v for k, v in good.items() if k != "idempotency_key"},
        {**good, "idempotency_key": new_key(), "operation": "teleport"},
        {**good, "idempotency_key": new_key(), "body": "not an object"},
        {k: v for k, v in good.items() if k != "occurred_at"} | {"idempotency_key": new_key()},
        "not an item",
    ]
    for bad in bad_items:
        resp = e305.post("/v1/sync", json={"items": [good, bad]})
        assert_problem(resp, 400, "validation_error")
    for envelope in ({"items": "nope"}, {}, []):
        assert_problem(e305.post("/v1/sync", json=envelope), 400, "validation_error")
    too_many = [payment_item(STEPHANE, "PREMIEREQUIP", 1) for _ in range(501)]
    assert_problem(e305.sync(too_many), 400, "validation_error")
    assert e305.balance(STEPHANE, "PREMIEREQUIP") == before
    # None of those attempts used up the good item's key.
    (result,) = results_of(e305.sync([good]))
    assert result["outcome"] == "applied"


@pytest.mark.parametrize(
    ("backend", "offline_item", "replay_item"),
    [("sqlite", 6, 4), pytest.param("postgres", 6, 4, marks=pytest.mark.postgres)],
)
def test_a_sync_item_costs_few_database_statements(
    request: pytest.FixtureRequest,
    backend: str,
    offline_item: int,
    replay_item: int,
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 15: a batch of 500 items must take under a second at the region's size, one
    transaction an item. Statements an item (BEGIN and COMMIT aside), in process: an offline
    payment reads its key, its card, the offline caps (one sum; on PostgreSQL after the caps
    lock), debits, writes its row and its key; a replay (a lost online answer) reads its key and
    debits in one conditional UPDATE, then writes its row and its key. Before: 9 and 6 on
    PostgreSQL, 7 and 5 on SQLite."""
    import json
    import uuid

    import sqlalchemy as sa

    from central import admin, migrate
    from central.clock import fmt_instant, now
    from central.db import single_use_engine
    from central.ledger import Partner, TerminalCaller
    from central.routes.sync import apply_batch
    from central.service import Service
    from hdf_common import qrtoken

    monkeypatch.setenv("HDF_CENTRAL_DATA_DIR", str(tmp_path))
    if backend == "postgres":
        url = request.getfixturevalue("new_postgres_database")()
    else:
        url = f"sqlite:///{tmp_path / 'sync.db'}"
    migrate.upgrade(url)
    engine = single_use_engine(url)
    with engine.connect() as conn, conn.begin():
        admin.seed_demo(conn)
    engine.dispose()
    svc = Service(url)
    with svc.db.read() as conn:
        row = conn.execute(sa.select(admin.partners).where(admin.partners.c.code == "E305")).one()
    caller = TerminalCaller(str(uuid.uuid4()), "Caisse", Partner.from_row(row))
    iat = int(now().timestamp())
    wallets = [{"code": "PREMIEREQUIP", "balance_cents": 30000, "valid_to": "2099-12-31"}]
    token = qrtoken.CARD_PREFIX + svc.keys.sign(
        {"card": STEPHANE, "iat": iat, "exp": iat + 300, "wallets": wallets}
    )
    statements: list[str] = []
    sa.event.listen(
        svc.db.engine, "before_cursor_execute", lambda *args: statements.append(args[2])
    )

    def statements_of(item: dict) -> int:
        statements.clear()
        (result,) = apply_batch(svc, caller, json.dumps({"items": [item]}).encode())["results"]
        assert result["outcome"] == "applied", result
        return len([s for s in statements if not s.startswith("BEGIN")])

    def item(**extra) -> dict:
        body = {"card_number": STEPHANE, "wallet_code": "PREMIEREQUIP", "amount_cents": 1}
        body |= extra.pop("body")
        key = str(uuid.uuid4())
        return {"idempotency_key": key, "operation": "payment", "body": body, **extra,
                "occurred_at": fmt_instant(now())}  # fmt: skip

    offline = {"body": {"entry_mode": "qr", "qr_token": token}}
    replay = {"body": {"entry_mode": "manual"}, "replay": True}
    statements_of(item(**offline))  # first use: wallet types and keys are read once
    try:
        assert statements_of(item(**offline)) == offline_item, statements
        assert statements_of(item(**replay)) == replay_item, statements
    finally:
        svc.db.dispose()
