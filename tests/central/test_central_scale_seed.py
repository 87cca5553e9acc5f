"""`hdf-central seed --scale` (issue 15) at a tiny scale: deterministic, consistent ledger, and a
service that answers on it (a seeded partner enrols with `Scale-<code>`, a seeded card pays)."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from support.api import Client
from support.central_server import run_central_cli, sqlite_url, start_central

from central import migrate
from central.cli import _count, _years
from central.db import single_use_engine
from central.ops.scale_seed import SeedRefused, Spec, seed_scale

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
TINY = Spec(cards=500, partners=5, terminals=8, transactions=2_000, days=730, random_seed=7)
TABLES = ("partners", "terminals", "cards", "card_events", "wallets", "transactions", "vouchers")


def database_url(request: pytest.FixtureRequest, backend: str, folder: Path, name: str) -> str:
    if backend == "postgres":
        url = str(request.getfixturevalue("pg_cluster").create_database("scale"))
        return url.replace("postgresql://", "postgresql+psycopg://")
    return sqlite_url(folder / f"{name}.db")


def seeded(url: str, spec: Spec = TINY) -> None:
    migrate.upgrade(url)
    engine = single_use_engine(url)
    with engine.connect() as conn, conn.begin():
        seed_scale(conn, spec, progress=lambda _line: None)
    engine.dispose()


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = single_use_engine(url)
    with engine.connect() as conn:
        tables = {
            t: [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {t} ORDER BY 1"))]
            for t in TABLES
        }
    engine.dispose()
    return tables


def query(url: str, sql: str) -> list[Any]:
    engine = single_use_engine(url)
    with engine.connect() as conn:
        rows = list(conn.execute(sa.text(sql)))
    engine.dispose()
    return rows


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(tmp_path: Path) -> None:
    first, second, other = (sqlite_url(tmp_path / f"{n}.db") for n in ("a", "b", "c"))
    seeded(first)
    seeded(second)
    seeded(other, Spec(**{**TINY.__dict__, "random_seed": 8}))
    assert dump(first) == dump(second)  # ids, numbers, instants and password hashes alike
    assert dump(first)["transactions"] != dump(other)["transactions"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_ledger_agrees_with_balances_and_the_set_has_every_case(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    url = database_url(request, backend, tmp_path, "ledger")
    seeded(url)
    wrong = query(url, """
        SELECT w.id FROM wallets w
        WHERE w.balance_cents != (SELECT SUM(t.delta_cents) FROM transactions t
                                  WHERE t.card_id = w.card_id AND t.wallet_code = w.wallet_code)
           OR w.balance_cents < 0""")  # fmt: skip
    assert wrong == []
    assert query(url, "SELECT COUNT(*) FROM transactions WHERE balance_after_cents < 0")[0][0] == 0
    # A wallet's last row carries its balance (rows of one card are in time order).
    last_wrong = query(url, """
        SELECT w.id FROM wallets w WHERE w.balance_cents != (
            SELECT t.balance_after_cents FROM transactions t
            WHERE t.card_id = w.card_id AND t.wallet_code = w.wallet_code
            ORDER BY t.occurred_at DESC, t.kind = 'load' LIMIT 1)""")  # fmt: skip
    assert last_wrong == []
    statuses = {r[0] for r in query(url, "SELECT DISTINCT status FROM cards")}
    assert statuses == {"active", "blocked", "replaced", "expired"}
    vouchers = {r[0] for r in query(url, "SELECT DISTINCT status FROM vouchers")}
    assert vouchers == {"pending", "redeemed", "cancelled", "expired"}
    kinds = {r[0] for r in query(url, "SELECT DISTINCT kind FROM transactions")}
    assert {"counter_payment", "online_payment", "cancellation", "prepayment"} <= kinds
    assert query(url, "SELECT COUNT(*) FROM transactions WHERE offline")[0][0] > 0
    total = query(url, "SELECT COUNT(*) FROM transactions WHERE kind != 'load'")[0][0]
    assert 0.8 * TINY.transactions <= total <= 1.05 * TINY.transactions
    # The back-to-school peak: September's days are the busiest of the year.
    per_month = Counter(
        str(r[0])[5:7]
        for r in query(url, "SELECT occurred_at FROM transactions WHERE kind != 'load'")
    )
    assert per_month.most_common(1)[0][0] == "09", per_month


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_service_answers_on_the_seeded_set(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    url = database_url(request, backend, tmp_path, "serve")
    done = run_central_cli(
        ["seed", "--scale", "--cards", "500", "--partners", "5", "--terminals", "8",
         "--transactions", "2000", "--random-seed", "7", "--database", url],
        data_dir=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Scale-<code>" in done.stdout
    partner = query(url, "SELECT code FROM partners ORDER BY id LIMIT 1")[0][0]
    card, balance = query(url, """
        SELECT c.card_number, w.balance_cents FROM cards c JOIN wallets w ON w.card_id = c.id
        WHERE c.status = 'active' AND w.wallet_code = 'MANUEQUIP' AND w.balance_cents >= 100
        ORDER BY c.id LIMIT 1""")[0]  # fmt: skip
    blocked = [r[0] for r in query(url, "SELECT card_number FROM cards WHERE status = 'blocked'")]
    with start_central(database_url=url, demo=False, data_dir=tmp_path) as central:
        term = Client(central.url).enrol(partner, password=f"Scale-{partner}")
        assert term.balance(card, "MANUEQUIP") == balance
        assert term.pay(card, "MANUEQUIP", 100).status_code == 201
        assert term.balance(card, "MANUEQUIP") == balance - 100
        denylist = term.get("/v1/denylist")
        assert denylist.status_code == 200, denylist.text
        assert all(number in denylist.text for number in blocked)


def test_a_database_holding_data_is_refused_unless_forced(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "demo.db")
    assert run_central_cli(["seed", "--demo", "--database", url], data_dir=tmp_path).returncode == 0
    tiny = ["seed", "--scale", "--cards", "20", "--partners", "2", "--terminals", "2",
            "--transactions", "100", "--database", url]  # fmt: skip
    refused = run_central_cli(tiny, data_dir=tmp_path)
    assert refused.returncode == 1
    assert "--force" in refused.stderr
    assert query(url, "SELECT COUNT(*) FROM cards")[0][0] == 5  # DEMO.md's cards, untouched
    forced = run_central_cli([*tiny, "--force"], data_dir=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert query(url, "SELECT COUNT(*) FROM cards")[0][0] == 20
    assert query(url, "SELECT COUNT(*) FROM cards WHERE card_number = '23166621'")[0][0] == 0


def test_sizes_that_cannot_be_made_are_refused_before_anything_is_written() -> None:
    Spec(transactions=10_000_000).check()  # the region's size: numbers are unique per partner
    with pytest.raises(SeedRefused, match="7 chiffres"):
        Spec(partners=1, terminals=1, transactions=10_000_000).check()
    with pytest.raises(SeedRefused, match="terminal par partenaire"):
        Spec(partners=10, terminals=5).check()


@pytest.mark.parametrize(
    ("parse", "lowest", "highest", "message"),
    [(_count, 0, 999_999_999, "nombre entier positif"), (_years, 1, 100, "entre 1 et 100")],
)
@given(text=st.text(max_size=12))
def test_sizes_and_retention_years_are_whole_numbers_or_a_clear_refusal(
    parse: Any, lowest: int, highest: int, message: str, text: str
) -> None:
    """Untrusted command-line input (`seed --scale` sizes, `purge --retention-years`)."""
    try:
        n = parse(text)
    except argparse.ArgumentTypeError as exc:
        assert message in str(exc)
    else:
        assert n == int(text)
        assert lowest <= n <= highest


def _demo_database(request: pytest.FixtureRequest, backend: str, folder: Path, name: str) -> str:
    """DEMO.md's data, its signing key sealed with `folder`'s key (a service there opens it)."""
    url = database_url(request, backend, folder, name)
    done = run_central_cli(["seed", "--demo", "--database", url], data_dir=folder)
    assert done.returncode == 0, done.stderr
    return url


def _insert_at(url: str, partner_code: str, *, kind: str = "counter_payment") -> Any:
    """A ledger row of `partner_code` on Jean's card, numbered by `insert_transaction`."""
    from central import admin
    from central.ledger import common

    partner_id = query(url, f"SELECT id FROM partners WHERE code = '{partner_code}'")[0][0]
    engine = single_use_engine(url)
    with engine.connect() as conn, conn.begin():
        row = common.insert_transaction(
            conn, kind=kind, card_id=1, card_number="23166621", wallet_code="MANUEQUIP",
            amount_cents=100, delta_cents=-100, balance_after_cents=0, occurred_at=admin.now(),
            recorded_at=admin.now(), partner_id=partner_id, channel="extranet",
        )  # fmt: skip
    engine.dispose()
    return row


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_transaction_number_already_taken_is_drawn_again(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the region's size random 7-digit numbers collide often: a collision was a 500. Numbers
    are unique per partner: the number L212 holds is drawn again for L212, not for E305."""
    from central import admin
    from central.ledger import common

    url = _demo_database(request, backend, tmp_path, "numbers")
    taken = admin.DEMO_VOUCHER_TRANSACTION  # L212's prepayment
    draws = iter([taken, taken, "1234567", taken])
    monkeypatch.setattr(common, "new_transaction_number", lambda: next(draws))
    assert _insert_at(url, "L212").number == "1234567"
    assert _insert_at(url, "E305").number == taken  # another partner's series: free there
    numbers = [tuple(r) for r in query(url, "SELECT p.code, t.number FROM transactions t "
                                            "JOIN partners p ON p.id = t.partner_id")]  # fmt: skip
    assert numbers.count(("L212", taken)) == 1
    assert numbers.count(("L212", "1234567")) == 1
    assert numbers.count(("E305", taken)) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_partners_holding_one_number_each_see_and_cancel_only_their_own(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Numbers are unique per partner (issue 15: 9 million numbers, 10 million rows): the same
    number at two partners is two transactions, each seen and cancelled by its partner alone."""
    from central.ledger import common

    url = _demo_database(request, backend, tmp_path, "shared")
    monkeypatch.setattr(common, "new_transaction_number", lambda: "7654321")
    mine = _insert_at(url, "L212")
    theirs = _insert_at(url, "E305")
    assert mine.number == theirs.number == "7654321"
    with start_central(database_url=url, demo=False, data_dir=tmp_path) as central:
        api = Client(central.url)
        l212, e305 = api.enrol("L212"), api.enrol("E305")
        for term, own, other in ((l212, mine, theirs), (e305, theirs, mine)):
            listed = {t["transaction_id"]: t for t in term.transactions()}
            assert listed[own.id]["transaction_number"] == "7654321"
            assert other.id not in listed
            refused = term.cancel(other.id)
            assert refused.status_code == 403, refused.text
        assert e305.cancel(theirs.id).status_code == 201
        assert {t["transaction_id"]: t for t in l212.transactions()}[mine.id]["status"] == (
            "completed"
        )
        assert {t["transaction_id"]: t for t in e305.transactions()}[theirs.id]["status"] == (
            "cancelled"
        )


def test_the_seed_numbers_each_partner_apart_past_the_number_space(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More ledger rows than 7-digit numbers (here, a number space of 2,000 for 2,700 rows): the
    seed numbers each partner's rows apart, distinct within each partner, shared between them."""
    from central.ops import scale_seed

    monkeypatch.setattr(scale_seed, "NUMBER_SPACE", 2_000)
    url = sqlite_url(tmp_path / "space.db")
    seeded(url)
    rows = query(url, "SELECT partner_id, number FROM transactions")
    assert len(rows) > scale_seed.NUMBER_SPACE
    assert len(set(rows)) == len(rows)  # unique per partner (and among the loads, of none)
    assert all(1_000_000 <= int(n) < 1_002_000 for _p, n in rows)
    holders: dict[str, set[Any]] = {}
    for partner, number in rows:
        holders.setdefault(number, set()).add(partner)
    assert any(len(p) > 1 for p in holders.values())


def test_a_partner_given_more_rows_than_numbers_stops_the_seed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import date

    from central.ops import scale_seed

    monkeypatch.setattr(scale_seed, "NUMBER_SPACE", 30)
    gen = scale_seed.Generator(TINY, date(2026, 12, 1))
    numbers = [gen._number(3) for _ in range(30)]
    assert len(set(numbers)) == 30
    assert gen._number(4) != ""  # another partner's series is its own
    with pytest.raises(SeedRefused, match="7 chiffres"):
        gen._number(3)


@pytest.mark.postgres
def test_the_seeded_schema_keeps_every_key_and_index(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The PostgreSQL seed drops foreign keys and indexes around COPY: all come back, checked."""
    catalog = """
        SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace
        UNION ALL SELECT tablename || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
        ORDER BY 1"""
    fresh = database_url(request, "postgres", tmp_path, "fresh")
    migrate.upgrade(fresh)
    url = database_url(request, "postgres", tmp_path, "seeded")
    seeded(url)
    assert query(url, catalog) == query(fresh, catalog)
    assert len(query(url, catalog)) > 20
