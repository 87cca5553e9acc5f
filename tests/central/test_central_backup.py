"""`hdf-central backup` and `restore` (issue 15, "Backed up"): a restored backup is the database as
it was when the backup was taken; what happened after it, and only that, is lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.api import DEMO_CARDS, Client, Terminal
from support.central_server import run_central_cli, sqlite_url, start_central

from central.ops import backup as ops_backup

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def database_url(request: pytest.FixtureRequest, backend: str, folder: Path) -> str:
    if backend == "postgres":
        return str(request.getfixturevalue("pg_cluster").create_database("backup"))
    return sqlite_url(folder / "central.db")


def snapshot(term: Terminal) -> dict[str, Any]:
    """What an accountant compares: every demo card's balances and the partner's transactions."""
    balances = {
        number: {w["code"]: w["balance_cents"] for w in term.card(number)["wallets"]}
        for number in DEMO_CARDS
    }
    return {"balances": balances, "transactions": term.transactions()}


def cli(tmp_path: Path, *args: str) -> Any:
    return run_central_cli(list(args), data_dir=tmp_path)


@pytest.mark.parametrize("backend", BACKENDS)
def test_restore_loses_the_payment_made_after_the_backup_and_nothing_else(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    url = database_url(request, backend, tmp_path)
    saved = tmp_path / "central.backup"
    with start_central(database_url=url, demo=True, data_dir=tmp_path) as central:
        term = Client(central.url).enrol("L212")
        assert term.pay("23166621", "MANUEQUIP", 1000).status_code == 201
        at_backup = snapshot(term)

        done = cli(tmp_path, "backup", "--to", str(saved), "--database", url)
        assert done.returncode == 0, done.stderr
        assert saved.stat().st_size > 0

        late = term.pay("23166622", "MANUEQUIP", 700)
        assert late.status_code == 201, late.text
        before_restore = snapshot(term)
        assert before_restore != at_backup
        central.stop()

        refused = cli(tmp_path, "restore", "--from", str(saved), "--database", url)
        assert refused.returncode == 1
        assert "--force" in refused.stderr
        central.start()
        assert snapshot(term) == before_restore  # the refusal changed nothing
        central.stop()

        restored = cli(tmp_path, "restore", "--from", str(saved), "--database", url, "--force")
        assert restored.returncode == 0, restored.stderr
        central.start()
        after = snapshot(term)  # the terminal enrolled before the backup still works

    assert after == at_backup
    lost = [t for t in before_restore["transactions"] if t not in after["transactions"]]
    assert [t["transaction_id"] for t in lost] == [late.json()["transaction_id"]]
    assert after["balances"]["23166622"]["MANUEQUIP"] == (
        before_restore["balances"]["23166622"]["MANUEQUIP"] + 700
    )


def test_restore_into_an_empty_database_needs_no_force(tmp_path: Path) -> None:
    source = sqlite_url(tmp_path / "source.db")
    saved = tmp_path / "source.backup"
    assert cli(tmp_path, "seed", "--demo", "--database", source).returncode == 0
    assert cli(tmp_path, "backup", "--to", str(saved), "--database", source).returncode == 0
    fresh = sqlite_url(tmp_path / "fresh" / "central.db")
    done = cli(tmp_path, "restore", "--from", str(saved), "--database", fresh)
    assert done.returncode == 0, done.stderr
    # The backup holds the signing keys sealed: the sealing key travels apart, as DEPLOY.md says.
    (tmp_path / "fresh" / "central.db.key").write_bytes((tmp_path / "source.db.key").read_bytes())
    (tmp_path / "fresh" / "central.db.key").chmod(0o600)
    with start_central(database_url=fresh, demo=False, data_dir=tmp_path / "fresh") as central:
        assert Client(central.url).enrol("L404").balance("23166621", "MANUEQUIP") == 8000


def test_a_backup_of_the_wrong_kind_is_refused(tmp_path: Path) -> None:
    pg_dump_like = tmp_path / "dump.pgc"
    pg_dump_like.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
    done = cli(
        tmp_path, "restore", "--from", str(pg_dump_like), "--database",
        sqlite_url(tmp_path / "c.db"),
    )  # fmt: skip
    assert done.returncode == 1
    assert "n'est pas une sauvegarde SQLite" in done.stderr
    missing = cli(tmp_path, "restore", "--from", str(tmp_path / "nope"), "--database", "sqlite://")
    assert missing.returncode == 1
    assert "illisible" in missing.stderr


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.one_of(
        st.binary(max_size=4096), st.binary().map(lambda b: b"SQLite format 3\x00" + b)
    )
)
def test_any_file_given_to_restore_is_refused_cleanly_and_changes_nothing(
    tmp_path: Path, content: bytes
) -> None:
    """Untrusted input: whatever the file holds, a clear refusal, and the target is untouched."""
    target = tmp_path / "target.db"
    target.unlink(missing_ok=True)
    source = tmp_path / "backup.bin"
    source.write_bytes(content)
    with pytest.raises(ops_backup.BackupError):
        ops_backup.restore(sqlite_url(target), source)
    assert not target.exists() or target.stat().st_size == 0
