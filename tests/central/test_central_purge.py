"""`hdf-central purge` (issue 15, "Purged (RGPD)"): holders' photos and names are erased once their
card is over for longer than the retention setting; the transactions are kept whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from support.central_server import run_central_cli, sqlite_url

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
PURGE_DAY = "2026-11-24T10:00:00+01:00"  # retention 3 years: over before 2023-11-24 is purged
PASSWORD = "Purge-2026a"


def database_url(request: pytest.FixtureRequest, backend: str, folder: Path) -> str:
    if backend == "postgres":
        return str(request.getfixturevalue("pg_cluster").create_database("purge"))
    return sqlite_url(folder / "central.db")


def cli(folder: Path, url: str, *args: str, clock: str = PURGE_DAY) -> Any:
    done = run_central_cli([*args, "--database", url, "--clock", clock], data_dir=folder)
    return done


def add_card(folder: Path, url: str, number: str, *, at: str, status: str, wallet: str) -> None:
    done = cli(
        folder, url, "card", "add", "--card-number", number, "--dossier-number", "9" + number[1:],
        "--first-name", "Léa", "--last-name", "ANCIENNE", "--password", PASSWORD,
        "--status", status, "--wallet", wallet, clock=at,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def rows(url: str, table: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        result = [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1"))]
    engine.dispose()
    return result


def holders(url: str) -> dict[str, tuple[str, str, bool]]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        found = conn.execute(
            sa.text("SELECT card_number, first_name, last_name, photo_jpeg IS NOT NULL FROM cards")
        )
        result = {r[0]: (r[1], r[2], bool(r[3])) for r in found}
    engine.dispose()
    return result


@pytest.fixture
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    backend = request.param
    url = database_url(request, backend, tmp_path)
    assert cli(tmp_path, url, "seed", "--demo").returncode == 0
    # Expired four years ago, replaced two years ago, a wallet that ended in 2021, a current one.
    add_card(tmp_path, url, "31000001", at="2022-06-01T09:00:00Z", status="expired",
             wallet="MANUEQUIP:5000:2021-07-01:2022-06-30")  # fmt: skip
    add_card(tmp_path, url, "31000002", at="2024-09-10T09:00:00Z", status="replaced",
             wallet="MANUEQUIP:5000:2024-07-01:2025-06-30")  # fmt: skip
    add_card(tmp_path, url, "31000003", at="2020-09-01T09:00:00Z", status="active",
             wallet="MANUEQUIP:5000:2020-07-01:2021-06-30")  # fmt: skip
    add_card(tmp_path, url, "31000004", at="2026-09-01T09:00:00Z", status="active",
             wallet="MANUEQUIP:5000:2026-07-01:2027-06-30")  # fmt: skip
    return tmp_path, url


@pytest.mark.parametrize("seeded", BACKENDS, indirect=True)
def test_dry_run_counts_and_changes_nothing(seeded: tuple[Path, str]) -> None:
    folder, url = seeded
    before = rows(url, "cards")
    done = cli(folder, url, "purge", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "à effacer : 2 carte(s) : 2 photo(s), 2 nom(s)" in done.stdout
    assert "rien n'a été modifié" in done.stdout
    assert rows(url, "cards") == before


@pytest.mark.parametrize("seeded", BACKENDS, indirect=True)
def test_apply_erases_photos_and_names_past_retention_and_keeps_transactions(
    seeded: tuple[Path, str],
) -> None:
    folder, url = seeded
    transactions = rows(url, "transactions")
    done = cli(folder, url, "purge", "--apply")
    assert done.returncode == 0, done.stderr
    assert "effacé : 2 carte(s)" in done.stdout
    after = holders(url)
    assert after["31000001"] == ("", "", False)  # expired in 2022
    assert after["31000003"] == ("", "", False)  # its only wallet ended in June 2021
    assert after["31000002"] == ("Léa", "ANCIENNE", True)  # replaced two years ago: kept
    assert after["31000004"] == ("Léa", "ANCIENNE", True)
    assert after["23166624"] == ("Lucas", "LEROY", True)  # DEMO.md's expired card, recent
    assert rows(url, "transactions") == transactions  # card numbers and amounts all kept

    again = cli(folder, url, "purge", "--apply")
    assert "effacé : 0 carte(s)" in again.stdout  # nothing left to erase

    shorter = cli(folder, url, "purge", "--apply", "--retention-years", "2")
    assert "effacé : 1 carte(s)" in shorter.stdout
    assert holders(url)["31000002"] == ("", "", False)
    assert rows(url, "transactions") == transactions


def test_purge_needs_to_be_told_dry_run_or_apply(tmp_path: Path) -> None:
    done = run_central_cli(
        ["purge", "--database", sqlite_url(tmp_path / "c.db")], data_dir=tmp_path
    )
    assert done.returncode == 2
    assert "--dry-run" in done.stderr
