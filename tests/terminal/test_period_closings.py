"""Period closings (issue 14): `close-month` once every day of the month with entries is closed,
`close-year` once every month with entries is; each is a journal entry with the period's totals by
wallet and kind, the perpetual grand total and the last hash; nothing is ever added to a closed
period. SQLite terminals against the service on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support.central_server import CentralProcess, run_central_cli
from support.clock import clock_at

from hdf_common import clock
from pos import journal
from pos.sync import witness
from pos.terminal import Terminal
from terminal.helpers import BOTH_DATABASES, central_on

CARD = "23166621"


def pay(run_cli, data: Path, amount: str, card: str = CARD) -> None:
    code, out, err = run_cli(
        "--data-dir", data, "pay", "--card", card, "--wallet", "MANUEQUIP", "--amount", amount
    )
    assert code == 0, out + err


@pytest.fixture(params=BOTH_DATABASES)
def central(request, tmp_path) -> Iterator[CentralProcess]:
    """The service on SQLite and on PostgreSQL (the terminal is SQLite)."""
    with central_on(request, tmp_path / "central") as process:
        yield process


@contextmanager
def both_at(central, instant: str) -> Iterator[None]:
    """The terminal and the service at the same instant: a payment belongs to the Paris day of the
    service's instant (docs/TERMINAL.md, "Business days and the closing")."""
    with clock_at(instant) as setting:
        central.extra_env[clock.ENV_VAR] = setting
        central.restart()
        yield


def enrolled(central, make_terminal) -> Path:
    t = make_terminal(central.url, name="periods")
    data = Path(t.data_dir)
    t.close()
    return data


def test_a_month_closes_after_its_days_with_totals_grand_total_and_last_hash(
    central, make_terminal, run_cli
) -> None:
    data = enrolled(central, make_terminal)
    with both_at(central, "2026-11-24T10:00:00+01:00"):
        pay(run_cli, data, "3,00")
        pay(run_cli, data, "1,50")
    with both_at(central, "2026-11-26T10:00:00+01:00"):
        pay(run_cli, data, "2,00")
    with both_at(central, "2026-11-30T15:00:00+01:00"):
        code, _, err = run_cli("--data-dir", data, "close-month", "--month", "2026-11")
        assert code == 2 and "pas terminé" in err  # the month is not over
    with both_at(central, "2026-12-01T09:00:00+01:00"):
        assert run_cli("--data-dir", data, "close-day", "--date", "2026-11-24")[0] == 0
        code, _, err = run_cli("--data-dir", data, "close-month", "--month", "2026-11")
        assert code == 2 and "2026-11-26" in err and "2026-11-24" not in err
        assert run_cli("--data-dir", data, "close-day", "--date", "2026-11-26")[0] == 0
        code, out, err = run_cli("--data-dir", data, "close-month", "--month", "2026-11")
        assert code == 0, err
        assert "Mois 2026-11 clôturé(e) : 3 opération(s) sur 2 journée(s)" in out
        assert "Total de la période : 6,50 €" in out
        assert "Grand total perpétuel : 6,50 €" in out
        with sqlite3.connect(data / "terminal.db") as db:
            seq, text = db.execute(
                "SELECT seq, event FROM journal WHERE type = 'month_closing'"
            ).fetchone()
            before = db.execute("SELECT hash FROM journal WHERE seq = ?", (seq - 1,)).fetchone()[0]
            assert journal.verify(db).ok
        event = json.loads(text)
        assert event["period"] == "2026-11" and event["count"] == 3
        assert event["by_wallet"] == {"MANUEQUIP": 650}
        assert event["by_kind"] == {"counter_payment": 650}
        assert event["grand_total_cents"] == 650 and event["last_hash"] == before
        assert f"Dernière empreinte : {before}" in out
        # Once only.
        code, out, err = run_cli("--data-dir", data, "close-month", "--month", "2026-11")
        assert code == 2 and "déjà clôturée" in err


def test_nothing_is_ever_added_to_a_closed_month(central, make_terminal, run_cli) -> None:
    data = enrolled(central, make_terminal)
    with both_at(central, "2026-10-20T10:00:00+02:00"):
        pay(run_cli, data, "1,00")
    with both_at(central, "2026-11-02T10:00:00+01:00"):
        assert run_cli("--data-dir", data, "close-day", "--date", "2026-10-20")[0] == 0
        assert run_cli("--data-dir", data, "close-month", "--month", "2026-10")[0] == 0
    # A clock set back into the closed month: the payment goes to the first open day after it.
    with both_at(central, "2026-10-28T10:00:00+01:00"):
        pay(run_cli, data, "1,10")
        code, _, err = run_cli("--data-dir", data, "close-day", "--date", "2026-10-27")
        assert code == 2 and "clôturé" in err
    with sqlite3.connect(data / "terminal.db") as db:
        days = [r[0] for r in db.execute("SELECT day FROM journal WHERE type = 'payment'")]
        assert days == ["2026-10-20", "2026-11-01"]
        assert not db.execute(
            "SELECT 1 FROM journal WHERE day LIKE '2026-10-%' AND seq > "
            "(SELECT seq FROM journal WHERE type = 'month_closing')"
        ).fetchall()
        with pytest.raises(journal.DayClosedError):
            journal.append(db, "payment", {"amount_cents": 5}, day="2026-10-31")


def test_a_year_closes_after_its_months_and_sums_them(central, make_terminal, run_cli) -> None:
    data = enrolled(central, make_terminal)
    card = "29990001"  # a card of the 2024-2025 school year, paid in 2025
    added = run_central_cli(
        ["card", "add", "--database", central.database_url, "--card-number", card,
         "--dossier-number", "9990001", "--first-name", "Année", "--last-name", "PASSÉE",
         "--password", "Pw-29990001", "--wallet", "MANUEQUIP:5000:2024-09-01:2025-08-31"],
        data_dir=central.data_dir,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    for when, day, next_morning in (
        ("2025-03-10T10:00:00+01:00", "2025-03-10", "2025-03-11T09:00:00+01:00"),
        ("2025-07-01T10:00:00+02:00", "2025-07-01", "2025-07-02T09:00:00+02:00"),
    ):
        with both_at(central, when):
            pay(run_cli, data, "4,00", card)
        with both_at(central, next_morning):  # a day closes once it is over
            assert run_cli("--data-dir", data, "close-day", "--date", day)[0] == 0
    with both_at(central, "2026-01-05T10:00:00+01:00"):
        assert run_cli("--data-dir", data, "close-month", "--month", "2025-03")[0] == 0
        code, _, err = run_cli("--data-dir", data, "close-year", "--year", "2025")
        assert code == 2 and "2025-07" in err
        assert run_cli("--data-dir", data, "close-month", "--month", "2025-07")[0] == 0
        code, out, err = run_cli("--data-dir", data, "close-year", "--year", "2025")
        assert code == 0, err
        assert "Année 2025 clôturé(e) : 2 opération(s) sur 2 mois" in out
        assert "Total de la période : 8,00 €" in out
        for bad in ("2025-13", "25-01", "abcd"):
            code, _, err = run_cli("--data-dir", data, "close-month", "--month", bad)
            assert code == 2 and "non valable" in err
        code, _, err = run_cli("--data-dir", data, "close-year", "--year", "20x5")
        assert code == 2 and "non valable" in err
    # The closing reached the witness: the service holds the head after it.
    with Terminal.open(data) as t, t.store.reading() as conn:
        head = witness.local_head(conn)
        assert t.connection.client().request("GET", witness.HEAD_PATH)["hash"] == head.hash
